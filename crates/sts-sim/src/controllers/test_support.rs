//! Helpers the controller tests share: a bootstrapped state and condition waits.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::machinery::api;
use crate::machinery::resources::{EVENTS, NAMESPACES};
use crate::machinery::store::Obj;
use crate::options::ClusterOptions;
use crate::state::{SharedState, State};

/// A state with namespace `default`, nodes and the default StorageClass.
pub fn cluster(opts: ClusterOptions) -> SharedState {
    let state = Arc::new(State::new(opts));
    api::create(
        &state,
        &NAMESPACES,
        "",
        json!({"metadata": {"name": "default"}}),
        false,
    )
    .expect("namespace");
    crate::controllers::kubelet::bootstrap_nodes(&state);
    crate::controllers::provisioner::bootstrap_storage(&state);
    state
}

/// Waits (up to 10 s) until `check` returns something, re-checking on every store
/// event and every 20 ms; panics with `what` on timeout.
pub async fn wait_for<T>(
    state: &State,
    what: &str,
    mut check: impl FnMut(&State) -> Option<T>,
) -> T {
    let mut rx = state.store.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check(state) {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out waiting for {what}");
        }
        let _ = tokio::time::timeout(Duration::from_millis(20), rx.recv()).await;
    }
}

/// Events about the object named `name` with this reason.
pub fn events(state: &State, name: &str, reason: &str) -> Vec<Obj> {
    state
        .store
        .list(&EVENTS, None)
        .0
        .into_iter()
        .filter(|e| e["involvedObject"]["name"] == name && e["reason"] == reason)
        .collect()
}

/// A pod with one container and the given claims mounted.
pub fn pod(name: &str, image: &str, claims: &[&str]) -> Value {
    let volumes: Vec<Value> = claims
        .iter()
        .map(|c| json!({"name": c, "persistentVolumeClaim": {"claimName": c}}))
        .collect();
    json!({
        "metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {
            "containers": [{"name": "app", "image": image, "ports": [{"name": "http", "containerPort": 8080}]}],
            "volumes": volumes,
        },
    })
}

/// A claim asking for `size` (class unset unless given).
pub fn claim(name: &str, size: &str, class: Option<&str>) -> Value {
    let mut c = json!({
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
    });
    if let Some(class) = class {
        c["spec"]["storageClassName"] = json!(class);
    }
    c
}

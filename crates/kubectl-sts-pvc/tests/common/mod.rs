//! Harness for the end-to-end tests: a cluster reached only through a kubeconfig (the
//! simulator, or a real cluster when `STS_E2E_KUBECONFIG` is set), a fresh namespace per test,
//! the plugin binary run as a user would, and watch-driven waits.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::wait::await_condition;
use kube::runtime::watcher;
use serde_json::{json, Value};
pub use sts_sim::testing::Run;
use sts_sim::testing::{storage_request, template_storage, E2e};

/// One test's cluster and namespace (the shared `sts_sim::testing` harness) plus a backup
/// directory for `resize`.
pub struct Env {
    pub e2e: E2e,
    pub kubeconfig: PathBuf,
    pub client: kube::Client,
    pub ns: String,
    pub backups: tempfile::TempDir,
}

impl Env {
    pub async fn start() -> Env {
        Self::start_with(sts_sim::ClusterOptions::default()).await
    }

    pub async fn start_with(opts: sts_sim::ClusterOptions) -> Env {
        let e2e = E2e::start_with(opts).await;
        Env {
            kubeconfig: e2e.kubeconfig.clone(),
            client: e2e.client.clone(),
            ns: e2e.namespace.clone(),
            backups: tempfile::tempdir().unwrap(),
            e2e,
        }
    }

    /// Removes what the test made on a real cluster: its namespace and the ClusterRoles and
    /// ClusterRoleBindings of its grants (the simulator just stops).
    pub async fn cleanup(self) {
        self.e2e.cleanup().await;
    }

    /// Runs `kubectl-sts-pvc --kubeconfig K -n NS ARGS...`.
    pub async fn plugin(&self, args: &[&str]) -> Run {
        self.plugin_raw(
            &[
                "--kubeconfig",
                self.kubeconfig.to_str().unwrap(),
                "-n",
                &self.ns,
            ],
            args,
        )
        .await
    }

    /// Runs the plugin with exactly `base` + `args` (no implied namespace).
    pub async fn plugin_raw(&self, base: &[&str], args: &[&str]) -> Run {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubectl-sts-pvc"))
            .args(args)
            .args(base)
            .env("KUBECTL_STS_BACKUP_DIR", self.backups.path())
            .env("NO_COLOR", "1")
            .env_remove("KUBECONFIG")
            .output()
            .await
            .expect("run kubectl-sts-pvc");
        Run::of(&out)
    }

    pub fn sts_api(&self) -> Api<StatefulSet> {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    pub fn pvc_api(&self) -> Api<PersistentVolumeClaim> {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    pub fn pod_api(&self) -> Api<Pod> {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    pub async fn create_sts(&self, manifest: Value) -> StatefulSet {
        let sts: StatefulSet = serde_json::from_value(manifest).expect("statefulset manifest");
        self.sts_api()
            .create(&PostParams::default(), &sts)
            .await
            .expect("create statefulset")
    }

    pub async fn scale(&self, name: &str, replicas: i32) {
        self.sts_api()
            .patch(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"replicas": replicas}})),
            )
            .await
            .expect("scale");
    }

    /// Waits until the StatefulSet has observed its spec and runs `replicas` ready pods.
    pub async fn wait_ready(&self, name: &str, replicas: i32) {
        let cond = move |s: Option<&StatefulSet>| {
            s.is_some_and(|s| {
                let st = s.status.as_ref();
                st.and_then(|x| x.observed_generation) >= s.metadata.generation
                    && st.map(|x| x.replicas) == Some(replicas)
                    && st.and_then(|x| x.ready_replicas).unwrap_or(0) == replicas
            })
        };
        tokio::time::timeout(
            Duration::from_secs(60),
            await_condition(self.sts_api(), name, cond),
        )
        .await
        .unwrap_or_else(|_| panic!("statefulset {name} not ready with {replicas} replicas"))
        .expect("watch");
    }

    /// Waits (watch-driven) until `pred` holds for the names of the live claims.
    pub async fn wait_claims(&self, what: &str, pred: impl Fn(&[String]) -> bool) -> Vec<String> {
        fn live(objs: &BTreeMap<String, PersistentVolumeClaim>) -> Vec<String> {
            objs.iter()
                .filter(|(_, c)| c.metadata.deletion_timestamp.is_none())
                .map(|(n, _)| n.clone())
                .collect()
        }
        let objs = kube_sts::api::wait::until(
            self.pvc_api(),
            watcher::Config::default(),
            Duration::from_secs(30),
            what,
            |objs| pred(&live(objs)),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        live(&objs)
    }

    pub async fn claim_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .pvc_api()
            .list(&ListParams::default())
            .await
            .expect("list claims")
            .items
            .into_iter()
            .filter(|c| c.metadata.deletion_timestamp.is_none())
            .filter_map(|c| c.metadata.name)
            .collect();
        names.sort();
        names
    }

    pub async fn pod_uids(&self) -> Vec<(String, String)> {
        let mut pods: Vec<(String, String)> = self
            .pod_api()
            .list(&ListParams::default())
            .await
            .expect("list pods")
            .items
            .into_iter()
            .map(|p| {
                (
                    p.metadata.name.unwrap_or_default(),
                    p.metadata.uid.unwrap_or_default(),
                )
            })
            .collect();
        pods.sort();
        pods
    }
}

/// A StatefulSet of the seeds' visits app with the given claim templates (name, size).
pub fn sts_manifest(name: &str, replicas: i32, templates: &[(&str, &str)]) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "serviceName": name,
            "replicas": replicas,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{
                    "name": "app",
                    "image": "example/visits-app:1.0",
                    "env": [{"name": "VISITS_FILE", "value": format!("/{}/visits", templates[0].0)}],
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "volumeMounts": templates.iter().map(|(t, _)| json!({"name": t, "mountPath": format!("/{t}")})).collect::<Vec<_>>(),
                }]}
            },
            "volumeClaimTemplates": templates.iter().map(|(t, size)| json!({
                "metadata": {"name": t},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
            })).collect::<Vec<_>>(),
        }
    })
}

/// Sets a JSON pointer in a manifest.
pub fn with(mut manifest: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    manifest
        .pointer_mut(parent)
        .and_then(|v| v.as_object_mut())
        .expect("parent exists")
        .insert(key.to_string(), value);
    manifest
}

/// Resizes web's `data` claims to 256Mi.
pub const RESIZE_WEB: [&str; 8] = [
    "resize",
    "web",
    "--template",
    "data",
    "--size",
    "256Mi",
    "--timeout",
    "60s",
];

/// A claim's (requested, capacity) storage.
pub fn storage(pvc: &PersistentVolumeClaim) -> (String, String) {
    let req = storage_request(pvc.spec.as_ref());
    let cap = pvc.status.as_ref().unwrap().capacity.as_ref().unwrap()["storage"]
        .0
        .clone();
    (req, cap)
}

/// Asserts that web's three `data` claims and its template are at 256Mi, that no pod was
/// restarted, and that the StatefulSet controls every pod.
pub async fn assert_resized(env: &Env, pods_before: &[(String, String)]) {
    let sts = env.sts_api().get("web").await.unwrap();
    assert_eq!(template_storage(&sts), "256Mi");
    for i in 0..3 {
        let pvc = env.pvc_api().get(&format!("data-web-{i}")).await.unwrap();
        assert_eq!(storage(&pvc), ("256Mi".to_string(), "256Mi".to_string()));
    }
    assert_eq!(env.pod_uids().await, pods_before, "no pod was restarted");
    let uid = sts.metadata.uid.unwrap();
    for pod in env.pod_api().list(&Default::default()).await.unwrap().items {
        let owner = pod.metadata.owner_references.unwrap_or_default();
        assert!(
            owner
                .iter()
                .any(|o| o.uid == uid && o.controller == Some(true)),
            "adopted"
        );
    }
}

//! `--offline` and `--include-orphans`: a short-lived reader pod that mounts a claim whose pod
//! is not running (pinned to the volume's node), reads the counter and is deleted. Every reader
//! of one invocation carries a label, so an interrupted run can delete them all.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::watcher;
use kube::Client;
use serde_json::json;

use super::fetch::{self, ReadError};

/// Where a reader pod runs and what it mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderSpec {
    /// Namespace of the claim.
    pub namespace: String,
    /// The claim to mount (read-only).
    pub claim: String,
    /// Where to mount it (the app's mount path, so the file path is unchanged).
    pub mount_path: String,
    /// Node to pin to (the PV's node for ReadWriteOnce), if known.
    pub node: Option<String>,
    /// Image with `cat` and `sleep`.
    pub image: String,
    /// Value of the [`READER_RUN_LABEL`] of this invocation, so that [`remove_readers`] finds
    /// every reader pod it made (on Ctrl-C too).
    pub run: String,
}

/// Label on reader pods naming the invocation that created them.
pub const READER_RUN_LABEL: &str = "sts-visits.kubectl.io/reader-run";

/// A value for [`ReaderSpec::run`] unique to this process and moment.
pub fn new_reader_run() -> String {
    format!(
        "{:x}-{:x}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond() as u64 & 0xffff_ffff
    )
}

/// Deletes every reader pod of `run` (in `namespace`, or in all namespaces), for Ctrl-C and
/// error paths where a read was cut short. Returns how many were deleted.
pub async fn remove_readers(client: &Client, namespace: Option<&str>, run: &str) -> usize {
    let api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let selector = format!("{READER_RUN_LABEL}={run}");
    let Ok(list) = api
        .list(&kube::api::ListParams::default().labels(&selector))
        .await
    else {
        return 0;
    };
    let mut deleted = 0;
    for pod in list.items {
        let (Some(name), Some(ns)) = (pod.metadata.name, pod.metadata.namespace) else {
            continue;
        };
        let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
        if api.delete(&name, &DeleteParams::background()).await.is_ok() {
            deleted += 1;
        }
    }
    deleted
}

/// Reads `path` from a claim whose pod is not running: creates a short-lived pod mounting the
/// claim (pinned to `spec.node`), waits until it runs, `cat`s the file, then deletes the pod
/// whatever happened. With `absent_ok`, a missing file in an existing directory is `Ok(None)`.
pub async fn read_offline(
    client: &Client,
    spec: &ReaderSpec,
    path: &str,
    absent_ok: bool,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, ReadError> {
    let namespace = spec.namespace.as_str();
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let suffix = format!(
        "{:05x}",
        (jiff::Timestamp::now().subsec_nanosecond() as u32 ^ std::process::id()) & 0xfffff
    );
    let mut name = format!("sts-visits-reader-{}-{}", spec.claim, suffix);
    name.truncate(63);
    let name = name.trim_end_matches('-').to_string();
    let mut pod_spec = json!({
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 0,
        "containers": [{
            "name": "reader",
            "image": spec.image,
            "command": ["sleep", "3600"],
            "volumeMounts": [{"name": "data", "mountPath": spec.mount_path, "readOnly": true}],
        }],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": spec.claim, "readOnly": true}}],
    });
    if let Some(node) = &spec.node {
        pod_spec["nodeName"] = json!(node);
    }
    let mut labels = serde_json::Map::new();
    labels.insert(
        "app.kubernetes.io/managed-by".into(),
        json!("kubectl-sts-visits"),
    );
    labels.insert(READER_RUN_LABEL.into(), json!(spec.run));
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {"sts-visits.kubectl.io/reader-for": spec.claim},
        },
        "spec": pod_spec,
    }))
    .map_err(|e| ReadError::Other(e.to_string()))?;
    api.create(&PostParams::default(), &pod)
        .await
        .map_err(|e| ReadError::from_kube(e, "create", "pods", namespace))?;
    let result = async {
        crate::api::wait::until(
            api.clone(),
            watcher::Config::default().fields(&format!("metadata.name={name}")),
            timeout,
            &format!("reader pod {name} to start"),
            |pods| {
                pods.get(&name).is_some_and(|p| {
                    p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                })
            },
        )
        .await
        .map_err(|e| ReadError::Other(e.to_string()))?;
        if absent_ok {
            fetch::read_file_or_absent(client, namespace, &name, "reader", path, timeout).await
        } else {
            fetch::read_file(client, namespace, &name, "reader", path, timeout)
                .await
                .map(Some)
        }
    }
    .await;
    let _ = api.delete(&name, &DeleteParams::background()).await;
    result
}

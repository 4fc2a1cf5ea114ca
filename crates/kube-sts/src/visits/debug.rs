//! `--allow-debug`: an ephemeral container (the debug image) targeting the app container of a
//! pod whose image has no `cat`, reading the app's files through `/proc/1/root`. Ephemeral
//! containers cannot be removed; one already running is reused.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::watcher;
use kube::Client;
use serde_json::json;

use crate::api::access;

use super::fetch::{self, ReadError};
use super::permissions;

/// Prefix of the ephemeral containers this tool adds.
pub const DEBUG_CONTAINER: &str = "sts-visits-debug";

/// A running ephemeral container of ours with `image` targeting `target`, if any.
fn running_debug_container(pod: &Pod, image: &str, target: &str) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.ephemeral_container_statuses.as_ref());
    spec.ephemeral_containers
        .iter()
        .flatten()
        .filter(|c| {
            c.name.starts_with(DEBUG_CONTAINER)
                && c.image.as_deref() == Some(image)
                && c.target_container_name.as_deref() == Some(target)
        })
        .find(|c| {
            statuses.into_iter().flatten().any(|s| {
                s.name == c.name && s.state.as_ref().is_some_and(|st| st.running.is_some())
            })
        })
        .map(|c| c.name.clone())
}

/// The outcome of [`debug_container`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugContainer {
    /// Its name.
    pub name: String,
    /// Whether this run added it (false: reused one added earlier).
    pub added: bool,
}

/// An ephemeral container (`image`, sleeping) that shares the process namespace of `target`:
/// reuses a running one added by an earlier run, else adds one and waits until it runs,
/// after checking that every step is allowed ([`permissions::debug`]).
/// Ephemeral containers cannot be removed: they stay until the pod is replaced.
pub async fn debug_container(
    client: &Client,
    namespace: &str,
    pod: &Pod,
    target: &str,
    image: &str,
    timeout: Duration,
) -> Result<DebugContainer, ReadError> {
    if let Some(name) = running_debug_container(pod, image, target) {
        return Ok(DebugContainer { name, added: false });
    }
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let existing: Vec<serde_json::Value> = pod
        .spec
        .as_ref()
        .and_then(|s| s.ephemeral_containers.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|c| serde_json::to_value(c).ok())
        .collect();
    let taken: Vec<String> = existing
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    let name = (0..)
        .map(|i| {
            if i == 0 {
                DEBUG_CONTAINER.to_string()
            } else {
                format!("{DEBUG_CONTAINER}-{}", i + 1)
            }
        })
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| DEBUG_CONTAINER.to_string());
    let mut containers = existing;
    containers.push(json!({
        "name": name,
        "image": image,
        "command": ["sleep", "2147483647"],
        "targetContainerName": target,
        "stdin": false,
        "tty": false,
    }));
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let patch = json!({"spec": {"ephemeralContainers": containers}});
    let run = async {
        // Refused here, nothing was added: an ephemeral container cannot be taken back.
        access::require(client, &permissions::debug(namespace, &pod_name))
            .await
            .map_err(|e| ReadError::from_precheck(e, namespace))?;
        api.patch_subresource(
            "ephemeralcontainers",
            &pod_name,
            &PatchParams::default(),
            &Patch::Strategic(&patch),
        )
        .await
        .map_err(|e| ReadError::from_kube(e, "patch", "pods/ephemeralcontainers", namespace))?;
        let wanted = name.clone();
        crate::api::wait::until(
            api.clone(),
            watcher::Config::default().fields(&format!("metadata.name={pod_name}")),
            timeout,
            &format!("ephemeral container {name} in pod {pod_name} to start"),
            |pods| {
                pods.get(&pod_name).is_some_and(|p| {
                    p.status
                        .as_ref()
                        .and_then(|s| s.ephemeral_container_statuses.as_ref())
                        .into_iter()
                        .flatten()
                        .any(|s| {
                            s.name == wanted
                                && s.state.as_ref().is_some_and(|st| st.running.is_some())
                        })
                })
            },
        )
        .await
        .map_err(|e| ReadError::Other(e.to_string()))?;
        Ok(DebugContainer { name, added: true })
    };
    // The patch and the wait share one deadline with some slack for the image pull.
    tokio::time::timeout(timeout + Duration::from_secs(1), run)
        .await
        .map_err(|_| ReadError::Timeout(timeout))?
}

/// `cat /proc/1/root/PATH` in debug container `debug`: the target container's file.
pub async fn read_through_debug(
    client: &Client,
    namespace: &str,
    pod: &str,
    debug: &str,
    path: &str,
    timeout: Duration,
) -> Result<Vec<u8>, ReadError> {
    let proc_path = format!("/proc/1/root{path}");
    fetch::read_file(client, namespace, pod, debug, &proc_path, timeout).await
}

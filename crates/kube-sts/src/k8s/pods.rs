//! What a user wants to know about a pod at a glance: its status word as `kubectl get pods`
//! prints it, and where a claim is mounted in it.

use k8s_openapi::api::core::v1::{Pod, PodSpec};

/// The STATUS column of `kubectl get pods`, simplified: Terminating, a container's waiting or
/// terminated reason, else the phase.
pub fn display_status(pod: &Pod) -> String {
    if pod.metadata.deletion_timestamp.is_some() {
        return "Terminating".into();
    }
    let status = pod.status.as_ref();
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    if let Some(reason) = status.and_then(|s| s.reason.clone()) {
        return reason;
    }
    let containers = status
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten();
    for c in containers {
        if let Some(state) = &c.state {
            if let Some(reason) = state.waiting.as_ref().and_then(|w| w.reason.clone()) {
                return reason;
            }
            if let Some(reason) = state.terminated.as_ref().and_then(|t| t.reason.clone()) {
                return reason;
            }
        }
    }
    phase
}

/// Whether the pod is Running (exec needs that).
pub fn is_running(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

/// A place a volume is mounted: container and path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mount {
    /// Container name.
    pub container: String,
    /// Mount path inside the container.
    pub path: String,
}

/// Where the pod mounts claim `claim` (through any volume pointing at it).
pub fn mounts_of_claim(spec: &PodSpec, claim: &str) -> Vec<Mount> {
    let volumes: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| {
            v.persistent_volume_claim
                .as_ref()
                .is_some_and(|p| p.claim_name == claim)
        })
        .map(|v| v.name.as_str())
        .collect();
    mounts_of_volumes(spec, &volumes)
}

/// Where the pod (or pod template) mounts the volume named `volume`.
pub fn mounts_of_volume(spec: &PodSpec, volume: &str) -> Vec<Mount> {
    mounts_of_volumes(spec, &[volume])
}

fn mounts_of_volumes(spec: &PodSpec, volumes: &[&str]) -> Vec<Mount> {
    spec.containers
        .iter()
        .flat_map(|c| {
            c.volume_mounts
                .iter()
                .flatten()
                .filter(|m| volumes.contains(&m.name.as_str()))
                .map(|m| Mount {
                    container: c.name.clone(),
                    path: m.mount_path.clone(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures;
    use k8s_openapi::api::core::v1::{ContainerState, ContainerStateWaiting, ContainerStatus};

    #[test]
    fn status_words() {
        let sts = fixtures::sts("web", 1, 0, &["data"]);
        let mut pod = fixtures::pod(&sts, 0, &["data"]);
        assert_eq!(display_status(&pod), "Running");
        assert!(is_running(&pod));
        pod.status.as_mut().unwrap().phase = Some("Pending".into());
        pod.status.as_mut().unwrap().container_statuses = Some(vec![ContainerStatus {
            name: "app".into(),
            state: Some(ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some("ContainerCreating".into()),
                    message: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        }]);
        assert_eq!(display_status(&pod), "ContainerCreating");
        pod.metadata.deletion_timestamp = Some(fixtures::ago(1));
        assert_eq!(display_status(&pod), "Terminating");
        assert!(!is_running(&pod));
    }

    #[test]
    fn mounts() {
        let sts = fixtures::sts("web", 1, 0, &["data", "logs"]);
        let pod = fixtures::pod(&sts, 0, &["data", "logs"]);
        let spec = pod.spec.as_ref().unwrap();
        assert_eq!(
            mounts_of_claim(spec, "logs-web-0"),
            vec![Mount {
                container: "app".into(),
                path: "/logs".into()
            }]
        );
        assert!(mounts_of_claim(spec, "logs-web-1").is_empty());
        assert_eq!(mounts_of_volume(spec, "data")[0].path, "/data");
    }
}

//! The nodes of the simulated cluster, registered at start as kubelets register theirs, and
//! what the kubelet reads off them (readiness, internal IP).

use serde_json::{json, Value};

use crate::controllers::objects::hash_hex;
use crate::machinery::api;
use crate::machinery::resources::NODES;
use crate::machinery::store::now_rfc3339;
use crate::state::State;

/// Creates `opts.nodes` Ready nodes `node-1..N` (existing ones are left alone).
pub fn bootstrap_nodes(state: &State) {
    let zones = ["zone-a", "zone-b", "zone-c"];
    let now = now_rfc3339();
    for i in 1..=state.opts.nodes {
        let name = format!("node-{i}");
        let ip = format!("172.18.0.{i}");
        let heartbeat = |kind: &str, status: &str, reason: &str, message: &str| {
            json!({
                "type": kind, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": now, "lastTransitionTime": now,
            })
        };
        let resources = json!({
            "cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi",
            "hugepages-1Gi": "0", "hugepages-2Mi": "0",
        });
        let node = json!({
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux",
                    "beta.kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": zones[(i - 1) % zones.len()],
                },
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": {
                "podCIDR": format!("10.244.{i}.0/24"),
                "podCIDRs": [format!("10.244.{i}.0/24")],
                "providerID": format!("sts-sim://{name}"),
            },
            "status": {
                "capacity": resources,
                "allocatable": resources,
                "conditions": [
                    heartbeat("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    heartbeat("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    heartbeat("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    heartbeat("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                ],
                "addresses": [
                    {"type": "InternalIP", "address": ip},
                    {"type": "Hostname", "address": name},
                ],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "machineID": hash_hex(&["machine", &name]),
                    "systemUUID": uuid::Uuid::new_v4().to_string(),
                    "bootID": uuid::Uuid::new_v4().to_string(),
                    "kernelVersion": "6.8.0-sts-sim",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "containerRuntimeVersion": "containerd://2.1.1",
                    "kubeletVersion": state.opts.git_version,
                    "kubeProxyVersion": state.opts.git_version,
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
            },
        });
        let _ = api::create(state, &NODES, "", node, false);
    }
}

pub(crate) fn node_internal_ip(node: &Value) -> Option<String> {
    node["status"]["addresses"]
        .as_array()?
        .iter()
        .find(|a| a["type"] == "InternalIP")
        .and_then(|a| a["address"].as_str())
        .map(str::to_string)
}

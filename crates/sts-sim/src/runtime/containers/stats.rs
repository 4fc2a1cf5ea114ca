//! Sizes a container sees: each mount's capacity (the claim's size, or the node's root and
//! ephemeral disks) and the kubelet Summary API (`/stats/summary`) built from them.

use serde_json::{json, Value};

use super::view::volume_for;
use crate::machinery::resources::{NODES, PODS, PVCS, PVS};
use crate::runtime::containers::{Mount, VolumeKind};
use crate::state::State;

/// A storage quantity in bytes (`5Mi`, `1G`, `1.5Ki`), via the API server's parser.
pub fn parse_quantity(q: &str) -> Option<u64> {
    crate::machinery::quantity::parse_quantity(q.trim())
        .ok()
        .and_then(|b| u64::try_from(b).ok())
}

const ROOT_FS_BYTES: u64 = 20 << 30;
const EPHEMERAL_BYTES: u64 = 10 << 30;

/// Capacity in bytes of the volume behind a mount (`None`: the root filesystem).
pub fn mount_capacity(state: &State, namespace: &str, mount: Option<&Mount>) -> u64 {
    let Some(m) = mount else {
        return ROOT_FS_BYTES;
    };
    let (_, cap) = state.fs.usage(&m.volume_id);
    if cap > 0 {
        return cap;
    }
    match &m.kind {
        VolumeKind::Claim { claim, pv } => {
            let from_pv = pv
                .as_deref()
                .and_then(|pv| state.store.get(&PVS, "", pv))
                .and_then(|pv| {
                    pv["spec"]["capacity"]["storage"]
                        .as_str()
                        .and_then(parse_quantity)
                });
            let from_claim = || {
                state.store.get(&PVCS, namespace, claim).and_then(|c| {
                    c["status"]["capacity"]["storage"]
                        .as_str()
                        .or(c["spec"]["resources"]["requests"]["storage"].as_str())
                        .and_then(parse_quantity)
                })
            };
            from_pv
                .or_else(from_claim)
                .unwrap_or(state.opts.default_volume_bytes)
        }
        _ => EPHEMERAL_BYTES,
    }
}

/// The kubelet Summary API (`/api/v1/nodes/NODE/proxy/stats/summary`) for the pods on `node`.
pub fn node_stats_summary(state: &State, node: &str) -> Value {
    let now = crate::machinery::store::now_rfc3339();
    let node_start = state
        .store
        .get(&NODES, "", node)
        .and_then(|n| {
            n["metadata"]["creationTimestamp"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| now.clone());
    let mut pods = Vec::new();
    for pod in state.store.list(&PODS, None).0 {
        if pod["spec"]["nodeName"].as_str() != Some(node) {
            continue;
        }
        if matches!(
            pod["status"]["phase"].as_str(),
            Some("Succeeded" | "Failed")
        ) {
            continue;
        }
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
        let uid = pod["metadata"]["uid"].as_str().unwrap_or("");
        let start = pod["status"]["startTime"]
            .as_str()
            .or(pod["metadata"]["creationTimestamp"].as_str())
            .unwrap_or(&now)
            .to_string();
        let mut volumes = Vec::new();
        for vol in pod["spec"]["volumes"].as_array().into_iter().flatten() {
            let Some(name) = vol["name"].as_str() else {
                continue;
            };
            let (volume_id, kind) = volume_for(state, &pod, ns, uid, name);
            let mount = Mount {
                path: String::new(),
                volume_name: name.to_string(),
                volume_id: volume_id.clone(),
                sub_path: String::new(),
                read_only: false,
                kind: kind.clone(),
            };
            let capacity = mount_capacity(state, ns, Some(&mount));
            let used = state.fs.usage(&volume_id).0;
            let files = used / 4096;
            let inodes = (capacity / 4096).max(files);
            let mut v = json!({
                "time": now,
                "availableBytes": capacity.saturating_sub(used),
                "capacityBytes": capacity,
                "usedBytes": used,
                "inodesFree": inodes - files,
                "inodes": inodes,
                "inodesUsed": files,
                "name": name,
            });
            if let VolumeKind::Claim { claim, .. } = &kind {
                v["pvcRef"] = json!({"name": claim, "namespace": ns});
            }
            volumes.push(v);
        }
        let containers: Vec<Value> = pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                json!({
                    "name": c["name"],
                    "startTime": start,
                    "cpu": {"time": now, "usageNanoCores": 1_000_000, "usageCoreNanoSeconds": 1_000_000_000u64},
                    "memory": {"time": now, "workingSetBytes": 8u64 << 20, "usageBytes": 10u64 << 20, "rssBytes": 6u64 << 20},
                })
            })
            .collect();
        pods.push(json!({
            "podRef": {"name": pod["metadata"]["name"], "namespace": ns, "uid": uid},
            "startTime": start,
            "containers": containers,
            "volume": volumes,
        }));
    }
    json!({
        "node": {
            "nodeName": node,
            "systemContainers": [],
            "startTime": node_start,
            "cpu": {"time": now, "usageNanoCores": 50_000_000, "usageCoreNanoSeconds": 1_000_000_000_000u64},
            "memory": {"time": now, "availableBytes": 6u64 << 30, "usageBytes": 2u64 << 30, "workingSetBytes": 2u64 << 30},
            "fs": {"time": now, "availableBytes": 80u64 << 30, "capacityBytes": 100u64 << 30, "usedBytes": 20u64 << 30},
        },
        "pods": pods,
    })
}

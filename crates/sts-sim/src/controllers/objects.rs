//! Facts about objects that every controller reads or writes the same way: metadata,
//! finalizers, a pod's node, claims, phase and readiness, status conditions, and stable hashes.

use serde_json::{json, Value};

/// A string field of `metadata` (empty when absent).
pub(crate) fn meta<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj["metadata"][field].as_str().unwrap_or("")
}

/// Whether the object has a `deletionTimestamp`.
pub(crate) fn is_deleting(obj: &Value) -> bool {
    obj["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|v| !v.is_null())
}

/// Whether the object carries any finalizer.
pub(crate) fn has_finalizers(obj: &Value) -> bool {
    obj["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
}

/// Whether the object carries this finalizer.
pub(crate) fn has_finalizer(obj: &Value, finalizer: &str) -> bool {
    obj["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f == finalizer))
}

/// Whether a pod has reached a terminal phase (Succeeded or Failed).
pub(crate) fn pod_finished(pod: &Value) -> bool {
    matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    )
}

/// The node a pod is bound to, if any.
pub(crate) fn pod_node(pod: &Value) -> Option<&str> {
    pod["spec"]["nodeName"].as_str().filter(|n| !n.is_empty())
}

/// Names of the claims a pod mounts, in volume order.
pub(crate) fn pod_claims(pod: &Value) -> Vec<String> {
    pod["spec"]["volumes"]
        .as_array()
        .map(|vols| {
            vols.iter()
                .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a pod's `Ready` condition is `True`.
pub(crate) fn pod_ready(pod: &Value) -> bool {
    condition(&pod["status"], "Ready").is_some_and(|c| c["status"] == "True")
}

/// A condition of a status by type.
pub(crate) fn condition<'a>(status: &'a Value, kind: &str) -> Option<&'a Value> {
    status["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

/// FNV-1a over the parts (separated), as 16 hex digits: stable names and fake digests.
pub(crate) fn hash_hex(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Upserts a condition into `status.conditions`, keeping `lastTransitionTime` when the
/// condition's status did not change. Returns nothing; callers compare whole statuses.
pub(crate) fn set_condition(status: &mut Value, mut cond: Value, now: &str) {
    if !status.is_object() {
        *status = json!({});
    }
    let kind = cond["type"].clone();
    let mut list = status["conditions"].as_array().cloned().unwrap_or_default();
    let old = list.iter().position(|c| c["type"] == kind);
    let time = match old.map(|i| &list[i]) {
        Some(o) if o["status"] == cond["status"] && !o["lastTransitionTime"].is_null() => {
            o["lastTransitionTime"].clone()
        }
        _ => json!(now),
    };
    cond["lastTransitionTime"] = time;
    if cond.get("lastProbeTime").is_none() {
        cond["lastProbeTime"] = Value::Null;
    }
    match old {
        Some(i) => list[i] = cond,
        None => list.push(cond),
    }
    status["conditions"] = Value::Array(list);
}

/// A condition object (`reason`/`message` left out when `None`).
pub(crate) fn cond(kind: &str, status: bool, reason: Option<&str>, message: Option<&str>) -> Value {
    let mut c = json!({"type": kind, "status": if status { "True" } else { "False" }});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    c
}

/// Whether a node reports `Ready=True`.
pub(crate) fn node_ready(node: &Value) -> bool {
    condition(&node["status"], "Ready").is_some_and(|c| c["status"] == "True")
}

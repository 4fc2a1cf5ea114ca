//! What the controller reads off a StatefulSet and its pods: names and ordinals, the
//! ordinal range, the update strategy, and pod state (created, ready, available, healthy).

use serde_json::{Map, Value};

use crate::controllers::statefulset::REVISION_LABEL;

pub(super) fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

pub(super) fn ns_of(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or("")
}

pub(super) fn uid_of(obj: &Value) -> &str {
    obj["metadata"]["uid"].as_str().unwrap_or("")
}

pub(super) fn object_map(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

pub(super) fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// The parent name and ordinal of a pod name, as upstream's `(.*)-([0-9]+)$` reads it.
pub fn parent_and_ordinal(name: &str) -> Option<(&str, i64)> {
    let (parent, digits) = name.rsplit_once('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ordinal: i32 = digits.parse().ok()?;
    Some((parent, i64::from(ordinal)))
}

/// The ordinal of a pod, if its name carries one.
pub fn ordinal_of(pod: &Value) -> Option<i64> {
    parent_and_ordinal(name_of(pod)).map(|(_, o)| o)
}

/// Whether a pod's name makes it a member of the set (`<set>-<ordinal>`).
pub(super) fn is_member_of(set: &Value, pod: &Value) -> bool {
    parent_and_ordinal(name_of(pod)).is_some_and(|(p, _)| p == name_of(set))
}

/// `spec.ordinals.start` (0 when absent).
pub fn start_ordinal(set: &Value) -> i64 {
    set["spec"]["ordinals"]["start"]
        .as_i64()
        .unwrap_or(0)
        .max(0)
}

/// `spec.replicas` (1 when absent, as defaulted).
pub fn replica_count(set: &Value) -> i64 {
    set["spec"]["replicas"].as_i64().unwrap_or(1).max(0)
}

pub(super) fn in_ordinal_range(set: &Value, ordinal: i64) -> bool {
    let start = start_ordinal(set);
    ordinal >= start && ordinal < start + replica_count(set)
}

pub(super) fn is_parallel(set: &Value) -> bool {
    set["spec"]["podManagementPolicy"] == "Parallel"
}

pub(super) fn is_on_delete(set: &Value) -> bool {
    set["spec"]["updateStrategy"]["type"] == "OnDelete"
}

pub(super) fn is_rolling_update(set: &Value) -> bool {
    matches!(
        set["spec"]["updateStrategy"]["type"].as_str(),
        None | Some("RollingUpdate")
    )
}

/// `spec.updateStrategy.rollingUpdate`, if the block is present.
pub(super) fn rolling_update(set: &Value) -> Option<&Value> {
    let ru = &set["spec"]["updateStrategy"]["rollingUpdate"];
    ru.is_object().then_some(ru)
}

pub(super) fn partition(set: &Value) -> i64 {
    rolling_update(set)
        .and_then(|ru| ru["partition"].as_i64())
        .unwrap_or(0)
}

pub(super) fn min_ready_seconds(set: &Value) -> i64 {
    set["spec"]["minReadySeconds"].as_i64().unwrap_or(0)
}

pub(super) fn is_deleting(obj: &Value) -> bool {
    obj["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|v| !v.is_null())
}

pub(super) fn phase(pod: &Value) -> &str {
    pod["status"]["phase"].as_str().unwrap_or("")
}

/// Whether the pod exists in the API (has a phase); placeholders of the plan do not.
pub fn is_created(pod: &Value) -> bool {
    !phase(pod).is_empty()
}

/// Whether the pod is being deleted.
pub fn is_terminating(pod: &Value) -> bool {
    is_deleting(pod)
}

pub(super) fn ready_condition(pod: &Value) -> Option<&Value> {
    pod["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready")
}

/// Running and with condition Ready=True.
pub fn is_running_and_ready(pod: &Value) -> bool {
    phase(pod) == "Running" && ready_condition(pod).is_some_and(|c| c["status"] == "True")
}

/// Ready for at least `min_ready_seconds` at `now` (upstream's `IsPodAvailable`).
pub fn is_available(pod: &Value, min_ready_seconds: i64, now: jiff::Timestamp) -> bool {
    if !is_running_and_ready(pod) {
        return false;
    }
    if min_ready_seconds <= 0 {
        return true;
    }
    let since = ready_condition(pod)
        .and_then(|c| c["lastTransitionTime"].as_str())
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    since.is_some_and(|t| t + jiff::SignedDuration::from_secs(min_ready_seconds) < now)
}

/// Running, Ready and not terminating.
pub fn is_healthy(pod: &Value) -> bool {
    is_running_and_ready(pod) && !is_terminating(pod)
}

pub(super) fn is_finished(pod: &Value) -> bool {
    matches!(phase(pod), "Failed" | "Succeeded")
}

/// The revision (name) a pod was created at.
pub fn pod_revision(pod: &Value) -> &str {
    pod["metadata"]["labels"][REVISION_LABEL]
        .as_str()
        .unwrap_or("")
}

//! The status (pure): replica counts, current and update revisions, and when the current
//! revision advances, computed from the pods as upstream's `computeReplicaStatus`.

use serde_json::{json, Value};

use crate::controllers::statefulset::pods::{is_rolling_update, min_ready_seconds};
use crate::controllers::statefulset::{
    is_available, is_created, is_running_and_ready, is_terminating, ordinal_of, pod_revision,
    replica_count,
};
use crate::machinery::store::Obj;

/// The status upstream's `updateStatus` + `completeRollingUpdate` compute from the pods:
/// zero-valued optional counters are omitted as Go's `omitempty` does.
pub fn compute_status(
    set: &Value,
    pods: &[Obj],
    current_revision: &str,
    update_revision: &str,
    collision_count: i32,
    now: jiff::Timestamp,
) -> Value {
    let min_ready = min_ready_seconds(set);
    let counted: Vec<&Obj> = pods.iter().filter(|p| ordinal_of(p).is_some()).collect();
    let count = |f: &dyn Fn(&Value) -> bool| counted.iter().filter(|p| f(p)).count() as i64;
    let live_at =
        |rev: &str| count(&|p| is_created(p) && !is_terminating(p) && pod_revision(p) == rev);
    let replicas = count(&|p| is_created(p));
    let ready = count(&is_running_and_ready);
    let available = count(&|p| is_available(p, min_ready, now));
    let mut current = live_at(current_revision);
    let updated = live_at(update_revision);
    let mut current_revision = current_revision.to_string();
    let desired = replica_count(set);
    if is_rolling_update(set) && updated == desired && ready == desired && replicas == desired {
        current = updated;
        current_revision = update_revision.to_string();
    }
    let mut status = json!({
        "replicas": replicas,
        "availableReplicas": available,
        "collisionCount": collision_count,
    });
    if let Some(g) = set["metadata"]["generation"].as_i64() {
        status["observedGeneration"] = json!(g);
    }
    for (field, n) in [
        ("readyReplicas", ready),
        ("currentReplicas", current),
        ("updatedReplicas", updated),
    ] {
        if n != 0 {
            status[field] = json!(n);
        }
    }
    for (field, s) in [
        ("currentRevision", current_revision.as_str()),
        ("updateRevision", update_revision),
    ] {
        if !s.is_empty() {
            status[field] = json!(s);
        }
    }
    status
}

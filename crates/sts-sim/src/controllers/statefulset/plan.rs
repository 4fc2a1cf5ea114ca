//! The plan (pure): which pods to create, update and delete next, under the pod management
//! policy (`OrderedReady`, `Parallel`), the update strategy, partition and `maxUnavailable`.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::controllers::objects::is_deleting;
use crate::controllers::statefulset::claims::claims_missing;
use crate::controllers::statefulset::pods::{
    in_ordinal_range, is_finished, is_on_delete, is_parallel, min_ready_seconds, name_of,
    partition, phase, rolling_update,
};
use crate::controllers::statefulset::{
    claims_match_retention, identity_matches, is_available, is_created, is_healthy,
    is_running_and_ready, is_terminating, new_versioned_pod, ordinal_of, pod_claim_is_stale,
    pod_revision, replica_count, start_ordinal, storage_matches,
};
use crate::machinery::store::Obj;

/// Everything [`plan`] decides on: one consistent view of a set and what it owns.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    /// The StatefulSet.
    pub set: &'a Value,
    /// The set with the current revision's template.
    pub current_set: &'a Value,
    /// The set with the update revision's template.
    pub update_set: &'a Value,
    /// Name of the current revision.
    pub current_revision: &'a str,
    /// Name of the update revision.
    pub update_revision: &'a str,
    /// The pods the set owns.
    pub pods: &'a [Obj],
    /// Claims of the namespace by name.
    pub claims: &'a HashMap<String, Obj>,
    /// The time readiness is judged at.
    pub now: jiff::Timestamp,
    /// The `MaxUnavailableStatefulSet` feature gate.
    pub max_unavailable_gate: bool,
}

/// One step of a sync.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create the pod's missing claims, then the pod (a full object, not yet stored).
    CreatePod(Value),
    /// Delete a pod (failed, scaled away or outdated).
    DeletePod(String),
    /// Create missing claims of an existing pod and fix their owner references.
    CreateMissingClaims(String),
    /// Restore an existing pod's identity labels, claims and claim owner references.
    UpdatePod(String),
    /// Fix the claim owner references of a pod that is scaled away.
    FixClaims(String),
}

/// Whether a plan step ends the pass (in OrderedReady) or lets it go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Go,
    Stop,
}

/// Pods in the ordinal range (missing ones as unsaved placeholders) and the condemned
/// pods outside it in descending ordinal order.
pub(super) fn partition_pods(s: &Snapshot) -> (Vec<Obj>, Vec<Obj>) {
    let start = start_ordinal(s.set);
    let count = replica_count(s.set) as usize;
    let mut replicas: Vec<Option<Obj>> = vec![None; count];
    let mut condemned = Vec::new();
    for pod in s.pods {
        let Some(ordinal) = ordinal_of(pod) else {
            continue;
        };
        if in_ordinal_range(s.set, ordinal) {
            replicas[(ordinal - start) as usize] = Some(pod.clone());
        } else {
            condemned.push(pod.clone());
        }
    }
    let replicas = replicas
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            p.unwrap_or_else(|| {
                Arc::new(new_versioned_pod(
                    s.current_set,
                    s.update_set,
                    s.current_revision,
                    s.update_revision,
                    start + i as i64,
                ))
            })
        })
        .collect();
    condemned.sort_by_key(|p| std::cmp::Reverse(ordinal_of(p)));
    (replicas, condemned)
}

/// Decides the next steps for a set, following upstream's `updateStatefulSet`.
pub fn plan(s: &Snapshot) -> Vec<Action> {
    let mut out = Vec::new();
    if is_deleting(s.set) {
        return out;
    }
    let (replicas, condemned) = partition_pods(s);
    let monotonic = !is_parallel(s.set);
    for pod in &replicas {
        if process_replica(s, pod, monotonic, &mut out) == Flow::Stop {
            return out;
        }
    }
    for pod in &condemned {
        if !claims_match_retention(s.update_set, pod, s.claims) {
            out.push(Action::FixClaims(name_of(pod).to_string()));
        }
    }
    let first_unhealthy = replicas
        .iter()
        .chain(condemned.iter().rev())
        .find(|p| !is_healthy(p))
        .map(|p| name_of(p).to_string());
    for pod in &condemned {
        if process_condemned(s, pod, first_unhealthy.as_deref(), monotonic, &mut out) == Flow::Stop
        {
            return out;
        }
    }
    if is_on_delete(s.set) {
        return out;
    }
    if s.max_unavailable_gate {
        plan_max_unavailable(s, &replicas, &mut out);
    } else {
        plan_rolling_update(s, &replicas, &mut out);
    }
    out
}

/// Upstream's `processReplica` for one slot of the ordinal range.
pub(super) fn process_replica(
    s: &Snapshot,
    pod: &Obj,
    monotonic: bool,
    out: &mut Vec<Action>,
) -> Flow {
    let stop_if = |cond: bool| {
        if cond && monotonic {
            Flow::Stop
        } else {
            Flow::Go
        }
    };
    if is_finished(pod) {
        if !is_terminating(pod) {
            out.push(Action::DeletePod(name_of(pod).to_string()));
        }
        return stop_if(true);
    }
    if !is_created(pod) {
        if pod_claim_is_stale(s.set, pod, s.claims) {
            return stop_if(true);
        }
        out.push(Action::CreatePod((**pod).clone()));
        return stop_if(true);
    }
    if phase(pod) == "Pending"
        && (claims_missing(s.set, pod, s.claims)
            || !claims_match_retention(s.update_set, pod, s.claims))
    {
        out.push(Action::CreateMissingClaims(name_of(pod).to_string()));
    }
    if stop_if(is_terminating(pod)) == Flow::Stop
        || stop_if(!is_running_and_ready(pod)) == Flow::Stop
        || stop_if(!is_available(pod, min_ready_seconds(s.set), s.now)) == Flow::Stop
    {
        return Flow::Stop;
    }
    let retention_ok = claims_match_retention(s.update_set, pod, s.claims);
    if !(identity_matches(s.set, pod) && storage_matches(s.set, pod) && retention_ok) {
        out.push(Action::UpdatePod(name_of(pod).to_string()));
    }
    Flow::Go
}

/// Upstream's `processCondemned` for one pod outside the ordinal range.
pub(super) fn process_condemned(
    s: &Snapshot,
    pod: &Obj,
    first_unhealthy: Option<&str>,
    monotonic: bool,
    out: &mut Vec<Action>,
) -> Flow {
    if is_terminating(pod) {
        return if monotonic { Flow::Stop } else { Flow::Go };
    }
    let is_first_unhealthy = first_unhealthy == Some(name_of(pod));
    let unready = !is_running_and_ready(pod) || !is_available(pod, min_ready_seconds(s.set), s.now);
    if monotonic && unready && !is_first_unhealthy {
        return Flow::Stop;
    }
    out.push(Action::DeletePod(name_of(pod).to_string()));
    if monotonic {
        Flow::Stop
    } else {
        Flow::Go
    }
}

/// RollingUpdate without the maxUnavailable gate: replace the highest outdated pod at or
/// above the partition, one at a time, waiting for unhealthy pods.
pub(super) fn plan_rolling_update(s: &Snapshot, replicas: &[Obj], out: &mut Vec<Action>) {
    let update_min = partition(s.set).max(0) as usize;
    for pod in replicas.iter().skip(update_min).rev() {
        if pod_revision(pod) != s.update_revision && !is_terminating(pod) {
            out.push(Action::DeletePod(name_of(pod).to_string()));
            return;
        }
        if !is_healthy(pod) {
            return;
        }
    }
}

/// `maxUnavailable` resolved against the replica count: integers as they are, percents
/// rounded down, at least 1.
pub fn max_unavailable(set: &Value) -> i64 {
    let replicas = replica_count(set);
    let raw = rolling_update(set).map_or(&Value::Null, |ru| &ru["maxUnavailable"]);
    let n = match raw {
        Value::Number(n) => n.as_i64().unwrap_or(1),
        Value::String(s) => match s.strip_suffix('%').map(str::parse::<i64>) {
            Some(Ok(pct)) => pct * replicas / 100,
            _ => s.parse().unwrap_or(1),
        },
        _ => 1,
    };
    n.max(1)
}

/// RollingUpdate with the maxUnavailable gate (upstream's
/// `updateStatefulSetAfterInvariantEstablished`).
pub(super) fn plan_max_unavailable(s: &Snapshot, replicas: &[Obj], out: &mut Vec<Action>) {
    let max = max_unavailable(s.set);
    let unavailable = replicas.iter().filter(|p| !is_healthy(p)).count() as i64;
    if unavailable >= max {
        return;
    }
    let mut to_delete = max - unavailable;
    let update_min = partition(s.set).max(0) as usize;
    for pod in replicas.iter().skip(update_min).rev() {
        if to_delete == 0 {
            break;
        }
        if pod_revision(pod) != s.update_revision && !is_terminating(pod) {
            out.push(Action::DeletePod(name_of(pod).to_string()));
            to_delete -= 1;
        }
    }
}

//! The StatefulSet controller, following upstream's `pkg/controller/statefulset`.
//!
//! On every pass (after a burst of store events, and at least every [`RESYNC`] for
//! time-based conditions such as `minReadySeconds`) each StatefulSet is synced: its pods
//! are claimed (adopted or released), its ControllerRevisions listed and the current and
//! update revisions determined (creating, reusing or renumbering a revision), then the
//! pure [`plan`] decides which pods to create, update or delete under the pod management
//! policy and update strategy, the I/O shell carries those steps out through
//! [`crate::machinery::api`] (claims before pods, events like upstream's recorder), and finally the
//! status is written and the revision history truncated.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

use crate::apiserver::errors::ApiError;
use crate::machinery::api::{self, DeleteOptions};
use crate::machinery::resources::{self, ResourceType};
use crate::machinery::revision;
use crate::machinery::selectors::selector_matches;
use crate::machinery::store::{self, Obj};
use crate::state::{SharedState, State};

/// Label naming the pod (`statefulset.kubernetes.io/pod-name`).
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// Label carrying the ordinal (`apps.kubernetes.io/pod-index`).
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// Label carrying the name of the pod's ControllerRevision.
pub const REVISION_LABEL: &str = "controller-revision-hash";
/// The controller's name in events.
pub const COMPONENT: &str = "statefulset-controller";
/// Longest time between two passes.
pub const RESYNC: Duration = Duration::from_millis(80);

const SET_API_VERSION: &str = "apps/v1";
const SET_KIND: &str = "StatefulSet";

/// Runs the StatefulSet controller until the runtime stops.
pub async fn run(state: SharedState) {
    let mut rx = state.store.subscribe();
    let mut ctl = Controller::default();
    loop {
        state.faults.wait_unpaused().await;
        ctl.sync_all(&state);
        wait_for_change(&mut rx).await;
    }
}

/// Whether a store event can change what the controller does.
fn relevant(rt: &ResourceType) -> bool {
    matches!(
        rt.plural,
        "statefulsets" | "pods" | "persistentvolumeclaims" | "controllerrevisions"
    )
}

/// Waits for a relevant event (or [`RESYNC`]), then swallows the rest of the burst.
async fn wait_for_change(rx: &mut broadcast::Receiver<store::Event>) {
    let tick = tokio::time::sleep(RESYNC);
    tokio::pin!(tick);
    loop {
        tokio::select! {
            _ = &mut tick => return,
            ev = rx.recv() => match ev {
                Ok(ev) if relevant(ev.rt) => break,
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => {
                    tokio::time::sleep(RESYNC).await;
                    return;
                }
            },
        }
    }
    while let Ok(_) | Err(TryRecvError::Lagged(_)) = rx.try_recv() {}
}

// ---------------------------------------------------------------------------------------
// Small accessors over JSON objects
// ---------------------------------------------------------------------------------------

fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

fn ns_of(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or("")
}

fn uid_of(obj: &Value) -> &str {
    obj["metadata"]["uid"].as_str().unwrap_or("")
}

fn object_map(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn now() -> jiff::Timestamp {
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
fn is_member_of(set: &Value, pod: &Value) -> bool {
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

fn in_ordinal_range(set: &Value, ordinal: i64) -> bool {
    let start = start_ordinal(set);
    ordinal >= start && ordinal < start + replica_count(set)
}

fn is_parallel(set: &Value) -> bool {
    set["spec"]["podManagementPolicy"] == "Parallel"
}

fn is_on_delete(set: &Value) -> bool {
    set["spec"]["updateStrategy"]["type"] == "OnDelete"
}

fn is_rolling_update(set: &Value) -> bool {
    matches!(
        set["spec"]["updateStrategy"]["type"].as_str(),
        None | Some("RollingUpdate")
    )
}

/// `spec.updateStrategy.rollingUpdate`, if the block is present.
fn rolling_update(set: &Value) -> Option<&Value> {
    let ru = &set["spec"]["updateStrategy"]["rollingUpdate"];
    ru.is_object().then_some(ru)
}

fn partition(set: &Value) -> i64 {
    rolling_update(set)
        .and_then(|ru| ru["partition"].as_i64())
        .unwrap_or(0)
}

fn min_ready_seconds(set: &Value) -> i64 {
    set["spec"]["minReadySeconds"].as_i64().unwrap_or(0)
}

fn is_deleting(obj: &Value) -> bool {
    obj["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|v| !v.is_null())
}

// ---------------------------------------------------------------------------------------
// Pod state
// ---------------------------------------------------------------------------------------

fn phase(pod: &Value) -> &str {
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

fn ready_condition(pod: &Value) -> Option<&Value> {
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

fn is_finished(pod: &Value) -> bool {
    matches!(phase(pod), "Failed" | "Succeeded")
}

/// The revision (name) a pod was created at.
pub fn pod_revision(pod: &Value) -> &str {
    pod["metadata"]["labels"][REVISION_LABEL]
        .as_str()
        .unwrap_or("")
}

// ---------------------------------------------------------------------------------------
// Label selectors and owner references
// ---------------------------------------------------------------------------------------

fn selector_is_empty(selector: &Value) -> bool {
    selector["matchLabels"]
        .as_object()
        .is_none_or(Map::is_empty)
        && selector["matchExpressions"]
            .as_array()
            .is_none_or(Vec::is_empty)
}

/// A controller owner reference to `owner` (`controller` and `blockOwnerDeletion` set).
pub fn controller_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": name_of(owner),
        "uid": uid_of(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

fn set_ref(set: &Value) -> Value {
    controller_ref(set, SET_API_VERSION, SET_KIND)
}

fn owner_refs(obj: &Value) -> Vec<Value> {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn set_owner_refs(obj: &mut Value, refs: Vec<Value>) {
    if refs.is_empty() {
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("ownerReferences");
        }
    } else {
        obj["metadata"]["ownerReferences"] = Value::Array(refs);
    }
}

/// The controller reference of an object, if any.
fn controller_of(obj: &Value) -> Option<Value> {
    owner_refs(obj)
        .into_iter()
        .find(|r| r["controller"] == true)
}

// ---------------------------------------------------------------------------------------
// Revisions
// ---------------------------------------------------------------------------------------

/// The set with `spec.template` restored from a revision (upstream's `ApplyRevision`: the
/// revision data is a strategic merge patch replacing the template).
pub fn apply_revision(set: &Value, rev: &Value) -> Value {
    let mut out = set.clone();
    let mut template = rev["data"]["spec"]["template"].clone();
    if let Some(m) = template.as_object_mut() {
        m.remove("$patch");
        out["spec"]["template"] = template;
    }
    out
}

fn revision_number(rev: &Value) -> i64 {
    rev["revision"].as_i64().unwrap_or(0)
}

/// Sorts revisions like upstream: by number, then creation time, then name.
pub fn sort_revisions(revs: &mut [Obj]) {
    revs.sort_by(|a, b| {
        revision_number(a)
            .cmp(&revision_number(b))
            .then_with(|| {
                let ta = a["metadata"]["creationTimestamp"].as_str().unwrap_or("");
                let tb = b["metadata"]["creationTimestamp"].as_str().unwrap_or("");
                ta.cmp(tb)
            })
            .then_with(|| name_of(a).cmp(name_of(b)))
    });
}

/// Names of the revisions to delete so that at most `revisionHistoryLimit` revisions
/// remain that are neither current, update, nor used by a pod (oldest first).
pub fn revisions_to_prune(
    set: &Value,
    sorted: &[Obj],
    pods: &[Obj],
    current: &str,
    update: &str,
) -> Vec<String> {
    let live = |name: &str| {
        name == current || name == update || pods.iter().any(|p| pod_revision(p) == name)
    };
    let history: Vec<&Obj> = sorted.iter().filter(|r| !live(name_of(r))).collect();
    let limit = set["spec"]["revisionHistoryLimit"]
        .as_i64()
        .unwrap_or(10)
        .max(0) as usize;
    if history.len() <= limit {
        return Vec::new();
    }
    history[..history.len() - limit]
        .iter()
        .map(|r| name_of(r).to_string())
        .collect()
}

/// How the update revision is found among the existing ones.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateRevisionChoice {
    /// The newest revision already holds the template.
    Latest(usize),
    /// An older revision holds it: renumber it to the given revision (rollback).
    Reuse(usize, i64),
    /// No revision holds it: create one with the given number.
    Create(i64),
}

/// Decides the update revision for `candidate` (the set's template as a revision) among
/// sorted `revisions` (upstream's `getStatefulSetRevisions`).
pub fn choose_update_revision(revisions: &[Obj], candidate: &Value) -> UpdateRevisionChoice {
    let next = revisions.last().map_or(1, |r| revision_number(r) + 1);
    let last_equal = revisions
        .iter()
        .rposition(|r| revision::equal_revision(r, candidate));
    match (last_equal, revisions.last()) {
        (Some(i), Some(latest)) if revision::equal_revision(latest, &revisions[i]) => {
            UpdateRevisionChoice::Latest(revisions.len() - 1)
        }
        (Some(i), _) => UpdateRevisionChoice::Reuse(i, next),
        (None, _) => UpdateRevisionChoice::Create(next),
    }
}

// ---------------------------------------------------------------------------------------
// Pods and claims of a set
// ---------------------------------------------------------------------------------------

/// The name of pod `ordinal` of the set.
pub fn pod_name(set: &Value, ordinal: i64) -> String {
    format!("{}-{ordinal}", name_of(set))
}

/// `<template>-<set>-<ordinal>`.
pub fn claim_name(template: &str, set_name: &str, ordinal: i64) -> String {
    format!("{template}-{set_name}-{ordinal}")
}

/// The claims of pod `ordinal`: (template name, claim object) in template order. Labels
/// are the template's plus the selector's `matchLabels`.
pub fn claims_for(set: &Value, ordinal: i64) -> Vec<(String, Value)> {
    let templates = set["spec"]["volumeClaimTemplates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    templates
        .into_iter()
        .map(|mut claim| {
            let template = name_of(&claim).to_string();
            let mut labels = object_map(&claim["metadata"]["labels"]);
            for (k, v) in object_map(&set["spec"]["selector"]["matchLabels"]) {
                labels.insert(k, v);
            }
            claim["metadata"]["name"] = json!(claim_name(&template, name_of(set), ordinal));
            claim["metadata"]["namespace"] = json!(ns_of(set));
            claim["metadata"]["labels"] = Value::Object(labels);
            if let Some(m) = claim.as_object_mut() {
                m.remove("status");
            }
            (template, claim)
        })
        .collect()
}

/// Points one volume per claim template at the pod's claim, replacing same-named
/// volumes of the template (upstream's `updateStorage`).
fn update_storage(set: &Value, pod: &mut Value, ordinal: i64) {
    let claims = claims_for(set, ordinal);
    let mut volumes: Vec<Value> = claims
        .iter()
        .map(|(template, claim)| {
            json!({"name": template, "persistentVolumeClaim": {"claimName": name_of(claim)}})
        })
        .collect();
    let current = pod["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    volumes.extend(
        current
            .into_iter()
            .filter(|v| !claims.iter().any(|(t, _)| v["name"] == t.as_str())),
    );
    if volumes.is_empty() {
        if let Some(m) = pod["spec"].as_object_mut() {
            m.remove("volumes");
        }
    } else {
        pod["spec"]["volumes"] = Value::Array(volumes);
    }
}

/// Pod `ordinal` of the set built from its template (upstream's `newStatefulSetPod`).
pub fn new_pod(set: &Value, ordinal: i64) -> Value {
    let template = &set["spec"]["template"];
    let name = pod_name(set, ordinal);
    let mut labels = object_map(&template["metadata"]["labels"]);
    labels.insert(POD_NAME_LABEL.into(), json!(name));
    labels.insert(POD_INDEX_LABEL.into(), json!(ordinal.to_string()));
    let mut meta = json!({
        "name": name,
        "generateName": format!("{}-", name_of(set)),
        "namespace": ns_of(set),
        "labels": labels,
        "ownerReferences": [set_ref(set)],
    });
    for field in ["annotations", "finalizers"] {
        if !template["metadata"][field].is_null() {
            meta[field] = template["metadata"][field].clone();
        }
    }
    let mut spec = template["spec"].clone();
    if !spec.is_object() {
        spec = json!({});
    }
    spec["hostname"] = json!(name);
    match set["spec"]["serviceName"].as_str() {
        Some(svc) if !svc.is_empty() => spec["subdomain"] = json!(svc),
        _ => {}
    }
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec});
    update_storage(set, &mut pod, ordinal);
    pod
}

/// Pod `ordinal` at the revision upstream's `newVersionedStatefulSetPod` picks: the
/// current revision below the partition (or, without a `rollingUpdate` block, below
/// `start + status.currentReplicas`), the update revision otherwise (always for OnDelete).
pub fn new_versioned_pod(
    current_set: &Value,
    update_set: &Value,
    current_revision: &str,
    update_revision: &str,
    ordinal: i64,
) -> Value {
    let start = start_ordinal(current_set);
    let at_current = match rolling_update(current_set) {
        // Upstream's condition reads `RollingUpdate && (nil && below current) || (set && below partition)`.
        None => {
            is_rolling_update(current_set)
                && ordinal
                    < start
                        + current_set["status"]["currentReplicas"]
                            .as_i64()
                            .unwrap_or(0)
        }
        Some(_) => ordinal < start + partition(current_set),
    };
    let (set, rev) = if at_current {
        (current_set, current_revision)
    } else {
        (update_set, update_revision)
    };
    let mut pod = new_pod(set, ordinal);
    pod["metadata"]["labels"][REVISION_LABEL] = json!(rev);
    pod
}

/// Whether the pod carries the identity of its ordinal in the set.
pub fn identity_matches(set: &Value, pod: &Value) -> bool {
    let Some((parent, ordinal)) = parent_and_ordinal(name_of(pod)) else {
        return false;
    };
    parent == name_of(set)
        && ns_of(pod) == ns_of(set)
        && pod["metadata"]["labels"][POD_NAME_LABEL] == name_of(pod)
        && pod["metadata"]["labels"][POD_INDEX_LABEL] == ordinal.to_string().as_str()
}

/// Whether the pod mounts every claim of the set's templates.
pub fn storage_matches(set: &Value, pod: &Value) -> bool {
    let Some(ordinal) = ordinal_of(pod) else {
        return false;
    };
    let volumes = pod["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    claims_for(set, ordinal).iter().all(|(template, claim)| {
        volumes.iter().any(|v| {
            v["name"] == template.as_str()
                && v["persistentVolumeClaim"]["claimName"] == name_of(claim)
        })
    })
}

// ---------------------------------------------------------------------------------------
// Claim retention through owner references (upstream's stateful_set_utils.go)
// ---------------------------------------------------------------------------------------

/// `persistentVolumeClaimRetentionPolicy` as (whenDeleted is Delete, whenScaled is Delete).
pub fn retention_policy(set: &Value) -> (bool, bool) {
    let p = &set["spec"]["persistentVolumeClaimRetentionPolicy"];
    (p["whenDeleted"] == "Delete", p["whenScaled"] == "Delete")
}

fn matches_ref(r: &Value, obj: &Value, api_version: &str, kind: &str) -> bool {
    r["apiVersion"] == api_version && r["kind"] == kind && r["name"] == name_of(obj)
}

fn matches_set_ref(r: &Value, set: &Value) -> bool {
    matches_ref(r, set, SET_API_VERSION, SET_KIND)
}

fn matches_pod_ref(r: &Value, pod: &Value) -> bool {
    matches_ref(r, pod, "v1", "Pod")
}

fn has_owner_ref(claim: &Value, owner: &Value) -> bool {
    let uid = uid_of(owner);
    !uid.is_empty() && owner_refs(claim).iter().any(|r| r["uid"] == uid)
}

/// A reference that names `obj` but another uid (left by an earlier object of that name).
fn has_stale_owner_ref(claim: &Value, obj: &Value, api_version: &str, kind: &str) -> bool {
    owner_refs(claim)
        .iter()
        .find(|r| matches_ref(r, obj, api_version, kind))
        .is_some_and(|r| r["uid"] != uid_of(obj))
}

fn has_unexpected_controller(claim: &Value, set: &Value, pod: &Value) -> bool {
    let (when_deleted, when_scaled) = retention_policy(set);
    if !when_deleted && !when_scaled {
        return false;
    }
    owner_refs(claim).iter().any(|r| {
        if matches_set_ref(r, set) {
            return r["uid"] != uid_of(set);
        }
        if matches_pod_ref(r, pod) {
            return r["uid"] != uid_of(pod);
        }
        r["controller"] == true
    })
}

fn has_non_controller_owner(claim: &Value, set: &Value, pod: &Value) -> bool {
    owner_refs(claim).iter().any(|r| {
        let ours = r["uid"] == uid_of(set) || (!uid_of(pod).is_empty() && r["uid"] == uid_of(pod));
        ours && r["controller"] != true
    })
}

/// Whether the claim's owner references follow the set's retention policy for `pod`
/// (upstream's `isClaimOwnerUpToDate`): Retain/Retain none; whenDeleted=Delete a set
/// reference; whenScaled=Delete a pod reference once the pod's ordinal is scaled away
/// (and then no set reference).
pub fn claim_owner_up_to_date(claim: &Value, set: &Value, pod: &Value) -> bool {
    if has_stale_owner_ref(claim, set, SET_API_VERSION, SET_KIND)
        || has_stale_owner_ref(claim, pod, "v1", "Pod")
    {
        return true;
    }
    if has_unexpected_controller(claim, set, pod) {
        return !(has_owner_ref(claim, set) || has_owner_ref(claim, pod));
    }
    if has_non_controller_owner(claim, set, pod) {
        return false;
    }
    let scaled_down = ordinal_of(pod).is_none_or(|o| !in_ordinal_range(set, o));
    let (has_set, has_pod) = (has_owner_ref(claim, set), has_owner_ref(claim, pod));
    match retention_policy(set) {
        (false, false) => !has_set && !has_pod,
        (true, false) => has_set && !has_pod,
        (false, true) => !has_set && scaled_down == has_pod,
        (true, true) => scaled_down != has_set && scaled_down == has_pod,
    }
}

/// Rewrites the claim's references to the set and pod per the retention policy
/// (upstream's `updateClaimOwnerRefForSetAndPod`).
pub fn update_claim_owner_refs(claim: &mut Value, set: &Value, pod: &Value) {
    let unexpected = has_unexpected_controller(claim, set, pod);
    let mut refs: Vec<Value> = owner_refs(claim)
        .into_iter()
        .filter(|r| !matches_set_ref(r, set) && !matches_pod_ref(r, pod))
        .collect();
    if !unexpected {
        let scaled_down = ordinal_of(pod).is_none_or(|o| !in_ordinal_range(set, o));
        let (when_deleted, when_scaled) = retention_policy(set);
        let mut add = |owner: &Value, r: Value| {
            if !uid_of(owner).is_empty() && !refs.iter().any(|x| x["uid"] == uid_of(owner)) {
                refs.push(r);
            }
        };
        if when_scaled && scaled_down {
            add(pod, controller_ref(pod, "v1", "Pod"));
        }
        if when_deleted && !(when_scaled && scaled_down) {
            add(set, set_ref(set));
        }
    }
    set_owner_refs(claim, refs);
}

/// Whether a claim of a pod about to be created is still owned by an earlier pod of the
/// same name (only with whenScaled=Delete; upstream's `PodClaimIsStale`).
pub fn pod_claim_is_stale(set: &Value, pod: &Value, claims: &HashMap<String, Obj>) -> bool {
    if !retention_policy(set).1 {
        return false;
    }
    let Some(ordinal) = ordinal_of(pod) else {
        return false;
    };
    claims_for(set, ordinal).iter().any(|(_, c)| {
        claims
            .get(name_of(c))
            .is_some_and(|existing| has_stale_owner_ref(existing, pod, "v1", "Pod"))
    })
}

/// Whether all existing claims of the pod follow the retention policy.
pub fn claims_match_retention(set: &Value, pod: &Value, claims: &HashMap<String, Obj>) -> bool {
    let Some(ordinal) = ordinal_of(pod) else {
        return true;
    };
    claims_for(set, ordinal).iter().all(|(_, c)| {
        claims
            .get(name_of(c))
            .is_none_or(|existing| claim_owner_up_to_date(existing, set, pod))
    })
}

fn claims_missing(set: &Value, pod: &Value, claims: &HashMap<String, Obj>) -> bool {
    ordinal_of(pod).is_some_and(|o| {
        claims_for(set, o)
            .iter()
            .any(|(_, c)| !claims.contains_key(name_of(c)))
    })
}

// ---------------------------------------------------------------------------------------
// The plan: which pods to create, update and delete next (pure)
// ---------------------------------------------------------------------------------------

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
enum Flow {
    Go,
    Stop,
}

/// Pods in the ordinal range (missing ones as unsaved placeholders) and the condemned
/// pods outside it in descending ordinal order.
fn partition_pods(s: &Snapshot) -> (Vec<Obj>, Vec<Obj>) {
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
fn process_replica(s: &Snapshot, pod: &Obj, monotonic: bool, out: &mut Vec<Action>) -> Flow {
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
fn process_condemned(
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
fn plan_rolling_update(s: &Snapshot, replicas: &[Obj], out: &mut Vec<Action>) {
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
fn plan_max_unavailable(s: &Snapshot, replicas: &[Obj], out: &mut Vec<Action>) {
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

// ---------------------------------------------------------------------------------------
// Status (pure)
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// The I/O shell
// ---------------------------------------------------------------------------------------

/// Controller memory across passes.
#[derive(Debug, Default)]
struct Controller {
    /// Last failure reported per set uid, so a persisting failure is reported once.
    last_failure: HashMap<String, String>,
}

/// The outcome of one failed step: event reason and message.
struct Failure {
    reason: &'static str,
    message: String,
}

impl Controller {
    /// Syncs every StatefulSet once.
    fn sync_all(&mut self, state: &State) {
        let (sets, _) = state.store.list(&resources::STATEFULSETS, None);
        self.last_failure
            .retain(|uid, _| sets.iter().any(|s| uid_of(s) == uid));
        for set in sets {
            let result = sync_set(state, &set);
            self.report(state, &set, result.err());
        }
    }

    /// Records a failure as a Warning event, once per distinct failure.
    fn report(&mut self, state: &State, set: &Value, failure: Option<Failure>) {
        let uid = uid_of(set).to_string();
        match failure {
            None => {
                self.last_failure.remove(&uid);
            }
            Some(f) => {
                if self.last_failure.get(&uid) != Some(&f.message) {
                    record_event(state, set, "Warning", f.reason, &f.message);
                    self.last_failure.insert(uid, f.message);
                }
            }
        }
    }
}

fn internal(e: ApiError) -> Failure {
    Failure {
        reason: "FailedSync",
        message: e.message,
    }
}

/// One sync of one StatefulSet (upstream's `sync` + `UpdateStatefulSet`).
fn sync_set(state: &State, set: &Obj) -> Result<(), Failure> {
    let selector = &set["spec"]["selector"];
    if selector_is_empty(selector) {
        return Ok(());
    }
    let ns = ns_of(set);
    let pods = claim_pods(state, set);
    let mut revisions = claim_revisions(state, set);
    sort_revisions(&mut revisions);
    let (current, update, collision_count) =
        resolve_revisions(state, set, &revisions).map_err(internal)?;
    let current_set = apply_revision(set, &current);
    let update_set = apply_revision(set, &update);
    let claims: HashMap<String, Obj> = state
        .store
        .list(&resources::PVCS, Some(ns))
        .0
        .into_iter()
        .map(|c| (name_of(&c).to_string(), c))
        .collect();
    let snapshot = Snapshot {
        set,
        current_set: &current_set,
        update_set: &update_set,
        current_revision: name_of(&current),
        update_revision: name_of(&update),
        pods: &pods,
        claims: &claims,
        now: now(),
        max_unavailable_gate: state.opts.max_unavailable_gate,
    };
    let actions = plan(&snapshot);
    let outcome = actions
        .into_iter()
        .try_for_each(|a| execute(state, set, &update_set, a));
    let pods = owned_pods(state, set);
    let status = compute_status(
        set,
        &pods,
        name_of(&current),
        name_of(&update),
        collision_count,
        now(),
    );
    let _ = api::write_status(state, &resources::STATEFULSETS, ns, name_of(set), |st| {
        *st = status;
    });
    for name in revisions_to_prune(set, &revisions, &pods, name_of(&current), name_of(&update)) {
        let _ = api::delete(
            state,
            &resources::CONTROLLERREVISIONS,
            ns,
            &name,
            &DeleteOptions::default(),
        );
    }
    outcome
}

/// Pods in the set's namespace whose controller is the set.
fn owned_pods(state: &State, set: &Value) -> Vec<Obj> {
    let uid = uid_of(set);
    state
        .store
        .list(&resources::PODS, Some(ns_of(set)))
        .0
        .into_iter()
        .filter(|p| controller_of(p).is_some_and(|r| r["uid"] == uid))
        .collect()
}

/// Adopts orphans that match the selector and name, releases owned pods that no longer
/// match, and returns the pods the set owns (upstream's `ClaimPods`).
fn claim_pods(state: &State, set: &Value) -> Vec<Obj> {
    let selector = &set["spec"]["selector"];
    let uid = uid_of(set);
    let can_adopt = still_current(state, set);
    let mut owned = Vec::new();
    for pod in state.store.list(&resources::PODS, Some(ns_of(set))).0 {
        let matches =
            selector_matches(selector, &pod["metadata"]["labels"]) && is_member_of(set, &pod);
        match controller_of(&pod) {
            Some(r) if r["uid"] == uid => {
                if matches || is_deleting(set) {
                    owned.push(pod);
                } else {
                    let _ = change_refs(state, &resources::PODS, &pod, |refs| {
                        refs.retain(|r| r["uid"] != uid);
                    });
                }
            }
            Some(_) => {}
            None if matches && can_adopt && !is_terminating(&pod) => {
                if let Ok(adopted) = change_refs(state, &resources::PODS, &pod, |refs| {
                    refs.push(set_ref(set));
                }) {
                    owned.push(adopted);
                }
            }
            None => {}
        }
    }
    owned
}

/// Whether the set, read fresh, is still this object and not being deleted: a pass that
/// started before a delete (say `propagationPolicy=Orphan`, then a re-create under the
/// same name) must not adopt for the old one (upstream's `RecheckDeletionTimestamp`).
fn still_current(state: &State, set: &Value) -> bool {
    state
        .store
        .get(&resources::STATEFULSETS, ns_of(set), name_of(set))
        .is_some_and(|fresh| uid_of(&fresh) == uid_of(set) && !is_deleting(&fresh))
}

/// ControllerRevisions matching the selector that the set owns or that have no
/// controller (these are adopted).
fn claim_revisions(state: &State, set: &Value) -> Vec<Obj> {
    let selector = &set["spec"]["selector"];
    let uid = uid_of(set);
    let mut out = Vec::new();
    let can_adopt = still_current(state, set);
    for rev in state
        .store
        .list(&resources::CONTROLLERREVISIONS, Some(ns_of(set)))
        .0
    {
        if !selector_matches(selector, &rev["metadata"]["labels"]) {
            continue;
        }
        match controller_of(&rev) {
            Some(r) if r["uid"] == uid => out.push(rev),
            Some(_) => {}
            None if can_adopt => {
                if let Ok(adopted) =
                    change_refs(state, &resources::CONTROLLERREVISIONS, &rev, |refs| {
                        refs.push(set_ref(set));
                    })
                {
                    out.push(adopted);
                }
            }
            None => {}
        }
    }
    out
}

/// Changes an object's owner references in place (if its uid is still the same).
fn change_refs(
    state: &State,
    rt: &'static ResourceType,
    obj: &Value,
    change: impl FnOnce(&mut Vec<Value>),
) -> Result<Obj, ApiError> {
    let uid = uid_of(obj).to_string();
    state.store.modify(rt, ns_of(obj), name_of(obj), |cur| {
        if uid_of(cur) != uid {
            return Err(ApiError::conflict(rt, name_of(cur)));
        }
        let mut refs = owner_refs(cur);
        change(&mut refs);
        set_owner_refs(cur, refs);
        Ok(true)
    })
}

/// The current and update revisions and the collision count, creating or renumbering
/// the update revision as needed (upstream's `getStatefulSetRevisions`).
fn resolve_revisions(
    state: &State,
    set: &Value,
    sorted: &[Obj],
) -> Result<(Obj, Obj, i32), ApiError> {
    let mut collision_count = set["status"]["collisionCount"].as_i64().unwrap_or(0) as i32;
    let next = sorted.last().map_or(1, |r| revision_number(r) + 1);
    let candidate = revision::new_revision(set, next, Some(collision_count));
    let update = match choose_update_revision(sorted, &candidate) {
        UpdateRevisionChoice::Latest(i) => sorted[i].clone(),
        UpdateRevisionChoice::Reuse(i, number) => state.store.modify(
            &resources::CONTROLLERREVISIONS,
            ns_of(set),
            name_of(&sorted[i]),
            |rev| {
                rev["revision"] = json!(number);
                Ok(true)
            },
        )?,
        UpdateRevisionChoice::Create(number) => {
            create_revision(state, set, number, &mut collision_count)?
        }
    };
    let wanted = set["status"]["currentRevision"].as_str().unwrap_or("");
    let current = sorted
        .iter()
        .find(|r| !wanted.is_empty() && name_of(r) == wanted)
        .cloned()
        .unwrap_or_else(|| update.clone());
    Ok((current, update, collision_count))
}

/// Creates the revision of the set's template, bumping the collision count while its name
/// is taken by a revision with other data.
fn create_revision(
    state: &State,
    set: &Value,
    number: i64,
    collision_count: &mut i32,
) -> Result<Obj, ApiError> {
    loop {
        let mut rev = revision::new_revision(set, number, Some(*collision_count));
        if rev["metadata"]["ownerReferences"].is_null() {
            rev["metadata"]["ownerReferences"] = json!([set_ref(set)]);
        }
        match api::create(
            state,
            &resources::CONTROLLERREVISIONS,
            ns_of(set),
            rev.clone(),
            false,
        ) {
            Ok(created) => return Ok(created),
            Err(e) if e.reason == "AlreadyExists" => {
                let existing = state
                    .store
                    .get(&resources::CONTROLLERREVISIONS, ns_of(set), name_of(&rev))
                    .ok_or(e)?;
                if existing["data"] == rev["data"] {
                    return Ok(existing);
                }
                *collision_count += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Carries out one planned step.
fn execute(state: &State, set: &Value, update_set: &Value, action: Action) -> Result<(), Failure> {
    match action {
        Action::CreatePod(pod) => create_pod(state, set, pod),
        Action::DeletePod(name) => delete_pod(state, set, &name),
        Action::CreateMissingClaims(name) => with_pod(state, set, &name, |pod| {
            create_claims(state, set, pod)?;
            fix_claim_refs(state, update_set, pod);
            Ok(())
        }),
        Action::UpdatePod(name) => with_pod(state, set, &name, |pod| {
            update_pod(state, set, update_set, pod)
        }),
        Action::FixClaims(name) => with_pod(state, set, &name, |pod| {
            fix_claim_refs(state, update_set, pod);
            Ok(())
        }),
    }
}

fn with_pod(
    state: &State,
    set: &Value,
    name: &str,
    f: impl FnOnce(&Value) -> Result<(), Failure>,
) -> Result<(), Failure> {
    match state.store.get(&resources::PODS, ns_of(set), name) {
        Some(pod) => f(&pod),
        None => Ok(()),
    }
}

/// Creates the pod's claims, then the pod, then sets claim owner references
/// (upstream's `CreateStatefulPod`).
fn create_pod(state: &State, set: &Value, pod: Value) -> Result<(), Failure> {
    let pod_name = name_of(&pod).to_string();
    let failed = |e: String| Failure {
        reason: "FailedCreate",
        message: format!(
            "create Pod {pod_name} in StatefulSet {} failed error: {e}",
            name_of(set)
        ),
    };
    if let Err(f) = create_claims(state, set, &pod) {
        return Err(failed(f.message));
    }
    match api::create(state, &resources::PODS, ns_of(set), pod, false) {
        Ok(created) => {
            fix_claim_refs(state, set, &created);
            let msg = format!(
                "create Pod {pod_name} in StatefulSet {} successful",
                name_of(set)
            );
            record_event(state, set, "Normal", "SuccessfulCreate", &msg);
            Ok(())
        }
        Err(e) if e.reason == "AlreadyExists" => Err(Failure {
            reason: "FailedSync",
            message: e.message,
        }),
        Err(e) => Err(failed(e.message)),
    }
}

/// Creates the claims of a pod that do not exist (upstream's `createPersistentVolumeClaims`).
fn create_claims(state: &State, set: &Value, pod: &Value) -> Result<(), Failure> {
    let Some(ordinal) = ordinal_of(pod) else {
        return Ok(());
    };
    let mut errors = Vec::new();
    for (_, claim) in claims_for(set, ordinal) {
        let claim_name = name_of(&claim).to_string();
        match state.store.get(&resources::PVCS, ns_of(set), &claim_name) {
            Some(existing) if is_deleting(&existing) => {
                errors.push(format!("pvc {claim_name} is being deleted"));
            }
            Some(_) => {}
            None => match api::create(state, &resources::PVCS, ns_of(set), claim, false) {
                Ok(_) => {
                    let msg = format!(
                        "create Claim {claim_name} Pod {} in StatefulSet {} success",
                        name_of(pod),
                        name_of(set)
                    );
                    record_event(state, set, "Normal", "SuccessfulCreate", &msg);
                }
                Err(e) if e.reason == "AlreadyExists" => {}
                Err(e) => {
                    let msg = format!(
                        "create Claim {claim_name} for Pod {} in StatefulSet {} failed error: {}",
                        name_of(pod),
                        name_of(set),
                        e.message
                    );
                    record_event(state, set, "Warning", "FailedCreate", &msg);
                    errors.push(format!("failed to create PVC {claim_name}: {}", e.message));
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure {
            reason: "FailedCreate",
            message: errors.join(", "),
        })
    }
}

/// Rewrites the owner references of the pod's claims per the retention policy; returns
/// whether any claim changed.
fn fix_claim_refs(state: &State, set: &Value, pod: &Value) -> bool {
    let Some(ordinal) = ordinal_of(pod) else {
        return false;
    };
    let mut changed = false;
    for (_, claim) in claims_for(set, ordinal) {
        let Some(existing) = state
            .store
            .get(&resources::PVCS, ns_of(set), name_of(&claim))
        else {
            continue;
        };
        if claim_owner_up_to_date(&existing, set, pod) {
            continue;
        }
        let written = state
            .store
            .modify(&resources::PVCS, ns_of(set), name_of(&claim), |c| {
                update_claim_owner_refs(c, set, pod);
                Ok(true)
            });
        changed |= written.is_ok_and(|w| {
            w["metadata"]["resourceVersion"] != existing["metadata"]["resourceVersion"]
        });
    }
    changed
}

/// Restores identity labels and missing claims of an existing pod and its claims' owner
/// references (upstream's `UpdateStatefulPod`; pod volumes are immutable, so storage is
/// restored by creating the claims only).
fn update_pod(state: &State, set: &Value, update_set: &Value, pod: &Value) -> Result<(), Failure> {
    let mut changed = false;
    if !identity_matches(set, pod) {
        if let Some(ordinal) = ordinal_of(pod) {
            let written = state
                .store
                .modify(&resources::PODS, ns_of(pod), name_of(pod), |p| {
                    let name = name_of(p).to_string();
                    p["metadata"]["labels"][POD_NAME_LABEL] = json!(name);
                    p["metadata"]["labels"][POD_INDEX_LABEL] = json!(ordinal.to_string());
                    Ok(true)
                });
            changed |= written.is_ok();
        }
    }
    create_claims(state, set, pod)?;
    changed |= fix_claim_refs(state, update_set, pod);
    if changed {
        let msg = format!(
            "update Pod {} in StatefulSet {} successful",
            name_of(pod),
            name_of(set)
        );
        record_event(state, set, "Normal", "SuccessfulUpdate", &msg);
    }
    Ok(())
}

/// Deletes a pod gracefully (upstream's `DeleteStatefulPod`).
fn delete_pod(state: &State, set: &Value, name: &str) -> Result<(), Failure> {
    let Some(pod) = state.store.get(&resources::PODS, ns_of(set), name) else {
        return Ok(());
    };
    let opts = DeleteOptions {
        precondition_uid: Some(uid_of(&pod).to_string()),
        ..DeleteOptions::default()
    };
    match api::delete(state, &resources::PODS, ns_of(set), name, &opts) {
        Ok(_) => {
            let msg = format!(
                "delete Pod {name} in StatefulSet {} successful",
                name_of(set)
            );
            record_event(state, set, "Normal", "SuccessfulDelete", &msg);
            Ok(())
        }
        Err(e) if e.code == 404 => Ok(()),
        Err(e) => Err(Failure {
            reason: "FailedDelete",
            message: format!(
                "delete Pod {name} in StatefulSet {} failed error: {}",
                name_of(set),
                e.message
            ),
        }),
    }
}

/// Records a core/v1 Event about the set like client-go's recorder: identical events are
/// aggregated into a growing `count`.
fn record_event(state: &State, set: &Value, kind: &str, reason: &str, message: &str) {
    let ns = ns_of(set);
    let stamp = store::now_rfc3339();
    let same = state
        .store
        .list(&resources::EVENTS, Some(ns))
        .0
        .into_iter()
        .find(|e| {
            e["involvedObject"]["uid"] == uid_of(set)
                && e["reason"] == reason
                && e["message"] == message
                && e["type"] == kind
                && e["source"]["component"] == COMPONENT
        });
    if let Some(existing) = same {
        let _ = state
            .store
            .modify(&resources::EVENTS, ns, name_of(&existing), |e| {
                e["count"] = json!(e["count"].as_i64().unwrap_or(1) + 1);
                e["lastTimestamp"] = json!(stamp);
                Ok(true)
            });
        return;
    }
    let nanos = now().as_nanosecond();
    for bump in 0..16 {
        let event = json!({
            "metadata": {"name": format!("{}.{:x}", name_of(set), nanos + bump), "namespace": ns},
            "involvedObject": {
                "kind": SET_KIND,
                "namespace": ns,
                "name": name_of(set),
                "uid": uid_of(set),
                "apiVersion": SET_API_VERSION,
                "resourceVersion": set["metadata"]["resourceVersion"],
            },
            "reason": reason,
            "message": message,
            "source": {"component": COMPONENT},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": kind,
            "eventTime": null,
            "reportingComponent": COMPONENT,
            "reportingInstance": "",
        });
        match api::create(state, &resources::EVENTS, ns, event, false) {
            Err(e) if e.reason == "AlreadyExists" => continue,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::patch::PatchType;
    use crate::machinery::resources::{
        CONTROLLERREVISIONS, EVENTS, NAMESPACES, PODS, PVCS, STATEFULSETS,
    };
    use crate::options::ClusterOptions;
    use std::collections::HashSet;
    use std::sync::Mutex;

    // ----- pure helpers -------------------------------------------------------------

    fn set_value(extra: Value) -> Value {
        let mut set = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default", "uid": "set-uid", "generation": 1},
            "spec": {
                "replicas": 3,
                "serviceName": "web",
                "selector": {"matchLabels": {"app": "web"}},
                "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                "revisionHistoryLimit": 10,
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "img:1"}],
                             "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "emptyDir": {}}]}
                },
                "volumeClaimTemplates": [{"metadata": {"name": "data", "labels": {"tier": "db"}},
                                          "spec": {"accessModes": ["ReadWriteOnce"]}}]
            },
            "status": {}
        });
        json_patch::merge(&mut set, &extra);
        set
    }

    fn running(mut pod: Value, uid: &str) -> Obj {
        pod["metadata"]["uid"] = json!(uid);
        pod["status"] = json!({"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2020-01-01T00:00:00Z"}]});
        Arc::new(pod)
    }

    fn pending(mut pod: Value, uid: &str) -> Obj {
        pod["metadata"]["uid"] = json!(uid);
        pod["status"] = json!({"phase": "Pending"});
        Arc::new(pod)
    }

    fn plan_for(set: &Value, pods: &[Obj], update_rev: &str, gate: bool) -> Vec<Action> {
        let claims: HashMap<String, Obj> = (0..10)
            .flat_map(|o| claims_for(set, o))
            .map(|(_, c)| (name_of(&c).to_string(), Arc::new(c)))
            .collect();
        let s = Snapshot {
            set,
            current_set: set,
            update_set: set,
            current_revision: "web-old",
            update_revision: update_rev,
            pods,
            claims: &claims,
            now: jiff::Timestamp::now(),
            max_unavailable_gate: gate,
        };
        plan(&s)
    }

    fn at(set: &Value, ordinal: i64, rev: &str) -> Value {
        new_versioned_pod(set, set, rev, rev, ordinal)
    }

    fn created_names(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::CreatePod(p) => Some(name_of(p).to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn ordinals_are_parsed_like_upstream() {
        assert_eq!(parent_and_ordinal("web-0"), Some(("web", 0)));
        assert_eq!(parent_and_ordinal("my-web-12"), Some(("my-web", 12)));
        assert_eq!(parent_and_ordinal("web-1-2"), Some(("web-1", 2)));
        assert_eq!(parent_and_ordinal("web"), None);
        assert_eq!(parent_and_ordinal("web-"), None);
        assert_eq!(parent_and_ordinal("web-a1"), None);
    }

    #[test]
    fn new_pod_carries_identity_storage_and_owner() {
        let set = set_value(json!({}));
        let pod = new_versioned_pod(&set, &set, "web-a", "web-b", 2);
        let labels = &pod["metadata"]["labels"];
        assert_eq!(pod["metadata"]["name"], "web-2");
        assert_eq!(labels["app"], "web");
        assert_eq!(labels[POD_NAME_LABEL], "web-2");
        assert_eq!(labels[POD_INDEX_LABEL], "2");
        assert_eq!(labels[REVISION_LABEL], "web-b");
        assert_eq!(pod["spec"]["hostname"], "web-2");
        assert_eq!(pod["spec"]["subdomain"], "web");
        let owner = &pod["metadata"]["ownerReferences"][0];
        assert_eq!(owner["kind"], "StatefulSet");
        assert_eq!(owner["uid"], "set-uid");
        assert_eq!(owner["controller"], true);
        assert_eq!(owner["blockOwnerDeletion"], true);
        let volumes = pod["spec"]["volumes"].as_array().unwrap();
        assert_eq!(volumes.len(), 2, "the template's `data` volume is replaced");
        assert_eq!(
            volumes[0],
            json!({"name": "data", "persistentVolumeClaim": {"claimName": "data-web-2"}})
        );
        assert_eq!(volumes[1]["name"], "cfg");
        assert!(identity_matches(&set, &pod) && storage_matches(&set, &pod));
        let (_, claim) = &claims_for(&set, 2)[0];
        assert_eq!(claim["metadata"]["name"], "data-web-2");
        assert_eq!(
            claim["metadata"]["labels"],
            json!({"tier": "db", "app": "web"})
        );
    }

    #[test]
    fn recreated_pods_get_the_revision_upstream_picks() {
        let partitioned = set_value(json!({"spec": {"ordinals": {"start": 5},
            "updateStrategy": {"rollingUpdate": {"partition": 2}}}}));
        let rev = |set: &Value, ord| {
            new_versioned_pod(set, set, "cur", "upd", ord)["metadata"]["labels"][REVISION_LABEL]
                .clone()
        };
        assert_eq!(rev(&partitioned, 6), "cur", "below start+partition");
        assert_eq!(rev(&partitioned, 7), "upd");
        let on_delete = set_value(
            json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
        );
        assert_eq!(rev(&on_delete, 0), "upd");
        let no_block = set_value(json!({"spec": {"updateStrategy": {"rollingUpdate": null}},
            "status": {"currentReplicas": 2}}));
        assert_eq!(
            rev(&no_block, 1),
            "cur",
            "below currentReplicas without a rollingUpdate block"
        );
        assert_eq!(rev(&no_block, 2), "upd");
    }

    #[test]
    fn ordered_ready_creates_one_pod_at_a_time() {
        let set = set_value(json!({}));
        assert_eq!(
            created_names(&plan_for(&set, &[], "web-old", false)),
            ["web-0"]
        );
        let pods = [pending(at(&set, 0, "web-old"), "u0")];
        assert!(
            plan_for(&set, &pods, "web-old", false).is_empty(),
            "waits for web-0"
        );
        let pods = [running(at(&set, 0, "web-old"), "u0")];
        assert_eq!(
            created_names(&plan_for(&set, &pods, "web-old", false)),
            ["web-1"]
        );
    }

    #[test]
    fn min_ready_seconds_holds_the_next_pod() {
        let set = set_value(json!({"spec": {"minReadySeconds": 30}}));
        let mut pod = (*running(at(&set, 0, "web-old"), "u0")).clone();
        pod["status"]["conditions"][0]["lastTransitionTime"] = json!(store::now_rfc3339());
        assert!(plan_for(&set, &[Arc::new(pod)], "web-old", false).is_empty());
    }

    #[test]
    fn parallel_creates_all_missing_pods() {
        let set = set_value(json!({"spec": {"podManagementPolicy": "Parallel"}}));
        let pods = [pending(at(&set, 1, "web-old"), "u1")];
        assert_eq!(
            created_names(&plan_for(&set, &pods, "web-old", false)),
            ["web-0", "web-2"]
        );
    }

    #[test]
    fn scale_down_removes_the_highest_ordinal_when_the_rest_is_healthy() {
        let set = set_value(json!({"spec": {"replicas": 1}}));
        let pods: Vec<Obj> = (0..3)
            .map(|i| running(at(&set, i, "web-old"), &format!("u{i}")))
            .collect();
        assert_eq!(
            plan_for(&set, &pods, "web-old", false),
            [Action::DeletePod("web-2".into())]
        );
        let mut unhealthy = pods.clone();
        unhealthy[0] = pending(at(&set, 0, "web-old"), "u0");
        assert!(plan_for(&set, &unhealthy, "web-old", false).is_empty());
        let mut terminating = pods.clone();
        let mut t = (*pods[2]).clone();
        t["metadata"]["deletionTimestamp"] = json!("2020-01-01T00:00:00Z");
        terminating[2] = Arc::new(t);
        assert!(
            plan_for(&set, &terminating, "web-old", false).is_empty(),
            "a terminating pod blocks"
        );
        let parallel =
            set_value(json!({"spec": {"replicas": 1, "podManagementPolicy": "Parallel"}}));
        assert_eq!(
            plan_for(&parallel, &pods, "web-old", false),
            [
                Action::DeletePod("web-2".into()),
                Action::DeletePod("web-1".into())
            ]
        );
    }

    #[test]
    fn pending_pods_get_missing_claims_and_stale_claims_block_creation() {
        let set = set_value(json!({"spec": {"replicas": 1,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Delete"}}}));
        let pods = [pending(at(&set, 0, "web-old"), "u0")];
        let none = HashMap::new();
        let s = Snapshot {
            set: &set,
            current_set: &set,
            update_set: &set,
            current_revision: "web-old",
            update_revision: "web-old",
            pods: &pods,
            claims: &none,
            now: jiff::Timestamp::now(),
            max_unavailable_gate: false,
        };
        assert_eq!(plan(&s), [Action::CreateMissingClaims("web-0".into())]);
        let mut claim = claims_for(&set, 0).remove(0).1;
        claim["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "Pod", "name": "web-0",
            "uid": "gone", "controller": true}]);
        let claims = HashMap::from([("data-web-0".to_string(), Arc::new(claim))]);
        let s = Snapshot {
            pods: &[],
            claims: &claims,
            ..s
        };
        assert!(
            plan(&s).is_empty(),
            "waits until the claim of the old web-0 is collected"
        );
    }

    #[test]
    fn failed_pods_are_deleted() {
        let set = set_value(json!({"spec": {"replicas": 1}}));
        let mut pod = (*running(at(&set, 0, "web-old"), "u0")).clone();
        pod["status"]["phase"] = json!("Failed");
        assert_eq!(
            plan_for(&set, &[Arc::new(pod)], "web-old", false),
            [Action::DeletePod("web-0".into())]
        );
    }

    #[test]
    fn rolling_update_replaces_from_the_top_down_to_the_partition() {
        let set =
            set_value(json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}}}));
        let mut pods: Vec<Obj> = (0..3)
            .map(|i| running(at(&set, i, "web-old"), &format!("u{i}")))
            .collect();
        assert_eq!(
            plan_for(&set, &pods, "web-new", false),
            [Action::DeletePod("web-2".into())]
        );
        pods[2] = pending(at(&set, 2, "web-new"), "n2");
        assert!(
            plan_for(&set, &pods, "web-new", false).is_empty(),
            "waits for the replacement"
        );
        pods[2] = running(at(&set, 2, "web-new"), "n2");
        assert_eq!(
            plan_for(&set, &pods, "web-new", false),
            [Action::DeletePod("web-1".into())]
        );
        pods[1] = running(at(&set, 1, "web-new"), "n1");
        assert!(
            plan_for(&set, &pods, "web-new", false).is_empty(),
            "web-0 is below the partition"
        );
        let on_delete = set_value(
            json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
        );
        let old: Vec<Obj> = (0..3)
            .map(|i| running(at(&set, i, "web-old"), &format!("u{i}")))
            .collect();
        assert!(plan_for(&on_delete, &old, "web-new", false).is_empty());
    }

    #[test]
    fn max_unavailable_applies_only_with_the_gate() {
        let set = set_value(json!({"spec": {"replicas": 4,
            "updateStrategy": {"rollingUpdate": {"partition": 0, "maxUnavailable": "50%"}}}}));
        assert_eq!(max_unavailable(&set), 2);
        assert_eq!(
            max_unavailable(&set_value(
                json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": "10%"}}}})
            )),
            1
        );
        assert_eq!(
            max_unavailable(&set_value(
                json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": 3}}}})
            )),
            3
        );
        let pods: Vec<Obj> = (0..4)
            .map(|i| running(at(&set, i, "web-old"), &format!("u{i}")))
            .collect();
        assert_eq!(
            plan_for(&set, &pods, "web-new", true),
            [
                Action::DeletePod("web-3".into()),
                Action::DeletePod("web-2".into())
            ]
        );
        assert_eq!(
            plan_for(&set, &pods, "web-new", false),
            [Action::DeletePod("web-3".into())]
        );
    }

    #[test]
    fn retention_policy_owner_refs_for_all_combinations() {
        let mut pod = at(&set_value(json!({})), 2, "r");
        pod["metadata"]["uid"] = json!("pod-uid");
        let claim = json!({"metadata": {"name": "data-web-2"}});
        for (deleted, scaled) in [
            ("Retain", "Retain"),
            ("Delete", "Retain"),
            ("Retain", "Delete"),
            ("Delete", "Delete"),
        ] {
            for replicas in [3, 2] {
                let set = set_value(json!({"spec": {"replicas": replicas,
                    "persistentVolumeClaimRetentionPolicy": {"whenDeleted": deleted, "whenScaled": scaled}}}));
                let mut c = claim.clone();
                assert_eq!(
                    claim_owner_up_to_date(&c, &set, &pod),
                    deleted == "Retain" && (scaled == "Retain" || replicas == 3)
                );
                update_claim_owner_refs(&mut c, &set, &pod);
                assert!(claim_owner_up_to_date(&c, &set, &pod));
                let uids: Vec<String> = owner_refs(&c)
                    .iter()
                    .map(|r| r["uid"].as_str().unwrap().to_string())
                    .collect();
                let scaled_away = replicas == 2;
                let want: Vec<&str> = match (deleted, scaled, scaled_away) {
                    (_, "Delete", true) => vec!["pod-uid"],
                    ("Delete", _, _) => vec!["set-uid"],
                    _ => vec![],
                };
                assert_eq!(uids, want, "{deleted}/{scaled} replicas={replicas}");
                assert!(owner_refs(&c).iter().all(|r| r["controller"] == true));
            }
        }
    }

    #[test]
    fn status_advances_current_revision_only_when_complete() {
        let set = set_value(json!({"metadata": {"generation": 4}}));
        let now = jiff::Timestamp::now();
        let mut pods: Vec<Obj> = (0..3)
            .map(|i| running(at(&set, i, "web-old"), &format!("u{i}")))
            .collect();
        pods[2] = running(at(&set, 2, "web-new"), "n2");
        let st = compute_status(&set, &pods, "web-old", "web-new", 0, now);
        assert_eq!(
            st,
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3,
            "currentReplicas": 2, "updatedReplicas": 1, "currentRevision": "web-old", "updateRevision": "web-new",
            "collisionCount": 0})
        );
        let all_new: Vec<Obj> = (0..3)
            .map(|i| running(at(&set, i, "web-new"), &format!("n{i}")))
            .collect();
        let st = compute_status(&set, &all_new, "web-old", "web-new", 0, now);
        assert_eq!(st["currentRevision"], "web-new");
        assert_eq!(st["currentReplicas"], 3);
        let on_delete = set_value(
            json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
        );
        let st = compute_status(&on_delete, &all_new, "web-old", "web-new", 0, now);
        assert_eq!(st["currentRevision"], "web-old");
        assert!(
            st.get("currentReplicas").is_none(),
            "zero counters are omitted"
        );
    }

    #[test]
    fn pruning_keeps_live_revisions() {
        let set = set_value(json!({"spec": {"revisionHistoryLimit": 1}}));
        let revs: Vec<Obj> = (1..=5)
            .map(|n| Arc::new(json!({"metadata": {"name": format!("web-r{n}")}, "revision": n})))
            .collect();
        let pods = [running(at(&set, 0, "web-r1"), "u0")];
        assert_eq!(
            revisions_to_prune(&set, &revs, &pods, "web-r4", "web-r5"),
            ["web-r2"]
        );
    }

    #[test]
    fn update_revision_is_reused_on_rollback() {
        let rev = |n: i64, image: &str| {
            Arc::new(
                json!({"metadata": {"name": format!("web-{image}")}, "revision": n,
                "data": {"spec": {"template": {"image": image}}}}),
            )
        };
        let revs = [rev(1, "a"), rev(2, "b")];
        assert_eq!(
            choose_update_revision(&revs, &rev(3, "b")),
            UpdateRevisionChoice::Latest(1)
        );
        assert_eq!(
            choose_update_revision(&revs, &rev(3, "a")),
            UpdateRevisionChoice::Reuse(0, 3)
        );
        assert_eq!(
            choose_update_revision(&revs, &rev(3, "c")),
            UpdateRevisionChoice::Create(3)
        );
    }

    // ----- the controller against a store --------------------------------------------

    /// What the in-test kubelet leaves alone.
    #[derive(Default)]
    struct KubeletCtl {
        hold_pods: HashSet<String>,
        hold_images: HashSet<String>,
    }

    type Ctl = Arc<Mutex<KubeletCtl>>;

    /// Marks pending pods Running+Ready (unless held) and removes terminating pods.
    async fn fake_kubelet(state: SharedState, ctl: Ctl) {
        let mut rx = state.store.subscribe();
        loop {
            for pod in state.store.list(&PODS, None).0 {
                let (ns, name) = (ns_of(&pod).to_string(), name_of(&pod).to_string());
                if is_terminating(&pod) {
                    let _ = state.store.remove(&PODS, &ns, &name);
                    continue;
                }
                let image = pod["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let held = {
                    let c = ctl.lock().unwrap();
                    c.hold_pods.contains(&name) || c.hold_images.contains(&image)
                };
                if phase(&pod) == "Pending" && !held {
                    let _ = state.store.modify(&PODS, &ns, &name, |p| {
                        p["spec"]["nodeName"] = json!("node-1");
                        p["status"] = json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True",
                            "lastTransitionTime": store::now_rfc3339()}],
                            "containerStatuses": [{"name": "c", "ready": true}]});
                        Ok(true)
                    });
                }
            }
            tokio::select! {
                _ = rx.recv() => {}
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
    }

    async fn cluster(opts: ClusterOptions) -> (SharedState, Ctl) {
        let state: SharedState = Arc::new(State::new(opts));
        api::create(
            &state,
            &NAMESPACES,
            "",
            json!({"metadata": {"name": "default"}}),
            false,
        )
        .unwrap();
        let ctl = Ctl::default();
        tokio::spawn(run(state.clone()));
        tokio::spawn(fake_kubelet(state.clone(), ctl.clone()));
        (state, ctl)
    }

    fn manifest(name: &str, replicas: i64, extra: Value) -> Value {
        let mut set = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "serviceName": name,
                "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                             "spec": {"containers": [{"name": "c", "image": "img:1"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
            }
        });
        json_patch::merge(&mut set, &extra);
        set
    }

    fn create_set(state: &State, manifest: Value) -> Obj {
        api::create(state, &STATEFULSETS, "default", manifest, false).unwrap()
    }

    fn patch_set(state: &State, name: &str, patch: Value) {
        let body = serde_json::to_vec(&patch).unwrap();
        api::patch(
            state,
            &STATEFULSETS,
            "default",
            name,
            None,
            PatchType::Merge,
            &body,
            false,
        )
        .unwrap();
    }

    fn set_image(state: &State, name: &str, image: &str) {
        patch_set(
            state,
            name,
            json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}}),
        );
    }

    fn get_set(state: &State, name: &str) -> Obj {
        state.store.get(&STATEFULSETS, "default", name).unwrap()
    }

    fn pods_of(state: &State, set: &str) -> Vec<Obj> {
        let mut pods: Vec<Obj> = state
            .store
            .list(&PODS, Some("default"))
            .0
            .into_iter()
            .filter(|p| parent_and_ordinal(name_of(p)).is_some_and(|(parent, _)| parent == set))
            .collect();
        pods.sort_by_key(|p| ordinal_of(p));
        pods
    }

    fn pod(state: &State, name: &str) -> Option<Obj> {
        state.store.get(&PODS, "default", name)
    }

    fn revisions_of(state: &State) -> Vec<Obj> {
        let mut revs = state.store.list(&CONTROLLERREVISIONS, Some("default")).0;
        sort_revisions(&mut revs);
        revs
    }

    /// Waits (on store events, with a timeout) until `cond` holds.
    async fn wait_until(state: &State, what: &str, cond: impl Fn(&State) -> bool) {
        let mut rx = state.store.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while !cond(state) {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => panic!("timed out waiting for {what}"),
                _ = rx.recv() => {}
                _ = tokio::time::sleep(Duration::from_millis(25)) => {}
            }
        }
    }

    /// The set's status once the controller has observed its current generation.
    fn observed(state: &State, name: &str) -> Option<Value> {
        let set = get_set(state, name);
        (set["status"]["observedGeneration"] == set["metadata"]["generation"])
            .then(|| set["status"].clone())
    }

    fn settled(state: &State, name: &str, replicas: i64) -> bool {
        observed(state, name).is_some_and(|st| {
            st["readyReplicas"] == replicas
                && st["replicas"] == replicas
                && st["updatedReplicas"] == replicas
                && st["currentRevision"] == st["updateRevision"]
        }) && pods_of(state, name).len() == replicas as usize
    }

    fn drain(rx: &mut broadcast::Receiver<store::Event>) -> Vec<store::Event> {
        let mut out = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            out.push(ev);
        }
        out
    }

    #[tokio::test]
    async fn ordered_ready_creates_claims_then_pods_in_order() {
        let (state, ctl) = cluster(ClusterOptions::default()).await;
        let mut history = state.store.subscribe();
        ctl.lock().unwrap().hold_pods.insert("web-1".into());
        create_set(&state, manifest("web", 3, json!({})));
        wait_until(&state, "web-1 created", |s| {
            pod(s, "web-1").is_some() && observed(s, "web").is_some_and(|st| st["replicas"] == 2)
        })
        .await;
        assert!(
            pod(&state, "web-2").is_none(),
            "web-2 must wait for web-1 to be Ready"
        );
        let st = observed(&state, "web").unwrap();
        assert_eq!(st["readyReplicas"], 1);
        ctl.lock().unwrap().hold_pods.clear();
        wait_until(&state, "3 ready pods", |s| settled(s, "web", 3)).await;

        // Replay the store history: every pod appears after its claim and after all lower
        // ordinals were Ready.
        let mut ready: HashSet<String> = HashSet::new();
        let mut claims: HashSet<String> = HashSet::new();
        for ev in drain(&mut history) {
            let name = name_of(&ev.object).to_string();
            match (ev.rt.plural, ev.kind) {
                ("persistentvolumeclaims", store::EventType::Added) => {
                    claims.insert(name);
                }
                ("pods", store::EventType::Added) => {
                    let ord = ordinal_of(&ev.object).unwrap();
                    assert!(
                        claims.contains(&format!("data-{name}")),
                        "claim before {name}"
                    );
                    for lower in 0..ord {
                        assert!(
                            ready.contains(&format!("web-{lower}")),
                            "{name} created before web-{lower} was Ready"
                        );
                    }
                }
                ("pods", _) if is_running_and_ready(&ev.object) => {
                    ready.insert(name);
                }
                _ => {}
            }
        }
        let web1 = pod(&state, "web-1").unwrap();
        assert_eq!(web1["metadata"]["labels"][POD_INDEX_LABEL], "1");
        assert_eq!(
            web1["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "data-web-1"
        );
        let claim = state.store.get(&PVCS, "default", "data-web-1").unwrap();
        assert_eq!(claim["metadata"]["labels"]["app"], "web");
        assert!(
            claim["metadata"].get("ownerReferences").is_none(),
            "Retain/Retain: no owner refs"
        );
        let messages: Vec<String> = state
            .store
            .list(&EVENTS, Some("default"))
            .0
            .iter()
            .map(|e| e["message"].as_str().unwrap().to_string())
            .collect();
        assert!(messages.contains(&"create Pod web-0 in StatefulSet web successful".to_string()));
        assert!(messages
            .contains(&"create Claim data-web-0 Pod web-0 in StatefulSet web success".to_string()));
        let st = observed(&state, "web").unwrap();
        let revs = revisions_of(&state);
        assert_eq!(revs.len(), 1);
        assert_eq!(st["currentRevision"], name_of(&revs[0]));
        assert_eq!(
            web1["metadata"]["labels"][REVISION_LABEL],
            name_of(&revs[0])
        );
        assert_eq!(
            revs[0]["metadata"]["ownerReferences"][0]["uid"],
            get_set(&state, "web")["metadata"]["uid"]
        );
    }

    #[tokio::test]
    async fn a_settled_set_causes_no_writes() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        create_set(&state, manifest("web", 2, json!({})));
        wait_until(&state, "ready", |s| settled(s, "web", 2)).await;
        let rv = state.store.resource_version();
        tokio::time::sleep(RESYNC * 4).await;
        assert_eq!(
            state.store.resource_version(),
            rv,
            "the controller keeps writing while idle"
        );
    }

    #[tokio::test]
    async fn min_ready_seconds_delays_the_next_pod() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        create_set(
            &state,
            manifest("web", 2, json!({"spec": {"minReadySeconds": 1}})),
        );
        wait_until(&state, "web-0 ready", |s| {
            pod(s, "web-0").is_some_and(|p| is_running_and_ready(&p))
        })
        .await;
        let st = get_set(&state, "web")["status"].clone();
        assert!(
            pod(&state, "web-1").is_none(),
            "web-1 waits until web-0 is available"
        );
        assert_eq!(st["availableReplicas"], 0);
        wait_until(&state, "both available", |s| {
            observed(s, "web").is_some_and(|st| st["availableReplicas"] == 2)
        })
        .await;
    }

    #[tokio::test]
    async fn parallel_creates_without_waiting() {
        let (state, ctl) = cluster(ClusterOptions::default()).await;
        ctl.lock().unwrap().hold_images.insert("img:1".into());
        create_set(
            &state,
            manifest(
                "web",
                3,
                json!({"spec": {"podManagementPolicy": "Parallel"}}),
            ),
        );
        wait_until(&state, "3 pending pods", |s| pods_of(s, "web").len() == 3).await;
        assert!(pods_of(&state, "web").iter().all(|p| phase(p) == "Pending"));
        patch_set(&state, "web", json!({"spec": {"replicas": 1}}));
        wait_until(&state, "scaled to 1", |s| pods_of(s, "web").len() == 1).await;
        assert!(pod(&state, "web-0").is_some());
    }

    #[tokio::test]
    async fn ordered_scale_down_from_the_top() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        let mut history = state.store.subscribe();
        create_set(&state, manifest("web", 3, json!({})));
        wait_until(&state, "3 ready", |s| settled(s, "web", 3)).await;
        drain(&mut history);
        patch_set(&state, "web", json!({"spec": {"replicas": 1}}));
        wait_until(&state, "1 ready", |s| settled(s, "web", 1)).await;
        let deleted: Vec<String> = drain(&mut history)
            .into_iter()
            .filter(|e| e.rt.plural == "pods" && e.kind == store::EventType::Deleted)
            .map(|e| name_of(&e.object).to_string())
            .collect();
        assert_eq!(deleted, ["web-2", "web-1"]);
        assert!(
            state.store.get(&PVCS, "default", "data-web-2").is_some(),
            "claims are retained"
        );
    }

    #[tokio::test]
    async fn failed_pods_are_recreated() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        create_set(&state, manifest("web", 1, json!({})));
        wait_until(&state, "ready", |s| settled(s, "web", 1)).await;
        let old_uid = uid_of(&pod(&state, "web-0").unwrap()).to_string();
        api::write_status(&state, &PODS, "default", "web-0", |st| {
            *st = json!({"phase": "Failed"})
        })
        .unwrap();
        wait_until(&state, "recreated", |s| {
            pod(s, "web-0").is_some_and(|p| uid_of(&p) != old_uid && is_running_and_ready(&p))
        })
        .await;
    }

    #[tokio::test]
    async fn partition_updates_from_the_top_with_start_ordinal() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        let mut history = state.store.subscribe();
        create_set(
            &state,
            manifest(
                "web",
                3,
                json!({"spec": {"ordinals": {"start": 5},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}}}),
            ),
        );
        wait_until(&state, "3 ready", |s| settled(s, "web", 3)).await;
        let names: Vec<String> = pods_of(&state, "web")
            .iter()
            .map(|p| name_of(p).to_string())
            .collect();
        assert_eq!(names, ["web-5", "web-6", "web-7"]);
        let old_rev = observed(&state, "web").unwrap()["currentRevision"]
            .as_str()
            .unwrap()
            .to_string();
        drain(&mut history);
        set_image(&state, "web", "img:2");
        wait_until(&state, "partitioned rollout", |s| {
            observed(s, "web")
                .is_some_and(|st| st["updatedReplicas"] == 2 && st["readyReplicas"] == 3)
        })
        .await;
        let st = observed(&state, "web").unwrap();
        let new_rev = st["updateRevision"].as_str().unwrap().to_string();
        assert_ne!(new_rev, old_rev);
        assert_eq!(
            st["currentRevision"],
            old_rev.as_str(),
            "a partitioned rollout does not advance currentRevision"
        );
        assert_eq!(st["currentReplicas"], 1);
        let revs: Vec<String> = pods_of(&state, "web")
            .iter()
            .map(|p| pod_revision(p).to_string())
            .collect();
        assert_eq!(revs, [old_rev.clone(), new_rev.clone(), new_rev.clone()]);
        let deleted: Vec<String> = drain(&mut history)
            .into_iter()
            .filter(|e| e.rt.plural == "pods" && e.kind == store::EventType::Deleted)
            .map(|e| name_of(&e.object).to_string())
            .collect();
        assert_eq!(deleted, ["web-7", "web-6"]);

        // A pod below the partition is recreated at the current revision.
        api::delete(&state, &PODS, "default", "web-5", &DeleteOptions::default()).unwrap();
        wait_until(&state, "web-5 back", settled_partitioned).await;
        assert_eq!(pod_revision(&pod(&state, "web-5").unwrap()), old_rev);

        // Partition 0 completes the rollout; currentRevision advances only then.
        let mut watch = state.store.subscribe();
        patch_set(
            &state,
            "web",
            json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}),
        );
        wait_until(&state, "complete", |s| settled(s, "web", 3)).await;
        for ev in drain(&mut watch) {
            let st = &ev.object["status"];
            if ev.rt.plural == "statefulsets" && st["currentRevision"] == new_rev.as_str() {
                assert_eq!(
                    (
                        st["updatedReplicas"].clone(),
                        st["readyReplicas"].clone(),
                        st["replicas"].clone()
                    ),
                    (json!(3), json!(3), json!(3)),
                    "currentRevision advanced early: {st}"
                );
            }
        }
        assert_eq!(
            observed(&state, "web").unwrap()["currentRevision"],
            new_rev.as_str()
        );
    }

    fn settled_partitioned(state: &State) -> bool {
        pod(state, "web-5").is_some_and(|p| is_running_and_ready(&p))
            && observed(state, "web").is_some_and(|st| st["readyReplicas"] == 3)
    }

    #[tokio::test]
    async fn stuck_pod_blocks_the_rollout() {
        let (state, ctl) = cluster(ClusterOptions::default()).await;
        ctl.lock().unwrap().hold_images.insert("img:bad".into());
        create_set(&state, manifest("web", 3, json!({})));
        wait_until(&state, "3 ready", |s| settled(s, "web", 3)).await;
        set_image(&state, "web", "img:bad");
        wait_until(&state, "web-2 replaced", |s| {
            observed(s, "web").is_some_and(|st| st["updatedReplicas"] == 1 && st["replicas"] == 3)
        })
        .await;
        let images: Vec<String> = pods_of(&state, "web")
            .iter()
            .map(|p| {
                p["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(images, ["img:1", "img:1", "img:bad"]);
        assert_eq!(observed(&state, "web").unwrap()["readyReplicas"], 2);
    }

    #[tokio::test]
    async fn max_unavailable_with_the_gate() {
        let opts = ClusterOptions {
            max_unavailable_gate: true,
            ..ClusterOptions::default()
        };
        let (state, ctl) = cluster(opts).await;
        ctl.lock().unwrap().hold_images.insert("img:2".into());
        create_set(
            &state,
            manifest(
                "web",
                4,
                json!({"spec": {"podManagementPolicy": "Parallel",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0, "maxUnavailable": "50%"}}}}),
            ),
        );
        wait_until(&state, "4 ready", |s| settled(s, "web", 4)).await;
        set_image(&state, "web", "img:2");
        wait_until(&state, "two replaced at once", |s| {
            observed(s, "web").is_some_and(|st| st["updatedReplicas"] == 2 && st["replicas"] == 4)
        })
        .await;
        let images: Vec<String> = pods_of(&state, "web")
            .iter()
            .map(|p| {
                p["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(images, ["img:1", "img:1", "img:2", "img:2"]);
    }

    #[tokio::test]
    async fn on_delete_replaces_only_deleted_pods() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        create_set(
            &state,
            manifest(
                "web",
                3,
                json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
            ),
        );
        wait_until(&state, "3 ready", |s| settled(s, "web", 3)).await;
        let old_rev = observed(&state, "web").unwrap()["currentRevision"]
            .as_str()
            .unwrap()
            .to_string();
        let uids: Vec<String> = pods_of(&state, "web")
            .iter()
            .map(|p| uid_of(p).to_string())
            .collect();
        set_image(&state, "web", "img:2");
        wait_until(&state, "new generation observed", |s| {
            observed(s, "web").is_some_and(|st| st["updateRevision"] != old_rev.as_str())
        })
        .await;
        let after: Vec<String> = pods_of(&state, "web")
            .iter()
            .map(|p| uid_of(p).to_string())
            .collect();
        assert_eq!(uids, after, "OnDelete replaces nothing by itself");
        api::delete(&state, &PODS, "default", "web-1", &DeleteOptions::default()).unwrap();
        wait_until(&state, "web-1 recreated", |s| {
            pod(s, "web-1").is_some_and(|p| uid_of(&p) != uids[1] && is_running_and_ready(&p))
                && observed(s, "web")
                    .is_some_and(|st| st["updatedReplicas"] == 1 && st["readyReplicas"] == 3)
        })
        .await;
        let st = observed(&state, "web").unwrap();
        assert_eq!(
            pod_revision(&pod(&state, "web-1").unwrap()),
            st["updateRevision"].as_str().unwrap()
        );
        assert_eq!(st["currentRevision"], old_rev.as_str());
        assert_eq!(st["currentReplicas"], 2);
    }

    #[tokio::test]
    async fn rollback_reuses_the_old_revision_and_history_is_pruned() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        create_set(
            &state,
            manifest("web", 2, json!({"spec": {"revisionHistoryLimit": 1}})),
        );
        wait_until(&state, "ready", |s| settled(s, "web", 2)).await;
        let first = observed(&state, "web").unwrap()["updateRevision"]
            .as_str()
            .unwrap()
            .to_string();
        set_image(&state, "web", "img:2");
        wait_until(&state, "v2", |s| {
            settled(s, "web", 2) && observed(s, "web").unwrap()["updateRevision"] != first.as_str()
        })
        .await;
        set_image(&state, "web", "img:1");
        wait_until(&state, "back to v1", |s| {
            settled(s, "web", 2) && observed(s, "web").unwrap()["updateRevision"] == first.as_str()
        })
        .await;
        let revs = revisions_of(&state);
        assert_eq!(revs.len(), 2);
        assert_eq!(name_of(revs.last().unwrap()), first);
        assert_eq!(
            revs.last().unwrap()["revision"],
            3,
            "reused revision renumbered to max+1"
        );
        for image in ["img:3", "img:4"] {
            set_image(&state, "web", image);
            wait_until(&state, image, |s| {
                settled(s, "web", 2)
                    && pods_of(s, "web")
                        .iter()
                        .all(|p| p["spec"]["containers"][0]["image"] == image)
            })
            .await;
        }
        wait_until(&state, "pruned", |s| revisions_of(s).len() == 2).await;
        assert_eq!(revisions_of(&state).last().unwrap()["revision"], 5);
    }

    #[tokio::test]
    async fn history_keeps_revisions_used_by_pods() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        create_set(
            &state,
            manifest(
                "web",
                2,
                json!({"spec": {"revisionHistoryLimit": 0,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}}}),
            ),
        );
        wait_until(&state, "ready", |s| settled(s, "web", 2)).await;
        for image in ["img:2", "img:3"] {
            set_image(&state, "web", image);
            wait_until(&state, image, |s| {
                pod(s, "web-1").is_some_and(|p| {
                    p["spec"]["containers"][0]["image"] == image && is_running_and_ready(&p)
                }) && observed(s, "web").is_some_and(|st| st["updatedReplicas"] == 1)
            })
            .await;
        }
        // img:1 is current and used by web-0, img:3 is the update revision; img:2 is history.
        wait_until(&state, "pruned", |s| revisions_of(s).len() == 2).await;
        let names: HashSet<String> = revisions_of(&state)
            .iter()
            .map(|r| name_of(r).to_string())
            .collect();
        assert!(names.contains(pod_revision(&pod(&state, "web-0").unwrap())));
        assert!(names.contains(pod_revision(&pod(&state, "web-1").unwrap())));
    }

    #[tokio::test]
    async fn hash_collisions_bump_the_collision_count() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        state.faults.pause_controllers();
        let set = create_set(&state, manifest("web", 1, json!({})));
        let taken = revision::new_revision(&set, 1, Some(0));
        let mut squatter = taken.clone();
        squatter["data"] = json!({"spec": {"template": {"other": true}}});
        squatter["metadata"]["labels"] = json!({"unrelated": "x"});
        squatter["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("ownerReferences");
        api::create(&state, &CONTROLLERREVISIONS, "default", squatter, false).unwrap();
        state.faults.resume_controllers();
        wait_until(&state, "ready", |s| settled(s, "web", 1)).await;
        let st = observed(&state, "web").unwrap();
        assert_eq!(st["collisionCount"], 1);
        let expected = revision::new_revision(&set, 1, Some(1));
        assert_eq!(st["updateRevision"], expected["metadata"]["name"]);
        assert_ne!(st["updateRevision"], taken["metadata"]["name"]);
    }

    fn claim_owner_kinds(state: &State, claim: &str) -> Vec<String> {
        let c = state.store.get(&PVCS, "default", claim).unwrap();
        owner_refs(&c)
            .iter()
            .map(|r| {
                format!(
                    "{}/{}",
                    r["kind"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn retention_policies_set_claim_owner_refs() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        let cases = [
            ("Retain", "Retain"),
            ("Delete", "Retain"),
            ("Retain", "Delete"),
            ("Delete", "Delete"),
        ];
        for (i, (deleted, scaled)) in cases.into_iter().enumerate() {
            let name = format!("s{i}");
            create_set(
                &state,
                manifest(
                    &name,
                    2,
                    json!({"spec": {"podManagementPolicy": "Parallel",
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": deleted, "whenScaled": scaled}}}),
                ),
            );
            wait_until(&state, "ready", |s| settled(s, &name, 2)).await;
            let set_ref = format!("StatefulSet/{name}");
            let want_live: Vec<String> = if deleted == "Delete" {
                vec![set_ref.clone()]
            } else {
                vec![]
            };
            wait_until(&state, "live claim refs", |s| {
                claim_owner_kinds(s, &format!("data-{name}-1")) == want_live
            })
            .await;
            assert_eq!(
                claim_owner_kinds(&state, &format!("data-{name}-0")),
                want_live
            );
            patch_set(&state, &name, json!({"spec": {"replicas": 1}}));
            wait_until(&state, "scaled", |s| settled(s, &name, 1)).await;
            let want_gone: Vec<String> = match (deleted, scaled) {
                (_, "Delete") => vec![format!("Pod/{name}-1")],
                ("Delete", _) => vec![set_ref.clone()],
                _ => vec![],
            };
            assert_eq!(
                claim_owner_kinds(&state, &format!("data-{name}-1")),
                want_gone,
                "{deleted}/{scaled}"
            );
            assert_eq!(
                claim_owner_kinds(&state, &format!("data-{name}-0")),
                want_live,
                "{deleted}/{scaled}"
            );
        }
    }

    #[tokio::test]
    async fn changed_retention_policy_fixes_claim_refs() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        create_set(&state, manifest("web", 2, json!({})));
        wait_until(&state, "ready", |s| settled(s, "web", 2)).await;
        assert!(claim_owner_kinds(&state, "data-web-0").is_empty());
        patch_set(
            &state,
            "web",
            json!({"spec": {"persistentVolumeClaimRetentionPolicy":
            {"whenDeleted": "Delete", "whenScaled": "Retain"}}}),
        );
        wait_until(&state, "set refs", |s| {
            ["data-web-0", "data-web-1"]
                .iter()
                .all(|c| claim_owner_kinds(s, c) == ["StatefulSet/web"])
        })
        .await;
        patch_set(
            &state,
            "web",
            json!({"spec": {"persistentVolumeClaimRetentionPolicy":
            {"whenDeleted": "Retain", "whenScaled": "Retain"}}}),
        );
        wait_until(&state, "no refs", |s| {
            ["data-web-0", "data-web-1"]
                .iter()
                .all(|c| claim_owner_kinds(s, c).is_empty())
        })
        .await;
    }

    #[tokio::test]
    async fn orphan_pods_are_adopted() {
        let (state, _ctl) = cluster(ClusterOptions::default()).await;
        state.faults.pause_controllers();
        let set = create_set(&state, manifest("web", 1, json!({})));
        let mut orphan = new_pod(&set, 0);
        orphan["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("ownerReferences");
        api::create(&state, &PODS, "default", orphan, false).unwrap();
        state.faults.resume_controllers();
        wait_until(&state, "adopted", |s| {
            pod(s, "web-0")
                .is_some_and(|p| controller_of(&p).is_some_and(|r| r["uid"] == uid_of(&set)))
        })
        .await;
    }
}

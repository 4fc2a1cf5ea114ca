//! Claims of a set's pods: the retention policy carried as owner references (upstream's
//! `stateful_set_utils.go`), and creating missing claims and fixing their references.

use std::collections::HashMap;

use serde_json::Value;

use crate::controllers::objects::is_deleting;
use crate::controllers::statefulset::actions::record_event;
use crate::controllers::statefulset::owners::{owner_refs, set_owner_refs, set_ref};
use crate::controllers::statefulset::pods::{in_ordinal_range, name_of, ns_of, uid_of};
use crate::controllers::statefulset::{
    claims_for, controller_ref, ordinal_of, Failure, SET_API_VERSION, SET_KIND,
};
use crate::machinery::store::Obj;
use crate::machinery::{api, resources};
use crate::state::State;

/// `persistentVolumeClaimRetentionPolicy` as (whenDeleted is Delete, whenScaled is Delete).
pub fn retention_policy(set: &Value) -> (bool, bool) {
    let p = &set["spec"]["persistentVolumeClaimRetentionPolicy"];
    (p["whenDeleted"] == "Delete", p["whenScaled"] == "Delete")
}

pub(super) fn matches_ref(r: &Value, obj: &Value, api_version: &str, kind: &str) -> bool {
    r["apiVersion"] == api_version && r["kind"] == kind && r["name"] == name_of(obj)
}

pub(super) fn matches_set_ref(r: &Value, set: &Value) -> bool {
    matches_ref(r, set, SET_API_VERSION, SET_KIND)
}

pub(super) fn matches_pod_ref(r: &Value, pod: &Value) -> bool {
    matches_ref(r, pod, "v1", "Pod")
}

pub(super) fn has_owner_ref(claim: &Value, owner: &Value) -> bool {
    let uid = uid_of(owner);
    !uid.is_empty() && owner_refs(claim).iter().any(|r| r["uid"] == uid)
}

/// A reference that names `obj` but another uid (left by an earlier object of that name).
pub(super) fn has_stale_owner_ref(
    claim: &Value,
    obj: &Value,
    api_version: &str,
    kind: &str,
) -> bool {
    owner_refs(claim)
        .iter()
        .find(|r| matches_ref(r, obj, api_version, kind))
        .is_some_and(|r| r["uid"] != uid_of(obj))
}

pub(super) fn has_unexpected_controller(claim: &Value, set: &Value, pod: &Value) -> bool {
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

pub(super) fn has_non_controller_owner(claim: &Value, set: &Value, pod: &Value) -> bool {
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

pub(super) fn claims_missing(set: &Value, pod: &Value, claims: &HashMap<String, Obj>) -> bool {
    ordinal_of(pod).is_some_and(|o| {
        claims_for(set, o)
            .iter()
            .any(|(_, c)| !claims.contains_key(name_of(c)))
    })
}

/// Creates the claims of a pod that do not exist (upstream's `createPersistentVolumeClaims`).
pub(super) fn create_claims(state: &State, set: &Value, pod: &Value) -> Result<(), Failure> {
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
pub(super) fn fix_claim_refs(state: &State, set: &Value, pod: &Value) -> bool {
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

//! Carrying out planned steps through the API: creating, updating and deleting pods (claims
//! before pods), and recording events the way upstream's recorder words them.

use serde_json::{json, Value};

use crate::controllers::statefulset::claims::{create_claims, fix_claim_refs};
use crate::controllers::statefulset::pods::{name_of, now, ns_of, uid_of};
use crate::controllers::statefulset::{
    identity_matches, ordinal_of, Action, Failure, COMPONENT, POD_INDEX_LABEL, POD_NAME_LABEL,
    SET_API_VERSION, SET_KIND,
};
use crate::machinery::api::DeleteOptions;
use crate::machinery::{api, resources, store};
use crate::state::State;

/// Carries out one planned step.
pub(super) fn execute(
    state: &State,
    set: &Value,
    update_set: &Value,
    action: Action,
) -> Result<(), Failure> {
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

pub(super) fn with_pod(
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
pub(super) fn create_pod(state: &State, set: &Value, pod: Value) -> Result<(), Failure> {
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

/// Restores identity labels and missing claims of an existing pod and its claims' owner
/// references (upstream's `UpdateStatefulPod`; pod volumes are immutable, so storage is
/// restored by creating the claims only).
pub(super) fn update_pod(
    state: &State,
    set: &Value,
    update_set: &Value,
    pod: &Value,
) -> Result<(), Failure> {
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
pub(super) fn delete_pod(state: &State, set: &Value, name: &str) -> Result<(), Failure> {
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
pub(super) fn record_event(state: &State, set: &Value, kind: &str, reason: &str, message: &str) {
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

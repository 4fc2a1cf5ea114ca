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

mod actions;
mod claims;
mod identity;
mod owners;
mod plan;
mod pods;
mod revisions;
mod status;

use std::collections::HashMap;
use std::time::Instant;

use crate::controllers::wake::wait_for_change;
use std::time::Duration;

use serde_json::Value;

use crate::apiserver::errors::ApiError;
use crate::controllers::objects::is_deleting;
use crate::controllers::statefulset::actions::{execute, record_event};
use crate::controllers::statefulset::owners::{controller_of, selector_is_empty, set_ref};
use crate::controllers::statefulset::pods::{is_member_of, name_of, now, ns_of, uid_of};
use crate::controllers::statefulset::revisions::{change_refs, claim_revisions, resolve_revisions};
use crate::machinery::api::DeleteOptions;
use crate::machinery::selectors::selector_matches;
use crate::machinery::store::Obj;
use crate::machinery::{api, resources, store};
use crate::state::{SharedState, State};

pub use claims::{
    claim_owner_up_to_date, claims_match_retention, pod_claim_is_stale, retention_policy,
    update_claim_owner_refs,
};
pub use identity::{
    claim_name, claims_for, identity_matches, new_pod, new_versioned_pod, pod_name, storage_matches,
};
pub use owners::controller_ref;
pub use plan::{max_unavailable, plan, Action, Snapshot};
pub use pods::{
    is_available, is_created, is_healthy, is_running_and_ready, is_terminating, ordinal_of,
    parent_and_ordinal, pod_revision, replica_count, start_ordinal,
};
pub use revisions::{
    apply_revision, choose_update_revision, revisions_to_prune, sort_revisions,
    UpdateRevisionChoice,
};
pub use status::compute_status;

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
        wait_for_change(&mut rx, relevant, Some(Instant::now() + RESYNC)).await;
    }
}

/// Whether a store event can change what the controller does.
fn relevant(ev: &store::Event) -> bool {
    matches!(
        ev.rt.plural,
        "statefulsets" | "pods" | "persistentvolumeclaims" | "controllerrevisions"
    )
}

// ---------------------------------------------------------------------------------------
// Label selectors and owner references
// ---------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------
// Pods and claims of a set
// ---------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------
// The plan: which pods to create, update and delete next (pure)
// ---------------------------------------------------------------------------------------
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
                    if still_current(state, set) {
                        owned.push(adopted);
                    } else {
                        // Deleted (say with propagationPolicy=Orphan) while we adopted, after
                        // the delete had orphaned the pods it saw: give this one back too, or
                        // the garbage collector would delete it for an owner that is gone.
                        let _ = change_refs(state, &resources::PODS, &adopted, |refs| {
                            refs.retain(|r| r["uid"] != uid);
                        });
                    }
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

#[cfg(test)]
mod tests;

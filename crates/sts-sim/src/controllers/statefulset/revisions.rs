//! ControllerRevisions of a set: ordering and pruning the history, choosing the update
//! revision (reusing an equal one on rollback), and claiming, adopting and creating revisions.

use serde_json::{json, Value};

use crate::apiserver::errors::ApiError;
use crate::controllers::statefulset::owners::{controller_of, owner_refs, set_owner_refs, set_ref};
use crate::controllers::statefulset::pods::{name_of, ns_of, uid_of};
use crate::controllers::statefulset::{pod_revision, still_current};
use crate::machinery::resources::ResourceType;
use crate::machinery::selectors::selector_matches;
use crate::machinery::store::Obj;
use crate::machinery::{api, resources, revision};
use crate::state::State;

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

pub(super) fn revision_number(rev: &Value) -> i64 {
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

/// ControllerRevisions matching the selector that the set owns or that have no
/// controller (these are adopted).
pub(super) fn claim_revisions(state: &State, set: &Value) -> Vec<Obj> {
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
pub(super) fn change_refs(
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
pub(super) fn resolve_revisions(
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
pub(super) fn create_revision(
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

//! The garbage collector and the protection controllers.
//!
//! Every pass indexes all objects by uid once, then: deletes objects whose owners are all
//! gone (background collection; dangling references next to a live owner are dropped);
//! carries out foreground deletions (dependents deleted first, the `foregroundDeletion`
//! finalizer removed once no blocking dependent remains, and for a running pod once the
//! kubelet has stopped it); removes `kubernetes.io/pvc-protection` from a deleted claim once
//! no scheduled, unfinished pod mounts it; and `kubernetes.io/pv-protection` from a deleted
//! volume once it is no longer Bound.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::objects::{has_finalizer, is_deleting, meta, pod_claims, pod_finished, pod_node};
use crate::machinery::api::{DeleteOptions, FOREGROUND, PVC_PROTECTION, PV_PROTECTION};
use crate::machinery::resources::{ResourceType, EVENTS, PODS, PVCS, PVS};
use crate::machinery::store::{Event, Obj};
use crate::machinery::{api, resources};
use crate::state::{SharedState, State};

/// One object of any type.
type Item = (&'static ResourceType, Obj);

/// Whether every container of a pod has stopped (or it never ran), so a foreground
/// deletion may finish.
fn pod_stopped(pod: &Value) -> bool {
    if pod_node(pod).is_none() || pod_finished(pod) {
        return true;
    }
    pod["status"]["containerStatuses"]
        .as_array()
        .is_some_and(|cs| !cs.is_empty() && cs.iter().all(|c| c["state"]["terminated"].is_object()))
}

/// An object's owner references.
fn owner_refs(obj: &Value) -> &[Value] {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// What the collector does with one object (pure, given the uid index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Collect {
    /// Leave it.
    Keep,
    /// All owners are gone: delete it.
    Delete,
    /// Some owners are gone: drop the references to these uids.
    DropRefs(Vec<String>),
}

/// Decides background collection for an object from the set of live uids. Owners of
/// unknown types count as live (they cannot be looked up).
pub(crate) fn collect_decision(obj: &Value, live: &HashSet<&str>) -> Collect {
    let refs = owner_refs(obj);
    if refs.is_empty() || is_deleting(obj) {
        return Collect::Keep;
    }
    let missing: Vec<String> = refs
        .iter()
        .filter(|r| {
            let known = resources::by_kind(
                r["apiVersion"].as_str().unwrap_or(""),
                r["kind"].as_str().unwrap_or(""),
            )
            .is_some();
            known && !live.contains(r["uid"].as_str().unwrap_or(""))
        })
        .filter_map(|r| r["uid"].as_str().map(str::to_string))
        .collect();
    if missing.is_empty() {
        Collect::Keep
    } else if missing.len() == refs.len() {
        Collect::Delete
    } else {
        Collect::DropRefs(missing)
    }
}

/// Whether the owner named by a reference exists right now (a fresh read, guarding against
/// an owner created after the index was built).
fn owner_exists(state: &State, dependent_ns: &str, r: &Value) -> bool {
    let Some(rt) = resources::by_kind(
        r["apiVersion"].as_str().unwrap_or(""),
        r["kind"].as_str().unwrap_or(""),
    ) else {
        return true;
    };
    let ns = if rt.namespaced { dependent_ns } else { "" };
    state
        .store
        .get(rt, ns, r["name"].as_str().unwrap_or(""))
        .is_some_and(|o| o["metadata"]["uid"] == r["uid"])
}

fn drop_owner_refs(state: &State, rt: &'static ResourceType, obj: &Value, uids: &[String]) {
    let _ = state
        .store
        .modify(rt, meta(obj, "namespace"), meta(obj, "name"), |cur| {
            let Some(refs) = cur["metadata"]["ownerReferences"].as_array_mut() else {
                return Ok(false);
            };
            let before = refs.len();
            refs.retain(|r| !uids.iter().any(|u| r["uid"] == u.as_str()));
            let changed = refs.len() != before;
            if refs.is_empty() {
                if let Some(m) = cur["metadata"].as_object_mut() {
                    m.remove("ownerReferences");
                }
            }
            Ok(changed)
        });
}

fn remove_finalizer(state: &State, rt: &'static ResourceType, obj: &Value, finalizer: &str) {
    let _ = state
        .store
        .modify(rt, meta(obj, "namespace"), meta(obj, "name"), |cur| {
            Ok(api::remove_finalizer(cur, finalizer))
        });
}

/// One collection pass.
fn pass(state: &State) {
    let mut all: Vec<Item> = Vec::new();
    for rt in resources::ALL.iter().copied() {
        if std::ptr::eq(rt, &EVENTS) {
            continue;
        }
        all.extend(state.store.list(rt, None).0.into_iter().map(|o| (rt, o)));
    }
    let live: HashSet<&str> = all.iter().map(|(_, o)| meta(o, "uid")).collect();
    let mut dependents: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, o)) in all.iter().enumerate() {
        for r in owner_refs(o) {
            if let Some(uid) = r["uid"].as_str() {
                dependents.entry(uid).or_default().push(i);
            }
        }
    }
    let foreground: HashSet<&str> = all
        .iter()
        .filter(|(_, o)| is_deleting(o) && has_finalizer(o, FOREGROUND))
        .map(|(_, o)| meta(o, "uid"))
        .collect();

    // Background collection of orphans.
    for (rt, obj) in &all {
        let ns = meta(obj, "namespace");
        match collect_decision(obj, &live) {
            Collect::Keep => {}
            Collect::Delete => {
                // Decide on a fresh read and delete only that version: the pass's list may
                // predate an orphaning (propagationPolicy=Orphan strips the references).
                let Some(fresh) = state.store.get(rt, ns, meta(obj, "name")) else {
                    continue;
                };
                let refs = owner_refs(&fresh);
                if !refs.is_empty() && refs.iter().all(|r| !owner_exists(state, ns, r)) {
                    let opts = DeleteOptions {
                        precondition_rv: fresh["metadata"]["resourceVersion"]
                            .as_str()
                            .map(str::to_string),
                        ..DeleteOptions::default()
                    };
                    let _ = api::delete(state, rt, ns, meta(&fresh, "name"), &opts);
                }
            }
            Collect::DropRefs(uids) => {
                let gone: Vec<String> = uids
                    .into_iter()
                    .filter(|u| {
                        owner_refs(obj)
                            .iter()
                            .find(|r| r["uid"] == u.as_str())
                            .is_none_or(|r| !owner_exists(state, ns, r))
                    })
                    .collect();
                if !gone.is_empty() {
                    drop_owner_refs(state, rt, obj, &gone);
                }
            }
        }
    }

    // Foreground deletions.
    for (rt, owner) in all
        .iter()
        .filter(|(_, o)| foreground.contains(meta(o, "uid")))
    {
        let uid = meta(owner, "uid");
        let mut blocking = false;
        for &i in dependents.get(uid).map(Vec::as_slice).unwrap_or(&[]) {
            let (drt, dep) = &all[i];
            let dns = meta(dep, "namespace");
            let this_ref = owner_refs(dep).iter().find(|r| r["uid"] == uid);
            // A claim already being deleted waits for its pods; letting it block a pod's
            // foreground deletion would wait forever.
            let waits_for_us = std::ptr::eq(*drt, &PVCS) && is_deleting(dep);
            if this_ref.is_some_and(|r| r["blockOwnerDeletion"] == true) && !waits_for_us {
                blocking = true;
            }
            if is_deleting(dep) {
                continue;
            }
            let other_live_owner = owner_refs(dep).iter().any(|r| {
                r["uid"] != uid
                    && r["uid"]
                        .as_str()
                        .is_some_and(|u| live.contains(u) && !foreground.contains(u))
            });
            if other_live_owner {
                drop_owner_refs(state, drt, dep, &[uid.to_string()]);
                continue;
            }
            let has_own_dependents = dependents.contains_key(meta(dep, "uid"));
            let opts = DeleteOptions {
                propagation: has_own_dependents.then(|| "Foreground".to_string()),
                ..DeleteOptions::default()
            };
            let _ = api::delete(state, drt, dns, meta(dep, "name"), &opts);
        }
        let stopped = !std::ptr::eq(*rt, &PODS) || pod_stopped(owner);
        if !blocking && stopped {
            remove_finalizer(state, rt, owner, FOREGROUND);
        }
    }

    // Claim protection: claims mounted by scheduled, unfinished pods stay.
    let in_use: HashSet<(&str, String)> = all
        .iter()
        .filter(|(rt, p)| std::ptr::eq(*rt, &PODS) && pod_node(p).is_some() && !pod_finished(p))
        .flat_map(|(_, p)| {
            pod_claims(p)
                .into_iter()
                .map(move |c| (meta(p, "namespace"), c))
        })
        .collect();
    for (rt, claim) in all.iter().filter(|(rt, _)| std::ptr::eq(*rt, &PVCS)) {
        let key = (meta(claim, "namespace"), meta(claim, "name").to_string());
        if is_deleting(claim) && has_finalizer(claim, PVC_PROTECTION) && !in_use.contains(&key) {
            remove_finalizer(state, rt, claim, PVC_PROTECTION);
        }
    }

    // Volume protection: volumes still Bound stay.
    for (rt, pv) in all.iter().filter(|(rt, _)| std::ptr::eq(*rt, &PVS)) {
        if is_deleting(pv) && has_finalizer(pv, PV_PROTECTION) && pv["status"]["phase"] != "Bound" {
            remove_finalizer(state, rt, pv, PV_PROTECTION);
        }
    }
}

fn relevant(ev: &Event) -> bool {
    ev.rt.plural != EVENTS.plural
}

/// Runs the garbage collector and protection controllers until the runtime stops.
pub async fn run(state: SharedState) {
    super::wake::pass_on_changes(state, relevant, pass).await;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::controllers::kubelet;
    use crate::controllers::objects::pod_ready;
    use crate::controllers::test_support::{claim, cluster, pod, wait_for};
    use crate::machinery::resources::{CONFIGMAPS, STATEFULSETS};
    use crate::options::ClusterOptions;

    fn owned_pod(name: &str, owner: &Value) -> Value {
        let mut p = pod(name, "nginx", &[]);
        p["metadata"]["ownerReferences"] = json!([{
            "apiVersion": "apps/v1", "kind": "StatefulSet", "name": meta(owner, "name"),
            "uid": meta(owner, "uid"), "controller": true, "blockOwnerDeletion": true,
        }]);
        p
    }

    fn sts(name: &str) -> Value {
        json!({"metadata": {"name": name}, "spec": {"selector": {"matchLabels": {"app": "web"}}, "serviceName": "web",
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    }

    #[test]
    fn decisions_by_owner_liveness() {
        let obj = json!({"metadata": {"ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "a", "uid": "1"},
            {"apiVersion": "v1", "kind": "Pod", "name": "b", "uid": "2"},
            {"apiVersion": "example.com/v1", "kind": "Thing", "name": "c", "uid": "3"},
        ]}});
        let live: HashSet<&str> = ["1"].into_iter().collect();
        assert_eq!(
            collect_decision(&obj, &live),
            Collect::DropRefs(vec!["2".into()])
        );
        let none: HashSet<&str> = HashSet::new();
        assert_eq!(
            collect_decision(&obj, &none),
            Collect::DropRefs(vec!["1".into(), "2".into()])
        );
        let only_known = json!({"metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "b", "uid": "2"}]}});
        assert_eq!(collect_decision(&only_known, &none), Collect::Delete);
        assert_eq!(
            collect_decision(&json!({"metadata": {}}), &none),
            Collect::Keep
        );
    }

    #[tokio::test]
    async fn background_collection_deletes_orphans() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        tokio::spawn(kubelet::run(state.clone()));
        let owner = api::create(&state, &STATEFULSETS, "default", sts("web"), false).unwrap();
        api::create(&state, &PODS, "default", owned_pod("web-0", &owner), false).unwrap();
        let mut cm = json!({"metadata": {"name": "cfg"}});
        cm["metadata"]["ownerReferences"] =
            owned_pod("x", &owner)["metadata"]["ownerReferences"].clone();
        api::create(&state, &CONFIGMAPS, "default", cm, false).unwrap();
        wait_for(&state, "ready", |s| {
            s.store
                .get(&PODS, "default", "web-0")
                .filter(|p| pod_ready(p))
        })
        .await;
        assert!(state.store.get(&CONFIGMAPS, "default", "cfg").is_some());
        api::delete(
            &state,
            &STATEFULSETS,
            "default",
            "web",
            &DeleteOptions::default(),
        )
        .unwrap();
        wait_for(&state, "dependents gone", |s| {
            (s.store.get(&PODS, "default", "web-0").is_none()
                && s.store.get(&CONFIGMAPS, "default", "cfg").is_none())
            .then_some(())
        })
        .await;
    }

    #[tokio::test]
    async fn foreground_deletion_waits_for_dependents() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        tokio::spawn(kubelet::run(state.clone()));
        let owner = api::create(&state, &STATEFULSETS, "default", sts("web"), false).unwrap();
        api::create(&state, &PODS, "default", owned_pod("web-0", &owner), false).unwrap();
        wait_for(&state, "ready", |s| {
            s.store
                .get(&PODS, "default", "web-0")
                .filter(|p| pod_ready(p))
        })
        .await;
        let mut rx = state.store.subscribe();
        let opts = DeleteOptions {
            propagation: Some("Foreground".into()),
            ..DeleteOptions::default()
        };
        let marked = api::delete(&state, &STATEFULSETS, "default", "web", &opts).unwrap();
        assert!(has_finalizer(&marked, FOREGROUND));
        wait_for(&state, "owner gone", |s| {
            s.store
                .get(&STATEFULSETS, "default", "web")
                .is_none()
                .then_some(())
        })
        .await;
        // The pod went away before its owner did.
        let mut pod_gone = None;
        let mut owner_gone = None;
        while let Ok(ev) = rx.try_recv() {
            if ev.kind == crate::machinery::store::EventType::Deleted {
                if ev.rt.plural == "pods" {
                    pod_gone = Some(ev.rv);
                } else if ev.rt.plural == "statefulsets" {
                    owner_gone = Some(ev.rv);
                }
            }
        }
        assert!(pod_gone.unwrap() < owner_gone.unwrap());
    }

    #[tokio::test]
    async fn claim_stays_terminating_while_its_pod_runs() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        tokio::spawn(kubelet::run(state.clone()));
        tokio::spawn(super::super::provisioner::run(state.clone()));
        api::create(&state, &PVCS, "default", claim("data", "1Gi", None), false).unwrap();
        api::create(
            &state,
            &PODS,
            "default",
            pod("web-0", "nginx", &["data"]),
            false,
        )
        .unwrap();
        wait_for(&state, "ready", |s| {
            s.store
                .get(&PODS, "default", "web-0")
                .filter(|p| pod_ready(p))
        })
        .await;
        api::delete(&state, &PVCS, "default", "data", &DeleteOptions::default()).unwrap();
        let c = wait_for(&state, "terminating claim", |s| {
            s.store
                .get(&PVCS, "default", "data")
                .filter(|c| is_deleting(c))
        })
        .await;
        assert!(has_finalizer(&c, PVC_PROTECTION));
        // An orphan the collector removes proves it made a pass after the claim's deletion.
        let orphan = json!({"metadata": {"name": "orphan", "ownerReferences": [
            {"apiVersion": "v1", "kind": "Pod", "name": "gone", "uid": "no-such-uid"}]}});
        api::create(&state, &CONFIGMAPS, "default", orphan, false).unwrap();
        wait_for(&state, "orphan collected", |s| {
            s.store
                .get(&CONFIGMAPS, "default", "orphan")
                .is_none()
                .then_some(())
        })
        .await;
        assert!(state.store.get(&PVCS, "default", "data").is_some());
        api::delete(&state, &PODS, "default", "web-0", &DeleteOptions::default()).unwrap();
        wait_for(&state, "claim gone", |s| {
            s.store
                .get(&PVCS, "default", "data")
                .is_none()
                .then_some(())
        })
        .await;
        assert!(state.store.get(&PODS, "default", "web-0").is_none());
        // Its volume (policy Delete) goes too, through pv-protection.
        wait_for(&state, "pv gone", |s| {
            s.store.list(&PVS, None).0.is_empty().then_some(())
        })
        .await;
    }
}

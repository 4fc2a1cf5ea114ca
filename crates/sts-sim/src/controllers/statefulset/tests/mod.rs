//! Unit tests of the StatefulSet controller: the pure parts (plan, status, revisions,
//! claim references) here, the controller against a store in [`against_store`].

mod against_store;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::broadcast;

use super::*;
use crate::controllers::statefulset::owners::owner_refs;
use crate::controllers::statefulset::pods::name_of;
use crate::machinery::patch::PatchType;
use crate::machinery::resources::{
    CONTROLLERREVISIONS, EVENTS, NAMESPACES, PODS, PVCS, STATEFULSETS,
};
use crate::options::ClusterOptions;

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
        new_versioned_pod(set, set, "cur", "upd", ord)["metadata"]["labels"][REVISION_LABEL].clone()
    };
    assert_eq!(rev(&partitioned, 6), "cur", "below start+partition");
    assert_eq!(rev(&partitioned, 7), "upd");
    let on_delete =
        set_value(json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}));
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
    let parallel = set_value(json!({"spec": {"replicas": 1, "podManagementPolicy": "Parallel"}}));
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
    let set = set_value(json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}}}));
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
    let on_delete =
        set_value(json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}));
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
    let on_delete =
        set_value(json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}));
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

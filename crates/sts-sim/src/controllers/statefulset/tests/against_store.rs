//! The StatefulSet controller against a store, with an in-test kubelet: creation order,
//! scaling, rolling updates, rollbacks and history, claim retention and adoption.

use super::*;
use crate::controllers::statefulset::owners::{controller_of, owner_refs};
use crate::controllers::statefulset::pods::{name_of, ns_of, phase, uid_of};
use crate::machinery::revision;

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
        observed(s, "web").is_some_and(|st| st["updatedReplicas"] == 2 && st["readyReplicas"] == 3)
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
        pod(s, "web-0").is_some_and(|p| controller_of(&p).is_some_and(|r| r["uid"] == uid_of(&set)))
    })
    .await;
}

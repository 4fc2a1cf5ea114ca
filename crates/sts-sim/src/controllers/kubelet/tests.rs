//! Unit tests of the kubelet and the scheduler against a bootstrapped state.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::controllers::kubelet::status::{
    backoff_text, behaviour_of, image_id, image_tag, Behaviour,
};
use crate::controllers::objects::{
    cond, condition, is_deleting, meta, pod_node, pod_ready, set_condition,
};
use crate::controllers::scheduler::{decide_schedule, ClusterView, Schedule};
use crate::controllers::test_support::{claim, cluster, events, pod, wait_for};
use crate::machinery::resources::{PVS, STORAGECLASSES};
use crate::options::ClusterOptions;

fn get_pod(state: &State, name: &str) -> Option<Obj> {
    state.store.get(&PODS, "default", name)
}

#[test]
fn image_tags_and_behaviours() {
    assert_eq!(image_tag("nginx:1.25"), "1.25");
    assert_eq!(image_tag("registry:5000/app"), "");
    assert_eq!(image_tag("registry:5000/app:broken-v2"), "broken-v2");
    assert_eq!(
        behaviour_of("registry:5000/crash/app:v1"),
        Behaviour::Normal
    );
    assert_eq!(behaviour_of("app:crash"), Behaviour::Crash);
    assert_eq!(behaviour_of("app:v2-broken"), Behaviour::Broken);
    assert_eq!(
        image_id("nginx:1.25").split('@').next(),
        Some("docker.io/library/nginx")
    );
    assert_eq!(backoff_text(1), "10s");
    assert_eq!(backoff_text(4), "1m20s");
    assert_eq!(backoff_text(9), "5m0s");
}

#[test]
fn set_condition_keeps_transition_time_when_status_is_unchanged() {
    let mut st = json!({});
    set_condition(&mut st, cond("Ready", false, Some("X"), None), "t1");
    set_condition(&mut st, cond("Ready", false, Some("Y"), None), "t2");
    assert_eq!(st["conditions"][0]["lastTransitionTime"], "t1");
    assert_eq!(st["conditions"][0]["reason"], "Y");
    set_condition(&mut st, cond("Ready", true, None, None), "t3");
    assert_eq!(st["conditions"][0]["lastTransitionTime"], "t3");
}

#[test]
fn scheduler_decisions() {
    let state = cluster(ClusterOptions::default());
    let mut view = ClusterView::load(&state);
    let mut p = pod("web-0", "nginx:1", &["data-web-0"]);
    p["metadata"]["namespace"] = json!("default");
    let Schedule::Unschedulable(msg) = decide_schedule(&p, &view) else {
        panic!()
    };
    assert_eq!(msg, "0/3 nodes are available: persistentvolumeclaim \"data-web-0\" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
    let c = json!({"metadata": {"name": "data-web-0", "namespace": "default"}, "spec": {"storageClassName": "standard"}, "status": {"phase": "Pending"}});
    view.claims.insert(
        ("default".into(), "data-web-0".into()),
        std::sync::Arc::new(c),
    );
    let Schedule::Unschedulable(msg) = decide_schedule(&p, &view) else {
        panic!()
    };
    assert!(
        msg.starts_with(
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
        ),
        "{msg}"
    );
    // Spreading: fewest pods first, then node order.
    view.pods_per_node.insert("node-1".into(), 2);
    view.pods_per_node.insert("node-2".into(), 1);
    view.pods_per_node.insert("node-3".into(), 1);
    assert_eq!(
        decide_schedule(&pod("x", "nginx", &[]), &view),
        Schedule::Bind("node-2".into())
    );
    // Volume affinity pins the node.
    let pv = json!({"metadata": {"name": "pv1"}, "spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1"]}]}]}}}});
    view.pvs.insert("pv1".into(), std::sync::Arc::new(pv));
    let c = json!({"metadata": {"name": "data-web-0", "namespace": "default"}, "spec": {"volumeName": "pv1"}, "status": {"phase": "Bound"}});
    view.claims.insert(
        ("default".into(), "data-web-0".into()),
        std::sync::Arc::new(c),
    );
    assert_eq!(decide_schedule(&p, &view), Schedule::Bind("node-1".into()));
    let mut pinned = p.clone();
    pinned["spec"]["nodeSelector"] = json!({"kubernetes.io/hostname": "node-2"});
    let Schedule::Unschedulable(msg) = decide_schedule(&pinned, &view) else {
        panic!()
    };
    assert!(msg.contains("2 node(s) didn't match Pod's node affinity/selector, 1 node(s) had volume node affinity conflict"), "{msg}");
}

#[tokio::test]
async fn pod_goes_pending_running_ready_with_conditions() {
    let state = cluster(ClusterOptions::default());
    tokio::spawn(run(state.clone()));
    api::create(
        &state,
        &PODS,
        "default",
        pod("web-0", "nginx:1.25", &[]),
        false,
    )
    .unwrap();
    let p = wait_for(&state, "pod ready", |s| {
        get_pod(s, "web-0").filter(|p| pod_ready(p))
    })
    .await;
    let st = &p["status"];
    assert_eq!(st["phase"], "Running");
    assert!(st["podIP"].as_str().unwrap().starts_with("10.244."));
    assert!(st["hostIP"].as_str().unwrap().starts_with("172.18.0."));
    assert!(st["startTime"].is_string());
    let cs = &st["containerStatuses"][0];
    assert_eq!(cs["ready"], true);
    assert_eq!(cs["started"], true);
    assert_eq!(cs["restartCount"], 0);
    assert!(cs["state"]["running"]["startedAt"].is_string());
    assert!(cs["containerID"]
        .as_str()
        .unwrap()
        .starts_with("containerd://"));
    let types: Vec<&str> = st["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled"
        ]
    );
    for c in st["conditions"].as_array().unwrap() {
        assert_eq!(c["status"], "True");
        assert!(c["lastTransitionTime"].is_string());
    }
    let node = p["spec"]["nodeName"].as_str().unwrap();
    let sched = events(&state, "web-0", "Scheduled");
    assert_eq!(
        sched[0]["message"],
        format!("Successfully assigned default/web-0 to {node}")
    );
    for reason in ["Pulled", "Created", "Started"] {
        let e = events(&state, "web-0", reason);
        assert_eq!(e.len(), 1, "{reason}");
        assert_eq!(e[0]["source"]["component"], "kubelet");
        assert_eq!(e[0]["source"]["host"], node);
    }
    // Three pods spread over three nodes.
    for n in ["a", "b"] {
        api::create(&state, &PODS, "default", pod(n, "nginx", &[]), false).unwrap();
    }
    let nodes = wait_for(&state, "spread", |s| {
        let ns: HashSet<String> = ["web-0", "a", "b"]
            .iter()
            .filter_map(|n| get_pod(s, n).and_then(|p| pod_node(&p).map(str::to_string)))
            .collect();
        (ns.len() == 3).then_some(ns)
    })
    .await;
    assert_eq!(nodes.len(), 3);
}

#[tokio::test]
async fn readiness_is_written_once_and_does_not_flap() {
    let state = cluster(ClusterOptions::default());
    tokio::spawn(run(state.clone()));
    let mut rx = state.store.subscribe();
    api::create(&state, &PODS, "default", pod("web-0", "nginx", &[]), false).unwrap();
    wait_for(&state, "ready", |s| {
        get_pod(s, "web-0").filter(|p| pod_ready(p))
    })
    .await;
    // Wait for a few resyncs, then count pod writes.
    let p = get_pod(&state, "web-0").unwrap();
    let rv = p["metadata"]["resourceVersion"].clone();
    let target = state.store.resource_version();
    api::create(&state, &PODS, "default", pod("other", "nginx", &[]), false).unwrap();
    wait_for(&state, "other ready", |s| {
        get_pod(s, "other").filter(|p| pod_ready(p))
    })
    .await;
    assert_eq!(
        get_pod(&state, "web-0").unwrap()["metadata"]["resourceVersion"],
        rv
    );
    let mut writes = 0;
    while let Ok(ev) = rx.try_recv() {
        if ev.rv <= target && std::ptr::eq(ev.rt, &PODS) && ev.object["metadata"]["name"] == "web-0"
        {
            writes += 1;
        }
    }
    // create, bind, ContainerCreating, Running, Ready.
    assert_eq!(writes, 5);
}

#[tokio::test]
async fn broken_image_runs_but_never_gets_ready() {
    let state = cluster(ClusterOptions::default());
    tokio::spawn(run(state.clone()));
    api::create(
        &state,
        &PODS,
        "default",
        pod("web-0", "app:broken", &[]),
        false,
    )
    .unwrap();
    let e = wait_for(&state, "Unhealthy", |s| {
        events(s, "web-0", "Unhealthy").pop()
    })
    .await;
    assert_eq!(e["type"], "Warning");
    assert_eq!(
        e["message"],
        "Readiness probe failed: HTTP probe failed with statuscode: 503"
    );
    let p = get_pod(&state, "web-0").unwrap();
    assert_eq!(p["status"]["phase"], "Running");
    assert!(!pod_ready(&p));
    assert_eq!(p["status"]["containerStatuses"][0]["started"], true);
    let ready = condition(&p["status"], "Ready").unwrap();
    assert_eq!(ready["reason"], "ContainersNotReady");
    assert_eq!(ready["message"], "containers with unready status: [app]");
}

#[tokio::test]
async fn never_ready_fault_holds_readiness_until_cleared() {
    let state = cluster(ClusterOptions::default());
    state.faults.never_ready("default", "web-0");
    tokio::spawn(run(state.clone()));
    api::create(&state, &PODS, "default", pod("web-0", "nginx", &[]), false).unwrap();
    wait_for(&state, "Unhealthy", |s| {
        events(s, "web-0", "Unhealthy").pop()
    })
    .await;
    let p = get_pod(&state, "web-0").unwrap();
    assert_eq!(p["status"]["phase"], "Running");
    assert!(!pod_ready(&p));
    state.faults.clear();
    wait_for(&state, "ready after clear", |s| {
        get_pod(s, "web-0").filter(|p| pod_ready(p))
    })
    .await;
}

/// The fault holds back the replacement, not the pod already Ready: a rollout that makes
/// web-0 never Ready must still get to replace the old web-0.
#[tokio::test]
async fn never_ready_spares_a_pod_already_ready_and_holds_its_replacement() {
    let state = cluster(ClusterOptions::default());
    tokio::spawn(run(state.clone()));
    api::create(&state, &PODS, "default", pod("web-0", "nginx", &[]), false).unwrap();
    wait_for(&state, "ready", |s| {
        get_pod(s, "web-0").filter(|p| pod_ready(p))
    })
    .await;
    state.faults.never_ready("default", "web-0");
    let old_uid = get_pod(&state, "web-0").unwrap()["metadata"]["uid"].clone();
    // Still Ready once the kubelet has looked again (a later event proves a later pass).
    api::create(&state, &PODS, "default", pod("web-1", "nginx", &[]), false).unwrap();
    wait_for(&state, "web-1 ready", |s| {
        get_pod(s, "web-1").filter(|p| pod_ready(p))
    })
    .await;
    assert!(
        pod_ready(&get_pod(&state, "web-0").unwrap()),
        "already Ready"
    );
    let gone = api::DeleteOptions {
        grace_period_seconds: Some(0),
        ..Default::default()
    };
    api::delete(&state, &PODS, "default", "web-0", &gone).unwrap();
    wait_for(&state, "web-0 gone", |s| match get_pod(s, "web-0") {
        None => Some(()),
        Some(_) => None,
    })
    .await;
    api::create(&state, &PODS, "default", pod("web-0", "nginx", &[]), false).unwrap();
    wait_for(&state, "Unhealthy", |s| {
        events(s, "web-0", "Unhealthy").pop()
    })
    .await;
    let replacement = get_pod(&state, "web-0").unwrap();
    assert_ne!(replacement["metadata"]["uid"], old_uid);
    assert_eq!(replacement["status"]["phase"], "Running");
    assert!(!pod_ready(&replacement), "the replacement is held back");
}

#[tokio::test]
async fn crashing_image_restarts_with_growing_count() {
    let opts = ClusterOptions {
        crash_restart_interval: Duration::from_millis(40),
        ..ClusterOptions::default()
    };
    let state = cluster(opts);
    tokio::spawn(run(state.clone()));
    api::create(
        &state,
        &PODS,
        "default",
        pod("web-0", "app:crash", &[]),
        false,
    )
    .unwrap();
    let p = wait_for(&state, "3 restarts", |s| {
        get_pod(s, "web-0")
            .filter(|p| p["status"]["containerStatuses"][0]["restartCount"].as_u64() >= Some(3))
    })
    .await;
    let cs = &p["status"]["containerStatuses"][0];
    assert_eq!(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 1);
    assert_eq!(cs["ready"], false);
    assert_eq!(p["status"]["phase"], "Running");
    assert!(!pod_ready(&p));
    let backoff = events(&state, "web-0", "BackOff");
    assert_eq!(backoff.len(), 1);
    assert!(backoff[0]["count"].as_i64().unwrap() >= 3);
}

#[tokio::test]
async fn terminating_pod_is_removed_after_the_delay() {
    let opts = ClusterOptions {
        termination_delay: Duration::from_millis(200),
        ..ClusterOptions::default()
    };
    let state = cluster(opts);
    tokio::spawn(run(state.clone()));
    let created = api::create(&state, &PODS, "default", pod("web-0", "nginx", &[]), false).unwrap();
    let uid = meta(&created, "uid").to_string();
    wait_for(&state, "ready", |s| {
        get_pod(s, "web-0").filter(|p| pod_ready(p))
    })
    .await;
    state
        .fs
        .write(&format!("pod/{uid}/scratch"), "a", b"x".to_vec())
        .unwrap();
    let t0 = Instant::now();
    let deleted = api::delete(
        &state,
        &PODS,
        "default",
        "web-0",
        &api::DeleteOptions::default(),
    )
    .unwrap();
    assert!(is_deleting(&deleted));
    wait_for(&state, "pod gone", |s| {
        get_pod(s, "web-0").is_none().then_some(())
    })
    .await;
    assert!(t0.elapsed() >= Duration::from_millis(200));
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(state.fs.usage(&format!("pod/{uid}/scratch")), (0, 0));
    assert_eq!(
        events(&state, "web-0", "Killing")[0]["message"],
        "Stopping container app"
    );
}

#[tokio::test]
async fn unbound_claim_keeps_pod_pending_with_the_reason() {
    let state = cluster(ClusterOptions::default());
    tokio::spawn(run(state.clone()));
    api::create(
        &state,
        &PODS,
        "default",
        pod("web-0", "nginx", &["data-web-0"]),
        false,
    )
    .unwrap();
    let p = wait_for(&state, "unschedulable", |s| {
        get_pod(s, "web-0").filter(|p| condition(&p["status"], "PodScheduled").is_some())
    })
    .await;
    let c = condition(&p["status"], "PodScheduled").unwrap();
    assert_eq!(c["status"], "False");
    assert_eq!(c["reason"], "Unschedulable");
    assert!(c["message"]
        .as_str()
        .unwrap()
        .contains("persistentvolumeclaim \"data-web-0\" not found"));
    assert_eq!(p["status"]["phase"], "Pending");
    // A Pending claim (no provisioner running): unbound immediate claims.
    api::create(
        &state,
        &PVCS,
        "default",
        claim("data-web-0", "1Gi", Some("standard")),
        false,
    )
    .unwrap();
    let p = wait_for(&state, "unbound message", |s| {
        get_pod(s, "web-0").filter(|p| {
            condition(&p["status"], "PodScheduled").is_some_and(|c| {
                c["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("pod has unbound immediate PersistentVolumeClaims")
            })
        })
    })
    .await;
    assert!(pod_node(&p).is_none());
    let ev = events(&state, "web-0", "FailedScheduling");
    assert_eq!(ev.len(), 2);
    assert!(ev
        .iter()
        .all(|e| e["type"] == "Warning" && e["source"]["component"] == "default-scheduler"));
    // With the provisioner, the claim binds and the pod runs.
    tokio::spawn(provisioner::run(state.clone()));
    wait_for(&state, "ready", |s| {
        get_pod(s, "web-0").filter(|p| pod_ready(p))
    })
    .await;
}

#[tokio::test]
async fn wait_for_first_consumer_provisions_on_the_chosen_node() {
    let state = cluster(ClusterOptions::default());
    api::create(
        &state,
        &STORAGECLASSES,
        "",
        json!({
            "metadata": {"name": "local"}, "provisioner": provisioner::PROVISIONER,
            "volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Delete",
        }),
        false,
    )
    .unwrap();
    tokio::spawn(run(state.clone()));
    tokio::spawn(provisioner::run(state.clone()));
    api::create(
        &state,
        &PVCS,
        "default",
        claim("data", "1Gi", Some("local")),
        false,
    )
    .unwrap();
    let e = wait_for(&state, "WaitForFirstConsumer", |s| {
        events(s, "data", "WaitForFirstConsumer").pop()
    })
    .await;
    assert_eq!(
        e["message"],
        "waiting for first consumer to be created before binding"
    );
    assert_eq!(
        state.store.get(&PVCS, "default", "data").unwrap()["status"]["phase"],
        "Pending"
    );
    api::create(
        &state,
        &PODS,
        "default",
        pod("web-0", "nginx", &["data"]),
        false,
    )
    .unwrap();
    let p = wait_for(&state, "ready", |s| {
        get_pod(s, "web-0").filter(|p| pod_ready(p))
    })
    .await;
    let node = pod_node(&p).unwrap();
    let c = state.store.get(&PVCS, "default", "data").unwrap();
    assert_eq!(c["metadata"]["annotations"][SELECTED_NODE], node);
    let pv = state
        .store
        .get(&PVS, "", c["spec"]["volumeName"].as_str().unwrap())
        .unwrap();
    let term =
        &pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0];
    assert_eq!(term["values"][0], node);
}

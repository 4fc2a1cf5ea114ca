//! Unit tests of the provisioner: binding, provisioning, default classes and expansion.

use crate::controllers::objects::condition;
use serde_json::{json, Value};

use super::*;
use crate::controllers::kubelet;
use crate::controllers::objects::pod_ready;
use crate::controllers::test_support::{claim, cluster, events, pod, wait_for};
use crate::machinery::resources::PODS;
use crate::options::ClusterOptions;

fn get_claim(state: &State, name: &str) -> Option<Obj> {
    state.store.get(&PVCS, "default", name)
}

fn bound(state: &State, name: &str) -> Option<Obj> {
    get_claim(state, name).filter(|c| c["status"]["phase"] == "Bound")
}

#[test]
fn quantity_values() {
    assert_eq!(quantity_bytes(&json!("1Gi")), Some(1 << 30));
    assert_eq!(quantity_bytes(&json!(1000)), Some(1000));
    assert_eq!(quantity_bytes(&json!("1Gb")), None);
    assert_eq!(quantity_bytes(&Value::Null), None);
}

#[test]
fn plans_for_pending_claims() {
    let mut classes = HashMap::new();
    let std = json!({"metadata": {"name": "standard", "annotations": {DEFAULT_CLASS: "true"}}, "provisioner": PROVISIONER});
    classes.insert("standard".to_string(), std::sync::Arc::new(std));
    let pvs = HashMap::new();
    let c = json!({"metadata": {"uid": "u"}, "spec": {}, "status": {"phase": "Pending"}});
    assert_eq!(
        plan_claim(&c, &classes, &pvs, false),
        ClaimPlan::SetClass("standard".into())
    );
    let c = json!({"metadata": {"uid": "u"}, "spec": {"storageClassName": ""}, "status": {"phase": "Pending"}});
    assert!(matches!(
        plan_claim(&c, &classes, &pvs, false),
        ClaimPlan::Report(false, "FailedBinding", _, _)
    ));
    let c = json!({"metadata": {"uid": "u"}, "spec": {"storageClassName": "fast"}, "status": {"phase": "Pending"}});
    assert_eq!(
        plan_claim(&c, &classes, &pvs, false),
        ClaimPlan::Report(
            true,
            "ProvisioningFailed",
            "storageclass.storage.k8s.io \"fast\" not found".into(),
            "persistentvolume-controller"
        )
    );
    let c = json!({"metadata": {"uid": "u"}, "spec": {"storageClassName": "standard"}, "status": {"phase": "Pending"}});
    assert_eq!(
        plan_claim(&c, &classes, &pvs, false),
        ClaimPlan::Provision {
            class: "standard".into(),
            node: None
        }
    );
    classes.clear();
    let c = json!({"metadata": {"uid": "u"}, "spec": {}, "status": {"phase": "Pending"}});
    assert!(matches!(
        plan_claim(&c, &classes, &pvs, false),
        ClaimPlan::Report(false, "FailedBinding", _, _)
    ));
}

#[tokio::test]
async fn claim_binds_with_a_provisioned_volume() {
    let state = cluster(ClusterOptions::default());
    tokio::spawn(run(state.clone()));
    api::create(
        &state,
        &PVCS,
        "default",
        claim("data-web-0", "2Gi", None),
        false,
    )
    .unwrap();
    let c = wait_for(&state, "bound", |s| bound(s, "data-web-0")).await;
    let uid = meta(&c, "uid");
    let pv_name = format!("pvc-{uid}");
    assert_eq!(c["spec"]["volumeName"], pv_name);
    assert_eq!(c["spec"]["storageClassName"], "standard");
    assert_eq!(c["status"]["capacity"]["storage"], "2Gi");
    assert_eq!(c["status"]["accessModes"], json!(["ReadWriteOnce"]));
    let ann = &c["metadata"]["annotations"];
    assert_eq!(ann["pv.kubernetes.io/bind-completed"], "yes");
    assert_eq!(ann["pv.kubernetes.io/bound-by-controller"], "yes");
    assert_eq!(ann["volume.kubernetes.io/storage-provisioner"], PROVISIONER);
    assert_eq!(
        ann["volume.beta.kubernetes.io/storage-provisioner"],
        PROVISIONER
    );
    let pv = state.store.get(&PVS, "", &pv_name).unwrap();
    assert_eq!(pv["status"]["phase"], "Bound");
    assert_eq!(pv["spec"]["capacity"]["storage"], "2Gi");
    assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Delete");
    assert_eq!(pv["spec"]["claimRef"]["uid"], uid);
    assert_eq!(pv["spec"]["claimRef"]["name"], "data-web-0");
    assert_eq!(pv["spec"]["storageClassName"], "standard");
    assert_eq!(
        pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"],
        PROVISIONER
    );
    assert!(pv["spec"]["hostPath"].is_object());
    assert!(pv["spec"]["nodeAffinity"].is_null());
    assert_eq!(
        state.fs.usage(&FileSystems::pv_volume(&pv_name)),
        (0, 2 << 30)
    );
    assert_eq!(
        events(&state, "data-web-0", "ProvisioningSucceeded").len(),
        1
    );
    assert_eq!(
        events(&state, "data-web-0", "ExternalProvisioning").len(),
        1
    );
}

#[tokio::test]
async fn claims_without_a_usable_class_stay_pending_with_events() {
    let state = cluster(ClusterOptions::default());
    tokio::spawn(run(state.clone()));
    api::create(
        &state,
        &PVCS,
        "default",
        claim("none", "1Gi", Some("")),
        false,
    )
    .unwrap();
    api::create(
        &state,
        &PVCS,
        "default",
        claim("fast", "1Gi", Some("fast")),
        false,
    )
    .unwrap();
    let e = wait_for(&state, "FailedBinding", |s| {
        events(s, "none", "FailedBinding").pop()
    })
    .await;
    assert_eq!(
        e["message"],
        "no persistent volumes available for this claim and no storage class is set"
    );
    assert_eq!(e["type"], "Normal");
    let e = wait_for(&state, "ProvisioningFailed", |s| {
        events(s, "fast", "ProvisioningFailed").pop()
    })
    .await;
    assert_eq!(
        e["message"],
        "storageclass.storage.k8s.io \"fast\" not found"
    );
    assert_eq!(e["type"], "Warning");
    assert_eq!(
        get_claim(&state, "none").unwrap()["status"]["phase"],
        "Pending"
    );
    assert_eq!(
        get_claim(&state, "fast").unwrap()["status"]["phase"],
        "Pending"
    );
    // Creating the class later lets the claim bind.
    api::create(
        &state,
        &STORAGECLASSES,
        "",
        json!({"metadata": {"name": "fast"}, "provisioner": PROVISIONER}),
        false,
    )
    .unwrap();
    wait_for(&state, "fast bound", |s| bound(s, "fast")).await;
    // A pre-created volume without a class satisfies the classless claim.
    api::create(&state, &PVS, "", json!({
        "metadata": {"name": "manual"},
        "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/x"}},
        "status": {"phase": "Available"},
    }), false).unwrap();
    let c = wait_for(&state, "none bound", |s| bound(s, "none")).await;
    assert_eq!(c["spec"]["volumeName"], "manual");
    assert_eq!(c["status"]["capacity"]["storage"], "5Gi");
}

async fn expansion(offline: bool) {
    let opts = ClusterOptions {
        offline_expansion: offline,
        ..ClusterOptions::default()
    };
    let state = cluster(opts);
    tokio::spawn(run(state.clone()));
    tokio::spawn(kubelet::run(state.clone()));
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
    let c = bound(&state, "data").unwrap();
    let pv_name = c["spec"]["volumeName"].as_str().unwrap().to_string();
    state
        .store
        .modify(&PVCS, "default", "data", |c| {
            c["spec"]["resources"]["requests"]["storage"] = json!("3Gi");
            Ok(true)
        })
        .unwrap();
    if offline {
        let c = wait_for(&state, "resize pending", |s| {
            get_claim(s, "data")
                .filter(|c| condition(&c["status"], "FileSystemResizePending").is_some())
        })
        .await;
        assert_eq!(c["status"]["capacity"]["storage"], "1Gi");
        assert_eq!(c["status"]["allocatedResources"]["storage"], "3Gi");
        assert_eq!(
            state.store.get(&PVS, "", &pv_name).unwrap()["spec"]["capacity"]["storage"],
            "3Gi"
        );
        // Restart the pod: the resize finishes when the new one starts.
        api::delete(
            &state,
            &PODS,
            "default",
            "web-0",
            &api::DeleteOptions::default(),
        )
        .unwrap();
        wait_for(&state, "pod gone", |s| {
            s.store
                .get(&PODS, "default", "web-0")
                .is_none()
                .then_some(())
        })
        .await;
        api::create(
            &state,
            &PODS,
            "default",
            pod("web-0", "nginx", &["data"]),
            false,
        )
        .unwrap();
    }
    let c = wait_for(&state, "expanded", |s| {
        get_claim(s, "data").filter(|c| c["status"]["capacity"]["storage"] == "3Gi")
    })
    .await;
    assert!(condition(&c["status"], "FileSystemResizePending").is_none());
    assert_eq!(c["status"]["allocatedResources"]["storage"], "3Gi");
    assert_eq!(
        state.store.get(&PVS, "", &pv_name).unwrap()["spec"]["capacity"]["storage"],
        "3Gi"
    );
    assert_eq!(state.fs.usage(&FileSystems::pv_volume(&pv_name)).1, 3 << 30);
    assert_eq!(
        events(&state, "data", "FileSystemResizeSuccessful").len(),
        1
    );
    assert_eq!(events(&state, "data", "Resizing").len(), 1);
    assert_eq!(events(&state, "data", "ExternalExpanding").len(), 1);
}

#[tokio::test]
async fn online_expansion_grows_the_claim_straight_away() {
    expansion(false).await;
}

#[tokio::test]
async fn offline_expansion_finishes_when_the_pod_restarts() {
    expansion(true).await;
}

async fn reclaim(policy: &str) -> (SharedState, String) {
    let state = cluster(ClusterOptions::default());
    api::create(
        &state,
        &STORAGECLASSES,
        "",
        json!({
            "metadata": {"name": "keep"}, "provisioner": PROVISIONER, "reclaimPolicy": policy,
        }),
        false,
    )
    .unwrap();
    tokio::spawn(run(state.clone()));
    tokio::spawn(crate::controllers::gc::run(state.clone()));
    api::create(
        &state,
        &PVCS,
        "default",
        claim("data", "1Gi", Some("keep")),
        false,
    )
    .unwrap();
    let c = wait_for(&state, "bound", |s| bound(s, "data")).await;
    let pv = c["spec"]["volumeName"].as_str().unwrap().to_string();
    state
        .fs
        .write(&FileSystems::pv_volume(&pv), "visits", b"3".to_vec())
        .unwrap();
    api::delete(
        &state,
        &PVCS,
        "default",
        "data",
        &api::DeleteOptions::default(),
    )
    .unwrap();
    (state, pv)
}

#[tokio::test]
async fn deleted_claim_deletes_its_volume_with_the_delete_policy() {
    let (state, pv) = reclaim("Delete").await;
    wait_for(&state, "pv gone", |s| {
        s.store.get(&PVS, "", &pv).is_none().then_some(())
    })
    .await;
    assert_eq!(state.fs.read(&FileSystems::pv_volume(&pv), "visits"), None);
}

#[tokio::test]
async fn deleted_claim_releases_its_volume_with_the_retain_policy() {
    let (state, pv) = reclaim("Retain").await;
    wait_for(&state, "released", |s| {
        s.store
            .get(&PVS, "", &pv)
            .filter(|v| v["status"]["phase"] == "Released")
    })
    .await;
    assert!(get_claim(&state, "data").is_none());
    assert_eq!(
        state.fs.read(&FileSystems::pv_volume(&pv), "visits"),
        Some(b"3".to_vec())
    );
}

//! The real `kubectl` against the simulated cluster, doing what the seeds did by hand:
//! deploy the visits app, read tables, wait, exec, send traffic through the Service,
//! delete a pod, scale, run a partitioned update, and use `kubectl rollout`.
//! Set `STS_E2E_KUBECONFIG` to run the same tests against a real cluster.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::ListParams;
use sts_sim::testing::{stderr, stdout, visits_app_manifest, E2e};

const WAIT: Duration = Duration::from_secs(60);

/// Deploys the seeds' app and waits until every replica is Ready.
async fn deploy(t: &E2e, name: &str, replicas: i32) {
    let out = t.kubectl_stdin(
        &["create", "-f", "-"],
        &visits_app_manifest(name, replicas, "Parallel"),
    );
    assert!(out.status.success(), "create failed: {}", stderr(&out));
    let created = stdout(&out);
    assert!(
        created.contains(&format!("statefulset.apps/{name} created")),
        "{created}"
    );
    assert!(
        created.contains(&format!("service/{name} created")),
        "{created}"
    );
    t.kubectl_ok(&[
        "rollout",
        "status",
        &format!("statefulset/{name}"),
        "--timeout=60s",
    ]);
}

/// Revision hash label of each pod, by name.
async fn pod_revisions(t: &E2e, app: &str) -> BTreeMap<String, String> {
    let pods = t
        .api::<Pod>()
        .list(&ListParams::default().labels(&format!("app={app}")))
        .await
        .unwrap();
    pods.items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .map(|p| {
            let labels = p.metadata.labels.unwrap_or_default();
            (
                p.metadata.name.unwrap(),
                labels
                    .get("controller-revision-hash")
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn visits_in(t: &E2e, pod: &str) -> u64 {
    let out = t.kubectl(&["exec", pod, "--", "cat", "/data/visits"]);
    if !out.status.success() {
        // No visit yet: the app creates the file on the first one.
        assert!(
            stderr(&out).contains("No such file"),
            "exec {pod}: {}",
            stderr(&out)
        );
        return 0;
    }
    stdout(&out)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{pod} holds {:?}", stdout(&out)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_get_wait_exec_and_spread_traffic_through_the_service() {
    let t = E2e::start().await;
    deploy(&t, "web", 3).await;
    t.kubectl_ok(&[
        "wait",
        "--for=condition=Ready",
        "pod",
        "-l",
        "app=web",
        "--timeout=60s",
    ]);

    let tables = t.kubectl_ok(&["get", "po,sts,svc,pvc"]);
    for header in [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "TYPE",
        "CLUSTER-IP",
        "PORT(S)",
        "VOLUME",
        "CAPACITY",
        "ACCESS MODES",
        "STORAGECLASS",
    ] {
        assert!(tables.contains(header), "missing {header} in\n{tables}");
    }
    for ordinal in 0..3 {
        let pod_row = tables
            .lines()
            .find(|l| l.starts_with(&format!("pod/web-{ordinal} ")))
            .unwrap_or_else(|| panic!("no row for web-{ordinal}:\n{tables}"));
        assert!(
            pod_row.contains("1/1") && pod_row.contains("Running"),
            "{pod_row}"
        );
        let pvc_row = tables
            .lines()
            .find(|l| l.starts_with(&format!("persistentvolumeclaim/data-web-{ordinal} ")))
            .unwrap_or_else(|| panic!("no claim for web-{ordinal}:\n{tables}"));
        assert!(
            pvc_row.contains("Bound") && pvc_row.contains("64Mi") && pvc_row.contains("RWO"),
            "{pvc_row}"
        );
    }
    assert!(
        tables
            .lines()
            .any(|l| l.starts_with("statefulset.apps/web ") && l.contains("3/3")),
        "{tables}"
    );
    assert!(
        tables
            .lines()
            .any(|l| l.starts_with("service/web ") && l.contains("None")),
        "{tables}"
    );

    // Traffic through the Service spreads over the pods; each keeps its own count.
    let path = format!(
        "/api/v1/namespaces/{}/services/web-web:http/proxy/",
        t.namespace
    );
    let requests = 30;
    for _ in 0..requests {
        let page = t.kubectl_ok(&["get", "--raw", &path]);
        assert!(page.to_lowercase().contains("visits"), "{page}");
    }
    let counts: Vec<u64> = (0..3).map(|o| visits_in(&t, &format!("web-{o}"))).collect();
    assert_eq!(counts.iter().sum::<u64>(), requests, "counts {counts:?}");
    assert!(
        counts.iter().filter(|c| **c > 0).count() >= 2,
        "traffic was not spread: {counts:?}"
    );

    // exec reports the remote exit code like a real kubelet.
    let out = t.kubectl(&["exec", "web-0", "--", "cat", "/data/nope"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("command terminated with exit code 1"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_pod_comes_back_on_its_claim_with_the_count() {
    let t = E2e::start().await;
    deploy(&t, "web", 2).await;
    for _ in 0..5 {
        t.kubectl_ok(&[
            "get",
            "--raw",
            &format!("/api/v1/namespaces/{}/pods/web-1:8080/proxy/", t.namespace),
        ]);
    }
    assert_eq!(visits_in(&t, "web-1"), 5);
    let old_uid = t
        .api::<Pod>()
        .get("web-1")
        .await
        .unwrap()
        .metadata
        .uid
        .unwrap();
    t.kubectl_ok(&["delete", "pod", "web-1"]);
    let pod = t
        .wait_for::<Pod, _>("web-1", WAIT, "web-1 recreated and Ready", |p| {
            p.metadata.uid.as_deref() != Some(old_uid.as_str())
                && p.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .await;
    let claim = pod
        .spec
        .unwrap()
        .volumes
        .unwrap()
        .into_iter()
        .find(|v| v.name == "data")
        .unwrap();
    assert_eq!(
        claim.persistent_volume_claim.unwrap().claim_name,
        "data-web-1"
    );
    assert_eq!(visits_in(&t, "web-1"), 5, "the count lives on the claim");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_up_and_down_leaves_orphaned_claims_under_retain() {
    let t = E2e::start().await;
    deploy(&t, "web", 2).await;
    t.kubectl_ok(&["scale", "statefulset", "web", "--replicas=4"]);
    t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    assert_eq!(pod_revisions(&t, "web").await.len(), 4);
    t.kubectl_ok(&["scale", "statefulset", "web", "--replicas=1"]);
    t.wait_for::<StatefulSet, _>("web", WAIT, "scaled down to 1", |s| {
        s.status
            .as_ref()
            .is_some_and(|st| st.replicas == 1 && st.ready_replicas == Some(1))
    })
    .await;
    let claims = t.kubectl_ok(&["get", "pvc", "-o", "name"]);
    let names: Vec<&str> = claims.lines().collect();
    assert_eq!(
        names,
        [
            "persistentvolumeclaim/data-web-0",
            "persistentvolumeclaim/data-web-1",
            "persistentvolumeclaim/data-web-2",
            "persistentvolumeclaim/data-web-3"
        ],
        "Retain keeps the claims of removed ordinals"
    );
    let pods = t.kubectl_ok(&["get", "pods", "-o", "name"]);
    assert_eq!(pods.trim(), "pod/web-0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitioned_update_and_kubectl_rollout_commands() {
    let t = E2e::start().await;
    deploy(&t, "web", 3).await;
    let before = pod_revisions(&t, "web").await;
    let old_rev = before["web-0"].clone();

    t.kubectl_ok(&[
        "patch",
        "statefulset",
        "web",
        "-p",
        r#"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}"#,
    ]);
    t.kubectl_ok(&[
        "annotate",
        "statefulset",
        "web",
        "kubernetes.io/change-cause=canary 2.0",
    ]);
    t.kubectl_ok(&[
        "set",
        "image",
        "statefulset/web",
        "app=example/visits-app:2.0",
    ]);
    let status = t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    assert!(status.contains("partitioned roll out complete"), "{status}");
    let after = pod_revisions(&t, "web").await;
    assert_ne!(
        after["web-2"], old_rev,
        "ordinal 2 is at or above the partition"
    );
    assert_eq!(after["web-0"], old_rev, "ordinal 0 is below the partition");
    assert_eq!(after["web-1"], old_rev, "ordinal 1 is below the partition");

    let revisions = t.kubectl_ok(&["get", "controllerrevisions"]);
    assert!(
        revisions.contains("CONTROLLER") && revisions.contains("statefulset.apps/web"),
        "{revisions}"
    );
    assert_eq!(
        revisions.lines().filter(|l| l.starts_with("web-")).count(),
        2,
        "{revisions}"
    );
    let history = t.kubectl_ok(&["rollout", "history", "statefulset/web"]);
    assert!(history.contains("canary 2.0"), "{history}");

    // Finish the rollout, then undo it.
    t.kubectl_ok(&[
        "patch",
        "statefulset",
        "web",
        "-p",
        r#"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}"#,
    ]);
    t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    let new_rev = pod_revisions(&t, "web").await["web-0"].clone();
    assert_ne!(new_rev, old_rev);
    let undo = t.kubectl_ok(&["rollout", "undo", "statefulset/web"]);
    assert!(undo.contains("statefulset.apps/web rolled back"), "{undo}");
    t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    let undone = pod_revisions(&t, "web").await;
    assert!(
        undone.values().all(|r| *r == old_rev),
        "undo reuses the old revision: {undone:?}"
    );
    let image = t.kubectl_ok(&[
        "get",
        "statefulset",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "example/visits-app:1.0");

    // A restart stamps the template and replaces every pod.
    let uids: Vec<String> = t
        .api::<Pod>()
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.uid)
        .collect();
    t.kubectl_ok(&["rollout", "restart", "statefulset/web"]);
    t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    let restarted = t.api::<Pod>().list(&ListParams::default()).await.unwrap();
    assert_eq!(restarted.items.len(), 3);
    assert!(
        restarted
            .items
            .iter()
            .all(|p| !uids.contains(p.metadata.uid.as_ref().unwrap())),
        "every pod replaced"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_twice_changes_nothing_and_rollout_status_refuses_on_delete() {
    let t = E2e::start().await;
    let manifest = visits_app_manifest("web", 2, "OrderedReady");
    let first = t.kubectl_stdin(&["apply", "-f", "-"], &manifest);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("statefulset.apps/web created"),
        "{}",
        stdout(&first)
    );
    t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    let generation = || {
        t.kubectl_ok(&[
            "get",
            "statefulset",
            "web",
            "-o",
            "jsonpath={.metadata.generation}",
        ])
    };
    let before = generation();
    let second = t.kubectl_stdin(&["apply", "-f", "-"], &manifest);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("service/web unchanged"),
        "{}",
        stdout(&second)
    );
    // kubectl re-sends the atomic volumeClaimTemplates list (the server defaulted it), but
    // the patch changes nothing: same generation, no new revision.
    assert_eq!(generation(), before, "{}", stdout(&second));
    let revisions = t.kubectl_ok(&["get", "controllerrevisions", "-o", "name"]);
    assert_eq!(revisions.lines().count(), 1, "{revisions}");

    t.kubectl_ok(&[
        "patch",
        "statefulset",
        "web",
        "--type=merge",
        "-p",
        r#"{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}"#,
    ]);
    let out = t.kubectl(&["rollout", "status", "statefulset/web", "--timeout=10s"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("only available for RollingUpdate strategy type"),
        "{}",
        stderr(&out)
    );
}

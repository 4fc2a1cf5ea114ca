//! The fault suite: rollouts and resizes under API errors, slow answers, dropped watches, a
//! concurrent editor, a pod that never gets Ready, Ctrl-C and a restarted API server. Every
//! scenario asserts that no claim was deleted, that no pod's visits counter went down, and that
//! the StatefulSet is left either finished or paused with the resume command printed.
//!
//! Fault injection needs the simulator: on a real cluster (`STS_E2E_KUBECONFIG`) each test
//! says so and skips.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::api::{Api, ListParams};
use serde_json::json;
use sts_sim::testing::E2e;
use sts_sim::RequestMatch;
use suites::{deploy, on, pods_of, visit_all, wait_settled, Plugin, Run};

const V2: &str = "app=example/visits-app:2.0";
const REPLICAS: i32 = 4;

/// What a scenario starts from: claims by name with their UIDs, and each pod's counter.
struct Before {
    claims: BTreeMap<String, String>,
    counts: BTreeMap<String, u64>,
}

async fn claims(t: &E2e) -> BTreeMap<String, String> {
    let api: Api<PersistentVolumeClaim> = t.api();
    api.list(&ListParams::default())
        .await
        .expect("list claims")
        .items
        .into_iter()
        .map(|c| {
            (
                c.metadata.name.unwrap_or_default(),
                c.metadata.uid.unwrap_or_default(),
            )
        })
        .collect()
}

/// Each pod's counter, read with `kubectl sts-visits` (it must read every pod).
async fn counts(t: &E2e, name: &str) -> BTreeMap<String, u64> {
    let run = on(
        t,
        Plugin::Visits,
        &[name, "--path", "/data/visits", "-o", "json"],
    )
    .run()
    .await;
    assert_eq!(run.code, 0, "sts-visits must read every pod: {run:?}");
    run.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["pod"].as_str().unwrap_or_default().to_string(),
                i["visits"].as_u64().expect("visits"),
            )
        })
        .collect()
}

/// A cluster with the app `web` deployed and counted; `None` on a real cluster.
async fn setup() -> Option<(E2e, Before)> {
    let t = E2e::start().await;
    if t.faults().is_none() {
        eprintln!("skipped: fault injection needs the simulator");
        return None;
    }
    deploy(&t, "web", REPLICAS, "OrderedReady", json!(null)).await;
    visit_all(&t, "web", REPLICAS, 3).await;
    let before = Before {
        claims: claims(&t).await,
        counts: counts(&t, "web").await,
    };
    Some((t, before))
}

/// The three promises of the suite, after `run` ended.
async fn assert_safe(t: &E2e, before: &Before, run: &Run) {
    let now = claims(t).await;
    for (name, uid) in &before.claims {
        assert_eq!(
            now.get(name),
            Some(uid),
            "claim {name} was deleted or replaced; {run:?}"
        );
    }
    let sts: Api<StatefulSet> = t.api();
    let obj = sts.get("web").await.expect("statefulset web exists");
    let replicas = obj.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let partition = obj
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.rolling_update.as_ref())
        .and_then(|r| r.partition)
        .unwrap_or(0);
    if run.code == 0 {
        let settled = wait_settled(t, "web", Duration::from_secs(60)).await;
        let status = settled.status.expect("status");
        assert_eq!(
            status.updated_replicas,
            Some(replicas),
            "finished: every pod updated; {run:?}"
        );
        assert_eq!(partition, 0, "{run:?}");
    } else {
        assert!(
            run.stderr
                .contains("to continue: kubectl sts-rollout resume web"),
            "a stopped rollout prints the resume command: {run:?}"
        );
        assert_eq!(
            partition, replicas,
            "a stopped rollout is paused (partition = replicas): {run:?}"
        );
        let state = obj
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("kubectl-sts.io/rollout").cloned())
            .unwrap_or_default();
        assert!(state.contains("paused"), "state annotation: {state}");
        // Whatever is not Ready (the never-Ready pod) may be left; the rest settles.
    }
    // Counters: read every Ready pod again; none went down.
    let ready: Vec<String> = pods_of(t, "web")
        .await
        .into_iter()
        .filter(|(_, (_, _, ready))| *ready)
        .map(|(p, _)| p)
        .collect();
    if ready.len() == before.counts.len() {
        let after = counts(t, "web").await;
        for (pod, n) in &before.counts {
            assert!(
                after.get(pod).copied().unwrap_or(0) >= *n,
                "{pod}: counter went down from {n} to {:?}",
                after.get(pod)
            );
        }
    }
}

fn start_args() -> Vec<&'static str> {
    vec!["start", "web", "--image", V2, "--steps", "1,50%,100%"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_of_500s_during_a_rollout() {
    let Some((t, before)) = setup().await else {
        return;
    };
    let faults = t.faults().unwrap().clone();
    let mut running = on(&t, Plugin::Rollout, &start_args()).spawn();
    running.wait_line("step 1/3").await;
    // Every request fails for a while: patches, watches and relists alike.
    faults.fail(RequestMatch::any(), 500, 6);
    running.wait_line("step 2/3").await;
    faults.fail(RequestMatch::verb_resource("patch", "statefulsets"), 500, 3);
    let run = running.finish().await;
    assert_eq!(run.code, 0, "transient 500s are retried: {run:?}");
    assert_safe(&t, &before, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_with_retry_after() {
    let Some((t, before)) = setup().await else {
        return;
    };
    let faults = t.faults().unwrap().clone();
    faults.fail_with_retry_after(
        RequestMatch::verb_resource("patch", "statefulsets"),
        429,
        2,
        1,
    );
    let run = on(&t, Plugin::Rollout, &start_args()).run().await;
    assert_eq!(run.code, 0, "429 is retried: {run:?}");
    assert!(faults.count("patch", "statefulsets") >= 5);
    assert_safe(&t, &before, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_slower_than_the_request_timeout() {
    let Some((t, before)) = setup().await else {
        return;
    };
    let faults = t.faults().unwrap().clone();
    faults.add_latency(RequestMatch::any(), Duration::from_secs(5));
    let started = Instant::now();
    let run = on(&t, Plugin::Rollout, &start_args())
        .arg(&["--request-timeout", "1s"])
        .run()
        .await;
    let took = started.elapsed();
    faults.clear();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.to_lowercase().contains("timed out")
            || run.stderr.to_lowercase().contains("timeout"),
        "the message says the request timed out: {run:?}"
    );
    assert!(
        took < Duration::from_secs(30),
        "--request-timeout 1s bounds the wait: {took:?}"
    );
    // Nothing was changed: the first request already timed out.
    let sts: Api<StatefulSet> = t.api();
    let obj = sts.get("web").await.unwrap();
    assert_eq!(obj.metadata.generation, Some(1), "{run:?}");
    assert_safe(&t, &before, &Run { code: 0, ..run }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watches_dropped_mid_rollout_and_410_gone() {
    let Some((t, before)) = setup().await else {
        return;
    };
    let faults = t.faults().unwrap().clone();
    let mut running = on(&t, Plugin::Rollout, &start_args()).spawn();
    running.wait_line("step 1/3").await;
    faults.drop_watches(None, 1, 6);
    running.wait_line("step 2/3").await;
    // Forget the event log: resuming watches get 410 Gone and must relist.
    t.sim.as_ref().unwrap().state().store.compact();
    faults.drop_watches(None, 0, 4);
    let run = running.finish().await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_safe(&t, &before, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_conflict_from_a_concurrent_editor() {
    let Some((t, before)) = setup().await else {
        return;
    };
    let faults = t.faults().unwrap().clone();
    let mut running = on(&t, Plugin::Rollout, &start_args()).spawn();
    running.wait_line("step 1/3").await;
    faults.fail(RequestMatch::verb_resource("patch", "statefulsets"), 409, 2);
    let run = running.finish().await;
    assert_eq!(
        run.code, 0,
        "a 409 answer is retried under the test guard: {run:?}"
    );
    assert_safe(&t, &before, &run).await;

    // A real concurrent edit (the partition moved under the run) is never overwritten: see
    // kubectl-sts-rollout's `concurrent_partition_edit_is_detected_not_overwritten`.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_that_never_becomes_ready() {
    let Some((t, before)) = setup().await else {
        return;
    };
    let faults = t.faults().unwrap().clone();
    faults.never_ready(&t.namespace, "web-3");
    let run = on(&t, Plugin::Rollout, &start_args())
        .arg(&["--timeout", "5s"])
        .run()
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("web-3"), "names the stuck pod: {run:?}");
    assert!(
        run.stderr
            .contains("to roll back: kubectl sts-rollout undo web"),
        "{run:?}"
    );
    faults.clear();
    assert_safe(&t, &before, &run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_in_the_middle_of_a_rollout() {
    let Some((t, before)) = setup().await else {
        return;
    };
    let mut running = on(
        &t,
        Plugin::Rollout,
        &[
            "start",
            "web",
            "--image",
            V2,
            "--steps",
            "1,100%",
            "--pause-between",
            "1m",
        ],
    )
    .spawn();
    running.wait_line("step 1/2 done").await;
    running.interrupt().await;
    let run = running.finish().await;
    assert_eq!(run.code, 130, "{run:?}");
    assert!(run.stderr.contains("interrupted"), "{run:?}");
    assert_safe(&t, &before, &run).await;

    // The printed command finishes it.
    let resumed = on(&t, Plugin::Rollout, &["resume", "web"]).run().await;
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert_safe(&t, &before, &resumed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_in_the_middle_of_a_resize_then_recovery_from_the_backup() {
    let Some((t, before)) = setup().await else {
        return;
    };
    let faults = t.faults().unwrap().clone();
    let backups = tempfile::tempdir().expect("tempdir");
    let pods_before = pods_of(&t, "web").await;
    // Hold the re-create so the interruption lands between the delete and the create.
    faults.add_latency(
        RequestMatch::verb_resource("create", "statefulsets"),
        Duration::from_secs(30),
    );
    let dir = backups.path().to_string_lossy().into_owned();
    let resize = [
        "resize",
        "web",
        "--template",
        "data",
        "--size",
        "256Mi",
        "--backup-dir",
        &dir,
    ];
    let mut running = on(&t, Plugin::Pvc, &resize).spawn();
    let line = running
        .wait_line("backup of statefulset.apps/web written to")
        .await;
    let backup = line
        .rsplit(" written to ")
        .next()
        .expect("backup path")
        .trim()
        .to_string();
    let sts: Api<StatefulSet> = t.api();
    let deadline = Instant::now() + Duration::from_secs(60);
    while sts.get_opt("web").await.unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "the StatefulSet was never deleted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.interrupt().await;
    let run = running.finish().await;
    assert_ne!(run.code, 0, "{run:?}");
    faults.clear();
    // Gone, but nothing lost: claims and running pods are all there.
    assert_eq!(claims(&t).await, before.claims);
    let all: Api<k8s_openapi::api::core::v1::Pod> = t.api();
    let listed: Vec<_> = all
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| {
            (
                p.metadata.name,
                p.metadata.deletion_timestamp,
                p.metadata.owner_references,
            )
        })
        .collect();
    assert_eq!(
        pods_of(&t, "web").await,
        pods_before,
        "pods keep running: {run:?} {listed:?}"
    );

    let restored = on(&t, Plugin::Pvc, &["restore", "--from", &backup])
        .run()
        .await;
    assert_eq!(restored.code, 0, "{restored:?}");
    let obj = wait_settled(&t, "web", Duration::from_secs(60)).await;
    let size = obj
        .spec
        .as_ref()
        .unwrap()
        .volume_claim_templates
        .as_ref()
        .unwrap()[0]
        .spec
        .as_ref()
        .unwrap()
        .resources
        .as_ref()
        .unwrap()
        .requests
        .as_ref()
        .unwrap()["storage"]
        .0
        .clone();
    assert_eq!(size, "256Mi", "restore finishes the resize: {restored:?}");
    let pods_after = pods_of(&t, "web").await;
    for (pod, (_, uid, _)) in &pods_before {
        assert_eq!(&pods_after[pod].1, uid, "{pod} was adopted, not replaced");
    }
    assert_safe(
        &t,
        &before,
        &Run {
            code: 0,
            ..restored
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_server_killed_and_restarted_mid_rollout() {
    let Some((mut t, before)) = setup().await else {
        return;
    };
    let mut running = on(&t, Plugin::Rollout, &start_args()).spawn();
    running.wait_line("step 1/3").await;
    let sim = t.sim.as_mut().unwrap();
    sim.kill().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.restart().await.expect("restart the simulator");
    let run = running.finish().await;
    assert_safe(&t, &before, &run).await;
}

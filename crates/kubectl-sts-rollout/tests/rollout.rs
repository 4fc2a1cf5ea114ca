//! `kubectl sts-rollout` end to end against sts-sim: each test plays one scenario of the issue
//! as a user would (the built binary, `--kubeconfig`, `-n`) and asserts on what the user sees
//! and on the cluster afterwards.

mod common;

use std::time::Duration;

use common::Env;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

const V2: &str = "app=example/visits-app:2.0";
const BROKEN: &str = "app=example/visits-app:broken";

#[tokio::test]
async fn canary_steps_update_ordinals_in_order_and_kubectl_agrees() {
    let env = Env::start().await;
    env.deploy("web", 5, "").await;
    let before = Env::revisions(&env.sts("web").await).0;
    let log = env.record_updates();
    let faults = env.e2e.faults().cloned();
    if let Some(f) = &faults {
        f.reset_counts();
    }

    let run = env
        .plugin(&["start", "web", "--image", V2, "--steps", "1,50%,100%"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    // Watch-driven: a handful of LIST/WATCH calls and one PATCH per step, whatever happens.
    if let Some(f) = &faults {
        let patches = f.count("patch", "statefulsets");
        assert!(patches <= 5, "{patches} patches: {:?}", f.request_counts());
        let pod_lists = f.count("list", "pods");
        assert!(
            pod_lists <= 6,
            "{pod_lists} pod lists: {:?}",
            f.request_counts()
        );
        assert_eq!(f.count("get", "pods"), 0, "{:?}", f.request_counts());
    } else {
        eprintln!("skipped: counting the requests needs sts-sim's fault handle");
    }
    let out = &run.stdout;
    let s1 = out
        .find("step 1/3: partition 4 (updating web-4)")
        .expect(out);
    let s2 = out
        .find("step 2/3: partition 3 (updating web-3)")
        .expect(out);
    let s3 = out
        .find("step 3/3: partition 0 (updating web-2, web-1, web-0)")
        .expect(out);
    assert!(s1 < s2 && s2 < s3, "{out}");
    assert!(
        out.contains("statefulset rolling update complete 5 pods at revision"),
        "{out}"
    );

    let sts = env.sts("web").await;
    let (_, update) = Env::revisions(&sts);
    assert_ne!(update, before);
    let order: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, r)| *r == update)
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(order, ["web-4", "web-3", "web-2", "web-1", "web-0"]);
    for (pod, (rev, _, ready)) in env.pods().await {
        assert_eq!(rev, update, "{pod}");
        assert!(ready, "{pod}");
    }
    // No annotation left behind, the change cause recorded on the revision.
    assert!(sts
        .metadata
        .annotations
        .as_ref()
        .is_none_or(|a| !a.contains_key("kubectl-sts.io/rollout")));
    let history = env.plugin(&["history", "web"]).await;
    assert_eq!(history.code, 0, "{history:?}");
    assert!(
        history.stdout.contains("example/visits-app:2.0"),
        "{}",
        history.stdout
    );
    assert!(
        history.stdout.contains("kubectl sts-rollout start web"),
        "{}",
        history.stdout
    );

    let status = env
        .e2e
        .kubectl(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    assert!(
        status.status.success(),
        "kubectl rollout status: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let said = String::from_utf8_lossy(&status.stdout);
    assert!(said.contains("complete"), "{said}");
}

#[tokio::test]
async fn partition_3_touches_only_ordinals_3_and_4() {
    let env = Env::start().await;
    env.deploy("web", 5, "").await;
    env.e2e.kubectl_ok(&[
        "patch",
        "statefulset",
        "web",
        "--type=merge",
        "-p",
        r#"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":5}}}}"#,
    ]);
    env.e2e.kubectl_ok(&[
        "set",
        "image",
        "statefulset/web",
        "app=example/visits-app:2.0",
    ]);
    let before = env.pods().await;

    let dry = env.plugin(&["web", "--partition", "3", "--dry-run"]).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(dry.stdout.contains("update web-4, web-3"), "{}", dry.stdout);
    assert_eq!(
        Env::partition(&env.sts("web").await),
        5,
        "dry run changed nothing"
    );

    let run = env.plugin(&["web", "--partition", "3"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("partitioned roll out complete: 2 new pods have been updated..."),
        "{}",
        run.stdout
    );
    let sts = env.sts("web").await;
    assert_eq!(Env::partition(&sts), 3);
    let (current, update) = Env::revisions(&sts);
    let after = env.pods().await;
    for i in 0..5 {
        let pod = format!("web-{i}");
        let (rev, uid, ready) = &after[&pod];
        assert!(ready, "{pod}");
        if i >= 3 {
            assert_eq!(rev, &update, "{pod}");
        } else {
            assert_eq!(rev, &current, "{pod}");
            assert_eq!(uid, &before[&pod].1, "{pod} must not restart");
        }
    }
}

#[tokio::test]
async fn broken_image_halts_then_forced_undo_brings_every_pod_back() {
    let env = Env::start().await;
    env.deploy("web", 5, "").await;
    let before = env.pods().await;
    let original = Env::revisions(&env.sts("web").await).0;

    let run = env
        .plugin(&[
            "start",
            "web",
            "--image",
            BROKEN,
            "--steps",
            "1,100%",
            "--timeout",
            "3s",
        ])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("web-4"), "{}", run.stderr);
    assert!(run.stderr.contains("not Ready"), "{}", run.stderr);
    assert!(
        run.stderr.contains("kubectl sts-rollout resume web"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("kubectl sts-rollout undo web"),
        "{}",
        run.stderr
    );
    let sts = env.sts("web").await;
    assert_eq!(Env::partition(&sts), 5, "paused where it stands");
    let pods = env.pods().await;
    for i in 0..4 {
        let pod = format!("web-{i}");
        assert_eq!(pods[&pod].1, before[&pod].1, "{pod} untouched");
    }
    assert!(!pods["web-4"].2, "web-4 is stuck");

    // Plain kubectl: the template goes back, the stuck pod stays.
    env.e2e.kubectl_ok(&["rollout", "undo", "statefulset/web"]);
    env.e2e
        .wait_for::<StatefulSet, _>("web", Duration::from_secs(30), "undo observed", |s| {
            s.status.as_ref().and_then(|st| st.observed_generation) >= s.metadata.generation
                && s.status.as_ref().and_then(|st| st.update_revision.clone())
                    == Some(original.clone())
        })
        .await;
    let pods = env.pods().await;
    assert_ne!(
        pods["web-4"].0, original,
        "kubectl rollout undo leaves web-4 stuck"
    );
    assert!(!pods["web-4"].2);

    let status = env.plugin(&["status", "web"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(status.stdout.contains("web-4"), "{}", status.stdout);

    // The forced rollback.
    let undo = env
        .plugin(&["undo", "web", "--force", "--timeout", "60s"])
        .await;
    assert_eq!(undo.code, 0, "{undo:?}");
    assert!(
        undo.stdout.contains("pod \"web-4\" deleted"),
        "{}",
        undo.stdout
    );
    let pods = env.pods().await;
    assert_eq!(pods.len(), 5);
    for (pod, (rev, _, ready)) in pods {
        assert_eq!(rev, original, "{pod}");
        assert!(ready, "{pod}");
    }
}

#[tokio::test]
async fn rollback_on_failure_restores_the_previous_revision() {
    let env = Env::start().await;
    env.deploy("web", 3, "").await;
    let original = Env::revisions(&env.sts("web").await).0;
    let run = env
        .plugin(&[
            "start",
            "web",
            "--image",
            BROKEN,
            "--steps",
            "1,100%",
            "--timeout",
            "3s",
            "--rollback-on-failure",
        ])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("rolled back to revision"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("statefulset.apps/web rolled back"),
        "{}",
        run.stdout
    );
    let pods = env.pods().await;
    assert_eq!(pods.len(), 3);
    for (pod, (rev, _, ready)) in pods {
        assert_eq!(rev, original, "{pod}");
        assert!(ready, "{pod}");
    }
    let sts = env.sts("web").await;
    assert_eq!(Env::revisions(&sts).1, original);
}

#[tokio::test]
async fn pause_and_resume_across_processes() {
    let env = Env::start().await;
    env.deploy("web", 4, "").await;
    let run = env
        .plugin(&[
            "start", "web", "--image", V2, "--steps", "1,100%", "--manual",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("kubectl sts-rollout promote web"),
        "{}",
        run.stdout
    );
    assert_eq!(Env::partition(&env.sts("web").await), 3);

    let paused = env.plugin(&["pause", "web"]).await;
    assert_eq!(paused.code, 0, "{paused:?}");
    assert!(
        paused.stdout.contains("statefulset.apps/web paused"),
        "{}",
        paused.stdout
    );
    assert_eq!(Env::partition(&env.sts("web").await), 4);

    let status = env.plugin(&["status", "web", "-o", "json"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    let doc: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(doc["items"][0]["rollout"]["paused"], true, "{doc}");
    assert_eq!(doc["items"][0]["partition"], 4);

    let refused = env.plugin(&["promote", "web"]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("paused"), "{}", refused.stderr);

    let resumed = env.plugin(&["resume", "web"]).await;
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert!(
        resumed.stdout.contains("statefulset.apps/web resumed"),
        "{}",
        resumed.stdout
    );
    assert_eq!(
        Env::partition(&env.sts("web").await),
        3,
        "back where it was paused"
    );

    let promoted = env.plugin(&["promote", "web"]).await;
    assert_eq!(promoted.code, 0, "{promoted:?}");
    let sts = env.sts("web").await;
    assert_eq!(Env::partition(&sts), 0);
    let update = Env::revisions(&sts).1;
    for (pod, (rev, _, ready)) in env.pods().await {
        assert_eq!(rev, update, "{pod}");
        assert!(ready);
    }
}

#[tokio::test]
async fn on_delete_is_driven_to_completion() {
    let env = Env::start().await;
    env.deploy("web", 3, "  updateStrategy:\n    type: OnDelete\n")
        .await;

    let bad = env
        .plugin(&["start", "web", "--image", V2, "--steps", "10%"])
        .await;
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(
        bad.stderr.contains("rounds down to 0 pods"),
        "{}",
        bad.stderr
    );
    let sts = env.sts("web").await;
    assert_eq!(sts.metadata.generation, Some(1), "nothing changed");

    let status = env.plugin(&["status", "web"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(status.stdout.contains("OnDelete"), "{}", status.stdout);

    let log = env.record_updates();
    let run = env
        .plugin(&["start", "web", "--image", V2, "--steps", "1,100%"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("pod \"web-2\" deleted"),
        "{}",
        run.stdout
    );
    let update = Env::revisions(&env.sts("web").await).1;
    let order: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, r)| *r == update)
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(order, ["web-2", "web-1", "web-0"]);
    for (pod, (rev, _, ready)) in env.pods().await {
        assert_eq!(rev, update, "{pod}");
        assert!(ready, "{pod}");
    }
}

#[tokio::test]
async fn ordinals_start_at_one() {
    let env = Env::start().await;
    env.deploy("web", 3, "  ordinals:\n    start: 1\n").await;
    let run = env
        .plugin(&[
            "start", "web", "--image", V2, "--steps", "1,100%", "--manual",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("step 1/2: partition 2 (updating web-3)"),
        "{}",
        run.stdout
    );
    let sts = env.sts("web").await;
    let (current, update) = Env::revisions(&sts);
    let pods = env.pods().await;
    assert_eq!(pods.keys().collect::<Vec<_>>(), ["web-1", "web-2", "web-3"]);
    assert_eq!(pods["web-3"].0, update);
    assert_eq!(pods["web-2"].0, current);
    assert_eq!(pods["web-1"].0, current);

    let bad = env.plugin(&["web", "--partition", "4"]).await;
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("between 0 and 3"), "{}", bad.stderr);

    let run = env.plugin(&["promote", "web"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("updating web-2, web-1"),
        "{}",
        run.stdout
    );
    for (pod, (rev, _, _)) in env.pods().await {
        assert_eq!(rev, update, "{pod}");
    }
}

#[tokio::test]
async fn concurrent_partition_edit_is_detected_not_overwritten() {
    let env = Env::start().await;
    env.deploy("web", 3, "").await;
    let mut running = env.spawn(&[
        "start",
        "web",
        "--image",
        V2,
        "--steps",
        "1,100%",
        "--pause-between",
        "10m",
    ]);
    running.wait_line("waiting 10m before step 2/2").await;
    env.e2e.kubectl_ok(&[
        "patch",
        "statefulset",
        "web",
        "--type=merge",
        "-p",
        r#"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}"#,
    ]);
    let run = running.finish().await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("concurrent edit detected"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("partition is 1"), "{}", run.stderr);
    assert_eq!(
        Env::partition(&env.sts("web").await),
        1,
        "their edit stands"
    );

    // A stale promote is refused too: the annotation says we set 2, the cluster says 1.
    let promote = env.plugin(&["promote", "web"]).await;
    assert_eq!(promote.code, 1, "{promote:?}");
    assert!(
        promote.stderr.contains("concurrent edit"),
        "{}",
        promote.stderr
    );
    assert_eq!(Env::partition(&env.sts("web").await), 1);
}

#[tokio::test]
async fn sigint_pauses_and_prints_the_resume_command() {
    let env = Env::start().await;
    env.deploy("web", 3, "").await;
    let before = env.pods().await;
    let mut running = env.spawn(&[
        "start",
        "web",
        "--image",
        V2,
        "--steps",
        "1,100%",
        "--pause-between",
        "10m",
    ]);
    running.wait_line("waiting 10m before step 2/2").await;
    running.interrupt().await;
    let run = running.finish().await;
    assert_eq!(run.code, 130, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("kubectl sts-rollout resume web -n {}", env.ns())),
        "{}",
        run.stderr
    );
    let sts = env.sts("web").await;
    assert_eq!(Env::partition(&sts), 3, "frozen: no more pods will update");
    let update = Env::revisions(&sts).1;
    let pods = env.pods().await;
    assert_eq!(pods["web-2"].0, update);
    assert_eq!(pods["web-1"].1, before["web-1"].1);
    assert_eq!(pods["web-0"].1, before["web-0"].1);

    let resumed = env.plugin(&["resume", "web"]).await;
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert_eq!(Env::partition(&env.sts("web").await), 0);
    for (pod, (rev, _, _)) in env.pods().await {
        assert_eq!(rev, update, "{pod}");
    }
}

#[tokio::test]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: dropping watches needs sts-sim's fault handle"
)]
async fn a_dropped_watch_does_not_lose_the_rollout() {
    let env = Env::start().await;
    env.deploy("web", 3, "").await;
    let faults = env.e2e.sim_faults();
    faults.drop_watches(Some("pods"), 2, 3);
    faults.drop_watches(Some("statefulsets"), 1, 3);
    let run = env
        .plugin(&[
            "start",
            "web",
            "--image",
            V2,
            "--steps",
            "1,100%",
            "--timeout",
            "60s",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    // The watches were really cut and re-established (watch again, no relist needed).
    assert!(
        faults.count("watch", "pods") >= 3,
        "{:?}",
        faults.request_counts()
    );
    let update = Env::revisions(&env.sts("web").await).1;
    for (pod, (rev, _, ready)) in env.pods().await {
        assert_eq!(rev, update, "{pod}");
        assert!(ready, "{pod}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let env = Env::start().await;
    env.deploy("web", 3, "").await;
    let generation = env.sts("web").await.metadata.generation;
    let cases: [(&[&str], &str); 7] = [
        (
            &["web", "--partition", "-1"],
            "invalid partition -1: must be between 0 and 3",
        ),
        (
            &["web", "--partition", "7"],
            "invalid partition 7: must be between 0 and 3",
        ),
        (
            &["start", "web", "--image", "db=x:1"],
            "unknown container \"db\"",
        ),
        (&["undo", "web", "--to-revision", "9"], "revision 9"),
        (&["start", "web", "--image", "app"], "invalid --image"),
        (
            &["start", "web", "--image", V2, "--steps", "0"],
            "must be at least 1 pod",
        ),
        (
            &["nope", "--partition", "1"],
            "statefulset \"nope\" not found",
        ),
    ];
    for (args, want) in cases {
        let run = env.plugin(args).await;
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(want), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("hint:"), "{args:?}: {}", run.stderr);
        assert_eq!(
            env.sts("web").await.metadata.generation,
            generation,
            "{args:?} changed the StatefulSet"
        );
    }
}

#[tokio::test]
async fn status_history_diff_and_dry_run() {
    let env = Env::start().await;
    env.deploy("web", 3, "").await;
    let dry = env
        .plugin(&[
            "start",
            "web",
            "--image",
            V2,
            "--steps",
            "1,100%",
            "--dry-run",
        ])
        .await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(dry.stdout.contains("\"op\":\"test\""), "{}", dry.stdout);
    assert!(
        dry.stdout.contains("step 1/2: partition 2 -> update web-2"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("step 2/2: partition 0 -> update web-1, web-0"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("parallelism: 1 pod(s) at a time"),
        "{}",
        dry.stdout
    );
    assert_eq!(env.sts("web").await.metadata.generation, Some(1));

    let run = env
        .plugin(&["start", "web", "--image", V2, "--change-cause", "canary v2"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let history = env.plugin(&["history", "web"]).await;
    assert!(history.stdout.contains("canary v2"), "{}", history.stdout);
    assert!(history.stdout.contains("0-2"), "{}", history.stdout);
    let diff = env
        .plugin(&["diff", "web", "--from", "1", "--to", "2"])
        .await;
    assert_eq!(diff.code, 0, "{diff:?}");
    assert!(
        diff.stdout.contains("-  - image: example/visits-app:1.0"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains("+  - image: example/visits-app:2.0"),
        "{}",
        diff.stdout
    );
    let status = env.plugin(&["status", "web"]).await;
    assert!(
        status.stdout.contains("Complete:     yes"),
        "{}",
        status.stdout
    );

    // maxUnavailable: the parallelism the cluster will really use (gate off in v1.36).
    env.e2e.kubectl_ok(&[
        "patch",
        "statefulset",
        "web",
        "--type=merge",
        "-p",
        r#"{"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":2}}}}"#,
    ]);
    let status = env.plugin(&["status", "web"]).await;
    assert!(
        status.stdout.contains("maxUnavailable 2 (parallelism 1)"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("feature gate is off"),
        "{}",
        status.stdout
    );
    let watched = env
        .plugin(&["status", "web", "-w", "--timeout", "1s"])
        .await;
    assert_eq!(watched.code, 0, "{watched:?}");
    assert!(
        watched.stdout.contains("StatefulSet:  web"),
        "{}",
        watched.stdout
    );

    let undo_dry = env.plugin(&["undo", "web", "--dry-run"]).await;
    assert_eq!(undo_dry.code, 0, "{undo_dry:?}");
    assert!(
        undo_dry.stdout.contains("revision 1"),
        "{}",
        undo_dry.stdout
    );
    let gen = env.sts("web").await.metadata.generation;
    let paused = env.plugin(&["pause", "web", "--dry-run"]).await;
    assert_eq!(paused.code, 0);
    assert_eq!(env.sts("web").await.metadata.generation, gen);
}

#[tokio::test]
async fn data_check_passes_on_the_visits_app() {
    let env = Env::start().await;
    env.deploy("web", 2, "").await;
    for pod in ["web-0", "web-1"] {
        visit(&env, pod, 2);
    }
    let run = env
        .plugin(&[
            "start",
            "web",
            "--image",
            V2,
            "--data-check",
            "--check-http",
            "http/healthz",
            "--timeout",
            "60s",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("data check ok"), "{}", run.stdout);
    assert!(run.stdout.contains("GET /healthz ok"), "{}", run.stdout);
}

#[tokio::test]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: wiping a volume needs sts-sim's storage"
)]
async fn data_check_fails_when_a_volume_is_wiped() {
    let opts = sts_sim::ClusterOptions {
        pod_ready_delay: Duration::from_millis(800),
        ..Default::default()
    };
    let env = Env::start_with(opts).await;
    let state = env.e2e.simulator().state();
    env.deploy("web", 2, "").await;
    // Some visits on web-1 so that its counter is above zero.
    visit(&env, "web-1", 3);
    let claim: PersistentVolumeClaim = env.e2e.api().get("data-web-1").await.unwrap();
    let pv = claim.spec.unwrap().volume_name.unwrap();
    let old_uid = env.pods().await["web-1"].1.clone();
    let running = env.spawn(&[
        "start",
        "web",
        "--image",
        V2,
        "--data-check",
        "--timeout",
        "60s",
    ]);
    // Once web-1 is being replaced (its counter already read), the simulator loses its data.
    env.e2e
        .wait_for::<k8s_openapi::api::core::v1::Pod, _>(
            "web-1",
            Duration::from_secs(60),
            "web-1 replaced",
            |p| {
                p.metadata.deletion_timestamp.is_some()
                    || p.metadata.uid.as_deref() != Some(old_uid.as_str())
            },
        )
        .await;
    state.fs.wipe(&format!("pv/{pv}"));
    let run = running.finish().await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("data check failed on web-1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("kubectl sts-rollout undo web"),
        "{}",
        run.stderr
    );
}

/// Visits the app on `pod` through the API server's pod proxy (each GET / counts one).
fn visit(env: &Env, pod: &str, times: usize) {
    let path = format!("/api/v1/namespaces/{}/pods/{pod}:8080/proxy/", env.ns());
    for _ in 0..times {
        let body = env.e2e.kubectl_ok(&["get", "--raw", &path]);
        assert!(body.contains("Visits:"), "{body}");
    }
}

#[tokio::test]
async fn failed_http_check_halts_and_pauses() {
    let env = Env::start().await;
    env.deploy("web", 3, "").await;
    let before = env.pods().await;
    let run = env
        .plugin(&[
            "start",
            "web",
            "--image",
            V2,
            "--steps",
            "1,100%",
            "--check-http",
            "8080/nope",
        ])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("GET /nope on pod web-2"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("404"), "{}", run.stderr);
    assert_eq!(Env::partition(&env.sts("web").await), 3, "paused");
    let pods = env.pods().await;
    assert_eq!(pods["web-1"].1, before["web-1"].1);
    assert_eq!(pods["web-0"].1, before["web-0"].1);

    // --no-wait: set the partition and return.
    let run = env.plugin(&["web", "--partition", "3", "--no-wait"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("statefulset.apps/web partition set to 3"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn data_check_through_a_metric_is_reused_by_resume_and_promote() {
    let env = Env::start().await;
    env.deploy("web", 2, "").await;
    for pod in ["web-0", "web-1"] {
        visit(&env, pod, 2);
    }
    let run = env
        .plugin(&[
            "start",
            "web",
            "--image",
            V2,
            "--steps",
            "1,100%",
            "--manual",
            "--data-check",
            "--metric",
            "visits_total",
            "--timeout",
            "60s",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("web-1: data check ok (2 -> 2)"),
        "{}",
        run.stdout
    );
    let sts = env.sts("web").await;
    let state: serde_json::Value =
        serde_json::from_str(&sts.metadata.annotations.unwrap()["kubectl-sts.io/rollout"]).unwrap();
    assert_eq!(state["dataCheck"]["metric"], "visits_total", "{state}");

    assert_eq!(env.plugin(&["pause", "web"]).await.code, 0);
    let resumed = env.plugin(&["resume", "web"]).await;
    assert_eq!(resumed.code, 0, "{resumed:?}");
    // promote, without retyping the sources, checks web-0 through the saved metric.
    let promoted = env.plugin(&["promote", "web", "--timeout", "60s"]).await;
    assert_eq!(promoted.code, 0, "{promoted:?}");
    assert!(
        promoted.stdout.contains("web-0: data check ok (2 -> 2)"),
        "{}",
        promoted.stdout
    );
}

#[tokio::test]
async fn data_check_names_a_missing_metric() {
    let env = Env::start().await;
    env.deploy("web", 2, "").await;
    let run = env
        .plugin(&[
            "start",
            "web",
            "--image",
            V2,
            "--data-check",
            "--http",
            "8080/metrics",
            "--metric",
            "nosuch_total",
            "--timeout",
            "60s",
        ])
        .await;
    // Before a restart an unreadable counter is said and skipped (there is nothing to protect
    // yet); the message names the metric and what the page offered.
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("web-1: no counter to check before its restart")
            && run.stdout.contains("metric \"nosuch_total\" not found")
            && run.stdout.contains("visits_total"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn history_cuts_the_change_cause_to_the_terminal_width() {
    let env = Env::start().await;
    env.deploy("web", 2, "").await;
    let cause = "roll out the second release of the visits app to every ordinal, after the canary on web-1 looked healthy for a whole day";
    let run = env
        .plugin(&["start", "web", "--image", V2, "--change-cause", cause])
        .await;
    assert_eq!(run.code, 0, "{run:?}");

    let narrow = env
        .plugin_with_env(&["history", "web"], &[("COLUMNS", "120")])
        .await;
    assert_eq!(narrow.code, 0, "{narrow:?}");
    for line in narrow.stdout.lines() {
        assert!(line.chars().count() <= 120, "{line:?}\n{}", narrow.stdout);
    }
    assert!(
        narrow.stdout.contains("roll out the second release") && narrow.stdout.contains('…'),
        "{}",
        narrow.stdout
    );
    assert!(!narrow.stdout.contains(cause), "{}", narrow.stdout);

    // -o wide and JSON keep it whole, whatever the width.
    let wide = env
        .plugin_with_env(&["history", "web", "-o", "wide"], &[("COLUMNS", "100")])
        .await;
    assert_eq!(wide.code, 0, "{wide:?}");
    assert!(wide.stdout.contains(cause), "{}", wide.stdout);
    let json = env
        .plugin_with_env(&["history", "web", "-o", "json"], &[("COLUMNS", "100")])
        .await;
    assert_eq!(json.code, 0, "{json:?}");
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let causes: Vec<&str> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["changeCause"].as_str())
        .collect();
    assert!(causes.contains(&cause), "{doc:#}");
}

#[tokio::test]
async fn a_malformed_rollout_annotation_is_refused_with_the_fix() {
    let env = Env::start().await;
    env.deploy("web", 2, "").await;
    let ns = env.ns().to_string();
    let fix = format!("kubectl annotate statefulset web kubectl-sts.io/rollout- -n {ns}");
    // Garbage, and valid JSON whose saved data check its flag refuses.
    for (value, problem) in [
        ("{garbage", "it is not the JSON kubectl sts-rollout writes"),
        (
            r#"{"partitions":[0],"partition":2,"dataCheck":{"metric":"1bad"}}"#,
            "its saved data check has an invalid --metric",
        ),
    ] {
        env.e2e.kubectl_ok(&[
            "annotate",
            "sts",
            "web",
            &format!("kubectl-sts.io/rollout={value}"),
            "--overwrite",
        ]);
        let generation = env.sts("web").await.metadata.generation;
        let commands: [&[&str]; 7] = [
            &["status", "web"],
            &["start", "web", "--image", V2],
            &["resume", "web"],
            &["promote", "web"],
            &["undo", "web"],
            &["pause", "web"],
            &["web", "--partition", "1"],
        ];
        for args in commands {
            let run = env.plugin(args).await;
            assert_eq!(run.code, 1, "{value} {args:?}: {run:?}");
            let said = format!(
                "error: statefulset \"web\" in namespace \"{ns}\" has an invalid kubectl-sts.io/rollout annotation: {problem}"
            );
            assert!(
                run.stderr.contains(&said),
                "{value} {args:?}: {}",
                run.stderr
            );
            assert!(
                run.stderr.contains(&format!(
                    "hint: remove it (the statefulset itself is not changed) with: {fix}"
                )),
                "{value} {args:?}: {}",
                run.stderr
            );
            let sts = env.sts("web").await;
            assert_eq!(
                sts.metadata.generation, generation,
                "{args:?} changed the spec"
            );
            assert_eq!(
                sts.metadata.annotations.unwrap()["kubectl-sts.io/rollout"],
                value,
                "{args:?} rewrote the annotation"
            );
        }
    }
    // The fix works: the hint's command removes it and the commands read again.
    let fix_args: Vec<&str> = fix.split(' ').skip(1).collect();
    env.e2e.kubectl_ok(&fix_args);
    let run = env.plugin(&["status", "web"]).await;
    assert_eq!(run.code, 0, "{run:?}");
}

#[tokio::test]
async fn request_timeout_bounds_requests_but_never_cuts_the_watches() {
    let env = Env::start().await;
    let Some(faults) = env.e2e.faults().cloned() else {
        println!("skipped: counting requests needs the simulator's request counts");
        return;
    };
    // The simulator sends a BOOKMARK on every watch each second (a real API server, about each
    // minute): a request timeout shorter than that leaves every watch quiet for longer than
    // the timeout, and each step waits minReadySeconds (6 s) with nothing else changing.
    let request_timeout = sts_sim::apiserver::watch::BOOKMARK_INTERVAL.mul_f64(0.7);
    let request_timeout = format!("{}ms", request_timeout.as_millis());
    env.deploy("web", 2, "  minReadySeconds: 6\n").await;
    faults.reset_counts();
    let started = std::time::Instant::now();
    let run = env
        .plugin(&[
            "start",
            "web",
            "--image",
            V2,
            "--steps",
            "1,100%",
            "--request-timeout",
            &request_timeout,
        ])
        .await;
    let took = started.elapsed();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("statefulset rolling update complete 2 pods at revision"),
        "{run:?}"
    );
    assert!(
        took >= Duration::from_secs(12),
        "two steps of minReadySeconds 6 took only {took:?}: the test proves nothing"
    );
    // One WATCH each for the whole run. With the request timeout as the watches' read timeout
    // (before this test), this run opened 7 pod and 6 StatefulSet watches.
    for resource in ["pods", "statefulsets"] {
        let watches = faults.count("watch", resource);
        assert_eq!(
            watches,
            1,
            "{watches} {resource} watches in {took:?}: {:?}",
            faults.request_counts()
        );
    }
    for (pod, (rev, _, ready)) in env.pods().await {
        assert_eq!(rev, Env::revisions(&env.sts("web").await).1, "{pod}");
        assert!(ready, "{pod}");
    }
}

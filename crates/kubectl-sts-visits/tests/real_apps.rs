//! `kubectl sts-visits` on apps as a new user meets them (issue 14): a StatefulSet before its
//! first visit, counters served at `/metrics`, claims left behind by a scale-down, and a
//! `--watch` on something that does not exist.

mod common;

use std::time::{Duration, Instant};

use common::*;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::watcher;
use kube_sts::visits::readers::READER_RUN_LABEL;
use sts_sim::testing::{visits_app_manifest, E2e};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_statefulset_reads_zero_with_no_file_yet() {
    let t = E2e::start().await;
    deploy(&t, "app", 3).await;

    let run = plugin(&t, &["app", "--path", "/data/visits", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["total"], 0, "{doc:#}");
    for item in items_of(&doc, "app") {
        assert_eq!(item["visits"], 0, "{item}");
        assert_eq!(item["noFileYet"], true, "{item}");
        assert!(item["error"].is_null(), "{item}");
    }
    let run = plugin(&t, &["app", "--path", "/data/visits"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.matches("0 (no file yet)").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("app: total 0"), "{}", run.stdout);

    // After the first visits, the file is read as usual; a scale-up adds fresh pods at 0.
    visit_pod(&t, "app-0").await;
    visit_pod(&t, "app-0").await;
    t.kubectl_ok(&["scale", "statefulset", "app", "--replicas=5"]);
    rollout(&t, "app");
    let run = plugin(&t, &["app", "--path", "/data/visits", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["total"], 2, "{doc:#}");
    let items = items_of(&doc, "app");
    assert_eq!(items.len(), 5);
    assert_eq!(items[0]["visits"], 2);
    assert!(items[0].get("noFileYet").is_none(), "{}", items[0]);
    assert_eq!(items[4]["noFileYet"], true, "{}", items[4]);

    // A wrong path is still an error: a directory that does not exist, or no volume there.
    let run = plugin(&t, &["app", "--path", "/data/nope/visits"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("cannot read /data/nope/visits") && run.stderr.contains("No such file"),
        "{}",
        run.stderr
    );
    let run = plugin(&t, &["app", "--path", "/tmp/visits"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("cannot read /tmp/visits"),
        "{}",
        run.stderr
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_counters_total_the_visits_sent() {
    let t = E2e::start().await;
    deploy(&t, "app", 3).await;
    visit_service(&t, "app", 17).await;

    let run = plugin(&t, &["app", "--metric", "visits_total", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["total"], 17, "{doc:#}");
    for (o, item) in items_of(&doc, "app").iter().enumerate() {
        let pod = format!("app-{o}");
        let on_disk = cat(&t, &pod, "/data/visits")
            .trim()
            .parse::<u64>()
            .unwrap_or(0);
        assert_eq!(item["visits"], on_disk, "{item}");
    }
    assert!(
        doc["statefulSets"][0]["source"]
            .as_str()
            .unwrap()
            .contains("/metrics metric visits_total"),
        "{doc:#}"
    );

    // A labelled family, summed over the matching series: GET / answered 200.
    let run = plugin(
        &t,
        &[
            "app",
            "--http",
            "8080/metrics",
            "--metric",
            r#"http_requests_total{code="200",path="/"}"#,
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], 17, "{run:?}");

    // A missing metric is named per pod with what the page offered; a gauge is refused.
    let run = plugin(&t, &["app", "--metric", "visits"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    for o in 0..3 {
        assert!(
            run.stderr.contains(&format!(
                "app-{o}: http 8080/metrics: metric \"visits\" not found"
            )),
            "{}",
            run.stderr
        );
    }
    assert!(
        run.stderr
            .contains("offered: http_requests_total, visits_app_up, visits_total"),
        "{}",
        run.stderr
    );
    let run = plugin(&t, &["app", "--metric", "visits_app_up"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("is a gauge, not a counter"),
        "{}",
        run.stderr
    );
    let run = plugin(&t, &["app", "--metric", "visits{code=200}"]).await;
    assert_eq!(run.code, 2, "usage error: {run:?}");
    assert!(run.stderr.contains("double quotes"), "{}", run.stderr);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_annotations_choose_the_port_and_path() {
    let t = E2e::start().await;
    // The metrics page is named by the usual annotations; the default /metrics would also
    // work, so the first deployment points them somewhere else to prove they are read.
    let manifest = visits_app_manifest("app", 2, "Parallel").replace(
        "      labels: {app: app}\n    spec:",
        "      labels: {app: app}\n      annotations: {prometheus.io/scrape: \"true\", prometheus.io/port: \"8080\", prometheus.io/path: /stats}\n    spec:",
    );
    assert!(manifest.contains("prometheus.io/path: /stats"));
    deploy_manifest(&t, "app", &manifest).await;
    visit_service(&t, "app", 4).await;
    let run = plugin(&t, &["app", "--metric", "visits_total"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("GET /stats on port 8080") && run.stderr.contains("404"),
        "{}",
        run.stderr
    );
    t.kubectl_ok(&[
        "patch",
        "statefulset",
        "app",
        "--type=merge",
        "-p",
        r#"{"spec":{"template":{"metadata":{"annotations":{"prometheus.io/path":"metrics"}}}}}"#,
    ]);
    rollout(&t, "app");
    let run = plugin(&t, &["app", "--metric", "visits_total", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], 4, "{run:?}");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_orphans_totals_every_visit_after_a_scale_down() {
    let t = E2e::start().await;
    deploy(&t, "app", 3).await;
    visit_service(&t, "app", 24).await;
    let before: u64 = (0..3).map(|o| count_in(&t, &format!("app-{o}"))).sum();
    assert_eq!(before, 24);

    t.kubectl_ok(&["scale", "statefulset", "app", "--replicas=1"]);
    t.wait_for::<StatefulSet, _>("app", WAIT, "app scaled to one pod", |s| {
        s.status.as_ref().is_some_and(|st| st.replicas == 1)
    })
    .await;
    let kept = count_in(&t, "app-0");

    // Without the flag only the running ordinal is seen.
    let run = plugin(&t, &["app", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], kept);

    let run = plugin(&t, &["app", "--include-orphans", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["total"], 24, "{doc:#}");
    let items = items_of(&doc, "app");
    assert_eq!(items.len(), 3);
    assert!(items[0].get("orphan").is_none(), "{}", items[0]);
    for item in &items[1..] {
        assert_eq!(item["orphan"], true, "{item}");
        assert_eq!(item["status"], "scaled down", "{item}");
        assert_eq!(item["offline"], true, "{item}");
        assert!(
            item["pvc"].as_str().unwrap().starts_with("data-app-"),
            "{item}"
        );
    }
    no_reader_pods_left(&t).await;

    let run = plugin(&t, &["app", "--include-orphans"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.matches("scaled down").count(),
        2,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("app: total 24"), "{}", run.stdout);
    no_reader_pods_left(&t).await;
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_an_orphan_read_deletes_the_reader_pods() {
    let t = E2e::start().await;
    deploy(&t, "app", 2).await;
    visit_pod(&t, "app-1").await;
    t.kubectl_ok(&["scale", "statefulset", "app", "--replicas=1"]);
    t.wait_for::<StatefulSet, _>("app", WAIT, "app scaled to one pod", |s| {
        s.status.as_ref().is_some_and(|st| st.replicas == 1)
    })
    .await;
    // A reader pod that never starts keeps the read waiting on it: an image that cannot be
    // pulled on a real cluster; paused controllers (no kubelet) on the simulator.
    if let Some(faults) = t.faults() {
        faults.pause_controllers();
    }
    let child = spawn_plugin(
        &t,
        &[
            "app",
            "--include-orphans",
            "--path",
            "/data/visits",
            "--debug-image",
            "registry.invalid/none:1",
            "--timeout",
            "60s",
        ],
    );
    let api: Api<Pod> = Api::namespaced(t.client.clone(), &t.namespace);
    kube_sts::api::wait::until(
        api,
        watcher::Config::default().labels(READER_RUN_LABEL),
        WAIT,
        "a reader pod",
        |pods| !pods.is_empty(),
    )
    .await
    .unwrap();
    ctrl_c(&child);
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("stops on Ctrl-C")
        .unwrap();
    if let Some(faults) = t.faults() {
        faults.resume_controllers();
    }
    assert_eq!(out.status.code(), Some(130));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("deleted 1 reader pod"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    no_reader_pods_left(&t).await;
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_gives_up_on_a_missing_or_deleted_statefulset() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let t = E2e::start().await;
    let started = Instant::now();
    let run = plugin(&t, &["nosuch", "--watch", "--interval", "5s"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "gave up within one interval: {:?}",
        started.elapsed()
    );
    assert_eq!(
        run.stderr
            .matches("statefulset \"nosuch\" not found")
            .count(),
        1,
        "{}",
        run.stderr
    );

    deploy(&t, "app", 1).await;
    let mut child = spawn_plugin(&t, &["app", "--watch", "--interval", "300ms"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: serde_json::Value =
        serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(first["total"], 0, "{first}");
    t.kubectl_ok(&["delete", "statefulset", "app"]);
    let out = tokio::time::timeout(Duration::from_secs(30), async {
        while lines.next_line().await.ok().flatten().is_some() {}
        child.wait_with_output().await
    })
    .await
    .expect("the watch ends once the StatefulSet is deleted")
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("statefulset \"app\" not found"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.cleanup().await;
}

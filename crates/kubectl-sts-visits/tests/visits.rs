//! `kubectl sts-visits` against the simulated cluster, doing what every seed did by hand:
//! traffic through the Service, then one command instead of `kubectl exec app-N -- cat` per pod.

mod common;

use std::time::{Duration, Instant};

use common::*;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Patch, PatchParams};
use serde_json::json;
use sts_sim::testing::E2e;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_through_the_service_is_counted_exactly() {
    let t = E2e::start().await;
    deploy(&t, "app", 3).await;
    for o in 0..3 {
        visit_pod(&t, &format!("app-{o}")).await;
    }
    visit_service(&t, "app", 30).await;

    let run = plugin(&t, &["app", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["kind"], "StatefulSetVisits");
    assert_eq!(doc["total"], 33, "{doc:#}");
    let items = items_of(&doc, "app");
    assert_eq!(items.len(), 3);
    for (o, item) in items.iter().enumerate() {
        let pod = format!("app-{o}");
        assert_eq!(item["pod"], pod.as_str());
        assert_eq!(item["visits"], count_in(&t, &pod), "{item}");
        assert_eq!(item["pvc"], format!("data-app-{o}").as_str());
        assert_eq!(item["phase"], "Running");
        assert_eq!(item["ready"], true);
        assert!(item["node"].is_string(), "{item}");
        assert!(item["error"].is_null(), "{item}");
    }
    assert_eq!(doc["statefulSets"][0]["source"], "/data/visits");

    // The table: every column, a share bar per pod, a footer; no headless-Service warning.
    let run = plugin(&t, &["app"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let header = run.stdout.lines().next().unwrap();
    for col in [
        "ORDINAL",
        "POD",
        "READY",
        "STATUS",
        "NODE",
        "PVC",
        "VISITS",
        "SHARE",
        "LAST VISIT",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert_eq!(run.stdout.matches('%').count(), 3, "{}", run.stdout);
    assert!(
        run.stdout.contains("app: total 33, min ") && run.stdout.contains("all 3 pods read"),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    let run = plugin(&t, &["app", "-o", "wide", "--sort", "visits"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let header = run.stdout.lines().next().unwrap();
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert!(
        columns.ends_with(&["IP", "REVISION", "RESTARTS", "AGE"]),
        "{header}"
    );
    let counts: Vec<u64> = run
        .stdout
        .lines()
        .skip(1)
        .take(3)
        .map(|l| l.split_whitespace().nth(6).unwrap().parse().unwrap())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "{counts:?}\n{}",
        run.stdout
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_pod_comes_back_with_its_count() {
    let t = E2e::start().await;
    deploy(&t, "app", 2).await;
    visit_pod(&t, "app-0").await;
    for _ in 0..5 {
        visit_pod(&t, "app-1").await;
    }
    let before = plugin(&t, &["app", "-o", "json"]).await;
    assert_eq!(
        items_of(&before.json(), "app")[1]["visits"],
        5,
        "{before:?}"
    );

    let old = t.api::<Pod>().get("app-1").await.unwrap();
    t.kubectl_ok(&["delete", "pod", "app-1"]);
    wait_replaced_and_ready(&t, "app-1", old.metadata.uid.as_deref().unwrap()).await;

    let after = plugin(&t, &["app", "-o", "json"]).await;
    assert_eq!(after.code, 0, "{after:?}");
    let doc = after.json();
    assert_eq!(items_of(&doc, "app")[1]["visits"], 5, "{doc:#}");
    assert_eq!(items_of(&doc, "app")[0]["visits"], 1, "{doc:#}");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_of_timestamps_counts_lines_and_shows_the_last_visit() {
    let t = E2e::start().await;
    let manifest = app_manifest(
        "app",
        2,
        "example/visits-app:1.0",
        &[
            ("VISITS_FORMAT", "timestamps"),
            ("VISITS_FILE", "/data/visits.log"),
        ],
    );
    deploy_manifest(&t, "app", &manifest).await;
    for _ in 0..3 {
        visit_pod(&t, "app-0").await;
    }
    visit_pod(&t, "app-1").await;

    // Discovery finds visits.log under the claim mount.
    let run = plugin(&t, &["app", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["statefulSets"][0]["source"], "/data/visits.log");
    let items = items_of(&doc, "app");
    assert_eq!(items[0]["visits"], 3);
    assert_eq!(items[1]["visits"], 1);
    let log = cat(&t, "app-0", "/data/visits.log");
    let last = log.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    assert_eq!(log.lines().filter(|l| !l.trim().is_empty()).count(), 3);
    let shown = items[0]["lastVisit"].as_str().expect("lastVisit");
    assert!(last.contains(shown), "last line {last:?}, shown {shown:?}");

    let table = plugin(&t, &["app"]).await;
    assert!(table.stdout.contains(shown), "{}", table.stdout);

    // Asking for a single integer on a log is garbage content: named pod, path, expectation.
    let run = plugin(&t, &["app", "--format", "count"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("app-0: /data/visits.log: expected a single integer, got"),
        "{}",
        run.stderr
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_source_through_the_pod_proxy() {
    let t = E2e::start().await;
    deploy(&t, "app", 3).await;
    for o in 0..3 {
        for _ in 0..=o {
            visit_pod(&t, &format!("app-{o}")).await;
        }
    }
    let run = plugin(&t, &["app", "--http", "8080/visits", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    let counts: Vec<u64> = items_of(&doc, "app")
        .iter()
        .map(|i| i["visits"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1, 2, 3], "{doc:#}");
    // Reading /visits is not a visit.
    let again = plugin(&t, &["app", "--http", "/visits", "-o", "json"]).await;
    assert_eq!(again.json()["total"], 6, "{again:?}");

    // The annotation does the same without flags.
    t.kubectl_ok(&[
        "annotate",
        "statefulset",
        "app",
        "sts-visits.kubectl.io/http=http/visits",
    ]);
    let run = plugin(&t, &["app", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], 6);
    assert_eq!(run.json()["statefulSets"][0]["source"], "http http/visits");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distroless_needs_allow_debug_and_reuses_the_debug_container() {
    let t = E2e::start().await;
    let manifest = app_manifest("app", 2, "example/visits-app:1.0-distroless", &[]);
    deploy_manifest(&t, "app", &manifest).await;
    visit_pod(&t, "app-0").await;
    visit_pod(&t, "app-1").await;
    visit_pod(&t, "app-1").await;

    let run = plugin(&t, &["app", "--path", "/data/visits"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--allow-debug"), "{}", run.stderr);
    assert!(
        run.stderr.contains("app-0") && run.stderr.contains("app-1"),
        "{}",
        run.stderr
    );

    let run = plugin(
        &t,
        &[
            "app",
            "--path",
            "/data/visits",
            "--allow-debug",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["total"], 3, "{doc:#}");
    assert!(
        run.stderr.contains("ephemeral container")
            && run.stderr.contains("stay until the pod is replaced"),
        "{}",
        run.stderr
    );

    // Discovery works through the debug container too, and reuses it.
    let run = plugin(&t, &["app", "--allow-debug", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], 3);
    assert!(run.stderr.contains("reused"), "{}", run.stderr);
    for o in 0..2 {
        let pod = t.api::<Pod>().get(&format!("app-{o}")).await.unwrap();
        let eph = pod.spec.unwrap().ephemeral_containers.unwrap_or_default();
        assert_eq!(eph.len(), 1, "one debug container per pod: {eph:?}");
        assert_eq!(eph[0].target_container_name.as_deref(), Some("app"));
    }
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotation_discovery_and_the_ambiguous_case() {
    let t = E2e::start().await;
    let manifest = app_manifest(
        "app",
        2,
        "example/visits-app:1.0",
        &[("VISITS_FILE", "/data/count.dat")],
    );
    deploy_manifest(&t, "app", &manifest).await;
    visit_pod(&t, "app-0").await;
    visit_pod(&t, "app-1").await;

    // Nothing named visits*: the error lists what was tried and what is there.
    let run = plugin(&t, &["app"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("tried /data/visits, /data/visits.txt, /data/visits.log"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("count.dat"), "{}", run.stderr);
    assert!(run.stderr.contains("--path"), "{}", run.stderr);

    // The annotation names the file.
    t.kubectl_ok(&[
        "annotate",
        "statefulset",
        "app",
        "sts-visits.kubectl.io/path=/data/count.dat",
    ]);
    let run = plugin(&t, &["app", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], 2);
    t.kubectl_ok(&[
        "annotate",
        "statefulset",
        "app",
        "sts-visits.kubectl.io/path-",
    ]);

    // The app is renamed to write visits.txt; its old visits file stays on the claim next to
    // an old visits file: two candidates.
    let sts_api = t.api::<StatefulSet>();
    let old: Vec<String> = pod_uids(&t).await;
    sts_api
        .patch(
            "app",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "env": [{"name": "VISITS_FILE", "value": "/data/visits.txt"}]}
            ]}}}})),
        )
        .await
        .unwrap();
    rollout(&t, "app");
    for (o, uid) in old.iter().enumerate() {
        wait_replaced_and_ready(&t, &format!("app-{o}"), uid).await;
    }
    visit_pod(&t, "app-0").await;
    // A second counter file appears next to it on app-1's claim.
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "app", "env": [{"name": "VISITS_FILE", "value": "/data/visits"}]}
    ]}}}});
    let uid1 = t
        .api::<Pod>()
        .get("app-1")
        .await
        .unwrap()
        .metadata
        .uid
        .unwrap();
    sts_api
        .patch("app", &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .unwrap();
    rollout(&t, "app");
    wait_replaced_and_ready(&t, "app-1", &uid1).await;
    visit_pod(&t, "app-1").await;

    let run = plugin(&t, &["app"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("ambiguous"), "{}", run.stderr);
    assert!(
        run.stderr.contains("/data/visits (in app-1)")
            && run.stderr.contains("/data/visits.txt (in app-0"),
        "{}",
        run.stderr
    );
    // Choosing one with --path works (app-1 has no such file yet: it counts 0).
    let run = plugin(&t, &["app", "--path", "/data/visits.txt", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["items"][0]["visits"], 1, "{run:?}");
    assert_eq!(doc["items"][1]["visits"], 0, "{run:?}");
    assert_eq!(doc["items"][1]["noFileYet"], true, "{run:?}");
    t.cleanup().await;
}

async fn pod_uids(t: &E2e) -> Vec<String> {
    let mut uids = Vec::new();
    for o in 0..2 {
        let pod = t.api::<Pod>().get(&format!("app-{o}")).await.unwrap();
        uids.push(pod.metadata.uid.unwrap());
    }
    uids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_looping_pod_is_shown_and_the_others_are_read() {
    let t = E2e::start().await;
    deploy(&t, "app", 3).await;
    for o in 0..3 {
        visit_pod(&t, &format!("app-{o}")).await;
    }
    // A partitioned canary of a crashing image: only app-2 gets it.
    crash_loop_from(&t, "app", 2).await;

    let run = plugin(&t, &["app", "-o", "json"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    let doc = run.json();
    let items = items_of(&doc, "app");
    assert_eq!(items[0]["visits"], 1);
    assert_eq!(items[1]["visits"], 1);
    assert!(items[2]["visits"].is_null(), "{doc:#}");
    assert!(
        items[2]["error"].as_str().unwrap().contains("not running"),
        "{doc:#}"
    );
    assert_eq!(doc["total"], 2);

    let table = plugin(&t, &["app"]).await;
    assert_eq!(table.code, 3);
    let row = table.stdout.lines().find(|l| l.starts_with("2 ")).unwrap();
    assert!(row.contains("app-2") && row.contains(" - "), "{row}");
    assert!(
        table.stdout.contains("1 of 3 pods could not be read"),
        "{}",
        table.stdout
    );

    // --offline reads app-2's claim through a reader pod, labelled, and cleans up.
    let run = plugin(&t, &["app", "--offline", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    let items = items_of(&doc, "app");
    assert_eq!(items[2]["visits"], 1, "{doc:#}");
    assert_eq!(items[2]["offline"], true);
    let table = plugin(&t, &["app", "--offline"]).await;
    assert!(table.stdout.contains("1 (offline)"), "{}", table.stdout);
    let pods = t.kubectl_ok(&["get", "pods", "-o", "name"]);
    assert!(!pods.contains("reader"), "reader pods left behind: {pods}");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: forbidding exec needs sts-sim's fault handle"
)]
async fn exec_forbidden_names_pods_exec_and_the_namespace() {
    let t = E2e::start().await;
    let faults = t.sim_faults();
    deploy(&t, "app", 2).await;
    faults.forbid("create", "pods/exec");
    let run = plugin(&t, &["app", "--path", "/data/visits"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("pods/exec")
            && run
                .stderr
                .contains(&format!("namespace \"{}\"", t.namespace)),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("kubectl auth can-i create pods/exec"),
        "{}",
        run.stderr
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_with_spaces_and_shell_characters_is_read_literally() {
    let t = E2e::start().await;
    let path = "/data/my visits; echo 99 $(id) `x` 'q' \"d\" | >.txt";
    let manifest = app_manifest("app", 1, "example/visits-app:1.0", &[("VISITS_FILE", path)]);
    deploy_manifest(&t, "app", &manifest).await;
    for _ in 0..4 {
        visit_pod(&t, "app-0").await;
    }
    let run = plugin(&t, &["app", "--path", path, "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], 4);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_statefulsets_by_name_and_by_selector() {
    let t = E2e::start().await;
    deploy(&t, "py", 3).await;
    deploy(&t, "rs", 2).await;
    for o in 0..3 {
        visit_pod(&t, &format!("py-{o}")).await;
    }
    for o in 0..2 {
        visit_pod(&t, &format!("rs-{o}")).await;
        visit_pod(&t, &format!("rs-{o}")).await;
    }
    let run = plugin(&t, &["py", "rs", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(items_of(&doc, "py").len(), 3);
    assert_eq!(items_of(&doc, "rs").len(), 2);
    assert_eq!(doc["total"], 7);

    // No name: every StatefulSet, one block and footer each.
    let run = plugin(&t, &[]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("statefulset.apps/py"), "{}", run.stdout);
    assert!(run.stdout.contains("py: total 3"), "{}", run.stdout);
    assert!(run.stdout.contains("rs: total 4"), "{}", run.stdout);

    t.kubectl_ok(&["label", "statefulset", "rs", "tier=web"]);
    let run = plugin(&t, &["-l", "tier=web", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["items"].as_array().unwrap().len(), 2, "{doc:#}");
    assert_eq!(doc["total"], 4);
    let run = plugin(&t, &["-l", "tier=db"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("no StatefulSets match -l tier=db"),
        "{}",
        run.stderr
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: exec latency needs sts-sim's fault handle"
)]
async fn two_hundred_replicas_cost_about_one_exec_latency() {
    let t = E2e::start().await;
    let faults = t.sim_faults();
    deploy(&t, "big", 200).await;
    let pods: Vec<String> = (0..200).map(|o| format!("big-{o}")).collect();
    // One visit each, through the pod proxy, a few at a time.
    for chunk in pods.chunks(20) {
        futures::future::join_all(chunk.iter().map(|p| visit_pod(&t, p))).await;
    }
    let latency = Duration::from_millis(1000);
    faults.exec_latency(None, latency);
    faults.reset_counts();
    let started = Instant::now();
    let run = plugin(&t, &["big", "--path", "/data/visits", "-o", "json"]).await;
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["total"], 200);
    assert!(
        elapsed < latency * 10,
        "200 pods took {elapsed:?} with {latency:?} per exec"
    );
    // One exec per pod, and a constant number of reads of the StatefulSet, pods and claims.
    assert_eq!(faults.count("create", "pods/exec"), 200);
    assert_eq!(faults.count("list", "pods"), 1);
    assert_eq!(faults.count("list", "persistentvolumeclaims"), 1);
    assert_eq!(faults.count("get", "pods"), 0);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gives_clear_messages_and_exit_codes() {
    let t = E2e::start().await;
    deploy(&t, "app", 2).await;
    visit_pod(&t, "app-0").await;

    let run = plugin(&t, &["nope"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "statefulset \"nope\" not found in namespace \"{}\"",
            t.namespace
        )),
        "{}",
        run.stderr
    );

    // app-1 has had no visit yet: its file is missing but /data exists, so it counts 0.
    let run = plugin(&t, &["app", "--path", "/data/visits"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("0 (no file yet)"), "{}", run.stdout);
    // A directory that does not exist stays an error.
    let run = plugin(&t, &["app", "--path", "/data/nodir/visits"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("app-0: cannot read /data/nodir/visits")
            && run.stderr.contains("No such file")
            && run.stderr.contains("wrong --path"),
        "{}",
        run.stderr
    );

    let run = plugin(&t, &["app", "--path", "visits"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("absolute path"), "{}", run.stderr);

    let run = plugin(&t, &["app", "--format", "xml"]).await;
    assert_eq!(run.code, 2, "clap usage error: {run:?}");

    t.kubectl_ok(&["scale", "statefulset", "app", "--replicas=0"]);
    t.wait_for::<StatefulSet, _>("app", WAIT, "app scaled to zero", |s| {
        s.status.as_ref().is_some_and(|st| st.replicas == 0)
    })
    .await;
    let run = plugin(&t, &["app"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("has 0 replicas"), "{}", run.stderr);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_headless_service_is_explained() {
    let t = E2e::start().await;
    let manifest = sts_sim::testing::visits_app_manifest("app", 2, "Parallel")
        .replace("serviceName: app", "serviceName: app-headless");
    deploy_manifest(&t, "app", &manifest).await;
    visit_pod(&t, "app-0").await;
    visit_pod(&t, "app-1").await;
    let run = plugin(&t, &["app"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains("app-0.app-headless will not resolve")
            && warnings[0].contains("clusterIP: None"),
        "{}",
        warnings[0]
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_one_json_line_per_refresh_and_stops_on_ctrl_c() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let t = E2e::start().await;
    deploy(&t, "app", 2).await;
    visit_pod(&t, "app-0").await;
    visit_pod(&t, "app-1").await;
    let mut child = spawn_plugin(&t, &["app", "--watch", "--interval", "300ms"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: serde_json::Value =
        serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(first["total"], 2);
    for _ in 0..3 {
        visit_pod(&t, "app-0").await;
    }
    // Refreshes keep coming; one of them sees the three new visits on ordinal 0.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "no refresh saw the new visits");
        let line = lines.next_line().await.unwrap().expect("a refresh");
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert!(doc["time"].is_string());
        if doc["total"] == 5 {
            let change: i64 = doc["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|i| i["change"].as_i64())
                .sum();
            assert!(change > 0 || doc["items"][0]["visits"] == 4, "{doc}");
            break;
        }
    }
    ctrl_c(&child);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("stops on Ctrl-C")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    t.cleanup().await;
}

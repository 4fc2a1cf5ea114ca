//! `kubectl sts-visits` under exactly its Role (deploy/rbac/sts-visits.yaml), bound to a fresh
//! user: every documented command and flag reads the right counts, and without any one verb of
//! the Role at least one command that needs it (the table in [`commands_needing`], the same as
//! the YAML's comments) is refused, naming the verb and the resource: one `error:` line, a
//! `hint:` with `kubectl auth can-i`, exit 1, nothing left behind. One test per group of
//! commands (reads and their minimality, `--offline` and `--include-orphans`,
//! `--allow-debug`), each on its own cluster, so they run in parallel.

mod common;

use std::time::{Duration, Instant};

use common::*;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::ListParams;
use kube_sts::visits::readers::READER_RUN_LABEL;
use serde_json::Value;
use sts_sim::testing::rbac::{Grant, GrantedVerb};
use sts_sim::testing::{E2e, Run, TestUser};

const RBAC: &str = include_str!("../../../deploy/rbac/sts-visits.yaml");

/// The group of commands a verb is probed with (each group is one test, on its own cluster).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// Runs that only read: a named StatefulSet, `-l`, `--path`, `--http`, `--metric`,
    /// `--watch`.
    Reads,
    /// `--offline`, on a claim whose pod is crash-looping.
    Offline,
    /// `--include-orphans`, on the claim of a scaled-down ordinal.
    Orphans,
    /// `--allow-debug`, on a distroless image.
    Debug,
}

/// How a run shows that a verb it needs was taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Without {
    /// It fails: exit 1, one `error:` line naming the verb and resource, and a hint.
    Refused,
    /// An optional read: the run still succeeds, with a warning naming the verb and resource.
    Warned,
}

/// One command that needs a verb.
#[derive(Debug, Clone, Copy)]
struct Need {
    group: Group,
    args: &'static [&'static str],
    without: Without,
}

const NAMED: &[&str] = &["app", "-o", "json"];
const SELECTED: &[&str] = &["-l", "tier=web", "-o", "json"];
const PATH: &[&str] = &["app", "--path", "/data/visits", "-o", "json"];
const HTTP: &[&str] = &["app", "--http", "8080/visits", "-o", "json"];
const METRIC: &[&str] = &["app", "--metric", "visits_total", "-o", "json"];
const OFFLINE: &[&str] = &["app", "--offline", "-o", "json"];
const ORPHANS: &[&str] = &["app", "--include-orphans", "-o", "json"];
const DEBUG: &[&str] = &[
    "app",
    "--path",
    "/data/visits",
    "--allow-debug",
    "-o",
    "json",
];

/// The table: which commands need each verb of the Role (keep it in step with the comments of
/// deploy/rbac/sts-visits.yaml). A verb not listed here fails every test.
fn commands_needing(v: &GrantedVerb) -> Vec<Need> {
    use Group::*;
    let refused = |group, args| Need {
        group,
        args,
        without: Without::Refused,
    };
    match (v.resource.as_str(), v.verb.as_str()) {
        ("statefulsets", "get") => vec![refused(Reads, NAMED)],
        ("statefulsets", "list") => vec![refused(Reads, SELECTED)],
        ("pods" | "persistentvolumeclaims", "list") => vec![refused(Reads, NAMED)],
        ("services", "list") => vec![Need {
            group: Reads,
            args: NAMED,
            without: Without::Warned,
        }],
        ("pods/exec", "create" | "get") => vec![
            refused(Reads, NAMED),
            refused(Reads, PATH),
            refused(Offline, OFFLINE),
            refused(Orphans, ORPHANS),
            refused(Debug, DEBUG),
        ],
        ("pods/proxy", "get") => vec![refused(Reads, HTTP), refused(Reads, METRIC)],
        ("pods/ephemeralcontainers", "patch") => vec![refused(Debug, DEBUG)],
        ("pods", "create" | "delete") => {
            vec![refused(Offline, OFFLINE), refused(Orphans, ORPHANS)]
        }
        ("pods", "watch") => vec![
            refused(Offline, OFFLINE),
            refused(Orphans, ORPHANS),
            refused(Debug, DEBUG),
        ],
        _ => panic!(
            "no command in the table needs {v}: add the command that does, or drop it from the Role"
        ),
    }
}

async fn as_user(t: &E2e, user: &TestUser, args: &[&str]) -> Run {
    plugin_as(t, &user.kubeconfig, args).await
}

/// The counts of a `-o json` run, by ordinal.
fn counts(run: &Run) -> Vec<Option<u64>> {
    let doc = run.json();
    items_of(&doc, "app")
        .iter()
        .map(|i| i["visits"].as_u64())
        .collect()
}

/// A refusal as the issue asks for it: exit 1, exactly one `error:` line naming the verb, the
/// resource and the namespace, and a `hint:` line with the `kubectl auth can-i` command.
fn assert_refusal(run: &Run, v: &GrantedVerb, namespace: &str, args: &[&str]) {
    assert_eq!(run.code, 1, "without {v}, {args:?}: {run:?}");
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "without {v}, {args:?}: {}", run.stderr);
    assert!(
        v.is_named_in(errors[0]) && errors[0].contains(&format!("namespace \"{namespace}\"")),
        "without {v}, {args:?}: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("hint:")
                && l.contains(&format!("kubectl auth can-i {} ", v.verb))),
        "without {v}, {args:?}: {}",
        run.stderr
    );
}

/// Minimality for one group: for every verb whose commands include one of `group`, bind the
/// Role without that verb, run them, and require at least one to show it is missing; then
/// `after_each` checks that nothing was left half-done. Binds the whole Role again at the end.
async fn each_verb_is_needed<F, Fut>(
    t: &E2e,
    user: &TestUser,
    grant: &Grant,
    group: Group,
    after_each: F,
) -> usize
where
    F: Fn(GrantedVerb) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let minor = server_minor(t).await;
    let mut probed = 0;
    for v in grant.verbs() {
        let needs: Vec<Need> = commands_needing(&v)
            .into_iter()
            .filter(|n| n.group == group)
            .collect();
        if needs.is_empty() {
            continue;
        }
        probed += 1;
        grant.without(&v).bind(t, user);
        let mut shown = false;
        let mut runs = Vec::new();
        for need in &needs {
            let run = as_user(t, user, need.args).await;
            match need.without {
                Without::Refused if run.code != 0 && v.is_named_in(&run.stderr) => {
                    assert_refusal(&run, &v, &t.namespace, need.args);
                    shown = true;
                }
                Without::Warned if run.code == 0 && v.is_named_in(&run.stderr) => {
                    assert!(
                        run.stderr
                            .lines()
                            .any(|l| l.starts_with("warning:") && v.is_named_in(l)),
                        "without {v}: {}",
                        run.stderr
                    );
                    assert_eq!(run.json()["unread"], 0, "still reads every pod: {run:?}");
                    shown = true;
                }
                _ => {}
            }
            runs.push((need.args, run));
        }
        if !shown && v.resource == "pods/exec" && v.verb == "create" && minor < 35 {
            // The rule stays for clusters since 1.35 and for SPDY clients such as kubectl.
            println!("skipped: without {v}: 1.{minor} does not check create on a WebSocket exec");
            continue;
        }
        assert!(
            shown,
            "without {v}, no command of the table showed it missing: {runs:#?}"
        );
        after_each(v).await;
    }
    grant.bind(t, user);
    probed
}

/// The API server's minor version (`35` for 1.35).
async fn server_minor(t: &E2e) -> u32 {
    let info = t.client.apiserver_version().await.expect("server version");
    let digits: String = info
        .minor
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("a numeric minor version")
}

/// Deploys `app` (2 replicas of `image`) with 1 and 2 visits, and a fresh user: refused while
/// nothing is bound (the user really has nothing).
async fn app_and_user(t: &E2e, image: &str, user: &str) -> TestUser {
    let manifest = app_manifest("app", 2, image, &[]);
    deploy_manifest(t, "app", &manifest).await;
    t.kubectl_ok(&["label", "statefulset", "app", "tier=web"]);
    visit_pod(t, "app-0").await;
    visit_pod(t, "app-1").await;
    visit_pod(t, "app-1").await;
    let user = t.new_user(user).await;
    let refused = as_user(t, &user, NAMED).await;
    assert_eq!(refused.code, 1, "nothing bound yet: {refused:?}");
    assert!(
        refused.stderr.contains("cannot get statefulset"),
        "{}",
        refused.stderr
    );
    user
}

#[test]
fn every_verb_of_the_role_is_in_the_table() {
    let verbs = Grant::parse(RBAC).verbs();
    assert!(!verbs.is_empty());
    for v in &verbs {
        assert!(!commands_needing(v).is_empty(), "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_watch_succeed_under_exactly_the_role() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let t = E2e::start().await;
    let user = app_and_user(&t, "example/visits-app:1.0", "visits-reader").await;
    Grant::parse(RBAC).bind(&t, &user);

    for args in [NAMED, SELECTED, PATH, HTTP, METRIC] {
        let run = as_user(&t, &user, args).await;
        assert_eq!(run.code, 0, "{args:?} under the Role: {run:?}");
        assert_eq!(counts(&run), [Some(1), Some(2)], "{args:?}: {}", run.stdout);
        assert_eq!(run.json()["total"], 3, "{args:?}");
        assert!(
            !run.stderr.contains("forbidden"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let table = as_user(&t, &user, &["app"]).await;
    assert_eq!(table.code, 0, "{table:?}");
    assert!(table.stdout.contains("app: total 3"), "{}", table.stdout);

    // --watch: one JSON line per refresh; a new visit shows up; Ctrl-C ends it with 0.
    let mut child = spawn_plugin_as(
        &t,
        &user.kubeconfig,
        &["app", "--watch", "--interval", "300ms"],
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(first["total"], 3, "{first}");
    visit_pod(&t, "app-0").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "no refresh saw the new visit");
        let line = lines.next_line().await.unwrap().expect("a refresh");
        let doc: Value = serde_json::from_str(&line).unwrap();
        if doc["total"] == 4 {
            break;
        }
        assert_eq!(doc["total"], 3, "{doc}");
    }
    ctrl_c(&child);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("stops on Ctrl-C")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_verb_the_reads_use_is_needed() {
    let t = E2e::start().await;
    let user = app_and_user(&t, "example/visits-app:1.0", "visits-minimal").await;
    let grant = Grant::parse(RBAC);
    let probed = each_verb_is_needed(&t, &user, &grant, Group::Reads, |_| async {}).await;
    assert_eq!(
        probed, 8,
        "statefulsets get/list, pods, claims, services, exec x2, proxy"
    );
    let run = as_user(&t, &user, NAMED).await;
    assert_eq!(
        counts(&run),
        [Some(1), Some(2)],
        "the whole Role again: {run:?}"
    );
    t.cleanup().await;
}

/// The names of the reader pods in the test namespace right now.
async fn reader_pods(t: &E2e) -> Vec<String> {
    let pods = t
        .api::<Pod>()
        .list(&ListParams::default().labels(READER_RUN_LABEL))
        .await
        .expect("list reader pods");
    pods.items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_and_orphans_under_exactly_the_role_and_refused_before_any_reader_pod() {
    let t = E2e::start().await;
    let user = app_and_user(&t, "example/visits-app:1.0", "visits-offline").await;
    // app-1 crash-loops: its claim (2 visits) can only be read by a reader pod.
    crash_loop_from(&t, "app", 1).await;
    let grant = Grant::parse(RBAC);

    // Without any one step (create, delete, watch, exec), --offline is refused before it
    // creates a reader pod: a user who may create but not delete never leaves one behind.
    let probed = each_verb_is_needed(&t, &user, &grant, Group::Offline, |v| {
        let t = &t;
        async move {
            let left = reader_pods(t).await;
            assert!(left.is_empty(), "without {v}: reader pods left: {left:?}");
        }
    })
    .await;
    assert_eq!(
        probed, 5,
        "create, delete, watch pods; get, create pods/exec"
    );

    let run = as_user(&t, &user, OFFLINE).await;
    assert_eq!(run.code, 0, "--offline under the Role: {run:?}");
    assert_eq!(counts(&run), [Some(1), Some(2)], "{}", run.stdout);
    let doc = run.json();
    let items = items_of(&doc, "app");
    assert_eq!(items[1]["offline"], true, "{doc:#}");
    assert_ne!(items[0]["offline"], true, "{doc:#}");
    no_reader_pods_left(&t).await;
    // Without --offline the same user reads what runs, and says what it could not.
    let partial = as_user(&t, &user, NAMED).await;
    assert_eq!(partial.code, 3, "{partial:?}");
    assert_eq!(counts(&partial), [Some(1), None]);

    // Scaled down to one pod, app-1's claim is an orphan: --include-orphans reads it through a
    // reader pod, under the same rules.
    t.kubectl_ok(&["scale", "statefulset", "app", "--replicas=1"]);
    t.wait_for::<StatefulSet, _>("app", WAIT, "app scaled to one pod", |s| {
        s.status.as_ref().is_some_and(|st| st.replicas == 1)
    })
    .await;
    let probed = each_verb_is_needed(&t, &user, &grant, Group::Orphans, |v| {
        let t = &t;
        async move {
            let left = reader_pods(t).await;
            assert!(left.is_empty(), "without {v}: reader pods left: {left:?}");
        }
    })
    .await;
    assert_eq!(
        probed, 5,
        "create, delete, watch pods; get, create pods/exec"
    );
    let run = as_user(&t, &user, ORPHANS).await;
    assert_eq!(run.code, 0, "--include-orphans under the Role: {run:?}");
    assert_eq!(counts(&run), [Some(1), Some(2)], "{}", run.stdout);
    let doc = run.json();
    assert_eq!(items_of(&doc, "app")[1]["orphan"], true, "{doc:#}");
    no_reader_pods_left(&t).await;
    t.cleanup().await;
}

/// The ephemeral containers of each pod of `app`.
async fn ephemeral_containers(t: &E2e) -> Vec<usize> {
    let mut all = Vec::new();
    for o in 0..2 {
        let pod = t.api::<Pod>().get(&format!("app-{o}")).await.unwrap();
        let spec = pod.spec.unwrap_or_default();
        all.push(spec.ephemeral_containers.unwrap_or_default().len());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_debug_under_exactly_the_role_and_refused_before_any_change() {
    let t = E2e::start().await;
    let user = app_and_user(&t, "example/visits-app:1.0-distroless", "visits-debug").await;
    let grant = Grant::parse(RBAC);

    // Without the patch, the watch it waits with or the exec, --allow-debug is refused before
    // it adds an ephemeral container (one cannot be taken back).
    let probed = each_verb_is_needed(&t, &user, &grant, Group::Debug, |v| {
        let t = &t;
        async move {
            let added = ephemeral_containers(t).await;
            assert_eq!(added, [0, 0], "without {v}: ephemeral containers added");
        }
    })
    .await;
    assert_eq!(
        probed, 4,
        "patch pods/ephemeralcontainers, watch pods, get and create pods/exec"
    );

    let run = as_user(&t, &user, DEBUG).await;
    assert_eq!(run.code, 0, "--allow-debug under the Role: {run:?}");
    assert_eq!(counts(&run), [Some(1), Some(2)], "{}", run.stdout);
    assert!(
        run.stderr.contains("added ephemeral container"),
        "{}",
        run.stderr
    );
    // Discovery through the debug containers added above, reusing them.
    let run = as_user(&t, &user, &["app", "--allow-debug", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(counts(&run), [Some(1), Some(2)], "{}", run.stdout);
    assert!(run.stderr.contains("reused"), "{}", run.stderr);
    assert_eq!(ephemeral_containers(&t).await, [1, 1]);
    t.cleanup().await;
}

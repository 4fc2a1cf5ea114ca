//! `kubectl sts-rollout` under exactly its Role (deploy/rbac/sts-rollout.yaml), bound to a fresh
//! user with nothing else: every documented command and flag succeeds; each verb of the Role is
//! needed (taken away, a command the table names is refused, naming it); a run that is missing
//! a permission is refused before it changes anything; and a run refused part-way through is
//! left paused with the way to go on. The same tests run on a real cluster
//! (`STS_E2E_KUBECONFIG`), where the users are ServiceAccounts.

mod common;

use std::time::Duration;

use common::{Env, Run};
use k8s_openapi::api::apps::v1::StatefulSet;
use kube_sts::rollout::state::RolloutState;
use sts_sim::testing::rbac::{Grant, GrantedVerb};
use sts_sim::testing::TestUser;

const ROLE: &str = include_str!("../../../deploy/rbac/sts-rollout.yaml");
const V1: &str = "app=example/visits-app:1.0";
const V2: &str = "app=example/visits-app:2.0";
const BROKEN: &str = "app=example/visits-app:broken";

fn grant() -> Grant {
    Grant::parse(ROLE)
}

/// A cluster with `web` (the seeds' app, `replicas`, `extra` spec lines) and a fresh user
/// bound to exactly the Role, after proving the user could do nothing before.
async fn setup(replicas: i32, extra: &str) -> (Env, TestUser) {
    let env = Env::start().await;
    env.deploy("web", replicas, extra).await;
    let user = env.e2e.new_user("rollout-operator").await;
    let refused = env.plugin_as(&user, &["status", "web"]).await;
    assert_eq!(refused.code, 1, "nothing bound yet: {refused:?}");
    assert!(
        refused.stderr.contains("cannot get statefulset"),
        "{}",
        refused.stderr
    );
    grant().bind(&env.e2e, &user);
    (env, user)
}

/// The parsed `kubectl-sts.io/rollout` annotation.
fn rollout_state(sts: &StatefulSet) -> Option<RolloutState> {
    RolloutState::of(sts).expect("the rollout annotation parses")
}

/// Visits the app on `pod` through the pod proxy (as the admin), so its counter is above zero.
fn visit(env: &Env, pod: &str, times: usize) {
    let path = format!("/api/v1/namespaces/{}/pods/{pod}:8080/proxy/", env.ns());
    for _ in 0..times {
        let body = env.e2e.kubectl_ok(&["get", "--raw", &path]);
        assert!(body.contains("Visits:"), "{body}");
    }
}

/// Every pod runs `revision` and is Ready.
async fn assert_all_on(env: &Env, revision: &str, replicas: usize) {
    let pods = env.pods().await;
    assert_eq!(pods.len(), replicas, "{pods:?}");
    for (pod, (rev, _, ready)) in pods {
        assert_eq!(rev, revision, "{pod}");
        assert!(ready, "{pod} is Ready");
    }
}

/// Waits until the controller has rolled every pod to the update revision and they are Ready.
async fn wait_rolled(env: &Env, replicas: i32) -> StatefulSet {
    env.e2e
        .wait_for::<StatefulSet, _>(
            "web",
            Duration::from_secs(60),
            "every pod on the update revision and Ready",
            |s| {
                let st = s.status.as_ref();
                st.and_then(|st| st.observed_generation) >= s.metadata.generation
                    && st.and_then(|st| st.updated_replicas) == Some(replicas)
                    && st.and_then(|st| st.ready_replicas) == Some(replicas)
            },
        )
        .await
}

#[tokio::test]
async fn staged_rollout_commands_succeed_under_exactly_the_role() {
    let (env, user) = setup(3, "").await;
    for pod in ["web-0", "web-1", "web-2"] {
        visit(&env, pod, 2);
    }
    let original = Env::revisions(&env.sts("web").await).0;
    let generation = env.sts("web").await.metadata.generation;
    let dry = env
        .plugin_as(
            &user,
            &[
                "start",
                "web",
                "--image",
                V2,
                "--steps",
                "1,2,100%",
                "--dry-run",
            ],
        )
        .await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout.contains("dry run: nothing was changed"),
        "{}",
        dry.stdout
    );
    assert_eq!(env.sts("web").await.metadata.generation, generation);

    // start: staged, stopping after the first step, with both checks (exec and pod proxy).
    let run = env
        .plugin_as(
            &user,
            &[
                "start",
                "web",
                "--image",
                V2,
                "--env",
                "app:GREETING=v2",
                "--change-cause",
                "canary v2",
                "--steps",
                "1,2,100%",
                "--manual",
                "--check-http",
                "http/healthz",
                "--data-check",
                "--path",
                "/data/visits",
                "--format",
                "count",
                "--timeout",
                "60s",
            ],
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("web-2: data check ok (2 -> 2)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("GET /healthz ok"), "{}", run.stdout);
    let sts = env.sts("web").await;
    assert_eq!(Env::partition(&sts), 2);
    let update = Env::revisions(&sts).1;
    assert_ne!(update, original);
    let pods = env.pods().await;
    assert_eq!(pods["web-2"].0, update);
    assert_eq!(pods["web-1"].0, original);

    let status = env.plugin_as(&user, &["status", "web"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(
        status.stdout.contains("waiting after step 1/3"),
        "{}",
        status.stdout
    );

    let paused = env.plugin_as(&user, &["pause", "web"]).await;
    assert_eq!(paused.code, 0, "{paused:?}");
    let sts = env.sts("web").await;
    assert_eq!(Env::partition(&sts), 3, "paused: partition = replicas");
    assert!(rollout_state(&sts).is_some_and(|s| s.paused));

    let resumed = env.plugin_as(&user, &["resume", "web"]).await;
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert_eq!(
        Env::partition(&env.sts("web").await),
        2,
        "back where it was"
    );

    // promote runs the next step with the saved checks (exec) ...
    let promoted = env
        .plugin_as(&user, &["promote", "web", "--timeout", "60s"])
        .await;
    assert_eq!(promoted.code, 0, "{promoted:?}");
    assert!(
        promoted.stdout.contains("web-1: data check ok (2 -> 2)")
            && promoted.stdout.contains("GET /healthz ok"),
        "{}",
        promoted.stdout
    );
    assert_eq!(Env::partition(&env.sts("web").await), 1);
    // ... and --full the rest, reading a Prometheus counter instead (pod proxy).
    let promoted = env
        .plugin_as(
            &user,
            &[
                "promote",
                "web",
                "--full",
                "--data-check",
                "--metric",
                "visits_total",
                "--timeout",
                "60s",
            ],
        )
        .await;
    assert_eq!(promoted.code, 0, "{promoted:?}");
    assert!(
        promoted.stdout.contains("web-0: data check ok (2 -> 2)"),
        "{}",
        promoted.stdout
    );
    let sts = env.sts("web").await;
    assert_eq!(Env::partition(&sts), 0);
    assert!(rollout_state(&sts).is_none(), "the state is forgotten");
    assert_all_on(&env, &update, 3).await;

    let history = env.plugin_as(&user, &["history", "web"]).await;
    assert_eq!(history.code, 0, "{history:?}");
    assert!(
        history.stdout.contains("example/visits-app:2.0") && history.stdout.contains("canary v2"),
        "{}",
        history.stdout
    );
    let diff = env
        .plugin_as(&user, &["diff", "web", "--from", "1", "--to", "2"])
        .await;
    assert_eq!(diff.code, 0, "{diff:?}");
    assert!(
        diff.stdout.contains("-  - image: example/visits-app:1.0")
            && diff.stdout.contains("+    image: example/visits-app:2.0")
            && diff.stdout.contains("+      value: v2"),
        "{}",
        diff.stdout
    );

    // undo: the template goes back; the controller rolls every pod back.
    let dry = env.plugin_as(&user, &["undo", "web", "--dry-run"]).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("would roll statefulset.apps/web back to revision 1"),
        "{}",
        dry.stdout
    );
    let undo = env.plugin_as(&user, &["undo", "web"]).await;
    assert_eq!(undo.code, 0, "{undo:?}");
    assert!(
        undo.stdout.contains("statefulset.apps/web rolled back"),
        "{}",
        undo.stdout
    );
    let sts = wait_rolled(&env, 3).await;
    assert_all_on(&env, &Env::revisions(&sts).1, 3).await;
    let images = env.e2e.kubectl_ok(&[
        "get",
        "statefulset",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(images, "example/visits-app:1.0");
    let status = env.plugin_as(&user, &["status", "web", "-o", "json"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    assert_eq!(
        status.json()["items"][0]["complete"],
        true,
        "{}",
        status.stdout
    );
    env.e2e.cleanup().await;
}

#[tokio::test]
async fn partitions_failures_and_forced_undo_under_exactly_the_role() {
    let (env, user) = setup(3, "").await;
    // A pending update revision held at partition 3, as an operator leaves it.
    env.e2e.kubectl_ok(&[
        "patch",
        "statefulset",
        "web",
        "--type=merge",
        "-p",
        r#"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":3}}}}"#,
    ]);
    env.e2e.kubectl_ok(&[
        "set",
        "image",
        "statefulset/web",
        "app=example/visits-app:2.0",
    ]);
    let before = env.pods().await;

    let run = env.plugin_as(&user, &["web", "--partition", "2"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("partitioned roll out complete: 1 new pods have been updated..."),
        "{}",
        run.stdout
    );
    let update = Env::revisions(&env.sts("web").await).1;
    let pods = env.pods().await;
    assert_eq!(pods["web-2"].0, update);
    assert_eq!(pods["web-1"].1, before["web-1"].1, "web-1 untouched");

    let run = env
        .plugin_as(&user, &["web", "--partition", "1", "--no-wait"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(Env::partition(&env.sts("web").await), 1);
    env.e2e
        .wait_for::<StatefulSet, _>("web", Duration::from_secs(60), "web-1 updated", |s| {
            let st = s.status.as_ref();
            st.and_then(|st| st.updated_replicas) == Some(2)
                && st.and_then(|st| st.ready_replicas) == Some(3)
        })
        .await;

    // resume --partition takes over; the data check reads over HTTP (pod proxy).
    visit(&env, "web-0", 2);
    let run = env
        .plugin_as(
            &user,
            &[
                "resume",
                "web",
                "--partition",
                "0",
                "--data-check",
                "--http",
                "8080/visits",
                "--timeout",
                "60s",
            ],
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("web-0: data check ok"),
        "{}",
        run.stdout
    );
    assert_all_on(&env, &update, 3).await;

    // A failed step rolled back (--rollback-on-failure), then one left paused, and the
    // forced undo that replaces the stuck pod. The timed-out step names its pods' events.
    let run = env
        .plugin_as(
            &user,
            &[
                "start",
                "web",
                "--image",
                BROKEN,
                "--steps",
                "1,100%",
                "--timeout",
                "3s",
                "--rollback-on-failure",
            ],
        )
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("rolled back to revision"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("events could not be read"),
        "{}",
        run.stderr
    );
    assert_all_on(&env, &update, 3).await;

    let run = env
        .plugin_as(
            &user,
            &[
                "start",
                "web",
                "--image",
                BROKEN,
                "--steps",
                "1,100%",
                "--timeout",
                "3s",
            ],
        )
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("pod web-2") && run.stderr.contains("not Ready"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("events could not be read"),
        "{}",
        run.stderr
    );
    assert_eq!(Env::partition(&env.sts("web").await), 3, "paused");
    let undo = env
        .plugin_as(&user, &["undo", "web", "--force", "--timeout", "60s"])
        .await;
    assert_eq!(undo.code, 0, "{undo:?}");
    assert!(
        undo.stdout.contains("pod \"web-2\" deleted"),
        "{}",
        undo.stdout
    );
    let sts = env.sts("web").await;
    assert_eq!(
        Env::revisions(&sts).1,
        update,
        "back on the last good revision"
    );
    assert_all_on(&env, &update, 3).await;
    env.e2e.cleanup().await;
}

#[tokio::test]
async fn on_delete_and_status_watch_under_exactly_the_role() {
    let (env, user) = setup(3, "  updateStrategy:\n    type: OnDelete\n").await;
    for pod in ["web-0", "web-1", "web-2"] {
        visit(&env, pod, 1);
    }
    let mut watching = env.spawn_as(&user, &["status", "web", "-w"]);
    watching.wait_line("Complete:     yes").await;

    let run = env
        .plugin_as(
            &user,
            &[
                "start",
                "web",
                "--image",
                V2,
                "--steps",
                "1,100%",
                "--max-unavailable",
                "2",
                "--data-check",
                "--timeout",
                "60s",
            ],
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    // The counter is read by exec before each deletion and after the replacement is Ready.
    assert!(
        run.stdout.contains("web-0: data check ok (1 -> 1)"),
        "{}",
        run.stdout
    );
    for pod in ["web-2", "web-1", "web-0"] {
        assert!(
            run.stdout.contains(&format!("pod \"{pod}\" deleted")),
            "the plugin deletes {pod}: {}",
            run.stdout
        );
    }
    let update = Env::revisions(&env.sts("web").await).1;
    assert_all_on(&env, &update, 3).await;

    // status -w followed the rollout to its end.
    watching.wait_line("Complete:     no").await;
    watching.wait_line("Complete:     yes").await;
    watching.interrupt().await;
    let watched = watching.finish().await;
    assert_eq!(watched.code, 0, "{watched:?}");
    // The last frame: every ordinal on revision 2 (OnDelete keeps currentRevision, as upstream).
    let last = watched
        .stdout
        .rsplit("StatefulSet:  web")
        .next()
        .unwrap_or_default();
    assert!(
        last.contains(&format!("Update:       revision 2 {update}"))
            && last.contains("Revision:     2   2   2")
            && last.contains("Complete:     yes"),
        "the last frame shows every pod on {update}: {}",
        watched.stdout
    );
    env.e2e.cleanup().await;
}

/// The `start` every permission of a run is checked for.
const START: [&str; 6] = ["start", "web", "--image", V1, "--steps", "1,100%"];

/// An update of the OnDelete StatefulSet `od`, whose pods the plugin deletes.
const ON_DELETE_START: [&str; 4] = ["start", "od", "--image", V2];

fn start_with(extra: &[&'static str]) -> Vec<&'static str> {
    START.iter().copied().chain(extra.iter().copied()).collect()
}

/// The commands that need `v`: the table the Role's comments say in words.
fn commands_needing(v: &GrantedVerb) -> Vec<Vec<&'static str>> {
    let watch = vec!["status", "web", "-w", "--timeout", "20s"];
    match (v.resource.as_str(), v.verb.as_str()) {
        ("statefulsets", "get") => vec![vec!["status", "web"], vec!["pause", "web"]],
        ("statefulsets", "list" | "watch") => vec![START.to_vec(), watch],
        ("statefulsets", "patch") => vec![vec!["pause", "web"], START.to_vec()],
        ("controllerrevisions", "list") => vec![
            vec!["history", "web"],
            vec!["undo", "web"],
            start_with(&["--rollback-on-failure"]),
        ],
        ("pods", "list") => vec![vec!["status", "web"], START.to_vec()],
        ("pods", "watch") => vec![START.to_vec(), watch],
        ("pods", "delete") => vec![
            vec!["undo", "web", "--force"],
            start_with(&["--rollback-on-failure"]),
            ON_DELETE_START.to_vec(),
        ],
        ("events", "list") => vec![
            START.to_vec(),
            vec!["web", "--partition", "2"],
            vec!["promote", "web", "--full"],
        ],
        ("pods/proxy", "get") => vec![
            start_with(&["--check-http", "http/healthz"]),
            start_with(&["--data-check", "--http", "8080/visits"]),
        ],
        ("pods/exec", "get" | "create") => vec![start_with(&["--data-check"])],
        _ => panic!(
            "no command in the table needs {v}: add the command that does, or drop it from the Role"
        ),
    }
}

/// What a refusal must leave alone: generation, partition and the rollout annotation.
fn fingerprint(sts: &StatefulSet) -> (Option<i64>, i32, Option<String>) {
    (
        sts.metadata.generation,
        Env::partition(sts),
        sts.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("kubectl-sts.io/rollout").cloned()),
    )
}

/// Whether `args` is a run that checks its permissions before its first change.
fn pre_checked(args: &[&str]) -> bool {
    ["start", "resume", "promote"].contains(&args[0])
        || args.contains(&"--partition")
        || args.contains(&"--force")
}

/// A refusal: exit 1, one `error:` line naming `v`, a `hint:` with `kubectl auth can-i`.
fn assert_refusal_shape(v: &GrantedVerb, args: &[&str], run: &Run) {
    assert_eq!(run.code, 1, "{args:?} without {v}: {run:?}");
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{args:?}: one error line: {}", run.stderr);
    let hint = run
        .stderr
        .lines()
        .find(|l| l.starts_with("hint:"))
        .unwrap_or_else(|| panic!("{args:?}: a hint line: {}", run.stderr));
    assert!(hint.contains("kubectl auth can-i"), "{args:?}: {hint}");
    if pre_checked(args) {
        assert!(
            errors[0].contains("checked before changing anything; nothing was changed"),
            "{args:?}: refused by the pre-check: {}",
            run.stderr
        );
        assert!(
            hint.contains(&format!("kubectl auth can-i {} ", v.verb)),
            "{args:?}: {hint}"
        );
    }
}

#[tokio::test]
async fn each_verb_of_the_role_is_needed_by_a_command() {
    let (env, user) = setup(3, "").await;
    // Two revisions, so that undo has one to go back to.
    env.e2e.kubectl_ok(&[
        "set",
        "image",
        "statefulset/web",
        "app=example/visits-app:2.0",
    ]);
    wait_rolled(&env, 3).await;
    env.deploy("od", 1, "  updateStrategy:\n    type: OnDelete\n")
        .await;
    let full = grant();
    let verbs = full.verbs();
    assert!(verbs.len() >= 10, "{verbs:?}");
    let unchanged = [
        fingerprint(&env.sts("web").await),
        fingerprint(&env.sts("od").await),
    ];
    let pods = env.pods().await;
    for v in &verbs {
        let commands = commands_needing(v);
        full.without(v).bind(&env.e2e, &user);
        let mut refused_by = Vec::new();
        for args in &commands {
            let run = env.plugin_as(&user, args).await;
            if run.code != 0 && v.is_named_in(&run.stderr) {
                assert_refusal_shape(v, args, &run);
                refused_by.push(args.join(" "));
            } else {
                // A run that checks first asks for everything it will use: it must refuse.
                assert!(
                    !pre_checked(args),
                    "{args:?} without {v} was not refused by its pre-check: {run:?}"
                );
            }
            assert_eq!(
                [
                    fingerprint(&env.sts("web").await),
                    fingerprint(&env.sts("od").await)
                ],
                unchanged,
                "{args:?} without {v} changed the StatefulSet: {run:?}"
            );
        }
        assert!(
            !refused_by.is_empty(),
            "without {v}, none of {commands:?} was refused naming it"
        );
        assert_eq!(env.pods().await, pods, "no pod was touched without {v}");
    }
    // The full grant again: everything the table ran is allowed.
    full.bind(&env.e2e, &user);
    let status = env.plugin_as(&user, &["status", "web"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    env.e2e.cleanup().await;
}

/// The verb `resource` `verb` of the Role (panics when the Role lacks it).
fn granted(resource: &str, verb: &str) -> GrantedVerb {
    grant()
        .verbs()
        .into_iter()
        .find(|v| v.resource == resource && v.verb == verb)
        .unwrap_or_else(|| panic!("the Role grants {verb} {resource}"))
}

/// Starts a two-step rollout as `user` with `extra` flags, waits (on its output) until the
/// first step has landed, takes `taken` away during the 15 s pause before the second (on a
/// real cluster the re-bind waits until the authorizer sees it), and returns the finished run.
async fn refused_after_the_first_step(
    env: &Env,
    user: &TestUser,
    extra: &[&str],
    taken: &GrantedVerb,
) -> Run {
    let mut args = vec![
        "start",
        "web",
        "--image",
        V2,
        "--steps",
        "1,100%",
        "--pause-between",
        "15s",
        "--timeout",
        "60s",
    ];
    args.extend_from_slice(extra);
    let mut running = env.spawn_as(user, &args);
    running.wait_line("step 1/2 done").await;
    running.wait_line("waiting 15s before step 2/2").await;
    grant().without(taken).bind(&env.e2e, user);
    let run = running.finish().await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        taken.is_named_in(&run.stderr),
        "names {taken}: {}",
        run.stderr
    );
    let hint = run
        .stderr
        .lines()
        .find(|l| l.starts_with("hint:"))
        .unwrap_or_else(|| panic!("a hint: {}", run.stderr));
    assert!(
        hint.contains(&format!("kubectl auth can-i {}", taken.verb))
            && hint.contains(&format!("kubectl sts-rollout resume web -n {}", env.ns())),
        "{hint}"
    );
    run
}

/// The rollout is paused, and `status` (as the user) says how to go on.
async fn assert_left_paused(env: &Env, user: &TestUser) {
    let sts = env.sts("web").await;
    let state = rollout_state(&sts).expect("the rollout state is kept");
    assert!(state.paused, "{state:?}");
    assert_eq!(state.done, 1, "{state:?}");
    let status = env.plugin_as(user, &["status", "web"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(
        status.stdout.contains(&format!(
            "paused after 1/2 steps; continue: kubectl sts-rollout resume web -n {}",
            env.ns()
        )),
        "{}",
        status.stdout
    );
}

#[tokio::test]
async fn a_rolling_update_refused_part_way_is_left_paused() {
    let (env, user) = setup(3, "").await;
    let run = refused_after_the_first_step(
        &env,
        &user,
        &["--check-http", "http/healthz"],
        &granted("pods/proxy", "get"),
    )
    .await;
    assert!(
        run.stderr
            .contains("rollout paused at step 2/2: partition 3"),
        "{}",
        run.stderr
    );
    let sts = env.sts("web").await;
    assert_eq!(
        Env::partition(&sts),
        3,
        "partition held: no more pods update"
    );
    assert_left_paused(&env, &user).await;

    // resume checks with the saved --check-http: still refused, before changing anything.
    let held = fingerprint(&sts);
    let refused = env.plugin_as(&user, &["resume", "web"]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("cannot get pods/proxy in namespace")
            && refused
                .stderr
                .contains("checked before changing anything; nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(fingerprint(&env.sts("web").await), held, "nothing changed");

    // With the permission back, resume finishes it.
    grant().bind(&env.e2e, &user);
    let resumed = env
        .plugin_as(&user, &["resume", "web", "--timeout", "60s"])
        .await;
    assert_eq!(resumed.code, 0, "{resumed:?}");
    let update = Env::revisions(&env.sts("web").await).1;
    assert_all_on(&env, &update, 3).await;
    env.e2e.cleanup().await;
}

#[tokio::test]
async fn an_on_delete_update_refused_part_way_is_left_paused() {
    let (env, user) = setup(3, "  updateStrategy:\n    type: OnDelete\n").await;
    let before = env.pods().await;
    let run = refused_after_the_first_step(&env, &user, &[], &granted("pods", "delete")).await;
    assert!(
        run.stderr.contains("rollout paused at step 2/2"),
        "{}",
        run.stderr
    );
    let pods = env.pods().await;
    assert_ne!(pods["web-2"].1, before["web-2"].1, "step 1 replaced web-2");
    for pod in ["web-1", "web-0"] {
        assert_eq!(pods[pod].1, before[pod].1, "{pod} was not deleted");
    }
    assert_left_paused(&env, &user).await;
    env.e2e.cleanup().await;
}

#[tokio::test]
async fn a_data_check_refused_part_way_restarts_no_more_pods() {
    let (env, user) = setup(3, "").await;
    let before = env.pods().await;
    let run = refused_after_the_first_step(
        &env,
        &user,
        &["--data-check"],
        &granted("pods/exec", "create"),
    )
    .await;
    assert!(
        run.stderr
            .contains("rollout paused at step 2/2: partition 3"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("data lost"),
        "a refusal is not data loss: {}",
        run.stderr
    );
    // The counters of step 2 are read before its partition moves: refused, nothing restarted.
    let pods = env.pods().await;
    assert_ne!(pods["web-2"].1, before["web-2"].1, "step 1 replaced web-2");
    for pod in ["web-1", "web-0"] {
        assert_eq!(pods[pod].1, before[pod].1, "{pod} was not restarted");
    }
    assert_eq!(Env::partition(&env.sts("web").await), 3);
    assert_left_paused(&env, &user).await;
    env.e2e.cleanup().await;
}

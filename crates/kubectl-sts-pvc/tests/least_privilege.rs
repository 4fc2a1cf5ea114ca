//! `kubectl sts-pvc` under exactly its documented RBAC (deploy/rbac/sts-pvc.yaml: the Role, the
//! read-only ClusterRole and, for `usage --source kubelet`, the opt-in `nodes/proxy` rule the
//! file ships commented out), bound to a fresh user:
//!
//! - every command and flag succeeds with real results: the map (and `-o json`), `--orphans`,
//!   `usage` from both sources, `retention`, `prune` (dry run and `--yes`), `resize` to
//!   completion and `restore` of a half-done resize;
//! - the mutating commands check their permissions first and, refused there, change nothing;
//!   their dry runs work as a read-only user;
//! - minimality: each verb of each rule is taken away in turn and a command that the table
//!   below names (and the rule's comment in the YAML) then shows that it needs it.
//!
//! Nothing here needs the simulator: on a real cluster (`STS_E2E_KUBECONFIG`) the users are
//! ServiceAccounts.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Event;
use kube::api::Api;
use kube::runtime::watcher;
use serde_json::{json, Value};
use sts_sim::testing::rbac::{Grant, GrantedVerb};
use sts_sim::testing::{stderr, template_storage, TestUser};

const RBAC: &str = include_str!("../../../deploy/rbac/sts-pvc.yaml");
const CLUSTER_ROLE: &str = "ClusterRole/kubectl-sts-pvc-read";

const MAP_ALL: &[&str] = &[];
const MAP_WEB: &[&str] = &["web"];
const MAP_WEB_JSON: &[&str] = &["web", "-o", "json"];
const MAP_PENDING_JSON: &[&str] = &["pending", "-o", "json"];
const USAGE: &[&str] = &["usage", "web", "-o", "json"];
const USAGE_KUBELET: &[&str] = &["usage", "web", "--source", "kubelet", "-o", "json"];
const RETENTION_DRY_RUN: &[&str] = &["retention", "web", "--when-scaled", "Retain", "--dry-run"];
const PRUNE_YES: &[&str] = &["prune", "web", "--yes"];
const RESIZE: &[&str] = &RESIZE_WEB;

/// The documented grant: the Role and the read-only ClusterRole, as the file ships them.
fn grant() -> Grant {
    Grant::parse(RBAC)
}

/// The rule the file ships commented out for `usage --source kubelet`, exactly as written there.
fn kubelet_rule() -> Value {
    let commented =
        "# - apiGroups: [\"\"]\n#   resources: [\"nodes/proxy\"]\n#   verbs: [\"get\"]\n";
    assert!(RBAC.contains(commented), "the file ships the opt-in rule");
    json!({"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]})
}

/// The documented grant with the opt-in kubelet rule.
fn grant_with_kubelet() -> Grant {
    grant().with_rule(CLUSTER_ROLE, kubelet_rule())
}

/// The grant of a read-only user: every `get` and `list` of the file, nothing else.
fn read_only() -> Grant {
    let all = grant();
    all.verbs()
        .iter()
        .filter(|v| v.verb != "get" && v.verb != "list")
        .fold(all.clone(), |g, v| g.without(v))
}

async fn as_user(env: &Env, user: &TestUser, args: &[&str]) -> Run {
    let kubeconfig = user.kubeconfig.to_str().expect("kubeconfig path is UTF-8");
    env.plugin_raw(&["--kubeconfig", kubeconfig, "-n", &env.ns], args)
        .await
}

/// A fresh user, shown to have no rights: the claim map is refused before anything is bound.
async fn fresh_user(env: &Env, name: &str) -> TestUser {
    let user = env.e2e.new_user(name).await;
    let refused = as_user(env, &user, MAP_WEB).await;
    assert_ne!(refused.code, 0, "nothing bound yet: {refused:?}");
    assert!(refused.stderr.contains("forbidden"), "{}", refused.stderr);
    user
}

/// Asserts a refusal as the issue words it: exit 1, one `error:` line naming `verb` and the
/// resource, and a `hint:` with the `kubectl auth can-i` command.
fn assert_refused(run: &Run, verb: &GrantedVerb, what: &str) {
    assert_eq!(run.code, 1, "{what} without {verb}: {run:?}");
    assert!(
        verb.is_named_in(&run.stderr),
        "{what} without {verb} names neither the verb nor the resource:\n{}",
        run.stderr
    );
    let errors = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .count();
    assert_eq!(errors, 1, "one error line: {}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("hint:")
                && l.contains(&format!("kubectl auth can-i {}", verb.verb))),
        "a hint with kubectl auth can-i {}: {}",
        verb.verb,
        run.stderr
    );
}

/// The verb of `grant` on `resource`, by name (panics if the file has no such verb).
fn granted(grant: &Grant, resource: &str, verb: &str) -> GrantedVerb {
    grant
        .verbs()
        .into_iter()
        .find(|v| v.resource == resource && v.verb == verb)
        .unwrap_or_else(|| panic!("the file grants {verb} {resource}"))
}

/// The claims of the first item of a `StatefulSetClaims` or `StatefulSetClaimUsage` document.
fn claims(run: &Run) -> Vec<Value> {
    run.json()["items"][0]["claims"]
        .as_array()
        .unwrap_or_else(|| panic!("claims in {}", run.stdout))
        .clone()
}

fn claim<'a>(claims: &'a [Value], pvc: &str) -> &'a Value {
    claims
        .iter()
        .find(|c| c["pvc"] == pvc)
        .unwrap_or_else(|| panic!("{pvc} in {claims:?}"))
}

/// web with 3 replicas scaled to 2: data-web-2 is left orphaned.
async fn web_with_an_orphan(env: &Env) {
    env.create_sts(sts_manifest("web", 3, &[("data", "64Mi")]))
        .await;
    env.wait_ready("web", 3).await;
    env.scale("web", 2).await;
    env.wait_ready("web", 2).await;
}

/// The requested size and UID of each claim, by name.
async fn claims_now(env: &Env) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = env
        .pvc_api()
        .list(&Default::default())
        .await
        .expect("list claims")
        .items
        .into_iter()
        .map(|c| {
            (
                c.metadata.name.clone().unwrap_or_default(),
                c.metadata.uid.clone().unwrap_or_default(),
                sts_sim::testing::storage_request(c.spec.as_ref()),
            )
        })
        .collect();
    out.sort();
    out
}

fn backups(env: &Env) -> Vec<PathBuf> {
    std::fs::read_dir(env.backups.path())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

async fn sts_uid(env: &Env, name: &str) -> Option<String> {
    env.sts_api()
        .get_opt(name)
        .await
        .expect("get statefulset")
        .and_then(|s| s.metadata.uid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_prune_need_only_the_documented_rbac() {
    let env = Env::start().await;
    web_with_an_orphan(&env).await;
    let user = fresh_user(&env, "pvc-reader").await;
    grant().bind(&env.e2e, &user);

    let map = as_user(&env, &user, MAP_WEB).await;
    assert_eq!(map.code, 0, "the claim map: {}", map.stderr);
    assert!(map.stdout.contains("data-web-2"), "{}", map.stdout);
    let doc = as_user(&env, &user, MAP_WEB_JSON).await;
    assert_eq!(doc.code, 0, "{doc:?}");
    let rows = claims(&doc);
    assert_eq!(claim(&rows, "data-web-2")["state"], "Orphaned");
    assert_eq!(claim(&rows, "data-web-0")["state"], "Bound");
    assert_eq!(
        claim(&rows, "data-web-0")["reclaimPolicy"],
        "Delete",
        "PersistentVolumes are read"
    );
    let orphans = as_user(&env, &user, &["web", "--orphans"]).await;
    assert_eq!(orphans.code, 1, "orphans found, not an error: {orphans:?}");
    assert!(orphans.stdout.contains("data-web-2"), "{}", orphans.stdout);

    let usage = as_user(&env, &user, USAGE).await;
    assert_eq!(usage.code, 0, "usage: {}", usage.stderr);
    for pvc in ["data-web-0", "data-web-1"] {
        assert!(
            claim(&claims(&usage), pvc)["usedBytes"].is_u64(),
            "{pvc} measured: {}",
            usage.stdout
        );
    }
    // The kubelet source needs the opt-in rule: refused without it, naming nodes/proxy.
    let refused = as_user(&env, &user, USAGE_KUBELET).await;
    let opt_in = grant_with_kubelet();
    assert_refused(
        &refused,
        &granted(&opt_in, "nodes/proxy", "get"),
        "usage --source kubelet",
    );
    opt_in.bind(&env.e2e, &user);
    let kubelet = as_user(&env, &user, USAGE_KUBELET).await;
    assert_eq!(kubelet.code, 0, "usage --source kubelet: {kubelet:?}");
    assert_eq!(kubelet.json()["items"][0]["source"], "kubelet");
    for pvc in ["data-web-0", "data-web-1"] {
        assert!(
            claim(&claims(&kubelet), pvc)["usedBytes"].is_u64(),
            "{pvc} measured by the kubelet: {}",
            kubelet.stdout
        );
    }
    grant().bind(&env.e2e, &user);

    let shown = as_user(&env, &user, &["retention", "web"]).await;
    assert_eq!(shown.code, 0, "retention: {shown:?}");
    let retention = as_user(&env, &user, RETENTION_DRY_RUN).await;
    assert_eq!(
        retention.code, 0,
        "retention --dry-run: {}",
        retention.stderr
    );
    let set = as_user(
        &env,
        &user,
        &["retention", "web", "--when-deleted", "Delete"],
    )
    .await;
    assert_eq!(set.code, 0, "retention --when-deleted: {set:?}");
    let policy = env
        .sts_api()
        .get("web")
        .await
        .unwrap()
        .spec
        .unwrap()
        .persistent_volume_claim_retention_policy
        .expect("the policy is set");
    assert_eq!(policy.when_deleted.as_deref(), Some("Delete"));

    let dry = as_user(&env, &user, &["prune", "web"]).await;
    assert_eq!(dry.code, 0, "prune (dry run): {dry:?}");
    assert!(dry.stdout.contains("data-web-2"), "{}", dry.stdout);
    assert!(
        env.claim_names().await.contains(&"data-web-2".to_string()),
        "a dry run deletes nothing"
    );
    let prune = as_user(&env, &user, PRUNE_YES).await;
    assert_eq!(prune.code, 0, "prune --yes: {}", prune.stderr);
    env.wait_claims("the orphaned claim to go", |names| {
        !names.iter().any(|n| n == "data-web-2")
    })
    .await;
    assert_eq!(env.claim_names().await, ["data-web-0", "data-web-1"]);

    // Without the pods/exec rule usage names what is missing and how to check.
    let without_exec = RBAC.replace(
        "resources: [\"pods/exec\"]",
        "resources: [\"pods/nothing\"]",
    );
    assert_ne!(without_exec, RBAC, "the Role has a pods/exec rule");
    Grant::parse(&without_exec).bind(&env.e2e, &user);
    let usage = as_user(&env, &user, &["usage", "web"]).await;
    assert_ne!(usage.code, 0, "{usage:?}");
    assert!(
        usage.stderr.contains("pods/exec") && usage.stderr.contains("kubectl auth can-i create"),
        "{}",
        usage.stderr
    );
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resize_and_restore_need_only_the_documented_rbac() {
    let env = Env::start().await;
    env.create_sts(sts_manifest("web", 3, &[("data", "64Mi")]))
        .await;
    env.wait_ready("web", 3).await;
    let pods_before = env.pod_uids().await;
    let uid_before = sts_uid(&env, "web").await;
    let user = fresh_user(&env, "pvc-resizer").await;
    grant().bind(&env.e2e, &user);

    let run = as_user(&env, &user, RESIZE).await;
    assert_eq!(run.code, 0, "resize: {run:?}");
    assert!(
        run.stdout.contains("3 pod(s) adopted with unchanged UIDs"),
        "{}",
        run.stdout
    );
    assert_ne!(sts_uid(&env, "web").await, uid_before, "re-created");
    assert_resized(&env, &pods_before).await;
    let [backup] = backups(&env).try_into().expect("one backup written");
    let backup = backup.to_str().expect("UTF-8 path").to_string();

    // Half-done: the StatefulSet deleted (pods orphaned) and not re-created, as when a resize
    // stops between its delete and its create.
    let out = env
        .e2e
        .kubectl(&["delete", "statefulset", "web", "--cascade=orphan"]);
    assert!(out.status.success(), "{}", stderr(&out));
    kube_sts::api::wait::until(
        env.sts_api(),
        watcher::Config::default(),
        Duration::from_secs(30),
        "web to be deleted",
        |objs: &std::collections::BTreeMap<String, StatefulSet>| !objs.contains_key("web"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    // A read-only user can plan the restore; the plan changes nothing.
    read_only().bind(&env.e2e, &user);
    let dry = as_user(&env, &user, &["restore", "--from", &backup, "--dry-run"]).await;
    assert_eq!(
        dry.code, 0,
        "restore --dry-run as a read-only user: {dry:?}"
    );
    assert_eq!(
        sts_uid(&env, "web").await,
        None,
        "a dry run creates nothing"
    );

    // Without create statefulsets the restore is refused before it changes anything.
    let all = grant();
    let create = granted(&all, "statefulsets", "create");
    all.without(&create).bind(&env.e2e, &user);
    let claims_before = claims_now(&env).await;
    let refused = as_user(&env, &user, &["restore", "--from", &backup]).await;
    assert_refused(&refused, &create, "restore");
    assert!(
        refused.stderr.contains("nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(sts_uid(&env, "web").await, None, "nothing re-created");
    assert_eq!(claims_now(&env).await, claims_before, "claims unchanged");

    all.bind(&env.e2e, &user);
    let restore = as_user(&env, &user, &["restore", "--from", &backup]).await;
    assert_eq!(restore.code, 0, "restore: {restore:?}");
    let sts = env.sts_api().get("web").await.unwrap();
    assert_eq!(template_storage(&sts), "256Mi", "re-created grown");
    assert_resized(&env, &pods_before).await;
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutating_commands_check_first_and_change_nothing_when_refused() {
    let env = Env::start().await;
    web_with_an_orphan(&env).await;
    let user = fresh_user(&env, "pvc-checked").await;
    let uid_before = sts_uid(&env, "web").await;
    let claims_before = claims_now(&env).await;

    // Dry runs need no mutating verb.
    read_only().bind(&env.e2e, &user);
    let mut resize_dry = RESIZE.to_vec();
    resize_dry.push("--dry-run");
    let dry = as_user(&env, &user, &resize_dry).await;
    assert_eq!(dry.code, 0, "resize --dry-run as a read-only user: {dry:?}");
    assert!(
        dry.stdout.contains("propagationPolicy=Orphan"),
        "{}",
        dry.stdout
    );
    for args in [
        &["prune", "web"][..],
        &["prune", "web", "--yes", "--dry-run"],
    ] {
        let dry = as_user(&env, &user, args).await;
        assert_eq!(dry.code, 0, "{args:?} as a read-only user: {dry:?}");
        assert!(dry.stdout.contains("data-web-2"), "{}", dry.stdout);
    }
    assert!(backups(&env).is_empty(), "a dry run writes no backup");

    // Each mutating verb of resize, taken away: refused before the first change.
    let all = grant();
    for (resource, verb) in [
        ("statefulsets", "delete"),
        ("statefulsets", "create"),
        ("persistentvolumeclaims", "patch"),
    ] {
        let taken = granted(&all, resource, verb);
        all.without(&taken).bind(&env.e2e, &user);
        let refused = as_user(&env, &user, RESIZE).await;
        assert_refused(&refused, &taken, "resize");
        assert!(
            refused
                .stderr
                .contains("checked before changing anything; nothing was changed"),
            "{}",
            refused.stderr
        );
        assert_eq!(
            sts_uid(&env, "web").await,
            uid_before,
            "the same StatefulSet"
        );
        assert_eq!(claims_now(&env).await, claims_before, "claims unchanged");
        assert!(backups(&env).is_empty(), "no backup written");
    }
    let sts = env.sts_api().get("web").await.unwrap();
    assert_eq!(template_storage(&sts), "64Mi");

    // prune --yes without delete on claims: the orphan stays.
    let taken = granted(&all, "persistentvolumeclaims", "delete");
    all.without(&taken).bind(&env.e2e, &user);
    let refused = as_user(&env, &user, PRUNE_YES).await;
    assert_refused(&refused, &taken, "prune --yes");
    assert!(
        refused.stderr.contains("nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(claims_now(&env).await, claims_before, "the orphan is kept");
    env.cleanup().await;
}

/// How a command shows that it lacks a verb.
#[derive(Debug, Clone, Copy)]
enum Shows {
    /// It fails, naming the verb and the resource (exit 1, `error:` and `hint:`).
    Refusal,
    /// An optional read: the command still succeeds, without what the verb reads. The map
    /// leaves the reclaim policy out without PersistentVolumes, and a note names the refused
    /// read.
    NoReclaimPolicy,
    /// An optional read: without events the map explains a Pending claim from the
    /// StorageClasses instead of with the provisioner's event.
    NoPendingEvent,
}

/// The table: which commands need each verb of the file, and how they show it. Keep it in
/// agreement with the comments in deploy/rbac/sts-pvc.yaml.
fn needed_by(v: &GrantedVerb) -> (&'static [&'static [&'static str]], Shows) {
    use Shows::*;
    match (v.resource.as_str(), v.verb.as_str()) {
        ("statefulsets", "get") => (&[MAP_WEB, USAGE], Refusal),
        ("statefulsets", "list") => (&[MAP_ALL, RESIZE], Refusal),
        ("statefulsets", "watch") => (&[RESIZE], Refusal),
        ("statefulsets", "patch") => (&[RETENTION_DRY_RUN], Refusal),
        ("statefulsets", "create") => (&[RESIZE], Refusal),
        ("statefulsets", "delete") => (&[RESIZE], Refusal),
        ("pods", "list") => (&[MAP_WEB, USAGE], Refusal),
        ("pods", "watch") => (&[RESIZE], Refusal),
        ("events", "list") => (&[MAP_PENDING_JSON], NoPendingEvent),
        ("persistentvolumeclaims", "list") => (&[MAP_WEB, RESIZE], Refusal),
        ("persistentvolumeclaims", "watch") => (&[RESIZE], Refusal),
        ("persistentvolumeclaims", "patch") => (&[RESIZE], Refusal),
        ("persistentvolumeclaims", "delete") => (&[PRUNE_YES], Refusal),
        ("pods/exec", "create") => (&[USAGE], Refusal),
        ("pods/exec", "get") => (&[USAGE], Refusal),
        ("persistentvolumes", "list") => (&[MAP_WEB_JSON], NoReclaimPolicy),
        ("storageclasses", "list") => (&[RESIZE], Refusal),
        ("nodes/proxy", "get") => (&[USAGE_KUBELET], Refusal),
        _ => panic!(
            "no command in the table needs {v}: add the command that does, or drop it from the Role"
        ),
    }
}

/// The claim of the `pending` StatefulSet: its pending reason in the map, as `user`.
async fn pending_reason(env: &Env, user: &TestUser) -> String {
    let run = as_user(env, user, MAP_PENDING_JSON).await;
    assert_eq!(run.code, 0, "{run:?}");
    claim(&claims(&run), "data-pending-0")["pending"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("a pending reason in {}", run.stdout))
        .to_string()
}

/// The scenario every verb is tried in: web with an orphan (prune, resize, usage), and
/// `pending`, whose claim names a StorageClass that does not exist, once the provisioner has
/// said so in an event.
async fn minimality_scenario(env: &Env) {
    web_with_an_orphan(env).await;
    let manifest = with(
        sts_manifest("pending", 1, &[("data", "64Mi")]),
        "/spec/volumeClaimTemplates/0/spec/storageClassName",
        json!("no-such-class"),
    );
    env.create_sts(manifest).await;
    let events: Api<Event> = Api::namespaced(env.client.clone(), &env.ns);
    kube_sts::api::wait::until(
        events,
        watcher::Config::default(),
        Duration::from_secs(30),
        "the provisioner's event about data-pending-0",
        |objs| {
            objs.values()
                .any(|e| e.involved_object.name.as_deref() == Some("data-pending-0"))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Takes each verb of `verbs` away from `full` in turn and checks that a command of the table
/// shows it needs it; re-binds `full` after each.
async fn each_is_needed(env: &Env, user: &TestUser, full: &Grant, verbs: &[GrantedVerb]) {
    full.bind(&env.e2e, user);
    let with_event = pending_reason(env, user).await;
    assert_eq!(with_event, "ProvisioningFailed", "the provisioner's event");
    let uid_before = sts_uid(env, "web").await;
    for v in verbs {
        let (commands, shows) = needed_by(v);
        full.without(v).bind(&env.e2e, user);
        match shows {
            Shows::Refusal => {
                let mut runs = Vec::new();
                for args in commands {
                    runs.push((args, as_user(env, user, args).await));
                }
                let refusal = runs
                    .iter()
                    .find(|(_, run)| run.code != 0 && v.is_named_in(&run.stderr));
                match refusal {
                    Some((args, run)) => assert_refused(run, v, &args.join(" ")),
                    None => {
                        panic!("without {v}, none of {commands:?} is refused naming it: {runs:?}")
                    }
                }
            }
            Shows::NoReclaimPolicy => {
                let run = as_user(env, user, commands[0]).await;
                assert_eq!(run.code, 0, "without {v}: {run:?}");
                assert!(
                    claim(&claims(&run), "data-web-0")["reclaimPolicy"].is_null(),
                    "without {v} no reclaim policy: {}",
                    run.stdout
                );
                assert!(
                    v.is_named_in(&run.stderr),
                    "a note names what could not be read: {}",
                    run.stderr
                );
            }
            Shows::NoPendingEvent => {
                let reason = pending_reason(env, user).await;
                assert_ne!(reason, with_event, "without {v} the event is not read");
            }
        }
        full.bind(&env.e2e, user);
    }
    assert_eq!(
        sts_uid(env, "web").await,
        uid_before,
        "no refused resize changed anything"
    );
}

/// The minimality test over the verbs of the Role that `pick` selects (split so that the
/// halves run in parallel).
async fn role_verbs_are_needed(user_name: &str, pick: impl Fn(&GrantedVerb) -> bool) {
    let env = Env::start().await;
    minimality_scenario(&env).await;
    let user = fresh_user(&env, user_name).await;
    let full = grant();
    let verbs: Vec<GrantedVerb> = full
        .verbs()
        .into_iter()
        .filter(|v| v.role.starts_with("Role/") && pick(v))
        .collect();
    assert!(verbs.len() >= 6, "the Role's verbs: {verbs:?}");
    each_is_needed(&env, &user, &full, &verbs).await;
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verb_of_the_role_on_statefulsets_is_needed() {
    role_verbs_are_needed("pvc-minimal-sts", |v| v.resource == "statefulsets").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_other_verb_of_the_role_is_needed() {
    role_verbs_are_needed("pvc-minimal-rest", |v| v.resource != "statefulsets").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verb_of_the_cluster_role_and_the_opt_in_rule_is_needed() {
    let env = Env::start().await;
    minimality_scenario(&env).await;
    let user = fresh_user(&env, "pvc-minimal-cluster").await;
    let full = grant_with_kubelet();
    let verbs: Vec<GrantedVerb> = full
        .verbs()
        .into_iter()
        .filter(|v| v.role == CLUSTER_ROLE)
        .collect();
    assert!(
        verbs.iter().any(|v| v.resource == "nodes/proxy"),
        "the opt-in rule is tried too: {verbs:?}"
    );
    each_is_needed(&env, &user, &full, &verbs).await;
    env.cleanup().await;
}

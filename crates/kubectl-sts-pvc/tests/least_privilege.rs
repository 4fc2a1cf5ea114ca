//! `kubectl sts-pvc` under exactly its documented RBAC (deploy/rbac/sts-pvc.yaml: the Role and
//! the read-only ClusterRole), bound to a fresh user: the claim map, `--orphans`, `usage`,
//! `retention` and `prune --yes` succeed, and without the `pods/exec` rule `usage` is refused
//! naming the verb and the resource.

mod common;

use common::*;
use sts_sim::testing::{stderr, Run, TestUser};

const RBAC: &str = include_str!("../../../deploy/rbac/sts-pvc.yaml");

/// Applies `rbac` (the Role and ClusterRole) and binds both to `user`.
fn bind(env: &Env, rbac: &str, user: &TestUser) {
    let t = &env.e2e;
    let out = t.kubectl_stdin(&["apply", "-f", "-"], rbac);
    assert!(out.status.success(), "{}", stderr(&out));
    let subject = &user.subject;
    let bindings = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: sts-pvc}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: kubectl-sts-pvc}}\nsubjects: [{subject}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: sts-pvc-{ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubectl-sts-pvc-read}}\nsubjects: [{subject}]\n",
        ns = t.namespace
    );
    let out = t.kubectl_stdin(&["apply", "-f", "-"], &bindings);
    assert!(out.status.success(), "{}", stderr(&out));
}

async fn as_user(env: &Env, user: &TestUser, args: &[&str]) -> Run {
    let kubeconfig = user.kubeconfig.to_str().expect("kubeconfig path is UTF-8");
    env.plugin_raw(&["--kubeconfig", kubeconfig, "-n", &env.ns], args)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_commands_need_only_the_documented_rbac() {
    let env = Env::start().await;
    env.create_sts(sts_manifest("web", 3, &[("data", "64Mi")]))
        .await;
    env.wait_ready("web", 3).await;
    env.scale("web", 2).await;
    env.wait_ready("web", 2).await;
    let user = env.e2e.new_user("pvc-operator").await;
    let refused = as_user(&env, &user, &["web"]).await;
    assert_ne!(refused.code, 0, "nothing bound yet: {refused:?}");

    bind(&env, RBAC, &user);
    let map = as_user(&env, &user, &["web"]).await;
    assert_eq!(map.code, 0, "the claim map: {}", map.stderr);
    assert!(map.stdout.contains("data-web-2"), "{}", map.stdout);
    let orphans = as_user(&env, &user, &["web", "--orphans"]).await;
    assert_eq!(orphans.code, 1, "orphans found, not an error: {orphans:?}");
    let usage = as_user(&env, &user, &["usage", "web"]).await;
    assert_eq!(usage.code, 0, "usage: {}", usage.stderr);
    let retention = as_user(
        &env,
        &user,
        &["retention", "web", "--when-scaled", "Retain", "--dry-run"],
    )
    .await;
    assert_eq!(retention.code, 0, "retention: {}", retention.stderr);
    let prune = as_user(&env, &user, &["prune", "web", "--yes"]).await;
    assert_eq!(prune.code, 0, "prune --yes: {}", prune.stderr);
    env.wait_claims("the orphaned claim to go", |names| {
        !names.iter().any(|n| n == "data-web-2")
    })
    .await;

    // Minimality of the exec rule: without it usage names what is missing and how to check.
    let without_exec = RBAC.replace(
        "resources: [\"pods/exec\"]",
        "resources: [\"pods/nothing\"]",
    );
    assert_ne!(without_exec, RBAC, "the Role has a pods/exec rule");
    bind(&env, &without_exec, &user);
    let usage = as_user(&env, &user, &["usage", "web"]).await;
    assert_ne!(usage.code, 0, "{usage:?}");
    assert!(
        usage.stderr.contains("pods/exec") && usage.stderr.contains("kubectl auth can-i create"),
        "{}",
        usage.stderr
    );
}

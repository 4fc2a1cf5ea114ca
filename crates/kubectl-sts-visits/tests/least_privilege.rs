//! `kubectl sts-visits` under exactly its Role (deploy/rbac/sts-visits.yaml), bound to a
//! fresh user: the default (exec) and `--http` runs succeed, and without the `pods/exec` rule
//! the default run is refused naming the verb and the resource.

mod common;

use common::*;
use sts_sim::testing::{stderr, E2e};

const ROLE: &str = include_str!("../../../deploy/rbac/sts-visits.yaml");

fn bind(t: &E2e, role_yaml: &str, subject: &serde_json::Value) {
    let out = t.kubectl_stdin(&["apply", "-f", "-"], role_yaml);
    assert!(out.status.success(), "{}", stderr(&out));
    let binding = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: sts-visits}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: kubectl-sts-visits}}\nsubjects: [{subject}]\n"
    );
    let out = t.kubectl_stdin(&["apply", "-f", "-"], &binding);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_and_http_runs_need_only_the_role() {
    let t = E2e::start().await;
    deploy(&t, "web", 2).await;
    visit_pod(&t, "web-0").await;
    visit_pod(&t, "web-1").await;
    let user = t.new_user("visits-reader").await;
    let refused = plugin_as(&t, &user.kubeconfig, &["web"]).await;
    assert_ne!(refused.code, 0, "nothing bound yet: {refused:?}");

    bind(&t, ROLE, &user.subject);
    for args in [&["web"][..], &["web", "--http", "8080/visits"][..]] {
        let run = plugin_as(&t, &user.kubeconfig, args).await;
        assert_eq!(run.code, 0, "{args:?} under the Role: {}", run.stderr);
    }

    // Minimality of the exec rule: without it the default run names what is missing.
    let without_exec = ROLE.replace(
        "resources: [\"pods/exec\"]",
        "resources: [\"pods/nothing\"]",
    );
    assert_ne!(without_exec, ROLE, "the Role has a pods/exec rule");
    bind(&t, &without_exec, &user.subject);
    let run = plugin_as(&t, &user.kubeconfig, &["web"]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("pods/exec") && run.stderr.contains("create"),
        "{}",
        run.stderr
    );
    t.cleanup().await;
}

//! The ClusterRoles and ClusterRoleBindings a fresh cluster has, after upstream's
//! `plugin/pkg/auth/authorizer/rbac/bootstrappolicy`: `cluster-admin` (bound to
//! `system:masters`), the user-facing `admin`, `edit` and `view` (over the resources the
//! simulator serves), and the discovery roles every authenticated user is bound to.

use serde_json::{json, Value};

use crate::machinery::api;
use crate::machinery::resources;
use crate::state::State;

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> Value {
    json!({"verbs": verbs, "apiGroups": groups, "resources": resources})
}

fn view_rules() -> Vec<Value> {
    vec![
        rule(
            READ,
            &[""],
            &[
                "pods",
                "pods/status",
                "pods/log",
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "serviceaccounts",
                "services",
                "services/status",
                "events",
                "namespaces",
                "namespaces/status",
            ],
        ),
        rule(
            READ,
            &["apps"],
            &[
                "controllerrevisions",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status",
            ],
        ),
        rule(
            READ,
            &["policy"],
            &["poddisruptionbudgets", "poddisruptionbudgets/status"],
        ),
    ]
}

fn edit_rules() -> Vec<Value> {
    let mut rules = view_rules();
    rules.extend([
        rule(&["impersonate"], &[""], &["serviceaccounts"]),
        rule(
            WRITE,
            &[""],
            &[
                "pods",
                "pods/attach",
                "pods/proxy",
                "pods/exec",
                "pods/portforward",
            ],
        ),
        rule(&["create"], &[""], &["pods/eviction"]),
        rule(
            WRITE,
            &[""],
            &[
                "configmaps",
                "events",
                "persistentvolumeclaims",
                "secrets",
                "serviceaccounts",
                "services",
                "services/proxy",
                "endpoints",
            ],
        ),
        rule(&["create"], &[""], &["serviceaccounts/token"]),
        rule(READ, &[""], &["secrets"]),
        rule(WRITE, &["apps"], &["statefulsets", "statefulsets/scale"]),
        rule(WRITE, &["policy"], &["poddisruptionbudgets"]),
    ]);
    rules
}

fn admin_rules() -> Vec<Value> {
    let mut rules = edit_rules();
    rules.extend([
        rule(
            &[
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ],
            &["rbac.authorization.k8s.io"],
            &["rolebindings", "roles"],
        ),
        rule(
            &["create"],
            &["authorization.k8s.io"],
            &["localsubjectaccessreviews"],
        ),
    ]);
    rules
}

fn non_resource(verbs: &[&str], urls: &[&str]) -> Value {
    json!({"verbs": verbs, "nonResourceURLs": urls})
}

/// The default ClusterRoles: name and rules.
pub fn cluster_roles() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        (
            "cluster-admin",
            vec![rule(&["*"], &["*"], &["*"]), non_resource(&["*"], &["*"])],
        ),
        ("admin", admin_rules()),
        ("edit", edit_rules()),
        ("view", view_rules()),
        (
            "system:discovery",
            vec![non_resource(
                &["get"],
                &[
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
            )],
        ),
        (
            "system:basic-user",
            vec![
                rule(
                    &["create"],
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                ),
                rule(
                    &["create"],
                    &["authentication.k8s.io"],
                    &["selfsubjectreviews"],
                ),
            ],
        ),
        (
            "system:public-info-viewer",
            vec![non_resource(
                &["get"],
                &["/healthz", "/livez", "/readyz", "/version", "/version/"],
            )],
        ),
    ]
}

/// The default ClusterRoleBindings: name, role, subject groups.
pub fn cluster_role_bindings() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        ("cluster-admin", "cluster-admin", vec!["system:masters"]),
        (
            "system:discovery",
            "system:discovery",
            vec!["system:authenticated"],
        ),
        (
            "system:basic-user",
            "system:basic-user",
            vec!["system:authenticated"],
        ),
        (
            "system:public-info-viewer",
            "system:public-info-viewer",
            vec!["system:authenticated", "system:unauthenticated"],
        ),
    ]
}

fn bootstrap_meta(name: &str) -> Value {
    json!({
        "name": name,
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    })
}

/// Creates the default roles and bindings in a fresh cluster's store.
pub fn bootstrap(state: &State) -> anyhow::Result<()> {
    for (name, rules) in cluster_roles() {
        api::create(
            state,
            &resources::CLUSTERROLES,
            "",
            json!({"metadata": bootstrap_meta(name), "rules": rules}),
            false,
        )?;
    }
    for (name, role, groups) in cluster_role_bindings() {
        let subjects: Vec<Value> = groups
            .iter()
            .map(|g| json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": g}))
            .collect();
        api::create(
            state,
            &resources::CLUSTERROLEBINDINGS,
            "",
            json!({
                "metadata": bootstrap_meta(name),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": subjects
            }),
            false,
        )?;
    }
    Ok(())
}

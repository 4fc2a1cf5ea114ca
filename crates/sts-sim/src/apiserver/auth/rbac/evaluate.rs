//! The RBAC authorizer, as upstream's `plugin/pkg/auth/authorizer/rbac` and
//! `pkg/registry/rbac/validation` evaluate it: the rules of every ClusterRoleBinding, and of
//! every RoleBinding in the request's namespace, whose subjects name the user, one of its
//! groups or its ServiceAccount. `system:masters` is allowed everything.

use serde_json::{json, Value};

use crate::apiserver::auth::authn::{UserInfo, MASTERS};
use crate::apiserver::auth::authz::{Attributes, Decision};
use crate::apiserver::auth::rbac::rules::{rules_of, PolicyRule};
use crate::machinery::resources;
use crate::machinery::store::Store;

/// Whether a binding subject names `user` (`namespace` is the binding's, for
/// ServiceAccount subjects without one).
fn applies_to(subject: &Value, user: &UserInfo, namespace: &str) -> bool {
    let name = subject["name"].as_str().unwrap_or("");
    match subject["kind"].as_str().unwrap_or("") {
        "User" => user.name == name,
        "Group" => user.in_group(name),
        "ServiceAccount" => {
            let sa_ns = subject["namespace"]
                .as_str()
                .filter(|n| !n.is_empty())
                .unwrap_or(namespace);
            !sa_ns.is_empty() && user.name == format!("system:serviceaccount:{sa_ns}:{name}")
        }
        _ => false,
    }
}

fn binds(binding: &Value, user: &UserInfo, namespace: &str) -> bool {
    binding["subjects"]
        .as_array()
        .is_some_and(|s| s.iter().any(|s| applies_to(s, user, namespace)))
}

/// The rules `user` has in `namespace` (cluster-wide only when empty), and the errors met
/// (a binding naming a missing role), which upstream reports as `RBAC: ...`.
pub fn rules_for(
    store: &Store,
    user: &UserInfo,
    namespace: &str,
) -> (Vec<PolicyRule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let (crbs, _) = store.list(&resources::CLUSTERROLEBINDINGS, None);
    for b in crbs.iter().filter(|b| binds(b, user, "")) {
        let role = b["roleRef"]["name"].as_str().unwrap_or("");
        match store.get(&resources::CLUSTERROLES, "", role) {
            Some(r) => rules.extend(rules_of(&r)),
            None => errors.push(format!(
                "clusterrole.rbac.authorization.k8s.io \"{role}\" not found"
            )),
        }
    }
    if !namespace.is_empty() {
        let (rbs, _) = store.list(&resources::ROLEBINDINGS, Some(namespace));
        for b in rbs.iter().filter(|b| binds(b, user, namespace)) {
            let role = b["roleRef"]["name"].as_str().unwrap_or("");
            let found = match b["roleRef"]["kind"].as_str().unwrap_or("") {
                "ClusterRole" => store
                    .get(&resources::CLUSTERROLES, "", role)
                    .ok_or_else(|| {
                        format!("clusterrole.rbac.authorization.k8s.io \"{role}\" not found")
                    }),
                _ => store
                    .get(&resources::ROLES, namespace, role)
                    .ok_or_else(|| format!("role.rbac.authorization.k8s.io \"{role}\" not found")),
            };
            match found {
                Ok(r) => rules.extend(rules_of(&r)),
                Err(e) => errors.push(e),
            }
        }
    }
    (rules, errors)
}

/// Decides a request under RBAC.
pub fn authorize(store: &Store, user: &UserInfo, attrs: &Attributes) -> Decision {
    if user.in_group(MASTERS) {
        return Decision {
            allowed: true,
            reason: String::new(),
        };
    }
    let (rules, errors) = rules_for(store, user, &attrs.namespace);
    if rules.iter().any(|r| r.allows(attrs)) {
        return Decision {
            allowed: true,
            reason: "RBAC: allowed".to_string(),
        };
    }
    Decision {
        allowed: false,
        reason: if errors.is_empty() {
            String::new()
        } else {
            format!("RBAC: [{}]", errors.join(", "))
        },
    }
}

/// A SelfSubjectRulesReview's `status`: the rules as stored, split into resource and
/// non-resource rules.
pub fn rules_review(store: &Store, user: &UserInfo, namespace: &str) -> Value {
    let (rules, errors) = rules_for(store, user, namespace);
    let (non, res): (Vec<&PolicyRule>, Vec<&PolicyRule>) =
        rules.iter().partition(|r| !r.non_resource_urls.is_empty());
    let mut s = json!({
        "resourceRules": res.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        "nonResourceRules": non.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        "incomplete": !errors.is_empty(),
    });
    if !errors.is_empty() {
        s["evaluationError"] = json!(errors.join(", "));
    }
    s
}

/// The Forbidden message upstream writes for a denied request (without the `RBAC:` reason).
pub fn forbidden_message(user: &UserInfo, attrs: &Attributes) -> String {
    if attrs.resource.is_empty() {
        return format!(
            "forbidden: User \"{}\" cannot {} path \"{}\"",
            user.name, attrs.verb, attrs.path
        );
    }
    let resource = if attrs.subresource.is_empty() {
        attrs.resource.clone()
    } else {
        format!("{}/{}", attrs.resource, attrs.subresource)
    };
    let qualified = if attrs.group.is_empty() {
        attrs.resource.clone()
    } else {
        format!("{}.{}", attrs.resource, attrs.group)
    };
    let object = if attrs.name.is_empty() {
        qualified
    } else {
        format!("{qualified} \"{}\"", attrs.name)
    };
    let scope = if attrs.namespace.is_empty() {
        " at the cluster scope".to_string()
    } else {
        format!(" in the namespace \"{}\"", attrs.namespace)
    };
    format!(
        "{object} is forbidden: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\"{scope}",
        user.name, attrs.verb, attrs.group
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::api;
    use crate::state::State;

    fn user(name: &str, groups: &[&str]) -> UserInfo {
        let g: Vec<String> = groups.iter().map(|s| s.to_string()).collect();
        UserInfo::authenticated(name, "", &g)
    }

    fn attrs(verb: &str, resource: &str, sub: &str, ns: &str, name: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: ns.into(),
            name: name.into(),
            ..Attributes::default()
        }
    }

    #[test]
    fn bindings_grant_what_their_roles_say() {
        let st = State::new(crate::ClusterOptions::default());
        for ns in ["prod", "dev"] {
            api::create(
                &st,
                &resources::NAMESPACES,
                "",
                json!({"metadata": {"name": ns}}),
                false,
            )
            .unwrap();
        }
        api::create(
            &st,
            &resources::ROLES,
            "prod",
            json!({
                "metadata": {"name": "exec"},
                "rules": [{"verbs": ["create"], "apiGroups": [""], "resources": ["pods/exec"]}]
            }),
            false,
        )
        .unwrap();
        api::create(&st, &resources::ROLEBINDINGS, "prod", json!({
            "metadata": {"name": "alice-exec"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "exec"},
            "subjects": [
                {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
                {"kind": "ServiceAccount", "name": "bot"},
                {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "ops"}
            ]
        }), false).unwrap();
        let exec = attrs("create", "pods", "exec", "prod", "web-0");
        let store = &st.store;
        assert!(authorize(store, &user("alice", &[]), &exec).allowed);
        assert!(authorize(store, &user("system:serviceaccount:prod:bot", &[]), &exec).allowed);
        assert!(authorize(store, &user("carol", &["ops"]), &exec).allowed);
        assert!(!authorize(store, &user("bob", &[]), &exec).allowed);
        assert!(
            !authorize(
                store,
                &user("alice", &[]),
                &attrs("create", "pods", "exec", "dev", "web-0")
            )
            .allowed
        );
        assert!(
            !authorize(
                store,
                &user("alice", &[]),
                &attrs("get", "pods", "", "prod", "web-0")
            )
            .allowed
        );
        assert!(
            authorize(
                store,
                &user("root", &[MASTERS]),
                &attrs("delete", "nodes", "", "", "n")
            )
            .allowed
        );
        assert_eq!(
            forbidden_message(&user("alice", &[]), &attrs("create", "pods", "exec", "dev", "web-0")),
            "pods \"web-0\" is forbidden: User \"alice\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"dev\""
        );

        // A binding to a missing role is reported as upstream does.
        api::create(&st, &resources::ROLEBINDINGS, "dev", json!({
            "metadata": {"name": "dangling"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "gone"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}]
        }), false).unwrap();
        let d = authorize(
            store,
            &user("alice", &[]),
            &attrs("get", "pods", "", "dev", ""),
        );
        assert_eq!(
            d.reason,
            "RBAC: [role.rbac.authorization.k8s.io \"gone\" not found]"
        );
        let review = rules_review(store, &user("alice", &[]), "prod");
        assert_eq!(review["resourceRules"][0]["resources"][0], "pods/exec");
        assert_eq!(review["incomplete"], false);
    }
}

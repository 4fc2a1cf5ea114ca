//! A plugin's documented RBAC in a test: `deploy/rbac/<plugin>.yaml` applied in the test
//! namespace and bound to a [`TestUser`], and taken apart one verb at a time for the
//! minimality tests. ClusterRoles and ClusterRoleBindings get the test namespace in their
//! names and a label, so that tests sharing one real cluster never share them and
//! [`E2e::cleanup`] finds them.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{stderr, E2e, TestUser};

/// Label on the cluster-scoped objects a test creates: the test namespace.
pub const NAMESPACE_LABEL: &str = "kubectl-sts.io/e2e-namespace";

/// The Roles and ClusterRoles of one RBAC file.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    roles: Vec<Value>,
    /// Verbs [`Grant::without`] took away, so that [`Grant::bind`] can wait on a real cluster
    /// until they are refused.
    removed: Vec<GrantedVerb>,
}

/// One verb of one rule of a Role or ClusterRole: the smallest piece a minimality test takes
/// away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedVerb {
    /// `Role/kubectl-sts-pvc` or `ClusterRole/kubectl-sts-pvc-read`, as the file names it.
    pub role: String,
    /// Index of the rule in the role.
    pub rule: usize,
    /// API group (`""` for core).
    pub group: String,
    /// Resource, with its subresource (`pods/exec`).
    pub resource: String,
    /// The verb.
    pub verb: String,
}

impl std::fmt::Display for GrantedVerb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let group = if self.group.is_empty() {
            "core"
        } else {
            &self.group
        };
        write!(
            f,
            "{} rule {}: {} {} ({group})",
            self.role, self.rule, self.verb, self.resource
        )
    }
}

impl GrantedVerb {
    /// Whether a plugin's error output names this verb and resource the way a refusal does:
    /// `cannot VERB` and the resource (plural as RBAC spells it, or singular as users type it).
    pub fn is_named_in(&self, text: &str) -> bool {
        let resource = self.resource.as_str();
        let singular = singular(resource);
        text.contains(&format!("cannot {} ", self.verb))
            && (text.contains(resource) || text.contains(&singular))
    }
}

fn singular(resource: &str) -> String {
    if resource.contains('/') {
        return resource.to_string();
    }
    if let Some(stem) = resource.strip_suffix("sses") {
        return format!("{stem}ss");
    }
    resource.strip_suffix('s').unwrap_or(resource).to_string()
}

impl Grant {
    /// The Roles and ClusterRoles of a multi-document RBAC file (comments and all).
    pub fn parse(yaml: &str) -> Grant {
        let roles = serde_norway::Deserializer::from_str(yaml)
            .map(|doc| Value::deserialize(doc).expect("RBAC file is YAML"))
            .filter(|doc| !doc.is_null())
            .collect::<Vec<_>>();
        for role in &roles {
            let kind = role["kind"].as_str().unwrap_or_default();
            assert!(
                kind == "Role" || kind == "ClusterRole",
                "an RBAC file holds Roles and ClusterRoles, not {kind}"
            );
        }
        Grant {
            roles,
            removed: Vec::new(),
        }
    }

    /// Every verb of every rule, in file order.
    pub fn verbs(&self) -> Vec<GrantedVerb> {
        let mut all = Vec::new();
        for role in &self.roles {
            let role_name = role_key(role);
            let rules = role["rules"].as_array().cloned().unwrap_or_default();
            for (index, rule) in rules.iter().enumerate() {
                for group in strings(&rule["apiGroups"]) {
                    for resource in strings(&rule["resources"]) {
                        for verb in strings(&rule["verbs"]) {
                            all.push(GrantedVerb {
                                role: role_name.clone(),
                                rule: index,
                                group: group.clone(),
                                resource: resource.clone(),
                                verb,
                            });
                        }
                    }
                }
            }
        }
        all
    }

    /// The same grant with one verb taken away (the rule goes when it has nothing left).
    pub fn without(&self, taken: &GrantedVerb) -> Grant {
        let mut next = self.clone();
        next.removed.push(taken.clone());
        let role = next
            .roles
            .iter_mut()
            .find(|r| role_key(r) == taken.role)
            .expect("the verb's role is in the grant");
        let rules = role["rules"].as_array_mut().expect("rules");
        let rule = rules[taken.rule].clone();
        let mut split = Vec::new();
        // Keep every other (group, resource, verb) of the rule: one rule per group/resource.
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                let verbs: Vec<String> = strings(&rule["verbs"])
                    .into_iter()
                    .filter(|v| {
                        !(group == taken.group && resource == taken.resource && *v == taken.verb)
                    })
                    .collect();
                if !verbs.is_empty() {
                    let mut kept = rule.clone();
                    kept["apiGroups"] = json!([group]);
                    kept["resources"] = json!([resource]);
                    kept["verbs"] = json!(verbs);
                    split.push(kept);
                }
            }
        }
        rules.splice(taken.rule..=taken.rule, split);
        next
    }

    /// The same grant with `rule` added to the role named `role` (`ClusterRole/NAME`): for an
    /// opt-in rule that the file ships commented out.
    pub fn with_rule(&self, role: &str, rule: Value) -> Grant {
        let mut next = self.clone();
        let found = next
            .roles
            .iter_mut()
            .find(|r| role_key(r) == role)
            .expect("the role is in the grant");
        found["rules"].as_array_mut().expect("rules").push(rule);
        next
    }

    /// Applies the roles in the test namespace and binds each to `user` (a RoleBinding per
    /// Role, a ClusterRoleBinding per ClusterRole). Applying again replaces the rules.
    pub fn bind(&self, t: &E2e, user: &TestUser) {
        let mut docs = Vec::new();
        for role in &self.roles {
            let mut role = role.clone();
            let kind = role["kind"].as_str().unwrap_or_default().to_string();
            let name = role["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let binding = if kind == "ClusterRole" {
                let scoped = format!("{name}-{}", t.namespace);
                role["metadata"]["name"] = json!(scoped);
                role["metadata"]["labels"] = json!({ NAMESPACE_LABEL: t.namespace });
                let binding = json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": scoped, "labels": { NAMESPACE_LABEL: t.namespace }},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": scoped},
                    "subjects": [user.subject],
                });
                binding
            } else {
                let binding = json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "RoleBinding",
                    "metadata": {"name": name},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                    "subjects": [user.subject],
                });
                binding
            };
            docs.push(role);
            docs.push(binding);
        }
        // A YAML stream of JSON documents: the leading comment makes kubectl read YAML (a
        // stream that starts with `{` is read as JSON, where `---` is not a separator).
        let text: Vec<String> = docs.iter().map(Value::to_string).collect();
        let stream = format!("# the grant\n{}\n", text.join("\n---\n"));
        let out = t.kubectl_stdin(&["apply", "-f", "-"], &stream);
        assert!(out.status.success(), "apply the grant: {}", stderr(&out));
        if t.sim.is_none() {
            self.wait_effective(t, user);
        }
    }

    /// On a real cluster the authorizer sees a new rule a moment after it is written (its
    /// informers): asks `kubectl auth can-i` as the user until every granted verb is allowed
    /// and every removed one refused, for at most 10 s (then the test's own checks decide).
    /// The simulator authorizes from its store, so it needs no wait.
    fn wait_effective(&self, t: &E2e, user: &TestUser) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let expected: Vec<(GrantedVerb, bool)> = self
            .verbs()
            .into_iter()
            .map(|v| (v, true))
            .chain(self.removed.iter().cloned().map(|v| (v, false)))
            .collect();
        let mut pending = expected;
        while !pending.is_empty() && std::time::Instant::now() < deadline {
            pending.retain(|(v, allowed)| {
                let (resource, sub) = v.resource.split_once('/').unwrap_or((&v.resource, ""));
                let typed = if v.group.is_empty() {
                    resource.to_string()
                } else {
                    format!("{resource}.{}", v.group)
                };
                let mut args = vec!["auth", "can-i", v.verb.as_str(), typed.as_str()];
                let sub_flag = format!("--subresource={sub}");
                if !sub.is_empty() {
                    args.push(&sub_flag);
                }
                let answer = t.kubectl_as(user, &args);
                let yes = String::from_utf8_lossy(&answer.stdout).trim() == "yes";
                yes != *allowed
            });
        }
    }
}

/// `Role/NAME` or `ClusterRole/NAME`, as the file names a role.
fn role_key(role: &Value) -> String {
    format!(
        "{}/{}",
        role["kind"].as_str().unwrap_or_default(),
        role["metadata"]["name"].as_str().unwrap_or_default()
    )
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
# A comment.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: r
rules:
# reads
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["get", "list"]
- apiGroups: [""]
  resources: ["pods", "events"]
  verbs: ["list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: c
rules:
- apiGroups: [""]
  resources: ["persistentvolumes"]
  verbs: ["get"]
"#;

    #[test]
    fn every_verb_of_every_rule_is_listed() {
        let verbs: Vec<String> = Grant::parse(FILE)
            .verbs()
            .iter()
            .map(|v| format!("{} {} {} {}", v.role, v.rule, v.verb, v.resource))
            .collect();
        assert_eq!(
            verbs,
            [
                "Role/r 0 get statefulsets",
                "Role/r 0 list statefulsets",
                "Role/r 1 list pods",
                "Role/r 1 list events",
                "ClusterRole/c 0 get persistentvolumes",
            ]
        );
    }

    #[test]
    fn without_takes_exactly_one_verb() {
        let grant = Grant::parse(FILE);
        for taken in grant.verbs() {
            let rest = grant.without(&taken).verbs();
            assert!(!rest.iter().any(|v| v.verb == taken.verb
                && v.resource == taken.resource
                && v.role == taken.role));
            assert_eq!(rest.len(), grant.verbs().len() - 1, "{taken}");
        }
    }

    #[test]
    fn with_rule_adds_to_the_named_role() {
        let grant = Grant::parse(FILE).with_rule(
            "ClusterRole/c",
            json!({"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}),
        );
        assert!(grant
            .verbs()
            .iter()
            .any(|v| v.role == "ClusterRole/c" && v.resource == "nodes/proxy"));
    }

    #[test]
    fn a_refusal_names_verb_and_resource() {
        let v = GrantedVerb {
            role: "Role/r".into(),
            rule: 0,
            group: "apps".into(),
            resource: "statefulsets".into(),
            verb: "patch".into(),
        };
        assert!(v.is_named_in(
            "error: forbidden: cannot patch statefulset \"web\" in namespace \"ns\": ..."
        ));
        assert!(!v.is_named_in("error: forbidden: cannot get statefulset \"web\""));
        let sc = GrantedVerb {
            resource: "storageclasses".into(),
            verb: "list".into(),
            ..v
        };
        assert!(sc.is_named_in("cannot list storageclass"));
    }
}

//! One RBAC `PolicyRule` and whether it allows a request, as upstream's
//! `pkg/apis/rbac/v1/evaluation_helpers.go` decides.

use serde_json::{json, Value};

use crate::apiserver::auth::authz::Attributes;

/// A rule of a Role or ClusterRole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyRule {
    /// Verbs (`*` for all).
    pub verbs: Vec<String>,
    /// API groups (`""` core, `*` all).
    pub api_groups: Vec<String>,
    /// Resources, `pods/exec` for a subresource, `*/scale`, `*`.
    pub resources: Vec<String>,
    /// Names the rule is limited to (empty: all).
    pub resource_names: Vec<String>,
    /// Non-resource URLs (`/healthz`, `/api/*`).
    pub non_resource_urls: Vec<String>,
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

impl PolicyRule {
    /// Reads a rule of a stored Role (anything missing is empty).
    pub fn from_json(v: &Value) -> PolicyRule {
        PolicyRule {
            verbs: strings(&v["verbs"]),
            api_groups: strings(&v["apiGroups"]),
            resources: strings(&v["resources"]),
            resource_names: strings(&v["resourceNames"]),
            non_resource_urls: strings(&v["nonResourceURLs"]),
        }
    }

    /// The rule as the API shows it.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"verbs": self.verbs});
        if !self.non_resource_urls.is_empty() {
            v["nonResourceURLs"] = json!(self.non_resource_urls);
        } else {
            v["apiGroups"] = json!(self.api_groups);
            v["resources"] = json!(self.resources);
        }
        if !self.resource_names.is_empty() {
            v["resourceNames"] = json!(self.resource_names);
        }
        v
    }

    fn verb_matches(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == "*" || v == verb)
    }

    fn group_matches(&self, group: &str) -> bool {
        self.api_groups.iter().any(|g| g == "*" || g == group)
    }

    fn resource_matches(&self, resource: &str, subresource: &str) -> bool {
        let combined = if subresource.is_empty() {
            resource.to_string()
        } else {
            format!("{resource}/{subresource}")
        };
        self.resources.iter().any(|r| {
            r == "*"
                || *r == combined
                || (!subresource.is_empty() && r.strip_prefix("*/") == Some(subresource))
        })
    }

    fn name_matches(&self, name: &str) -> bool {
        self.resource_names.is_empty() || self.resource_names.iter().any(|n| n == name)
    }

    fn url_matches(&self, path: &str) -> bool {
        self.non_resource_urls.iter().any(|u| {
            u == "*"
                || u == path
                || u.strip_suffix('*')
                    .is_some_and(|prefix| path.starts_with(prefix))
        })
    }

    /// Whether this rule allows the request.
    pub fn allows(&self, attrs: &Attributes) -> bool {
        if !self.verb_matches(&attrs.verb) {
            return false;
        }
        if attrs.resource.is_empty() && !attrs.path.is_empty() {
            return self.url_matches(&attrs.path);
        }
        self.group_matches(&attrs.group)
            && self.resource_matches(&attrs.resource, &attrs.subresource)
            && self.name_matches(&attrs.name)
    }
}

/// Rules from a Role's `rules` field.
pub fn rules_of(role: &Value) -> Vec<PolicyRule> {
    role["rules"]
        .as_array()
        .map(|a| a.iter().map(PolicyRule::from_json).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(v: Value) -> PolicyRule {
        PolicyRule::from_json(&v)
    }

    fn res(verb: &str, group: &str, resource: &str, sub: &str, name: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: "prod".into(),
            name: name.into(),
            path: String::new(),
        }
    }

    #[test]
    fn resource_rules_match_as_upstream() {
        let pods =
            rule(json!({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}));
        assert!(pods.allows(&res("get", "", "pods", "", "web-0")));
        assert!(!pods.allows(&res("delete", "", "pods", "", "web-0")));
        assert!(
            !pods.allows(&res("get", "", "pods", "log", "web-0")),
            "a subresource needs its own rule"
        );
        assert!(!pods.allows(&res("get", "apps", "pods", "", "")));
        let exec =
            rule(json!({"verbs": ["create"], "apiGroups": [""], "resources": ["pods/exec"]}));
        assert!(exec.allows(&res("create", "", "pods", "exec", "web-0")));
        assert!(!exec.allows(&res("create", "", "pods", "", "")));
        let scale = rule(json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*/scale"]}));
        assert!(scale.allows(&res("patch", "apps", "statefulsets", "scale", "web")));
        assert!(!scale.allows(&res("patch", "apps", "statefulsets", "", "web")));
        let named = rule(
            json!({"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"]}),
        );
        assert!(named.allows(&res("get", "", "configmaps", "", "a")));
        assert!(!named.allows(&res("get", "", "configmaps", "", "b")));
        assert!(
            !named.allows(&res("get", "", "configmaps", "", "")),
            "a list is not limited to names"
        );
        let all = rule(json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}));
        assert!(all.allows(&res(
            "deletecollection",
            "apps",
            "statefulsets",
            "status",
            ""
        )));
    }

    #[test]
    fn non_resource_rules_match_paths_and_prefixes() {
        let r = rule(json!({"verbs": ["get"], "nonResourceURLs": ["/healthz", "/api", "/api/*"]}));
        let path = |p: &str| Attributes {
            verb: "get".into(),
            path: p.into(),
            ..Attributes::default()
        };
        assert!(r.allows(&path("/healthz")));
        assert!(r.allows(&path("/api/v1")));
        assert!(r.allows(&path("/api")));
        assert!(!r.allows(&path("/apis")));
        assert!(!r.allows(&Attributes {
            verb: "post".into(),
            path: "/healthz".into(),
            ..Attributes::default()
        }));
        assert_eq!(rule(r.to_json()), r);
    }
}

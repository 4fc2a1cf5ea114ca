//! Discovery documents: `/version`, `/api`, `/apis` (legacy and aggregated
//! `apidiscovery.k8s.io/v2`), and the per-group-version resource lists.

use serde_json::{json, Value};

use crate::machinery::resources::{self, ResourceType};

/// Content type of an aggregated discovery answer.
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether an `Accept` header asks for aggregated discovery (v2 or v2beta1).
pub fn wants_aggregated(accept: &str) -> Option<&'static str> {
    let first = accept
        .split(',')
        .map(str::trim)
        .find(|part| part.contains("as=APIGroupDiscoveryList"))?;
    Some(if first.contains("v=v2beta1") {
        "v2beta1"
    } else {
        "v2"
    })
}

/// `/version`.
pub fn version(git_version: &str) -> Value {
    let minor = git_version
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .unwrap_or("36")
        .to_string();
    json!({
        "major": "1",
        "minor": minor,
        "emulationMajor": "1",
        "emulationMinor": minor,
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "35",
        "gitVersion": git_version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

fn verbs(rt: &ResourceType) -> Vec<&'static str> {
    if resources::create_only(rt) {
        return vec!["create"];
    }
    let mut v = vec![
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    ];
    if rt.plural == "namespaces" {
        v.retain(|verb| *verb != "deletecollection");
    }
    v
}

fn subresource_kind(rt: &ResourceType, sub: &str) -> (&'static str, &'static str, &'static str) {
    match sub {
        "status" | "ephemeralcontainers" | "log" | "finalize" => (rt.group, "v1", rt.kind),
        "scale" => ("autoscaling", "v1", "Scale"),
        "exec" => ("", "v1", "PodExecOptions"),
        "attach" => ("", "v1", "PodAttachOptions"),
        "portforward" => ("", "v1", "PodPortForwardOptions"),
        "binding" => ("", "v1", "Binding"),
        "eviction" => ("policy", "v1", "Eviction"),
        "proxy" => match rt.plural {
            "pods" => ("", "v1", "PodProxyOptions"),
            "services" => ("", "v1", "ServiceProxyOptions"),
            _ => ("", "v1", "NodeProxyOptions"),
        },
        _ => (rt.group, "v1", rt.kind),
    }
}

fn subresource_verbs(sub: &str) -> Vec<&'static str> {
    match sub {
        "status" | "scale" | "ephemeralcontainers" => vec!["get", "patch", "update"],
        "exec" | "attach" | "portforward" => vec!["create", "get"],
        "proxy" => vec!["create", "delete", "get", "patch", "update"],
        "log" => vec!["get"],
        "binding" | "eviction" => vec!["create"],
        "finalize" => vec!["update"],
        _ => vec!["get"],
    }
}

/// `APIResourceList` for `/api/v1` or `/apis/<group>/v1`.
pub fn resource_list(group: &str) -> Value {
    let group_version = if group.is_empty() {
        "v1".to_string()
    } else {
        format!("{group}/v1")
    };
    let mut list = Vec::new();
    for rt in resources::in_group(group) {
        let mut r = json!({
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": verbs(rt),
        });
        if !rt.short_names.is_empty() {
            r["shortNames"] = json!(rt.short_names);
        }
        if !rt.categories.is_empty() {
            r["categories"] = json!(rt.categories);
        }
        list.push(r);
        for sub in rt.subresources {
            let (g, v, kind) = subresource_kind(rt, sub);
            let mut s = json!({
                "name": format!("{}/{}", rt.plural, sub),
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": kind,
                "verbs": subresource_verbs(sub),
            });
            if g != rt.group {
                s["group"] = json!(g);
                s["version"] = json!(v);
            }
            list.push(s);
        }
    }
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": list})
}

/// Legacy `/api`.
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

fn group_entry(group: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/v1"), "version": "v1"});
    json!({"name": group, "versions": [gv], "preferredVersion": gv})
}

/// Legacy `/apis`.
pub fn api_group_list() -> Value {
    let groups: Vec<Value> = resources::GROUPS.iter().map(|g| group_entry(g)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// Legacy `/apis/<group>`.
pub fn api_group(group: &str) -> Option<Value> {
    resources::GROUPS.contains(&group).then(|| {
        let mut g = group_entry(group);
        g["kind"] = json!("APIGroup");
        g["apiVersion"] = json!("v1");
        g
    })
}

fn aggregated_group(group: &str) -> Value {
    let mut list = Vec::new();
    for rt in resources::in_group(group) {
        let subs: Vec<Value> = rt
            .subresources
            .iter()
            .map(|sub| {
                let (g, v, kind) = subresource_kind(rt, sub);
                json!({
                    "subresource": sub,
                    "responseKind": {"group": g, "version": v, "kind": kind},
                    "verbs": subresource_verbs(sub),
                })
            })
            .collect();
        let mut r = json!({
            "resource": rt.plural,
            "responseKind": {"group": rt.group, "version": "v1", "kind": rt.kind},
            "scope": if rt.namespaced { "Namespaced" } else { "Cluster" },
            "singularResource": rt.singular,
            "verbs": verbs(rt),
        });
        if !rt.short_names.is_empty() {
            r["shortNames"] = json!(rt.short_names);
        }
        if !rt.categories.is_empty() {
            r["categories"] = json!(rt.categories);
        }
        if !subs.is_empty() {
            r["subresources"] = json!(subs);
        }
        list.push(r);
    }
    json!({
        "metadata": {"name": group, "creationTimestamp": null},
        "versions": [{"version": "v1", "resources": list, "freshness": "Current"}]
    })
}

/// Aggregated discovery for `/api` (`core` = true) or `/apis`.
pub fn aggregated(core: bool, version: &str) -> Value {
    let items: Vec<Value> = if core {
        vec![aggregated_group("")]
    } else {
        resources::GROUPS
            .iter()
            .map(|g| aggregated_group(g))
            .collect()
    };
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {},
        "items": items
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_lists_subresources() {
        let d = aggregated(true, "v2");
        let core = &d["items"][0];
        assert_eq!(core["metadata"]["name"], "");
        let pods = core["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "pods")
            .unwrap();
        assert!(pods["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["subresource"] == "exec"));
        let apps = aggregated(false, "v2");
        assert_eq!(apps["items"][0]["metadata"]["name"], "apps");
        assert_eq!(wants_aggregated("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"), Some("v2"));
        assert_eq!(wants_aggregated("application/json"), None);
    }

    #[test]
    fn resource_list_has_scale_in_autoscaling() {
        let l = resource_list("apps");
        let scale = l["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "statefulsets/scale")
            .unwrap();
        assert_eq!(scale["group"], "autoscaling");
        assert_eq!(scale["kind"], "Scale");
    }
}

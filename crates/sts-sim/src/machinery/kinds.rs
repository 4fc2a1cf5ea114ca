//! Defaults, validation and table columns of the kinds kubectl creates besides the
//! workload ones: Secrets, the RBAC objects (stored only) and PodDisruptionBudgets.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::machinery::validation::Cause;

/// Fills what the API server defaults on these kinds.
pub fn apply_defaults(resource_plural: &str, obj: &mut Value) {
    if !obj.is_object() {
        return;
    }
    match resource_plural {
        "secrets" => default_secret(obj),
        "rolebindings" | "clusterrolebindings" => {
            if let Some(subjects) = obj["subjects"].as_array_mut() {
                for s in subjects {
                    if s["apiGroup"].is_null()
                        && matches!(s["kind"].as_str(), Some("User" | "Group"))
                    {
                        s["apiGroup"] = json!("rbac.authorization.k8s.io");
                    }
                }
            }
        }
        _ => {}
    }
}

/// `stringData` is write-only: merged into `data` (base64) as upstream's conversion does.
fn default_secret(obj: &mut Value) {
    if obj["type"].as_str().is_none_or(str::is_empty) {
        obj["type"] = json!("Opaque");
    }
    let Some(string_data) = obj.as_object_mut().and_then(|m| m.remove("stringData")) else {
        return;
    };
    if let Value::Object(sd) = string_data {
        if !obj["data"].is_object() {
            obj["data"] = json!({});
        }
        for (k, v) in sd {
            let text = v.as_str().unwrap_or_default();
            obj["data"][k] = json!(base64::engine::general_purpose::STANDARD.encode(text));
        }
    }
}

/// Validation causes of a new or changed object of these kinds (empty when valid).
pub fn validate(resource_plural: &str, obj: &Value) -> Vec<Cause> {
    match resource_plural {
        "secrets" => validate_secret(obj),
        "roles" | "clusterroles" => validate_rules(obj),
        "rolebindings" | "clusterrolebindings" => {
            validate_binding(obj, resource_plural == "clusterrolebindings")
        }
        "poddisruptionbudgets" => validate_pdb(obj),
        _ => Vec::new(),
    }
}

/// Causes of an update that these kinds forbid (immutable fields).
pub fn validate_update(resource_plural: &str, old: &Value, new: &Value) -> Vec<Cause> {
    let mut causes = validate(resource_plural, new);
    if matches!(resource_plural, "rolebindings" | "clusterrolebindings")
        && old["roleRef"] != new["roleRef"]
    {
        causes.push(Cause::invalid(
            "roleRef",
            &new["roleRef"],
            "cannot change roleRef",
        ));
    }
    if matches!(resource_plural, "secrets" | "configmaps") && old["immutable"] == json!(true) {
        let data_changed = old["data"] != new["data"] || old["binaryData"] != new["binaryData"];
        if data_changed {
            causes.push(Cause::forbidden(
                "data",
                "field is immutable when `immutable` is set",
            ));
        }
    }
    causes
}

fn validate_secret(obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    if let Some(data) = obj["data"].as_object() {
        for (k, v) in data {
            if !valid_data_key(k) {
                causes.push(Cause::invalid(
                    &format!("data[{k}]"),
                    &json!(k),
                    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                ));
            }
            let decodes = v
                .as_str()
                .is_some_and(|s| base64::engine::general_purpose::STANDARD.decode(s).is_ok());
            if !decodes {
                causes.push(Cause::invalid(
                    &format!("data[{k}]"),
                    v,
                    "must be base64 encoded",
                ));
            }
        }
    }
    causes
}

fn valid_data_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k != "."
        && k != ".."
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn validate_rules(obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    for (i, rule) in obj["rules"].as_array().into_iter().flatten().enumerate() {
        let verbs = rule["verbs"].as_array().map_or(0, Vec::len);
        if verbs == 0 {
            causes.push(Cause::required(
                &format!("rules[{i}].verbs"),
                "verbs must contain at least one value",
            ));
        }
        let has_urls = rule["nonResourceURLs"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        let has_resources = rule["resources"].as_array().is_some_and(|a| !a.is_empty());
        if has_urls && has_resources {
            causes.push(Cause::invalid(
                &format!("rules[{i}].nonResourceURLs"),
                &rule["nonResourceURLs"],
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
    }
    causes
}

fn validate_binding(obj: &Value, cluster: bool) -> Vec<Cause> {
    let mut causes = Vec::new();
    let role_ref = &obj["roleRef"];
    let allowed: &[&str] = if cluster {
        &["ClusterRole"]
    } else {
        &["Role", "ClusterRole"]
    };
    match role_ref["kind"].as_str() {
        None | Some("") => causes.push(Cause::required("roleRef.kind", "")),
        Some(k) if !allowed.contains(&k) => {
            causes.push(Cause::not_supported("roleRef.kind", &json!(k), allowed))
        }
        _ => {}
    }
    if role_ref["name"].as_str().is_none_or(str::is_empty) {
        causes.push(Cause::required("roleRef.name", ""));
    }
    if role_ref["apiGroup"].as_str() != Some("rbac.authorization.k8s.io") {
        causes.push(Cause::not_supported(
            "roleRef.apiGroup",
            &role_ref["apiGroup"],
            &["rbac.authorization.k8s.io"],
        ));
    }
    for (i, s) in obj["subjects"].as_array().into_iter().flatten().enumerate() {
        let field = format!("subjects[{i}]");
        if s["name"].as_str().is_none_or(str::is_empty) {
            causes.push(Cause::required(&format!("{field}.name"), ""));
        }
        match s["kind"].as_str() {
            Some("ServiceAccount") => {
                if cluster && s["namespace"].as_str().is_none_or(str::is_empty) {
                    causes.push(Cause::required(&format!("{field}.namespace"), ""));
                }
            }
            Some("User" | "Group") => {}
            other => causes.push(Cause::not_supported(
                &format!("{field}.kind"),
                &json!(other.unwrap_or("")),
                &["ServiceAccount", "User", "Group"],
            )),
        }
    }
    causes
}

fn validate_int_or_percent(field: &str, v: &Value, causes: &mut Vec<Cause>) {
    match v {
        Value::Null => {}
        Value::Number(n) if n.as_i64().is_some_and(|n| n >= 0) => {}
        Value::Number(_) => causes.push(Cause::invalid(
            field,
            v,
            "must be greater than or equal to 0",
        )),
        Value::String(s) => {
            let pct = s.strip_suffix('%').and_then(|p| p.parse::<u32>().ok());
            match pct {
                Some(p) if p <= 100 => {}
                Some(_) => causes.push(Cause::invalid(
                    field,
                    v,
                    "must not be greater than 100%",
                )),
                None => causes.push(Cause::invalid(
                    field,
                    v,
                    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                )),
            }
        }
        _ => causes.push(Cause::invalid(field, v, "must be an integer or percentage")),
    }
}

fn validate_pdb(obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let spec = &obj["spec"];
    if !spec["minAvailable"].is_null() && !spec["maxUnavailable"].is_null() {
        causes.push(Cause::invalid(
            "spec",
            spec,
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    validate_int_or_percent("spec.minAvailable", &spec["minAvailable"], &mut causes);
    validate_int_or_percent("spec.maxUnavailable", &spec["maxUnavailable"], &mut causes);
    if let Some(p) = spec["unhealthyPodEvictionPolicy"].as_str() {
        let allowed = ["IfHealthyBudget", "AlwaysAllow"];
        if !allowed.contains(&p) {
            causes.push(Cause::not_supported(
                "spec.unhealthyPodEvictionPolicy",
                &json!(p),
                &allowed,
            ));
        }
    }
    causes
}

fn col(name: &str, ty: &str, priority: i64, description: &str) -> Value {
    json!({"name": name, "type": ty, "format": if name == "Name" { "name" } else { "" }, "description": description, "priority": priority})
}

/// kubectl's columns for these kinds (`None` for kinds not handled here).
pub fn column_definitions(resource_plural: &str) -> Option<Vec<Value>> {
    let name = col(
        "Name",
        "string",
        0,
        "Name must be unique within a namespace.",
    );
    let age = col("Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
    Some(match resource_plural {
        "roles" | "clusterroles" => vec![
            name,
            col("Created At", "date", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."),
        ],
        "rolebindings" | "clusterrolebindings" => vec![
            name,
            col("Role", "string", 0, "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."),
            age,
            col("Users", "string", 1, "Users in the binding"),
            col("Groups", "string", 1, "Groups in the binding"),
            col("ServiceAccounts", "string", 1, "ServiceAccounts in the binding"),
        ],
        "poddisruptionbudgets" => vec![
            name,
            col("Min Available", "string", 0, "The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
            col("Max Unavailable", "string", 0, "The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
            col("Allowed Disruptions", "integer", 0, "Number of pod disruptions that are currently allowed."),
            age,
        ],
        _ => return None,
    })
}

fn int_or_string_cell(v: &Value) -> Value {
    match v {
        Value::Null => json!("N/A"),
        Value::String(s) => json!(s),
        other => json!(other.to_string()),
    }
}

fn subjects_of(obj: &Value, kind: &str) -> String {
    obj["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["kind"] == kind)
        .map(|s| {
            let name = s["name"].as_str().unwrap_or("");
            match s["namespace"].as_str() {
                Some(ns) if kind == "ServiceAccount" && !ns.is_empty() => format!("{ns}/{name}"),
                _ => name.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cells of one row for these kinds (`None` for kinds not handled here).
pub fn row_cells(
    resource_plural: &str,
    item: &Value,
    age: impl Fn(&Value) -> Value,
) -> Option<Vec<Value>> {
    let name = item["metadata"]["name"].clone();
    Some(match resource_plural {
        "roles" | "clusterroles" => vec![name, item["metadata"]["creationTimestamp"].clone()],
        "rolebindings" | "clusterrolebindings" => vec![
            name,
            json!(format!(
                "{}/{}",
                item["roleRef"]["kind"].as_str().unwrap_or(""),
                item["roleRef"]["name"].as_str().unwrap_or("")
            )),
            age(item),
            json!(subjects_of(item, "User")),
            json!(subjects_of(item, "Group")),
            json!(subjects_of(item, "ServiceAccount")),
        ],
        "poddisruptionbudgets" => vec![
            name,
            int_or_string_cell(&item["spec"]["minAvailable"]),
            int_or_string_cell(&item["spec"]["maxUnavailable"]),
            json!(item["status"]["disruptionsAllowed"].as_i64().unwrap_or(0)),
            age(item),
        ],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_string_data_moves_into_data() {
        let mut s = json!({"metadata": {"name": "s"}, "stringData": {"k": "hello"}});
        apply_defaults("secrets", &mut s);
        assert_eq!(s["data"]["k"], "aGVsbG8=");
        assert_eq!(s["type"], "Opaque");
        assert!(s.get("stringData").is_none());
        assert!(validate("secrets", &s).is_empty());
        let bad = json!({"data": {"k": "not base64!"}});
        assert_eq!(validate("secrets", &bad).len(), 1);
    }

    #[test]
    fn bindings_need_a_role_ref_and_known_subjects() {
        let ok = json!({"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                        "subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "d"}]});
        assert!(validate("rolebindings", &ok).is_empty());
        assert!(validate("clusterrolebindings", &ok).is_empty());
        let mut role = ok.clone();
        role["roleRef"]["kind"] = json!("Role");
        let causes = validate("clusterrolebindings", &role);
        assert_eq!(causes[0].field, "roleRef.kind");
        let mut changed = ok.clone();
        changed["roleRef"]["name"] = json!("edit");
        assert!(validate_update("rolebindings", &ok, &changed)
            .iter()
            .any(|c| c.message.contains("cannot change roleRef")));
    }

    #[test]
    fn pdb_budget_is_one_of_two_int_or_percent_fields() {
        let both = json!({"spec": {"minAvailable": 1, "maxUnavailable": "10%"}});
        assert_eq!(validate("poddisruptionbudgets", &both).len(), 1);
        let bad = json!({"spec": {"minAvailable": "ten"}});
        assert_eq!(
            validate("poddisruptionbudgets", &bad)[0].field,
            "spec.minAvailable"
        );
        let ok = json!({"spec": {"maxUnavailable": "50%"}});
        assert!(validate("poddisruptionbudgets", &ok).is_empty());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::machinery::apply::properties_support::json_value;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn defaults_and_validation_never_panic(obj in json_value(), old in json_value()) {
            for plural in ["secrets", "roles", "clusterroles", "rolebindings", "clusterrolebindings", "poddisruptionbudgets", "configmaps"] {
                let mut o = obj.clone();
                apply_defaults(plural, &mut o);
                let _ = validate(plural, &o);
                let _ = validate_update(plural, &old, &o);
                let _ = row_cells(plural, &o, |_| Value::Null);
            }
            let _ = crate::apiserver::auth::authz::review(&crate::machinery::resources::SELFSUBJECTACCESSREVIEWS, "u", obj.clone());
            let _ = crate::apiserver::auth::authz::review(&crate::machinery::resources::SELFSUBJECTRULESREVIEWS, "u", obj.clone());
            let who = crate::apiserver::auth::authn::UserInfo::authenticated("u", "", &[]);
            let _ = crate::apiserver::auth::authz::who_am_i(&crate::machinery::resources::SELFSUBJECTREVIEWS, &who, obj.clone());
            let _ = crate::machinery::pdb::compute(&obj, &[&old], None);
        }
    }
}

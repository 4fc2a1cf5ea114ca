//! Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`), as kube-apiserver
//! does it with its strict decoder: fields a request body sets that the kind's schema does
//! not declare are an error (Strict), a `Warning` header (Warn, the default) or ignored.
//! kubectl sends `fieldValidation=Strict` for `--validate=strict` (its default).

use serde_json::{Map, Value};

use crate::apiserver::errors::ApiError;

/// The `fieldValidation` directive of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValidation {
    /// Drop unknown fields silently.
    Ignore,
    /// Drop them with a warning (the server default).
    Warn,
    /// Reject the request.
    Strict,
}

impl FieldValidation {
    /// Parses the query value; an unknown one is a 422 naming the accepted values.
    pub fn parse(value: Option<&str>) -> Result<FieldValidation, ApiError> {
        match value {
            None | Some("") | Some("Warn") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => {
                let mut e = ApiError::bad_request(format!(
                    "fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""
                ));
                e.code = 422;
                e.reason = "Invalid";
                Err(e)
            }
        }
    }
}

/// Follows `$ref` (bare or as the single `allOf` entry upstream and schemars wrap it in).
fn resolve<'a>(defs: &'a Map<String, Value>, mut schema: &'a Value) -> &'a Value {
    for _ in 0..64 {
        let target = schema.get("$ref").or_else(|| {
            schema
                .get("allOf")
                .and_then(Value::as_array)
                .filter(|a| a.len() == 1)
                .and_then(|a| a[0].get("$ref"))
        });
        let Some(name) = target
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        else {
            return schema;
        };
        match defs.get(name) {
            Some(next) => schema = next,
            None => return schema,
        }
    }
    schema
}

/// Removes the fields of `value` that `schema` does not declare, recording their paths.
fn prune(
    defs: &Map<String, Value>,
    schema: &Value,
    value: &mut Value,
    path: &str,
    out: &mut Vec<String>,
) {
    let schema = resolve(defs, schema);
    match value {
        Value::Object(fields) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties").filter(|a| a.is_object());
            if props.is_none() && extra.is_none() {
                return;
            }
            fields.retain(|key, v| {
                // Strategic-merge-patch directives (`$patch`, `$setElementOrder/...`).
                if key.starts_with('$') {
                    return true;
                }
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match props.and_then(|p| p.get(key)).or(extra) {
                    Some(s) => {
                        prune(defs, s, v, &child, out);
                        true
                    }
                    None => {
                        out.push(child);
                        false
                    }
                }
            });
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter_mut().enumerate() {
                    prune(defs, item_schema, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// Removes from `value` the fields the schema named `root` does not declare and returns
/// their paths (`spec.template.spec.containers[0].foo`), in document order.
pub fn prune_unknown(defs: &Map<String, Value>, root: &str, value: &mut Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(schema) = defs.get(root) {
        prune(defs, schema, value, "", &mut out);
    }
    out
}

/// The paths of the fields of `value` the schema named `root` does not declare.
pub fn unknown_fields(defs: &Map<String, Value>, root: &str, value: &Value) -> Vec<String> {
    prune_unknown(defs, root, &mut value.clone())
}

/// The `unknown field "a.b", unknown field "c"` list of upstream's messages.
pub fn describe(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| format!("unknown field \"{f}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The 400 a Strict write with unknown fields gets.
pub fn strict_error(kind: &str, version: &str, fields: &[String]) -> ApiError {
    ApiError::bad_request(format!(
        "{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {}",
        describe(fields)
    ))
}

/// The `Warning` header values a Warn write gets (`299 - "unknown field \"spec.foo\""`).
pub fn warnings(fields: &[String]) -> Vec<String> {
    fields
        .iter()
        .map(|f| format!("299 - \"unknown field \\\"{f}\\\"\""))
        .collect()
}

/// What field validation decided for a write.
#[derive(Debug, Default, PartialEq)]
pub struct Checked {
    /// `Warning` header values to send (Warn).
    pub warnings: Vec<String>,
    /// The body without its unknown fields, when it had any (Warn and Ignore drop them).
    pub pruned_body: Option<Vec<u8>>,
}

/// Checks a write's body under its `fieldValidation` directive: Strict answers an error,
/// Warn and Ignore drop the unknown fields (Warn also warns). Reads, JSON patches, bodies that
/// are not JSON and subresources other than `status` pass unchecked.
pub fn check_write(
    rt: &crate::machinery::resources::ResourceType,
    sub: Option<&str>,
    method: &http::Method,
    content_type: &str,
    body: &[u8],
    directive: Option<&str>,
) -> Result<Checked, ApiError> {
    use http::Method;
    if !matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        return Ok(Checked::default());
    }
    let mode = FieldValidation::parse(directive)?;
    if !matches!(sub, None | Some("status")) || content_type.contains("json-patch") {
        return Ok(Checked::default());
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return Ok(Checked::default());
    };
    let Some(fields) = super::prune_unknown_of(rt.group, rt.kind, &mut value) else {
        return Ok(Checked::default());
    };
    if fields.is_empty() {
        return Ok(Checked::default());
    }
    match mode {
        FieldValidation::Strict if *method == Method::PATCH => Err(ApiError::bad_request(format!(
            "strict decoding error: {}",
            describe(&fields)
        ))),
        FieldValidation::Strict => Err(strict_error(rt.kind, rt.version, &fields)),
        FieldValidation::Warn | FieldValidation::Ignore => Ok(Checked {
            warnings: if mode == FieldValidation::Warn {
                warnings(&fields)
            } else {
                Vec::new()
            },
            pruned_body: Some(value.to_string().into_bytes()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::resources::{CONFIGMAPS, PODS, STATEFULSETS};
    use http::Method;
    use serde_json::json;

    fn sts_unknown(body: Value) -> Vec<String> {
        crate::apiserver::openapi::prune_unknown_of("apps", "StatefulSet", &mut body.clone())
            .unwrap()
    }

    #[test]
    fn finds_unknown_fields_at_any_depth_with_list_indices() {
        let body = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "labels": {"any.key/x": "y"}, "bogus": 1},
            "spec": {
                "replicas": 2, "foo": true,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"spec": {"containers": [
                    {"name": "a", "image": "x"},
                    {"name": "b", "image": "x", "imagePullPolcy": "Always",
                     "resources": {"limits": {"cpu": "1"}}, "ports": [{"containerPort": 80, "nope": 1}]}
                ]}}
            }
        });
        assert_eq!(
            sts_unknown(body),
            vec![
                "metadata.bogus",
                "spec.foo",
                "spec.template.spec.containers[1].imagePullPolcy",
                "spec.template.spec.containers[1].ports[0].nope",
            ]
        );
    }

    #[test]
    fn known_bodies_and_patch_directives_pass() {
        let body = json!({
            "metadata": {"annotations": {"a": "b"}, "ownerReferences": null},
            "spec": {
                "$setElementOrder/volumeClaimTemplates": [{"name": "data"}],
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1, "maxUnavailable": "50%"}},
                "template": {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}]
            }
        });
        assert_eq!(sts_unknown(body), Vec::<String>::new());
        // Values of the wrong shape are not this check's business.
        assert_eq!(
            sts_unknown(json!({"spec": "text", "metadata": [1, 2]})),
            Vec::<String>::new()
        );
    }

    #[test]
    fn directives_follow_the_server_defaults() {
        let body = br#"{"metadata":{"name":"c","x":1},"data":{"k":"v"}}"#;
        let check = |d: Option<&str>| {
            check_write(
                &CONFIGMAPS,
                None,
                &Method::POST,
                "application/json",
                body,
                d,
            )
        };
        let e = check(Some("Strict")).unwrap_err();
        assert_eq!((e.code, e.reason), (400, "BadRequest"));
        assert_eq!(
            e.message,
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"metadata.x\""
        );
        let warn = check(None).unwrap();
        assert_eq!(
            warn.warnings,
            vec![r#"299 - "unknown field \"metadata.x\"""#]
        );
        let pruned: Value = serde_json::from_slice(&warn.pruned_body.unwrap()).unwrap();
        assert_eq!(
            pruned,
            json!({"metadata": {"name": "c"}, "data": {"k": "v"}})
        );
        let ignore = check(Some("Ignore")).unwrap();
        assert!(ignore.warnings.is_empty() && ignore.pruned_body.is_some());
        let e = check(Some("strict")).unwrap_err();
        assert_eq!(e.code, 422);
        assert!(
            e.message.contains("Unsupported value: \"strict\""),
            "{}",
            e.message
        );
        let patch = check_write(
            &STATEFULSETS,
            None,
            &Method::PATCH,
            "application/strategic-merge-patch+json",
            br#"{"spec":{"foo":1}}"#,
            Some("Strict"),
        )
        .unwrap_err();
        assert_eq!(
            patch.message,
            "strict decoding error: unknown field \"spec.foo\""
        );
        // Unchecked: reads, JSON patches, exec, bodies that are not JSON.
        assert_eq!(
            check_write(&PODS, None, &Method::GET, "", body, Some("Strict")).unwrap(),
            Checked::default()
        );
        assert_eq!(
            check_write(
                &PODS,
                None,
                &Method::PATCH,
                "application/json-patch+json",
                br#"[{"op":"add","path":"/x","value":1}]"#,
                Some("Strict")
            )
            .unwrap(),
            Checked::default()
        );
        assert_eq!(
            check_write(
                &PODS,
                Some("exec"),
                &Method::POST,
                "application/json",
                body,
                Some("Strict")
            )
            .unwrap(),
            Checked::default()
        );
        assert_eq!(
            check_write(
                &PODS,
                None,
                &Method::POST,
                "application/json",
                b"\xff{",
                Some("Strict")
            )
            .unwrap(),
            Checked::default()
        );
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z$/]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            let keys = prop::sample::select(vec![
                "spec",
                "metadata",
                "template",
                "containers",
                "ports",
                "labels",
                "foo",
                "$patch",
                "selector",
                "matchLabels",
                "volumeClaimTemplates",
                "updateStrategy",
                "status",
            ]);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map(keys, inner, 0..5).prop_map(|m| {
                    Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn any_body_is_checked_without_panic(body in json_value()) {
            let mut pruned = body.clone();
            let found = crate::apiserver::openapi::prune_unknown_of("apps", "StatefulSet", &mut pruned).unwrap();
            // Pruning leaves nothing unknown, and removes only what it reports.
            proptest::prop_assert!(sts_unknown(pruned.clone()).is_empty());
            proptest::prop_assert_eq!(found.is_empty(), pruned == body);
        }
    }
}

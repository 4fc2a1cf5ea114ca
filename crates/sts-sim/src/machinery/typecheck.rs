//! Type-checks every write against its kind's schema, as kube-apiserver's decoding does.
//!
//! kube-apiserver decodes each request body (and each patched object) into the Go struct of its
//! kind; a value of the wrong JSON type fails there with 400 BadRequest and nothing is stored:
//! `json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type
//! int32`. Here the candidate object is deserialized into the k8s-openapi type of its kind (the
//! same schema, generated from the same OpenAPI document), and serde's error is translated into
//! Go's wording: the struct holding the field, the field path (struct fields only, no indices or
//! map keys), and the Go type.
//!
//! Decoding is only about JSON types. Go's decoder accepts what k8s-openapi's generated types do
//! not, so those are not errors here either: a missing required field (validation's job, 422),
//! `null` anywhere (the zero value). They are filled with placeholders and decoding continues,
//! so the first real type error anywhere in the object is still found.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::apiserver::errors::ApiError;
use crate::machinery::resources::ResourceType;

/// How many placeholders one check may insert before giving up (and accepting the object).
const MAX_REPAIRS: usize = 256;

/// Checks an object for create or update (PUT): the error reads like upstream's decoding of a
/// request body, `StatefulSet in version "v1" cannot be handled as a StatefulSet: json: ...`.
pub fn check_body(rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    check_kind_schema(rt.plural, obj).map_err(|e| {
        ApiError::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: {e}",
            kind = rt.kind,
            version = rt.version
        ))
    })
}

/// Checks a patched object: the error is the decoder's alone, as upstream's patch handler says.
pub fn check_patched(rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    check_kind_schema(rt.plural, obj).map_err(ApiError::bad_request)
}

/// Checks a `Scale` subresource body (autoscaling/v1).
pub fn check_scale(obj: &Value) -> Result<(), ApiError> {
    type_errors::<k8s_openapi::api::autoscaling::v1::Scale>(obj).map_err(ApiError::bad_request)
}

/// The decoding error of `obj` as an object of resource `plural`, if any. Resources without a
/// known schema are not checked.
pub fn check_kind_schema(plural: &str, obj: &Value) -> Result<(), String> {
    use k8s_openapi::api::{
        apps::v1 as apps, core::v1 as core, policy::v1 as policy, rbac::v1 as rbac,
        storage::v1 as storage,
    };
    match plural {
        "namespaces" => type_errors::<core::Namespace>(obj),
        "nodes" => type_errors::<core::Node>(obj),
        "pods" => type_errors::<core::Pod>(obj),
        "services" => type_errors::<core::Service>(obj),
        "endpoints" => type_errors::<core::Endpoints>(obj),
        "events" => type_errors::<core::Event>(obj),
        "persistentvolumeclaims" => type_errors::<core::PersistentVolumeClaim>(obj),
        "persistentvolumes" => type_errors::<core::PersistentVolume>(obj),
        "configmaps" => type_errors::<core::ConfigMap>(obj),
        "serviceaccounts" => type_errors::<core::ServiceAccount>(obj),
        "secrets" => type_errors::<core::Secret>(obj),
        "statefulsets" => type_errors::<apps::StatefulSet>(obj),
        "controllerrevisions" => type_errors::<apps::ControllerRevision>(obj),
        "storageclasses" => type_errors::<storage::StorageClass>(obj),
        "poddisruptionbudgets" => type_errors::<policy::PodDisruptionBudget>(obj),
        "roles" => type_errors::<rbac::Role>(obj),
        "clusterroles" => type_errors::<rbac::ClusterRole>(obj),
        "rolebindings" => type_errors::<rbac::RoleBinding>(obj),
        "clusterrolebindings" => type_errors::<rbac::ClusterRoleBinding>(obj),
        _ => Ok(()),
    }
}

/// Decodes `obj` as `T`, repairing what Go's decoder would accept, and words the first real
/// type error as Go does.
pub fn type_errors<T: DeserializeOwned>(obj: &Value) -> Result<(), String> {
    if decode::<T>(obj).is_ok() {
        return Ok(());
    }
    let mut work = obj.clone();
    let mut placeholders: Vec<(Vec<Segment>, usize)> = Vec::new();
    for _ in 0..MAX_REPAIRS {
        let Err((path, message)) = decode::<T>(&work) else {
            return Ok(());
        };
        let Some(at) = pointer_mut(&mut work, &path) else {
            return Ok(());
        };
        if let Some(field) = missing_field(&message) {
            // Required by k8s-openapi, optional to Go's decoder: fill it in and go on.
            let Some(map) = at.as_object_mut() else {
                return Ok(());
            };
            map.insert(field.to_string(), PLACEHOLDERS[0].clone());
            let mut field_path = path.clone();
            field_path.push(Segment::Map {
                key: field.to_string(),
            });
            placeholders.push((field_path, 0));
            continue;
        }
        if let Some(tried) = placeholders.iter_mut().find(|(p, _)| same_path(p, &path)) {
            // Our own placeholder had the wrong type: try the next one.
            tried.1 += 1;
            let Some(next) = PLACEHOLDERS.get(tried.1) else {
                return Ok(());
            };
            *at = next.clone();
            continue;
        }
        if at.is_null() {
            // Go decodes null into any field as its zero value.
            *at = PLACEHOLDERS[0].clone();
            placeholders.push((path, 0));
            continue;
        }
        if !message.starts_with("invalid type") && !message.starts_with("invalid value") {
            return Err(format!("json: {message}"));
        }
        return Err(go_wording::<T>(&work, &path, &message));
    }
    Ok(())
}

/// Values tried in turn where Go would use a zero value.
static PLACEHOLDERS: std::sync::LazyLock<[Value; 6]> = std::sync::LazyLock::new(|| {
    [
        Value::Object(Default::default()),
        Value::String(String::new()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::String("1970-01-01T00:00:00Z".into()),
    ]
});

fn decode<T: DeserializeOwned>(obj: &Value) -> Result<(), (Vec<Segment>, String)> {
    match serde_path_to_error::deserialize::<_, T>(obj) {
        Ok(_) => Ok(()),
        Err(e) => {
            let path: Vec<Segment> = e.path().iter().cloned().collect();
            Err((path, strip_position(&e.into_inner().to_string())))
        }
    }
}

/// serde_json appends " at line L column C" to some messages; bodies here are values.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
}

fn same_path(a: &[Segment], b: &[Segment]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| segment_eq(x, y))
}

fn segment_eq(a: &Segment, b: &Segment) -> bool {
    match (a, b) {
        (Segment::Seq { index: x }, Segment::Seq { index: y }) => x == y,
        (Segment::Map { key: x }, Segment::Map { key: y }) => x == y,
        (Segment::Enum { variant: x }, Segment::Enum { variant: y }) => x == y,
        _ => false,
    }
}

fn pointer_mut<'a>(value: &'a mut Value, path: &[Segment]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |at, segment| match segment {
        Segment::Seq { index } => at.get_mut(*index),
        Segment::Map { key } => at.get_mut(key.as_str()),
        _ => None,
    })
}

fn pointer<'a>(value: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter().try_fold(value, |at, segment| match segment {
        Segment::Seq { index } => at.get(*index),
        Segment::Map { key } => at.get(key.as_str()),
        _ => None,
    })
}

/// `json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type
/// int32`, from serde's `invalid type: string "x", expected i32` at `spec.replicas`.
fn go_wording<T: DeserializeOwned>(work: &Value, path: &[Segment], message: &str) -> String {
    let value = pointer(work, path).unwrap_or(&Value::Null);
    let expected = message.rsplit(", expected ").next().unwrap_or("").trim();
    let go_type = go_type_of::<T>(work, path, expected);
    let numeric = expected.starts_with(['i', 'u', 'f']) && expected[1..].parse::<u8>().is_ok();
    let what = match value {
        Value::String(_) => "string".to_string(),
        Value::Number(n) if numeric => format!("number {n}"),
        Value::Number(_) => "number".to_string(),
        Value::Bool(_) => "bool".to_string(),
        Value::Array(_) => "array".to_string(),
        Value::Object(_) => "object".to_string(),
        Value::Null => "null".to_string(),
    };
    // Struct fields are the map keys whose parent decodes as a struct; indices and the keys of
    // real maps are not part of Go's field path.
    let mut fields = Vec::new();
    let mut holder = None;
    for (i, segment) in path.iter().enumerate() {
        if let Segment::Map { key } = segment {
            if let Some(name) = struct_name::<T>(work, &path[..i]) {
                fields.push(key.as_str());
                holder = Some(name);
            }
        }
    }
    match holder {
        Some(holder) => format!(
            "json: cannot unmarshal {what} into Go struct field {holder}.{} of type {go_type}",
            fields.join(".")
        ),
        None => format!("json: cannot unmarshal {what} into Go value of type {go_type}"),
    }
}

/// What serde expects at `path`, found by putting a `true` there (no schema type but `bool`
/// accepts it, and everything before `path` already decodes).
fn expectation_at<T: DeserializeOwned>(work: &Value, path: &[Segment]) -> Option<String> {
    let mut probe = work.clone();
    *pointer_mut(&mut probe, path)? = Value::Bool(true);
    match decode::<T>(&probe) {
        Err((at, message)) if same_path(&at, path) => {
            Some(message.rsplit(", expected ").next()?.trim().to_string())
        }
        _ => None,
    }
}

/// The Go struct name of the object at `path`, if it is a struct (not a map, list or scalar).
fn struct_name<T: DeserializeOwned>(work: &Value, path: &[Segment]) -> Option<String> {
    let expected = expectation_at::<T>(work, path)?;
    let is_struct = expected.starts_with(|c: char| c.is_ascii_uppercase())
        && !matches!(
            expected.as_str(),
            "Quantity" | "IntOrString" | "Time" | "MicroTime"
        );
    is_struct.then_some(expected)
}

/// Go's name for the type serde expected at `path`.
fn go_type_of<T: DeserializeOwned>(work: &Value, path: &[Segment], expected: &str) -> String {
    let element = |sample: Value| {
        let mut probe = work.clone();
        let mut inner = path.to_vec();
        let slot = pointer_mut(&mut probe, path)?;
        *slot = sample;
        inner.push(match slot {
            Value::Array(_) => Segment::Seq { index: 0 },
            _ => Segment::Map { key: "k".into() },
        });
        let inner_expected = expectation_at::<T>(&probe, &inner)?;
        Some(go_type_of::<T>(&probe, &inner, &inner_expected))
    };
    match expected {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => {
            expected.replace('i', "int").replace('u', "uint")
        }
        "f32" => "float32".into(),
        "f64" => "float64".into(),
        "a string" => "string".into(),
        "a boolean" => "bool".into(),
        "a sequence" => format!(
            "[]{}",
            element(Value::Array(vec![Value::Null])).unwrap_or_else(|| "interface {}".into())
        ),
        "a map" => format!(
            "map[string]{}",
            element(serde_json::json!({"k": null})).unwrap_or_else(|| "interface {}".into())
        ),
        "Quantity" => "resource.Quantity".into(),
        "IntOrString" => "intstr.IntOrString".into(),
        name if name.starts_with(|c: char| c.is_ascii_uppercase()) => format!("v1.{name}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::StatefulSet;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    fn sts(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "web"}, "spec": spec})
    }

    #[test]
    fn a_string_in_an_int32_field_reads_like_go() {
        let err = type_errors::<StatefulSet>(&sts(json!({"replicas": "x"}))).unwrap_err();
        assert_eq!(
            err,
            "json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32"
        );
    }

    #[test]
    fn numbers_out_of_range_and_fractions_name_the_number() {
        let err =
            type_errors::<StatefulSet>(&sts(json!({"replicas": 99999999999u64}))).unwrap_err();
        assert!(err.contains("cannot unmarshal number 99999999999 into Go struct field StatefulSetSpec.spec.replicas of type int32"), "{err}");
        let err = type_errors::<StatefulSet>(&sts(json!({"replicas": 1.5}))).unwrap_err();
        assert!(err.contains("number 1.5"), "{err}");
    }

    #[test]
    fn nested_fields_skip_indices_and_map_keys() {
        let obj = sts(json!({"template": {"spec": {"containers": [{"name": "a", "image": 5}]}}}));
        assert_eq!(
            type_errors::<StatefulSet>(&obj).unwrap_err(),
            "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string"
        );
        let obj = json!({"metadata": {"name": "p", "labels": {"app": 1}}});
        assert_eq!(
            type_errors::<Pod>(&obj).unwrap_err(),
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"
        );
        let obj = json!({"spec": {"containers": "nope"}});
        assert_eq!(
            type_errors::<Pod>(&obj).unwrap_err(),
            "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container"
        );
    }

    #[test]
    fn what_go_accepts_is_accepted() {
        // Missing required fields (validation's job), nulls, numeric quantities, int-or-string.
        let ok = [
            sts(json!({"replicas": null, "template": {"spec": {"containers": [{"image": "x"}]}}})),
            sts(
                json!({"selector": null, "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": 1024}}}}]}),
            ),
            sts(
                json!({"updateStrategy": {"rollingUpdate": {"maxUnavailable": "50%", "partition": 1}}}),
            ),
            json!({"kind": "StatefulSet"}),
            json!({}),
        ];
        for obj in ok {
            assert_eq!(type_errors::<StatefulSet>(&obj), Ok(()), "{obj}");
        }
    }

    #[test]
    fn errors_after_missing_fields_are_still_found() {
        let obj =
            sts(json!({"template": {"spec": {"containers": [{"image": "x"}]}}, "replicas": true}));
        assert!(type_errors::<StatefulSet>(&obj)
            .unwrap_err()
            .contains("cannot unmarshal bool into Go struct field StatefulSetSpec.spec.replicas of type int32"));
        let obj = json!({"spec": {"containers": [{"ports": [{"containerPort": "80"}]}]}});
        assert!(type_errors::<Pod>(&obj).unwrap_err().contains(
            "Go struct field ContainerPort.spec.containers.ports.containerPort of type int32"
        ));
    }

    #[test]
    fn the_newer_kinds_are_checked_too() {
        let role = json!({"metadata": {"name": "r"}, "rules": [{"verbs": "get"}]});
        let err = check_kind_schema("roles", &role).unwrap_err();
        assert!(
            err.contains("PolicyRule.rules.verbs of type []string"),
            "{err}"
        );
        let binding = json!({"metadata": {"name": "b"}, "roleRef": {"apiGroup": "x", "kind": "Role", "name": 5}});
        let err = check_kind_schema("rolebindings", &binding).unwrap_err();
        assert!(err.contains("RoleRef.roleRef.name of type string"), "{err}");
        let pdb = json!({"metadata": {"name": "p"}, "spec": {"maxUnavailable": true}});
        assert!(check_kind_schema("poddisruptionbudgets", &pdb).is_err());
        let secret = json!({"metadata": {"name": "s"}, "data": {"k": 5}});
        assert!(check_kind_schema("secrets", &secret).is_err());
        // What Go decodes is still accepted.
        let ok = [
            (
                "secrets",
                json!({"metadata": {"name": "s"}, "data": {"k": "dmFsdWU="}, "stringData": {"a": "b"}}),
            ),
            (
                "clusterroles",
                json!({"metadata": {"name": "c"}, "rules": [{"verbs": ["get"], "nonResourceURLs": ["/x"]}]}),
            ),
            (
                "poddisruptionbudgets",
                json!({"metadata": {"name": "p"}, "spec": {"minAvailable": "50%"}}),
            ),
            (
                "clusterrolebindings",
                json!({"metadata": {"name": "b"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "User", "name": "u"}]}),
            ),
        ];
        for (plural, obj) in ok {
            assert_eq!(check_kind_schema(plural, &obj), Ok(()), "{plural}: {obj}");
        }
    }

    #[test]
    fn a_whole_object_of_the_wrong_type() {
        assert_eq!(
            type_errors::<StatefulSet>(&json!([1])).unwrap_err(),
            "json: cannot unmarshal array into Go value of type v1.StatefulSet"
        );
    }
}

//! Server-side apply (`application/apply-patch+yaml`) with field ownership in
//! `metadata.managedFields` (FieldsV1), as far as `kubectl apply --server-side` needs:
//! the applied configuration is merged into the live object, fields this manager applied
//! before and no longer applies are removed (unless another manager owns them), and
//! changing a field another manager owns is a 409 conflict unless `force` is set.
//!
//! Simplifications against structured-merge-diff: ownership is recorded only for apply
//! requests (other writes keep `managedFields` but record no `Update` entries), and list
//! semantics come from the strategic-merge table in [`crate::machinery::patch`].

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::apiserver::errors::ApiError;
use crate::machinery::patch::{list_strategy, strategic_merge, ListStrategy};
use crate::machinery::resources::ResourceType;
use crate::machinery::store::now_rfc3339;

/// One element of a field path in FieldsV1 notation (`f:spec`, `k:{"name":"app"}`,
/// `v:"x"`, `.` for a list item itself).
pub type PathElement = String;
/// A path from the object root.
pub type FieldPath = Vec<PathElement>;
/// The fields a manager owns.
pub type FieldSet = BTreeSet<FieldPath>;

/// Fields the server owns, never part of an apply's ownership.
fn server_owned(path: &[PathElement]) -> bool {
    match path {
        [one] => matches!(one.as_str(), "f:apiVersion" | "f:kind" | "f:status"),
        [m, f, ..] if m == "f:metadata" => matches!(
            f.as_str(),
            "f:name"
                | "f:namespace"
                | "f:uid"
                | "f:resourceVersion"
                | "f:generation"
                | "f:creationTimestamp"
                | "f:deletionTimestamp"
                | "f:deletionGracePeriodSeconds"
                | "f:managedFields"
                | "f:selfLink"
                | "f:generateName"
        ),
        _ => false,
    }
}

fn key_element(item: &Value, key: &str) -> PathElement {
    let mut m = Map::new();
    m.insert(
        key.to_string(),
        item.get(key).cloned().unwrap_or(Value::Null),
    );
    format!("k:{}", Value::Object(m))
}

/// The fields set in an object (its leaves, keyed list items and set members).
pub fn fields_of(obj: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    if let Value::Object(m) = obj {
        walk_map(m, &mut Vec::new(), &mut Vec::new(), &mut out);
    }
    out.retain(|p| !server_owned(p));
    out
}

fn walk_map(
    m: &Map<String, Value>,
    path: &mut FieldPath,
    smp: &mut Vec<String>,
    out: &mut FieldSet,
) {
    for (k, v) in m {
        path.push(format!("f:{k}"));
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                smp.push(k.clone());
                walk_map(inner, path, smp, out);
                smp.pop();
            }
            Value::Array(items) => match list_strategy(smp, k) {
                ListStrategy::MergeKey(key) if items.iter().all(|i| i.get(key).is_some()) => {
                    smp.push(k.clone());
                    smp.push("[]".into());
                    for item in items {
                        path.push(key_element(item, key));
                        out.insert(with(path, "."));
                        if let Value::Object(im) = item {
                            walk_map(im, path, smp, out);
                        }
                        path.pop();
                    }
                    smp.pop();
                    smp.pop();
                }
                ListStrategy::MergeSet => {
                    for item in items {
                        out.insert(with(path, &format!("v:{item}")));
                    }
                }
                _ => {
                    out.insert(path.clone());
                }
            },
            _ => {
                out.insert(path.clone());
            }
        }
        path.pop();
    }
}

fn with(path: &FieldPath, last: &str) -> FieldPath {
    let mut p = path.clone();
    p.push(last.to_string());
    p
}

/// The value at a field path, if present.
pub fn value_at<'a>(obj: &'a Value, path: &[PathElement]) -> Option<&'a Value> {
    let mut cur = obj;
    for el in path {
        if el == "." {
            continue;
        }
        cur = if let Some(f) = el.strip_prefix("f:") {
            cur.get(f)?
        } else if let Some(k) = el.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).ok()?;
            cur.as_array()?
                .iter()
                .find(|item| key.iter().all(|(kk, kv)| item.get(kk) == Some(kv)))?
        } else if let Some(v) = el.strip_prefix("v:") {
            let val: Value = serde_json::from_str(v).ok()?;
            cur.as_array()?.iter().find(|item| **item == val)?
        } else {
            return None;
        };
    }
    Some(cur)
}

/// Removes the field at a path (a whole list item for a `.` path); no-op when absent.
fn remove_at(obj: &mut Value, path: &[PathElement]) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let (last, parent_path) = if last == "." {
        match parent_path.split_last() {
            Some((item, pp)) => (item, pp),
            None => return,
        }
    } else {
        (last, parent_path)
    };
    let mut cur = obj;
    for el in parent_path {
        let next = if let Some(f) = el.strip_prefix("f:") {
            cur.get_mut(f)
        } else if let Some(k) = el.strip_prefix("k:") {
            let Ok(key) = serde_json::from_str::<Map<String, Value>>(k) else {
                return;
            };
            cur.as_array_mut().and_then(|a| {
                a.iter_mut()
                    .find(|item| key.iter().all(|(kk, kv)| item.get(kk) == Some(kv)))
            })
        } else {
            None
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    if let Some(f) = last.strip_prefix("f:") {
        if let Some(m) = cur.as_object_mut() {
            m.remove(f);
        }
    } else if let Some(k) = last.strip_prefix("k:") {
        if let (Ok(key), Some(a)) = (
            serde_json::from_str::<Map<String, Value>>(k),
            cur.as_array_mut(),
        ) {
            a.retain(|item| !key.iter().all(|(kk, kv)| item.get(kk) == Some(kv)));
        }
    } else if let Some(v) = last.strip_prefix("v:") {
        if let (Ok(val), Some(a)) = (serde_json::from_str::<Value>(v), cur.as_array_mut()) {
            a.retain(|item| *item != val);
        }
    }
}

/// FieldsV1 JSON of a field set.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut cur = &mut root;
        for el in path {
            let entry = cur
                .entry(el.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(m) = entry else {
                break;
            };
            cur = m;
        }
    }
    Value::Object(root)
}

/// A field set from FieldsV1 JSON (malformed parts are ignored).
pub fn from_fields_v1(v: &Value) -> FieldSet {
    fn go(m: &Map<String, Value>, path: &mut FieldPath, out: &mut FieldSet) {
        for (k, v) in m {
            path.push(k.clone());
            match v.as_object() {
                Some(inner) if !inner.is_empty() => go(inner, path, out),
                _ => {
                    out.insert(path.clone());
                }
            }
            path.pop();
        }
    }
    let mut out = FieldSet::new();
    if let Some(m) = v.as_object() {
        go(m, &mut Vec::new(), &mut out);
    }
    out
}

/// One manager's entry in `managedFields`.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    time: String,
    subresource: String,
    fields: FieldSet,
}

fn entries_of(obj: &Value) -> Vec<Entry> {
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| Entry {
            manager: e["manager"].as_str().unwrap_or("").to_string(),
            operation: e["operation"].as_str().unwrap_or("Update").to_string(),
            api_version: e["apiVersion"].as_str().unwrap_or("").to_string(),
            time: e["time"].as_str().unwrap_or("").to_string(),
            subresource: e["subresource"].as_str().unwrap_or("").to_string(),
            fields: from_fields_v1(&e["fieldsV1"]),
        })
        .collect()
}

fn entries_to_json(entries: &[Entry]) -> Value {
    Value::Array(
        entries
            .iter()
            .filter(|e| !e.fields.is_empty())
            .map(|e| {
                let mut v = json!({
                    "manager": e.manager,
                    "operation": e.operation,
                    "apiVersion": e.api_version,
                    "time": e.time,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": to_fields_v1(&e.fields),
                });
                if !e.subresource.is_empty() {
                    v["subresource"] = json!(e.subresource);
                }
                v
            })
            .collect(),
    )
}

/// What an apply request asked.
#[derive(Debug, Clone)]
pub struct ApplyRequest<'a> {
    /// `fieldManager` (required).
    pub manager: &'a str,
    /// `force`: take ownership of conflicting fields.
    pub force: bool,
}

/// Reads an apply body (YAML or JSON); errors read like upstream's decoder.
pub fn parse_config(body: &[u8]) -> Result<Value, ApiError> {
    let v: Value = serde_norway::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "error decoding YAML: the applied configuration must be an object",
        ));
    }
    Ok(v)
}

/// Checks the request's `fieldManager` (upstream requires one for apply).
pub fn require_manager(manager: Option<&str>) -> Result<&str, ApiError> {
    match manager.filter(|m| !m.is_empty()) {
        Some(m) if m.len() <= 128 => Ok(m),
        Some(_) => Err(ApiError::bad_request(
            "fieldManager: Too long: may not be more than 128 bytes",
        )),
        None => Err(ApiError::bad_request(
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        )),
    }
}

fn conflict_error(
    rt: &ResourceType,
    name: &str,
    conflicts: &[(String, String, String)],
) -> ApiError {
    let n = conflicts.len();
    let mut message = format!(
        "Apply failed with {n} conflict{}: ",
        if n == 1 { "" } else { "s" }
    );
    let parts: Vec<String> = conflicts
        .iter()
        .map(|(m, v, f)| format!("conflict with \"{m}\" using {v}: {f}"))
        .collect();
    message.push_str(&parts.join("\n"));
    let mut e = ApiError::conflict(rt, name);
    e.message = message;
    e.details = Some(json!({
        "name": name, "group": rt.group, "kind": rt.plural,
        "causes": conflicts.iter().map(|(m, v, f)| json!({
            "reason": "FieldManagerConflict",
            "message": format!("conflict with \"{m}\" using {v}"),
            "field": f,
        })).collect::<Vec<_>>(),
    }));
    e
}

/// Renders a field path as upstream's conflict messages do (`.spec.replicas`,
/// `.spec.containers[name="app"].image`).
pub fn display_path(path: &[PathElement]) -> String {
    let mut s = String::new();
    for el in path {
        if let Some(f) = el.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = el.strip_prefix("k:") {
            if let Ok(m) = serde_json::from_str::<Map<String, Value>>(k) {
                let inner: Vec<String> = m.iter().map(|(kk, kv)| format!("{kk}={kv}")).collect();
                s.push_str(&format!("[{}]", inner.join(",")));
            }
        } else if let Some(v) = el.strip_prefix("v:") {
            s.push_str(&format!("[={v}]"));
        }
    }
    s
}

/// Applies `config` to `live` (`None` when the object does not exist yet) for a manager;
/// returns the object to store, with its `managedFields`.
pub fn apply(
    rt: &ResourceType,
    live: Option<&Value>,
    config: &Value,
    req: &ApplyRequest<'_>,
) -> Result<Value, ApiError> {
    if !config.is_object() {
        return Err(ApiError::bad_request(
            "the applied configuration must be an object",
        ));
    }
    if !config["metadata"].is_null() && !config["metadata"].is_object() {
        return Err(ApiError::bad_request(
            "the applied configuration's metadata must be an object",
        ));
    }
    if live
        .is_some_and(|l| !l.is_object() || !(l["metadata"].is_object() || l["metadata"].is_null()))
    {
        return Err(ApiError::internal("the stored object is not an object"));
    }
    let name = config["metadata"]["name"].as_str().unwrap_or("");
    let empty = json!({});
    let live_obj = live.unwrap_or(&empty);
    let mut entries = entries_of(live_obj);
    let applied = fields_of(config);
    // Conflicts: another manager owns a field whose value this apply changes.
    let mut conflicts = Vec::new();
    if live.is_some() {
        for e in entries
            .iter()
            .filter(|e| e.manager != req.manager || e.operation != "Apply")
        {
            for p in applied.intersection(&e.fields) {
                if p.last().is_some_and(|l| l == ".") {
                    continue;
                }
                if value_at(live_obj, p) != value_at(config, p) {
                    conflicts.push((e.manager.clone(), e.api_version.clone(), display_path(p)));
                }
            }
        }
    }
    if !conflicts.is_empty() && !req.force {
        return Err(conflict_error(rt, name, &conflicts));
    }
    let mut merged = match live {
        Some(l) => {
            let mut base = l.clone();
            if let Some(m) = base["metadata"].as_object_mut() {
                m.remove("managedFields");
            }
            let mut patch = config.clone();
            if let Some(m) = patch["metadata"].as_object_mut() {
                m.remove("managedFields");
            }
            strategic_merge(&base, &patch).map_err(|e| ApiError::bad_request(e.message()))?
        }
        None => config.clone(),
    };
    // Fields this manager applied before and dropped now go, unless someone else owns them.
    let previous: FieldSet = entries
        .iter()
        .find(|e| e.manager == req.manager && e.operation == "Apply")
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    let others: FieldSet = entries
        .iter()
        .filter(|e| !(e.manager == req.manager && e.operation == "Apply"))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    let mut dropped: Vec<&FieldPath> = previous
        .difference(&applied)
        .filter(|p| !others.contains(*p))
        .collect();
    // Deepest first, so a removed list item does not hide its own fields' removal.
    dropped.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in dropped {
        remove_at(&mut merged, p);
    }
    // Ownership: forced fields leave their former owners; this manager owns what it applied.
    if req.force {
        for e in entries.iter_mut() {
            if !(e.manager == req.manager && e.operation == "Apply") {
                e.fields.retain(|p| {
                    !(applied.contains(p) && value_at(live_obj, p) != value_at(config, p))
                });
            }
        }
    }
    let api_version = config["apiVersion"].as_str().unwrap_or("").to_string();
    let now = now_rfc3339();
    match entries
        .iter_mut()
        .find(|e| e.manager == req.manager && e.operation == "Apply")
    {
        Some(e) => {
            if e.fields != applied {
                e.time = now;
            }
            e.fields = applied;
            e.api_version = api_version;
        }
        None => entries.push(Entry {
            manager: req.manager.to_string(),
            operation: "Apply".into(),
            api_version,
            time: now,
            subresource: String::new(),
            fields: applied,
        }),
    }
    let Some(m) = merged.as_object_mut() else {
        return Err(ApiError::bad_request("the merged object is not an object"));
    };
    let meta = m.entry("metadata").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    meta["managedFields"] = entries_to_json(&entries);
    Ok(merged)
}

/// Managers and their operations, for tests and diagnostics.
pub fn managers(obj: &Value) -> BTreeMap<String, String> {
    entries_of(obj)
        .into_iter()
        .map(|e| (e.manager, e.operation))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::resources::CONFIGMAPS;

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "x"}}, "data": data})
    }

    fn req(manager: &str, force: bool) -> ApplyRequest<'_> {
        ApplyRequest { manager, force }
    }

    #[test]
    fn fields_follow_fieldsv1_notation() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "finalizers": ["a"]},
            "spec": {"containers": [{"name": "app", "image": "i"}]}});
        let f = fields_of(&pod);
        let v1 = to_fields_v1(&f);
        assert_eq!(
            v1["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"]["f:image"],
            json!({})
        );
        assert_eq!(
            v1["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"]["."],
            json!({})
        );
        assert_eq!(v1["f:metadata"]["f:finalizers"]["v:\"a\""], json!({}));
        assert!(v1["f:metadata"].get("f:name").is_none());
        assert_eq!(from_fields_v1(&v1), f);
    }

    #[test]
    fn applying_twice_changes_nothing_and_dropped_fields_go() {
        let first = apply(
            &CONFIGMAPS,
            None,
            &cm(json!({"a": "1", "b": "2"})),
            &req("kubectl", false),
        )
        .unwrap();
        let again = apply(
            &CONFIGMAPS,
            Some(&first),
            &cm(json!({"a": "1", "b": "2"})),
            &req("kubectl", false),
        )
        .unwrap();
        assert_eq!(first, again);
        let dropped = apply(
            &CONFIGMAPS,
            Some(&first),
            &cm(json!({"a": "1"})),
            &req("kubectl", false),
        )
        .unwrap();
        assert_eq!(dropped["data"], json!({"a": "1"}));
    }

    #[test]
    fn another_manager_conflicts_unless_forced() {
        let first = apply(
            &CONFIGMAPS,
            None,
            &cm(json!({"a": "1"})),
            &req("kubectl", false),
        )
        .unwrap();
        let err = apply(
            &CONFIGMAPS,
            Some(&first),
            &cm(json!({"a": "2"})),
            &req("other", false),
        )
        .unwrap_err();
        assert_eq!(err.code, 409);
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"kubectl\" using v1: .data.a"
        );
        // The same value is shared, not a conflict.
        let shared = apply(
            &CONFIGMAPS,
            Some(&first),
            &cm(json!({"a": "1"})),
            &req("other", false),
        )
        .unwrap();
        assert_eq!(managers(&shared).len(), 2);
        let forced = apply(
            &CONFIGMAPS,
            Some(&first),
            &cm(json!({"a": "2"})),
            &req("other", true),
        )
        .unwrap();
        assert_eq!(forced["data"]["a"], "2");
        let entries = entries_of(&forced);
        let kubectl = entries.iter().find(|e| e.manager == "kubectl").unwrap();
        assert!(!kubectl
            .fields
            .contains(&vec!["f:data".to_string(), "f:a".to_string()]));
    }

    #[test]
    fn apply_needs_a_manager_and_an_object() {
        assert_eq!(require_manager(None).unwrap_err().code, 400);
        assert_eq!(require_manager(Some("kubectl")).unwrap(), "kubectl");
        assert!(parse_config(b"a: [").is_err());
        assert!(parse_config(b"- 1").is_err());
        assert_eq!(
            parse_config(b"kind: ConfigMap\ndata: {a: b}").unwrap()["data"]["a"],
            "b"
        );
    }
}

/// Strategies shared by the property tests of the modules that read objects.
#[cfg(test)]
pub(crate) mod properties_support {
    use proptest::prelude::*;
    use serde_json::Value;

    /// Arbitrary JSON, biased towards the shapes objects have.
    pub(crate) fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z.%/:{}\"]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("metadata".to_string()),
                        Just("spec".to_string()),
                        Just("containers".to_string()),
                        Just("name".to_string()),
                        Just("finalizers".to_string()),
                        Just("managedFields".to_string()),
                        Just("fieldsV1".to_string()),
                        "[a-zA-Z:.]{1,6}",
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}

#[cfg(test)]
mod properties {
    use super::properties_support::json_value;
    use super::*;
    use crate::machinery::resources::{CONFIGMAPS, PODS};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn apply_never_panics(live in json_value(), config in json_value(), force in any::<bool>()) {
            let req = ApplyRequest { manager: "m", force };
            for rt in [&CONFIGMAPS, &PODS] {
                let _ = apply(rt, Some(&live), &config, &req);
                let _ = apply(rt, None, &config, &req);
            }
            let _ = from_fields_v1(&live);
            let set = fields_of(&config);
            prop_assert_eq!(from_fields_v1(&to_fields_v1(&set)).len() <= set.len(), true);
        }

        #[test]
        fn parse_config_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_config(&body);
        }
    }
}

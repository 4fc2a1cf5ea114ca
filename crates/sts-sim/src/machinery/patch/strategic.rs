//! The Kubernetes strategic merge patch (`k8s.io/apimachinery/pkg/util/strategicpatch`):
//! each list's strategy (merge by key, as a set, or replace) from its field and position, and
//! the `$patch`, `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList` directives.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::machinery::patch::rfc6902::go_json_kind;
use crate::machinery::patch::PatchError;

pub(super) const DIRECTIVE_MARKER: &str = "$patch";
pub(super) const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
pub(super) const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";
pub(super) const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";

// Strategic merge patch
// ---------------------------------------------------------------------------

/// Applies a strategic merge patch body to `target`.
pub fn apply_strategic_merge_patch(target: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let patch: Value =
        serde_json::from_slice(patch).map_err(|e| PatchError::Invalid(e.to_string()))?;
    strategic_merge(target, &patch)
}

/// Applies an already decoded strategic merge patch to `target` (both must be
/// JSON objects). No `$patch`, `$retainKeys`, `$setElementOrder/…` or
/// `$deleteFromPrimitiveList/…` directive is left in the result.
pub fn strategic_merge(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    let Value::Object(patch) = patch else {
        return Err(PatchError::Invalid(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            go_json_kind(patch)
        )));
    };
    let original = match target {
        Value::Object(m) => m.clone(),
        Value::Null => Map::new(),
        other => {
            return Err(PatchError::TestFailed(format!(
                "cannot apply a strategic merge patch to a JSON {}",
                go_json_kind(other)
            )))
        }
    };
    let mut path = Vec::new();
    merge_map(original, patch.clone(), &mut path).map(Value::Object)
}

/// How a list field is merged, the equivalent of upstream's struct tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListStrategy {
    /// No patch strategy (atomic list): the patch list replaces the original.
    Replace,
    /// `patchStrategy:"merge"` with `patchMergeKey`: lists of objects merged by key.
    MergeKey(&'static str),
    /// `patchStrategy:"merge"` on a list of primitives: set union.
    MergeSet,
}

/// Decides the merge strategy of list field `key` inside the map reached by
/// `path` (map keys from the object root; `"[]"` marks a list element).
pub(crate) fn list_strategy(path: &[String], key: &str) -> ListStrategy {
    let parent = path.last().map(String::as_str);
    let in_container = path.len() >= 2
        && path[path.len() - 1] == "[]"
        && matches!(
            path[path.len() - 2].as_str(),
            "containers" | "initContainers" | "ephemeralContainers"
        );
    use ListStrategy::*;
    match key {
        // PodSpec (also inside pod templates at any depth).
        "containers" | "initContainers" | "ephemeralContainers" => MergeKey("name"),
        "volumes" if parent == Some("spec") => MergeKey("name"),
        "imagePullSecrets" | "schedulingGates" => MergeKey("name"),
        "resourceClaims" if parent == Some("spec") => MergeKey("name"),
        "hostAliases" => MergeKey("ip"),
        "topologySpreadConstraints" => MergeKey("topologyKey"),
        // Container.
        "env" if in_container => MergeKey("name"),
        "volumeMounts" if in_container => MergeKey("mountPath"),
        "volumeDevices" if in_container => MergeKey("devicePath"),
        "ports" if in_container => MergeKey("containerPort"),
        // ServiceSpec.ports (top-level `spec` of a Service).
        "ports" if path.len() == 1 && parent == Some("spec") => MergeKey("port"),
        // ObjectMeta (object metadata and template metadata).
        "ownerReferences" if parent == Some("metadata") => MergeKey("uid"),
        "finalizers" if parent == Some("metadata") => MergeSet,
        // Status lists.
        "conditions" if parent == Some("status") => MergeKey("type"),
        "addresses" if path.len() == 1 && parent == Some("status") => MergeKey("type"),
        "podIPs" | "hostIPs" if parent == Some("status") => MergeKey("ip"),
        // ServiceAccount.secrets.
        "secrets" if path.is_empty() => MergeKey("name"),
        _ => Replace,
    }
}

pub(super) fn bad_retain_keys() -> PatchError {
    PatchError::Invalid("invalid patch format of retainKeys".to_string())
}

pub(super) fn bad_set_element_order() -> PatchError {
    PatchError::Invalid("invalid patch format of setElementOrder list".to_string())
}

pub(super) fn bad_primitive_list() -> PatchError {
    PatchError::Invalid("invalid patch format of primitive list".to_string())
}

/// Splits `"$prefix/field"` into `field`, as upstream's `extractKey`.
pub(super) fn directive_field<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    let (head, rest) = key.split_once('/')?;
    (head == prefix).then_some(rest)
}

pub(super) fn with_segment<T>(
    path: &mut Vec<String>,
    seg: &str,
    f: impl FnOnce(&mut Vec<String>) -> T,
) -> T {
    path.push(seg.to_string());
    let out = f(path);
    path.pop();
    out
}

/// Strategic merge of two maps (upstream `mergeMap` with
/// `MergeParallelList` and `IgnoreUnmatchedNulls`).
pub(super) fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<Map<String, Value>, PatchError> {
    if let Some(directive) = patch.remove(DIRECTIVE_MARKER) {
        match directive.as_str() {
            // Replace the whole map by the patch (directives inside it are
            // still resolved, so none leak into the stored object).
            Some("replace") => return merge_map(Map::new(), patch, path),
            // Upstream returns an empty map, it does not drop the key.
            Some("delete") => return Ok(Map::new()),
            // Upstream rejects `merge` on a map; it is the default anyway.
            Some("merge") => {}
            _ => {
                return Err(PatchError::Invalid(format!(
                    "unknown patch type: {} in map: {}",
                    display_scalar(&directive),
                    Value::Object(patch)
                )))
            }
        }
    }

    // $retainKeys: drop original keys not listed; patch keys must be listed.
    if let Some(retain) = patch.remove(RETAIN_KEYS_DIRECTIVE) {
        let Value::Array(list) = retain else {
            return Err(bad_retain_keys());
        };
        let keep: BTreeSet<&str> = list.iter().filter_map(Value::as_str).collect();
        for (k, v) in &patch {
            if v.is_null()
                || k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
                || k.starts_with(SET_ELEMENT_ORDER_PREFIX)
            {
                continue;
            }
            if !keep.contains(k.as_str()) {
                return Err(bad_retain_keys());
            }
        }
        original.retain(|k, _| keep.contains(k.as_str()));
    }

    // $setElementOrder/<field>: merge that list now and enforce the order.
    let order_keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER_PREFIX))
        .cloned()
        .collect();
    for directive_key in order_keys {
        let order = patch.remove(&directive_key).unwrap_or(Value::Null);
        let field = directive_field(&directive_key, SET_ELEMENT_ORDER_PREFIX)
            .ok_or_else(bad_set_element_order)?
            .to_string();
        let Value::Array(order) = order else {
            return Err(bad_set_element_order());
        };
        let strategy = list_strategy(path, &field);
        let orig_list = match original.get(&field) {
            Some(Value::Array(a)) => Some(a.clone()),
            _ => None,
        };
        let patch_list = match patch.get(&field) {
            Some(Value::Array(_)) => match patch.remove(&field) {
                Some(Value::Array(a)) => Some(a),
                _ => None,
            },
            // Not a list (e.g. null): leave it to the generic loop below.
            _ => None,
        };
        let merged = with_segment(path, &field, |p| match (&orig_list, patch_list) {
            (Some(o), None) => Ok(Some(o.clone())),
            (None, Some(pl)) => merge_list(Vec::new(), pl, strategy, p).map(Some),
            (Some(o), Some(pl)) => merge_list(o.clone(), pl, strategy, p).map(Some),
            (None, None) => Ok(None),
        })?;
        let Some(merged) = merged else { continue };
        let server_order = orig_list.unwrap_or_default();
        let ordered = match strategy {
            ListStrategy::MergeKey(key) => {
                let key_of = |v: &Value| v.as_object().and_then(|m| m.get(key)).cloned();
                reorder(merged, &order, &server_order, key_of)
            }
            ListStrategy::MergeSet => reorder(merged, &order, &server_order, |v| Some(v.clone())),
            ListStrategy::Replace => merged,
        };
        original.insert(field, Value::Array(ordered));
    }

    for (k, patch_value) in patch {
        if k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
            let field = directive_field(&k, DELETE_FROM_PRIMITIVE_LIST_PREFIX)
                .ok_or_else(bad_primitive_list)?;
            let Value::Array(to_delete) = patch_value else {
                return Err(bad_primitive_list());
            };
            if let Some(Value::Array(list)) = original.get_mut(field) {
                list.retain(|item| !to_delete.contains(item));
            }
            continue;
        }
        if k.starts_with(SET_ELEMENT_ORDER_PREFIX) {
            continue;
        }
        if patch_value.is_null() {
            original.remove(&k);
            continue;
        }
        let existing = original.remove(&k);
        let strategy = list_strategy(path, &k);
        let merged = with_segment(path, &k, |p| -> Result<Value, PatchError> {
            Ok(match (existing, patch_value) {
                (Some(Value::Object(o)), Value::Object(pm)) => Value::Object(merge_map(o, pm, p)?),
                (_, Value::Object(pm)) => Value::Object(merge_map(Map::new(), pm, p)?),
                (Some(Value::Array(o)), Value::Array(pl)) => {
                    Value::Array(merge_list(o, pl, strategy, p)?)
                }
                (_, Value::Array(pl)) => Value::Array(merge_list(Vec::new(), pl, strategy, p)?),
                (_, scalar) => scalar,
            })
        })?;
        original.insert(k, merged);
    }
    Ok(original)
}

pub(super) fn display_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Merges list `patch` into list `original`; `path` ends with the list's field name.
pub(super) fn merge_list(
    original: Vec<Value>,
    patch: Vec<Value>,
    strategy: ListStrategy,
    path: &mut Vec<String>,
) -> Result<Vec<Value>, PatchError> {
    match strategy {
        ListStrategy::Replace => replace_list(patch, path),
        ListStrategy::MergeSet => {
            if patch.iter().any(|v| v.is_object() || v.is_array()) {
                return replace_list(patch, path);
            }
            let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
            for v in original.iter().chain(patch.iter()) {
                if !merged.contains(v) {
                    merged.push(v.clone());
                }
            }
            Ok(reorder(merged, &patch, &original, |v| Some(v.clone())))
        }
        ListStrategy::MergeKey(key) => merge_keyed_list(original, patch, key, path),
    }
}

/// An atomic list: the patch wins, directive-only elements are dropped and
/// directives nested in elements are resolved.
pub(super) fn replace_list(
    patch: Vec<Value>,
    path: &mut Vec<String>,
) -> Result<Vec<Value>, PatchError> {
    let mut out = Vec::with_capacity(patch.len());
    for item in patch {
        match item {
            Value::Object(m) => {
                match m.get(DIRECTIVE_MARKER).and_then(Value::as_str) {
                    Some("delete") => continue,
                    Some(_) if m.len() == 1 => continue,
                    _ => {}
                }
                out.push(Value::Object(with_segment(path, "[]", |p| {
                    merge_map(Map::new(), m, p)
                })?));
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

pub(super) fn no_merge_key(m: &Map<String, Value>, key: &str) -> PatchError {
    PatchError::TestFailed(format!(
        "map: {} does not contain declared merge key: {key}",
        Value::Object(m.clone())
    ))
}

/// Upstream `mergeSlice` for lists of maps with a merge key.
pub(super) fn merge_keyed_list(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    key: &'static str,
    path: &mut Vec<String>,
) -> Result<Vec<Value>, PatchError> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let mut plain: Vec<Map<String, Value>> = Vec::new();
    let mut replace = false;
    for item in patch {
        let Value::Object(m) = item else {
            return Err(PatchError::TestFailed(format!(
                "list element types are not identical: expected a map, got a JSON {} in list merged by {key}",
                go_json_kind(&item)
            )));
        };
        match m.get(DIRECTIVE_MARKER) {
            None => plain.push(m),
            Some(d) => match d.as_str() {
                Some("delete") => {
                    let Some(wanted) = m.get(key) else {
                        return Err(no_merge_key(&m, key));
                    };
                    original.retain(|o| o.get(key) != Some(wanted));
                }
                Some("replace") => replace = true,
                // Upstream rejects `merge` here ("merging lists cannot yet be
                // specified in the patch"); merging is the default, so accept it.
                Some("merge") => {
                    let mut m = m;
                    m.remove(DIRECTIVE_MARKER);
                    if !m.is_empty() {
                        plain.push(m);
                    }
                }
                _ => {
                    return Err(PatchError::Invalid(format!(
                        "unknown patch type: {} in map: {}",
                        display_scalar(d),
                        Value::Object(m.clone())
                    )))
                }
            },
        }
    }

    path.push("[]".to_string());
    let result = (|| {
        if replace {
            let mut out = Vec::with_capacity(plain.len());
            for m in plain {
                out.push(Value::Object(merge_map(Map::new(), m, path)?));
            }
            return Ok(out);
        }
        let patch_keys: Vec<Value> = plain
            .iter()
            .map(|m| m.get(key).cloned().ok_or_else(|| no_merge_key(m, key)))
            .collect::<Result<_, _>>()?;
        let server_order = original.clone();
        let mut merged = original;
        for (m, wanted) in plain.into_iter().zip(patch_keys.iter()) {
            let pos = merged.iter().position(|o| o.get(key) == Some(wanted));
            match pos {
                Some(i) => {
                    let base = match std::mem::take(&mut merged[i]) {
                        Value::Object(o) => o,
                        _ => Map::new(),
                    };
                    merged[i] = Value::Object(merge_map(base, m, path)?);
                }
                None => merged.push(Value::Object(merge_map(Map::new(), m, path)?)),
            }
        }
        let order: Vec<Value> = patch_keys
            .into_iter()
            .map(|k| {
                let mut m = Map::new();
                m.insert(key.to_string(), k);
                Value::Object(m)
            })
            .collect();
        let key_of = |v: &Value| v.as_object().and_then(|m| m.get(key)).cloned();
        Ok(reorder(merged, &order, &server_order, key_of))
    })();
    path.pop();
    result
}

/// Upstream's ordering rule (`normalizeElementOrder` + `mergeSortedSlice`):
/// items named in `patch_order` keep that relative order, the other items keep
/// their order in `server_order`, and the two runs are interleaved using the
/// positions in `server_order` where both sides are known.
pub(super) fn reorder(
    merged: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    key_of: impl Fn(&Value) -> Option<Value>,
) -> Vec<Value> {
    let index_in = |list: &[Value], item: &Value| -> Option<usize> {
        let k = key_of(item)?;
        list.iter().position(|v| key_of(v).as_ref() == Some(&k))
    };
    let (mut patch_items, mut server_only): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|item| index_in(patch_order, item).is_some());
    patch_items.sort_by_key(|item| index_in(patch_order, item).unwrap_or(usize::MAX));
    server_only.sort_by_key(|item| index_in(server_order, item).unwrap_or(usize::MAX));

    let mut out = Vec::with_capacity(patch_items.len() + server_only.len());
    let mut left = server_only.into_iter().peekable();
    let mut right = patch_items.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => match (index_in(server_order, l), index_in(server_order, r)) {
                (Some(li), Some(ri)) => li < ri,
                _ => false,
            },
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

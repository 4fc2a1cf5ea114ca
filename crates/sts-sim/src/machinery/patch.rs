//! Kubernetes PATCH semantics on untyped JSON.
//!
//! The simulated API server stores objects as `serde_json::Value` and has no
//! Go struct tags to consult, so this module re-implements the three patch
//! flavours a real `kube-apiserver` accepts: RFC 6902 JSON patch, RFC 7386
//! JSON merge patch, and the Kubernetes strategic merge patch (SMP) from
//! `k8s.io/apimachinery/pkg/util/strategicpatch`. The strategic merge strategy
//! of each list (merge by key, merge as a set, or replace) is decided from the
//! field name and its position in the object, mirroring the
//! `patchStrategy`/`patchMergeKey` tags of the upstream API types. Errors carry
//! the HTTP status and the message upstream would put in its `Status` reply.

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// The `Status.message` upstream returns (with `422` / reason `Invalid`) when a
/// patch is well-formed but cannot be applied, e.g. a JSON patch `test`
/// operation fails. It comes from `NewGenericServerResponse(422, ...)` in
/// `k8s.io/apimachinery/pkg/api/errors`; the underlying error text is not
/// included in the reply.
pub const INVALID_PATCH_MESSAGE: &str =
    "the server rejected our request due to an error in our request";

const DIRECTIVE_MARKER: &str = "$patch";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";
const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";

/// The patch flavours selected by the request `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// `application/json-patch+json`: RFC 6902 list of operations.
    Json,
    /// `application/merge-patch+json`: RFC 7386 merge patch.
    Merge,
    /// `application/strategic-merge-patch+json`: Kubernetes strategic merge patch.
    StrategicMerge,
    /// `application/apply-patch+yaml`: server-side apply. The simulator has no
    /// field managers, so the body (JSON, which is valid YAML and what kubectl
    /// sends) is applied as a strategic merge patch: maps merge, keyed lists
    /// (containers, env, ports, ...) merge by key like SSA's associative lists,
    /// and atomic lists are replaced. Fields owned by other managers are
    /// therefore never removed.
    Apply,
}

impl PatchType {
    /// Maps a request `Content-Type` (parameters such as `; charset=utf-8` are
    /// ignored, matching is case-insensitive) to a patch type; `None` means
    /// upstream would answer `415 Unsupported Media Type`.
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        let base = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match base.as_str() {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::StrategicMerge),
            "application/apply-patch+yaml" => Some(PatchType::Apply),
            _ => None,
        }
    }

    /// The canonical `Content-Type` of this patch type.
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }
}

/// Why a patch could not be applied.
///
/// Exactly two variants, each carrying the text to put in the `Status.message`
/// of the reply; [`PatchError::code`] and [`PatchError::reason`] give the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchError {
    /// The body could not be decoded or is malformed (bad JSON, wrong shape,
    /// bad `$retainKeys` / `$setElementOrder` / `$deleteFromPrimitiveList`
    /// directive, unknown `$patch` value). Upstream: `400 BadRequest`.
    Invalid(String),
    /// The patch was decoded but could not be applied to this object.
    /// Upstream: `422`, reason `Invalid`. For JSON patch failures (a `test`
    /// operation that does not match, a path that does not exist, an unknown
    /// op) upstream answers with [`INVALID_PATCH_MESSAGE`] and nothing more:
    /// the evanphx/json-patch error (e.g. `testing value /spec/replicas
    /// failed: test failed`) is not included, so the payload here is exactly
    /// [`INVALID_PATCH_MESSAGE`]. Strategic-merge failures (a list element
    /// without its merge key, mixed element types) carry the specific
    /// upstream error text instead.
    TestFailed(String),
}

impl PatchError {
    /// HTTP status code upstream answers with (400 or 422).
    pub fn code(&self) -> u16 {
        match self {
            PatchError::Invalid(_) => 400,
            PatchError::TestFailed(_) => 422,
        }
    }

    /// `metav1.Status.reason` upstream answers with.
    pub fn reason(&self) -> &'static str {
        match self {
            PatchError::Invalid(_) => "BadRequest",
            PatchError::TestFailed(_) => "Invalid",
        }
    }

    /// `metav1.Status.message` to answer with.
    pub fn message(&self) -> &str {
        match self {
            PatchError::Invalid(m) | PatchError::TestFailed(m) => m,
        }
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for PatchError {}

/// Applies `patch` (the raw request body) of the given type to `target` and
/// returns the patched object; `target` is left untouched.
pub fn apply_patch(kind: PatchType, target: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    match kind {
        PatchType::Json => apply_json_patch(target, patch),
        PatchType::Merge => apply_merge_patch(target, patch),
        PatchType::StrategicMerge => apply_strategic_merge_patch(target, patch),
        PatchType::Apply => {
            let patch: Value = serde_json::from_slice(patch)
                .map_err(|e| PatchError::Invalid(format!("error decoding YAML: {e}")))?;
            strategic_merge(target, &patch)
        }
    }
}

// ---------------------------------------------------------------------------
// RFC 6902 JSON patch
// ---------------------------------------------------------------------------

/// Applies an RFC 6902 JSON patch body to `target`.
pub fn apply_json_patch(target: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let raw: Value =
        serde_json::from_slice(patch).map_err(|e| PatchError::Invalid(e.to_string()))?;
    let Value::Array(ops) = &raw else {
        return Err(PatchError::Invalid(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            go_json_kind(&raw)
        )));
    };
    for op in ops {
        if !op.is_object() {
            return Err(PatchError::Invalid(format!(
                "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                go_json_kind(op)
            )));
        }
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        if !matches!(
            kind,
            "add" | "remove" | "replace" | "move" | "copy" | "test"
        ) {
            // evanphx: `Unexpected kind: <op>`, reported as a 422.
            return Err(unprocessable());
        }
    }
    let parsed: json_patch::Patch =
        serde_json::from_value(raw.clone()).map_err(|e| PatchError::Invalid(e.to_string()))?;
    let mut doc = target.clone();
    for op in &parsed.0 {
        if let json_patch::PatchOperation::Test(t) = op {
            if !test_op_passes(&doc, t.path.as_str(), &t.value) {
                return Err(unprocessable());
            }
            continue;
        }
        json_patch::patch(&mut doc, std::slice::from_ref(op)).map_err(|_| unprocessable())?;
    }
    Ok(doc)
}

/// The 422 answer upstream gives for any JSON patch that fails to apply.
fn unprocessable() -> PatchError {
    PatchError::TestFailed(INVALID_PATCH_MESSAGE.to_string())
}

/// evanphx/json-patch (v4, used by the apiserver) semantics for `test`: equal
/// values pass, and a missing key inside an existing object passes only when
/// the expected value is `null`. A failure is the Go error `testing value
/// <path> failed: test failed` upstream (not sent to the client).
fn test_op_passes(doc: &Value, path: &str, expected: &Value) -> bool {
    match doc.pointer(path) {
        Some(actual) => actual == expected,
        None => {
            let parent = path.rfind('/').map(|i| &path[..i]);
            expected.is_null()
                && matches!(parent.and_then(|p| doc.pointer(p)), Some(Value::Object(_)))
        }
    }
}

fn go_json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

// ---------------------------------------------------------------------------
// RFC 7386 JSON merge patch
// ---------------------------------------------------------------------------

/// Applies an RFC 7386 JSON merge patch body to `target`.
pub fn apply_merge_patch(target: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let patch: Value = serde_json::from_slice(patch)
        .map_err(|e| PatchError::Invalid(format!("Invalid JSON Patch: {e}")))?;
    let mut doc = target.clone();
    json_patch::merge(&mut doc, &patch);
    if !doc.is_object() {
        return Err(PatchError::TestFailed(format!(
            "merge patch result is a JSON {}, not an object",
            go_json_kind(&doc)
        )));
    }
    Ok(doc)
}

// ---------------------------------------------------------------------------
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

fn bad_retain_keys() -> PatchError {
    PatchError::Invalid("invalid patch format of retainKeys".to_string())
}

fn bad_set_element_order() -> PatchError {
    PatchError::Invalid("invalid patch format of setElementOrder list".to_string())
}

fn bad_primitive_list() -> PatchError {
    PatchError::Invalid("invalid patch format of primitive list".to_string())
}

/// Splits `"$prefix/field"` into `field`, as upstream's `extractKey`.
fn directive_field<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    let (head, rest) = key.split_once('/')?;
    (head == prefix).then_some(rest)
}

fn with_segment<T>(path: &mut Vec<String>, seg: &str, f: impl FnOnce(&mut Vec<String>) -> T) -> T {
    path.push(seg.to_string());
    let out = f(path);
    path.pop();
    out
}

/// Strategic merge of two maps (upstream `mergeMap` with
/// `MergeParallelList` and `IgnoreUnmatchedNulls`).
fn merge_map(
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

fn display_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Merges list `patch` into list `original`; `path` ends with the list's field name.
fn merge_list(
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
fn replace_list(patch: Vec<Value>, path: &mut Vec<String>) -> Result<Vec<Value>, PatchError> {
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

fn no_merge_key(m: &Map<String, Value>, key: &str) -> PatchError {
    PatchError::TestFailed(format!(
        "map: {} does not contain declared merge key: {key}",
        Value::Object(m.clone())
    ))
}

/// Upstream `mergeSlice` for lists of maps with a merge key.
fn merge_keyed_list(
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
fn reorder(
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(target: Value, patch: Value) -> Value {
        apply_patch(
            PatchType::StrategicMerge,
            &target,
            patch.to_string().as_bytes(),
        )
        .unwrap()
    }

    fn no_directives(v: &Value) -> bool {
        match v {
            Value::Object(m) => m.iter().all(|(k, v)| {
                k != DIRECTIVE_MARKER
                    && k != RETAIN_KEYS_DIRECTIVE
                    && !k.starts_with(SET_ELEMENT_ORDER_PREFIX)
                    && !k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
                    && no_directives(v)
            }),
            Value::Array(a) => a.iter().all(no_directives),
            _ => true,
        }
    }

    fn sts() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {
                "name": "web", "namespace": "default",
                "labels": {"app": "web", "tier": "frontend"},
                "finalizers": ["a", "b"]
            },
            "spec": {
                "replicas": 3,
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}],
                "template": {
                    "metadata": {"labels": {"app": "web"}, "annotations": {"x": "1"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "app", "image": "nginx:1.25",
                                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                                "ports": [{"containerPort": 80, "name": "http"}],
                                "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "cfg", "mountPath": "/etc/cfg"}]
                            },
                            {"name": "sidecar", "image": "busybox"}
                        ],
                        "volumes": [{"name": "cfg", "configMap": {"name": "cm"}}],
                        "tolerations": [{"key": "k", "operator": "Exists"}]
                    }
                }
            }
        })
    }

    #[test]
    fn content_types() {
        assert_eq!(
            PatchType::from_content_type("application/json-patch+json"),
            Some(PatchType::Json)
        );
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchType::Merge)
        );
        assert_eq!(
            PatchType::from_content_type("Application/Strategic-Merge-Patch+JSON"),
            Some(PatchType::StrategicMerge)
        );
        assert_eq!(
            PatchType::from_content_type("application/apply-patch+yaml"),
            Some(PatchType::Apply)
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
        for t in [
            PatchType::Json,
            PatchType::Merge,
            PatchType::StrategicMerge,
            PatchType::Apply,
        ] {
            assert_eq!(PatchType::from_content_type(t.content_type()), Some(t));
        }
    }

    #[test]
    fn json_patch_replace_partition() {
        let p = br#"[{"op":"replace","path":"/spec/updateStrategy/rollingUpdate/partition","value":2}]"#;
        let out = apply_patch(PatchType::Json, &sts(), p).unwrap();
        assert_eq!(
            out["spec"]["updateStrategy"]["rollingUpdate"]["partition"],
            2
        );
        assert_eq!(out["spec"]["replicas"], 3);
    }

    #[test]
    fn json_patch_test_passes_then_applies() {
        let p = br#"[{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":5}]"#;
        let out = apply_patch(PatchType::Json, &sts(), p).unwrap();
        assert_eq!(out["spec"]["replicas"], 5);
    }

    #[test]
    fn json_patch_test_fails() {
        let p = br#"[{"op":"test","path":"/spec/replicas","value":4},{"op":"replace","path":"/spec/replicas","value":5}]"#;
        let err = apply_patch(PatchType::Json, &sts(), p).unwrap_err();
        assert_eq!(
            err,
            PatchError::TestFailed(
                "the server rejected our request due to an error in our request".into()
            )
        );
        assert_eq!(err.code(), 422);
        assert_eq!(err.reason(), "Invalid");
        assert_eq!(err.message(), INVALID_PATCH_MESSAGE);
    }

    #[test]
    fn json_patch_test_missing_key() {
        // evanphx: a missing key equals null, anything else fails.
        let ok = br#"[{"op":"test","path":"/spec/nope","value":null}]"#;
        assert!(apply_patch(PatchType::Json, &sts(), ok).is_ok());
        let bad = br#"[{"op":"test","path":"/spec/nope","value":1}]"#;
        assert!(matches!(
            apply_patch(PatchType::Json, &sts(), bad),
            Err(PatchError::TestFailed(_))
        ));
        let no_parent = br#"[{"op":"test","path":"/nope/x","value":1}]"#;
        assert!(matches!(
            apply_patch(PatchType::Json, &sts(), no_parent),
            Err(PatchError::TestFailed(_))
        ));
    }

    #[test]
    fn json_patch_errors() {
        let missing = br#"[{"op":"replace","path":"/spec/missing/x","value":1}]"#;
        let err = apply_patch(PatchType::Json, &sts(), missing).unwrap_err();
        assert!(matches!(err, PatchError::TestFailed(_)));
        assert_eq!(err.code(), 422);

        let unknown = br#"[{"op":"frob","path":"/spec"}]"#;
        assert_eq!(
            apply_patch(PatchType::Json, &sts(), unknown).unwrap_err(),
            PatchError::TestFailed(INVALID_PATCH_MESSAGE.into())
        );

        let not_array = br#"{"op":"add"}"#;
        let err = apply_patch(PatchType::Json, &sts(), not_array).unwrap_err();
        assert_eq!(err.code(), 400);
        assert_eq!(err.reason(), "BadRequest");
        assert!(err.message().contains("cannot unmarshal object"));

        let garbage = b"[{";
        assert_eq!(
            apply_patch(PatchType::Json, &sts(), garbage)
                .unwrap_err()
                .code(),
            400
        );
    }

    #[test]
    fn json_patch_add_remove() {
        let p = br#"[{"op":"add","path":"/metadata/labels/new","value":"v"},{"op":"remove","path":"/metadata/labels/tier"},{"op":"add","path":"/metadata/finalizers/-","value":"c"}]"#;
        let out = apply_patch(PatchType::Json, &sts(), p).unwrap();
        assert_eq!(out["metadata"]["labels"], json!({"app": "web", "new": "v"}));
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b", "c"]));
    }

    #[test]
    fn merge_patch_basics() {
        let p = br#"{"metadata":{"labels":{"tier":null,"new":"v"}},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"only"}]}}}}"#;
        let out = apply_patch(PatchType::Merge, &sts(), p).unwrap();
        assert_eq!(out["metadata"]["labels"], json!({"app": "web", "new": "v"}));
        assert_eq!(out["spec"]["replicas"], 1);
        // RFC 7386 replaces lists wholesale.
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only"}])
        );
        let err = apply_patch(PatchType::Merge, &sts(), b"{nope").unwrap_err();
        assert_eq!(err.code(), 400);
        assert!(apply_patch(PatchType::Merge, &sts(), b"[1]").is_err());
    }

    #[test]
    fn smp_null_deletes_label() {
        let out = smp(sts(), json!({"metadata": {"labels": {"tier": null}}}));
        assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
        // Deleting an absent key is a no-op.
        let out = smp(sts(), json!({"metadata": {"labels": {"nope": null}}}));
        assert_eq!(out["metadata"]["labels"], sts()["metadata"]["labels"]);
    }

    #[test]
    fn smp_set_image() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"x"}]}}}}),
        );
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs.as_array().unwrap().len(), 2);
        assert_eq!(cs[0]["name"], "app");
        assert_eq!(cs[0]["image"], "x");
        assert_eq!(
            cs[0]["env"],
            sts()["spec"]["template"]["spec"]["containers"][0]["env"]
        );
        assert_eq!(cs[1], json!({"name": "sidecar", "image": "busybox"}));
        // Other fields untouched.
        assert_eq!(out["spec"]["replicas"], 3);
    }

    #[test]
    fn smp_env_merge_by_name() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}]}]}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}])
        );
    }

    #[test]
    fn smp_env_delete_element_and_value_from() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"A","$patch":"delete"},{"name":"B","value":null,"valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}]}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}])
        );
    }

    #[test]
    fn smp_volume_mounts_by_mount_path() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"app","volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true},{"name":"logs","mountPath":"/logs"}]}]}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["volumeMounts"],
            json!([
                {"name":"data","mountPath":"/data","readOnly":true},
                {"name":"logs","mountPath":"/logs"},
                {"name":"cfg","mountPath":"/etc/cfg"}
            ])
        );
    }

    #[test]
    fn smp_delete_container() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}),
        );
        let cs = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0]["name"], "app");
        assert!(no_directives(&out));
    }

    #[test]
    fn smp_delete_element_requires_merge_key() {
        let err = apply_patch(
            PatchType::StrategicMerge,
            &sts(),
            br#"{"spec":{"template":{"spec":{"containers":[{"$patch":"delete","image":"x"}]}}}}"#,
        )
        .unwrap_err();
        assert!(err
            .message()
            .contains("does not contain declared merge key: name"));
    }

    #[test]
    fn smp_rollout_undo_replaces_template() {
        let template = json!({
            "metadata": {"labels": {"app": "web", "rev": "1"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.24"}]}
        });
        let mut patch_template = template.clone();
        patch_template["$patch"] = json!("replace");
        let out = smp(sts(), json!({"spec": {"template": patch_template}}));
        assert_eq!(out["spec"]["template"], template);
        assert_eq!(out["spec"]["replicas"], 3);
        assert!(no_directives(&out));
    }

    #[test]
    fn smp_replace_list_directive() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"solo","image":"s"}]}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name":"solo","image":"s"}])
        );
    }

    #[test]
    fn smp_delete_map_directive() {
        let out = smp(
            sts(),
            json!({"spec":{"updateStrategy":{"$patch":"delete"}}}),
        );
        // Upstream yields an empty map rather than removing the key.
        assert_eq!(out["spec"]["updateStrategy"], json!({}));
        let out = smp(
            sts(),
            json!({"spec":{"updateStrategy":{"$patch":"merge","type":"OnDelete"}}}),
        );
        assert_eq!(out["spec"]["updateStrategy"]["type"], "OnDelete");
        assert_eq!(
            out["spec"]["updateStrategy"]["rollingUpdate"]["partition"],
            0
        );
        let err = apply_patch(
            PatchType::StrategicMerge,
            &sts(),
            br#"{"spec":{"$patch":"frob"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), 400);
    }

    #[test]
    fn smp_atomic_lists_replaced() {
        let out = smp(
            sts(),
            json!({"spec":{
                "volumeClaimTemplates":[{"metadata":{"name":"other"}}],
                "template":{"spec":{"tolerations":[{"key":"z","operator":"Exists"}]}}
            }}),
        );
        assert_eq!(
            out["spec"]["volumeClaimTemplates"],
            json!([{"metadata":{"name":"other"}}])
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["tolerations"],
            json!([{"key":"z","operator":"Exists"}])
        );
    }

    #[test]
    fn smp_container_ports_vs_service_ports() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":9090,"name":"metrics"}]}]}}}}),
        );
        // Upstream places items that are new to the list before the
        // remaining server-only items (see the kubectl patch docs example).
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["ports"],
            json!([{"containerPort":9090,"name":"metrics"},{"containerPort":80,"name":"http"}])
        );

        let svc = json!({"kind":"Service","spec":{"ports":[{"port":80,"targetPort":8080,"name":"http"},{"port":443,"name":"https"}]}});
        let out = smp(
            svc,
            json!({"spec":{"ports":[{"port":80,"targetPort":9090}]}}),
        );
        assert_eq!(
            out["spec"]["ports"],
            json!([{"port":80,"targetPort":9090,"name":"http"},{"port":443,"name":"https"}])
        );
    }

    #[test]
    fn smp_finalizers_set_and_delete_from_primitive_list() {
        let out = smp(sts(), json!({"metadata":{"finalizers":["b","c"]}}));
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b", "c"]));
        let out = smp(
            sts(),
            json!({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
        assert!(no_directives(&out));
    }

    #[test]
    fn smp_owner_references_and_conditions() {
        let obj = json!({
            "metadata":{"ownerReferences":[{"uid":"u1","name":"a"},{"uid":"u2","name":"b"}]},
            "status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Synced","status":"True"}]}
        });
        let out = smp(
            obj,
            json!({
                "metadata":{"ownerReferences":[{"uid":"u2","controller":true}]},
                "status":{"conditions":[{"type":"Ready","status":"True"}]}
            }),
        );
        assert_eq!(
            out["metadata"]["ownerReferences"],
            json!([{"uid":"u1","name":"a"},{"uid":"u2","name":"b","controller":true}])
        );
        assert_eq!(
            out["status"]["conditions"],
            json!([{"type":"Ready","status":"True"},{"type":"Synced","status":"True"}])
        );
    }

    #[test]
    fn smp_set_element_order() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{
                "$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}],
                "containers":[{"name":"app","image":"y"}]
            }}}}),
        );
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs[0]["name"], "sidecar");
        assert_eq!(cs[1]["name"], "app");
        assert_eq!(cs[1]["image"], "y");
        assert_eq!(cs[1]["env"][0]["name"], "A");
        assert!(no_directives(&out));
    }

    #[test]
    fn smp_retain_keys() {
        let obj =
            json!({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}});
        let out = smp(
            obj.clone(),
            json!({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}),
        );
        assert_eq!(out["spec"]["strategy"], json!({"type":"Recreate"}));
        let err = apply_patch(
            PatchType::StrategicMerge,
            &obj,
            br#"{"spec":{"strategy":{"$retainKeys":["type"],"other":1}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            PatchError::Invalid("invalid patch format of retainKeys".into())
        );
    }

    #[test]
    fn smp_kubectl_apply_second_apply() {
        // What `kubectl apply` sends after changing an image and adding a volume.
        let last = r#"{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web"}}"#;
        let patch = json!({
            "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": last}},
            "spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
                "containers": [{"image": "nginx:1.26", "name": "app"}],
                "$setElementOrder/volumes": [{"name": "cfg"}, {"name": "extra"}],
                "volumes": [
                    {"$retainKeys": ["configMap", "name"], "configMap": {"name": "cm2"}, "name": "cfg"},
                    {"emptyDir": {}, "name": "extra"}
                ]
            }}}
        });
        let out = smp(sts(), patch);
        assert_eq!(
            out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            last
        );
        let spec = &out["spec"]["template"]["spec"];
        assert_eq!(spec["containers"][0]["image"], "nginx:1.26");
        assert_eq!(spec["containers"][1]["name"], "sidecar");
        assert_eq!(
            spec["volumes"],
            json!([{"name":"cfg","configMap":{"name":"cm2"}},{"name":"extra","emptyDir":{}}])
        );
        assert!(no_directives(&out));
    }

    #[test]
    fn smp_kubectl_apply_removes_container_and_env() {
        let patch = json!({"spec":{"template":{"spec":{
            "$setElementOrder/containers":[{"name":"app"}],
            "containers":[
                {"name":"app","$setElementOrder/env":[{"name":"B"}],"env":[{"$patch":"delete","name":"A"}]},
                {"$patch":"delete","name":"sidecar"}
            ]
        }}}});
        let out = smp(sts(), patch);
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs.as_array().unwrap().len(), 1);
        assert_eq!(cs[0]["env"], json!([{"name":"B","value":"2"}]));
        assert_eq!(cs[0]["image"], "nginx:1.25");
        assert!(no_directives(&out));
    }

    #[test]
    fn smp_new_nested_values_are_cleaned() {
        // Patch content for absent keys still has its directives resolved.
        let out = smp(
            json!({"metadata":{"name":"x"}}),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"i","env":[{"name":"X","$patch":"delete"}]}],"nodeSelector":{"k":null}}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"],
            json!({"containers":[{"name":"a","image":"i","env":[]}],"nodeSelector":{}})
        );
        assert!(no_directives(&out));
    }

    #[test]
    fn smp_order_new_items_after_their_predecessor() {
        let obj = json!({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}});
        let out = smp(
            obj,
            json!({"spec":{"containers":[{"name":"b","x":1},{"name":"d"}]}}),
        );
        let names: Vec<&str> = out["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b", "d", "c"]);
    }

    #[test]
    fn smp_new_container_goes_first_like_upstream() {
        // The "kubectl patch" task page: adding patch-demo-ctr-2 to a pod
        // template with patch-demo-ctr yields [patch-demo-ctr-2, patch-demo-ctr].
        let obj = json!({"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr","image":"nginx"}]}}}});
        let out = smp(
            obj,
            json!({"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr-2","image":"redis"}]}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name":"patch-demo-ctr-2","image":"redis"},{"name":"patch-demo-ctr","image":"nginx"}])
        );
    }

    #[test]
    fn smp_type_change_and_scalars() {
        let out = smp(
            json!({"spec":{"replicas":3,"selector":{"matchLabels":{"a":"b"}}}}),
            json!({"spec":{"replicas":"x","selector":"plain"}}),
        );
        assert_eq!(out["spec"], json!({"replicas":"x","selector":"plain"}));
    }

    #[test]
    fn smp_rejects_non_object_patch() {
        let err = apply_patch(PatchType::StrategicMerge, &sts(), b"[1,2]").unwrap_err();
        assert_eq!(err.code(), 400);
        let err = apply_patch(PatchType::StrategicMerge, &sts(), b"{").unwrap_err();
        assert_eq!(err.code(), 400);
    }

    #[test]
    fn smp_empty_patch_list_keeps_merge_list() {
        let out = smp(
            sts(),
            json!({"spec":{"template":{"spec":{"containers":[]}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            sts()["spec"]["template"]["spec"]["containers"]
        );
    }

    #[test]
    fn apply_patch_type_merges_like_smp() {
        let body = json!({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web"},
            "spec":{"replicas":5,"template":{"spec":{"containers":[{"name":"app","image":"z"}]}}}});
        let out = apply_patch(PatchType::Apply, &sts(), body.to_string().as_bytes()).unwrap();
        assert_eq!(out["spec"]["replicas"], 5);
        let cs = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0]["image"], "z");
        let err = apply_patch(PatchType::Apply, &sts(), b"a: [").unwrap_err();
        assert_eq!(err.code(), 400);
        assert!(err.message().starts_with("error decoding YAML"));
    }
}

//! RFC 6902 JSON patch (`application/json-patch+json`) as kube-apiserver applies it (with
//! the json-patch crate, as upstream uses evanphx/json-patch): every op, `test` checked first.

use serde_json::Value;

use crate::machinery::patch::{PatchError, INVALID_PATCH_MESSAGE};

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
pub(super) fn unprocessable() -> PatchError {
    PatchError::TestFailed(INVALID_PATCH_MESSAGE.to_string())
}

/// evanphx/json-patch (v4, used by the apiserver) semantics for `test`: equal
/// values pass, and a missing key inside an existing object passes only when
/// the expected value is `null`. A failure is the Go error `testing value
/// <path> failed: test failed` upstream (not sent to the client).
pub(super) fn test_op_passes(doc: &Value, path: &str, expected: &Value) -> bool {
    match doc.pointer(path) {
        Some(actual) => actual == expected,
        None => {
            let parent = path.rfind('/').map(|i| &path[..i]);
            expected.is_null()
                && matches!(parent.and_then(|p| doc.pointer(p)), Some(Value::Object(_)))
        }
    }
}

pub(super) fn go_json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

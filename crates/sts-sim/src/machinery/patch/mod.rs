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

mod rfc6902;
mod strategic;
#[cfg(test)]
mod tests;

use crate::machinery::patch::rfc6902::go_json_kind;
pub use rfc6902::apply_json_patch;
pub use strategic::{apply_strategic_merge_patch, strategic_merge};
pub(crate) use strategic::{list_strategy, ListStrategy};

use serde_json::Value;
use std::fmt;

/// The `Status.message` upstream returns (with `422` / reason `Invalid`) when a
/// patch is well-formed but cannot be applied, e.g. a JSON patch `test`
/// operation fails. It comes from `NewGenericServerResponse(422, ...)` in
/// `k8s.io/apimachinery/pkg/api/errors`; the underlying error text is not
/// included in the reply.
pub const INVALID_PATCH_MESSAGE: &str =
    "the server rejected our request due to an error in our request";

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

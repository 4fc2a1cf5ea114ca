//! Interim patch support until the full strategic-merge module lands.
use serde_json::Value;
/// Patch kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    StrategicMerge,
    Apply,
}
impl PatchType {
    /// From a Content-Type.
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        let ct = ct.split(';').next().unwrap_or("").trim();
        match ct {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::StrategicMerge),
            "application/apply-patch+yaml" => Some(PatchType::Apply),
            _ => None,
        }
    }
}
/// Patch failures.
#[derive(Debug)]
pub enum PatchError {
    Invalid(String),
    TestFailed(String),
}
/// Applies a patch.
pub fn apply_patch(kind: PatchType, target: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let mut doc = target.clone();
    match kind {
        PatchType::Json => {
            let p: json_patch::Patch =
                serde_json::from_slice(patch).map_err(|e| PatchError::Invalid(e.to_string()))?;
            json_patch::patch(&mut doc, &p).map_err(|e| PatchError::TestFailed(e.to_string()))?;
        }
        _ => {
            let p: Value =
                serde_json::from_slice(patch).map_err(|e| PatchError::Invalid(e.to_string()))?;
            json_patch::merge(&mut doc, &p);
        }
    }
    Ok(doc)
}

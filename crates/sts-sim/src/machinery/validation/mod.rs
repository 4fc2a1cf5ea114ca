//! What the API server refuses, with upstream's wording.
//!
//! Create and update validation for the resources the simulator serves, following
//! `pkg/apis/apps/validation` and `pkg/apis/core/validation` of kubernetes/kubernetes (1.36)
//! plus the `PersistentVolumeClaimResize` admission plugin. Errors come back as an
//! [`Invalid`] whose [`Invalid::message`] and [`Invalid::status`] reproduce the API server's
//! `metav1.Status` (422 `Invalid`, or 403 `Forbidden` for the admission refusals).
//!
//! Both `old` and `new` passed to [`validate_update`] must already be defaulted
//! ([`crate::machinery::defaults::apply_defaults`]) and `new.status` must already carry the stored
//! status (the API server's update strategies copy it), as on a real server.
//!
//! Names are checked in [`names`], new specs per kind in [`specs`], updates in [`updates`];
//! quantities are [`crate::machinery::quantity`].

// `Invalid` is returned by value on purpose (the API the rest of the crate uses).
#![allow(clippy::result_large_err)]

pub mod names;
pub mod specs;
pub mod updates;

use serde_json::{json, Map, Value};

use crate::machinery::validation::names::validate_name;
use crate::machinery::validation::specs::{
    validate_pod_spec, validate_pvc_spec, validate_service_spec, validate_statefulset_spec,
};
use crate::machinery::validation::updates::{
    pvc_resize_admission, semantic_eq, validate_pod_update, validate_pvc_update,
};

/// One field error, as a `metav1.StatusCause`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// Field path, e.g. `spec.replicas`.
    pub field: String,
    /// Cause type: `FieldValueInvalid`, `FieldValueRequired`, `FieldValueForbidden`,
    /// `FieldValueNotSupported`, `FieldValueTooLong`.
    pub reason: String,
    /// The error body without the field, e.g. `Invalid value: -1: must be greater than or equal to 0`.
    pub message: String,
}

impl Cause {
    fn new(field: &str, reason: &str, message: String) -> Self {
        Cause {
            field: field.to_string(),
            reason: reason.to_string(),
            message,
        }
    }
    /// `field.Invalid(path, value, detail)`.
    pub fn invalid(field: &str, value: &Value, detail: &str) -> Self {
        let mut m = format!("Invalid value: {}", go_value(value));
        if !detail.is_empty() {
            m.push_str(": ");
            m.push_str(detail);
        }
        Self::new(field, "FieldValueInvalid", m)
    }
    /// `field.Required(path, detail)`.
    pub fn required(field: &str, detail: &str) -> Self {
        let mut m = "Required value".to_string();
        if !detail.is_empty() {
            m.push_str(": ");
            m.push_str(detail);
        }
        Self::new(field, "FieldValueRequired", m)
    }
    /// `field.Forbidden(path, detail)`.
    pub fn forbidden(field: &str, detail: &str) -> Self {
        Self::new(field, "FieldValueForbidden", format!("Forbidden: {detail}"))
    }
    /// `field.NotSupported(path, value, supported)`.
    pub fn not_supported(field: &str, value: &Value, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
        Self::new(
            field,
            "FieldValueNotSupported",
            format!(
                "Unsupported value: {}: supported values: {}",
                go_value(value),
                list.join(", ")
            ),
        )
    }
    /// `field: body`, as in the aggregated message.
    pub fn error_string(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }
}

/// Go's `%q` for strings, plain numbers/booleans, compact JSON for the rest.
fn go_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// A refused request: 422 `Invalid` with field causes, or 403 `Forbidden` from admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Kind, e.g. `StatefulSet`.
    pub kind: String,
    /// API group, e.g. `apps` (empty for core).
    pub group: String,
    /// Object name.
    pub name: String,
    /// Field errors (for 403, one cause whose message is the reason).
    pub causes: Vec<Cause>,
    /// HTTP code: 422 (`Invalid`) or 403 (`Forbidden`).
    pub code: u16,
    /// Resource plural, used by the 403 wording (`persistentvolumeclaims "x" is forbidden: ...`).
    pub resource: String,
}

impl Invalid {
    fn forbidden_admission(resource: &str, kind: &str, group: &str, name: &str, msg: &str) -> Self {
        Invalid {
            kind: kind.into(),
            group: group.into(),
            name: name.into(),
            causes: vec![Cause::new("", "", msg.to_string())],
            code: 403,
            resource: resource.into(),
        }
    }

    /// `Kind.group`, or just `Kind` for the core group.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// Upstream's message, e.g. `StatefulSet.apps "web" is invalid: spec: Forbidden: ...`
    /// (several causes are joined as `[a, b]`), or for 403
    /// `persistentvolumeclaims "data-web-0" is forbidden: ...`.
    pub fn message(&self) -> String {
        if self.code == 403 {
            let reason = self
                .causes
                .first()
                .map(|c| c.message.as_str())
                .unwrap_or("");
            return format!("{} {:?} is forbidden: {}", self.resource, self.name, reason);
        }
        let mut msgs: Vec<String> = Vec::new();
        for c in &self.causes {
            let s = c.error_string();
            if !msgs.contains(&s) {
                msgs.push(s);
            }
        }
        let base = format!("{} {:?} is invalid", self.qualified_kind(), self.name);
        match msgs.len() {
            0 => base,
            1 => format!("{base}: {}", msgs[0]),
            _ => format!("{base}: [{}]", msgs.join(", ")),
        }
    }

    /// The `metav1.Status` body the API server answers with.
    pub fn status(&self) -> Value {
        if self.code == 403 {
            return json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure", "message": self.message(), "reason": "Forbidden",
                "details": {"name": self.name, "kind": self.resource},
                "code": 403
            });
        }
        let causes: Vec<Value> = self
            .causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect();
        let mut details = Map::new();
        details.insert("name".into(), json!(self.name));
        if !self.group.is_empty() {
            details.insert("group".into(), json!(self.group));
        }
        details.insert("kind".into(), json!(self.kind));
        details.insert("causes".into(), Value::Array(causes));
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": self.message(), "reason": "Invalid",
            "details": Value::Object(details), "code": 422
        })
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Invalid {}

/// Facts outside the object an update check needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateContext {
    /// For PVC updates: `Some(true)` when the claim's StorageClass exists and has
    /// `allowVolumeExpansion: true`; `Some(false)` when it exists without; `None` when the
    /// claim has no class or the class does not exist.
    pub storage_class_allows_expansion: Option<bool>,
}

/// `(Kind, group)` for a resource plural.
pub fn kind_of(resource_plural: &str) -> (&'static str, &'static str) {
    match resource_plural {
        "statefulsets" => ("StatefulSet", "apps"),
        "deployments" => ("Deployment", "apps"),
        "replicasets" => ("ReplicaSet", "apps"),
        "daemonsets" => ("DaemonSet", "apps"),
        "controllerrevisions" => ("ControllerRevision", "apps"),
        "pods" => ("Pod", ""),
        "services" => ("Service", ""),
        "persistentvolumeclaims" => ("PersistentVolumeClaim", ""),
        "persistentvolumes" => ("PersistentVolume", ""),
        "namespaces" => ("Namespace", ""),
        "nodes" => ("Node", ""),
        "configmaps" => ("ConfigMap", ""),
        "secrets" => ("Secret", ""),
        "endpoints" => ("Endpoints", ""),
        "events" => ("Event", ""),
        "serviceaccounts" => ("ServiceAccount", ""),
        "storageclasses" => ("StorageClass", "storage.k8s.io"),
        "poddisruptionbudgets" => ("PodDisruptionBudget", "policy"),
        "roles" => ("Role", "rbac.authorization.k8s.io"),
        "clusterroles" => ("ClusterRole", "rbac.authorization.k8s.io"),
        "rolebindings" => ("RoleBinding", "rbac.authorization.k8s.io"),
        "clusterrolebindings" => ("ClusterRoleBinding", "rbac.authorization.k8s.io"),
        _ => ("Object", ""),
    }
}

fn invalid(resource: &str, obj: &Value, causes: Vec<Cause>) -> Result<(), Invalid> {
    if causes.is_empty() {
        return Ok(());
    }
    let (kind, group) = kind_of(resource);
    Err(Invalid {
        kind: kind.into(),
        group: group.into(),
        name: str_at(obj, "/metadata/name").to_string(),
        causes,
        code: 422,
        resource: resource.into(),
    })
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// Validates an object about to be created (after defaulting).
pub fn validate_create(resource_plural: &str, obj: &Value) -> Result<(), Invalid> {
    let mut causes = validate_name(resource_plural, obj);
    match resource_plural {
        "statefulsets" => causes.extend(validate_statefulset_spec(
            obj.get("spec").unwrap_or(&Value::Null),
        )),
        "pods" => causes.extend(validate_pod_spec(
            obj.get("spec").unwrap_or(&Value::Null),
            "spec",
        )),
        "persistentvolumeclaims" => causes.extend(validate_pvc_spec(
            obj.get("spec").unwrap_or(&Value::Null),
            "spec",
        )),
        "services" => causes.extend(validate_service_spec(
            obj.get("spec").unwrap_or(&Value::Null),
        )),
        other => causes.extend(crate::machinery::kinds::validate(other, obj)),
    }
    invalid(resource_plural, obj, causes)
}

/// Validates an update of `old` into `new` (both defaulted).
pub fn validate_update(
    resource_plural: &str,
    old: &Value,
    new: &Value,
    ctx: &UpdateContext,
) -> Result<(), Invalid> {
    let mut causes = Vec::new();
    let old_name = str_at(old, "/metadata/name");
    let new_name = str_at(new, "/metadata/name");
    if old_name != new_name {
        causes.push(Cause::invalid(
            "metadata.name",
            &json!(new_name),
            "field is immutable",
        ));
    }
    match resource_plural {
        "statefulsets" => {
            let spec = new.get("spec").unwrap_or(&Value::Null);
            causes.extend(validate_statefulset_spec(spec));
            let strip = |v: &Value| {
                let mut s = v.get("spec").cloned().unwrap_or(json!({}));
                if let Some(m) = s.as_object_mut() {
                    for k in [
                        "replicas",
                        "template",
                        "updateStrategy",
                        "minReadySeconds",
                        "ordinals",
                        "persistentVolumeClaimRetentionPolicy",
                        "revisionHistoryLimit",
                    ] {
                        m.remove(k);
                    }
                }
                s
            };
            if !semantic_eq(&strip(old), &strip(new)) {
                causes.push(Cause::forbidden("spec", STS_UPDATE_FORBIDDEN));
            }
        }
        "persistentvolumeclaims" => {
            causes.extend(validate_pvc_spec(
                new.get("spec").unwrap_or(&Value::Null),
                "spec",
            ));
            causes.extend(validate_pvc_update(old, new));
            invalid(resource_plural, new, causes)?;
            return pvc_resize_admission(old, new, ctx);
        }
        "pods" => {
            causes.extend(validate_pod_update(old, new));
        }
        "services" => {
            causes.extend(validate_service_spec(
                new.get("spec").unwrap_or(&Value::Null),
            ));
            let old_ip = str_at(old, "/spec/clusterIP");
            let new_ip = str_at(new, "/spec/clusterIP");
            if !old_ip.is_empty() && old_ip != new_ip && str_at(new, "/spec/type") != "ExternalName"
            {
                causes.push(Cause::invalid(
                    "spec.clusterIPs[0]",
                    &json!([new_ip]),
                    "may not change once set",
                ));
            }
        }
        "controllerrevisions"
            if !semantic_eq(
                old.get("data").unwrap_or(&Value::Null),
                new.get("data").unwrap_or(&Value::Null),
            ) =>
        {
            causes.push(Cause::invalid(
                "data",
                new.get("data").unwrap_or(&Value::Null),
                "field is immutable",
            ));
        }
        "storageclasses" if old.get("provisioner") != new.get("provisioner") => {
            causes.push(Cause::forbidden(
                "provisioner",
                "updates to provisioner are forbidden.",
            ));
        }
        other => causes.extend(crate::machinery::kinds::validate_update(other, old, new)),
    }
    invalid(resource_plural, new, causes)
}

/// Upstream's (1.35+) wording for a forbidden StatefulSet spec change.
pub const STS_UPDATE_FORBIDDEN: &str = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/// Upstream's wording for a forbidden pod spec change (followed by `\n` and a diff).
pub const POD_UPDATE_FORBIDDEN: &str = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// Upstream's wording for a forbidden PVC spec change (followed by `\n` and a diff).
pub const PVC_UPDATE_FORBIDDEN: &str =
    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

/// The `PersistentVolumeClaimResize` admission refusal.
pub const PVC_RESIZE_FORBIDDEN: &str = "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize";

#[cfg(test)]
mod tests;

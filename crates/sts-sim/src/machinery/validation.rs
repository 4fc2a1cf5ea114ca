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
//! The module also holds the resource-quantity arithmetic ([`parse_quantity`],
//! [`format_quantity_bytes`], [`canonical_quantity`]) used by the other modules.

// `Invalid` is returned by value on purpose (the API the rest of the crate uses).
#![allow(clippy::result_large_err)]

use serde_json::{json, Map, Value};

use crate::machinery::selectors::selector_matches;

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

const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// RFC 1123 label check; returns upstream's error details (empty when valid).
pub fn dns1123_label_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !is_label(s) {
        errs.push(DNS1123_LABEL_MSG.to_string());
    }
    errs
}

/// RFC 1123 subdomain check; returns upstream's error details (empty when valid).
pub fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    if s.is_empty() || !s.split('.').all(is_label) {
        errs.push(DNS1123_SUBDOMAIN_MSG.to_string());
    }
    errs
}

fn dns1035_label_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !is_label(s) || !s.as_bytes()[0].is_ascii_lowercase() {
        errs.push(DNS1035_LABEL_MSG.to_string());
    }
    errs
}

/// upstream's `path.IsValidPathSegmentName`.
fn path_segment_errors(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    ["/", "%"]
        .iter()
        .filter(|bad| name.contains(**bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

fn validate_name(resource: &str, obj: &Value) -> Vec<Cause> {
    let name = str_at(obj, "/metadata/name");
    if name.is_empty() {
        if str_at(obj, "/metadata/generateName").is_empty() {
            return vec![Cause::required(
                "metadata.name",
                "name or generateName is required",
            )];
        }
        return Vec::new();
    }
    let errs = match resource {
        "statefulsets" | "namespaces" => dns1123_label_errors(name),
        "services" => dns1035_label_errors(name),
        // RBAC names are path segments (upstream's ValidateRBACName): `system:discovery`.
        "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings" => {
            path_segment_errors(name)
        }
        _ => dns1123_subdomain_errors(name),
    };
    errs.iter()
        .map(|e| Cause::invalid("metadata.name", &json!(name), e))
        .collect()
}

fn nonneg(causes: &mut Vec<Cause>, v: &Value, ptr: &str, field: &str) {
    if let Some(n) = v.pointer(ptr).and_then(Value::as_i64) {
        if n < 0 {
            causes.push(Cause::invalid(
                field,
                &json!(n),
                "must be greater than or equal to 0",
            ));
        }
    }
}

fn validate_statefulset_spec(spec: &Value) -> Vec<Cause> {
    let mut c = Vec::new();
    match spec
        .get("podManagementPolicy")
        .and_then(Value::as_str)
        .unwrap_or("")
    {
        "" => c.push(Cause::required("spec.podManagementPolicy", "")),
        "OrderedReady" | "Parallel" => {}
        other => c.push(Cause::invalid(
            "spec.podManagementPolicy",
            &json!(other),
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let us = spec.get("updateStrategy").cloned().unwrap_or(json!({}));
    let ru = us.get("rollingUpdate").filter(|r| !r.is_null());
    match us.get("type").and_then(Value::as_str).unwrap_or("") {
        "" => c.push(Cause::required("spec.updateStrategy", "")),
        "OnDelete" => {
            if let Some(ru) = ru {
                c.push(Cause::invalid(
                    "spec.updateStrategy.rollingUpdate",
                    ru,
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = ru {
                nonneg(
                    &mut c,
                    ru,
                    "/partition",
                    "spec.updateStrategy.rollingUpdate.partition",
                );
                if let Some(mu) = ru.get("maxUnavailable").filter(|m| !m.is_null()) {
                    let field = "spec.updateStrategy.rollingUpdate.maxUnavailable";
                    match mu {
                        Value::Number(n) => {
                            let n = n.as_i64().unwrap_or(0);
                            if n < 0 {
                                c.push(Cause::invalid(field, mu, "must be greater than or equal to 0"));
                            } else if n == 0 {
                                c.push(Cause::invalid(field, mu, "must be greater than 0"));
                            }
                        }
                        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
                            None => c.push(Cause::invalid(field, mu, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")),
                            Some(p) if p > 100 => c.push(Cause::invalid(field, mu, "must not be greater than 100%")),
                            Some(0) => c.push(Cause::invalid(field, mu, "must be greater than 0")),
                            _ => {}
                        },
                        _ => {}
                    }
                }
            }
        }
        _ => c.push(Cause::invalid(
            "spec.updateStrategy",
            &us,
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    if let Some(p) = spec
        .get("persistentVolumeClaimRetentionPolicy")
        .filter(|p| p.is_object())
    {
        for k in ["whenDeleted", "whenScaled"] {
            let v = p.get(k).cloned().unwrap_or(json!(""));
            if !matches!(v.as_str(), Some("Retain") | Some("Delete")) {
                c.push(Cause::not_supported(
                    &format!("spec.persistentVolumeClaimRetentionPolicy.{k}"),
                    &v,
                    &["Retain", "Delete"],
                ));
            }
        }
    }
    nonneg(&mut c, spec, "/replicas", "spec.replicas");
    nonneg(&mut c, spec, "/minReadySeconds", "spec.minReadySeconds");
    nonneg(&mut c, spec, "/ordinals/start", "spec.ordinals.start");
    let template = spec.get("template").cloned().unwrap_or(json!({}));
    match spec.get("selector").filter(|s| !s.is_null()) {
        None => c.push(Cause::required("spec.selector", "")),
        Some(sel) => {
            let ml = sel
                .get("matchLabels")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            let me = sel
                .get("matchExpressions")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if ml + me == 0 {
                c.push(Cause::invalid(
                    "spec.selector",
                    sel,
                    "empty selector is invalid for statefulset",
                ));
            } else {
                let labels = template
                    .pointer("/metadata/labels")
                    .cloned()
                    .unwrap_or(json!({}));
                if !selector_matches(sel, &labels) {
                    c.push(Cause::invalid(
                        "spec.template.metadata.labels",
                        &labels,
                        "`selector` does not match template `labels`",
                    ));
                }
            }
        }
    }
    let tspec = template.get("spec").cloned().unwrap_or(json!({}));
    c.extend(validate_pod_spec(&tspec, "spec.template.spec"));
    let rp = tspec.get("restartPolicy").cloned().unwrap_or(json!(""));
    if rp != "Always" {
        c.push(Cause::not_supported(
            "spec.template.spec.restartPolicy",
            &rp,
            &["Always"],
        ));
    }
    if tspec
        .get("activeDeadlineSeconds")
        .is_some_and(|v| !v.is_null())
    {
        c.push(Cause::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    c
}

fn validate_pod_spec(spec: &Value, path: &str) -> Vec<Cause> {
    let mut c = Vec::new();
    let containers = spec.get("containers").and_then(Value::as_array);
    if containers.is_none_or(|a| a.is_empty()) {
        c.push(Cause::required(&format!("{path}.containers"), ""));
    }
    for (key, list) in [
        ("containers", containers),
        (
            "initContainers",
            spec.get("initContainers").and_then(Value::as_array),
        ),
    ] {
        let mut seen = Vec::new();
        for (i, ct) in list.into_iter().flatten().enumerate() {
            let p = format!("{path}.{key}[{i}]");
            let name = ct.get("name").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() {
                c.push(Cause::required(&format!("{p}.name"), ""));
            } else {
                for e in dns1123_label_errors(name) {
                    c.push(Cause::invalid(&format!("{p}.name"), &json!(name), &e));
                }
                if seen.contains(&name) {
                    c.push(Cause::new(
                        &format!("{p}.name"),
                        "FieldValueDuplicate",
                        format!("Duplicate value: {name:?}"),
                    ));
                }
                seen.push(name);
            }
            if ct
                .get("image")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .is_empty()
            {
                c.push(Cause::required(&format!("{p}.image"), ""));
            }
            for (j, port) in ct
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let cp = port
                    .get("containerPort")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let pp = format!("{p}.ports[{j}].containerPort");
                if cp == 0 {
                    c.push(Cause::required(&pp, ""));
                } else if !(1..=65535).contains(&cp) {
                    c.push(Cause::invalid(
                        &pp,
                        &json!(cp),
                        "must be between 1 and 65535, inclusive",
                    ));
                }
            }
        }
    }
    c
}

fn validate_pvc_spec(spec: &Value, path: &str) -> Vec<Cause> {
    let mut c = Vec::new();
    let modes = spec.get("accessModes").and_then(Value::as_array);
    if modes.is_none_or(|m| m.is_empty()) {
        c.push(Cause::required(
            &format!("{path}.accessModes"),
            "at least 1 access mode is required",
        ));
    }
    for m in modes.into_iter().flatten() {
        let ok = [
            "ReadWriteOnce",
            "ReadOnlyMany",
            "ReadWriteMany",
            "ReadWriteOncePod",
        ];
        if !m.as_str().is_some_and(|s| ok.contains(&s)) {
            c.push(Cause::not_supported(&format!("{path}.accessModes"), m, &ok));
        }
    }
    match spec.pointer("/resources/requests/storage") {
        None | Some(Value::Null) => {
            c.push(Cause::required(&format!("{path}.resources[storage]"), ""))
        }
        Some(q) => {
            let s = match q {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match parse_quantity_milli(&s) {
                Err(e) => c.push(Cause::invalid(
                    &format!("{path}.resources.requests[storage]"),
                    q,
                    &e,
                )),
                Ok(0) => c.push(Cause::invalid(
                    &format!("{path}.resources.requests[storage]"),
                    q,
                    "must be greater than zero",
                )),
                Ok(_) => {}
            }
        }
    }
    c
}

fn validate_service_spec(spec: &Value) -> Vec<Cause> {
    let mut c = Vec::new();
    let ty = spec.get("type").cloned().unwrap_or(json!("ClusterIP"));
    let types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    if !ty.as_str().is_some_and(|t| types.contains(&t)) {
        c.push(Cause::not_supported("spec.type", &ty, &types));
    }
    let ports = spec.get("ports").and_then(Value::as_array);
    if ty != "ExternalName"
        && ports.is_none_or(|p| p.is_empty())
        && str_at(spec, "/clusterIP") != "None"
    {
        c.push(Cause::required("spec.ports", ""));
    }
    for (i, p) in ports.into_iter().flatten().enumerate() {
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            c.push(Cause::invalid(
                &format!("spec.ports[{i}].port"),
                &json!(port),
                "must be between 1 and 65535, inclusive",
            ));
        }
    }
    c
}

fn storage_milli(v: &Value, ptr: &str) -> Option<i128> {
    match v.pointer(ptr)? {
        Value::String(s) => parse_quantity_milli(s).ok(),
        Value::Number(n) => parse_quantity_milli(&n.to_string()).ok(),
        _ => None,
    }
}

fn validate_pvc_update(old: &Value, new: &Value) -> Vec<Cause> {
    let mut c = Vec::new();
    let mut old_spec = old.get("spec").cloned().unwrap_or(json!({}));
    let mut new_spec = new.get("spec").cloned().unwrap_or(json!({}));
    if str_at(&old_spec, "/volumeName").is_empty() {
        old_spec["volumeName"] = new_spec.get("volumeName").cloned().unwrap_or(Value::Null);
    }
    for s in [&mut old_spec, &mut new_spec] {
        if let Some(m) = s.as_object_mut() {
            m.remove("volumeAttributesClassName");
            if m.get("volumeName").is_some_and(Value::is_null) {
                m.remove("volumeName");
            }
        }
    }
    // The update strategy copies the stored status into `new`; use it directly.
    if str_at(old, "/status/phase") == "Bound" {
        if let Some(req) = old_spec.pointer("/resources/requests/storage").cloned() {
            if let Some(r) = new_spec.pointer_mut("/resources/requests") {
                r["storage"] = req;
            }
        }
    }
    if !semantic_eq(&old_spec, &new_spec) {
        c.push(Cause::forbidden(
            "spec",
            &format!(
                "{PVC_UPDATE_FORBIDDEN}\n{}",
                spec_diff("core.PersistentVolumeClaimSpec", &old_spec, &new_spec)
            ),
        ));
    }
    let old_size = storage_milli(old, "/spec/resources/requests/storage").unwrap_or(0);
    let new_size = storage_milli(new, "/spec/resources/requests/storage").unwrap_or(0);
    let status_size = storage_milli(old, "/status/capacity/storage").unwrap_or(0);
    if new_size < old_size && new_size <= status_size {
        c.push(Cause::forbidden(
            "spec.resources.requests.storage",
            "field can not be less than status.capacity",
        ));
    }
    let ovm = old
        .pointer("/spec/volumeMode")
        .cloned()
        .unwrap_or(Value::Null);
    let nvm = new
        .pointer("/spec/volumeMode")
        .cloned()
        .unwrap_or(Value::Null);
    if ovm != nvm {
        c.push(Cause::invalid("volumeMode", &nvm, "field is immutable"));
    }
    c
}

fn pvc_resize_admission(old: &Value, new: &Value, ctx: &UpdateContext) -> Result<(), Invalid> {
    let old_size = storage_milli(old, "/spec/resources/requests/storage").unwrap_or(0);
    let new_size = storage_milli(new, "/spec/resources/requests/storage").unwrap_or(0);
    if new_size <= old_size {
        return Ok(());
    }
    let name = str_at(new, "/metadata/name");
    let forbid = |msg: &str| {
        Err(Invalid::forbidden_admission(
            "persistentvolumeclaims",
            "PersistentVolumeClaim",
            "",
            name,
            msg,
        ))
    };
    if str_at(old, "/status/phase") != "Bound" {
        return forbid("Only bound persistent volume claims can be expanded");
    }
    let old_class = str_at(old, "/spec/storageClassName");
    let new_class = str_at(new, "/spec/storageClassName");
    if old_class.is_empty()
        || old_class != new_class
        || ctx.storage_class_allows_expansion != Some(true)
    {
        return forbid(PVC_RESIZE_FORBIDDEN);
    }
    Ok(())
}

fn validate_pod_update(old: &Value, new: &Value) -> Vec<Cause> {
    let mut c = Vec::new();
    let old_spec = old.get("spec").cloned().unwrap_or(json!({}));
    let mut new_spec = new.get("spec").cloned().unwrap_or(json!({}));
    let count = |s: &Value, k: &str| s.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    if count(&old_spec, "containers") != count(&new_spec, "containers") {
        c.push(Cause::forbidden(
            "spec.containers",
            "pod updates may not add or remove containers",
        ));
        return c;
    }
    if count(&old_spec, "initContainers") != count(&new_spec, "initContainers") {
        c.push(Cause::forbidden(
            "spec.initContainers",
            "pod updates may not add or remove containers",
        ));
        return c;
    }
    for key in ["containers", "initContainers"] {
        if let (Some(o), Some(n)) = (
            old_spec.get(key).and_then(Value::as_array),
            new_spec.get_mut(key).and_then(Value::as_array_mut),
        ) {
            for (i, nc) in n.iter_mut().enumerate() {
                let img = o[i].get("image").cloned().unwrap_or(Value::Null);
                if nc
                    .get("image")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .is_empty()
                {
                    c.push(Cause::required(&format!("spec.{key}[{i}].image"), ""));
                }
                nc["image"] = img;
            }
        }
    }
    // activeDeadlineSeconds: may be set, or lowered, never unset or raised.
    let oad = old_spec
        .get("activeDeadlineSeconds")
        .and_then(Value::as_i64);
    let nad = new_spec
        .get("activeDeadlineSeconds")
        .and_then(Value::as_i64);
    let ad_ok = match (oad, nad) {
        (_, None) => oad.is_none(),
        (None, Some(n)) => n > 0,
        (Some(o), Some(n)) => n > 0 && n <= o,
    };
    if ad_ok {
        set_or_remove(
            &mut new_spec,
            "activeDeadlineSeconds",
            old_spec.get("activeDeadlineSeconds"),
        );
    }
    // tolerations: only additions to the existing ones.
    let otol = old_spec
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ntol = new_spec
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if otol.iter().all(|t| ntol.iter().any(|n| semantic_eq(n, t))) {
        set_or_remove(&mut new_spec, "tolerations", old_spec.get("tolerations"));
    }
    // terminationGracePeriodSeconds: negative may become 1.
    let ogp = old_spec
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64);
    let ngp = new_spec
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64);
    if ogp.is_some_and(|g| g < 0) && ngp == Some(1) {
        set_or_remove(
            &mut new_spec,
            "terminationGracePeriodSeconds",
            old_spec.get("terminationGracePeriodSeconds"),
        );
    }
    // schedulingGates: may only be removed.
    let og = old_spec
        .get("schedulingGates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ng = new_spec
        .get("schedulingGates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if ng.iter().all(|g| og.contains(g)) {
        set_or_remove(
            &mut new_spec,
            "schedulingGates",
            old_spec.get("schedulingGates"),
        );
    }
    if !semantic_eq(&old_spec, &new_spec) {
        c.push(Cause::forbidden(
            "spec",
            &format!(
                "{POD_UPDATE_FORBIDDEN}\n{}",
                spec_diff("core.PodSpec", &old_spec, &new_spec)
            ),
        ));
    }
    c
}

fn set_or_remove(spec: &mut Value, key: &str, value: Option<&Value>) {
    if let Some(m) = spec.as_object_mut() {
        match value {
            Some(v) => {
                m.insert(key.to_string(), v.clone());
            }
            None => {
                m.remove(key);
            }
        }
    }
}

/// Equality after dropping what Go would not distinguish (nulls, empty omitempty values).
fn semantic_eq(a: &Value, b: &Value) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    crate::machinery::defaults::go_roundtrip_prune(&mut a);
    crate::machinery::defaults::go_roundtrip_prune(&mut b);
    a == b
}

/// A short `cmp.Diff`-like rendering of the top-level fields that differ.
fn spec_diff(type_name: &str, old: &Value, new: &Value) -> String {
    let empty = Map::new();
    let o = old.as_object().unwrap_or(&empty);
    let n = new.as_object().unwrap_or(&empty);
    let keys: std::collections::BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    let mut out = format!("  {type_name}{{\n");
    let mut same = 0;
    for k in keys {
        let (ov, nv) = (o.get(k), n.get(k));
        if ov == nv {
            same += 1;
            continue;
        }
        let go_name = {
            let mut ch = k.chars();
            ch.next()
                .map(|f| f.to_uppercase().collect::<String>() + ch.as_str())
                .unwrap_or_default()
        };
        if let Some(v) = ov {
            out.push_str(&format!("- \t{go_name}: {v},\n"));
        }
        if let Some(v) = nv {
            out.push_str(&format!("+ \t{go_name}: {v},\n"));
        }
    }
    if same > 0 {
        out.push_str(&format!("  \t... // {same} identical fields\n"));
    }
    out.push_str("  }");
    out
}

// ---------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------

const QUANTITY_ERR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    BinarySI,
    DecimalSI,
    DecimalExponent,
}

fn pow_i128(base: i128, exp: u32) -> Option<i128> {
    base.checked_pow(exp)
}

/// Parses a quantity into thousandths of a unit (milli-units), rounding up like the API
/// server's `RoundUp(-3)`. Accepts `Ki Mi Gi Ti Pi Ei`, `n u m k M G T P E`, exponents
/// (`1e3`, `5E-2`) and fractions (`1.5Gi`).
pub fn parse_quantity_milli(s: &str) -> Result<i128, String> {
    parse_with_format(s).map(|(v, _)| v)
}

fn parse_with_format(s: &str) -> Result<(i128, Format), String> {
    let err = || QUANTITY_ERR.to_string();
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (num, suffix) = rest.split_at(num_end);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return Err(err());
    }
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    // Only ASCII digits are left, so a failed parse is an i128 overflow.
    let mantissa: i128 = if digits.is_empty() {
        0
    } else {
        digits
            .parse()
            .map_err(|_| "quantity too large".to_string())?
    };
    // value = mantissa * 10^exp10 * 2^exp2
    let mut exp10: i32 = -(frac_part.len() as i32);
    let mut exp2: u32 = 0;
    let format = match suffix {
        "" => Format::DecimalSI,
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            exp2 = 10 * (1 + "KMGTPE".find(&suffix[..1]).unwrap_or(0) as u32);
            Format::BinarySI
        }
        "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => {
            exp10 += match suffix {
                "n" => -9,
                "u" => -6,
                "m" => -3,
                "k" => 3,
                "M" => 6,
                "G" => 9,
                "T" => 12,
                "P" => 15,
                _ => 18,
            };
            Format::DecimalSI
        }
        _ if suffix.starts_with(['e', 'E']) => {
            let e: i32 = suffix[1..].parse().map_err(|_| err())?;
            // Any i32 exponent may come in: beyond ±1000 the value is out of range (or rounds
            // up to 1m), and the arithmetic below must not overflow.
            exp10 += e.clamp(-1000, 1000);
            Format::DecimalExponent
        }
        _ => return Err(err()),
    };
    // Zero is zero whatever the exponent (`0e45`): only a non-zero value can be too large.
    if mantissa == 0 {
        return Ok((0, format));
    }
    // milli = ceil(mantissa * 2^exp2 * 10^(exp10+3))
    let big = || "quantity too large".to_string();
    let m = mantissa
        .checked_mul(pow_i128(2, exp2).ok_or_else(big)?)
        .ok_or_else(big)?;
    let e = exp10 + 3;
    let milli = if e >= 0 {
        m.checked_mul(pow_i128(10, e as u32).ok_or_else(big)?)
            .ok_or_else(big)?
    } else {
        match pow_i128(10, e.unsigned_abs()) {
            Some(d) => m / d + i128::from(m % d != 0),
            None => i128::from(m != 0),
        }
    };
    Ok((if neg { -milli } else { milli }, format))
}

/// Parses a storage quantity into bytes (fractions of a byte round up). Negative
/// quantities are an error.
pub fn parse_quantity(s: &str) -> Result<u128, String> {
    let milli = parse_quantity_milli(s)?;
    if milli < 0 {
        return Err("must be greater than or equal to 0".into());
    }
    Ok(milli.unsigned_abs().div_ceil(1000))
}

/// The canonical form of a byte count, as Go's `Quantity.String()` writes a BinarySI
/// quantity: `5Mi`, `1Gi`, `1536Mi`, `1500` (values below 1024 use the decimal form, `1k`).
pub fn format_quantity_bytes(b: u128) -> String {
    let milli = i128::try_from(b)
        .unwrap_or(i128::MAX / 1000)
        .saturating_mul(1000);
    format_canonical(milli, Format::BinarySI)
}

/// The canonical spelling the API server stores for a quantity (`1024Mi` → `1Gi`,
/// `0.5` → `500m`, `2000M` → `2G`), or `None` if it does not parse.
pub fn canonical_quantity(s: &str) -> Option<String> {
    let (milli, format) = parse_with_format(s).ok()?;
    Some(format_canonical(milli, format))
}

fn format_canonical(milli: i128, mut format: Format) -> String {
    if milli == 0 {
        return "0".into();
    }
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    if format == Format::BinarySI && (abs < 1_024_000 || !abs.is_multiple_of(1000)) {
        format = Format::DecimalSI;
    }
    if format == Format::BinarySI {
        let mut n = abs / 1000;
        let mut k = 0;
        while k < 6 && n.is_multiple_of(1024) {
            n /= 1024;
            k += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
        return format!("{sign}{n}{suffix}");
    }
    // Decimal: largest exponent (multiple of 3, from -3) keeping an integer mantissa.
    let mut n = abs;
    let mut e: i32 = -3;
    while e < 18 && n.is_multiple_of(1000) {
        n /= 1000;
        e += 3;
    }
    let suffix = if format == Format::DecimalExponent {
        if e == 0 {
            String::new()
        } else {
            format!("e{e}")
        }
    } else {
        match e {
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E",
        }
        .to_string()
    };
    format!("{sign}{n}{suffix}")
}

/// Sum of the named quantity over several maps (helper for callers comparing totals).
pub fn sum_quantities<'a>(maps: impl IntoIterator<Item = &'a Value>, key: &str) -> i128 {
    maps.into_iter()
        .filter_map(|m| m.get(key).and_then(Value::as_str))
        .filter_map(|s| parse_quantity_milli(s).ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::defaults::apply_defaults;

    fn sts(name: &str) -> Value {
        let mut s = json!({
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "serviceName": "web",
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
            }
        });
        apply_defaults("statefulsets", &mut s);
        s
    }

    #[test]
    fn statefulset_create_ok_and_name_rules() {
        assert!(validate_create("statefulsets", &sts("web")).is_ok());
        let e = validate_create("statefulsets", &sts("Web")).unwrap_err();
        assert_eq!(
            e.message(),
            format!("StatefulSet.apps \"Web\" is invalid: metadata.name: Invalid value: \"Web\": {DNS1123_LABEL_MSG}")
        );
        let mut pod = json!({"metadata": {"name": "Web"}, "spec": {"containers": [{"name": "a", "image": "x"}]}});
        apply_defaults("pods", &mut pod);
        let e = validate_create("pods", &pod).unwrap_err();
        assert_eq!(
            e.message(),
            format!("Pod \"Web\" is invalid: metadata.name: Invalid value: \"Web\": {DNS1123_SUBDOMAIN_MSG}")
        );
        assert!(e
            .message()
            .contains("a lowercase RFC 1123 subdomain must consist of"));
    }

    #[test]
    fn statefulset_negative_replicas_partition_and_selector() {
        let mut s = sts("web");
        s["spec"]["replicas"] = json!(-1);
        s["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = json!(-2);
        s["spec"]["selector"] = json!({"matchLabels": {"app": "other"}});
        let e = validate_create("statefulsets", &s).unwrap_err();
        assert_eq!(
            e.message(),
            "StatefulSet.apps \"web\" is invalid: [spec.updateStrategy.rollingUpdate.partition: Invalid value: -2: must be greater than or equal to 0, spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`]"
        );
        assert_eq!(e.code, 422);
        assert_eq!(e.status()["details"]["causes"][1]["field"], "spec.replicas");
    }

    #[test]
    fn statefulset_immutable_spec() {
        let old = sts("web");
        let mut new = old.clone();
        new["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
            json!("2Gi");
        let e = validate_update("statefulsets", &old, &new, &UpdateContext::default()).unwrap_err();
        assert_eq!(
            e.message(),
            "StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        );
        assert_eq!(e.causes[0].reason, "FieldValueForbidden");
        // Allowed changes.
        let mut ok = old.clone();
        ok["spec"]["replicas"] = json!(5);
        ok["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.28");
        ok["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
        ok["spec"]["revisionHistoryLimit"] = json!(3);
        ok["spec"]["minReadySeconds"] = json!(10);
        assert!(validate_update("statefulsets", &old, &ok, &UpdateContext::default()).is_ok());
        let mut bad = old.clone();
        bad["spec"]["serviceName"] = json!("other");
        assert!(validate_update("statefulsets", &old, &bad, &UpdateContext::default()).is_err());
    }

    fn bound_pvc(size: &str, class: &str) -> Value {
        let mut p = json!({
            "metadata": {"name": "data-web-0", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}},
                     "storageClassName": class, "volumeName": "pvc-1"},
            "status": {"phase": "Bound", "capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"]}
        });
        apply_defaults("persistentvolumeclaims", &mut p);
        p
    }

    #[test]
    fn pvc_shrink_rejected() {
        let old = bound_pvc("5Gi", "standard");
        let mut new = old.clone();
        new["spec"]["resources"]["requests"]["storage"] = json!("1Gi");
        let e = validate_update(
            "persistentvolumeclaims",
            &old,
            &new,
            &UpdateContext::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "PersistentVolumeClaim \"data-web-0\" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"
        );
    }

    #[test]
    fn pvc_growth_needs_expandable_class() {
        let old = bound_pvc("1Gi", "standard");
        let mut new = old.clone();
        new["spec"]["resources"]["requests"]["storage"] = json!("2Gi");
        let no = UpdateContext {
            storage_class_allows_expansion: Some(false),
        };
        let e = validate_update("persistentvolumeclaims", &old, &new, &no).unwrap_err();
        assert_eq!(e.code, 403);
        assert_eq!(
            e.message(),
            "persistentvolumeclaims \"data-web-0\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"
        );
        assert_eq!(e.status()["reason"], "Forbidden");
        let yes = UpdateContext {
            storage_class_allows_expansion: Some(true),
        };
        assert!(validate_update("persistentvolumeclaims", &old, &new, &yes).is_ok());
        // Other spec fields stay immutable.
        let mut bad = old.clone();
        bad["spec"]["accessModes"] = json!(["ReadWriteMany"]);
        let e = validate_update("persistentvolumeclaims", &old, &bad, &yes).unwrap_err();
        assert!(e.message().starts_with("PersistentVolumeClaim \"data-web-0\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n  core.PersistentVolumeClaimSpec{"));
    }

    #[test]
    fn pod_update_rules() {
        let mut old = json!({"metadata": {"name": "web-0"}, "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}});
        apply_defaults("pods", &mut old);
        let mut img = old.clone();
        img["spec"]["containers"][0]["image"] = json!("nginx:2");
        assert!(validate_update("pods", &old, &img, &UpdateContext::default()).is_ok());
        let mut bad = old.clone();
        bad["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80, "protocol": "TCP"}]);
        let e = validate_update("pods", &old, &bad, &UpdateContext::default()).unwrap_err();
        assert!(e.message().starts_with(&format!(
            "Pod \"web-0\" is invalid: spec: Forbidden: {POD_UPDATE_FORBIDDEN}\n"
        )));
        let mut tol = old.clone();
        tol["spec"]["tolerations"]
            .as_array_mut()
            .unwrap()
            .push(json!({"key": "x", "operator": "Exists"}));
        assert!(validate_update("pods", &old, &tol, &UpdateContext::default()).is_ok());
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("1Gi").unwrap(), 1 << 30);
        assert_eq!(parse_quantity("1.5Gi").unwrap(), 1_610_612_736);
        assert_eq!(parse_quantity("500M").unwrap(), 500_000_000);
        assert_eq!(parse_quantity("1e3").unwrap(), 1000);
        assert_eq!(parse_quantity("10").unwrap(), 10);
        assert_eq!(parse_quantity("2k").unwrap(), 2000);
        assert_eq!(parse_quantity("1Ei").unwrap(), 1 << 60);
        assert!(parse_quantity("abc").is_err());
        assert!(parse_quantity("1Qi").is_err());
        assert!(parse_quantity("-1Gi").is_err());
        // Found by fuzzing: zero with an exponent beyond i128 was "too large".
        assert_eq!(parse_quantity("0e45").unwrap(), 0);
        assert_eq!(parse_quantity("0.0e2147483647").unwrap(), 0);
        assert_eq!(format_quantity_bytes(5 << 20), "5Mi");
        assert_eq!(format_quantity_bytes(1 << 30), "1Gi");
        assert_eq!(format_quantity_bytes(1_610_612_736), "1536Mi");
        assert_eq!(format_quantity_bytes(1500), "1500");
        assert_eq!(format_quantity_bytes(1000), "1k");
        assert_eq!(format_quantity_bytes(0), "0");
        assert_eq!(canonical_quantity("1024Mi").as_deref(), Some("1Gi"));
        assert_eq!(canonical_quantity("0.5").as_deref(), Some("500m"));
        assert_eq!(canonical_quantity("2000M").as_deref(), Some("2G"));
        assert_eq!(canonical_quantity("1500M").as_deref(), Some("1500M"));
        assert_eq!(canonical_quantity("100m").as_deref(), Some("100m"));
        assert_eq!(canonical_quantity("1e3").as_deref(), Some("1e3"));
        assert_eq!(canonical_quantity("5Gi").as_deref(), Some("5Gi"));
    }
}

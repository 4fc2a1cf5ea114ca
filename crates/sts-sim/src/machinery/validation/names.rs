//! Object names as upstream validates them: DNS-1123 labels and subdomains, DNS-1035 labels,
//! path segments, and which rule each kind's `metadata.name` follows.

use serde_json::{json, Value};

use crate::machinery::validation::{str_at, Cause};

pub(super) const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
pub(super) const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
pub(super) const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

pub(super) fn is_label(s: &str) -> bool {
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

pub(super) fn dns1035_label_errors(s: &str) -> Vec<String> {
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
pub(super) fn path_segment_errors(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    ["/", "%"]
        .iter()
        .filter(|bad| name.contains(**bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

pub(super) fn validate_name(resource: &str, obj: &Value) -> Vec<Cause> {
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

//! Field selectors (`fieldSelector`) like upstream `k8s.io/apimachinery/pkg/fields`: parsing
//! with escapes, evaluating against an object by dotted path, and the per-resource whitelist.

use std::fmt;

use serde_json::Value;

/// One term of a field selector: `field=value`, `field==value` or `field!=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    /// The field label, a dotted path such as `spec.nodeName`.
    pub field: String,
    /// The (unescaped) value compared against.
    pub value: String,
    /// `true` for `!=`.
    pub not_equal: bool,
}

/// A parsed field selector: the AND of its terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    pub(super) terms: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses the `fieldSelector` query syntax like upstream
    /// `fields.ParseSelector`: comma-separated terms, values may escape `\`,
    /// `,` and `=` with a backslash. No whitespace trimming is done.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut parts = split_terms(s);
        parts.sort();
        let mut terms = Vec::new();
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let Some((lhs, op, rhs)) = split_term(&part) else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let value = unescape_value(rhs)?;
            terms.push(FieldRequirement {
                field: lhs.to_string(),
                value,
                not_equal: op == "!=",
            });
        }
        Ok(FieldSelector { terms })
    }

    /// The selector that matches every object.
    pub fn everything() -> Self {
        FieldSelector::default()
    }

    /// Whether the object satisfies every term; a missing field reads as `""`
    /// (see [`field_value`]).
    pub fn matches(&self, obj: &Value) -> bool {
        self.terms.iter().all(|t| {
            let actual = field_value(obj, &t.field);
            (actual == t.value) != t.not_equal
        })
    }

    /// The parsed terms.
    pub fn terms(&self) -> &[FieldRequirement] {
        &self.terms
    }

    /// True when the selector does not restrict anything.
    pub fn is_everything(&self) -> bool {
        self.terms.is_empty()
    }

    /// Checks every field against [`supported`] for `resource_plural`; the
    /// error is upstream's message for the first unsupported field.
    pub fn validate_for(&self, resource_plural: &str) -> Result<(), String> {
        match self
            .terms
            .iter()
            .find(|t| !supported(resource_plural, &t.field))
        {
            Some(t) => Err(unsupported_field_error(resource_plural, &t.field)),
            None => Ok(()),
        }
    }

    /// The value an `=`/`==` term requires for `field`, if any (e.g. to
    /// serve `metadata.name=x` watches efficiently).
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| t.field == field && !t.not_equal)
            .map(|t| t.value.as_str())
    }
}

impl fmt::Display for FieldSelector {
    /// Canonical form with escaped values, terms joined by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let escaped = t
                .value
                .replace('\\', "\\\\")
                .replace(',', "\\,")
                .replace('=', "\\=");
            let op = if t.not_equal { "!=" } else { "=" };
            write!(f, "{}{op}{escaped}", t.field)?;
        }
        Ok(())
    }
}

/// Splits on commas not escaped by a backslash.
pub(super) fn split_terms(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut cur = String::new();
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            in_slash = false;
            cur.push(c);
        } else if c == '\\' {
            in_slash = true;
            cur.push(c);
        } else if c == ',' {
            terms.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    terms.push(cur);
    terms
}

/// Finds the first operator (`!=`, `==`, `=` tried in that order at each position).
pub(super) fn split_term(term: &str) -> Option<(&str, &str, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for op in ["!=", "==", "="] {
            if rest.starts_with(op) {
                return Some((&term[..i], op, &term[i + op.len()..]));
            }
        }
    }
    None
}

pub(super) fn unescape_value(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => {
                    return Err(format!(
                        "invalid field selector: invalid escape sequence: \\{c}"
                    ))
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, i.e. as its code point number.
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                ))
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_string());
    }
    Ok(out)
}

pub(super) fn scalar_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn dotted<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(obj, |cur, seg| cur.get(seg))
}

/// The string value upstream's `GetAttrs` would expose for a field label:
/// a dotted path into the object, with `""` for missing fields, `"false"` for
/// unset boolean fields (`spec.hostNetwork`, `spec.unschedulable`), `"0"` for
/// unset counters (`status.replicas`, `status.successful`), `status.podIP`
/// taken from `status.podIPs[0]`, and the event aliases (`source` =
/// `source.component`, `reportingComponent`, `involvedObject.*`, also
/// accepting the `events.k8s.io` names `regarding`, `deprecatedSource`,
/// `reportingController`).
pub fn field_value(obj: &Value, field: &str) -> String {
    let direct = |p: &str| scalar_string(dotted(obj, p));
    let found = match field {
        "status.podIP" => obj
            .pointer("/status/podIPs/0/ip")
            .and_then(|v| scalar_string(Some(v)))
            .or_else(|| direct("status.podIP")),
        "source" => direct("source.component").or_else(|| direct("deprecatedSource.component")),
        "reportingComponent" => {
            direct("reportingComponent").or_else(|| direct("reportingController"))
        }
        f if f.starts_with("involvedObject.") => {
            direct(f).or_else(|| direct(&format!("regarding.{}", &f["involvedObject.".len()..])))
        }
        f => direct(f),
    };
    found.unwrap_or_else(|| match field {
        "spec.hostNetwork" | "spec.unschedulable" => "false".to_string(),
        "status.replicas" | "status.successful" => "0".to_string(),
        _ => String::new(),
    })
}

/// Whether upstream accepts `field` in a field selector for `resource_plural`
/// (e.g. `pods`, `events`). Unknown resources accept `metadata.name` and
/// `metadata.namespace` only.
pub fn supported(resource_plural: &str, field: &str) -> bool {
    let meta = matches!(field, "metadata.name" | "metadata.namespace");
    match resource_plural {
        "pods" => {
            meta || matches!(
                field,
                "spec.nodeName"
                    | "spec.restartPolicy"
                    | "spec.schedulerName"
                    | "spec.serviceAccountName"
                    | "spec.hostNetwork"
                    | "status.phase"
                    | "status.podIP"
                    | "status.nominatedNodeName"
            )
        }
        "events" => {
            meta || matches!(
                field,
                "involvedObject.kind"
                    | "involvedObject.namespace"
                    | "involvedObject.name"
                    | "involvedObject.uid"
                    | "involvedObject.apiVersion"
                    | "involvedObject.resourceVersion"
                    | "involvedObject.fieldPath"
                    | "reason"
                    | "reportingComponent"
                    | "source"
                    | "type"
            )
        }
        "nodes" => matches!(field, "metadata.name" | "spec.unschedulable"),
        "namespaces" => matches!(field, "metadata.name" | "status.phase"),
        "persistentvolumes" => field == "metadata.name",
        "secrets" => meta || field == "type",
        "replicationcontrollers" | "replicasets" => meta || field == "status.replicas",
        "jobs" => meta || field == "status.successful",
        "certificatesigningrequests" => matches!(field, "metadata.name" | "spec.signerName"),
        _ => meta,
    }
}

/// The message upstream returns (in a `400 BadRequest`) for a field selector
/// on an unsupported field; the wording depends on the resource.
pub fn unsupported_field_error(resource_plural: &str, field: &str) -> String {
    let kind = match resource_plural {
        "endpoints" => Some("Endpoints"),
        "resourcequotas" => Some("ResourceQuota"),
        "persistentvolumeclaims" => Some("PersistentVolumeClaim"),
        "services" => Some("Service"),
        "serviceaccounts" => Some("ServiceAccount"),
        "configmaps" => Some("ConfigMap"),
        "jobs" => Some("Job"),
        "cronjobs" => Some("CronJob"),
        _ => None,
    };
    if let Some(kind) = kind {
        return format!("field label {field:?} not supported for {kind:?}");
    }
    match resource_plural {
        "pods" | "nodes" | "namespaces" | "persistentvolumes" | "events" | "secrets"
        | "replicationcontrollers" => format!("field label not supported: {field}"),
        _ => format!(
            "{field:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        ),
    }
}

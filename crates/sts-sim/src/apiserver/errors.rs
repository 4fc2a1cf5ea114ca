//! API errors as upstream reports them: a `Status` object with code, reason and the exact
//! wording kubectl and client libraries expect (`statefulsets.apps "web" not found`).

use serde_json::{json, Value};

use crate::machinery::resources::ResourceType;

/// An error answer of the API server, rendered as a `meta/v1 Status`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// Machine-readable reason (`NotFound`, `Conflict`, ...).
    pub reason: &'static str,
    /// Human-readable message.
    pub message: String,
    /// `details` of the Status, if any.
    pub details: Option<Value>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

fn details(rt: &ResourceType, name: &str) -> Value {
    json!({"name": name, "group": rt.group, "kind": rt.plural})
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// `404 NotFound`: `statefulsets.apps "web" not found`.
    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        let mut e = Self::new(
            404,
            "NotFound",
            format!("{} \"{}\" not found", rt.qualified(), name),
        );
        e.details = Some(details(rt, name));
        e
    }

    /// `404 NotFound` for a path that serves nothing.
    pub fn no_route(path: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        )
    }

    /// `409 AlreadyExists`.
    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        let mut e = Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{}\" already exists", rt.qualified(), name),
        );
        e.details = Some(details(rt, name));
        e
    }

    /// `409 Conflict` on a stale `resourceVersion`.
    pub fn conflict(rt: &ResourceType, name: &str) -> Self {
        let mut e = Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                rt.qualified(),
                name
            ),
        );
        e.details = Some(details(rt, name));
        e
    }

    /// `422 Invalid` with a prepared message (see `validation::Invalid::message`).
    pub fn invalid(
        rt: &ResourceType,
        name: &str,
        message: impl Into<String>,
        causes: Value,
    ) -> Self {
        let mut e = Self::new(422, "Invalid", message);
        let mut d = json!({"name": name, "group": rt.group, "kind": rt.kind});
        if causes.is_array() {
            d["causes"] = causes;
        }
        e.details = Some(d);
        e
    }

    /// `400 BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// `403 Forbidden` as RBAC words it.
    pub fn forbidden(
        rt: &ResourceType,
        subresource: Option<&str>,
        verb: &str,
        name: &str,
        namespace: Option<&str>,
        user: &str,
    ) -> Self {
        let resource = match subresource {
            Some(sub) => format!("{}/{}", rt.plural, sub),
            None => rt.plural.to_string(),
        };
        let object = if name.is_empty() {
            rt.qualified()
        } else {
            format!("{} \"{}\"", rt.qualified(), name)
        };
        let scope = match namespace {
            Some(ns) => format!(" in the namespace \"{ns}\""),
            None => " at the cluster scope".to_string(),
        };
        let mut e = Self::new(
            403,
            "Forbidden",
            format!(
                "{object} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{}\"{scope}",
                rt.group
            ),
        );
        e.details = Some(details(rt, name));
        e
    }

    /// `405 MethodNotAllowed`.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    /// `410 Gone` for a watch from a compacted resourceVersion.
    pub fn gone(rv: u64) -> Self {
        Self::new(410, "Expired", format!("too old resource version: {rv}"))
    }

    /// `500 InternalError`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {}", message.into()),
        )
    }

    /// `429 TooManyRequests` with `Retry-After`.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            429,
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        );
        e.retry_after = Some(retry_after);
        e.details = Some(json!({"retryAfterSeconds": retry_after}));
        e
    }

    /// `504 Timeout`.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(504, "Timeout", message)
    }

    /// A status answer with any code, for injected faults.
    pub fn with_code(code: u16) -> Self {
        match code {
            429 => Self::too_many_requests(1),
            500 => Self::internal("injected fault"),
            503 => Self::new(503, "ServiceUnavailable", "the server is currently unable to handle the request"),
            504 => Self::timeout("the server was unable to return a response in the time allotted"),
            403 => Self::new(403, "Forbidden", "forbidden by an injected fault"),
            409 => Self::new(409, "Conflict", "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again"),
            _ => Self::new(code, "InternalError", format!("injected fault with status {code}")),
        }
    }

    /// The `Status` object sent as the body.
    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }
}

/// The `Status` body of a successful delete of a whole collection or a non-object answer.
pub fn success_status() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::resources::{PODS, STATEFULSETS};

    #[test]
    fn wording_matches_upstream() {
        assert_eq!(
            ApiError::not_found(&STATEFULSETS, "web").message,
            "statefulsets.apps \"web\" not found"
        );
        let f = ApiError::forbidden(
            &PODS,
            Some("exec"),
            "create",
            "web-0",
            Some("prod"),
            "alice",
        );
        assert_eq!(
            f.message,
            "pods \"web-0\" is forbidden: User \"alice\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"prod\""
        );
        let s = ApiError::conflict(&STATEFULSETS, "web").to_status();
        assert_eq!(s["code"], 409);
        assert_eq!(s["reason"], "Conflict");
    }
}

//! Authorization answers: SelfSubjectAccessReview and SelfSubjectRulesReview. sts-sim runs
//! as kube-apiserver's `AlwaysAllow` mode; [`authorize`] is the one decision point an RBAC
//! authorizer replaces.

use serde_json::{json, Value};

use crate::apiserver::errors::ApiError;
use crate::machinery::resources::ResourceType;

/// What a request (or an access review) asks to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    /// Verb (`get`, `create`, ...).
    pub verb: String,
    /// API group of the resource.
    pub group: String,
    /// Resource plural.
    pub resource: String,
    /// Subresource, if any.
    pub subresource: String,
    /// Namespace, empty for cluster-wide.
    pub namespace: String,
    /// Object name, empty for all.
    pub name: String,
    /// Non-resource path (`/healthz`), when not about a resource.
    pub path: String,
}

/// A decision: allowed or not, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the action is allowed.
    pub allowed: bool,
    /// Why (empty under AlwaysAllow, as upstream).
    pub reason: String,
}

/// Decides whether `user` may do what `attrs` says: always yes (`AlwaysAllow`).
pub fn authorize(_user: &str, _attrs: &Attributes) -> Decision {
    Decision {
        allowed: true,
        reason: String::new(),
    }
}

/// The rules anyone has in any namespace under AlwaysAllow: everything.
pub fn always_allow_rules() -> Value {
    json!({
        "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
        "incomplete": false
    })
}

fn invalid_review(rt: &ResourceType, detail: &str) -> ApiError {
    ApiError::invalid(
        rt,
        "",
        format!("{}.{} \"\" is invalid: {detail}", rt.kind, rt.group),
        Value::Null,
    )
}

fn attributes_of(rt: &ResourceType, spec: &Value) -> Result<Attributes, ApiError> {
    let str_of = |v: &Value| v.as_str().unwrap_or("").to_string();
    let ra = &spec["resourceAttributes"];
    let nra = &spec["nonResourceAttributes"];
    match (ra.is_object(), nra.is_object()) {
        (true, true) => Err(invalid_review(
            rt,
            "spec.nonResourceAttributes: Invalid value: \"\": cannot be specified in combination with resourceAttributes",
        )),
        (false, false) => Err(invalid_review(
            rt,
            "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )),
        (true, false) => Ok(Attributes {
            verb: str_of(&ra["verb"]),
            group: str_of(&ra["group"]),
            resource: str_of(&ra["resource"]),
            subresource: str_of(&ra["subresource"]),
            namespace: str_of(&ra["namespace"]),
            name: str_of(&ra["name"]),
            path: String::new(),
        }),
        (false, true) => Ok(Attributes {
            verb: str_of(&nra["verb"]),
            path: str_of(&nra["path"]),
            ..Attributes::default()
        }),
    }
}

/// Answers a review POSTed to `rt` by `user`: the review back, with its `status` filled.
pub fn review(rt: &ResourceType, user: &str, body: Value) -> Result<Value, ApiError> {
    review_with(
        rt,
        &|attrs| authorize(user, attrs),
        &|_| always_allow_rules(),
        body,
    )
}

/// Answers a SelfSubjectReview (`kubectl auth whoami`): the request's own user as the
/// authenticator (and impersonation) made it.
pub fn who_am_i(
    rt: &ResourceType,
    user: &crate::apiserver::auth::authn::UserInfo,
    mut body: Value,
) -> Result<Value, ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request was not a JSON object",
        ));
    }
    let mut info = json!({"username": user.name, "groups": user.groups});
    if !user.uid.is_empty() {
        info["uid"] = json!(user.uid);
    }
    body["apiVersion"] = json!(rt.api_version());
    body["kind"] = json!(rt.kind);
    if !body["metadata"].is_object() {
        body["metadata"] = json!({});
    }
    body["metadata"]["creationTimestamp"] = Value::Null;
    body["status"] = json!({"userInfo": info});
    Ok(body)
}

/// Answers a review with the given authorizer (`decide`) and rules lister (`rules`, by
/// namespace), so access reviews tell what requests meet.
pub fn review_with(
    rt: &ResourceType,
    decide: &dyn Fn(&Attributes) -> Decision,
    rules: &dyn Fn(&str) -> Value,
    mut body: Value,
) -> Result<Value, ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request was not a JSON object",
        ));
    }
    let status = match rt.kind {
        "SelfSubjectAccessReview" => {
            let attrs = attributes_of(rt, &body["spec"])?;
            let d = decide(&attrs);
            let mut s = json!({"allowed": d.allowed});
            if !d.reason.is_empty() {
                s["reason"] = json!(d.reason);
            }
            s
        }
        _ => rules(body["spec"]["namespace"].as_str().unwrap_or("")),
    };
    body["apiVersion"] = json!(rt.api_version());
    body["kind"] = json!(rt.kind);
    if !body["metadata"].is_object() {
        body["metadata"] = json!({});
    }
    body["metadata"]["creationTimestamp"] = Value::Null;
    body["status"] = status;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::resources::{SELFSUBJECTACCESSREVIEWS, SELFSUBJECTRULESREVIEWS};

    #[test]
    fn who_am_i_answers_with_the_request_user() {
        use crate::apiserver::auth::authn::UserInfo;
        use crate::machinery::resources::SELFSUBJECTREVIEWS;
        let bot = UserInfo::authenticated("system:serviceaccount:d:bot", "u1", &["g".into()]);
        let r = who_am_i(&SELFSUBJECTREVIEWS, &bot, json!({})).unwrap();
        assert_eq!(r["apiVersion"], "authentication.k8s.io/v1");
        assert_eq!(
            r["status"]["userInfo"]["username"],
            "system:serviceaccount:d:bot"
        );
        assert_eq!(r["status"]["userInfo"]["uid"], "u1");
        assert_eq!(
            r["status"]["userInfo"]["groups"],
            json!(["g", "system:authenticated"])
        );
        assert_eq!(
            who_am_i(&SELFSUBJECTREVIEWS, &bot, json!([]))
                .unwrap_err()
                .code,
            400
        );
    }

    #[test]
    fn access_reviews_are_allowed_and_checked() {
        let r = review(
            &SELFSUBJECTACCESSREVIEWS,
            "admin",
            json!({"spec": {"resourceAttributes": {"verb": "delete", "resource": "pods", "namespace": "d"}}}),
        )
        .unwrap();
        assert_eq!(r["status"]["allowed"], true);
        assert_eq!(r["spec"]["resourceAttributes"]["verb"], "delete");
        let err = review(&SELFSUBJECTACCESSREVIEWS, "admin", json!({"spec": {}})).unwrap_err();
        assert_eq!(err.code, 422);
        let rules = review(
            &SELFSUBJECTRULESREVIEWS,
            "admin",
            json!({"spec": {"namespace": "d"}}),
        )
        .unwrap();
        assert_eq!(rules["status"]["resourceRules"][0]["verbs"][0], "*");
    }
}

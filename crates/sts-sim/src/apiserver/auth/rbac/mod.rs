//! Authorization by Role-Based Access Control, as kube-apiserver's
//! `--authorization-mode=RBAC`: policy rules ([`rules`]), the evaluator over the stored
//! roles and bindings ([`evaluate`]) and the default roles ([`defaults`]).

pub mod defaults;
pub mod evaluate;
pub mod rules;

use crate::apiserver::auth::authn::UserInfo;
use crate::apiserver::auth::authz::{Attributes, Decision};
use crate::state::State;

/// How requests are authorized (`--authorization-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthorizationMode {
    /// Roles and bindings decide (the default, as on kubeadm clusters).
    #[default]
    Rbac,
    /// Everything is allowed.
    AlwaysAllow,
}

impl std::str::FromStr for AuthorizationMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "RBAC" => Ok(AuthorizationMode::Rbac),
            "AlwaysAllow" => Ok(AuthorizationMode::AlwaysAllow),
            other => Err(format!(
                "unknown authorization mode {other:?}: use RBAC or AlwaysAllow"
            )),
        }
    }
}

/// Decides a request of `user` by the cluster's authorization mode.
pub fn authorize(state: &State, user: &UserInfo, attrs: &Attributes) -> Decision {
    match state.opts.authorization_mode {
        AuthorizationMode::AlwaysAllow => {
            crate::apiserver::auth::authz::authorize(&user.name, attrs)
        }
        AuthorizationMode::Rbac => evaluate::authorize(&state.store, user, attrs),
    }
}

/// A SelfSubjectRulesReview's status by the cluster's authorization mode.
pub fn rules_review(state: &State, user: &UserInfo, namespace: &str) -> serde_json::Value {
    match state.opts.authorization_mode {
        AuthorizationMode::AlwaysAllow => crate::apiserver::auth::authz::always_allow_rules(),
        AuthorizationMode::Rbac => evaluate::rules_review(&state.store, user, namespace),
    }
}

/// The Forbidden error for a denied request: upstream's message, with the evaluator's
/// reason after a colon when it has one.
pub fn forbidden(
    user: &UserInfo,
    attrs: &Attributes,
    decision: &Decision,
) -> crate::apiserver::errors::ApiError {
    let mut message = evaluate::forbidden_message(user, attrs);
    if !decision.reason.is_empty() {
        message = format!("{message}: {}", decision.reason);
    }
    let mut e = crate::apiserver::errors::ApiError::with_code(403);
    e.message = message;
    if !attrs.resource.is_empty() {
        e.details = Some(serde_json::json!({
            "name": attrs.name, "group": attrs.group, "kind": attrs.resource
        }));
    }
    e
}

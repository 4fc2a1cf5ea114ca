//! The filters every request passes before a handler, in upstream's order: authentication
//! (token or client certificate, else 401), impersonation, then authorization of what the
//! request does (403 Forbidden worded as upstream).

use axum::http::{HeaderMap, Method};

use crate::apiserver::auth::authn::{self, ClientIdentity, UserInfo, MASTERS};
use crate::apiserver::auth::authz::Attributes;
use crate::apiserver::errors::ApiError;
use crate::apiserver::server::{Query, ResourcePath};
use crate::state::State;

/// Who a request acts as: authenticated, then impersonated when it asks to be.
pub fn user_of(
    state: &State,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> Result<UserInfo, ApiError> {
    let client = extensions
        .get::<axum::extract::ConnectInfo<ClientIdentity>>()
        .and_then(|c| c.0 .0.clone());
    // Plain HTTP (the old insecure port): a request without credentials is the admin.
    let insecure = state
        .opts
        .insecure_http
        .then(|| UserInfo::authenticated(&state.opts.user, "", &[MASTERS.to_string()]));
    let user = authn::authenticate(
        &state.opts.tokens,
        &|token| crate::controllers::service_account_tokens::authenticate(state, token),
        headers,
        client.as_deref(),
        insecure.as_ref(),
    )?;
    crate::apiserver::auth::impersonation::effective_user(state, user, headers)
}

/// The attributes of a request for a resource (`verb` as upstream's RequestInfo names it):
/// a namespace's own name is its namespace, and a list or watch with a
/// `metadata.name=` field selector is about that name.
pub fn resource_attributes(path: &ResourcePath, verb: &str, query: &Query) -> Attributes {
    let mut name = path.name.clone().unwrap_or_default();
    if name.is_empty() && (verb == "list" || verb == "watch") {
        if let Some(fs) = query.get("fieldSelector") {
            if let Some(n) = fs
                .split(',')
                .find_map(|term| term.trim().strip_prefix("metadata.name="))
            {
                name = n.to_string();
            }
        }
    }
    let namespace = if path.rt.plural == "namespaces" {
        path.name.clone().unwrap_or_default()
    } else if path.rt.namespaced {
        path.namespace.clone().unwrap_or_default()
    } else {
        String::new()
    };
    Attributes {
        verb: verb.to_string(),
        group: path.rt.group.to_string(),
        resource: path.rt.plural.to_string(),
        subresource: path.sub.clone().unwrap_or_default(),
        namespace,
        name,
        path: String::new(),
    }
}

/// The attributes of a request for a non-resource path (`/version`, `/api`).
pub fn path_attributes(method: &Method, path: &str) -> Attributes {
    Attributes {
        verb: method.as_str().to_ascii_lowercase(),
        path: path.to_string(),
        ..Attributes::default()
    }
}

/// Refuses what `user` may not do.
pub fn authorize(state: &State, user: &UserInfo, attrs: &Attributes) -> Result<(), ApiError> {
    let d = crate::apiserver::auth::rbac::authorize(state, user, attrs);
    if d.allowed {
        Ok(())
    } else {
        Err(crate::apiserver::auth::rbac::forbidden(user, attrs, &d))
    }
}

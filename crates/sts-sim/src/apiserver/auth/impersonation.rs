//! User impersonation (`kubectl --as`, `--as-group`), as upstream's `WithImpersonation`
//! filter: the `Impersonate-User` and `Impersonate-Group` headers switch the request's user
//! when the authenticated user may `impersonate` that user (or ServiceAccount) and each group.

use axum::http::HeaderMap;

use crate::apiserver::auth::authn::{UserInfo, AUTHENTICATED};
use crate::apiserver::auth::authz::Attributes;
use crate::apiserver::errors::ApiError;
use crate::state::State;

const SA_PREFIX: &str = "system:serviceaccount:";

fn header_values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

/// What impersonating `name` of `resource` checks.
fn check(
    state: &State,
    user: &UserInfo,
    resource: &str,
    namespace: &str,
    name: &str,
) -> Result<(), ApiError> {
    let attrs = Attributes {
        verb: "impersonate".into(),
        resource: resource.into(),
        namespace: namespace.into(),
        name: name.into(),
        ..Attributes::default()
    };
    let d = crate::apiserver::auth::rbac::authorize(state, user, &attrs);
    if d.allowed {
        Ok(())
    } else {
        Err(crate::apiserver::auth::rbac::forbidden(user, &attrs, &d))
    }
}

/// The user a request acts as: `user` itself without impersonation headers, else the
/// impersonated user (with `system:authenticated`, and the ServiceAccount groups for a
/// ServiceAccount), once each impersonation is allowed.
pub fn effective_user(
    state: &State,
    user: UserInfo,
    headers: &HeaderMap,
) -> Result<UserInfo, ApiError> {
    let target = header_values(headers, "impersonate-user");
    let groups: Vec<String> = header_values(headers, "impersonate-group")
        .into_iter()
        .map(str::to_string)
        .collect();
    let Some(target) = target.first().map(|s| s.to_string()) else {
        if groups.is_empty() {
            return Ok(user);
        }
        return Err(ApiError::internal(format!(
            "requested impersonation of groups {groups:?} without impersonating a user"
        )));
    };
    let mut impersonated_groups = groups.clone();
    match target
        .strip_prefix(SA_PREFIX)
        .and_then(|r| r.split_once(':'))
    {
        Some((ns, name)) => {
            check(state, &user, "serviceaccounts", ns, name)?;
            for g in [
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{ns}"),
            ] {
                if !impersonated_groups.contains(&g) {
                    impersonated_groups.push(g);
                }
            }
        }
        None => check(state, &user, "users", "", &target)?,
    }
    for g in &groups {
        check(state, &user, "groups", "", g)?;
    }
    if !impersonated_groups.iter().any(|g| g == AUTHENTICATED) {
        impersonated_groups.push(AUTHENTICATED.to_string());
    }
    Ok(UserInfo {
        name: target,
        uid: String::new(),
        groups: impersonated_groups,
    })
}

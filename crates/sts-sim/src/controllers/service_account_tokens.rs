//! The tokens controller: fills each Secret of type `kubernetes.io/service-account-token`
//! that names an existing ServiceAccount (annotation `kubernetes.io/service-account.name`)
//! with a `token`, the cluster's `ca.crt` and the `namespace`, and records the account's UID,
//! as upstream's legacy token controller does for token Secrets made by hand. The API
//! server then takes that token as the ServiceAccount ([`authenticate`]).

use base64::Engine as _;
use serde_json::{json, Value};

use crate::apiserver::auth::authn::UserInfo;
use crate::machinery::api;
use crate::machinery::resources::{SECRETS, SERVICEACCOUNTS};
use crate::machinery::store::Event;
use crate::state::{SharedState, State};

/// The Secret type the controller fills.
pub const TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
/// Annotation naming the ServiceAccount.
pub const NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";
/// Annotation with the ServiceAccount's UID, written by the controller.
pub const UID_ANNOTATION: &str = "kubernetes.io/service-account.uid";
/// Group of every ServiceAccount.
pub const ALL_SERVICE_ACCOUNTS: &str = "system:serviceaccounts";

fn relevant(ev: &Event) -> bool {
    matches!(ev.rt.plural, "secrets" | "serviceaccounts")
}

fn encode(text: &str) -> Value {
    json!(base64::engine::general_purpose::STANDARD.encode(text))
}

fn new_token() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("sts-sim.{a}{b}")
}

/// The ServiceAccount a token Secret names, if it exists (with its UID).
fn account_of(state: &State, secret: &Value) -> Option<(String, String, String)> {
    if secret["type"] != TOKEN_TYPE {
        return None;
    }
    let ns = secret["metadata"]["namespace"].as_str()?.to_string();
    let name = secret["metadata"]["annotations"][NAME_ANNOTATION]
        .as_str()?
        .to_string();
    let account = state.store.get(&SERVICEACCOUNTS, &ns, &name)?;
    let uid = account["metadata"]["uid"].as_str()?.to_string();
    Some((ns, name, uid))
}

/// Fills every unfilled token Secret whose ServiceAccount exists.
pub fn pass(state: &State) {
    let ca = state
        .authority
        .get()
        .map(|a| a.cert_pem().to_string())
        .unwrap_or_default();
    let (secrets, _) = state.store.list(&SECRETS, None);
    for secret in secrets {
        let Some((ns, _, uid)) = account_of(state, &secret) else {
            continue;
        };
        if secret["data"].get("token").is_some_and(|t| !t.is_null()) {
            continue;
        }
        let name = secret["metadata"]["name"].as_str().unwrap_or("");
        let mut filled = (*secret).clone();
        filled["metadata"]["annotations"][UID_ANNOTATION] = json!(uid);
        if !filled["data"].is_object() {
            filled["data"] = json!({});
        }
        filled["data"]["token"] = encode(&new_token());
        filled["data"]["ca.crt"] = encode(&ca);
        filled["data"]["namespace"] = encode(&ns);
        let _ = api::update(state, &SECRETS, &ns, name, None, filled, false);
    }
}

/// The ServiceAccount a bearer token belongs to: a filled token Secret with exactly this
/// token whose account still exists with the recorded UID (a deleted and re-created account
/// does not inherit old tokens).
pub fn authenticate(state: &State, bearer: &str) -> Option<UserInfo> {
    let wanted = base64::engine::general_purpose::STANDARD.encode(bearer);
    let (secrets, _) = state.store.list(&SECRETS, None);
    let secret = secrets
        .iter()
        .find(|s| s["type"] == TOKEN_TYPE && s["data"]["token"].as_str() == Some(&wanted))?;
    let (ns, name, uid) = account_of(state, secret)?;
    if secret["metadata"]["annotations"][UID_ANNOTATION].as_str() != Some(&uid) {
        return None;
    }
    Some(UserInfo::authenticated(
        &format!("system:serviceaccount:{ns}:{name}"),
        &uid,
        &[
            ALL_SERVICE_ACCOUNTS.to_string(),
            format!("{ALL_SERVICE_ACCOUNTS}:{ns}"),
        ],
    ))
}

/// Runs the controller until the runtime stops.
pub async fn run(state: SharedState) {
    super::wake::pass_on_changes(state, relevant, pass).await;
}

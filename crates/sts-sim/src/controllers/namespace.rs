//! Namespace lifecycle: a deleted namespace turns `Terminating`, refuses new content, has
//! its content deleted (pods gracefully, finalizers honoured), and is removed once empty.

use serde_json::json;

use crate::apiserver::errors::ApiError;
use crate::machinery::api::DeleteOptions;
use crate::machinery::resources::NAMESPACES;
use crate::machinery::store::Event;
use crate::machinery::{api, resources};
use crate::state::{SharedState, State};

fn relevant(ev: &Event) -> bool {
    ev.rt.plural == "namespaces" || ev.kind == crate::machinery::store::EventType::Deleted
}

/// Starts deleting a namespace: sets its deletion timestamp and the `Terminating` phase.
pub fn begin_deletion(state: &State, name: &str) -> Result<crate::machinery::store::Obj, ApiError> {
    state.store.mark_deleted(&NAMESPACES, "", name, 0, None)?;
    api::write_status(state, &NAMESPACES, "", name, |status| {
        status["phase"] = json!("Terminating");
    })
}

/// The 403 upstream's NamespaceLifecycle admission gives a create in a terminating namespace.
pub fn check_accepts_content(state: &State, ns: &str) -> Result<(), ApiError> {
    let Some(obj) = state.store.get(&NAMESPACES, "", ns) else {
        return Ok(());
    };
    if obj["status"]["phase"] != "Terminating" {
        return Ok(());
    }
    let mut e = ApiError::invalid(
        &NAMESPACES,
        ns,
        format!("namespaces \"{ns}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated"),
        json!([{"reason": "NamespaceTerminating", "message": format!("namespace {ns} is being terminated"), "field": "metadata.namespace"}]),
    );
    e.code = 403;
    e.reason = "Forbidden";
    if let Some(d) = e.details.as_mut() {
        d["kind"] = json!("namespaces");
        d["group"] = json!("");
    }
    Err(e)
}

/// One pass: deletes the content of terminating namespaces and removes the empty ones.
pub fn pass(state: &State) {
    let (namespaces, _) = state.store.list(&NAMESPACES, None);
    for ns in namespaces
        .iter()
        .filter(|n| n["status"]["phase"] == "Terminating")
    {
        let name = ns["metadata"]["name"].as_str().unwrap_or("");
        let mut remaining = 0;
        for rt in resources::ALL
            .iter()
            .copied()
            .filter(|r| r.namespaced && !resources::create_only(r))
        {
            for obj in state.store.list(rt, Some(name)).0 {
                remaining += 1;
                let deleting = obj["metadata"]
                    .get("deletionTimestamp")
                    .is_some_and(|v| !v.is_null());
                if !deleting {
                    let obj_name = obj["metadata"]["name"].as_str().unwrap_or("");
                    let _ = api::delete(state, rt, name, obj_name, &DeleteOptions::default());
                }
            }
        }
        if remaining == 0 {
            let _ = state.store.remove(&NAMESPACES, "", name);
        }
    }
}

/// Runs the controller until the runtime stops.
pub async fn run(state: SharedState) {
    super::wake::pass_on_changes(state, relevant, pass).await;
}

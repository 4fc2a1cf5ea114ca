//! The `pods/eviction` subresource (`policy/v1 Eviction`), following upstream's eviction
//! REST: a pod covered by a PodDisruptionBudget is deleted only while the budget allows a
//! disruption (which the eviction uses up); otherwise 429 TooManyRequests.

use serde_json::{json, Value};

use crate::apiserver::errors::ApiError;
use crate::machinery::api::{self, DeleteOptions};
use crate::machinery::pdb;
use crate::machinery::resources::{PDBS, PODS};
use crate::machinery::store::now_rfc3339;
use crate::state::State;

/// How many evicted-but-not-yet-gone pods a budget records (upstream's MaxDisruptedPodSize).
const MAX_DISRUPTED_PODS: usize = 2000;

fn too_many_requests(message: String, cause: Option<String>) -> ApiError {
    let mut e = ApiError::too_many_requests(0);
    e.message = message;
    e.retry_after = None;
    let mut details = json!({});
    if let Some(c) = cause {
        details["causes"] = json!([{"reason": "DisruptionBudget", "message": c}]);
    }
    e.details = Some(details);
    e
}

fn forbidden(message: String) -> ApiError {
    let mut e = ApiError::bad_request(message);
    e.code = 403;
    e.reason = "Forbidden";
    e
}

/// Whether the budget may be skipped: upstream evicts terminal, pending or deleting pods freely.
fn can_ignore_budget(pod: &Value) -> bool {
    let deleting = pod["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|v| !v.is_null());
    deleting
        || matches!(
            pod["status"]["phase"].as_str(),
            Some("Succeeded" | "Failed" | "Pending")
        )
}

/// Evicts a pod as `POST .../pods/<name>/eviction` does; answers the `Status` to send (201).
pub fn evict(
    state: &State,
    ns: &str,
    name: &str,
    body: &Value,
    dry_run: bool,
) -> Result<Value, ApiError> {
    if let Some(body_name) = body["metadata"]["name"].as_str() {
        if !body_name.is_empty() && body_name != name {
            return Err(ApiError::bad_request(
                "name in URL does not match name in Eviction object",
            ));
        }
    }
    let delete_options = &body["deleteOptions"];
    let mut opts = if delete_options.is_object() {
        DeleteOptions::from_body(delete_options.to_string().as_bytes())?
    } else {
        DeleteOptions::default()
    };
    opts.dry_run |= dry_run;
    let pod = state
        .store
        .get(&PODS, ns, name)
        .ok_or_else(|| ApiError::not_found(&PODS, name))?;
    if !can_ignore_budget(&pod) {
        let (budgets, _) = state.store.list(&PDBS, Some(ns));
        let covering: Vec<_> = budgets.iter().filter(|b| pdb::covers(b, &pod)).collect();
        match covering.as_slice() {
            [] => {}
            [budget] => use_up_disruption(state, ns, budget, &pod, opts.dry_run)?,
            _ => {
                return Err(ApiError::internal(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                ))
            }
        }
    }
    api::delete(state, &PODS, ns, name, &opts)?;
    Ok(
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    )
}

fn use_up_disruption(
    state: &State,
    ns: &str,
    budget: &Value,
    pod: &Value,
    dry_run: bool,
) -> Result<(), ApiError> {
    let budget_name = budget["metadata"]["name"].as_str().unwrap_or("");
    let status = &budget["status"];
    let generation = budget["metadata"]["generation"].as_i64().unwrap_or(0);
    let observed = status["observedGeneration"].as_i64().unwrap_or(0);
    if observed < generation {
        return Err(too_many_requests(
            "Cannot evict pod as it would violate the pod's disruption budget.".into(),
            Some(format!(
                "The disruption budget {budget_name} is still being processed by the server."
            )),
        ));
    }
    let allowed = status["disruptionsAllowed"].as_i64().unwrap_or(0);
    if allowed < 0 {
        return Err(forbidden("pdb disruptions allowed is negative".into()));
    }
    let disrupted = status["disruptedPods"].as_object().map_or(0, |m| m.len());
    if disrupted > MAX_DISRUPTED_PODS {
        return Err(forbidden(
            "DisruptedPods map too big - too many evictions not confirmed by PDB controller".into(),
        ));
    }
    // An unhealthy pod does not count against the budget while the budget is met
    // (IfHealthyBudget), and never with AlwaysAllow.
    if !pdb::pod_healthy(pod) {
        let policy = budget["spec"]["unhealthyPodEvictionPolicy"]
            .as_str()
            .unwrap_or("IfHealthyBudget");
        let healthy = status["currentHealthy"].as_i64().unwrap_or(0);
        let desired = status["desiredHealthy"].as_i64().unwrap_or(0);
        if policy == "AlwaysAllow" || healthy >= desired {
            return Ok(());
        }
    }
    if allowed == 0 {
        return Err(too_many_requests(
            "Cannot evict pod as it would violate the pod's disruption budget.".into(),
            Some(format!(
                "The disruption budget {budget_name} needs {} healthy pods and has {} currently",
                status["desiredHealthy"].as_i64().unwrap_or(0),
                status["currentHealthy"].as_i64().unwrap_or(0)
            )),
        ));
    }
    if dry_run {
        return Ok(());
    }
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or("").to_string();
    let now = now_rfc3339();
    let expected_rv = budget["metadata"]["resourceVersion"].clone();
    state.store.modify(&PDBS, ns, budget_name, |cur| {
        if cur["metadata"]["resourceVersion"] != expected_rv {
            return Err(ApiError::conflict(&PDBS, budget_name));
        }
        let allowed = cur["status"]["disruptionsAllowed"].as_i64().unwrap_or(0);
        cur["status"]["disruptionsAllowed"] = json!((allowed - 1).max(0));
        if !cur["status"]["disruptedPods"].is_object() {
            cur["status"]["disruptedPods"] = json!({});
        }
        cur["status"]["disruptedPods"][&pod_name] = json!(now);
        Ok(true)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_and_deleting_pods_skip_the_budget() {
        assert!(can_ignore_budget(
            &json!({"status": {"phase": "Succeeded"}})
        ));
        assert!(can_ignore_budget(
            &json!({"metadata": {"deletionTimestamp": "x"}, "status": {"phase": "Running"}})
        ));
        assert!(!can_ignore_budget(&json!({"status": {"phase": "Running"}})));
    }

    #[test]
    fn a_blocked_eviction_reads_like_upstream() {
        let e = too_many_requests(
            "Cannot evict pod as it would violate the pod's disruption budget.".into(),
            Some("The disruption budget web needs 3 healthy pods and has 3 currently".into()),
        );
        let s = e.to_status();
        assert_eq!(s["code"], 429);
        assert_eq!(s["reason"], "TooManyRequests");
        assert_eq!(s["details"]["causes"][0]["reason"], "DisruptionBudget");
    }
}

//! The disruption controller: keeps every PodDisruptionBudget's status (expected, desired
//! and current healthy pods, allowed disruptions) in step with its pods, and forgets
//! evicted pods once they are gone.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::machinery::resources::{PDBS, PODS, STATEFULSETS};
use crate::machinery::store::{now_rfc3339, Event};
use crate::machinery::{api, pdb};
use crate::state::{SharedState, State};

fn relevant(ev: &Event) -> bool {
    matches!(
        ev.rt.plural,
        "pods" | "poddisruptionbudgets" | "statefulsets"
    )
}

/// Sums the replicas of the covered pods' controllers; `None` if one has none.
fn controller_scale(state: &State, pods: &[&Value]) -> Option<i64> {
    let mut controllers: BTreeMap<(String, String), i64> = BTreeMap::new();
    for p in pods {
        let owner = p["metadata"]["ownerReferences"]
            .as_array()?
            .iter()
            .find(|o| o["controller"] == true)?;
        if owner["kind"] != "StatefulSet" {
            return None;
        }
        let ns = p["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let name = owner["name"].as_str().unwrap_or("").to_string();
        let sts = state.store.get(&STATEFULSETS, &ns, &name)?;
        controllers.insert((ns, name), sts["spec"]["replicas"].as_i64().unwrap_or(1));
    }
    Some(controllers.values().sum())
}

/// Recomputes every budget once.
pub fn pass(state: &State) {
    let (budgets, _) = state.store.list(&PDBS, None);
    for budget in budgets {
        let ns = budget["metadata"]["namespace"].as_str().unwrap_or("");
        let name = budget["metadata"]["name"].as_str().unwrap_or("");
        let (pods, _) = state.store.list(&PODS, Some(ns));
        let covered: Vec<&Value> = pods
            .iter()
            .map(|p| &**p)
            .filter(|p| pdb::covers(&budget, p))
            .collect();
        let scale = controller_scale(state, &covered);
        let generation = budget["metadata"]["generation"].as_i64();
        let live: Vec<String> = covered
            .iter()
            .filter(|p| {
                p["metadata"]
                    .get("deletionTimestamp")
                    .is_none_or(Value::is_null)
            })
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
            .collect();
        let now = now_rfc3339();
        let _ = api::write_status(state, &PDBS, ns, name, |status| {
            if let Some(d) = status["disruptedPods"].as_object_mut() {
                d.retain(|pod, _| live.contains(pod));
                if d.is_empty() {
                    if let Some(m) = status.as_object_mut() {
                        m.remove("disruptedPods");
                    }
                }
            }
            let mut current = (*budget).clone();
            current["status"] = status.clone();
            let b = pdb::compute(&current, &covered, scale);
            pdb::write_status(status, &b, generation, &now);
        });
    }
}

/// Runs the controller until the runtime stops.
pub async fn run(state: SharedState) {
    super::wake::pass_on_changes(state, relevant, pass).await;
}

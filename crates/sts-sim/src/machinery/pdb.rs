//! PodDisruptionBudget arithmetic as upstream's disruption controller does it: which pods a
//! budget covers, how many are expected and must stay healthy, and how many disruptions
//! that allows.

use serde_json::{json, Value};

use crate::machinery::selectors::selector_matches;

/// Whether a budget's selector covers a pod (same namespace; an empty selector covers all).
pub fn covers(pdb: &Value, pod: &Value) -> bool {
    if pdb["metadata"]["namespace"] != pod["metadata"]["namespace"] {
        return false;
    }
    let selector = &pdb["spec"]["selector"];
    if selector.is_null() {
        return false;
    }
    selector_matches(selector, &pod["metadata"]["labels"])
}

fn is_deleting(obj: &Value) -> bool {
    obj["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|v| !v.is_null())
}

/// Whether a pod counts as healthy: Ready and not being deleted.
pub fn pod_healthy(pod: &Value) -> bool {
    let ready = pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True");
    ready && !is_deleting(pod)
}

/// `GetScaledValueFromIntOrPercent(v, total, roundUp)`; `None` for a malformed value.
pub fn scaled(v: &Value, total: i64, round_up: bool) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => match s.strip_suffix('%') {
            Some(p) => {
                let p: i64 = p.parse().ok()?;
                let num = p.checked_mul(total)?;
                Some(if round_up {
                    (num + 99).div_euclid(100)
                } else {
                    num.div_euclid(100)
                })
            }
            None => s.parse().ok(),
        },
        _ => None,
    }
}

/// The computed part of a budget's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Pods the budget expects (from the controllers' scale, or the covered pods).
    pub expected_pods: i64,
    /// Pods that must stay healthy.
    pub desired_healthy: i64,
    /// Healthy covered pods (not counting ones just evicted).
    pub current_healthy: i64,
    /// How many may be disrupted now.
    pub disruptions_allowed: i64,
}

/// Computes a budget over the pods it covers. `controller_scale` sums the `replicas` of the
/// pods' controllers (`None` when some pod has no controller with a scale).
pub fn compute(pdb: &Value, pods: &[&Value], controller_scale: Option<i64>) -> Budget {
    let spec = &pdb["spec"];
    let disrupted = &pdb["status"]["disruptedPods"];
    let current_healthy = pods
        .iter()
        .filter(|p| pod_healthy(p))
        .filter(|p| {
            let name = p["metadata"]["name"].as_str().unwrap_or("");
            disrupted.get(name).is_none()
        })
        .count() as i64;
    let covered = pods.len() as i64;
    let (expected_pods, desired_healthy) = if !spec["maxUnavailable"].is_null() {
        let expected = controller_scale.unwrap_or(covered);
        let max_unavailable = scaled(&spec["maxUnavailable"], expected, true).unwrap_or(0);
        (expected, (expected - max_unavailable).max(0))
    } else if let Some(min) = spec["minAvailable"].as_i64() {
        (covered, min)
    } else if spec["minAvailable"].is_string() {
        let expected = controller_scale.unwrap_or(covered);
        (
            expected,
            scaled(&spec["minAvailable"], expected, true).unwrap_or(0),
        )
    } else {
        (covered, 0)
    };
    let mut disruptions_allowed = current_healthy - desired_healthy;
    if expected_pods <= 0 || disruptions_allowed <= 0 {
        disruptions_allowed = 0;
    }
    Budget {
        expected_pods,
        desired_healthy,
        current_healthy,
        disruptions_allowed,
    }
}

/// Writes a computed budget into a status object (keeping `disruptedPods`).
pub fn write_status(status: &mut Value, b: &Budget, generation: Option<i64>, now: &str) {
    if !status.is_object() {
        *status = json!({});
    }
    let allowed = b.disruptions_allowed > 0;
    let old_condition = status["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == "DisruptionAllowed"))
        .cloned();
    let new_status = if allowed { "True" } else { "False" };
    let transition = match &old_condition {
        Some(c) if c["status"] == new_status => c["lastTransitionTime"].clone(),
        _ => json!(now),
    };
    status["currentHealthy"] = json!(b.current_healthy);
    status["desiredHealthy"] = json!(b.desired_healthy);
    status["expectedPods"] = json!(b.expected_pods);
    status["disruptionsAllowed"] = json!(b.disruptions_allowed);
    if let Some(g) = generation {
        status["observedGeneration"] = json!(g);
    }
    status["conditions"] = json!([{
        "type": "DisruptionAllowed",
        "status": new_status,
        "reason": if allowed { "SufficientPods" } else { "InsufficientPods" },
        "message": "",
        "observedGeneration": generation,
        "lastTransitionTime": transition,
    }]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, ready: bool) -> Value {
        json!({"metadata": {"name": name, "namespace": "d", "labels": {"app": "web"}},
               "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}})
    }

    #[test]
    fn min_available_integer_counts_covered_pods() {
        let pdb = json!({"metadata": {"namespace": "d"}, "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}});
        let pods = [pod("a", true), pod("b", true), pod("c", false)];
        let refs: Vec<&Value> = pods.iter().collect();
        assert!(refs.iter().all(|p| covers(&pdb, p)));
        let b = compute(&pdb, &refs, Some(3));
        assert_eq!(
            (
                b.expected_pods,
                b.desired_healthy,
                b.current_healthy,
                b.disruptions_allowed
            ),
            (3, 2, 2, 0)
        );
    }

    #[test]
    fn max_unavailable_percent_uses_the_scale_rounding_up() {
        let pdb = json!({"spec": {"maxUnavailable": "34%", "selector": {}}});
        let pods = [pod("a", true), pod("b", true), pod("c", true)];
        let refs: Vec<&Value> = pods.iter().collect();
        let b = compute(&pdb, &refs, Some(3));
        assert_eq!(
            (b.expected_pods, b.desired_healthy, b.disruptions_allowed),
            (3, 1, 2)
        );
        let mut evicted = pdb.clone();
        evicted["status"]["disruptedPods"] = json!({"a": "2026-01-01T00:00:00Z"});
        assert_eq!(compute(&evicted, &refs, Some(3)).current_healthy, 2);
        assert_eq!(scaled(&json!("50%"), 3, false), Some(1));
        assert_eq!(scaled(&json!("x%"), 3, false), None);
    }
}

//! `prune`: delete orphaned claims (ordinals outside `[start, start+replicas)`) and nothing else.
//! [`plan_prune`] is pure and refuses unsafe requests; [`crate::pvc::run::execute_prune`]
//! deletes exactly the planned claims, each guarded by a UID precondition so a re-created claim
//! of the same name is never touched.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::k8s::identity;
use crate::pvc::claims::{claim_map, ClaimState};
use crate::pvc::retention::RetentionPolicy;
use crate::read::snapshot::Snapshot;

/// `kind` of the JSON/YAML document of `prune`.
pub const KIND: &str = "StatefulSetClaimPrune";

/// One claim to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PruneStep {
    /// Claim name.
    pub pvc: String,
    /// Claim UID (the delete precondition).
    pub uid: String,
    /// Template.
    pub template: String,
    /// Ordinal.
    pub ordinal: i32,
    /// Capacity, for the record.
    pub capacity: Option<String>,
}

/// What prune would delete for one StatefulSet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrunePlan {
    /// Namespace.
    pub namespace: String,
    /// StatefulSet name.
    pub name: String,
    /// The policy in force.
    pub retention: RetentionPolicy,
    /// Claims to delete.
    pub deletions: Vec<PruneStep>,
    /// How to avoid orphans next time, when the policy keeps them.
    pub hint: Option<String>,
}

/// Plans the deletion of orphaned claims, optionally only at `ordinals`.
///
/// Refuses while the StatefulSet is mid-scale, and when an asked-for ordinal is in range.
pub fn plan_prune(snap: &Snapshot, ordinals: &[i32]) -> Result<PrunePlan> {
    if let Some(why) = snap.unsettled() {
        return Err(Error::refused(
            why,
            format!(
                "wait for the scale to finish (kubectl rollout status statefulset/{} -n {}) and run prune again",
                snap.name(),
                snap.namespace()
            ),
        ));
    }
    let range = snap.range();
    for &ordinal in ordinals {
        if range.contains(&ordinal) {
            return Err(Error::refused(
                format!(
                    "ordinal {ordinal} of statefulset {:?} is in range [{}, {}): its claims belong to pod {}",
                    snap.name(),
                    range.start,
                    range.end,
                    identity::pod_name(snap.name(), ordinal)
                ),
                "prune only deletes claims of ordinals outside the range; scale down first if you mean to drop that ordinal",
            ));
        }
    }
    let report = claim_map(snap);
    for &ordinal in ordinals {
        if !report.claims.iter().any(|r| r.ordinal == ordinal) {
            return Err(Error::invalid(
                format!(
                    "statefulset {:?} has no claims at ordinal {ordinal}",
                    snap.name()
                ),
                format!("list them with: kubectl sts-pvc {} --orphans", snap.name()),
            ));
        }
    }
    let deletions = report
        .rows_in(ClaimState::Orphaned)
        .filter(|r| ordinals.is_empty() || ordinals.contains(&r.ordinal))
        // A pod that still exists may still mount the claim.
        .filter(|r| r.pod.is_none())
        .filter_map(|r| {
            Some(PruneStep {
                pvc: r.pvc.clone(),
                uid: r.uid.clone()?,
                template: r.template.clone(),
                ordinal: r.ordinal,
                capacity: r.capacity.clone(),
            })
        })
        .collect::<Vec<_>>();
    let hint = (report.retention.when_scaled == "Retain" && !deletions.is_empty()).then(|| {
        format!(
            "whenScaled=Retain keeps claims after a scale-down; to have Kubernetes delete them next time: kubectl sts-pvc retention {} -n {} --when-scaled Delete",
            snap.name(),
            snap.namespace()
        )
    });
    Ok(PrunePlan {
        namespace: report.namespace,
        name: report.name,
        retention: report.retention,
        deletions,
        hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures::*;

    #[test]
    fn plans_exactly_the_orphans() {
        let plan = plan_prune(&snapshot(2, 0, &["data", "logs"], 0..5), &[]).unwrap();
        let names: Vec<_> = plan.deletions.iter().map(|d| d.pvc.as_str()).collect();
        assert_eq!(
            names,
            [
                "data-web-2",
                "logs-web-2",
                "data-web-3",
                "logs-web-3",
                "data-web-4",
                "logs-web-4"
            ]
        );
        assert!(plan.hint.unwrap().contains("--when-scaled Delete"));
    }

    #[test]
    fn ordinal_narrows() {
        let plan = plan_prune(&snapshot(2, 0, &["data"], 0..5), &[3]).unwrap();
        assert_eq!(plan.deletions.len(), 1);
        assert_eq!(plan.deletions[0].pvc, "data-web-3");
    }

    #[test]
    fn refuses_in_range_ordinal() {
        let err = plan_prune(&snapshot(3, 0, &["data"], 0..3), &[1]).unwrap_err();
        assert!(matches!(err, Error::Refused { .. }));
        assert!(err.to_string().contains("web-1"));
    }

    #[test]
    fn refuses_mid_scale() {
        let mut snap = snapshot(2, 0, &["data"], 0..5);
        snap.statefulset.status.as_mut().unwrap().replicas = 3;
        let err = plan_prune(&snap, &[]).unwrap_err();
        assert!(err.to_string().contains("scaling"), "{err}");
        let mut snap = snapshot(2, 0, &["data"], 0..5);
        snap.statefulset.metadata.generation = Some(2);
        assert!(plan_prune(&snap, &[])
            .unwrap_err()
            .to_string()
            .contains("not yet observed"));
    }

    #[test]
    fn skips_claims_whose_pod_still_exists() {
        let mut snap = snapshot(2, 0, &["data"], 0..3);
        let set = snap.statefulset.clone();
        snap.pods.push(pod(&set, 2, &["data"]));
        assert!(plan_prune(&snap, &[]).unwrap().deletions.is_empty());
    }

    #[test]
    fn unknown_ordinal_is_an_error_and_no_orphans_is_empty() {
        assert!(plan_prune(&snapshot(2, 0, &["data"], 0..2), &[9]).is_err());
        let plan = plan_prune(&snapshot(2, 0, &["data"], 0..2), &[]).unwrap();
        assert!(plan.deletions.is_empty());
        assert!(plan.hint.is_none());
    }
}

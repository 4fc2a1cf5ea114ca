//! `persistentVolumeClaimRetentionPolicy`: what it is, which owner references it implies on each
//! claim (the mechanism Kubernetes uses to delete claims), where claims drift from that, and the
//! patch that changes it.
//!
//! From the upstream controller (`claimOwnerMatchesSetAndPod`): whenDeleted=Delete puts an owner
//! reference to the StatefulSet on every claim, except that with whenScaled=Delete a claim of a
//! scaled-away ordinal points at its pod instead; whenScaled=Delete alone points condemned
//! claims at their pod; Retain/Retain leaves claims without owners.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use serde::{Deserialize, Serialize};

use crate::read::snapshot::Snapshot;

/// `kind` of the JSON/YAML document of `retention`.
pub const KIND: &str = "StatefulSetRetention";

/// The retention policy with API defaults (Retain) filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionPolicy {
    /// `whenScaled`: Retain or Delete.
    pub when_scaled: String,
    /// `whenDeleted`: Retain or Delete.
    pub when_deleted: String,
}

impl RetentionPolicy {
    /// The policy of a StatefulSet.
    pub fn of(sts: &StatefulSet) -> Self {
        let policy = sts
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_claim_retention_policy.as_ref());
        RetentionPolicy {
            when_scaled: policy
                .and_then(|p| p.when_scaled.clone())
                .unwrap_or_else(|| "Retain".into()),
            when_deleted: policy
                .and_then(|p| p.when_deleted.clone())
                .unwrap_or_else(|| "Retain".into()),
        }
    }
}

/// Owner references one claim should carry against what it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimOwners {
    /// Claim name.
    pub pvc: String,
    /// Its ordinal.
    pub ordinal: i32,
    /// Whether the ordinal is in range.
    pub in_range: bool,
    /// What the policy implies, as `Kind/name`.
    pub expected: Vec<String>,
    /// What the claim carries, as `Kind/name` (a stale StatefulSet UID shows as `(stale uid)`).
    pub actual: Vec<String>,
    /// Whether expected and actual differ.
    pub drift: bool,
    /// What the difference means.
    pub note: Option<String>,
}

/// The policy of one StatefulSet and its claims' owner references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionReport {
    /// Namespace.
    pub namespace: String,
    /// StatefulSet name.
    pub name: String,
    /// The policy.
    pub policy: RetentionPolicy,
    /// One entry per existing claim.
    pub claims: Vec<ClaimOwners>,
}

/// Compares each claim's owner references with what the policy implies.
pub fn retention_report(snap: &Snapshot) -> RetentionReport {
    let policy = RetentionPolicy::of(&snap.statefulset);
    let sts_uid = snap.statefulset.metadata.uid.as_deref().unwrap_or_default();
    let range = snap.range();
    let pods = snap.pods_by_ordinal();
    let claims = snap
        .claims_by_key()
        .into_iter()
        .map(|((_, ordinal), claim)| {
            let in_range = range.contains(&ordinal);
            let pod = pods.get(&ordinal).copied();
            let pod_name = crate::k8s::identity::pod_name(snap.name(), ordinal);
            let set_ref = format!("StatefulSet/{}", snap.name());
            let pod_ref = format!("Pod/{pod_name}");
            let condemned = !in_range;
            let scaled_delete = policy.when_scaled == "Delete";
            let deleted_delete = policy.when_deleted == "Delete";
            let mut expected = Vec::new();
            if deleted_delete && !(scaled_delete && condemned) {
                expected.push(set_ref.clone());
            }
            if scaled_delete && condemned && pod.is_some() {
                expected.push(pod_ref.clone());
            }
            let actual = actual_owners(claim, sts_uid, snap.name());
            let drift = expected != actual;
            let note = if scaled_delete && condemned && pod.is_none() {
                Some(format!(
                    "no pod {pod_name} owns it, so whenScaled=Delete will not remove it; prune it"
                ))
            } else if actual.iter().any(|a| a.ends_with("(stale uid)")) {
                Some("points at an earlier StatefulSet of this name; the controller fixes it on its next sync".into())
            } else if drift && expected.is_empty() {
                Some("carries owners the policy does not ask for; deleting the owner deletes the claim".into())
            } else if drift {
                Some("the controller has not yet applied the policy to this claim".into())
            } else {
                None
            };
            ClaimOwners {
                pvc: claim.metadata.name.clone().unwrap_or_default(),
                ordinal,
                in_range,
                expected,
                actual,
                drift,
                note,
            }
        })
        .collect();
    RetentionReport {
        namespace: snap.namespace().to_string(),
        name: snap.name().to_string(),
        policy,
        claims,
    }
}

fn actual_owners(claim: &PersistentVolumeClaim, sts_uid: &str, sts_name: &str) -> Vec<String> {
    let mut refs: Vec<String> = claim
        .metadata
        .owner_references
        .iter()
        .flatten()
        .map(|r| {
            if r.kind == "StatefulSet" && r.name == sts_name && r.uid != sts_uid {
                format!("StatefulSet/{} (stale uid)", r.name)
            } else {
                format!("{}/{}", r.kind, r.name)
            }
        })
        .collect();
    // Same order as `expected`: StatefulSet first, then Pod.
    refs.sort_by_key(|r| !r.starts_with("StatefulSet/"));
    refs
}

/// Validates a `--when-scaled`/`--when-deleted` value.
pub fn parse_policy_value(value: &str) -> std::result::Result<String, String> {
    match value {
        "Retain" | "retain" => Ok("Retain".into()),
        "Delete" | "delete" => Ok("Delete".into()),
        other => Err(format!(
            "invalid value {other:?}: expected Retain or Delete"
        )),
    }
}

/// The merge patch that sets the given parts of the policy.
pub fn policy_patch(when_scaled: Option<&str>, when_deleted: Option<&str>) -> serde_json::Value {
    let mut policy = serde_json::Map::new();
    if let Some(v) = when_scaled {
        policy.insert("whenScaled".into(), v.into());
    }
    if let Some(v) = when_deleted {
        policy.insert("whenDeleted".into(), v.into());
    }
    serde_json::json!({ "spec": { "persistentVolumeClaimRetentionPolicy": policy } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures::*;

    fn set_policy_on(snap: &mut Snapshot, scaled: &str, deleted: &str) {
        let p = snap
            .statefulset
            .spec
            .as_mut()
            .unwrap()
            .persistent_volume_claim_retention_policy
            .as_mut()
            .unwrap();
        p.when_scaled = Some(scaled.into());
        p.when_deleted = Some(deleted.into());
    }

    #[test]
    fn retain_retain_expects_no_owners() {
        let report = retention_report(&snapshot(2, 0, &["data"], 0..3));
        assert!(report
            .claims
            .iter()
            .all(|c| c.expected.is_empty() && !c.drift));
    }

    #[test]
    fn when_deleted_delete_expects_set_ref() {
        let mut snap = snapshot(2, 0, &["data"], 0..2);
        set_policy_on(&mut snap, "Retain", "Delete");
        snap.claims[0].metadata.owner_references =
            Some(vec![owner("StatefulSet", "web", "uid-web")]);
        let report = retention_report(&snap);
        assert!(!report.claims[0].drift);
        assert!(report.claims[1].drift, "second claim lacks the reference");
        assert_eq!(report.claims[1].expected, vec!["StatefulSet/web"]);
    }

    #[test]
    fn when_scaled_delete_condemned_points_at_pod() {
        let mut snap = snapshot(1, 0, &["data"], 0..3);
        set_policy_on(&mut snap, "Delete", "Delete");
        // pod 1 still exists (scale-down in progress), pod 2 is gone.
        let set = snap.statefulset.clone();
        snap.pods.push(pod(&set, 1, &["data"]));
        let report = retention_report(&snap);
        assert_eq!(report.claims[0].expected, vec!["StatefulSet/web"]);
        assert_eq!(report.claims[1].expected, vec!["Pod/web-1"]);
        assert!(report.claims[2].expected.is_empty());
        assert!(report.claims[2].note.as_ref().unwrap().contains("prune"));
    }

    #[test]
    fn stale_uid_is_drift() {
        let mut snap = snapshot(1, 0, &["data"], 0..1);
        set_policy_on(&mut snap, "Retain", "Delete");
        snap.claims[0].metadata.owner_references =
            Some(vec![owner("StatefulSet", "web", "uid-old")]);
        let report = retention_report(&snap);
        assert!(report.claims[0].drift);
        assert_eq!(report.claims[0].actual, vec!["StatefulSet/web (stale uid)"]);
    }

    #[test]
    fn patch_shape_and_values() {
        assert_eq!(
            policy_patch(Some("Delete"), None),
            serde_json::json!({"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Delete"}}})
        );
        assert_eq!(parse_policy_value("delete").unwrap(), "Delete");
        assert!(parse_policy_value("Keep").is_err());
    }
}

//! The claim map: one row per (template, ordinal) of a StatefulSet, each claim classified
//! (Bound, Pending with its reason, Missing, Orphaned, Terminating, Lost), and a summary per
//! StatefulSet. Pure: a [`Snapshot`] in, a [`ClaimsReport`] out.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use serde::{Deserialize, Serialize};

use crate::k8s::age::age;
use crate::k8s::identity;
use crate::k8s::pods::{self, Mount};
use crate::pvc::retention::RetentionPolicy;
use crate::read::snapshot::Snapshot;

/// `kind` of the JSON/YAML document.
pub const KIND: &str = "StatefulSetClaims";

/// How a claim stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ClaimState {
    /// Bound to a volume and in range.
    Bound,
    /// Waiting for a volume; see the row's reason.
    Pending,
    /// In range but no claim exists (the controller creates it with the pod).
    Missing,
    /// Outside `[start, start+replicas)`: left behind by a scale-down.
    Orphaned,
    /// Being deleted.
    Terminating,
    /// Its volume is gone.
    Lost,
}

impl ClaimState {
    /// The word shown in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimState::Bound => "Bound",
            ClaimState::Pending => "Pending",
            ClaimState::Missing => "Missing",
            ClaimState::Orphaned => "Orphaned",
            ClaimState::Terminating => "Terminating",
            ClaimState::Lost => "Lost",
        }
    }
}

/// Why a claim is Pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReason {
    /// Short reason (an event reason, or ours: `StorageClassNotFound`, `NoStorageClass`,
    /// `WaitForFirstConsumer`, `Provisioning`).
    pub reason: String,
    /// Human explanation.
    pub message: String,
}

/// One (template, ordinal) of a StatefulSet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRow {
    /// The ordinal.
    pub ordinal: i32,
    /// Whether the ordinal is in `[start, start+replicas)`.
    pub in_range: bool,
    /// Pod name when the pod exists.
    pub pod: Option<String>,
    /// Pod status word (`Running`, `Pending`, `Terminating`, ...).
    pub pod_status: Option<String>,
    /// Node the pod runs on.
    pub node: Option<String>,
    /// Template name.
    pub template: String,
    /// Claim name (the expected name when Missing).
    pub pvc: String,
    /// Claim UID (absent when Missing).
    pub uid: Option<String>,
    /// Classification.
    pub state: ClaimState,
    /// The claim's phase as the API reports it.
    pub phase: Option<String>,
    /// Why it is Pending.
    pub pending: Option<PendingReason>,
    /// `status.capacity.storage`.
    pub capacity: Option<String>,
    /// `spec.resources.requests.storage`.
    pub requested: Option<String>,
    /// Access modes.
    pub access_modes: Vec<String>,
    /// StorageClass name.
    pub storage_class: Option<String>,
    /// Bound PersistentVolume.
    pub volume: Option<String>,
    /// The volume's reclaim policy, when PVs could be read.
    pub reclaim_policy: Option<String>,
    /// Owner references as `Kind/name`.
    pub owner_references: Vec<String>,
    /// Where the pod mounts the claim.
    pub mounts: Vec<Mount>,
    /// Creation time (RFC 3339).
    pub created: Option<String>,
    /// Age, kubectl style.
    pub age: String,
}

/// Counts per state for one StatefulSet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsSummary {
    /// Bound claims.
    pub bound: usize,
    /// Pending claims.
    pub pending: usize,
    /// Missing claims.
    pub missing: usize,
    /// Orphaned claims.
    pub orphaned: usize,
    /// Terminating claims.
    pub terminating: usize,
    /// Lost claims.
    pub lost: usize,
    /// Ordinals that hold orphaned claims.
    pub orphaned_ordinals: Vec<i32>,
    /// Ordinals that miss a claim.
    pub missing_ordinals: Vec<i32>,
}

/// The claim map of one StatefulSet: an item of the `StatefulSetClaims` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsReport {
    /// Namespace.
    pub namespace: String,
    /// StatefulSet name.
    pub name: String,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `spec.ordinals.start`.
    pub ordinals_start: i32,
    /// Template names.
    pub templates: Vec<String>,
    /// `persistentVolumeClaimRetentionPolicy`.
    pub retention: RetentionPolicy,
    /// Counts.
    pub summary: ClaimsSummary,
    /// Rows ordered by ordinal, then template order.
    pub claims: Vec<ClaimRow>,
    /// What the map leaves out because RBAC refused an optional read (notes for stderr, not
    /// part of the document).
    #[serde(skip)]
    pub unread: Vec<String>,
}

fn storage_of(
    map: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >,
) -> Option<String> {
    map?.get("storage").map(|q| q.0.clone())
}

/// Classifies an existing claim.
pub fn classify(claim: &PersistentVolumeClaim, in_range: bool) -> ClaimState {
    if claim.metadata.deletion_timestamp.is_some() {
        return ClaimState::Terminating;
    }
    if !in_range {
        return ClaimState::Orphaned;
    }
    match claim.status.as_ref().and_then(|s| s.phase.as_deref()) {
        Some("Bound") => ClaimState::Bound,
        Some("Lost") => ClaimState::Lost,
        _ => ClaimState::Pending,
    }
}

/// Why `claim` is Pending: the latest event about it, else what the snapshot shows (missing or
/// no StorageClass, WaitForFirstConsumer before the pod is scheduled).
pub fn pending_reason(snap: &Snapshot, claim: &PersistentVolumeClaim) -> PendingReason {
    let name = claim.metadata.name.as_deref().unwrap_or_default();
    let latest = snap
        .events
        .iter()
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .max_by_key(|e| {
            e.last_timestamp
                .as_ref()
                .map(|t| t.0)
                .or_else(|| e.event_time.as_ref().map(|t| t.0))
                .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))
        });
    if let Some(event) = latest {
        return PendingReason {
            reason: event.reason.clone().unwrap_or_else(|| "Pending".into()),
            message: event.message.clone().unwrap_or_default(),
        };
    }
    let class = claim
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone());
    match class.as_deref() {
        Some("") => {
            return PendingReason {
                reason: "NoStorageClass".into(),
                message: "storageClassName is \"\" and no PersistentVolume matches the claim"
                    .into(),
            }
        }
        Some(name) if snap.storage_classes.is_some() => match snap.storage_class(name) {
            None => {
                return PendingReason {
                    reason: "StorageClassNotFound".into(),
                    message: format!("storageclass.storage.k8s.io {name:?} not found"),
                }
            }
            Some(sc) if sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer") => {
                return PendingReason {
                    reason: "WaitForFirstConsumer".into(),
                    message: "waiting for first consumer to be created before binding".into(),
                }
            }
            Some(_) => {}
        },
        None if snap.storage_classes.is_some() && snap.default_storage_class().is_none() => {
            return PendingReason {
                reason: "NoStorageClass".into(),
                message: "no storageClassName and no default StorageClass; no PersistentVolume matches the claim".into(),
            }
        }
        _ => {}
    }
    PendingReason {
        reason: "Provisioning".into(),
        message: "waiting for a volume to be provisioned".into(),
    }
}

/// Builds the claim map of one StatefulSet.
pub fn claim_map(snap: &Snapshot) -> ClaimsReport {
    let sts_name = snap.name().to_string();
    let range = snap.range();
    let templates = snap.templates();
    let pods = snap.pods_by_ordinal();
    let claims = snap.claims_by_key();
    let mut ordinals: BTreeSet<i32> = range.clone().collect();
    ordinals.extend(claims.keys().map(|(_, o)| *o));
    ordinals.extend(pods.keys().copied());
    let template_pod_spec = snap
        .statefulset
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref());

    let mut rows = Vec::new();
    for &ordinal in &ordinals {
        let in_range = range.contains(&ordinal);
        let pod = pods.get(&ordinal).copied();
        for &template in &templates {
            let claim = claims.get(&(template.to_string(), ordinal)).copied();
            if claim.is_none() && !in_range {
                continue;
            }
            let pvc = identity::claim_name(template, &sts_name, ordinal);
            let mounts = match (pod.and_then(|p| p.spec.as_ref()), template_pod_spec) {
                (Some(spec), _) => pods::mounts_of_claim(spec, &pvc),
                (None, Some(spec)) => pods::mounts_of_volume(spec, template),
                _ => vec![],
            };
            let mut row = ClaimRow {
                ordinal,
                in_range,
                pod: pod.and_then(|p| p.metadata.name.clone()),
                pod_status: pod.map(pods::display_status),
                node: pod.and_then(|p| p.spec.as_ref()?.node_name.clone()),
                template: template.to_string(),
                pvc,
                uid: None,
                state: ClaimState::Missing,
                phase: None,
                pending: None,
                capacity: None,
                requested: None,
                access_modes: vec![],
                storage_class: None,
                volume: None,
                reclaim_policy: None,
                owner_references: vec![],
                mounts,
                created: None,
                age: "-".into(),
            };
            if let Some(claim) = claim {
                let spec = claim.spec.as_ref();
                let status = claim.status.as_ref();
                row.uid = claim.metadata.uid.clone();
                row.state = classify(claim, in_range);
                row.phase = status.and_then(|s| s.phase.clone());
                if row.phase.as_deref() == Some("Pending") {
                    row.pending = Some(pending_reason(snap, claim));
                }
                row.capacity = storage_of(status.and_then(|s| s.capacity.as_ref()));
                row.requested =
                    storage_of(spec.and_then(|s| s.resources.as_ref()?.requests.as_ref()));
                row.access_modes = status
                    .and_then(|s| s.access_modes.clone())
                    .or_else(|| spec.and_then(|s| s.access_modes.clone()))
                    .unwrap_or_default();
                row.storage_class = spec.and_then(|s| s.storage_class_name.clone());
                row.volume = spec.and_then(|s| s.volume_name.clone());
                row.reclaim_policy = snap
                    .volume_of(claim)
                    .and_then(|v| v.spec.as_ref()?.persistent_volume_reclaim_policy.clone());
                row.owner_references = claim
                    .metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .map(|r| format!("{}/{}", r.kind, r.name))
                    .collect();
                row.created = claim
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.to_string());
                row.age = age(claim.metadata.creation_timestamp.as_ref(), snap.taken_at);
            }
            rows.push(row);
        }
    }
    ClaimsReport {
        namespace: snap.namespace().to_string(),
        name: sts_name,
        replicas: identity::desired_replicas(&snap.statefulset),
        ordinals_start: range.start,
        templates: templates.iter().map(|t| t.to_string()).collect(),
        retention: RetentionPolicy::of(&snap.statefulset),
        summary: summarize(&rows),
        unread: unread(snap, &rows),
        claims: rows,
    }
}

/// The optional reads RBAC refused and what the map leaves out without them, worded as a
/// refusal (`cannot list persistentvolumes`) so that the note names the missing permission.
fn unread(snap: &Snapshot, rows: &[ClaimRow]) -> Vec<String> {
    let mut notes = Vec::new();
    if snap.volumes.is_none() && rows.iter().any(|r| r.volume.is_some()) {
        notes.push(
            "cannot list persistentvolumes (forbidden): the volumes' reclaim policies are not shown"
                .to_string(),
        );
    }
    if snap.storage_classes.is_none() && rows.iter().any(|r| r.pending.is_some()) {
        notes.push(
            "cannot list storageclasses (forbidden): Pending claims are not checked against their StorageClass"
                .to_string(),
        );
    }
    notes
}

fn summarize(rows: &[ClaimRow]) -> ClaimsSummary {
    let mut s = ClaimsSummary::default();
    for row in rows {
        match row.state {
            ClaimState::Bound => s.bound += 1,
            ClaimState::Pending => s.pending += 1,
            ClaimState::Missing => {
                s.missing += 1;
                s.missing_ordinals.push(row.ordinal);
            }
            ClaimState::Orphaned => {
                s.orphaned += 1;
                s.orphaned_ordinals.push(row.ordinal);
            }
            ClaimState::Terminating => s.terminating += 1,
            ClaimState::Lost => s.lost += 1,
        }
    }
    s.orphaned_ordinals.dedup();
    s.missing_ordinals.dedup();
    s
}

impl ClaimsReport {
    /// The summary line: `3 bound, 2 orphaned (ordinals 3-4; whenScaled=Retain keeps them)`.
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        let mut parts = Vec::new();
        if s.bound > 0 {
            parts.push(format!("{} bound", s.bound));
        }
        if s.pending > 0 {
            parts.push(format!("{} pending", s.pending));
        }
        if s.missing > 0 {
            parts.push(format!(
                "{} missing (ordinals {})",
                s.missing,
                identity::ordinal_ranges(&s.missing_ordinals)
            ));
        }
        if s.orphaned > 0 {
            let why = if self.retention.when_scaled == "Delete" {
                "left from before whenScaled=Delete; prune them".to_string()
            } else {
                format!("whenScaled={} keeps them", self.retention.when_scaled)
            };
            parts.push(format!(
                "{} orphaned (ordinals {}; {why})",
                s.orphaned,
                identity::ordinal_ranges(&s.orphaned_ordinals)
            ));
        }
        if s.terminating > 0 {
            parts.push(format!("{} terminating", s.terminating));
        }
        if s.lost > 0 {
            parts.push(format!("{} lost", s.lost));
        }
        if parts.is_empty() {
            parts.push("no claims (no volumeClaimTemplates)".into());
        }
        format!(
            "{}; retention whenScaled={}, whenDeleted={}",
            parts.join(", "),
            self.retention.when_scaled,
            self.retention.when_deleted
        )
    }

    /// Rows in the given state.
    pub fn rows_in(&self, state: ClaimState) -> impl Iterator<Item = &ClaimRow> {
        self.claims.iter().filter(move |r| r.state == state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures::*;
    use k8s_openapi::api::core::v1::{Event, ObjectReference};

    fn states(report: &ClaimsReport) -> Vec<(i32, &str, ClaimState)> {
        report
            .claims
            .iter()
            .map(|r| (r.ordinal, r.template.as_str(), r.state))
            .collect()
    }

    #[test]
    fn three_bound() {
        let report = claim_map(&snapshot(3, 0, &["data"], 0..3));
        assert_eq!(report.summary.bound, 3);
        assert_eq!(report.claims.len(), 3);
        let row = &report.claims[1];
        assert_eq!(row.pod.as_deref(), Some("web-1"));
        assert_eq!(row.pvc, "data-web-1");
        assert_eq!(row.capacity.as_deref(), Some("1Gi"));
        assert_eq!(row.reclaim_policy.as_deref(), Some("Delete"));
        assert_eq!(row.mounts[0].path, "/data");
        assert_eq!(row.age, "20m");
        assert_eq!(
            report.summary_line(),
            "3 bound; retention whenScaled=Retain, whenDeleted=Retain"
        );
    }

    #[test]
    fn scale_down_leaves_orphans() {
        let report = claim_map(&snapshot(2, 0, &["data"], 0..5));
        assert_eq!(
            states(&report),
            vec![
                (0, "data", ClaimState::Bound),
                (1, "data", ClaimState::Bound),
                (2, "data", ClaimState::Orphaned),
                (3, "data", ClaimState::Orphaned),
                (4, "data", ClaimState::Orphaned),
            ]
        );
        assert_eq!(report.summary.orphaned_ordinals, vec![2, 3, 4]);
        assert_eq!(
            report.summary_line(),
            "2 bound, 3 orphaned (ordinals 2-4; whenScaled=Retain keeps them); retention whenScaled=Retain, whenDeleted=Retain"
        );
        assert!(report.claims[3].pod.is_none());
    }

    #[test]
    fn missing_and_start_ordinal() {
        // start 1, replicas 3: ordinals 1..4; claims only for 1 and 2; one claim at 0 is orphaned.
        let mut snap = snapshot(3, 1, &["data"], 0..3);
        snap.pods.pop();
        let report = claim_map(&snap);
        assert_eq!(
            states(&report),
            vec![
                (0, "data", ClaimState::Orphaned),
                (1, "data", ClaimState::Bound),
                (2, "data", ClaimState::Bound),
                (3, "data", ClaimState::Missing),
            ]
        );
        let missing = &report.claims[3];
        assert_eq!(missing.pvc, "data-web-3");
        assert!(missing.pod.is_none());
        assert_eq!(
            missing.mounts[0].path, "/data",
            "falls back to the pod template"
        );
        assert_eq!(report.ordinals_start, 1);
        assert!(report.summary_line().contains("1 missing (ordinals 3)"));
    }

    #[test]
    fn two_templates() {
        let report = claim_map(&snapshot(2, 0, &["data", "logs"], 0..2));
        assert_eq!(
            states(&report),
            vec![
                (0, "data", ClaimState::Bound),
                (0, "logs", ClaimState::Bound),
                (1, "data", ClaimState::Bound),
                (1, "logs", ClaimState::Bound),
            ]
        );
        assert_eq!(report.claims[1].mounts[0].path, "/logs");
    }

    #[test]
    fn terminating_lost_and_pending() {
        let mut snap = snapshot(3, 0, &["data"], 0..3);
        snap.claims[0].metadata.deletion_timestamp = Some(ago(5));
        snap.claims[1].status.as_mut().unwrap().phase = Some("Lost".into());
        snap.claims[2] = claim("data", "web", 2, "Pending");
        snap.claims[2].spec.as_mut().unwrap().storage_class_name = Some("fast".into());
        let report = claim_map(&snap);
        assert_eq!(report.claims[0].state, ClaimState::Terminating);
        assert_eq!(report.claims[1].state, ClaimState::Lost);
        assert_eq!(report.claims[2].state, ClaimState::Pending);
        let why = report.claims[2].pending.as_ref().unwrap();
        assert_eq!(why.reason, "StorageClassNotFound");
        assert!(why.message.contains("\"fast\""));
    }

    #[test]
    fn pending_reason_prefers_latest_event() {
        let mut snap = snapshot(1, 0, &["data"], 0..1);
        snap.claims[0] = claim("data", "web", 0, "Pending");
        let event = |reason: &str, secs: i64| Event {
            involved_object: ObjectReference {
                kind: Some("PersistentVolumeClaim".into()),
                name: Some("data-web-0".into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            reason: Some(reason.into()),
            message: Some(format!("{reason} happened")),
            last_timestamp: Some(ago(secs)),
            ..Default::default()
        };
        snap.events = vec![
            event("ExternalProvisioning", 60),
            event("ProvisioningFailed", 5),
        ];
        let why = pending_reason(&snap, &snap.claims[0]);
        assert_eq!(why.reason, "ProvisioningFailed");
    }

    #[test]
    fn pending_without_events_uses_storage_classes() {
        let mut snap = snapshot(1, 0, &["data"], 0..1);
        snap.claims[0] = claim("data", "web", 0, "Pending");
        snap.storage_classes.as_mut().unwrap()[0].volume_binding_mode =
            Some("WaitForFirstConsumer".into());
        assert_eq!(
            pending_reason(&snap, &snap.claims[0]).reason,
            "WaitForFirstConsumer"
        );
        snap.claims[0].spec.as_mut().unwrap().storage_class_name = None;
        snap.storage_classes = Some(vec![]);
        assert_eq!(
            pending_reason(&snap, &snap.claims[0]).reason,
            "NoStorageClass"
        );
    }

    #[test]
    fn refused_optional_reads_are_named() {
        let mut snap = snapshot(1, 0, &["data"], 0..1);
        assert!(claim_map(&snap).unread.is_empty(), "everything was read");
        snap.volumes = None;
        assert_eq!(
            claim_map(&snap).unread,
            ["cannot list persistentvolumes (forbidden): the volumes' reclaim policies are not shown"]
        );
        snap.storage_classes = None;
        assert_eq!(claim_map(&snap).unread.len(), 1, "no claim is Pending");
        snap.claims[0] = claim("data", "web", 0, "Pending");
        let notes = claim_map(&snap).unread;
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("cannot list storageclasses (forbidden)")),
            "{notes:?}"
        );
    }

    #[test]
    fn json_round_trip() {
        let report = claim_map(&snapshot(2, 0, &["data"], 0..3));
        let text = serde_json::to_string(&report).unwrap();
        assert!(text.contains("\"ordinalsStart\":0"));
        assert!(text.contains("\"state\":\"Orphaned\""));
        let back: ClaimsReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
    }
}

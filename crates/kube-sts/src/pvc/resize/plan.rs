//! The pure half of `resize`: [`plan_resize`] checks everything before anything changes (the
//! template exists, the size parses and is larger, the StorageClass allows expansion, every
//! in-range claim is Bound, the StatefulSet is not mid-scale), and [`recreated_statefulset`]
//! is the object the driver creates in place of the deleted one.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::k8s::quantity::parse_bytes;
use crate::pvc::claims::{claim_map, ClaimState};
use crate::read::snapshot::Snapshot;

/// `kind` of the JSON/YAML plan document.
pub const PLAN_KIND: &str = "StatefulSetResizePlan";

/// A pod as it was before the resize: same name and UID afterwards means it was not restarted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodIdentity {
    /// Pod name.
    pub name: String,
    /// Pod UID.
    pub uid: String,
}

/// One claim of the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResizeClaim {
    /// Claim name.
    pub pvc: String,
    /// Ordinal.
    pub ordinal: i32,
    /// Current request.
    pub requested: Option<String>,
    /// Current capacity.
    pub capacity: Option<String>,
    /// Whether its request must be raised.
    pub needs_patch: bool,
}

/// Everything `resize` will do, checked in advance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResizePlan {
    /// Namespace.
    pub namespace: String,
    /// StatefulSet name.
    pub name: String,
    /// StatefulSet UID (the delete precondition).
    pub uid: String,
    /// Template name.
    pub template: String,
    /// The template's current request.
    pub from: String,
    /// The new size as given.
    pub to: String,
    /// The new size in bytes.
    pub to_bytes: u64,
    /// The StorageClass of the template's claims.
    pub storage_class: Option<String>,
    /// In-range claims of the template.
    pub claims: Vec<ResizeClaim>,
    /// Whether the StatefulSet must be re-created (its template is smaller than the new size).
    pub recreate: bool,
    /// Pods in range, to check afterwards that none restarted.
    pub pods: Vec<PodIdentity>,
    /// Things worth knowing that do not stop the resize.
    pub notes: Vec<String>,
}

impl ResizePlan {
    /// True when the template and every claim already have the size.
    pub fn is_noop(&self) -> bool {
        !self.recreate
            && self.claims.iter().all(|c| {
                !c.needs_patch
                    && c.capacity
                        .as_deref()
                        .and_then(|q| parse_bytes(q).ok())
                        .is_some_and(|b| b >= self.to_bytes)
            })
    }

    /// The plan as numbered steps, for `--dry-run`.
    pub fn steps(&self) -> Vec<String> {
        let mut steps = Vec::new();
        if self.recreate {
            steps.push(format!(
                "write a backup of statefulset {:?} (namespace {:?}) and print its path",
                self.name, self.namespace
            ));
        }
        for c in self.claims.iter().filter(|c| c.needs_patch) {
            steps.push(format!(
                "patch persistentvolumeclaim {:?}: storage {} -> {}",
                c.pvc,
                c.requested.as_deref().unwrap_or("?"),
                self.to
            ));
        }
        steps.push(format!(
            "wait until {} claim(s) report capacity {}",
            self.claims.len(),
            self.to
        ));
        if self.recreate {
            steps.push(format!(
                "delete statefulset {:?} with propagationPolicy=Orphan (pods keep running)",
                self.name
            ));
            steps.push(format!(
                "re-create statefulset {:?} with volumeClaimTemplate {:?} requesting {} (everything else unchanged)",
                self.name, self.template, self.to
            ));
        }
        steps.push(format!(
            "verify that {} pod(s) were adopted without restarting (same UIDs)",
            self.pods.len()
        ));
        steps
    }
}

fn template_request(sts: &StatefulSet, template: &str) -> Option<String> {
    sts.spec
        .as_ref()?
        .volume_claim_templates
        .as_ref()?
        .iter()
        .find(|t| t.metadata.name.as_deref() == Some(template))?
        .spec
        .as_ref()?
        .resources
        .as_ref()?
        .requests
        .as_ref()?
        .get("storage")
        .map(|q| q.0.clone())
}

/// Checks a resize of `template` to `size` and plans it. Pure.
pub fn plan_resize(snap: &Snapshot, template: &str, size: &str) -> Result<ResizePlan> {
    let templates = snap.templates();
    if !templates.contains(&template) {
        return Err(Error::invalid(
            format!(
                "statefulset {:?} has no volumeClaimTemplate {template:?}",
                snap.name()
            ),
            if templates.is_empty() {
                "it has no volumeClaimTemplates at all".to_string()
            } else {
                format!("its templates are: {}", templates.join(", "))
            },
        ));
    }
    let to_bytes = parse_bytes(size).map_err(|m| Error::invalid(m, "pass --size like 2Gi"))?;
    if to_bytes == 0 {
        return Err(Error::invalid(
            format!("invalid size {size:?}: must be larger than zero"),
            "pass --size like 2Gi",
        ));
    }
    let from = template_request(&snap.statefulset, template).unwrap_or_else(|| "0".into());
    let from_bytes = parse_bytes(&from).unwrap_or(0);
    if to_bytes < from_bytes {
        return Err(Error::invalid(
            format!(
                "new size {size} is smaller than the current {from} of template {template:?}: volumes can only grow"
            ),
            format!("pass a --size larger than {from}"),
        ));
    }
    let mut notes = Vec::new();
    let storage_class = snap.template_storage_class_name(template);
    match (&snap.storage_classes, &storage_class) {
        (Some(_), Some(name)) => match snap.storage_class(name) {
            None => {
                return Err(Error::invalid(
                    format!("storageclass {name:?} of template {template:?} not found"),
                    "list them with: kubectl get storageclass",
                ))
            }
            Some(sc) if sc.allow_volume_expansion != Some(true) => {
                return Err(Error::invalid(
                    format!("storageclass {name:?} does not allow volume expansion (allowVolumeExpansion is not true)"),
                    format!("ask your cluster admin to set allowVolumeExpansion: true on storageclass {name:?}, or move the data to a class that allows it"),
                ))
            }
            Some(_) => {}
        },
        (Some(_), None) => {
            return Err(Error::invalid(
                format!("template {template:?} names no StorageClass and the cluster has no default one"),
                "set storageClassName on the template's claims",
            ))
        }
        (None, _) => notes.push(
            "storageclasses could not be read (forbidden): expansion support was not checked".into(),
        ),
    }
    if let Some(why) = snap.unsettled() {
        return Err(Error::refused(
            why,
            format!(
                "wait until it settles (kubectl rollout status statefulset/{} -n {})",
                snap.name(),
                snap.namespace()
            ),
        ));
    }
    let report = claim_map(snap);
    let rows: Vec<_> = report
        .claims
        .iter()
        .filter(|r| r.template == template && r.in_range)
        .collect();
    let not_bound: Vec<String> = rows
        .iter()
        .filter(|r| r.state != ClaimState::Bound)
        .map(|r| format!("{} is {}", r.pvc, r.state.as_str()))
        .collect();
    if !not_bound.is_empty() {
        return Err(Error::refused(
            format!(
                "every claim must be Bound before a resize: {}",
                not_bound.join(", ")
            ),
            format!(
                "see why with: kubectl sts-pvc {} -n {}",
                snap.name(),
                snap.namespace()
            ),
        ));
    }
    let orphans = report
        .claims
        .iter()
        .filter(|r| r.template == template && r.state == ClaimState::Orphaned)
        .count();
    if orphans > 0 {
        notes.push(format!(
            "{orphans} orphaned claim(s) of template {template:?} are left at their size; prune them or they come back small on scale-up"
        ));
    }
    let claims = rows
        .iter()
        .map(|r| ResizeClaim {
            pvc: r.pvc.clone(),
            ordinal: r.ordinal,
            requested: r.requested.clone(),
            capacity: r.capacity.clone(),
            needs_patch: r
                .requested
                .as_deref()
                .and_then(|q| parse_bytes(q).ok())
                .is_none_or(|b| b < to_bytes),
        })
        .collect();
    let pods = snap
        .pods_by_ordinal()
        .into_iter()
        .filter(|(o, _)| snap.range().contains(o))
        .map(|(_, p)| PodIdentity {
            name: p.metadata.name.clone().unwrap_or_default(),
            uid: p.metadata.uid.clone().unwrap_or_default(),
        })
        .collect();
    Ok(ResizePlan {
        namespace: snap.namespace().to_string(),
        name: snap.name().to_string(),
        uid: snap.statefulset.metadata.uid.clone().unwrap_or_default(),
        template: template.to_string(),
        from,
        to: size.to_string(),
        to_bytes,
        storage_class,
        claims,
        recreate: to_bytes > from_bytes,
        pods,
        notes,
    })
}

/// The StatefulSet to create: the original with the template's request set to `size`, and
/// server-owned metadata and status dropped.
pub fn recreated_statefulset(original: &StatefulSet, template: &str, size: &str) -> StatefulSet {
    let mut sts = original.clone();
    let meta = &mut sts.metadata;
    meta.uid = None;
    meta.resource_version = None;
    meta.creation_timestamp = None;
    meta.deletion_timestamp = None;
    meta.deletion_grace_period_seconds = None;
    meta.generation = None;
    meta.managed_fields = None;
    meta.self_link = None;
    sts.status = None;
    if let Some(t) = sts
        .spec
        .as_mut()
        .and_then(|s| s.volume_claim_templates.as_mut())
        .and_then(|ts| {
            ts.iter_mut()
                .find(|t| t.metadata.name.as_deref() == Some(template))
        })
    {
        let requests = t
            .spec
            .get_or_insert_with(Default::default)
            .resources
            .get_or_insert_with(Default::default)
            .requests
            .get_or_insert_with(Default::default);
        requests.insert("storage".into(), Quantity(size.into()));
    }
    sts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures::*;

    #[test]
    fn plans_patch_and_recreate() {
        let snap = snapshot(2, 0, &["data", "logs"], 0..3);
        let plan = plan_resize(&snap, "data", "2Gi").unwrap();
        assert!(plan.recreate);
        assert_eq!(plan.from, "1Gi");
        let names: Vec<_> = plan.claims.iter().map(|c| c.pvc.as_str()).collect();
        assert_eq!(
            names,
            ["data-web-0", "data-web-1"],
            "orphans are not resized"
        );
        assert!(plan.claims.iter().all(|c| c.needs_patch));
        assert_eq!(plan.pods.len(), 2);
        assert_eq!(plan.notes.len(), 1, "{:?}", plan.notes);
        let steps = plan.steps();
        assert!(steps.iter().any(|s| s.contains("propagationPolicy=Orphan")));
        assert!(!plan.is_noop());
    }

    #[test]
    fn rejects_bad_input() {
        let snap = snapshot(2, 0, &["data"], 0..2);
        let msg = |t: &str, s: &str| plan_resize(&snap, t, s).unwrap_err().to_string();
        assert!(msg("logs", "2Gi").contains("no volumeClaimTemplate \"logs\""));
        assert!(msg("data", "2GB").contains("invalid size"));
        assert!(msg("data", "512Mi").contains("smaller"));
        assert!(msg("data", "0").contains("larger than zero"));
    }

    #[test]
    fn same_size_is_noop() {
        let plan = plan_resize(&snapshot(2, 0, &["data"], 0..2), "data", "1Gi").unwrap();
        assert!(plan.is_noop());
    }

    #[test]
    fn rejects_class_without_expansion() {
        let mut snap = snapshot(2, 0, &["data"], 0..2);
        snap.storage_classes = Some(vec![standard_class(false)]);
        let err = plan_resize(&snap, "data", "2Gi").unwrap_err();
        assert!(err.to_string().contains("does not allow volume expansion"));
        snap.storage_classes = None;
        let plan = plan_resize(&snap, "data", "2Gi").unwrap();
        assert!(plan.notes[0].contains("not checked"));
    }

    #[test]
    fn refuses_unbound_claims() {
        let mut snap = snapshot(2, 0, &["data"], 0..2);
        snap.claims[1] = claim("data", "web", 1, "Pending");
        let err = plan_resize(&snap, "data", "2Gi").unwrap_err();
        assert!(err.to_string().contains("data-web-1 is Pending"), "{err}");
        let mut snap = snapshot(2, 0, &["data"], 0..1);
        let err = plan_resize(&snap, "data", "2Gi").unwrap_err();
        assert!(err.to_string().contains("data-web-1 is Missing"), "{err}");
        snap.statefulset.metadata.generation = Some(3);
        assert!(plan_resize(&snap, "data", "2Gi").is_err());
    }

    #[test]
    fn recreated_object_changes_only_the_size() {
        let snap = snapshot(2, 0, &["data", "logs"], 0..2);
        let mut original = snap.statefulset.clone();
        original.metadata.resource_version = Some("42".into());
        let new = recreated_statefulset(&original, "data", "2Gi");
        assert_eq!(new.metadata.uid, None);
        assert_eq!(new.metadata.resource_version, None);
        assert!(new.status.is_none());
        assert_eq!(template_request(&new, "data").as_deref(), Some("2Gi"));
        assert_eq!(template_request(&new, "logs").as_deref(), Some("1Gi"));
        let mut expected = original.spec.clone().unwrap();
        expected.volume_claim_templates = new.spec.as_ref().unwrap().volume_claim_templates.clone();
        assert_eq!(new.spec.unwrap(), expected);
    }
}

//! A [`Snapshot`]: one consistent read of a StatefulSet and everything it owns, and the pure
//! lookups every command needs (the pod of an ordinal, the claim of a template and ordinal, the
//! volume and StorageClass of a claim). [`assemble`] splits namespace-wide lists into
//! per-StatefulSet snapshots without any I/O; [`crate::read`] does the reading.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{Event, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;

use crate::k8s::identity;
use crate::k8s::owners;

/// Annotation marking the cluster's default StorageClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// A StatefulSet and what it owns, read with a constant number of requests.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The StatefulSet.
    pub statefulset: StatefulSet,
    /// Its pods (controller owner reference, or `<sts>-<n>` name without another controller).
    pub pods: Vec<Pod>,
    /// Claims whose name is `<template>-<sts>-<ordinal>` for one of its templates.
    pub claims: Vec<PersistentVolumeClaim>,
    /// Its ControllerRevisions.
    pub revisions: Vec<ControllerRevision>,
    /// Volumes bound to its claims; `None` when listing PVs was forbidden.
    pub volumes: Option<Vec<PersistentVolume>>,
    /// All StorageClasses; `None` when listing them was forbidden.
    pub storage_classes: Option<Vec<StorageClass>>,
    /// Events about its claims (read only when a claim is Pending).
    pub events: Vec<Event>,
    /// When the snapshot was taken (for ages).
    pub taken_at: Timestamp,
}

/// Everything listed in one namespace (or all namespaces), before it is split per StatefulSet.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// StatefulSets selected by the command.
    pub statefulsets: Vec<StatefulSet>,
    /// Pods in scope.
    pub pods: Vec<Pod>,
    /// Claims in scope.
    pub claims: Vec<PersistentVolumeClaim>,
    /// ControllerRevisions in scope.
    pub revisions: Vec<ControllerRevision>,
    /// PersistentVolumes, when permitted.
    pub volumes: Option<Vec<PersistentVolume>>,
    /// StorageClasses, when permitted.
    pub storage_classes: Option<Vec<StorageClass>>,
    /// Events about claims in scope.
    pub events: Vec<Event>,
}

fn ns_of<K: kube::Resource>(obj: &K) -> &str {
    obj.meta().namespace.as_deref().unwrap_or("")
}

fn name_of<K: kube::Resource>(obj: &K) -> &str {
    obj.meta().name.as_deref().unwrap_or("")
}

fn controller_uid<K: kube::Resource>(obj: &K) -> Option<&str> {
    owners::controller_uid(obj.meta())
}

/// Splits a [`Listing`] into one [`Snapshot`] per StatefulSet, in the listing's order.
pub fn assemble(listing: Listing, taken_at: Timestamp) -> Vec<Snapshot> {
    let Listing {
        statefulsets,
        pods,
        claims,
        revisions,
        volumes,
        storage_classes,
        events,
    } = listing;
    statefulsets
        .into_iter()
        .map(|sts| {
            let ns = ns_of(&sts).to_string();
            let name = name_of(&sts).to_string();
            let uid = sts.metadata.uid.clone().unwrap_or_default();
            let owned = |obj_ns: &str, controller: Option<&str>, obj_name: &str| {
                obj_ns == ns
                    && match controller {
                        Some(c) => !uid.is_empty() && c == uid,
                        None => identity::ordinal_after(obj_name, &name).is_some(),
                    }
            };
            let templates = identity::template_names(&sts);
            let my_pods: Vec<Pod> = pods
                .iter()
                .filter(|p| owned(ns_of(*p), controller_uid(*p), name_of(*p)))
                .cloned()
                .collect();
            let my_claims: Vec<PersistentVolumeClaim> = claims
                .iter()
                .filter(|c| {
                    ns_of(*c) == ns
                        && identity::parse_claim(name_of(*c), &templates, &name).is_some()
                })
                .cloned()
                .collect();
            let claim_names: Vec<&str> = my_claims.iter().map(name_of).collect();
            let my_revisions = revisions
                .iter()
                .filter(|r| ns_of(*r) == ns && owners::is_controlled_by(&r.metadata, &uid))
                .cloned()
                .collect();
            let my_volumes = volumes.as_ref().map(|vs| {
                vs.iter()
                    .filter(|v| {
                        v.spec
                            .as_ref()
                            .and_then(|s| s.claim_ref.as_ref())
                            .is_some_and(|r| {
                                r.namespace.as_deref() == Some(ns.as_str())
                                    && r.name.as_deref().is_some_and(|n| claim_names.contains(&n))
                            })
                    })
                    .cloned()
                    .collect()
            });
            let my_events = events
                .iter()
                .filter(|e| {
                    e.involved_object.kind.as_deref() == Some("PersistentVolumeClaim")
                        && e.involved_object.namespace.as_deref() == Some(ns.as_str())
                        && e.involved_object
                            .name
                            .as_deref()
                            .is_some_and(|n| claim_names.contains(&n))
                })
                .cloned()
                .collect();
            Snapshot {
                pods: my_pods,
                claims: my_claims,
                revisions: my_revisions,
                volumes: my_volumes,
                storage_classes: storage_classes.clone(),
                events: my_events,
                taken_at,
                statefulset: sts,
            }
        })
        .collect()
}

impl Snapshot {
    /// The StatefulSet's name.
    pub fn name(&self) -> &str {
        name_of(&self.statefulset)
    }

    /// The StatefulSet's namespace.
    pub fn namespace(&self) -> &str {
        ns_of(&self.statefulset)
    }

    /// Template names in spec order.
    pub fn templates(&self) -> Vec<&str> {
        identity::template_names(&self.statefulset)
    }

    /// The ordinals that should have pods.
    pub fn range(&self) -> std::ops::Range<i32> {
        identity::ordinal_range(&self.statefulset)
    }

    /// Pods by ordinal.
    pub fn pods_by_ordinal(&self) -> BTreeMap<i32, &Pod> {
        self.pods
            .iter()
            .filter_map(|p| identity::pod_ordinal(p, self.name()).map(|o| (o, p)))
            .collect()
    }

    /// Claims by (template, ordinal).
    pub fn claims_by_key(&self) -> BTreeMap<(String, i32), &PersistentVolumeClaim> {
        let templates = self.templates();
        self.claims
            .iter()
            .filter_map(|c| {
                identity::parse_claim(name_of(c), &templates, self.name())
                    .map(|(t, o)| ((t.to_string(), o), c))
            })
            .collect()
    }

    /// The bound PersistentVolume of a claim, when PVs could be read.
    pub fn volume_of(&self, claim: &PersistentVolumeClaim) -> Option<&PersistentVolume> {
        let vol = claim.spec.as_ref()?.volume_name.as_deref()?;
        self.volumes
            .as_ref()?
            .iter()
            .find(|v| v.metadata.name.as_deref() == Some(vol))
    }

    /// The cluster's default StorageClass, when StorageClasses could be read.
    pub fn default_storage_class(&self) -> Option<&StorageClass> {
        self.storage_classes.as_ref()?.iter().find(|sc| {
            sc.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION))
                .is_some_and(|v| v == "true")
        })
    }

    /// The StorageClass by name, when StorageClasses could be read.
    pub fn storage_class(&self, name: &str) -> Option<&StorageClass> {
        self.storage_classes
            .as_ref()?
            .iter()
            .find(|sc| sc.metadata.name.as_deref() == Some(name))
    }

    /// Why the StatefulSet is not settled (mid-scale or a spec change not yet observed), if so.
    /// Claims must not be pruned or resized while the controller is still acting on them.
    pub fn unsettled(&self) -> Option<String> {
        let sts = &self.statefulset;
        let desired = identity::desired_replicas(sts);
        let status = sts.status.as_ref();
        let current = status.map(|s| s.replicas).unwrap_or(0);
        let generation = sts.metadata.generation.unwrap_or(0);
        let observed = status.and_then(|s| s.observed_generation).unwrap_or(0);
        if observed < generation {
            Some(format!(
                "statefulset {:?} has generation {generation} not yet observed by the controller (observedGeneration {observed})",
                self.name()
            ))
        } else if current != desired {
            Some(format!(
                "statefulset {:?} is scaling: status.replicas is {current}, spec.replicas is {desired}",
                self.name()
            ))
        } else {
            None
        }
    }

    /// The StorageClass a template's claims get: its own `storageClassName`, else the default.
    pub fn template_storage_class_name(&self, template: &str) -> Option<String> {
        let spec = self
            .statefulset
            .spec
            .as_ref()?
            .volume_claim_templates
            .as_ref()?
            .iter()
            .find(|t| t.metadata.name.as_deref() == Some(template))?
            .spec
            .as_ref()?;
        spec.storage_class_name
            .clone()
            .or_else(|| self.default_storage_class()?.metadata.name.clone())
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-built objects for unit tests of the pure functions.
    use super::*;
    use k8s_openapi::api::apps::v1::{
        StatefulSetOrdinals, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec,
        StatefulSetStatus,
    };
    use k8s_openapi::api::core::v1::{
        Container, ObjectReference, PersistentVolumeClaimSpec, PersistentVolumeClaimStatus,
        PersistentVolumeClaimVolumeSource, PersistentVolumeSpec, PodSpec, PodStatus,
        PodTemplateSpec, Volume, VolumeMount, VolumeResourceRequirements,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};

    pub const NOW: &str = "2024-05-01T12:00:00Z";

    pub fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    pub fn ago(seconds: i64) -> Time {
        Time(now() - jiff::SignedDuration::from_secs(seconds))
    }

    pub fn sts(name: &str, replicas: i32, start: i32, templates: &[&str]) -> StatefulSet {
        StatefulSet {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                uid: Some(format!("uid-{name}")),
                generation: Some(1),
                creation_timestamp: Some(ago(3600)),
                ..Default::default()
            },
            spec: Some(StatefulSetSpec {
                replicas: Some(replicas),
                ordinals: (start != 0).then_some(StatefulSetOrdinals { start: Some(start) }),
                service_name: Some(name.into()),
                template: PodTemplateSpec {
                    spec: Some(PodSpec {
                        containers: vec![Container {
                            name: "app".into(),
                            volume_mounts: Some(
                                templates
                                    .iter()
                                    .map(|t| VolumeMount {
                                        name: t.to_string(),
                                        mount_path: format!("/{t}"),
                                        ..Default::default()
                                    })
                                    .collect(),
                            ),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                volume_claim_templates: Some(
                    templates
                        .iter()
                        .map(|t| PersistentVolumeClaim {
                            metadata: ObjectMeta {
                                name: Some(t.to_string()),
                                ..Default::default()
                            },
                            spec: Some(PersistentVolumeClaimSpec {
                                access_modes: Some(vec!["ReadWriteOnce".into()]),
                                resources: Some(VolumeResourceRequirements {
                                    requests: Some(
                                        [("storage".to_string(), Quantity("1Gi".into()))].into(),
                                    ),
                                    ..Default::default()
                                }),
                                ..Default::default()
                            }),
                            ..Default::default()
                        })
                        .collect(),
                ),
                persistent_volume_claim_retention_policy: Some(
                    StatefulSetPersistentVolumeClaimRetentionPolicy {
                        when_scaled: Some("Retain".into()),
                        when_deleted: Some("Retain".into()),
                    },
                ),
                ..Default::default()
            }),
            status: Some(StatefulSetStatus {
                replicas,
                observed_generation: Some(1),
                ready_replicas: Some(replicas),
                ..Default::default()
            }),
        }
    }

    pub fn owner(kind: &str, name: &str, uid: &str) -> OwnerReference {
        OwnerReference {
            api_version: if kind == "Pod" { "v1" } else { "apps/v1" }.into(),
            kind: kind.into(),
            name: name.into(),
            uid: uid.into(),
            controller: Some(kind == "StatefulSet"),
            block_owner_deletion: Some(true),
        }
    }

    pub fn pod(sts: &StatefulSet, ordinal: i32, templates: &[&str]) -> Pod {
        let sts_name = sts.metadata.name.clone().unwrap();
        let name = format!("{sts_name}-{ordinal}");
        Pod {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some("default".into()),
                uid: Some(format!("uid-{name}")),
                labels: Some([(identity::POD_INDEX_LABEL.to_string(), ordinal.to_string())].into()),
                owner_references: Some(vec![owner(
                    "StatefulSet",
                    &sts_name,
                    sts.metadata.uid.as_deref().unwrap(),
                )]),
                creation_timestamp: Some(ago(600)),
                ..Default::default()
            },
            spec: Some(PodSpec {
                node_name: Some(format!("node-{}", ordinal % 3)),
                containers: vec![Container {
                    name: "app".into(),
                    volume_mounts: Some(
                        templates
                            .iter()
                            .map(|t| VolumeMount {
                                name: t.to_string(),
                                mount_path: format!("/{t}"),
                                ..Default::default()
                            })
                            .collect(),
                    ),
                    ..Default::default()
                }],
                volumes: Some(
                    templates
                        .iter()
                        .map(|t| Volume {
                            name: t.to_string(),
                            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                                claim_name: identity::claim_name(t, &sts_name, ordinal),
                                read_only: None,
                            }),
                            ..Default::default()
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            status: Some(PodStatus {
                phase: Some("Running".into()),
                ..Default::default()
            }),
        }
    }

    pub fn claim(template: &str, sts: &str, ordinal: i32, phase: &str) -> PersistentVolumeClaim {
        let name = identity::claim_name(template, sts, ordinal);
        let bound = phase == "Bound";
        PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some("default".into()),
                uid: Some(format!("uid-{name}")),
                creation_timestamp: Some(ago(1200)),
                ..Default::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".into()]),
                storage_class_name: Some("standard".into()),
                volume_name: bound.then(|| format!("pvc-{name}")),
                resources: Some(VolumeResourceRequirements {
                    requests: Some([("storage".to_string(), Quantity("1Gi".into()))].into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            status: Some(PersistentVolumeClaimStatus {
                phase: Some(phase.into()),
                capacity: bound.then(|| [("storage".to_string(), Quantity("1Gi".into()))].into()),
                access_modes: bound.then(|| vec!["ReadWriteOnce".into()]),
                ..Default::default()
            }),
        }
    }

    pub fn volume_for(claim: &PersistentVolumeClaim) -> PersistentVolume {
        PersistentVolume {
            metadata: ObjectMeta {
                name: claim.spec.as_ref().unwrap().volume_name.clone(),
                ..Default::default()
            },
            spec: Some(PersistentVolumeSpec {
                persistent_volume_reclaim_policy: Some("Delete".into()),
                claim_ref: Some(ObjectReference {
                    name: claim.metadata.name.clone(),
                    namespace: claim.metadata.namespace.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    pub fn standard_class(expandable: bool) -> StorageClass {
        StorageClass {
            metadata: ObjectMeta {
                name: Some("standard".into()),
                annotations: Some(
                    [(DEFAULT_CLASS_ANNOTATION.to_string(), "true".to_string())].into(),
                ),
                ..Default::default()
            },
            provisioner: "sim.csi.k8s.io".into(),
            allow_volume_expansion: Some(expandable),
            ..Default::default()
        }
    }

    /// A StatefulSet with `replicas` running pods, one bound claim per template and ordinal in
    /// `claim_ordinals`.
    pub fn snapshot(
        replicas: i32,
        start: i32,
        templates: &[&str],
        claim_ordinals: std::ops::Range<i32>,
    ) -> Snapshot {
        let set = sts("web", replicas, start, templates);
        let pods = (start..start + replicas)
            .map(|o| pod(&set, o, templates))
            .collect();
        let claims: Vec<PersistentVolumeClaim> = templates
            .iter()
            .flat_map(|t| {
                claim_ordinals
                    .clone()
                    .map(move |o| claim(t, "web", o, "Bound"))
            })
            .collect();
        let volumes = claims.iter().map(volume_for).collect();
        Snapshot {
            statefulset: set,
            pods,
            claims,
            revisions: vec![],
            volumes: Some(volumes),
            storage_classes: Some(vec![standard_class(true)]),
            events: vec![],
            taken_at: now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn assemble_splits_by_owner_and_claim_name() {
        let web = sts("web", 2, 0, &["data"]);
        let db = sts("db", 1, 0, &["data"]);
        let mut stray = pod(&web, 9, &["data"]);
        stray.metadata.owner_references = None; // released pod, still recognised by name
        let mut foreign = pod(&db, 0, &["data"]);
        foreign.metadata.name = Some("web-5".into()); // named like web's but owned by db
        let listing = Listing {
            statefulsets: vec![web.clone(), db.clone()],
            pods: vec![
                pod(&web, 0, &["data"]),
                pod(&db, 0, &["data"]),
                stray,
                foreign,
            ],
            claims: vec![
                claim("data", "web", 0, "Bound"),
                claim("data", "web", 7, "Bound"),
                claim("data", "db", 0, "Bound"),
                claim("other", "web", 0, "Bound"),
            ],
            ..Default::default()
        };
        let snaps = assemble(listing, now());
        assert_eq!(snaps.len(), 2);
        let web_pods: Vec<_> = snaps[0].pods.iter().map(name_of).collect();
        assert_eq!(web_pods, ["web-0", "web-9"]);
        let web_claims: Vec<_> = snaps[0].claims.iter().map(name_of).collect();
        assert_eq!(web_claims, ["data-web-0", "data-web-7"]);
        assert_eq!(snaps[1].claims.len(), 1);
        assert!(snaps[0].volumes.is_none());
    }

    #[test]
    fn lookups() {
        let snap = snapshot(3, 0, &["data"], 0..3);
        assert_eq!(snap.pods_by_ordinal().len(), 3);
        let claims = snap.claims_by_key();
        let c = claims[&("data".to_string(), 1)];
        assert!(snap.volume_of(c).is_some());
        assert_eq!(
            snap.template_storage_class_name("data").as_deref(),
            Some("standard")
        );
        assert!(snap.storage_class("fast").is_none());
    }
}

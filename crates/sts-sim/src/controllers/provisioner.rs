//! The volume side of the control plane: the PersistentVolume binder, a dynamic provisioner,
//! the volume expander and the reclaimer.
//!
//! A Pending claim binds to a matching Available volume, or, when its StorageClass (the
//! default class when it names none) is served by one of our provisioners, gets a fresh
//! volume `pvc-<claim uid>` after `provision_delay` (for `WaitForFirstConsumer` classes only
//! once the scheduler picked a node). Claims that cannot bind stay Pending with upstream's
//! events. A bound claim asking for more storage is expanded, online or (with
//! `offline_expansion`) once its pod restarts. A volume whose claim is gone is Released, and
//! deleted with its data under the `Delete` reclaim policy.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Value};

use super::events::Recorder;
use super::kubelet::SELECTED_NODE;
use super::objects::{cond, condition, is_deleting, meta, pod_node, set_condition};
use super::wake::wait_for_change;
use crate::machinery::api;
use crate::machinery::quantity::parse_quantity;
use crate::machinery::resources::{PVCS, PVS, STORAGECLASSES};
use crate::machinery::store::{now_rfc3339, Event, Obj};
use crate::runtime::fs::FileSystems;
use crate::state::{SharedState, State};

/// The provisioner of the simulator's default StorageClass.
pub const PROVISIONER: &str = "sts-sim.io/hostpath";

/// Provisioners the simulator serves (its own and common local ones manifests name).
const OUR_PROVISIONERS: &[&str] = &[
    PROVISIONER,
    "rancher.io/local-path",
    "k8s.io/minikube-hostpath",
    "hostpath.csi.k8s.io",
];

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
const BETA_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";
const RESIZE_PENDING_MESSAGE: &str =
    "Waiting for user to (re-)start a pod to finish file system resize of volume on node.";

/// Creates the default StorageClass `standard` (left alone when it exists).
pub fn bootstrap_storage(state: &State) {
    let class = json!({
        "metadata": {
            "name": "standard",
            "annotations": {DEFAULT_CLASS: "true"},
        },
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
        "allowVolumeExpansion": true,
    });
    let _ = api::create(state, &STORAGECLASSES, "", class, false);
}

/// Bytes of a quantity value (`"1Gi"` or a number), if it parses.
pub(crate) fn quantity_bytes(q: &Value) -> Option<u128> {
    match q {
        Value::String(s) => parse_quantity(s).ok(),
        Value::Number(n) => n.as_u64().map(u128::from),
        _ => None,
    }
}

/// The name of the default StorageClass (the newest when several claim it, as upstream).
pub(crate) fn default_class_name<'a>(classes: impl Iterator<Item = &'a Obj>) -> Option<String> {
    classes
        .filter(|c| {
            let ann = &c["metadata"]["annotations"];
            ann[DEFAULT_CLASS] == "true" || ann[BETA_DEFAULT_CLASS] == "true"
        })
        .max_by(|a, b| {
            meta(a, "creationTimestamp")
                .cmp(meta(b, "creationTimestamp"))
                .then_with(|| meta(b, "name").cmp(meta(a, "name")))
        })
        .map(|c| meta(c, "name").to_string())
}

/// The class a claim uses: its `storageClassName` (possibly `""`), or the default class when
/// the field is unset.
pub(crate) fn effective_class(claim: &Value, default: Option<&str>) -> Option<String> {
    match claim["spec"]["storageClassName"].as_str() {
        Some(c) => Some(c.to_string()),
        None => default.map(str::to_string),
    }
}

fn claim_request(claim: &Value) -> &Value {
    &claim["spec"]["resources"]["requests"]["storage"]
}

fn access_modes_fit(claim: &Value, pv: &Value) -> bool {
    let have: Vec<&Value> = pv["spec"]["accessModes"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    claim["spec"]["accessModes"]
        .as_array()
        .is_none_or(|want| want.iter().all(|m| have.contains(&m)))
}

/// What to do with one claim, decided from a consistent view.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClaimPlan {
    /// Nothing to do.
    Nothing,
    /// Fill in `spec.storageClassName` with the default class (admission's job upstream).
    SetClass(String),
    /// Stay Pending and tell why (warning?, reason, message, reporting component).
    Report(bool, &'static str, String, &'static str),
    /// Bind to this existing volume.
    BindExisting(String),
    /// Create a volume with this class (on this node for `WaitForFirstConsumer`).
    Provision {
        /// StorageClass name.
        class: String,
        /// The scheduler's selected node.
        node: Option<String>,
    },
    /// Grow the bound volume to this quantity.
    Expand {
        /// The volume.
        pv: String,
        /// New size as written in the claim.
        size: Value,
    },
    /// The bound volume vanished.
    Lost,
}

/// Decides what the binder, provisioner and expander do with a claim.
pub(crate) fn plan_claim(
    claim: &Value,
    classes: &HashMap<String, Obj>,
    pvs: &HashMap<String, Obj>,
    offline_expansion: bool,
) -> ClaimPlan {
    if is_deleting(claim) {
        return ClaimPlan::Nothing;
    }
    let uid = meta(claim, "uid");
    let volume = claim["spec"]["volumeName"].as_str().unwrap_or("");
    match claim["status"]["phase"].as_str().unwrap_or("Pending") {
        "Bound" => {
            let Some(pv) = pvs.get(volume) else {
                return ClaimPlan::Lost;
            };
            plan_expansion(claim, pv, classes, offline_expansion)
        }
        "Pending" => {
            if let Some(pv) = pvs.values().find(|pv| pv["spec"]["claimRef"]["uid"] == uid) {
                return ClaimPlan::BindExisting(meta(pv, "name").to_string());
            }
            if !volume.is_empty() {
                return match pvs.get(volume) {
                    Some(pv) if pv["spec"]["claimRef"].is_null() => {
                        ClaimPlan::BindExisting(volume.to_string())
                    }
                    _ => ClaimPlan::Nothing,
                };
            }
            let default = default_class_name(classes.values());
            let Some(class) = effective_class(claim, default.as_deref()) else {
                return no_class();
            };
            if claim["spec"]["storageClassName"].is_null() {
                return ClaimPlan::SetClass(class);
            }
            if let Some(pv) = find_available(claim, &class, pvs) {
                return ClaimPlan::BindExisting(pv);
            }
            if class.is_empty() {
                return no_class();
            }
            let Some(sc) = classes.get(&class) else {
                return ClaimPlan::Report(
                    true,
                    "ProvisioningFailed",
                    format!("storageclass.storage.k8s.io \"{class}\" not found"),
                    "persistentvolume-controller",
                );
            };
            let node = claim["metadata"]["annotations"][SELECTED_NODE]
                .as_str()
                .map(str::to_string);
            if sc["volumeBindingMode"] == "WaitForFirstConsumer" && node.is_none() {
                return ClaimPlan::Report(
                    false,
                    "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding".to_string(),
                    "persistentvolume-controller",
                );
            }
            let provisioner = sc["provisioner"].as_str().unwrap_or("");
            if !OUR_PROVISIONERS.contains(&provisioner) {
                return ClaimPlan::Report(
                    false,
                    "ExternalProvisioning",
                    external_message(provisioner),
                    "persistentvolume-controller",
                );
            }
            ClaimPlan::Provision { class, node }
        }
        _ => ClaimPlan::Nothing,
    }
}

fn no_class() -> ClaimPlan {
    ClaimPlan::Report(
        false,
        "FailedBinding",
        "no persistent volumes available for this claim and no storage class is set".to_string(),
        "persistentvolume-controller",
    )
}

fn external_message(provisioner: &str) -> String {
    format!(
        "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
    )
}

/// The smallest Available volume of the class that fits the claim.
fn find_available(claim: &Value, class: &str, pvs: &HashMap<String, Obj>) -> Option<String> {
    let want = quantity_bytes(claim_request(claim)).unwrap_or(0);
    pvs.values()
        .filter(|pv| pv["status"]["phase"] == "Available" && !is_deleting(pv))
        .filter(|pv| pv["spec"]["claimRef"].is_null())
        .filter(|pv| pv["spec"]["storageClassName"].as_str().unwrap_or("") == class)
        .filter(|pv| access_modes_fit(claim, pv))
        .filter_map(|pv| Some((quantity_bytes(&pv["spec"]["capacity"]["storage"])?, pv)))
        .filter(|(size, _)| *size >= want)
        .min_by_key(|(size, pv)| (*size, meta(pv, "name").to_string()))
        .map(|(_, pv)| meta(pv, "name").to_string())
}

fn plan_expansion(
    claim: &Value,
    pv: &Value,
    classes: &HashMap<String, Obj>,
    offline: bool,
) -> ClaimPlan {
    let (Some(want), Some(have)) = (
        quantity_bytes(claim_request(claim)),
        quantity_bytes(&claim["status"]["capacity"]["storage"]),
    ) else {
        return ClaimPlan::Nothing;
    };
    if want <= have {
        return ClaimPlan::Nothing;
    }
    let class = claim["spec"]["storageClassName"].as_str().unwrap_or("");
    if classes
        .get(class)
        .is_some_and(|c| c["allowVolumeExpansion"] != true)
    {
        return ClaimPlan::Nothing;
    }
    let allocated = quantity_bytes(&claim["status"]["allocatedResources"]["storage"]);
    let pending = condition(&claim["status"], "FileSystemResizePending").is_some();
    if offline && pending && allocated.is_some_and(|a| a >= want) {
        return ClaimPlan::Nothing;
    }
    ClaimPlan::Expand {
        pv: meta(pv, "name").to_string(),
        size: claim_request(claim).clone(),
    }
}

/// The volume the provisioner creates for a claim (pure).
pub(crate) fn build_pv(claim: &Value, class: &Value, node: Option<&str>) -> Value {
    let ns = meta(claim, "namespace");
    let name = format!("pvc-{}", meta(claim, "uid"));
    let provisioner = class["provisioner"].as_str().unwrap_or(PROVISIONER);
    let size = match claim_request(claim) {
        Value::Null => json!("1Gi"),
        q => q.clone(),
    };
    let mut pv = json!({
        "metadata": {
            "name": name,
            "annotations": {"pv.kubernetes.io/provisioned-by": provisioner},
        },
        "spec": {
            "capacity": {"storage": size},
            "accessModes": claim["spec"]["accessModes"].as_array().cloned().unwrap_or_else(|| vec![json!("ReadWriteOnce")]),
            "persistentVolumeReclaimPolicy": class["reclaimPolicy"].as_str().unwrap_or("Delete"),
            "storageClassName": meta(class, "name"),
            "volumeMode": claim["spec"]["volumeMode"].as_str().unwrap_or("Filesystem"),
            "claimRef": {
                "kind": "PersistentVolumeClaim",
                "namespace": ns,
                "name": meta(claim, "name"),
                "uid": meta(claim, "uid"),
                "apiVersion": "v1",
                "resourceVersion": meta(claim, "resourceVersion"),
            },
        },
        "status": {"phase": "Bound", "lastPhaseTransitionTime": now_rfc3339()},
    });
    if provisioner == PROVISIONER || !provisioner.contains("csi") {
        pv["spec"]["hostPath"] = json!({
            "path": format!("/var/lib/sts-sim/volumes/{name}_{ns}_{}", meta(claim, "name")),
            "type": "DirectoryOrCreate",
        });
    } else {
        pv["spec"]["csi"] = json!({
            "driver": provisioner,
            "volumeHandle": uuid::Uuid::new_v4().to_string(),
            "fsType": "ext4",
        });
    }
    if let Some(options) = class["mountOptions"].as_array() {
        pv["spec"]["mountOptions"] = json!(options);
    }
    if let Some(node) = node {
        pv["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}
        ]}]}});
    }
    pv
}

/// Finishes an offline expansion of a claim when a pod mounting it starts (kubelet side).
pub(crate) fn finish_offline_resize(state: &State, ns: &str, claim_name: &str, pod: &Value) {
    let Some(claim) = state.store.get(&PVCS, ns, claim_name) else {
        return;
    };
    if condition(&claim["status"], "FileSystemResizePending").is_none() {
        return;
    }
    let size = match &claim["status"]["allocatedResources"]["storage"] {
        Value::Null => claim_request(&claim).clone(),
        q => q.clone(),
    };
    let volume = claim["spec"]["volumeName"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if let Some(bytes) = quantity_bytes(&size) {
        state.fs.set_capacity(
            &FileSystems::pv_volume(&volume),
            u64::try_from(bytes).unwrap_or(u64::MAX),
        );
    }
    let written = api::write_status(state, &PVCS, ns, claim_name, |st| {
        st["capacity"]["storage"] = size.clone();
        drop_resize_state(st);
    });
    let rec = Recorder {
        component: "kubelet",
        host: pod_node(pod),
    };
    let message = format!(
        "MountVolume.NodeExpandVolume succeeded for volume \"{volume}\" {}",
        pod_node(pod).unwrap_or("")
    );
    if let Ok(c) = written {
        rec.normal(state, &c, "FileSystemResizeSuccessful", &message);
    }
    rec.normal(state, pod, "FileSystemResizeSuccessful", &message);
}

fn drop_resize_state(status: &mut Value) {
    if let Some(list) = status["conditions"].as_array_mut() {
        list.retain(|c| c["type"] != "FileSystemResizePending" && c["type"] != "Resizing");
        if list.is_empty() {
            if let Some(m) = status.as_object_mut() {
                m.remove("conditions");
            }
        }
    }
    if let Some(m) = status.as_object_mut() {
        m.remove("allocatedResourceStatuses");
    }
}

/// Provisioner state kept between passes.
#[derive(Default)]
struct Provisioner {
    /// When a claim was first seen ready for provisioning, by uid.
    eligible: HashMap<String, Instant>,
    /// The last Pending explanation reported for a claim, by uid.
    reported: HashMap<String, String>,
}

impl Provisioner {
    /// One pass over claims and volumes; returns when to look again.
    fn pass(&mut self, state: &State) -> Option<Instant> {
        let now = Instant::now();
        let claims = state.store.list(&PVCS, None).0;
        let pvs: HashMap<String, Obj> = state
            .store
            .list(&PVS, None)
            .0
            .into_iter()
            .map(|p| (meta(&p, "name").to_string(), p))
            .collect();
        let classes: HashMap<String, Obj> = state
            .store
            .list(&STORAGECLASSES, None)
            .0
            .into_iter()
            .map(|c| (meta(&c, "name").to_string(), c))
            .collect();
        let live: std::collections::HashSet<&str> = claims.iter().map(|c| meta(c, "uid")).collect();
        self.eligible.retain(|uid, _| live.contains(uid.as_str()));
        self.reported.retain(|uid, _| live.contains(uid.as_str()));
        let mut next: Option<Instant> = None;
        for claim in &claims {
            let (ns, name, uid) = (
                meta(claim, "namespace"),
                meta(claim, "name"),
                meta(claim, "uid"),
            );
            let plan = plan_claim(claim, &classes, &pvs, state.opts.offline_expansion);
            if !matches!(plan, ClaimPlan::Provision { .. }) {
                self.eligible.remove(uid);
            }
            match plan {
                ClaimPlan::Nothing => {}
                ClaimPlan::SetClass(class) => {
                    let _ = state.store.modify(&PVCS, ns, name, |c| {
                        if !c["spec"]["storageClassName"].is_null() {
                            return Ok(false);
                        }
                        c["spec"]["storageClassName"] = json!(class);
                        Ok(true)
                    });
                }
                ClaimPlan::Report(warning, reason, message, component) => {
                    let key = format!("{reason}: {message}");
                    if self.reported.get(uid) != Some(&key) {
                        let rec = Recorder {
                            component,
                            host: None,
                        };
                        let kind = if warning { "Warning" } else { "Normal" };
                        rec.emit(state, claim, None, kind, reason, &message);
                        self.reported.insert(uid.to_string(), key);
                    }
                }
                ClaimPlan::BindExisting(pv) => {
                    if let Some(pv) = pvs.get(&pv) {
                        bind(state, claim, pv, false);
                    }
                }
                ClaimPlan::Provision { class, node } => {
                    let since = *self.eligible.entry(uid.to_string()).or_insert_with(|| {
                        let provisioner = classes[&class]["provisioner"].as_str().unwrap_or("");
                        let rec = Recorder {
                            component: "persistentvolume-controller",
                            host: None,
                        };
                        rec.normal(
                            state,
                            claim,
                            "ExternalProvisioning",
                            &external_message(provisioner),
                        );
                        now
                    });
                    let due = since + state.opts.provision_delay;
                    if now < due {
                        next = Some(next.map_or(due, |n: Instant| n.min(due)));
                        continue;
                    }
                    if let Err(e) = provision(state, claim, &classes[&class], node.as_deref()) {
                        let rec = Recorder {
                            component: PROVISIONER,
                            host: None,
                        };
                        rec.warning(state, claim, "ProvisioningFailed", &e.message);
                    }
                    self.eligible.remove(uid);
                }
                ClaimPlan::Expand { pv, size } => {
                    expand(state, claim, &pv, &size, state.opts.offline_expansion);
                }
                ClaimPlan::Lost => {
                    let written = api::write_status(state, &PVCS, ns, name, |st| {
                        st["phase"] = json!("Lost");
                    });
                    if let Ok(c) = written {
                        let rec = Recorder {
                            component: "persistentvolume-controller",
                            host: None,
                        };
                        rec.warning(state, &c, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
                    }
                }
            }
        }
        self.reclaim(state, &claims, &pvs);
        next
    }

    /// Releases volumes whose claim is gone, deleting those with the `Delete` policy.
    fn reclaim(&mut self, state: &State, claims: &[Obj], pvs: &HashMap<String, Obj>) {
        let live: HashMap<(&str, &str), &str> = claims
            .iter()
            .map(|c| ((meta(c, "namespace"), meta(c, "name")), meta(c, "uid")))
            .collect();
        for pv in pvs.values() {
            let cref = &pv["spec"]["claimRef"];
            let Some(ref_uid) = cref["uid"].as_str().filter(|u| !u.is_empty()) else {
                continue;
            };
            let key = (
                cref["namespace"].as_str().unwrap_or(""),
                cref["name"].as_str().unwrap_or(""),
            );
            if live.get(&key) == Some(&ref_uid) {
                continue;
            }
            // Claims created after the volume list was taken are checked again.
            if state
                .store
                .get(&PVCS, key.0, key.1)
                .is_some_and(|c| meta(&c, "uid") == ref_uid)
            {
                continue;
            }
            let name = meta(pv, "name");
            let phase = pv["status"]["phase"].as_str().unwrap_or("");
            if phase == "Bound" {
                let _ = api::write_status(state, &PVS, "", name, |st| {
                    st["phase"] = json!("Released");
                    st["lastPhaseTransitionTime"] = json!(now_rfc3339());
                });
            } else if phase != "Released" {
                continue;
            }
            let policy = pv["spec"]["persistentVolumeReclaimPolicy"]
                .as_str()
                .unwrap_or("Retain");
            if policy == "Delete" && !is_deleting(pv) {
                state.fs.drop_volume(&FileSystems::pv_volume(name));
                let _ = api::delete(state, &PVS, "", name, &api::DeleteOptions::default());
            }
        }
    }
}

/// Creates the volume for a claim and binds the claim to it.
fn provision(
    state: &State,
    claim: &Value,
    class: &Value,
    node: Option<&str>,
) -> Result<(), crate::apiserver::errors::ApiError> {
    let provisioner = class["provisioner"]
        .as_str()
        .unwrap_or(PROVISIONER)
        .to_string();
    let rec = Recorder {
        component: &provisioner,
        host: None,
    };
    rec.normal(
        state,
        claim,
        "Provisioning",
        &format!(
            "External provisioner is provisioning volume for claim \"{}/{}\"",
            meta(claim, "namespace"),
            meta(claim, "name")
        ),
    );
    let pv = build_pv(claim, class, node);
    let name = meta(&pv, "name").to_string();
    let bytes = quantity_bytes(&pv["spec"]["capacity"]["storage"])
        .and_then(|b| u64::try_from(b).ok())
        .unwrap_or(state.opts.default_volume_bytes);
    let pv = match api::create(state, &PVS, "", pv, false) {
        Ok(pv) => pv,
        Err(e) if e.code == 409 => state
            .store
            .get(&PVS, "", &name)
            .ok_or_else(|| crate::apiserver::errors::ApiError::not_found(&PVS, &name))?,
        Err(e) => return Err(e),
    };
    state.fs.set_capacity(&FileSystems::pv_volume(&name), bytes);
    rec.normal(
        state,
        claim,
        "ProvisioningSucceeded",
        &format!("Successfully provisioned volume {name}"),
    );
    bind(state, claim, &pv, true);
    Ok(())
}

/// Binds a claim to a volume: the volume's `claimRef` and phase, the claim's
/// `volumeName`, annotations and status.
fn bind(state: &State, claim: &Value, pv: &Value, provisioned: bool) {
    let (ns, name, uid) = (
        meta(claim, "namespace"),
        meta(claim, "name"),
        meta(claim, "uid"),
    );
    let pv_name = meta(pv, "name").to_string();
    let _ = state.store.modify(&PVS, "", &pv_name, |v| {
        let mut changed = false;
        if v["spec"]["claimRef"]["uid"] != uid {
            v["spec"]["claimRef"] = json!({
                "kind": "PersistentVolumeClaim", "namespace": ns, "name": name, "uid": uid,
                "apiVersion": "v1", "resourceVersion": meta(claim, "resourceVersion"),
            });
            if !v["metadata"]["annotations"].is_object() {
                v["metadata"]["annotations"] = json!({});
            }
            v["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] = json!("yes");
            changed = true;
        }
        if v["status"]["phase"] != "Bound" {
            v["status"]["phase"] = json!("Bound");
            v["status"]["lastPhaseTransitionTime"] = json!(now_rfc3339());
            changed = true;
        }
        Ok(changed)
    });
    let provisioner = pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"]
        .as_str()
        .map(str::to_string);
    let capacity = pv["spec"]["capacity"].clone();
    let modes = pv["spec"]["accessModes"].clone();
    let _ = state.store.modify(&PVCS, ns, name, |c| {
        if meta(c, "uid") != uid || c["status"]["phase"] == "Bound" {
            return Ok(false);
        }
        let set_by_us = c["spec"]["volumeName"].as_str().unwrap_or("").is_empty();
        c["spec"]["volumeName"] = json!(pv_name);
        if !c["metadata"]["annotations"].is_object() {
            c["metadata"]["annotations"] = json!({});
        }
        let ann = &mut c["metadata"]["annotations"];
        ann["pv.kubernetes.io/bind-completed"] = json!("yes");
        if set_by_us {
            ann["pv.kubernetes.io/bound-by-controller"] = json!("yes");
        }
        if let Some(p) = &provisioner {
            if provisioned {
                ann["volume.beta.kubernetes.io/storage-provisioner"] = json!(p);
                ann["volume.kubernetes.io/storage-provisioner"] = json!(p);
            }
        }
        let st = &mut c["status"];
        st["phase"] = json!("Bound");
        st["accessModes"] = modes.clone();
        st["capacity"] = capacity.clone();
        Ok(true)
    });
}

/// Grows a bound volume and its claim (online, or up to `FileSystemResizePending`).
fn expand(state: &State, claim: &Value, pv_name: &str, size: &Value, offline: bool) {
    let (ns, name) = (meta(claim, "namespace"), meta(claim, "name"));
    Recorder {
        component: "volume_expand",
        host: None,
    }
    .normal(
        state,
        claim,
        "ExternalExpanding",
        "waiting for an external controller to expand this PVC",
    );
    let resizer = Recorder {
        component: "external-resizer",
        host: None,
    };
    resizer.normal(
        state,
        claim,
        "Resizing",
        &format!("External resizer is resizing volume {pv_name}"),
    );
    let _ = state.store.modify(&PVS, "", pv_name, |v| {
        if v["spec"]["capacity"]["storage"] == *size {
            return Ok(false);
        }
        v["spec"]["capacity"]["storage"] = size.clone();
        Ok(true)
    });
    let now = now_rfc3339();
    if offline {
        let written = api::write_status(state, &PVCS, ns, name, |st| {
            st["allocatedResources"]["storage"] = size.clone();
            st["allocatedResourceStatuses"] = json!({"storage": "NodeResizePending"});
            set_condition(
                st,
                cond(
                    "FileSystemResizePending",
                    true,
                    None,
                    Some(RESIZE_PENDING_MESSAGE),
                ),
                &now,
            );
        });
        if let Ok(c) = written {
            resizer.normal(
                state,
                &c,
                "FileSystemResizeRequired",
                "Require file system resize of volume on node",
            );
        }
        return;
    }
    if let Some(bytes) = quantity_bytes(size) {
        state.fs.set_capacity(
            &FileSystems::pv_volume(pv_name),
            u64::try_from(bytes).unwrap_or(u64::MAX),
        );
    }
    let written = api::write_status(state, &PVCS, ns, name, |st| {
        st["capacity"]["storage"] = size.clone();
        st["allocatedResources"]["storage"] = size.clone();
        drop_resize_state(st);
    });
    if let Ok(c) = written {
        Recorder {
            component: "kubelet",
            host: None,
        }
        .normal(
            state,
            &c,
            "FileSystemResizeSuccessful",
            &format!("MountVolume.NodeExpandVolume succeeded for volume \"{pv_name}\""),
        );
    }
}

fn relevant(ev: &Event) -> bool {
    matches!(
        ev.rt.plural,
        "persistentvolumeclaims" | "persistentvolumes" | "storageclasses"
    )
}

/// Runs the binder, provisioner, expander and reclaimer until the runtime stops.
pub async fn run(state: SharedState) {
    let mut rx = state.store.subscribe();
    let mut provisioner = Provisioner::default();
    loop {
        state.faults.wait_unpaused().await;
        let next = provisioner.pass(&state);
        wait_for_change(&mut rx, relevant, next).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::kubelet;
    use crate::controllers::objects::pod_ready;
    use crate::controllers::test_support::{claim, cluster, events, pod, wait_for};
    use crate::machinery::resources::PODS;
    use crate::options::ClusterOptions;

    fn get_claim(state: &State, name: &str) -> Option<Obj> {
        state.store.get(&PVCS, "default", name)
    }

    fn bound(state: &State, name: &str) -> Option<Obj> {
        get_claim(state, name).filter(|c| c["status"]["phase"] == "Bound")
    }

    #[test]
    fn quantity_values() {
        assert_eq!(quantity_bytes(&json!("1Gi")), Some(1 << 30));
        assert_eq!(quantity_bytes(&json!(1000)), Some(1000));
        assert_eq!(quantity_bytes(&json!("1Gb")), None);
        assert_eq!(quantity_bytes(&Value::Null), None);
    }

    #[test]
    fn plans_for_pending_claims() {
        let mut classes = HashMap::new();
        let std = json!({"metadata": {"name": "standard", "annotations": {DEFAULT_CLASS: "true"}}, "provisioner": PROVISIONER});
        classes.insert("standard".to_string(), std::sync::Arc::new(std));
        let pvs = HashMap::new();
        let c = json!({"metadata": {"uid": "u"}, "spec": {}, "status": {"phase": "Pending"}});
        assert_eq!(
            plan_claim(&c, &classes, &pvs, false),
            ClaimPlan::SetClass("standard".into())
        );
        let c = json!({"metadata": {"uid": "u"}, "spec": {"storageClassName": ""}, "status": {"phase": "Pending"}});
        assert!(matches!(
            plan_claim(&c, &classes, &pvs, false),
            ClaimPlan::Report(false, "FailedBinding", _, _)
        ));
        let c = json!({"metadata": {"uid": "u"}, "spec": {"storageClassName": "fast"}, "status": {"phase": "Pending"}});
        assert_eq!(
            plan_claim(&c, &classes, &pvs, false),
            ClaimPlan::Report(
                true,
                "ProvisioningFailed",
                "storageclass.storage.k8s.io \"fast\" not found".into(),
                "persistentvolume-controller"
            )
        );
        let c = json!({"metadata": {"uid": "u"}, "spec": {"storageClassName": "standard"}, "status": {"phase": "Pending"}});
        assert_eq!(
            plan_claim(&c, &classes, &pvs, false),
            ClaimPlan::Provision {
                class: "standard".into(),
                node: None
            }
        );
        classes.clear();
        let c = json!({"metadata": {"uid": "u"}, "spec": {}, "status": {"phase": "Pending"}});
        assert!(matches!(
            plan_claim(&c, &classes, &pvs, false),
            ClaimPlan::Report(false, "FailedBinding", _, _)
        ));
    }

    #[tokio::test]
    async fn claim_binds_with_a_provisioned_volume() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        api::create(
            &state,
            &PVCS,
            "default",
            claim("data-web-0", "2Gi", None),
            false,
        )
        .unwrap();
        let c = wait_for(&state, "bound", |s| bound(s, "data-web-0")).await;
        let uid = meta(&c, "uid");
        let pv_name = format!("pvc-{uid}");
        assert_eq!(c["spec"]["volumeName"], pv_name);
        assert_eq!(c["spec"]["storageClassName"], "standard");
        assert_eq!(c["status"]["capacity"]["storage"], "2Gi");
        assert_eq!(c["status"]["accessModes"], json!(["ReadWriteOnce"]));
        let ann = &c["metadata"]["annotations"];
        assert_eq!(ann["pv.kubernetes.io/bind-completed"], "yes");
        assert_eq!(ann["pv.kubernetes.io/bound-by-controller"], "yes");
        assert_eq!(ann["volume.kubernetes.io/storage-provisioner"], PROVISIONER);
        assert_eq!(
            ann["volume.beta.kubernetes.io/storage-provisioner"],
            PROVISIONER
        );
        let pv = state.store.get(&PVS, "", &pv_name).unwrap();
        assert_eq!(pv["status"]["phase"], "Bound");
        assert_eq!(pv["spec"]["capacity"]["storage"], "2Gi");
        assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Delete");
        assert_eq!(pv["spec"]["claimRef"]["uid"], uid);
        assert_eq!(pv["spec"]["claimRef"]["name"], "data-web-0");
        assert_eq!(pv["spec"]["storageClassName"], "standard");
        assert_eq!(
            pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"],
            PROVISIONER
        );
        assert!(pv["spec"]["hostPath"].is_object());
        assert!(pv["spec"]["nodeAffinity"].is_null());
        assert_eq!(
            state.fs.usage(&FileSystems::pv_volume(&pv_name)),
            (0, 2 << 30)
        );
        assert_eq!(
            events(&state, "data-web-0", "ProvisioningSucceeded").len(),
            1
        );
        assert_eq!(
            events(&state, "data-web-0", "ExternalProvisioning").len(),
            1
        );
    }

    #[tokio::test]
    async fn claims_without_a_usable_class_stay_pending_with_events() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        api::create(
            &state,
            &PVCS,
            "default",
            claim("none", "1Gi", Some("")),
            false,
        )
        .unwrap();
        api::create(
            &state,
            &PVCS,
            "default",
            claim("fast", "1Gi", Some("fast")),
            false,
        )
        .unwrap();
        let e = wait_for(&state, "FailedBinding", |s| {
            events(s, "none", "FailedBinding").pop()
        })
        .await;
        assert_eq!(
            e["message"],
            "no persistent volumes available for this claim and no storage class is set"
        );
        assert_eq!(e["type"], "Normal");
        let e = wait_for(&state, "ProvisioningFailed", |s| {
            events(s, "fast", "ProvisioningFailed").pop()
        })
        .await;
        assert_eq!(
            e["message"],
            "storageclass.storage.k8s.io \"fast\" not found"
        );
        assert_eq!(e["type"], "Warning");
        assert_eq!(
            get_claim(&state, "none").unwrap()["status"]["phase"],
            "Pending"
        );
        assert_eq!(
            get_claim(&state, "fast").unwrap()["status"]["phase"],
            "Pending"
        );
        // Creating the class later lets the claim bind.
        api::create(
            &state,
            &STORAGECLASSES,
            "",
            json!({"metadata": {"name": "fast"}, "provisioner": PROVISIONER}),
            false,
        )
        .unwrap();
        wait_for(&state, "fast bound", |s| bound(s, "fast")).await;
        // A pre-created volume without a class satisfies the classless claim.
        api::create(&state, &PVS, "", json!({
            "metadata": {"name": "manual"},
            "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/x"}},
            "status": {"phase": "Available"},
        }), false).unwrap();
        let c = wait_for(&state, "none bound", |s| bound(s, "none")).await;
        assert_eq!(c["spec"]["volumeName"], "manual");
        assert_eq!(c["status"]["capacity"]["storage"], "5Gi");
    }

    async fn expansion(offline: bool) {
        let opts = ClusterOptions {
            offline_expansion: offline,
            ..ClusterOptions::default()
        };
        let state = cluster(opts);
        tokio::spawn(run(state.clone()));
        tokio::spawn(kubelet::run(state.clone()));
        api::create(&state, &PVCS, "default", claim("data", "1Gi", None), false).unwrap();
        api::create(
            &state,
            &PODS,
            "default",
            pod("web-0", "nginx", &["data"]),
            false,
        )
        .unwrap();
        wait_for(&state, "ready", |s| {
            s.store
                .get(&PODS, "default", "web-0")
                .filter(|p| pod_ready(p))
        })
        .await;
        let c = bound(&state, "data").unwrap();
        let pv_name = c["spec"]["volumeName"].as_str().unwrap().to_string();
        state
            .store
            .modify(&PVCS, "default", "data", |c| {
                c["spec"]["resources"]["requests"]["storage"] = json!("3Gi");
                Ok(true)
            })
            .unwrap();
        if offline {
            let c = wait_for(&state, "resize pending", |s| {
                get_claim(s, "data")
                    .filter(|c| condition(&c["status"], "FileSystemResizePending").is_some())
            })
            .await;
            assert_eq!(c["status"]["capacity"]["storage"], "1Gi");
            assert_eq!(c["status"]["allocatedResources"]["storage"], "3Gi");
            assert_eq!(
                state.store.get(&PVS, "", &pv_name).unwrap()["spec"]["capacity"]["storage"],
                "3Gi"
            );
            // Restart the pod: the resize finishes when the new one starts.
            api::delete(
                &state,
                &PODS,
                "default",
                "web-0",
                &api::DeleteOptions::default(),
            )
            .unwrap();
            wait_for(&state, "pod gone", |s| {
                s.store
                    .get(&PODS, "default", "web-0")
                    .is_none()
                    .then_some(())
            })
            .await;
            api::create(
                &state,
                &PODS,
                "default",
                pod("web-0", "nginx", &["data"]),
                false,
            )
            .unwrap();
        }
        let c = wait_for(&state, "expanded", |s| {
            get_claim(s, "data").filter(|c| c["status"]["capacity"]["storage"] == "3Gi")
        })
        .await;
        assert!(condition(&c["status"], "FileSystemResizePending").is_none());
        assert_eq!(c["status"]["allocatedResources"]["storage"], "3Gi");
        assert_eq!(
            state.store.get(&PVS, "", &pv_name).unwrap()["spec"]["capacity"]["storage"],
            "3Gi"
        );
        assert_eq!(state.fs.usage(&FileSystems::pv_volume(&pv_name)).1, 3 << 30);
        assert_eq!(
            events(&state, "data", "FileSystemResizeSuccessful").len(),
            1
        );
        assert_eq!(events(&state, "data", "Resizing").len(), 1);
        assert_eq!(events(&state, "data", "ExternalExpanding").len(), 1);
    }

    #[tokio::test]
    async fn online_expansion_grows_the_claim_straight_away() {
        expansion(false).await;
    }

    #[tokio::test]
    async fn offline_expansion_finishes_when_the_pod_restarts() {
        expansion(true).await;
    }

    async fn reclaim(policy: &str) -> (SharedState, String) {
        let state = cluster(ClusterOptions::default());
        api::create(
            &state,
            &STORAGECLASSES,
            "",
            json!({
                "metadata": {"name": "keep"}, "provisioner": PROVISIONER, "reclaimPolicy": policy,
            }),
            false,
        )
        .unwrap();
        tokio::spawn(run(state.clone()));
        tokio::spawn(super::super::gc::run(state.clone()));
        api::create(
            &state,
            &PVCS,
            "default",
            claim("data", "1Gi", Some("keep")),
            false,
        )
        .unwrap();
        let c = wait_for(&state, "bound", |s| bound(s, "data")).await;
        let pv = c["spec"]["volumeName"].as_str().unwrap().to_string();
        state
            .fs
            .write(&FileSystems::pv_volume(&pv), "visits", b"3".to_vec())
            .unwrap();
        api::delete(
            &state,
            &PVCS,
            "default",
            "data",
            &api::DeleteOptions::default(),
        )
        .unwrap();
        (state, pv)
    }

    #[tokio::test]
    async fn deleted_claim_deletes_its_volume_with_the_delete_policy() {
        let (state, pv) = reclaim("Delete").await;
        wait_for(&state, "pv gone", |s| {
            s.store.get(&PVS, "", &pv).is_none().then_some(())
        })
        .await;
        assert_eq!(state.fs.read(&FileSystems::pv_volume(&pv), "visits"), None);
    }

    #[tokio::test]
    async fn deleted_claim_releases_its_volume_with_the_retain_policy() {
        let (state, pv) = reclaim("Retain").await;
        wait_for(&state, "released", |s| {
            s.store
                .get(&PVS, "", &pv)
                .filter(|v| v["status"]["phase"] == "Released")
        })
        .await;
        assert!(get_claim(&state, "data").is_none());
        assert_eq!(
            state.fs.read(&FileSystems::pv_volume(&pv), "visits"),
            Some(b"3".to_vec())
        );
    }
}

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

mod expansion;
mod plan;
#[cfg(test)]
mod tests;

use crate::controllers::provisioner::expansion::expand;
use crate::controllers::provisioner::plan::external_message;
pub(crate) use expansion::finish_offline_resize;
pub(crate) use plan::{
    build_pv, default_class_name, effective_class, plan_claim, quantity_bytes, ClaimPlan,
};

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Value};

use crate::controllers::events::Recorder;
use crate::controllers::objects::{is_deleting, meta};
use crate::controllers::wake::wait_for_change;
use crate::machinery::api;
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

//! The provisioner's decisions (pure): a claim's effective StorageClass, binding to an
//! available volume or provisioning one (now or at first consumer), expansion, and the
//! PersistentVolume built for a claim.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::controllers::kubelet::SELECTED_NODE;
use crate::controllers::objects::{condition, is_deleting, meta};
use crate::controllers::provisioner::{
    BETA_DEFAULT_CLASS, DEFAULT_CLASS, OUR_PROVISIONERS, PROVISIONER,
};
use crate::machinery::quantity::parse_quantity;
use crate::machinery::store::{now_rfc3339, Obj};

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

pub(super) fn claim_request(claim: &Value) -> &Value {
    &claim["spec"]["resources"]["requests"]["storage"]
}

pub(super) fn access_modes_fit(claim: &Value, pv: &Value) -> bool {
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

pub(super) fn no_class() -> ClaimPlan {
    ClaimPlan::Report(
        false,
        "FailedBinding",
        "no persistent volumes available for this claim and no storage class is set".to_string(),
        "persistentvolume-controller",
    )
}

pub(super) fn external_message(provisioner: &str) -> String {
    format!(
        "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
    )
}

/// The smallest Available volume of the class that fits the claim.
pub(super) fn find_available(
    claim: &Value,
    class: &str,
    pvs: &HashMap<String, Obj>,
) -> Option<String> {
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

pub(super) fn plan_expansion(
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

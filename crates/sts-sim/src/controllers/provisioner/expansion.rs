//! Volume expansion as the external resizer and the kubelet do it: growing the volume, the
//! `Resizing` and `FileSystemResizePending` conditions, and finishing an offline resize when
//! the next pod mounts the claim.

use serde_json::{json, Value};

use crate::controllers::events::Recorder;
use crate::controllers::objects::{cond, condition, meta, pod_node, set_condition};
use crate::controllers::provisioner::plan::claim_request;
use crate::controllers::provisioner::{quantity_bytes, RESIZE_PENDING_MESSAGE};
use crate::machinery::api;
use crate::machinery::resources::{PVCS, PVS};
use crate::machinery::store::now_rfc3339;
use crate::runtime::fs::FileSystems;
use crate::state::State;

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

pub(super) fn drop_resize_state(status: &mut Value) {
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

/// Grows a bound volume and its claim (online, or up to `FileSystemResizePending`).
pub(super) fn expand(state: &State, claim: &Value, pv_name: &str, size: &Value, offline: bool) {
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

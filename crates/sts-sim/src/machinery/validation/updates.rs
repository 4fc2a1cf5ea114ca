//! What an update may change: the StatefulSet, pod and claim update rules, claim resize
//! admission (expandable StorageClass), and the spec diff upstream prints when it refuses.

// `Invalid` is returned by value on purpose (the API the rest of the crate uses).
#![allow(clippy::result_large_err)]

use serde_json::{json, Map, Value};

use crate::machinery::quantity::parse_quantity_milli;
use crate::machinery::validation::{
    str_at, Cause, Invalid, UpdateContext, POD_UPDATE_FORBIDDEN, PVC_RESIZE_FORBIDDEN,
    PVC_UPDATE_FORBIDDEN,
};

pub(super) fn storage_milli(v: &Value, ptr: &str) -> Option<i128> {
    match v.pointer(ptr)? {
        Value::String(s) => parse_quantity_milli(s).ok(),
        Value::Number(n) => parse_quantity_milli(&n.to_string()).ok(),
        _ => None,
    }
}

pub(super) fn validate_pvc_update(old: &Value, new: &Value) -> Vec<Cause> {
    let mut c = Vec::new();
    let mut old_spec = old.get("spec").cloned().unwrap_or(json!({}));
    let mut new_spec = new.get("spec").cloned().unwrap_or(json!({}));
    if str_at(&old_spec, "/volumeName").is_empty() {
        old_spec["volumeName"] = new_spec.get("volumeName").cloned().unwrap_or(Value::Null);
    }
    for s in [&mut old_spec, &mut new_spec] {
        if let Some(m) = s.as_object_mut() {
            m.remove("volumeAttributesClassName");
            if m.get("volumeName").is_some_and(Value::is_null) {
                m.remove("volumeName");
            }
        }
    }
    // The update strategy copies the stored status into `new`; use it directly.
    if str_at(old, "/status/phase") == "Bound" {
        if let Some(req) = old_spec.pointer("/resources/requests/storage").cloned() {
            if let Some(r) = new_spec.pointer_mut("/resources/requests") {
                r["storage"] = req;
            }
        }
    }
    if !semantic_eq(&old_spec, &new_spec) {
        c.push(Cause::forbidden(
            "spec",
            &format!(
                "{PVC_UPDATE_FORBIDDEN}\n{}",
                spec_diff("core.PersistentVolumeClaimSpec", &old_spec, &new_spec)
            ),
        ));
    }
    let old_size = storage_milli(old, "/spec/resources/requests/storage").unwrap_or(0);
    let new_size = storage_milli(new, "/spec/resources/requests/storage").unwrap_or(0);
    let status_size = storage_milli(old, "/status/capacity/storage").unwrap_or(0);
    if new_size < old_size && new_size <= status_size {
        c.push(Cause::forbidden(
            "spec.resources.requests.storage",
            "field can not be less than status.capacity",
        ));
    }
    let ovm = old
        .pointer("/spec/volumeMode")
        .cloned()
        .unwrap_or(Value::Null);
    let nvm = new
        .pointer("/spec/volumeMode")
        .cloned()
        .unwrap_or(Value::Null);
    if ovm != nvm {
        c.push(Cause::invalid("volumeMode", &nvm, "field is immutable"));
    }
    c
}

pub(super) fn pvc_resize_admission(
    old: &Value,
    new: &Value,
    ctx: &UpdateContext,
) -> Result<(), Invalid> {
    let old_size = storage_milli(old, "/spec/resources/requests/storage").unwrap_or(0);
    let new_size = storage_milli(new, "/spec/resources/requests/storage").unwrap_or(0);
    if new_size <= old_size {
        return Ok(());
    }
    let name = str_at(new, "/metadata/name");
    let forbid = |msg: &str| {
        Err(Invalid::forbidden_admission(
            "persistentvolumeclaims",
            "PersistentVolumeClaim",
            "",
            name,
            msg,
        ))
    };
    if str_at(old, "/status/phase") != "Bound" {
        return forbid("Only bound persistent volume claims can be expanded");
    }
    let old_class = str_at(old, "/spec/storageClassName");
    let new_class = str_at(new, "/spec/storageClassName");
    if old_class.is_empty()
        || old_class != new_class
        || ctx.storage_class_allows_expansion != Some(true)
    {
        return forbid(PVC_RESIZE_FORBIDDEN);
    }
    Ok(())
}

pub(super) fn validate_pod_update(old: &Value, new: &Value) -> Vec<Cause> {
    let mut c = Vec::new();
    let old_spec = old.get("spec").cloned().unwrap_or(json!({}));
    let mut new_spec = new.get("spec").cloned().unwrap_or(json!({}));
    let count = |s: &Value, k: &str| s.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    if count(&old_spec, "containers") != count(&new_spec, "containers") {
        c.push(Cause::forbidden(
            "spec.containers",
            "pod updates may not add or remove containers",
        ));
        return c;
    }
    if count(&old_spec, "initContainers") != count(&new_spec, "initContainers") {
        c.push(Cause::forbidden(
            "spec.initContainers",
            "pod updates may not add or remove containers",
        ));
        return c;
    }
    for key in ["containers", "initContainers"] {
        if let (Some(o), Some(n)) = (
            old_spec.get(key).and_then(Value::as_array),
            new_spec.get_mut(key).and_then(Value::as_array_mut),
        ) {
            for (i, nc) in n.iter_mut().enumerate() {
                let img = o[i].get("image").cloned().unwrap_or(Value::Null);
                if nc
                    .get("image")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .is_empty()
                {
                    c.push(Cause::required(&format!("spec.{key}[{i}].image"), ""));
                }
                nc["image"] = img;
            }
        }
    }
    // activeDeadlineSeconds: may be set, or lowered, never unset or raised.
    let oad = old_spec
        .get("activeDeadlineSeconds")
        .and_then(Value::as_i64);
    let nad = new_spec
        .get("activeDeadlineSeconds")
        .and_then(Value::as_i64);
    let ad_ok = match (oad, nad) {
        (_, None) => oad.is_none(),
        (None, Some(n)) => n > 0,
        (Some(o), Some(n)) => n > 0 && n <= o,
    };
    if ad_ok {
        set_or_remove(
            &mut new_spec,
            "activeDeadlineSeconds",
            old_spec.get("activeDeadlineSeconds"),
        );
    }
    // tolerations: only additions to the existing ones.
    let otol = old_spec
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ntol = new_spec
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if otol.iter().all(|t| ntol.iter().any(|n| semantic_eq(n, t))) {
        set_or_remove(&mut new_spec, "tolerations", old_spec.get("tolerations"));
    }
    // terminationGracePeriodSeconds: negative may become 1.
    let ogp = old_spec
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64);
    let ngp = new_spec
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64);
    if ogp.is_some_and(|g| g < 0) && ngp == Some(1) {
        set_or_remove(
            &mut new_spec,
            "terminationGracePeriodSeconds",
            old_spec.get("terminationGracePeriodSeconds"),
        );
    }
    // schedulingGates: may only be removed.
    let og = old_spec
        .get("schedulingGates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ng = new_spec
        .get("schedulingGates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if ng.iter().all(|g| og.contains(g)) {
        set_or_remove(
            &mut new_spec,
            "schedulingGates",
            old_spec.get("schedulingGates"),
        );
    }
    if !semantic_eq(&old_spec, &new_spec) {
        c.push(Cause::forbidden(
            "spec",
            &format!(
                "{POD_UPDATE_FORBIDDEN}\n{}",
                spec_diff("core.PodSpec", &old_spec, &new_spec)
            ),
        ));
    }
    c
}

pub(super) fn set_or_remove(spec: &mut Value, key: &str, value: Option<&Value>) {
    if let Some(m) = spec.as_object_mut() {
        match value {
            Some(v) => {
                m.insert(key.to_string(), v.clone());
            }
            None => {
                m.remove(key);
            }
        }
    }
}

/// Equality after dropping what Go would not distinguish (nulls, empty omitempty values).
pub(super) fn semantic_eq(a: &Value, b: &Value) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    crate::machinery::defaults::go_roundtrip_prune(&mut a);
    crate::machinery::defaults::go_roundtrip_prune(&mut b);
    a == b
}

/// A short `cmp.Diff`-like rendering of the top-level fields that differ.
pub(super) fn spec_diff(type_name: &str, old: &Value, new: &Value) -> String {
    let empty = Map::new();
    let o = old.as_object().unwrap_or(&empty);
    let n = new.as_object().unwrap_or(&empty);
    let keys: std::collections::BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    let mut out = format!("  {type_name}{{\n");
    let mut same = 0;
    for k in keys {
        let (ov, nv) = (o.get(k), n.get(k));
        if ov == nv {
            same += 1;
            continue;
        }
        let go_name = {
            let mut ch = k.chars();
            ch.next()
                .map(|f| f.to_uppercase().collect::<String>() + ch.as_str())
                .unwrap_or_default()
        };
        if let Some(v) = ov {
            out.push_str(&format!("- \t{go_name}: {v},\n"));
        }
        if let Some(v) = nv {
            out.push_str(&format!("+ \t{go_name}: {v},\n"));
        }
    }
    if same > 0 {
        out.push_str(&format!("  \t... // {same} identical fields\n"));
    }
    out.push_str("  }");
    out
}

//! A pod's identity and storage as the set prescribes them: pod and claim names, the pod
//! built from the template for an ordinal and revision, and whether a pod still matches.

use serde_json::{json, Value};

use crate::controllers::statefulset::owners::set_ref;
use crate::controllers::statefulset::pods::{
    is_rolling_update, name_of, ns_of, object_map, partition, rolling_update,
};
use crate::controllers::statefulset::{
    ordinal_of, parent_and_ordinal, start_ordinal, POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL,
};

/// The name of pod `ordinal` of the set.
pub fn pod_name(set: &Value, ordinal: i64) -> String {
    format!("{}-{ordinal}", name_of(set))
}

/// `<template>-<set>-<ordinal>`.
pub fn claim_name(template: &str, set_name: &str, ordinal: i64) -> String {
    format!("{template}-{set_name}-{ordinal}")
}

/// The claims of pod `ordinal`: (template name, claim object) in template order. Labels
/// are the template's plus the selector's `matchLabels`.
pub fn claims_for(set: &Value, ordinal: i64) -> Vec<(String, Value)> {
    let templates = set["spec"]["volumeClaimTemplates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    templates
        .into_iter()
        .map(|mut claim| {
            let template = name_of(&claim).to_string();
            let mut labels = object_map(&claim["metadata"]["labels"]);
            for (k, v) in object_map(&set["spec"]["selector"]["matchLabels"]) {
                labels.insert(k, v);
            }
            claim["metadata"]["name"] = json!(claim_name(&template, name_of(set), ordinal));
            claim["metadata"]["namespace"] = json!(ns_of(set));
            claim["metadata"]["labels"] = Value::Object(labels);
            if let Some(m) = claim.as_object_mut() {
                m.remove("status");
            }
            (template, claim)
        })
        .collect()
}

/// Points one volume per claim template at the pod's claim, replacing same-named
/// volumes of the template (upstream's `updateStorage`).
pub(super) fn update_storage(set: &Value, pod: &mut Value, ordinal: i64) {
    let claims = claims_for(set, ordinal);
    let mut volumes: Vec<Value> = claims
        .iter()
        .map(|(template, claim)| {
            json!({"name": template, "persistentVolumeClaim": {"claimName": name_of(claim)}})
        })
        .collect();
    let current = pod["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    volumes.extend(
        current
            .into_iter()
            .filter(|v| !claims.iter().any(|(t, _)| v["name"] == t.as_str())),
    );
    if volumes.is_empty() {
        if let Some(m) = pod["spec"].as_object_mut() {
            m.remove("volumes");
        }
    } else {
        pod["spec"]["volumes"] = Value::Array(volumes);
    }
}

/// Pod `ordinal` of the set built from its template (upstream's `newStatefulSetPod`).
pub fn new_pod(set: &Value, ordinal: i64) -> Value {
    let template = &set["spec"]["template"];
    let name = pod_name(set, ordinal);
    let mut labels = object_map(&template["metadata"]["labels"]);
    labels.insert(POD_NAME_LABEL.into(), json!(name));
    labels.insert(POD_INDEX_LABEL.into(), json!(ordinal.to_string()));
    let mut meta = json!({
        "name": name,
        "generateName": format!("{}-", name_of(set)),
        "namespace": ns_of(set),
        "labels": labels,
        "ownerReferences": [set_ref(set)],
    });
    for field in ["annotations", "finalizers"] {
        if !template["metadata"][field].is_null() {
            meta[field] = template["metadata"][field].clone();
        }
    }
    let mut spec = template["spec"].clone();
    if !spec.is_object() {
        spec = json!({});
    }
    spec["hostname"] = json!(name);
    match set["spec"]["serviceName"].as_str() {
        Some(svc) if !svc.is_empty() => spec["subdomain"] = json!(svc),
        _ => {}
    }
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec});
    update_storage(set, &mut pod, ordinal);
    pod
}

/// Pod `ordinal` at the revision upstream's `newVersionedStatefulSetPod` picks: the
/// current revision below the partition (or, without a `rollingUpdate` block, below
/// `start + status.currentReplicas`), the update revision otherwise (always for OnDelete).
pub fn new_versioned_pod(
    current_set: &Value,
    update_set: &Value,
    current_revision: &str,
    update_revision: &str,
    ordinal: i64,
) -> Value {
    let start = start_ordinal(current_set);
    let at_current = match rolling_update(current_set) {
        // Upstream's condition reads `RollingUpdate && (nil && below current) || (set && below partition)`.
        None => {
            is_rolling_update(current_set)
                && ordinal
                    < start
                        + current_set["status"]["currentReplicas"]
                            .as_i64()
                            .unwrap_or(0)
        }
        Some(_) => ordinal < start + partition(current_set),
    };
    let (set, rev) = if at_current {
        (current_set, current_revision)
    } else {
        (update_set, update_revision)
    };
    let mut pod = new_pod(set, ordinal);
    pod["metadata"]["labels"][REVISION_LABEL] = json!(rev);
    pod
}

/// Whether the pod carries the identity of its ordinal in the set.
pub fn identity_matches(set: &Value, pod: &Value) -> bool {
    let Some((parent, ordinal)) = parent_and_ordinal(name_of(pod)) else {
        return false;
    };
    parent == name_of(set)
        && ns_of(pod) == ns_of(set)
        && pod["metadata"]["labels"][POD_NAME_LABEL] == name_of(pod)
        && pod["metadata"]["labels"][POD_INDEX_LABEL] == ordinal.to_string().as_str()
}

/// Whether the pod mounts every claim of the set's templates.
pub fn storage_matches(set: &Value, pod: &Value) -> bool {
    let Some(ordinal) = ordinal_of(pod) else {
        return false;
    };
    let volumes = pod["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    claims_for(set, ordinal).iter().all(|(template, claim)| {
        volumes.iter().any(|v| {
            v["name"] == template.as_str()
                && v["persistentVolumeClaim"]["claimName"] == name_of(claim)
        })
    })
}

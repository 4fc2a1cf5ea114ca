//! What a new object's spec must satisfy, per kind: StatefulSet, pod template, claim and
//! Service specs, with upstream's field paths and wording.

use serde_json::{json, Map, Value};

use crate::machinery::quantity::parse_quantity_milli;
use crate::machinery::selectors::selector_matches;
use crate::machinery::validation::names::dns1123_label_errors;
use crate::machinery::validation::{str_at, Cause};

pub(super) fn nonneg(causes: &mut Vec<Cause>, v: &Value, ptr: &str, field: &str) {
    if let Some(n) = v.pointer(ptr).and_then(Value::as_i64) {
        if n < 0 {
            causes.push(Cause::invalid(
                field,
                &json!(n),
                "must be greater than or equal to 0",
            ));
        }
    }
}

pub(super) fn validate_statefulset_spec(spec: &Value) -> Vec<Cause> {
    let mut c = Vec::new();
    match spec
        .get("podManagementPolicy")
        .and_then(Value::as_str)
        .unwrap_or("")
    {
        "" => c.push(Cause::required("spec.podManagementPolicy", "")),
        "OrderedReady" | "Parallel" => {}
        other => c.push(Cause::invalid(
            "spec.podManagementPolicy",
            &json!(other),
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let us = spec.get("updateStrategy").cloned().unwrap_or(json!({}));
    let ru = us.get("rollingUpdate").filter(|r| !r.is_null());
    match us.get("type").and_then(Value::as_str).unwrap_or("") {
        "" => c.push(Cause::required("spec.updateStrategy", "")),
        "OnDelete" => {
            if let Some(ru) = ru {
                c.push(Cause::invalid(
                    "spec.updateStrategy.rollingUpdate",
                    ru,
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = ru {
                nonneg(
                    &mut c,
                    ru,
                    "/partition",
                    "spec.updateStrategy.rollingUpdate.partition",
                );
                if let Some(mu) = ru.get("maxUnavailable").filter(|m| !m.is_null()) {
                    let field = "spec.updateStrategy.rollingUpdate.maxUnavailable";
                    match mu {
                        Value::Number(n) => {
                            let n = n.as_i64().unwrap_or(0);
                            if n < 0 {
                                c.push(Cause::invalid(field, mu, "must be greater than or equal to 0"));
                            } else if n == 0 {
                                c.push(Cause::invalid(field, mu, "must be greater than 0"));
                            }
                        }
                        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
                            None => c.push(Cause::invalid(field, mu, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")),
                            Some(p) if p > 100 => c.push(Cause::invalid(field, mu, "must not be greater than 100%")),
                            Some(0) => c.push(Cause::invalid(field, mu, "must be greater than 0")),
                            _ => {}
                        },
                        _ => {}
                    }
                }
            }
        }
        _ => c.push(Cause::invalid(
            "spec.updateStrategy",
            &us,
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    if let Some(p) = spec
        .get("persistentVolumeClaimRetentionPolicy")
        .filter(|p| p.is_object())
    {
        for k in ["whenDeleted", "whenScaled"] {
            let v = p.get(k).cloned().unwrap_or(json!(""));
            if !matches!(v.as_str(), Some("Retain") | Some("Delete")) {
                c.push(Cause::not_supported(
                    &format!("spec.persistentVolumeClaimRetentionPolicy.{k}"),
                    &v,
                    &["Retain", "Delete"],
                ));
            }
        }
    }
    nonneg(&mut c, spec, "/replicas", "spec.replicas");
    nonneg(&mut c, spec, "/minReadySeconds", "spec.minReadySeconds");
    nonneg(&mut c, spec, "/ordinals/start", "spec.ordinals.start");
    let template = spec.get("template").cloned().unwrap_or(json!({}));
    match spec.get("selector").filter(|s| !s.is_null()) {
        None => c.push(Cause::required("spec.selector", "")),
        Some(sel) => {
            let ml = sel
                .get("matchLabels")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            let me = sel
                .get("matchExpressions")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if ml + me == 0 {
                c.push(Cause::invalid(
                    "spec.selector",
                    sel,
                    "empty selector is invalid for statefulset",
                ));
            } else {
                let labels = template
                    .pointer("/metadata/labels")
                    .cloned()
                    .unwrap_or(json!({}));
                if !selector_matches(sel, &labels) {
                    c.push(Cause::invalid(
                        "spec.template.metadata.labels",
                        &labels,
                        "`selector` does not match template `labels`",
                    ));
                }
            }
        }
    }
    let tspec = template.get("spec").cloned().unwrap_or(json!({}));
    c.extend(validate_pod_spec(&tspec, "spec.template.spec"));
    let rp = tspec.get("restartPolicy").cloned().unwrap_or(json!(""));
    if rp != "Always" {
        c.push(Cause::not_supported(
            "spec.template.spec.restartPolicy",
            &rp,
            &["Always"],
        ));
    }
    if tspec
        .get("activeDeadlineSeconds")
        .is_some_and(|v| !v.is_null())
    {
        c.push(Cause::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    c
}

pub(super) fn validate_pod_spec(spec: &Value, path: &str) -> Vec<Cause> {
    let mut c = Vec::new();
    let containers = spec.get("containers").and_then(Value::as_array);
    if containers.is_none_or(|a| a.is_empty()) {
        c.push(Cause::required(&format!("{path}.containers"), ""));
    }
    for (key, list) in [
        ("containers", containers),
        (
            "initContainers",
            spec.get("initContainers").and_then(Value::as_array),
        ),
    ] {
        let mut seen = Vec::new();
        for (i, ct) in list.into_iter().flatten().enumerate() {
            let p = format!("{path}.{key}[{i}]");
            let name = ct.get("name").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() {
                c.push(Cause::required(&format!("{p}.name"), ""));
            } else {
                for e in dns1123_label_errors(name) {
                    c.push(Cause::invalid(&format!("{p}.name"), &json!(name), &e));
                }
                if seen.contains(&name) {
                    c.push(Cause::new(
                        &format!("{p}.name"),
                        "FieldValueDuplicate",
                        format!("Duplicate value: {name:?}"),
                    ));
                }
                seen.push(name);
            }
            if ct
                .get("image")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .is_empty()
            {
                c.push(Cause::required(&format!("{p}.image"), ""));
            }
            for (j, port) in ct
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let cp = port
                    .get("containerPort")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let pp = format!("{p}.ports[{j}].containerPort");
                if cp == 0 {
                    c.push(Cause::required(&pp, ""));
                } else if !(1..=65535).contains(&cp) {
                    c.push(Cause::invalid(
                        &pp,
                        &json!(cp),
                        "must be between 1 and 65535, inclusive",
                    ));
                }
            }
        }
    }
    c
}

pub(super) fn validate_pvc_spec(spec: &Value, path: &str) -> Vec<Cause> {
    let mut c = Vec::new();
    let modes = spec.get("accessModes").and_then(Value::as_array);
    if modes.is_none_or(|m| m.is_empty()) {
        c.push(Cause::required(
            &format!("{path}.accessModes"),
            "at least 1 access mode is required",
        ));
    }
    for m in modes.into_iter().flatten() {
        let ok = [
            "ReadWriteOnce",
            "ReadOnlyMany",
            "ReadWriteMany",
            "ReadWriteOncePod",
        ];
        if !m.as_str().is_some_and(|s| ok.contains(&s)) {
            c.push(Cause::not_supported(&format!("{path}.accessModes"), m, &ok));
        }
    }
    match spec.pointer("/resources/requests/storage") {
        None | Some(Value::Null) => {
            c.push(Cause::required(&format!("{path}.resources[storage]"), ""))
        }
        Some(q) => {
            let s = match q {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match parse_quantity_milli(&s) {
                Err(e) => c.push(Cause::invalid(
                    &format!("{path}.resources.requests[storage]"),
                    q,
                    &e,
                )),
                Ok(0) => c.push(Cause::invalid(
                    &format!("{path}.resources.requests[storage]"),
                    q,
                    "must be greater than zero",
                )),
                Ok(_) => {}
            }
        }
    }
    c
}

pub(super) fn validate_service_spec(spec: &Value) -> Vec<Cause> {
    let mut c = Vec::new();
    let ty = spec.get("type").cloned().unwrap_or(json!("ClusterIP"));
    let types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    if !ty.as_str().is_some_and(|t| types.contains(&t)) {
        c.push(Cause::not_supported("spec.type", &ty, &types));
    }
    let ports = spec.get("ports").and_then(Value::as_array);
    if ty != "ExternalName"
        && ports.is_none_or(|p| p.is_empty())
        && str_at(spec, "/clusterIP") != "None"
    {
        c.push(Cause::required("spec.ports", ""));
    }
    for (i, p) in ports.into_iter().flatten().enumerate() {
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            c.push(Cause::invalid(
                &format!("spec.ports[{i}].port"),
                &json!(port),
                "must be between 1 and 65535, inclusive",
            ));
        }
    }
    c
}

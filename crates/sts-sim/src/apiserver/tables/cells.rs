//! A Table row's cells per kind, and the formatting they share: ages as upstream's
//! `duration.HumanDuration`, quantities, access modes, labels and container lists.

use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::apiserver::tables::kind_cells::{
    event_cells, format_endpoints, node_cells, pod_cells, service_cells,
};

pub(super) fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

pub(super) fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn parse_ts(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

/// Upstream `translateTimestampSince`: `<unknown>` for a missing time, else the human age.
pub fn age_since(ts: Option<&str>, now: Timestamp) -> String {
    match ts.and_then(parse_ts) {
        None => "<unknown>".into(),
        Some(t) => human_duration(
            now.as_second()
                - t.as_second()
                - i64::from(now.subsec_nanosecond() < t.subsec_nanosecond()),
        ),
    }
}

/// Upstream `duration.HumanDuration` for a number of whole seconds.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

pub(super) fn age(item: &Value, now: Timestamp) -> Value {
    json!(age_since(
        item.pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str),
        now
    ))
}

pub(super) fn name(item: &Value) -> Value {
    json!(str_at(item, "/metadata/name"))
}

/// The cells of one row (all columns, priority-1 ones included).
pub fn row_cells(resource_plural: &str, item: &Value, now: Timestamp) -> Vec<Value> {
    match resource_plural {
        "pods" => pod_cells(item, now),
        "statefulsets" => {
            let (names, images) = container_cells(arr(item, "/spec/template/spec/containers"));
            let desired = item
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let ready = item
                .pointer("/status/readyReplicas")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            vec![
                name(item),
                json!(format!("{ready}/{desired}")),
                age(item, now),
                json!(names),
                json!(images),
            ]
        }
        "services" => service_cells(item, now),
        "persistentvolumeclaims" => {
            let mut phase = str_at(item, "/status/phase").to_string();
            if item
                .pointer("/metadata/deletionTimestamp")
                .is_some_and(|v| !v.is_null())
            {
                phase = "Terminating".into();
            }
            let volume = str_at(item, "/spec/volumeName");
            let (capacity, modes) = if volume.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    quantity_string(item.pointer("/status/capacity/storage")),
                    access_modes(arr(item, "/status/accessModes")),
                )
            };
            vec![
                name(item),
                json!(phase),
                json!(volume),
                json!(capacity),
                json!(modes),
                json!(storage_class(item)),
                json!(unset_or(str_at(item, "/spec/volumeAttributesClassName"))),
                age(item, now),
                json!(unset_or(str_at(item, "/spec/volumeMode"))),
            ]
        }
        "persistentvolumes" => {
            let mut phase = str_at(item, "/status/phase").to_string();
            if item
                .pointer("/metadata/deletionTimestamp")
                .is_some_and(|v| !v.is_null())
            {
                phase = "Terminating".into();
            }
            let claim = match item.pointer("/spec/claimRef").filter(|c| !c.is_null()) {
                Some(c) => format!("{}/{}", str_at(c, "/namespace"), str_at(c, "/name")),
                None => String::new(),
            };
            let cap = item.pointer("/spec/capacity/storage");
            vec![
                name(item),
                json!(if cap.is_some() {
                    quantity_string(cap)
                } else {
                    "0".into()
                }),
                json!(access_modes(arr(item, "/spec/accessModes"))),
                json!(str_at(item, "/spec/persistentVolumeReclaimPolicy")),
                json!(phase),
                json!(claim),
                json!(storage_class(item)),
                json!(unset_or(str_at(item, "/spec/volumeAttributesClassName"))),
                json!(str_at(item, "/status/reason")),
                age(item, now),
                json!(unset_or(str_at(item, "/spec/volumeMode"))),
            ]
        }
        "controllerrevisions" => {
            let controller = arr(item, "/metadata/ownerReferences")
                .iter()
                .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
                .map(|r| {
                    let api_version = str_at(r, "/apiVersion");
                    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
                    let kind = str_at(r, "/kind");
                    let gk = if group.is_empty() {
                        kind.to_string()
                    } else {
                        format!("{kind}.{group}")
                    };
                    if gk.is_empty() {
                        str_at(r, "/name").to_string()
                    } else {
                        format!("{}/{}", gk.to_lowercase(), str_at(r, "/name"))
                    }
                })
                .unwrap_or_else(|| "<none>".into());
            vec![
                name(item),
                json!(controller),
                item.get("revision").cloned().unwrap_or(json!(0)),
                age(item, now),
            ]
        }
        "nodes" => node_cells(item, now),
        "namespaces" => vec![
            name(item),
            json!(str_at(item, "/status/phase")),
            age(item, now),
        ],
        "events" => event_cells(item, now),
        "endpoints" => vec![name(item), json!(format_endpoints(item)), age(item, now)],
        "storageclasses" => {
            let ann = |k: &str| {
                item.pointer("/metadata/annotations")
                    .and_then(|a| a.get(k))
                    .and_then(Value::as_str)
            };
            let default = ann("storageclass.kubernetes.io/is-default-class") == Some("true")
                || ann("storageclass.beta.kubernetes.io/is-default-class") == Some("true");
            let mut n = str_at(item, "/metadata/name").to_string();
            if default {
                n.push_str(" (default)");
            }
            let or = |p: &str, d: &str| {
                let s = str_at(item, p);
                if s.is_empty() {
                    d.to_string()
                } else {
                    s.to_string()
                }
            };
            vec![
                json!(n),
                json!(str_at(item, "/provisioner")),
                json!(or("/reclaimPolicy", "Delete")),
                json!(or("/volumeBindingMode", "Immediate")),
                json!(item
                    .get("allowVolumeExpansion")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)),
                age(item, now),
            ]
        }
        "configmaps" => {
            let n = ["data", "binaryData"]
                .iter()
                .filter_map(|k| item.get(*k).and_then(Value::as_object))
                .map(Map::len)
                .sum::<usize>();
            vec![name(item), json!(n), age(item, now)]
        }
        "secrets" => {
            let n = item
                .get("data")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            vec![
                name(item),
                json!(str_at(item, "/type")),
                json!(n),
                age(item, now),
            ]
        }
        "serviceaccounts" => vec![
            name(item),
            json!(arr(item, "/secrets").len()),
            age(item, now),
        ],
        other => crate::machinery::kinds::row_cells(other, item, |i| age(i, now))
            .unwrap_or_else(|| vec![name(item), age(item, now)]),
    }
}

pub(super) fn unset_or(s: &str) -> String {
    if s.is_empty() {
        "<unset>".into()
    } else {
        s.into()
    }
}

pub(super) fn quantity_string(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => {
            crate::machinery::quantity::canonical_quantity(s).unwrap_or_else(|| s.clone())
        }
        Some(Value::Number(n)) => {
            crate::machinery::quantity::canonical_quantity(&n.to_string()).unwrap_or_default()
        }
        _ => "0".into(),
    }
}

/// Upstream `GetAccessModesAsString`: `RWO,ROX,RWX,RWOP` order, duplicates removed.
pub fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v.as_str() == Some(m));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(m, _)| has(m))
    .map(|(_, s)| *s)
    .collect::<Vec<_>>()
    .join(",")
}

pub(super) fn storage_class(item: &Value) -> String {
    if let Some(c) = item
        .pointer("/metadata/annotations")
        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
        .and_then(Value::as_str)
    {
        return c.to_string();
    }
    str_at(item, "/spec/storageClassName").to_string()
}

pub(super) fn container_cells(containers: &[Value]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| str_at(c, "/name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| str_at(c, "/image")).collect();
    (names.join(","), images.join(","))
}

/// `k=v,k2=v2` sorted by key, `<none>` when empty (upstream `labels.FormatLabels`).
pub(super) fn format_labels(m: Option<&Value>) -> String {
    let Some(m) = m.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        return "<none>".into();
    };
    let mut pairs: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    pairs.sort();
    pairs.join(",")
}

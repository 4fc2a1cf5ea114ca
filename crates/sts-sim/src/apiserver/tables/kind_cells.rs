//! The cells of the kinds whose columns take real logic: pods (status reason, restarts,
//! readiness gates), services (ports, external IPs), nodes (roles, status), events, endpoints.

use jiff::Timestamp;
use serde_json::{json, Value};

use crate::apiserver::tables::age_since;
use crate::apiserver::tables::cells::{age, arr, format_labels, name, parse_ts, str_at};

pub(super) fn pod_cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let spec = pod.get("spec").cloned().unwrap_or(json!({}));
    let status = pod.get("status").cloned().unwrap_or(json!({}));
    let init_specs = arr(&spec, "/initContainers");
    let restartable = |name: &str| {
        init_specs
            .iter()
            .any(|c| str_at(c, "/name") == name && str_at(c, "/restartPolicy") == "Always")
    };
    let total = arr(&spec, "/containers").len()
        + init_specs
            .iter()
            .filter(|c| str_at(c, "/restartPolicy") == "Always")
            .count();
    let mut ready = 0usize;
    let mut restarts: i64 = 0;
    let mut restartable_restarts: i64 = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_restart: Option<Timestamp> = None;
    let phase = str_at(&status, "/phase").to_string();
    let mut reason = phase.clone();
    if !str_at(&status, "/reason").is_empty() {
        reason = str_at(&status, "/reason").to_string();
    }
    let conditions = arr(&status, "/conditions");
    if conditions
        .iter()
        .any(|c| str_at(c, "/type") == "PodScheduled" && str_at(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }
    let finished = |c: &Value| {
        c.pointer("/lastTerminationState/terminated/finishedAt")
            .and_then(Value::as_str)
            .and_then(parse_ts)
    };
    let later = |a: Option<Timestamp>, b: Option<Timestamp>| match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let mut initializing = false;
    let init_statuses = arr(&status, "/initContainerStatuses");
    let n_init = init_specs.len();
    for (i, c) in init_statuses.iter().enumerate() {
        let rc = c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
        restarts += rc;
        last_restart = later(last_restart, finished(c));
        let name = str_at(c, "/name");
        if restartable(name) {
            restartable_restarts += rc;
            last_restartable_restart = later(last_restartable_restart, finished(c));
        }
        let term = c.pointer("/state/terminated").filter(|t| !t.is_null());
        let waiting = c.pointer("/state/waiting").filter(|t| !t.is_null());
        if term.is_some_and(|t| t.get("exitCode").and_then(Value::as_i64).unwrap_or(0) == 0) {
            continue;
        }
        if restartable(name) && c.get("started").and_then(Value::as_bool) == Some(true) {
            if c.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = term {
            let r = str_at(t, "/reason");
            reason = if r.is_empty() {
                let sig = t.get("signal").and_then(Value::as_i64).unwrap_or(0);
                if sig != 0 {
                    format!("Init:Signal:{sig}")
                } else {
                    format!(
                        "Init:ExitCode:{}",
                        t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)
                    )
                }
            } else {
                format!("Init:{r}")
            };
        } else if let Some(w) = waiting.filter(|w| {
            let r = str_at(w, "/reason");
            !r.is_empty() && r != "PodInitializing"
        }) {
            reason = format!("Init:{}", str_at(w, "/reason"));
        } else {
            reason = format!("Init:{i}/{n_init}");
        }
        initializing = true;
        break;
    }
    let initialized = conditions
        .iter()
        .any(|c| str_at(c, "/type") == "Initialized" && str_at(c, "/status") == "True");
    if !initializing || initialized {
        restarts = restartable_restarts;
        last_restart = last_restartable_restart;
        let mut has_running = false;
        for c in arr(&status, "/containerStatuses").iter().rev() {
            restarts += c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
            last_restart = later(last_restart, finished(c));
            let waiting = c.pointer("/state/waiting").filter(|t| !t.is_null());
            let term = c.pointer("/state/terminated").filter(|t| !t.is_null());
            let running = c.pointer("/state/running").filter(|t| !t.is_null());
            if let Some(w) = waiting.filter(|w| !str_at(w, "/reason").is_empty()) {
                reason = str_at(w, "/reason").to_string();
            } else if let Some(t) = term.filter(|t| !str_at(t, "/reason").is_empty()) {
                reason = str_at(t, "/reason").to_string();
            } else if let Some(t) = term {
                let sig = t.get("signal").and_then(Value::as_i64).unwrap_or(0);
                reason = if sig != 0 {
                    format!("Signal:{sig}")
                } else {
                    format!(
                        "ExitCode:{}",
                        t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)
                    )
                };
            } else if c.get("ready").and_then(Value::as_bool) == Some(true) && running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| str_at(c, "/type") == "Ready" && str_at(c, "/status") == "True");
            reason = if pod_ready {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    let deleting = pod
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null());
    if deleting && str_at(&status, "/reason") == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }
    let restarts_str = match last_restart {
        Some(t) if restarts != 0 => {
            format!("{restarts} ({} ago)", age_since(Some(&t.to_string()), now))
        }
        _ => restarts.to_string(),
    };
    let mut ip = arr(&status, "/podIPs")
        .first()
        .map(|p| str_at(p, "/ip").to_string())
        .unwrap_or_else(|| str_at(&status, "/podIP").to_string());
    if ip.is_empty() {
        ip = "<none>".into();
    }
    let none_if_empty = |s: &str| {
        if s.is_empty() {
            "<none>".to_string()
        } else {
            s.to_string()
        }
    };
    let gates = arr(&spec, "/readinessGates");
    let readiness = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let t = gates
            .iter()
            .filter(|g| {
                let ty = str_at(g, "/conditionType");
                conditions
                    .iter()
                    .find(|c| str_at(c, "/type") == ty)
                    .is_some_and(|c| str_at(c, "/status") == "True")
            })
            .count();
        format!("{t}/{}", gates.len())
    };
    vec![
        name(pod),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_str),
        age(pod, now),
        json!(ip),
        json!(none_if_empty(str_at(&spec, "/nodeName"))),
        json!(none_if_empty(str_at(&status, "/nominatedNodeName"))),
        json!(readiness),
    ]
}

pub(super) fn service_cells(svc: &Value, now: Timestamp) -> Vec<Value> {
    let ty = str_at(svc, "/spec/type");
    let ty = if ty.is_empty() { "ClusterIP" } else { ty };
    let cluster_ip = arr(svc, "/spec/clusterIPs")
        .first()
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| Some(str_at(svc, "/spec/clusterIP").to_string()).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "<none>".into());
    let external: Vec<String> = arr(svc, "/spec/externalIPs")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let external_ip = match ty {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".to_string()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let mut lb: Vec<String> = arr(svc, "/status/loadBalancer/ingress")
                .iter()
                .filter_map(|i| {
                    let ip = str_at(i, "/ip");
                    let host = str_at(i, "/hostname");
                    if !ip.is_empty() {
                        Some(ip.to_string())
                    } else if !host.is_empty() {
                        Some(host.to_string())
                    } else {
                        None
                    }
                })
                .collect();
            lb.sort();
            lb.dedup();
            if !external.is_empty() {
                lb.extend(external);
                lb.join(",")
            } else if !lb.is_empty() {
                lb.join(",")
            } else {
                "<pending>".to_string()
            }
        }
        "ExternalName" => str_at(svc, "/spec/externalName").to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = arr(svc, "/spec/ports")
        .iter()
        .map(|p| {
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            let proto = str_at(p, "/protocol");
            let node_port = p.get("nodePort").and_then(Value::as_i64).unwrap_or(0);
            if node_port > 0 {
                format!("{port}:{node_port}/{proto}")
            } else {
                format!("{port}/{proto}")
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    vec![
        name(svc),
        json!(ty),
        json!(cluster_ip),
        json!(external_ip),
        json!(ports),
        age(svc, now),
        json!(format_labels(svc.pointer("/spec/selector"))),
    ]
}

pub(super) fn node_cells(node: &Value, now: Timestamp) -> Vec<Value> {
    let mut status: Vec<String> = Vec::new();
    if let Some(c) = arr(node, "/status/conditions")
        .iter()
        .rev()
        .find(|c| str_at(c, "/type") == "Ready")
    {
        status.push(if str_at(c, "/status") == "True" {
            "Ready".into()
        } else {
            "NotReady".into()
        });
    }
    if status.is_empty() {
        status.push("Unknown".into());
    }
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled".into());
    }
    let mut roles: Vec<String> = node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .filter_map(|(k, v)| {
                    if let Some(r) = k.strip_prefix("node-role.kubernetes.io/") {
                        (!r.is_empty()).then(|| r.to_string())
                    } else if k == "kubernetes.io/role" {
                        v.as_str().filter(|v| !v.is_empty()).map(str::to_string)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    roles.dedup();
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    };
    let addr = |ty: &str| {
        arr(node, "/status/addresses")
            .iter()
            .find(|a| str_at(a, "/type") == ty)
            .map(|a| str_at(a, "/address").to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    let info = |k: &str| {
        let s = str_at(node, &format!("/status/nodeInfo/{k}"));
        if s.is_empty() {
            "<unknown>".to_string()
        } else {
            s.to_string()
        }
    };
    vec![
        name(node),
        json!(status.join(",")),
        json!(roles),
        age(node, now),
        json!(str_at(node, "/status/nodeInfo/kubeletVersion")),
        json!(addr("InternalIP")),
        json!(addr("ExternalIP")),
        json!(info("osImage")),
        json!(info("kernelVersion")),
        json!(info("containerRuntimeVersion")),
    ]
}

pub(super) fn event_cells(ev: &Value, now: Timestamp) -> Vec<Value> {
    let ts = |p: &str| {
        ev.pointer(p)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let first = match ts("/firstTimestamp") {
        Some(t) => age_since(Some(t), now),
        None => age_since(ts("/eventTime"), now),
    };
    let mut last = match ts("/lastTimestamp") {
        Some(t) => age_since(Some(t), now),
        None => first.clone(),
    };
    let mut count = ev.get("count").and_then(Value::as_i64).unwrap_or(0);
    if let Some(series) = ev.get("series").filter(|s| !s.is_null()) {
        last = age_since(series.get("lastObservedTime").and_then(Value::as_str), now);
        count = series.get("count").and_then(Value::as_i64).unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let kind = str_at(ev, "/involvedObject/kind").to_lowercase();
    let obj_name = str_at(ev, "/involvedObject/name");
    let target = if obj_name.is_empty() {
        kind
    } else {
        format!("{kind}/{obj_name}")
    };
    let component = [
        str_at(ev, "/source/component"),
        str_at(ev, "/reportingComponent"),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or("");
    let host = [str_at(ev, "/source/host"), str_at(ev, "/reportingInstance")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let source = if host.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {host}")
    };
    vec![
        json!(last),
        json!(str_at(ev, "/type")),
        json!(str_at(ev, "/reason")),
        json!(target),
        json!(str_at(ev, "/involvedObject/fieldPath")),
        json!(source),
        json!(str_at(ev, "/message").trim()),
        json!(first),
        json!(count),
        name(ev),
    ]
}

/// Upstream `formatEndpoints`: up to three `ip:port` entries, then `+ N more...`.
pub(super) fn format_endpoints(ep: &Value) -> String {
    let subsets = arr(ep, "/subsets");
    if subsets.is_empty() {
        return "<none>".into();
    }
    let max = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for ss in subsets {
        let addrs = arr(ss, "/addresses");
        let ports = arr(ss, "/ports");
        if ports.is_empty() {
            count += addrs.len();
            for a in addrs {
                if list.len() == max {
                    more = true;
                    break;
                }
                list.push(str_at(a, "/ip").to_string());
            }
            continue;
        }
        for p in ports {
            count += addrs.len();
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            for a in addrs {
                if list.len() == max {
                    more = true;
                    break;
                }
                let ip = str_at(a, "/ip");
                if ip.contains(':') {
                    list.push(format!("[{ip}]:{port}"));
                } else {
                    list.push(format!("{ip}:{port}"));
                }
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - max)
    } else {
        ret
    }
}

//! The endpoints controller: for every Service with a selector, an Endpoints object of the
//! same name listing the selected pods that have an IP, Ready ones under `addresses` and the
//! others under `notReadyAddresses` (everything under `addresses` with
//! `publishNotReadyAddresses`), grouped into subsets by their resolved ports. Pods get their
//! `hostname` when their `subdomain` names the Service, which is what per-pod DNS of a
//! StatefulSet's headless Service rests on. Objects are written only when they change, and
//! removed with their Service.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use super::objects::{is_deleting, meta, pod_finished, pod_ready};
use super::wake::wait_for_change;
use crate::machinery::api;
use crate::machinery::resources::{ENDPOINTS, PODS, SERVICES};
use crate::machinery::selectors::set_matches;
use crate::machinery::store::{Event, Obj};
use crate::state::{SharedState, State};

/// Label upstream puts on the Endpoints of a headless Service.
const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

/// Resolves a Service port's `targetPort` against a pod (named ports via `containerPort`s).
fn resolve_port(svc_port: &Value, pod: &Value) -> Option<i64> {
    let protocol = svc_port["protocol"].as_str().unwrap_or("TCP");
    match &svc_port["targetPort"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if !s.is_empty() => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => pod["spec"]["containers"].as_array()?.iter().find_map(|c| {
                c["ports"].as_array()?.iter().find_map(|p| {
                    let same_protocol = p["protocol"].as_str().unwrap_or("TCP") == protocol;
                    (p["name"] == s.as_str() && same_protocol)
                        .then(|| p["containerPort"].as_i64())?
                })
            }),
        },
        _ => svc_port["port"].as_i64(),
    }
}

fn endpoint_port(svc_port: &Value, port: i64) -> Value {
    let mut p = json!({"port": port, "protocol": svc_port["protocol"].as_str().unwrap_or("TCP")});
    if let Some(name) = svc_port["name"].as_str().filter(|n| !n.is_empty()) {
        p["name"] = json!(name);
    }
    if let Some(app) = svc_port["appProtocol"].as_str() {
        p["appProtocol"] = json!(app);
    }
    p
}

fn address(svc: &Value, pod: &Value) -> Value {
    let mut a = json!({
        "ip": pod["status"]["podIP"],
        "targetRef": {
            "kind": "Pod",
            "namespace": meta(pod, "namespace"),
            "name": meta(pod, "name"),
            "uid": meta(pod, "uid"),
        },
    });
    if let Some(node) = pod["spec"]["nodeName"].as_str().filter(|n| !n.is_empty()) {
        a["nodeName"] = json!(node);
    }
    let hostname = pod["spec"]["hostname"].as_str().unwrap_or("");
    if !hostname.is_empty()
        && pod["spec"]["subdomain"] == meta(svc, "name")
        && meta(pod, "namespace") == meta(svc, "namespace")
    {
        a["hostname"] = json!(hostname);
    }
    a
}

/// One subset in the making: its ports, ready and not-ready addresses.
type Group = (Vec<Value>, Vec<Value>, Vec<Value>);

/// The subsets a Service's Endpoints should hold, from the pods of its namespace (pure).
pub(crate) fn desired_subsets(svc: &Value, pods: &[Obj]) -> Vec<Value> {
    let Some(selector) = svc["spec"]["selector"]
        .as_object()
        .filter(|s| !s.is_empty())
    else {
        return Vec::new();
    };
    let publish_not_ready = svc["spec"]["publishNotReadyAddresses"] == true;
    let headless = svc["spec"]["clusterIP"] == "None";
    let svc_ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
    if svc_ports.is_empty() && !headless {
        return Vec::new();
    }
    // Ports (as JSON text, for grouping) -> (ready addresses, not-ready addresses).
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for pod in pods {
        if meta(pod, "namespace") != meta(svc, "namespace")
            || !set_matches(selector, &pod["metadata"]["labels"])
        {
            continue;
        }
        if pod_finished(pod) || (is_deleting(pod) && !publish_not_ready) {
            continue;
        }
        if pod["status"]["podIP"].as_str().unwrap_or("").is_empty() {
            continue;
        }
        let ports: Vec<Value> = svc_ports
            .iter()
            .filter_map(|sp| resolve_port(sp, pod).map(|n| endpoint_port(sp, n)))
            .collect();
        if ports.is_empty() && !svc_ports.is_empty() {
            continue;
        }
        let key = Value::Array(ports.clone()).to_string();
        let entry = groups
            .entry(key)
            .or_insert_with(|| (ports, Vec::new(), Vec::new()));
        if publish_not_ready || pod_ready(pod) {
            entry.1.push(address(svc, pod));
        } else {
            entry.2.push(address(svc, pod));
        }
    }
    let by_ip = |a: &Value, b: &Value| {
        let ip = |v: &Value| {
            v["ip"]
                .as_str()
                .and_then(|s| s.parse::<std::net::IpAddr>().ok())
        };
        ip(a).cmp(&ip(b)).then_with(|| {
            a["targetRef"]["uid"]
                .as_str()
                .cmp(&b["targetRef"]["uid"].as_str())
        })
    };
    groups
        .into_values()
        .map(|(ports, mut ready, mut not_ready)| {
            ready.sort_by(by_ip);
            not_ready.sort_by(by_ip);
            let mut subset = json!({});
            if !ready.is_empty() {
                subset["addresses"] = Value::Array(ready);
            }
            if !not_ready.is_empty() {
                subset["notReadyAddresses"] = Value::Array(not_ready);
            }
            if !ports.is_empty() {
                subset["ports"] = Value::Array(ports);
            }
            subset
        })
        .collect()
}

/// The labels of a Service's Endpoints: the Service's own, plus the headless marker.
fn desired_labels(svc: &Value) -> Value {
    let mut labels = svc["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if svc["spec"]["clusterIP"] == "None" {
        labels.insert(HEADLESS_LABEL.to_string(), json!(""));
    }
    Value::Object(labels)
}

/// Endpoints controller state kept between passes.
#[derive(Default)]
struct Controller {
    /// Endpoints this controller maintains, by (namespace, name).
    managed: HashSet<(String, String)>,
}

impl Controller {
    fn pass(&mut self, state: &State) {
        let services = state.store.list(&SERVICES, None).0;
        let pods = state.store.list(&PODS, None).0;
        let mut wanted: HashSet<(String, String)> = HashSet::new();
        for svc in &services {
            if svc["spec"]["selector"]
                .as_object()
                .is_none_or(|s| s.is_empty())
            {
                continue;
            }
            let (ns, name) = (meta(svc, "namespace"), meta(svc, "name"));
            wanted.insert((ns.to_string(), name.to_string()));
            let subsets = desired_subsets(svc, &pods);
            let labels = desired_labels(svc);
            let apply = |ep: &mut Value| {
                let mut changed = false;
                let current = ep.get("subsets").cloned().unwrap_or(Value::Null);
                let empty_now = current.as_array().is_none_or(|a| a.is_empty());
                if !(subsets.is_empty() && empty_now) && current != Value::Array(subsets.clone()) {
                    if subsets.is_empty() {
                        if let Some(m) = ep.as_object_mut() {
                            m.remove("subsets");
                        }
                    } else {
                        ep["subsets"] = Value::Array(subsets.clone());
                    }
                    changed = true;
                }
                if ep["metadata"]["labels"] != labels {
                    ep["metadata"]["labels"] = labels.clone();
                    changed = true;
                }
                changed
            };
            match state.store.get(&ENDPOINTS, ns, name) {
                Some(_) => {
                    let _ = state.store.modify(&ENDPOINTS, ns, name, |ep| Ok(apply(ep)));
                }
                None => {
                    let mut ep = json!({"metadata": {"name": name, "namespace": ns}});
                    apply(&mut ep);
                    let _ = api::create(state, &ENDPOINTS, ns, ep, false);
                }
            }
            self.managed.insert((ns.to_string(), name.to_string()));
        }
        let stale: Vec<(String, String)> = self.managed.difference(&wanted).cloned().collect();
        for (ns, name) in stale {
            if state.store.get(&SERVICES, &ns, &name).is_none() {
                let _ = state.store.remove(&ENDPOINTS, &ns, &name);
            }
            self.managed.remove(&(ns, name));
        }
    }
}

fn relevant(ev: &Event) -> bool {
    matches!(ev.rt.plural, "services" | "pods" | "endpoints")
}

/// Runs the endpoints controller until the runtime stops.
pub async fn run(state: SharedState) {
    let mut rx = state.store.subscribe();
    let mut controller = Controller::default();
    loop {
        state.faults.wait_unpaused().await;
        controller.pass(&state);
        wait_for_change(&mut rx, relevant, None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::kubelet;
    use crate::controllers::test_support::{cluster, pod, wait_for};
    use crate::options::ClusterOptions;

    fn sts_pod(name: &str, image: &str) -> Value {
        let mut p = pod(name, image, &[]);
        p["spec"]["hostname"] = json!(name);
        p["spec"]["subdomain"] = json!("web");
        p
    }

    #[test]
    fn named_ports_resolve_and_group() {
        let svc = json!({"metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "clusterIP": "None",
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}});
        let mut a = sts_pod("web-0", "nginx");
        a["metadata"]["namespace"] = json!("default");
        a["status"] =
            json!({"podIP": "10.244.1.2", "conditions": [{"type": "Ready", "status": "True"}]});
        let mut b = a.clone();
        b["metadata"]["name"] = json!("web-1");
        b["spec"]["hostname"] = json!("web-1");
        b["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(9090);
        b["status"] = json!({"podIP": "10.244.2.2"});
        let subsets = desired_subsets(&svc, &[std::sync::Arc::new(a), std::sync::Arc::new(b)]);
        assert_eq!(subsets.len(), 2);
        assert_eq!(subsets[0]["ports"][0]["port"], 8080);
        assert_eq!(subsets[0]["addresses"][0]["hostname"], "web-0");
        assert_eq!(subsets[1]["ports"][0]["port"], 9090);
        assert_eq!(subsets[1]["notReadyAddresses"][0]["hostname"], "web-1");
    }

    #[tokio::test]
    async fn endpoints_track_ready_and_not_ready_pods() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        tokio::spawn(kubelet::run(state.clone()));
        api::create(&state, &SERVICES, "default", json!({
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
        }), false).unwrap();
        api::create(&state, &PODS, "default", sts_pod("web-0", "nginx"), false).unwrap();
        api::create(
            &state,
            &PODS,
            "default",
            sts_pod("web-1", "app:broken"),
            false,
        )
        .unwrap();
        let ep = wait_for(&state, "endpoints", |s| {
            s.store.get(&ENDPOINTS, "default", "web").filter(|ep| {
                ep["subsets"][0]["addresses"]
                    .as_array()
                    .is_some_and(|a| a.len() == 1)
                    && ep["subsets"][0]["notReadyAddresses"]
                        .as_array()
                        .is_some_and(|a| a.len() == 1)
            })
        })
        .await;
        let subset = &ep["subsets"][0];
        let ready = &subset["addresses"][0];
        let web0 = state.store.get(&PODS, "default", "web-0").unwrap();
        assert_eq!(ready["ip"], web0["status"]["podIP"]);
        assert_eq!(ready["hostname"], "web-0");
        assert_eq!(ready["nodeName"], web0["spec"]["nodeName"]);
        assert_eq!(
            ready["targetRef"],
            json!({"kind": "Pod", "namespace": "default", "name": "web-0", "uid": meta(&web0, "uid")})
        );
        assert_eq!(subset["notReadyAddresses"][0]["hostname"], "web-1");
        assert_eq!(
            subset["ports"],
            json!([{"name": "http", "port": 8080, "protocol": "TCP"}])
        );
        assert_eq!(ep["metadata"]["labels"][HEADLESS_LABEL], "");
        // No rewrite while nothing changes; the pod's deletion drops it.
        let rv = ep["metadata"]["resourceVersion"].clone();
        let mut other = pod("other", "nginx", &[]);
        other["metadata"]["labels"] = json!({"app": "other"});
        api::create(&state, &PODS, "default", other, false).unwrap();
        wait_for(&state, "other ready", |s| {
            s.store
                .get(&PODS, "default", "other")
                .filter(|p| pod_ready(p))
        })
        .await;
        assert_eq!(
            state.store.get(&ENDPOINTS, "default", "web").unwrap()["metadata"]["resourceVersion"],
            rv
        );
        api::delete(
            &state,
            &PODS,
            "default",
            "web-0",
            &api::DeleteOptions::default(),
        )
        .unwrap();
        wait_for(&state, "web-0 dropped", |s| {
            s.store
                .get(&ENDPOINTS, "default", "web")
                .filter(|ep| ep["subsets"][0]["addresses"].is_null())
        })
        .await;
        api::delete(
            &state,
            &SERVICES,
            "default",
            "web",
            &api::DeleteOptions::default(),
        )
        .unwrap();
        wait_for(&state, "endpoints gone", |s| {
            s.store
                .get(&ENDPOINTS, "default", "web")
                .is_none()
                .then_some(())
        })
        .await;
    }
}

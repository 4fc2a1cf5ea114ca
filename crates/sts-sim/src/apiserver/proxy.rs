//! The `proxy` subresources of pods, services and nodes, reaching the simulated apps of
//! [`crate::runtime::containers`] instead of a network.
//!
//! - `pods/NAME[:PORT]/proxy/PATH` (also `http:NAME:PORT`): the app listening on that port of
//!   a Running pod; the port defaults to the first `containerPort` of the first container that
//!   declares one. A pod without an IP answers 400 `address not allowed`; a port nobody listens
//!   on (or a broken image) answers 503 `error trying to reach service: dial tcp IP:PORT:
//!   connect: connection refused`.
//! - `services/NAME[:PORT]/proxy/PATH`: one Ready endpoint of the Service, picked at random
//!   for each request as kube-proxy does ([`crate::runtime::spread`]), from
//!   its `Endpoints` object (or, when there is none, the Ready pods its selector matches);
//!   the service port (number or name) maps to the endpoint's target port. No endpoint
//!   answers 503 `no endpoints available for service "web"`.
//! - `nodes/NAME/proxy/PATH`: the kubelet's `stats/summary` and `healthz`.

use axum::body::Body;
use axum::response::Response;
use http::{header, Method, StatusCode};
use serde_json::Value;

use crate::apiserver::errors::ApiError;
use crate::machinery::resources::{ENDPOINTS, NODES, PODS, SERVICES};
use crate::machinery::selectors::set_matches;
use crate::runtime::containers::{self, pod_ip, ContainerView, HttpAnswer};
use crate::state::{SharedState, State};

/// `[scheme:]name[:port]` as upstream splits it, after percent-decoding the path segment
/// (clients send `web-1%3A8080`); `None` when malformed.
pub fn split_scheme_name_port(id: &str) -> Option<(String, String, String)> {
    let decoded = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .ok()?;
    let parts: Vec<&str> = decoded.split(':').collect();
    let (scheme, name, port) = match parts.as_slice() {
        [name] => ("", *name, ""),
        [name, port] => ("", *name, *port),
        [scheme, name, port] => (*scheme, *name, *port),
        _ => return None,
    };
    if name.is_empty() || !matches!(scheme, "" | "http" | "https") {
        return None;
    }
    Some((scheme.to_string(), name.to_string(), port.to_string()))
}

fn unavailable(message: String) -> ApiError {
    ApiError {
        code: 503,
        reason: "ServiceUnavailable",
        message,
        details: None,
        retry_after: None,
    }
}

fn refused(ip: &str, port: u16) -> ApiError {
    unavailable(format!(
        "error trying to reach service: dial tcp {ip}:{port}: connect: connection refused"
    ))
}

fn answer(method: &Method, a: HttpAnswer) -> Response {
    let body = if *method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(a.body)
    };
    Response::builder()
        .status(StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, a.content_type)
        .body(body)
        .unwrap_or_default()
}

fn request_path(rest: &str, query: Option<&str>) -> String {
    let mut p = format!("/{}", rest.trim_start_matches('/'));
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        p.push('?');
        p.push_str(q);
    }
    p
}

/// Resolves a port given as a number or a container port name (`http`); `None` if unknown.
fn resolve_pod_port(pod: &Value, port: &str) -> Option<u16> {
    if let Ok(n) = port.parse::<u16>() {
        return Some(n);
    }
    let all = ["containers", "initContainers"]
        .iter()
        .flat_map(|l| pod["spec"][*l].as_array().into_iter().flatten())
        .flat_map(|c| c["ports"].as_array().into_iter().flatten());
    for p in all {
        if p["name"] == port {
            return p["containerPort"]
                .as_u64()
                .and_then(|n| u16::try_from(n).ok());
        }
    }
    match port {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn container_runs(pod: &Value, name: &str) -> bool {
    match pod["status"]["containerStatuses"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
    {
        Some(s) => s["state"].get("running").is_some(),
        None => true,
    }
}

/// Sends one request to whatever listens on `port` in a Running pod.
fn serve_pod(
    state: &State,
    pod: &Value,
    port: u16,
    method: &Method,
    path: &str,
) -> Result<Response, ApiError> {
    let ip = pod_ip(pod);
    if pod["status"]["phase"] != "Running" {
        return Err(refused(&ip, port));
    }
    let listener = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .filter(|name| container_runs(pod, name))
        .filter_map(|name| ContainerView::new(state, pod, name))
        .find(|v| v.serving_port() == Some(port) && !v.behaviour.broken);
    match listener {
        Some(view) => Ok(answer(
            method,
            containers::serve_http(state, &view, method.as_str(), path),
        )),
        None => Err(refused(&ip, port)),
    }
}

/// `GET|POST|... /api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/REST`.
pub async fn proxy_pod(
    state: &SharedState,
    ns: &str,
    name_port: &str,
    rest: &str,
    method: &Method,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let (_, name, port) = split_scheme_name_port(name_port)
        .ok_or_else(|| ApiError::bad_request(format!("invalid pod request {name_port:?}")))?;
    let pod = state
        .store
        .get(&PODS, ns, &name)
        .ok_or_else(|| ApiError::not_found(&PODS, &name))?;
    let has_ip = pod["status"]["podIP"]
        .as_str()
        .is_some_and(|s| !s.is_empty());
    if !has_ip && pod["status"]["phase"] != "Running" {
        return Err(ApiError::bad_request("address not allowed"));
    }
    let port = if port.is_empty() {
        pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|c| c["ports"][0]["containerPort"].as_u64())
            .and_then(|n| u16::try_from(n).ok())
            .unwrap_or(80)
    } else {
        match resolve_pod_port(&pod, &port) {
            Some(p) => p,
            None => {
                return Err(unavailable(format!(
                    "error trying to reach service: dial tcp: address {port}: unknown port"
                )))
            }
        }
    };
    serve_pod(state, &pod, port, method, &request_path(rest, query))
}

/// A chosen backend: pod name and the port to reach on it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Backend {
    pod: String,
    port: u16,
}

fn pod_ready(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running"
        && pod["metadata"]["deletionTimestamp"].is_null()
        && pod["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// Ready backends of a service for one service port, sorted by pod name.
fn backends(state: &State, ns: &str, svc: &Value, svc_port: &Value) -> Vec<Backend> {
    let svc_name = svc["metadata"]["name"].as_str().unwrap_or("");
    let port_name = svc_port["name"].as_str().unwrap_or("");
    let mut out = Vec::new();
    if let Some(eps) = state.store.get(&ENDPOINTS, ns, svc_name) {
        let pods = state.store.list(&PODS, Some(ns)).0;
        for ss in eps["subsets"].as_array().into_iter().flatten() {
            let port = ss["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"].as_str().unwrap_or("") == port_name)
                .or_else(|| {
                    ss["ports"]
                        .as_array()
                        .and_then(|a| (a.len() == 1).then(|| &a[0]))
                })
                .and_then(|p| p["port"].as_u64())
                .and_then(|n| u16::try_from(n).ok());
            let Some(port) = port else { continue };
            for addr in ss["addresses"].as_array().into_iter().flatten() {
                let by_ref = addr["targetRef"]["name"].as_str().map(str::to_string);
                let by_ip = || {
                    pods.iter()
                        .find(|p| addr["ip"].as_str() == Some(pod_ip(p).as_str()))
                        .and_then(|p| p["metadata"]["name"].as_str().map(str::to_string))
                };
                if let Some(pod) = by_ref.or_else(by_ip) {
                    out.push(Backend { pod, port });
                }
            }
        }
    } else if let Some(selector) = svc["spec"]["selector"].as_object() {
        let target = &svc_port["targetPort"];
        for pod in state.store.list(&PODS, Some(ns)).0 {
            if selector.is_empty()
                || !set_matches(selector, &pod["metadata"]["labels"])
                || !pod_ready(&pod)
            {
                continue;
            }
            let port = match target {
                Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                Value::String(s) => resolve_pod_port(&pod, s),
                _ => svc_port["port"]
                    .as_u64()
                    .and_then(|n| u16::try_from(n).ok()),
            };
            if let (Some(port), Some(name)) = (port, pod["metadata"]["name"].as_str()) {
                out.push(Backend {
                    pod: name.to_string(),
                    port,
                });
            }
        }
    }
    out.sort_by(|a, b| a.pod.cmp(&b.pod));
    out.dedup();
    out
}

/// `... /api/v1/namespaces/NS/services/NAME[:PORT]/proxy/REST`.
pub async fn proxy_service(
    state: &SharedState,
    ns: &str,
    name_port: &str,
    rest: &str,
    method: &Method,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let (_, name, port) = split_scheme_name_port(name_port)
        .ok_or_else(|| ApiError::bad_request(format!("invalid service request {name_port:?}")))?;
    let svc = state
        .store
        .get(&SERVICES, ns, &name)
        .ok_or_else(|| ApiError::not_found(&SERVICES, &name))?;
    let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
    let svc_port = if port.is_empty() {
        ports.first().cloned()
    } else if let Ok(n) = port.parse::<u64>() {
        match ports.iter().find(|p| p["port"].as_u64() == Some(n)) {
            Some(p) => Some(p.clone()),
            None => {
                return Err(unavailable(format!(
                    "no service port {n} found for service \"{name}\""
                )))
            }
        }
    } else {
        ports.iter().find(|p| p["name"] == port.as_str()).cloned()
    };
    let no_endpoints = || unavailable(format!("no endpoints available for service \"{name}\""));
    let svc_port = svc_port.ok_or_else(no_endpoints)?;
    serve_service_port(state, &svc, &svc_port, method, &request_path(rest, query))
}

/// Sends one request (`path` with its query) to a Ready endpoint of one port of a Service,
/// picked at random; 503 `no endpoints available` when there is none. The API proxy and
/// the node ports ([`crate::runtime::nodeports`]) both come here.
pub(crate) fn serve_service_port(
    state: &State,
    svc: &Value,
    svc_port: &Value,
    method: &Method,
    path: &str,
) -> Result<Response, ApiError> {
    let ns = svc["metadata"]["namespace"].as_str().unwrap_or("default");
    let name = svc["metadata"]["name"].as_str().unwrap_or("");
    let no_endpoints = || unavailable(format!("no endpoints available for service \"{name}\""));
    let candidates = backends(state, ns, svc, svc_port);
    let pick = state
        .endpoints
        .pick(candidates.len())
        .map(|i| &candidates[i])
        .ok_or_else(no_endpoints)?;
    let pod = state
        .store
        .get(&PODS, ns, &pick.pod)
        .ok_or_else(no_endpoints)?;
    serve_pod(state, &pod, pick.port, method, path)
}

/// `GET /api/v1/nodes/NAME/proxy/REST`: the kubelet's `stats/summary` and `healthz`.
pub async fn proxy_node(
    state: &SharedState,
    node: &str,
    rest: &str,
    method: &Method,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let _ = query;
    if state.store.get(&NODES, "", node).is_none() {
        return Err(ApiError::not_found(&NODES, node));
    }
    let text = |status: u16, body: &str| HttpAnswer {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.as_bytes().to_vec(),
    };
    if *method != Method::GET && *method != Method::HEAD {
        return Ok(answer(method, text(405, "405 method not allowed\n")));
    }
    let a = match rest.trim_matches('/') {
        "stats/summary" => HttpAnswer {
            status: 200,
            content_type: "application/json",
            body: serde_json::to_vec_pretty(&containers::node_stats_summary(state, node))
                .unwrap_or_default(),
        },
        "healthz" => text(200, "ok"),
        _ => text(404, "404 page not found\n"),
    };
    Ok(answer(method, a))
}

/// Whether `container` of a pod would answer HTTP on `port` (for readiness probes).
pub fn listens(state: &State, pod: &Value, container: &str, port: u16) -> bool {
    ContainerView::new(state, pod, container)
        .is_some_and(|v| v.serving_port() == Some(port) && !v.behaviour.broken)
}

/// Runs an `httpGet` readiness/liveness probe (`{"path": "/healthz", "port": "http"}`)
/// against a container: true for a 2xx/3xx answer, false when refused or failing. Like a
/// real probe it reaches the app, so a probe on `/` counts as a visit.
pub fn http_probe(state: &State, pod: &Value, container: &str, http_get: &Value) -> bool {
    let port = match &http_get["port"] {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => resolve_pod_port(pod, s),
        _ => None,
    };
    let Some(port) = port else { return false };
    if !listens(state, pod, container, port) {
        return false;
    }
    let Some(view) = ContainerView::new(state, pod, container) else {
        return false;
    };
    let path = http_get["path"].as_str().unwrap_or("/");
    (200..400).contains(&containers::serve_http(state, &view, "GET", path).status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::api;
    use crate::runtime::containers::tests::{add_pod, state_with_pod};
    use crate::runtime::containers::visits_recorded;
    use serde_json::json;

    async fn body(r: Response) -> (u16, String) {
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[test]
    fn name_port_parsing() {
        assert_eq!(
            split_scheme_name_port("web-0"),
            Some(("".into(), "web-0".into(), "".into()))
        );
        assert_eq!(
            split_scheme_name_port("http:web-0:8080"),
            Some(("http".into(), "web-0".into(), "8080".into()))
        );
        assert_eq!(split_scheme_name_port("ftp:web-0:21"), None);
        assert_eq!(
            split_scheme_name_port("web-1%3A8080"),
            Some(("".into(), "web-1".into(), "8080".into())),
            "clients percent-encode the colon"
        );
        assert_eq!(split_scheme_name_port("web%FF"), None, "not UTF-8");
    }

    /// Property: for any path segment (random bytes, percent-escapes, colons, multi-byte
    /// text) the split never panics, and what it returns is a non-empty name without a colon;
    /// and any name and port, fully percent-encoded, split back into themselves.
    #[test]
    fn name_port_split_holds_for_any_segment() {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
        let pieces = [
            "%", "%3A", "%3a", "%25", "%FF", "%C3%A9", ":", "::", "web-1", "é", "http", "https",
            "8080", "%", "%G1", "/", " ", "\0",
        ];
        for _ in 0..20_000 {
            let n = rng.random_range(0..6);
            let mut seg = String::new();
            for _ in 0..n {
                if rng.random_bool(0.3) {
                    seg.push(char::from(rng.random_range(0x20u8..0x7f)));
                } else {
                    seg.push_str(pieces[rng.random_range(0..pieces.len())]);
                }
            }
            if let Some((scheme, name, port)) = split_scheme_name_port(&seg) {
                assert!(
                    !name.is_empty() && !name.contains(':'),
                    "{seg:?} -> {name:?}"
                );
                assert!(!port.contains(':') && !scheme.contains(':'), "{seg:?}");
                assert!(matches!(scheme.as_str(), "" | "http" | "https"), "{seg:?}");
            }
        }
        for _ in 0..2_000 {
            let name: String = (0..rng.random_range(1..12))
                .map(|_| {
                    char::from(b"abcdefghijklmnopqrstuvwxyz0123456789-."[rng.random_range(0..38)])
                })
                .collect();
            let port = rng.random_range(1..=65535u32).to_string();
            let raw = format!("{name}:{port}");
            let encoded = utf8_percent_encode(&raw, NON_ALPHANUMERIC).to_string();
            assert_eq!(
                split_scheme_name_port(&encoded),
                Some((String::new(), name.clone(), port.clone())),
                "{encoded}"
            );
        }
    }

    #[tokio::test]
    async fn pod_proxy_reaches_the_app_or_refuses() {
        let state = state_with_pod("example/visits-app:1.0", json!([]));
        let (code, text) = body(
            proxy_pod(&state, "default", "web-0", "", &Method::GET, None)
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((code, text.contains("Visits: 1")), (200, true));
        let (_, text) = body(
            proxy_pod(
                &state,
                "default",
                "web-0:http",
                "visits",
                &Method::GET,
                None,
            )
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(text, "1\n");
        let e = proxy_pod(&state, "default", "web-0:9090", "", &Method::GET, None)
            .await
            .unwrap_err();
        assert_eq!(e.code, 503);
        assert_eq!(
            e.message,
            "error trying to reach service: dial tcp 10.244.1.5:9090: connect: connection refused"
        );
        assert_eq!(
            proxy_pod(&state, "default", "nope", "", &Method::GET, None)
                .await
                .unwrap_err()
                .code,
            404
        );

        let pod = state.store.get(&PODS, "default", "web-0").unwrap();
        assert!(http_probe(
            &state,
            &pod,
            "app",
            &json!({"path": "/healthz", "port": "http"})
        ));
        assert!(!http_probe(
            &state,
            &pod,
            "app",
            &json!({"path": "/healthz", "port": 9090})
        ));

        let broken = state_with_pod("example/visits-app:broken", json!([]));
        let pod = broken.store.get(&PODS, "default", "web-0").unwrap();
        assert!(!http_probe(
            &broken,
            &pod,
            "app",
            &json!({"path": "/healthz", "port": 8080})
        ));
        let e = proxy_pod(&broken, "default", "web-0", "healthz", &Method::GET, None)
            .await
            .unwrap_err();
        assert_eq!(e.code, 503);
        api::write_status(&broken, &PODS, "default", "web-0", |s| {
            s["phase"] = json!("Pending");
            s.as_object_mut().unwrap().remove("podIP");
        })
        .unwrap();
        let e = proxy_pod(&broken, "default", "web-0", "", &Method::GET, None)
            .await
            .unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (400, "address not allowed"));
    }

    #[tokio::test]
    async fn service_proxy_spreads_over_ready_pods() {
        let state = state_with_pod("example/visits-app:1.0", json!([]));
        add_pod(&state, "web-1", "example/visits-app:1.0", json!([]));
        add_pod(&state, "web-2", "example/visits-app:1.0", json!([]));
        api::write_status(&state, &PODS, "default", "web-2", |s| {
            s["conditions"] = json!([{"type": "Ready", "status": "False"}]);
        })
        .unwrap();
        api::create(
            &state,
            &SERVICES,
            "default",
            json!({"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}),
            false,
        )
        .unwrap();
        let mut served = Vec::new();
        for _ in 0..60 {
            let (code, text) = body(
                proxy_service(&state, "default", "web:80", "", &Method::GET, None)
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(code, 200);
            served.push(if text.contains("web-0") { 0 } else { 1 });
        }
        let on_0 = visits_recorded(&state, "default", "web-0");
        let on_1 = visits_recorded(&state, "default", "web-1");
        assert_eq!(on_0 + on_1, 60);
        assert!(
            on_0 > 0 && on_1 > 0,
            "both Ready pods are hit: {on_0}/{on_1}"
        );
        assert_eq!(visits_recorded(&state, "default", "web-2"), 0);
        assert!(
            served.windows(2).any(|w| w[0] == w[1]),
            "picked at random, not in turn: {served:?}"
        );
        assert_eq!(
            proxy_service(&state, "default", "web:81", "", &Method::GET, None)
                .await
                .unwrap_err()
                .code,
            503
        );

        // With an Endpoints object, its addresses decide.
        api::create(
            &state,
            &ENDPOINTS,
            "default",
            json!({"metadata": {"name": "web"}, "subsets": [{"addresses": [{"ip": "10.244.1.5", "targetRef": {"kind": "Pod", "name": "web-2"}}], "ports": [{"name": "http", "port": 8080}]}]}),
            false,
        )
        .unwrap();
        let (_, text) = body(
            proxy_service(&state, "default", "http:web:http", "", &Method::GET, None)
                .await
                .unwrap(),
        )
        .await;
        assert!(text.contains("Hello from web-2!"), "{text}");
        state.store.remove(&ENDPOINTS, "default", "web").unwrap();
        api::create(
            &state,
            &ENDPOINTS,
            "default",
            json!({"metadata": {"name": "web"}, "subsets": []}),
            false,
        )
        .unwrap();
        let e = proxy_service(&state, "default", "web", "", &Method::GET, None)
            .await
            .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (503, "no endpoints available for service \"web\"")
        );
    }

    #[tokio::test]
    async fn node_proxy_serves_summary_and_healthz() {
        let state = state_with_pod("busybox", json!([]));
        api::create(
            &state,
            &NODES,
            "",
            json!({"metadata": {"name": "node-1"}}),
            false,
        )
        .unwrap();
        let (code, text) = body(
            proxy_node(&state, "node-1", "stats/summary", &Method::GET, None)
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(code, 200);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["pods"][0]["podRef"]["name"], "web-0");
        let (code, text) = body(
            proxy_node(&state, "node-1", "healthz", &Method::GET, None)
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((code, text.as_str()), (200, "ok"));
        let (code, _) = body(
            proxy_node(&state, "node-1", "metrics", &Method::GET, None)
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(code, 404);
        assert_eq!(
            proxy_node(&state, "node-9", "healthz", &Method::GET, None)
                .await
                .unwrap_err()
                .code,
            404
        );
    }
}

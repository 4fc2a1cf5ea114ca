//! kube-proxy's node ports on the one node address a local user can reach: while the
//! cluster runs with [`crate::ClusterOptions::node_ports`] on (the default of `sts-sim
//! serve` and the demo), every `NodePort` and `LoadBalancer` Service is served on
//! `127.0.0.1:<nodePort>`, so a browser or `curl` reaches the app as through `minikube
//! service`. Each request goes to a Ready endpoint picked at random ([`crate::runtime::spread`]).
//!
//! Listeners follow the Services: one opens when a Service gets a node port, moves when
//! the port changes, and closes when the Service goes or stops being exposed. A port that
//! is already taken on the machine is not a crash: the Service gets a `Warning` event
//! `FailedToOpenNodePort` (kube-proxy logs "can't open port ..., skipping it"), and the port
//! is tried again when the Service next changes.
//!
//! Node ports are allocated at random from 30000-32767 ([`allocate`]), skipping those other
//! Services hold and, when the listeners are on, those another process listens on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::response::Response;
use http::StatusCode;
use rand::Rng;
use serde_json::Value;

use crate::controllers::events::Recorder;
use crate::controllers::objects::meta;
use crate::machinery::resources::SERVICES;
use crate::machinery::store::Obj;
use crate::state::{SharedState, State};

/// The default `--service-node-port-range` of kube-apiserver.
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<u16> = 30000..=32767;

/// Reason of the event recorded when a node port cannot be opened.
pub const FAILED_REASON: &str = "FailedToOpenNodePort";

/// The node ports a cluster listens on (and the Service of each), for callers to wait on.
pub struct NodePorts {
    open: tokio::sync::watch::Sender<BTreeMap<u16, Owner>>,
}

impl Default for NodePorts {
    fn default() -> Self {
        NodePorts {
            open: tokio::sync::watch::Sender::new(BTreeMap::new()),
        }
    }
}

impl NodePorts {
    /// The ports listened on now.
    pub fn open(&self) -> BTreeSet<u16> {
        self.open.borrow().keys().copied().collect()
    }

    /// A receiver of the open ports with their Services (namespace, name), to follow them.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<BTreeMap<u16, Owner>> {
        self.open.subscribe()
    }

    /// Waits until `port` is listened on; false after `timeout`.
    pub async fn wait_open(&self, port: u16, timeout: Duration) -> bool {
        self.wait(timeout, |open| open.contains_key(&port)).await
    }

    /// Waits until `port` is closed; false after `timeout`.
    pub async fn wait_closed(&self, port: u16, timeout: Duration) -> bool {
        self.wait(timeout, |open| !open.contains_key(&port)).await
    }

    async fn wait(
        &self,
        timeout: Duration,
        cond: impl FnMut(&BTreeMap<u16, Owner>) -> bool,
    ) -> bool {
        let mut rx = self.open.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(cond))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// The Service (namespace, name) a node port belongs to.
pub type Owner = (String, String);

/// Whether a Service is exposed on node ports.
fn exposed(svc: &Value) -> bool {
    matches!(
        svc["spec"]["type"].as_str(),
        Some("NodePort" | "LoadBalancer")
    ) && svc["metadata"]["deletionTimestamp"].is_null()
}

/// TCP node ports of a Service's spec.
fn node_ports_of(svc: &Value) -> Vec<u16> {
    svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["protocol"].as_str().unwrap_or("TCP") == "TCP")
        .filter_map(|p| p["nodePort"].as_u64())
        .filter_map(|n| u16::try_from(n).ok())
        .collect()
}

/// Which Service each node port should serve (the first by namespace and name when two
/// claim one port).
pub fn desired(services: &[Obj]) -> BTreeMap<u16, Owner> {
    let mut out = BTreeMap::new();
    let mut sorted: Vec<&Value> = services
        .iter()
        .map(|s| &**s)
        .filter(|s| exposed(s))
        .collect();
    sorted.sort_by_key(|s| (meta(s, "namespace"), meta(s, "name")));
    for svc in sorted {
        for port in node_ports_of(svc) {
            out.entry(port)
                .or_insert_with(|| (meta(svc, "namespace").into(), meta(svc, "name").into()));
        }
    }
    out
}

/// A node port for a new Service port: random in [`NODE_PORT_RANGE`], not held by another
/// Service nor in `taken` (the ports of the Service being created), and, when the cluster
/// listens on node ports, free on 127.0.0.1 right now.
pub fn allocate(state: &State, taken: &[u16]) -> u16 {
    let mut used: BTreeSet<u16> = state
        .store
        .list(&SERVICES, None)
        .0
        .iter()
        .flat_map(|s| node_ports_of(s))
        .collect();
    used.extend(taken);
    let mut rng = rand::rng();
    let span = usize::from(*NODE_PORT_RANGE.end() - *NODE_PORT_RANGE.start()) + 1;
    let start = rng.random_range(0..span);
    let candidates = (0..span)
        .map(|i| *NODE_PORT_RANGE.start() + ((start + i) % span) as u16)
        .filter(|p| !used.contains(p));
    let mut first_free = None;
    for port in candidates {
        first_free.get_or_insert(port);
        if !state.opts.node_ports || std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    first_free.unwrap_or(*NODE_PORT_RANGE.start())
}

/// Aborts a task when dropped (a closed node port).
struct Listening {
    owner: Owner,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn is_service_event(ev: &crate::machinery::store::Event) -> bool {
    ev.rt.plural == SERVICES.plural && ev.rt.group == SERVICES.group
}

/// Runs the node-port listeners until aborted.
pub async fn run(state: SharedState) {
    let mut rx = state.store.subscribe();
    let mut listening: HashMap<u16, Listening> = HashMap::new();
    // Ports that failed to open, with the Service's resourceVersion then.
    let mut failed: HashMap<u16, (Owner, String)> = HashMap::new();
    loop {
        reconcile(&state, &mut listening, &mut failed).await;
        crate::controllers::wake::wait_for_change(&mut rx, is_service_event, None).await;
    }
}

async fn reconcile(
    state: &SharedState,
    listening: &mut HashMap<u16, Listening>,
    failed: &mut HashMap<u16, (Owner, String)>,
) {
    let services = state.store.list(&SERVICES, None).0;
    let want = desired(&services);
    listening.retain(|port, l| want.get(port) == Some(&l.owner));
    failed.retain(|port, (owner, _)| want.get(port) == Some(owner));
    for (port, owner) in &want {
        if listening.contains_key(port) {
            continue;
        }
        let Some(svc) = state.store.get(&SERVICES, &owner.0, &owner.1) else {
            continue;
        };
        let rv = meta(&svc, "resourceVersion").to_string();
        if failed
            .get(port)
            .is_some_and(|(o, at)| o == owner && *at == rv)
        {
            continue;
        }
        match tokio::net::TcpListener::bind(("127.0.0.1", *port)).await {
            Ok(listener) => {
                failed.remove(port);
                let task = tokio::spawn(serve(state.clone(), *port, listener));
                listening.insert(
                    *port,
                    Listening {
                        owner: owner.clone(),
                        task,
                    },
                );
            }
            Err(e) => {
                let message =
                    format!("can't open port \"tcp:{port}\" on 127.0.0.1, skipping it: {e}");
                Recorder {
                    component: "kube-proxy",
                    host: Some("node-1"),
                }
                .warning(state, &svc, FAILED_REASON, &message);
                failed.insert(*port, (owner.clone(), rv));
            }
        }
    }
    let open: BTreeMap<u16, Owner> = listening
        .iter()
        .map(|(port, l)| (*port, l.owner.clone()))
        .collect();
    state.node_ports.open.send_if_modified(|o| {
        let changed = *o != open;
        *o = open;
        changed
    });
}

/// Serves plain HTTP on one node port, each request to the Service that holds it now.
async fn serve(state: SharedState, port: u16, listener: tokio::net::TcpListener) {
    let app = axum::Router::new()
        .fallback(forward)
        .with_state((state, port));
    let _ = axum::serve(listener, app).await;
}

fn plain(status: StatusCode, text: String) -> Response {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text))
        .unwrap_or_default()
}

async fn forward(AxState((state, port)): AxState<(SharedState, u16)>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let services = state.store.list(&SERVICES, None).0;
    let owner = desired(&services).remove(&port);
    let found = owner.and_then(|(ns, name)| {
        let svc = services
            .into_iter()
            .find(|s| meta(s, "namespace") == ns && meta(s, "name") == name)?;
        let svc_port = svc["spec"]["ports"]
            .as_array()?
            .iter()
            .find(|p| p["nodePort"].as_u64() == Some(u64::from(port)))?
            .clone();
        Some((svc, svc_port))
    });
    let Some((svc, svc_port)) = found else {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no service holds node port {port}\n"),
        );
    };
    match crate::apiserver::proxy::serve_service_port(&state, &svc, &svc_port, req.method(), &path)
    {
        Ok(r) => r,
        Err(e) => plain(
            StatusCode::from_u16(e.code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            format!("{}\n", e.message),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn svc(ns: &str, name: &str, ty: &str, ports: &[u64]) -> Value {
        let ports: Vec<Value> = ports
            .iter()
            .map(|p| json!({"port": 80, "nodePort": p, "protocol": "TCP"}))
            .collect();
        json!({"metadata": {"namespace": ns, "name": name}, "spec": {"type": ty, "ports": ports}})
    }

    #[test]
    fn only_node_port_and_load_balancer_services_are_served() {
        let own = |ns: &str, n: &str| (ns.to_string(), n.to_string());
        let mut deleting = svc("a", "gone", "NodePort", &[30003]);
        deleting["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        let mut udp = svc("a", "udp", "NodePort", &[30004]);
        udp["spec"]["ports"][0]["protocol"] = json!("UDP");
        let services: Vec<Obj> = [
            svc("b", "web", "NodePort", &[30001, 30002]),
            svc("a", "lb", "LoadBalancer", &[30002]),
            svc("a", "internal", "ClusterIP", &[30005]),
            deleting,
            udp,
            json!({"metadata": {"name": "junk"}, "spec": {"type": "NodePort", "ports": [{"nodePort": 99999}, {"nodePort": "x"}]}}),
        ]
        .into_iter()
        .map(std::sync::Arc::new)
        .collect();
        let want = desired(&services);
        assert_eq!(
            want,
            BTreeMap::from([(30001, own("b", "web")), (30002, own("a", "lb"))])
        );
    }

    #[test]
    fn allocation_is_random_in_range_and_skips_held_ports() {
        let state = State::new(crate::ClusterOptions::default());
        let first = allocate(&state, &[]);
        assert!(NODE_PORT_RANGE.contains(&first));
        let many: BTreeSet<u16> = (0..20).map(|_| allocate(&state, &[])).collect();
        assert!(many.len() > 1, "random, not fixed: {many:?}");
        let taken: Vec<u16> = NODE_PORT_RANGE.filter(|p| *p != 31000).collect();
        assert_eq!(allocate(&state, &taken), 31000);
    }
}

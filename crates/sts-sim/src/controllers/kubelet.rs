//! The scheduler and the kubelet of the simulated cluster.
//!
//! The scheduler gives every pending pod a node (Ready nodes, fewest pods first) once the
//! claims it mounts are bound, asks the provisioner for a volume on the chosen node for
//! `WaitForFirstConsumer` claims, and reports `Unschedulable` with upstream's wording
//! otherwise. The kubelet then plays the pod's life by its image: containers start after
//! `pod_start_delay`, become Ready after `pod_ready_delay`, never get Ready (`broken` tags,
//! the never-ready fault) or crash-loop (`crash` tags); terminating pods end after
//! `termination_delay`. Every transition is one status write, with upstream's conditions,
//! container statuses and events.
//!
//! The module also holds the small helpers the other controllers of this crate share
//! (event recording, waiting for store changes, metadata accessors).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};

use super::provisioner;
use crate::machinery::api;
use crate::machinery::resources::{EVENTS, NODES, PODS, PVCS, PVS, STORAGECLASSES};
use crate::machinery::store::{now_rfc3339, Event, Obj};
use crate::state::{SharedState, State};

/// Annotation the scheduler puts on a `WaitForFirstConsumer` claim to ask for a volume there.
pub(crate) const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";

/// How often the kubelet looks again without any store event (faults are not events).
const RESYNC: Duration = Duration::from_millis(250);

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// A string field of `metadata` (empty when absent).
pub(crate) fn meta<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj["metadata"][field].as_str().unwrap_or("")
}

/// Whether the object has a `deletionTimestamp`.
pub(crate) fn is_deleting(obj: &Value) -> bool {
    obj["metadata"]
        .get("deletionTimestamp")
        .is_some_and(|v| !v.is_null())
}

/// Whether the object carries any finalizer.
pub(crate) fn has_finalizers(obj: &Value) -> bool {
    obj["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
}

/// Whether the object carries this finalizer.
pub(crate) fn has_finalizer(obj: &Value, finalizer: &str) -> bool {
    obj["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f == finalizer))
}

/// Whether a pod has reached a terminal phase (Succeeded or Failed).
pub(crate) fn pod_finished(pod: &Value) -> bool {
    matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    )
}

/// The node a pod is bound to, if any.
pub(crate) fn pod_node(pod: &Value) -> Option<&str> {
    pod["spec"]["nodeName"].as_str().filter(|n| !n.is_empty())
}

/// Names of the claims a pod mounts, in volume order.
pub(crate) fn pod_claims(pod: &Value) -> Vec<String> {
    pod["spec"]["volumes"]
        .as_array()
        .map(|vols| {
            vols.iter()
                .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a pod's `Ready` condition is `True`.
pub(crate) fn pod_ready(pod: &Value) -> bool {
    condition(&pod["status"], "Ready").is_some_and(|c| c["status"] == "True")
}

/// A condition of a status by type.
pub(crate) fn condition<'a>(status: &'a Value, kind: &str) -> Option<&'a Value> {
    status["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

/// FNV-1a over the parts (separated), as 16 hex digits: stable names and fake digests.
pub(crate) fn hash_hex(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Who reports an event (`source.component` / `reportingComponent` and the host).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recorder<'a> {
    /// Component, e.g. `kubelet` or `default-scheduler`.
    pub component: &'a str,
    /// Node the component runs on, for kubelet events.
    pub host: Option<&'a str>,
}

impl Recorder<'_> {
    /// Records a `Normal` event about `obj`.
    pub(crate) fn normal(&self, state: &State, obj: &Value, reason: &str, message: &str) {
        self.emit(state, obj, None, "Normal", reason, message);
    }

    /// Records a `Warning` event about `obj`.
    pub(crate) fn warning(&self, state: &State, obj: &Value, reason: &str, message: &str) {
        self.emit(state, obj, None, "Warning", reason, message);
    }

    /// Records an event; a repeat of the same event (same object, reason, message and
    /// field path) bumps `count` and `lastTimestamp` as upstream's aggregation does.
    pub(crate) fn emit(
        &self,
        state: &State,
        obj: &Value,
        field_path: Option<&str>,
        kind: &str,
        reason: &str,
        message: &str,
    ) {
        let obj_ns = meta(obj, "namespace");
        let ns = if obj_ns.is_empty() { "default" } else { obj_ns };
        let key = hash_hex(&[
            meta(obj, "uid"),
            kind,
            reason,
            message,
            field_path.unwrap_or(""),
            self.component,
        ]);
        let now = now_rfc3339();
        let known = event_names().get(&key).cloned();
        if let Some(name) = known {
            let bumped = state.store.modify(&EVENTS, ns, &name, |ev| {
                let count = ev["count"].as_i64().unwrap_or(1);
                ev["count"] = json!(count + 1);
                ev["lastTimestamp"] = json!(now);
                Ok(true)
            });
            if bumped.is_ok() {
                return;
            }
        }
        let mut involved = json!({
            "kind": obj["kind"],
            "apiVersion": obj["apiVersion"],
            "name": meta(obj, "name"),
            "uid": meta(obj, "uid"),
            "resourceVersion": meta(obj, "resourceVersion"),
        });
        if !obj_ns.is_empty() {
            involved["namespace"] = json!(obj_ns);
        }
        if let Some(fp) = field_path {
            involved["fieldPath"] = json!(fp);
        }
        let mut source = json!({"component": self.component});
        if let Some(host) = self.host {
            source["host"] = json!(host);
        }
        let mut nanos = jiff::Timestamp::now().as_nanosecond();
        let mut event = json!({
            "metadata": {"namespace": ns},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "type": kind,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "eventTime": null,
            "reportingComponent": self.component,
            "reportingInstance": self.host.unwrap_or(""),
        });
        // Upstream's names, `<object>.<unix nanos in hex>`, keep events in time order.
        for _ in 0..8 {
            let name = format!("{}.{nanos:x}", meta(obj, "name"));
            event["metadata"]["name"] = json!(name);
            match api::create(state, &EVENTS, ns, event.clone(), false) {
                Err(e) if e.code == 409 => nanos += 1,
                Ok(_) => {
                    let mut names = event_names();
                    if names.len() >= EVENT_CACHE_LIMIT {
                        names.clear();
                    }
                    names.insert(key, name);
                    return;
                }
                Err(_) => return,
            }
        }
    }
}

/// How many aggregation keys the event cache holds before it starts over (a repeat after
/// that becomes a new event instead of a count bump).
const EVENT_CACHE_LIMIT: usize = 50_000;

/// Event names by aggregation key (object uid, type, reason, message, field path,
/// component). Uids are unique across clusters, so one cache serves every cluster of the
/// process.
fn event_names() -> std::sync::MutexGuard<'static, HashMap<String, String>> {
    static NAMES: std::sync::LazyLock<std::sync::Mutex<HashMap<String, String>>> =
        std::sync::LazyLock::new(Default::default);
    NAMES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Waits until a relevant store event arrives (or `deadline` passes), then drains the
/// burst that follows so one pass handles it all. A lagging receiver counts as a change.
pub(crate) async fn wait_for_change(
    rx: &mut broadcast::Receiver<Event>,
    relevant: fn(&Event) -> bool,
    deadline: Option<Instant>,
) {
    let sleep = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d.into()).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => return,
            got = rx.recv() => match got {
                Ok(ev) if relevant(&ev) => break,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => {
                    sleep.await;
                    return;
                }
            },
        }
    }
    tokio::task::yield_now().await;
    while let Ok(_) | Err(TryRecvError::Lagged(_)) = rx.try_recv() {}
}

/// Upserts a condition into `status.conditions`, keeping `lastTransitionTime` when the
/// condition's status did not change. Returns nothing; callers compare whole statuses.
pub(crate) fn set_condition(status: &mut Value, mut cond: Value, now: &str) {
    if !status.is_object() {
        *status = json!({});
    }
    let kind = cond["type"].clone();
    let mut list = status["conditions"].as_array().cloned().unwrap_or_default();
    let old = list.iter().position(|c| c["type"] == kind);
    let time = match old.map(|i| &list[i]) {
        Some(o) if o["status"] == cond["status"] && !o["lastTransitionTime"].is_null() => {
            o["lastTransitionTime"].clone()
        }
        _ => json!(now),
    };
    cond["lastTransitionTime"] = time;
    if cond.get("lastProbeTime").is_none() {
        cond["lastProbeTime"] = Value::Null;
    }
    match old {
        Some(i) => list[i] = cond,
        None => list.push(cond),
    }
    status["conditions"] = Value::Array(list);
}

/// A condition object (`reason`/`message` left out when `None`).
pub(crate) fn cond(kind: &str, status: bool, reason: Option<&str>, message: Option<&str>) -> Value {
    let mut c = json!({"type": kind, "status": if status { "True" } else { "False" }});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    c
}

// ---------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------

/// Creates `opts.nodes` Ready nodes `node-1..N` (existing ones are left alone).
pub fn bootstrap_nodes(state: &State) {
    let zones = ["zone-a", "zone-b", "zone-c"];
    let now = now_rfc3339();
    for i in 1..=state.opts.nodes {
        let name = format!("node-{i}");
        let ip = format!("172.18.0.{i}");
        let heartbeat = |kind: &str, status: &str, reason: &str, message: &str| {
            json!({
                "type": kind, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": now, "lastTransitionTime": now,
            })
        };
        let resources = json!({
            "cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi",
            "hugepages-1Gi": "0", "hugepages-2Mi": "0",
        });
        let node = json!({
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux",
                    "beta.kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": zones[(i - 1) % zones.len()],
                },
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": {
                "podCIDR": format!("10.244.{i}.0/24"),
                "podCIDRs": [format!("10.244.{i}.0/24")],
                "providerID": format!("sts-sim://{name}"),
            },
            "status": {
                "capacity": resources,
                "allocatable": resources,
                "conditions": [
                    heartbeat("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    heartbeat("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    heartbeat("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    heartbeat("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                ],
                "addresses": [
                    {"type": "InternalIP", "address": ip},
                    {"type": "Hostname", "address": name},
                ],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "machineID": hash_hex(&["machine", &name]),
                    "systemUUID": uuid::Uuid::new_v4().to_string(),
                    "bootID": uuid::Uuid::new_v4().to_string(),
                    "kernelVersion": "6.8.0-sts-sim",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "containerRuntimeVersion": "containerd://2.1.1",
                    "kubeletVersion": state.opts.git_version,
                    "kubeProxyVersion": state.opts.git_version,
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
            },
        });
        let _ = api::create(state, &NODES, "", node, false);
    }
}

fn node_ready(node: &Value) -> bool {
    condition(&node["status"], "Ready").is_some_and(|c| c["status"] == "True")
}

fn node_internal_ip(node: &Value) -> Option<String> {
    node["status"]["addresses"]
        .as_array()?
        .iter()
        .find(|a| a["type"] == "InternalIP")
        .and_then(|a| a["address"].as_str())
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------
// Scheduler: pure decision
// ---------------------------------------------------------------------------------------

/// What the scheduler knows of the cluster in one pass.
#[derive(Debug, Default)]
pub(crate) struct ClusterView {
    /// All nodes, by name order.
    pub nodes: Vec<Obj>,
    /// Pods bound to each node (not finished).
    pub pods_per_node: HashMap<String, usize>,
    /// Claims by (namespace, name).
    pub claims: HashMap<(String, String), Obj>,
    /// Volumes by name.
    pub pvs: HashMap<String, Obj>,
    /// StorageClasses by name.
    pub classes: HashMap<String, Obj>,
}

impl ClusterView {
    fn load(state: &State) -> Self {
        let (mut nodes, _) = state.store.list(&NODES, None);
        nodes.sort_by_key(|n| node_order(meta(n, "name")));
        let mut pods_per_node: HashMap<String, usize> = HashMap::new();
        for p in state.store.list(&PODS, None).0 {
            if let Some(n) = pod_node(&p) {
                if !pod_finished(&p) {
                    *pods_per_node.entry(n.to_string()).or_default() += 1;
                }
            }
        }
        let claims = state
            .store
            .list(&PVCS, None)
            .0
            .into_iter()
            .map(|c| {
                (
                    (
                        meta(&c, "namespace").to_string(),
                        meta(&c, "name").to_string(),
                    ),
                    c,
                )
            })
            .collect();
        let pvs = state
            .store
            .list(&PVS, None)
            .0
            .into_iter()
            .map(|p| (meta(&p, "name").to_string(), p))
            .collect();
        let classes = state
            .store
            .list(&STORAGECLASSES, None)
            .0
            .into_iter()
            .map(|c| (meta(&c, "name").to_string(), c))
            .collect();
        ClusterView {
            nodes,
            pods_per_node,
            claims,
            pvs,
            classes,
        }
    }
}

/// Sort key putting `node-2` before `node-10`.
fn node_order(name: &str) -> (String, u64, String) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, num) = name.split_at(name.len() - digits);
    (stem.to_string(), num.parse().unwrap_or(0), name.to_string())
}

/// The scheduler's verdict on one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Schedule {
    /// Bind the pod to this node.
    Bind(String),
    /// The pod cannot be placed; the message for `PodScheduled=False`.
    Unschedulable(String),
    /// Ask for volumes of these `WaitForFirstConsumer` claims on this node.
    SelectNode {
        /// Chosen node.
        node: String,
        /// Claims to annotate.
        claims: Vec<String>,
    },
    /// Volumes are being provisioned for the chosen node; check again later.
    Wait,
}

fn unschedulable(total: usize, what: &str) -> Schedule {
    Schedule::Unschedulable(format!(
        "0/{total} nodes are available: {what}. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
    ))
}

/// Whether one node selector term (`matchExpressions`, `matchFields`) matches a node.
fn term_matches(term: &Value, node: &Value) -> bool {
    let labels = &node["metadata"]["labels"];
    let exprs_ok = term["matchExpressions"].as_array().is_none_or(|exprs| {
        exprs.iter().all(|e| {
            let key = e["key"].as_str().unwrap_or("");
            let value = labels[key].as_str();
            let values: Vec<&str> = e["values"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match e["operator"].as_str().unwrap_or("") {
                "In" => value.is_some_and(|v| values.contains(&v)),
                "NotIn" => value.is_none_or(|v| !values.contains(&v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => true,
            }
        })
    });
    let fields_ok = term["matchFields"].as_array().is_none_or(|fields| {
        fields.iter().all(|f| {
            let values: Vec<&str> = f["values"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let name = meta(node, "name");
            match (f["key"].as_str(), f["operator"].as_str()) {
                (Some("metadata.name"), Some("In")) => values.contains(&name),
                (Some("metadata.name"), Some("NotIn")) => !values.contains(&name),
                _ => true,
            }
        })
    });
    exprs_ok && fields_ok
}

/// Whether a required node selector (`{nodeSelectorTerms: [...]}`) admits a node.
fn selector_admits(required: &Value, node: &Value) -> bool {
    match required["nodeSelectorTerms"].as_array() {
        Some(terms) if !terms.is_empty() => terms.iter().any(|t| term_matches(t, node)),
        _ => true,
    }
}

/// Whether a volume's node affinity admits a node.
pub(crate) fn pv_allows_node(pv: &Value, node: &Value) -> bool {
    selector_admits(&pv["spec"]["nodeAffinity"]["required"], node)
}

fn pod_selects_node(pod: &Value, node: &Value) -> bool {
    let labels = &node["metadata"]["labels"];
    let selector_ok = pod["spec"]["nodeSelector"]
        .as_object()
        .is_none_or(|sel| sel.iter().all(|(k, v)| labels[k] == *v));
    let required =
        &pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
    selector_ok && selector_admits(required, node)
}

/// Decides where a pod goes, from a consistent view of nodes, claims and volumes.
pub(crate) fn decide_schedule(pod: &Value, view: &ClusterView) -> Schedule {
    let total = view.nodes.len();
    if total == 0 {
        return Schedule::Unschedulable("no nodes available to schedule pods".to_string());
    }
    let ns = meta(pod, "namespace");
    let default_class = provisioner::default_class_name(view.classes.values());
    let mut bound_pvs: Vec<&Obj> = Vec::new();
    let mut wffc_unselected: Vec<String> = Vec::new();
    let mut wffc_selected: Vec<String> = Vec::new();
    let mut unbound_immediate = false;
    for claim_name in pod_claims(pod) {
        let Some(claim) = view.claims.get(&(ns.to_string(), claim_name.clone())) else {
            return unschedulable(
                total,
                &format!("persistentvolumeclaim \"{claim_name}\" not found"),
            );
        };
        if is_deleting(claim) {
            return unschedulable(
                total,
                &format!("persistentvolumeclaim \"{claim_name}\" is being deleted"),
            );
        }
        let volume = claim["spec"]["volumeName"].as_str().unwrap_or("");
        if claim["status"]["phase"] == "Bound" && !volume.is_empty() {
            match view.pvs.get(volume) {
                Some(pv) => bound_pvs.push(pv),
                None => {
                    return unschedulable(
                        total,
                        &format!("persistentvolume \"{volume}\" not found"),
                    )
                }
            }
            continue;
        }
        let class = provisioner::effective_class(claim, default_class.as_deref());
        let wffc = class
            .as_deref()
            .and_then(|c| view.classes.get(c))
            .is_some_and(|c| c["volumeBindingMode"] == "WaitForFirstConsumer");
        if !wffc {
            unbound_immediate = true;
        } else if claim["metadata"]["annotations"][SELECTED_NODE].is_string() {
            wffc_selected.push(claim_name);
        } else {
            wffc_unselected.push(claim_name);
        }
    }
    if unbound_immediate {
        return unschedulable(total, "pod has unbound immediate PersistentVolumeClaims");
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    let mut candidates: Vec<&Obj> = Vec::new();
    for node in &view.nodes {
        let reason = if node["spec"]["unschedulable"] == true {
            Some("node(s) were unschedulable")
        } else if !node_ready(node) {
            Some("node(s) had untolerated taint {node.kubernetes.io/not-ready: }")
        } else if !pod_selects_node(pod, node) {
            Some("node(s) didn't match Pod's node affinity/selector")
        } else if !bound_pvs.iter().all(|pv| pv_allows_node(pv, node)) {
            Some("node(s) had volume node affinity conflict")
        } else {
            None
        };
        match reason {
            Some(r) => *reasons.entry(r).or_default() += 1,
            None => candidates.push(node),
        }
    }
    if candidates.is_empty() {
        let what = reasons
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect::<Vec<_>>()
            .join(", ");
        return unschedulable(total, &what);
    }
    let load = |n: &Obj| {
        view.pods_per_node
            .get(meta(n, "name"))
            .copied()
            .unwrap_or(0)
    };
    let best = candidates
        .iter()
        .min_by_key(|n| load(n))
        .map(|n| meta(n, "name").to_string())
        .unwrap_or_default();
    if !wffc_unselected.is_empty() {
        // Keep all of a pod's volumes on one node: reuse a node already selected for it.
        let already = wffc_selected.iter().find_map(|c| {
            view.claims.get(&(ns.to_string(), c.clone()))?["metadata"]["annotations"][SELECTED_NODE]
                .as_str()
                .map(str::to_string)
        });
        let node = already
            .filter(|n| candidates.iter().any(|c| meta(c, "name") == n))
            .unwrap_or(best);
        return Schedule::SelectNode {
            node,
            claims: wffc_unselected,
        };
    }
    if !wffc_selected.is_empty() {
        return Schedule::Wait;
    }
    Schedule::Bind(best)
}

// ---------------------------------------------------------------------------------------
// Kubelet: pod life
// ---------------------------------------------------------------------------------------

/// How a container behaves, judged by its image tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Starts and becomes Ready.
    Normal,
    /// Runs but its readiness probe always fails.
    Broken,
    /// Exits with code 1 right after starting, over and over.
    Crash,
}

/// The tag of an image: the part after the last `:` that follows the last `/`.
pub(crate) fn image_tag(image: &str) -> &str {
    let last = image.rsplit('/').next().unwrap_or(image);
    let last = last.split('@').next().unwrap_or(last);
    match last.rfind(':') {
        Some(i) => &last[i + 1..],
        None => "",
    }
}

/// How a container with this image behaves.
pub(crate) fn behaviour_of(image: &str) -> Behaviour {
    let tag = image_tag(image);
    if tag.contains("crash") {
        Behaviour::Crash
    } else if tag.contains("broken") {
        Behaviour::Broken
    } else {
        Behaviour::Normal
    }
}

/// A fake but stable image digest reference, as `imageID` shows it.
fn image_id(image: &str) -> String {
    let repo = image.split('@').next().unwrap_or(image);
    let repo = match repo.rfind(':') {
        Some(i) if !repo[i..].contains('/') => &repo[..i],
        _ => repo,
    };
    let repo = if repo.contains('/') {
        repo.to_string()
    } else {
        format!("docker.io/library/{repo}")
    };
    let digest: String = (0..4).map(|i| hash_hex(&[image, &i.to_string()])).collect();
    format!("{repo}@sha256:{digest}")
}

fn container_id(pod_uid: &str, name: &str, attempt: u32) -> String {
    let id: String = (0..4)
        .map(|i| hash_hex(&[pod_uid, name, &attempt.to_string(), &i.to_string()]))
        .collect();
    format!("containerd://{id}")
}

/// Go-style duration of the crash back-off (`10s`, `1m20s`, `5m0s`).
fn backoff_text(restarts: u32) -> String {
    let secs = (10u64 << restarts.saturating_sub(1).min(5)).min(300);
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{}s", secs / 60, secs % 60)
    }
}

/// One container as the kubelet runs it.
#[derive(Debug, Clone)]
struct ContainerTrack {
    name: String,
    image: String,
    behaviour: Behaviour,
    started_at: String,
    restarts: u32,
    last_terminated: Option<Value>,
    next_restart: Option<Instant>,
}

impl ContainerTrack {
    fn new(spec: &Value) -> Self {
        let image = spec["image"].as_str().unwrap_or("").to_string();
        ContainerTrack {
            name: spec["name"].as_str().unwrap_or("").to_string(),
            behaviour: behaviour_of(&image),
            image,
            started_at: String::new(),
            restarts: 0,
            last_terminated: None,
            next_restart: None,
        }
    }
}

/// What the kubelet remembers of one pod.
#[derive(Debug, Clone)]
struct PodTrack {
    seen: Instant,
    start_time: String,
    node: String,
    host_ip: String,
    pod_ip: Option<String>,
    started: Option<Instant>,
    containers: Vec<ContainerTrack>,
    init: Vec<ContainerTrack>,
    ephemeral: Vec<ContainerTrack>,
    ready: bool,
    next_probe_event: Option<Instant>,
    terminating: Option<Instant>,
    terminated_at: Option<String>,
}

impl PodTrack {
    fn new(pod: &Value, node: &str, host_ip: String, now: Instant, wall: &str) -> Self {
        let list = |field: &str| -> Vec<ContainerTrack> {
            pod["spec"][field]
                .as_array()
                .map(|cs| cs.iter().map(ContainerTrack::new).collect())
                .unwrap_or_default()
        };
        PodTrack {
            seen: now,
            start_time: wall.to_string(),
            node: node.to_string(),
            host_ip,
            pod_ip: None,
            started: None,
            containers: list("containers"),
            init: list("initContainers"),
            ephemeral: Vec::new(),
            ready: false,
            next_probe_event: None,
            terminating: None,
            terminated_at: None,
        }
    }
}

/// Identity of a pod for messages (`web-0_default(uid)`).
struct PodId<'a> {
    ns: &'a str,
    name: &'a str,
    uid: &'a str,
}

fn container_status(c: &ContainerTrack, track: &PodTrack, pod: &PodId<'_>) -> Value {
    let mut s = json!({
        "name": c.name,
        "image": c.image,
        "imageID": "",
        "restartCount": c.restarts,
        "ready": false,
        "started": false,
        "lastState": {},
    });
    if track.started.is_none() {
        s["state"] = match &track.terminated_at {
            Some(finished) => json!({"terminated": {
                "exitCode": 137,
                "reason": "ContainerStatusUnknown",
                "message": "The container could not be located when the pod was terminated",
                "finishedAt": finished,
            }}),
            None => json!({"waiting": {"reason": "ContainerCreating"}}),
        };
        return s;
    }
    s["imageID"] = json!(image_id(&c.image));
    s["containerID"] = json!(container_id(pod.uid, &c.name, c.restarts));
    if let Some(last) = &c.last_terminated {
        s["lastState"] = json!({ "terminated": last });
    }
    if let Some(finished) = &track.terminated_at {
        let exit = if c.behaviour == Behaviour::Crash {
            1
        } else {
            0
        };
        s["state"] = json!({"terminated": {
            "exitCode": exit,
            "reason": if exit == 0 { "Completed" } else { "Error" },
            "startedAt": c.started_at,
            "finishedAt": finished,
            "containerID": container_id(pod.uid, &c.name, c.restarts),
        }});
        return s;
    }
    if c.behaviour == Behaviour::Crash {
        s["state"] = json!({"waiting": {
            "reason": "CrashLoopBackOff",
            "message": format!(
                "back-off {} restarting failed container={} pod={}_{}({})",
                backoff_text(c.restarts), c.name, pod.name, pod.ns, pod.uid
            ),
        }});
        return s;
    }
    s["state"] = json!({"running": {"startedAt": c.started_at}});
    s["started"] = json!(true);
    s["ready"] = json!(track.ready && c.behaviour == Behaviour::Normal);
    s
}

/// Writes the kubelet's view of a pod into its status (pure; keeps unrelated fields).
fn render_status(status: &mut Value, track: &PodTrack, pod: &PodId<'_>, wall: &str) {
    if !status.is_object() {
        *status = json!({});
    }
    let running = track.started.is_some();
    status["phase"] = json!(if running { "Running" } else { "Pending" });
    status["hostIP"] = json!(track.host_ip);
    status["hostIPs"] = json!([{ "ip": track.host_ip }]);
    status["startTime"] = json!(track.start_time);
    if let Some(ip) = &track.pod_ip {
        status["podIP"] = json!(ip);
        status["podIPs"] = json!([{ "ip": ip }]);
    }
    let statuses: Vec<Value> = track
        .containers
        .iter()
        .map(|c| container_status(c, track, pod))
        .collect();
    let unready: Vec<&str> = statuses
        .iter()
        .filter(|s| s["ready"] != true)
        .filter_map(|s| s["name"].as_str())
        .collect();
    let ready = unready.is_empty();
    let not_ready_msg = format!("containers with unready status: [{}]", unready.join(" "));
    if !track.init.is_empty() {
        let init: Vec<Value> = track
            .init
            .iter()
            .map(|c| {
                let mut s = json!({
                    "name": c.name, "image": c.image, "imageID": "", "restartCount": 0,
                    "ready": false, "started": false, "lastState": {},
                    "state": {"waiting": {"reason": "PodInitializing"}},
                });
                if running {
                    s["imageID"] = json!(image_id(&c.image));
                    s["ready"] = json!(true);
                    s["state"] = json!({"terminated": {
                        "exitCode": 0, "reason": "Completed",
                        "startedAt": track.start_time, "finishedAt": track.start_time,
                        "containerID": container_id(pod.uid, &c.name, 0),
                    }});
                }
                s
            })
            .collect();
        status["initContainerStatuses"] = Value::Array(init);
    }
    status["containerStatuses"] = Value::Array(statuses);
    if !track.ephemeral.is_empty() {
        let eph: Vec<Value> = track
            .ephemeral
            .iter()
            .map(|c| {
                let mut s = json!({
                    "name": c.name, "image": c.image, "imageID": image_id(&c.image),
                    "containerID": container_id(pod.uid, &c.name, 0),
                    "restartCount": 0, "ready": false, "lastState": {},
                    "state": {"running": {"startedAt": c.started_at}},
                });
                if let Some(finished) = &track.terminated_at {
                    s["state"] = json!({"terminated": {
                        "exitCode": 0, "reason": "Completed", "startedAt": c.started_at,
                        "finishedAt": finished, "containerID": container_id(pod.uid, &c.name, 0),
                    }});
                }
                s
            })
            .collect();
        status["ephemeralContainerStatuses"] = Value::Array(eph);
    }
    let sandbox = running && track.terminated_at.is_none();
    let readiness = |kind: &str| {
        if ready {
            cond(kind, true, None, None)
        } else {
            cond(
                kind,
                false,
                Some("ContainersNotReady"),
                Some(&not_ready_msg),
            )
        }
    };
    let desired = [
        cond("PodReadyToStartContainers", sandbox, None, None),
        cond("Initialized", true, None, None),
        readiness("Ready"),
        readiness("ContainersReady"),
        cond("PodScheduled", true, None, None),
    ];
    for c in desired {
        set_condition(status, c, wall);
    }
    // Upstream's order: PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled.
    if let Some(list) = status["conditions"].as_array_mut() {
        let order = |c: &Value| match c["type"].as_str().unwrap_or("") {
            "PodReadyToStartContainers" => 0,
            "Initialized" => 1,
            "Ready" => 2,
            "ContainersReady" => 3,
            "PodScheduled" => 4,
            _ => 5,
        };
        list.sort_by_key(order);
    }
}

/// The failure text of a readiness probe, as the kubelet words it.
fn probe_failure(spec: &Value, pod_ip: &str) -> String {
    let probe = &spec["readinessProbe"];
    if probe["tcpSocket"].is_object() {
        let port = &probe["tcpSocket"]["port"];
        let port = port
            .as_i64()
            .map(|p| p.to_string())
            .unwrap_or_else(|| port.as_str().unwrap_or("80").to_string());
        format!("dial tcp {pod_ip}:{port}: connect: connection refused")
    } else if probe["exec"].is_object() {
        String::new()
    } else {
        "HTTP probe failed with statuscode: 503".to_string()
    }
}

fn probe_period(spec: &Value) -> Duration {
    Duration::from_secs(
        spec["readinessProbe"]["periodSeconds"]
            .as_u64()
            .unwrap_or(10)
            .max(1),
    )
}

/// Scheduler and kubelet state kept between passes.
#[derive(Default)]
struct Kubelet {
    pods: HashMap<String, PodTrack>,
    unschedulable: HashMap<String, String>,
}

fn earliest(a: Option<Instant>, b: Instant) -> Option<Instant> {
    Some(a.map_or(b, |a| a.min(b)))
}

impl Kubelet {
    /// One scheduling pass over unbound pods.
    fn schedule(&mut self, state: &State) {
        let pods = state.store.list(&PODS, None).0;
        let pending: Vec<&Obj> = pods
            .iter()
            .filter(|p| pod_node(p).is_none() && !is_deleting(p) && !pod_finished(p))
            .filter(|p| {
                p["spec"]["schedulerName"]
                    .as_str()
                    .is_none_or(|s| s == "default-scheduler")
            })
            .collect();
        if pending.is_empty() {
            self.unschedulable.clear();
            return;
        }
        let mut view = ClusterView::load(state);
        let rec = Recorder {
            component: "default-scheduler",
            host: None,
        };
        let wall = now_rfc3339();
        for pod in pending {
            let (ns, name, uid) = (meta(pod, "namespace"), meta(pod, "name"), meta(pod, "uid"));
            match decide_schedule(pod, &view) {
                Schedule::Bind(node) => {
                    let bound = state.store.modify(&PODS, ns, name, |p| {
                        if pod_node(p).is_some() || is_deleting(p) || meta(p, "uid") != uid {
                            return Ok(false);
                        }
                        p["spec"]["nodeName"] = json!(node);
                        set_condition(
                            &mut p["status"],
                            cond("PodScheduled", true, None, None),
                            &wall,
                        );
                        Ok(true)
                    });
                    if let Ok(p) = bound {
                        if pod_node(&p) == Some(node.as_str()) {
                            *view.pods_per_node.entry(node.clone()).or_default() += 1;
                            self.unschedulable.remove(uid);
                            rec.normal(
                                state,
                                &p,
                                "Scheduled",
                                &format!("Successfully assigned {ns}/{name} to {node}"),
                            );
                        }
                    }
                }
                Schedule::Unschedulable(message) => {
                    if self.unschedulable.get(uid) == Some(&message) {
                        continue;
                    }
                    let written = api::write_status(state, &PODS, ns, name, |st| {
                        let c = cond("PodScheduled", false, Some("Unschedulable"), Some(&message));
                        set_condition(st, c, &wall);
                    });
                    if let Ok(p) = written {
                        rec.warning(state, &p, "FailedScheduling", &message);
                        self.unschedulable.insert(uid.to_string(), message);
                    }
                }
                Schedule::SelectNode { node, claims } => {
                    for claim in claims {
                        let _ = state.store.modify(&PVCS, ns, &claim, |c| {
                            if c["metadata"]["annotations"][SELECTED_NODE].is_string() {
                                return Ok(false);
                            }
                            if !c["metadata"]["annotations"].is_object() {
                                c["metadata"]["annotations"] = json!({});
                            }
                            c["metadata"]["annotations"][SELECTED_NODE] = json!(node);
                            Ok(true)
                        });
                    }
                }
                Schedule::Wait => {}
            }
        }
    }

    /// One kubelet pass over bound and terminating pods; returns when to look again.
    fn sync(&mut self, state: &State) -> Option<Instant> {
        let now = Instant::now();
        let wall = now_rfc3339();
        let pods = state.store.list(&PODS, None).0;
        let nodes = state.store.list(&NODES, None).0;
        let node_ips: HashMap<&str, String> = nodes
            .iter()
            .filter_map(|n| Some((meta(n, "name"), node_internal_ip(n)?)))
            .collect();
        let live: HashSet<&str> = pods.iter().map(|p| meta(p, "uid")).collect();
        let gone: Vec<String> = self
            .pods
            .keys()
            .filter(|uid| !live.contains(uid.as_str()))
            .cloned()
            .collect();
        for uid in gone {
            self.pods.remove(&uid);
            drop_pod_volumes(state, &uid);
        }
        let mut used_ips: HashSet<String> = pods
            .iter()
            .filter_map(|p| p["status"]["podIP"].as_str().map(str::to_string))
            .collect();
        let mut next: Option<Instant> = None;
        for pod in &pods {
            if pod_finished(pod) {
                continue;
            }
            let (ns, name, uid) = (meta(pod, "namespace"), meta(pod, "name"), meta(pod, "uid"));
            let Some(node) = pod_node(pod) else {
                if is_deleting(pod) && !has_finalizers(pod) {
                    let _ = state.store.remove(&PODS, ns, name);
                }
                continue;
            };
            let rec = Recorder {
                component: "kubelet",
                host: Some(node),
            };
            let track = self.pods.entry(uid.to_string()).or_insert_with(|| {
                let host_ip = node_ips.get(node).cloned().unwrap_or_default();
                PodTrack::new(pod, node, host_ip, now, &wall)
            });
            let id = PodId { ns, name, uid };
            if is_deleting(pod) {
                if let Some(at) = terminate(state, pod, track, &id, &rec, now, &wall) {
                    next = earliest(next, at);
                }
                continue;
            }
            let before = track.clone();
            let mut events: Vec<(Option<String>, &str, &str, String)> = Vec::new();
            // Start the containers.
            let start_at = track.seen + state.opts.pod_start_delay;
            if track.started.is_none() {
                if now >= start_at {
                    track.started = Some(now);
                    let ip = allocate_ip(&track.node, &used_ips);
                    used_ips.insert(ip.clone());
                    track.pod_ip = Some(ip);
                    for c in &mut track.containers {
                        c.started_at = wall.clone();
                        let fp = Some(format!("spec.containers{{{}}}", c.name));
                        events.push((fp.clone(), "Normal", "Pulled", format!(
                            "Container image \"{}\" already present on machine and can be accessed by the pod",
                            c.image
                        )));
                        events.push((
                            fp.clone(),
                            "Normal",
                            "Created",
                            format!("Created container: {}", c.name),
                        ));
                        events.push((
                            fp.clone(),
                            "Normal",
                            "Started",
                            format!("Started container {}", c.name),
                        ));
                        if c.behaviour == Behaviour::Crash {
                            c.restarts = 1;
                            c.last_terminated = Some(crash_record(uid, c, &wall));
                            c.next_restart = Some(now + state.opts.crash_restart_interval);
                            events.push((fp, "Warning", "BackOff", backoff_message(c, &id)));
                        }
                    }
                    for claim in pod_claims(pod) {
                        provisioner::finish_offline_resize(state, ns, &claim, pod);
                    }
                } else {
                    next = earliest(next, start_at);
                }
            }
            // Debug containers start as soon as they are added.
            if let Some(eph) = pod["spec"]["ephemeralContainers"].as_array() {
                for spec in eph {
                    let cname = spec["name"].as_str().unwrap_or("");
                    if track.ephemeral.iter().all(|c| c.name != cname) {
                        let mut c = ContainerTrack::new(spec);
                        c.started_at = wall.clone();
                        let fp = Some(format!("spec.ephemeralContainers{{{cname}}}"));
                        events.push((fp.clone(), "Normal", "Pulled", format!(
                            "Container image \"{}\" already present on machine and can be accessed by the pod",
                            c.image
                        )));
                        events.push((
                            fp.clone(),
                            "Normal",
                            "Created",
                            format!("Created container: {cname}"),
                        ));
                        events.push((
                            fp,
                            "Normal",
                            "Started",
                            format!("Started container {cname}"),
                        ));
                        track.ephemeral.push(c);
                    }
                }
            }
            if let Some(started) = track.started {
                // Crash loops.
                for c in &mut track.containers {
                    if let Some(at) = c.next_restart {
                        if now >= at {
                            c.restarts += 1;
                            c.started_at = wall.clone();
                            c.last_terminated = Some(crash_record(uid, c, &wall));
                            c.next_restart = Some(now + state.opts.crash_restart_interval);
                            let fp = Some(format!("spec.containers{{{}}}", c.name));
                            events.push((fp, "Warning", "BackOff", backoff_message(c, &id)));
                        }
                        if let Some(at) = c.next_restart {
                            next = earliest(next, at);
                        }
                    }
                }
                // Readiness.
                let ready_at = started + state.opts.pod_ready_delay;
                let never = state.faults.is_never_ready(ns, name);
                if now >= ready_at {
                    let healthy = track
                        .containers
                        .iter()
                        .all(|c| c.behaviour == Behaviour::Normal);
                    track.ready = healthy && !never;
                    let failing: Vec<&ContainerTrack> = track
                        .containers
                        .iter()
                        .filter(|c| {
                            c.behaviour == Behaviour::Broken
                                || (never && c.behaviour == Behaviour::Normal)
                        })
                        .collect();
                    if failing.is_empty() {
                        track.next_probe_event = None;
                    } else if track.next_probe_event.is_none_or(|t| now >= t) {
                        let ip = track.pod_ip.clone().unwrap_or_default();
                        let specs = pod["spec"]["containers"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        let mut period = Duration::from_secs(10);
                        for c in failing {
                            let spec = specs
                                .iter()
                                .find(|s| s["name"] == c.name.as_str())
                                .cloned()
                                .unwrap_or(Value::Null);
                            period = period.min(probe_period(&spec));
                            let fp = Some(format!("spec.containers{{{}}}", c.name));
                            events.push((
                                fp,
                                "Warning",
                                "Unhealthy",
                                format!("Readiness probe failed: {}", probe_failure(&spec, &ip)),
                            ));
                        }
                        track.next_probe_event = Some(now + period);
                    }
                    if let Some(t) = track.next_probe_event {
                        next = earliest(next, t);
                    }
                } else {
                    next = earliest(next, ready_at);
                }
            }
            // Faults can change without store events: look again now and then.
            next = earliest(next, now + RESYNC);
            let first_sight = before.seen == now;
            let changed = first_sight
                || before.started != track.started
                || before.ready != track.ready
                || before.ephemeral.len() != track.ephemeral.len()
                || before
                    .containers
                    .iter()
                    .zip(&track.containers)
                    .any(|(a, b)| a.restarts != b.restarts);
            if changed || pod["status"]["hostIP"].is_null() {
                let snapshot = track.clone();
                let written = api::write_status(state, &PODS, ns, name, |st| {
                    render_status(st, &snapshot, &id, &wall);
                });
                let obj = written.unwrap_or_else(|_| pod.clone());
                for (fp, kind, reason, message) in events {
                    rec.emit(state, &obj, fp.as_deref(), kind, reason, &message);
                }
            } else {
                for (fp, kind, reason, message) in events {
                    rec.emit(state, pod, fp.as_deref(), kind, reason, &message);
                }
            }
        }
        next
    }
}

fn crash_record(uid: &str, c: &ContainerTrack, wall: &str) -> Value {
    json!({
        "exitCode": 1,
        "reason": "Error",
        "startedAt": wall,
        "finishedAt": wall,
        "containerID": container_id(uid, &c.name, c.restarts.saturating_sub(1)),
    })
}

fn backoff_message(c: &ContainerTrack, pod: &PodId<'_>) -> String {
    format!(
        "Back-off restarting failed container {} in pod {}_{}({})",
        c.name, pod.name, pod.ns, pod.uid
    )
}

fn drop_pod_volumes(state: &State, uid: &str) {
    state.fs.drop_prefix(&format!("pod/{uid}/"));
    state.fs.drop_prefix(&format!("root/{uid}/"));
}

/// A free pod IP on a node: `10.244.<node number>.<n>`.
fn allocate_ip(node: &str, used: &HashSet<String>) -> String {
    let (_, num, _) = node_order(node);
    let subnet = if (1..=250).contains(&num) {
        num
    } else {
        u64::from_str_radix(&hash_hex(&[node])[..2], 16).unwrap_or(0) % 250 + 1
    };
    (2..=254)
        .map(|host| format!("10.244.{subnet}.{host}"))
        .find(|ip| !used.contains(ip))
        .unwrap_or_else(|| format!("10.244.{subnet}.254"))
}

/// Plays a terminating pod's end; returns when to look again.
fn terminate(
    state: &State,
    pod: &Value,
    track: &mut PodTrack,
    id: &PodId<'_>,
    rec: &Recorder<'_>,
    now: Instant,
    wall: &str,
) -> Option<Instant> {
    let since = match track.terminating {
        Some(t) => t,
        None => {
            track.terminating = Some(now);
            if track.started.is_some() {
                for c in &track.containers {
                    let fp = format!("spec.containers{{{}}}", c.name);
                    rec.emit(
                        state,
                        pod,
                        Some(&fp),
                        "Normal",
                        "Killing",
                        &format!("Stopping container {}", c.name),
                    );
                }
            }
            now
        }
    };
    let done_at = since + state.opts.termination_delay;
    if now < done_at {
        return Some(done_at);
    }
    if track.terminated_at.is_none() {
        track.terminated_at = Some(wall.to_string());
        track.ready = false;
        let snapshot = track.clone();
        let _ = api::write_status(state, &PODS, id.ns, id.name, |st| {
            render_status(st, &snapshot, id, wall);
        });
        drop_pod_volumes(state, id.uid);
    }
    let current = state.store.get(&PODS, id.ns, id.name);
    if let Some(p) = current {
        if meta(&p, "uid") == id.uid && !has_finalizers(&p) {
            let _ = state.store.remove(&PODS, id.ns, id.name);
        }
    }
    None
}

fn relevant(ev: &Event) -> bool {
    matches!(
        ev.rt.plural,
        "pods" | "nodes" | "persistentvolumeclaims" | "persistentvolumes" | "storageclasses"
    )
}

/// Runs the scheduler and the kubelet until the runtime stops.
pub async fn run(state: SharedState) {
    let mut rx = state.store.subscribe();
    let mut kubelet = Kubelet::default();
    loop {
        state.faults.wait_unpaused().await;
        kubelet.schedule(&state);
        let next = kubelet.sync(&state);
        wait_for_change(&mut rx, relevant, next).await;
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers the controller tests share: a bootstrapped state and condition waits.

    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::{json, Value};

    use crate::machinery::api;
    use crate::machinery::resources::{EVENTS, NAMESPACES};
    use crate::machinery::store::Obj;
    use crate::options::ClusterOptions;
    use crate::state::{SharedState, State};

    /// A state with namespace `default`, nodes and the default StorageClass.
    pub fn cluster(opts: ClusterOptions) -> SharedState {
        let state = Arc::new(State::new(opts));
        api::create(
            &state,
            &NAMESPACES,
            "",
            json!({"metadata": {"name": "default"}}),
            false,
        )
        .expect("namespace");
        super::bootstrap_nodes(&state);
        super::super::provisioner::bootstrap_storage(&state);
        state
    }

    /// Waits (up to 10 s) until `check` returns something, re-checking on every store
    /// event and every 20 ms; panics with `what` on timeout.
    pub async fn wait_for<T>(
        state: &State,
        what: &str,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> T {
        let mut rx = state.store.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(v) = check(state) {
                return v;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("timed out waiting for {what}");
            }
            let _ = tokio::time::timeout(Duration::from_millis(20), rx.recv()).await;
        }
    }

    /// Events about the object named `name` with this reason.
    pub fn events(state: &State, name: &str, reason: &str) -> Vec<Obj> {
        state
            .store
            .list(&EVENTS, None)
            .0
            .into_iter()
            .filter(|e| e["involvedObject"]["name"] == name && e["reason"] == reason)
            .collect()
    }

    /// A pod with one container and the given claims mounted.
    pub fn pod(name: &str, image: &str, claims: &[&str]) -> Value {
        let volumes: Vec<Value> = claims
            .iter()
            .map(|c| json!({"name": c, "persistentVolumeClaim": {"claimName": c}}))
            .collect();
        json!({
            "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {
                "containers": [{"name": "app", "image": image, "ports": [{"name": "http", "containerPort": 8080}]}],
                "volumes": volumes,
            },
        })
    }

    /// A claim asking for `size` (class unset unless given).
    pub fn claim(name: &str, size: &str, class: Option<&str>) -> Value {
        let mut c = json!({
            "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
        });
        if let Some(class) = class {
            c["spec"]["storageClassName"] = json!(class);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::test_support::{claim, cluster, events, pod, wait_for};
    use super::*;
    use crate::options::ClusterOptions;

    fn get_pod(state: &State, name: &str) -> Option<Obj> {
        state.store.get(&PODS, "default", name)
    }

    #[test]
    fn image_tags_and_behaviours() {
        assert_eq!(image_tag("nginx:1.25"), "1.25");
        assert_eq!(image_tag("registry:5000/app"), "");
        assert_eq!(image_tag("registry:5000/app:broken-v2"), "broken-v2");
        assert_eq!(
            behaviour_of("registry:5000/crash/app:v1"),
            Behaviour::Normal
        );
        assert_eq!(behaviour_of("app:crash"), Behaviour::Crash);
        assert_eq!(behaviour_of("app:v2-broken"), Behaviour::Broken);
        assert_eq!(
            image_id("nginx:1.25").split('@').next(),
            Some("docker.io/library/nginx")
        );
        assert_eq!(backoff_text(1), "10s");
        assert_eq!(backoff_text(4), "1m20s");
        assert_eq!(backoff_text(9), "5m0s");
    }

    #[test]
    fn set_condition_keeps_transition_time_when_status_is_unchanged() {
        let mut st = json!({});
        set_condition(&mut st, cond("Ready", false, Some("X"), None), "t1");
        set_condition(&mut st, cond("Ready", false, Some("Y"), None), "t2");
        assert_eq!(st["conditions"][0]["lastTransitionTime"], "t1");
        assert_eq!(st["conditions"][0]["reason"], "Y");
        set_condition(&mut st, cond("Ready", true, None, None), "t3");
        assert_eq!(st["conditions"][0]["lastTransitionTime"], "t3");
    }

    #[test]
    fn scheduler_decisions() {
        let state = cluster(ClusterOptions::default());
        let mut view = ClusterView::load(&state);
        let mut p = pod("web-0", "nginx:1", &["data-web-0"]);
        p["metadata"]["namespace"] = json!("default");
        let Schedule::Unschedulable(msg) = decide_schedule(&p, &view) else {
            panic!()
        };
        assert_eq!(msg, "0/3 nodes are available: persistentvolumeclaim \"data-web-0\" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
        let c = json!({"metadata": {"name": "data-web-0", "namespace": "default"}, "spec": {"storageClassName": "standard"}, "status": {"phase": "Pending"}});
        view.claims.insert(
            ("default".into(), "data-web-0".into()),
            std::sync::Arc::new(c),
        );
        let Schedule::Unschedulable(msg) = decide_schedule(&p, &view) else {
            panic!()
        };
        assert!(
            msg.starts_with(
                "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
            ),
            "{msg}"
        );
        // Spreading: fewest pods first, then node order.
        view.pods_per_node.insert("node-1".into(), 2);
        view.pods_per_node.insert("node-2".into(), 1);
        view.pods_per_node.insert("node-3".into(), 1);
        assert_eq!(
            decide_schedule(&pod("x", "nginx", &[]), &view),
            Schedule::Bind("node-2".into())
        );
        // Volume affinity pins the node.
        let pv = json!({"metadata": {"name": "pv1"}, "spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1"]}]}]}}}});
        view.pvs.insert("pv1".into(), std::sync::Arc::new(pv));
        let c = json!({"metadata": {"name": "data-web-0", "namespace": "default"}, "spec": {"volumeName": "pv1"}, "status": {"phase": "Bound"}});
        view.claims.insert(
            ("default".into(), "data-web-0".into()),
            std::sync::Arc::new(c),
        );
        assert_eq!(decide_schedule(&p, &view), Schedule::Bind("node-1".into()));
        let mut pinned = p.clone();
        pinned["spec"]["nodeSelector"] = json!({"kubernetes.io/hostname": "node-2"});
        let Schedule::Unschedulable(msg) = decide_schedule(&pinned, &view) else {
            panic!()
        };
        assert!(msg.contains("2 node(s) didn't match Pod's node affinity/selector, 1 node(s) had volume node affinity conflict"), "{msg}");
    }

    #[tokio::test]
    async fn pod_goes_pending_running_ready_with_conditions() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        api::create(
            &state,
            &PODS,
            "default",
            pod("web-0", "nginx:1.25", &[]),
            false,
        )
        .unwrap();
        let p = wait_for(&state, "pod ready", |s| {
            get_pod(s, "web-0").filter(|p| pod_ready(p))
        })
        .await;
        let st = &p["status"];
        assert_eq!(st["phase"], "Running");
        assert!(st["podIP"].as_str().unwrap().starts_with("10.244."));
        assert!(st["hostIP"].as_str().unwrap().starts_with("172.18.0."));
        assert!(st["startTime"].is_string());
        let cs = &st["containerStatuses"][0];
        assert_eq!(cs["ready"], true);
        assert_eq!(cs["started"], true);
        assert_eq!(cs["restartCount"], 0);
        assert!(cs["state"]["running"]["startedAt"].is_string());
        assert!(cs["containerID"]
            .as_str()
            .unwrap()
            .starts_with("containerd://"));
        let types: Vec<&str> = st["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "PodReadyToStartContainers",
                "Initialized",
                "Ready",
                "ContainersReady",
                "PodScheduled"
            ]
        );
        for c in st["conditions"].as_array().unwrap() {
            assert_eq!(c["status"], "True");
            assert!(c["lastTransitionTime"].is_string());
        }
        let node = p["spec"]["nodeName"].as_str().unwrap();
        let sched = events(&state, "web-0", "Scheduled");
        assert_eq!(
            sched[0]["message"],
            format!("Successfully assigned default/web-0 to {node}")
        );
        for reason in ["Pulled", "Created", "Started"] {
            let e = events(&state, "web-0", reason);
            assert_eq!(e.len(), 1, "{reason}");
            assert_eq!(e[0]["source"]["component"], "kubelet");
            assert_eq!(e[0]["source"]["host"], node);
        }
        // Three pods spread over three nodes.
        for n in ["a", "b"] {
            api::create(&state, &PODS, "default", pod(n, "nginx", &[]), false).unwrap();
        }
        let nodes = wait_for(&state, "spread", |s| {
            let ns: HashSet<String> = ["web-0", "a", "b"]
                .iter()
                .filter_map(|n| get_pod(s, n).and_then(|p| pod_node(&p).map(str::to_string)))
                .collect();
            (ns.len() == 3).then_some(ns)
        })
        .await;
        assert_eq!(nodes.len(), 3);
    }

    #[tokio::test]
    async fn readiness_is_written_once_and_does_not_flap() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        let mut rx = state.store.subscribe();
        api::create(&state, &PODS, "default", pod("web-0", "nginx", &[]), false).unwrap();
        wait_for(&state, "ready", |s| {
            get_pod(s, "web-0").filter(|p| pod_ready(p))
        })
        .await;
        // Wait for a few resyncs, then count pod writes.
        let p = get_pod(&state, "web-0").unwrap();
        let rv = p["metadata"]["resourceVersion"].clone();
        let target = state.store.resource_version();
        api::create(&state, &PODS, "default", pod("other", "nginx", &[]), false).unwrap();
        wait_for(&state, "other ready", |s| {
            get_pod(s, "other").filter(|p| pod_ready(p))
        })
        .await;
        assert_eq!(
            get_pod(&state, "web-0").unwrap()["metadata"]["resourceVersion"],
            rv
        );
        let mut writes = 0;
        while let Ok(ev) = rx.try_recv() {
            if ev.rv <= target
                && std::ptr::eq(ev.rt, &PODS)
                && ev.object["metadata"]["name"] == "web-0"
            {
                writes += 1;
            }
        }
        // create, bind, ContainerCreating, Running, Ready.
        assert_eq!(writes, 5);
    }

    #[tokio::test]
    async fn broken_image_runs_but_never_gets_ready() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        api::create(
            &state,
            &PODS,
            "default",
            pod("web-0", "app:broken", &[]),
            false,
        )
        .unwrap();
        let e = wait_for(&state, "Unhealthy", |s| {
            events(s, "web-0", "Unhealthy").pop()
        })
        .await;
        assert_eq!(e["type"], "Warning");
        assert_eq!(
            e["message"],
            "Readiness probe failed: HTTP probe failed with statuscode: 503"
        );
        let p = get_pod(&state, "web-0").unwrap();
        assert_eq!(p["status"]["phase"], "Running");
        assert!(!pod_ready(&p));
        assert_eq!(p["status"]["containerStatuses"][0]["started"], true);
        let ready = condition(&p["status"], "Ready").unwrap();
        assert_eq!(ready["reason"], "ContainersNotReady");
        assert_eq!(ready["message"], "containers with unready status: [app]");
    }

    #[tokio::test]
    async fn never_ready_fault_holds_readiness_until_cleared() {
        let state = cluster(ClusterOptions::default());
        state.faults.never_ready("default", "web-0");
        tokio::spawn(run(state.clone()));
        api::create(&state, &PODS, "default", pod("web-0", "nginx", &[]), false).unwrap();
        wait_for(&state, "Unhealthy", |s| {
            events(s, "web-0", "Unhealthy").pop()
        })
        .await;
        let p = get_pod(&state, "web-0").unwrap();
        assert_eq!(p["status"]["phase"], "Running");
        assert!(!pod_ready(&p));
        state.faults.clear();
        wait_for(&state, "ready after clear", |s| {
            get_pod(s, "web-0").filter(|p| pod_ready(p))
        })
        .await;
    }

    #[tokio::test]
    async fn crashing_image_restarts_with_growing_count() {
        let opts = ClusterOptions {
            crash_restart_interval: Duration::from_millis(40),
            ..ClusterOptions::default()
        };
        let state = cluster(opts);
        tokio::spawn(run(state.clone()));
        api::create(
            &state,
            &PODS,
            "default",
            pod("web-0", "app:crash", &[]),
            false,
        )
        .unwrap();
        let p = wait_for(&state, "3 restarts", |s| {
            get_pod(s, "web-0")
                .filter(|p| p["status"]["containerStatuses"][0]["restartCount"].as_u64() >= Some(3))
        })
        .await;
        let cs = &p["status"]["containerStatuses"][0];
        assert_eq!(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert_eq!(cs["lastState"]["terminated"]["exitCode"], 1);
        assert_eq!(cs["ready"], false);
        assert_eq!(p["status"]["phase"], "Running");
        assert!(!pod_ready(&p));
        let backoff = events(&state, "web-0", "BackOff");
        assert_eq!(backoff.len(), 1);
        assert!(backoff[0]["count"].as_i64().unwrap() >= 3);
    }

    #[tokio::test]
    async fn terminating_pod_is_removed_after_the_delay() {
        let opts = ClusterOptions {
            termination_delay: Duration::from_millis(200),
            ..ClusterOptions::default()
        };
        let state = cluster(opts);
        tokio::spawn(run(state.clone()));
        let created =
            api::create(&state, &PODS, "default", pod("web-0", "nginx", &[]), false).unwrap();
        let uid = meta(&created, "uid").to_string();
        wait_for(&state, "ready", |s| {
            get_pod(s, "web-0").filter(|p| pod_ready(p))
        })
        .await;
        state
            .fs
            .write(&format!("pod/{uid}/scratch"), "a", b"x".to_vec())
            .unwrap();
        let t0 = Instant::now();
        let deleted = api::delete(
            &state,
            &PODS,
            "default",
            "web-0",
            &api::DeleteOptions::default(),
        )
        .unwrap();
        assert!(is_deleting(&deleted));
        wait_for(&state, "pod gone", |s| {
            get_pod(s, "web-0").is_none().then_some(())
        })
        .await;
        assert!(t0.elapsed() >= Duration::from_millis(200));
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert_eq!(state.fs.usage(&format!("pod/{uid}/scratch")), (0, 0));
        assert_eq!(
            events(&state, "web-0", "Killing")[0]["message"],
            "Stopping container app"
        );
    }

    #[tokio::test]
    async fn unbound_claim_keeps_pod_pending_with_the_reason() {
        let state = cluster(ClusterOptions::default());
        tokio::spawn(run(state.clone()));
        api::create(
            &state,
            &PODS,
            "default",
            pod("web-0", "nginx", &["data-web-0"]),
            false,
        )
        .unwrap();
        let p = wait_for(&state, "unschedulable", |s| {
            get_pod(s, "web-0").filter(|p| condition(&p["status"], "PodScheduled").is_some())
        })
        .await;
        let c = condition(&p["status"], "PodScheduled").unwrap();
        assert_eq!(c["status"], "False");
        assert_eq!(c["reason"], "Unschedulable");
        assert!(c["message"]
            .as_str()
            .unwrap()
            .contains("persistentvolumeclaim \"data-web-0\" not found"));
        assert_eq!(p["status"]["phase"], "Pending");
        // A Pending claim (no provisioner running): unbound immediate claims.
        api::create(
            &state,
            &PVCS,
            "default",
            claim("data-web-0", "1Gi", Some("standard")),
            false,
        )
        .unwrap();
        let p = wait_for(&state, "unbound message", |s| {
            get_pod(s, "web-0").filter(|p| {
                condition(&p["status"], "PodScheduled").is_some_and(|c| {
                    c["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains("pod has unbound immediate PersistentVolumeClaims")
                })
            })
        })
        .await;
        assert!(pod_node(&p).is_none());
        let ev = events(&state, "web-0", "FailedScheduling");
        assert_eq!(ev.len(), 2);
        assert!(ev
            .iter()
            .all(|e| e["type"] == "Warning" && e["source"]["component"] == "default-scheduler"));
        // With the provisioner, the claim binds and the pod runs.
        tokio::spawn(provisioner::run(state.clone()));
        wait_for(&state, "ready", |s| {
            get_pod(s, "web-0").filter(|p| pod_ready(p))
        })
        .await;
    }

    #[tokio::test]
    async fn wait_for_first_consumer_provisions_on_the_chosen_node() {
        let state = cluster(ClusterOptions::default());
        api::create(
            &state,
            &STORAGECLASSES,
            "",
            json!({
                "metadata": {"name": "local"}, "provisioner": provisioner::PROVISIONER,
                "volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Delete",
            }),
            false,
        )
        .unwrap();
        tokio::spawn(run(state.clone()));
        tokio::spawn(provisioner::run(state.clone()));
        api::create(
            &state,
            &PVCS,
            "default",
            claim("data", "1Gi", Some("local")),
            false,
        )
        .unwrap();
        let e = wait_for(&state, "WaitForFirstConsumer", |s| {
            events(s, "data", "WaitForFirstConsumer").pop()
        })
        .await;
        assert_eq!(
            e["message"],
            "waiting for first consumer to be created before binding"
        );
        assert_eq!(
            state.store.get(&PVCS, "default", "data").unwrap()["status"]["phase"],
            "Pending"
        );
        api::create(
            &state,
            &PODS,
            "default",
            pod("web-0", "nginx", &["data"]),
            false,
        )
        .unwrap();
        let p = wait_for(&state, "ready", |s| {
            get_pod(s, "web-0").filter(|p| pod_ready(p))
        })
        .await;
        let node = pod_node(&p).unwrap();
        let c = state.store.get(&PVCS, "default", "data").unwrap();
        assert_eq!(c["metadata"]["annotations"][SELECTED_NODE], node);
        let pv = state
            .store
            .get(&PVS, "", c["spec"]["volumeName"].as_str().unwrap())
            .unwrap();
        let term =
            &pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0];
        assert_eq!(term["values"][0], node);
    }
}

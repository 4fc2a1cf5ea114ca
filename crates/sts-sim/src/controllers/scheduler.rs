//! The scheduler's decision (pure): which node a pending pod goes to (Ready nodes that its
//! node selector, affinity and its volumes' node affinity admit, fewest pods first), or why
//! none, in upstream's `Unschedulable` wording.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::provisioner;
use crate::controllers::kubelet::SELECTED_NODE;
use crate::controllers::objects::{
    is_deleting, meta, node_ready, pod_claims, pod_finished, pod_node,
};
use crate::machinery::resources::{NODES, PODS, PVCS, PVS, STORAGECLASSES};
use crate::machinery::store::Obj;
use crate::state::State;

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
    pub(super) fn load(state: &State) -> Self {
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
pub(super) fn node_order(name: &str) -> (String, u64, String) {
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

pub(super) fn unschedulable(total: usize, what: &str) -> Schedule {
    Schedule::Unschedulable(format!(
        "0/{total} nodes are available: {what}. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
    ))
}

/// Whether one node selector term (`matchExpressions`, `matchFields`) matches a node.
pub(super) fn term_matches(term: &Value, node: &Value) -> bool {
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
pub(super) fn selector_admits(required: &Value, node: &Value) -> bool {
    match required["nodeSelectorTerms"].as_array() {
        Some(terms) if !terms.is_empty() => terms.iter().any(|t| term_matches(t, node)),
        _ => true,
    }
}

/// Whether a volume's node affinity admits a node.
pub(crate) fn pv_allows_node(pv: &Value, node: &Value) -> bool {
    selector_admits(&pv["spec"]["nodeAffinity"]["required"], node)
}

pub(super) fn pod_selects_node(pod: &Value, node: &Value) -> bool {
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

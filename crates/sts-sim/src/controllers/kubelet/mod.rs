//! The kubelet of the simulated cluster, and the loop that runs the scheduler's decisions.
//!
//! The scheduler (its decision is [`crate::controllers::scheduler`]) gives every pending
//! pod a node (Ready nodes, fewest pods first) once the claims it mounts are bound, asks the provisioner for a volume on the chosen node for
//! `WaitForFirstConsumer` claims, and reports `Unschedulable` with upstream's wording
//! otherwise. The kubelet then plays the pod's life by its image: containers start after
//! `pod_start_delay`, become Ready after `pod_ready_delay`, never get Ready (`broken` tags,
//! the never-ready fault) or crash-loop (`crash` tags); terminating pods end after
//! `termination_delay`. Every transition is one status write, with upstream's conditions,
//! container statuses and events ([`status`]). The nodes are registered in [`nodes`].

mod nodes;
mod status;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::controllers::events::Recorder;
use crate::controllers::kubelet::nodes::node_internal_ip;
use crate::controllers::kubelet::status::{
    backoff_message, crash_record, probe_failure, probe_period, render_status, Behaviour,
    ContainerTrack, PodId, PodTrack,
};
use crate::controllers::objects::{
    cond, has_finalizers, hash_hex, is_deleting, meta, pod_claims, pod_finished, pod_node,
    set_condition,
};
use crate::controllers::provisioner;
use crate::controllers::scheduler::{decide_schedule, node_order, ClusterView, Schedule};
use crate::controllers::wake::wait_for_change;
use crate::machinery::api;
use crate::machinery::resources::{NODES, PODS, PVCS};
use crate::machinery::store::{now_rfc3339, Event, Obj};
use crate::state::{SharedState, State};

pub use nodes::bootstrap_nodes;

/// Annotation the scheduler puts on a `WaitForFirstConsumer` claim to ask for a volume there.
pub(crate) const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";

/// How often the kubelet looks again without any store event (faults are not events).
const RESYNC: Duration = Duration::from_millis(250);

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
                // The fault holds back a pod that is not Ready yet (its replacement, in a
                // rollout); one that already is stays Ready, as its probe already passed.
                let never = state.faults.is_never_ready(ns, name) && !track.ready;
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
mod tests;

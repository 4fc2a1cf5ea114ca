//! A pod's life as the kubelet reports it: the behaviour its images choose, per-container
//! tracks (starts, restarts, back-off), and the container statuses, conditions and phase
//! rendered from them.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::controllers::objects::{cond, hash_hex, set_condition};

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
pub(super) fn image_id(image: &str) -> String {
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

pub(super) fn container_id(pod_uid: &str, name: &str, attempt: u32) -> String {
    let id: String = (0..4)
        .map(|i| hash_hex(&[pod_uid, name, &attempt.to_string(), &i.to_string()]))
        .collect();
    format!("containerd://{id}")
}

/// Go-style duration of the crash back-off (`10s`, `1m20s`, `5m0s`).
pub(super) fn backoff_text(restarts: u32) -> String {
    let secs = (10u64 << restarts.saturating_sub(1).min(5)).min(300);
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{}s", secs / 60, secs % 60)
    }
}

/// One container as the kubelet runs it.
#[derive(Debug, Clone)]
pub(super) struct ContainerTrack {
    pub(super) name: String,
    pub(super) image: String,
    pub(super) behaviour: Behaviour,
    pub(super) started_at: String,
    pub(super) restarts: u32,
    pub(super) last_terminated: Option<Value>,
    pub(super) next_restart: Option<Instant>,
}

impl ContainerTrack {
    pub(super) fn new(spec: &Value) -> Self {
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
pub(super) struct PodTrack {
    pub(super) seen: Instant,
    pub(super) start_time: String,
    pub(super) node: String,
    pub(super) host_ip: String,
    pub(super) pod_ip: Option<String>,
    pub(super) started: Option<Instant>,
    pub(super) containers: Vec<ContainerTrack>,
    pub(super) init: Vec<ContainerTrack>,
    pub(super) ephemeral: Vec<ContainerTrack>,
    pub(super) ready: bool,
    pub(super) next_probe_event: Option<Instant>,
    pub(super) terminating: Option<Instant>,
    pub(super) terminated_at: Option<String>,
}

impl PodTrack {
    pub(super) fn new(pod: &Value, node: &str, host_ip: String, now: Instant, wall: &str) -> Self {
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
pub(super) struct PodId<'a> {
    pub(super) ns: &'a str,
    pub(super) name: &'a str,
    pub(super) uid: &'a str,
}

pub(super) fn container_status(c: &ContainerTrack, track: &PodTrack, pod: &PodId<'_>) -> Value {
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
pub(super) fn render_status(status: &mut Value, track: &PodTrack, pod: &PodId<'_>, wall: &str) {
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
pub(super) fn probe_failure(spec: &Value, pod_ip: &str) -> String {
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

pub(super) fn probe_period(spec: &Value) -> Duration {
    Duration::from_secs(
        spec["readinessProbe"]["periodSeconds"]
            .as_u64()
            .unwrap_or(10)
            .max(1),
    )
}

pub(super) fn crash_record(uid: &str, c: &ContainerTrack, wall: &str) -> Value {
    json!({
        "exitCode": 1,
        "reason": "Error",
        "startedAt": wall,
        "finishedAt": wall,
        "containerID": container_id(uid, &c.name, c.restarts.saturating_sub(1)),
    })
}

pub(super) fn backoff_message(c: &ContainerTrack, pod: &PodId<'_>) -> String {
    format!(
        "Back-off restarting failed container {} in pod {}_{}({})",
        c.name, pod.name, pod.ns, pod.uid
    )
}

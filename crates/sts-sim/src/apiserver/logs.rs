//! Container logs (`GET .../pods/NAME/log`), as the kubelet serves them: each container
//! instance (one per restart) has its own log; `previous=true` reads the last terminated
//! instance, `follow=true` streams new lines until the container stops, and `timestamps`,
//! `tailLines`, `sinceSeconds`/`sinceTime` and `limitBytes` filter as upstream does.
//!
//! Lines come from two places: the image's own start-up and exit lines, placed at the
//! instance's `startedAt`/`finishedAt` (the visits app announces what it serves, the crash
//! image dies with a fatal error), and lines apps record while running (the visits app logs
//! every request it serves but the kubelet's `/healthz` probes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Bytes;
use jiff::Timestamp;
use serde_json::Value;
use tokio::sync::Notify;

use crate::apiserver::errors::ApiError;
use crate::machinery::resources::PODS;
use crate::runtime::containers::{image_behaviour, visits_file, ContainerView};
use crate::state::{SharedState, State};

/// One logged line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// When it was written.
    pub at: Timestamp,
    /// The text, without the newline.
    pub text: String,
}

/// Lines apps recorded, per (pod uid, container, instance).
#[derive(Debug, Default)]
pub struct Logs {
    lines: Mutex<HashMap<(String, String, u64), Vec<Line>>>,
    changed: Notify,
}

impl Logs {
    /// Appends a line to a container instance's log.
    pub fn append(&self, uid: &str, container: &str, instance: u64, text: String) {
        let key = (uid.to_string(), container.to_string(), instance);
        let line = Line {
            at: Timestamp::now(),
            text,
        };
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .push(line);
        self.changed.notify_waiters();
    }

    /// The lines recorded for one instance.
    pub fn recorded(&self, uid: &str, container: &str, instance: u64) -> Vec<Line> {
        let key = (uid.to_string(), container.to_string(), instance);
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned()
            .unwrap_or_default()
    }
}

/// The running instance of a container (its restart count), from the pod's status.
pub fn current_instance(pod: &Value, container: &str) -> u64 {
    status_of(pod, container)
        .and_then(|s| s["restartCount"].as_u64())
        .unwrap_or(0)
}

/// Records one request the visits app served (probes of `/healthz` are not logged).
pub fn record_request(state: &State, view: &ContainerView, method: &str, path: &str, status: u16) {
    if path == "/healthz" {
        return;
    }
    let instance = state
        .store
        .get(&PODS, &view.namespace, &view.pod_name)
        .map_or(0, |p| current_instance(&p, &view.name));
    let text = format!("\"{method} {path} HTTP/1.1\" {status}");
    state.logs.append(&view.pod_uid, &view.name, instance, text);
}

/// The query of a log request (`PodLogOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogParams {
    /// `container=`.
    pub container: Option<String>,
    /// `follow=true`.
    pub follow: bool,
    /// `previous=true`.
    pub previous: bool,
    /// `timestamps=true`.
    pub timestamps: bool,
    /// `tailLines=N`.
    pub tail_lines: Option<u64>,
    /// `sinceSeconds=N` or `sinceTime=RFC3339`, as a point in time.
    pub since: Option<Timestamp>,
    /// `limitBytes=N`.
    pub limit_bytes: Option<u64>,
}

fn go_bool(key: &str, v: &str) -> Result<bool, ApiError> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(ApiError::bad_request(format!(
            "{key}: Invalid value: \"{v}\": strconv.ParseBool: parsing \"{v}\": invalid syntax"
        ))),
    }
}

fn positive(key: &str, v: &str, min: i64) -> Result<u64, ApiError> {
    match v.parse::<i64>() {
        Ok(n) if n >= min => Ok(n as u64),
        Ok(_) => Err(invalid(
            key,
            v,
            &format!("must be greater than {}", min - 1),
        )),
        Err(_) => Err(ApiError::bad_request(format!(
            "{key}: Invalid value: \"{v}\": strconv.ParseInt: parsing \"{v}\": invalid syntax"
        ))),
    }
}

fn invalid(key: &str, v: &str, why: &str) -> ApiError {
    let mut e = ApiError::bad_request(format!(
        "PodLogOptions \"\" is invalid: {key}: Invalid value: {v}: {why}"
    ));
    e.code = 422;
    e.reason = "Invalid";
    e
}

impl LogParams {
    /// Parses the query pairs; malformed values are errors naming the parameter.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        now: Timestamp,
    ) -> Result<LogParams, ApiError> {
        let mut p = LogParams::default();
        let mut since_seconds = None;
        let mut since_time = None;
        for (k, v) in pairs {
            match k {
                "container" if !v.is_empty() => p.container = Some(v.to_string()),
                "follow" => p.follow = go_bool(k, v)?,
                "previous" => p.previous = go_bool(k, v)?,
                "timestamps" => p.timestamps = go_bool(k, v)?,
                "tailLines" => p.tail_lines = Some(positive(k, v, 0)?),
                "limitBytes" => p.limit_bytes = Some(positive(k, v, 1)?),
                "sinceSeconds" => since_seconds = Some(positive(k, v, 1)?),
                "sinceTime" => {
                    since_time = Some(v.parse::<Timestamp>().map_err(|_| {
                        ApiError::bad_request(format!(
                            "sinceTime: Invalid value: \"{v}\": parsing time \"{v}\" as RFC3339"
                        ))
                    })?)
                }
                _ => {}
            }
        }
        p.since = match (since_seconds, since_time) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "sinceSeconds",
                    "",
                    "at most one of sinceTime or sinceSeconds may be specified",
                ))
            }
            (Some(s), None) => {
                let secs = i64::try_from(s).unwrap_or(i64::MAX).min(10 * 365 * 86_400);
                Some(
                    now.checked_sub(jiff::SignedDuration::from_secs(secs))
                        .unwrap_or(Timestamp::MIN),
                )
            }
            (None, t) => t,
        };
        Ok(p)
    }
}

fn status_of<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .filter_map(|list| pod["status"][list].as_array())
    .flatten()
    .find(|s| s["name"] == container)
}

/// Which container a log request reads, with upstream's errors.
fn pick_container(pod: &Value, pod_name: &str, asked: Option<&str>) -> Result<String, ApiError> {
    let names = |list: &str| -> Vec<String> {
        pod["spec"][list]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let containers = names("containers");
    let all: Vec<String> = containers
        .iter()
        .cloned()
        .chain(names("initContainers"))
        .chain(names("ephemeralContainers"))
        .collect();
    if let Some(c) = asked {
        return if all.iter().any(|n| n == c) {
            Ok(c.to_string())
        } else {
            Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {pod_name}"
            )))
        };
    }
    let annotated = pod["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"]
        .as_str()
        .filter(|c| containers.iter().any(|n| n == c));
    match (annotated, containers.as_slice()) {
        (Some(c), _) => Ok(c.to_string()),
        (None, [only]) => Ok(only.clone()),
        (None, []) => Err(ApiError::bad_request(format!(
            "pod {pod_name} does not have a container"
        ))),
        (None, many) => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {pod_name}, choose one of: [{}]",
            many.join(" ")
        ))),
    }
}

/// The instance a request reads and what is known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Instance {
    index: u64,
    started: Option<Timestamp>,
    finished: Option<Timestamp>,
    exit_code: Option<i64>,
    running: bool,
}

fn ts(v: &Value) -> Option<Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// Chooses the instance as the kubelet does: the current one when it runs or has run, the
/// last terminated one for `previous` or for a container waiting to restart.
fn pick_instance(
    pod: &Value,
    pod_name: &str,
    container: &str,
    previous: bool,
) -> Result<Instance, ApiError> {
    let status = status_of(pod, container);
    let restarts = status.and_then(|s| s["restartCount"].as_u64()).unwrap_or(0);
    let state = status.map(|s| &s["state"]);
    let last = status
        .map(|s| &s["lastState"]["terminated"])
        .filter(|t| t.is_object());
    let from_terminated = |t: &Value, index: u64| Instance {
        index,
        started: ts(&t["startedAt"]),
        finished: ts(&t["finishedAt"]),
        exit_code: t["exitCode"].as_i64(),
        running: false,
    };
    if previous {
        return match last {
            Some(t) => Ok(from_terminated(t, restarts.saturating_sub(1))),
            None => Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            ))),
        };
    }
    match state {
        Some(s) if s["running"].is_object() => Ok(Instance {
            index: restarts,
            started: ts(&s["running"]["startedAt"]),
            finished: None,
            exit_code: None,
            running: true,
        }),
        Some(s) if s["terminated"].is_object() => Ok(from_terminated(&s["terminated"], restarts)),
        _ => match last {
            Some(t) => Ok(from_terminated(t, restarts.saturating_sub(1))),
            None => {
                let reason = state
                    .and_then(|s| s["waiting"]["reason"].as_str())
                    .unwrap_or("ContainerCreating");
                Err(ApiError::bad_request(format!(
                    "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"
                )))
            }
        },
    }
}

/// The image's own lines for one instance (start-up, and the exit of a crashing image).
fn image_lines(
    pod: &Value,
    container: &str,
    view: Option<&ContainerView>,
    inst: &Instance,
) -> Vec<Line> {
    let image = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .filter_map(|l| pod["spec"][l].as_array())
        .flatten()
        .find(|c| c["name"] == container)
        .and_then(|c| c["image"].as_str())
        .unwrap_or("");
    let behaviour = image_behaviour(image);
    let mut out = Vec::new();
    if let Some(at) = inst.started {
        if behaviour.visits_app {
            let port = view
                .and_then(|v| v.ports.first().map(|p| p.1))
                .unwrap_or(8080);
            let file = view.map_or_else(|| "/data/visits".to_string(), visits_file);
            let text = format!("visits app listening on :{port}, counting visits in {file}");
            out.push(Line { at, text });
        }
    }
    if let (Some(at), Some(code)) = (inst.finished, inst.exit_code) {
        if code != 0 {
            let text = format!("fatal: {image} crashed (simulated), exiting with code {code}");
            out.push(Line { at, text });
        }
    }
    out
}

/// Renders lines under the request's filters (since, tail, timestamps, limit).
pub fn render(lines: &[Line], p: &LogParams) -> Vec<u8> {
    let kept: Vec<&Line> = lines
        .iter()
        .filter(|l| p.since.is_none_or(|s| l.at >= s))
        .collect();
    let skip = match p.tail_lines {
        Some(n) => kept
            .len()
            .saturating_sub(usize::try_from(n).unwrap_or(usize::MAX)),
        None => 0,
    };
    let mut out = Vec::new();
    for l in &kept[skip..] {
        out.extend_from_slice(&format_line(l, p.timestamps));
    }
    if let Some(limit) = p.limit_bytes {
        out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    out
}

fn format_line(l: &Line, timestamps: bool) -> Vec<u8> {
    let text = if timestamps {
        format!("{} {}\n", l.at, l.text)
    } else {
        format!("{}\n", l.text)
    };
    text.into_bytes()
}

/// What a log request answers: the text so far, and, when following a running instance,
/// the key to stream more from.
#[derive(Debug)]
pub struct LogAnswer {
    /// The log so far, filtered.
    pub text: Vec<u8>,
    /// `(uid, container, instance, lines already sent)` when the answer keeps streaming.
    pub follow: Option<(String, String, u64, usize)>,
}

/// Answers `GET .../pods/NAME/log`.
pub fn read(state: &State, ns: &str, pod_name: &str, p: &LogParams) -> Result<LogAnswer, ApiError> {
    let pod = state
        .store
        .get(&PODS, ns, pod_name)
        .ok_or_else(|| ApiError::not_found(&PODS, pod_name))?;
    let container = pick_container(&pod, pod_name, p.container.as_deref())?;
    let inst = pick_instance(&pod, pod_name, &container, p.previous)?;
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let view = ContainerView::new(state, &pod, &container);
    let recorded = state.logs.recorded(&uid, &container, inst.index);
    let mut lines = image_lines(&pod, &container, view.as_ref(), &inst);
    let exit = lines
        .iter()
        .position(|l| inst.finished == Some(l.at) && inst.exit_code.is_some_and(|c| c != 0));
    let tail = exit.map(|i| lines.split_off(i)).unwrap_or_default();
    lines.extend(recorded.iter().cloned());
    lines.extend(tail);
    let follow = (p.follow && inst.running).then_some((uid, container, inst.index, recorded.len()));
    Ok(LogAnswer {
        text: render(&lines, p),
        follow,
    })
}

/// Streams lines recorded after the first `sent` ones until the instance stops running, the
/// pod goes away or the client hangs up.
pub async fn follow(
    state: SharedState,
    ns: String,
    pod_name: String,
    key: (String, String, u64, usize),
    timestamps: bool,
    tx: tokio::sync::mpsc::Sender<Bytes>,
) {
    let (uid, container, instance, mut sent) = key;
    loop {
        let changed = state.logs.changed.notified();
        let lines = state.logs.recorded(&uid, &container, instance);
        for l in lines.iter().skip(sent) {
            if tx
                .send(Bytes::from(format_line(l, timestamps)))
                .await
                .is_err()
            {
                return;
            }
        }
        sent = sent.max(lines.len());
        let still_running = state
            .store
            .get(&PODS, &ns, &pod_name)
            .filter(|p| p["metadata"]["uid"] == uid.as_str())
            .and_then(|p| status_of(&p, &container).cloned())
            .is_some_and(|s| {
                s["state"]["running"].is_object()
                    && s["restartCount"].as_u64().unwrap_or(0) == instance
            });
        if !still_running || tx.is_closed() {
            return;
        }
        // Wake on a new line; re-check the container's state now and then.
        let _ = tokio::time::timeout(Duration::from_millis(500), changed).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::containers::serve_http;
    use crate::runtime::containers::tests::state_with_pod;
    use proptest::prelude::*;
    use serde_json::json;

    fn params(q: &[(&str, &str)]) -> Result<LogParams, ApiError> {
        LogParams::from_pairs(q.iter().copied(), "2026-01-01T00:01:00Z".parse().unwrap())
    }

    fn line(at: &str, text: &str) -> Line {
        Line {
            at: at.parse().unwrap(),
            text: text.into(),
        }
    }

    #[test]
    fn parameters_parse_like_the_api_server() {
        let p = params(&[
            ("follow", "true"),
            ("previous", "1"),
            ("timestamps", "T"),
            ("tailLines", "2"),
            ("sinceSeconds", "30"),
            ("container", "app"),
        ])
        .unwrap();
        assert!(p.follow && p.previous && p.timestamps);
        assert_eq!(p.tail_lines, Some(2));
        assert_eq!(p.since, Some("2026-01-01T00:00:30Z".parse().unwrap()));
        assert_eq!(p.container.as_deref(), Some("app"));
        let e = params(&[("follow", "yes")]).unwrap_err();
        assert_eq!(e.code, 400);
        assert!(
            e.message.starts_with("follow: Invalid value: \"yes\""),
            "{}",
            e.message
        );
        assert_eq!(params(&[("tailLines", "-1")]).unwrap_err().code, 422);
        assert_eq!(params(&[("sinceSeconds", "0")]).unwrap_err().code, 422);
        assert_eq!(
            params(&[("sinceSeconds", "5"), ("sinceTime", "2026-01-01T00:00:00Z")])
                .unwrap_err()
                .code,
            422
        );
        assert_eq!(params(&[("sinceTime", "yesterday")]).unwrap_err().code, 400);
        // Huge values stay in range.
        assert!(params(&[("sinceSeconds", "9223372036854775807")])
            .unwrap()
            .since
            .is_some());
    }

    #[test]
    fn render_filters_then_tails_then_limits() {
        let lines = [
            line("2026-01-01T00:00:00Z", "a"),
            line("2026-01-01T00:00:40Z", "b"),
            line("2026-01-01T00:00:50.5Z", "c"),
        ];
        let r =
            |q: &[(&str, &str)]| String::from_utf8(render(&lines, &params(q).unwrap())).unwrap();
        assert_eq!(r(&[]), "a\nb\nc\n");
        assert_eq!(r(&[("tailLines", "2")]), "b\nc\n");
        assert_eq!(r(&[("tailLines", "0")]), "");
        assert_eq!(r(&[("sinceSeconds", "30")]), "b\nc\n");
        assert_eq!(
            r(&[("tailLines", "1"), ("timestamps", "true")]),
            "2026-01-01T00:00:50.5Z c\n"
        );
        assert_eq!(r(&[("limitBytes", "3")]), "a\nb");
    }

    #[test]
    fn instances_follow_the_kubelet() {
        let running = json!({"status": {"containerStatuses": [{"name": "app", "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}, "lastState": {}}]}});
        let i = pick_instance(&running, "web-0", "app", false).unwrap();
        assert!(i.running && i.index == 0);
        let e = pick_instance(&running, "web-0", "app", true).unwrap_err();
        assert_eq!(
            e.message,
            "previous terminated container \"app\" in pod \"web-0\" not found"
        );
        let crashing = json!({"status": {"containerStatuses": [{"name": "app", "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"}}}]}});
        for previous in [false, true] {
            let i = pick_instance(&crashing, "web-0", "app", previous).unwrap();
            assert_eq!((i.index, i.running, i.exit_code), (2, false, Some(1)));
        }
        let pending = json!({"status": {"containerStatuses": [{"name": "app", "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}}]}});
        let e = pick_instance(&pending, "web-0", "app", false).unwrap_err();
        assert_eq!(
            e.message,
            "container \"app\" in pod \"web-0\" is waiting to start: ContainerCreating"
        );
    }

    #[test]
    fn the_visits_app_logs_its_start_and_each_request() {
        let state = state_with_pod("example/visits-app:1", json!([]));
        crate::machinery::api::write_status(&state, &PODS, "default", "web-0", |s| {
            s["containerStatuses"] = json!([{"name": "app", "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}, "lastState": {}}]);
        })
        .unwrap();
        let pod = state.store.get(&PODS, "default", "web-0").unwrap();
        let view = ContainerView::new(&state, &pod, "app").unwrap();
        serve_http(&state, &view, "GET", "/");
        serve_http(&state, &view, "GET", "/healthz");
        serve_http(&state, &view, "GET", "/nope?x=1");
        let text = |q: &[(&str, &str)]| {
            String::from_utf8(
                read(&state, "default", "web-0", &params(q).unwrap())
                    .unwrap()
                    .text,
            )
            .unwrap()
        };
        assert_eq!(
            text(&[]),
            "visits app listening on :8080, counting visits in /data/visits\n\"GET / HTTP/1.1\" 200\n\"GET /nope HTTP/1.1\" 404\n"
        );
        assert_eq!(text(&[("tailLines", "1")]), "\"GET /nope HTTP/1.1\" 404\n");
        let e = read(
            &state,
            "default",
            "web-0",
            &params(&[("container", "bar")]).unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (400, "container bar is not valid for pod web-0")
        );
        let e = read(&state, "default", "nope", &params(&[]).unwrap()).unwrap_err();
        assert_eq!(e.code, 404);
        let follow = read(
            &state,
            "default",
            "web-0",
            &params(&[("follow", "true")]).unwrap(),
        )
        .unwrap();
        assert_eq!(follow.follow.map(|f| (f.2, f.3)), Some((0, 2)));
    }

    proptest! {
        #[test]
        fn any_query_values_parse_or_fail_cleanly(k in prop::sample::select(vec!["follow", "previous", "timestamps", "tailLines", "limitBytes", "sinceSeconds", "sinceTime", "container"]), v in "\\PC{0,24}") {
            if let Ok(p) = LogParams::from_pairs([(k, v.as_str())], Timestamp::now()) {
                let _ = render(&[line("2026-01-01T00:00:00Z", "x")], &p);
            }
        }
    }
}

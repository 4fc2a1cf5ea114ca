//! The seeds' visits web app: `GET /` records a visit in its visits file (count or
//! timestamps format) and answers `Hello from <pod>!`; `/visits`, `/healthz` and `/metrics`.

use serde_json::Value;

use crate::machinery::resources::PODS;
use crate::runtime::containers::{normalize, ContainerView};
use crate::state::State;

/// An HTTP answer of a simulated app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
}

impl HttpAnswer {
    fn text(status: u16, body: impl Into<String>) -> Self {
        HttpAnswer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into().into_bytes(),
        }
    }
}

/// How the app keeps its visits file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitsFormat {
    /// One integer, rewritten on each visit.
    Count,
    /// One `HH:MM:SS.ffffff` line appended per visit.
    Timestamps,
}

/// Serialises read-modify-write of visits files (requests arrive concurrently).
static VISITS_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Reserved volume where served visits are counted per pod name (not visible to pods).
const SERVED_VOLUME: &str = "sim/visits-served";

/// The visits file of an app container (env `VISITS_FILE`, default `/data/visits`).
pub fn visits_file(view: &ContainerView) -> String {
    normalize(
        &view.working_dir,
        view.env_var("VISITS_FILE")
            .filter(|s| !s.is_empty())
            .unwrap_or("/data/visits"),
    )
}

/// The file format of an app container (env `VISITS_FORMAT`).
pub fn visits_format(view: &ContainerView) -> VisitsFormat {
    match view.env_var("VISITS_FORMAT") {
        Some("timestamps") => VisitsFormat::Timestamps,
        _ => VisitsFormat::Count,
    }
}

/// Parses a visits file in either format.
pub fn parse_visits(content: &[u8], format: VisitsFormat) -> u64 {
    let text = String::from_utf8_lossy(content);
    match format {
        VisitsFormat::Count => text.trim().parse().unwrap_or(0),
        VisitsFormat::Timestamps => text.lines().filter(|l| !l.trim().is_empty()).count() as u64,
    }
}

fn record_visit(state: &State, view: &ContainerView) -> Result<u64, &'static str> {
    let _guard = VISITS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = visits_file(view);
    let format = visits_format(view);
    let current = view.read_file(&state.fs, &path).unwrap_or_default();
    let count = parse_visits(&current, format) + 1;
    match format {
        VisitsFormat::Count => {
            view.write_file_with(&state.fs, &path, count.to_string().as_bytes(), false, true)?
        }
        VisitsFormat::Timestamps => {
            let line = format!("{}\n", jiff::Timestamp::now().strftime("%H:%M:%S.%6f"));
            view.write_file_with(&state.fs, &path, line.as_bytes(), true, true)?
        }
    }
    let key = format!("{}/{}", view.namespace, view.pod_name);
    let served = state
        .fs
        .read(SERVED_VOLUME, &key)
        .map(|b| parse_visits(&b, VisitsFormat::Count))
        .unwrap_or(0);
    let _ = state
        .fs
        .write(SERVED_VOLUME, &key, (served + 1).to_string().into_bytes());
    Ok(count)
}

/// How many `GET /` the app served in pods of this name (across re-creations).
pub fn visits_recorded(state: &State, namespace: &str, pod: &str) -> u64 {
    state
        .fs
        .read(SERVED_VOLUME, &format!("{namespace}/{pod}"))
        .map(|b| parse_visits(&b, VisitsFormat::Count))
        .unwrap_or(0)
}

/// The count in a pod's visits file, read through its first visits-app container.
pub fn visits_in_file(state: &State, namespace: &str, pod: &str) -> Option<u64> {
    let obj = state.store.get(&PODS, namespace, pod)?;
    let view = obj["spec"]["containers"]
        .as_array()?
        .iter()
        .filter_map(|c| ContainerView::new(state, &obj, c["name"].as_str()?))
        .find(|v| v.behaviour.visits_app)?;
    let content = view.read_file(&state.fs, &visits_file(&view))?;
    Some(parse_visits(&content, visits_format(&view)))
}

/// Handles one HTTP request to the app of a container (the caller checked that it listens).
pub fn serve_http(state: &State, view: &ContainerView, method: &str, path: &str) -> HttpAnswer {
    let answer = answer_http(state, view, method, path);
    if view.behaviour.visits_app {
        let path = path
            .split('?')
            .next()
            .filter(|p| !p.is_empty())
            .unwrap_or("/");
        crate::apiserver::logs::record_request(state, view, method, path, answer.status);
    }
    answer
}

fn answer_http(state: &State, view: &ContainerView, method: &str, path: &str) -> HttpAnswer {
    if !view.behaviour.visits_app {
        return HttpAnswer::text(404, "404 page not found\n");
    }
    let path = path.split('?').next().unwrap_or("");
    let path = if path.is_empty() { "/" } else { path };
    if method != "GET" && method != "HEAD" {
        return HttpAnswer::text(405, "Method Not Allowed\n");
    }
    let answer = match path {
        "/" => match record_visit(state, view) {
            Ok(n) => HttpAnswer::text(200, format!("Hello from {}!\nVisits: {n}\n", view.pod_name)),
            Err(e) => HttpAnswer::text(500, format!("Internal Server Error: {e}\n")),
        },
        "/visits" => {
            let content = view
                .read_file(&state.fs, &visits_file(view))
                .unwrap_or_default();
            HttpAnswer::text(
                200,
                format!("{}\n", parse_visits(&content, visits_format(view))),
            )
        }
        "/healthz" => HttpAnswer::text(200, "ok"),
        "/metrics" => crate::runtime::containers::app_metrics::page(state, view),
        _ => HttpAnswer::text(404, "404 page not found\n"),
    };
    crate::runtime::containers::app_metrics::count_request(state, view, path, answer.status);
    answer
}

/// The pod's IP: `status.podIP`, else one derived from its uid (stable per pod).
pub fn pod_ip(pod: &Value) -> String {
    if let Some(ip) = pod["status"]["podIP"].as_str().filter(|s| !s.is_empty()) {
        return ip.to_string();
    }
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("");
    let h = uid
        .bytes()
        .fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    format!("10.244.{}.{}", (h >> 8) % 250 + 1, h % 250 + 2)
}

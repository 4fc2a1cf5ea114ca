//! The visits app's `GET /metrics`: Prometheus text exposition format (version 0.0.4) with
//! `visits_total` (the count in its visits file, so it survives restarts like the file does)
//! and `http_requests_total{code,path}` (every request the app answered, per pod name).
//! Request counts live on a reserved volume that pods cannot see.

use crate::runtime::containers::{
    parse_visits, visits_file, visits_format, ContainerView, HttpAnswer,
};
use crate::state::State;

/// Reserved volume holding the request counters, one JSON object per pod.
const REQUESTS_VOLUME: &str = "sim/visits-requests";

/// Serialises read-modify-write of the request counters.
static REQUESTS_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The `path` label of a request: the app's known routes, everything else as `other` (keeps
/// the series bounded whatever clients ask for).
fn route(path: &str) -> &'static str {
    match path {
        "/" => "/",
        "/visits" => "/visits",
        "/healthz" => "/healthz",
        "/metrics" => "/metrics",
        _ => "other",
    }
}

fn key(view: &ContainerView) -> String {
    format!("{}/{}", view.namespace, view.pod_name)
}

/// `(code, path) -> count` of the requests a pod answered.
fn request_counts(
    state: &State,
    view: &ContainerView,
) -> serde_json::Map<String, serde_json::Value> {
    state
        .fs
        .read(REQUESTS_VOLUME, &key(view))
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Counts one answered request in `http_requests_total`.
pub fn count_request(state: &State, view: &ContainerView, path: &str, code: u16) {
    let _guard = REQUESTS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut counts = request_counts(state, view);
    let series = format!("{code} {}", route(path));
    let n = counts.get(&series).and_then(|v| v.as_u64()).unwrap_or(0);
    counts.insert(series, (n + 1).into());
    if let Ok(bytes) = serde_json::to_vec(&counts) {
        let _ = state.fs.write(REQUESTS_VOLUME, &key(view), bytes);
    }
}

/// The `/metrics` page of the app in `view`.
pub fn page(state: &State, view: &ContainerView) -> HttpAnswer {
    let visits = view
        .read_file(&state.fs, &visits_file(view))
        .map(|content| parse_visits(&content, visits_format(view)))
        .unwrap_or(0);
    let mut body = String::new();
    body.push_str("# HELP visits_total Visits recorded in the visits file.\n");
    body.push_str("# TYPE visits_total counter\n");
    body.push_str(&format!("visits_total {visits}\n"));
    body.push_str("# HELP http_requests_total HTTP requests answered, by status code and path.\n");
    body.push_str("# TYPE http_requests_total counter\n");
    let counts = request_counts(state, view);
    let mut series: Vec<(&str, u64)> = counts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_u64().unwrap_or(0)))
        .collect();
    series.sort();
    for (series, n) in series {
        let (code, path) = series.split_once(' ').unwrap_or((series, "other"));
        body.push_str(&format!(
            "http_requests_total{{code=\"{code}\",path=\"{path}\"}} {n}\n"
        ));
    }
    body.push_str("# HELP visits_app_up Whether the app is serving (a gauge).\n");
    body.push_str("# TYPE visits_app_up gauge\n");
    body.push_str("visits_app_up 1\n");
    HttpAnswer {
        status: 200,
        content_type: "text/plain; version=0.0.4; charset=utf-8",
        body: body.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::resources::PODS;
    use crate::runtime::containers::serve_http;
    use crate::runtime::containers::tests::state_with_pod;
    use serde_json::json;

    #[test]
    fn metrics_follow_the_visits_and_requests() {
        let state = state_with_pod("example/visits-app:1.0", json!([]));
        let obj = state.store.get(&PODS, "default", "web-0").unwrap();
        let v = ContainerView::new(&state, &obj, "app").unwrap();
        let text = |a: HttpAnswer| String::from_utf8(a.body).unwrap();
        let first = text(serve_http(&state, &v, "GET", "/metrics"));
        assert!(
            first.contains("# TYPE visits_total counter\nvisits_total 0\n"),
            "{first}"
        );
        for _ in 0..4 {
            serve_http(&state, &v, "GET", "/");
        }
        serve_http(&state, &v, "GET", "/nope?x=1");
        let page = serve_http(&state, &v, "GET", "/metrics");
        assert!(page.content_type.starts_with("text/plain; version=0.0.4"));
        let page = text(page);
        assert!(page.contains("visits_total 4\n"), "{page}");
        assert!(
            page.contains("http_requests_total{code=\"200\",path=\"/\"} 4\n"),
            "{page}"
        );
        assert!(
            page.contains("http_requests_total{code=\"404\",path=\"other\"} 1\n"),
            "{page}"
        );
        assert!(
            page.contains("http_requests_total{code=\"200\",path=\"/metrics\"} 1\n"),
            "{page}"
        );
        assert!(page.contains("# TYPE visits_app_up gauge\n"), "{page}");
    }
}

//! Watch streams: a chunked body of `{"type":..,"object":..}` lines, starting with the
//! current state or replaying the event log from a `resourceVersion` (410 Gone when it
//! is older than the log keeps), with bookmarks, `timeoutSeconds`, and injected drops.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::apiserver::errors::ApiError;
use crate::apiserver::server::{selected, stream_body};
use crate::apiserver::tables::{self, IncludeObject};
use crate::machinery::resources::ResourceType;
use crate::machinery::selectors::{FieldSelector, LabelSelector};
use crate::machinery::store::Event;
use crate::state::SharedState;

/// Interval between bookmarks when the client allows them.
pub const BOOKMARK_INTERVAL: Duration = Duration::from_secs(1);

/// What a watch asked for.
#[derive(Debug)]
pub struct WatchOptions {
    /// Resource type watched.
    pub rt: &'static ResourceType,
    /// Namespace, or all.
    pub namespace: Option<String>,
    /// Label selector.
    pub labels: LabelSelector,
    /// Field selector.
    pub fields: FieldSelector,
    /// Start after this version; `None` or 0 = current state first.
    pub resource_version: Option<u64>,
    /// Server-side timeout.
    pub timeout: Duration,
    /// Send BOOKMARK events.
    pub bookmarks: bool,
    /// `sendInitialEvents=true` (streaming list).
    pub send_initial_events: bool,
    /// Answer objects as one-row Tables (`kubectl get -w`).
    pub table: Option<IncludeObject>,
}

impl WatchOptions {
    fn wants(&self, obj: &Value) -> bool {
        let ns_ok = self
            .namespace
            .as_deref()
            .is_none_or(|ns| obj["metadata"]["namespace"].as_str() == Some(ns));
        ns_ok && selected(obj, &self.labels, &self.fields)
    }

    fn line(&self, kind: &str, obj: &Value) -> Bytes {
        let object = match self.table {
            Some(include) if kind != "BOOKMARK" => tables::to_table(
                self.rt.plural,
                std::slice::from_ref(obj),
                jiff::Timestamp::now(),
                include,
                &json!({"resourceVersion": obj["metadata"]["resourceVersion"]}),
            ),
            _ => obj.clone(),
        };
        let mut s = json!({"type": kind, "object": object}).to_string();
        s.push('\n');
        Bytes::from(s)
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        self.line(
            "BOOKMARK",
            &json!({"kind": self.rt.kind, "apiVersion": self.rt.api_version(), "metadata": meta}),
        )
    }
}

/// A watch that only reports an error, as upstream's watch cache does for a
/// resourceVersion it no longer holds (HTTP 200, then one ERROR event).
fn error_watch(e: &ApiError) -> Response {
    let mut line = json!({"type": "ERROR", "object": e.to_status()}).to_string();
    line.push('\n');
    let mut resp = Response::new(axum::body::Body::from(line));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Starts a watch and answers with its streaming body.
pub fn serve(state: SharedState, opts: WatchOptions) -> Result<Response, ApiError> {
    match start(state, opts) {
        Err(e) if e.code == 410 => Ok(error_watch(&e)),
        other => other,
    }
}

fn start(state: SharedState, opts: WatchOptions) -> Result<Response, ApiError> {
    let since = opts.resource_version.filter(|rv| *rv > 0);
    let mut initial: Vec<Bytes> = Vec::new();
    let (backlog, mut rx, start_rv) = match since {
        Some(rv) if !opts.send_initial_events => {
            let (backlog, rx) = state.store.watch_from(opts.rt, rv)?;
            (backlog, rx, rv)
        }
        _ => {
            let ns = opts.namespace.as_deref();
            let (items, rv) = state.store.list(opts.rt, ns);
            for obj in items.iter().filter(|o| opts.wants(o)) {
                initial.push(opts.line("ADDED", obj));
            }
            if opts.send_initial_events && opts.bookmarks {
                initial.push(opts.bookmark(rv, true));
            }
            let (backlog, rx) = state.store.watch_from(opts.rt, rv)?;
            (backlog, rx, rv)
        }
    };
    let drop_after = state.faults.watch_drop_after(opts.rt.plural);
    let (tx, body_rx) = mpsc::channel::<Bytes>(256);
    tokio::spawn(async move {
        let mut sent = 0usize;
        let mut last_rv = start_rv;
        // `timeoutSeconds` is the client's: any u64, so the deadline must not overflow.
        let now = tokio::time::Instant::now();
        let deadline = now
            .checked_add(opts.timeout)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        let mut ticker = tokio::time::interval(BOOKMARK_INTERVAL);
        ticker.tick().await;
        let send = |chunk: Bytes| {
            let tx = tx.clone();
            async move { tx.send(chunk).await.is_ok() }
        };
        for chunk in initial {
            if !send(chunk).await {
                return;
            }
        }
        let deliver = |ev: &Event, sent: &mut usize| -> Option<Bytes> {
            if !opts.wants(&ev.object) {
                return None;
            }
            *sent += 1;
            Some(opts.line(ev.kind.as_str(), &ev.object))
        };
        for ev in &backlog {
            last_rv = ev.rv;
            if let Some(chunk) = deliver(ev, &mut sent) {
                if !send(chunk).await {
                    return;
                }
            }
            if drop_after.is_some_and(|n| sent >= n) {
                return;
            }
        }
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(ev) => {
                        if ev.rt != opts.rt || ev.rv <= last_rv {
                            continue;
                        }
                        last_rv = ev.rv;
                        if let Some(chunk) = deliver(&ev, &mut sent) {
                            if !send(chunk).await {
                                return;
                            }
                        }
                        if drop_after.is_some_and(|n| sent >= n) {
                            return;
                        }
                    }
                    Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return,
                },
                _ = ticker.tick(), if opts.bookmarks => {
                    if !send(opts.bookmark(last_rv, false)).await {
                        return;
                    }
                }
                _ = tokio::time::sleep_until(deadline) => return,
                _ = tx.closed() => return,
            }
        }
    });
    let mut resp = Response::new(stream_body(body_rx));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    Ok(resp)
}

//! Recording events as upstream's event recorder does: one Event per object, reason and
//! source, repeated occurrences counted on the same Event (`count`, `lastTimestamp`).

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::controllers::objects::{hash_hex, meta};
use crate::machinery::api;
use crate::machinery::resources::EVENTS;
use crate::machinery::store::now_rfc3339;
use crate::state::State;

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

//! The object store: every object of the simulated cluster as JSON, one global
//! `resourceVersion` counter, and an event log that watches replay from.
//!
//! The store only keeps objects and their bookkeeping metadata (`uid`, `resourceVersion`,
//! `creationTimestamp`, `generation`); API semantics such as defaulting, validation and
//! subresources live in [`crate::machinery::api`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::apiserver::errors::ApiError;
use crate::machinery::resources::{self, ResourceType};

/// A stored object; shared cheaply between the store, watches and controllers.
pub type Obj = Arc<Value>;

/// Kind of a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Object created.
    Added,
    /// Object changed.
    Modified,
    /// Object removed.
    Deleted,
}

impl EventType {
    /// Upstream's spelling in watch streams.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug, Clone)]
pub struct Event {
    /// The resourceVersion the change produced.
    pub rv: u64,
    /// What happened.
    pub kind: EventType,
    /// The type of the object.
    pub rt: &'static ResourceType,
    /// The object after the change (before removal for `Deleted`, with the new rv).
    pub object: Obj,
}

/// How many events the log keeps for watches to resume from; older versions answer 410.
pub const EVENT_LOG_CAPACITY: usize = 20_000;

type Key = (String, String);

struct Inner {
    rv: u64,
    objects: HashMap<&'static str, BTreeMap<Key, Obj>>,
    log: VecDeque<Event>,
    /// The oldest resourceVersion a watch may resume from.
    oldest_resumable: u64,
}

/// The cluster's object store.
pub struct Store {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Event>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

/// Current time as the API server writes it (RFC 3339, seconds).
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or(jiff::Timestamp::now())
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Random suffix as upstream's `generateName` uses it.
pub fn random_suffix(len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let more = uuid::Uuid::new_v4().into_bytes();
    bytes
        .iter()
        .chain(more.iter())
        .take(len)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

/// Whether `generation` is tracked for this type (bumped on spec changes).
fn tracks_generation(rt: &ResourceType) -> bool {
    matches!(
        rt.plural,
        "statefulsets" | "pods" | "services" | "persistentvolumeclaims" | "poddisruptionbudgets"
    )
}

fn spec_part(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
        m.remove("apiVersion");
        m.remove("kind");
    }
    v
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(65_536);
        Store {
            inner: Mutex::new(Inner {
                rv: 1,
                objects: HashMap::new(),
                log: VecDeque::new(),
                oldest_resumable: 1,
            }),
            tx,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// One object.
    pub fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Option<Obj> {
        let inner = self.lock();
        inner
            .objects
            .get(rt.plural)
            .and_then(|m| m.get(&(ns.to_string(), name.to_string())).cloned())
    }

    /// All objects of a type (in one namespace, or all with `None`), and the list's resourceVersion.
    pub fn list(&self, rt: &ResourceType, ns: Option<&str>) -> (Vec<Obj>, u64) {
        let inner = self.lock();
        let items = match inner.objects.get(rt.plural) {
            None => Vec::new(),
            Some(m) => match ns {
                Some(ns) => m
                    .range((ns.to_string(), String::new())..)
                    .take_while(|((n, _), _)| n == ns)
                    .map(|(_, v)| v.clone())
                    .collect(),
                None => m.values().cloned().collect(),
            },
        };
        (items, inner.rv)
    }

    fn record(
        inner: &mut Inner,
        tx: &broadcast::Sender<Event>,
        kind: EventType,
        rt: &'static ResourceType,
        object: Obj,
    ) {
        let ev = Event {
            rv: inner.rv,
            kind,
            rt,
            object,
        };
        inner.log.push_back(ev.clone());
        while inner.log.len() > EVENT_LOG_CAPACITY {
            if let Some(old) = inner.log.pop_front() {
                inner.oldest_resumable = old.rv;
            }
        }
        let _ = tx.send(ev);
    }

    /// Stores a new object, filling `uid`, `resourceVersion`, `creationTimestamp`,
    /// `generation` and a name from `generateName`.
    pub fn create(
        &self,
        rt: &'static ResourceType,
        ns: &str,
        mut obj: Value,
    ) -> Result<Obj, ApiError> {
        let mut inner = self.lock();
        if rt.namespaced {
            let exists = inner
                .objects
                .get(resources::NAMESPACES.plural)
                .is_some_and(|m| m.contains_key(&(String::new(), ns.to_string())));
            if !exists {
                return Err(ApiError::not_found(&resources::NAMESPACES, ns));
            }
        }
        let meta = obj
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("the body of the request was not an object"))?
            .entry("metadata")
            .or_insert_with(|| json!({}));
        if !meta.is_object() {
            return Err(ApiError::bad_request("metadata must be an object"));
        }
        let mut name = meta["name"].as_str().unwrap_or("").to_string();
        let table = inner.objects.entry(rt.plural).or_default();
        if name.is_empty() {
            let Some(prefix) = meta["generateName"].as_str().filter(|p| !p.is_empty()) else {
                return Err(ApiError::invalid(
                    rt,
                    "",
                    format!("{} \"\" is invalid: metadata.name: Required value: name or generateName is required", rt.kind),
                    json!([{"reason": "FieldValueRequired", "message": "Required value: name or generateName is required", "field": "metadata.name"}]),
                ));
            };
            loop {
                let candidate = format!("{prefix}{}", random_suffix(5));
                if !table.contains_key(&(ns.to_string(), candidate.clone())) {
                    name = candidate;
                    break;
                }
            }
        }
        let key_ns = if rt.namespaced {
            ns.to_string()
        } else {
            String::new()
        };
        if table.contains_key(&(key_ns.clone(), name.clone())) {
            return Err(ApiError::already_exists(rt, &name));
        }
        inner.rv += 1;
        let rv = inner.rv;
        let meta = obj["metadata"].as_object_mut().expect("checked above");
        meta.insert("name".into(), json!(name));
        if rt.namespaced {
            meta.insert("namespace".into(), json!(ns));
        } else {
            meta.remove("namespace");
        }
        meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        meta.remove("deletionTimestamp");
        if tracks_generation(rt) {
            meta.insert("generation".into(), json!(1));
        } else {
            meta.remove("generation");
        }
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        let obj = Arc::new(obj);
        inner
            .objects
            .entry(rt.plural)
            .or_default()
            .insert((key_ns, name), obj.clone());
        Self::record(&mut inner, &self.tx, EventType::Added, rt, obj.clone());
        Ok(obj)
    }

    /// Atomically reads, changes and writes one object. `change` returns `Ok(false)` when it
    /// left the object as it was (nothing is written then). An object whose
    /// `deletionTimestamp` is set and whose finalizers became empty is removed.
    pub fn modify<F>(
        &self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        change: F,
    ) -> Result<Obj, ApiError>
    where
        F: FnOnce(&mut Value) -> Result<bool, ApiError>,
    {
        let mut inner = self.lock();
        let key = (
            if rt.namespaced {
                ns.to_string()
            } else {
                String::new()
            },
            name.to_string(),
        );
        let current = inner
            .objects
            .get(rt.plural)
            .and_then(|m| m.get(&key))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        let mut next = (*current).clone();
        if !change(&mut next)? {
            return Ok(current);
        }
        // Identity fields never change through an update, and a deletion timestamp stays.
        for field in [
            "uid",
            "creationTimestamp",
            "name",
            "namespace",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            if let Some(v) = current["metadata"].get(field) {
                next["metadata"][field] = v.clone();
            }
        }
        next["apiVersion"] = json!(rt.api_version());
        next["kind"] = json!(rt.kind);
        if tracks_generation(rt) {
            let gen = current["metadata"]["generation"].as_i64().unwrap_or(1);
            let gen = if spec_part(&current) != spec_part(&next) {
                gen + 1
            } else {
                gen
            };
            next["metadata"]["generation"] = json!(gen);
        }
        if next == *current {
            return Ok(current);
        }
        inner.rv += 1;
        let rv = inner.rv;
        next["metadata"]["resourceVersion"] = json!(rv.to_string());
        let finalizers_empty = next["metadata"]["finalizers"]
            .as_array()
            .is_none_or(|a| a.is_empty());
        // Removal happens when the last finalizer of an object already being deleted goes.
        // Not for a namespace: it stays Terminating until the namespace controller has
        // deleted its content (upstream's `kubernetes` spec finalizer) and removes it.
        let deleting = current["metadata"]
            .get("deletionTimestamp")
            .is_some_and(|v| !v.is_null())
            && rt.plural != "namespaces";
        let next = Arc::new(next);
        if deleting && finalizers_empty {
            inner
                .objects
                .get_mut(rt.plural)
                .expect("exists")
                .remove(&key);
            Self::record(&mut inner, &self.tx, EventType::Deleted, rt, next.clone());
        } else {
            inner
                .objects
                .get_mut(rt.plural)
                .expect("exists")
                .insert(key, next.clone());
            Self::record(&mut inner, &self.tx, EventType::Modified, rt, next.clone());
        }
        Ok(next)
    }

    /// Replaces an object, failing with 409 when `expected_rv` is given and stale.
    pub fn replace(
        &self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        obj: Value,
        expected_rv: Option<&str>,
    ) -> Result<Obj, ApiError> {
        self.modify(rt, ns, name, |cur| {
            if let Some(rv) = expected_rv {
                if cur["metadata"]["resourceVersion"].as_str() != Some(rv) {
                    return Err(ApiError::conflict(rt, name));
                }
            }
            *cur = obj;
            Ok(true)
        })
    }

    /// Sets `deletionTimestamp` (graceful deletion), optionally adding a finalizer; the
    /// object stays until its finalizers are gone and whoever handles the grace period
    /// removes it.
    pub fn mark_deleted(
        &self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        grace_seconds: i64,
        extra_finalizer: Option<&str>,
    ) -> Result<Obj, ApiError> {
        self.modify(rt, ns, name, |cur| {
            if cur["metadata"]
                .get("deletionTimestamp")
                .is_some_and(|v| !v.is_null())
            {
                return Ok(false);
            }
            let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(grace_seconds.max(0));
            cur["metadata"]["deletionTimestamp"] =
                json!(at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
            cur["metadata"]["deletionGracePeriodSeconds"] = json!(grace_seconds);
            if let Some(f) = extra_finalizer {
                let mut list = cur["metadata"]["finalizers"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if !list.iter().any(|x| x == f) {
                    list.push(json!(f));
                }
                cur["metadata"]["finalizers"] = json!(list);
            }
            Ok(true)
        })
    }

    /// Removes an object now.
    pub fn remove(&self, rt: &'static ResourceType, ns: &str, name: &str) -> Result<Obj, ApiError> {
        let mut inner = self.lock();
        let key = (
            if rt.namespaced {
                ns.to_string()
            } else {
                String::new()
            },
            name.to_string(),
        );
        let current = inner
            .objects
            .get_mut(rt.plural)
            .and_then(|m| m.remove(&key))
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        inner.rv += 1;
        let mut gone = (*current).clone();
        gone["metadata"]["resourceVersion"] = json!(inner.rv.to_string());
        let gone = Arc::new(gone);
        Self::record(&mut inner, &self.tx, EventType::Deleted, rt, gone.clone());
        Ok(gone)
    }

    /// Events of one type after `since`, followed by a live receiver; `Err(410)` when
    /// `since` is older than the log keeps.
    pub fn watch_from(
        &self,
        rt: &ResourceType,
        since: u64,
    ) -> Result<(Vec<Event>, broadcast::Receiver<Event>), ApiError> {
        let inner = self.lock();
        if since < inner.oldest_resumable {
            return Err(ApiError::gone(since));
        }
        let backlog = inner
            .log
            .iter()
            .filter(|e| e.rv > since && e.rt == rt)
            .cloned()
            .collect();
        Ok((backlog, self.tx.subscribe()))
    }

    /// A receiver of every change, for the controllers.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// Forgets the event log up to now, so watches from older versions get 410 Gone.
    pub fn compact(&self) {
        let mut inner = self.lock();
        inner.log.clear();
        inner.oldest_resumable = inner.rv;
    }

    /// Name of an object (convenience for callers holding a `Value`).
    pub fn name(obj: &Value) -> &str {
        name_of(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::resources::{NAMESPACES, PODS};

    fn store_with_default_ns() -> Store {
        let s = Store::new();
        s.create(&NAMESPACES, "", json!({"metadata": {"name": "default"}}))
            .unwrap();
        s
    }

    #[test]
    fn create_fills_metadata_and_rejects_duplicates() {
        let s = store_with_default_ns();
        let p = s
            .create(
                &PODS,
                "default",
                json!({"metadata": {"name": "a"}, "spec": {}}),
            )
            .unwrap();
        assert_eq!(p["metadata"]["namespace"], "default");
        assert!(p["metadata"]["uid"].is_string());
        assert_eq!(p["metadata"]["generation"], 1);
        let e = s
            .create(&PODS, "default", json!({"metadata": {"name": "a"}}))
            .unwrap_err();
        assert_eq!(e.code, 409);
        let e = s
            .create(&PODS, "nope", json!({"metadata": {"name": "a"}}))
            .unwrap_err();
        assert_eq!(e.message, "namespaces \"nope\" not found");
        let g = s
            .create(
                &PODS,
                "default",
                json!({"metadata": {"generateName": "web-"}}),
            )
            .unwrap();
        assert!(g["metadata"]["name"].as_str().unwrap().starts_with("web-"));
    }

    #[test]
    fn modify_bumps_generation_on_spec_only_and_detects_conflicts() {
        let s = store_with_default_ns();
        let p = s
            .create(
                &PODS,
                "default",
                json!({"metadata": {"name": "a"}, "spec": {"x": 1}}),
            )
            .unwrap();
        let rv = p["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string();
        let p2 = s
            .modify(&PODS, "default", "a", |o| {
                o["status"] = json!({"phase": "Running"});
                Ok(true)
            })
            .unwrap();
        assert_eq!(p2["metadata"]["generation"], 1);
        let p3 = s
            .modify(&PODS, "default", "a", |o| {
                o["spec"]["x"] = json!(2);
                Ok(true)
            })
            .unwrap();
        assert_eq!(p3["metadata"]["generation"], 2);
        let e = s
            .replace(&PODS, "default", "a", (*p).clone(), Some(&rv))
            .unwrap_err();
        assert_eq!(e.code, 409);
    }

    #[test]
    fn graceful_deletion_keeps_object_until_removed() {
        let s = store_with_default_ns();
        s.create(&PODS, "default", json!({"metadata": {"name": "a"}}))
            .unwrap();
        let d = s.mark_deleted(&PODS, "default", "a", 30, None).unwrap();
        assert!(d["metadata"]["deletionTimestamp"].is_string());
        assert!(d["metadata"].get("finalizers").is_none());
        assert!(s.get(&PODS, "default", "a").is_some());
        s.remove(&PODS, "default", "a").unwrap();
        assert!(s.get(&PODS, "default", "a").is_none());
    }

    #[test]
    fn watch_replays_and_expires() {
        let s = store_with_default_ns();
        let start = s.resource_version();
        s.create(&PODS, "default", json!({"metadata": {"name": "a"}}))
            .unwrap();
        let (backlog, _rx) = s.watch_from(&PODS, start).unwrap();
        assert_eq!(backlog.len(), 1);
        assert_eq!(backlog[0].kind, EventType::Added);
        s.compact();
        assert_eq!(s.watch_from(&PODS, start).unwrap_err().code, 410);
    }
}

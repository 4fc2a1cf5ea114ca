//! Fault injection and observation: latency, failing requests, forbidden verbs, dropped
//! watches, pods that never get Ready, paused controllers, and request counts.
//!
//! Requests are described the way RBAC describes them: a verb (`get`, `list`, `watch`,
//! `create`, `update`, `patch`, `delete`, `deletecollection`) and a resource, with a
//! subresource after a slash (`pods/exec`, `statefulsets/status`).

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

/// Which requests a fault applies to; `None` fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMatch {
    /// RBAC verb.
    pub verb: Option<String>,
    /// Resource, with `/subresource` where one is addressed.
    pub resource: Option<String>,
    /// Namespace.
    pub namespace: Option<String>,
    /// Object name.
    pub name: Option<String>,
}

impl RequestMatch {
    /// Matches every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Matches a verb on a resource (`"patch"`, `"statefulsets"`).
    pub fn verb_resource(verb: &str, resource: &str) -> Self {
        RequestMatch {
            verb: Some(verb.to_string()),
            resource: Some(resource.to_string()),
            ..Self::default()
        }
    }

    /// Matches any verb on a resource.
    pub fn resource(resource: &str) -> Self {
        RequestMatch {
            resource: Some(resource.to_string()),
            ..Self::default()
        }
    }

    /// Narrows to one object name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Whether a request matches.
    pub fn matches(&self, req: &RequestInfo) -> bool {
        fn ok(want: &Option<String>, have: &str) -> bool {
            want.as_deref().is_none_or(|w| w == have)
        }
        ok(&self.verb, &req.verb)
            && ok(&self.resource, &req.resource)
            && ok(&self.namespace, &req.namespace)
            && ok(&self.name, &req.name)
    }
}

/// What the server knows of a request when it consults the faults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// RBAC verb.
    pub verb: String,
    /// Resource, with `/subresource`.
    pub resource: String,
    /// Namespace, empty when cluster-scoped.
    pub namespace: String,
    /// Object name, empty for collections.
    pub name: String,
}

#[derive(Debug, Clone)]
struct Failure {
    matcher: RequestMatch,
    status: u16,
    remaining: usize,
    retry_after: u64,
}

#[derive(Debug, Default)]
struct Inner {
    latency: Vec<(RequestMatch, Duration)>,
    failures: Vec<Failure>,
    forbidden: Vec<RequestMatch>,
    exec_latency: Vec<(Option<String>, Duration)>,
    watch_drops: Vec<(Option<String>, usize, usize)>,
    never_ready: HashSet<(String, String)>,
    counts: BTreeMap<(String, String), u64>,
}

/// The fault and observation handle shared by the server, the controllers and tests.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: Arc<Mutex<Inner>>,
    paused: Arc<AtomicBool>,
    resumed: Arc<Notify>,
}

/// What the server must do with a request after consulting the faults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Delay before answering.
    pub delay: Duration,
    /// Answer with this status instead (and `Retry-After` seconds for 429).
    pub fail: Option<(u16, u64)>,
    /// Answer 403 Forbidden.
    pub forbidden: bool,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds latency to matching requests.
    pub fn add_latency(&self, matcher: RequestMatch, delay: Duration) {
        self.lock().latency.push((matcher, delay));
    }

    /// Fails the next `times` matching requests with `status` (429 answers carry
    /// `Retry-After: 1`).
    pub fn fail(&self, matcher: RequestMatch, status: u16, times: usize) {
        self.fail_with_retry_after(matcher, status, times, 1);
    }

    /// Like [`Faults::fail`] with a chosen `Retry-After` for 429.
    pub fn fail_with_retry_after(
        &self,
        matcher: RequestMatch,
        status: u16,
        times: usize,
        retry_after: u64,
    ) {
        self.lock().failures.push(Failure {
            matcher,
            status,
            remaining: times,
            retry_after,
        });
    }

    /// Forbids matching requests (RBAC-style 403) until [`Faults::clear`].
    pub fn forbid(&self, verb: &str, resource: &str) {
        self.lock()
            .forbidden
            .push(RequestMatch::verb_resource(verb, resource));
    }

    /// Adds latency to every exec in a pod (`None`: every pod).
    pub fn exec_latency(&self, pod: Option<&str>, delay: Duration) {
        self.lock()
            .exec_latency
            .push((pod.map(str::to_string), delay));
    }

    /// Ends the next `times` watch streams on `resource` (`None`: any) after `after_events`
    /// events.
    pub fn drop_watches(&self, resource: Option<&str>, after_events: usize, times: usize) {
        self.lock()
            .watch_drops
            .push((resource.map(str::to_string), after_events, times));
    }

    /// Makes a pod of this name that is not Ready yet never become Ready (its containers
    /// run, readiness fails): in a rollout, the replacement. One already Ready stays Ready.
    pub fn never_ready(&self, namespace: &str, pod: &str) {
        self.lock()
            .never_ready
            .insert((namespace.to_string(), pod.to_string()));
    }

    /// Whether a pod was made never-Ready.
    pub fn is_never_ready(&self, namespace: &str, pod: &str) -> bool {
        self.lock()
            .never_ready
            .contains(&(namespace.to_string(), pod.to_string()))
    }

    /// Stops the controllers (StatefulSet, kubelet, provisioner, GC) until resumed.
    pub fn pause_controllers(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }

    /// Lets the controllers run again.
    pub fn resume_controllers(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.resumed.notify_waiters();
    }

    /// Whether the controllers are paused.
    pub fn controllers_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// Waits while the controllers are paused.
    pub async fn wait_unpaused(&self) {
        while self.controllers_paused() {
            let notified = self.resumed.notified();
            if !self.controllers_paused() {
                break;
            }
            notified.await;
        }
    }

    /// Removes every injected fault (counts stay).
    pub fn clear(&self) {
        let mut inner = self.lock();
        let counts = std::mem::take(&mut inner.counts);
        *inner = Inner {
            counts,
            ..Inner::default()
        };
        drop(inner);
        self.resume_controllers();
    }

    /// Counts a request and decides what to do with it.
    pub fn on_request(&self, req: &RequestInfo) -> Verdict {
        let mut inner = self.lock();
        *inner
            .counts
            .entry((req.verb.clone(), req.resource.clone()))
            .or_default() += 1;
        let delay = inner
            .latency
            .iter()
            .filter(|(m, _)| m.matches(req))
            .map(|(_, d)| *d)
            .sum();
        let forbidden = inner.forbidden.iter().any(|m| m.matches(req));
        let mut fail = None;
        if let Some(f) = inner
            .failures
            .iter_mut()
            .find(|f| f.remaining > 0 && f.matcher.matches(req))
        {
            f.remaining -= 1;
            fail = Some((f.status, f.retry_after));
        }
        Verdict {
            delay,
            fail,
            forbidden,
        }
    }

    /// Extra latency of an exec into `pod`.
    pub fn exec_delay(&self, pod: &str) -> Duration {
        self.lock()
            .exec_latency
            .iter()
            .filter(|(p, _)| p.as_deref().is_none_or(|p| p == pod))
            .map(|(_, d)| *d)
            .sum()
    }

    /// For a new watch on `resource`: after how many events to drop it, if at all.
    pub fn watch_drop_after(&self, resource: &str) -> Option<usize> {
        let mut inner = self.lock();
        let slot = inner
            .watch_drops
            .iter_mut()
            .find(|(r, _, times)| *times > 0 && r.as_deref().is_none_or(|r| r == resource))?;
        slot.2 -= 1;
        Some(slot.1)
    }

    /// Requests counted so far, by (verb, resource).
    pub fn request_counts(&self) -> BTreeMap<(String, String), u64> {
        self.lock().counts.clone()
    }

    /// Total requests counted so far.
    pub fn total_requests(&self) -> u64 {
        self.lock().counts.values().sum()
    }

    /// Requests counted for one verb and resource.
    pub fn count(&self, verb: &str, resource: &str) -> u64 {
        self.lock()
            .counts
            .get(&(verb.to_string(), resource.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Forgets the counts.
    pub fn reset_counts(&self) {
        self.lock().counts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(verb: &str, resource: &str, name: &str) -> RequestInfo {
        RequestInfo {
            verb: verb.into(),
            resource: resource.into(),
            namespace: "default".into(),
            name: name.into(),
        }
    }

    #[test]
    fn failures_are_consumed_and_counts_kept() {
        let f = Faults::default();
        f.fail(RequestMatch::verb_resource("patch", "statefulsets"), 500, 2);
        assert_eq!(
            f.on_request(&req("patch", "statefulsets", "web")).fail,
            Some((500, 1))
        );
        assert_eq!(f.on_request(&req("get", "statefulsets", "web")).fail, None);
        assert_eq!(
            f.on_request(&req("patch", "statefulsets", "web")).fail,
            Some((500, 1))
        );
        assert_eq!(
            f.on_request(&req("patch", "statefulsets", "web")).fail,
            None
        );
        assert_eq!(f.count("patch", "statefulsets"), 3);
        assert_eq!(f.total_requests(), 4);
    }

    #[test]
    fn forbid_and_latency_match_by_verb_and_resource() {
        let f = Faults::default();
        f.forbid("create", "pods/exec");
        f.add_latency(
            RequestMatch::resource("pods").named("web-0"),
            Duration::from_millis(5),
        );
        assert!(f.on_request(&req("create", "pods/exec", "web-0")).forbidden);
        assert!(!f.on_request(&req("get", "pods", "web-0")).forbidden);
        assert_eq!(
            f.on_request(&req("get", "pods", "web-0")).delay,
            Duration::from_millis(5)
        );
        assert_eq!(
            f.on_request(&req("get", "pods", "web-1")).delay,
            Duration::ZERO
        );
    }

    #[test]
    fn watch_drops_are_consumed() {
        let f = Faults::default();
        f.drop_watches(Some("pods"), 3, 1);
        assert_eq!(f.watch_drop_after("statefulsets"), None);
        assert_eq!(f.watch_drop_after("pods"), Some(3));
        assert_eq!(f.watch_drop_after("pods"), None);
    }
}

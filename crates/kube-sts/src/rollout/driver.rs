//! Executes rollout steps against the cluster, driven by two long-lived watches (the
//! StatefulSet by name, its pods by selector): one LIST+WATCH each for the whole run, one PATCH
//! per step, no polling and no fixed sleeps. Each step ends when every pod it covers runs the
//! update revision Ready (and Available after `minReadySeconds`); it stops at once on Ctrl-C,
//! on a pod that cannot become Ready, on a failed check, on the deadline, or when someone else
//! edits the StatefulSet (never overwriting their change).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Event as CoreEvent, Pod};
use kube::api::{Api, DeleteParams, ListParams, Preconditions};
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use kube::Client;
use serde_json::Value;

use super::calls::{http_check, patch_sts};
use super::events::{Progress, Reporter};
use super::model::{self, StrategyKind};
use super::plan::{HttpCheck, Step};
use super::progress::{
    foreign_change, next_deletions, step_progress, PodPhase, PodProgress, StepProgress,
};
use super::stop::Stop;
use crate::api::watch_store::WatchStore;
use crate::cli::target::Target;
use crate::error::{Error, Result, Subject};
use crate::k8s::identity;

/// Reads a pod's data counter (sts-visits' mechanism); `None` when it has none.
pub type CounterReader = Arc<dyn Fn(Pod) -> BoxFuture<'static, Result<Option<u64>>> + Send + Sync>;

enum Change {
    Sts(std::result::Result<Event<StatefulSet>, watcher::Error>),
    Pod(std::result::Result<Event<Pod>, watcher::Error>),
}

/// A watch refused by RBAC, as the error that names it. The watcher retries every other
/// error with backoff, but a refusal does not go away by waiting: the run stops (and pauses).
fn refused_watch(change: &Change, name: &str, namespace: &str) -> Option<Error> {
    let (error, kind) = match change {
        Change::Sts(Err(e)) => (e, "statefulset"),
        Change::Pod(Err(e)) => (e, "pods"),
        _ => return None,
    };
    let (verb, status) = match error {
        watcher::Error::InitialListFailed(kube::Error::Api(s)) => ("list", s),
        watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => ("watch", s),
        watcher::Error::WatchError(s) => ("watch", s),
        _ => return None,
    };
    if status.code != 403 {
        return None;
    }
    let subject = match kind {
        "statefulset" => Subject::object(verb, kind, name, Some(namespace)),
        _ => Subject::list(verb, kind, Some(namespace)),
    };
    Some(Error::Forbidden {
        subject,
        message: status.message.clone(),
    })
}

/// The objects the watches have delivered so far.
#[derive(Default)]
pub struct Live {
    /// The StatefulSet, once listed.
    pub sts: Option<StatefulSet>,
    /// Its pods, by name once listed.
    pub pods: WatchStore<Pod>,
}

/// Checks run on each pod of a step.
#[derive(Clone, Default)]
pub struct Checks {
    /// GET through the pod proxy once the pod is Ready.
    pub http: Option<HttpCheck>,
    /// Counter reader for `--data-check`.
    pub data: Option<CounterReader>,
}

/// A running rollout: the watches, what we last wrote, and the user interface.
pub struct Driver {
    /// The API client.
    pub client: Client,
    /// Namespace.
    pub namespace: String,
    /// StatefulSet name.
    pub name: String,
    sts_api: Api<StatefulSet>,
    pods_api: Api<Pod>,
    stream: BoxStream<'static, Change>,
    /// The watched objects.
    pub live: Live,
    /// The generation our last patch produced (or we read).
    pub our_generation: i64,
    /// The partition we last set (RollingUpdate).
    pub our_partition: Option<i32>,
    interrupted: tokio::sync::watch::Receiver<bool>,
    /// Where progress goes (the driver never prints).
    pub report: Reporter,
    /// Pod checks.
    pub checks: Checks,
}

/// Starts listening for Ctrl-C; the receiver turns true on the first one.
pub fn listen_for_interrupt() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(true);
        }
    });
    rx
}

impl Driver {
    /// Opens both watches for `sts` (already read). The watches use the target's watch client,
    /// which `--request-timeout` does not cut; every other request uses its bounded client.
    pub fn open(
        target: &Target,
        sts: &StatefulSet,
        interrupted: tokio::sync::watch::Receiver<bool>,
        report: Reporter,
        checks: Checks,
    ) -> Driver {
        let client = target.client.clone();
        let namespace = sts.metadata.namespace.clone().unwrap_or_default();
        let name = sts.metadata.name.clone().unwrap_or_default();
        let sts_api: Api<StatefulSet> = Api::namespaced(client.clone(), &namespace);
        let pods_api: Api<Pod> = Api::namespaced(client.clone(), &namespace);
        let watch_sts: Api<StatefulSet> = Api::namespaced(target.watch_client.clone(), &namespace);
        let watch_pods: Api<Pod> = Api::namespaced(target.watch_client.clone(), &namespace);
        let selector = sts
            .spec
            .as_ref()
            .map(|s| crate::k8s::selectors::selector_string(&s.selector))
            .unwrap_or_default();
        let sts_stream = watcher::watcher(
            watch_sts,
            watcher::Config::default().fields(&format!("metadata.name={name}")),
        )
        .default_backoff()
        .map(Change::Sts);
        let mut pod_config = watcher::Config::default();
        if !selector.is_empty() {
            pod_config = pod_config.labels(&selector);
        }
        let pod_stream = watcher::watcher(watch_pods, pod_config)
            .default_backoff()
            .map(Change::Pod);
        Driver {
            client,
            namespace,
            name,
            sts_api,
            pods_api,
            stream: futures::stream::select(sts_stream, pod_stream).boxed(),
            live: Live {
                sts: None,
                ..Default::default()
            },
            our_generation: sts.metadata.generation.unwrap_or(0),
            our_partition: (model::strategy(sts) == StrategyKind::RollingUpdate)
                .then(|| model::partition(sts)),
            interrupted,
            report,
            checks,
        }
    }

    fn apply(&mut self, change: Change) {
        match change {
            Change::Sts(Ok(Event::Apply(s) | Event::InitApply(s))) => self.live.sts = Some(s),
            Change::Sts(Ok(Event::Delete(_))) => self.live.sts = None,
            Change::Sts(_) => {}
            Change::Pod(Ok(ev)) => {
                self.live.pods.apply(ev);
            }
            // Errors are retried by the watcher with backoff; a relist follows.
            Change::Pod(Err(_)) => {}
        }
    }

    fn fresh_sts(&self) -> Option<&StatefulSet> {
        self.live
            .sts
            .as_ref()
            .filter(|s| s.metadata.generation.unwrap_or(0) >= self.our_generation)
    }

    /// Waits for the next change, the deadline, a wake-up time or Ctrl-C.
    async fn next(
        &mut self,
        deadline: tokio::time::Instant,
        wake_at: Option<Timestamp>,
    ) -> std::result::Result<(), Stop> {
        let wake = wake_at.map(|t| {
            let secs = (t - Timestamp::now()).get_milliseconds().max(0) as u64;
            tokio::time::Instant::now() + Duration::from_millis(secs + 5)
        });
        let mut interrupted = self.interrupted.clone();
        if *interrupted.borrow() {
            return Err(Stop::Interrupted);
        }
        tokio::select! {
            _ = interrupted.changed() => Err(Stop::Interrupted),
            _ = tokio::time::sleep_until(deadline) => Err(Stop::Timeout(String::new())),
            _ = async { match wake { Some(w) => tokio::time::sleep_until(w).await, None => futures::future::pending().await } } => Ok(()),
            change = self.stream.next() => {
                match change {
                    Some(c) => match refused_watch(&c, &self.name, &self.namespace) {
                        Some(e) => Err(Stop::Api(e)),
                        None => { self.apply(c); Ok(()) }
                    },
                    None => Err(Stop::Api(Error::Other("watch streams ended".into()))),
                }
            }
        }
    }

    /// Waits until the controller has observed our latest spec (so `updateRevision` is ours).
    pub async fn await_observed(
        &mut self,
        timeout: Duration,
    ) -> std::result::Result<StatefulSet, Stop> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(sts) = self.fresh_sts() {
                if let Some(stop) = foreign_change(sts, self.our_generation, self.our_partition) {
                    return Err(stop);
                }
                if model::observed(sts) && self.live.pods.synced() {
                    return Ok(sts.clone());
                }
            }
            match self.next(deadline, None).await {
                Err(Stop::Timeout(_)) => {
                    return Err(Stop::Timeout(format!(
                        "timed out after {}s waiting for the StatefulSet controller to observe generation {} of statefulset {:?}",
                        timeout.as_secs(),
                        self.our_generation,
                        self.name
                    )))
                }
                other => other?,
            }
        }
    }

    /// Waits `pause`, watching for foreign edits and Ctrl-C meanwhile.
    pub async fn pause_for(&mut self, pause: Duration) -> std::result::Result<(), Stop> {
        let deadline = tokio::time::Instant::now() + pause;
        loop {
            if let Some(sts) = self.fresh_sts() {
                if let Some(stop) = foreign_change(sts, self.our_generation, self.our_partition) {
                    return Err(stop);
                }
            }
            match self.next(deadline, None).await {
                Err(Stop::Timeout(_)) => return Ok(()),
                other => other?,
            }
        }
    }

    /// Applies a JSON patch to the StatefulSet; a failed `test` becomes [`Stop::ConcurrentEdit`].
    pub async fn patch(&mut self, ops: &[Value]) -> std::result::Result<StatefulSet, Stop> {
        let sts = patch_sts(&self.sts_api, &self.name, &self.namespace, ops).await?;
        self.our_generation = sts.metadata.generation.unwrap_or(0);
        if model::strategy(&sts) == StrategyKind::RollingUpdate {
            self.our_partition = Some(model::partition(&sts));
        }
        self.live.sts = Some(sts.clone());
        Ok(sts)
    }

    /// Whether both watches have listed.
    pub fn synced(&self) -> bool {
        self.live.sts.is_some() && self.live.pods.synced()
    }

    /// Waits for any change (or the deadline, or Ctrl-C).
    pub async fn wait_any(
        &mut self,
        deadline: Option<tokio::time::Instant>,
    ) -> std::result::Result<(), Stop> {
        let deadline = deadline
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(365 * 86400));
        self.next(deadline, None).await
    }

    /// The latest StatefulSet we know.
    pub fn sts(&self) -> Option<&StatefulSet> {
        self.live.sts.as_ref()
    }

    /// Runs one step: waits until every covered pod is Available on the update revision,
    /// deleting pods first for OnDelete, running the checks on each new pod.
    pub async fn run_step(
        &mut self,
        step: &Step,
        total: usize,
        strategy: StrategyKind,
        max_unavailable: i32,
        timeout: Duration,
        mut before: BTreeMap<i32, Option<u64>>,
    ) -> std::result::Result<(), Stop> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut deleted: BTreeSet<String> = BTreeSet::new();
        let mut checked: BTreeSet<i32> = BTreeSet::new();
        let step_ordinals: BTreeSet<i32> = step.ordinals.iter().copied().collect();
        // RollingUpdate: the controller restarts the pods once the partition drops; their
        // counters are read by the caller before that (see `read_counters`).
        let mut last_progress: Option<StepProgress> = None;
        loop {
            let mut wake = None;
            if let (Some(sts), true) = (self.fresh_sts(), self.live.pods.synced()) {
                if let Some(stop) = foreign_change(sts, self.our_generation, self.our_partition) {
                    return Err(stop);
                }
                let sts = sts.clone();
                let progress = step_progress(
                    &sts,
                    self.live.pods.objects(),
                    &step.covered,
                    Timestamp::now(),
                );
                if let Some(revision) = &progress.update_revision {
                    for p in &progress.pods {
                        if step_ordinals.contains(&p.ordinal) || p.phase != PodPhase::Done {
                            (self.report)(Progress::Pod {
                                pod: p.pod.clone(),
                                phase: p.phase.clone(),
                                revision: revision.clone(),
                            });
                        }
                    }
                }
                if let Some((pod, reason)) = &progress.failed {
                    return Err(Stop::Failed(format!(
                        "step {}/{total}: pod {pod} on the update revision cannot become Ready: {reason}",
                        step.number
                    )));
                }
                for p in progress.pods.iter().filter(|p| p.phase == PodPhase::Done) {
                    if checked.contains(&p.ordinal) || !step_ordinals.contains(&p.ordinal) {
                        continue;
                    }
                    self.check_pod(step, total, p, before.get(&p.ordinal).copied().flatten())
                        .await?;
                    checked.insert(p.ordinal);
                }
                if strategy == StrategyKind::OnDelete {
                    for (pod, uid) in next_deletions(&progress, max_unavailable, &deleted) {
                        let ordinal = identity::ordinal_after(&pod, &self.name).unwrap_or(-1);
                        if let Some(obj) = self.live.pods.objects().get(&pod).cloned() {
                            if let Some(value) = self.read_before(obj).await? {
                                before.insert(ordinal, Some(value));
                            }
                        }
                        self.delete_pod(&pod, &uid).await?;
                        (self.report)(Progress::PodDeleted { pod: pod.clone() });
                        deleted.insert(uid);
                    }
                }
                if progress.done && step_ordinals.iter().all(|o| checked.contains(o)) {
                    (self.report)(Progress::StepSettled);
                    return Ok(());
                }
                wake = progress.wake_at;
                last_progress = Some(progress);
            }
            match self.next(deadline, wake).await {
                Err(Stop::Timeout(_)) => {
                    return Err(Stop::Timeout(
                        self.describe_stuck(step, total, timeout, last_progress.as_ref())
                            .await,
                    ))
                }
                other => other?,
            }
        }
    }

    /// Reads the counters of pods about to restart (RollingUpdate `--data-check`).
    pub async fn read_counters(
        &self,
        ordinals: &[i32],
    ) -> std::result::Result<BTreeMap<i32, Option<u64>>, Stop> {
        let mut out = BTreeMap::new();
        for &o in ordinals {
            let name = identity::pod_name(&self.name, o);
            if let Some(pod) = self
                .live
                .pods
                .objects()
                .get(&name)
                .filter(|p| model::is_ready(p))
            {
                if let Some(value) = self.read_before(pod.clone()).await? {
                    out.insert(o, Some(value));
                }
            }
        }
        Ok(out)
    }

    /// A pod's counter before its restart; `None` (said so) when it has none to protect. A
    /// refused read stops the step before the pod restarts.
    async fn read_before(&self, pod: Pod) -> std::result::Result<Option<u64>, Stop> {
        let Some(reader) = self.checks.data.clone() else {
            return Ok(None);
        };
        let name = pod.metadata.name.clone().unwrap_or_default();
        match reader(pod).await {
            Ok(value) => Ok(value),
            Err(e) if e.is_forbidden() => Err(Stop::Api(e)),
            Err(e) => {
                (self.report)(Progress::NoCounterBefore {
                    pod: name,
                    error: e.to_string(),
                });
                Ok(None)
            }
        }
    }

    async fn compare_one(
        &self,
        step: &Step,
        total: usize,
        pod: Pod,
        before: Option<u64>,
    ) -> std::result::Result<(), Stop> {
        let Some(reader) = self.checks.data.clone() else {
            return Ok(());
        };
        let name = pod.metadata.name.clone().unwrap_or_default();
        let after = reader(pod).await.map_err(|e| {
            if e.is_forbidden() {
                return Stop::Api(e);
            }
            Stop::Failed(format!(
                "step {}/{total}: data check failed on {name}: its counter was {} before the restart and cannot be read now ({e}): data lost",
                step.number,
                before.map(|b| b.to_string()).unwrap_or_else(|| "-".into())
            ))
        })?;
        match (before, after) {
            (Some(b), a) if a.unwrap_or(0) < b => Err(Stop::Failed(format!(
                "step {}/{total}: data check failed on {name}: its counter went down from {b} to {} across the restart (data lost)",
                step.number,
                a.map(|v| v.to_string()).unwrap_or_else(|| "nothing".into())
            ))),
            (before, after) => {
                (self.report)(Progress::DataCheckOk {
                    pod: name,
                    before,
                    after,
                });
                Ok(())
            }
        }
    }

    async fn check_pod(
        &self,
        step: &Step,
        total: usize,
        p: &PodProgress,
        before: Option<u64>,
    ) -> std::result::Result<(), Stop> {
        let Some(pod) = self.live.pods.objects().get(&p.pod).cloned() else {
            return Ok(());
        };
        if let Some(check) = &self.checks.http {
            http_check(&self.client, &pod, check)
                .await
                .map_err(|e| match e {
                    e if e.is_forbidden() => Stop::Api(e),
                    e => Stop::Failed(format!("step {}/{total}: {e}", step.number)),
                })?;
            (self.report)(Progress::HttpCheckOk {
                pod: p.pod.clone(),
                path: check.path.clone(),
            });
        }
        if before.is_some() {
            self.compare_one(step, total, pod, before).await?;
        }
        Ok(())
    }

    async fn delete_pod(&self, pod: &str, uid: &str) -> std::result::Result<(), Stop> {
        let dp = DeleteParams {
            preconditions: Some(Preconditions {
                uid: Some(uid.to_string()),
                resource_version: None,
            }),
            ..Default::default()
        };
        match self.pods_api.delete(pod, &dp).await {
            Ok(_) => Ok(()),
            // Already gone or replaced: the watch shows what happened.
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => Ok(()),
            Err(e) => Err(Stop::Api(Error::from_kube(
                e,
                Subject::object("delete", "pods", pod, Some(&self.namespace)),
            ))),
        }
    }

    async fn describe_stuck(
        &self,
        step: &Step,
        total: usize,
        timeout: Duration,
        progress: Option<&StepProgress>,
    ) -> String {
        let mut text = format!(
            "timed out after {} waiting for step {}/{total} (partition {})",
            crate::k8s::age::human_duration(timeout.as_secs() as i64),
            step.number,
            step.partition
        );
        let Some(progress) = progress else {
            text.push_str(": the watches delivered nothing");
            return text;
        };
        let stuck: Vec<&PodProgress> = progress
            .pods
            .iter()
            .filter(|p| p.phase != PodPhase::Done)
            .collect();
        let events: Vec<CoreEvent> =
            match Api::<CoreEvent>::namespaced(self.client.clone(), &self.namespace)
                .list(&ListParams::default())
                .await
            {
                Ok(list) => list.items,
                Err(e) => {
                    let e =
                        Error::from_kube(e, Subject::list("list", "events", Some(&self.namespace)));
                    text.push_str(&format!("\n  (the pods' events could not be read: {e})"));
                    vec![]
                }
            };
        let rev = progress.update_revision.as_deref().unwrap_or("?");
        for p in stuck {
            let state = match &p.phase {
                PodPhase::Waiting => "not yet replaced (still on an older revision)".to_string(),
                PodPhase::Replacing(s) => format!("{s}, not Ready on revision {rev}"),
                PodPhase::Ready => "Ready but not yet Available (minReadySeconds)".into(),
                PodPhase::Done => continue,
            };
            text.push_str(&format!("\n  pod {}: {state}", p.pod));
            let mut mine: Vec<&CoreEvent> = events
                .iter()
                .filter(|e| e.involved_object.name.as_deref() == Some(p.pod.as_str()))
                .collect();
            mine.sort_by_key(|e| {
                e.last_timestamp
                    .as_ref()
                    .map(|t| t.0)
                    .or(e.event_time.as_ref().map(|t| t.0))
            });
            if mine.is_empty() {
                text.push_str("\n    (no events)");
            }
            for e in mine.iter().rev().take(3).rev() {
                text.push_str(&format!(
                    "\n    {} {}: {}",
                    e.type_.as_deref().unwrap_or("Normal"),
                    e.reason.as_deref().unwrap_or(""),
                    e.message.as_deref().unwrap_or("")
                ));
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_watch_names_its_verb_and_resource_and_other_errors_are_retried() {
        let status = |code: u16| {
            kube::core::Status::failure("pods is forbidden: User \"u\" cannot list", "Forbidden")
                .with_code(code)
                .boxed()
        };
        let list = Change::Pod(Err(watcher::Error::InitialListFailed(kube::Error::Api(
            status(403),
        ))));
        let err = refused_watch(&list, "web", "prod").expect("refused");
        assert!(err.is_forbidden());
        assert!(
            err.to_string()
                .starts_with("forbidden: cannot list pods in namespace \"prod\""),
            "{err}"
        );
        let watch = Change::Sts(Err(watcher::Error::WatchError(status(403))));
        let err = refused_watch(&watch, "web", "prod").expect("refused");
        assert!(
            err.to_string()
                .starts_with("forbidden: cannot watch statefulset \"web\" in namespace \"prod\""),
            "{err}"
        );
        let busy = Change::Pod(Err(watcher::Error::WatchFailed(kube::Error::Api(status(
            503,
        )))));
        assert!(refused_watch(&busy, "web", "prod").is_none());
    }
}

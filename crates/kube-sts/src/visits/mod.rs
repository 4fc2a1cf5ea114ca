//! `kubectl sts-visits`: read a per-pod counter across every ordinal of a StatefulSet at once.
//!
//! The flow is snapshot -> pure plan -> concurrent reads -> pure report:
//! - [`read`](crate::read) takes one snapshot of the selected StatefulSets (constant number of
//!   requests), plus one LIST of Services for the headless-Service check;
//! - [`source::plan`] decides per StatefulSet where the counter comes from, and
//!   [`report::skeleton`] lays out one row per ordinal (missing pods included);
//! - [`collect`] reads every readable pod concurrently (bounded by `concurrency`, each read
//!   bounded by `timeout`) through the drivers in [`exec`], so the whole command costs about one
//!   exec round trip; discovery adds one more (`ls` of each claim mount), `--allow-debug` one
//!   more for images without `cat`, `--offline` a reader pod per claim whose pod is not running;
//! - [`parse`] turns what came back into a count; [`report`] renders it.

pub mod exec;
pub mod metrics;
pub mod orphans;
pub mod parse;
pub mod report;
pub mod source;
pub mod watching;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::time::Duration;

use futures::{stream, StreamExt};
use k8s_openapi::api::core::v1::{PersistentVolume, Pod, Service};
use kube::api::{Api, ListParams};

use crate::cli::target::{Scope, Target};
use crate::error::{Error, Result, Subject};
use crate::k8s::ports;
use crate::read;
use crate::read::snapshot::Snapshot;

use exec::{ReadError, ReaderSpec};
use parse::Format;
use report::{Report, SetVisits, SortBy};
use source::{HttpSource, Plan, Source, SourceRequest};
use watching::Refresh;

/// Default `--concurrency`: enough that a few hundred replicas cost a handful of round trips.
pub const DEFAULT_CONCURRENCY: usize = 100;

/// What to read and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--path`, `--http`, `-c`, `--format`.
    pub request: SourceRequest,
    /// `--allow-debug`: add an ephemeral container to pods whose image has no `cat`.
    pub allow_debug: bool,
    /// `--debug-image`.
    pub debug_image: String,
    /// `--offline`: read claims of pods that are not running through a reader pod.
    pub offline: bool,
    /// `--include-orphans`: add rows for claims of scaled-down ordinals, read by reader pods.
    pub include_orphans: bool,
    /// Label value marking this invocation's reader pods (see [`exec::remove_readers`]).
    pub reader_run: String,
    /// `--concurrency`: reads in flight at once.
    pub concurrency: usize,
    /// `--timeout`: per-pod limit.
    pub timeout: Duration,
    /// `--sort`.
    pub sort: SortBy,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            request: SourceRequest::default(),
            allow_debug: false,
            debug_image: "busybox".into(),
            offline: false,
            include_orphans: false,
            reader_run: exec::new_reader_run(),
            concurrency: DEFAULT_CONCURRENCY,
            timeout: Duration::from_secs(10),
            sort: SortBy::Ordinal,
        }
    }
}

/// Reads the counters of the named StatefulSets (or every one selected by `-l`, or all in the
/// namespace): one snapshot, one Service list, then concurrent reads.
pub async fn collect(target: &Target, names: &[String], opts: &Options) -> Result<Report> {
    let sets = read::statefulsets(target, names).await?;
    if sets.is_empty() {
        return Err(no_statefulsets(target));
    }
    let snaps = read::snapshots_of(target, sets).await?;
    let services = list_services(target).await?;
    let mut report = read_snapshots(target, &snaps, opts).await;
    if let Some(services) = services {
        for (set, snap) in report.sets.iter_mut().zip(&snaps) {
            set.warnings.extend(headless_warning(snap, &services));
        }
    }
    Ok(report)
}

fn no_statefulsets(target: &Target) -> Error {
    let place = match target.scope.namespace() {
        Some(ns) => format!("in namespace {ns:?}"),
        None => "in any namespace".into(),
    };
    match &target.selector {
        Some(sel) => Error::invalid(
            format!("no StatefulSets match -l {sel} {place}"),
            "list them with: kubectl get statefulsets --show-labels",
        ),
        None => Error::invalid(
            format!("no StatefulSets found {place}"),
            "name one, or pick the namespace with -n NAMESPACE (or -A for all)",
        ),
    }
}

async fn list_services(target: &Target) -> Result<Option<Vec<Service>>> {
    let api: Api<Service> = match &target.scope {
        Scope::Namespace(ns) => Api::namespaced(target.client.clone(), ns),
        Scope::All => Api::all(target.client.clone()),
    };
    match api.list(&ListParams::default()).await {
        Ok(list) => Ok(Some(list.items)),
        Err(e) => {
            let err = Error::from_kube(
                e,
                Subject::list("list", "services", target.scope.namespace()),
            );
            if err.is_forbidden() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// The warning for a StatefulSet whose `serviceName` has no headless Service, if any.
pub fn headless_warning(snap: &Snapshot, services: &[Service]) -> Option<String> {
    let name = snap.name();
    let ns = snap.namespace();
    let service_name = snap
        .statefulset
        .spec
        .as_ref()
        .and_then(|s| s.service_name.as_deref())
        .unwrap_or("");
    let example = format!(
        "{}.{}",
        crate::k8s::identity::pod_name(name, snap.range().start),
        if service_name.is_empty() {
            name
        } else {
            service_name
        }
    );
    if service_name.is_empty() {
        return Some(format!(
            "statefulset {name:?} has no spec.serviceName: per-pod DNS names such as {example} will not resolve; set serviceName to a headless Service (clusterIP: None) selecting its pods"
        ));
    }
    let service = services.iter().find(|s| {
        s.metadata.name.as_deref() == Some(service_name)
            && s.metadata.namespace.as_deref() == Some(ns)
    });
    let selector = snap
        .statefulset
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.as_ref())
        .map(|l| {
            l.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    match service.and_then(|s| s.spec.as_ref()) {
        None => Some(format!(
            "statefulset {name:?}: serviceName {service_name:?} has no Service in namespace {ns:?}, so per-pod DNS names such as {example} will not resolve; create a headless Service named {service_name:?} with clusterIP: None and selector {{{selector}}}"
        )),
        Some(spec) if spec.cluster_ip.as_deref() != Some("None") => Some(format!(
            "statefulset {name:?}: Service {service_name:?} is not headless (clusterIP {}), so per-pod DNS names such as {example} will not resolve; clusterIP cannot be changed in place: delete it and re-create it with clusterIP: None and selector {{{selector}}}",
            spec.cluster_ip.as_deref().unwrap_or("unset")
        )),
        Some(_) => None,
    }
}

/// What one job does in a pod.
#[derive(Debug, Clone)]
enum Task {
    /// `cat FILE`.
    File(String),
    /// GET through the pod proxy.
    Http { port: u16, path: String },
    /// `ls` the directories of these candidates.
    Discover(Vec<String>),
    /// Mount the claim in a reader pod and `cat FILE`.
    Offline { spec: ReaderSpec, path: String },
}

/// A read of one row.
#[derive(Debug, Clone)]
struct Job {
    set: usize,
    item: usize,
    pod: Option<Pod>,
    container: String,
    task: Task,
    /// A missing file in an existing directory on a mounted volume reads as 0 (no file yet).
    absent_ok: bool,
}

/// A job's result.
type Fetch = std::result::Result<Fetched, ReadError>;

/// What a job brought back.
#[derive(Debug)]
enum Fetched {
    /// Raw content to parse.
    Content(Vec<u8>),
    /// The file does not exist yet, its directory does: no visit so far.
    Absent,
    /// Candidates that exist in the pod, and what each listed directory holds.
    Found {
        found: Vec<String>,
        listings: Vec<(String, Vec<String>)>,
    },
}

#[derive(Debug)]
struct Outcome {
    set: usize,
    item: usize,
    result: std::result::Result<Fetched, ReadError>,
    debug: Option<(String, bool)>,
}

/// Per-set state while reading.
struct SetState {
    plan: Option<Plan>,
    /// Rows whose pod exists but cannot be read because it is not running.
    not_running: BTreeSet<usize>,
}

/// Reads the counters of already-taken snapshots (for callers that hold their own snapshot,
/// such as rollout's `--data-check`). Never fails as a whole: per-pod failures land in rows.
pub async fn read_snapshots(target: &Target, snaps: &[Snapshot], opts: &Options) -> Report {
    let mut sets = Vec::new();
    let mut states = Vec::new();
    let mut jobs = Vec::new();
    for (si, snap) in snaps.iter().enumerate() {
        let (set, state, set_jobs) = prepare(si, snap, opts);
        sets.push(set);
        states.push(state);
        jobs.extend(set_jobs);
    }
    let mut report = Report {
        sets,
        notes: vec![],
        taken_at: jiff::Timestamp::now(),
        refused: None,
    };
    let mut debug_added = BTreeMap::<String, Vec<String>>::new();
    let mut debug_reused = BTreeMap::<String, Vec<String>>::new();

    // Round 1: direct reads and discovery listings.
    let outcomes = run_jobs(target, opts, jobs.clone()).await;
    let mut round2 = Vec::new();
    let mut discovered: BTreeMap<usize, Vec<(usize, Fetch)>> = BTreeMap::new();
    for outcome in outcomes {
        note_debug(&report, &outcome, &mut debug_added, &mut debug_reused);
        let job = jobs
            .iter()
            .find(|j| j.set == outcome.set && j.item == outcome.item)
            .cloned();
        match (&job.as_ref().map(|j| &j.task), outcome.result) {
            (Some(Task::Discover(_)), result) => discovered
                .entry(outcome.set)
                .or_default()
                .push((outcome.item, result)),
            (Some(task), result) => apply(
                &mut report,
                &states,
                outcome.set,
                outcome.item,
                task,
                result,
            ),
            (None, _) => {}
        }
    }
    // Discovery decisions, then round 2 reads of the chosen file.
    for (si, results) in discovered {
        let decision = decide(&report.sets[si], &states[si], &results);
        match decision {
            Ok(path) => {
                if let Some(plan) = states[si].plan.as_mut() {
                    plan.source = Source::File(path.clone());
                }
                report.sets[si].source = path.clone();
                let snap = &snaps[si];
                let container = states[si].plan.as_ref().and_then(|p| p.container.clone());
                if let Some((template, _)) =
                    source::template_of_path(&snap.statefulset, container.as_deref(), &path)
                {
                    let claims = snap.claims_by_key();
                    for item in &mut report.sets[si].items {
                        item.pvc = claims
                            .get(&(template.clone(), item.ordinal))
                            .and_then(|c| c.metadata.name.clone());
                    }
                }
                for j in jobs.iter().filter(|j| j.set == si) {
                    let mut j = j.clone();
                    j.task = Task::File(path.clone());
                    round2.push(j);
                }
            }
            Err(problem) => {
                for (item, result) in &results {
                    let row = &mut report.sets[si].items[*item];
                    row.error = Some(match result {
                        Err(e) => e.to_string(),
                        Ok(_) => "no counter source (see above)".into(),
                    });
                    if let Err(e @ ReadError::Forbidden { .. }) = result {
                        report.refused.get_or_insert((row.pod.clone(), e.clone()));
                    }
                }
                report.sets[si].problem = Some(problem);
            }
        }
    }
    if !round2.is_empty() {
        for outcome in run_jobs(target, opts, round2.clone()).await {
            note_debug(&report, &outcome, &mut debug_added, &mut debug_reused);
            if let Some(job) = round2
                .iter()
                .find(|j| j.set == outcome.set && j.item == outcome.item)
            {
                apply(
                    &mut report,
                    &states,
                    outcome.set,
                    outcome.item,
                    &job.task,
                    outcome.result,
                );
            }
        }
    }
    // Offline reads of claims whose pods are not running (and of orphaned claims).
    if opts.offline || opts.include_orphans {
        let offline = offline_jobs(snaps, &report, &states, opts);
        for outcome in run_jobs(target, opts, offline.clone()).await {
            if let Some(job) = offline
                .iter()
                .find(|j| j.set == outcome.set && j.item == outcome.item)
            {
                let item = &mut report.sets[outcome.set].items[outcome.item];
                let before = item.error.clone();
                apply(
                    &mut report,
                    &states,
                    outcome.set,
                    outcome.item,
                    &job.task,
                    outcome.result,
                );
                let item = &mut report.sets[outcome.set].items[outcome.item];
                if item.is_read() {
                    item.offline = true;
                } else if let (Some(before), Some(after)) = (before, item.error.clone()) {
                    item.error = Some(format!("{before}; offline read failed: {after}"));
                }
            }
        }
        if report.items().any(|i| i.offline) {
            report.notes.push(
                "(offline): read from the claim by a short-lived reader pod because the pod was not running or its ordinal is scaled down; the reader pod was deleted".into(),
            );
        }
    }
    for (image, pods) in debug_added {
        report.notes.push(format!(
            "added ephemeral container {} ({image}) to {}: ephemeral containers cannot be removed and stay until the pod is replaced (for example by kubectl delete pod)",
            exec::DEBUG_CONTAINER,
            list_pods(&pods)
        ));
    }
    for (image, pods) in debug_reused {
        report.notes.push(format!(
            "reused the ephemeral debug container ({image}) added earlier to {}",
            list_pods(&pods)
        ));
    }
    report.sort(opts.sort);
    report
}

fn list_pods(pods: &[String]) -> String {
    match pods {
        [one] => format!("pod {one}"),
        many => format!("pods {}", many.join(", ")),
    }
}

fn note_debug(
    report: &Report,
    outcome: &Outcome,
    added: &mut BTreeMap<String, Vec<String>>,
    reused: &mut BTreeMap<String, Vec<String>>,
) {
    if let Some((image, was_added)) = &outcome.debug {
        let pod = report.sets[outcome.set].items[outcome.item].pod.clone();
        let map = if *was_added { added } else { reused };
        map.entry(image.clone()).or_default().push(pod);
    }
}

/// Lays out one set's rows and the jobs that read them.
fn prepare(si: usize, snap: &Snapshot, opts: &Options) -> (SetVisits, SetState, Vec<Job>) {
    let sts = &snap.statefulset;
    let plan = source::plan(sts, &opts.request);
    let template = match &plan {
        Ok(Plan {
            source: Source::File(path),
            container,
            ..
        }) => source::template_of_path(sts, container.as_deref(), path).map(|(t, _)| t),
        _ => None,
    };
    let mut items = report::skeleton(snap, template.as_deref());
    let mut set = SetVisits {
        namespace: snap.namespace().to_string(),
        name: snap.name().to_string(),
        source: match &plan {
            Ok(Plan {
                source,
                metric: Some(metric),
                ..
            }) => format!("{source} metric {metric}"),
            Ok(p) => p.source.to_string(),
            Err(_) => "-".into(),
        },
        items: vec![],
        warnings: vec![],
        problem: None,
    };
    let mut state = SetState {
        plan: None,
        not_running: BTreeSet::new(),
    };
    if opts.include_orphans {
        let shown = items.iter().map(|i| i.ordinal).collect();
        for row in orphans::rows(snap, template.as_deref(), &shown) {
            state.not_running.insert(items.len());
            items.push(row);
        }
    }
    if items.is_empty() {
        set.problem = Some(format!(
            "statefulset {:?} has 0 replicas: there are no pods to read (scale it up with: kubectl scale statefulset {} --replicas=N -n {})",
            snap.name(),
            snap.name(),
            snap.namespace()
        ));
        return (set, state, vec![]);
    }
    let plan = match plan {
        Ok(plan) => plan,
        Err(problem) => {
            for item in &mut items {
                item.error = Some("no counter source (see above)".into());
            }
            set.items = items;
            set.problem = Some(problem);
            return (set, state, vec![]);
        }
    };
    let pods = snap.pods_by_ordinal();
    let mut jobs = Vec::new();
    for (ii, item) in items.iter_mut().enumerate() {
        let Some(pod) = pods.get(&item.ordinal).copied() else {
            state.not_running.insert(ii);
            continue;
        };
        let Some(container) = source::container_name(plan.container.as_deref(), Some(pod), sts)
        else {
            item.error = Some(format!("pod {} has no containers", item.pod));
            continue;
        };
        if let Some(reason) = source::unreadable_reason(pod, &container) {
            if !reason.contains("has no container") {
                state.not_running.insert(ii);
            }
            item.error = Some(reason);
            continue;
        }
        let absent_ok = match &plan.source {
            Source::File(path) => source::under_volume_mount(pod.spec.as_ref(), &container, path),
            Source::Discover(_) => true,
            Source::Http(_) => false,
        };
        let task = match &plan.source {
            Source::File(path) => Task::File(path.clone()),
            Source::Discover(candidates) => Task::Discover(candidates.clone()),
            Source::Http(http) => match http_task(http, pod, &container) {
                Ok(task) => task,
                Err(e) => {
                    item.error = Some(e);
                    continue;
                }
            },
        };
        jobs.push(Job {
            set: si,
            item: ii,
            pod: Some(pod.clone()),
            container,
            task,
            absent_ok,
        });
    }
    set.items = items;
    state.plan = Some(plan);
    (set, state, jobs)
}

fn http_task(http: &HttpSource, pod: &Pod, container: &str) -> std::result::Result<Task, String> {
    let port = ports::resolve_port(pod.spec.as_ref(), Some(container), http.port.as_deref())?;
    Ok(Task::Http {
        port,
        path: http.path.clone(),
    })
}

async fn run_jobs(target: &Target, opts: &Options, jobs: Vec<Job>) -> Vec<Outcome> {
    stream::iter(jobs)
        .map(|job| async move {
            let (result, debug) = run_job(target, opts, &job).await;
            Outcome {
                set: job.set,
                item: job.item,
                result,
                debug,
            }
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await
}

type JobResult = (
    std::result::Result<Fetched, ReadError>,
    Option<(String, bool)>,
);

async fn run_job(target: &Target, opts: &Options, job: &Job) -> JobResult {
    let client = &target.client;
    let Some(pod) = job.pod.as_ref() else {
        if let Task::Offline { spec, path } = &job.task {
            return (
                read_offline(client, spec, path, job.absent_ok, opts).await,
                None,
            );
        }
        return (Err(ReadError::Other("no pod".into())), None);
    };
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    match &job.task {
        Task::File(path) => {
            let direct = if job.absent_ok {
                exec::read_file_or_absent(client, &ns, &name, &job.container, path, opts.timeout)
                    .await
                    .map(|bytes| bytes.map(Fetched::Content).unwrap_or(Fetched::Absent))
            } else {
                exec::read_file(client, &ns, &name, &job.container, path, opts.timeout)
                    .await
                    .map(Fetched::Content)
            };
            match direct {
                Err(ReadError::MissingCommand { .. }) if opts.allow_debug => {
                    match exec::debug_container(
                        client,
                        &ns,
                        pod,
                        &job.container,
                        &opts.debug_image,
                        opts.timeout,
                    )
                    .await
                    {
                        Ok(debug) => (
                            exec::read_through_debug(
                                client,
                                &ns,
                                &name,
                                &debug.name,
                                path,
                                opts.timeout,
                            )
                            .await
                            .map(Fetched::Content),
                            Some((opts.debug_image.clone(), debug.added)),
                        ),
                        Err(e) => (Err(e), None),
                    }
                }
                other => (other, None),
            }
        }
        Task::Http { port, path } => (
            exec::http_get(client, &ns, &name, *port, path, opts.timeout)
                .await
                .map(|body| Fetched::Content(body.into_bytes())),
            None,
        ),
        Task::Discover(candidates) => {
            let dirs: BTreeSet<String> = candidates
                .iter()
                .map(|c| {
                    c.rsplit_once('/')
                        .map(|(d, _)| d)
                        .unwrap_or("/")
                        .to_string()
                })
                .map(|d| if d.is_empty() { "/".to_string() } else { d })
                .collect();
            let mut listings = Vec::new();
            let mut debug = None;
            for dir in dirs {
                let listed =
                    exec::list_dir(client, &ns, &name, &job.container, &dir, opts.timeout).await;
                let listed = match listed {
                    Err(ReadError::MissingCommand { .. }) if opts.allow_debug => {
                        match exec::debug_container(
                            client,
                            &ns,
                            pod,
                            &job.container,
                            &opts.debug_image,
                            opts.timeout,
                        )
                        .await
                        {
                            Ok(d) => {
                                debug = Some((opts.debug_image.clone(), d.added));
                                exec::list_dir(
                                    client,
                                    &ns,
                                    &name,
                                    &d.name,
                                    &format!("/proc/1/root{dir}"),
                                    opts.timeout,
                                )
                                .await
                            }
                            Err(e) => Err(e),
                        }
                    }
                    other => other,
                };
                match listed {
                    Ok(entries) => listings.push((dir, entries)),
                    Err(e) => return (Err(e), debug),
                }
            }
            let found = candidates
                .iter()
                .filter(|c| {
                    listings
                        .iter()
                        .any(|(dir, entries)| entries.iter().any(|e| source::join(dir, e) == **c))
                })
                .cloned()
                .collect();
            (Ok(Fetched::Found { found, listings }), debug)
        }
        Task::Offline { spec, path } => (
            read_offline(client, spec, path, job.absent_ok, opts).await,
            None,
        ),
    }
}

async fn read_offline(
    client: &kube::Client,
    spec: &ReaderSpec,
    path: &str,
    absent_ok: bool,
    opts: &Options,
) -> Fetch {
    exec::read_offline(client, spec, path, absent_ok, opts.timeout)
        .await
        .map(|bytes| bytes.map(Fetched::Content).unwrap_or(Fetched::Absent))
}

/// Writes a job's result into its row.
fn apply(
    report: &mut Report,
    states: &[SetState],
    si: usize,
    ii: usize,
    task: &Task,
    result: std::result::Result<Fetched, ReadError>,
) {
    let plan = states[si].plan.as_ref();
    let format = plan.map(|p| p.format.clone()).unwrap_or(Format::Auto);
    let metric = plan.and_then(|p| p.metric.as_ref());
    let item = &mut report.sets[si].items[ii];
    let what = match task {
        Task::File(path) | Task::Offline { path, .. } => path.clone(),
        Task::Http { port, path } => format!("http {port}{path}"),
        Task::Discover(_) => "discovery".into(),
    };
    match result {
        Ok(Fetched::Content(bytes)) => {
            let text = String::from_utf8_lossy(&bytes);
            let parsed = match metric {
                Some(metric) => metrics::counter(&text, metric).map(|visits| parse::Parsed {
                    visits,
                    last_visit: None,
                }),
                None => parse::parse(&text, &format),
            };
            match parsed {
                Ok(parsed) => item.set_visits(parsed.visits, parsed.last_visit),
                Err(e) => item.error = Some(format!("{what}: {e}")),
            }
        }
        Ok(Fetched::Absent) => {
            item.set_visits(0, None);
            item.no_file_yet = true;
        }
        Ok(Fetched::Found { .. }) => {}
        Err(e) => {
            if matches!(e, ReadError::Forbidden { .. }) {
                report.refused.get_or_insert((item.pod.clone(), e.clone()));
            }
            item.error = Some(match &e {
                ReadError::Forbidden { .. } => e.to_string(),
                ReadError::Http { .. } => match task {
                    Task::Http { port, path } => format!("GET {path} on port {port}: {e}"),
                    _ => format!("GET {what}: {e}"),
                },
                ReadError::Timeout(_) => format!("reading {what}: {e}"),
                ReadError::Failed { detail } if detail.contains("No such file") => format!(
                    "cannot read {what}: {e} (wrong --path: neither the file nor its directory exists on a volume mounted in the container)"
                ),
                _ => format!("cannot read {what}: {e}"),
            });
        }
    }
}

/// Chooses the counter file of a set from the discovery listings of its pods.
fn decide(
    set: &SetVisits,
    state: &SetState,
    results: &[(usize, std::result::Result<Fetched, ReadError>)],
) -> std::result::Result<String, String> {
    let candidates = match state.plan.as_ref().map(|p| &p.source) {
        Some(Source::Discover(c)) => c.clone(),
        _ => vec![],
    };
    let mut found: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut listings: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut failures = Vec::new();
    for (ii, result) in results {
        let pod = set.items[*ii].pod.as_str();
        match result {
            Ok(Fetched::Found {
                found: f,
                listings: l,
            }) => {
                for path in f {
                    found.entry(path.as_str()).or_default().push(pod);
                }
                for (dir, entries) in l {
                    listings
                        .entry(dir.as_str())
                        .or_default()
                        .extend(entries.iter().map(String::as_str));
                }
            }
            Ok(Fetched::Content(_) | Fetched::Absent) => {}
            Err(e) => failures.push(format!("{pod}: {e}")),
        }
    }
    let name = &set.name;
    let hint = format!(
        "pass --path FILE (or --http PORT/PATH), or record it on the StatefulSet: kubectl annotate statefulset {name} {}=/path/to/file",
        source::PATH_ANNOTATION
    );
    match found.len() {
        1 => Ok(found
            .keys()
            .next()
            .map(|s| s.to_string())
            .unwrap_or_default()),
        0 => {
            let seen: Vec<String> = listings
                .iter()
                .map(|(dir, entries)| {
                    if entries.is_empty() {
                        format!("{dir} is empty")
                    } else {
                        format!(
                            "{dir} holds {}",
                            entries.iter().copied().collect::<Vec<_>>().join(", ")
                        )
                    }
                })
                .collect();
            let mut msg = format!(
                "statefulset {name:?}: no counter file found; tried {}",
                candidates.join(", ")
            );
            if !seen.is_empty() {
                msg.push_str(&format!("; found: {}", seen.join("; ")));
            }
            if !failures.is_empty() {
                msg.push_str(&format!("; could not look in: {}", failures.join("; ")));
            }
            Err(format!("{msg}. Fix: {hint}"))
        }
        _ => {
            let list: Vec<String> = found
                .iter()
                .map(|(path, pods)| format!("{path} (in {})", pods.join(", ")))
                .collect();
            Err(format!(
                "statefulset {name:?}: several counter files found, which one counts is ambiguous: {}. Fix: {hint}",
                list.join(", ")
            ))
        }
    }
}

/// The node a claim's volume is pinned to (`kubernetes.io/hostname` node affinity).
fn volume_node(pv: &PersistentVolume) -> Option<String> {
    pv.spec
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required
        .as_ref()?
        .node_selector_terms
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .find(|e| e.key == "kubernetes.io/hostname" && e.operator == "In")
        .and_then(|e| e.values.as_ref()?.first().cloned())
}

fn offline_jobs(
    snaps: &[Snapshot],
    report: &Report,
    states: &[SetState],
    opts: &Options,
) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (si, snap) in snaps.iter().enumerate() {
        let Some(plan) = states[si].plan.as_ref() else {
            continue;
        };
        let Source::File(path) = &plan.source else {
            continue;
        };
        let Some((template, mount)) =
            source::template_of_path(&snap.statefulset, plan.container.as_deref(), path)
        else {
            continue;
        };
        let claims = snap.claims_by_key();
        let pods = snap.pods_by_ordinal();
        for &ii in &states[si].not_running {
            let item = &report.sets[si].items[ii];
            if item.is_read() || !(opts.offline || item.orphan) {
                continue;
            }
            let Some(claim) = claims.get(&(template.clone(), item.ordinal)) else {
                continue;
            };
            let bound = claim.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
            if !bound {
                continue;
            }
            let node = snap.volume_of(claim).and_then(volume_node).or_else(|| {
                let rwo = claim
                    .spec
                    .as_ref()
                    .and_then(|s| s.access_modes.as_ref())
                    .is_some_and(|m| {
                        m.iter()
                            .any(|m| m == "ReadWriteOnce" || m == "ReadWriteOncePod")
                    });
                pods.get(&item.ordinal)
                    .filter(|_| rwo)
                    .and_then(|p| p.spec.as_ref()?.node_name.clone())
            });
            jobs.push(Job {
                set: si,
                item: ii,
                pod: None,
                container: "reader".into(),
                task: Task::Offline {
                    spec: ReaderSpec {
                        namespace: snap.namespace().to_string(),
                        claim: claim.metadata.name.clone().unwrap_or_default(),
                        mount_path: mount.clone(),
                        node,
                        image: opts.debug_image.clone(),
                        run: opts.reader_run.clone(),
                    },
                    path: path.clone(),
                },
                absent_ok: true,
            });
        }
    }
    jobs
}

/// Refreshes [`collect`] every `interval` until Ctrl-C, handing each outcome to `on_refresh`
/// (which may stop the watch by returning `Break`, for example when stdout is closed).
/// Returns the last report; ends with the error when the StatefulSet does not exist or was
/// deleted, or any other error that retrying cannot fix ([`watching::is_transient`]).
/// Transient errors are retried after a growing delay ([`watching::backoff`]).
pub async fn watch(
    target: &Target,
    names: &[String],
    opts: &Options,
    interval: Duration,
    mut on_refresh: impl FnMut(Refresh<'_>) -> ControlFlow<()>,
) -> Result<Option<Report>> {
    let mut previous: Option<Report> = None;
    let mut failures = 0u32;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let started = tokio::time::Instant::now();
        let flow = tokio::select! {
            _ = &mut ctrl_c => return Ok(previous),
            result = collect(target, names, opts) => match result {
                Ok(mut report) => {
                    failures = 0;
                    if let Some(prev) = &previous {
                        report.apply_deltas(prev);
                    }
                    let flow = on_refresh(Refresh::Report(&report));
                    previous = Some(report);
                    flow
                }
                Err(e) if watching::is_transient(&e) => {
                    failures += 1;
                    on_refresh(Refresh::Retrying {
                        error: &e,
                        attempt: failures,
                        retry_in: watching::backoff(interval, failures),
                    })
                }
                Err(e) => {
                    let _ = on_refresh(Refresh::Fatal(&e));
                    return Err(e);
                }
            },
        };
        if flow.is_break() {
            return Ok(previous);
        }
        tokio::select! {
            _ = &mut ctrl_c => return Ok(previous),
            _ = tokio::time::sleep_until(started + watching::backoff(interval, failures)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures;
    use k8s_openapi::api::core::v1::ServiceSpec;

    fn service(name: &str, cluster_ip: &str) -> Service {
        Service {
            metadata: kube::api::ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            spec: Some(ServiceSpec {
                cluster_ip: Some(cluster_ip.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn headless_service_check() {
        let snap = fixtures::snapshot(3, 0, &["data"], 0..3);
        assert_eq!(headless_warning(&snap, &[service("web", "None")]), None);
        let w = headless_warning(&snap, &[service("web-lb", "None")]).unwrap();
        assert!(w.contains("web-0.web will not resolve"), "{w}");
        assert!(w.contains("clusterIP: None"), "{w}");
        let w = headless_warning(&snap, &[service("web", "10.0.0.7")]).unwrap();
        assert!(w.contains("not headless (clusterIP 10.0.0.7)"), "{w}");
    }

    #[test]
    fn prepare_lays_out_jobs_and_unreadable_rows() {
        let mut snap = fixtures::snapshot(3, 0, &["data"], 0..3);
        snap.pods[1].status.as_mut().unwrap().phase = Some("Pending".into());
        snap.pods.remove(2);
        let opts = Options {
            request: SourceRequest {
                path: Some("/data/visits".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let (set, state, jobs) = prepare(0, &snap, &opts);
        assert_eq!(set.items.len(), 3);
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].container, "app");
        assert!(matches!(&jobs[0].task, Task::File(p) if p == "/data/visits"));
        assert_eq!(set.items[1].error.as_deref(), Some("pod web-1 is Pending"));
        assert_eq!(set.items[2].status, "Missing");
        assert_eq!(state.not_running, BTreeSet::from([1, 2]));
        assert_eq!(set.source, "/data/visits");
    }

    #[test]
    fn zero_replicas_is_a_problem_not_a_crash() {
        let snap = fixtures::snapshot(0, 0, &["data"], 0..0);
        let (set, _, jobs) = prepare(0, &snap, &Options::default());
        assert!(jobs.is_empty());
        assert!(set.problem.unwrap().contains("has 0 replicas"));
    }

    fn found(paths: &[&str], listing: &[&str]) -> std::result::Result<Fetched, ReadError> {
        Ok(Fetched::Found {
            found: paths.iter().map(|s| s.to_string()).collect(),
            listings: vec![(
                "/data".into(),
                listing.iter().map(|s| s.to_string()).collect(),
            )],
        })
    }

    #[test]
    fn discovery_decisions() {
        let snap = fixtures::snapshot(2, 0, &["data"], 0..2);
        let (set, state, jobs) = prepare(0, &snap, &Options::default());
        assert!(matches!(&jobs[0].task, Task::Discover(c) if c.len() == 3));
        // One file in one pod, nothing yet in the other: that file.
        let r = [
            (0, found(&["/data/visits"], &["visits"])),
            (1, found(&[], &[])),
        ];
        assert_eq!(decide(&set, &state, &r).unwrap(), "/data/visits");
        // None anywhere: say what was tried and what is there.
        let r = [(0, found(&[], &["count.dat"])), (1, found(&[], &[]))];
        let err = decide(&set, &state, &r).unwrap_err();
        assert!(
            err.contains("tried /data/visits, /data/visits.txt, /data/visits.log"),
            "{err}"
        );
        assert!(err.contains("/data holds count.dat"), "{err}");
        assert!(err.contains("--path"), "{err}");
        // Two different files: ambiguous.
        let r = [
            (
                0,
                found(
                    &["/data/visits", "/data/visits.txt"],
                    &["visits", "visits.txt"],
                ),
            ),
            (1, found(&["/data/visits"], &["visits"])),
        ];
        let err = decide(&set, &state, &r).unwrap_err();
        assert!(err.contains("ambiguous"), "{err}");
        assert!(err.contains("/data/visits (in web-0, web-1)"), "{err}");
        assert!(err.contains("/data/visits.txt (in web-0)"), "{err}");
    }
}

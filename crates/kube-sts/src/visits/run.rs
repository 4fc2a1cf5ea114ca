//! The driving half of a read: one snapshot, then every pod's job concurrently (bounded by
//! `--concurrency`, each bounded by `--timeout`), then the plan's verdicts; and `--watch`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::time::Duration;

use futures::{stream, StreamExt};
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};

use crate::api::access;
use crate::cli::target::{Scope, Target};
use crate::error::{Error, Result, Subject};
use crate::read;
use crate::read::snapshot::Snapshot;

use super::fetch::ReadError;
use super::readers::ReaderSpec;
use super::report::Report;
use super::source::Source;
use super::watching::Refresh;

use super::plan::*;
use super::{debug, fetch, permissions, readers, source, watching, Options};

/// Reads the counters of the named StatefulSets (or every one selected by `-l`, or all in the
/// namespace): one snapshot, one Service list, then concurrent reads.
pub async fn collect(target: &Target, names: &[String], opts: &Options) -> Result<Report> {
    let sets = read::statefulsets(target, names).await?;
    if sets.is_empty() {
        return Err(no_statefulsets(target));
    }
    let snaps = read::snapshots_of(target, sets).await?;
    let services = list_services(target).await?;
    let (mut report, refused) = read(target, &snaps, opts).await;
    if let Some(err) = refused {
        return Err(err);
    }
    match services {
        Some(services) => {
            for (set, snap) in report.sets.iter_mut().zip(&snaps) {
                set.warnings.extend(headless_warning(snap, &services));
            }
        }
        None => {
            if let Some(first) = report.sets.first_mut() {
                first
                    .warnings
                    .push(services_refused(target.scope.namespace()));
            }
        }
    }
    Ok(report)
}

/// The warning when RBAC refuses the Service list: the headless-Service check is skipped.
fn services_refused(namespace: Option<&str>) -> String {
    let (place, flag) = match namespace {
        Some(ns) => (format!(" in namespace {ns:?}"), format!(" -n {ns}")),
        None => (String::new(), " -A".to_string()),
    };
    format!(
        "forbidden: cannot list services{place}: skipped the check for a headless Service; check with: kubectl auth can-i list services{flag}"
    )
}

pub(super) fn no_statefulsets(target: &Target) -> Error {
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

/// Reads the counters of already-taken snapshots (for callers that hold their own snapshot,
/// such as rollout's `--data-check`). Never fails as a whole: per-pod failures land in rows
/// (an `--offline` refused by its pre-check too).
pub async fn read_snapshots(target: &Target, snaps: &[Snapshot], opts: &Options) -> Report {
    read(target, snaps, opts).await.0
}

/// [`read_snapshots`], and the refusal of the `--offline` pre-check if there was one: then no
/// reader pod was created, and the offline rows say why.
async fn read(target: &Target, snaps: &[Snapshot], opts: &Options) -> (Report, Option<Error>) {
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
    let mut refused = None;
    if opts.offline || opts.include_orphans {
        let mut offline = offline_jobs(snaps, &report, &states, opts);
        if let Err(err) = may_read_offline(target, &offline).await {
            for job in &offline {
                let item = &mut report.sets[job.set].items[job.item];
                let before = item.error.take().unwrap_or_default();
                item.error = Some(format!("{before}; offline read refused: {err}"));
            }
            offline.clear();
            refused = Some(err);
        }
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
            debug::DEBUG_CONTAINER,
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
    (report, refused)
}

/// Asks, before the first reader pod is created, whether every step of `--offline` is allowed
/// in each namespace the `jobs` read in ([`permissions::offline`]).
async fn may_read_offline(target: &Target, jobs: &[Job]) -> Result<()> {
    let namespaces: BTreeSet<&str> = jobs
        .iter()
        .filter_map(|j| match &j.task {
            Task::Offline { spec, .. } => Some(spec.namespace.as_str()),
            _ => None,
        })
        .collect();
    let needed: Vec<_> = namespaces
        .into_iter()
        .flat_map(permissions::offline)
        .collect();
    if needed.is_empty() {
        return Ok(());
    }
    access::require(&target.client, &needed).await
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

pub(super) type JobResult = (
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
                fetch::read_file_or_absent(client, &ns, &name, &job.container, path, opts.timeout)
                    .await
                    .map(|bytes| bytes.map(Fetched::Content).unwrap_or(Fetched::Absent))
            } else {
                fetch::read_file(client, &ns, &name, &job.container, path, opts.timeout)
                    .await
                    .map(Fetched::Content)
            };
            match direct {
                Err(ReadError::MissingCommand { .. }) if opts.allow_debug => {
                    match debug::debug_container(
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
                            debug::read_through_debug(
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
            fetch::http_get(client, &ns, &name, *port, path, opts.timeout)
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
                    fetch::list_dir(client, &ns, &name, &job.container, &dir, opts.timeout).await;
                let listed = match listed {
                    Err(ReadError::MissingCommand { .. }) if opts.allow_debug => {
                        match debug::debug_container(
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
                                fetch::list_dir(
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
    readers::read_offline(client, spec, path, absent_ok, opts.timeout)
        .await
        .map(|bytes| bytes.map(Fetched::Content).unwrap_or(Fetched::Absent))
}

/// How [`collect_or_interrupt`] ended.
#[derive(Debug)]
pub enum Collected {
    /// Every StatefulSet was read (pods that could not be read are in the report).
    Report(Report),
    /// Ctrl-C came first; the reader pods this run had created were deleted.
    Interrupted {
        /// How many reader pods were deleted.
        readers_removed: usize,
    },
}

/// [`collect`], unless Ctrl-C comes first: then the reader pods this run created (labelled
/// with `opts.reader_run`) are deleted before returning, so an interrupted read leaves nothing.
pub async fn collect_or_interrupt(
    target: &Target,
    names: &[String],
    opts: &Options,
) -> Result<Collected> {
    tokio::select! {
        report = collect(target, names, opts) => report.map(Collected::Report),
        _ = tokio::signal::ctrl_c() => {
            let readers_removed = readers::remove_readers(
                &target.client,
                target.scope.namespace(),
                &opts.reader_run,
            )
            .await;
            Ok(Collected::Interrupted { readers_removed })
        }
    }
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

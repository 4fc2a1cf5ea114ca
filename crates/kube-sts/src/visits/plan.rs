//! The pure half of a read: which job runs in which pod, and what the answers mean (the
//! chosen source, the count, the reason a pod was not read). No I/O here.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{PersistentVolume, Pod, Service};

use crate::k8s::ports;
use crate::read::snapshot::Snapshot;

use super::fetch::ReadError;
use super::parse::Format;
use super::readers::ReaderSpec;
use super::report::{Report, SetVisits};
use super::source::{HttpSource, Plan, Source};

use super::{metrics, orphans, parse, report, source, Options};

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
pub(super) enum Task {
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
pub(super) struct Job {
    pub(super) set: usize,
    pub(super) item: usize,
    pub(super) pod: Option<Pod>,
    pub(super) container: String,
    pub(super) task: Task,
    /// A missing file in an existing directory on a mounted volume reads as 0 (no file yet).
    pub(super) absent_ok: bool,
}

/// A job's result.
pub(super) type Fetch = std::result::Result<Fetched, ReadError>;

/// What a job brought back.
#[derive(Debug)]
pub(super) enum Fetched {
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
pub(super) struct Outcome {
    pub(super) set: usize,
    pub(super) item: usize,
    pub(super) result: std::result::Result<Fetched, ReadError>,
    pub(super) debug: Option<(String, bool)>,
}

/// Per-set state while reading.
pub(super) struct SetState {
    pub(super) plan: Option<Plan>,
    /// Rows whose pod exists but cannot be read because it is not running.
    pub(super) not_running: BTreeSet<usize>,
}

pub(super) fn list_pods(pods: &[String]) -> String {
    match pods {
        [one] => format!("pod {one}"),
        many => format!("pods {}", many.join(", ")),
    }
}

pub(super) fn note_debug(
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
pub(super) fn prepare(
    si: usize,
    snap: &Snapshot,
    opts: &Options,
) -> (SetVisits, SetState, Vec<Job>) {
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

pub(super) fn http_task(
    http: &HttpSource,
    pod: &Pod,
    container: &str,
) -> std::result::Result<Task, String> {
    let port = ports::resolve_port(pod.spec.as_ref(), Some(container), http.port.as_deref())?;
    Ok(Task::Http {
        port,
        path: http.path.clone(),
    })
}

/// Writes a job's result into its row.
pub(super) fn apply(
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
pub(super) fn decide(
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
pub(super) fn volume_node(pv: &PersistentVolume) -> Option<String> {
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

pub(super) fn offline_jobs(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures;
    use crate::visits::source::SourceRequest;
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

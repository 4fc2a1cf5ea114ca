//! The visits report as data, and its views. Pure: rows are built from a [`Snapshot`] (one per
//! ordinal that should exist, plus any other pod the StatefulSet still has), counts are filled in
//! by the driver, and everything shown (table, footer, `-o json|yaml`, watch lines) is computed
//! here.
//!
//! The JSON/YAML document (`kind: StatefulSetVisits`) has one item per pod:
//! `namespace, statefulSet, ordinal, pod, phase, status, ready, node, pvc, visits, lastVisit,
//! error` (`visits` is null when the pod could not be read), then `total`, `unread`, and a
//! summary per StatefulSet.

use crate::render::outcome::Outcome;
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;

use crate::cli::args::OutputFormat;
use crate::cli::target::OutputSettings;
use crate::error::{Error, Result};
use crate::k8s::age::{age, human_duration};
use crate::k8s::identity;
use crate::read::snapshot::Snapshot;
use crate::render::{self, Color, API_VERSION};

use super::exec::ReadError;
use super::parse::LastVisit;

/// `kind` of the JSON/YAML document.
pub const KIND: &str = "StatefulSetVisits";

/// Width of the SHARE bar in cells.
const BAR_WIDTH: usize = 10;

/// One pod (or missing pod) of a StatefulSet and its counter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Namespace.
    pub namespace: String,
    /// StatefulSet name.
    pub stateful_set: String,
    /// Ordinal.
    pub ordinal: i32,
    /// Pod name (the expected name when the pod is missing).
    pub pod: String,
    /// The pod's phase; null when the pod does not exist.
    pub phase: Option<String>,
    /// The STATUS word of `kubectl get pods` (`Running`, `CrashLoopBackOff`, `Terminating`,
    /// `Missing`).
    pub status: String,
    /// Whether the pod is Ready.
    pub ready: bool,
    /// Node the pod runs on.
    pub node: Option<String>,
    /// The claim holding the counter.
    pub pvc: Option<String>,
    /// The count; null when unread.
    pub visits: Option<u64>,
    /// The last visit, when the content has timestamps.
    pub last_visit: Option<String>,
    /// Why the pod could not be read.
    pub error: Option<String>,
    /// Read from the claim by a reader pod because the pod was not running (`--offline`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub offline: bool,
    /// A claim of an ordinal the StatefulSet no longer runs (`--include-orphans`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub orphan: bool,
    /// The counter file does not exist yet (its directory does, on a mounted volume): 0 visits.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_file_yet: bool,
    /// Change since the previous refresh (`--watch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<i64>,
    /// Visits per second since the previous refresh (`--watch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_second: Option<f64>,
    /// Columns of `-o wide` and table-only details.
    #[serde(skip)]
    pub detail: Detail,
}

/// Table-only details of an [`Item`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    /// READY as `kubectl get pods` prints it (`1/1`).
    pub ready_text: String,
    /// Pod IP.
    pub ip: Option<String>,
    /// `controller-revision-hash` label.
    pub revision: Option<String>,
    /// Container restarts.
    pub restarts: i32,
    /// Pod age.
    pub age: Option<String>,
    /// When the last visit happened, when the content had a date.
    pub last_visit_at: Option<Timestamp>,
}

impl Item {
    /// Whether the counter was read.
    pub fn is_read(&self) -> bool {
        self.visits.is_some()
    }

    /// Records a successful read.
    pub fn set_visits(&mut self, visits: u64, last: Option<LastVisit>) {
        self.visits = Some(visits);
        self.error = None;
        if let Some(last) = last {
            self.detail.last_visit_at = last.at;
            self.last_visit = Some(last.text);
        }
    }
}

/// Counts of one StatefulSet.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Sum over read pods.
    pub total: u64,
    /// Pods read.
    pub read: usize,
    /// Pods that could not be read.
    pub unread: usize,
    /// Smallest count.
    pub min: Option<u64>,
    /// Largest count.
    pub max: Option<u64>,
    /// Mean count over read pods.
    pub mean: Option<f64>,
    /// max / mean: 1.0 is perfectly even.
    pub imbalance: Option<f64>,
}

/// Computes the footer numbers of `items`.
pub fn summarize(items: &[Item]) -> Summary {
    let counts: Vec<u64> = items.iter().filter_map(|i| i.visits).collect();
    let total: u64 = counts.iter().sum();
    let mean = (!counts.is_empty()).then(|| total as f64 / counts.len() as f64);
    let max = counts.iter().copied().max();
    Summary {
        total,
        read: counts.len(),
        unread: items.len() - counts.len(),
        min: counts.iter().copied().min(),
        max,
        mean,
        imbalance: match (max, mean) {
            (Some(max), Some(mean)) if mean > 0.0 => Some(max as f64 / mean),
            _ => None,
        },
    }
}

/// One StatefulSet's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SetVisits {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Where the counter was read from (`/data/visits`, `http 8080/visits`).
    pub source: String,
    /// One row per ordinal (and per extra pod).
    pub items: Vec<Item>,
    /// Set-wide warnings (missing headless Service, zero replicas).
    pub warnings: Vec<String>,
    /// Why nothing could be read for this set (no source found, ambiguous source).
    pub problem: Option<String>,
}

/// Everything `kubectl sts-visits` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// One entry per StatefulSet, in the order they were selected.
    pub sets: Vec<SetVisits>,
    /// Notes about side effects (ephemeral containers added, reader pods).
    pub notes: Vec<String>,
    /// When the counters were read.
    pub taken_at: Timestamp,
    /// The first refused request (RBAC), with the pod it was for.
    pub refused: Option<(String, ReadError)>,
}

impl Report {
    /// All items, set by set.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sets.iter().flat_map(|s| s.items.iter())
    }

    /// Pods read / not read.
    pub fn counts(&self) -> (usize, usize) {
        let read = self.items().filter(|i| i.is_read()).count();
        (read, self.items().count() - read)
    }

    /// Sum over every read pod.
    pub fn total(&self) -> u64 {
        self.items().filter_map(|i| i.visits).sum()
    }

    /// The error to report instead of a table when nothing could be read for a reason that
    /// applies to the whole command: a refused request (names the resource and namespace), a
    /// problem with every StatefulSet (no or ambiguous source, bad path, zero replicas), or no
    /// pods at all.
    pub fn fatal(&self) -> Option<Error> {
        if self.counts().0 > 0 {
            return None;
        }
        if let Some((pod, err)) = &self.refused {
            return Some(err.to_error(pod));
        }
        let problems: Vec<&str> = self
            .sets
            .iter()
            .filter_map(|s| s.problem.as_deref())
            .collect();
        let every_set = !self.sets.is_empty() && problems.len() == self.sets.len();
        if every_set || self.items().next().is_none() {
            return Some(Error::Invalid {
                message: if problems.is_empty() {
                    "no pods to read".into()
                } else {
                    problems.join("\n")
                },
                hint: None,
            });
        }
        None
    }

    /// How the read ended: every pod read, some unread ([`Outcome::Partial`]), or nothing
    /// read ([`Outcome::Failed`]).
    pub fn outcome(&self) -> Outcome {
        match self.counts() {
            (0, _) => Outcome::Failed,
            (_, 0) => Outcome::Done,
            _ => Outcome::Partial,
        }
    }

    /// One line per unread pod (`app-1: pod app-1 is Pending`) and per set problem.
    pub fn error_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for set in &self.sets {
            if let Some(problem) = &set.problem {
                lines.push(problem.clone());
                continue;
            }
            for item in &set.items {
                if let Some(err) = &item.error {
                    lines.push(format!("{}: {err}", item.pod));
                }
            }
        }
        lines
    }

    /// Warnings of every set.
    pub fn warnings(&self) -> Vec<String> {
        self.sets.iter().flat_map(|s| s.warnings.clone()).collect()
    }

    /// Sorts each set's rows.
    pub fn sort(&mut self, by: SortBy) {
        for set in &mut self.sets {
            match by {
                SortBy::Ordinal => set.items.sort_by_key(|i| i.ordinal),
                SortBy::Visits => set.items.sort_by(|a, b| {
                    b.visits
                        .cmp(&a.visits)
                        .then_with(|| a.ordinal.cmp(&b.ordinal))
                }),
            }
        }
    }

    /// Fills `change` and `rate_per_second` from the previous refresh.
    pub fn apply_deltas(&mut self, previous: &Report) {
        let seconds =
            (self.taken_at.as_millisecond() - previous.taken_at.as_millisecond()) as f64 / 1000.0;
        let before: BTreeMap<(&str, &str, i32), u64> = previous
            .items()
            .filter_map(|i| {
                Some((
                    (i.namespace.as_str(), i.stateful_set.as_str(), i.ordinal),
                    i.visits?,
                ))
            })
            .collect();
        for set in &mut self.sets {
            for item in &mut set.items {
                let key = (
                    item.namespace.as_str(),
                    item.stateful_set.as_str(),
                    item.ordinal,
                );
                if let (Some(now), Some(then)) = (item.visits, before.get(&key)) {
                    let change = now as i64 - *then as i64;
                    item.change = Some(change);
                    item.rate_per_second =
                        (seconds > 0.0).then(|| (change as f64 / seconds * 100.0).round() / 100.0);
                }
            }
        }
    }
}

/// `--sort` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SortBy {
    /// By ordinal, ascending.
    #[default]
    Ordinal,
    /// Most visits first (unread last).
    Visits,
}

fn ready_text(pod: &k8s_openapi::api::core::v1::Pod) -> (bool, String) {
    let total = pod.spec.as_ref().map(|s| s.containers.len()).unwrap_or(0);
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref());
    let ready_containers = statuses.into_iter().flatten().filter(|c| c.ready).count();
    let ready = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    (ready, format!("{ready_containers}/{total}"))
}

/// The rows of a StatefulSet before anything is read: one per ordinal in range (missing pods
/// included) and one per other pod it still has (terminating after a scale-down). `template`
/// names the claim template holding the counter (its claim fills PVC).
pub fn skeleton(snap: &Snapshot, template: Option<&str>) -> Vec<Item> {
    let pods = snap.pods_by_ordinal();
    let claims = snap.claims_by_key();
    let template = template
        .map(str::to_string)
        .or_else(|| snap.templates().first().map(|t| t.to_string()));
    let ordinals: BTreeSet<i32> = snap.range().chain(pods.keys().copied()).collect();
    ordinals
        .into_iter()
        .map(|ordinal| {
            let pod = pods.get(&ordinal).copied();
            let pvc = template.as_ref().and_then(|t| {
                claims
                    .get(&(t.clone(), ordinal))
                    .and_then(|c| c.metadata.name.clone())
            });
            let name = pod
                .and_then(|p| p.metadata.name.clone())
                .unwrap_or_else(|| identity::pod_name(snap.name(), ordinal));
            let mut item = Item {
                namespace: snap.namespace().to_string(),
                stateful_set: snap.name().to_string(),
                ordinal,
                pod: name.clone(),
                phase: None,
                status: "Missing".into(),
                ready: false,
                node: None,
                pvc,
                visits: None,
                last_visit: None,
                error: Some(format!("pod {name} does not exist")),
                offline: false,
                orphan: false,
                no_file_yet: false,
                change: None,
                rate_per_second: None,
                detail: Detail {
                    ready_text: "-".into(),
                    ..Default::default()
                },
            };
            if let Some(pod) = pod {
                let (ready, text) = ready_text(pod);
                let status = pod.status.as_ref();
                item.phase = Some(
                    status
                        .and_then(|s| s.phase.clone())
                        .unwrap_or_else(|| "Pending".into()),
                );
                item.status = crate::k8s::pods::display_status(pod);
                item.ready = ready;
                item.node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
                item.error = None;
                item.detail = Detail {
                    ready_text: text,
                    ip: status.and_then(|s| s.pod_ip.clone()),
                    revision: pod
                        .metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("controller-revision-hash").cloned()),
                    restarts: status
                        .and_then(|s| s.container_statuses.as_ref())
                        .map(|cs| cs.iter().map(|c| c.restart_count).sum())
                        .unwrap_or(0),
                    age: Some(age(pod.metadata.creation_timestamp.as_ref(), snap.taken_at)),
                    last_visit_at: None,
                };
            }
            item
        })
        .collect()
}

/// How to lay out the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableOptions {
    /// `-A`: show the namespace in set headers.
    pub all_namespaces: bool,
    /// `-o wide`.
    pub wide: bool,
    /// `--watch`: CHANGE and RATE columns.
    pub watch: bool,
}

fn share_cell(visits: Option<u64>, total: u64) -> String {
    match visits {
        Some(v) if total > 0 => {
            let share = v as f64 / total as f64;
            let filled = ((share * BAR_WIDTH as f64).round() as usize).min(BAR_WIDTH);
            format!(
                "{:5.1}% {}{}",
                share * 100.0,
                "\u{2588}".repeat(filled),
                "\u{2591}".repeat(BAR_WIDTH - filled)
            )
        }
        Some(_) => format!("{:5.1}% {}", 0.0, "\u{2591}".repeat(BAR_WIDTH)),
        None => "-".into(),
    }
}

fn last_visit_cell(item: &Item, now: Timestamp) -> String {
    match (&item.last_visit, item.detail.last_visit_at) {
        (Some(text), Some(at)) => {
            let ago = human_duration(now.as_second() - at.as_second());
            format!("{text} ({ago} ago)")
        }
        (Some(text), None) => text.clone(),
        _ => "-".into(),
    }
}

fn status_color(item: &Item) -> Color {
    match item.status.as_str() {
        "Running" if item.ready => Color::Green,
        "Running" | "Pending" | "ContainerCreating" | "Terminating" => Color::Yellow,
        super::orphans::SCALED_DOWN if item.is_read() => Color::Yellow,
        _ => Color::Red,
    }
}

/// The footer line of one set.
pub fn footer(set: &SetVisits) -> String {
    let s = summarize(&set.items);
    let pods = set.items.len();
    let mut line = format!("{}: total {}", set.name, s.total);
    if let (Some(min), Some(max), Some(mean)) = (s.min, s.max, s.mean) {
        line.push_str(&format!(", min {min}, max {max}, mean {mean:.1}"));
        match s.imbalance {
            Some(i) => line.push_str(&format!(", imbalance {i:.2} (max/mean)")),
            None => line.push_str(", imbalance -"),
        }
    }
    if s.unread == 0 {
        line.push_str(&format!("; all {pods} pods read"));
    } else {
        line.push_str(&format!("; {} of {pods} pods could not be read", s.unread));
    }
    line
}

/// The table (one block per StatefulSet, each with its footer).
pub fn table(report: &Report, out: &OutputSettings, opts: TableOptions) -> String {
    let mut headers = vec![
        "ordinal",
        "pod",
        "ready",
        "status",
        "node",
        "pvc",
        "visits",
        "share",
        "last visit",
    ];
    if opts.watch {
        headers.extend(["change", "rate"]);
    }
    if opts.wide {
        headers.extend(["ip", "revision", "restarts", "age"]);
    }
    let many = report.sets.len() > 1;
    let mut blocks = Vec::new();
    for set in &report.sets {
        let mut block = String::new();
        if many || opts.all_namespaces {
            let title = if opts.all_namespaces {
                format!(
                    "statefulset.apps/{} (namespace {})",
                    set.name, set.namespace
                )
            } else {
                format!("statefulset.apps/{}", set.name)
            };
            block.push_str(&title);
            block.push('\n');
        }
        let total = summarize(&set.items).total;
        let rows = set
            .items
            .iter()
            .map(|item| {
                let visits = match item.visits {
                    Some(v) => {
                        let mut cell = v.to_string();
                        if item.no_file_yet {
                            cell.push_str(" (no file yet)");
                        }
                        if item.offline {
                            cell.push_str(" (offline)");
                        }
                        cell
                    }
                    None => "-".into(),
                };
                let mut row = vec![
                    item.ordinal.to_string(),
                    item.pod.clone(),
                    item.detail.ready_text.clone(),
                    render::paint(&item.status, status_color(item), out.color),
                    render::dash(item.node.as_deref()),
                    render::dash(item.pvc.as_deref()),
                    visits,
                    share_cell(item.visits, total),
                    last_visit_cell(item, report.taken_at),
                ];
                if opts.watch {
                    row.push(match item.change {
                        Some(c) if c > 0 => format!("+{c}"),
                        Some(c) => c.to_string(),
                        None => "-".into(),
                    });
                    row.push(match item.rate_per_second {
                        Some(r) => format!("{r:.2}/s"),
                        None => "-".into(),
                    });
                }
                if opts.wide {
                    row.push(render::dash(item.detail.ip.as_deref()));
                    row.push(render::dash(item.detail.revision.as_deref()));
                    row.push(if item.phase.is_some() {
                        item.detail.restarts.to_string()
                    } else {
                        "-".into()
                    });
                    row.push(render::dash(item.detail.age.as_deref()));
                }
                row
            })
            .collect();
        block.push_str(&render::table(&headers, rows, out.no_headers));
        if !out.no_headers {
            block.push_str(&footer(set));
            block.push('\n');
        }
        blocks.push(block);
    }
    blocks.join("\n")
}

/// Per-StatefulSet summary in the document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SetSummary<'a> {
    namespace: &'a str,
    name: &'a str,
    source: &'a str,
    #[serde(flatten)]
    summary: Summary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: &'a Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'a str>,
}

/// The `-o json|yaml` document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    api_version: &'static str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    items: Vec<&'a Item>,
    total: u64,
    unread: usize,
    stateful_sets: Vec<SetSummary<'a>>,
}

fn doc(report: &Report, with_time: bool) -> Document<'_> {
    Document {
        api_version: API_VERSION,
        kind: KIND,
        time: with_time.then(|| report.taken_at.to_string()),
        items: report.items().collect(),
        total: report.total(),
        unread: report.counts().1,
        stateful_sets: report
            .sets
            .iter()
            .map(|s| SetSummary {
                namespace: &s.namespace,
                name: &s.name,
                source: &s.source,
                summary: summarize(&s.items),
                warnings: &s.warnings,
                problem: s.problem.as_deref(),
            })
            .collect(),
    }
}

/// `-o json` (pretty) or `-o yaml`.
pub fn document(report: &Report, format: OutputFormat) -> Result<String> {
    let d = doc(report, false);
    match format {
        OutputFormat::Yaml => {
            serde_norway::to_string(&d).map_err(|e| Error::Other(format!("yaml: {e}")))
        }
        _ => serde_json::to_string_pretty(&d)
            .map(|s| s + "\n")
            .map_err(|e| Error::Other(format!("json: {e}"))),
    }
}

/// One compact JSON line (with `time`) per `--watch` refresh off a terminal.
pub fn json_line(report: &Report) -> Result<String> {
    serde_json::to_string(&doc(report, true))
        .map(|s| s + "\n")
        .map_err(|e| Error::Other(format!("json: {e}")))
}

/// `-o name`: `pod/NAME` per row.
pub fn names(report: &Report) -> String {
    report.items().map(|i| format!("pod/{}\n", i.pod)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures;

    fn report(counts: &[Option<u64>]) -> Report {
        let snap = fixtures::snapshot(counts.len() as i32, 0, &["data"], 0..counts.len() as i32);
        let mut items = skeleton(&snap, Some("data"));
        for (item, count) in items.iter_mut().zip(counts) {
            match count {
                Some(c) => item.set_visits(*c, None),
                None => item.error = Some("pod is Pending".into()),
            }
        }
        Report {
            sets: vec![SetVisits {
                namespace: "default".into(),
                name: "web".into(),
                source: "/data/visits".into(),
                items,
                warnings: vec![],
                problem: None,
            }],
            notes: vec![],
            taken_at: fixtures::now(),
            refused: None,
        }
    }

    fn plain() -> OutputSettings {
        OutputSettings {
            format: OutputFormat::Table,
            no_headers: false,
            color: false,
            progress: false,
        }
    }

    #[test]
    fn skeleton_covers_missing_and_extra_pods() {
        let mut snap = fixtures::snapshot(3, 0, &["data"], 0..3);
        snap.pods.remove(1); // web-1 missing
        let extra = fixtures::pod(&snap.statefulset, 5, &["data"]); // left over, outside range
        snap.pods.push(extra);
        let items = skeleton(&snap, None);
        let ordinals: Vec<i32> = items.iter().map(|i| i.ordinal).collect();
        assert_eq!(ordinals, [0, 1, 2, 5]);
        assert_eq!(items[1].status, "Missing");
        assert_eq!(items[1].pod, "web-1");
        assert_eq!(items[1].pvc.as_deref(), Some("data-web-1"));
        assert_eq!(items[1].error.as_deref(), Some("pod web-1 does not exist"));
        assert_eq!(items[0].status, "Running");
        assert_eq!(items[0].node.as_deref(), Some("node-0"));
        assert_eq!(items[3].pvc, None);
        assert_eq!(items[0].detail.ready_text, "0/1");
    }

    #[test]
    fn summary_and_exit_codes() {
        let r = report(&[Some(38), Some(25), Some(12)]);
        let s = summarize(&r.sets[0].items);
        assert_eq!(
            (s.total, s.min, s.max, s.read, s.unread),
            (75, Some(12), Some(38), 3, 0)
        );
        assert_eq!(s.mean, Some(25.0));
        assert!((s.imbalance.unwrap() - 1.52).abs() < 1e-9);
        assert_eq!(r.outcome().code(), 0);
        assert_eq!(report(&[Some(1), None]).outcome().code(), 3);
        assert_eq!(report(&[None, None]).outcome().code(), 1);
        let zero = report(&[Some(0), Some(0)]);
        assert_eq!(summarize(&zero.sets[0].items).imbalance, None);
        assert_eq!(zero.outcome().code(), 0);
    }

    #[test]
    fn table_with_share_bars_and_footer() {
        let r = report(&[Some(30), Some(10), None]);
        let out = table(&r, &plain(), TableOptions::default());
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("ORDINAL   POD     READY   STATUS"),
            "{out}"
        );
        assert!(
            lines[0].ends_with("VISITS   SHARE               LAST VISIT"),
            "{out}"
        );
        assert!(lines[1].contains(" 75.0% ████████░░"), "{out}");
        assert!(lines[2].contains(" 25.0% ███░░░░░░░"), "{out}");
        assert!(lines[3].contains("data-web-2   -        -"), "{out}");
        assert_eq!(
            lines[4],
            "web: total 40, min 10, max 30, mean 20.0, imbalance 1.50 (max/mean); 1 of 3 pods could not be read"
        );
        let wide = table(
            &r,
            &plain(),
            TableOptions {
                wide: true,
                ..Default::default()
            },
        );
        assert!(
            wide.lines()
                .next()
                .unwrap()
                .ends_with("IP   REVISION   RESTARTS   AGE"),
            "{wide}"
        );
    }

    #[test]
    fn fatal_errors_replace_the_table() {
        let mut r = report(&[None, None]);
        assert!(
            r.fatal().is_none(),
            "unreadable pods alone: table and exit 1"
        );
        r.refused = Some((
            "web-0".into(),
            ReadError::Forbidden {
                verb: "create",
                resource: "pods/exec",
                namespace: "default".into(),
                message: String::new(),
            },
        ));
        let err = r.fatal().unwrap();
        assert!(err.is_forbidden());
        assert!(err.to_string().contains("pods/exec"), "{err}");
        r.refused = None;
        r.sets[0].problem = Some("statefulset \"web\": several counter files found".into());
        assert!(r
            .fatal()
            .unwrap()
            .to_string()
            .contains("several counter files"));
        assert!(report(&[Some(1), None]).fatal().is_none());
    }

    #[test]
    fn sorting_and_error_lines() {
        let mut r = report(&[Some(3), None, Some(9)]);
        r.sort(SortBy::Visits);
        let order: Vec<i32> = r.sets[0].items.iter().map(|i| i.ordinal).collect();
        assert_eq!(order, [2, 0, 1]);
        r.sort(SortBy::Ordinal);
        assert_eq!(r.sets[0].items[0].ordinal, 0);
        assert_eq!(r.error_lines(), ["web-1: pod is Pending"]);
    }

    #[test]
    fn deltas_between_refreshes() {
        let before = report(&[Some(3), Some(5)]);
        let mut after = report(&[Some(7), None]);
        after.taken_at = before.taken_at + jiff::SignedDuration::from_secs(2);
        after.apply_deltas(&before);
        assert_eq!(after.sets[0].items[0].change, Some(4));
        assert_eq!(after.sets[0].items[0].rate_per_second, Some(2.0));
        assert_eq!(after.sets[0].items[1].change, None);
        let out = table(
            &after,
            &plain(),
            TableOptions {
                watch: true,
                ..Default::default()
            },
        );
        assert!(
            out.lines().nth(1).unwrap().contains("+4       2.00/s"),
            "{out}"
        );
        let line = json_line(&after).unwrap();
        assert_eq!(line.lines().count(), 1);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["items"][0]["change"], 4);
        assert!(v["time"].is_string());
    }

    #[test]
    fn document_schema() {
        let mut r = report(&[Some(2), None]);
        r.sets[0].items[0].set_visits(
            2,
            Some(LastVisit {
                text: "2024-05-01T11:59:00Z".into(),
                at: Some("2024-05-01T11:59:00Z".parse().unwrap()),
            }),
        );
        let v: serde_json::Value =
            serde_json::from_str(&document(&r, OutputFormat::Json).unwrap()).unwrap();
        assert_eq!(v["kind"], KIND);
        assert_eq!(v["apiVersion"], API_VERSION);
        assert_eq!(v["total"], 2);
        let item = &v["items"][0];
        for key in [
            "namespace",
            "statefulSet",
            "ordinal",
            "pod",
            "phase",
            "ready",
            "node",
            "pvc",
            "visits",
            "lastVisit",
            "error",
        ] {
            assert!(item.get(key).is_some(), "missing {key}: {item}");
        }
        assert_eq!(item["lastVisit"], "2024-05-01T11:59:00Z");
        assert!(v["items"][1]["visits"].is_null());
        assert_eq!(v["items"][1]["error"], "pod is Pending");
        assert_eq!(v["statefulSets"][0]["unread"], 1);
        let yaml = document(&r, OutputFormat::Yaml).unwrap();
        assert!(yaml.starts_with("apiVersion: kubectl-sts/v1alpha1\nkind: StatefulSetVisits\n"));
        let out = table(&r, &plain(), TableOptions::default());
        assert!(out.contains("2024-05-01T11:59:00Z (60s ago)"), "{out}");
        assert_eq!(names(&r), "pod/web-0\npod/web-1\n");
    }
}

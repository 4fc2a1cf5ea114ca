//! The visits report as data. Pure: rows are built from a [`Snapshot`] (one per ordinal that
//! should exist, plus any other pod the StatefulSet still has), counts are filled in by the
//! driver ([`super::run`]), and the summaries, sort orders and outcome are computed here. The
//! views are in [`super::view`].

use crate::render::outcome::Outcome;
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;

use crate::error::Error;
use crate::k8s::age::age;
use crate::k8s::identity;
use crate::read::snapshot::Snapshot;

use super::fetch::ReadError;
use super::parse::LastVisit;
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::read::snapshot::fixtures;

    pub(crate) fn report(counts: &[Option<u64>]) -> Report {
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
    fn sorting_and_error_lines() {
        let mut r = report(&[Some(3), None, Some(9)]);
        r.sort(SortBy::Visits);
        let order: Vec<i32> = r.sets[0].items.iter().map(|i| i.ordinal).collect();
        assert_eq!(order, [2, 0, 1]);
        r.sort(SortBy::Ordinal);
        assert_eq!(r.sets[0].items[0].ordinal, 0);
        assert_eq!(r.error_lines(), ["web-1: pod is Pending"]);
    }
}

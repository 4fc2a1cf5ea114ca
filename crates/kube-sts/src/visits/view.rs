//! The views of a visits [`Report`]: the kubectl-style table with SHARE bars and a footer per
//! StatefulSet, `-o json|yaml|name`, and the one-line JSON documents of `--watch -o json`.
//!
//! The JSON/YAML document (`kind: StatefulSetVisits`) has one item per pod:
//! `namespace, statefulSet, ordinal, pod, phase, status, ready, node, pvc, visits, lastVisit,
//! error` (`visits` is null when the pod could not be read), then `total`, `unread`, and a
//! summary per StatefulSet.

use jiff::Timestamp;
use serde::Serialize;

use crate::cli::args::OutputFormat;
use crate::cli::target::OutputSettings;
use crate::error::{Error, Result};
use crate::k8s::age::human_duration;
use crate::render::{self, Color, API_VERSION};

use super::report::*;
use super::watching::Refresh;

/// `kind` of the JSON/YAML document.
pub const KIND: &str = "StatefulSetVisits";

/// Width of the SHARE bar in cells.
const BAR_WIDTH: usize = 10;

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
    render::encode(&doc(report, false), format)
}

/// One compact JSON line (with `time`) per `--watch` refresh off a terminal.
pub fn json_line(report: &Report) -> Result<String> {
    render::json_line(&doc(report, true))
}

/// `-o name`: `pod/NAME` per row.
pub fn names(report: &Report) -> String {
    report.items().map(|i| format!("pod/{}\n", i.pod)).collect()
}

/// Warnings, notes and (with `with_errors`) per-pod errors, as the lines a plugin writes to
/// stderr after the table.
pub fn stderr_lines(report: &Report, with_errors: bool) -> Vec<String> {
    let mut lines: Vec<String> = report
        .warnings()
        .into_iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    lines.extend(report.notes.iter().map(|n| format!("note: {n}")));
    if with_errors {
        lines.extend(
            report
                .error_lines()
                .into_iter()
                .map(|e| format!("error: {e}")),
        );
    }
    lines
}

/// What one `--watch` refresh shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchOutput {
    /// A whole frame to draw in place on a terminal.
    Frame(String),
    /// One JSON document line for stdout (not a terminal, or `-o json`).
    Line(String),
    /// Lines for stderr (a retried error, off a terminal).
    Stderr(Vec<String>),
    /// Nothing more to show: the watch ends with a fatal error (reported by the caller).
    End,
}

/// How a `--watch` frame is titled: `Every 2s: kubectl sts-visits web    12:00:00`.
#[derive(Debug, Clone)]
pub struct WatchTitle {
    /// `--interval`.
    pub interval: std::time::Duration,
    /// The StatefulSets named on the command line.
    pub names: Vec<String>,
}

/// The output of one `--watch` refresh: a frame on a terminal (`in_place`), else a JSON line.
pub fn watch_output(
    refresh: &Refresh<'_>,
    in_place: bool,
    title: &WatchTitle,
    out: &OutputSettings,
    opts: TableOptions,
) -> Result<WatchOutput> {
    if !in_place {
        return Ok(match refresh {
            Refresh::Report(report) => WatchOutput::Line(json_line(report)?),
            Refresh::Retrying {
                error, retry_in, ..
            } => WatchOutput::Stderr(vec![
                format!("error: {}", error_text(error)),
                format!("retrying in {}s", retry_in.as_secs_f64()),
            ]),
            Refresh::Fatal(_) => WatchOutput::End,
        });
    }
    let mut frame = format!(
        "Every {}s: kubectl sts-visits {}    {}\n\n",
        title.interval.as_secs_f64(),
        title.names.join(" "),
        jiff::Zoned::now().strftime("%H:%M:%S")
    );
    match refresh {
        Refresh::Report(report) => {
            frame.push_str(&table(report, out, opts));
            for w in report.warnings() {
                frame.push_str(&format!("warning: {w}\n"));
            }
            for e in report.error_lines() {
                frame.push_str(&format!("error: {e}\n"));
            }
        }
        Refresh::Retrying {
            error,
            attempt,
            retry_in,
        } => frame.push_str(&format!(
            "error: {}\n(attempt {attempt}; retrying in {}s)\n",
            error,
            retry_in.as_secs_f64()
        )),
        Refresh::Fatal(_) => return Ok(WatchOutput::End),
    }
    Ok(WatchOutput::Frame(frame))
}

/// An error as `report` prints it, without the `error: ` prefix.
fn error_text(err: &Error) -> String {
    let text = err.to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text).to_string();
    match err.hint() {
        Some(hint) => format!("{text}\nhint: {hint}"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fetch::ReadError;
    use super::super::parse::LastVisit;
    use super::*;

    use super::super::report::tests::report;
    fn plain() -> OutputSettings {
        OutputSettings::plain(OutputFormat::Table)
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

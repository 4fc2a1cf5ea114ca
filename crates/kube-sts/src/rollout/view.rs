//! Turns a run's [`Progress`] into what the user sees: lines on stdout, and per-pod spinners on
//! stderr when it is a terminal (else one `  POD: STATE` line per change); and the read-only
//! commands' results (`status`, `history`, `diff`) into their text for `-o`.

use std::collections::BTreeMap;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::events::{Progress, Reporter};
use super::history::{self, HistoryRow};
use super::history_view;
use super::progress::PodPhase;
use super::status::{self, RolloutStatus};
use crate::cli::args::OutputFormat;
use crate::cli::target::OutputSettings;
use crate::error::Result;

/// `status` as text: a `RolloutStatus` document for `-o json|yaml`, else the status view, with
/// a blank line after each frame of `-w`.
pub fn status_text(s: &RolloutStatus, out: &OutputSettings, watch: bool) -> Result<String> {
    match out.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            crate::render::document("RolloutStatus", vec![s], out.format)
        }
        _ => {
            let mut text = status::render(s, out.color);
            if watch {
                text.push('\n');
            }
            Ok(text)
        }
    }
}

/// `history` as text: a `RolloutHistory` document for `-o json|yaml`, else kubectl's
/// `statefulset.apps/NAME` header over the table (every column with `-o wide`, else fitted to
/// `width`).
pub fn history_text(
    name: &str,
    rows: Vec<HistoryRow>,
    out: &OutputSettings,
    width: Option<usize>,
) -> Result<String> {
    Ok(match out.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            crate::render::document("RolloutHistory", rows, out.format)?
        }
        OutputFormat::Wide => format!(
            "statefulset.apps/{name}\n{}",
            history::render_history(&rows, out.no_headers)
        ),
        _ => format!(
            "statefulset.apps/{name}\n{}",
            history_view::render_fitted(&rows, out.no_headers, width)
        ),
    })
}

/// `diff` as text: the unified diff, or `no differences`.
pub fn diff_text(diff: String) -> String {
    if diff.is_empty() {
        "no differences\n".into()
    } else {
        diff
    }
}

/// Prints progress; keeps the spinners and the last state shown per pod.
pub struct Printer {
    multi: Option<MultiProgress>,
    bars: BTreeMap<String, ProgressBar>,
    last: BTreeMap<String, String>,
}

/// A [`Reporter`] that prints, with spinners when `progress` (stderr is a terminal).
pub fn printer(progress: bool) -> Reporter {
    let printer = std::sync::Mutex::new(Printer::new(progress));
    std::sync::Arc::new(move |event| {
        if let Ok(mut printer) = printer.lock() {
            printer.show(event);
        }
    })
}

/// How a pod's phase reads, and whether it is finished.
pub fn pod_text(phase: &PodPhase, revision: &str) -> (String, bool) {
    match phase {
        PodPhase::Waiting => ("waiting".to_string(), false),
        PodPhase::Replacing(s) => (s.clone(), false),
        PodPhase::Ready => ("Ready, waiting minReadySeconds".to_string(), false),
        PodPhase::Done => (format!("Ready on revision {revision}"), true),
    }
}

/// How one event reads as a line on stdout; `None` for pod states and the end of a step
/// (which [`Printer`] shows as spinners or changed-state lines), raw text and stderr notices.
pub fn line(event: &Progress) -> Option<String> {
    let count = |v: &Option<u64>| v.map(|v| v.to_string());
    Some(match event {
        Progress::Line(text) => text.clone(),
        Progress::PodDeleted { pod } => format!("pod \"{pod}\" deleted"),
        Progress::HttpCheckOk { pod, path } => format!("  {pod}: GET {path} ok"),
        Progress::DataCheckOk { pod, before, after } => format!(
            "  {pod}: data check ok ({} -> {})",
            count(before).unwrap_or_else(|| "-".into()),
            count(after).unwrap_or_else(|| "-".into())
        ),
        Progress::NoCounterBefore { pod, error } => {
            format!("  {pod}: no counter to check before its restart ({error})")
        }
        Progress::Pod { .. } | Progress::StepSettled | Progress::Text(_) | Progress::Notice(_) => {
            return None
        }
    })
}

impl Printer {
    /// Spinners on stderr when `progress` (stderr is a terminal).
    pub fn new(progress: bool) -> Printer {
        Printer {
            multi: progress.then(MultiProgress::new),
            bars: BTreeMap::new(),
            last: BTreeMap::new(),
        }
    }

    /// Shows one event.
    pub fn show(&mut self, event: Progress) {
        match &event {
            Progress::Pod {
                pod,
                phase,
                revision,
            } => {
                let (text, finished) = pod_text(phase, revision);
                self.pod_state(pod, &text, finished);
            }
            Progress::StepSettled => self.clear(),
            Progress::Text(text) => match &self.multi {
                Some(m) => {
                    m.suspend(|| print!("{text}"));
                }
                None => print!("{text}"),
            },
            Progress::Notice(text) => match &self.multi {
                Some(m) => m.suspend(|| eprintln!("{text}")),
                None => eprintln!("{text}"),
            },
            other => {
                if let Some(text) = line(other) {
                    self.say(&text);
                }
            }
        }
    }

    /// A line on stdout (above any spinners).
    fn say(&self, line: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => println!("{line}"),
        }
    }

    fn pod_state(&mut self, pod: &str, text: &str, finished: bool) {
        if self.last.get(pod).map(String::as_str) == Some(text) {
            return;
        }
        self.last.insert(pod.to_string(), text.to_string());
        match &self.multi {
            Some(m) => {
                let bar = self.bars.entry(pod.to_string()).or_insert_with(|| {
                    let b = m.add(ProgressBar::new(1));
                    if let Ok(style) =
                        ProgressStyle::with_template("{spinner} {prefix:<12} [{bar:10}] {msg}")
                    {
                        b.set_style(style.progress_chars("#>-"));
                    }
                    b.set_prefix(pod.to_string());
                    b.enable_steady_tick(Duration::from_millis(120));
                    b
                });
                bar.set_message(text.to_string());
                if finished {
                    bar.set_position(1);
                    bar.finish();
                }
            }
            None => println!("  {pod}: {text}"),
        }
    }

    /// Clears finished spinners.
    fn clear(&mut self) {
        for (_, bar) in std::mem::take(&mut self.bars) {
            bar.finish_and_clear();
        }
        self.last.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_the_run_always_printed_them() {
        let said = |e: Progress| line(&e).unwrap();
        assert_eq!(
            said(Progress::PodDeleted {
                pod: "web-2".into()
            }),
            "pod \"web-2\" deleted"
        );
        assert_eq!(
            said(Progress::HttpCheckOk {
                pod: "web-1".into(),
                path: "/healthz".into()
            }),
            "  web-1: GET /healthz ok"
        );
        assert_eq!(
            said(Progress::DataCheckOk {
                pod: "web-0".into(),
                before: Some(3),
                after: None
            }),
            "  web-0: data check ok (3 -> -)"
        );
        assert_eq!(
            said(Progress::NoCounterBefore {
                pod: "web-0".into(),
                error: "no file".into()
            }),
            "  web-0: no counter to check before its restart (no file)"
        );
        assert_eq!(line(&Progress::StepSettled), None);
        assert_eq!(diff_text(String::new()), "no differences\n");
        assert_eq!(diff_text("-a\n+b\n".into()), "-a\n+b\n");
        assert_eq!(
            pod_text(&PodPhase::Done, "web-7d9"),
            ("Ready on revision web-7d9".to_string(), true)
        );
        assert_eq!(
            pod_text(&PodPhase::Replacing("Pending".into()), "x"),
            ("Pending".to_string(), false)
        );
    }
}

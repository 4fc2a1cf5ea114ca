//! Views of `kubectl sts-pvc`: the claim map, usage, prune, retention and resize, as tables,
//! documents or names.

use crate::cli::args::OutputFormat;
use crate::cli::target::OutputSettings;
use crate::error::Result;
use crate::k8s::quantity::{bar, format_bytes};
use crate::pvc::claims::{self, ClaimRow, ClaimState, ClaimsReport};
use crate::pvc::prune::{self, PrunePlan};
use crate::pvc::resize::{self, ResizePlan};
use crate::pvc::retention::{self, RetentionReport};
use crate::pvc::usage::{self, UsageReport};

use crate::render::{dash, document, paint, table, Color};

fn state_color(state: ClaimState) -> Color {
    match state {
        ClaimState::Bound => Color::Green,
        ClaimState::Pending | ClaimState::Orphaned => Color::Yellow,
        ClaimState::Missing | ClaimState::Lost => Color::Red,
        ClaimState::Terminating => Color::Dim,
    }
}

fn heading(namespace: &str, name: &str, all_namespaces: bool) -> String {
    // With -A the NAMESPACE column and this heading both say where the StatefulSet lives.
    if all_namespaces {
        format!("statefulset.apps/{name} (namespace {namespace})\n")
    } else {
        format!("statefulset.apps/{name}\n")
    }
}

fn claim_cells(row: &ClaimRow, wide: bool, color: bool) -> Vec<String> {
    let mut cells = vec![
        row.ordinal.to_string(),
        dash(row.pod.as_deref()),
        dash(row.pod_status.as_deref()),
        dash(row.node.as_deref()),
        row.template.clone(),
        row.pvc.clone(),
        paint(row.state.as_str(), state_color(row.state), color),
        dash(row.capacity.as_deref()),
        access_modes(&row.access_modes),
        dash(row.storage_class.as_deref()),
        dash(row.volume.as_deref()),
        row.age.clone(),
    ];
    if wide {
        cells.push(dash(row.requested.as_deref()));
        cells.push(dash(row.reclaim_policy.as_deref()));
        cells.push(if row.owner_references.is_empty() {
            "<none>".into()
        } else {
            row.owner_references.join(",")
        });
        cells.push(if row.mounts.is_empty() {
            "-".into()
        } else {
            row.mounts
                .iter()
                .map(|m| format!("{}:{}", m.container, m.path))
                .collect::<Vec<_>>()
                .join(",")
        });
    }
    cells
}

/// kubectl's short access modes: RWO, ROX, RWX, RWOP.
pub fn access_modes(modes: &[String]) -> String {
    if modes.is_empty() {
        return "-".into();
    }
    modes
        .iter()
        .map(|m| match m.as_str() {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(",")
}

const CLAIM_HEADERS: [&str; 12] = [
    "ordinal",
    "pod",
    "pod-status",
    "node",
    "template",
    "pvc",
    "status",
    "capacity",
    "access modes",
    "storageclass",
    "volume",
    "age",
];
const CLAIM_WIDE_HEADERS: [&str; 4] = ["requested", "reclaim policy", "owners", "mounts"];

/// Renders the claim map (all rows, or only orphans with `orphans_only`).
pub fn claims(
    reports: &[ClaimsReport],
    out: &OutputSettings,
    all_namespaces: bool,
    orphans_only: bool,
) -> Result<String> {
    let select = |r: &ClaimRow| !orphans_only || r.state == ClaimState::Orphaned;
    match out.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            let items: Vec<ClaimsReport> = reports
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r.claims.retain(select);
                    r
                })
                .collect();
            document(claims::KIND, items, out.format)
        }
        OutputFormat::Name => Ok(reports
            .iter()
            .flat_map(|r| r.claims.iter())
            .filter(|r| select(r) && r.uid.is_some())
            .map(|r| format!("persistentvolumeclaim/{}\n", r.pvc))
            .collect()),
        OutputFormat::Table | OutputFormat::Wide => {
            let wide = out.format == OutputFormat::Wide;
            let mut headers: Vec<&str> = if all_namespaces {
                vec!["namespace"]
            } else {
                vec![]
            };
            headers.extend(CLAIM_HEADERS);
            if wide {
                headers.extend(CLAIM_WIDE_HEADERS);
            }
            let mut text = String::new();
            let several = reports.len() > 1 || all_namespaces;
            for (i, report) in reports.iter().enumerate() {
                let rows: Vec<Vec<String>> = report
                    .claims
                    .iter()
                    .filter(|r| select(r))
                    .map(|r| {
                        let mut cells = claim_cells(r, wide, out.color);
                        if all_namespaces {
                            cells.insert(0, report.namespace.clone());
                        }
                        cells
                    })
                    .collect();
                if out.no_headers {
                    text.push_str(&table(&headers, rows, true));
                    continue;
                }
                if orphans_only && rows.is_empty() {
                    continue;
                }
                if i > 0 && !text.is_empty() {
                    text.push('\n');
                }
                if several {
                    text.push_str(&heading(&report.namespace, &report.name, all_namespaces));
                }
                text.push_str(&table(&headers, rows, false));
                text.push_str(&summary(report, out.color, orphans_only));
            }
            Ok(text)
        }
    }
}

/// The summary line of a StatefulSet plus one line per Pending claim with its reason (only
/// orphaned ones with `orphans_only`).
pub fn summary(report: &ClaimsReport, color: bool, orphans_only: bool) -> String {
    let s = &report.summary;
    let color_of = if s.missing + s.lost > 0 {
        Color::Red
    } else if s.pending + s.orphaned > 0 {
        Color::Yellow
    } else {
        Color::Green
    };
    let mut text = format!(
        "{}: {}\n",
        report.name,
        paint(&report.summary_line(), color_of, color)
    );
    for row in &report.claims {
        if orphans_only && row.state != ClaimState::Orphaned {
            continue;
        }
        if let Some(p) = &row.pending {
            text.push_str(&format!(
                "  {} is Pending: {}: {}\n",
                row.pvc, p.reason, p.message
            ));
        }
    }
    text
}

/// Renders usage.
pub fn usage(
    reports: &[UsageReport],
    out: &OutputSettings,
    all_namespaces: bool,
) -> Result<String> {
    match out.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            document(usage::KIND, reports.to_vec(), out.format)
        }
        OutputFormat::Name => Ok(reports
            .iter()
            .flat_map(|r| &r.claims)
            .map(|r| format!("persistentvolumeclaim/{}\n", r.pvc))
            .collect()),
        OutputFormat::Table | OutputFormat::Wide => {
            let wide = out.format == OutputFormat::Wide;
            let mut headers = vec!["ordinal", "pvc", "pod", "used", "capacity", "use%", ""];
            if wide {
                headers.extend(["available", "path"]);
            }
            let mut text = String::new();
            for (i, report) in reports.iter().enumerate() {
                let rows = report
                    .claims
                    .iter()
                    .map(|r| {
                        let pct = r.percent;
                        let bar_cell = match (pct, &r.reason) {
                            (Some(p), _) => {
                                let c = if p >= 90 {
                                    Color::Red
                                } else if p >= 75 {
                                    Color::Yellow
                                } else {
                                    Color::Green
                                };
                                paint(&bar(p, 20), c, out.color)
                            }
                            (None, Some(why)) => format!("- ({why})"),
                            (None, None) => "-".into(),
                        };
                        let mut cells = vec![
                            r.ordinal.to_string(),
                            r.pvc.clone(),
                            dash(r.pod.as_deref()),
                            r.used_bytes.map(format_bytes).unwrap_or_else(|| "-".into()),
                            r.capacity_bytes
                                .map(format_bytes)
                                .unwrap_or_else(|| "-".into()),
                            pct.map(|p| format!("{p}%")).unwrap_or_else(|| "-".into()),
                            bar_cell,
                        ];
                        if wide {
                            cells.push(
                                r.available_bytes
                                    .map(format_bytes)
                                    .unwrap_or_else(|| "-".into()),
                            );
                            cells.push(dash(r.path.as_deref()));
                        }
                        cells
                    })
                    .collect();
                if i > 0 && !out.no_headers {
                    text.push('\n');
                }
                if !out.no_headers && (reports.len() > 1 || all_namespaces) {
                    text.push_str(&heading(&report.namespace, &report.name, all_namespaces));
                }
                text.push_str(&table(&headers, rows, out.no_headers));
            }
            Ok(text)
        }
    }
}

/// Renders prune plans; `done` says whether the deletions happened.
pub fn prune(plans: &[PrunePlan], out: &OutputSettings, done: bool) -> Result<String> {
    match out.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            document(prune::KIND, plans.to_vec(), out.format)
        }
        _ => {
            let suffix = if done { "" } else { " (dry run)" };
            let mut text = String::new();
            for plan in plans {
                if plan.deletions.is_empty() {
                    text.push_str(&format!(
                        "statefulset.apps/{}: no orphaned claims\n",
                        plan.name
                    ));
                }
                for d in &plan.deletions {
                    text.push_str(&match out.format {
                        OutputFormat::Name => format!("persistentvolumeclaim/{}\n", d.pvc),
                        _ => format!("persistentvolumeclaim \"{}\" deleted{suffix}\n", d.pvc),
                    });
                }
            }
            Ok(text)
        }
    }
}

/// Renders retention reports.
pub fn retention(reports: &[RetentionReport], out: &OutputSettings) -> Result<String> {
    match out.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            document(retention::KIND, reports.to_vec(), out.format)
        }
        OutputFormat::Name => Ok(reports
            .iter()
            .map(|r| format!("statefulset.apps/{}\n", r.name))
            .collect()),
        OutputFormat::Table | OutputFormat::Wide => {
            let mut text = String::new();
            for (i, r) in reports.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                if !out.no_headers {
                    text.push_str(&format!(
                        "statefulset.apps/{}: whenScaled={}, whenDeleted={}\n",
                        r.name, r.policy.when_scaled, r.policy.when_deleted
                    ));
                }
                let rows = r
                    .claims
                    .iter()
                    .map(|c| {
                        let list = |v: &[String]| {
                            if v.is_empty() {
                                "<none>".to_string()
                            } else {
                                v.join(",")
                            }
                        };
                        vec![
                            c.ordinal.to_string(),
                            c.pvc.clone(),
                            list(&c.expected),
                            list(&c.actual),
                            if c.drift {
                                paint("drift", Color::Yellow, out.color)
                            } else {
                                paint("ok", Color::Green, out.color)
                            },
                            c.note.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                text.push_str(&table(
                    &[
                        "ordinal",
                        "pvc",
                        "expected owners",
                        "actual owners",
                        "state",
                        "note",
                    ],
                    rows,
                    out.no_headers,
                ));
            }
            Ok(text)
        }
    }
}

/// Renders a resize plan (`--dry-run`).
pub fn resize_plan(plan: &ResizePlan, out: &OutputSettings) -> Result<String> {
    match out.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            document(resize::PLAN_KIND, vec![plan.clone()], out.format)
        }
        _ => {
            let mut text = format!(
                "resize of template {:?} of statefulset.apps/{} from {} to {} (storageclass {}) (dry run):\n",
                plan.template,
                plan.name,
                plan.from,
                plan.to,
                plan.storage_class.as_deref().unwrap_or("<unknown>")
            );
            for (i, step) in plan.steps().iter().enumerate() {
                text.push_str(&format!("  {}. {step}\n", i + 1));
            }
            for note in &plan.notes {
                text.push_str(&format!("note: {note}\n"));
            }
            Ok(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pvc::claims::claim_map;
    use crate::read::snapshot::fixtures::snapshot;

    fn settings(format: OutputFormat) -> OutputSettings {
        OutputSettings::plain(format)
    }

    #[test]
    fn map_table_orphans_and_namespaces() {
        let reports = vec![claim_map(&snapshot(2, 0, &["data"], 0..4))];
        let text = claims(&reports, &settings(OutputFormat::Table), false, false).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ORDINAL   POD     POD-STATUS   NODE     TEMPLATE"));
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[5].starts_with("web: 2 bound, 2 orphaned (ordinals 2-3;"));

        let only = claims(&reports, &settings(OutputFormat::Table), true, true).unwrap();
        let lines: Vec<&str> = only.lines().collect();
        assert_eq!(lines[0], "statefulset.apps/web (namespace default)");
        assert!(lines[1].starts_with("NAMESPACE   ORDINAL"));
        assert!(lines[2].starts_with("default     2"));
        assert_eq!(lines.len(), 5, "{only}");

        let names = claims(&reports, &settings(OutputFormat::Name), false, true).unwrap();
        assert_eq!(
            names,
            "persistentvolumeclaim/data-web-2\npersistentvolumeclaim/data-web-3\n"
        );
    }

    #[test]
    fn json_orphans_keep_envelope() {
        let reports = vec![claim_map(&snapshot(1, 0, &["data"], 0..2))];
        let text = claims(&reports, &settings(OutputFormat::Json), false, true).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["kind"], "StatefulSetClaims");
        assert_eq!(doc["items"][0]["claims"].as_array().unwrap().len(), 1);
        assert_eq!(doc["items"][0]["summary"]["orphaned"], 1);
    }

    #[test]
    fn access_mode_abbreviations() {
        assert_eq!(
            access_modes(&["ReadWriteOnce".into(), "ReadWriteMany".into()]),
            "RWO,RWX"
        );
        assert_eq!(access_modes(&[]), "-");
    }
}

//! `history` and `diff`: the StatefulSet's ControllerRevisions with their change causes, images
//! and the ordinals running each, and a unified diff of two revisions' pod templates as YAML.
//! Pure functions over a [`Snapshot`].

use jiff::Timestamp;
use serde::Serialize;

use super::model::{self, Revision};
use crate::error::{Error, Result};
use crate::k8s::identity;
use crate::read::snapshot::Snapshot;

/// One row of `history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRow {
    /// Revision number.
    pub revision: i64,
    /// ControllerRevision name.
    pub name: String,
    /// `kubernetes.io/change-cause`.
    pub change_cause: Option<String>,
    /// `container=image`.
    pub images: Vec<String>,
    /// Age as kubectl prints it.
    pub age: String,
    /// Ordinals whose pod runs this revision.
    pub ordinals: Vec<i32>,
    /// `status.currentRevision`.
    pub current: bool,
    /// `status.updateRevision`.
    pub update: bool,
}

/// The history rows, oldest first.
pub fn history(snap: &Snapshot, now: Timestamp) -> Vec<HistoryRow> {
    let sts = &snap.statefulset;
    let by_ordinal = model::pods_by_ordinal(sts, &snap.pods);
    model::revisions(&snap.revisions)
        .into_iter()
        .map(|r| HistoryRow {
            ordinals: by_ordinal
                .iter()
                .filter(|(_, p)| {
                    !model::is_terminating(p) && model::pod_revision(p) == Some(r.name.as_str())
                })
                .map(|(o, _)| *o)
                .collect(),
            age: crate::k8s::age::age(
                r.created
                    .map(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time)
                    .as_ref(),
                now,
            ),
            current: model::current_revision(sts) == Some(r.name.as_str()),
            update: model::update_revision(sts) == Some(r.name.as_str()),
            revision: r.number,
            name: r.name,
            change_cause: r.change_cause,
            images: r.images,
        })
        .collect()
}

/// History as a kubectl-style table.
pub fn render_history(rows: &[HistoryRow], no_headers: bool) -> String {
    let body = rows
        .iter()
        .map(|r| {
            let mut marks = Vec::new();
            if r.current {
                marks.push("current");
            }
            if r.update {
                marks.push("update");
            }
            vec![
                r.revision.to_string(),
                r.name.clone(),
                r.change_cause.clone().unwrap_or_else(|| "<none>".into()),
                r.images.join(","),
                r.age.clone(),
                if r.ordinals.is_empty() {
                    "-".into()
                } else {
                    identity::ordinal_ranges(&r.ordinals)
                },
                crate::render::dash(Some(&marks.join(","))),
            ]
        })
        .collect();
    crate::render::table(
        &[
            "revision",
            "name",
            "change-cause",
            "images",
            "age",
            "ordinals",
            "status",
        ],
        body,
        no_headers,
    )
}

/// Finds a revision by number or name, or explains which exist.
pub fn find_revision<'a>(revs: &'a [Revision], wanted: &str, sts: &str) -> Result<&'a Revision> {
    let found = match wanted.parse::<i64>() {
        Ok(n) => revs.iter().find(|r| r.number == n),
        Err(_) => revs.iter().find(|r| r.name == wanted),
    };
    found.ok_or_else(|| {
        let known: Vec<String> = revs.iter().map(|r| r.number.to_string()).collect();
        Error::invalid(
            format!("unable to find the specified revision {wanted} of statefulset {sts:?}"),
            if known.is_empty() {
                "it has no revisions yet".to_string()
            } else {
                format!(
                    "its revisions are {}; see: kubectl sts-rollout history {sts}",
                    known.join(", ")
                )
            },
        )
    })
}

/// The revision `undo` goes back to: `--to-revision N`; else, while some pod does not run the
/// update revision (`incomplete`), the current revision (or the update revision itself when the
/// template was already reverted, so `--force` only replaces stuck pods); else, like kubectl,
/// the newest revision before the update revision.
pub fn undo_target<'a>(
    revs: &'a [Revision],
    update: Option<&str>,
    current: Option<&str>,
    incomplete: bool,
    to: Option<i64>,
    sts: &str,
) -> Result<&'a Revision> {
    if let Some(n) = to {
        return find_revision(revs, &n.to_string(), sts);
    }
    let by_name = |name: Option<&str>| name.and_then(|n| revs.iter().find(|r| r.name == n));
    if incomplete {
        if let Some(r) = by_name(current).or_else(|| by_name(update)) {
            return Ok(r);
        }
    }
    let latest = by_name(update).or_else(|| revs.last());
    let Some(latest) = latest else {
        return Err(Error::invalid(
            format!("no rollout history found for statefulset {sts:?}"),
            "undo needs at least two revisions",
        ));
    };
    revs.iter()
        .filter(|r| r.number < latest.number)
        .max_by_key(|r| r.number)
        .ok_or_else(|| {
            Error::invalid(
                format!(
                    "no previous revision to roll back to for statefulset {sts:?} (only revision {})",
                    latest.number
                ),
                format!("see: kubectl sts-rollout history {sts}"),
            )
        })
}

/// A pod template as YAML.
pub fn template_yaml(template: &serde_json::Value) -> String {
    serde_norway::to_string(template).unwrap_or_default()
}

/// A unified diff (3 lines of context) of two texts; empty when equal.
pub fn unified_diff(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence table, from the end.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // Edit script: (' ' | '-' | '+', old index, new index).
    let mut ops: Vec<(char, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i, j));
            i += 1;
        } else {
            ops.push(('+', i, j));
            j += 1;
        }
    }
    if ops.iter().all(|(k, _, _)| *k == ' ') {
        return String::new();
    }
    const CONTEXT: usize = 3;
    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, (k, _, _))| *k != ' ')
        .map(|(x, _)| x)
        .collect();
    let mut h = 0;
    while h < changed.len() {
        let first = changed[h].saturating_sub(CONTEXT);
        let mut last = changed[h];
        while h + 1 < changed.len() && changed[h + 1] <= last + 2 * CONTEXT + 1 {
            h += 1;
            last = changed[h];
        }
        let last = (last + CONTEXT).min(ops.len() - 1);
        let hunk = &ops[first..=last];
        let old_start = hunk[0].1;
        let new_start = hunk[0].2;
        let old_len = hunk.iter().filter(|(k, _, _)| *k != '+').count();
        let new_len = hunk.iter().filter(|(k, _, _)| *k != '-').count();
        let start = |s: usize, len: usize| if len == 0 { s } else { s + 1 };
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            start(old_start, old_len),
            start(new_start, new_len)
        ));
        for (k, oi, nj) in hunk {
            let text = if *k == '+' { b[*nj] } else { a[*oi] };
            out.push_str(&format!("{k}{text}\n"));
        }
        h += 1;
    }
    out
}

/// The two revisions `diff` compares: `--from`/`--to`, defaulting to the current revision (or
/// the one before the update revision) and the update revision.
pub fn diff_pair<'a>(
    snap: &Snapshot,
    revs: &'a [Revision],
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(&'a Revision, &'a Revision)> {
    let sts = snap.name();
    let update = model::update_revision(&snap.statefulset);
    let to_rev = match to {
        Some(t) => find_revision(revs, t, sts)?,
        None => match update.and_then(|u| revs.iter().find(|r| r.name == u)) {
            Some(r) => r,
            None => revs.last().ok_or_else(|| {
                Error::invalid(
                    format!("no rollout history found for statefulset {sts:?}"),
                    "diff needs revisions",
                )
            })?,
        },
    };
    let from_rev = match from {
        Some(f) => find_revision(revs, f, sts)?,
        None => {
            let current = model::current_revision(&snap.statefulset)
                .and_then(|c| revs.iter().find(|r| r.name == c))
                .filter(|c| c.name != to_rev.name);
            match current {
                Some(c) => c,
                None => undo_target(revs, Some(&to_rev.name), None, false, None, sts)?,
            }
        }
    };
    Ok((from_rev, to_rev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::model::fixtures::*;

    fn snap() -> Snapshot {
        Snapshot {
            statefulset: sts(3, 0, Some(2)),
            pods: vec![
                pod(0, "web-old", Some(5)),
                pod(1, "web-old", Some(5)),
                pod(2, "web-new", Some(5)),
            ],
            claims: vec![],
            revisions: vec![
                revision("web-new", 2, "app:2", Some("canary app:2")),
                revision("web-old", 1, "app:1", None),
            ],
            volumes: None,
            storage_classes: None,
            events: vec![],
            taken_at: now(),
        }
    }

    #[test]
    fn history_names_ordinals_per_revision() {
        let rows = history(&snap(), now());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].ordinals, vec![0, 1]);
        assert!(rows[0].current);
        assert_eq!(rows[1].ordinals, vec![2]);
        assert!(rows[1].update);
        assert_eq!(rows[1].age, "5m");
        let table = render_history(&rows, false);
        assert!(table.contains("canary app:2"), "{table}");
        assert!(table.contains("<none>"), "{table}");
    }

    #[test]
    fn undo_targets() {
        let s = snap();
        let revs = model::revisions(&s.revisions);
        let target = |u, c, inc, to| undo_target(&revs, u, c, inc, to, "web");
        assert_eq!(
            target(Some("web-new"), None, false, None).unwrap().number,
            1
        );
        assert_eq!(target(None, None, false, Some(2)).unwrap().name, "web-new");
        // Mid-rollout: back to the current revision.
        let mid = target(Some("web-new"), Some("web-old"), true, None).unwrap();
        assert_eq!(mid.number, 1);
        // Template already reverted, a pod still elsewhere: stay (force cleans up).
        let stay = target(Some("web-old"), Some("web-old"), true, None).unwrap();
        assert_eq!(stay.number, 1);
        assert!(target(Some("web-old"), Some("web-old"), false, None).is_err());
        let err = target(None, None, false, Some(7)).unwrap_err();
        assert!(err.to_string().contains("revision 7"), "{err}");
        assert!(err.hint().unwrap().contains("1, 2"));
        assert!(undo_target(&revs[..1], Some("web-old"), None, false, None, "web").is_err());
    }

    #[test]
    fn diff_of_templates() {
        let s = snap();
        let revs = model::revisions(&s.revisions);
        let (from, to) = diff_pair(&s, &revs, None, None).unwrap();
        assert_eq!((from.number, to.number), (1, 2));
        let d = unified_diff(
            &template_yaml(&from.template),
            &template_yaml(&to.template),
            "revision 1",
            "revision 2",
        );
        assert!(d.starts_with("--- revision 1\n+++ revision 2\n@@ "), "{d}");
        assert!(
            d.contains("-    image: app:1\n+    image: app:2\n") || d.contains("-  - image: app:1"),
            "{d}"
        );
        assert_eq!(unified_diff("a\n", "a\n", "x", "y"), "");
    }

    #[test]
    fn unified_diff_hunks() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
        let new = "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n";
        let d = unified_diff(old, new, "a", "b");
        assert_eq!(
            d,
            "--- a\n+++ b\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n"
        );
    }
}

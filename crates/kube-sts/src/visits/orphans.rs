//! `--include-orphans`: rows for the claims a StatefulSet still has for ordinals it no longer
//! runs (after a scale-down the claims keep their data unless the retention policy deletes
//! them). Pure: the rows are read later by reader pods, like `--offline`.

use std::collections::BTreeSet;

use super::report::{Detail, Item};
use crate::k8s::identity;
use crate::read::snapshot::Snapshot;

/// STATUS of an orphaned claim's row.
pub const SCALED_DOWN: &str = "scaled down";

/// One row per ordinal that has a claim of `template` (any template when `None`) but is
/// neither in the StatefulSet's range nor among `shown` (ordinals that already have a row).
pub fn rows(snap: &Snapshot, template: Option<&str>, shown: &BTreeSet<i32>) -> Vec<Item> {
    let range = snap.range();
    let mut ordinals: Vec<(i32, String)> = Vec::new();
    for ((t, ordinal), claim) in snap.claims_by_key() {
        if template.is_some_and(|want| want != t)
            || range.contains(&ordinal)
            || shown.contains(&ordinal)
            || ordinals.iter().any(|(o, _)| *o == ordinal)
        {
            continue;
        }
        ordinals.push((ordinal, claim.metadata.name.clone().unwrap_or_default()));
    }
    ordinals.sort();
    ordinals
        .into_iter()
        .map(|(ordinal, claim)| {
            let pod = identity::pod_name(snap.name(), ordinal);
            Item {
                namespace: snap.namespace().to_string(),
                stateful_set: snap.name().to_string(),
                ordinal,
                pod: pod.clone(),
                phase: None,
                status: SCALED_DOWN.into(),
                ready: false,
                node: None,
                pvc: Some(claim.clone()),
                visits: None,
                last_visit: None,
                error: Some(format!(
                    "ordinal {ordinal} is scaled down; claim {claim} was not read"
                )),
                offline: false,
                orphan: true,
                no_file_yet: false,
                change: None,
                rate_per_second: None,
                detail: Detail {
                    ready_text: "-".into(),
                    ..Default::default()
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures;

    #[test]
    fn claims_beyond_the_range_become_rows() {
        // 1 replica, claims of ordinals 0..3 for two templates.
        let snap = fixtures::snapshot(1, 0, &["data", "logs"], 0..3);
        let rows = rows(&snap, Some("data"), &BTreeSet::from([0]));
        let ordinals: Vec<i32> = rows.iter().map(|r| r.ordinal).collect();
        assert_eq!(ordinals, vec![1, 2]);
        assert_eq!(rows[0].pod, "web-1");
        assert_eq!(rows[0].pvc.as_deref(), Some("data-web-1"));
        assert_eq!(rows[0].status, SCALED_DOWN);
        assert!(rows[0].orphan && !rows[0].is_read());
        // Any template: one row per ordinal; an ordinal already shown gets none.
        let any = super::rows(&snap, None, &BTreeSet::from([0, 2]));
        assert_eq!(any.iter().map(|r| r.ordinal).collect::<Vec<_>>(), vec![1]);
        // Nothing scaled down: no rows.
        let full = fixtures::snapshot(3, 0, &["data"], 0..3);
        assert!(super::rows(&full, Some("data"), &BTreeSet::new()).is_empty());
    }
}

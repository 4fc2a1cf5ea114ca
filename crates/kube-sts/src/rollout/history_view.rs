//! `history` on a terminal: CHANGE-CAUSE is cut (ending in `…`) so that each row fits the
//! terminal width; `-o wide`, JSON and YAML keep it whole. Pure; the caller measures the width.

use super::history::{render_history, HistoryRow};

/// The narrowest CHANGE-CAUSE column we cut to (the header's width).
const MIN_CAUSE: usize = "CHANGE-CAUSE".len();

fn width_of(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// `cause` cut to `limit` characters, the last one an ellipsis when anything was cut.
pub fn cut(cause: &str, limit: usize) -> String {
    if cause.chars().count() <= limit {
        return cause.to_string();
    }
    let kept: String = cause.chars().take(limit.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// The history table, with CHANGE-CAUSE cut so that lines fit `width` columns when given.
/// When the other columns alone are wider, CHANGE-CAUSE is cut to its header's width.
pub fn render_fitted(rows: &[HistoryRow], no_headers: bool, width: Option<usize>) -> String {
    let full = render_history(rows, no_headers);
    let Some(width) = width else {
        return full;
    };
    let excess = width_of(&full).saturating_sub(width);
    if excess == 0 {
        return full;
    }
    let longest = rows
        .iter()
        .filter_map(|r| r.change_cause.as_deref())
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    let limit = longest.saturating_sub(excess).max(MIN_CAUSE);
    if limit >= longest {
        return full;
    }
    let cut_rows: Vec<HistoryRow> = rows
        .iter()
        .map(|r| HistoryRow {
            change_cause: r.change_cause.as_deref().map(|c| cut(c, limit)),
            ..r.clone()
        })
        .collect();
    render_history(&cut_rows, no_headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: i64, cause: &str) -> HistoryRow {
        HistoryRow {
            revision: n,
            name: format!("web-{n:x}abcdef"),
            change_cause: Some(cause.into()),
            images: vec!["app=example/visits-app:1.0".into()],
            age: "5m".into(),
            ordinals: vec![0, 1],
            current: n == 1,
            update: n == 2,
        }
    }

    #[test]
    fn causes_are_cut_to_the_width() {
        let long = "kubectl sts-rollout start web --image example/visits-app:2.0 --steps 1,50%,100% --data-check --metric visits_total";
        let rows = vec![row(1, "initial"), row(2, long)];
        let full = render_fitted(&rows, false, None);
        assert!(full.contains(long));
        let fitted = render_fitted(&rows, false, Some(120));
        assert!(width_of(&fitted) <= 120, "{fitted}");
        assert!(fitted.contains("kubectl sts-rollout start web"), "{fitted}");
        assert!(fitted.contains('…'), "{fitted}");
        assert!(fitted.contains("initial"), "{fitted}");
        // Wide enough: unchanged.
        assert_eq!(render_fitted(&rows, false, Some(400)), full);
        // Too narrow for the other columns: cut to the header's width, never panics.
        let narrow = render_fitted(&rows, false, Some(10));
        assert!(narrow.contains(&cut(long, MIN_CAUSE)), "{narrow}");
    }

    #[test]
    fn cutting() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("ab  cdef", 4), "ab…");
        assert_eq!(cut("äöüß", 2), "ä…");
        assert_eq!(cut("x", 0), "…");
    }
}

//! `--metric NAME` / `--metric 'NAME{label="value",...}'`: one Prometheus counter per pod,
//! summed over the series that carry every given label. Pure.
//!
//! The page (`/metrics`, text exposition format 0.0.4) is parsed by the `prometheus-parse`
//! crate; this module only parses the selector the user typed and picks the series.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use prometheus_parse::{Scrape, Value};

/// Path of the metrics page when neither `--http` nor a `prometheus.io/path` annotation says.
pub const DEFAULT_METRICS_PATH: &str = "/metrics";

/// How many metric names an error lists before "...".
const LISTED_NAMES: usize = 20;

/// A metric name with optional label matchers (`name{k="v",...}`), equality only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricSelector {
    /// Metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
    pub name: String,
    /// `label = "value"` matchers, in the order given.
    pub labels: Vec<(String, String)>,
}

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn invalid(s: &str, why: &str) -> String {
    format!(
        "invalid --metric {s:?}: {why}; expected NAME or NAME{{label=\"value\",...}} such as http_requests_total{{code=\"200\"}}"
    )
}

/// Parses the label matchers between the braces: `k="v"` separated by commas (a trailing
/// comma allowed), values with `\"`, `\\` and `\n` escapes.
fn parse_matchers(all: &str, body: &str) -> Result<Vec<(String, String)>, String> {
    let mut labels = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| invalid(all, "a label has no =\"value\""))?;
        let name = rest[..eq].trim();
        if !is_label_name(name) {
            return Err(invalid(all, &format!("{name:?} is not a label name")));
        }
        if rest[eq + 1..].starts_with('~') || rest[..eq].ends_with('!') {
            return Err(invalid(all, "only label=\"value\" matchers are supported"));
        }
        let after = rest[eq + 1..].trim_start();
        let Some(quoted) = after.strip_prefix('"') else {
            return Err(invalid(
                all,
                &format!("the value of label {name:?} must be in double quotes"),
            ));
        };
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    end = Some(i);
                    break;
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('"' | '\\'))) => value.push(c),
                    _ => {
                        return Err(invalid(
                            all,
                            &format!("bad escape in the value of label {name:?}"),
                        ))
                    }
                },
                c => value.push(c),
            }
        }
        let end =
            end.ok_or_else(|| invalid(all, &format!("unterminated value of label {name:?}")))?;
        if labels.iter().any(|(n, _)| n == name) {
            return Err(invalid(all, &format!("label {name:?} is given twice")));
        }
        labels.push((name.to_string(), value));
        rest = quoted[end + 1..].trim_start();
        if let Some(next) = rest.strip_prefix(',') {
            rest = next.trim_start();
        } else if !rest.is_empty() {
            return Err(invalid(all, "expected , between labels"));
        }
    }
    Ok(labels)
}

impl FromStr for MetricSelector {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.is_empty() {
            return Err(invalid(s, "empty"));
        }
        let (name, labels) = match text.find('{') {
            None => (text, vec![]),
            Some(open) => {
                let Some(body) = text[open + 1..].strip_suffix('}') else {
                    return Err(invalid(s, "the label list must end with }"));
                };
                (text[..open].trim(), parse_matchers(s, body)?)
            }
        };
        if !is_metric_name(name) {
            return Err(invalid(s, &format!("{name:?} is not a metric name")));
        }
        Ok(MetricSelector {
            name: name.to_string(),
            labels,
        })
    }
}

impl fmt::Display for MetricSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if self.labels.is_empty() {
            return Ok(());
        }
        f.write_str("{")?;
        for (i, (k, v)) in self.labels.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            write!(f, "{k}=\"{v}\"")?;
        }
        f.write_str("}")
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Counter(_) => "counter",
        Value::Gauge(_) => "gauge",
        Value::Histogram(_) => "histogram",
        Value::Summary(_) => "summary",
        Value::Untyped(_) => "untyped",
    }
}

fn names_offered(scrape: &Scrape) -> String {
    let names: BTreeSet<&str> = scrape.samples.iter().map(|s| s.metric.as_str()).collect();
    if names.is_empty() {
        return "the page offered no metrics".into();
    }
    let mut list: Vec<&str> = names.iter().copied().take(LISTED_NAMES).collect();
    if names.len() > LISTED_NAMES {
        list.push("...");
    }
    format!("the page offered: {}", list.join(", "))
}

/// The counter `selector` picks from a metrics page: the sum over every matching series.
/// A missing metric, a series that is not a counter, or a value that is not a whole
/// non-negative number is an error naming it (and, when missing, the names the page offered).
/// Series without a `# TYPE` line (untyped) are accepted as counters.
pub fn counter(page: &str, selector: &MetricSelector) -> Result<u64, String> {
    let scrape = Scrape::parse(page.lines().map(|l| Ok(l.to_string())))
        .map_err(|e| format!("cannot read the metrics page: {e}"))?;
    let family: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == selector.name)
        .collect();
    if family.is_empty() {
        return Err(format!(
            "metric {:?} not found; {}",
            selector.name,
            names_offered(&scrape)
        ));
    }
    let matching: Vec<_> = family
        .iter()
        .filter(|s| {
            selector
                .labels
                .iter()
                .all(|(k, v)| s.labels.get(k) == Some(v.as_str()))
        })
        .collect();
    if matching.is_empty() {
        let mut series: Vec<String> = family
            .iter()
            .map(|s| format!("{}{{{}}}", s.metric, s.labels))
            .collect();
        series.sort();
        series.truncate(LISTED_NAMES);
        return Err(format!(
            "no series of {:?} matches {selector}; its series: {}",
            selector.name,
            series.join(", ")
        ));
    }
    let mut sum = 0.0_f64;
    for sample in matching {
        match sample.value {
            Value::Counter(v) | Value::Untyped(v) => sum += v,
            ref other => {
                return Err(format!(
                    "metric {:?} is a {}, not a counter: pick a counter (# TYPE ... counter)",
                    selector.name,
                    kind(other)
                ))
            }
        }
    }
    if !sum.is_finite() || sum < 0.0 || sum.fract() != 0.0 || sum > u64::MAX as f64 {
        return Err(format!(
            "metric {selector} is {sum}, not a whole number of visits"
        ));
    }
    Ok(sum as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PAGE: &str = "\
# HELP visits_total Visits.
# TYPE visits_total counter
visits_total 12
# TYPE http_requests_total counter
http_requests_total{code=\"200\",path=\"/\"} 7
http_requests_total{code=\"200\",path=\"/metrics\"} 3
http_requests_total{code=\"404\",path=\"other\"} 1
# TYPE up gauge
up 1
legacy_hits 5
";

    fn sel(s: &str) -> MetricSelector {
        s.parse().unwrap()
    }

    #[test]
    fn selectors() {
        assert_eq!(sel("visits_total").labels, vec![]);
        let s = sel(r#" http_requests_total{ code="200" , path="/a\"b\\c" , } "#);
        assert_eq!(s.name, "http_requests_total");
        assert_eq!(
            s.labels,
            vec![
                ("code".into(), "200".into()),
                ("path".into(), "/a\"b\\c".into())
            ]
        );
        assert_eq!(
            s.to_string(),
            r#"http_requests_total{code="200",path="/a\"b\\c"}"#
        );
        assert_eq!(sel("a:b{}").labels, vec![]);
        for bad in [
            "",
            "1abc",
            "a-b",
            "a{code=200}",
            "a{code=\"200\"",
            "a{code=\"200}",
            "a{code=~\"2..\"}",
            "a{code!=\"2\"}",
            "a{code=\"1\",code=\"2\"}",
            "a{=\"1\"}",
            "a{code=\"1\" path=\"2\"}",
            "a{code=\"\\x\"}",
        ] {
            let err = bad.parse::<MetricSelector>().unwrap_err();
            assert!(err.contains("invalid --metric"), "{bad}: {err}");
        }
    }

    #[test]
    fn counters_are_summed_over_matching_series() {
        assert_eq!(counter(PAGE, &sel("visits_total")), Ok(12));
        assert_eq!(counter(PAGE, &sel("http_requests_total")), Ok(11));
        assert_eq!(
            counter(PAGE, &sel(r#"http_requests_total{code="200"}"#)),
            Ok(10)
        );
        assert_eq!(
            counter(PAGE, &sel(r#"http_requests_total{code="200",path="/"}"#)),
            Ok(7)
        );
        assert_eq!(counter(PAGE, &sel("legacy_hits")), Ok(5));
    }

    #[test]
    fn missing_and_wrong_kinds_are_named() {
        let err = counter(PAGE, &sel("visits")).unwrap_err();
        assert!(err.contains("metric \"visits\" not found"), "{err}");
        assert!(
            err.contains("offered: http_requests_total, legacy_hits, up, visits_total"),
            "{err}"
        );
        let err = counter(PAGE, &sel(r#"http_requests_total{code="500"}"#)).unwrap_err();
        assert!(err.contains("no series"), "{err}");
        assert!(err.contains("code=\"404\""), "{err}");
        let err = counter(PAGE, &sel("up")).unwrap_err();
        assert!(err.contains("is a gauge, not a counter"), "{err}");
        let err = counter("", &sel("up")).unwrap_err();
        assert!(err.contains("offered no metrics"), "{err}");
        let err = counter("x 1.5\n", &sel("x")).unwrap_err();
        assert!(err.contains("not a whole number"), "{err}");
        let err = counter("x NaN\n", &sel("x")).unwrap_err();
        assert!(err.contains("not a whole number"), "{err}");
    }

    fn selector() -> impl Strategy<Value = MetricSelector> {
        (
            "[a-zA-Z_:][a-zA-Z0-9_:]{0,12}",
            proptest::collection::btree_map("[a-zA-Z_][a-zA-Z0-9_]{0,6}", "\\PC{0,8}", 0..4),
        )
            .prop_map(|(name, labels)| MetricSelector {
                name,
                labels: labels.into_iter().collect(),
            })
    }

    proptest! {
        #[test]
        fn any_selector_text_parses_or_errs(s in "\\PC{0,64}") {
            let _ = s.parse::<MetricSelector>();
        }

        #[test]
        fn selector_like_text_never_panics(s in "[a-z_]{1,6}\\{[a-z=\",\\\\ ~!}{]{0,24}") {
            let _ = s.parse::<MetricSelector>();
        }

        #[test]
        fn selectors_round_trip(sel in selector()) {
            let back: MetricSelector = sel.to_string().parse().unwrap();
            prop_assert_eq!(back, sel);
        }

        #[test]
        fn any_page_gives_a_count_or_an_error(page in "(\\PC{0,40}\n){0,8}", sel in selector()) {
            let _ = counter(&page, &sel);
        }

        #[test]
        fn exposition_like_pages_never_panic(
            page in "((# (TYPE|HELP) [a-z_]{1,5} [a-z ]{0,9}|[a-z_]{1,5}(\\{[a-z=\",]{0,12}\\})? [-+0-9.eEaNInf]{0,6}( [0-9-]{0,14})?)\n){0,10}",
            name in "[a-z_]{1,5}",
        ) {
            let _ = counter(&page, &MetricSelector { name, labels: vec![] });
        }

        #[test]
        fn counters_sum_what_was_written(values in proptest::collection::vec(0u32..1_000_000, 1..6)) {
            let mut page = String::from("# TYPE c_total counter\n");
            for (i, v) in values.iter().enumerate() {
                page.push_str(&format!("c_total{{shard=\"{i}\"}} {v}\n"));
            }
            let sum: u64 = values.iter().map(|v| *v as u64).sum();
            prop_assert_eq!(counter(&page, &MetricSelector { name: "c_total".into(), labels: vec![] }), Ok(sum));
        }
    }
}

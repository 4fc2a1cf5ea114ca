//! Property tests of the library's parsers of untrusted input (issue 15): counter files and
//! timestamps, `df` and kubelet stats, the rollout annotation, `--steps`, `--image`, `--env`,
//! `--check-http`, `--format`, and label selectors. Durations and quantities have theirs next
//! to the parsers (src/duration.rs, src/quantity.rs). Properties: no panic on any input, printers
//! read back, and agreement with sts-sim's own parser where both have one.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use kube_sts::k8s::selectors::selector_string;
use kube_sts::pvc::usage::{parse_df, parse_summary};
use kube_sts::rollout::model::StrategyKind;
use kube_sts::rollout::patch::{parse_env, parse_image};
use kube_sts::rollout::plan::{parse_http_check, parse_steps, resolve_steps, HttpCheck};
use kube_sts::rollout::state::{RolloutState, STATE_ANNOTATION};
use kube_sts::visits::parse::{line_time, parse, preview, Format};
use kube_sts::visits::source::HttpSource;
use proptest::prelude::*;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 1500,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text shaped like what pods write: numbers, times, JSON and noise, on a few lines.
fn counter_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "[0-9]{1,25}",
        "\\+?[0-9]{0,22}",
        "[0-9]{10}(\\.[0-9]{0,12})?( visit)?",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z?[,;]?( GET /)?",
        "[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})? visit",
        "\\{\"visits\": ?(-?[0-9]{1,22}|\"[0-9 ]{0,22}\"|null|\\[\\]|\\{\\})(, ?\"last(Visit|_visit)?\": ?\"[0-9T:. -]{0,25}\")?\\}",
        "\\PC{0,30}",
    ];
    prop::collection::vec(line, 0..5).prop_map(|l| l.join("\n"))
}

fn format() -> impl Strategy<Value = Format> {
    prop_oneof![
        Just(Format::Auto),
        Just(Format::Count),
        Just(Format::Lines),
        "[a-z.]{1,12}".prop_map(Format::Json),
        "\\PC{0,8}".prop_map(Format::Json),
    ]
}

/// `df -P -k` output lines with numbers of any size.
fn df_text() -> impl Strategy<Value = String> {
    let number = prop_oneof!["[0-9]{1,22}", "-?[0-9]{1,5}", "\\PC{0,4}"];
    (
        "(Filesystem 1024-blocks Used Available Capacity Mounted on\n)?",
        "[a-z/ ]{1,12}",
        number.clone(),
        number.clone(),
        number,
        "[0-9]{1,3}%",
        "/[a-z]{0,6}",
    )
        .prop_map(|(header, fs, size, used, avail, pct, mount)| {
            format!("{header}{fs} {size} {used} {avail} {pct} {mount}\n")
        })
}

/// Any JSON value, a few levels deep, with numbers of every kind.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "[a-zA-Z0-9]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                "(pods|podRef|name|namespace|volume|pvcRef|usedBytes|capacityBytes|availableBytes|[a-z]{1,4})",
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A kubelet `stats/summary` with arbitrary numbers and names.
fn summary_json() -> impl Strategy<Value = Value> {
    let number = prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!(1.5)),
        Just(Value::Null),
        Just(json!("12")),
    ];
    let volume = (number.clone(), number.clone(), number, "[a-z]{0,4}").prop_map(
        |(used, cap, avail, pvc)| {
            json!({"name": "data", "pvcRef": {"name": pvc, "namespace": "default"},
                   "usedBytes": used, "capacityBytes": cap, "availableBytes": avail})
        },
    );
    let pod = ("[a-z]{0,4}", "(default|other)", prop::collection::vec(volume, 0..3)).prop_map(
        |(name, ns, volumes)| json!({"podRef": {"name": name, "namespace": ns}, "volume": volumes}),
    );
    prop::collection::vec(pod, 0..3).prop_map(|pods| json!({"node": {}, "pods": pods}))
}

/// Rollout annotation values: mostly well-formed JSON with edge-case numbers, plus noise.
fn annotation_text() -> impl Strategy<Value = String> {
    let int = prop_oneof![
        any::<i32>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        Just(json!(-1)),
        Just(json!(0)),
        Just(json!("1")),
        Just(Value::Null),
    ];
    let state = (
        prop::collection::vec(int.clone(), 0..4),
        int.clone(),
        int.clone(),
        any::<bool>(),
        int.clone(),
        int.clone(),
        int,
        prop::option::of(("[0-9a-z]{0,5}", "[/a-z]{0,6}")),
    )
        .prop_map(
            |(
                partitions,
                done,
                partition,
                paused,
                resume,
                pause_between,
                max_unavailable,
                check,
            )| {
                let mut v = json!({"partitions": partitions, "done": done, "partition": partition,
                    "paused": paused, "resumePartition": resume,
                    "pauseBetweenSeconds": pause_between, "maxUnavailable": max_unavailable});
                if let Some((port, path)) = check {
                    v["checkHttp"] = json!({"port": port, "path": path});
                }
                v.to_string()
            },
        );
    prop_oneof![
        state,
        json_value().prop_map(|v| v.to_string()),
        "\\PC{0,40}"
    ]
}

fn statefulset_with_annotation(value: &str) -> StatefulSet {
    let mut sts = StatefulSet::default();
    sts.metadata.annotations = Some([(STATE_ANNOTATION.to_string(), value.to_string())].into());
    sts
}

/// A `metav1.LabelSelector` with valid keys and values and every operator.
fn label_selector() -> impl Strategy<Value = LabelSelector> {
    let key = "([a-z0-9]([a-z0-9.-]{0,6}[a-z0-9])?/)?[a-z0-9]([a-z0-9_.-]{0,8}[a-z0-9])?";
    let value = "([A-Za-z0-9]([A-Za-z0-9_.-]{0,6}[A-Za-z0-9])?)?";
    let expression = (
        key,
        "(In|NotIn|Exists|DoesNotExist)",
        prop::collection::vec(value, 1..3),
    )
        .prop_map(|(key, operator, values)| {
            let values = matches!(operator.as_str(), "In" | "NotIn").then_some(values);
            LabelSelectorRequirement {
                key,
                operator,
                values,
            }
        });
    (
        prop::option::of(prop::collection::btree_map(key, value, 0..3)),
        prop::option::of(prop::collection::vec(expression, 0..3)),
    )
        .prop_map(|(match_labels, match_expressions)| LabelSelector {
            match_labels,
            match_expressions,
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn counters_never_panic(text in counter_text(), format in format()) {
        let _ = parse(&text, &format);
        let _ = preview(&text);
        for line in text.lines() {
            let _ = line_time(line);
        }
    }

    #[test]
    fn counters_of_any_text_never_panic(text in "\\PC{0,60}") {
        for format in [Format::Auto, Format::Count, Format::Lines, Format::Json("a.b".into())] {
            let _ = parse(&text, &format);
        }
        let _ = line_time(&text);
    }

    #[test]
    fn a_printed_count_reads_back(count in any::<u64>()) {
        for format in [Format::Auto, Format::Count] {
            prop_assert_eq!(parse(&format!("{count}\n"), &format).map(|p| p.visits), Ok(count));
        }
        let json = json!({"visits": count}).to_string();
        prop_assert_eq!(parse(&json, &Format::Auto).map(|p| p.visits), Ok(count));
    }

    #[test]
    fn a_printed_timestamp_reads_back(secs in -377705116800i64..=253402207200i64) {
        let ts = jiff::Timestamp::from_second(secs).unwrap();
        let line = format!("{ts} GET /");
        let seen = line_time(&line);
        prop_assert_eq!(seen.and_then(|v| v.at), Some(ts));
    }

    #[test]
    fn formats_print_then_parse(text in "\\PC{0,12}") {
        if let Ok(format) = text.parse::<Format>() {
            prop_assert_eq!(format.to_string().parse::<Format>(), Ok(format));
        }
    }

    #[test]
    fn df_never_panics(text in df_text()) {
        if let Ok(m) = parse_df(&text) {
            prop_assert!(m.capacity.unwrap_or(0) % 1024 == 0 && m.used % 1024 == 0);
        }
    }

    #[test]
    fn df_of_any_text_never_panics(text in "\\PC{0,80}") {
        let _ = parse_df(&text);
    }

    #[test]
    fn summaries_never_panic(summary in summary_json(), any_json in json_value()) {
        let _ = parse_summary(&summary.to_string(), "default");
        let _ = parse_summary(&any_json.to_string(), "default");
    }

    #[test]
    fn rollout_annotations_never_panic(text in annotation_text()) {
        let sts = statefulset_with_annotation(&text);
        if let Ok(Some(state)) = RolloutState::of(&sts) {
            let _ = state.remaining();
            let _ = state.target();
            prop_assert!(state.partitions.iter().all(|p| *p >= 0), "{:?}", state);
            prop_assert!(state.partition >= 0 && state.max_unavailable >= 1, "{:?}", state);
            let limit = kube_sts::k8s::duration::MAX_DURATION.as_secs();
            prop_assert!(state.pause_between_seconds.is_none_or(|s| s <= limit), "{:?}", state);
            // What we read, we write back the same.
            let again = RolloutState::of(&statefulset_with_annotation(&state.encode()));
            prop_assert_eq!(again.ok(), Some(Some(state)));
        }
    }

    #[test]
    fn steps_never_panic(text in "[0-9%, -]{0,20}|\\PC{0,20}", replicas in any::<i32>()) {
        if let Ok(specs) = parse_steps(&text) {
            let printed = specs.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",");
            prop_assert_eq!(parse_steps(&printed).ok(), Some(specs.clone()));
            for strategy in [StrategyKind::RollingUpdate, StrategyKind::OnDelete] {
                if let Ok((partitions, _)) = resolve_steps(&specs, replicas, strategy) {
                    prop_assert!(partitions.windows(2).all(|w| w[0] > w[1]));
                    prop_assert!(partitions.iter().all(|p| (0..replicas.max(0)).contains(p)));
                }
            }
        }
    }

    #[test]
    fn http_checks_print_then_parse(text in "\\PC{0,20}") {
        if let Ok(check) = parse_http_check(&text) {
            prop_assert!(check.path.starts_with('/'));
            let again: Result<HttpCheck, _> = parse_http_check(&check.to_string());
            prop_assert_eq!(again.ok(), Some(check));
        }
    }

    #[test]
    fn visits_http_sources_print_then_parse(text in "[0-9a-z-]{0,6}/?[/a-z?=&%.]{0,10}|\\PC{0,20}") {
        if let Ok(source) = text.parse::<HttpSource>() {
            prop_assert!(source.path.starts_with('/'));
            prop_assert_eq!(source.to_string().parse::<HttpSource>(), Ok(source));
        }
    }

    #[test]
    fn image_and_env_flags_print_then_parse(text in "\\PC{0,20}") {
        if let Ok(change) = parse_image(&text) {
            let again = parse_image(&format!("{}={}", change.container, change.image)).ok();
            prop_assert_eq!(again, Some(change));
        }
        if let Ok(change) = parse_env(&text) {
            let printed = format!("{}:{}={}", change.container, change.key, change.value);
            prop_assert_eq!(parse_env(&printed).ok(), Some(change));
        }
    }

    #[test]
    fn label_selectors_agree_with_the_simulator(selector in label_selector()) {
        // What we send as `-l`/`labelSelector` must select what the selector object selects.
        let as_json = serde_json::to_value(&selector).unwrap();
        let from_object = sts_sim::machinery::selectors::LabelSelector::from_match(&as_json);
        let text = selector_string(&selector);
        let from_text = sts_sim::machinery::selectors::LabelSelector::parse(&text);
        // (Duplicate set values collapse in the text form, so compare what they select, below.)
        if from_object.is_ok() {
            prop_assert!(from_text.is_ok(), "{:?} sent as {:?}: {:?}", as_json, text, from_text);
        }
    }

    #[test]
    fn label_selectors_match_like_the_simulator(
        selector in label_selector(),
        labels in prop::collection::btree_map("[a-z0-9]{1,3}", "[a-z0-9]{0,3}", 0..4),
    ) {
        let as_json = serde_json::to_value(&selector).unwrap();
        if let (Ok(object), Ok(text)) = (
            sts_sim::machinery::selectors::LabelSelector::from_match(&as_json),
            sts_sim::machinery::selectors::LabelSelector::parse(&selector_string(&selector)),
        ) {
            let labels: BTreeMap<String, String> = labels;
            let labels: serde_json::Map<String, Value> =
                labels.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
            prop_assert_eq!(object.matches(&labels), text.matches(&labels));
        }
    }
}

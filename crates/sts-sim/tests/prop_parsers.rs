//! Property tests of the simulator's parsers of untrusted input (issue 15): quantities, label and
//! field selectors, the three patch types and schema type checks. Every parser must answer
//! anything with a value or an error, never a panic, and printers must read back.

use proptest::prelude::*;
use serde_json::{json, Value};
use sts_sim::machinery::patch::{apply_patch, PatchType};
use sts_sim::machinery::quantity::{canonical_quantity, parse_quantity, parse_quantity_milli};
use sts_sim::machinery::selectors::{FieldSelector, LabelSelector};

/// Quantity-shaped text, including exponents at the edges of i32.
fn quantity_text() -> impl Strategy<Value = String> {
    let suffix = prop_oneof![
        Just(String::new()),
        "(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)",
        "[eE][+-]?[0-9]{1,10}",
        Just("e2147483647".to_string()),
        Just("e-2147483648".to_string()),
        "[a-zA-Z+-]{1,3}",
    ];
    ("[+-]?", "[0-9]{0,40}", "(\\.[0-9]{0,12})?", suffix)
        .prop_map(|(sign, int, frac, suffix)| format!("{sign}{int}{frac}{suffix}"))
}

/// Label-selector-shaped text: keys, operators, sets, separators and some noise.
fn selector_text() -> impl Strategy<Value = String> {
    let key = "[a-z0-9]([a-z0-9.-]{0,8}[a-z0-9])?(/[a-z0-9]{1,5})?";
    let value = "[A-Za-z0-9]([A-Za-z0-9_.-]{0,6}[A-Za-z0-9])?";
    let requirement = prop_oneof![
        (key, "(=|==|!=)", value).prop_map(|(k, op, v)| format!("{k}{op}{v}")),
        (key, "( in | notin )", prop::collection::vec(value, 0..3))
            .prop_map(|(k, op, vs)| format!("{k}{op}({})", vs.join(","))),
        key.prop_map(|k| k.to_string()),
        key.prop_map(|k| format!("!{k}")),
        "[=!(),a-z ]{1,6}",
    ];
    prop::collection::vec(requirement, 0..4).prop_map(|r| r.join(","))
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z$/~0-9]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z$]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JSON object without nulls (which a merge patch reads as "delete") or floats (which
/// serde_json may read back one ulp off).
fn plain_object() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z0-9]{0,6}".prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map("[a-z]{1,5}", value, 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// A JSON patch operation list, mostly well-formed.
fn json_patch_ops() -> impl Strategy<Value = Value> {
    let path = prop_oneof![
        "(/[a-z0-9~-]{0,4}){0,3}",
        Just("/spec/replicas".to_string()),
        Just("/metadata/labels/app".to_string()),
        Just("/spec/template/spec/containers/0/image".to_string()),
        Just("/spec/template/spec/containers/-".to_string()),
        Just("/spec/template/spec/containers/99999999999999999999".to_string()),
    ];
    let op = (
        "(add|remove|replace|move|copy|test|bogus)",
        path.clone(),
        path,
        json_value(),
    )
        .prop_map(
            |(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}),
        );
    prop::collection::vec(op, 0..4).prop_map(Value::from)
}

fn statefulset() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                    "env": [{"name": "A", "value": "1"}],
                    "ports": [{"name": "http", "containerPort": 80}]}]}
            }
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn quantities_never_panic(text in "\\PC{0,30}") {
        let _ = parse_quantity_milli(&text);
        let _ = parse_quantity(&text);
        let _ = canonical_quantity(&text);
    }

    #[test]
    fn quantities_canonical_form_reads_back(text in quantity_text()) {
        let _ = parse_quantity(&text);
        if let (Ok(milli), Some(canonical)) = (parse_quantity_milli(&text), canonical_quantity(&text)) {
            prop_assert_eq!(parse_quantity_milli(&canonical), Ok(milli), "{} -> {}", text, canonical);
            prop_assert_eq!(canonical_quantity(&canonical), Some(canonical.clone()));
        }
    }

    #[test]
    fn label_selectors_never_panic(text in "\\PC{0,40}") {
        let _ = LabelSelector::parse(&text);
    }

    #[test]
    fn label_selectors_print_then_parse(text in selector_text()) {
        if let Ok(selector) = LabelSelector::parse(&text) {
            let printed = selector.to_string();
            let reparsed = LabelSelector::parse(&printed);
            prop_assert_eq!(reparsed.as_ref(), Ok(&selector), "{:?} printed as {:?}", text, printed);
        }
    }

    #[test]
    fn label_selectors_from_any_json(sel in json_value()) {
        let _ = LabelSelector::from_match(&sel);
        let _ = LabelSelector::from_match(&json!({"matchExpressions": [sel.clone()], "matchLabels": sel}));
    }

    #[test]
    fn field_selectors_never_panic(text in "\\PC{0,40}") {
        if let Ok(selector) = FieldSelector::parse(&text) {
            let _ = selector.validate_for("pods");
            let _ = selector.matches(&statefulset());
        }
    }

    #[test]
    fn field_selectors_print_then_parse(
        terms in prop::collection::vec(("(metadata\\.name|metadata\\.namespace|status\\.phase|spec\\.nodeName)", "(=|==|!=)", "[a-z0-9,=\\\\!-]{0,6}"), 0..3)
    ) {
        let text = terms.iter().map(|(f, op, v)| format!("{f}{op}{v}")).collect::<Vec<_>>().join(",");
        if let Ok(selector) = FieldSelector::parse(&text) {
            let printed = selector.to_string();
            // Terms on the same field may come back in another order (upstream sorts by field
            // only), so compare them as a multiset.
            let terms = |s: &FieldSelector| {
                let mut t: Vec<String> = s.terms().iter().map(|t| format!("{t:?}")).collect();
                t.sort();
                t
            };
            let reparsed = FieldSelector::parse(&printed);
            prop_assert!(reparsed.is_ok(), "{:?} printed as {:?}: {:?}", text, printed, reparsed);
            prop_assert_eq!(terms(&reparsed.unwrap()), terms(&selector), "{:?} printed as {:?}", text, printed);
        }
    }

    #[test]
    fn patches_of_random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..64)) {
        for kind in [PatchType::Json, PatchType::Merge, PatchType::StrategicMerge, PatchType::Apply] {
            let _ = apply_patch(kind, &statefulset(), &body);
        }
    }

    #[test]
    fn patches_of_random_json_never_panic(patch in json_value()) {
        let body = serde_json::to_vec(&patch).unwrap();
        for kind in [PatchType::Json, PatchType::Merge, PatchType::StrategicMerge, PatchType::Apply] {
            let _ = apply_patch(kind, &statefulset(), &body);
        }
        let nested = serde_json::to_vec(&json!({"spec": {"template": {"spec": {"containers": patch}}}})).unwrap();
        for kind in [PatchType::Merge, PatchType::StrategicMerge] {
            let _ = apply_patch(kind, &statefulset(), &nested);
        }
    }

    #[test]
    fn json_patches_never_panic(ops in json_patch_ops()) {
        let body = serde_json::to_vec(&ops).unwrap();
        let _ = apply_patch(PatchType::Json, &statefulset(), &body);
    }

    #[test]
    fn merge_patch_of_itself_is_identity(target in plain_object()) {
        // RFC 7386: merging a document without nulls into itself changes nothing.
        let body = serde_json::to_vec(&target).unwrap();
        prop_assert_eq!(apply_patch(PatchType::Merge, &target, &body).ok(), Some(target));
    }

    #[test]
    fn json_patch_add_then_remove_round_trips(key in "[a-z]{1,8}", value in json_value()) {
        let target = statefulset();
        prop_assume!(target["metadata"]["labels"].get(&key).is_none());
        let add = serde_json::to_vec(&json!([{"op": "add", "path": format!("/metadata/labels/{key}"), "value": value}])).unwrap();
        let added = apply_patch(PatchType::Json, &target, &add).unwrap();
        let remove = serde_json::to_vec(&json!([{"op": "remove", "path": format!("/metadata/labels/{key}")}])).unwrap();
        prop_assert_eq!(apply_patch(PatchType::Json, &added, &remove).ok(), Some(target));
    }
}

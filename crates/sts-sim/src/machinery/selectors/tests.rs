//! Unit tests of label and field selectors: the matcher, the query syntax and its errors,
//! `metav1.LabelSelector` objects, and field selectors per resource.

use serde_json::{json, Map, Value};

use super::*;

// ----- the one matcher for selector objects and Service maps ----------------------

/// Moved from the StatefulSet controller's own copy, assertions unchanged.
#[test]
fn selectors_match_labels_and_expressions() {
    let labels = json!({"app": "web", "tier": "db"});
    assert!(selector_matches(
        &json!({"matchLabels": {"app": "web"}}),
        &labels
    ));
    assert!(!selector_matches(
        &json!({"matchLabels": {"app": "api"}}),
        &labels
    ));
    let exprs = json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]},
        {"key": "x", "operator": "DoesNotExist"}]});
    assert!(selector_matches(&exprs, &labels));
}

#[test]
fn selector_object_operators() {
    let labels = json!({"app": "web", "tier": "db"});
    let expr = |op: &str, key: &str, values: &[&str]| json!({"matchExpressions": [{"key": key, "operator": op, "values": values}]});
    assert!(selector_matches(
        &expr("In", "tier", &["db", "cache"]),
        &labels
    ));
    assert!(!selector_matches(&expr("In", "tier", &["cache"]), &labels));
    assert!(!selector_matches(&expr("In", "zone", &["a"]), &labels));
    assert!(selector_matches(
        &expr("NotIn", "tier", &["cache"]),
        &labels
    ));
    assert!(!selector_matches(&expr("NotIn", "tier", &["db"]), &labels));
    // NotIn holds for an absent key, as upstream.
    assert!(selector_matches(&expr("NotIn", "zone", &["a"]), &labels));
    assert!(selector_matches(&expr("Exists", "app", &[]), &labels));
    assert!(!selector_matches(&expr("Exists", "zone", &[]), &labels));
    assert!(selector_matches(
        &expr("DoesNotExist", "zone", &[]),
        &labels
    ));
    assert!(!selector_matches(
        &expr("DoesNotExist", "app", &[]),
        &labels
    ));
    // matchLabels and matchExpressions are ANDed.
    let both = json!({"matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["cache"]}]});
    assert!(!selector_matches(&both, &labels));
}

/// Where the four former copies disagreed: the controller's and validation's copies let a
/// `null` selector match everything and matched an invalid key; all now follow upstream's
/// `LabelSelectorAsSelector`.
#[test]
fn selector_object_edge_cases_follow_upstream() {
    let labels = json!({"app": "web"});
    assert!(
        !selector_matches(&Value::Null, &labels),
        "null selects nothing"
    );
    assert!(
        selector_matches(&json!({}), &labels),
        "{{}} selects everything"
    );
    assert!(
        selector_matches(&json!({}), &Value::Null),
        "even an unlabelled object"
    );
    let unknown_op =
        json!({"matchExpressions": [{"key": "app", "operator": "Gt", "values": ["1"]}]});
    assert!(!selector_matches(&unknown_op, &labels));
    let bad_key = json!({"matchLabels": {"-app": "web"}});
    assert!(!selector_matches(&bad_key, &json!({"-app": "web"})));
    // A null matchLabels value is the empty string (Go's map[string]string decoding),
    // so it does not match an absent label.
    assert!(!selector_matches(
        &json!({"matchLabels": {"zone": null}}),
        &labels
    ));
    assert!(selector_matches(
        &json!({"matchLabels": {"zone": null}}),
        &json!({"zone": ""})
    ));
}

/// The Service form (`spec.selector` map): the proxy's copy refused an empty map and the
/// endpoints controller's accepted it; `set_matches` is upstream's `SelectorFromSet`
/// (empty selects everything) and both callers keep their "no selector, no endpoints" check.
#[test]
fn service_selector_map() {
    let labels = json!({"app": "web", "tier": "db"});
    let set = |v: Value| v.as_object().cloned().unwrap();
    assert!(set_matches(&set(json!({"app": "web"})), &labels));
    assert!(set_matches(
        &set(json!({"app": "web", "tier": "db"})),
        &labels
    ));
    assert!(!set_matches(
        &set(json!({"app": "web", "tier": "cache"})),
        &labels
    ));
    assert!(!set_matches(&set(json!({"zone": "a"})), &labels));
    assert!(set_matches(&Map::new(), &labels));
    assert!(!set_matches(&set(json!({"app": "web"})), &Value::Null));
    assert_eq!(
        LabelSelector::from_set(&set(json!({"b": "2", "a": "1"}))).to_string(),
        "a=1,b=2"
    );
}

fn labels(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn sel(s: &str) -> LabelSelector {
    LabelSelector::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn equality_operators() {
    let l = labels(json!({"app": "web", "tier": "fe"}));
    assert!(sel("app=web").matches(&l));
    assert!(sel("app==web").matches(&l));
    assert!(!sel("app=db").matches(&l));
    assert!(sel("app!=db").matches(&l));
    assert!(!sel("app!=web").matches(&l));
    // != matches when the key is absent.
    assert!(sel("missing!=x").matches(&l));
    assert!(!sel("missing=x").matches(&l));
    // Empty value.
    assert!(sel("missing!=").matches(&l));
    assert!(sel("e=").matches(&labels(json!({"e": ""}))));
    assert!(!sel("e=").matches(&l));
}

#[test]
fn set_operators() {
    let l = labels(json!({"env": "prod", "tier": "fe"}));
    assert!(sel("env in (prod,staging)").matches(&l));
    assert!(!sel("env in (dev)").matches(&l));
    assert!(!sel("missing in (a)").matches(&l));
    assert!(sel("env notin (dev,qa)").matches(&l));
    assert!(!sel("env notin (prod)").matches(&l));
    // notin matches when absent.
    assert!(sel("missing notin (a)").matches(&l));
    // `in`/`notin` are valid values and keys in a value context.
    assert!(sel("x in (in,notin)").matches(&labels(json!({"x": "notin"}))));
    // Empty value sets.
    let r = sel("x in ()");
    assert_eq!(r.requirements()[0].values, vec![String::new()]);
    assert_eq!(sel("x in (a,,b)").requirements()[0].values, ["", "a", "b"]);
    assert_eq!(sel("x in (,a)").requirements()[0].values, ["", "a"]);
}

#[test]
fn exists_operators() {
    let l = labels(json!({"app": "web"}));
    assert!(sel("app").matches(&l));
    assert!(!sel("nope").matches(&l));
    assert!(sel("!nope").matches(&l));
    assert!(!sel("!app").matches(&l));
    assert!(sel("app, !nope").matches(&l));
}

#[test]
fn numeric_operators() {
    let l = labels(json!({"n": "5"}));
    assert!(sel("n>3").matches(&l));
    assert!(!sel("n>5").matches(&l));
    assert!(sel("n<6").matches(&l));
    assert!(!sel("m<6").matches(&l));
    assert!(!sel("n>3").matches(&labels(json!({"n": "x"}))));
    assert!(LabelSelector::parse("n>x")
        .unwrap_err()
        .contains("the value must be an integer"));
}

#[test]
fn and_whitespace_and_everything() {
    let l = labels(json!({"a": "1", "b": "2"}));
    assert!(sel("  a = 1 ,  b in ( 2 , 3 ) ").matches(&l));
    assert!(!sel("a=1,b=3").matches(&l));
    assert!(sel("").matches(&l));
    assert!(sel("   ").is_everything());
    assert!(LabelSelector::everything().matches(&Map::new()));
    assert!(!LabelSelector::nothing().matches(&l));
}

#[test]
fn display_is_canonical() {
    assert_eq!(
        sel("z=1,a in (y,x),!b,c,d!=2,e==3").to_string(),
        "a in (x,y),!b,c,d!=2,e==3,z=1"
    );
    assert_eq!(sel("x notin (b,a)").to_string(), "x notin (a,b)");
}

#[test]
fn parse_errors() {
    assert_eq!(
        LabelSelector::parse("app:monolith").unwrap_err(),
        "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    );
    assert_eq!(
        LabelSelector::parse("a b").unwrap_err(),
        "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
    );
    assert_eq!(
        LabelSelector::parse("a=b,").unwrap_err(),
        "found '', expected: identifier after ','"
    );
    assert_eq!(
        LabelSelector::parse("a=b c").unwrap_err(),
        "found 'c', expected: ',' or 'end of string'"
    );
    assert_eq!(
        LabelSelector::parse("=a").unwrap_err(),
        "found '=', expected: !, identifier, or 'end of string'"
    );
    assert_eq!(
        LabelSelector::parse("a in b").unwrap_err(),
        "unable to parse requirement: found 'b' expected: '('"
    );
    assert_eq!(
        LabelSelector::parse("a in (b c)").unwrap_err(),
        "unable to parse requirement: found 'c', expected: ',' or ')'"
    );
    assert_eq!(
        LabelSelector::parse("a in (b").unwrap_err(),
        "unable to parse requirement: found '', expected: ',' or ')'"
    );
    assert_eq!(
        LabelSelector::parse("a==(").unwrap_err(),
        "unable to parse requirement: found '(', expected: identifier"
    );
    assert_eq!(
        LabelSelector::parse("!a=b").unwrap_err(),
        "found '=', expected: ',' or 'end of string'"
    );
    assert_eq!(
        LabelSelector::parse("!=a").unwrap_err(),
        "found '!=', expected: !, identifier, or 'end of string'"
    );
    assert_eq!(
        LabelSelector::parse("a=b/c").unwrap_err(),
        "unable to parse requirement: values[0][a]: Invalid value: \"b/c\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    );
    assert!(LabelSelector::parse("a/b/c=d")
        .unwrap_err()
        .starts_with("unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist"));
    assert!(LabelSelector::parse("Bad.Prefix/x")
        .unwrap_err()
        .contains("prefix part a lowercase RFC 1123 subdomain"));
    let long = "k".repeat(64);
    assert!(LabelSelector::parse(&long)
        .unwrap_err()
        .contains("name part must be no more than 63 characters"));
}

#[test]
fn prefixed_keys() {
    let l = labels(json!({"app.kubernetes.io/name": "web"}));
    assert!(sel("app.kubernetes.io/name=web").matches(&l));
    assert!(sel("app.kubernetes.io/name in (web, db)").matches(&l));
}

#[test]
fn from_match_selector() {
    let s = LabelSelector::from_match(&json!({
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["fe", "be"]},
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
            {"key": "track", "operator": "Exists"},
            {"key": "legacy", "operator": "DoesNotExist"}
        ]
    }))
    .unwrap();
    assert!(s.matches(&labels(json!({"app":"web","tier":"fe","track":"x"}))));
    assert!(!s.matches(&labels(
        json!({"app":"web","tier":"fe","track":"x","legacy":"y"})
    )));
    assert!(!s.matches(&labels(
        json!({"app":"web","tier":"fe","track":"x","env":"dev"})
    )));
    assert!(!s.matches(&labels(json!({"app":"web","tier":"zz","track":"x"}))));
    assert_eq!(
        s.to_string(),
        "app=web,env notin (dev),!legacy,tier in (be,fe),track"
    );

    assert!(LabelSelector::from_match(&json!({}))
        .unwrap()
        .is_everything());
    assert!(!LabelSelector::from_match(&Value::Null)
        .unwrap()
        .matches(&Map::new()));
    assert_eq!(
        LabelSelector::from_match(
            &json!({"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]})
        )
        .unwrap_err(),
        "\"Gt\" is not a valid label selector operator"
    );
    assert_eq!(
        LabelSelector::from_match(&json!({"matchExpressions":[{"key":"a","operator":"In","values":[]}]}))
            .unwrap_err(),
        "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
    );
    assert_eq!(
        LabelSelector::from_match(&json!({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}))
            .unwrap_err(),
        "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist"
    );
    assert!(
        LabelSelector::from_match(&json!({"matchLabels":{"bad key":"v"}}))
            .unwrap_err()
            .starts_with("key: Invalid value: \"bad key\": name part must consist")
    );
}

#[test]
fn matches_object_labels() {
    let pod = json!({"metadata": {"name": "p", "labels": {"app": "web"}}});
    assert!(sel("app=web").matches_object(&pod));
    assert!(sel("!x").matches_object(&json!({"metadata": {}})));
    assert!(!sel("app").matches_object(&json!({})));
}

fn pod() -> Value {
    json!({
        "metadata": {"name": "web-0", "namespace": "default"},
        "spec": {"nodeName": "node-1", "restartPolicy": "Always", "serviceAccountName": "default"},
        "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}]}
    })
}

#[test]
fn field_selectors_on_pods() {
    let p = pod();
    let fs = |s: &str| FieldSelector::parse(s).unwrap();
    assert!(fs("metadata.name=web-0").matches(&p));
    assert!(fs("metadata.name==web-0,metadata.namespace=default").matches(&p));
    assert!(!fs("metadata.name=web-1").matches(&p));
    assert!(fs("spec.nodeName=node-1").matches(&p));
    assert!(fs("status.phase!=Pending").matches(&p));
    assert!(!fs("status.phase!=Running").matches(&p));
    assert!(fs("status.podIP=10.0.0.5").matches(&p));
    // Missing fields compare as "".
    assert!(fs("spec.schedulerName=").matches(&p));
    assert!(fs("status.nominatedNodeName!=x").matches(&p));
    // Unset booleans compare as "false".
    assert!(fs("spec.hostNetwork=false").matches(&p));
    assert!(fs("").matches(&p));
    assert!(fs("").is_everything());
    // Unscheduled pods: spec.nodeName= (what the scheduler watches).
    assert!(fs("spec.nodeName=").matches(&json!({"metadata": {"name": "x"}})));
    assert_eq!(
        fs("metadata.name=web-0").requires_exact_match("metadata.name"),
        Some("web-0")
    );
    assert_eq!(
        fs("metadata.name!=web-0").requires_exact_match("metadata.name"),
        None
    );
}

#[test]
fn field_selector_parse_errors_and_escapes() {
    assert_eq!(
        FieldSelector::parse("metadata.name").unwrap_err(),
        "invalid selector: 'metadata.name'; can't understand 'metadata.name'"
    );
    assert_eq!(
        FieldSelector::parse("a=b=c").unwrap_err(),
        "invalid field selector: unescaped character in value: 61"
    );
    assert_eq!(
        FieldSelector::parse("a=b\\x").unwrap_err(),
        "invalid field selector: invalid escape sequence: \\x"
    );
    let fs = FieldSelector::parse("metadata.name=a\\,b\\=c").unwrap();
    assert_eq!(fs.terms()[0].value, "a,b=c");
    assert!(fs.matches(&json!({"metadata": {"name": "a,b=c"}})));
    assert_eq!(fs.to_string(), "metadata.name=a\\,b\\=c");
    // Empty terms are skipped.
    assert_eq!(FieldSelector::parse("a=1,,b!=2").unwrap().terms().len(), 2);
}

#[test]
fn field_selectors_on_events() {
    let ev = json!({
        "metadata": {"name": "e1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web-0", "uid": "u-1"},
        "reason": "Scheduled", "type": "Normal",
        "source": {"component": "default-scheduler"},
        "reportingComponent": "default-scheduler"
    });
    let fs = |s: &str| FieldSelector::parse(s).unwrap();
    assert!(fs("involvedObject.name=web-0,involvedObject.kind=Pod").matches(&ev));
    assert!(fs("involvedObject.uid=u-1").matches(&ev));
    assert!(fs("type=Normal,reason=Scheduled").matches(&ev));
    assert!(fs("source=default-scheduler").matches(&ev));
    assert!(fs("reportingComponent=default-scheduler").matches(&ev));
    assert!(!fs("type=Warning").matches(&ev));
    let new_style = json!({"regarding": {"name": "web-0"}, "reportingController": "kubelet"});
    assert!(fs("involvedObject.name=web-0,reportingComponent=kubelet").matches(&new_style));
}

#[test]
fn supported_fields() {
    for f in [
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ] {
        assert!(supported("pods", f), "{f}");
    }
    assert!(!supported("pods", "spec.containers"));
    for f in [
        "involvedObject.name",
        "involvedObject.kind",
        "involvedObject.uid",
        "reason",
        "source",
        "type",
        "reportingComponent",
    ] {
        assert!(supported("events", f), "{f}");
    }
    assert!(supported("statefulsets", "metadata.name"));
    assert!(!supported("statefulsets", "spec.replicas"));
    assert!(!supported("nodes", "metadata.namespace"));
    assert!(supported("secrets", "type"));

    assert_eq!(
        unsupported_field_error("pods", "spec.x"),
        "field label not supported: spec.x"
    );
    assert_eq!(
        unsupported_field_error("statefulsets", "spec.x"),
        "\"spec.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
    assert_eq!(
        unsupported_field_error("services", "spec.x"),
        "field label \"spec.x\" not supported for \"Service\""
    );
    let fs = FieldSelector::parse("metadata.name=a,spec.bad=1").unwrap();
    assert_eq!(
        fs.validate_for("pods").unwrap_err(),
        "field label not supported: spec.bad"
    );
    assert!(FieldSelector::parse("spec.nodeName=n")
        .unwrap()
        .validate_for("pods")
        .is_ok());
}

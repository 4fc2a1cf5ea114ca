//! ControllerRevisions exactly as the upstream StatefulSet controller makes them.
//!
//! A StatefulSet's revision history stores only `spec.template`, as a strategic-merge patch
//! `{"spec":{"template":{...,"$patch":"replace"}}}` (upstream `getPatch` in
//! `pkg/controller/statefulset/stateful_set_utils.go`). The revision name is `<sts>-<hash>`
//! where the hash is `HashControllerRevision` (`pkg/controller/history/controller_history.go`):
//! FNV-1 32-bit (not FNV-1a) over the patch bytes as Go's `json.Marshal` writes them (keys
//! sorted, HTML characters escaped, numbers through float64), followed by the decimal collision
//! count when one is given, and the decimal sum spelled with `rand.SafeEncodeString` of
//! k8s.io/apimachinery (alphabet `bcdfghjklmnpqrstvwxz2456789`, each digit character indexed
//! modulo 27: '0'..'9' become `4 5 6 7 8 9 b c d f`).
//!
//! The bytes depend on the template *as the API server stores it after defaulting*; see
//! [`crate::machinery::defaults::apply_defaults`]. Kubernetes >= 1.34 no longer writes
//! `metadata.creationTimestamp: null` inside templates, so neither does [`revision_data`].

use serde_json::{json, Map, Value};

/// Label put on every ControllerRevision with its hash.
pub const HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// The alphabet of `rand.SafeEncodeString` (k8s.io/apimachinery/pkg/util/rand).
const SAFE_ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The revision `data` of a StatefulSet: `{"spec":{"template":{...,"$patch":"replace"}}}`.
///
/// The template is normalised like Go's typed round trip would (nulls and empty
/// omitempty values dropped, `metadata` and containers' `resources` always present).
pub fn revision_data(sts: &Value) -> Value {
    let mut template = sts
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    crate::machinery::defaults::go_roundtrip_prune(&mut template);
    if let Some(obj) = template.as_object_mut() {
        obj.entry("metadata").or_insert_with(|| json!({}));
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("creationTimestamp");
        }
        obj.insert("$patch".into(), Value::String("replace".into()));
    }
    json!({ "spec": { "template": template } })
}

/// Serialises `v` the way Go's `encoding/json.Marshal` would after a round trip through
/// `map[string]interface{}`: compact, keys sorted byte-wise, `<`, `>`, `&`, U+2028 and U+2029
/// escaped, numbers formatted as float64.
pub fn go_json_bytes(v: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_go_json(v, &mut out);
    out.into_bytes()
}

fn write_go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_number(n)),
        Value::String(s) => write_go_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(k, out);
                out.push(':');
                write_go_json(&m[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

fn go_number(n: &serde_json::Number) -> String {
    const EXACT: u64 = 1 << 53;
    if let Some(u) = n.as_u64() {
        if u <= EXACT {
            return u.to_string();
        }
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= EXACT {
            return i.to_string();
        }
    }
    let f = n.as_f64().unwrap_or(0.0);
    go_float(f)
}

/// Go's float64 JSON formatting (`strconv.AppendFloat(f, 'f' or 'e', -1, 64)` plus cleanup).
fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        if exp < 0 {
            format!("{mant}e-{}", -exp)
        } else {
            format!("{mant}e+{exp:02}")
        }
    } else {
        let s = format!("{f}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    }
}

fn write_go_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => {
                let b = c as u32 as usize;
                out.push_str("\\u00");
                out.push(HEX[b >> 4] as char);
                out.push(HEX[b & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// FNV-1 (not 1a) 32-bit hash.
fn fnv1_32(bytes: &[u8], mut h: u32) -> u32 {
    for b in bytes {
        h = h.wrapping_mul(0x0100_0193);
        h ^= u32::from(*b);
    }
    h
}

/// `rand.SafeEncodeString`: each character `c` becomes `alphanums[c % 27]`.
pub fn safe_encode_string(s: &str) -> String {
    s.chars()
        .map(|c| SAFE_ALPHANUMS[(c as usize) % SAFE_ALPHANUMS.len()] as char)
        .collect()
}

/// Upstream `HashControllerRevision`: FNV-1 over the Go JSON bytes of `data`, then the decimal
/// collision count if given, safe-encoded.
pub fn hash_revision(data: &Value, collision_count: Option<i32>) -> String {
    let mut h = fnv1_32(&go_json_bytes(data), 0x811c_9dc5);
    if let Some(c) = collision_count {
        h = fnv1_32(c.to_string().as_bytes(), h);
    }
    safe_encode_string(&h.to_string())
}

/// `<sts>-<hash>`, the prefix cut to 223 bytes like upstream `ControllerRevisionName`.
pub fn revision_name(sts_name: &str, hash: &str) -> String {
    let mut prefix = sts_name;
    if prefix.len() > 223 {
        let mut end = 223;
        while !prefix.is_char_boundary(end) {
            end -= 1;
        }
        prefix = &prefix[..end];
    }
    format!("{prefix}-{hash}")
}

/// A complete `apps/v1` ControllerRevision for the StatefulSet's current template, as
/// upstream `newRevision` builds it: labels = template labels + hash label, annotations
/// copied from the StatefulSet, a controller owner reference, `data` and `revision`.
pub fn new_revision(sts: &Value, revision: i64, collision_count: Option<i32>) -> Value {
    let data = revision_data(sts);
    let hash = hash_revision(&data, collision_count);
    let name = sts
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut labels = sts
        .pointer("/spec/template/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    labels.insert(HASH_LABEL.into(), Value::String(hash.clone()));
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(revision_name(name, &hash)));
    if let Some(ns) = sts.pointer("/metadata/namespace") {
        metadata.insert("namespace".into(), ns.clone());
    }
    metadata.insert("labels".into(), Value::Object(labels));
    if let Some(ann) = sts
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .filter(|a| !a.is_empty())
    {
        metadata.insert("annotations".into(), Value::Object(ann.clone()));
    }
    metadata.insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": name,
            "uid": sts.pointer("/metadata/uid").cloned().unwrap_or(Value::String(String::new())),
            "controller": true,
            "blockOwnerDeletion": true,
        }]),
    );
    json!({
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": Value::Object(metadata),
        "data": data,
        "revision": revision,
    })
}

/// Upstream `EqualRevision`: equal when their hash labels (if both set) agree and their
/// `data` serialise to the same bytes.
pub fn equal_revision(a: &Value, b: &Value) -> bool {
    let label = |v: &Value| {
        v.pointer("/metadata/labels")
            .and_then(|l| l.get(HASH_LABEL))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if let (Some(x), Some(y)) = (label(a), label(b)) {
        if x != y {
            return false;
        }
    }
    let data = |v: &Value| go_json_bytes(v.get("data").unwrap_or(&Value::Null));
    data(a) == data(b)
}

/// Whether a revision's `data` matches the StatefulSet's current template (upstream `Match`).
pub fn revision_matches(sts: &Value, rev: &Value) -> bool {
    go_json_bytes(&revision_data(sts)) == go_json_bytes(rev.get("data").unwrap_or(&Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pkg/controller/statefulset/testdata/compatibility_set_1.34.0.json`, as created by
    /// `kubectl create` (before the API server's defaults).
    fn compat_set_undefaulted() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "test", "namespace": "default", "labels": {"sslabel": "value"},
                          "uid": "ec335e25-1045-4216-8634-50cfbe05f3d6"},
            "spec": {
                "selector": {"matchLabels": {"app": "foo"}},
                "template": {
                    "metadata": {"annotations": {"test": "value"}, "labels": {"app": "foo"}},
                    "spec": {"containers": [{"image": "test", "name": "test"}]}
                },
                "volumeClaimTemplates": [{
                    "metadata": {"annotations": {"key": "value"}, "labels": {"key": "value"}, "name": "test"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
                }]
            }
        })
    }

    const DATA_134: &str = r#"{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"test":"value"},"labels":{"app":"foo"}},"spec":{"containers":[{"image":"test","imagePullPolicy":"Always","name":"test","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}"#;

    #[test]
    fn reproduces_upstream_1_34_compatibility_revision() {
        // testdata/compatibility_revision_1.34.0.json: name test-776999688b, collisionCount 0.
        let mut sts = compat_set_undefaulted();
        crate::machinery::defaults::apply_defaults("statefulsets", &mut sts);
        let data = revision_data(&sts);
        assert_eq!(String::from_utf8(go_json_bytes(&data)).unwrap(), DATA_134);
        assert_eq!(hash_revision(&data, Some(0)), "776999688b");
        let rev = new_revision(&sts, 2, Some(0));
        assert_eq!(rev["metadata"]["name"], "test-776999688b");
        assert_eq!(rev["metadata"]["labels"][HASH_LABEL], "776999688b");
        assert_eq!(rev["metadata"]["labels"]["app"], "foo");
        assert_eq!(rev["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(
            rev["metadata"]["ownerReferences"][0]["blockOwnerDeletion"],
            true
        );
        assert_eq!(
            rev["metadata"]["ownerReferences"][0]["uid"],
            "ec335e25-1045-4216-8634-50cfbe05f3d6"
        );
        assert_eq!(rev["revision"], 2);
        assert!(revision_matches(&sts, &rev));
    }

    #[test]
    fn reproduces_upstream_1_33_hash_with_creation_timestamp_null() {
        // stateful_set_compatibility_test.go: 1.33 data (with "creationTimestamp":null) hashed
        // to test-c77f6d978.
        let data: Value = serde_json::from_str(&DATA_134.replace(
            r#""labels":{"app":"foo"}},"spec""#,
            r#""creationTimestamp":null,"labels":{"app":"foo"}},"spec""#,
        ))
        .unwrap();
        assert_eq!(hash_revision(&data, Some(0)), "c77f6d978");
    }

    #[test]
    fn safe_encoding_alphabet() {
        assert_eq!(safe_encode_string("0123456789"), "456789bcdf");
        assert_eq!(revision_name("web", "7c6d8f9b5"), "web-7c6d8f9b5");
    }

    #[test]
    fn go_json_escapes_html_and_formats_floats() {
        let v = json!({"b": "<a&b>", "a": 1.5, "c": 30.0, "d": 1e21, "e": 1e-7});
        assert_eq!(
            String::from_utf8(go_json_bytes(&v)).unwrap(),
            r#"{"a":1.5,"b":"\u003ca\u0026b\u003e","c":30,"d":1e+21,"e":1e-7}"#
        );
    }

    #[test]
    fn collision_count_changes_hash_and_annotations_are_copied() {
        let mut sts = compat_set_undefaulted();
        sts["metadata"]["annotations"] = json!({"kubernetes.io/change-cause": "v2"});
        crate::machinery::defaults::apply_defaults("statefulsets", &mut sts);
        let a = new_revision(&sts, 1, Some(0));
        let b = new_revision(&sts, 1, Some(1));
        assert_ne!(a["metadata"]["name"], b["metadata"]["name"]);
        assert_eq!(
            a["metadata"]["annotations"]["kubernetes.io/change-cause"],
            "v2"
        );
        assert!(!equal_revision(&a, &b));
        let mut c = a.clone();
        c["revision"] = json!(5);
        assert!(equal_revision(&a, &c));
    }
}

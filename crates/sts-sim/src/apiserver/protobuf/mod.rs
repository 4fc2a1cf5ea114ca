//! `application/vnd.kubernetes.protobuf` bodies: the `k8s\0` envelope around a
//! `runtime.Unknown`, decoded and encoded with k8s-pb's prost messages, and converted to and
//! from the JSON objects the rest of the simulator works on.
//!
//! The per-message field tables (which Rust field carries which JSON name) are generated
//! into [`json`]; this module holds the conversion trait, the messages whose JSON
//! form is not an object (times, quantities, int-or-string, raw JSON), and the kind table.

mod authentication;
pub mod http;
mod json;

use std::collections::BTreeMap;

use base64::Engine as _;
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use prost::Message;
use serde_json::{Map, Value};

/// The media type of protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The four bytes every Kubernetes protobuf body starts with.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// Conversion between a prost message (or field type) and its Kubernetes JSON form.
pub trait PbJson: Sized {
    /// The JSON form; `Null` for an unset or empty value (omitted from objects).
    fn to_json(&self) -> Value;
    /// Reads the JSON form; the error names what was wrong.
    fn from_json(v: &Value) -> Result<Self, String>;
}

/// Implements [`PbJson`] for a message from its fields and their JSON names; `inline`
/// marks a Go embedded struct, whose fields sit in the message's own JSON object.
macro_rules! pb_json {
    ($ty:path { $($field:ident : $json:tt),* $(,)? }) => {
        impl PbJson for $ty {
            fn to_json(&self) -> serde_json::Value {
                #[allow(unused_mut)]
                let mut m = serde_json::Map::new();
                $( $crate::apiserver::protobuf::put_field(&mut m, pb_json!(@name $json), PbJson::to_json(&self.$field)); )*
                serde_json::Value::Object(m)
            }
            fn from_json(v: &serde_json::Value) -> Result<Self, String> {
                #[allow(unused_mut)]
                let mut out = <$ty>::default();
                match v {
                    serde_json::Value::Object(_m) => {
                        $( if let Some(x) = $crate::apiserver::protobuf::get_field(v, pb_json!(@name $json)) {
                            out.$field = PbJson::from_json(x)
                                .map_err(|e| $crate::apiserver::protobuf::at_field(pb_json!(@name $json), e))?;
                        } )*
                        Ok(out)
                    }
                    serde_json::Value::Null => Ok(out),
                    other => Err(format!("expected an object, got {other}")),
                }
            }
        }
    };
    (@name inline) => { None };
    (@name $json:literal) => { Some($json) };
}
/// Puts one field's JSON into an object (`None` name: merges an embedded struct's fields).
pub(crate) fn put_field(m: &mut Map<String, Value>, name: Option<&str>, v: Value) {
    match (name, v) {
        // Go writes every non-pointer string, set or not; its JSON omits the empty ones.
        (_, Value::Null) => {}
        (Some(_), Value::String(s)) if s.is_empty() => {}
        (None, Value::Object(inner)) => m.extend(inner),
        (None, _) => {}
        (Some(n), v) => {
            m.insert(n.to_string(), v);
        }
    }
}

/// One field's JSON in an object (`None` name: the whole object, for an embedded struct).
pub(crate) fn get_field<'a>(v: &'a Value, name: Option<&str>) -> Option<&'a Value> {
    match name {
        None => Some(v),
        Some(n) => v.get(n).filter(|x| !x.is_null()),
    }
}

/// Prefixes an error with the field it happened in.
pub(crate) fn at_field(name: Option<&str>, e: String) -> String {
    match name {
        Some(n) => format!("{n}: {e}"),
        None => e,
    }
}
pub(crate) use pb_json;

impl PbJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("expected a string, got {v}"))
    }
}

impl PbJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_bool()
            .ok_or_else(|| format!("expected a boolean, got {v}"))
    }
}

impl PbJson for i32 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| format!("expected a 32-bit integer, got {v}"))
    }
}

impl PbJson for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_i64()
            .ok_or_else(|| format!("expected an integer, got {v}"))
    }
}

impl PbJson for f64 {
    fn to_json(&self) -> Value {
        serde_json::Number::from_f64(*self)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_f64()
            .ok_or_else(|| format!("expected a number, got {v}"))
    }
}

/// `bytes` fields are base64 strings in JSON.
impl PbJson for Vec<u8> {
    fn to_json(&self) -> Value {
        Value::String(base64::engine::general_purpose::STANDARD.encode(self))
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        let s = v
            .as_str()
            .ok_or_else(|| format!("expected a base64 string, got {v}"))?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| format!("illegal base64 data: {e}"))
    }
}

impl<T: PbJson> PbJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_json)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        if v.is_null() {
            return Ok(None);
        }
        T::from_json(v).map(Some)
    }
}

impl<T: PbJson> PbJson for Box<T> {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        T::from_json(v).map(Box::new)
    }
}

impl<T: PbJson> PbJson for Vec<T> {
    fn to_json(&self) -> Value {
        if self.is_empty() {
            return Value::Null;
        }
        Value::Array(
            self.iter()
                .map(|x| match x.to_json() {
                    Value::Null => Value::Object(Map::new()),
                    v => v,
                })
                .collect(),
        )
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        let a = v
            .as_array()
            .ok_or_else(|| format!("expected an array, got {v}"))?;
        a.iter()
            .enumerate()
            .map(|(i, x)| T::from_json(x).map_err(|e| format!("[{i}]: {e}")))
            .collect()
    }
}

impl<T: PbJson> PbJson for BTreeMap<String, T> {
    fn to_json(&self) -> Value {
        if self.is_empty() {
            return Value::Null;
        }
        Value::Object(self.iter().map(|(k, x)| (k.clone(), x.to_json())).collect())
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        let m = v
            .as_object()
            .ok_or_else(|| format!("expected an object, got {v}"))?;
        m.iter()
            .map(|(k, x)| Ok((k.clone(), T::from_json(x).map_err(|e| format!("{k}: {e}"))?)))
            .collect()
    }
}

/// Go's zero `time.Time` (0001-01-01), which Go writes for an unset non-pointer time.
const GO_ZERO_TIME_SECONDS: i64 = -62_135_596_800;

fn format_time(seconds: i64, nanos: i32, micro: bool) -> Value {
    if seconds <= GO_ZERO_TIME_SECONDS {
        return Value::Null;
    }
    let ts = jiff::Timestamp::new(seconds, if micro { nanos } else { 0 })
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let f = if micro {
        "%Y-%m-%dT%H:%M:%S%.6fZ"
    } else {
        "%Y-%m-%dT%H:%M:%SZ"
    };
    Value::String(ts.strftime(f).to_string())
}

fn parse_time(v: &Value) -> Result<(i64, i32), String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("expected an RFC 3339 time, got {v}"))?;
    let ts: jiff::Timestamp = s.parse().map_err(|e| format!("invalid time {s:?}: {e}"))?;
    Ok((ts.as_second(), ts.subsec_nanosecond()))
}

impl PbJson for k8s_pb::apimachinery::pkg::apis::meta::v1::Time {
    fn to_json(&self) -> Value {
        format_time(self.seconds.unwrap_or(0), self.nanos.unwrap_or(0), false)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        let (s, _) = parse_time(v)?;
        Ok(Self {
            seconds: Some(s),
            nanos: Some(0),
        })
    }
}

impl PbJson for k8s_pb::apimachinery::pkg::apis::meta::v1::MicroTime {
    fn to_json(&self) -> Value {
        format_time(self.seconds.unwrap_or(0), self.nanos.unwrap_or(0), true)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        let (s, n) = parse_time(v)?;
        Ok(Self {
            seconds: Some(s),
            nanos: Some(n),
        })
    }
}

/// `metav1.Duration` is a Go duration string in JSON; sts-sim writes whole seconds.
impl PbJson for k8s_pb::apimachinery::pkg::apis::meta::v1::Duration {
    fn to_json(&self) -> Value {
        let nanos = self.duration.unwrap_or(0);
        Value::String(format!("{}s", nanos / 1_000_000_000))
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        let s = v
            .as_str()
            .ok_or_else(|| format!("expected a duration, got {v}"))?;
        let secs: i64 = s
            .strip_suffix('s')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("invalid duration {s:?}"))?;
        Ok(Self {
            duration: Some(secs.saturating_mul(1_000_000_000)),
        })
    }
}

fn raw_json(raw: Option<&Vec<u8>>) -> Value {
    raw.and_then(|r| serde_json::from_slice(r).ok())
        .unwrap_or(Value::Null)
}

impl PbJson for k8s_pb::apimachinery::pkg::apis::meta::v1::FieldsV1 {
    fn to_json(&self) -> Value {
        raw_json(self.raw.as_ref())
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        Ok(Self {
            raw: Some(v.to_string().into_bytes()),
        })
    }
}

impl PbJson for k8s_pb::apimachinery::pkg::runtime::RawExtension {
    fn to_json(&self) -> Value {
        raw_json(self.raw.as_ref())
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        Ok(Self {
            raw: Some(v.to_string().into_bytes()),
        })
    }
}

impl PbJson for k8s_pb::apimachinery::pkg::api::resource::Quantity {
    fn to_json(&self) -> Value {
        self.string.clone().map_or(Value::Null, Value::String)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => return Err(format!("expected a quantity, got {other}")),
        };
        Ok(Self { string: Some(s) })
    }
}

impl PbJson for k8s_pb::apimachinery::pkg::util::intstr::IntOrString {
    fn to_json(&self) -> Value {
        if self.r#type == Some(1) {
            self.str_val.clone().map_or(Value::Null, Value::String)
        } else {
            Value::from(self.int_val.unwrap_or(0))
        }
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        match v {
            Value::String(s) => Ok(Self {
                r#type: Some(1),
                int_val: None,
                str_val: Some(s.clone()),
            }),
            Value::Number(_) => Ok(Self {
                r#type: Some(0),
                int_val: Some(i32::from_json(v)?),
                str_val: None,
            }),
            other => Err(format!("expected an integer or a string, got {other}")),
        }
    }
}

/// Why a protobuf body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn decode_as<T: Message + Default + PbJson>(raw: &[u8]) -> Result<Value, String> {
    let msg = T::decode(raw).map_err(|e| e.to_string())?;
    Ok(msg.to_json())
}

fn encode_as<T: Message + PbJson>(obj: &Value) -> Result<Vec<u8>, String> {
    Ok(T::from_json(obj)?.encode_to_vec())
}

type Decoder = fn(&[u8]) -> Result<Value, String>;
type Encoder = fn(&Value) -> Result<Vec<u8>, String>;

macro_rules! kinds {
    ($($api_version:literal, $kind:literal => $ty:path;)*) => {
        /// The message type of an `apiVersion`/`kind`, as a decoder and an encoder.
        fn codec(api_version: &str, kind: &str) -> Option<(Decoder, Encoder)> {
            match (api_version, kind) {
                $(($api_version, $kind) => Some((decode_as::<$ty> as Decoder, encode_as::<$ty> as Encoder)),)*
                _ => None,
            }
        }
    };
}

kinds! {
    "v1", "Namespace" => k8s_pb::api::core::v1::Namespace;
    "v1", "NamespaceList" => k8s_pb::api::core::v1::NamespaceList;
    "v1", "Node" => k8s_pb::api::core::v1::Node;
    "v1", "NodeList" => k8s_pb::api::core::v1::NodeList;
    "v1", "Pod" => k8s_pb::api::core::v1::Pod;
    "v1", "PodList" => k8s_pb::api::core::v1::PodList;
    "v1", "Binding" => k8s_pb::api::core::v1::Binding;
    "v1", "Service" => k8s_pb::api::core::v1::Service;
    "v1", "ServiceList" => k8s_pb::api::core::v1::ServiceList;
    "v1", "Endpoints" => k8s_pb::api::core::v1::Endpoints;
    "v1", "EndpointsList" => k8s_pb::api::core::v1::EndpointsList;
    "v1", "Event" => k8s_pb::api::core::v1::Event;
    "v1", "EventList" => k8s_pb::api::core::v1::EventList;
    "v1", "PersistentVolumeClaim" => k8s_pb::api::core::v1::PersistentVolumeClaim;
    "v1", "PersistentVolumeClaimList" => k8s_pb::api::core::v1::PersistentVolumeClaimList;
    "v1", "PersistentVolume" => k8s_pb::api::core::v1::PersistentVolume;
    "v1", "PersistentVolumeList" => k8s_pb::api::core::v1::PersistentVolumeList;
    "v1", "ConfigMap" => k8s_pb::api::core::v1::ConfigMap;
    "v1", "ConfigMapList" => k8s_pb::api::core::v1::ConfigMapList;
    "v1", "Secret" => k8s_pb::api::core::v1::Secret;
    "v1", "SecretList" => k8s_pb::api::core::v1::SecretList;
    "v1", "ServiceAccount" => k8s_pb::api::core::v1::ServiceAccount;
    "v1", "ServiceAccountList" => k8s_pb::api::core::v1::ServiceAccountList;
    "v1", "DeleteOptions" => k8s_pb::apimachinery::pkg::apis::meta::v1::DeleteOptions;
    "meta.k8s.io/v1", "DeleteOptions" => k8s_pb::apimachinery::pkg::apis::meta::v1::DeleteOptions;
    "v1", "Status" => k8s_pb::apimachinery::pkg::apis::meta::v1::Status;
    "apps/v1", "StatefulSet" => k8s_pb::api::apps::v1::StatefulSet;
    "apps/v1", "StatefulSetList" => k8s_pb::api::apps::v1::StatefulSetList;
    "apps/v1", "ControllerRevision" => k8s_pb::api::apps::v1::ControllerRevision;
    "apps/v1", "ControllerRevisionList" => k8s_pb::api::apps::v1::ControllerRevisionList;
    "autoscaling/v1", "Scale" => k8s_pb::api::autoscaling::v1::Scale;
    "storage.k8s.io/v1", "StorageClass" => k8s_pb::api::storage::v1::StorageClass;
    "storage.k8s.io/v1", "StorageClassList" => k8s_pb::api::storage::v1::StorageClassList;
    "policy/v1", "PodDisruptionBudget" => k8s_pb::api::policy::v1::PodDisruptionBudget;
    "policy/v1", "PodDisruptionBudgetList" => k8s_pb::api::policy::v1::PodDisruptionBudgetList;
    "policy/v1", "Eviction" => k8s_pb::api::policy::v1::Eviction;
    "rbac.authorization.k8s.io/v1", "Role" => k8s_pb::api::rbac::v1::Role;
    "rbac.authorization.k8s.io/v1", "RoleList" => k8s_pb::api::rbac::v1::RoleList;
    "rbac.authorization.k8s.io/v1", "ClusterRole" => k8s_pb::api::rbac::v1::ClusterRole;
    "rbac.authorization.k8s.io/v1", "ClusterRoleList" => k8s_pb::api::rbac::v1::ClusterRoleList;
    "rbac.authorization.k8s.io/v1", "RoleBinding" => k8s_pb::api::rbac::v1::RoleBinding;
    "rbac.authorization.k8s.io/v1", "RoleBindingList" => k8s_pb::api::rbac::v1::RoleBindingList;
    "rbac.authorization.k8s.io/v1", "ClusterRoleBinding" => k8s_pb::api::rbac::v1::ClusterRoleBinding;
    "rbac.authorization.k8s.io/v1", "ClusterRoleBindingList" => k8s_pb::api::rbac::v1::ClusterRoleBindingList;
    "authorization.k8s.io/v1", "SelfSubjectAccessReview" => k8s_pb::api::authorization::v1::SelfSubjectAccessReview;
    "authorization.k8s.io/v1", "SelfSubjectRulesReview" => k8s_pb::api::authorization::v1::SelfSubjectRulesReview;
    "authentication.k8s.io/v1", "SelfSubjectReview" => k8s_pb::api::authentication::v1::SelfSubjectReview;
}

/// Plain (non-pointer) `omitempty` integers of the served kinds: Go writes them to
/// protobuf even when zero, but never to JSON.
const OMIT_ZERO: &[&str] = &[
    "generation",
    "observedGeneration",
    "nodePort",
    "healthCheckNodePort",
    "hostPort",
    "minReadySeconds",
    "readyReplicas",
    "currentReplicas",
    "updatedReplicas",
    "count",
    "initialDelaySeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
];
/// Plain `omitempty` booleans of the served kinds (see [`OMIT_ZERO`]).
const OMIT_FALSE: &[&str] = &[
    "stdin",
    "stdinOnce",
    "tty",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "readOnly",
    "publishNotReadyAddresses",
    "unschedulable",
    "denied",
];

/// Drops what Go's JSON encoding would have omitted from a decoded object.
fn drop_go_zero_values(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, x| match x {
                Value::Bool(false) => !OMIT_FALSE.contains(&k.as_str()),
                Value::Number(n) if n.as_i64() == Some(0) => !OMIT_ZERO.contains(&k.as_str()),
                _ => true,
            });
            m.values_mut().for_each(drop_go_zero_values);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_go_zero_values),
        _ => {}
    }
}

/// Decodes a protobuf body (`k8s\0` + `runtime.Unknown`) into the object's JSON form,
/// with its `apiVersion` and `kind`. Every failure names the problem; nothing panics.
pub fn decode(body: &[u8]) -> Result<Value, DecodeError> {
    let rest = body.strip_prefix(MAGIC.as_slice()).ok_or_else(|| {
        DecodeError(
            "the body does not start with the Kubernetes protobuf prefix \"k8s\\x00\"".into(),
        )
    })?;
    let unknown = Unknown::decode(rest)
        .map_err(|e| DecodeError(format!("the runtime.Unknown envelope is malformed: {e}")))?;
    let tm = unknown.type_meta.unwrap_or_default();
    let api_version = tm.api_version.unwrap_or_default();
    let kind = tm.kind.unwrap_or_default();
    if kind.is_empty() {
        return Err(DecodeError(
            "the runtime.Unknown envelope has no typeMeta.kind".into(),
        ));
    }
    if let Some(enc) = unknown.content_encoding.filter(|e| !e.is_empty()) {
        return Err(DecodeError(format!("unsupported content encoding {enc:?}")));
    }
    let (decoder, _) = codec(&api_version, &kind).ok_or_else(|| {
        DecodeError(format!(
            "no kind \"{kind}\" is registered for version \"{api_version}\" in protobuf"
        ))
    })?;
    let mut obj = decoder(unknown.raw.as_deref().unwrap_or_default())
        .map_err(|e| DecodeError(format!("the {kind} in the body is malformed: {e}")))?;
    drop_go_zero_values(&mut obj);
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(api_version));
        m.insert("kind".into(), Value::String(kind));
    }
    Ok(obj)
}

/// Encodes an object (with `apiVersion` and `kind`) as a protobuf body; `None` when its
/// kind has no protobuf form here or the object does not fit the message.
pub fn encode(obj: &Value) -> Option<Vec<u8>> {
    let api_version = obj["apiVersion"].as_str()?;
    let kind = obj["kind"].as_str()?;
    let (_, encoder) = codec(api_version, kind)?;
    let raw = encoder(obj).ok()?;
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: Some(api_version.to_string()),
            kind: Some(kind.to_string()),
        }),
        raw: Some(raw),
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    let mut out = MAGIC.to_vec();
    unknown.encode(&mut out).ok()?;
    Some(out)
}

/// Whether a `Content-Type` is protobuf.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type.trim().starts_with(MEDIA_TYPE)
}

/// Whether the client's `Accept` lists protobuf first.
pub fn accept_prefers(accept: &str) -> bool {
    accept.split(',').next().is_some_and(is_protobuf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_a_rolebinding() {
        let rb = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "r", "namespace": "prod", "labels": {"a": "b"},
                          "creationTimestamp": "2026-01-02T03:04:05Z"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "ann"}]
        });
        let bytes = encode(&rb).expect("encodes");
        assert!(bytes.starts_with(MAGIC));
        assert_eq!(decode(&bytes).unwrap(), rb);
    }

    #[test]
    fn round_trips_special_json_forms() {
        let pdb = json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "p", "namespace": "d"},
            "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}},
            "status": {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3}
        });
        assert_eq!(decode(&encode(&pdb).unwrap()).unwrap(), pdb);
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                            "data": {"k": "aGVsbG8="}, "type": "Opaque"});
        assert_eq!(decode(&encode(&secret).unwrap()).unwrap(), secret);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
            "spec": {"containers": [{"name": "c", "image": "i",
                "resources": {"limits": {"cpu": "500m"}}, "ports": [{"containerPort": 80}],
                "readinessProbe": {"httpGet": {"port": "http", "path": "/"}}}]},
            "status": {"podIPs": [{"ip": "10.0.0.1"}]}});
        assert_eq!(decode(&encode(&pod).unwrap()).unwrap(), pod);
    }

    #[test]
    fn go_zero_values_are_dropped_as_json_would() {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "generation": 0},
            "spec": {"ports": [{"port": 80, "nodePort": 0, "targetPort": 8080}], "healthCheckNodePort": 0,
                     "publishNotReadyAddresses": false}});
        let back = decode(&encode(&svc).unwrap()).unwrap();
        assert_eq!(
            back["spec"],
            json!({"ports": [{"port": 80, "targetPort": 8080}]})
        );
        assert!(back["metadata"].get("generation").is_none());
        let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "w"}, "spec": {"replicas": 0}});
        assert_eq!(
            decode(&encode(&sts).unwrap()).unwrap()["spec"]["replicas"],
            0,
            "pointer fields keep 0"
        );
    }

    #[test]
    fn malformed_bodies_name_the_problem() {
        assert!(decode(b"{}").unwrap_err().0.contains("prefix"));
        assert!(decode(b"k8s\0\xff\xff").unwrap_err().0.contains("envelope"));
        let mut unknown_kind = MAGIC.to_vec();
        Unknown {
            type_meta: Some(TypeMeta {
                api_version: Some("batch/v1".into()),
                kind: Some("Job".into()),
            }),
            ..Default::default()
        }
        .encode(&mut unknown_kind)
        .unwrap();
        assert!(decode(&unknown_kind).unwrap_err().0.contains("\"Job\""));
    }

    #[test]
    fn accept_negotiation_looks_at_the_first_type() {
        assert!(accept_prefers(
            "application/vnd.kubernetes.protobuf, application/json"
        ));
        assert!(!accept_prefers(
            "application/json, application/vnd.kubernetes.protobuf"
        ));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn envelope(api_version: &str, kind: &str, raw: Vec<u8>) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        Unknown {
            type_meta: Some(TypeMeta {
                api_version: Some(api_version.into()),
                kind: Some(kind.into()),
            }),
            raw: Some(raw),
            content_encoding: None,
            content_type: None,
        }
        .encode(&mut out)
        .expect("vec grows");
        out
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&body);
            let mut prefixed = MAGIC.to_vec();
            prefixed.extend_from_slice(&body);
            let _ = decode(&prefixed);
        }

        #[test]
        fn arbitrary_messages_of_every_kind_never_panic(
            raw in proptest::collection::vec(any::<u8>(), 0..512),
            which in 0usize..8,
        ) {
            let kinds = [("v1", "Pod"), ("v1", "Namespace"), ("v1", "Secret"), ("apps/v1", "StatefulSet"),
                         ("policy/v1", "Eviction"), ("rbac.authorization.k8s.io/v1", "RoleBinding"),
                         ("authorization.k8s.io/v1", "SelfSubjectAccessReview"), ("v1", "DeleteOptions")];
            let (v, k) = kinds[which];
            if let Ok(obj) = decode(&envelope(v, k, raw)) {
                // Whatever decodes re-encodes.
                prop_assert!(encode(&obj).is_some());
            }
        }

        #[test]
        fn arbitrary_json_never_panics_the_encoder(s in "\\PC{0,40}", n in any::<i64>()) {
            let obj = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": s, "generation": n},
                "spec": {"containers": [{"name": s, "ports": [{"containerPort": n}]}]}});
            let _ = encode(&obj);
        }
    }
}

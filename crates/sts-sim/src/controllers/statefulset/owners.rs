//! Owner references as the controller writes and reads them: the controller reference to a
//! set, a pod's or claim's references, and the one controller among them.

use serde_json::{json, Map, Value};

use crate::controllers::statefulset::pods::{name_of, uid_of};
use crate::controllers::statefulset::{SET_API_VERSION, SET_KIND};

pub(super) fn selector_is_empty(selector: &Value) -> bool {
    selector["matchLabels"]
        .as_object()
        .is_none_or(Map::is_empty)
        && selector["matchExpressions"]
            .as_array()
            .is_none_or(Vec::is_empty)
}

/// A controller owner reference to `owner` (`controller` and `blockOwnerDeletion` set).
pub fn controller_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": name_of(owner),
        "uid": uid_of(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

pub(super) fn set_ref(set: &Value) -> Value {
    controller_ref(set, SET_API_VERSION, SET_KIND)
}

pub(super) fn owner_refs(obj: &Value) -> Vec<Value> {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub(super) fn set_owner_refs(obj: &mut Value, refs: Vec<Value>) {
    if refs.is_empty() {
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("ownerReferences");
        }
    } else {
        obj["metadata"]["ownerReferences"] = Value::Array(refs);
    }
}

/// The controller reference of an object, if any.
pub(super) fn controller_of(obj: &Value) -> Option<Value> {
    owner_refs(obj)
        .into_iter()
        .find(|r| r["controller"] == true)
}

//! Server-side `Table` responses: what `kubectl get` prints.
//!
//! `kubectl get` asks for `application/json;as=Table;v=v1;g=meta.k8s.io`; the API server
//! answers with a `meta.k8s.io/v1` Table whose columns and cells come from upstream's
//! printers (`pkg/printers/internalversion/printers.go`, generated with `Wide: true`, so
//! priority-1 columns are present and kubectl shows them only for `-o wide`). This module
//! reproduces those columns (names, types, formats, priorities and descriptions) and the cell
//! logic for pods, statefulsets, services, persistentvolumeclaims, persistentvolumes,
//! controllerrevisions, nodes, namespaces, events, endpoints, storageclasses, configmaps,
//! secrets and serviceaccounts; anything else gets Name and Age. Ages use upstream's
//! `duration.HumanDuration`.

mod cells;
mod columns;
mod kind_cells;
#[cfg(test)]
mod tests;

use crate::apiserver::tables::cells::str_at;
pub use cells::{access_modes, age_since, human_duration, row_cells};
pub use columns::column_definitions;

use jiff::Timestamp;
use serde_json::{json, Map, Value};

/// What each row's `object` carries (`?includeObject=`; the server default is `Metadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// `object: null`.
    None,
    /// A `meta.k8s.io/v1` `PartialObjectMetadata` with the object's metadata (the default).
    #[default]
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parses the `includeObject` query parameter (`None`, `Metadata`, `Object`); absent or
    /// unknown values give the default, `Metadata`.
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// Builds the Table for `items` (full objects as stored). `list_meta` is the list's
/// `metadata` (its `resourceVersion`, `continue` and `remainingItemCount` are copied).
pub fn to_table(
    resource_plural: &str,
    items: &[Value],
    now: Timestamp,
    include_object: IncludeObject,
    list_meta: &Value,
) -> Value {
    let mut meta = Map::new();
    for k in ["resourceVersion", "continue", "remainingItemCount"] {
        if let Some(v) = list_meta.get(k).filter(|v| !v.is_null() && *v != "") {
            meta.insert(k.into(), v.clone());
        }
    }
    let rows: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut row = Map::new();
            row.insert("cells".into(), Value::Array(row_cells(resource_plural, item, now)));
            if resource_plural == "pods" {
                match str_at(item, "/status/phase") {
                    "Succeeded" => {
                        row.insert("conditions".into(), json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]));
                    }
                    "Failed" => {
                        row.insert("conditions".into(), json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]));
                    }
                    _ => {}
                }
            }
            row.insert("object".into(), row_object(item, include_object));
            Value::Object(row)
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": Value::Object(meta),
        "columnDefinitions": column_definitions(resource_plural),
        "rows": rows,
    })
}

fn row_object(item: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => item.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": item.get("metadata").cloned().unwrap_or(json!({})),
        }),
    }
}

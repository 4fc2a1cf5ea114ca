//! OpenAPI v3 as kube-apiserver serves it: `/openapi/v3` (an index of per-group-version
//! documents, each linked with a `?hash=` of its content) and one document per served
//! group-version. Schemas are generated from k8s-openapi's types ([`kinds`]), with the
//! `x-kubernetes-*` extensions kubectl reads added from a table ([`extensions`]); the same
//! schemas drive `fieldValidation` on writes ([`unknown_fields`]).

pub mod extensions;
pub mod kinds;
pub mod unknown_fields;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

use crate::machinery::resources::{self, ResourceType};

/// One served group-version's document and the hash its link carries.
#[derive(Debug)]
pub struct Document {
    /// The OpenAPI v3 document.
    pub body: Value,
    /// Hex hash of the document's JSON.
    pub hash: String,
}

/// The index key of a group-version: `api/v1`, `apis/apps/v1`.
pub fn path_key(group: &str) -> String {
    if group.is_empty() {
        "api/v1".into()
    } else {
        format!("apis/{group}/v1")
    }
}

/// Every served group-version's document, built once.
pub fn documents() -> &'static BTreeMap<String, Document> {
    static DOCS: OnceLock<BTreeMap<String, Document>> = OnceLock::new();
    DOCS.get_or_init(|| {
        std::iter::once("")
            .chain(resources::GROUPS.iter().copied())
            .map(|g| {
                let body = group_document(g);
                let hash = content_hash(&body);
                (path_key(g), Document { body, hash })
            })
            .collect()
    })
}

fn content_hash(v: &Value) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.to_string().hash(&mut h);
    format!("{:016X}", h.finish())
}

/// `/openapi/v3`: `{"paths": {"apis/apps/v1": {"serverRelativeURL": "...?hash=..."}}}`.
pub fn root_index() -> Value {
    let paths: Map<String, Value> = documents()
        .iter()
        .map(|(key, doc)| {
            let url = format!("/openapi/v3/{key}?hash={}", doc.hash);
            (key.clone(), json!({ "serverRelativeURL": url }))
        })
        .collect();
    json!({ "paths": paths })
}

/// The document of `/openapi/v3/<key>` (`key` as in [`path_key`]).
pub fn document(key: &str) -> Option<&'static Document> {
    documents().get(key)
}

/// The schemas (`components.schemas`) of one group's kinds, with extensions and
/// `x-kubernetes-group-version-kind` on each kind's root schema.
pub fn schemas(group: &str) -> Map<String, Value> {
    let mut generator = SchemaSettings::openapi3()
        .with(|s| s.meta_schema = None)
        .into_generator();
    let rows: Vec<_> = kinds::in_group(group).collect();
    for row in &rows {
        (row.register)(&mut generator);
    }
    let mut defs = generator.take_definitions(true);
    for row in &rows {
        if let Some(def) = defs
            .get_mut(&(row.schema_name)())
            .and_then(Value::as_object_mut)
        {
            def.insert(
                "x-kubernetes-group-version-kind".into(),
                json!([{"group": row.group, "kind": row.kind, "version": row.version}]),
            );
        }
    }
    extensions::apply(&mut defs);
    defs
}

fn query_param(name: &str, kind: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": kind}, "uniqueItems": true})
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn operation(rt: &ResourceType, verb: &str, action: &str, schema: Option<&str>) -> Value {
    let mut params = vec![query_param("dryRun", "string")];
    if matches!(action, "post" | "put" | "patch") {
        params.push(query_param("fieldManager", "string"));
        params.push(query_param("fieldValidation", "string"));
    }
    if action == "patch" {
        params.push(query_param("force", "boolean"));
    }
    let content = |s: &str| json!({"application/json": {"schema": schema_ref(s)}});
    let mut op = json!({
        "operationId": format!("{verb}{}", rt.kind),
        "parameters": params,
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
    });
    if let Some(s) = schema {
        op["responses"]["200"]["content"] = content(s);
        if matches!(action, "post" | "put") {
            op["requestBody"] = json!({"content": content(s), "required": true});
        }
    }
    if action == "patch" {
        op["requestBody"] = json!({"content": {
            "application/json-patch+json": {"schema": {"type": "object"}},
            "application/merge-patch+json": {"schema": {"type": "object"}},
            "application/strategic-merge-patch+json": {"schema": {"type": "object"}},
            "application/apply-patch+yaml": {"schema": {"type": "object"}},
        }, "required": true});
    }
    op
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/v1`: paths of every served resource
/// (with the `fieldValidation` parameter kubectl looks for before it leaves validation to the
/// server) and the schemas of the group's kinds.
pub fn group_document(group: &str) -> Value {
    let prefix = format!("/{}", path_key(group));
    let mut paths = Map::new();
    for rt in resources::in_group(group) {
        let schema = kinds::lookup(rt.group, rt.kind).map(|k| (k.schema_name)());
        let schema = schema.as_deref();
        let base = if rt.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", rt.plural)
        } else {
            format!("{prefix}/{}", rt.plural)
        };
        paths.insert(
            base.clone(),
            json!({
                "get": operation(rt, "list", "list", None),
                "post": operation(rt, "create", "post", schema),
            }),
        );
        paths.insert(
            format!("{base}/{{name}}"),
            json!({
                "get": operation(rt, "read", "get", schema),
                "put": operation(rt, "replace", "put", schema),
                "patch": operation(rt, "patch", "patch", schema),
                "delete": operation(rt, "delete", "delete", None),
            }),
        );
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.36.0"},
        "paths": paths,
        "components": {"schemas": schemas(group)},
    })
}

/// Removes from a request body for `group`/`kind` the fields its schema does not declare and
/// returns their paths; `None` when the kind has no schema here.
pub fn prune_unknown_of(group: &str, kind: &str, body: &mut Value) -> Option<Vec<String>> {
    let row = kinds::lookup(group, kind)?;
    let defs = document(&path_key(group))?.body["components"]["schemas"].as_object()?;
    Some(unknown_fields::prune_unknown(
        defs,
        &(row.schema_name)(),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(group: &str) -> &'static Map<String, Value> {
        document(&path_key(group)).unwrap().body["components"]["schemas"]
            .as_object()
            .unwrap()
    }

    #[test]
    fn index_links_every_served_group_version_with_its_hash() {
        let index = root_index();
        let paths = index["paths"].as_object().unwrap();
        let mut keys = vec!["api/v1".to_string()];
        keys.extend(resources::GROUPS.iter().map(|g| format!("apis/{g}/v1")));
        for key in &keys {
            let url = paths[key]["serverRelativeURL"].as_str().unwrap();
            let doc = document(key).unwrap();
            assert_eq!(url, format!("/openapi/v3/{key}?hash={}", doc.hash));
            assert_eq!(doc.hash, content_hash(&doc.body));
        }
        assert_eq!(paths.len(), keys.len());
        assert!(document("apis/batch/v1").is_none());
    }

    #[test]
    fn every_served_kind_has_a_schema_with_its_gvk() {
        for rt in resources::ALL {
            let row = kinds::lookup(rt.group, rt.kind)
                .unwrap_or_else(|| panic!("{} has no row in openapi::kinds", rt.kind));
            let def = &defs(rt.group)[&(row.schema_name)()];
            assert_eq!(
                def["x-kubernetes-group-version-kind"],
                json!([{"group": rt.group, "kind": rt.kind, "version": "v1"}]),
                "{}",
                rt.kind
            );
            assert!(def["properties"]["metadata"].is_object(), "{}", rt.kind);
        }
    }

    #[test]
    fn references_resolve_and_wrap_described_refs_in_all_of() {
        let apps = defs("apps");
        let spec = &apps["io.k8s.api.apps.v1.StatefulSetSpec"]["properties"];
        let strategy = &spec["updateStrategy"];
        assert_eq!(
            strategy["allOf"],
            json!([{"$ref": "#/components/schemas/io.k8s.api.apps.v1.StatefulSetUpdateStrategy"}])
        );
        assert!(strategy["description"]
            .as_str()
            .unwrap()
            .contains("updateStrategy"));
        let text = Value::Object(apps.clone()).to_string();
        for r in text.split("\"#/components/schemas/").skip(1) {
            let name = &r[..r.find('"').unwrap()];
            assert!(apps.contains_key(name), "dangling $ref to {name}");
        }
    }

    #[test]
    fn extension_rules_name_real_properties() {
        // Every kind of the table, served yet or not.
        let mut generator = SchemaSettings::openapi3().into_generator();
        for row in kinds::KINDS {
            (row.register)(&mut generator);
        }
        let all = generator.take_definitions(true);
        for (schema, property, _) in extensions::LIST_RULES {
            let name = extensions::full_name(schema);
            assert!(
                all.get(&name)
                    .is_some_and(|d| d["properties"][property].is_object()),
                "{name}.{property} is not a property of a generated schema"
            );
        }
        for name in extensions::ATOMIC_MAPS {
            assert!(all.contains_key(*name), "{name}");
        }
        let core = defs("");
        let containers = &core["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
        assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(containers["x-kubernetes-list-type"], "map");
        assert_eq!(containers["x-kubernetes-list-map-keys"], json!(["name"]));
        let ports = &core["io.k8s.api.core.v1.Container"]["properties"]["ports"];
        assert_eq!(ports["x-kubernetes-patch-merge-key"], "containerPort");
        assert_eq!(
            ports["x-kubernetes-list-map-keys"],
            json!(["containerPort", "protocol"])
        );
        let volumes = &core["io.k8s.api.core.v1.PodSpec"]["properties"]["volumes"];
        assert_eq!(volumes["x-kubernetes-patch-strategy"], "merge,retainKeys");
        let finalizers =
            &core["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]["finalizers"];
        assert_eq!(finalizers["x-kubernetes-list-type"], "set");
        assert_eq!(
            core["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]["x-kubernetes-map-type"],
            "atomic"
        );
    }

    #[test]
    fn object_paths_advertise_field_validation() {
        let doc = &document("apis/apps/v1").unwrap().body;
        let patch =
            &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"],
            json!({"group": "apps", "version": "v1", "kind": "StatefulSet"})
        );
        assert!(patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation"));
        let post = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/statefulsets"]["post"];
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/io.k8s.api.apps.v1.StatefulSet"
        );
    }
}

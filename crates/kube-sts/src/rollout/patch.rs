//! JSON patches (RFC 6902) for every change the rollout makes, each guarded by `test`
//! operations on the values we last saw: if someone else changed the partition or the spec in
//! between, the server refuses the whole patch (422) and nothing is overwritten.

use k8s_openapi::api::apps::v1::StatefulSet;
use serde_json::{json, Value};

use super::model;
use crate::error::{Error, Result};

/// Escapes a JSON pointer segment (`/` and `~`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Guards a spec change: the generation must still be the one we read.
pub fn test_generation(sts: &StatefulSet) -> Value {
    json!({"op": "test", "path": "/metadata/generation", "value": sts.metadata.generation})
}

/// Sets the partition to `new`, testing it is still `expected` (the value we last set or saw).
pub fn partition_ops(sts: &StatefulSet, expected: i32, new: i32) -> Vec<Value> {
    let strategy = sts.spec.as_ref().and_then(|s| s.update_strategy.as_ref());
    match strategy {
        Some(u) if u.rolling_update.is_some() => {
            let seen = u.rolling_update.as_ref().and_then(|r| r.partition);
            // A missing key tests equal to null; the API defaults it to 0.
            let test_value = match seen {
                Some(_) => json!(expected),
                None if expected == 0 => Value::Null,
                None => json!(expected),
            };
            vec![
                json!({"op": "test", "path": "/spec/updateStrategy/rollingUpdate/partition", "value": test_value}),
                json!({"op": "add", "path": "/spec/updateStrategy/rollingUpdate/partition", "value": new}),
            ]
        }
        Some(u) => vec![
            json!({"op": "test", "path": "/spec/updateStrategy", "value": u}),
            json!({"op": "add", "path": "/spec/updateStrategy/rollingUpdate", "value": {"partition": new}}),
        ],
        None => vec![
            json!({"op": "test", "path": "/spec/updateStrategy", "value": null}),
            json!({"op": "add", "path": "/spec/updateStrategy", "value": {"type": "RollingUpdate", "rollingUpdate": {"partition": new}}}),
        ],
    }
}

/// Sets (`Some`) or removes (`None`) an annotation.
pub fn annotation_ops(sts: &StatefulSet, key: &str, value: Option<&str>) -> Vec<Value> {
    let present = sts.metadata.annotations.as_ref();
    let path = format!("/metadata/annotations/{}", escape(key));
    match (value, present) {
        (Some(v), None) => {
            vec![json!({"op": "add", "path": "/metadata/annotations", "value": {key: v}})]
        }
        (Some(v), Some(_)) => vec![json!({"op": "add", "path": path, "value": v})],
        (None, Some(map)) if map.contains_key(key) => {
            vec![json!({"op": "remove", "path": path})]
        }
        (None, _) => vec![],
    }
}

/// Several annotation changes at once (the first `add` of a missing map carries them all).
pub fn annotations_ops(sts: &StatefulSet, changes: &[(&str, Option<&str>)]) -> Vec<Value> {
    if sts.metadata.annotations.is_none() {
        let map: serde_json::Map<String, Value> = changes
            .iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), json!(v))))
            .collect();
        if map.is_empty() {
            return vec![];
        }
        return vec![json!({"op": "add", "path": "/metadata/annotations", "value": map})];
    }
    changes
        .iter()
        .flat_map(|(k, v)| annotation_ops(sts, k, *v))
        .collect()
}

/// `--image CONTAINER=IMAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChange {
    /// Container (or init container) name.
    pub container: String,
    /// New image.
    pub image: String,
}

/// `--env CONTAINER:KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvChange {
    /// Container (or init container) name.
    pub container: String,
    /// Variable name.
    pub key: String,
    /// Value.
    pub value: String,
}

/// Parses `CONTAINER=IMAGE`.
pub fn parse_image(text: &str) -> Result<ImageChange> {
    match text.split_once('=') {
        Some((c, i)) if !c.is_empty() && !i.is_empty() => Ok(ImageChange {
            container: c.into(),
            image: i.into(),
        }),
        _ => Err(Error::invalid(
            format!("invalid --image {text:?}"),
            "use --image CONTAINER=IMAGE, e.g. --image app=example/visits-app:2.0",
        )),
    }
}

/// Parses `CONTAINER:KEY=VALUE`.
pub fn parse_env(text: &str) -> Result<EnvChange> {
    let bad = || {
        Error::invalid(
            format!("invalid --env {text:?}"),
            "use --env CONTAINER:KEY=VALUE, e.g. --env app:LOG_LEVEL=debug",
        )
    };
    let (container, rest) = text.split_once(':').ok_or_else(bad)?;
    let (key, value) = rest.split_once('=').ok_or_else(bad)?;
    if container.is_empty() || key.is_empty() {
        return Err(bad());
    }
    Ok(EnvChange {
        container: container.into(),
        key: key.into(),
        value: value.into(),
    })
}

/// Where a container sits in the template: (`containers` or `initContainers`, index, JSON).
fn find_container<'a>(template: &'a Value, name: &str) -> Option<(&'static str, usize, &'a Value)> {
    for list in ["containers", "initContainers"] {
        if let Some(items) = template["spec"][list].as_array() {
            if let Some((i, c)) = items
                .iter()
                .enumerate()
                .find(|(_, c)| c["name"].as_str() == Some(name))
            {
                return Some((list, i, c));
            }
        }
    }
    None
}

fn unknown_container(template: &Value, name: &str, sts: &str) -> Error {
    let names: Vec<String> = ["containers", "initContainers"]
        .iter()
        .flat_map(|l| template["spec"][l].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    Error::invalid(
        format!("unknown container {name:?} in statefulset {sts:?}"),
        format!("its containers are: {}", names.join(", ")),
    )
}

/// The template changes as patch operations, each guarded by a test of the container's name at
/// its index. Returns no operations when nothing would change.
pub fn template_ops(
    sts: &StatefulSet,
    images: &[ImageChange],
    envs: &[EnvChange],
) -> Result<Vec<Value>> {
    let template = model::sts_template(sts);
    let name = sts.metadata.name.as_deref().unwrap_or("");
    let mut ops = Vec::new();
    for change in images {
        let (list, i, c) = find_container(&template, &change.container)
            .ok_or_else(|| unknown_container(&template, &change.container, name))?;
        if c["image"].as_str() == Some(change.image.as_str()) {
            continue;
        }
        let base = format!("/spec/template/spec/{list}/{i}");
        ops.push(json!({"op": "test", "path": format!("{base}/name"), "value": change.container}));
        ops.push(json!({"op": "add", "path": format!("{base}/image"), "value": change.image}));
    }
    for change in envs {
        let (list, i, c) = find_container(&template, &change.container)
            .ok_or_else(|| unknown_container(&template, &change.container, name))?;
        let base = format!("/spec/template/spec/{list}/{i}");
        let entry = json!({"name": change.key, "value": change.value});
        let test = json!({"op": "test", "path": format!("{base}/name"), "value": change.container});
        match c["env"].as_array() {
            None => {
                ops.push(test);
                ops.push(json!({"op": "add", "path": format!("{base}/env"), "value": [entry]}));
            }
            Some(vars) => match vars
                .iter()
                .position(|v| v["name"].as_str() == Some(change.key.as_str()))
            {
                Some(j) if vars[j] == entry => {}
                Some(j) => {
                    ops.push(test);
                    ops.push(json!({"op": "test", "path": format!("{base}/env/{j}/name"), "value": change.key}));
                    ops.push(
                        json!({"op": "replace", "path": format!("{base}/env/{j}"), "value": entry}),
                    );
                }
                None => {
                    ops.push(test);
                    ops.push(json!({"op": "add", "path": format!("{base}/env/-"), "value": entry}));
                }
            },
        }
    }
    Ok(ops)
}

/// Replaces the whole pod template (undo), guarded by the generation we read.
pub fn template_replace_ops(sts: &StatefulSet, template: &Value) -> Vec<Value> {
    vec![
        test_generation(sts),
        json!({"op": "replace", "path": "/spec/template", "value": template}),
    ]
}

/// Converts operations into the typed patch kube sends.
pub fn to_patch(ops: &[Value]) -> Result<json_patch::Patch> {
    serde_json::from_value(Value::Array(ops.to_vec()))
        .map_err(|e| Error::Other(format!("internal error building a JSON patch: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::model::fixtures::sts;

    fn apply(sts: &StatefulSet, ops: &[Value]) -> std::result::Result<StatefulSet, String> {
        let mut doc = serde_json::to_value(sts).unwrap();
        json_patch::patch(&mut doc, &to_patch(ops).unwrap()).map_err(|e| e.to_string())?;
        Ok(serde_json::from_value(doc).unwrap())
    }

    #[test]
    fn partition_patch_tests_last_seen_value() {
        let s = sts(5, 0, Some(5));
        let done = apply(&s, &partition_ops(&s, 5, 4)).unwrap();
        assert_eq!(model::partition(&done), 4);
        // Someone set it to 2 meanwhile: our test of 5 fails.
        let theirs = apply(&s, &partition_ops(&s, 5, 2)).unwrap();
        assert!(apply(&theirs, &partition_ops(&s, 5, 4)).is_err());
    }

    #[test]
    fn partition_patch_without_rolling_update_block() {
        let s = sts(3, 0, None);
        let done = apply(&s, &partition_ops(&s, 0, 3)).unwrap();
        assert_eq!(model::partition(&done), 3);
    }

    #[test]
    fn image_and_env_changes() {
        let s = sts(3, 0, Some(0));
        let ops = template_ops(
            &s,
            &[parse_image("app=app:2").unwrap()],
            &[parse_env("app:MODE=canary").unwrap()],
        )
        .unwrap();
        let done = apply(&s, &ops).unwrap();
        let c = &done.spec.unwrap().template.spec.unwrap().containers[0];
        assert_eq!(c.image.as_deref(), Some("app:2"));
        assert_eq!(c.env.as_ref().unwrap()[0].value.as_deref(), Some("canary"));
        // Same image again: nothing to do.
        assert!(template_ops(&s, &[parse_image("app=app:1").unwrap()], &[])
            .unwrap()
            .is_empty());
    }

    #[test]
    fn unknown_container_names_the_real_ones() {
        let s = sts(3, 0, Some(0));
        let err = template_ops(&s, &[parse_image("db=x:1").unwrap()], &[]).unwrap_err();
        assert!(err.to_string().contains("unknown container \"db\""));
        assert!(err.hint().unwrap().contains("app"));
        assert!(parse_image("app").is_err());
        assert!(parse_env("app=x").is_err());
    }

    #[test]
    fn annotations_added_and_removed() {
        let s = sts(3, 0, Some(0));
        let ops = annotations_ops(&s, &[("a/b", Some("1")), ("c", Some("2"))]);
        let done = apply(&s, &ops).unwrap();
        assert_eq!(model::annotation(&done, "a/b"), Some("1"));
        let ops = annotations_ops(&done, &[("a/b", None), ("zz", None)]);
        let done = apply(&done, &ops).unwrap();
        assert_eq!(model::annotation(&done, "a/b"), None);
        assert_eq!(model::annotation(&done, "c"), Some("2"));
    }

    #[test]
    fn generation_guard() {
        let s = sts(3, 0, Some(0));
        let mut newer = s.clone();
        newer.metadata.generation = Some(9);
        let ops = template_replace_ops(&s, &model::sts_template(&s));
        assert!(apply(&s, &ops).is_ok());
        assert!(apply(&newer, &ops).is_err());
    }
}

//! Unit tests of the three patch flavours, against upstream's behaviour.

use serde_json::{json, Value};

use super::*;
use crate::machinery::patch::strategic::{
    DELETE_FROM_PRIMITIVE_LIST_PREFIX, DIRECTIVE_MARKER, RETAIN_KEYS_DIRECTIVE,
    SET_ELEMENT_ORDER_PREFIX,
};

fn smp(target: Value, patch: Value) -> Value {
    apply_patch(
        PatchType::StrategicMerge,
        &target,
        patch.to_string().as_bytes(),
    )
    .unwrap()
}

fn no_directives(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().all(|(k, v)| {
            k != DIRECTIVE_MARKER
                && k != RETAIN_KEYS_DIRECTIVE
                && !k.starts_with(SET_ELEMENT_ORDER_PREFIX)
                && !k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
                && no_directives(v)
        }),
        Value::Array(a) => a.iter().all(no_directives),
        _ => true,
    }
}

fn sts() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": "web", "namespace": "default",
            "labels": {"app": "web", "tier": "frontend"},
            "finalizers": ["a", "b"]
        },
        "spec": {
            "replicas": 3,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}],
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"x": "1"}},
                "spec": {
                    "containers": [
                        {
                            "name": "app", "image": "nginx:1.25",
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80, "name": "http"}],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "cfg", "mountPath": "/etc/cfg"}]
                        },
                        {"name": "sidecar", "image": "busybox"}
                    ],
                    "volumes": [{"name": "cfg", "configMap": {"name": "cm"}}],
                    "tolerations": [{"key": "k", "operator": "Exists"}]
                }
            }
        }
    })
}

#[test]
fn content_types() {
    assert_eq!(
        PatchType::from_content_type("application/json-patch+json"),
        Some(PatchType::Json)
    );
    assert_eq!(
        PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
        Some(PatchType::Merge)
    );
    assert_eq!(
        PatchType::from_content_type("Application/Strategic-Merge-Patch+JSON"),
        Some(PatchType::StrategicMerge)
    );
    assert_eq!(
        PatchType::from_content_type("application/apply-patch+yaml"),
        Some(PatchType::Apply)
    );
    assert_eq!(PatchType::from_content_type("application/json"), None);
    for t in [
        PatchType::Json,
        PatchType::Merge,
        PatchType::StrategicMerge,
        PatchType::Apply,
    ] {
        assert_eq!(PatchType::from_content_type(t.content_type()), Some(t));
    }
}

#[test]
fn json_patch_replace_partition() {
    let p =
        br#"[{"op":"replace","path":"/spec/updateStrategy/rollingUpdate/partition","value":2}]"#;
    let out = apply_patch(PatchType::Json, &sts(), p).unwrap();
    assert_eq!(
        out["spec"]["updateStrategy"]["rollingUpdate"]["partition"],
        2
    );
    assert_eq!(out["spec"]["replicas"], 3);
}

#[test]
fn json_patch_test_passes_then_applies() {
    let p = br#"[{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":5}]"#;
    let out = apply_patch(PatchType::Json, &sts(), p).unwrap();
    assert_eq!(out["spec"]["replicas"], 5);
}

#[test]
fn json_patch_test_fails() {
    let p = br#"[{"op":"test","path":"/spec/replicas","value":4},{"op":"replace","path":"/spec/replicas","value":5}]"#;
    let err = apply_patch(PatchType::Json, &sts(), p).unwrap_err();
    assert_eq!(
        err,
        PatchError::TestFailed(
            "the server rejected our request due to an error in our request".into()
        )
    );
    assert_eq!(err.code(), 422);
    assert_eq!(err.reason(), "Invalid");
    assert_eq!(err.message(), INVALID_PATCH_MESSAGE);
}

#[test]
fn json_patch_test_missing_key() {
    // evanphx: a missing key equals null, anything else fails.
    let ok = br#"[{"op":"test","path":"/spec/nope","value":null}]"#;
    assert!(apply_patch(PatchType::Json, &sts(), ok).is_ok());
    let bad = br#"[{"op":"test","path":"/spec/nope","value":1}]"#;
    assert!(matches!(
        apply_patch(PatchType::Json, &sts(), bad),
        Err(PatchError::TestFailed(_))
    ));
    let no_parent = br#"[{"op":"test","path":"/nope/x","value":1}]"#;
    assert!(matches!(
        apply_patch(PatchType::Json, &sts(), no_parent),
        Err(PatchError::TestFailed(_))
    ));
}

#[test]
fn json_patch_errors() {
    let missing = br#"[{"op":"replace","path":"/spec/missing/x","value":1}]"#;
    let err = apply_patch(PatchType::Json, &sts(), missing).unwrap_err();
    assert!(matches!(err, PatchError::TestFailed(_)));
    assert_eq!(err.code(), 422);

    let unknown = br#"[{"op":"frob","path":"/spec"}]"#;
    assert_eq!(
        apply_patch(PatchType::Json, &sts(), unknown).unwrap_err(),
        PatchError::TestFailed(INVALID_PATCH_MESSAGE.into())
    );

    let not_array = br#"{"op":"add"}"#;
    let err = apply_patch(PatchType::Json, &sts(), not_array).unwrap_err();
    assert_eq!(err.code(), 400);
    assert_eq!(err.reason(), "BadRequest");
    assert!(err.message().contains("cannot unmarshal object"));

    let garbage = b"[{";
    assert_eq!(
        apply_patch(PatchType::Json, &sts(), garbage)
            .unwrap_err()
            .code(),
        400
    );
}

#[test]
fn json_patch_add_remove() {
    let p = br#"[{"op":"add","path":"/metadata/labels/new","value":"v"},{"op":"remove","path":"/metadata/labels/tier"},{"op":"add","path":"/metadata/finalizers/-","value":"c"}]"#;
    let out = apply_patch(PatchType::Json, &sts(), p).unwrap();
    assert_eq!(out["metadata"]["labels"], json!({"app": "web", "new": "v"}));
    assert_eq!(out["metadata"]["finalizers"], json!(["a", "b", "c"]));
}

#[test]
fn merge_patch_basics() {
    let p = br#"{"metadata":{"labels":{"tier":null,"new":"v"}},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"only"}]}}}}"#;
    let out = apply_patch(PatchType::Merge, &sts(), p).unwrap();
    assert_eq!(out["metadata"]["labels"], json!({"app": "web", "new": "v"}));
    assert_eq!(out["spec"]["replicas"], 1);
    // RFC 7386 replaces lists wholesale.
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "only"}])
    );
    let err = apply_patch(PatchType::Merge, &sts(), b"{nope").unwrap_err();
    assert_eq!(err.code(), 400);
    assert!(apply_patch(PatchType::Merge, &sts(), b"[1]").is_err());
}

#[test]
fn smp_null_deletes_label() {
    let out = smp(sts(), json!({"metadata": {"labels": {"tier": null}}}));
    assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
    // Deleting an absent key is a no-op.
    let out = smp(sts(), json!({"metadata": {"labels": {"nope": null}}}));
    assert_eq!(out["metadata"]["labels"], sts()["metadata"]["labels"]);
}

#[test]
fn smp_set_image() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"x"}]}}}}),
    );
    let cs = &out["spec"]["template"]["spec"]["containers"];
    assert_eq!(cs.as_array().unwrap().len(), 2);
    assert_eq!(cs[0]["name"], "app");
    assert_eq!(cs[0]["image"], "x");
    assert_eq!(
        cs[0]["env"],
        sts()["spec"]["template"]["spec"]["containers"][0]["env"]
    );
    assert_eq!(cs[1], json!({"name": "sidecar", "image": "busybox"}));
    // Other fields untouched.
    assert_eq!(out["spec"]["replicas"], 3);
}

#[test]
fn smp_env_merge_by_name() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}]}]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}])
    );
}

#[test]
fn smp_env_delete_element_and_value_from() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"A","$patch":"delete"},{"name":"B","value":null,"valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}])
    );
}

#[test]
fn smp_volume_mounts_by_mount_path() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{"containers":[{"name":"app","volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true},{"name":"logs","mountPath":"/logs"}]}]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["volumeMounts"],
        json!([
            {"name":"data","mountPath":"/data","readOnly":true},
            {"name":"logs","mountPath":"/logs"},
            {"name":"cfg","mountPath":"/etc/cfg"}
        ])
    );
}

#[test]
fn smp_delete_container() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}),
    );
    let cs = out["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0]["name"], "app");
    assert!(no_directives(&out));
}

#[test]
fn smp_delete_element_requires_merge_key() {
    let err = apply_patch(
        PatchType::StrategicMerge,
        &sts(),
        br#"{"spec":{"template":{"spec":{"containers":[{"$patch":"delete","image":"x"}]}}}}"#,
    )
    .unwrap_err();
    assert!(err
        .message()
        .contains("does not contain declared merge key: name"));
}

#[test]
fn smp_rollout_undo_replaces_template() {
    let template = json!({
        "metadata": {"labels": {"app": "web", "rev": "1"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.24"}]}
    });
    let mut patch_template = template.clone();
    patch_template["$patch"] = json!("replace");
    let out = smp(sts(), json!({"spec": {"template": patch_template}}));
    assert_eq!(out["spec"]["template"], template);
    assert_eq!(out["spec"]["replicas"], 3);
    assert!(no_directives(&out));
}

#[test]
fn smp_replace_list_directive() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"solo","image":"s"}]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name":"solo","image":"s"}])
    );
}

#[test]
fn smp_delete_map_directive() {
    let out = smp(
        sts(),
        json!({"spec":{"updateStrategy":{"$patch":"delete"}}}),
    );
    // Upstream yields an empty map rather than removing the key.
    assert_eq!(out["spec"]["updateStrategy"], json!({}));
    let out = smp(
        sts(),
        json!({"spec":{"updateStrategy":{"$patch":"merge","type":"OnDelete"}}}),
    );
    assert_eq!(out["spec"]["updateStrategy"]["type"], "OnDelete");
    assert_eq!(
        out["spec"]["updateStrategy"]["rollingUpdate"]["partition"],
        0
    );
    let err = apply_patch(
        PatchType::StrategicMerge,
        &sts(),
        br#"{"spec":{"$patch":"frob"}}"#,
    )
    .unwrap_err();
    assert_eq!(err.code(), 400);
}

#[test]
fn smp_atomic_lists_replaced() {
    let out = smp(
        sts(),
        json!({"spec":{
            "volumeClaimTemplates":[{"metadata":{"name":"other"}}],
            "template":{"spec":{"tolerations":[{"key":"z","operator":"Exists"}]}}
        }}),
    );
    assert_eq!(
        out["spec"]["volumeClaimTemplates"],
        json!([{"metadata":{"name":"other"}}])
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["tolerations"],
        json!([{"key":"z","operator":"Exists"}])
    );
}

#[test]
fn smp_container_ports_vs_service_ports() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":9090,"name":"metrics"}]}]}}}}),
    );
    // Upstream places items that are new to the list before the
    // remaining server-only items (see the kubectl patch docs example).
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["ports"],
        json!([{"containerPort":9090,"name":"metrics"},{"containerPort":80,"name":"http"}])
    );

    let svc = json!({"kind":"Service","spec":{"ports":[{"port":80,"targetPort":8080,"name":"http"},{"port":443,"name":"https"}]}});
    let out = smp(
        svc,
        json!({"spec":{"ports":[{"port":80,"targetPort":9090}]}}),
    );
    assert_eq!(
        out["spec"]["ports"],
        json!([{"port":80,"targetPort":9090,"name":"http"},{"port":443,"name":"https"}])
    );
}

#[test]
fn smp_finalizers_set_and_delete_from_primitive_list() {
    let out = smp(sts(), json!({"metadata":{"finalizers":["b","c"]}}));
    assert_eq!(out["metadata"]["finalizers"], json!(["a", "b", "c"]));
    let out = smp(
        sts(),
        json!({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}),
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
    assert!(no_directives(&out));
}

#[test]
fn smp_owner_references_and_conditions() {
    let obj = json!({
        "metadata":{"ownerReferences":[{"uid":"u1","name":"a"},{"uid":"u2","name":"b"}]},
        "status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Synced","status":"True"}]}
    });
    let out = smp(
        obj,
        json!({
            "metadata":{"ownerReferences":[{"uid":"u2","controller":true}]},
            "status":{"conditions":[{"type":"Ready","status":"True"}]}
        }),
    );
    assert_eq!(
        out["metadata"]["ownerReferences"],
        json!([{"uid":"u1","name":"a"},{"uid":"u2","name":"b","controller":true}])
    );
    assert_eq!(
        out["status"]["conditions"],
        json!([{"type":"Ready","status":"True"},{"type":"Synced","status":"True"}])
    );
}

#[test]
fn smp_set_element_order() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{
            "$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}],
            "containers":[{"name":"app","image":"y"}]
        }}}}),
    );
    let cs = &out["spec"]["template"]["spec"]["containers"];
    assert_eq!(cs[0]["name"], "sidecar");
    assert_eq!(cs[1]["name"], "app");
    assert_eq!(cs[1]["image"], "y");
    assert_eq!(cs[1]["env"][0]["name"], "A");
    assert!(no_directives(&out));
}

#[test]
fn smp_retain_keys() {
    let obj = json!({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}});
    let out = smp(
        obj.clone(),
        json!({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}),
    );
    assert_eq!(out["spec"]["strategy"], json!({"type":"Recreate"}));
    let err = apply_patch(
        PatchType::StrategicMerge,
        &obj,
        br#"{"spec":{"strategy":{"$retainKeys":["type"],"other":1}}}"#,
    )
    .unwrap_err();
    assert_eq!(
        err,
        PatchError::Invalid("invalid patch format of retainKeys".into())
    );
}

#[test]
fn smp_kubectl_apply_second_apply() {
    // What `kubectl apply` sends after changing an image and adding a volume.
    let last = r#"{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web"}}"#;
    let patch = json!({
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": last}},
        "spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
            "containers": [{"image": "nginx:1.26", "name": "app"}],
            "$setElementOrder/volumes": [{"name": "cfg"}, {"name": "extra"}],
            "volumes": [
                {"$retainKeys": ["configMap", "name"], "configMap": {"name": "cm2"}, "name": "cfg"},
                {"emptyDir": {}, "name": "extra"}
            ]
        }}}
    });
    let out = smp(sts(), patch);
    assert_eq!(
        out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
        last
    );
    let spec = &out["spec"]["template"]["spec"];
    assert_eq!(spec["containers"][0]["image"], "nginx:1.26");
    assert_eq!(spec["containers"][1]["name"], "sidecar");
    assert_eq!(
        spec["volumes"],
        json!([{"name":"cfg","configMap":{"name":"cm2"}},{"name":"extra","emptyDir":{}}])
    );
    assert!(no_directives(&out));
}

#[test]
fn smp_kubectl_apply_removes_container_and_env() {
    let patch = json!({"spec":{"template":{"spec":{
        "$setElementOrder/containers":[{"name":"app"}],
        "containers":[
            {"name":"app","$setElementOrder/env":[{"name":"B"}],"env":[{"$patch":"delete","name":"A"}]},
            {"$patch":"delete","name":"sidecar"}
        ]
    }}}});
    let out = smp(sts(), patch);
    let cs = &out["spec"]["template"]["spec"]["containers"];
    assert_eq!(cs.as_array().unwrap().len(), 1);
    assert_eq!(cs[0]["env"], json!([{"name":"B","value":"2"}]));
    assert_eq!(cs[0]["image"], "nginx:1.25");
    assert!(no_directives(&out));
}

#[test]
fn smp_new_nested_values_are_cleaned() {
    // Patch content for absent keys still has its directives resolved.
    let out = smp(
        json!({"metadata":{"name":"x"}}),
        json!({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"i","env":[{"name":"X","$patch":"delete"}]}],"nodeSelector":{"k":null}}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"],
        json!({"containers":[{"name":"a","image":"i","env":[]}],"nodeSelector":{}})
    );
    assert!(no_directives(&out));
}

#[test]
fn smp_order_new_items_after_their_predecessor() {
    let obj = json!({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}});
    let out = smp(
        obj,
        json!({"spec":{"containers":[{"name":"b","x":1},{"name":"d"}]}}),
    );
    let names: Vec<&str> = out["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "d", "c"]);
}

#[test]
fn smp_new_container_goes_first_like_upstream() {
    // The "kubectl patch" task page: adding patch-demo-ctr-2 to a pod
    // template with patch-demo-ctr yields [patch-demo-ctr-2, patch-demo-ctr].
    let obj = json!({"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr","image":"nginx"}]}}}});
    let out = smp(
        obj,
        json!({"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr-2","image":"redis"}]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name":"patch-demo-ctr-2","image":"redis"},{"name":"patch-demo-ctr","image":"nginx"}])
    );
}

#[test]
fn smp_type_change_and_scalars() {
    let out = smp(
        json!({"spec":{"replicas":3,"selector":{"matchLabels":{"a":"b"}}}}),
        json!({"spec":{"replicas":"x","selector":"plain"}}),
    );
    assert_eq!(out["spec"], json!({"replicas":"x","selector":"plain"}));
}

#[test]
fn smp_rejects_non_object_patch() {
    let err = apply_patch(PatchType::StrategicMerge, &sts(), b"[1,2]").unwrap_err();
    assert_eq!(err.code(), 400);
    let err = apply_patch(PatchType::StrategicMerge, &sts(), b"{").unwrap_err();
    assert_eq!(err.code(), 400);
}

#[test]
fn smp_empty_patch_list_keeps_merge_list() {
    let out = smp(
        sts(),
        json!({"spec":{"template":{"spec":{"containers":[]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        sts()["spec"]["template"]["spec"]["containers"]
    );
}

#[test]
fn apply_patch_type_merges_like_smp() {
    let body = json!({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web"},
        "spec":{"replicas":5,"template":{"spec":{"containers":[{"name":"app","image":"z"}]}}}});
    let out = apply_patch(PatchType::Apply, &sts(), body.to_string().as_bytes()).unwrap();
    assert_eq!(out["spec"]["replicas"], 5);
    let cs = out["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0]["image"], "z");
    let err = apply_patch(PatchType::Apply, &sts(), b"a: [").unwrap_err();
    assert_eq!(err.code(), 400);
    assert!(err.message().starts_with("error decoding YAML"));
}

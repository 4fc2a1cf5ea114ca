//! Unit tests of validation: StatefulSet create and update rules, claim resize, pod updates.

use super::*;
use crate::machinery::defaults::apply_defaults;
use crate::machinery::validation::names::{DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG};

fn sts(name: &str) -> Value {
    let mut s = json!({
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        }
    });
    apply_defaults("statefulsets", &mut s);
    s
}

#[test]
fn statefulset_create_ok_and_name_rules() {
    assert!(validate_create("statefulsets", &sts("web")).is_ok());
    let e = validate_create("statefulsets", &sts("Web")).unwrap_err();
    assert_eq!(
        e.message(),
        format!("StatefulSet.apps \"Web\" is invalid: metadata.name: Invalid value: \"Web\": {DNS1123_LABEL_MSG}")
    );
    let mut pod =
        json!({"metadata": {"name": "Web"}, "spec": {"containers": [{"name": "a", "image": "x"}]}});
    apply_defaults("pods", &mut pod);
    let e = validate_create("pods", &pod).unwrap_err();
    assert_eq!(
        e.message(),
        format!("Pod \"Web\" is invalid: metadata.name: Invalid value: \"Web\": {DNS1123_SUBDOMAIN_MSG}")
    );
    assert!(e
        .message()
        .contains("a lowercase RFC 1123 subdomain must consist of"));
}

#[test]
fn statefulset_negative_replicas_partition_and_selector() {
    let mut s = sts("web");
    s["spec"]["replicas"] = json!(-1);
    s["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = json!(-2);
    s["spec"]["selector"] = json!({"matchLabels": {"app": "other"}});
    let e = validate_create("statefulsets", &s).unwrap_err();
    assert_eq!(
        e.message(),
        "StatefulSet.apps \"web\" is invalid: [spec.updateStrategy.rollingUpdate.partition: Invalid value: -2: must be greater than or equal to 0, spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`]"
    );
    assert_eq!(e.code, 422);
    assert_eq!(e.status()["details"]["causes"][1]["field"], "spec.replicas");
}

#[test]
fn statefulset_immutable_spec() {
    let old = sts("web");
    let mut new = old.clone();
    new["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
        json!("2Gi");
    let e = validate_update("statefulsets", &old, &new, &UpdateContext::default()).unwrap_err();
    assert_eq!(
        e.message(),
        "StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    );
    assert_eq!(e.causes[0].reason, "FieldValueForbidden");
    // Allowed changes.
    let mut ok = old.clone();
    ok["spec"]["replicas"] = json!(5);
    ok["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.28");
    ok["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
    ok["spec"]["revisionHistoryLimit"] = json!(3);
    ok["spec"]["minReadySeconds"] = json!(10);
    assert!(validate_update("statefulsets", &old, &ok, &UpdateContext::default()).is_ok());
    let mut bad = old.clone();
    bad["spec"]["serviceName"] = json!("other");
    assert!(validate_update("statefulsets", &old, &bad, &UpdateContext::default()).is_err());
}

fn bound_pvc(size: &str, class: &str) -> Value {
    let mut p = json!({
        "metadata": {"name": "data-web-0", "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}},
                 "storageClassName": class, "volumeName": "pvc-1"},
        "status": {"phase": "Bound", "capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"]}
    });
    apply_defaults("persistentvolumeclaims", &mut p);
    p
}

#[test]
fn pvc_shrink_rejected() {
    let old = bound_pvc("5Gi", "standard");
    let mut new = old.clone();
    new["spec"]["resources"]["requests"]["storage"] = json!("1Gi");
    let e = validate_update(
        "persistentvolumeclaims",
        &old,
        &new,
        &UpdateContext::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.message(),
        "PersistentVolumeClaim \"data-web-0\" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"
    );
}

#[test]
fn pvc_growth_needs_expandable_class() {
    let old = bound_pvc("1Gi", "standard");
    let mut new = old.clone();
    new["spec"]["resources"]["requests"]["storage"] = json!("2Gi");
    let no = UpdateContext {
        storage_class_allows_expansion: Some(false),
    };
    let e = validate_update("persistentvolumeclaims", &old, &new, &no).unwrap_err();
    assert_eq!(e.code, 403);
    assert_eq!(
        e.message(),
        "persistentvolumeclaims \"data-web-0\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"
    );
    assert_eq!(e.status()["reason"], "Forbidden");
    let yes = UpdateContext {
        storage_class_allows_expansion: Some(true),
    };
    assert!(validate_update("persistentvolumeclaims", &old, &new, &yes).is_ok());
    // Other spec fields stay immutable.
    let mut bad = old.clone();
    bad["spec"]["accessModes"] = json!(["ReadWriteMany"]);
    let e = validate_update("persistentvolumeclaims", &old, &bad, &yes).unwrap_err();
    assert!(e.message().starts_with("PersistentVolumeClaim \"data-web-0\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n  core.PersistentVolumeClaimSpec{"));
}

#[test]
fn pod_update_rules() {
    let mut old = json!({"metadata": {"name": "web-0"}, "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}});
    apply_defaults("pods", &mut old);
    let mut img = old.clone();
    img["spec"]["containers"][0]["image"] = json!("nginx:2");
    assert!(validate_update("pods", &old, &img, &UpdateContext::default()).is_ok());
    let mut bad = old.clone();
    bad["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80, "protocol": "TCP"}]);
    let e = validate_update("pods", &old, &bad, &UpdateContext::default()).unwrap_err();
    assert!(e.message().starts_with(&format!(
        "Pod \"web-0\" is invalid: spec: Forbidden: {POD_UPDATE_FORBIDDEN}\n"
    )));
    let mut tol = old.clone();
    tol["spec"]["tolerations"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "x", "operator": "Exists"}));
    assert!(validate_update("pods", &old, &tol, &UpdateContext::default()).is_ok());
}

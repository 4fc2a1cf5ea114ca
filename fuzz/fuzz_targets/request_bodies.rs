//! Request bodies as the simulator reads them: the patch types applied to a StatefulSet, and
//! the schema type check of the result and of the body itself as a create.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use sts_sim::machinery::patch::{apply_patch, PatchType};

fuzz_target!(|data: &[u8]| {
    let sts = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": 3, "serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx",
                    "env": [{"name": "A", "value": "1"}],
                    "ports": [{"name": "http", "containerPort": 80}]}]}}}
    });
    for kind in [
        PatchType::Json,
        PatchType::Merge,
        PatchType::StrategicMerge,
        PatchType::Apply,
    ] {
        if let Ok(patched) = apply_patch(kind, &sts, data) {
            let _ = sts_sim::machinery::typecheck::check_kind_schema("statefulsets", &patched);
        }
    }
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) {
        for plural in ["statefulsets", "pods", "persistentvolumeclaims"] {
            let _ = sts_sim::machinery::typecheck::check_kind_schema(plural, &body);
        }
    }
});

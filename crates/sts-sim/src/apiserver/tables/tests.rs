//! Unit tests of the Table columns and cells per kind.

use jiff::Timestamp;
use serde_json::{json, Value};

use super::*;

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

#[test]
fn human_durations() {
    assert_eq!(human_duration(31), "31s");
    assert_eq!(human_duration(119), "119s");
    assert_eq!(human_duration(8 * 60 + 25), "8m25s");
    assert_eq!(human_duration(42 * 60 + 10), "42m");
    assert_eq!(human_duration(5 * 3600 + 7 * 60), "5h7m");
    assert_eq!(human_duration(4 * 86400 + 19 * 3600), "4d19h");
    assert_eq!(human_duration(11 * 86400 + 3600), "11d");
    assert_eq!(human_duration(-5), "<invalid>");
}

#[test]
fn running_pod_row() {
    let pod = json!({
        "metadata": {"name": "web-0", "namespace": "default", "creationTimestamp": "2026-03-01T11:51:35Z"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}], "nodeName": "node-1"},
        "status": {"phase": "Running", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-03-01T11:51:40Z"}}}]}
    });
    let t = to_table(
        "pods",
        &[pod],
        now(),
        IncludeObject::Metadata,
        &json!({"resourceVersion": "42"}),
    );
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["metadata"]["resourceVersion"], "42");
    assert_eq!(t["columnDefinitions"].as_array().unwrap().len(), 9);
    assert_eq!(t["columnDefinitions"][5]["priority"], 1);
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "web-0",
            "1/1",
            "Running",
            "0",
            "8m25s",
            "10.244.0.5",
            "node-1",
            "<none>",
            "<none>"
        ])
    );
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(t["rows"][0]["object"]["metadata"]["name"], "web-0");
}

#[test]
fn terminating_pod_row() {
    let pod = json!({
        "metadata": {"name": "web-1", "creationTimestamp": "2026-02-24T17:00:00Z",
                     "deletionTimestamp": "2026-03-01T11:59:50Z"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": true,
            "state": {"running": {}}}]}
    });
    let cells = row_cells("pods", &pod, now());
    assert_eq!(cells[1], "1/1");
    assert_eq!(cells[2], "Terminating");
    assert_eq!(cells[4], "4d19h");
    assert_eq!(cells[5], "<none>");
}

#[test]
fn crashloop_pod_row() {
    let pod = json!({
        "metadata": {"name": "web-2", "creationTimestamp": "2026-02-18T12:00:00Z"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": false,
            "restartCount": 8,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastTerminationState": {"terminated": {"exitCode": 1, "reason": "Error",
                "finishedAt": "2026-03-01T11:11:00Z"}}}]}
    });
    let cells = row_cells("pods", &pod, now());
    assert_eq!(
        cells[..5],
        [
            json!("web-2"),
            json!("0/1"),
            json!("CrashLoopBackOff"),
            json!("8 (49m ago)"),
            json!("11d")
        ]
    );
    let done = json!({"metadata": {"name": "j"}, "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Succeeded", "containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
    let t = to_table("pods", &[done], now(), IncludeObject::None, &json!({}));
    assert_eq!(t["rows"][0]["cells"][2], "Completed");
    assert_eq!(t["rows"][0]["conditions"][0]["reason"], "Succeeded");
    assert_eq!(t["rows"][0]["object"], Value::Null);
}

#[test]
fn bound_pvc_row() {
    let pvc = json!({
        "metadata": {"name": "data-web-0", "creationTimestamp": "2026-03-01T11:59:29Z"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                 "storageClassName": "standard", "volumeName": "pvc-1234", "volumeMode": "Filesystem"},
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1024Mi"}}
    });
    assert_eq!(
        row_cells("persistentvolumeclaims", &pvc, now()),
        vec![
            json!("data-web-0"),
            json!("Bound"),
            json!("pvc-1234"),
            json!("1Gi"),
            json!("RWO"),
            json!("standard"),
            json!("<unset>"),
            json!("31s"),
            json!("Filesystem")
        ]
    );
    let pending = json!({"metadata": {"name": "p"}, "spec": {}, "status": {"phase": "Pending"}});
    let cells = row_cells("persistentvolumeclaims", &pending, now());
    assert_eq!(cells[3], "");
    assert_eq!(cells[7], "<unknown>");
}

#[test]
fn load_balancer_service_row() {
    let svc = json!({
        "metadata": {"name": "web", "creationTimestamp": "2026-03-01T11:18:00Z"},
        "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"],
                 "ports": [{"port": 8080, "nodePort": 30967, "protocol": "TCP"}],
                 "selector": {"app": "web"}},
        "status": {"loadBalancer": {}}
    });
    assert_eq!(
        row_cells("services", &svc, now()),
        vec![
            json!("web"),
            json!("LoadBalancer"),
            json!("10.96.0.20"),
            json!("<pending>"),
            json!("8080:30967/TCP"),
            json!("42m"),
            json!("app=web")
        ]
    );
    let headless = json!({"metadata": {"name": "h"}, "spec": {"clusterIP": "None", "clusterIPs": ["None"], "ports": [{"port": 80, "protocol": "TCP"}]}});
    let cells = row_cells("services", &headless, now());
    assert_eq!(cells[1], "ClusterIP");
    assert_eq!(cells[2], "None");
    assert_eq!(cells[3], "<none>");
    assert_eq!(cells[6], "<none>");
}

#[test]
fn other_rows() {
    let sts = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3,
        "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1"}, {"name": "side", "image": "busybox"}]}}},
        "status": {"readyReplicas": 2}});
    assert_eq!(
        row_cells("statefulsets", &sts, now())[..2],
        [json!("web"), json!("2/3")]
    );
    assert_eq!(row_cells("statefulsets", &sts, now())[3], "app,side");
    let cr = json!({"metadata": {"name": "web-7c6d8f9b5", "ownerReferences": [{"apiVersion": "apps/v1",
        "kind": "StatefulSet", "name": "web", "controller": true}]}, "revision": 2});
    assert_eq!(
        row_cells("controllerrevisions", &cr, now())[..3],
        [
            json!("web-7c6d8f9b5"),
            json!("statefulset.apps/web"),
            json!(2)
        ]
    );
    let pv = json!({"metadata": {"name": "pvc-1"}, "spec": {"capacity": {"storage": "5Gi"},
        "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete",
        "claimRef": {"namespace": "default", "name": "data-web-0"}, "storageClassName": "standard",
        "volumeMode": "Filesystem"}, "status": {"phase": "Bound"}});
    assert_eq!(
        row_cells("persistentvolumes", &pv, now()),
        vec![
            json!("pvc-1"),
            json!("5Gi"),
            json!("RWO"),
            json!("Delete"),
            json!("Bound"),
            json!("default/data-web-0"),
            json!("standard"),
            json!("<unset>"),
            json!(""),
            json!("<unknown>"),
            json!("Filesystem")
        ]
    );
    let sc = json!({"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "allowVolumeExpansion": true});
    assert_eq!(
        row_cells("storageclasses", &sc, now())[..5],
        [
            json!("standard (default)"),
            json!("rancher.io/local-path"),
            json!("Delete"),
            json!("Immediate"),
            json!(true)
        ]
    );
    let ev = json!({"metadata": {"name": "web-0.1"}, "type": "Normal", "reason": "Scheduled",
        "involvedObject": {"kind": "Pod", "name": "web-0"}, "message": "ok ",
        "lastTimestamp": "2026-03-01T11:59:00Z", "firstTimestamp": "2026-03-01T11:58:00Z",
        "source": {"component": "default-scheduler"}});
    assert_eq!(
        row_cells("events", &ev, now()),
        vec![
            json!("60s"),
            json!("Normal"),
            json!("Scheduled"),
            json!("pod/web-0"),
            json!(""),
            json!("default-scheduler"),
            json!("ok"),
            json!("2m"),
            json!(1),
            json!("web-0.1")
        ]
    );
    let ep = json!({"metadata": {"name": "web"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"},
        {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}], "ports": [{"port": 80}]}]});
    assert_eq!(
        row_cells("endpoints", &ep, now())[1],
        "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."
    );
    let node = json!({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.36.0"}}});
    assert_eq!(
        row_cells("nodes", &node, now())[..5],
        [
            json!("n1"),
            json!("Ready"),
            json!("control-plane"),
            json!("<unknown>"),
            json!("v1.36.0")
        ]
    );
    let ns = json!({"metadata": {"name": "default"}, "status": {"phase": "Active"}});
    assert_eq!(row_cells("namespaces", &ns, now())[1], "Active");
    let other = json!({"metadata": {"name": "x", "creationTimestamp": "2026-03-01T11:59:00Z"}});
    assert_eq!(
        row_cells("leases", &other, now()),
        vec![json!("x"), json!("60s")]
    );
    let full = to_table(
        "leases",
        std::slice::from_ref(&other),
        now(),
        IncludeObject::Object,
        &json!({}),
    );
    assert_eq!(full["rows"][0]["object"], other);
    assert_eq!(IncludeObject::from_query(None), IncludeObject::Metadata);
    assert_eq!(
        IncludeObject::from_query(Some("Object")),
        IncludeObject::Object
    );
}

//! What the API server fills in before it stores an object.
//!
//! Mirrors upstream `pkg/apis/apps/v1/defaults.go`, `pkg/apis/core/v1/defaults.go`,
//! `pkg/apis/storage/v1/defaults.go` and their generated declarative defaults, plus the few
//! visible effects of the typed Go round trip every stored object goes through (empty
//! `omitempty` values disappear, `resources: {}` always appears on containers, resource
//! quantities are written in canonical form). The StatefulSet revision hash is computed over
//! the defaulted template, so these rules decide whether a StatefulSet created with
//! `kubectl create -f` gets the same revision name as on a real cluster.
//!
//! Server-allocated values that need state (ClusterIP, NodePort) are not filled in here;
//! [`allocate_cluster_ip`] and [`allocate_node_port`] turn a counter into an address/port.
//! Admission-plugin effects on pods that need no state are applied (priority 0,
//! `preemptionPolicy`, service account `default`, the two default NoExecute tolerations);
//! the service-account token volume is not.

use serde_json::{json, Map, Value};

/// Applies the API server's defaults for an object of the given resource (plural, lowercase).
/// Unknown resources are left untouched.
pub fn apply_defaults(resource_plural: &str, obj: &mut Value) {
    if !obj.is_object() {
        return;
    }
    match resource_plural {
        "statefulsets" => default_statefulset(obj),
        "deployments" => default_deployment(obj),
        "replicasets" | "daemonsets" | "replicationcontrollers" => {
            if resource_plural != "daemonsets" {
                ensure(obj, &["spec"], "replicas", json!(1));
            }
            if let Some(t) = obj.pointer_mut("/spec/template") {
                default_pod_template(t);
            }
        }
        "jobs" => {
            if let Some(t) = obj.pointer_mut("/spec/template") {
                default_pod_template(t);
            }
        }
        "podtemplates" => {
            if let Some(t) = obj.get_mut("template") {
                default_pod_template(t);
            }
        }
        "pods" => default_pod(obj),
        "services" => default_service(obj),
        "persistentvolumeclaims" => default_pvc(obj),
        "persistentvolumes" => default_pv(obj),
        "namespaces" => default_namespace(obj),
        "endpoints" => {
            if let Some(subsets) = obj.get_mut("subsets").and_then(Value::as_array_mut) {
                for ss in subsets {
                    for p in array_items(ss, "ports") {
                        ensure_str(p, "protocol", "TCP");
                    }
                }
            }
        }
        "storageclasses" => {
            ensure_str(obj, "reclaimPolicy", "Delete");
            ensure_str(obj, "volumeBindingMode", "Immediate");
        }
        other => crate::machinery::kinds::apply_defaults(other, obj),
    }
}

/// `<n>`-th ClusterIP out of the default service range 10.96.0.0/12 (n = 0 gives 10.96.0.1,
/// the address of the `kubernetes` service; n = 9 gives 10.96.0.10).
pub fn allocate_cluster_ip(n: u32) -> String {
    const BASE: u32 = (10 << 24) | (96 << 16);
    const SIZE: u32 = (1 << 20) - 2;
    let ip = BASE + 1 + (n % SIZE);
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 0xff,
        (ip >> 8) & 0xff,
        ip & 0xff
    )
}

/// `<n>`-th NodePort out of the default range 30000-32767.
pub fn allocate_node_port(n: u32) -> u16 {
    (30000 + (n % 2768)) as u16
}

/// The default `imagePullPolicy` for an image: `Always` for the tag `latest` or no tag and no
/// digest, `IfNotPresent` otherwise (upstream `SetDefaults_Container`).
pub fn default_pull_policy(image: &str) -> &'static str {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    match tag {
        Some("latest") => "Always",
        Some(_) => "IfNotPresent",
        None if digest => "IfNotPresent",
        None => "Always",
    }
}

fn default_statefulset(obj: &mut Value) {
    let spec = child_obj(obj, "spec");
    ensure_str(spec, "podManagementPolicy", "OrderedReady");
    let us = child_obj(spec, "updateStrategy");
    if us
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        us["type"] = json!("RollingUpdate");
        if us.get("rollingUpdate").is_none_or(Value::is_null) {
            us["rollingUpdate"] = json!({});
        }
    }
    if us["type"] == "RollingUpdate" {
        if let Some(ru) = us.get_mut("rollingUpdate").filter(|r| r.is_object()) {
            ensure(ru, &[], "partition", json!(0));
        }
    }
    let policy = child_obj(spec, "persistentVolumeClaimRetentionPolicy");
    ensure_str(policy, "whenDeleted", "Retain");
    ensure_str(policy, "whenScaled", "Retain");
    ensure(spec, &[], "replicas", json!(1));
    ensure(spec, &[], "revisionHistoryLimit", json!(10));
    ensure(spec, &[], "serviceName", json!(""));
    if let Some(t) = spec.get_mut("template") {
        default_pod_template(t);
    }
    for vct in array_items(spec, "volumeClaimTemplates") {
        ensure_str(vct, "apiVersion", "v1");
        ensure_str(vct, "kind", "PersistentVolumeClaim");
        default_pvc(vct);
    }
}

fn default_deployment(obj: &mut Value) {
    let spec = child_obj(obj, "spec");
    ensure(spec, &[], "replicas", json!(1));
    let strategy = child_obj(spec, "strategy");
    ensure_str(strategy, "type", "RollingUpdate");
    if strategy["type"] == "RollingUpdate" {
        let ru = child_obj(strategy, "rollingUpdate");
        ensure(ru, &[], "maxUnavailable", json!("25%"));
        ensure(ru, &[], "maxSurge", json!("25%"));
    }
    ensure(spec, &[], "revisionHistoryLimit", json!(10));
    ensure(spec, &[], "progressDeadlineSeconds", json!(600));
    if let Some(t) = spec.get_mut("template") {
        default_pod_template(t);
    }
}

/// Defaults of a `PodTemplateSpec` (metadata kept, `SetDefaults_PodSpec` and friends on spec).
pub fn default_pod_template(template: &mut Value) {
    if !template.is_object() {
        return;
    }
    child_obj(template, "metadata");
    default_pod_spec(child_obj(template, "spec"));
    go_roundtrip_prune(template);
}

/// `SetDefaults_PodSpec` plus the container, probe, port and volume defaults of a pod spec.
pub fn default_pod_spec(spec: &mut Value) {
    ensure_str(spec, "dnsPolicy", "ClusterFirst");
    ensure_str(spec, "restartPolicy", "Always");
    if spec.get("securityContext").is_none_or(Value::is_null) {
        spec["securityContext"] = json!({});
    }
    ensure(spec, &[], "terminationGracePeriodSeconds", json!(30));
    ensure_str(spec, "schedulerName", "default-scheduler");
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        for c in array_items(spec, key) {
            default_container(c);
        }
    }
    for v in array_items(spec, "volumes") {
        default_volume(v);
    }
}

fn default_container(c: &mut Value) {
    if !c.is_object() {
        return;
    }
    if c.get("imagePullPolicy")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        c["imagePullPolicy"] = json!(default_pull_policy(image));
    }
    ensure_str(c, "terminationMessagePath", "/dev/termination-log");
    ensure_str(c, "terminationMessagePolicy", "File");
    for p in array_items(c, "ports") {
        ensure_str(p, "protocol", "TCP");
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(probe).filter(|p| p.is_object()) {
            for (k, d) in [
                ("timeoutSeconds", 1),
                ("periodSeconds", 10),
                ("successThreshold", 1),
                ("failureThreshold", 3),
            ] {
                if p.get(k).and_then(Value::as_i64).unwrap_or(0) == 0 {
                    p[k] = json!(d);
                }
            }
            default_handler(p);
        }
    }
    if let Some(lc) = c.get_mut("lifecycle").filter(|l| l.is_object()) {
        for h in ["postStart", "preStop"] {
            if let Some(h) = lc.get_mut(h).filter(|h| h.is_object()) {
                default_handler(h);
            }
        }
    }
    for e in array_items(c, "env") {
        if let Some(fr) = e.pointer_mut("/valueFrom/fieldRef") {
            ensure_str(fr, "apiVersion", "v1");
        }
    }
    if c.get("resources").is_none_or(Value::is_null) {
        c["resources"] = json!({});
    }
    if let Some(res) = c.get_mut("resources") {
        canonicalize_resource_lists(res);
    }
}

fn default_handler(h: &mut Value) {
    if let Some(g) = h.get_mut("httpGet").filter(|g| g.is_object()) {
        ensure_str(g, "path", "/");
        ensure_str(g, "scheme", "HTTP");
    }
    if let Some(g) = h.get_mut("grpc").filter(|g| g.is_object()) {
        ensure(g, &[], "service", json!(""));
    }
}

const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

fn default_volume(v: &mut Value) {
    let Some(m) = v.as_object_mut() else { return };
    if !VOLUME_SOURCES
        .iter()
        .any(|s| m.get(*s).is_some_and(|x| !x.is_null()))
    {
        m.insert("emptyDir".into(), json!({}));
    }
    for src in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(s) = m.get_mut(src).filter(|s| s.is_object()) {
            ensure(s, &[], "defaultMode", json!(420));
        }
    }
    if let Some(hp) = m.get_mut("hostPath").filter(|s| s.is_object()) {
        ensure(hp, &[], "type", json!(""));
    }
    if let Some(items) = m
        .get_mut("downwardAPI")
        .and_then(|d| d.get_mut("items"))
        .and_then(Value::as_array_mut)
    {
        for it in items {
            if let Some(fr) = it.get_mut("fieldRef") {
                ensure_str(fr, "apiVersion", "v1");
            }
        }
    }
    if let Some(sources) = m
        .get_mut("projected")
        .and_then(|p| p.get_mut("sources"))
        .and_then(Value::as_array_mut)
    {
        for s in sources {
            if let Some(t) = s.get_mut("serviceAccountToken").filter(|t| t.is_object()) {
                ensure(t, &[], "expirationSeconds", json!(3600));
            }
            if let Some(items) = s
                .get_mut("downwardAPI")
                .and_then(|d| d.get_mut("items"))
                .and_then(Value::as_array_mut)
            {
                for it in items {
                    if let Some(fr) = it.get_mut("fieldRef") {
                        ensure_str(fr, "apiVersion", "v1");
                    }
                }
            }
        }
    }
    if let Some(pvc) = m
        .get_mut("ephemeral")
        .and_then(|e| e.get_mut("volumeClaimTemplate"))
    {
        if let Some(spec) = pvc.get_mut("spec").filter(|s| s.is_object()) {
            ensure_str(spec, "volumeMode", "Filesystem");
        }
    }
    if let Some(img) = m.get_mut("image").filter(|s| s.is_object()) {
        if img
            .get("pullPolicy")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            let r = img.get("reference").and_then(Value::as_str).unwrap_or("");
            let p = default_pull_policy(r);
            img["pullPolicy"] = json!(p);
        }
    }
}

fn default_pod(obj: &mut Value) {
    let spec = child_obj(obj, "spec");
    default_pod_spec(spec);
    // SetDefaults_Pod: requests default to limits.
    for key in ["containers", "initContainers"] {
        for c in array_items(spec, key) {
            let limits = c
                .pointer("/resources/limits")
                .and_then(Value::as_object)
                .cloned();
            if let Some(limits) = limits {
                let res = child_obj(c, "resources");
                let req = child_obj(res, "requests");
                for (k, v) in limits {
                    if req.get(&k).is_none() {
                        req[k] = v;
                    }
                }
            }
        }
    }
    ensure(spec, &[], "enableServiceLinks", json!(true));
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for key in ["containers", "initContainers"] {
            for c in array_items(spec, key) {
                for p in array_items(c, "ports") {
                    if p.get("hostPort").and_then(Value::as_i64).unwrap_or(0) == 0 {
                        p["hostPort"] = p.get("containerPort").cloned().unwrap_or(json!(0));
                    }
                }
            }
        }
    }
    // Admission plugins (ServiceAccount, Priority, DefaultTolerationSeconds).
    if spec
        .get("serviceAccountName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        let sa = spec
            .get("serviceAccount")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
            .to_string();
        spec["serviceAccountName"] = json!(sa);
    }
    let sa = spec["serviceAccountName"].clone();
    ensure(spec, &[], "serviceAccount", sa);
    if spec
        .get("priorityClassName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        ensure(spec, &[], "priority", json!(0));
        ensure_str(spec, "preemptionPolicy", "PreemptLowerPriority");
    }
    if !spec.get("tolerations").is_some_and(Value::is_array) {
        spec["tolerations"] = json!([]);
    }
    if let Some(tols) = spec.get_mut("tolerations").and_then(Value::as_array_mut) {
        for key in [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ] {
            let has = tols.iter().any(|t| {
                let k = t.get("key").and_then(Value::as_str).unwrap_or("");
                let e = t.get("effect").and_then(Value::as_str).unwrap_or("");
                (k == key || k.is_empty()) && (e.is_empty() || e == "NoExecute")
            });
            if !has {
                tols.push(json!({
                    "effect": "NoExecute",
                    "key": key,
                    "operator": "Exists",
                    "tolerationSeconds": 300,
                }));
            }
        }
    }
    go_roundtrip_prune(spec);
    let qos = pod_qos_class(&obj["spec"]);
    let status = child_obj(obj, "status");
    ensure_str(status, "phase", "Pending");
    ensure_str(status, "qosClass", qos);
}

/// The pod's QoS class (`Guaranteed`, `Burstable` or `BestEffort`), as upstream
/// `qos.GetPodQOS` would compute it for cpu and memory.
pub fn pod_qos_class(pod_spec: &Value) -> &'static str {
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| pod_spec.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let req = c.pointer("/resources/requests").and_then(Value::as_object);
        let lim = c.pointer("/resources/limits").and_then(Value::as_object);
        for r in ["cpu", "memory"] {
            let rq = req.and_then(|m| m.get(r)).and_then(Value::as_str);
            let lm = lim.and_then(|m| m.get(r)).and_then(Value::as_str);
            if rq.is_some() || lm.is_some() {
                any = true;
            }
            let q = |s: Option<&str>| {
                s.and_then(|s| crate::machinery::quantity::parse_quantity_milli(s).ok())
            };
            match (q(rq), q(lm)) {
                (Some(a), Some(b)) if a == b => {}
                (None, Some(_)) => {}
                _ => guaranteed = false,
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn default_service(obj: &mut Value) {
    let spec = child_obj(obj, "spec");
    ensure_str(spec, "sessionAffinity", "None");
    match spec["sessionAffinity"].as_str() {
        Some("None") => {
            if let Some(m) = spec.as_object_mut() {
                m.remove("sessionAffinityConfig");
            }
        }
        Some("ClientIP")
            if spec
                .pointer("/sessionAffinityConfig/clientIP/timeoutSeconds")
                .is_none() =>
        {
            spec["sessionAffinityConfig"] = json!({"clientIP": {"timeoutSeconds": 10800}});
        }
        _ => {}
    }
    ensure_str(spec, "type", "ClusterIP");
    for p in array_items(spec, "ports") {
        ensure_str(p, "protocol", "TCP");
        let tp = p.get("targetPort");
        let unset = match tp {
            None | Some(Value::Null) => true,
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if unset {
            p["targetPort"] = p.get("port").cloned().unwrap_or(json!(0));
        }
    }
    let ty = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
    let external = ty == "NodePort"
        || ty == "LoadBalancer"
        || spec
            .get("externalIPs")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
    if external {
        ensure_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(ty.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP") {
        ensure_str(spec, "internalTrafficPolicy", "Cluster");
    }
    if ty == "LoadBalancer" {
        ensure(spec, &[], "allocateLoadBalancerNodePorts", json!(true));
    }
    if ty != "ExternalName" {
        // Set by the service registry on create (single-stack IPv4 cluster).
        if let Some(ip) = spec.get("clusterIP").and_then(Value::as_str) {
            if !ip.is_empty() && spec.get("clusterIPs").is_none_or(Value::is_null) {
                spec["clusterIPs"] = json!([ip]);
            }
        }
        ensure(spec, &[], "ipFamilies", json!(["IPv4"]));
        ensure_str(spec, "ipFamilyPolicy", "SingleStack");
    }
    let status = child_obj(obj, "status");
    ensure(status, &[], "loadBalancer", json!({}));
}

fn default_pvc(obj: &mut Value) {
    let spec = child_obj(obj, "spec");
    ensure_str(spec, "volumeMode", "Filesystem");
    if spec.get("resources").is_none_or(Value::is_null) {
        spec["resources"] = json!({});
    }
    if let Some(r) = spec.get_mut("resources") {
        canonicalize_resource_lists(r);
    }
    let status = child_obj(obj, "status");
    ensure_str(status, "phase", "Pending");
    if let Some(c) = status.get_mut("capacity") {
        canonicalize_map(c);
    }
}

fn default_pv(obj: &mut Value) {
    let spec = child_obj(obj, "spec");
    ensure_str(spec, "persistentVolumeReclaimPolicy", "Retain");
    ensure_str(spec, "volumeMode", "Filesystem");
    if let Some(c) = spec.get_mut("capacity") {
        canonicalize_map(c);
    }
    if let Some(hp) = spec.get_mut("hostPath").filter(|s| s.is_object()) {
        ensure(hp, &[], "type", json!(""));
    }
    let status = child_obj(obj, "status");
    ensure_str(status, "phase", "Pending");
}

fn default_namespace(obj: &mut Value) {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !name.is_empty() {
        let meta = child_obj(obj, "metadata");
        let labels = child_obj(meta, "labels");
        labels["kubernetes.io/metadata.name"] = json!(name);
    }
    let spec = child_obj(obj, "spec");
    if spec
        .get("finalizers")
        .and_then(Value::as_array)
        .is_none_or(|a| a.is_empty())
    {
        spec["finalizers"] = json!(["kubernetes"]);
    }
    let status = child_obj(obj, "status");
    ensure_str(status, "phase", "Active");
}

fn canonicalize_resource_lists(res: &mut Value) {
    for k in ["requests", "limits"] {
        if let Some(m) = res.get_mut(k) {
            canonicalize_map(m);
        }
    }
}

fn canonicalize_map(m: &mut Value) {
    if let Some(m) = m.as_object_mut() {
        for v in m.values_mut() {
            let canon = match v {
                Value::String(s) => crate::machinery::quantity::canonical_quantity(s),
                Value::Number(n) => crate::machinery::quantity::canonical_quantity(&n.to_string()),
                _ => None,
            };
            if let Some(c) = canon {
                *v = Value::String(c);
            }
        }
    }
}

/// Keys whose empty-string value Go still writes (no `omitempty`).
const KEEP_EMPTY_STRING: &[&str] = &[
    "name",
    "mountPath",
    "key",
    "path",
    "operator",
    "fieldPath",
    "topologyKey",
    "service",
    "type",
    "serviceName",
];
/// Plain `bool` fields with `omitempty` inside pod specs: `false` is not written.
const OMIT_FALSE: &[&str] = &[
    "stdin",
    "stdinOnce",
    "tty",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "readOnly",
];
/// Plain `int32` fields with `omitempty` inside pod specs: `0` is not written.
const OMIT_ZERO: &[&str] = &[
    "hostPort",
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
];
/// Arrays Go always writes even when empty.
const KEEP_EMPTY_ARRAY: &[&str] = &["containers"];
/// Map-typed (`omitempty`) fields: an empty map is not written.
const MAP_FIELDS: &[&str] = &[
    "labels",
    "annotations",
    "nodeSelector",
    "matchLabels",
    "requests",
    "limits",
    "data",
    "binaryData",
    "parameters",
    "capacity",
    "allocatable",
    "overhead",
    "volumeAttributes",
];

/// Drops what Go's typed JSON round trip would drop (nulls, empty `omitempty` strings,
/// arrays and maps, `false`/`0` of plain omitempty fields) and adds what it always writes
/// (`resources: {}` on every container). Idempotent.
pub fn go_roundtrip_prune(v: &mut Value) {
    match v {
        Value::Object(m) => prune_map(m),
        Value::Array(a) => a.iter_mut().for_each(go_roundtrip_prune),
        _ => {}
    }
}

fn prune_map(m: &mut Map<String, Value>) {
    for (k, v) in m.iter_mut() {
        go_roundtrip_prune(v);
        if matches!(
            k.as_str(),
            "containers" | "initContainers" | "ephemeralContainers"
        ) {
            if let Some(a) = v.as_array_mut() {
                for c in a.iter_mut().filter_map(Value::as_object_mut) {
                    c.entry("resources").or_insert_with(|| json!({}));
                }
            }
        }
    }
    m.retain(|k, v| match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty() || KEEP_EMPTY_STRING.contains(&k.as_str()),
        Value::Array(a) => !a.is_empty() || KEEP_EMPTY_ARRAY.contains(&k.as_str()),
        Value::Object(o) => !o.is_empty() || !MAP_FIELDS.contains(&k.as_str()),
        Value::Bool(b) => *b || !OMIT_FALSE.contains(&k.as_str()),
        Value::Number(n) => n.as_f64() != Some(0.0) || !OMIT_ZERO.contains(&k.as_str()),
    });
}

fn child_obj<'a>(v: &'a mut Value, key: &str) -> &'a mut Value {
    if !v.is_object() {
        *v = json!({});
    }
    let m = v.as_object_mut().expect("object");
    let e = m.entry(key.to_string()).or_insert_with(|| json!({}));
    if !e.is_object() {
        *e = json!({});
    }
    e
}

fn ensure(v: &mut Value, path: &[&str], key: &str, default: Value) {
    let mut cur = v;
    for p in path {
        cur = child_obj(cur, p);
    }
    if let Some(m) = cur.as_object_mut() {
        if m.get(key).is_none_or(Value::is_null) {
            m.insert(key.to_string(), default);
        }
    }
}

fn ensure_str(v: &mut Value, key: &str, default: &str) {
    if let Some(m) = v.as_object_mut() {
        let empty = match m.get(key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if empty {
            m.insert(key.to_string(), Value::String(default.to_string()));
        }
    }
}

fn array_items<'a>(v: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flat_map(|a| a.iter_mut())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statefulset_defaults() {
        let mut sts = json!({
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                        "ports": [{"containerPort": 80}],
                        "readinessProbe": {"httpGet": {"port": 80}},
                        "resources": {"requests": {"cpu": "0.5", "memory": "1024Mi"}}}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
            }
        });
        apply_defaults("statefulsets", &mut sts);
        let s = &sts["spec"];
        assert_eq!(s["replicas"], 1);
        assert_eq!(s["revisionHistoryLimit"], 10);
        assert_eq!(s["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            s["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(
            s["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        let ps = &s["template"]["spec"];
        assert_eq!(ps["restartPolicy"], "Always");
        assert_eq!(ps["dnsPolicy"], "ClusterFirst");
        assert_eq!(ps["schedulerName"], "default-scheduler");
        assert_eq!(ps["terminationGracePeriodSeconds"], 30);
        assert_eq!(ps["securityContext"], json!({}));
        let c = &ps["containers"][0];
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
        assert_eq!(c["terminationMessagePolicy"], "File");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(
            c["readinessProbe"],
            json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                   "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
        );
        assert_eq!(
            c["resources"]["requests"],
            json!({"cpu": "500m", "memory": "1Gi"})
        );
        let vct = &s["volumeClaimTemplates"][0];
        assert_eq!(vct["apiVersion"], "v1");
        assert_eq!(vct["kind"], "PersistentVolumeClaim");
        assert_eq!(vct["spec"]["volumeMode"], "Filesystem");
        assert_eq!(vct["status"]["phase"], "Pending");
    }

    #[test]
    fn explicit_rolling_update_without_block_stays_without() {
        let mut sts = json!({"spec": {"updateStrategy": {"type": "RollingUpdate"}, "template": {"spec": {"containers": []}}}});
        apply_defaults("statefulsets", &mut sts);
        assert_eq!(
            sts["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate"})
        );
        let mut sts = json!({"spec": {"updateStrategy": {"type": "OnDelete"}}});
        apply_defaults("statefulsets", &mut sts);
        assert_eq!(sts["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
    }

    #[test]
    fn pull_policy() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.2"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/nginx"), "Always");
        assert_eq!(default_pull_policy("nginx@sha256:abcd"), "IfNotPresent");
    }

    #[test]
    fn pod_service_pvc_pv_namespace_defaults() {
        let mut pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "busybox",
            "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}});
        apply_defaults("pods", &mut pod);
        assert_eq!(pod["spec"]["enableServiceLinks"], true);
        assert_eq!(
            pod["spec"]["containers"][0]["resources"]["requests"]["cpu"],
            "1"
        );
        assert_eq!(pod["status"]["phase"], "Pending");
        assert_eq!(pod["status"]["qosClass"], "Guaranteed");
        assert_eq!(pod["spec"]["serviceAccountName"], "default");
        assert_eq!(pod["spec"]["tolerations"].as_array().unwrap().len(), 2);

        let mut svc = json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 8080}], "clusterIP": "10.96.0.12"}});
        apply_defaults("services", &mut svc);
        let s = &svc["spec"];
        assert_eq!(s["sessionAffinity"], "None");
        assert_eq!(s["ports"][0]["protocol"], "TCP");
        assert_eq!(s["ports"][0]["targetPort"], 8080);
        assert_eq!(s["externalTrafficPolicy"], "Cluster");
        assert_eq!(s["internalTrafficPolicy"], "Cluster");
        assert_eq!(s["allocateLoadBalancerNodePorts"], true);
        assert_eq!(s["clusterIPs"], json!(["10.96.0.12"]));
        assert_eq!(s["ipFamilies"], json!(["IPv4"]));

        let mut pvc = json!({"spec": {"resources": {"requests": {"storage": "1024Mi"}}}});
        apply_defaults("persistentvolumeclaims", &mut pvc);
        assert_eq!(pvc["spec"]["volumeMode"], "Filesystem");
        assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "1Gi");
        assert_eq!(pvc["status"]["phase"], "Pending");

        let mut pv = json!({"spec": {"capacity": {"storage": "1Gi"}}});
        apply_defaults("persistentvolumes", &mut pv);
        assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
        assert_eq!(pv["status"]["phase"], "Pending");

        let mut ns = json!({"metadata": {"name": "team"}});
        apply_defaults("namespaces", &mut ns);
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(ns["status"]["phase"], "Active");
        assert_eq!(
            ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
            "team"
        );
    }

    #[test]
    fn cluster_ips() {
        assert_eq!(allocate_cluster_ip(0), "10.96.0.1");
        assert_eq!(allocate_cluster_ip(9), "10.96.0.10");
        assert_eq!(allocate_cluster_ip(255), "10.96.1.0");
        assert_eq!(allocate_node_port(0), 30000);
    }

    #[test]
    fn prune_drops_empty_omitempty_values() {
        let mut t = json!({"metadata": {"annotations": {}, "labels": {"a": "b"}, "creationTimestamp": null},
            "spec": {"containers": [{"name": "a", "image": "x", "env": [], "stdin": false,
                     "command": null}], "volumes": []}});
        go_roundtrip_prune(&mut t);
        assert_eq!(
            t,
            json!({"metadata": {"labels": {"a": "b"}},
                   "spec": {"containers": [{"name": "a", "image": "x", "resources": {}}]}})
        );
    }
}

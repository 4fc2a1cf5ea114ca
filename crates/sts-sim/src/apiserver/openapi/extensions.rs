//! The `x-kubernetes-*` extensions that the Go struct tags of the upstream API types carry
//! (`patchStrategy`, `patchMergeKey`, `listType`, `listMapKey`, `mapType`) and k8s-openapi's
//! schemas do not. kubectl reads them from OpenAPI v3 for strategic merge patches (`kubectl
//! apply`, `kubectl edit`) and `kubectl explain`. Written from the upstream API types'
//! documentation; extend the table when a served kind needs more.

use serde_json::{json, Map, Value};

/// How a list field merges (`x-kubernetes-list-type` and friends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// `listType: atomic`: replaced as a whole.
    Atomic,
    /// `listType: set` with `patchStrategy: merge`.
    MergeSet,
    /// `listType: map` keyed by the given fields; `patchMergeKey` is the first one.
    Map(&'static [&'static str]),
    /// Like [`ListKind::Map`] with `patchStrategy: merge,retainKeys` (volumes).
    MapRetainKeys(&'static [&'static str]),
}

/// One property's extensions: (schema, property, list kind).
pub type ListRule = (&'static str, &'static str, ListKind);

const CORE: &str = "io.k8s.api.core.v1.";

/// List rules, by schema name (without the `io.k8s.api.core.v1.` prefix for core types).
pub static LIST_RULES: &[ListRule] = &[
    ("PodSpec", "containers", ListKind::Map(&["name"])),
    ("PodSpec", "initContainers", ListKind::Map(&["name"])),
    ("PodSpec", "ephemeralContainers", ListKind::Map(&["name"])),
    ("PodSpec", "volumes", ListKind::MapRetainKeys(&["name"])),
    ("PodSpec", "imagePullSecrets", ListKind::Map(&["name"])),
    ("PodSpec", "hostAliases", ListKind::Map(&["ip"])),
    (
        "PodSpec",
        "topologySpreadConstraints",
        ListKind::Map(&["topologyKey", "whenUnsatisfiable"]),
    ),
    ("PodSpec", "schedulingGates", ListKind::Map(&["name"])),
    (
        "PodSpec",
        "resourceClaims",
        ListKind::MapRetainKeys(&["name"]),
    ),
    ("PodSpec", "tolerations", ListKind::Atomic),
    ("PodSpec", "readinessGates", ListKind::Atomic),
    (
        "Container",
        "ports",
        ListKind::Map(&["containerPort", "protocol"]),
    ),
    ("Container", "env", ListKind::Map(&["name"])),
    ("Container", "volumeMounts", ListKind::Map(&["mountPath"])),
    ("Container", "volumeDevices", ListKind::Map(&["devicePath"])),
    ("Container", "envFrom", ListKind::Atomic),
    ("Container", "command", ListKind::Atomic),
    ("Container", "args", ListKind::Atomic),
    ("Container", "resizePolicy", ListKind::Atomic),
    (
        "EphemeralContainer",
        "ports",
        ListKind::Map(&["containerPort", "protocol"]),
    ),
    ("EphemeralContainer", "env", ListKind::Map(&["name"])),
    (
        "EphemeralContainer",
        "volumeMounts",
        ListKind::Map(&["mountPath"]),
    ),
    (
        "EphemeralContainer",
        "volumeDevices",
        ListKind::Map(&["devicePath"]),
    ),
    ("EphemeralContainer", "envFrom", ListKind::Atomic),
    ("EphemeralContainer", "command", ListKind::Atomic),
    ("EphemeralContainer", "args", ListKind::Atomic),
    ("PodStatus", "conditions", ListKind::Map(&["type"])),
    ("PodStatus", "podIPs", ListKind::Map(&["ip"])),
    ("PodStatus", "hostIPs", ListKind::Map(&["ip"])),
    ("PodStatus", "containerStatuses", ListKind::Atomic),
    ("PodStatus", "initContainerStatuses", ListKind::Atomic),
    ("PodStatus", "ephemeralContainerStatuses", ListKind::Atomic),
    ("ServiceSpec", "ports", ListKind::Map(&["port", "protocol"])),
    ("ServiceSpec", "clusterIPs", ListKind::Atomic),
    ("ServiceSpec", "externalIPs", ListKind::Atomic),
    ("ServiceSpec", "ipFamilies", ListKind::Atomic),
    ("ServiceStatus", "conditions", ListKind::Map(&["type"])),
    ("NodeStatus", "conditions", ListKind::Map(&["type"])),
    ("NodeStatus", "addresses", ListKind::Map(&["type"])),
    ("NodeSpec", "podCIDRs", ListKind::MergeSet),
    ("NamespaceStatus", "conditions", ListKind::Map(&["type"])),
    ("NamespaceSpec", "finalizers", ListKind::Atomic),
    ("PersistentVolumeClaimSpec", "accessModes", ListKind::Atomic),
    (
        "PersistentVolumeClaimStatus",
        "conditions",
        ListKind::Map(&["type"]),
    ),
    (
        "PersistentVolumeClaimStatus",
        "accessModes",
        ListKind::Atomic,
    ),
    ("PersistentVolumeSpec", "accessModes", ListKind::Atomic),
    ("PersistentVolumeSpec", "mountOptions", ListKind::Atomic),
    ("ServiceAccount", "secrets", ListKind::Map(&["name"])),
    ("ServiceAccount", "imagePullSecrets", ListKind::Atomic),
    ("Endpoints", "subsets", ListKind::Atomic),
    ("EndpointSubset", "addresses", ListKind::Atomic),
    ("EndpointSubset", "notReadyAddresses", ListKind::Atomic),
    ("EndpointSubset", "ports", ListKind::Atomic),
    (
        "io.k8s.api.apps.v1.StatefulSetSpec",
        "volumeClaimTemplates",
        ListKind::Atomic,
    ),
    (
        "io.k8s.api.apps.v1.StatefulSetStatus",
        "conditions",
        ListKind::Map(&["type"]),
    ),
    (
        "io.k8s.api.policy.v1.PodDisruptionBudgetStatus",
        "conditions",
        ListKind::Map(&["type"]),
    ),
    ("io.k8s.api.rbac.v1.Role", "rules", ListKind::Atomic),
    ("io.k8s.api.rbac.v1.ClusterRole", "rules", ListKind::Atomic),
    (
        "io.k8s.api.rbac.v1.RoleBinding",
        "subjects",
        ListKind::Atomic,
    ),
    (
        "io.k8s.api.rbac.v1.ClusterRoleBinding",
        "subjects",
        ListKind::Atomic,
    ),
    (
        "io.k8s.api.storage.v1.StorageClass",
        "mountOptions",
        ListKind::Atomic,
    ),
    (
        "io.k8s.api.storage.v1.StorageClass",
        "allowedTopologies",
        ListKind::Atomic,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "finalizers",
        ListKind::MergeSet,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "ownerReferences",
        ListKind::Map(&["uid"]),
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "managedFields",
        ListKind::Atomic,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
        "matchExpressions",
        ListKind::Atomic,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
        "values",
        ListKind::Atomic,
    ),
];

/// Schemas that are atomic maps (`x-kubernetes-map-type: atomic`).
pub static ATOMIC_MAPS: &[&str] = &[
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
    "io.k8s.api.core.v1.LocalObjectReference",
    "io.k8s.api.core.v1.ObjectReference",
    "io.k8s.api.core.v1.ConfigMapKeySelector",
    "io.k8s.api.core.v1.SecretKeySelector",
    "io.k8s.api.core.v1.ObjectFieldSelector",
    "io.k8s.api.core.v1.ResourceFieldSelector",
    "io.k8s.api.core.v1.NodeSelector",
    "io.k8s.api.core.v1.TopologySelectorTerm",
];

/// The full schema name of a rule's schema.
pub fn full_name(schema: &str) -> String {
    if schema.starts_with("io.k8s.") {
        schema.to_string()
    } else {
        format!("{CORE}{schema}")
    }
}

/// The extensions one list kind stands for.
pub fn list_extensions(kind: ListKind) -> Map<String, Value> {
    let mut m = Map::new();
    match kind {
        ListKind::Atomic => {
            m.insert("x-kubernetes-list-type".into(), json!("atomic"));
        }
        ListKind::MergeSet => {
            m.insert("x-kubernetes-list-type".into(), json!("set"));
            m.insert("x-kubernetes-patch-strategy".into(), json!("merge"));
        }
        ListKind::Map(keys) | ListKind::MapRetainKeys(keys) => {
            let strategy = if matches!(kind, ListKind::MapRetainKeys(_)) {
                "merge,retainKeys"
            } else {
                "merge"
            };
            m.insert("x-kubernetes-list-type".into(), json!("map"));
            m.insert("x-kubernetes-list-map-keys".into(), json!(keys));
            m.insert("x-kubernetes-patch-strategy".into(), json!(strategy));
            m.insert("x-kubernetes-patch-merge-key".into(), json!(keys[0]));
        }
    }
    m
}

/// Adds the table's extensions to generated definitions (`components.schemas`).
pub fn apply(definitions: &mut Map<String, Value>) {
    for (schema, property, kind) in LIST_RULES {
        let Some(def) = definitions.get_mut(&full_name(schema)) else {
            continue;
        };
        let Some(prop) = def
            .get_mut("properties")
            .and_then(|p| p.get_mut(*property))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        prop.extend(list_extensions(*kind));
    }
    for name in ATOMIC_MAPS {
        if let Some(def) = definitions.get_mut(*name).and_then(Value::as_object_mut) {
            def.insert("x-kubernetes-map-type".into(), json!("atomic"));
        }
    }
}

//! The resource types the simulated API server knows: their group, version, names and
//! subresources. Routing, discovery and storage all key off this one table.

/// One served resource type (`pods`, `statefulsets.apps`, ...).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: &'static str,
    /// Served version.
    pub version: &'static str,
    /// Lower-case plural used in URLs.
    pub plural: &'static str,
    /// Lower-case singular.
    pub singular: &'static str,
    /// `kind` of one object.
    pub kind: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// kubectl short names.
    pub short_names: &'static [&'static str],
    /// Served subresources (`status`, `exec`, ...).
    pub subresources: &'static [&'static str],
    /// Categories (`all`).
    pub categories: &'static [&'static str],
}

impl ResourceType {
    /// `apiVersion` of objects of this type.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The name upstream errors use: `pods`, `statefulsets.apps`.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Whether this type has a status subresource (spec and status written separately).
    pub fn has_status(&self) -> bool {
        self.subresources.contains(&"status")
    }
}

macro_rules! rt {
    ($group:expr, $plural:expr, $singular:expr, $kind:expr, $ns:expr, [$($short:expr),*], [$($sub:expr),*], [$($cat:expr),*]) => {
        ResourceType {
            group: $group,
            version: "v1",
            plural: $plural,
            singular: $singular,
            kind: $kind,
            namespaced: $ns,
            short_names: &[$($short),*],
            subresources: &[$($sub),*],
            categories: &[$($cat),*],
        }
    };
}

/// Namespaces.
pub static NAMESPACES: ResourceType = rt!(
    "",
    "namespaces",
    "namespace",
    "Namespace",
    false,
    ["ns"],
    ["status", "finalize"],
    []
);
/// Nodes.
pub static NODES: ResourceType = rt!(
    "",
    "nodes",
    "node",
    "Node",
    false,
    ["no"],
    ["status", "proxy"],
    []
);
/// Pods.
pub static PODS: ResourceType = rt!(
    "",
    "pods",
    "pod",
    "Pod",
    true,
    ["po"],
    [
        "status",
        "exec",
        "proxy",
        "ephemeralcontainers",
        "log",
        "attach",
        "portforward",
        "binding",
        "eviction"
    ],
    ["all"]
);
/// Services.
pub static SERVICES: ResourceType = rt!(
    "",
    "services",
    "service",
    "Service",
    true,
    ["svc"],
    ["status", "proxy"],
    ["all"]
);
/// Endpoints.
pub static ENDPOINTS: ResourceType = rt!(
    "",
    "endpoints",
    "endpoints",
    "Endpoints",
    true,
    ["ep"],
    [],
    []
);
/// Events.
pub static EVENTS: ResourceType = rt!("", "events", "event", "Event", true, ["ev"], [], []);
/// PersistentVolumeClaims.
pub static PVCS: ResourceType = rt!(
    "",
    "persistentvolumeclaims",
    "persistentvolumeclaim",
    "PersistentVolumeClaim",
    true,
    ["pvc"],
    ["status"],
    []
);
/// PersistentVolumes.
pub static PVS: ResourceType = rt!(
    "",
    "persistentvolumes",
    "persistentvolume",
    "PersistentVolume",
    false,
    ["pv"],
    ["status"],
    []
);
/// ConfigMaps (kubectl and tools commonly list them; served for completeness).
pub static CONFIGMAPS: ResourceType = rt!(
    "",
    "configmaps",
    "configmap",
    "ConfigMap",
    true,
    ["cm"],
    [],
    []
);
/// ServiceAccounts.
pub static SERVICEACCOUNTS: ResourceType = rt!(
    "",
    "serviceaccounts",
    "serviceaccount",
    "ServiceAccount",
    true,
    ["sa"],
    [],
    []
);
/// StatefulSets.
pub static STATEFULSETS: ResourceType = rt!(
    "apps",
    "statefulsets",
    "statefulset",
    "StatefulSet",
    true,
    ["sts"],
    ["status", "scale"],
    ["all"]
);
/// ControllerRevisions.
pub static CONTROLLERREVISIONS: ResourceType = rt!(
    "apps",
    "controllerrevisions",
    "controllerrevision",
    "ControllerRevision",
    true,
    [],
    [],
    []
);
/// StorageClasses.
pub static STORAGECLASSES: ResourceType = rt!(
    "storage.k8s.io",
    "storageclasses",
    "storageclass",
    "StorageClass",
    false,
    ["sc"],
    [],
    []
);

/// Secrets.
pub static SECRETS: ResourceType = rt!("", "secrets", "secret", "Secret", true, [], [], []);
/// PodDisruptionBudgets.
pub static PDBS: ResourceType = rt!(
    "policy",
    "poddisruptionbudgets",
    "poddisruptionbudget",
    "PodDisruptionBudget",
    true,
    ["pdb"],
    ["status"],
    []
);
/// Roles (stored only: nothing enforces them yet).
pub static ROLES: ResourceType = rt!(
    "rbac.authorization.k8s.io",
    "roles",
    "role",
    "Role",
    true,
    [],
    [],
    []
);
/// ClusterRoles (stored only).
pub static CLUSTERROLES: ResourceType = rt!(
    "rbac.authorization.k8s.io",
    "clusterroles",
    "clusterrole",
    "ClusterRole",
    false,
    [],
    [],
    []
);
/// RoleBindings (stored only).
pub static ROLEBINDINGS: ResourceType = rt!(
    "rbac.authorization.k8s.io",
    "rolebindings",
    "rolebinding",
    "RoleBinding",
    true,
    [],
    [],
    []
);
/// ClusterRoleBindings (stored only).
pub static CLUSTERROLEBINDINGS: ResourceType = rt!(
    "rbac.authorization.k8s.io",
    "clusterrolebindings",
    "clusterrolebinding",
    "ClusterRoleBinding",
    false,
    [],
    [],
    []
);
/// SelfSubjectAccessReviews (create only; answered, never stored).
pub static SELFSUBJECTACCESSREVIEWS: ResourceType = rt!(
    "authorization.k8s.io",
    "selfsubjectaccessreviews",
    "selfsubjectaccessreview",
    "SelfSubjectAccessReview",
    false,
    [],
    [],
    []
);
/// SelfSubjectReviews (`kubectl auth whoami`; create only, answered, never stored).
pub static SELFSUBJECTREVIEWS: ResourceType = rt!(
    "authentication.k8s.io",
    "selfsubjectreviews",
    "selfsubjectreview",
    "SelfSubjectReview",
    false,
    [],
    [],
    []
);
/// SelfSubjectRulesReviews (create only; answered, never stored).
pub static SELFSUBJECTRULESREVIEWS: ResourceType = rt!(
    "authorization.k8s.io",
    "selfsubjectrulesreviews",
    "selfsubjectrulesreview",
    "SelfSubjectRulesReview",
    false,
    [],
    [],
    []
);

/// Every served type, in discovery order.
pub static ALL: &[&ResourceType] = &[
    &NAMESPACES,
    &NODES,
    &PODS,
    &SERVICES,
    &ENDPOINTS,
    &EVENTS,
    &PVCS,
    &PVS,
    &CONFIGMAPS,
    &SECRETS,
    &SERVICEACCOUNTS,
    &STATEFULSETS,
    &CONTROLLERREVISIONS,
    &STORAGECLASSES,
    &PDBS,
    &ROLES,
    &CLUSTERROLES,
    &ROLEBINDINGS,
    &CLUSTERROLEBINDINGS,
    &SELFSUBJECTACCESSREVIEWS,
    &SELFSUBJECTRULESREVIEWS,
    &SELFSUBJECTREVIEWS,
];

/// The groups served under `/apis`, with their one version.
pub static GROUPS: &[&str] = &[
    "apps",
    "storage.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "authorization.k8s.io",
    "authentication.k8s.io",
];

/// Whether a type only answers a POST (reviews): nothing is stored, listed or watched.
pub fn create_only(rt: &ResourceType) -> bool {
    rt.group == "authorization.k8s.io" || rt.group == "authentication.k8s.io"
}

/// Finds a type by group and plural.
pub fn lookup(group: &str, plural: &str) -> Option<&'static ResourceType> {
    ALL.iter()
        .copied()
        .find(|rt| rt.group == group && rt.plural == plural)
}

/// Finds a type by its `apiVersion` and `kind` (for owner references).
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    ALL.iter()
        .copied()
        .find(|rt| rt.api_version() == api_version && rt.kind == kind)
}

/// The types of one group.
pub fn in_group(group: &str) -> impl Iterator<Item = &'static ResourceType> + '_ {
    ALL.iter().copied().filter(move |rt| rt.group == group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_by_group_and_plural() {
        assert_eq!(lookup("apps", "statefulsets").unwrap().kind, "StatefulSet");
        assert!(lookup("", "statefulsets").is_none());
        assert_eq!(STATEFULSETS.qualified(), "statefulsets.apps");
        assert_eq!(PODS.qualified(), "pods");
        assert_eq!(
            by_kind("apps/v1", "StatefulSet").unwrap().plural,
            "statefulsets"
        );
        assert_eq!(PODS.api_version(), "v1");
    }
}

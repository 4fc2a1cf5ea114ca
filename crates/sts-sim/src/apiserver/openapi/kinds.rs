//! The table of kinds that get an OpenAPI schema: one row per served kind, each naming the
//! k8s-openapi type whose `schemars` schema describes it. Extend it when sts-sim serves a
//! new kind; group-versions sts-sim does not serve are left out of the documents.

use k8s_openapi::api::{apps, authentication, authorization, core, policy, rbac, storage};
use schemars::{JsonSchema, SchemaGenerator};

/// One kind with a generated schema.
#[derive(Debug, Clone, Copy)]
pub struct KindSchema {
    /// API group (empty for core).
    pub group: &'static str,
    /// Version.
    pub version: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// The schema's name in `components.schemas` (`io.k8s.api.apps.v1.StatefulSet`).
    pub schema_name: fn() -> String,
    /// Registers the schema (and everything it refers to) with a generator.
    pub register: fn(&mut SchemaGenerator),
}

const fn row<T: JsonSchema + k8s_openapi::Resource>() -> KindSchema {
    KindSchema {
        group: T::GROUP,
        version: T::VERSION,
        kind: T::KIND,
        schema_name: || T::schema_name().into_owned(),
        register: |g| {
            g.subschema_for::<T>();
        },
    }
}

/// Every kind sts-sim serves or is about to serve.
pub static KINDS: &[KindSchema] = &[
    row::<core::v1::Namespace>(),
    row::<core::v1::Node>(),
    row::<core::v1::Pod>(),
    row::<core::v1::Service>(),
    row::<core::v1::Endpoints>(),
    row::<core::v1::PersistentVolumeClaim>(),
    row::<core::v1::PersistentVolume>(),
    row::<core::v1::ConfigMap>(),
    row::<core::v1::Secret>(),
    row::<core::v1::ServiceAccount>(),
    row::<core::v1::Event>(),
    row::<core::v1::Binding>(),
    row::<apps::v1::StatefulSet>(),
    row::<apps::v1::ControllerRevision>(),
    row::<storage::v1::StorageClass>(),
    row::<rbac::v1::Role>(),
    row::<rbac::v1::ClusterRole>(),
    row::<rbac::v1::RoleBinding>(),
    row::<rbac::v1::ClusterRoleBinding>(),
    row::<authorization::v1::SelfSubjectAccessReview>(),
    row::<authorization::v1::SelfSubjectRulesReview>(),
    row::<authentication::v1::SelfSubjectReview>(),
    row::<policy::v1::PodDisruptionBudget>(),
    row::<policy::v1::Eviction>(),
];

/// The rows of one group (`""` for core).
pub fn in_group(group: &str) -> impl Iterator<Item = &'static KindSchema> + '_ {
    KINDS.iter().filter(move |k| k.group == group)
}

/// The row of one kind.
pub fn lookup(group: &str, kind: &str) -> Option<&'static KindSchema> {
    KINDS.iter().find(|k| k.group == group && k.kind == kind)
}

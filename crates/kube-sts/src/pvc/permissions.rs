//! What the mutating commands of `kubectl sts-pvc` will ask of the API server, as
//! [`Permission`]s for the SelfSubjectAccessReview pre-check ([`crate::api::access::require`])
//! made before their first change. Pure: a plan in, the list out. A dry run never asks: it
//! stops before the first change, so a read-only user can plan.

use crate::api::access::Permission;
use crate::error::Subject;
use crate::pvc::prune::PrunePlan;
use crate::pvc::resize::plan::ResizePlan;

/// Which of the StatefulSet steps a resize run takes: a fresh run (or a restore interrupted
/// before the delete) takes both, a restore after the delete only re-creates, and a restore
/// after the re-create takes neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetSteps {
    /// Deletes the StatefulSet (propagationPolicy=Orphan) and waits for it to go.
    pub delete: bool,
    /// Creates it again with the new template.
    pub create: bool,
}

impl SetSteps {
    /// Both steps when the template grows (a fresh `resize`), none when it is already grown.
    pub fn of(plan: &ResizePlan) -> Self {
        SetSteps {
            delete: plan.recreate,
            create: plan.recreate,
        }
    }
}

/// Everything a `resize` or `restore` run of `plan` does: list StorageClasses (the expansion
/// check), patch the claims and list/watch them until they grow, delete the StatefulSet and
/// list/watch it until it is gone, create it again, get it and list/watch its pods until it
/// adopts them.
pub fn resize(plan: &ResizePlan, steps: SetSteps) -> Vec<Permission> {
    let ns = plan.namespace.as_str();
    let claims = "persistentvolumeclaims";
    let mut perms = vec![cluster_wide("list", "storage.k8s.io", "storageclasses")];
    if plan.claims.iter().any(|c| c.needs_patch) {
        perms.push(Permission::new("patch", "", claims, ns));
    }
    perms.push(Permission::new("list", "", claims, ns));
    perms.push(Permission::new("watch", "", claims, ns));
    if steps.delete {
        perms.push(Permission::new("delete", "apps", "statefulsets", ns).named(&plan.name));
        perms.push(Permission::new("list", "apps", "statefulsets", ns));
        perms.push(Permission::new("watch", "apps", "statefulsets", ns));
    }
    if steps.create {
        perms.push(Permission::new("create", "apps", "statefulsets", ns));
    }
    perms.push(Permission::new("get", "apps", "statefulsets", ns).named(&plan.name));
    perms.push(Permission::new("list", "", "pods", ns));
    perms.push(Permission::new("watch", "", "pods", ns));
    perms
}

/// `prune --yes`: delete claims in each namespace that has planned deletions (one check per
/// namespace, whatever the number of claims).
pub fn prune(plans: &[PrunePlan]) -> Vec<Permission> {
    let mut perms: Vec<Permission> = Vec::new();
    for plan in plans.iter().filter(|p| !p.deletions.is_empty()) {
        let perm = Permission::new("delete", "", "persistentvolumeclaims", &plan.namespace);
        if !perms.contains(&perm) {
            perms.push(perm);
        }
    }
    perms
}

/// A permission on a cluster-scoped resource (StorageClasses): no namespace in the review or
/// in the refusal.
fn cluster_wide(verb: &'static str, group: &'static str, resource: &'static str) -> Permission {
    let mut perm = Permission::new(verb, group, resource, "");
    perm.subject = Subject::list(verb, perm.subject.kind, None);
    perm
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pvc::resize::plan::ResizeClaim;
    use crate::pvc::retention::RetentionPolicy;

    fn plan(needs_patch: bool, recreate: bool) -> ResizePlan {
        ResizePlan {
            namespace: "prod".into(),
            name: "web".into(),
            uid: "u1".into(),
            template: "data".into(),
            from: "1Gi".into(),
            to: "2Gi".into(),
            to_bytes: 2 << 30,
            storage_class: Some("standard".into()),
            claims: vec![ResizeClaim {
                pvc: "data-web-0".into(),
                ordinal: 0,
                requested: Some("1Gi".into()),
                capacity: Some("1Gi".into()),
                needs_patch,
            }],
            recreate,
            pods: vec![],
            notes: vec![],
        }
    }

    /// `verb resource [name] [namespace]` of each permission, as a review asks it.
    fn asked(perms: &[Permission]) -> Vec<String> {
        perms
            .iter()
            .map(|p| {
                let mut line = p.request();
                if let Some(name) = &p.subject.name {
                    line.push_str(&format!(" {name}"));
                }
                if let Some(ns) = &p.subject.namespace {
                    line.push_str(&format!(" -n {ns}"));
                }
                line
            })
            .collect()
    }

    #[test]
    fn a_fresh_resize_asks_for_every_step_before_the_first() {
        let p = plan(true, true);
        assert_eq!(
            asked(&resize(&p, SetSteps::of(&p))),
            [
                "list storageclasses",
                "patch persistentvolumeclaims -n prod",
                "list persistentvolumeclaims -n prod",
                "watch persistentvolumeclaims -n prod",
                "delete statefulsets web -n prod",
                "list statefulsets -n prod",
                "watch statefulsets -n prod",
                "create statefulsets -n prod",
                "get statefulsets web -n prod",
                "list pods -n prod",
                "watch pods -n prod",
            ]
        );
    }

    #[test]
    fn a_restore_after_the_delete_only_creates() {
        let perms = asked(&resize(
            &plan(false, true),
            SetSteps {
                delete: false,
                create: true,
            },
        ));
        assert!(perms.contains(&"create statefulsets -n prod".to_string()));
        assert!(!perms.iter().any(|p| p.starts_with("delete ")), "{perms:?}");
        assert!(!perms.iter().any(|p| p.starts_with("patch ")), "{perms:?}");
    }

    #[test]
    fn a_grown_template_needs_no_statefulset_change() {
        let p = plan(true, false);
        let perms = asked(&resize(&p, SetSteps::of(&p)));
        assert!(
            !perms
                .iter()
                .any(|p| p.starts_with("delete ") || p.starts_with("create ")),
            "{perms:?}"
        );
        assert!(perms.contains(&"patch persistentvolumeclaims -n prod".to_string()));
    }

    #[test]
    fn storageclasses_are_checked_cluster_wide() {
        let p = plan(true, true);
        let sc = &resize(&p, SetSteps::of(&p))[0];
        assert_eq!(
            (sc.group, sc.resource),
            ("storage.k8s.io", "storageclasses")
        );
        assert_eq!(sc.subject.namespace, None);
        assert_eq!(sc.subject.kind, "storageclass");
    }

    fn prune_plan(ns: &str, claims: usize) -> PrunePlan {
        PrunePlan {
            namespace: ns.into(),
            name: "web".into(),
            retention: RetentionPolicy {
                when_scaled: "Retain".into(),
                when_deleted: "Retain".into(),
            },
            deletions: (0..claims)
                .map(|i| crate::pvc::prune::PruneStep {
                    pvc: format!("data-web-{i}"),
                    uid: format!("u{i}"),
                    template: "data".into(),
                    ordinal: i as i32,
                    capacity: None,
                })
                .collect(),
            hint: None,
        }
    }

    #[test]
    fn prune_asks_once_per_namespace_with_deletions() {
        let plans = [
            prune_plan("a", 2),
            prune_plan("a", 1),
            prune_plan("b", 0),
            prune_plan("c", 1),
        ];
        assert_eq!(
            asked(&prune(&plans)),
            [
                "delete persistentvolumeclaims -n a",
                "delete persistentvolumeclaims -n c"
            ]
        );
        assert!(prune(&[prune_plan("a", 0)]).is_empty());
    }
}

//! The driver of `resize` and `restore`: carries out a [`ResizePlan`] against the API.
//!
//! 0. Every permission the run will use is checked first (SelfSubjectAccessReview): refused
//!    there, nothing is written or changed. A dry run does not ask.
//! 1. A [`Backup`] of the StatefulSet (and the pod UIDs) is written before anything changes.
//! 2. Every claim is patched, then one watch waits until each reports the new capacity.
//! 3. The StatefulSet is deleted with `propagationPolicy=Orphan` (pods keep running) and
//!    re-created from the backup with the new template size, everything else unchanged.
//! 4. The new object must adopt the same pods (same UIDs): nothing restarted.
//!
//! Every step is idempotent, so an interrupted run is finished by running it again, or by
//! [`restore`] with the backup file: nothing is lost at any step.

use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{
    Api, DeleteParams, Patch, PatchParams, PostParams, Preconditions, PropagationPolicy,
};
use kube::runtime::watcher;

use crate::api::access::require;
use crate::api::wait;
use crate::cli::target::Target;
use crate::error::{Error, Result, Subject};
use crate::k8s::owners;
use crate::k8s::quantity::{format_bytes, parse_bytes};
use crate::pvc::permissions::{self, SetSteps};
use crate::pvc::resize::backup::{latest_backup, read_backup, write_backup, Backup};
use crate::pvc::resize::plan::{plan_resize, recreated_statefulset, PodIdentity, ResizePlan};
use crate::read;
use crate::read::snapshot::Snapshot;

/// Options of a resize run.
#[derive(Debug, Clone)]
pub struct ResizeOptions {
    /// Where backups are written and looked for.
    pub backup_dir: PathBuf,
    /// Limit for each wait (capacity, deletion, adoption).
    pub timeout: Duration,
    /// Only plan.
    pub dry_run: bool,
    /// Show a progress bar (stderr is a terminal).
    pub progress: bool,
}

/// How a resize ended.
#[derive(Debug, Clone)]
pub enum ResizeOutcome {
    /// `--dry-run`: the plan.
    Planned(ResizePlan),
    /// Nothing needed doing.
    NothingToDo(ResizePlan),
    /// Done: the plan, the backup written or used, the verified pods.
    Done {
        /// The plan that was carried out.
        plan: ResizePlan,
        /// The backup file.
        backup: Option<PathBuf>,
        /// Pods verified unchanged and adopted.
        pods: Vec<PodIdentity>,
    },
}

/// Resizes `template` of StatefulSet `name` to `size`. If the StatefulSet is gone and a backup
/// of it exists (an earlier run was interrupted after the delete), finishes from that backup.
pub async fn resize(
    target: &Target,
    name: &str,
    template: &str,
    size: &str,
    opts: &ResizeOptions,
    say: &dyn Fn(&str),
) -> Result<ResizeOutcome> {
    let ns = target.single_namespace("resize")?.to_string();
    match read::snapshot(target, name).await {
        Ok(snap) => run(target, snap, template, size, None, opts, say).await,
        Err(Error::NotFound { subject }) => {
            let Some(path) = latest_backup(&opts.backup_dir, &ns, name) else {
                return Err(Error::NotFound { subject });
            };
            say(&format!(
                "statefulset {name:?} not found; finishing the interrupted resize from backup {}",
                path.display()
            ));
            restore(target, &path, opts, say).await
        }
        Err(e) => Err(e),
    }
}

/// Finishes a resize from its backup file, whatever step it was interrupted at.
pub async fn restore(
    target: &Target,
    path: &Path,
    opts: &ResizeOptions,
    say: &dyn Fn(&str),
) -> Result<ResizeOutcome> {
    let backup = read_backup(path)?;
    let sts_api: Api<StatefulSet> = Api::namespaced(target.client.clone(), backup.namespace());
    let current = sts_api.get_opt(backup.name()).await.map_err(|e| {
        Error::from_kube(
            e,
            Subject::object(
                "get",
                "statefulset",
                backup.name(),
                Some(backup.namespace()),
            ),
        )
    })?;
    let original_uid = backup.stateful_set.metadata.uid.clone();
    match current {
        // Interrupted before the delete: the normal path, reusing this backup.
        Some(sts) if sts.metadata.uid == original_uid => {
            let snap = snapshot_of(target, sts).await?;
            run(
                target,
                snap,
                &backup.template,
                &backup.size,
                Some(path.to_path_buf()),
                opts,
                say,
            )
            .await
        }
        // Interrupted after the delete: plan against the backed-up object.
        None => {
            let snap = snapshot_of(target, backup.stateful_set.clone()).await?;
            let mut plan = plan_resize(&snap, &backup.template, &backup.size)?;
            plan.pods = backup.pods.clone();
            if opts.dry_run {
                return Ok(ResizeOutcome::Planned(plan));
            }
            let steps = SetSteps {
                delete: false,
                create: true,
            };
            require(&target.client, &permissions::resize(&plan, steps)).await?;
            expand_claims(target, &plan, opts, say).await?;
            create(target, &backup, path, say).await?;
            let pods = verify(target, &plan, opts).await?;
            Ok(ResizeOutcome::Done {
                plan,
                backup: Some(path.to_path_buf()),
                pods,
            })
        }
        // Already re-created: only verify.
        Some(_) => {
            let snap = read::snapshot(target, backup.name()).await?;
            let mut plan = plan_resize(&snap, &backup.template, &backup.size)?;
            plan.pods = backup.pods.clone();
            if opts.dry_run {
                return Ok(ResizeOutcome::Planned(plan));
            }
            let steps = SetSteps {
                delete: false,
                create: false,
            };
            require(&target.client, &permissions::resize(&plan, steps)).await?;
            expand_claims(target, &plan, opts, say).await?;
            let pods = verify(target, &plan, opts).await?;
            Ok(ResizeOutcome::Done {
                plan,
                backup: Some(path.to_path_buf()),
                pods,
            })
        }
    }
}

/// The snapshot of a StatefulSet object already in hand (read, or restored from a backup).
async fn snapshot_of(target: &Target, sts: StatefulSet) -> Result<Snapshot> {
    let subject = Subject::object(
        "get",
        "statefulset",
        sts.metadata.name.clone().unwrap_or_default(),
        sts.metadata.namespace.as_deref(),
    );
    read::snapshots_of(target, vec![sts])
        .await?
        .pop()
        .ok_or(Error::NotFound { subject })
}

async fn run(
    target: &Target,
    snap: Snapshot,
    template: &str,
    size: &str,
    backup: Option<PathBuf>,
    opts: &ResizeOptions,
    say: &dyn Fn(&str),
) -> Result<ResizeOutcome> {
    let mut plan = plan_resize(&snap, template, size)?;
    if opts.dry_run {
        return Ok(ResizeOutcome::Planned(plan));
    }
    if plan.is_noop() {
        return Ok(ResizeOutcome::NothingToDo(plan));
    }
    require(
        &target.client,
        &permissions::resize(&plan, SetSteps::of(&plan)),
    )
    .await?;
    let backup_path = match backup {
        Some(path) => {
            plan.pods = read_backup(&path)?.pods;
            Some(path)
        }
        None if plan.recreate => {
            let path = write_backup(&opts.backup_dir, &snap, &plan)?;
            say(&format!(
                "backup of statefulset.apps/{} written to {}",
                plan.name,
                path.display()
            ));
            Some(path)
        }
        None => None,
    };
    expand_claims(target, &plan, opts, say).await?;
    if let (true, Some(path)) = (plan.recreate, &backup_path) {
        delete_orphaning(target, &plan, opts, say).await?;
        let backup = read_backup(path)?;
        create(target, &backup, path, say).await?;
    }
    let pods = verify(target, &plan, opts).await?;
    Ok(ResizeOutcome::Done {
        plan,
        backup: backup_path,
        pods,
    })
}

fn resume_hint(path: &Path, namespace: &str) -> String {
    format!(
        "nothing is lost: the pods keep running; finish with: kubectl sts-pvc restore --from {} -n {namespace} (or run the same resize command again)",
        path.display()
    )
}

fn capacity_bytes(pvc: &PersistentVolumeClaim) -> Option<u64> {
    let q = pvc.status.as_ref()?.capacity.as_ref()?.get("storage")?;
    parse_bytes(&q.0).ok()
}

async fn expand_claims(
    target: &Target,
    plan: &ResizePlan,
    opts: &ResizeOptions,
    say: &dyn Fn(&str),
) -> Result<()> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(target.client.clone(), &plan.namespace);
    let patch = serde_json::json!({"spec": {"resources": {"requests": {"storage": plan.to}}}});
    for claim in plan.claims.iter().filter(|c| c.needs_patch) {
        api.patch(&claim.pvc, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|e| {
                Error::from_kube(
                    e,
                    Subject::object(
                        "patch",
                        "persistentvolumeclaim",
                        &claim.pvc,
                        Some(&plan.namespace),
                    ),
                )
            })?;
        say(&format!(
            "persistentvolumeclaim/{} patched (storage {})",
            claim.pvc, plan.to
        ));
    }
    let bar = crate::render::progress_bar(
        plan.claims.len() as u64,
        &format!("expanding to {}", plan.to),
        opts.progress,
    );
    let wanted: Vec<&str> = plan.claims.iter().map(|c| c.pvc.as_str()).collect();
    let result = wait::until(
        Api::namespaced(target.watch_client.clone(), &plan.namespace),
        watcher::Config::default(),
        opts.timeout,
        &format!("{} claim(s) to report capacity {}", wanted.len(), plan.to),
        |objs| {
            let done = wanted
                .iter()
                .filter(|n| {
                    objs.get(**n)
                        .and_then(capacity_bytes)
                        .is_some_and(|b| b >= plan.to_bytes)
                })
                .count();
            bar.set_position(done as u64);
            done == wanted.len()
        },
    )
    .await;
    bar.finish_and_clear();
    result?;
    say(&format!(
        "{} claim(s) of template {:?} now have {} ({})",
        plan.claims.len(),
        plan.template,
        plan.to,
        format_bytes(plan.to_bytes)
    ));
    Ok(())
}

async fn delete_orphaning(
    target: &Target,
    plan: &ResizePlan,
    opts: &ResizeOptions,
    say: &dyn Fn(&str),
) -> Result<()> {
    let api: Api<StatefulSet> = Api::namespaced(target.client.clone(), &plan.namespace);
    let params = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Orphan),
        preconditions: Some(Preconditions {
            uid: Some(plan.uid.clone()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    api.delete(&plan.name, &params).await.map_err(|e| {
        Error::from_kube(
            e,
            Subject::object("delete", "statefulset", &plan.name, Some(&plan.namespace)),
        )
    })?;
    let name = plan.name.clone();
    wait::until(
        Api::<StatefulSet>::namespaced(target.watch_client.clone(), &plan.namespace),
        watcher::Config::default(),
        opts.timeout,
        &format!("statefulset {:?} to be deleted", plan.name),
        |objs| {
            objs.get(&name)
                .is_none_or(|s| s.metadata.uid.as_deref() != Some(plan.uid.as_str()))
        },
    )
    .await?;
    say(&format!(
        "statefulset.apps/{} deleted (propagationPolicy=Orphan: pods keep running)",
        plan.name
    ));
    Ok(())
}

async fn create(target: &Target, backup: &Backup, path: &Path, say: &dyn Fn(&str)) -> Result<()> {
    let api: Api<StatefulSet> = Api::namespaced(target.client.clone(), backup.namespace());
    let sts = recreated_statefulset(&backup.stateful_set, &backup.template, &backup.size);
    match api.create(&PostParams::default(), &sts).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => {
            let err = Error::from_kube(
                e,
                Subject::object(
                    "create",
                    "statefulset",
                    backup.name(),
                    Some(backup.namespace()),
                ),
            );
            return Err(Error::Incomplete {
                step: format!(
                    "statefulset {:?} was deleted but re-creating it failed",
                    backup.name()
                ),
                source: Box::new(err),
                hint: resume_hint(path, backup.namespace()),
            });
        }
    }
    say(&format!(
        "statefulset.apps/{} created (template {:?} requests {})",
        backup.name(),
        backup.template,
        backup.size
    ));
    Ok(())
}

/// Waits until the re-created StatefulSet controls every pod of the plan, with unchanged UIDs.
async fn verify(
    target: &Target,
    plan: &ResizePlan,
    opts: &ResizeOptions,
) -> Result<Vec<PodIdentity>> {
    let sts_api: Api<StatefulSet> = Api::namespaced(target.client.clone(), &plan.namespace);
    let sts = sts_api.get(&plan.name).await.map_err(|e| {
        Error::from_kube(
            e,
            Subject::object("get", "statefulset", &plan.name, Some(&plan.namespace)),
        )
    })?;
    let uid = sts.metadata.uid.clone().unwrap_or_default();
    let selector = sts
        .spec
        .as_ref()
        .map(|s| crate::k8s::selectors::selector_string(&s.selector))
        .unwrap_or_default();
    let pod_api: Api<Pod> = Api::namespaced(target.watch_client.clone(), &plan.namespace);
    let mut config = watcher::Config::default();
    if !selector.is_empty() {
        config = config.labels(&selector);
    }
    let mut restarted: Vec<String> = Vec::new();
    let waited = wait::until(
        pod_api,
        config,
        opts.timeout,
        &format!("statefulset {:?} to adopt its pods", plan.name),
        |pods| {
            restarted = plan
                .pods
                .iter()
                .filter(|p| {
                    pods.get(&p.name)
                        .is_some_and(|pod| pod.metadata.uid.as_deref() != Some(p.uid.as_str()))
                })
                .map(|p| p.name.clone())
                .collect();
            !restarted.is_empty()
                || plan.pods.iter().all(|p| {
                    pods.get(&p.name)
                        .is_some_and(|pod| owners::is_controlled_by(&pod.metadata, &uid))
                })
        },
    )
    .await;
    if !restarted.is_empty() {
        return Err(Error::PodsRecreated {
            operation: "resize",
            namespace: plan.namespace.clone(),
            pods: restarted,
        });
    }
    waited?;
    Ok(plan.pods.clone())
}

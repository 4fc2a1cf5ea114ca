//! `resize`: grow the volumes of one volumeClaimTemplate, the workflow Kubernetes does not offer
//! (templates are immutable).
//!
//! 1. [`plan_resize`] (pure) checks everything first: the template exists, the size parses and
//!    is larger, the StorageClass allows expansion, every in-range claim is Bound, the
//!    StatefulSet is not mid-scale.
//! 2. A [`Backup`] of the StatefulSet (and the pod UIDs) is written before anything changes.
//! 3. Every claim is patched, then one watch waits until each reports the new capacity.
//! 4. The StatefulSet is deleted with `propagationPolicy=Orphan` (pods keep running) and
//!    re-created from the backup with the new template size, everything else unchanged.
//! 5. The new object must adopt the same pods (same UIDs): nothing restarted.
//!
//! Every step is idempotent, so an interrupted run is finished by running it again, or by
//! [`restore`] with the backup file: nothing is lost at any step.

use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::{
    Api, DeleteParams, Patch, PatchParams, PostParams, Preconditions, PropagationPolicy,
};
use kube::runtime::watcher;
use serde::{Deserialize, Serialize};

use crate::api::wait;
use crate::cli::target::Target;
use crate::error::{Error, Result, Subject};
use crate::k8s::owners;
use crate::k8s::quantity::{format_bytes, parse_bytes};
use crate::pvc::claims::{claim_map, ClaimState};
use crate::read;
use crate::read::snapshot::Snapshot;

/// `kind` of the backup file.
pub const BACKUP_KIND: &str = "StatefulSetResizeBackup";
/// `kind` of the JSON/YAML plan document.
pub const PLAN_KIND: &str = "StatefulSetResizePlan";

/// A pod as it was before the resize: same name and UID afterwards means it was not restarted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodIdentity {
    /// Pod name.
    pub name: String,
    /// Pod UID.
    pub uid: String,
}

/// One claim of the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResizeClaim {
    /// Claim name.
    pub pvc: String,
    /// Ordinal.
    pub ordinal: i32,
    /// Current request.
    pub requested: Option<String>,
    /// Current capacity.
    pub capacity: Option<String>,
    /// Whether its request must be raised.
    pub needs_patch: bool,
}

/// Everything `resize` will do, checked in advance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResizePlan {
    /// Namespace.
    pub namespace: String,
    /// StatefulSet name.
    pub name: String,
    /// StatefulSet UID (the delete precondition).
    pub uid: String,
    /// Template name.
    pub template: String,
    /// The template's current request.
    pub from: String,
    /// The new size as given.
    pub to: String,
    /// The new size in bytes.
    pub to_bytes: u64,
    /// The StorageClass of the template's claims.
    pub storage_class: Option<String>,
    /// In-range claims of the template.
    pub claims: Vec<ResizeClaim>,
    /// Whether the StatefulSet must be re-created (its template is smaller than the new size).
    pub recreate: bool,
    /// Pods in range, to check afterwards that none restarted.
    pub pods: Vec<PodIdentity>,
    /// Things worth knowing that do not stop the resize.
    pub notes: Vec<String>,
}

impl ResizePlan {
    /// True when the template and every claim already have the size.
    pub fn is_noop(&self) -> bool {
        !self.recreate
            && self.claims.iter().all(|c| {
                !c.needs_patch
                    && c.capacity
                        .as_deref()
                        .and_then(|q| parse_bytes(q).ok())
                        .is_some_and(|b| b >= self.to_bytes)
            })
    }

    /// The plan as numbered steps, for `--dry-run`.
    pub fn steps(&self) -> Vec<String> {
        let mut steps = Vec::new();
        if self.recreate {
            steps.push(format!(
                "write a backup of statefulset {:?} (namespace {:?}) and print its path",
                self.name, self.namespace
            ));
        }
        for c in self.claims.iter().filter(|c| c.needs_patch) {
            steps.push(format!(
                "patch persistentvolumeclaim {:?}: storage {} -> {}",
                c.pvc,
                c.requested.as_deref().unwrap_or("?"),
                self.to
            ));
        }
        steps.push(format!(
            "wait until {} claim(s) report capacity {}",
            self.claims.len(),
            self.to
        ));
        if self.recreate {
            steps.push(format!(
                "delete statefulset {:?} with propagationPolicy=Orphan (pods keep running)",
                self.name
            ));
            steps.push(format!(
                "re-create statefulset {:?} with volumeClaimTemplate {:?} requesting {} (everything else unchanged)",
                self.name, self.template, self.to
            ));
        }
        steps.push(format!(
            "verify that {} pod(s) were adopted without restarting (same UIDs)",
            self.pods.len()
        ));
        steps
    }
}

fn template_request(sts: &StatefulSet, template: &str) -> Option<String> {
    sts.spec
        .as_ref()?
        .volume_claim_templates
        .as_ref()?
        .iter()
        .find(|t| t.metadata.name.as_deref() == Some(template))?
        .spec
        .as_ref()?
        .resources
        .as_ref()?
        .requests
        .as_ref()?
        .get("storage")
        .map(|q| q.0.clone())
}

/// Checks a resize of `template` to `size` and plans it. Pure.
pub fn plan_resize(snap: &Snapshot, template: &str, size: &str) -> Result<ResizePlan> {
    let templates = snap.templates();
    if !templates.contains(&template) {
        return Err(Error::invalid(
            format!(
                "statefulset {:?} has no volumeClaimTemplate {template:?}",
                snap.name()
            ),
            if templates.is_empty() {
                "it has no volumeClaimTemplates at all".to_string()
            } else {
                format!("its templates are: {}", templates.join(", "))
            },
        ));
    }
    let to_bytes = parse_bytes(size).map_err(|m| Error::invalid(m, "pass --size like 2Gi"))?;
    if to_bytes == 0 {
        return Err(Error::invalid(
            format!("invalid size {size:?}: must be larger than zero"),
            "pass --size like 2Gi",
        ));
    }
    let from = template_request(&snap.statefulset, template).unwrap_or_else(|| "0".into());
    let from_bytes = parse_bytes(&from).unwrap_or(0);
    if to_bytes < from_bytes {
        return Err(Error::invalid(
            format!(
                "new size {size} is smaller than the current {from} of template {template:?}: volumes can only grow"
            ),
            format!("pass a --size larger than {from}"),
        ));
    }
    let mut notes = Vec::new();
    let storage_class = snap.template_storage_class_name(template);
    match (&snap.storage_classes, &storage_class) {
        (Some(_), Some(name)) => match snap.storage_class(name) {
            None => {
                return Err(Error::invalid(
                    format!("storageclass {name:?} of template {template:?} not found"),
                    "list them with: kubectl get storageclass",
                ))
            }
            Some(sc) if sc.allow_volume_expansion != Some(true) => {
                return Err(Error::invalid(
                    format!("storageclass {name:?} does not allow volume expansion (allowVolumeExpansion is not true)"),
                    format!("ask your cluster admin to set allowVolumeExpansion: true on storageclass {name:?}, or move the data to a class that allows it"),
                ))
            }
            Some(_) => {}
        },
        (Some(_), None) => {
            return Err(Error::invalid(
                format!("template {template:?} names no StorageClass and the cluster has no default one"),
                "set storageClassName on the template's claims",
            ))
        }
        (None, _) => notes.push(
            "storageclasses could not be read (forbidden): expansion support was not checked".into(),
        ),
    }
    if let Some(why) = snap.unsettled() {
        return Err(Error::refused(
            why,
            format!(
                "wait until it settles (kubectl rollout status statefulset/{} -n {})",
                snap.name(),
                snap.namespace()
            ),
        ));
    }
    let report = claim_map(snap);
    let rows: Vec<_> = report
        .claims
        .iter()
        .filter(|r| r.template == template && r.in_range)
        .collect();
    let not_bound: Vec<String> = rows
        .iter()
        .filter(|r| r.state != ClaimState::Bound)
        .map(|r| format!("{} is {}", r.pvc, r.state.as_str()))
        .collect();
    if !not_bound.is_empty() {
        return Err(Error::refused(
            format!(
                "every claim must be Bound before a resize: {}",
                not_bound.join(", ")
            ),
            format!(
                "see why with: kubectl sts-pvc {} -n {}",
                snap.name(),
                snap.namespace()
            ),
        ));
    }
    let orphans = report
        .claims
        .iter()
        .filter(|r| r.template == template && r.state == ClaimState::Orphaned)
        .count();
    if orphans > 0 {
        notes.push(format!(
            "{orphans} orphaned claim(s) of template {template:?} are left at their size; prune them or they come back small on scale-up"
        ));
    }
    let claims = rows
        .iter()
        .map(|r| ResizeClaim {
            pvc: r.pvc.clone(),
            ordinal: r.ordinal,
            requested: r.requested.clone(),
            capacity: r.capacity.clone(),
            needs_patch: r
                .requested
                .as_deref()
                .and_then(|q| parse_bytes(q).ok())
                .is_none_or(|b| b < to_bytes),
        })
        .collect();
    let pods = snap
        .pods_by_ordinal()
        .into_iter()
        .filter(|(o, _)| snap.range().contains(o))
        .map(|(_, p)| PodIdentity {
            name: p.metadata.name.clone().unwrap_or_default(),
            uid: p.metadata.uid.clone().unwrap_or_default(),
        })
        .collect();
    Ok(ResizePlan {
        namespace: snap.namespace().to_string(),
        name: snap.name().to_string(),
        uid: snap.statefulset.metadata.uid.clone().unwrap_or_default(),
        template: template.to_string(),
        from,
        to: size.to_string(),
        to_bytes,
        storage_class,
        claims,
        recreate: to_bytes > from_bytes,
        pods,
        notes,
    })
}

/// What is written before anything changes; enough to finish or undo the resize by hand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    /// Our schema version.
    pub api_version: String,
    /// [`BACKUP_KIND`].
    pub kind: String,
    /// When it was written (RFC 3339).
    pub created_at: String,
    /// The template being resized.
    pub template: String,
    /// The new size.
    pub size: String,
    /// Pods before the resize.
    pub pods: Vec<PodIdentity>,
    /// The StatefulSet exactly as it was read.
    pub stateful_set: StatefulSet,
}

impl Backup {
    /// Namespace of the backed-up StatefulSet.
    pub fn namespace(&self) -> &str {
        self.stateful_set
            .metadata
            .namespace
            .as_deref()
            .unwrap_or("default")
    }

    /// Name of the backed-up StatefulSet.
    pub fn name(&self) -> &str {
        self.stateful_set
            .metadata
            .name
            .as_deref()
            .unwrap_or_default()
    }
}

/// The StatefulSet to create: the original with the template's request set to `size`, and
/// server-owned metadata and status dropped.
pub fn recreated_statefulset(original: &StatefulSet, template: &str, size: &str) -> StatefulSet {
    let mut sts = original.clone();
    let meta = &mut sts.metadata;
    meta.uid = None;
    meta.resource_version = None;
    meta.creation_timestamp = None;
    meta.deletion_timestamp = None;
    meta.deletion_grace_period_seconds = None;
    meta.generation = None;
    meta.managed_fields = None;
    meta.self_link = None;
    sts.status = None;
    if let Some(t) = sts
        .spec
        .as_mut()
        .and_then(|s| s.volume_claim_templates.as_mut())
        .and_then(|ts| {
            ts.iter_mut()
                .find(|t| t.metadata.name.as_deref() == Some(template))
        })
    {
        let requests = t
            .spec
            .get_or_insert_with(Default::default)
            .resources
            .get_or_insert_with(Default::default)
            .requests
            .get_or_insert_with(Default::default);
        requests.insert("storage".into(), Quantity(size.into()));
    }
    sts
}

/// `<namespace>_<name>_<UTC time>.json`.
pub fn backup_file_name(namespace: &str, name: &str, at: jiff::Timestamp) -> String {
    format!("{namespace}_{name}_{}.json", at.strftime("%Y%m%dT%H%M%SZ"))
}

/// The newest backup of `namespace/name` in `dir`, if any.
pub fn latest_backup(dir: &Path, namespace: &str, name: &str) -> Option<PathBuf> {
    let prefix = format!("{namespace}_{name}_");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// The default backup directory: `$XDG_STATE_HOME/kubectl-sts/backups`, else
/// `~/.local/state/kubectl-sts/backups`.
pub fn default_backup_dir() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("kubectl-sts").join("backups")
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::File {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Reads a backup file.
pub fn read_backup(path: &Path) -> Result<Backup> {
    let text = std::fs::read_to_string(path).map_err(|e| file_err(path, e))?;
    let backup: Backup = serde_json::from_str(&text).map_err(|e| file_err(path, e))?;
    if backup.kind != BACKUP_KIND {
        return Err(file_err(
            path,
            format!("not a {BACKUP_KIND} (kind {:?})", backup.kind),
        ));
    }
    Ok(backup)
}

fn write_backup(dir: &Path, snap: &Snapshot, plan: &ResizePlan) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| file_err(dir, e))?;
    let now = jiff::Timestamp::now();
    let path = dir.join(backup_file_name(&plan.namespace, &plan.name, now));
    let backup = Backup {
        api_version: crate::render::API_VERSION.into(),
        kind: BACKUP_KIND.into(),
        created_at: now.to_string(),
        template: plan.template.clone(),
        size: plan.to.clone(),
        pods: plan.pods.clone(),
        stateful_set: snap.statefulset.clone(),
    };
    let text = serde_json::to_string_pretty(&backup).map_err(|e| file_err(&path, e))?;
    std::fs::write(&path, text).map_err(|e| file_err(&path, e))?;
    Ok(path)
}

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
            let snap = read::snapshots_of(target, vec![sts])
                .await?
                .pop()
                .ok_or_else(|| Error::Other("statefulset vanished while reading it".into()))?;
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
            let snap = read::snapshots_of(target, vec![backup.stateful_set.clone()])
                .await?
                .pop()
                .ok_or_else(|| Error::Other("empty snapshot of the backup".into()))?;
            let mut plan = plan_resize(&snap, &backup.template, &backup.size)?;
            plan.pods = backup.pods.clone();
            if opts.dry_run {
                return Ok(ResizeOutcome::Planned(plan));
            }
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
        api,
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
        api,
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
    let pod_api: Api<Pod> = Api::namespaced(target.client.clone(), &plan.namespace);
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
        return Err(Error::Other(format!(
            "pod(s) {} were re-created during the resize (UID changed); their data is on the same claims",
            restarted.join(", ")
        )));
    }
    waited?;
    Ok(plan.pods.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures::*;

    #[test]
    fn plans_patch_and_recreate() {
        let snap = snapshot(2, 0, &["data", "logs"], 0..3);
        let plan = plan_resize(&snap, "data", "2Gi").unwrap();
        assert!(plan.recreate);
        assert_eq!(plan.from, "1Gi");
        let names: Vec<_> = plan.claims.iter().map(|c| c.pvc.as_str()).collect();
        assert_eq!(
            names,
            ["data-web-0", "data-web-1"],
            "orphans are not resized"
        );
        assert!(plan.claims.iter().all(|c| c.needs_patch));
        assert_eq!(plan.pods.len(), 2);
        assert_eq!(plan.notes.len(), 1, "{:?}", plan.notes);
        let steps = plan.steps();
        assert!(steps.iter().any(|s| s.contains("propagationPolicy=Orphan")));
        assert!(!plan.is_noop());
    }

    #[test]
    fn rejects_bad_input() {
        let snap = snapshot(2, 0, &["data"], 0..2);
        let msg = |t: &str, s: &str| plan_resize(&snap, t, s).unwrap_err().to_string();
        assert!(msg("logs", "2Gi").contains("no volumeClaimTemplate \"logs\""));
        assert!(msg("data", "2GB").contains("invalid size"));
        assert!(msg("data", "512Mi").contains("smaller"));
        assert!(msg("data", "0").contains("larger than zero"));
    }

    #[test]
    fn same_size_is_noop() {
        let plan = plan_resize(&snapshot(2, 0, &["data"], 0..2), "data", "1Gi").unwrap();
        assert!(plan.is_noop());
    }

    #[test]
    fn rejects_class_without_expansion() {
        let mut snap = snapshot(2, 0, &["data"], 0..2);
        snap.storage_classes = Some(vec![standard_class(false)]);
        let err = plan_resize(&snap, "data", "2Gi").unwrap_err();
        assert!(err.to_string().contains("does not allow volume expansion"));
        snap.storage_classes = None;
        let plan = plan_resize(&snap, "data", "2Gi").unwrap();
        assert!(plan.notes[0].contains("not checked"));
    }

    #[test]
    fn refuses_unbound_claims() {
        let mut snap = snapshot(2, 0, &["data"], 0..2);
        snap.claims[1] = claim("data", "web", 1, "Pending");
        let err = plan_resize(&snap, "data", "2Gi").unwrap_err();
        assert!(err.to_string().contains("data-web-1 is Pending"), "{err}");
        let mut snap = snapshot(2, 0, &["data"], 0..1);
        let err = plan_resize(&snap, "data", "2Gi").unwrap_err();
        assert!(err.to_string().contains("data-web-1 is Missing"), "{err}");
        snap.statefulset.metadata.generation = Some(3);
        assert!(plan_resize(&snap, "data", "2Gi").is_err());
    }

    #[test]
    fn recreated_object_changes_only_the_size() {
        let snap = snapshot(2, 0, &["data", "logs"], 0..2);
        let mut original = snap.statefulset.clone();
        original.metadata.resource_version = Some("42".into());
        let new = recreated_statefulset(&original, "data", "2Gi");
        assert_eq!(new.metadata.uid, None);
        assert_eq!(new.metadata.resource_version, None);
        assert!(new.status.is_none());
        assert_eq!(template_request(&new, "data").as_deref(), Some("2Gi"));
        assert_eq!(template_request(&new, "logs").as_deref(), Some("1Gi"));
        let mut expected = original.spec.clone().unwrap();
        expected.volume_claim_templates = new.spec.as_ref().unwrap().volume_claim_templates.clone();
        assert_eq!(new.spec.unwrap(), expected);
    }

    #[test]
    fn backups_are_found_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let t1: jiff::Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let t2: jiff::Timestamp = "2024-01-02T00:00:00Z".parse().unwrap();
        for t in [t1, t2] {
            std::fs::write(dir.path().join(backup_file_name("default", "web", t)), "{}").unwrap();
        }
        std::fs::write(
            dir.path().join(backup_file_name("default", "webx", t2)),
            "{}",
        )
        .unwrap();
        let latest = latest_backup(dir.path(), "default", "web").unwrap();
        assert!(
            latest.ends_with("default_web_20240102T000000Z.json"),
            "{latest:?}"
        );
        assert!(latest_backup(dir.path(), "default", "db").is_none());
        assert!(read_backup(&latest).is_err());
    }
}

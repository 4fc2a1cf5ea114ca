//! The commands of `kubectl sts-pvc`, one function each: read snapshots, run the pure
//! map/plan, drive the API where the command mutates. The binary parses flags, calls one of
//! these and renders the result.

use std::time::Duration;

use crate::cli::target::Target;
use crate::error::{Error, Result};
use crate::pvc::claims::{claim_map, ClaimsReport};
use crate::pvc::prune::{execute_prune, plan_prune, PrunePlan, PruneStep};
use crate::pvc::retention::{retention_report, set_policy, RetentionReport};
use crate::pvc::usage::{measure, UsageReport, UsageSource};
use crate::read;

/// The claim map of the named StatefulSets (or all selected in scope).
pub async fn map(target: &Target, names: &[String]) -> Result<Vec<ClaimsReport>> {
    let snaps = read::snapshots(target, names).await?;
    Ok(snaps.iter().map(claim_map).collect())
}

/// Usage of every claim of the named StatefulSets; `timeout` bounds each exec (per pod) or
/// kubelet request (per node).
pub async fn usage(
    target: &Target,
    names: &[String],
    source: UsageSource,
    timeout: Duration,
) -> Result<Vec<UsageReport>> {
    let snaps = read::snapshots(target, names).await?;
    measure(target, &snaps, source, timeout).await
}

/// Plans the pruning of every selected StatefulSet (all plans must pass their checks before
/// anything is deleted), then deletes when `execute`, reporting each deletion.
pub async fn prune(
    target: &Target,
    names: &[String],
    ordinals: &[i32],
    execute: bool,
    mut on_deleted: impl FnMut(&PruneStep),
) -> Result<Vec<PrunePlan>> {
    if !ordinals.is_empty() && names.len() != 1 {
        return Err(Error::invalid(
            "--ordinal needs exactly one StatefulSet name",
            "run: kubectl sts-pvc prune NAME --ordinal N",
        ));
    }
    let snaps = read::snapshots(target, names).await?;
    let plans = snaps
        .iter()
        .map(|s| plan_prune(s, ordinals))
        .collect::<Result<Vec<_>>>()?;
    if execute {
        for plan in &plans {
            execute_prune(target, plan, &mut on_deleted).await?;
        }
    }
    Ok(plans)
}

/// Shows the retention policy of `name` and the owner references of its claims; with
/// `when_scaled`/`when_deleted`, patches the policy first (server-side dry run with `dry_run`).
pub async fn retention(
    target: &Target,
    name: &str,
    when_scaled: Option<&str>,
    when_deleted: Option<&str>,
    dry_run: bool,
) -> Result<RetentionReport> {
    target.single_namespace("retention")?;
    let snap = read::snapshot(target, name).await?;
    if when_scaled.is_none() && when_deleted.is_none() {
        return Ok(retention_report(&snap));
    }
    let policy = set_policy(target, &snap, when_scaled, when_deleted, dry_run).await?;
    if dry_run {
        // Show what the controller would aim for under the new policy.
        let mut snap = snap;
        if let Some(spec) = snap.statefulset.spec.as_mut() {
            spec.persistent_volume_claim_retention_policy = Some(
                k8s_openapi::api::apps::v1::StatefulSetPersistentVolumeClaimRetentionPolicy {
                    when_scaled: Some(policy.when_scaled),
                    when_deleted: Some(policy.when_deleted),
                },
            );
        }
        return Ok(retention_report(&snap));
    }
    // Re-read so owner references reflect the new policy as far as the controller got.
    Ok(retention_report(&read::snapshot(target, name).await?))
}

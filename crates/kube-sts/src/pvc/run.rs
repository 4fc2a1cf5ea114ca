//! The commands of `kubectl sts-pvc`, one function each, and the drivers that carry out their
//! pure plans against the API: read snapshots, map or plan (pure, in [`crate::pvc::claims`],
//! [`crate::pvc::prune`], [`crate::pvc::retention`], [`crate::pvc::usage`]), then delete,
//! patch or measure. `resize` and `restore` live in [`crate::pvc::resize::run`] (re-exported
//! here). The binary parses flags, calls one of these and prints what
//! [`crate::pvc::messages`] makes of the result.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::{stream, StreamExt};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::api::{Api, DeleteParams, Patch, PatchParams, Preconditions};

use crate::api::access::{refused_exec, require};
use crate::api::exec::{exec, Exit};
use crate::api::proxy::{get_text, node_url};
use crate::api::CallError;
use crate::cli::target::Target;
use crate::error::{Error, Result, Subject};
use crate::pvc::claims::{claim_map, ClaimsReport};
use crate::pvc::permissions;
use crate::pvc::prune::{plan_prune, PrunePlan, PruneStep};
use crate::pvc::retention::{policy_patch, retention_report, RetentionPolicy, RetentionReport};
use crate::pvc::usage::{
    parse_df, parse_summary, probes, row, Measured, ProbeTarget, UsageReport, UsageRow, UsageSource,
};
use crate::read;
use crate::read::snapshot::Snapshot;

pub use crate::pvc::resize::run::{resize, restore};

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
        require(&target.client, &permissions::prune(&plans)).await?;
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

/// Deletes the planned claims in order, calling `on_deleted` after each.
pub async fn execute_prune(
    target: &Target,
    plan: &PrunePlan,
    mut on_deleted: impl FnMut(&PruneStep),
) -> Result<()> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(target.client.clone(), &plan.namespace);
    for step in &plan.deletions {
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                uid: Some(step.uid.clone()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        api.delete(&step.pvc, &params).await.map_err(|e| {
            Error::from_kube(
                e,
                Subject::object(
                    "delete",
                    "persistentvolumeclaim",
                    &step.pvc,
                    Some(&plan.namespace),
                ),
            )
        })?;
        on_deleted(step);
    }
    Ok(())
}

/// Patches the policy (server-side dry run with `dry_run`) and returns the resulting policy.
pub async fn set_policy(
    target: &Target,
    snap: &Snapshot,
    when_scaled: Option<&str>,
    when_deleted: Option<&str>,
    dry_run: bool,
) -> Result<RetentionPolicy> {
    let api: Api<StatefulSet> = Api::namespaced(target.client.clone(), snap.namespace());
    let params = PatchParams {
        dry_run,
        ..PatchParams::default()
    };
    let patched = api
        .patch(
            snap.name(),
            &params,
            &Patch::Merge(policy_patch(when_scaled, when_deleted)),
        )
        .await
        .map_err(|e| {
            Error::from_kube(
                e,
                Subject::object("patch", "statefulset", snap.name(), Some(snap.namespace())),
            )
        })?;
    Ok(RetentionPolicy::of(&patched))
}

/// Why no numbers came back for a row: the text shown in its `reason` column.
fn no_answer(timeout: Duration) -> String {
    format!("no answer within {}s (--timeout)", timeout.as_secs_f64())
}

/// Runs `df` in the pod that mounts the claim. A refused exec ends the command (every other
/// pod would be refused too); any other failure is that row's reason.
async fn df_in_pod(
    target: &Target,
    ns: &str,
    t: &ProbeTarget,
    timeout: Duration,
) -> Result<std::result::Result<Measured, String>> {
    let argv = ["df", "-P", "-k", t.path.as_str()];
    let output = match exec(&target.client, ns, &t.pod, &t.container, &argv, timeout).await {
        Ok(output) => output,
        Err(err) => {
            if let Some(message) = err.forbidden_message() {
                return Err(exec_refused(target, ns, &t.pod, message).await);
            }
            return Ok(Err(match err {
                CallError::Timeout(timeout) => no_answer(timeout),
                CallError::Request(message) => format!("exec failed: {message}"),
                CallError::Kube(e) => format!("exec failed: {e}"),
            }));
        }
    };
    if output.exit != Exit::Success {
        return Ok(Err(format!("df failed: {}", output.detail())));
    }
    Ok(parse_df(&String::from_utf8_lossy(&output.stdout)))
}

/// The error for a refused exec into `pod`, naming the missing verb ([`refused_exec`]).
async fn exec_refused(target: &Target, ns: &str, pod: &str, message: &str) -> Error {
    let suggestion = "try --source kubelet if you may get nodes/proxy";
    let message = if message.is_empty() {
        format!("exec into the pod was refused; {suggestion}")
    } else {
        format!("{message}; {suggestion}")
    };
    let subject = refused_exec(&target.client, ns, pod).await;
    Error::Forbidden { subject, message }
}

/// The kubelet's stats summary of `node`, or why a row on that node has no numbers: a
/// refused request ends the command, a node that does not answer in time only its rows.
async fn kubelet_summary(
    target: &Target,
    node: &str,
    timeout: Duration,
) -> Result<std::result::Result<String, String>> {
    let url = node_url(node, "stats/summary");
    match get_text(&target.client, &url, timeout).await {
        Ok(text) => Ok(Ok(text)),
        Err(CallError::Timeout(timeout)) => Ok(Err(format!(
            "kubelet on node {node}: {}",
            no_answer(timeout)
        ))),
        Err(CallError::Request(message)) => Ok(Err(format!("kubelet on node {node}: {message}"))),
        Err(CallError::Kube(e)) => Err(Error::from_kube(
            e,
            Subject::object("get", "nodes/proxy", node, None),
        )),
    }
}

/// Measures every claim of every snapshot from `source`.
pub async fn measure(
    target: &Target,
    snaps: &[Snapshot],
    source: UsageSource,
    timeout: Duration,
) -> Result<Vec<UsageReport>> {
    let mut reports = Vec::new();
    for snap in snaps {
        let ns = snap.namespace();
        let probes = probes(snap);
        let rows = match source {
            UsageSource::Exec => {
                let results: Vec<Result<UsageRow>> = stream::iter(&probes)
                    .map(|p| async move {
                        match &p.target {
                            Err(why) => Ok(row(p, Err(why.clone()))),
                            Ok(t) => Ok(row(p, df_in_pod(target, ns, t, timeout).await?)),
                        }
                    })
                    .buffered(8)
                    .collect()
                    .await;
                results.into_iter().collect::<Result<Vec<_>>>()?
            }
            UsageSource::Kubelet => {
                let nodes: BTreeSet<&str> = probes
                    .iter()
                    .filter_map(|p| p.target.as_ref().ok()?.node.as_deref())
                    .collect();
                let mut stats = BTreeMap::new();
                let mut unanswered = BTreeMap::new();
                for node in nodes {
                    match kubelet_summary(target, node, timeout).await? {
                        Ok(text) => stats.extend(parse_summary(&text, ns).map_err(|message| {
                            Error::UnexpectedAnswer {
                                subject: Box::new(Subject::object(
                                    "get",
                                    "nodes/proxy",
                                    node,
                                    None,
                                )),
                                message,
                                hint: Some("read usage with --source exec instead".into()),
                            }
                        })?),
                        Err(why) => {
                            unanswered.insert(node, why);
                        }
                    }
                }
                probes
                    .iter()
                    .map(|p| match &p.target {
                        Err(why) => row(p, Err(why.clone())),
                        Ok(t) => {
                            let why_not = t.node.as_deref().and_then(|n| unanswered.get(n));
                            let measured = match why_not {
                                Some(why) => Err(why.clone()),
                                None => stats
                                    .get(&(t.pod.clone(), p.pvc.clone()))
                                    .copied()
                                    .ok_or_else(|| {
                                        "no stats for this volume from the kubelet".to_string()
                                    }),
                            };
                            row(p, measured)
                        }
                    })
                    .collect()
            }
        };
        reports.push(UsageReport {
            namespace: ns.to_string(),
            name: snap.name().to_string(),
            source,
            claims: rows,
        });
    }
    Ok(reports)
}

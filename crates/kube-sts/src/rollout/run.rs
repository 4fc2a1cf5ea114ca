//! Drives a rollout to its end with the [`Driver`]'s watches: the steps of a plan, the forced
//! undo, and every kind of stop (Ctrl-C, a failed step, a timeout: pause where it stands and say
//! how to resume or undo; `--rollback-on-failure`: undo instead; someone else's edit: touch
//! nothing). It reports through the run's [`Reporter`](super::events::Reporter) and never prints.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Preconditions};
use serde_json::Value;

use super::commands::{state_ops, stuck_pods, undo_ops, Ctx, Outcome, RunOptions};
use super::driver::{self, Checks, Driver};
use super::events::Progress;
use super::history;
use super::model::{self, Revision, StrategyKind};
use super::patch;
use super::permissions::{self, RunKind};
use super::plan;
use super::state::RolloutState;
use super::stop::Stop;
use crate::api::access;
use crate::error::{Error, Result, Subject};
use crate::k8s::identity;

/// Runs the steps of `state` (after applying `first_patch`), handling every kind of stop.
#[allow(clippy::too_many_arguments)]
pub(super) async fn drive(
    ctx: &Ctx,
    sts: StatefulSet,
    from: i32,
    state: RolloutState,
    first_patch: Option<Vec<Value>>,
    opts: &RunOptions,
    first_line: Option<String>,
) -> Result<Outcome> {
    // Refused here, nothing has changed yet: better than a refusal half-way.
    let needed = permissions::run_permissions(&sts, RunKind::Steps, opts);
    access::require(&ctx.target.client, &needed).await?;
    let interrupted = driver::listen_for_interrupt();
    let checks = Checks {
        http: opts.check_http.clone(),
        data: opts
            .data_check
            .as_ref()
            .map(|r| super::data::visits_reader(&ctx.target, &sts, r.clone())),
    };
    let mut d = Driver::open(&ctx.target, &sts, interrupted, ctx.report.clone(), checks);
    let mut state = state;
    // Nothing has changed yet if the first patch fails: report it, pause nothing.
    if let Some(ops) = first_patch {
        d.patch(&ops).await.map_err(Error::from)?;
    }
    let result = run_plan(ctx, &mut d, &sts, from, &mut state, opts, first_line).await;
    let stop = match result {
        Ok(outcome) => return Ok(outcome),
        Err(stop) => stop,
    };
    let step_partition = state
        .remaining()
        .first()
        .copied()
        .or(state.partitions.last().copied())
        .unwrap_or(0);
    let total = state.partitions.len();
    let step_text = format!("step {}/{total}", (state.done + 1).min(total.max(1)));
    match stop {
        Stop::ConcurrentEdit(_) | Stop::PausedElsewhere => {
            (d.report)(Progress::StepSettled);
            Err(Error::Incomplete {
                step: format!("stopped at {step_text}"),
                source: Box::new(Error::from(stop)),
                hint: format!(
                    "nothing was changed by this stop; see: kubectl sts-rollout status {} -n {}",
                    ctx.name, ctx.namespace
                ),
            })
        }
        Stop::Interrupted | Stop::Timeout(_) | Stop::Failed(_) | Stop::Api(_) => {
            (d.report)(Progress::StepSettled);
            let why = match &stop {
                Stop::Interrupted => "interrupted".to_string(),
                other => other.to_string(),
            };
            // Refused by RBAC: pause (as after Ctrl-C) rather than roll back, which would need
            // more of what was refused.
            let refused = matches!(&stop, Stop::Api(e) if e.is_forbidden());
            if opts.rollback_on_failure && !refused && !matches!(stop, Stop::Interrupted) {
                ctx.notice(format!("error: {why}"));
                ctx.notice("rolling back (--rollback-on-failure)");
                let rev = rollback_target(ctx, &d, &state).await?;
                undo_with(ctx, &mut d, &rev, true, opts).await?;
                return Err(Error::Incomplete {
                    step: format!(
                        "{step_text} failed and was rolled back to revision {} ({})",
                        rev.number, rev.name
                    ),
                    source: Box::new(Error::from(stop)),
                    hint: format!(
                        "every pod runs revision {} again; see: kubectl sts-rollout history {} -n {}",
                        rev.number, ctx.name, ctx.namespace
                    ),
                });
            }
            let paused = pause_here(&mut d, &mut state, step_partition).await;
            let where_ = match &paused {
                Ok(p) => format!(
                    "rollout paused at {step_text}: partition {p} (no more pods will update)"
                ),
                Err(e) => format!(
                    "could not pause the rollout ({e}); check it with kubectl sts-rollout status {}",
                    ctx.name
                ),
            };
            if matches!(stop, Stop::Interrupted) {
                ctx.notice("interrupted");
            }
            ctx.notice(where_);
            ctx.notice(format!("to continue: {}", ctx.resume_cmd()));
            ctx.notice(format!("to roll back: {}", ctx.undo_cmd()));
            match stop {
                Stop::Interrupted => Ok(Outcome::Interrupted),
                other => {
                    let source = Error::from(other);
                    let hint = match (refused, source.hint()) {
                        (true, Some(ask)) => {
                            format!("{ask}; then continue with: {}", ctx.resume_cmd())
                        }
                        _ => format!(
                            "see the pods with: kubectl sts-rollout status {} -n {}",
                            ctx.name, ctx.namespace
                        ),
                    };
                    Err(Error::Incomplete {
                        step: format!("rollout stopped at {step_text}"),
                        source: Box::new(source),
                        hint,
                    })
                }
            }
        }
    }
}

/// The StatefulSet was deleted while a rollout drove it (its watch said so).
fn gone(name: &str, namespace: &str) -> Error {
    Error::NotFound {
        subject: Subject::object("get", "statefulset", name, Some(namespace)),
    }
}

/// Freezes the StatefulSet: partition = replicas (RollingUpdate) and the state marked paused.
async fn pause_here(
    d: &mut Driver,
    state: &mut RolloutState,
    resume_at: i32,
) -> std::result::Result<i32, Error> {
    let Some(sts) = d.sts().cloned() else {
        return Err(gone(&d.name, &d.namespace));
    };
    let replicas = identity::desired_replicas(&sts);
    state.paused = true;
    state.resume_partition = Some(resume_at);
    let mut ops = match model::strategy(&sts) {
        StrategyKind::RollingUpdate => {
            let expected = d.our_partition.unwrap_or_else(|| model::partition(&sts));
            state.partition = replicas;
            patch::partition_ops(&sts, expected, replicas)
        }
        StrategyKind::OnDelete => vec![],
    };
    ops.extend(state_ops(&sts, Some(state)));
    d.patch(&ops).await.map_err(Error::from)?;
    Ok(if model::strategy(&sts) == StrategyKind::RollingUpdate {
        replicas
    } else {
        resume_at
    })
}

async fn rollback_target(ctx: &Ctx, d: &Driver, state: &RolloutState) -> Result<Revision> {
    let sts = d
        .sts()
        .cloned()
        .ok_or_else(|| gone(&ctx.name, &ctx.namespace))?;
    let revs = ctx.revisions(&sts).await?;
    if let Some(prev) = &state.previous_revision {
        if let Some(r) = revs.iter().find(|r| &r.name == prev) {
            return Ok(r.clone());
        }
    }
    history::undo_target(
        &revs,
        model::update_revision(&sts),
        model::current_revision(&sts),
        true,
        None,
        &ctx.name,
    )
    .cloned()
}

#[allow(clippy::too_many_arguments)]
async fn run_plan(
    ctx: &Ctx,
    d: &mut Driver,
    sts: &StatefulSet,
    from: i32,
    state: &mut RolloutState,
    opts: &RunOptions,
    first_line: Option<String>,
) -> std::result::Result<Outcome, Stop> {
    let strategy = model::strategy(sts);
    let replicas = identity::desired_replicas(sts);
    let start = identity::start_ordinal(sts);
    if let Some(line) = first_line {
        (d.report)(Progress::Line(line));
    }
    let observed = d.await_observed(opts.timeout).await?;
    let revision = model::observed_update_revision(&observed)
        .unwrap_or("?")
        .to_string();
    let steps = plan::steps(
        &state.partitions,
        from,
        replicas,
        start,
        strategy,
        opts.max_unavailable,
    );
    let total = steps.len();
    for (i, step) in steps.iter().enumerate() {
        let pods: Vec<String> = step
            .ordinals
            .iter()
            .map(|o| identity::pod_name(&ctx.name, *o))
            .collect();
        let verb = match strategy {
            StrategyKind::RollingUpdate => "updating",
            StrategyKind::OnDelete => "deleting and replacing",
        };
        (d.report)(Progress::Line(format!(
            "step {}/{total}: partition {} ({verb} {})",
            i + 1,
            step.partition,
            if pods.is_empty() {
                "no new pods".into()
            } else {
                pods.join(", ")
            }
        )));
        let mut before = BTreeMap::new();
        if strategy == StrategyKind::RollingUpdate {
            before = d.read_counters(&step.ordinals).await?;
            let latest = d.sts().cloned().unwrap_or_else(|| sts.clone());
            let expected = d.our_partition.unwrap_or_else(|| model::partition(&latest));
            if i > 0 || expected != step.partition {
                state.partition = step.partition;
                let mut ops = patch::partition_ops(&latest, expected, step.partition);
                ops.extend(state_ops(&latest, Some(state)));
                d.patch(&ops).await?;
            }
        } else if i > 0 {
            let latest = d.sts().cloned().unwrap_or_else(|| sts.clone());
            state.partition = step.partition;
            let mut ops = vec![patch::test_generation(&latest)];
            ops.extend(state_ops(&latest, Some(state)));
            d.patch(&ops).await?;
        }
        d.run_step(
            step,
            total,
            strategy,
            opts.max_unavailable,
            opts.timeout,
            before,
        )
        .await?;
        state.done = i + 1;
        (d.report)(Progress::Line(format!(
            "step {}/{total} done: {} pod(s) on revision {revision}",
            i + 1,
            step.covered.len()
        )));
        if i + 1 < total {
            let latest = d.sts().cloned().unwrap_or_else(|| sts.clone());
            if opts.manual {
                state.partition = if strategy == StrategyKind::RollingUpdate {
                    step.partition
                } else {
                    state.partition
                };
                let ops = state_ops(&latest, Some(state));
                d.patch(&ops).await?;
                (d.report)(Progress::Line(format!(
                    "paused after step {}/{total} (--manual); continue with: kubectl sts-rollout promote {} -n {}",
                    i + 1,
                    ctx.name,
                    ctx.namespace
                )));
                return Ok(Outcome::Done);
            }
            if let Some(wait) = opts.pause_between {
                let ops = state_ops(&latest, Some(state));
                d.patch(&ops).await?;
                (d.report)(Progress::Line(format!(
                    "waiting {} before step {}/{total}",
                    crate::k8s::age::human_duration(wait.as_secs() as i64),
                    i + 2
                )));
                d.pause_for(wait).await?;
            }
        }
    }
    // Done: forget the state.
    let latest = d.sts().cloned().unwrap_or_else(|| sts.clone());
    let ops = state_ops(&latest, None);
    if !ops.is_empty() {
        d.patch(&ops).await?;
    }
    let final_partition = state.partitions.last().copied().unwrap_or(0);
    let updated = replicas - final_partition;
    if strategy == StrategyKind::OnDelete {
        (d.report)(Progress::Line(format!(
            "roll out complete: {updated} pods at revision {revision} (OnDelete)"
        )));
    } else if final_partition > 0 {
        (d.report)(Progress::Line(format!(
            "partitioned roll out complete: {updated} new pods have been updated..."
        )));
    } else {
        (d.report)(Progress::Line(format!(
            "statefulset rolling update complete {updated} pods at revision {revision}..."
        )));
    }
    Ok(Outcome::Done)
}

/// Rolls back to `rev` with the driver's watches: patch, delete stuck pods, wait for all pods.
pub(super) async fn undo_with(
    ctx: &Ctx,
    d: &mut Driver,
    rev: &Revision,
    force: bool,
    opts: &RunOptions,
) -> Result<()> {
    let sts = match d.sts().cloned() {
        Some(s) => s,
        None => ctx.get().await?,
    };
    let ops = undo_ops(&sts, rev, force);
    let changed_template = ops.iter().any(|o| o["path"] == "/spec/template");
    if !ops.is_empty() {
        d.patch(&ops).await.map_err(Error::from)?;
    }
    if changed_template {
        (d.report)(Progress::Line(format!(
            "statefulset.apps/{} rolled back",
            ctx.name
        )));
    } else {
        (d.report)(Progress::Line(format!(
            "statefulset.apps/{} skipped rollback (current template already matches revision {})",
            ctx.name, rev.number
        )));
    }
    if model::partition(&sts) != 0 && model::strategy(&sts) == StrategyKind::RollingUpdate {
        (d.report)(Progress::Line(format!(
            "partition set from {} to 0 so that every pod returns to revision {}",
            model::partition(&sts),
            rev.number
        )));
    }
    let observed = d.await_observed(opts.timeout).await.map_err(Error::from)?;
    let stuck = stuck_pods(
        &observed,
        &d.live.pods.objects().values().cloned().collect::<Vec<_>>(),
        &rev.name,
    );
    let pods: Api<Pod> = Api::namespaced(ctx.target.client.clone(), &ctx.namespace);
    for (pod, uid) in stuck {
        let dp = DeleteParams {
            preconditions: Some(Preconditions {
                uid: Some(uid),
                resource_version: None,
            }),
            ..Default::default()
        };
        match pods.delete(&pod, &dp).await {
            Ok(_) => (d.report)(Progress::Line(format!(
                "pod \"{pod}\" deleted (stuck on another revision)"
            ))),
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => {}
            Err(e) => {
                return Err(Error::from_kube(
                    e,
                    Subject::object("delete", "pods", &pod, Some(&ctx.namespace)),
                ))
            }
        }
    }
    let replicas = identity::desired_replicas(&observed);
    let start = identity::start_ordinal(&observed);
    let strategy = model::strategy(&observed);
    let step = plan::steps(
        &[0],
        replicas,
        replicas,
        start,
        strategy,
        opts.max_unavailable,
    )
    .pop()
    .ok_or_else(|| Error::Other("empty undo plan".into()))?;
    d.checks = Checks::default();
    d.run_step(
        &step,
        1,
        strategy,
        opts.max_unavailable,
        opts.timeout,
        BTreeMap::new(),
    )
    .await
    .map_err(|s| match s {
        Stop::Timeout(t) => Error::Timeout { what: t },
        other => Error::from(other),
    })?;
    (d.report)(Progress::Line(format!(
        "rollback complete: {replicas} pods at revision {} ({})",
        rev.number, rev.name
    )));
    Ok(())
}

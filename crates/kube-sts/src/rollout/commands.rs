//! One function per `kubectl sts-rollout` command that changes something. Each reads the
//! StatefulSet once, checks the flags against it, builds a plan (pure), reports it for
//! `--dry-run`, or hands it to [`super::run`], which drives it and handles every stop. The
//! read-only commands live in [`super::reads`] (re-exported here).

use std::time::Duration;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde_json::Value;

use super::calls;
use super::data_sources::SavedDataCheck;
use super::driver::{self, Checks, Driver};
use super::events::{Progress, Reporter};
use super::history;
use super::model::{self, Revision, StrategyKind};
use super::patch::{self, EnvChange, ImageChange};
use super::permissions::{self, RunKind};
use super::plan::{self, HttpCheck, Plan, StepOptions, StepSpec};
pub use super::reads::{diff, history, status, watch_status};
use super::run::{drive, undo_with};
use super::state::{RolloutState, STATE_ANNOTATION};
use super::stop::Stop;
use super::view;
use crate::cli::target::Target;
use crate::error::{Error, Result, Subject};
use crate::k8s::identity;
use crate::k8s::owners;
pub use crate::render::outcome::Outcome;
use crate::visits::source::SourceRequest;

/// How a mutating command runs.
#[derive(Clone)]
pub struct RunOptions {
    /// How long each step may take.
    pub timeout: Duration,
    /// Change the partition and return without waiting.
    pub no_wait: bool,
    /// Print the plan and change nothing.
    pub dry_run: bool,
    /// Stop after each step.
    pub manual: bool,
    /// Wait between steps.
    pub pause_between: Option<Duration>,
    /// GET through the pod proxy on each new pod.
    pub check_http: Option<HttpCheck>,
    /// `--data-check`: where each pod's counter is read (as `kubectl sts-visits` does).
    pub data_check: Option<SourceRequest>,
    /// Undo (forced) when a step fails.
    pub rollback_on_failure: bool,
    /// OnDelete: pods deleted at once.
    pub max_unavailable: i32,
    /// Whether the user said `--max-unavailable` (refused under RollingUpdate, where the
    /// controller paces the replacements).
    pub max_unavailable_explicit: bool,
    /// Where the run's progress goes.
    pub report: Reporter,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timeout: Duration::from_secs(300),
            no_wait: false,
            dry_run: false,
            manual: false,
            pause_between: None,
            check_http: None,
            data_check: None,
            rollback_on_failure: false,
            max_unavailable: 1,
            max_unavailable_explicit: false,
            report: view::printer(false),
        }
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("timeout", &self.timeout)
            .field("dry_run", &self.dry_run)
            .field("manual", &self.manual)
            .finish_non_exhaustive()
    }
}

/// What `start` changes.
#[derive(Debug, Clone, Default)]
pub struct StartArgs {
    /// `--image`.
    pub images: Vec<ImageChange>,
    /// `--env`.
    pub envs: Vec<EnvChange>,
    /// `--steps` (default 100%).
    pub steps: Option<Vec<StepSpec>>,
    /// `--change-cause`.
    pub change_cause: Option<String>,
}

/// The change cause `start` records by default: the command line as typed (`args` without
/// the program name), as `kubectl --record` did.
pub fn default_change_cause(args: impl IntoIterator<Item = String>) -> String {
    let args: Vec<String> = args.into_iter().collect();
    format!("kubectl sts-rollout {}", args.join(" "))
}

/// The error for `kubectl sts-rollout` with neither a command nor `NAME --partition N`.
pub fn nothing_to_do() -> Error {
    Error::invalid(
        "give a StatefulSet and --partition N, or a command",
        "kubectl sts-rollout NAME --partition N, or see kubectl sts-rollout --help",
    )
}

/// What every command works with: the target, the StatefulSet's name and namespace, and where
/// the run reports.
pub(super) struct Ctx {
    pub(super) target: Target,
    pub(super) namespace: String,
    pub(super) name: String,
    pub(super) api: Api<StatefulSet>,
    pub(super) report: Reporter,
}

impl Ctx {
    pub(super) fn new(target: &Target, name: &str, report: &Reporter) -> Result<Ctx> {
        let namespace = target.single_namespace("kubectl sts-rollout")?.to_string();
        Ok(Ctx {
            api: Api::namespaced(target.client.clone(), &namespace),
            target: target.clone(),
            namespace,
            name: name.to_string(),
            report: report.clone(),
        })
    }

    /// A line of the account on stdout.
    pub(super) fn say(&self, line: impl Into<String>) {
        (self.report)(Progress::Line(line.into()));
    }

    /// A line on stderr.
    pub(super) fn notice(&self, line: impl Into<String>) {
        (self.report)(Progress::Notice(line.into()));
    }

    /// Text on stdout as it is.
    pub(super) fn text(&self, text: impl Into<String>) {
        (self.report)(Progress::Text(text.into()));
    }

    pub(super) async fn get(&self) -> Result<StatefulSet> {
        let mut found =
            crate::read::statefulsets(&self.target, std::slice::from_ref(&self.name)).await?;
        found.pop().ok_or_else(|| Error::NotFound {
            subject: Subject::object("get", "statefulset", &self.name, Some(&self.namespace)),
        })
    }

    pub(super) async fn revisions(&self, sts: &StatefulSet) -> Result<Vec<Revision>> {
        let api: Api<ControllerRevision> =
            Api::namespaced(self.target.client.clone(), &self.namespace);
        let selector = sts
            .spec
            .as_ref()
            .map(|s| crate::k8s::selectors::selector_string(&s.selector))
            .unwrap_or_default();
        let list = api
            .list(&ListParams::default().labels(&selector))
            .await
            .map_err(|e| {
                Error::from_kube(
                    e,
                    Subject::list("list", "controllerrevisions", Some(&self.namespace)),
                )
            })?;
        let uid = sts.metadata.uid.clone().unwrap_or_default();
        let owned: Vec<ControllerRevision> = list
            .items
            .into_iter()
            .filter(|r| owners::is_controlled_by(&r.metadata, &uid))
            .collect();
        Ok(model::revisions(&owned))
    }

    pub(super) fn resume_cmd(&self) -> String {
        format!(
            "kubectl sts-rollout resume {} -n {}",
            self.name, self.namespace
        )
    }

    pub(super) fn undo_cmd(&self) -> String {
        format!(
            "kubectl sts-rollout undo {} -n {} --force",
            self.name, self.namespace
        )
    }

    pub(super) async fn server_version(&self) -> Option<String> {
        self.target
            .client
            .apiserver_version()
            .await
            .ok()
            .map(|v| v.git_version)
    }
}

fn step_options(opts: &RunOptions) -> StepOptions {
    StepOptions {
        manual: opts.manual,
        pause_between: opts.pause_between,
        check_http: opts.check_http.clone(),
        data_check: opts.data_check.is_some(),
        max_unavailable: opts.max_unavailable.max(1),
        timeout: opts.timeout,
    }
}

fn state_from(
    opts: &RunOptions,
    partitions: Vec<i32>,
    partition: i32,
    previous: Option<String>,
) -> RolloutState {
    RolloutState {
        partitions,
        done: 0,
        partition,
        paused: false,
        resume_partition: None,
        manual: opts.manual,
        pause_between_seconds: opts.pause_between.map(|d| d.as_secs()),
        check_http: opts.check_http.clone(),
        data_check: opts.data_check.as_ref().map(SavedDataCheck::from_request),
        max_unavailable: opts.max_unavailable.max(1),
        previous_revision: previous,
    }
}

/// Options stored in the state fill in what this invocation did not say (a saved data check
/// that no longer parses is refused rather than dropped).
fn merge_options(opts: &RunOptions, state: &RolloutState) -> Result<RunOptions> {
    let mut o = opts.clone();
    o.manual = opts.manual || state.manual;
    if o.pause_between.is_none() {
        o.pause_between = state.pause_between_seconds.map(Duration::from_secs);
    }
    if o.check_http.is_none() {
        o.check_http = state.check_http.clone();
    }
    if o.max_unavailable <= 1 {
        o.max_unavailable = state.max_unavailable.max(1);
    }
    if o.data_check.is_none() {
        if let Some(saved) = &state.data_check {
            o.data_check = Some(saved.to_request().map_err(|e| {
                Error::invalid(e.to_string(), "or drop it with: kubectl sts-rollout resume NAME --data-check --path FILE (or --http/--metric)")
            })?);
        }
    }
    Ok(o)
}

fn build_plan(
    sts: &StatefulSet,
    partitions: &[i32],
    from: i32,
    initial: Option<&[Value]>,
    opts: &RunOptions,
    server_version: Option<&str>,
    notes: Vec<String>,
) -> Plan {
    let strategy = model::strategy(sts);
    let replicas = identity::desired_replicas(sts);
    let start = identity::start_ordinal(sts);
    let parallelism = plan::parallelism(
        model::max_unavailable(sts).as_ref(),
        replicas,
        server_version,
    );
    let mut notes = notes;
    if strategy == StrategyKind::RollingUpdate {
        if let Some(reason) = &parallelism.reason {
            notes.push(reason.clone());
        }
    }
    Plan {
        name: sts.metadata.name.clone().unwrap_or_default(),
        namespace: sts.metadata.namespace.clone().unwrap_or_default(),
        strategy,
        replicas,
        start,
        from_partition: from,
        initial_patch: initial.map(|ops| Value::Array(ops.to_vec())),
        steps: plan::steps(
            partitions,
            from,
            replicas,
            start,
            strategy,
            opts.max_unavailable.max(1),
        ),
        parallelism,
        options: step_options(opts),
        notes,
    }
}

fn print_plan(ctx: &Ctx, plan: &Plan, format: crate::OutputFormat) -> Result<()> {
    match format {
        crate::OutputFormat::Json | crate::OutputFormat::Yaml => {
            ctx.text(crate::render::document("RolloutPlan", vec![plan], format)?);
        }
        _ => {
            ctx.text(plan.describe());
            ctx.say("dry run: nothing was changed");
        }
    }
    Ok(())
}

pub(super) fn state_ops(sts: &StatefulSet, state: Option<&RolloutState>) -> Vec<Value> {
    let encoded = state.map(RolloutState::encode);
    patch::annotations_ops(sts, &[(STATE_ANNOTATION, encoded.as_deref())])
}

/// Refuses `--max-unavailable` on a RollingUpdate StatefulSet before anything changes: it paces
/// the deletions kubectl sts-rollout makes for OnDelete, while under RollingUpdate the
/// controller replaces the pods at the pace of `rollingUpdate.maxUnavailable`. (The reverse,
/// `--no-wait` on OnDelete, is refused where it is handled.)
fn check_strategy_flags(sts: &StatefulSet, name: &str, opts: &RunOptions) -> Result<()> {
    if opts.max_unavailable_explicit && model::strategy(sts) == StrategyKind::RollingUpdate {
        return Err(Error::invalid(
            format!("--max-unavailable applies to OnDelete only: statefulset {name:?} uses RollingUpdate, where the controller replaces the pods"),
            "drop --max-unavailable; under RollingUpdate the pace is spec.updateStrategy.rollingUpdate.maxUnavailable (behind the MaxUnavailableStatefulSet feature gate)",
        ));
    }
    Ok(())
}

/// `kubectl sts-rollout NAME --partition N`.
pub async fn set_partition(
    target: &Target,
    name: &str,
    partition: i32,
    opts: &RunOptions,
) -> Result<Outcome> {
    let ctx = Ctx::new(target, name, &opts.report)?;
    let sts = ctx.get().await?;
    // Replaces any rollout state, but never one it cannot read: that is someone's edit.
    RolloutState::of(&sts)?;
    check_strategy_flags(&sts, name, opts)?;
    let replicas = identity::desired_replicas(&sts);
    plan::check_partition(partition, replicas)?;
    let strategy = model::strategy(&sts);
    let current = model::partition(&sts);
    let previous = model::current_revision(&sts).map(str::to_string);
    let (from, mut ops) = match strategy {
        StrategyKind::RollingUpdate => (current, patch::partition_ops(&sts, current, partition)),
        StrategyKind::OnDelete => {
            if opts.no_wait {
                return Err(Error::invalid(
                    format!("statefulset {name:?} uses OnDelete: --no-wait cannot work, since kubectl sts-rollout deletes the pods itself"),
                    "run without --no-wait",
                ));
            }
            (replicas, vec![patch::test_generation(&sts)])
        }
    };
    let state = state_from(opts, vec![partition], partition, previous);
    if !opts.no_wait {
        ops.extend(state_ops(&sts, Some(&state)));
    } else {
        ops.extend(state_ops(&sts, None));
    }
    if opts.dry_run {
        let version = ctx.server_version().await;
        let plan = build_plan(
            &sts,
            &[partition],
            from,
            Some(&ops),
            opts,
            version.as_deref(),
            vec![],
        );
        print_plan(&ctx, &plan, target.output.format)?;
        return Ok(Outcome::Planned);
    }
    if opts.no_wait {
        calls::patch_sts(&ctx.api, name, &ctx.namespace, &ops)
            .await
            .map_err(Error::from)?;
        ctx.say(format!(
            "statefulset.apps/{name} partition set to {partition}"
        ));
        return Ok(Outcome::Done);
    }
    drive(
        &ctx,
        sts,
        from,
        state,
        Some(ops),
        opts,
        Some(format!(
            "statefulset.apps/{name} partition set to {partition}"
        )),
    )
    .await
}

/// `kubectl sts-rollout start`.
pub async fn start(
    target: &Target,
    name: &str,
    args: &StartArgs,
    opts: &RunOptions,
) -> Result<Outcome> {
    let ctx = Ctx::new(target, name, &opts.report)?;
    let sts = ctx.get().await?;
    check_strategy_flags(&sts, name, opts)?;
    let replicas = identity::desired_replicas(&sts);
    let strategy = model::strategy(&sts);
    if let Some(state) = RolloutState::of(&sts)? {
        return Err(Error::refused(
            format!(
                "a rollout of statefulset {name:?} is already in progress ({} of {} steps done{})",
                state.done,
                state.partitions.len(),
                if state.paused { ", paused" } else { "" }
            ),
            if state.paused {
                format!("continue it with `{}`, or roll back with `kubectl sts-rollout undo {name} -n {}`", ctx.resume_cmd(), ctx.namespace)
            } else {
                format!("continue it with `kubectl sts-rollout promote {name} -n {}` (or take over with `kubectl sts-rollout resume {name} --partition N`), or roll back with `kubectl sts-rollout undo {name} -n {}`", ctx.namespace, ctx.namespace)
            },
        ));
    }
    let template_ops = patch::template_ops(&sts, &args.images, &args.envs)?;
    let specs = args
        .steps
        .clone()
        .unwrap_or_else(|| vec![StepSpec::Percent(100)]);
    let (partitions, notes) = plan::resolve_steps(&specs, replicas, strategy)?;
    if template_ops.is_empty() {
        let pending = model::update_revision(&sts) != model::current_revision(&sts);
        if !pending {
            return Err(Error::invalid(
                format!("nothing to roll out: statefulset {name:?} runs one revision and --image/--env change nothing"),
                "pass --image CONTAINER=IMAGE or --env CONTAINER:KEY=VALUE with a new value",
            ));
        }
    }
    let previous = model::current_revision(&sts).map(str::to_string);
    let state = state_from(opts, partitions.clone(), replicas, previous);
    let mut ops = vec![patch::test_generation(&sts)];
    if strategy == StrategyKind::RollingUpdate {
        ops.extend(patch::partition_ops(&sts, model::partition(&sts), replicas));
    }
    ops.extend(template_ops.iter().cloned());
    let cause = args.change_cause.clone();
    let encoded = state.encode();
    let mut annotations: Vec<(&str, Option<&str>)> =
        vec![(STATE_ANNOTATION, Some(encoded.as_str()))];
    if !template_ops.is_empty() {
        if let Some(c) = cause.as_deref() {
            annotations.push((model::CHANGE_CAUSE, Some(c)));
        }
    }
    ops.extend(patch::annotations_ops(&sts, &annotations));
    if opts.dry_run {
        let version = ctx.server_version().await;
        let plan = build_plan(
            &sts,
            &partitions,
            replicas,
            Some(&ops),
            opts,
            version.as_deref(),
            notes,
        );
        print_plan(&ctx, &plan, target.output.format)?;
        return Ok(Outcome::Planned);
    }
    for note in &notes {
        ctx.notice(format!("note: {note}"));
    }
    let first = if template_ops.is_empty() {
        format!("statefulset.apps/{name} rollout started (pending update revision)")
    } else {
        format!("statefulset.apps/{name} template updated, rollout started")
    };
    drive(&ctx, sts, replicas, state, Some(ops), opts, Some(first)).await
}

/// `kubectl sts-rollout pause`.
pub async fn pause(
    target: &Target,
    name: &str,
    dry_run: bool,
    report: &Reporter,
) -> Result<Outcome> {
    let ctx = Ctx::new(target, name, report)?;
    let sts = ctx.get().await?;
    let replicas = identity::desired_replicas(&sts);
    let strategy = model::strategy(&sts);
    let current = model::partition(&sts);
    let mut state = RolloutState::of(&sts)?.unwrap_or_else(|| RolloutState {
        partitions: vec![current],
        partition: current,
        max_unavailable: 1,
        previous_revision: model::current_revision(&sts).map(str::to_string),
        ..Default::default()
    });
    if state.paused {
        ctx.say(format!("statefulset.apps/{name} already paused"));
        return Ok(Outcome::Done);
    }
    let resume_at = match strategy {
        StrategyKind::RollingUpdate if current < replicas => current,
        _ => state.remaining().first().copied().unwrap_or(current),
    };
    state.paused = true;
    state.resume_partition = Some(resume_at);
    let mut ops = match strategy {
        StrategyKind::RollingUpdate => {
            state.partition = replicas;
            patch::partition_ops(&sts, current, replicas)
        }
        StrategyKind::OnDelete => vec![patch::test_generation(&sts)],
    };
    ops.extend(state_ops(&sts, Some(&state)));
    if dry_run {
        ctx.say(format!(
            "would patch statefulset.apps/{name} (application/json-patch+json):"
        ));
        for op in &ops {
            ctx.say(format!("  {op}"));
        }
        ctx.say("dry run: nothing was changed");
        return Ok(Outcome::Planned);
    }
    calls::patch_sts(&ctx.api, name, &ctx.namespace, &ops)
        .await
        .map_err(Error::from)?;
    ctx.say(format!("statefulset.apps/{name} paused"));
    if strategy == StrategyKind::OnDelete {
        ctx.say("note: OnDelete: nothing is replaced unless a pod is deleted; kubectl sts-rollout stops deleting pods");
    }
    ctx.say(format!("resume with: {}", ctx.resume_cmd()));
    Ok(Outcome::Done)
}

/// `kubectl sts-rollout resume [--partition N]`.
pub async fn resume(
    target: &Target,
    name: &str,
    partition: Option<i32>,
    opts: &RunOptions,
) -> Result<Outcome> {
    let ctx = Ctx::new(target, name, &opts.report)?;
    let sts = ctx.get().await?;
    check_strategy_flags(&sts, name, opts)?;
    let replicas = identity::desired_replicas(&sts);
    let state = RolloutState::of(&sts)?;
    let mut next = match (partition, state) {
        (Some(p), state) => {
            plan::check_partition(p, replicas)?;
            let mut s = state.unwrap_or_default();
            s.partitions = vec![p];
            s.max_unavailable = s.max_unavailable.max(1);
            s
        }
        (None, Some(s)) if s.paused => {
            let at = s
                .resume_partition
                .or_else(|| s.remaining().first().copied())
                .unwrap_or(0);
            let mut partitions = vec![at];
            partitions.extend(s.remaining().iter().copied().filter(|p| *p < at));
            RolloutState { partitions, ..s }
        }
        (None, Some(s)) => {
            return Err(Error::invalid(
                format!(
                    "statefulset {name:?} is not paused ({} of {} steps done)",
                    s.done,
                    s.partitions.len()
                ),
                format!(
                    "continue with: kubectl sts-rollout promote {name} -n {}",
                    ctx.namespace
                ),
            ))
        }
        (None, None) => {
            return Err(Error::invalid(
                format!("statefulset {name:?} has no paused rollout to resume"),
                format!("set a partition with: kubectl sts-rollout resume {name} --partition N"),
            ))
        }
    };
    next.paused = false;
    next.resume_partition = None;
    let current = model::partition(&sts);
    continue_steps(&ctx, target, sts, next, opts, current, "resumed").await
}

/// `kubectl sts-rollout promote [--full]`.
pub async fn promote(
    target: &Target,
    name: &str,
    full: bool,
    opts: &RunOptions,
) -> Result<Outcome> {
    let ctx = Ctx::new(target, name, &opts.report)?;
    let sts = ctx.get().await?;
    let strategy = model::strategy(&sts);
    let current = model::partition(&sts);
    let state = RolloutState::of(&sts)?;
    if let Some(s) = &state {
        if s.paused {
            return Err(Error::invalid(
                format!("the rollout of statefulset {name:?} is paused"),
                format!("resume it first: {}", ctx.resume_cmd()),
            ));
        }
        if strategy == StrategyKind::RollingUpdate && s.partition != current {
            return Err(Error::from(Stop::ConcurrentEdit(format!(
                "spec.updateStrategy.rollingUpdate.partition is {current}, but kubectl sts-rollout last set it to {}: someone else changed it; not overwriting",
                s.partition
            ))));
        }
    }
    let next = match (full, state) {
        (true, s) => {
            let mut s = s.unwrap_or_else(|| RolloutState {
                previous_revision: model::current_revision(&sts).map(str::to_string),
                ..Default::default()
            });
            s.partitions = vec![0];
            s.max_unavailable = s.max_unavailable.max(1);
            s
        }
        (false, Some(s)) if !s.remaining().is_empty() => {
            let partitions = s.remaining().to_vec();
            RolloutState { partitions, ..s }
        }
        (false, _) => {
            return Err(Error::invalid(
                format!("statefulset {name:?} has no staged rollout step left to promote"),
                format!("go all the way with: kubectl sts-rollout promote {name} --full, or start one with: kubectl sts-rollout start {name} --steps ..."),
            ))
        }
    };
    continue_steps(&ctx, target, sts, next, opts, current, "promoted").await
}

/// The shared end of `resume` and `promote`: start at the first remaining partition, in
/// one guarded patch, then print the plan (`--dry-run`) or drive the remaining steps.
async fn continue_steps(
    ctx: &Ctx,
    target: &Target,
    sts: StatefulSet,
    mut next: RolloutState,
    opts: &RunOptions,
    current: i32,
    verb: &str,
) -> Result<Outcome> {
    let name = ctx.name.clone();
    let replicas = identity::desired_replicas(&sts);
    let strategy = model::strategy(&sts);
    let opts = merge_options(opts, &next)?;
    if let Some(request) = &opts.data_check {
        next.data_check = Some(SavedDataCheck::from_request(request));
    }
    next.done = 0;
    let first = next.partitions[0];
    let mut ops = match strategy {
        // With a data check the counters must be read before the partition moves: the first
        // patch only guards the partition and records the state, and the step itself moves
        // it after reading (as `start` does).
        StrategyKind::RollingUpdate if opts.data_check.is_some() => {
            next.partition = current;
            patch::partition_ops(&sts, current, current)
        }
        StrategyKind::RollingUpdate => {
            next.partition = first;
            patch::partition_ops(&sts, current, first)
        }
        StrategyKind::OnDelete => vec![patch::test_generation(&sts)],
    };
    ops.extend(state_ops(&sts, Some(&next)));
    let from = if strategy == StrategyKind::RollingUpdate {
        current
    } else {
        replicas
    };
    if opts.dry_run {
        let version = ctx.server_version().await;
        let plan = build_plan(
            &sts,
            &next.partitions,
            from,
            Some(&ops),
            &opts,
            version.as_deref(),
            vec![],
        );
        print_plan(ctx, &plan, target.output.format)?;
        return Ok(Outcome::Planned);
    }
    drive(
        ctx,
        sts,
        from,
        next,
        Some(ops),
        &opts,
        Some(format!("statefulset.apps/{name} {verb}")),
    )
    .await
}

/// `kubectl sts-rollout undo [--to-revision N] [--force]`.
pub async fn undo(
    target: &Target,
    name: &str,
    to_revision: Option<i64>,
    force: bool,
    opts: &RunOptions,
) -> Result<Outcome> {
    let ctx = Ctx::new(target, name, &opts.report)?;
    let sts = ctx.get().await?;
    // Undo removes the rollout state; one it cannot read is refused with the way to drop it.
    RolloutState::of(&sts)?;
    let revs = ctx.revisions(&sts).await?;
    let pods: Api<Pod> = Api::namespaced(target.client.clone(), &ctx.namespace);
    let selector = sts
        .spec
        .as_ref()
        .map(|s| crate::k8s::selectors::selector_string(&s.selector))
        .unwrap_or_default();
    let pod_list = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| Error::from_kube(e, Subject::list("list", "pods", Some(&ctx.namespace))))?
        .items;
    let update = model::update_revision(&sts);
    let incomplete = model::pods_by_ordinal(&sts, &pod_list)
        .into_iter()
        .any(|(o, p)| {
            identity::ordinal_range(&sts).contains(&o) && model::pod_revision(p) != update
        });
    let rev = history::undo_target(
        &revs,
        update,
        model::current_revision(&sts),
        incomplete,
        to_revision,
        name,
    )?
    .clone();
    if opts.dry_run {
        let current_template = model::sts_template(&sts);
        ctx.say(format!(
            "would roll statefulset.apps/{name} back to revision {} ({})",
            rev.number, rev.name
        ));
        ctx.text(history::unified_diff(
            &history::template_yaml(&current_template),
            &history::template_yaml(&rev.template),
            "current template",
            &format!("revision {} ({})", rev.number, rev.name),
        ));
        if force {
            ctx.say("then delete the pods that are not Ready on another revision, and wait until every pod runs it");
        }
        ctx.say("dry run: nothing was changed");
        return Ok(Outcome::Planned);
    }
    if !force {
        let ops = undo_ops(&sts, &rev, false);
        if !ops.is_empty() {
            calls::patch_sts(&ctx.api, name, &ctx.namespace, &ops)
                .await
                .map_err(Error::from)?;
        }
        if !ops.iter().any(|o| o["path"] == "/spec/template") {
            ctx.say(format!("statefulset.apps/{name} skipped rollback (current template already matches revision {})", rev.number));
        } else {
            ctx.say(format!("statefulset.apps/{name} rolled back"));
        }
        let stuck = stuck_pods(&sts, &pod_list, &rev.name);
        if !stuck.is_empty() {
            ctx.notice(format!(
                "warning: {} not Ready on another revision; the controller will not replace {}. Force it with: {}",
                stuck.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
                if stuck.len() == 1 { "it" } else { "them" },
                ctx.undo_cmd()
            ));
        }
        return Ok(Outcome::Done);
    }
    let needed = permissions::run_permissions(&sts, RunKind::ForcedUndo, opts);
    crate::api::access::require(&target.client, &needed).await?;
    let interrupted = driver::listen_for_interrupt();
    let mut d = Driver::open(
        target,
        &sts,
        interrupted,
        ctx.report.clone(),
        Checks::default(),
    );
    undo_with(&ctx, &mut d, &rev, true, opts).await?;
    Ok(Outcome::Done)
}

/// The JSON patch of an undo: the revision's template (guarded by the generation), partition 0
/// when forcing a RollingUpdate back, and our rollout state removed. Empty when nothing changes.
pub(super) fn undo_ops(sts: &StatefulSet, rev: &Revision, force: bool) -> Vec<Value> {
    let same = model::update_revision(sts) == Some(rev.name.as_str()) && model::observed(sts);
    let mut ops = Vec::new();
    if !same {
        ops.extend(patch::template_replace_ops(sts, &rev.template));
    }
    if force && model::strategy(sts) == StrategyKind::RollingUpdate && model::partition(sts) != 0 {
        ops.extend(patch::partition_ops(sts, model::partition(sts), 0));
    }
    ops.extend(state_ops(sts, None));
    ops
}

/// Pods in range on another revision than `revision` and not Ready: they block the controller.
pub(super) fn stuck_pods(sts: &StatefulSet, pods: &[Pod], revision: &str) -> Vec<(String, String)> {
    let range = identity::ordinal_range(sts);
    model::pods_by_ordinal(sts, pods)
        .into_iter()
        .filter(|(o, p)| {
            range.contains(o)
                && !model::is_terminating(p)
                && !model::is_ready(p)
                && model::pod_revision(p) != Some(revision)
        })
        .filter_map(|(_, p)| Some((p.metadata.name.clone()?, p.metadata.uid.clone()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::model::fixtures::*;

    fn rev(name: &str, number: i64) -> Revision {
        model::revisions(&[revision(name, number, "app:1", None)]).remove(0)
    }

    #[test]
    fn undo_patch_restores_template_resets_partition_and_forgets_state() {
        let mut s = sts(3, 0, Some(3));
        s.metadata.annotations = Some(
            [(
                STATE_ANNOTATION.to_string(),
                "{\"partitions\":[0],\"partition\":3}".to_string(),
            )]
            .into(),
        );
        let ops = undo_ops(&s, &rev("web-old", 1), true);
        let paths: Vec<&str> = ops.iter().filter_map(|o| o["path"].as_str()).collect();
        assert!(paths.contains(&"/metadata/generation"));
        assert!(paths.contains(&"/spec/template"));
        assert!(paths.contains(&"/spec/updateStrategy/rollingUpdate/partition"));
        assert!(paths.contains(&"/metadata/annotations/kubectl-sts.io~1rollout"));
        // Not forced: the partition stays.
        let ops = undo_ops(&s, &rev("web-old", 1), false);
        assert!(!ops
            .iter()
            .any(|o| o["path"] == "/spec/updateStrategy/rollingUpdate/partition"));
        // Already the update revision: no template change.
        let ops = undo_ops(&s, &rev("web-new", 2), false);
        assert!(!ops.iter().any(|o| o["path"] == "/spec/template"));
    }

    #[test]
    fn stuck_pods_are_the_unready_ones_elsewhere() {
        let s = sts(3, 0, Some(0));
        let pods = vec![
            pod(0, "web-old", Some(5)),
            pod(1, "web-new", Some(5)),
            pod(2, "web-new", None),
        ];
        let stuck = stuck_pods(&s, &pods, "web-old");
        assert_eq!(stuck.len(), 1);
        assert_eq!(stuck[0].0, "web-2");
    }

    #[test]
    fn the_default_change_cause_is_the_command_line() {
        let args = ["start", "web", "--image", "app=x:2"].map(String::from);
        assert_eq!(
            default_change_cause(args),
            "kubectl sts-rollout start web --image app=x:2"
        );
    }

    #[test]
    fn stored_options_fill_in_what_was_not_said() {
        let state = RolloutState {
            manual: true,
            pause_between_seconds: Some(30),
            max_unavailable: 2,
            ..Default::default()
        };
        let o = merge_options(&RunOptions::default(), &state).unwrap();
        assert!(o.manual);
        assert_eq!(o.pause_between, Some(Duration::from_secs(30)));
        assert_eq!(o.max_unavailable, 2);
        assert_eq!(o.data_check, None);

        // A saved data check comes back unless this invocation names one.
        let saved = SourceRequest {
            metric: Some("visits_total".parse().unwrap()),
            ..Default::default()
        };
        let state = RolloutState {
            data_check: Some(SavedDataCheck::from_request(&saved)),
            ..Default::default()
        };
        let o = merge_options(&RunOptions::default(), &state).unwrap();
        assert_eq!(o.data_check.as_ref(), Some(&saved));
        let mine = RunOptions {
            data_check: Some(SourceRequest {
                path: Some("/data/visits".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let o = merge_options(&mine, &state).unwrap();
        assert_eq!(o.data_check.unwrap().path.as_deref(), Some("/data/visits"));
        let edited = RolloutState {
            data_check: Some(SavedDataCheck {
                metric: Some("not a metric".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let err = merge_options(&RunOptions::default(), &edited).unwrap_err();
        assert!(err.to_string().contains("invalid --metric"), "{err}");
    }
}

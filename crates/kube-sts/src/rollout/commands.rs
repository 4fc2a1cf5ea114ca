//! One function per `kubectl sts-rollout` command. Each reads the StatefulSet once, builds a
//! plan (pure), prints it for `--dry-run`, or hands it to the [`Driver`]. Stops (Ctrl-C, a
//! failed step, a timeout) pause the StatefulSet where it stands and print the exact commands
//! to resume or undo; `--rollback-on-failure` runs `undo --force` instead.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, DeleteParams, ListParams, Preconditions};
use serde_json::Value;

use super::data_sources::SavedDataCheck;
use super::driver::{self, Checks, Driver, Stop};
use super::events::{silent, Progress, Reporter};
use super::history::{self, HistoryRow};
use super::model::{self, Revision, StrategyKind};
use super::patch::{self, EnvChange, ImageChange};
use super::plan::{self, HttpCheck, Plan, StepOptions, StepSpec};
use super::state::{RolloutState, STATE_ANNOTATION};
use super::status::{self, Extras, RolloutStatus};
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

struct Ctx {
    target: Target,
    namespace: String,
    name: String,
    api: Api<StatefulSet>,
    report: Reporter,
}

impl Ctx {
    fn new(target: &Target, name: &str, report: &Reporter) -> Result<Ctx> {
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
    fn say(&self, line: impl Into<String>) {
        (self.report)(Progress::Line(line.into()));
    }

    /// A line on stderr.
    fn notice(&self, line: impl Into<String>) {
        (self.report)(Progress::Notice(line.into()));
    }

    /// Text on stdout as it is.
    fn text(&self, text: impl Into<String>) {
        (self.report)(Progress::Text(text.into()));
    }

    async fn get(&self) -> Result<StatefulSet> {
        let mut found =
            crate::read::statefulsets(&self.target, std::slice::from_ref(&self.name)).await?;
        found.pop().ok_or_else(|| Error::NotFound {
            subject: Subject::object("get", "statefulset", &self.name, Some(&self.namespace)),
        })
    }

    async fn revisions(&self, sts: &StatefulSet) -> Result<Vec<Revision>> {
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

    fn resume_cmd(&self) -> String {
        format!(
            "kubectl sts-rollout resume {} -n {}",
            self.name, self.namespace
        )
    }

    fn undo_cmd(&self) -> String {
        format!(
            "kubectl sts-rollout undo {} -n {} --force",
            self.name, self.namespace
        )
    }

    async fn server_version(&self) -> Option<String> {
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

fn state_ops(sts: &StatefulSet, state: Option<&RolloutState>) -> Vec<Value> {
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
        driver::patch_sts(&ctx.api, name, &ctx.namespace, &ops)
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
    driver::patch_sts(&ctx.api, name, &ctx.namespace, &ops)
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

/// Runs the steps of `state` (after applying `first_patch`), handling every kind of stop.
#[allow(clippy::too_many_arguments)]
async fn drive(
    ctx: &Ctx,
    sts: StatefulSet,
    from: i32,
    state: RolloutState,
    first_patch: Option<Vec<Value>>,
    opts: &RunOptions,
    first_line: Option<String>,
) -> Result<Outcome> {
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
            if opts.rollback_on_failure && !matches!(stop, Stop::Interrupted) {
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
                other => Err(Error::Incomplete {
                    step: format!("rollout stopped at {step_text}"),
                    source: Box::new(Error::from(other)),
                    hint: format!(
                        "see the pods with: kubectl sts-rollout status {} -n {}",
                        ctx.name, ctx.namespace
                    ),
                }),
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
            before = d.read_counters(&step.ordinals).await;
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
            driver::patch_sts(&ctx.api, name, &ctx.namespace, &ops)
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
fn undo_ops(sts: &StatefulSet, rev: &Revision, force: bool) -> Vec<Value> {
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
fn stuck_pods(sts: &StatefulSet, pods: &[Pod], revision: &str) -> Vec<(String, String)> {
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

/// Rolls back to `rev` with the driver's watches: patch, delete stuck pods, wait for all pods.
async fn undo_with(
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

/// Reads what `status` shows.
pub async fn status(target: &Target, name: &str) -> Result<RolloutStatus> {
    let ctx = Ctx::new(target, name, &silent())?;
    let snap = crate::read::snapshot(target, name).await?;
    let extras = extras(&ctx, &snap.statefulset).await;
    status::status(&snap, &extras, jiff::Timestamp::now())
}

async fn extras(ctx: &Ctx, sts: &StatefulSet) -> Extras {
    let service = sts
        .spec
        .as_ref()
        .and_then(|s| s.service_name.clone())
        .filter(|s| !s.is_empty());
    let headless_service = match service {
        Some(svc) => {
            let api: Api<Service> = Api::namespaced(ctx.target.client.clone(), &ctx.namespace);
            match api.get_opt(&svc).await {
                Ok(Some(s)) => Some(s.spec.and_then(|s| s.cluster_ip).as_deref() == Some("None")),
                Ok(None) => Some(false),
                Err(_) => None,
            }
        }
        None => None,
    };
    Extras {
        headless_service,
        server_version: ctx.server_version().await,
    }
}

/// `status -w`: prints the status again whenever it changes, until Ctrl-C or `timeout`.
pub async fn watch_status(
    target: &Target,
    name: &str,
    timeout: Option<Duration>,
    mut render: impl FnMut(&RolloutStatus),
) -> Result<()> {
    let ctx = Ctx::new(target, name, &silent())?;
    let snap = crate::read::snapshot(target, name).await?;
    let extras = extras(&ctx, &snap.statefulset).await;
    let mut last = status::status(&snap, &extras, jiff::Timestamp::now())?;
    render(&last);
    let mut revisions = snap.revisions.clone();
    let interrupted = driver::listen_for_interrupt();
    let mut d = Driver::open(
        target,
        &snap.statefulset,
        interrupted,
        view::printer(false),
        Checks::default(),
    );
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    loop {
        match d.wait_any(deadline).await {
            Ok(()) => {}
            Err(Stop::Interrupted) | Err(Stop::Timeout(_)) => return Ok(()),
            Err(Stop::Api(e)) => return Err(e),
            Err(_) => return Ok(()),
        }
        let Some(sts) = d.live.sts.clone() else {
            continue;
        };
        if !d.synced() {
            continue;
        }
        let update = model::update_revision(&sts).map(str::to_string);
        if update.is_some() && !revisions.iter().any(|r| r.metadata.name == update) {
            let api: Api<ControllerRevision> =
                Api::namespaced(target.client.clone(), &ctx.namespace);
            if let Ok(list) = api.list(&ListParams::default()).await {
                let uid = sts.metadata.uid.clone().unwrap_or_default();
                revisions = list
                    .items
                    .into_iter()
                    .filter(|r| owners::is_controlled_by(&r.metadata, &uid))
                    .collect();
            }
        }
        let snap = crate::read::snapshot::Snapshot {
            statefulset: sts,
            pods: d.live.pods.objects().values().cloned().collect(),
            claims: vec![],
            revisions: revisions.clone(),
            volumes: None,
            storage_classes: None,
            events: vec![],
            taken_at: jiff::Timestamp::now(),
        };
        let now = status::status(&snap, &extras, jiff::Timestamp::now())?;
        let changed = serde_json::to_value(&now).ok() != serde_json::to_value(&last).ok();
        if changed {
            render(&now);
            last = now;
        }
    }
}

/// Reads `history`.
pub async fn history(target: &Target, name: &str) -> Result<Vec<HistoryRow>> {
    let snap = crate::read::snapshot(target, name).await?;
    Ok(history::history(&snap, jiff::Timestamp::now()))
}

/// `diff`: the unified diff of two revisions' templates.
pub async fn diff(
    target: &Target,
    name: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<String> {
    let snap = crate::read::snapshot(target, name).await?;
    let revs = model::revisions(&snap.revisions);
    let (a, b) = history::diff_pair(&snap, &revs, from, to)?;
    let text = history::unified_diff(
        &history::template_yaml(&a.template),
        &history::template_yaml(&b.template),
        &format!("revision {} ({})", a.number, a.name),
        &format!("revision {} ({})", b.number, b.name),
    );
    Ok(text)
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

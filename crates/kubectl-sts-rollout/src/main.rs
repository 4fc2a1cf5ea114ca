//! `kubectl sts-rollout`: partitioned rolling updates of StatefulSets, driven safely from the
//! client (no in-cluster controller, no CRDs).
//!
//! Thin entry point: parse flags, call one `kube_sts::rollout::commands` function, render, map
//! the outcome to an exit code: 0 done, 1 error (failed or stopped step, timeout, bad input,
//! concurrent edit), 130 interrupted by Ctrl-C (the StatefulSet is left paused).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use kube_sts::cli::args::parse_duration;
use kube_sts::cli::values::{
    EnvArg, ImageArg, Partition, RevisionNumber, RevisionRef, StatefulSetName,
};
use kube_sts::error::report;
use kube_sts::render::outcome::{finish, ExitMode};
use kube_sts::rollout::commands::{self, Outcome, RunOptions, StartArgs};
use kube_sts::rollout::patch::{parse_env, parse_image};
use kube_sts::rollout::plan::{check_max_unavailable, parse_http_check, parse_steps};
use kube_sts::rollout::{status, view};
use kube_sts::visits::metrics::MetricSelector;
use kube_sts::visits::parse::Format;
use kube_sts::visits::source::{HttpSource, SourceRequest};
use kube_sts::{ClusterArgs, Error, Target};

/// Drive partitioned rolling updates of a StatefulSet: canary steps, pause/resume, promote,
/// forced undo, history and diffs, OnDelete too. Every partition change is a JSON patch that
/// tests the value last seen, waiting is watch-driven, and Ctrl-C leaves the StatefulSet paused.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl sts-rollout",
    bin_name = "kubectl sts-rollout",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  kubectl sts-rollout web --partition 3          # update ordinals >= 3, wait until Ready\n  kubectl sts-rollout start web --image app=example/visits-app:2.0 --steps 1,50%,100%\n  kubectl sts-rollout status web -w\n  kubectl sts-rollout pause web; kubectl sts-rollout resume web\n  kubectl sts-rollout undo web --force          # roll back and replace pods stuck on a bad revision\n\nFlags go after the plugin name: `kubectl sts-rollout -n prod web`, not `kubectl -n prod sts-rollout web`.\nExit codes: 0 done, 1 error or failed step, 130 interrupted (the StatefulSet is left paused)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// The StatefulSet (with --partition).
    #[arg(value_name = "NAME")]
    name: Option<StatefulSetName>,

    /// Set the partition to N (pods with ordinal index >= N update) and wait for them.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    partition: Option<Partition>,

    /// Set the partition and return without waiting.
    #[arg(long)]
    no_wait: bool,

    #[command(flatten)]
    run: RunArgs,

    #[command(flatten)]
    cluster: ClusterArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Strategy, partition, revisions, which revision each ordinal runs, warnings.
    Status {
        /// The StatefulSet.
        name: StatefulSetName,
        /// Watch: print the status again whenever it changes (until Ctrl-C).
        #[arg(short = 'w', long)]
        watch: bool,
        /// With -w: stop after this long.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        timeout: Option<Duration>,
    },
    /// Change the template and roll it out in steps.
    ///
    /// One patch freezes the partition at `replicas` and applies the template change (so nothing
    /// restarts before the plan starts) and records the change cause; then the partition is
    /// lowered step by step, each step waiting for its pods to be Ready on the new revision.
    Start {
        /// The StatefulSet.
        name: StatefulSetName,
        /// Set a container's image (repeatable).
        #[arg(long = "image", value_name = "CONTAINER=IMAGE")]
        images: Vec<ImageArg>,
        /// Set an environment variable (repeatable).
        #[arg(long = "env", value_name = "CONTAINER:KEY=VALUE")]
        envs: Vec<EnvArg>,
        /// Pods on the new revision after each step: counts or percentages of replicas.
        #[arg(long, value_name = "1,50%,100%")]
        steps: Option<String>,
        /// Recorded as kubernetes.io/change-cause (default: this command line).
        #[arg(long, value_name = "TEXT")]
        change_cause: Option<String>,
        #[command(flatten)]
        stepping: SteppingArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Freeze the rollout: partition = replicas, the target remembered in an annotation.
    Pause {
        /// The StatefulSet.
        name: StatefulSetName,
        /// Print the patch and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Continue a paused rollout toward its target (or to --partition N).
    Resume {
        /// The StatefulSet.
        name: StatefulSetName,
        /// Go to this partition instead.
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        partition: Option<Partition>,
        #[command(flatten)]
        stepping: SteppingArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Run the next step of a staged rollout (or --full: straight to partition 0).
    Promote {
        /// The StatefulSet.
        name: StatefulSetName,
        /// Go straight to partition 0.
        #[arg(long)]
        full: bool,
        #[command(flatten)]
        stepping: SteppingArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Restore the template of the previous (or given) revision, like kubectl rollout undo.
    ///
    /// With --force, also delete the pods stuck (not Ready) on another revision so that they
    /// come back on the restored one (the documented "forced rollback"), set the partition to 0
    /// and wait until every pod runs the restored revision.
    Undo {
        /// The StatefulSet.
        name: StatefulSetName,
        /// The revision number to go back to (default: the one before the update revision).
        #[arg(long, value_name = "N")]
        to_revision: Option<RevisionNumber>,
        /// Replace stuck pods and wait until every pod runs the restored revision.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Revisions with number, name, change cause, images, age and the ordinals running each.
    History {
        /// The StatefulSet.
        name: StatefulSetName,
    },
    /// Unified diff of two revisions' pod templates as YAML.
    Diff {
        /// The StatefulSet.
        name: StatefulSetName,
        /// Revision number or name (default: the current revision).
        #[arg(long, value_name = "REVISION")]
        from: Option<RevisionRef>,
        /// Revision number or name (default: the update revision).
        #[arg(long, value_name = "REVISION")]
        to: Option<RevisionRef>,
    },
}

/// How steps follow each other.
#[derive(Args, Debug, Clone, Default)]
struct SteppingArgs {
    /// Wait this long between steps.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "manual")]
    pause_between: Option<Duration>,
    /// Stop after each step; `promote` runs the next.
    #[arg(long)]
    manual: bool,
    /// After each new pod is Ready, GET [PORT]/PATH through the pod proxy; non-2xx fails the step.
    #[arg(long, value_name = "[PORT]/PATH")]
    check_http: Option<String>,
}

/// Flags of every command that changes something.
#[derive(Args, Debug, Clone)]
struct RunArgs {
    /// How long each step may take.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    timeout: Duration,
    /// Print the plan (steps, ordinals per step, patches) and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// OnDelete: delete up to K pods at once (default 1).
    #[arg(long, value_name = "K")]
    max_unavailable: Option<i32>,
    /// On a failed step, run `undo --force` and wait until every pod is back.
    #[arg(long)]
    rollback_on_failure: bool,
    /// Read each pod's counter before it restarts and after it is Ready again (as sts-visits
    /// does); a counter that went down fails the step. The sources (--path, --http, --metric,
    /// --format) are saved with the rollout: resume and promote reuse them.
    #[arg(long)]
    data_check: bool,
    /// --data-check: the counter file in the container (default: discovered like sts-visits).
    #[arg(long, value_name = "FILE", requires = "data_check")]
    path: Option<String>,
    /// --data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy).
    #[arg(
        long,
        value_name = "[PORT]/PATH",
        requires = "data_check",
        conflicts_with = "path"
    )]
    http: Option<HttpSource>,
    /// --data-check: a Prometheus counter, NAME or 'NAME{label="value",...}', from --http,
    /// else the prometheus.io/port|path pod annotations, else /metrics.
    #[arg(long, value_name = "NAME{LABELS}", requires = "data_check")]
    metric: Option<MetricSelector>,
    /// --data-check: how to read the content (auto, count, lines, json:FIELD).
    #[arg(
        long,
        value_name = "FORMAT",
        requires = "data_check",
        conflicts_with = "metric"
    )]
    format: Option<Format>,
}

impl RunArgs {
    fn options(
        &self,
        stepping: &SteppingArgs,
        no_wait: bool,
        progress: bool,
    ) -> Result<RunOptions, Error> {
        let check_http = stepping
            .check_http
            .as_deref()
            .map(parse_http_check)
            .transpose()?;
        let max_unavailable = check_max_unavailable(self.max_unavailable)?;
        Ok(RunOptions {
            timeout: self.timeout,
            no_wait,
            dry_run: self.dry_run,
            manual: stepping.manual,
            pause_between: stepping.pause_between,
            check_http,
            data_check: self.data_check.then(|| SourceRequest {
                path: self.path.clone(),
                http: self.http.clone(),
                metric: self.metric.clone(),
                format: self.format.clone(),
                ..Default::default()
            }),
            rollback_on_failure: self.rollback_on_failure,
            max_unavailable,
            max_unavailable_explicit: self.max_unavailable.is_some(),
            report: view::printer(progress),
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // Hidden entry points: kubectl's completion protocol, completion scripts, man page.
    if let Some(code) = kube_sts::cli::complete::intercept::<Cli>().await {
        return code;
    }
    let cli = Cli::parse();
    finish(run(cli).await, ExitMode::Normal)
}

async fn run(cli: Cli) -> Result<Outcome, Error> {
    let Some(command) = cli.command else {
        let (Some(name), Some(partition)) = (cli.name.as_deref(), cli.partition) else {
            return Err(commands::nothing_to_do());
        };
        let target = Target::connect(&cli.cluster).await?;
        let opts = cli.run.options(
            &SteppingArgs::default(),
            cli.no_wait,
            target.output.progress,
        )?;
        return commands::set_partition(&target, name, partition.0, &opts).await;
    };
    let target = Target::connect(&cli.cluster).await?;
    let out = target.output;
    match command {
        Command::Status {
            name,
            watch,
            timeout,
        } => {
            let print = |s: &status::RolloutStatus| match view::status_text(s, &out, watch) {
                Ok(text) => print!("{text}"),
                Err(e) => report(&e),
            };
            if watch {
                commands::watch_status(&target, &name, timeout, print).await?;
            } else {
                print(&commands::status(&target, &name).await?);
            }
            Ok(Outcome::Done)
        }
        Command::Start {
            name,
            images,
            envs,
            steps,
            change_cause,
            stepping,
            run,
        } => {
            let args =
                StartArgs {
                    images: images
                        .iter()
                        .map(|i| parse_image(i))
                        .collect::<Result<_, _>>()?,
                    envs: envs
                        .iter()
                        .map(|e| parse_env(e))
                        .collect::<Result<_, _>>()?,
                    steps: steps.as_deref().map(parse_steps).transpose()?,
                    change_cause: Some(change_cause.unwrap_or_else(|| {
                        commands::default_change_cause(std::env::args().skip(1))
                    })),
                };
            let opts = run.options(&stepping, false, out.progress)?;
            commands::start(&target, &name, &args, &opts).await
        }
        Command::Pause { name, dry_run } => {
            commands::pause(&target, &name, dry_run, &view::printer(out.progress)).await
        }
        Command::Resume {
            name,
            partition,
            stepping,
            run,
        } => {
            let opts = run.options(&stepping, false, out.progress)?;
            commands::resume(&target, &name, partition.map(|p| p.0), &opts).await
        }
        Command::Promote {
            name,
            full,
            stepping,
            run,
        } => {
            let opts = run.options(&stepping, false, out.progress)?;
            commands::promote(&target, &name, full, &opts).await
        }
        Command::Undo {
            name,
            to_revision,
            force,
            run,
        } => {
            let opts = run.options(&SteppingArgs::default(), false, out.progress)?;
            commands::undo(&target, &name, to_revision.map(|r| r.0), force, &opts).await
        }
        Command::History { name } => {
            let rows = commands::history(&target, &name).await?;
            print!(
                "{}",
                view::history_text(
                    &name,
                    rows,
                    &out,
                    kube_sts::render::screen::terminal_width()
                )?
            );
            Ok(Outcome::Done)
        }
        Command::Diff { name, from, to } => {
            let text = commands::diff(&target, &name, from.as_deref(), to.as_deref()).await?;
            print!("{}", view::diff_text(text));
            Ok(Outcome::Done)
        }
    }
}

//! `kubectl sts-pvc`: every claim of a StatefulSet, mapped, checked and cared for.
//!
//! Thin entry point: parse flags, call one `kube_sts::pvc::run` function,
//! render, map the error to an exit code. Exit codes: 0 ok, 1 error; with `--orphans`, 0 when
//! there are none, 1 when there are some, 2 on error (like `kubectl diff`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use kube_sts::cli::args::parse_duration;
use kube_sts::pvc::claims::ClaimState;
use kube_sts::pvc::resize::{ResizeOptions, ResizeOutcome};
use kube_sts::pvc::retention::parse_policy_value;
use kube_sts::pvc::usage::UsageSource;
use kube_sts::pvc::view;
use kube_sts::render::outcome::{finish, ExitMode, Outcome};
use kube_sts::{ClusterArgs, Error, Target};

/// Every PersistentVolumeClaim of a StatefulSet: which pod and ordinal it belongs to, whether it
/// is Bound, Pending (and why), Missing or Orphaned by a scale-down; how full it is; and the
/// chores Kubernetes leaves to you: pruning orphans, growing volumes, retention policy.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl sts-pvc",
    bin_name = "kubectl sts-pvc",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  kubectl sts-pvc web                 # the claim map of StatefulSet web\n  kubectl sts-pvc -A --orphans        # orphaned claims everywhere; exit 1 if any\n  kubectl sts-pvc usage web           # how full each volume is\n  kubectl sts-pvc prune web --yes     # delete claims left by a scale-down\n  kubectl sts-pvc resize web --template data --size 2Gi\n\nFlags go after the plugin name: `kubectl sts-pvc -n prod web`, not `kubectl -n prod sts-pvc web`.\nExit codes: 0 ok, 1 error; with --orphans: 0 none, 1 some, 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// StatefulSets to show (default: all in the namespace, filtered by -l).
    #[arg(value_name = "NAME")]
    names: Vec<String>,

    /// List only orphaned claims; exit 0 when there are none, 1 when there are some, 2 on error.
    #[arg(long)]
    orphans: bool,

    #[command(flatten)]
    cluster: ClusterArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Used / capacity / percent per claim.
    ///
    /// The default source runs `df -P -k` inside each pod on the claim's mount path and needs
    /// `create pods/exec`. `--source kubelet` reads the kubelet's stats summary through
    /// `nodes/NODE/proxy` instead: that permission is powerful (it reaches the kubelet API of the
    /// whole node), so it is opt-in. Pods that are not running, or do not answer within
    /// --timeout, show `-` with the reason; the others are shown.
    Usage {
        /// StatefulSets (default: all in the namespace).
        #[arg(value_name = "NAME")]
        names: Vec<String>,
        /// Where the numbers come from.
        #[arg(long, value_enum, default_value_t = UsageSource::Exec)]
        source: UsageSource,
        /// Time limit per pod (exec) or per node (kubelet), e.g. 5s, 1m.
        #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
        timeout: Duration,
    },
    /// Delete orphaned claims (ordinals outside [start, start+replicas)).
    ///
    /// Without --yes this only prints what it would delete. Never touches in-range claims and
    /// refuses while the StatefulSet is scaling.
    Prune {
        /// StatefulSets (default: all in the namespace).
        #[arg(value_name = "NAME")]
        names: Vec<String>,
        /// Only these ordinals (repeatable; needs one NAME).
        #[arg(long = "ordinal", value_name = "N")]
        ordinals: Vec<i32>,
        /// Really delete.
        #[arg(long)]
        yes: bool,
        /// Only print what would be deleted (the default without --yes).
        #[arg(long)]
        dry_run: bool,
    },
    /// Grow every claim of one volumeClaimTemplate, and the template itself.
    ///
    /// Checks first (StorageClass allows expansion, size larger, every claim Bound), writes a
    /// backup of the StatefulSet, patches the claims and waits for the new capacity, then
    /// deletes the StatefulSet with propagationPolicy=Orphan and re-creates it with the new
    /// template size: pods keep running and are adopted unchanged. If interrupted, run the same
    /// command again (or `restore --from BACKUP`) to finish.
    Resize {
        /// The StatefulSet.
        name: String,
        /// The volumeClaimTemplate to grow.
        #[arg(long, value_name = "TEMPLATE")]
        template: String,
        /// The new size (a Kubernetes quantity such as 2Gi).
        #[arg(long, value_name = "SIZE")]
        size: String,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Finish an interrupted resize from its backup file.
    Restore {
        /// The backup file printed by `resize`.
        #[arg(long = "from", value_name = "BACKUP")]
        from: PathBuf,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Show the claim retention policy and each claim's owner references; change the policy.
    Retention {
        /// The StatefulSet.
        name: String,
        /// Set whenScaled.
        #[arg(long, value_name = "Retain|Delete", value_parser = parse_policy_value)]
        when_scaled: Option<String>,
        /// Set whenDeleted.
        #[arg(long, value_name = "Retain|Delete", value_parser = parse_policy_value)]
        when_deleted: Option<String>,
        /// Validate the change on the server without saving it.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Print the plan and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Directory for backups (default: $XDG_STATE_HOME/kubectl-sts/backups).
    #[arg(long, value_name = "DIR", env = "KUBECTL_STS_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
    /// How long to wait for each step (claims to expand, the delete, pods to be adopted).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    timeout: Duration,
}

impl RunArgs {
    fn options(&self, progress: bool) -> ResizeOptions {
        ResizeOptions {
            backup_dir: self
                .backup_dir
                .clone()
                .unwrap_or_else(kube_sts::pvc::resize::default_backup_dir),
            timeout: self.timeout,
            dry_run: self.dry_run,
            progress,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // Hidden entry points: kubectl's completion protocol, completion scripts, man page.
    if let Some(code) = kube_sts::cli::complete::intercept::<Cli>().await {
        return code;
    }
    let cli = Cli::parse();
    let mode = if cli.orphans && cli.command.is_none() {
        ExitMode::Diff
    } else {
        ExitMode::Normal
    };
    finish(run(cli).await, mode)
}

fn print(text: &str) {
    print!("{text}");
}

fn say(line: &str) {
    println!("{line}");
}

fn no_resources(target: &Target) {
    match target.scope.namespace() {
        Some(ns) => eprintln!("No resources found in {ns} namespace."),
        None => eprintln!("No resources found"),
    }
}

async fn run(cli: Cli) -> Result<Outcome, Error> {
    let target = Target::connect(&cli.cluster).await?;
    let all_ns = cli.cluster.all_namespaces;
    let out = target.output;
    match cli.command {
        None => {
            let reports = kube_sts::pvc::run::map(&target, &cli.names).await?;
            if reports.is_empty() {
                no_resources(&target);
                return Ok(Outcome::Done);
            }
            print(&view::claims(&reports, &out, all_ns, cli.orphans)?);
            let orphans = reports
                .iter()
                .any(|r| r.claims.iter().any(|c| c.state == ClaimState::Orphaned));
            Ok(if cli.orphans && orphans {
                Outcome::Differences
            } else {
                Outcome::Done
            })
        }
        Some(Command::Usage {
            names,
            source,
            timeout,
        }) => {
            let reports = kube_sts::pvc::run::usage(&target, &names, source, timeout).await?;
            if reports.is_empty() {
                no_resources(&target);
            }
            print(&view::usage(&reports, &out, all_ns)?);
            Ok(Outcome::Done)
        }
        Some(Command::Prune {
            names,
            ordinals,
            yes,
            dry_run,
        }) => {
            let execute = yes && !dry_run;
            let plans = kube_sts::pvc::run::prune(&target, &names, &ordinals, execute, |step| {
                if matches!(
                    out.format,
                    kube_sts::OutputFormat::Table | kube_sts::OutputFormat::Wide
                ) {
                    say(&format!("persistentvolumeclaim \"{}\" deleted", step.pvc));
                }
            })
            .await?;
            if plans.is_empty() {
                no_resources(&target);
                return Ok(Outcome::Done);
            }
            let table_like = matches!(
                out.format,
                kube_sts::OutputFormat::Table | kube_sts::OutputFormat::Wide
            );
            if !(execute && table_like) {
                print(&view::prune(&plans, &out, execute)?);
            }
            let pending: usize = plans.iter().map(|p| p.deletions.len()).sum();
            if !execute && pending > 0 {
                eprintln!("dry run: nothing was deleted; run again with --yes to delete {pending} claim(s)");
            }
            for hint in plans.iter().filter_map(|p| p.hint.as_deref()) {
                eprintln!("hint: {hint}");
            }
            Ok(Outcome::Done)
        }
        Some(Command::Resize {
            name,
            template,
            size,
            run,
        }) => {
            let opts = run.options(out.progress);
            let outcome =
                kube_sts::pvc::run::resize(&target, &name, &template, &size, &opts, &say).await?;
            finish_resize(outcome, &out)
        }
        Some(Command::Restore { from, run }) => {
            let opts = run.options(out.progress);
            let outcome = kube_sts::pvc::run::restore(&target, &from, &opts, &say).await?;
            finish_resize(outcome, &out)
        }
        Some(Command::Retention {
            name,
            when_scaled,
            when_deleted,
            dry_run,
        }) => {
            let changing = when_scaled.is_some() || when_deleted.is_some();
            let report = kube_sts::pvc::run::retention(
                &target,
                &name,
                when_scaled.as_deref(),
                when_deleted.as_deref(),
                dry_run,
            )
            .await?;
            if changing
                && matches!(
                    out.format,
                    kube_sts::OutputFormat::Table | kube_sts::OutputFormat::Wide
                )
            {
                let suffix = if dry_run { " (server dry run)" } else { "" };
                say(&format!("statefulset.apps/{name} patched{suffix}"));
            }
            print(&view::retention(&[report], &out)?);
            Ok(Outcome::Done)
        }
    }
}

fn finish_resize(
    outcome: ResizeOutcome,
    out: &kube_sts::cli::target::OutputSettings,
) -> Result<Outcome, Error> {
    match outcome {
        ResizeOutcome::Planned(plan) => print(&view::resize_plan(&plan, out)?),
        ResizeOutcome::NothingToDo(plan) => say(&format!(
            "statefulset.apps/{}: template {:?} already requests {} and every claim has it; nothing to do",
            plan.name, plan.template, plan.to
        )),
        ResizeOutcome::Done { plan, backup, pods } => {
            for note in &plan.notes {
                eprintln!("note: {note}");
            }
            say(&format!(
                "statefulset.apps/{} resized: template {:?} now requests {}; {} pod(s) adopted with unchanged UIDs",
                plan.name,
                plan.template,
                plan.to,
                pods.len()
            ));
            if let Some(path) = backup {
                say(&format!("backup kept at {}", path.display()));
            }
        }
    }
    Ok(Outcome::Done)
}

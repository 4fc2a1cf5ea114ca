//! `kubectl sts-pvc`: every claim of a StatefulSet, mapped, checked and cared for.
//!
//! Thin entry point: parse flags, call one `kube_sts::pvc::run` function, write what
//! `kube_sts::pvc::messages` makes of its result, map the outcome or error to an exit code.
//! Exit codes: 0 ok, 1 error; with `--orphans`, 0 when there are none, 1 when there are some,
//! 2 on error (like `kubectl diff`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use kube_sts::cli::args::parse_duration;
use kube_sts::cli::values::{self, StatefulSetName, TemplateName};
use kube_sts::pvc;
use kube_sts::pvc::messages::{self, Printed};
use kube_sts::pvc::resize::ResizeOptions;
use kube_sts::pvc::retention::parse_policy_value;
use kube_sts::pvc::usage::UsageSource;
use kube_sts::render::outcome::{finish, Outcome};
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
    names: Vec<StatefulSetName>,

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
        names: Vec<StatefulSetName>,
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
    /// refuses while the StatefulSet is scaling. With --yes it first asks the API server
    /// whether it may delete the claims, and refused there deletes none.
    Prune {
        /// StatefulSets (default: all in the namespace).
        #[arg(value_name = "NAME")]
        names: Vec<StatefulSetName>,
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
    /// Checks first (StorageClass allows expansion, size larger, every claim Bound, and each
    /// permission the steps need, asked with SelfSubjectAccessReview: refused, it changes
    /// nothing), writes a backup of the StatefulSet, patches the claims and waits for the new
    /// capacity, then
    /// deletes the StatefulSet with propagationPolicy=Orphan and re-creates it with the new
    /// template size: pods keep running and are adopted unchanged. If interrupted, run the same
    /// command again (or `restore --from BACKUP`) to finish.
    Resize {
        /// The StatefulSet.
        name: StatefulSetName,
        /// The volumeClaimTemplate to grow.
        #[arg(long, value_name = "TEMPLATE")]
        template: TemplateName,
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
        name: StatefulSetName,
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
    let mode = messages::exit_mode(cli.orphans, cli.command.is_some());
    finish(run(cli).await, mode)
}

fn show(printed: Printed) {
    print!("{}", printed.stdout);
    eprint!("{}", printed.stderr);
}

fn say(line: &str) {
    println!("{line}");
}

async fn run(cli: Cli) -> Result<Outcome, Error> {
    let target = Target::connect(&cli.cluster).await?;
    let all_ns = cli.cluster.all_namespaces;
    let ns = target.scope.namespace();
    let out = &target.output;
    let printed = match cli.command {
        None => {
            let reports = pvc::run::map(&target, &values::names(&cli.names)).await?;
            let (printed, outcome) = messages::map(&reports, out, ns, all_ns, cli.orphans)?;
            show(printed);
            return Ok(outcome);
        }
        Some(Command::Usage {
            names,
            source,
            timeout,
        }) => {
            let reports = pvc::run::usage(&target, &values::names(&names), source, timeout).await?;
            messages::usage(&reports, out, ns, all_ns)?
        }
        Some(Command::Prune {
            names,
            ordinals,
            yes,
            dry_run,
        }) => {
            let execute = yes && !dry_run;
            let plans = pvc::run::prune(
                &target,
                &values::names(&names),
                &ordinals,
                execute,
                |step| {
                    if let Some(line) = messages::claim_deleted(step, out) {
                        say(&line);
                    }
                },
            )
            .await?;
            messages::prune(&plans, out, execute, ns)?
        }
        Some(Command::Resize {
            name,
            template,
            size,
            run,
        }) => {
            let opts = run.options(out.progress);
            let outcome = pvc::run::resize(&target, &name, &template, &size, &opts, &say).await?;
            messages::resize(&outcome, out)?
        }
        Some(Command::Restore { from, run }) => {
            let opts = run.options(out.progress);
            let outcome = pvc::run::restore(&target, &from, &opts, &say).await?;
            messages::resize(&outcome, out)?
        }
        Some(Command::Retention {
            name,
            when_scaled,
            when_deleted,
            dry_run,
        }) => {
            let changing = when_scaled.is_some() || when_deleted.is_some();
            let (scaled, deleted) = (when_scaled.as_deref(), when_deleted.as_deref());
            let report = pvc::run::retention(&target, &name, scaled, deleted, dry_run).await?;
            messages::retention(&report, out, changing, dry_run)?
        }
    };
    show(printed);
    Ok(Outcome::Done)
}

//! `kubectl sts-visits`: read a per-pod counter across every ordinal of a StatefulSet at once.
//!
//! Thin entry point: parse flags, call `kube_sts::visits::collect` (or `watch`), render, map the
//! result to an exit code: 0 every pod read, 1 error (nothing read), 3 partial.

use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use kube_sts::cli::args::parse_duration;
use kube_sts::cli::values::{self, ContainerName, StatefulSetName};
use kube_sts::error::report as report_error;
use kube_sts::render::outcome::{finish, ExitMode, Outcome};
use kube_sts::render::screen::Screen;
use kube_sts::visits::metrics::MetricSelector;
use kube_sts::visits::parse::Format;
use kube_sts::visits::report::SortBy;
use kube_sts::visits::source::{HttpSource, SourceRequest};
use kube_sts::visits::view::{self, TableOptions, WatchOutput, WatchTitle};
use kube_sts::visits::{self, Collected, Options, DEFAULT_CONCURRENCY};
use kube_sts::{ClusterArgs, Error, OutputFormat, Target};

const AFTER_HELP: &str = r#"Where the counter comes from:
  --path FILE          cat FILE in each pod by exec (argv, never a shell)
  --http [PORT]/PATH   GET through the API server's pod proxy (e.g. 8080/visits)
  --metric NAME        a Prometheus counter (NAME or 'NAME{label="value",...}', summed over
                       the matching series) from --http, else the pod annotations
                       prometheus.io/port and prometheus.io/path, else /metrics
  neither              the StatefulSet annotation sts-visits.kubectl.io/path (or .../http),
                       else a file named visits, visits.txt or visits.log under the mount path
                       of each volumeClaimTemplate
  --allow-debug        for images without cat (distroless): read /proc/1/root/FILE from an
                       ephemeral container (--debug-image, default busybox) targeting the app
                       container; ephemeral containers stay until the pod is replaced
  --offline            for pods that are not running: read the claim from a short-lived reader
                       pod (pinned to the volume's node), deleted afterwards
  --include-orphans    also read the claims of scaled-down ordinals (status "scaled down")
                       through reader pods, so the total covers every claim

A missing counter file whose directory exists on a mounted volume counts 0 (no file yet).

Examples:
  kubectl sts-visits app                      # every ordinal of StatefulSet app
  kubectl sts-visits app --path /data/visits.txt
  kubectl sts-visits app --http 8080/visits
  kubectl sts-visits app --metric visits_total
  kubectl sts-visits app --metric 'http_requests_total{code="200"}'
  kubectl sts-visits app --include-orphans    # after a scale-down
  kubectl sts-visits app --allow-debug        # distroless image
  kubectl sts-visits -l tier=web -o json
  kubectl sts-visits app --watch --interval 1s  # exits 1 if app does not exist or is deleted

Flags go after the plugin name: `kubectl sts-visits -n prod app`, not `kubectl -n prod sts-visits app`.

Exit codes:
  0  every pod was read
  1  error: nothing was read
  3  partial: some pods could not be read (missing, Pending, crash-looping, unreadable)"#;

/// Read a per-pod counter (visits) across every ordinal of a StatefulSet at once: one row per
/// ordinal with its pod, node, claim and count, the share of each pod, and a footer with total,
/// min, max, mean and imbalance.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl sts-visits",
    bin_name = "kubectl sts-visits",
    version,
    after_help = AFTER_HELP
)]
struct Cli {
    /// StatefulSets to read (default: every StatefulSet in the namespace, filtered by -l).
    #[arg(value_name = "NAME")]
    names: Vec<StatefulSetName>,

    /// The counter file inside the container (absolute path; read literally, no shell).
    #[arg(long, value_name = "FILE", conflicts_with = "http")]
    path: Option<String>,

    /// Read the counter over HTTP through the pod proxy: [PORT]/PATH, e.g. 8080/visits.
    #[arg(long, value_name = "[PORT]/PATH")]
    http: Option<HttpSource>,

    /// Container to read in (default: the kubectl.kubernetes.io/default-container annotation,
    /// else the first container).
    #[arg(short = 'c', long, value_name = "NAME")]
    container: Option<ContainerName>,

    /// How to read the content: auto (one integer, one timestamp per line, or JSON with a
    /// numeric "visits"), count, lines, or json:FIELD.
    #[arg(long, value_name = "FORMAT")]
    format: Option<Format>,

    /// Read a Prometheus counter: NAME or 'NAME{label="value",...}' (summed over the matching
    /// series), from --http, else the prometheus.io/port|path pod annotations, else /metrics.
    #[arg(long, value_name = "NAME{LABELS}", conflicts_with = "format")]
    metric: Option<MetricSelector>,

    /// Allow adding an ephemeral debug container to pods whose image has no `cat`.
    #[arg(long)]
    allow_debug: bool,

    /// Image of the ephemeral debug container and of --offline reader pods.
    #[arg(long, value_name = "IMAGE", default_value = "busybox")]
    debug_image: String,

    /// Read the claims of pods that are not running through a short-lived reader pod.
    #[arg(long)]
    offline: bool,

    /// Also read the claims of scaled-down ordinals through reader pods (implies --offline
    /// for them); their rows have status "scaled down".
    #[arg(long)]
    include_orphans: bool,

    /// Row order within each StatefulSet.
    #[arg(long, value_enum, default_value_t = SortBy::Ordinal)]
    sort: SortBy,

    /// How many pods to read at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: usize,

    /// Per-pod time limit (e.g. 5s, 1m).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,

    /// Refresh until Ctrl-C: in place on a terminal (with the change and rate per ordinal),
    /// one JSON line per refresh otherwise. Exits 1 when the StatefulSet does not exist or is
    /// deleted; retries transient API errors with backoff.
    #[arg(short = 'w', long)]
    watch: bool,

    /// Time between refreshes with --watch.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    interval: Duration,

    #[command(flatten)]
    cluster: ClusterArgs,
}

impl Cli {
    fn options(&self) -> Options {
        Options {
            request: SourceRequest {
                path: self.path.clone(),
                http: self.http.clone(),
                container: self.container.clone().map(String::from),
                format: self.format.clone(),
                metric: self.metric.clone(),
            },
            allow_debug: self.allow_debug,
            debug_image: self.debug_image.clone(),
            offline: self.offline,
            include_orphans: self.include_orphans,
            reader_run: kube_sts::visits::readers::new_reader_run(),
            concurrency: self.concurrency.max(1),
            timeout: self.timeout,
            sort: self.sort,
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
    finish(run(cli).await, ExitMode::Normal)
}

async fn run(cli: Cli) -> Result<Outcome, Error> {
    let target = Target::connect(&cli.cluster).await?;
    let opts = cli.options();
    let table_opts = TableOptions {
        all_namespaces: cli.cluster.all_namespaces,
        wide: target.output.format == OutputFormat::Wide,
        watch: false,
    };
    if cli.watch {
        return watch(&cli, &target, &opts, table_opts).await;
    }
    let report =
        match visits::collect_or_interrupt(&target, &values::names(&cli.names), &opts).await? {
            Collected::Report(report) => report,
            Collected::Interrupted { readers_removed } => {
                if readers_removed > 0 {
                    eprintln!("interrupted: deleted {readers_removed} reader pod(s)");
                }
                return Ok(Outcome::Interrupted);
            }
        };
    if let Some(err) = report.fatal() {
        print_stderr(&view::stderr_lines(&report, false));
        return Err(err);
    }
    let text = match target.output.format {
        OutputFormat::Json | OutputFormat::Yaml => view::document(&report, target.output.format)?,
        OutputFormat::Name => view::names(&report),
        OutputFormat::Table | OutputFormat::Wide => {
            view::table(&report, &target.output, table_opts)
        }
    };
    print!("{text}");
    print_stderr(&view::stderr_lines(&report, true));
    Ok(report.outcome())
}

fn print_stderr(lines: &[String]) {
    for line in lines {
        eprintln!("{line}");
    }
}

/// `--watch`: draws each refresh in place on a terminal, else writes one JSON line per refresh.
async fn watch(
    cli: &Cli,
    target: &Target,
    opts: &Options,
    table_opts: TableOptions,
) -> Result<Outcome, Error> {
    let in_place = std::io::stdout().is_terminal()
        && matches!(
            target.output.format,
            OutputFormat::Table | OutputFormat::Wide
        );
    let table_opts = TableOptions {
        watch: true,
        ..table_opts
    };
    let interval = cli.interval.max(Duration::from_millis(100));
    let title = WatchTitle {
        interval,
        names: values::names(&cli.names),
    };
    let mut screen = in_place.then(Screen::open);
    let mut stdout = std::io::stdout();
    let mut closed = false;
    let result = visits::watch(target, &title.names, opts, interval, |refresh| {
        let output = view::watch_output(&refresh, in_place, &title, &target.output, table_opts);
        let written = match output {
            Ok(WatchOutput::Frame(frame)) => match screen.as_mut() {
                Some(screen) => screen.draw(&frame),
                None => Ok(()),
            },
            Ok(WatchOutput::Line(line)) => stdout
                .write_all(line.as_bytes())
                .and_then(|_| stdout.flush()),
            Ok(WatchOutput::Stderr(lines)) => {
                print_stderr(&lines);
                Ok(())
            }
            Ok(WatchOutput::End) => return ControlFlow::Break(()),
            Err(e) => {
                report_error(&e);
                Ok(())
            }
        };
        if written.is_err() {
            closed = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })
    .await;
    drop(screen.take());
    let last = result?;
    if closed {
        eprintln!("error: stdout was closed; stopping --watch");
        return Ok(Outcome::Failed);
    }
    Ok(match last {
        Some(_) => Outcome::Done,
        None => Outcome::Failed,
    })
}

//! `cargo run --release -p suites --bin bench [-- --quick] [--runs N] [--full] [--only fan-out]`: measures the
//! plugins against sts-sim and what users do today, prints a table and writes
//! `target/bench/bench.json`.
//!
//! - fan-out: `kubectl sts-visits` at 10, 100, 500 and 1000 replicas (`--quick`: up to 500)
//!   with 50 ms injected exec latency, against a sequential `kubectl exec POD -- cat FILE` loop
//!   and `xargs -P 8` over the same command. The ideal at N replicas is the plugin at N replicas
//!   without latency plus `ceil(N / concurrency) x latency`, and the ratio is the plugin's time
//!   over that ideal (goal at 1000: at most 1.3). The baselines run once each; from 500
//!   replicas on they are estimated from their per-pod cost at 100 unless `--full` is given.
//! - requests per command (counted by the simulator) at 10, 100 and 1000 replicas (`--quick`:
//!   10, 100, 300), split into the constant part and the per-pod exec/proxy calls.
//! - rollout step overhead: from the store commit that makes the last pod of a step Ready to
//!   the commit of the next partition patch, over 50 one-pod steps, and requests per step.
//! - footprint: binary sizes against the 8 MiB release limit, start-up to a first answer
//!   (`--version`, `--help`) next to `kubectl version --client`, peak RSS of sts-visits at 500
//!   replicas.
//!
//! Times are the median and the min-max spread over `--runs` runs (default 3, `--quick`: 1).

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sts_sim::testing::E2e;
use suites::{deploy, on, plugin_path, profile_dir, visit_all, Plugin};

const LATENCY: Duration = Duration::from_millis(50);
const CONCURRENCY: u32 = 100;

struct Opts {
    runs: usize,
    quick: bool,
    full: bool,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median, min and max in milliseconds.
fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let med = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (med, v[0], v[n - 1])
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let idx = ((p / 100.0) * (v.len() as f64 - 1.0)).round() as usize;
    v[idx.min(v.len() - 1)]
}

async fn time_cmd(mut cmd: tokio::process::Command) -> (Duration, bool) {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let started = Instant::now();
    let status = cmd.status().await.expect("run command");
    (started.elapsed(), status.success())
}

fn kubectl_shell(t: &E2e, cache: &std::path::Path, script: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.args(["-c", script])
        .env("KUBECONFIG", &t.kubeconfig)
        .env("KUBECACHEDIR", cache);
    cmd
}

/// The fan-out goal: at 1000 replicas, at most this many times the ideal.
const RATIO_GOAL: f64 = 1.3;

/// Median time of `runs` runs of sts-visits on `name` (asserting each succeeds).
async fn time_visits(t: &E2e, name: &str, runs: usize) -> Vec<f64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let (d, ok) = time_cmd(
            on(
                t,
                Plugin::Visits,
                &[name, "--path", "/data/visits", "-o", "json"],
            )
            .command(),
        )
        .await;
        assert!(ok, "sts-visits {name}");
        times.push(ms(d));
    }
    times
}

async fn fan_out(t: &E2e, opts: &Opts, out: &mut Value) {
    let faults = t.faults().expect("simulator").clone();
    let cache = tempfile::tempdir().expect("tempdir");
    let ns = &t.namespace;
    println!(
        "\n## sts-visits fan-out ({} ms exec latency, concurrency {CONCURRENCY})",
        ms(LATENCY)
    );
    println!(
        "{:>8} {:>22} {:>14} {:>14} {:>10} {:>10} {:>12} {:>10} {:>8}",
        "replicas",
        "sts-visits ms (min-max)",
        "seq loop ms",
        "xargs -P8 ms",
        "x seq",
        "x xargs",
        "no-latency ms",
        "ideal ms",
        "ratio"
    );
    let sizes: &[u32] = if opts.quick {
        &[10, 100, 500]
    } else {
        &[10, 100, 500, 1000]
    };
    let mut rows = Vec::new();
    let mut seq_per_pod = 0.0;
    let mut xargs_per_pod = 0.0;
    let mut ratio_1000 = None;
    for &n in sizes {
        let name = format!("fan{n}");
        deploy(t, &name, n as i32, "Parallel", json!(null)).await;
        visit_all(t, &name, n as i32, 1).await;
        // The same command at the same size without latency: everything but the exec waits.
        faults.clear();
        let (base_ms, _, _) = stats(time_visits(t, &name, opts.runs.max(3)).await);
        faults.exec_latency(None, LATENCY);
        let plugin = time_visits(t, &name, opts.runs).await;
        let (med, lo, hi) = stats(plugin.clone());
        let measure_baselines = n <= 100 || opts.full;
        let (seq, xargs, estimated) = if measure_baselines {
            let last = n - 1;
            let seq_script = format!(
                "for i in $(seq 0 {last}); do kubectl exec -n {ns} {name}-$i -- cat /data/visits; done"
            );
            let (seq, ok1) = time_cmd(kubectl_shell(t, cache.path(), &seq_script)).await;
            let xargs_script = format!(
                "seq 0 {last} | xargs -P 8 -I{{}} kubectl exec -n {ns} {name}-{{}} -- cat /data/visits"
            );
            let (xargs, ok2) = time_cmd(kubectl_shell(t, cache.path(), &xargs_script)).await;
            assert!(ok1 && ok2, "kubectl baselines failed");
            seq_per_pod = ms(seq) / n as f64;
            xargs_per_pod = ms(xargs) / n as f64;
            (ms(seq), ms(xargs), false)
        } else {
            (seq_per_pod * n as f64, xargs_per_pod * n as f64, true)
        };
        faults.clear();
        let ideal = (n.div_ceil(CONCURRENCY)) as f64 * ms(LATENCY) + base_ms;
        let ratio = med / ideal;
        if n == 1000 {
            ratio_1000 = Some(ratio);
        }
        let mark = if estimated { "~" } else { "" };
        println!(
            "{n:>8} {:>22} {:>14} {:>14} {:>10.1} {:>10.1} {:>12.0} {:>10.0} {:>8.2}",
            format!("{med:.0} ({lo:.0}-{hi:.0})"),
            format!("{mark}{seq:.0}"),
            format!("{mark}{xargs:.0}"),
            seq / med,
            xargs / med,
            base_ms,
            ideal,
            ratio
        );
        rows.push(
            json!({"replicas": n, "pluginMs": {"median": med, "min": lo, "max": hi, "runs": plugin},
            "sequentialMs": seq, "xargsMs": xargs, "baselinesEstimated": estimated,
            "speedupVsSequential": seq / med, "speedupVsXargs": xargs / med,
            "noLatencyMs": base_ms, "idealMs": ideal, "ratioToIdeal": ratio}),
        );
    }
    println!("(ideal = sts-visits at the same size without latency + ceil(N / {CONCURRENCY}) x {} ms; ~ = estimated from the per-pod cost at 100)", ms(LATENCY));
    match ratio_1000 {
        Some(r) => println!(
            "1000-replica ratio to the ideal: {r:.2} (goal <= {RATIO_GOAL}: {})",
            if r <= RATIO_GOAL { "met" } else { "NOT met" }
        ),
        None => println!("1000-replica ratio to the ideal: not measured (--quick)"),
    }
    out["fanOut"] = json!({"latencyMs": ms(LATENCY), "concurrency": CONCURRENCY,
        "ratioGoal": RATIO_GOAL, "ratio1000": ratio_1000, "rows": rows});
}

async fn request_counts(t: &E2e, opts: &Opts, out: &mut Value) {
    let faults = t.faults().expect("simulator").clone();
    let sizes: &[i32] = if opts.quick {
        &[10, 100, 300]
    } else {
        &[10, 100, 1000]
    };
    println!("\n## API requests per command (constant part + per-pod exec/proxy calls)");
    println!(
        "{:>8} {:>28} {:>28} {:>28}",
        "replicas", "sts-pvc", "sts-visits", "sts-rollout status"
    );
    let mut rows = Vec::new();
    for &n in sizes {
        let name = format!("rq{n}");
        deploy(t, &name, n, "Parallel", json!(null)).await;
        visit_all(t, &name, n, 1).await;
        let mut cells = Vec::new();
        let mut row = json!({"replicas": n});
        for (key, plugin, args) in [
            ("pvc", Plugin::Pvc, vec![name.as_str()]),
            (
                "visits",
                Plugin::Visits,
                vec![name.as_str(), "--path", "/data/visits", "-o", "json"],
            ),
            (
                "rolloutStatus",
                Plugin::Rollout,
                vec!["status", name.as_str()],
            ),
        ] {
            faults.reset_counts();
            let run = on(t, plugin, &args)
                .run_within(Duration::from_secs(600))
                .await;
            assert_eq!(run.code, 0, "{run:?}");
            let counts = faults.request_counts();
            let total: u64 = counts.values().sum();
            let per_pod: u64 = counts
                .iter()
                .filter(|((v, r), _)| (v == "create" && r == "pods/exec") || r == "pods/proxy")
                .map(|(_, c)| c)
                .sum();
            cells.push(format!("{} + {per_pod}", total - per_pod));
            let detail: BTreeMap<String, u64> = counts
                .into_iter()
                .map(|((v, r), c)| (format!("{v} {r}"), c))
                .collect();
            row[key] = json!({"total": total, "perPod": per_pod, "constant": total - per_pod, "byVerb": detail});
        }
        println!("{n:>8} {:>28} {:>28} {:>28}", cells[0], cells[1], cells[2]);
        rows.push(row);
    }
    out["requests"] = json!(rows);
}

async fn rollout_overhead(t: &E2e, out: &mut Value) {
    let sim = t.sim.as_ref().expect("simulator");
    let faults = sim.faults().clone();
    const N: i32 = 51;
    deploy(t, "roll", N, "OrderedReady", json!(null)).await;
    let mut rx = sim.state().store.subscribe();
    let ns = t.namespace.clone();
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel::<(Instant, String, Value)>();
    let collector = tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    if ev.object["metadata"]["namespace"] != ns.as_str() {
                        continue;
                    }
                    let _ = tx.send((
                        Instant::now(),
                        ev.rt.plural.to_string(),
                        (*ev.object).clone(),
                    ));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            }
        }
    });
    let steps: Vec<String> = (1..=N).map(|k| k.to_string()).collect();
    let steps = steps.join(",");
    faults.reset_counts();
    let run = on(
        t,
        Plugin::Rollout,
        &[
            "start",
            "roll",
            "--image",
            "app=example/visits-app:2.0",
            "--steps",
            &steps,
        ],
    )
    .run_within(Duration::from_secs(600))
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let requests = faults.total_requests();
    collector.abort();
    let mut ready_at: BTreeMap<i32, Instant> = BTreeMap::new();
    let mut partition_at: BTreeMap<i32, Instant> = BTreeMap::new();
    let mut old_rev: Option<String> = None;
    while let Ok((at, plural, obj)) = events.try_recv() {
        match plural.as_str() {
            "statefulsets" if obj["metadata"]["name"] == "roll" => {
                if old_rev.is_none() {
                    old_rev = obj["status"]["currentRevision"]
                        .as_str()
                        .map(str::to_string);
                }
                if let Some(p) =
                    obj["spec"]["updateStrategy"]["rollingUpdate"]["partition"].as_i64()
                {
                    partition_at.entry(p as i32).or_insert(at);
                }
            }
            "pods" => {
                let rev = obj["metadata"]["labels"]["controller-revision-hash"].as_str();
                let ready = obj["status"]["conditions"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                });
                let name = obj["metadata"]["name"].as_str().unwrap_or("");
                let ord: Option<i32> = name.rsplit('-').next().and_then(|o| o.parse().ok());
                if let (Some(ord), Some(rev), true) = (ord, rev, ready) {
                    if old_rev.as_deref().is_some_and(|o| o != rev)
                        && obj["metadata"]["deletionTimestamp"].is_null()
                    {
                        ready_at.entry(ord).or_insert(at);
                    }
                }
            }
            _ => {}
        }
    }
    // Step k (1-based) sets partition N-k and ends when ordinal N-k is Ready on the new
    // revision; the next patch sets partition N-k-1.
    let mut gaps = Vec::new();
    for k in 1..N {
        let ord = N - k;
        if let (Some(r), Some(p)) = (ready_at.get(&ord), partition_at.get(&(ord - 1))) {
            if *p >= *r {
                gaps.push(ms(*p - *r));
            }
        }
    }
    let (med, lo, hi) = if gaps.is_empty() {
        (f64::NAN, f64::NAN, f64::NAN)
    } else {
        stats(gaps.clone())
    };
    let p95 = if gaps.is_empty() {
        f64::NAN
    } else {
        pct(&gaps, 95.0)
    };
    println!(
        "\n## rollout step overhead ({} one-pod steps measured)",
        gaps.len()
    );
    println!("last pod Ready -> next partition patch: median {med:.1} ms, p95 {p95:.1} ms (min {lo:.1}, max {hi:.1}); {:.1} requests per step", requests as f64 / N as f64);
    out["rolloutStep"] = json!({"steps": gaps.len(), "medianMs": med, "p95Ms": p95, "minMs": lo, "maxMs": hi,
        "requestsPerStep": requests as f64 / N as f64, "gapsMs": gaps});
}

/// The release limit of each plugin binary (stripped), checked by the release workflow too.
const BINARY_LIMIT_BYTES: u64 = 8 * 1024 * 1024;

/// Median, min and max milliseconds of `runs` runs of `program args` to its exit.
async fn startup_ms(program: &std::path::Path, args: &[&str], runs: usize) -> (f64, f64, f64) {
    let mut times = Vec::new();
    for _ in 0..runs {
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args);
        times.push(ms(time_cmd(cmd).await.0));
    }
    stats(times)
}

/// Each plugin binary's size against [`BINARY_LIMIT_BYTES`], and its start-up to a first answer
/// (`--version`, `--help`: no cluster involved) next to kubectl's `version --client`.
async fn binary_footprint() -> Value {
    let mut rows = Vec::new();
    for p in Plugin::ALL {
        let path = plugin_path(p);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let within = size <= BINARY_LIMIT_BYTES;
        let (help, help_lo, help_hi) = startup_ms(&path, &["--help"], 10).await;
        let (version, version_lo, version_hi) = startup_ms(&path, &["--version"], 10).await;
        println!(
            "{:<22} {:>6.2} MiB ({}, limit {:.0} MiB)   --version {version:.1} ms \
             ({version_lo:.1}-{version_hi:.1})   --help {help:.1} ms ({help_lo:.1}-{help_hi:.1})",
            p.bin_name(),
            size as f64 / 1048576.0,
            if within { "ok" } else { "OVER" },
            BINARY_LIMIT_BYTES as f64 / 1048576.0
        );
        rows.push(
            json!({"binary": p.bin_name(), "bytes": size, "withinLimit": within,
            "versionMs": {"median": version, "min": version_lo, "max": version_hi},
            "helpMs": {"median": help, "min": help_lo, "max": help_hi}}),
        );
    }
    let kubectl = which_kubectl();
    let kubectl_ms = match &kubectl {
        Some(path) => {
            let (med, lo, hi) = startup_ms(path, &["version", "--client"], 10).await;
            println!(
                "{:<22}            kubectl version --client {med:.1} ms ({lo:.1}-{hi:.1})",
                "kubectl"
            );
            Some(json!({"median": med, "min": lo, "max": hi}))
        }
        None => None,
    };
    json!({"limitBytes": BINARY_LIMIT_BYTES, "binaries": rows, "kubectlVersionClientMs": kubectl_ms})
}

fn which_kubectl() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("kubectl"))
        .find(|p| p.is_file())
}

async fn footprint(t: &E2e, opts: &Opts, out: &mut Value) {
    println!("\n## footprint");
    let binaries = binary_footprint().await;
    // Peak RSS of sts-visits at 500 replicas (GNU time's maximum resident set size).
    let mut rss_kib = None;
    if std::path::Path::new("/usr/bin/time").exists() {
        let inv = on(
            t,
            Plugin::Visits,
            &["fan500", "--path", "/data/visits", "-o", "json"],
        );
        let mut cmd = tokio::process::Command::new("/usr/bin/time");
        cmd.args(["-f", "%M"])
            .arg(plugin_path(Plugin::Visits))
            .args(&inv.args)
            .env("NO_COLOR", "1");
        let out = cmd.output().await.expect("time");
        rss_kib = String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse::<u64>().ok());
    }
    match rss_kib {
        Some(k) => println!(
            "peak RSS of sts-visits at 500 replicas: {:.1} MiB",
            k as f64 / 1024.0
        ),
        None => println!("peak RSS of sts-visits at 500 replicas: n/a (/usr/bin/time missing)"),
    }
    let _ = opts;
    out["footprint"] = json!({"binaries": binaries["binaries"], "limitBytes": binaries["limitBytes"],
        "kubectlVersionClientMs": binaries["kubectlVersionClientMs"], "visitsPeakRssKiB500": rss_kib});
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let full = args.iter().any(|a| a == "--full");
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(if quick { 1 } else { 3 });
    // `--only fan-out` measures just that section (the expensive one to repeat).
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let opts = Opts { runs, quick, full };
    for p in Plugin::ALL {
        plugin_path(p);
    }
    println!(
        "kubectl sts bench: profile {}, {} run(s) per measurement{}",
        profile_dir().display(),
        runs,
        if quick { ", quick" } else { "" }
    );
    let t = E2e::start().await;
    let mut out = json!({"runs": runs, "quick": quick, "full": full});
    fan_out(&t, &opts, &mut out).await;
    if only.as_deref() != Some("fan-out") {
        footprint(&t, &opts, &mut out).await;
        request_counts(&t, &opts, &mut out).await;
        rollout_overhead(&t, &mut out).await;
    }
    let dir = profile_dir().parent().expect("target dir").join("bench");
    std::fs::create_dir_all(&dir).expect("create target/bench");
    let path = dir.join("bench.json");
    std::fs::write(&path, serde_json::to_string_pretty(&out).expect("json"))
        .expect("write bench.json");
    println!("\nwrote {}", path.display());
}

//! `sts-sim demo`: the seeds' scenario played against a fresh simulated cluster with the real
//! `kubectl` and the three plugins, each step with one line saying why.
//!
//! It deploys the visits app (a StatefulSet of 3 with a claim template, a headless Service and a
//! NodePort Service, `Parallel` pod management), prints the app's URL as `minikube service` does
//! (`http://127.0.0.1:<nodePort>`), sends visits to it (each lands on a pod picked at random, as
//! kube-proxy does, so the counts come out uneven), then shows
//! `kubectl sts-visits`, `kubectl sts-pvc`, a scale-down that leaves an orphaned claim, and a
//! two-step canary with `kubectl sts-rollout`. The plugins are called through kubectl
//! (`kubectl sts-visits ...`), from a temporary PATH folder holding the `kubectl-sts_*` links and
//! the completion shims, exactly as after an install. Any unexpected failure fails the demo, so
//! CI catches a broken walk-through.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::testing::visits_app_manifest;
use crate::{Cluster, ClusterOptions};

/// The plugins the demo uses, by the name typed after `kubectl`.
pub const PLUGINS: [&str; 3] = ["sts-visits", "sts-pvc", "sts-rollout"];

/// Options of `sts-sim demo`.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Folder holding the built `kubectl-sts-*` binaries (default: next to `sts-sim`).
    pub bin_dir: Option<PathBuf>,
    /// Keep the cluster running after the walk-through, until Ctrl-C.
    pub keep: bool,
    /// Visits to send through the Service.
    pub visits: usize,
}

/// Prints steps and runs commands in the demo's environment.
struct Player {
    path: OsString,
    kubeconfig: PathBuf,
    cache: PathBuf,
    bold: bool,
}

impl Player {
    fn say(&self, text: &str) {
        if self.bold {
            println!("\n\x1b[1m# {text}\x1b[0m");
        } else {
            println!("\n# {text}");
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("kubectl");
        cmd.args(args)
            .env("PATH", &self.path)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", &self.cache)
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .stdin(Stdio::null());
        cmd
    }

    /// Shows `$ kubectl ARGS`, runs it with its output going to ours, and checks the exit code.
    fn run(&self, args: &[&str], expect: &[i32]) -> Result<()> {
        println!("$ kubectl {}", shell_words(args));
        let _ = std::io::stdout().flush();
        let status = self
            .command(args)
            .status()
            .context("running kubectl (is it on PATH?)")?;
        let code = status.code().unwrap_or(-1);
        if !expect.contains(&code) {
            bail!("`kubectl {}` exited with {code}", shell_words(args));
        }
        if code != 0 {
            println!("(exit code {code})");
        }
        Ok(())
    }

    /// Like [`Player::run`] with a manifest on stdin, shown as a file name.
    fn apply(&self, file_name: &str, manifest: &str) -> Result<()> {
        println!("$ kubectl apply -f {file_name}");
        let mut child = self
            .command(&["apply", "-f", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .context("running kubectl (is it on PATH?)")?;
        child
            .stdin
            .take()
            .context("kubectl stdin")?
            .write_all(manifest.as_bytes())?;
        let status = child.wait()?;
        if !status.success() {
            bail!("kubectl apply failed ({status})");
        }
        Ok(())
    }

    /// Runs kubectl quietly (traffic), failing on error.
    fn quiet(&self, args: &[&str]) -> Result<String> {
        let out = self.command(args).output()?;
        if !out.status.success() {
            bail!(
                "`kubectl {}` failed: {}",
                shell_words(args),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains([' ', '{', '}', '"', '*', '$', ';']) {
                format!("'{a}'")
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The folder holding the plugin binaries: `--bin-dir`, else the folder of this executable.
fn plugin_dir(opts: &DemoOptions) -> Result<PathBuf> {
    let dir = match &opts.bin_dir {
        Some(dir) => dir.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("executable folder")?
            .to_path_buf(),
    };
    for plugin in PLUGINS {
        let bin = dir.join(format!("kubectl-{plugin}{}", std::env::consts::EXE_SUFFIX));
        if !bin.is_file() {
            bail!(
                "{} not found: build the plugins first (`cargo xtask demo` does, or \
                 `cargo build --workspace --bins`), or pass --bin-dir",
                bin.display()
            );
        }
    }
    Ok(dir.canonicalize()?)
}

/// Lays out a PATH folder as an install would: `kubectl-sts-visits` (for `kubectl sts visits`),
/// `kubectl-sts_visits` (for `kubectl sts-visits`) and `kubectl_complete-sts_visits` (for
/// completion; the binaries answer completion when called by that name), all links to the
/// built binaries.
fn plugin_path(plugins: &Path, dir: &Path) -> Result<OsString> {
    std::fs::create_dir_all(dir)?;
    for plugin in PLUGINS {
        let exe = std::env::consts::EXE_SUFFIX;
        let target = plugins.join(format!("kubectl-{plugin}{exe}"));
        let under = plugin.replace('-', "_");
        for name in [
            format!("kubectl-{plugin}{exe}"),
            format!("kubectl-{under}{exe}"),
            format!("kubectl_complete-{under}{exe}"),
        ] {
            link(&target, &dir.join(name))?;
        }
    }
    let mut paths = vec![dir.to_path_buf()];
    if let Some(old) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&old));
    }
    Ok(std::env::join_paths(paths)?)
}

fn link(target: &Path, link: &Path) -> Result<()> {
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, link)?;
    #[cfg(not(unix))]
    std::fs::copy(target, link)?;
    Ok(())
}

/// Runs the demo.
pub async fn run(opts: DemoOptions) -> Result<()> {
    let started = Instant::now();
    let plugins = plugin_dir(&opts)?;
    let work = tempfile::Builder::new().prefix("sts-sim-demo-").tempdir()?;
    let bin = work.path().join("bin");
    let kubeconfig = work.path().join("kubeconfig");
    let path = plugin_path(&plugins, &bin)?;
    let cluster = Cluster::start(ClusterOptions {
        kubeconfig: Some(kubeconfig.clone()),
        node_ports: true,
        ..ClusterOptions::default()
    })
    .await?;
    let p = Player {
        path,
        kubeconfig: kubeconfig.clone(),
        cache: work.path().join("cache"),
        bold: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    println!(
        "sts-sim: a simulated cluster is serving {} (kubeconfig {}).",
        cluster.url(),
        kubeconfig.display()
    );
    let runtime = tokio::runtime::Handle::current();
    let node_ports = &cluster.state().node_ports;
    let app_open = |port: u16| {
        runtime.block_on(node_ports.wait_open(port, std::time::Duration::from_secs(10)))
    };
    let result = tokio::task::block_in_place(|| play(&p, &opts, &app_open));
    let app_url = match result {
        Ok(url) => url,
        Err(e) => {
            cluster.shutdown().await;
            return Err(e);
        }
    };
    println!(
        "\nThe demo took {:.0} s.",
        started.elapsed().as_secs_f64().ceil()
    );
    if opts.keep {
        println!("The cluster keeps running until Ctrl-C. In another terminal:");
        println!(
            "  export KUBECONFIG={} PATH=\"{}:$PATH\"",
            kubeconfig.display(),
            bin.display()
        );
        println!("  kubectl sts-visits web; kubectl sts-rollout history web; kubectl sts-pvc web");
        if let Some(url) = &app_url {
            println!("The app (Service web-web, NodePort), to open in a browser or with curl:");
            println!("  {url}");
        }
        stopped().await?;
    } else {
        println!(
            "The cluster stops now. To keep playing with it, run the demo with --keep: it then \
             prints the KUBECONFIG and PATH lines to use."
        );
    }
    cluster.shutdown().await;
    Ok(())
}

/// Waits for Ctrl-C (or SIGTERM), so the temporary folder is cleaned up either way.
async fn stopped() -> Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// The seeds' app with its Service as a NodePort (minikube's `kubectl expose --type=NodePort`).
fn app_manifest() -> String {
    visits_app_manifest("web", 3, "Parallel").replace("type: ClusterIP", "type: NodePort")
}

/// One `GET /` to the app on `127.0.0.1:port`, as `curl -s` would; fails unless it answers 200.
fn visit_node_port(port: u16) -> Result<()> {
    use std::io::Read;
    let timeout = std::time::Duration::from_secs(10);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut conn = std::net::TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("connecting to {addr}"))?;
    conn.set_read_timeout(Some(timeout))?;
    conn.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer)?;
    let status = answer.lines().next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 200") {
        bail!("http://{addr}/ answered {status:?}");
    }
    Ok(())
}

/// Plays the walk-through; returns the app's URL when its node port is open. `app_open`
/// waits until the simulator listens on a node port.
fn play(p: &Player, opts: &DemoOptions, app_open: &dyn Fn(u16) -> bool) -> Result<Option<String>> {
    p.say("The seeds' app: a StatefulSet of 3 visit counters, each pod with its own claim (data-web-N), a headless Service, a NodePort Service in front, Parallel pod management.");
    p.apply("web.yaml", &app_manifest())?;
    p.run(
        &["rollout", "status", "statefulset/web", "--timeout=60s"],
        &[0],
    )?;

    let visits = if opts.visits == 0 { 24 } else { opts.visits };
    let node_port: Option<u16> = p
        .quiet(&[
            "get",
            "service",
            "web-web",
            "-o",
            "jsonpath={.spec.ports[0].nodePort}",
        ])?
        .trim()
        .parse()
        .ok();
    let app_url = match node_port {
        Some(port) if app_open(port) => {
            let url = format!("http://127.0.0.1:{port}");
            p.say("The app's URL, as `minikube service web-web --url` printed it (every node listens on the NodePort; here the node is 127.0.0.1): open it in a browser, or:");
            println!("{url}");
            p.say(&format!(
                "Send {visits} visits to it: kube-proxy sends each to a Ready pod picked at random, which counts it in /data/visits on its own volume."
            ));
            println!("$ for i in $(seq {visits}); do curl -s {url}/ >/dev/null; done");
            for _ in 0..visits {
                visit_node_port(port)?;
            }
            Some(url)
        }
        _ => {
            p.say("The NodePort could not be opened on 127.0.0.1 (see the Service's events); the visits go through the API server's service proxy instead, to a Ready pod picked at random.");
            let _ = p.run(
                &[
                    "get",
                    "events",
                    "--field-selector",
                    "involvedObject.name=web-web",
                ],
                &[0],
            );
            let proxy = "/api/v1/namespaces/default/services/web-web:http/proxy/";
            println!("$ for i in $(seq {visits}); do kubectl get --raw {proxy}; done");
            for _ in 0..visits {
                p.quiet(&["get", "--raw", proxy])?;
            }
            None
        }
    };
    p.run(&["get", "po,sts,svc,pvc"], &[0])?;

    p.say("Where the seeds ran `kubectl exec web-N -- cat /data/visits` pod by pod, one command reads every ordinal (the file is found from the claim's mount path). The counts are uneven, as the seeds saw (38 vs 25): SHARE and the imbalance figure say by how much.");
    p.run(&["sts-visits", "web"], &[0])?;

    p.say("Which claim belongs to which pod, its state and capacity (instead of matching data-web-1 to web-1 by eye):");
    p.run(&["sts-pvc", "web"], &[0])?;

    p.say("Scale down to 2: Kubernetes keeps the claim of web-2 (retention policy Retain), now an orphan.");
    p.run(&["scale", "statefulset", "web", "--replicas=2"], &[0])?;
    p.run(
        &["rollout", "status", "statefulset/web", "--timeout=60s"],
        &[0],
    )?;
    p.run(&["sts-pvc", "web"], &[0])?;
    p.say("`--orphans` lists only orphaned claims and exits 1 when there are some (for scripts); `kubectl sts-pvc prune web --yes` would delete them.");
    p.run(&["sts-pvc", "web", "--orphans"], &[1])?;
    p.say("Scale back to 3: web-2 comes back on its old claim, with its count.");
    p.run(&["scale", "statefulset", "web", "--replicas=3"], &[0])?;
    p.run(
        &["rollout", "status", "statefulset/web", "--timeout=60s"],
        &[0],
    )?;
    p.run(&["sts-visits", "web"], &[0])?;

    p.say("A two-step canary of version 2.0: step 1 updates one pod (the highest ordinal) and stops (--manual); nothing else restarts.");
    p.run(
        &[
            "sts-rollout",
            "start",
            "web",
            "--image",
            "app=example/visits-app:2.0",
            "--steps",
            "1,100%",
            "--manual",
            "--timeout",
            "60s",
        ],
        &[0],
    )?;
    p.run(&["sts-rollout", "status", "web"], &[0])?;
    p.say("The canary looks good: promote runs step 2, the rest of the pods, each Ready before the next.");
    p.run(&["sts-rollout", "promote", "web", "--timeout", "60s"], &[0])?;
    p.run(&["sts-rollout", "history", "web"], &[0])?;
    p.say("The counts survived the update: every pod restarted on its own claim.");
    p.run(&["sts-visits", "web"], &[0])?;

    p.say("Completion: kubectl asks the plugin (through kubectl_complete-sts_visits) for StatefulSet names.");
    println!("$ kubectl __complete sts-visits ''");
    print!("{}", p.quiet(&["__complete", "sts-visits", ""])?);
    Ok(app_url)
}

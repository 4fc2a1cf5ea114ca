//! Shared pieces of the cross-cutting suites (`tests/bad_input.rs`, `tests/faults.rs`,
//! `tests/security.rs`) and of the `bench` program: the three plugin binaries run as a user
//! runs them, the seeds' app deployed on a cluster, and a fingerprint of everything a namespace
//! holds so a test can prove a command changed nothing.
//!
//! # Where the plugin binaries come from
//!
//! `CARGO_BIN_EXE_*` only exists inside a binary's own package, and a dependency on a
//! bin-only package builds no binary. So [`plugin_path`] runs
//! `cargo build -p kubectl-sts-visits -p kubectl-sts-rollout -p kubectl-sts-pvc` once per
//! process, with the profile and target directory of the running executable (read from
//! [`std::env::current_exe`]: `target/<profile>/deps/<test>` or `target/<profile>/bench`).
//! Cargo releases its build lock before it runs tests or `cargo run` targets, so this does not
//! deadlock; when the binaries are fresh it is a no-op of a fraction of a second, and when a
//! source changed they are rebuilt, so a suite never runs a stale plugin. Set
//! `STS_SUITES_NO_BUILD=1` to skip the build and use what is there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{
    PersistentVolume, PersistentVolumeClaim, Pod, Service, ServiceAccount,
};
use kube::api::{Api, ListParams, PostParams};
use serde_json::{json, Value};
use sts_sim::testing::E2e;
pub use sts_sim::testing::{Run, Running};

/// One of the three plugins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plugin {
    /// `kubectl sts-visits`.
    Visits,
    /// `kubectl sts-rollout`.
    Rollout,
    /// `kubectl sts-pvc`.
    Pvc,
}

impl Plugin {
    /// Every plugin.
    pub const ALL: [Plugin; 3] = [Plugin::Visits, Plugin::Rollout, Plugin::Pvc];

    /// The binary (and package) name.
    pub fn bin_name(self) -> &'static str {
        match self {
            Plugin::Visits => "kubectl-sts-visits",
            Plugin::Rollout => "kubectl-sts-rollout",
            Plugin::Pvc => "kubectl-sts-pvc",
        }
    }

    /// How a user types it.
    pub fn command(self) -> &'static str {
        match self {
            Plugin::Visits => "kubectl sts-visits",
            Plugin::Rollout => "kubectl sts-rollout",
            Plugin::Pvc => "kubectl sts-pvc",
        }
    }
}

/// The directory holding the binaries of the running executable's profile
/// (`target/debug` for tests, `target/release` for `cargo run --release`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe.parent().expect("exe directory").to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    dir
}

fn build_plugins(profile_dir: &Path) -> Result<(), String> {
    if std::env::var_os("STS_SUITES_NO_BUILD").is_some() {
        return Ok(());
    }
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".to_string(),
        Some(other) => other.to_string(),
        None => {
            return Err(format!(
                "cannot tell the profile of {}",
                profile_dir.display()
            ))
        }
    };
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| format!("no target directory above {}", profile_dir.display()))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target_dir)
        .args(["build", "--quiet", "--profile", &profile]);
    for p in Plugin::ALL {
        cmd.args(["-p", p.bin_name()]);
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running cargo build: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build of the plugins failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The path of a plugin binary, built (once per process) with the running profile.
pub fn plugin_path(plugin: Plugin) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let dir = profile_dir();
        build_plugins(&dir).map(|()| dir)
    });
    match dir {
        Ok(dir) => {
            let path = dir.join(plugin.bin_name());
            assert!(path.exists(), "{} was not built", path.display());
            path
        }
        Err(e) => panic!("{e}"),
    }
}

/// A plugin command line with its environment, run as a user would (no `KUBECONFIG` from the
/// test's environment unless set, `NO_COLOR`, stdin closed).
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Which plugin.
    pub plugin: Plugin,
    /// Arguments.
    pub args: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
}

impl Invocation {
    /// A command with `args` and nothing else.
    pub fn new<S: AsRef<str>>(plugin: Plugin, args: &[S]) -> Self {
        Invocation {
            plugin,
            args: args.iter().map(|a| a.as_ref().to_string()).collect(),
            env: Vec::new(),
        }
    }

    /// Adds arguments.
    pub fn arg<S: AsRef<str>>(mut self, args: &[S]) -> Self {
        self.args
            .extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The process to spawn.
    pub fn command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(plugin_path(self.plugin));
        cmd.args(&self.args)
            .env_remove("KUBECONFIG")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Runs to completion, bounded by `limit` (panics past it: a hung plugin is a failure).
    pub async fn run_within(&self, limit: Duration) -> Run {
        let child = self.command().spawn().expect("spawn plugin");
        let out = tokio::time::timeout(limit, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("{:?} did not finish within {limit:?}", self.args))
            .expect("plugin output");
        Run::of(&out)
    }

    /// Runs to completion within two minutes.
    pub async fn run(&self) -> Run {
        self.run_within(Duration::from_secs(120)).await
    }
}

/// `--kubeconfig K -n NS` for a test's cluster.
pub fn cluster_args(e2e: &E2e) -> Vec<String> {
    vec![
        "--kubeconfig".into(),
        e2e.kubeconfig.to_string_lossy().into_owned(),
        "-n".into(),
        e2e.namespace.clone(),
    ]
}

/// A plugin invocation against a test's cluster and namespace.
pub fn on(e2e: &E2e, plugin: Plugin, args: &[&str]) -> Invocation {
    Invocation::new(plugin, args).arg(&cluster_args(e2e))
}

/// The seeds' app as objects: a headless Service and a StatefulSet of `replicas`
/// visits-counting pods with one claim template `data` at `/data`. `strategy` is a JSON
/// `updateStrategy` (`null` for the default).
pub fn app_objects(
    name: &str,
    replicas: i32,
    policy: &str,
    strategy: Value,
) -> (Service, StatefulSet) {
    let svc = json!({
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"clusterIP": "None", "selector": {"app": name},
                 "ports": [{"name": "http", "port": 8080}]}
    });
    let mut spec = json!({
        "serviceName": name,
        "replicas": replicas,
        "podManagementPolicy": policy,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{
                "name": "app",
                "image": "example/visits-app:1.0",
                "ports": [{"name": "http", "containerPort": 8080}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]
            }]}
        },
        "volumeClaimTemplates": [{
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "64Mi"}}}
        }]
    });
    if !strategy.is_null() {
        spec["updateStrategy"] = strategy;
    }
    let sts = json!({"metadata": {"name": name}, "spec": spec});
    (
        serde_json::from_value(svc).expect("service"),
        serde_json::from_value(sts).expect("statefulset"),
    )
}

/// Creates the app and waits (watch-driven) until every replica is Ready.
pub async fn deploy(e2e: &E2e, name: &str, replicas: i32, policy: &str, strategy: Value) {
    let (svc, sts) = app_objects(name, replicas, policy, strategy);
    let svcs: Api<Service> = e2e.api();
    svcs.create(&PostParams::default(), &svc)
        .await
        .expect("create service");
    let api: Api<StatefulSet> = e2e.api();
    api.create(&PostParams::default(), &sts)
        .await
        .expect("create statefulset");
    e2e.wait_settled(name, Duration::from_secs(180)).await;
}

/// Sends `n` visits to a pod through the API server's pod proxy (the app counts them in
/// `/data/visits`).
pub async fn visit(e2e: &E2e, pod: &str, n: usize) {
    for _ in 0..n {
        let req = http_get(&format!(
            "/api/v1/namespaces/{}/pods/{pod}:8080/proxy/",
            e2e.namespace
        ));
        e2e.client
            .request_text(req)
            .await
            .unwrap_or_else(|e| panic!("visit {pod}: {e}"));
    }
}

/// Gives every pod of `name` (`replicas` ordinals) `n` visits, a few pods at a time.
pub async fn visit_all(e2e: &E2e, name: &str, replicas: i32, n: usize) {
    let pods: Vec<String> = (0..replicas).map(|o| format!("{name}-{o}")).collect();
    for chunk in pods.chunks(32) {
        futures::future::join_all(chunk.iter().map(|p| visit(e2e, p, n))).await;
    }
}

fn http_get(path: &str) -> http::Request<Vec<u8>> {
    http::Request::get(path).body(Vec::new()).expect("request")
}

/// Every object a command could touch, by `kind/namespace/name`, with its resourceVersion
/// and UID: two equal fingerprints mean nothing was created, changed or deleted.
pub type Fingerprint = BTreeMap<String, (String, String)>;

/// The fingerprint of a namespace (StatefulSets, pods, claims, revisions, services, service
/// accounts) and of the cluster's PersistentVolumes.
pub async fn fingerprint(client: &kube::Client, namespace: &str) -> Fingerprint {
    let mut out = Fingerprint::new();
    async fn add<K>(out: &mut Fingerprint, api: Api<K>, kind: &str)
    where
        K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    {
        for o in api
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("list {kind}: {e}"))
        {
            let m = o.meta();
            out.insert(
                format!(
                    "{kind}/{}/{}",
                    m.namespace.clone().unwrap_or_default(),
                    m.name.clone().unwrap_or_default()
                ),
                (
                    m.resource_version.clone().unwrap_or_default(),
                    m.uid.clone().unwrap_or_default(),
                ),
            );
        }
    }
    let ns = namespace;
    add::<StatefulSet>(&mut out, Api::namespaced(client.clone(), ns), "statefulset").await;
    add::<Pod>(&mut out, Api::namespaced(client.clone(), ns), "pod").await;
    add::<PersistentVolumeClaim>(&mut out, Api::namespaced(client.clone(), ns), "pvc").await;
    add::<ControllerRevision>(&mut out, Api::namespaced(client.clone(), ns), "revision").await;
    add::<Service>(&mut out, Api::namespaced(client.clone(), ns), "service").await;
    add::<ServiceAccount>(
        &mut out,
        Api::namespaced(client.clone(), ns),
        "serviceaccount",
    )
    .await;
    add::<PersistentVolume>(&mut out, Api::all(client.clone()), "pv").await;
    out
}

/// What changed between two fingerprints, one line per object (empty when nothing did).
pub fn fingerprint_diff(before: &Fingerprint, after: &Fingerprint) -> Vec<String> {
    let mut lines = Vec::new();
    for (k, v) in before {
        match after.get(k) {
            None => lines.push(format!("deleted {k}")),
            Some(w) if w != v => lines.push(format!("changed {k}: {v:?} -> {w:?}")),
            Some(_) => {}
        }
    }
    for k in after.keys().filter(|k| !before.contains_key(*k)) {
        lines.push(format!("created {k}"));
    }
    lines
}

/// Pods of `name` by pod name: (controller-revision-hash, UID, Ready), terminating ones left
/// out.
pub async fn pods_of(e2e: &E2e, name: &str) -> BTreeMap<String, (String, String, bool)> {
    e2e.pod_states(&format!("app={name}")).await
}

impl Invocation {
    /// Starts the plugin in the background.
    pub fn spawn(&self) -> Running {
        Running::spawn(self.command())
    }
}

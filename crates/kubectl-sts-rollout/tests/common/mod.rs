//! Shared scenario helpers: a cluster with the seeds' app, the plugin run as a user runs it
//! (the built binary with `--kubeconfig` and `-n`), and watch-driven observation of pods.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::watcher;
use sts_sim::testing::{pod_ready, pod_revision, visits_app_manifest, E2e, TestUser};
pub use sts_sim::testing::{Run, Running};
use sts_sim::ClusterOptions;

/// The plugin binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-sts-rollout");

/// A test's cluster and namespace.
pub struct Env {
    pub e2e: E2e,
}

impl Env {
    pub async fn start() -> Env {
        Env {
            e2e: E2e::start().await,
        }
    }

    pub async fn start_with(opts: ClusterOptions) -> Env {
        Env {
            e2e: E2e::start_with(opts).await,
        }
    }

    pub fn ns(&self) -> &str {
        &self.e2e.namespace
    }

    fn base_args(&self, kubeconfig: &Path) -> Vec<String> {
        vec![
            "--kubeconfig".into(),
            kubeconfig.to_string_lossy().into_owned(),
            "-n".into(),
            self.e2e.namespace.clone(),
        ]
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        self.command_with(&self.e2e.kubeconfig, args)
    }

    fn command_with(&self, kubeconfig: &Path, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(args)
            .args(self.base_args(kubeconfig))
            .env_remove("KUBECONFIG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Runs the plugin to completion (bounded by two minutes).
    pub async fn plugin(&self, args: &[&str]) -> Run {
        self.plugin_with_env(args, &[]).await
    }

    /// [`Env::plugin`] with extra environment variables (`COLUMNS`).
    pub async fn plugin_with_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        finish_within_two_minutes(cmd).await
    }

    /// Runs the plugin as `user` (its kubeconfig) to completion.
    pub async fn plugin_as(&self, user: &TestUser, args: &[&str]) -> Run {
        finish_within_two_minutes(self.command_with(&user.kubeconfig, args)).await
    }

    /// Starts the plugin as `user` in the background.
    pub fn spawn_as(&self, user: &TestUser, args: &[&str]) -> Running {
        Running::spawn(self.command_with(&user.kubeconfig, args))
    }

    /// Starts the plugin in the background, with its stdout readable line by line.
    pub fn spawn(&self, args: &[&str]) -> Running {
        Running::spawn(self.command(args))
    }

    /// Creates the seeds' app (`replicas`, `policy`) with `extra` spec lines and waits until
    /// every pod is Ready.
    pub async fn deploy(&self, name: &str, replicas: i32, extra: &str) {
        let mut manifest = visits_app_manifest(name, replicas, "OrderedReady");
        if !extra.is_empty() {
            manifest = manifest.replace(
                "  podManagementPolicy: OrderedReady\n",
                &format!("  podManagementPolicy: OrderedReady\n{extra}"),
            );
        }
        let out = self.e2e.kubectl_stdin(&["apply", "-f", "-"], &manifest);
        assert!(
            out.status.success(),
            "kubectl apply failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.e2e.wait_settled(name, Duration::from_secs(60)).await;
    }

    pub fn sts_api(&self) -> Api<StatefulSet> {
        self.e2e.api()
    }

    pub fn pods_api(&self) -> Api<Pod> {
        self.e2e.api()
    }

    pub async fn sts(&self, name: &str) -> StatefulSet {
        self.sts_api().get(name).await.expect("get statefulset")
    }

    /// Pods by name: (revision label, uid, ready).
    pub async fn pods(&self) -> BTreeMap<String, (String, String, bool)> {
        self.e2e.pod_states("").await
    }

    /// Records, in order, each time a pod shows up Ready on a revision it was not on before.
    pub fn record_updates(&self) -> Arc<Mutex<Vec<(String, String)>>> {
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        let api = self.pods_api();
        tokio::spawn(async move {
            let mut last: BTreeMap<String, String> = BTreeMap::new();
            let mut stream = watcher::watcher(api, watcher::Config::default()).boxed();
            while let Some(ev) = stream.next().await {
                let Ok(watcher::Event::Apply(p) | watcher::Event::InitApply(p)) = ev else {
                    continue;
                };
                if !pod_ready(&p) || p.metadata.deletion_timestamp.is_some() {
                    continue;
                }
                let name = p.metadata.name.clone().unwrap_or_default();
                let rev = pod_revision(&p);
                if last.get(&name) != Some(&rev) {
                    if last.contains_key(&name) {
                        log2.lock().unwrap().push((name.clone(), rev.clone()));
                    }
                    last.insert(name, rev);
                }
            }
        });
        log
    }

    pub fn partition(sts: &StatefulSet) -> i32 {
        sts.spec
            .as_ref()
            .and_then(|s| s.update_strategy.as_ref())
            .and_then(|u| u.rolling_update.as_ref())
            .and_then(|r| r.partition)
            .unwrap_or(0)
    }

    pub fn revisions(sts: &StatefulSet) -> (String, String) {
        let st = sts.status.as_ref().expect("status");
        (
            st.current_revision.clone().unwrap_or_default(),
            st.update_revision.clone().unwrap_or_default(),
        )
    }
}

/// Runs `cmd` to completion, bounded by two minutes.
async fn finish_within_two_minutes(mut cmd: tokio::process::Command) -> Run {
    let child = cmd.spawn().expect("spawn plugin");
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("plugin did not finish within 2 minutes")
        .expect("plugin output");
    Run::of(&out)
}

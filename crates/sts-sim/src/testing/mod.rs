//! End-to-end test harness shared by every crate's tests: a target cluster reached only
//! through a kubeconfig (the simulator by default, a real cluster when
//! `STS_E2E_KUBECONFIG` is set), a fresh namespace per test, the real `kubectl`, and
//! watch-driven waiting.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::wait::await_condition;
use kube::Resource;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::{Cluster, ClusterOptions, Faults};

pub mod rbac;

/// Environment variable naming a real cluster's kubeconfig to run the end-to-end tests on.
pub const REAL_CLUSTER_ENV: &str = "STS_E2E_KUBECONFIG";

/// Debian's Python, which has the official Kubernetes client as `python3-kubernetes`.
pub const PYTHON: &str = "/usr/bin/python3";

/// Why a simulator-only test failed on a real cluster instead of being ignored.
const SIM_ONLY: &str = "this test needs sts-sim, and it runs on a real cluster: build the tests \
    with STS_E2E_KUBECONFIG set (cfg sts_e2e_real_cluster), so that it is ignored there";

/// One test's view of its cluster.
pub struct E2e {
    /// The simulator, when the test runs on one.
    pub sim: Option<Cluster>,
    /// Kubeconfig to hand to kubectl and the plugins.
    pub kubeconfig: PathBuf,
    /// A client for the same cluster.
    pub client: kube::Client,
    /// The test's own namespace.
    pub namespace: String,
    cache_dir: tempfile::TempDir,
}

impl E2e {
    /// Starts a simulator with default options (or connects to the real cluster).
    pub async fn start() -> E2e {
        Self::start_with(ClusterOptions::default()).await
    }

    /// Starts a simulator with the given options (ignored on a real cluster).
    pub async fn start_with(opts: ClusterOptions) -> E2e {
        let (sim, kubeconfig, client) = match std::env::var_os(REAL_CLUSTER_ENV) {
            Some(path) => {
                let path = PathBuf::from(path);
                let client = crate::cluster::client_for(&path)
                    .await
                    .expect("client for STS_E2E_KUBECONFIG");
                (None, path, client)
            }
            None => {
                let cluster = Cluster::start(opts).await.expect("start sts-sim");
                let path = cluster.kubeconfig_path().to_path_buf();
                let client = cluster.client();
                (Some(cluster), path, client)
            }
        };
        let namespace = format!("e2e-{}", crate::machinery::store::random_suffix(6));
        let ns: Api<Namespace> = Api::all(client.clone());
        let obj: Namespace =
            serde_json::from_value(json!({"metadata": {"name": namespace}})).expect("namespace");
        ns.create(&PostParams::default(), &obj)
            .await
            .expect("create test namespace");
        E2e {
            sim,
            kubeconfig,
            client,
            namespace,
            cache_dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The simulator's faults; `None` on a real cluster (for a test that only partly needs
    /// them: it prints `skipped: <why>` for the part it leaves out).
    pub fn faults(&self) -> Option<&Faults> {
        self.sim.as_ref().map(|c| c.faults())
    }

    /// The simulator, for a test that cannot run on a real cluster. Such a test carries
    /// `#[cfg_attr(sts_e2e_real_cluster, ignore = "skipped: needs ...")]`: the crate's
    /// `build.rs` turns that cfg on when `STS_E2E_KUBECONFIG` is set, so libtest counts the
    /// test as ignored there and prints why. Panics on a real cluster (a test binary built
    /// without the variable and run with it): such a test must fail, never pass unrun.
    pub fn simulator(&self) -> &Cluster {
        self.sim.as_ref().expect(SIM_ONLY)
    }

    /// [`E2e::simulator`], mutable (to kill and restart it).
    pub fn simulator_mut(&mut self) -> &mut Cluster {
        self.sim.as_mut().expect(SIM_ONLY)
    }

    /// The simulator's faults, for a test that cannot run without them (see
    /// [`E2e::simulator`]).
    pub fn sim_faults(&self) -> &Faults {
        self.simulator().faults()
    }

    /// Runs the real `kubectl` against this cluster (in the test namespace unless `-n`/`-A`
    /// is given). Panics if kubectl is not on PATH: these tests must fail, not skip.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("kubectl");
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.cache_dir.path())
            .env_remove("KUBECTL_EXTERNAL_DIFF");
        let explicit_ns = args
            .iter()
            .any(|a| *a == "-n" || a.starts_with("--namespace") || *a == "-A");
        if !explicit_ns {
            cmd.args(["-n", &self.namespace]);
        }
        cmd.args(args);
        cmd.output()
            .expect("kubectl must be on PATH for the end-to-end tests")
    }

    /// Runs kubectl and returns stdout, panicking with stderr when it fails.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs kubectl with a manifest on stdin (`kubectl create -f -` and friends).
    pub fn kubectl_stdin(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        let mut cmd = Command::new("kubectl");
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.cache_dir.path())
            .args(["-n", &self.namespace])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd
            .spawn()
            .expect("kubectl must be on PATH for the end-to-end tests");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write manifest");
        child.wait_with_output().expect("kubectl output")
    }

    /// Runs a script of the independent-client suite with Debian's Python and its official
    /// Kubernetes client (`python3-kubernetes`), against this cluster: `KUBECONFIG` and
    /// `STS_E2E_NAMESPACE` (the test namespace) are set, `args` follow the script. Panics if
    /// `/usr/bin/python3` cannot run: these tests must fail, not skip (`.ci/run` installs it).
    pub fn python(&self, script: &Path, args: &[&str]) -> Output {
        Command::new(PYTHON)
            .arg(script)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("STS_E2E_NAMESPACE", &self.namespace)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap_or_else(|e| panic!("{PYTHON} {} failed to start: {e}", script.display()))
    }

    /// Runs [`E2e::python`] and returns stdout, panicking with both streams when it fails.
    pub fn python_ok(&self, script: &Path, args: &[&str]) -> String {
        let out = self.python(script, args);
        assert!(
            out.status.success(),
            "python {} {args:?} failed ({}):\n{}{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A client for this cluster that shows each answer as it comes: kube's default retry
    /// waits out every 429, 503 and 504 (up to three times, with backoff), which hides the
    /// answer a test is about and makes request-heavy tests slow.
    pub async fn client_without_retry(&self) -> kube::Client {
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig");
        let options = kube::config::KubeConfigOptions::default();
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .expect("client config");
        config.default_retry = false;
        kube::Client::try_from(config).expect("client")
    }

    /// A namespaced API in the test namespace.
    pub fn api<K>(&self) -> Api<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + std::fmt::Debug,
        <K as Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// Waits (watch-driven) until `cond` holds for the named object, or panics after
    /// `timeout` with what it last saw.
    pub async fn wait_for<K, F>(&self, name: &str, timeout: Duration, what: &str, cond: F) -> K
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + std::fmt::Debug
            + Send
            + 'static,
        <K as Resource>::DynamicType: Default,
        F: Fn(&K) -> bool,
    {
        let api: Api<K> = self.api();
        let cond_ref = &cond;
        let fut = await_condition(api.clone(), name, move |o: Option<&K>| {
            o.is_some_and(cond_ref)
        });
        match tokio::time::timeout(timeout, fut).await {
            Ok(Ok(Some(obj))) => obj,
            Ok(Ok(None)) => panic!("{name} vanished while waiting for {what}"),
            Ok(Err(e)) => panic!("watch failed while waiting for {what}: {e}"),
            Err(_) => {
                let last = api.get_opt(name).await.ok().flatten();
                panic!("timed out after {timeout:?} waiting for {what}; last seen: {last:#?}")
            }
        }
    }

    /// Pods in the test namespace matching `labels` (all when empty), by name: (revision
    /// label, UID, Ready); terminating ones left out.
    pub async fn pod_states(
        &self,
        labels: &str,
    ) -> std::collections::BTreeMap<String, (String, String, bool)> {
        let api: Api<k8s_openapi::api::core::v1::Pod> = self.api();
        let mut params = kube::api::ListParams::default();
        if !labels.is_empty() {
            params = params.labels(labels);
        }
        api.list(&params)
            .await
            .expect("list pods")
            .items
            .into_iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .map(|p| {
                let state = (
                    pod_revision(&p),
                    p.metadata.uid.clone().unwrap_or_default(),
                    pod_ready(&p),
                );
                (p.metadata.name.unwrap_or_default(), state)
            })
            .collect()
    }

    /// Waits until every replica of StatefulSet `name` is Ready and the controller has
    /// observed its latest spec.
    pub async fn wait_settled(
        &self,
        name: &str,
        timeout: Duration,
    ) -> k8s_openapi::api::apps::v1::StatefulSet {
        self.wait_for::<k8s_openapi::api::apps::v1::StatefulSet, _>(
            name,
            timeout,
            "all replicas ready",
            |s| {
                let want = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
                let st = s.status.as_ref();
                st.and_then(|st| st.observed_generation) >= s.metadata.generation
                    && st.and_then(|st| st.ready_replicas).unwrap_or(0) == want
                    && st.map(|st| st.replicas).unwrap_or(0) == want
            },
        )
        .await
    }

    /// Deletes the test namespace and the ClusterRoles and ClusterRoleBindings a
    /// [`rbac::Grant`] made for it (on a real cluster; the simulator just stops).
    pub async fn cleanup(self) {
        if self.sim.is_none() {
            use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
            let mine = kube::api::ListParams::default().labels(&format!(
                "{}={}",
                rbac::NAMESPACE_LABEL,
                self.namespace
            ));
            let bindings: Api<ClusterRoleBinding> = Api::all(self.client.clone());
            let _ = bindings
                .delete_collection(&DeleteParams::default(), &mine)
                .await;
            let roles: Api<ClusterRole> = Api::all(self.client.clone());
            let _ = roles
                .delete_collection(&DeleteParams::default(), &mine)
                .await;
            let ns: Api<Namespace> = Api::all(self.client.clone());
            let _ = ns
                .delete(&self.namespace, &DeleteParams::background())
                .await;
        }
    }

    /// The kubeconfig path.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// A fresh user with no rights but discovery, and a kubeconfig (namespace: the test's)
    /// to act as it. On the simulator: user `name` with a client certificate the cluster CA
    /// signs. On a real cluster: ServiceAccount `name` in the test namespace with a token
    /// Secret (the token only ever goes into the kubeconfig file).
    pub async fn new_user(&self, name: &str) -> TestUser {
        let path = self.cache_dir.path().join(format!("kubeconfig-{name}"));
        match &self.sim {
            Some(sim) => {
                sim.write_user_kubeconfig(&path, name, &[])
                    .expect("user kubeconfig");
                self.set_namespace(&path);
                TestUser {
                    kubeconfig: path,
                    name: name.to_string(),
                    subject: json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": name}),
                }
            }
            None => self.service_account_user(name).await,
        }
    }

    /// A fresh ServiceAccount `name` in the test namespace with a token Secret, and a
    /// kubeconfig acting as it (the users of [`E2e::new_user`] on a real cluster). The token
    /// only ever goes into the kubeconfig file: nothing here prints it.
    pub async fn service_account_user(&self, name: &str) -> TestUser {
        let path = self.cache_dir.path().join(format!("kubeconfig-sa-{name}"));
        use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
        let sas: Api<ServiceAccount> = self.api();
        let sa: ServiceAccount =
            serde_json::from_value(json!({"metadata": {"name": name}})).expect("sa");
        sas.create(&PostParams::default(), &sa)
            .await
            .expect("create ServiceAccount");
        let secrets: Api<Secret> = self.api();
        let secret_name = format!("{name}-token");
        let secret: Secret = serde_json::from_value(json!({
            "metadata": {"name": secret_name, "annotations": {"kubernetes.io/service-account.name": name}},
            "type": "kubernetes.io/service-account-token"
        }))
        .expect("secret");
        secrets
            .create(&PostParams::default(), &secret)
            .await
            .expect("create token Secret");
        // Not `wait_for`: its timeout message prints the object, and this one holds a token.
        let has_token = |s: Option<&Secret>| {
            s.and_then(|s| s.data.as_ref())
                .is_some_and(|d| d.contains_key("token"))
        };
        let filled = tokio::time::timeout(
            Duration::from_secs(30),
            await_condition(secrets.clone(), &secret_name, has_token),
        )
        .await
        .unwrap_or_else(|_| panic!("no token in Secret {secret_name} after 30 s"))
        .unwrap_or_else(|_| panic!("watching Secret {secret_name} failed"))
        .unwrap_or_else(|| panic!("Secret {secret_name} vanished"));
        let token = filled.data.expect("data")["token"].0.clone();
        let token = String::from_utf8(token).expect("token is text");
        let mut kc = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig");
        let ctx_name = kc.current_context.clone().unwrap_or_default();
        let user_name = format!("e2e-{name}");
        for ctx in kc.contexts.iter_mut().filter(|c| c.name == ctx_name) {
            if let Some(c) = ctx.context.as_mut() {
                c.user = Some(user_name.clone());
            }
        }
        kc.auth_infos = vec![kube::config::NamedAuthInfo {
            name: user_name,
            auth_info: Some(kube::config::AuthInfo {
                token: Some(token.into()),
                ..Default::default()
            }),
            other: Default::default(),
        }];
        let text = serde_norway::to_string(&kc).expect("kubeconfig yaml");
        std::fs::write(&path, text).expect("write user kubeconfig");
        self.set_namespace(&path);
        TestUser {
            kubeconfig: path,
            name: format!("system:serviceaccount:{}:{name}", self.namespace),
            subject: json!({"kind": "ServiceAccount", "name": name, "namespace": self.namespace}),
        }
    }

    fn set_namespace(&self, path: &Path) {
        let out = Command::new("kubectl")
            .env("KUBECONFIG", path)
            .args([
                "config",
                "set-context",
                "--current",
                "--namespace",
                &self.namespace,
            ])
            .output()
            .expect("kubectl must be on PATH for the end-to-end tests");
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// Runs kubectl as `user` (in the test namespace unless `-n`/`-A` is given).
    pub fn kubectl_as(&self, user: &TestUser, args: &[&str]) -> Output {
        let mut cmd = Command::new("kubectl");
        cmd.env("KUBECONFIG", &user.kubeconfig).env(
            "KUBECACHEDIR",
            self.cache_dir
                .path()
                .join(format!("cache-{}", user.name.replace(':', "_"))),
        );
        cmd.args(args);
        cmd.output()
            .expect("kubectl must be on PATH for the end-to-end tests")
    }
}

/// A user of [`E2e::new_user`].
#[derive(Debug, Clone)]
pub struct TestUser {
    /// Kubeconfig acting as this user.
    pub kubeconfig: PathBuf,
    /// The user name the API server sees (`alice`, `system:serviceaccount:ns:alice`).
    pub name: String,
    /// The RBAC subject that names the user in a binding.
    pub subject: serde_json::Value,
}

/// What a finished plugin run printed and returned.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The run of a finished process.
    pub fn of(out: &Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: stdout(out),
            stderr: stderr(out),
        }
    }

    /// Stdout parsed as JSON (panics with both streams when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Both streams, for assertions on messages wherever they were printed.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A plugin process running in the background, its stdout readable line by line.
pub struct Running {
    /// The process.
    pub child: tokio::process::Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    stdout: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Running {
    /// Spawns `cmd` (its stdout and stderr piped) and starts reading its stdout.
    pub fn spawn(mut cmd: tokio::process::Command) -> Running {
        use tokio::io::AsyncBufReadExt;
        let mut child = cmd.spawn().expect("spawn plugin");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let seen2 = seen.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                seen2
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines: rx,
            stdout: seen,
        }
    }

    fn seen(&self) -> String {
        self.stdout
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits (up to two minutes) for a stdout line containing `text`.
    pub async fn wait_line(&mut self, text: &str) -> String {
        let found = tokio::time::timeout(Duration::from_secs(120), async {
            while let Some(line) = self.lines.recv().await {
                if line.contains(text) {
                    return Some(line);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            Ok(None) => panic!(
                "the plugin exited before printing {text:?}; stdout:\n{}",
                self.seen()
            ),
            Err(_) => panic!(
                "no line {text:?} within two minutes; stdout so far:\n{}",
                self.seen()
            ),
        }
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub async fn interrupt(&self) {
        let pid = self.child.id().expect("still running").to_string();
        let status = tokio::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .await
            .expect("kill");
        assert!(status.success(), "kill -INT {pid}");
    }

    /// Waits (up to three minutes) for the exit.
    pub async fn finish(mut self) -> Run {
        use tokio::io::AsyncReadExt;
        let mut stderr = self.child.stderr.take().expect("stderr is piped");
        let mut err = String::new();
        let status = tokio::time::timeout(Duration::from_secs(180), async {
            let _ = stderr.read_to_string(&mut err).await;
            self.child.wait().await
        })
        .await
        .expect("the plugin did not exit within three minutes")
        .expect("wait");
        // Let the reader task drain what is left.
        while let Ok(Some(_)) =
            tokio::time::timeout(Duration::from_millis(300), self.lines.recv()).await
        {}
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.seen(),
            stderr: err,
        }
    }
}

/// Whether a pod has condition Ready=True.
pub fn pod_ready(p: &k8s_openapi::api::core::v1::Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The storage a claim spec requests (`64Mi`); panics when it requests none.
pub fn storage_request(
    spec: Option<&k8s_openapi::api::core::v1::PersistentVolumeClaimSpec>,
) -> String {
    spec.and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .map(|q| q.0.clone())
        .expect("the claim requests storage")
}

/// The first claim template's storage request of a StatefulSet.
pub fn template_storage(sts: &k8s_openapi::api::apps::v1::StatefulSet) -> String {
    let templates = sts
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref())
        .expect("the StatefulSet has claim templates");
    storage_request(templates[0].spec.as_ref())
}

/// A pod's `controller-revision-hash` label (empty when it has none).
pub fn pod_revision(p: &k8s_openapi::api::core::v1::Pod) -> String {
    p.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("controller-revision-hash").cloned())
        .unwrap_or_default()
}

/// The output's stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The output's stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The seeds' app as a manifest: a headless Service, a normal Service and a StatefulSet of
/// `replicas` visits-counting pods with one claim template `data` mounted at `/data`.
pub fn visits_app_manifest(name: &str, replicas: i32, policy: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  clusterIP: None
  selector: {{app: {name}}}
  ports:
  - {{name: http, port: 8080}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}-web
  labels: {{app: {name}}}
spec:
  type: ClusterIP
  selector: {{app: {name}}}
  ports:
  - {{name: http, port: 80, targetPort: http}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
spec:
  serviceName: {name}
  replicas: {replicas}
  podManagementPolicy: {policy}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: example/visits-app:1.0
        ports:
        - {{name: http, containerPort: 8080}}
        readinessProbe:
          httpGet: {{path: /healthz, port: http}}
        volumeMounts:
        - {{name: data, mountPath: /data}}
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 64Mi
"#
    )
}

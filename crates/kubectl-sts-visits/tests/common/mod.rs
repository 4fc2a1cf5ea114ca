//! Harness for the end-to-end tests: the shared `sts_sim::testing::E2e` cluster (or a real one
//! through `STS_E2E_KUBECONFIG`), the plugin binary run as a user would, traffic sent through
//! the API server's proxies, and watch-driven waits.
#![allow(dead_code)]

use std::time::Duration;

use std::path::Path;
use std::process::Stdio;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::watcher;
use kube_sts::visits::readers::READER_RUN_LABEL;
use serde_json::{json, Value};
pub use sts_sim::testing::{pod_ready, Run};
use sts_sim::testing::{stderr, visits_app_manifest, E2e};

/// How long a test waits for the cluster to settle.
pub const WAIT: Duration = Duration::from_secs(120);

/// The plugin binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-sts-visits");

/// Runs `kubectl-sts-visits ARGS... --kubeconfig K -n NS` with the test's kubeconfig.
pub async fn plugin(t: &E2e, args: &[&str]) -> Run {
    plugin_as(t, &t.kubeconfig, args).await
}

/// Runs `kubectl-sts-visits ARGS... --kubeconfig KUBECONFIG -n NS` (another user's
/// kubeconfig, in the test namespace).
pub async fn plugin_as(t: &E2e, kubeconfig: &Path, args: &[&str]) -> Run {
    plugin_raw(&in_namespace(t, kubeconfig, args)).await
}

fn in_namespace<'a>(t: &'a E2e, kubeconfig: &'a Path, args: &[&'a str]) -> Vec<&'a str> {
    let mut all: Vec<&str> = args.to_vec();
    all.extend([
        "--kubeconfig",
        kubeconfig.to_str().expect("kubeconfig path is UTF-8"),
        "-n",
        &t.namespace,
    ]);
    all
}

/// Starts `kubectl-sts-visits ARGS... --kubeconfig K -n NS` in the background with stdout
/// and stderr piped (for `--watch` and Ctrl-C).
pub fn spawn_plugin(t: &E2e, args: &[&str]) -> tokio::process::Child {
    spawn_plugin_as(t, &t.kubeconfig, args)
}

/// [`spawn_plugin`] with another user's kubeconfig.
pub fn spawn_plugin_as(t: &E2e, kubeconfig: &Path, args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(BIN)
        .args(in_namespace(t, kubeconfig, args))
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubectl-sts-visits")
}

/// Sends SIGINT to a spawned plugin, as Ctrl-C in a terminal does.
pub fn ctrl_c(child: &tokio::process::Child) {
    let pid = child.id().expect("still running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -INT {pid}");
}

/// Runs the plugin with exactly `args`.
pub async fn plugin_raw(args: &[&str]) -> Run {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .await
        .expect("run kubectl-sts-visits");
    Run::of(&out)
}

/// The seeds' app with extra container env vars and a different image.
pub fn app_manifest(name: &str, replicas: i32, image: &str, env: &[(&str, &str)]) -> String {
    let mut manifest = visits_app_manifest(name, replicas, "Parallel");
    manifest = manifest.replace("image: example/visits-app:1.0", &format!("image: {image}"));
    if !env.is_empty() {
        let mut block = String::from("        env:\n");
        for (k, v) in env {
            block.push_str(&format!(
                "        - name: {k}\n          value: {}\n",
                serde_json::to_string(v).unwrap()
            ));
        }
        manifest = manifest.replace("        ports:\n", &format!("{block}        ports:\n"));
    }
    manifest
}

/// Creates the objects of `manifest` and waits until the StatefulSet `name` is rolled out.
pub async fn deploy_manifest(t: &E2e, name: &str, manifest: &str) {
    let out = t.kubectl_stdin(&["create", "-f", "-"], manifest);
    assert!(out.status.success(), "create failed: {}", stderr(&out));
    rollout(t, name);
}

/// `kubectl rollout status statefulset/NAME`.
pub fn rollout(t: &E2e, name: &str) {
    t.kubectl_ok(&[
        "rollout",
        "status",
        &format!("statefulset/{name}"),
        "--timeout=120s",
    ]);
}

/// Deploys the seeds' app with `replicas` Ready pods.
pub async fn deploy(t: &E2e, name: &str, replicas: i32) {
    deploy_manifest(t, name, &visits_app_manifest(name, replicas, "Parallel")).await;
}

async fn get_raw(t: &E2e, path: &str) -> String {
    let req = http::Request::get(path).body(Vec::new()).unwrap();
    t.client
        .request_text(req)
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// One visit to `pod` through the API server's pod proxy.
pub async fn visit_pod(t: &E2e, pod: &str) {
    get_raw(
        t,
        &format!("/api/v1/namespaces/{}/pods/{pod}:8080/proxy/", t.namespace),
    )
    .await;
}

/// `n` visits through the app's ClusterIP Service (`NAME-web`), spread by the simulator.
pub async fn visit_service(t: &E2e, app: &str, n: usize) {
    for _ in 0..n {
        get_raw(
            t,
            &format!(
                "/api/v1/namespaces/{}/services/{app}-web:http/proxy/",
                t.namespace
            ),
        )
        .await;
    }
}

/// What `kubectl exec POD -- cat FILE` shows (the ground truth the plugin must match).
pub fn cat(t: &E2e, pod: &str, file: &str) -> String {
    t.kubectl_ok(&["exec", pod, "--", "cat", file])
}

/// The count `kubectl exec POD -- cat /data/visits` shows.
pub fn count_in(t: &E2e, pod: &str) -> u64 {
    let text = cat(t, pod, "/data/visits");
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{pod} holds {text:?}"))
}

/// Waits until `pod` exists with a UID other than `old_uid` and is Ready.
pub async fn wait_replaced_and_ready(t: &E2e, pod: &str, old_uid: &str) -> Pod {
    t.wait_for::<Pod, _>(pod, WAIT, &format!("{pod} replaced and Ready"), |p| {
        p.metadata.uid.as_deref() != Some(old_uid) && pod_ready(p)
    })
    .await
}

/// Items of a `StatefulSetVisits` document for one StatefulSet, by ordinal.
pub fn items_of<'a>(doc: &'a Value, sts: &str) -> Vec<&'a Value> {
    let mut items: Vec<&Value> = doc["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["statefulSet"] == sts)
        .collect();
    items.sort_by_key(|i| i["ordinal"].as_i64());
    items
}

/// Waits until no reader pod of sts-visits is left in the test namespace.
pub async fn no_reader_pods_left(t: &E2e) {
    let api: Api<Pod> = Api::namespaced(t.client.clone(), &t.namespace);
    kube_sts::api::wait::until(
        api,
        watcher::Config::default().labels(READER_RUN_LABEL),
        WAIT,
        "reader pods to be deleted",
        |pods| pods.is_empty(),
    )
    .await
    .expect("every reader pod is deleted");
}

/// Makes pod `ordinal` of StatefulSet `name` (the last one) crash-loop, with a partitioned
/// canary of a crashing image, and waits until it does: its claim keeps its data, its pod is
/// not running.
pub async fn crash_loop_from(t: &E2e, name: &str, ordinal: i32) {
    let pod = format!("{name}-{ordinal}");
    let old_uid = t
        .api::<Pod>()
        .get(&pod)
        .await
        .unwrap()
        .metadata
        .uid
        .unwrap();
    t.api::<StatefulSet>()
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": ordinal}},
                "template": {"spec": {"containers": [{"name": "app", "image": "example/visits-app:1.0-crash"}]}}
            }})),
        )
        .await
        .unwrap();
    t.wait_for::<Pod, _>(&pod, WAIT, &format!("{pod} crash-looping"), |p| {
        p.metadata.uid.as_deref() != Some(old_uid.as_str())
            && p.status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .is_some_and(|cs| {
                    // Crash-looping, not merely ContainerCreating on its way there.
                    cs.iter().any(|c| {
                        c.state
                            .as_ref()
                            .and_then(|s| s.waiting.as_ref())
                            .and_then(|w| w.reason.as_deref())
                            == Some("CrashLoopBackOff")
                    })
                })
    })
    .await;
}

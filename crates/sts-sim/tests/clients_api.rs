//! The independent-client suite, API machinery share: Debian's python3-kubernetes and the
//! real kubectl (whose generators send protobuf) against sts-sim, each case asserting what
//! a user would check. Set `STS_E2E_KUBECONFIG` to run the same cases on a real cluster.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::Api;
use sts_sim::testing::{stderr, stdout, visits_app_manifest, E2e};

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

async fn deploy(t: &E2e, name: &str, replicas: i32) {
    let out = t.kubectl_stdin(
        &["create", "-f", "-"],
        &visits_app_manifest(name, replicas, "Parallel"),
    );
    assert!(out.status.success(), "create failed: {}", stderr(&out));
    t.kubectl_ok(&[
        "rollout",
        "status",
        &format!("statefulset/{name}"),
        "--timeout=60s",
    ]);
}

fn jsonpath(t: &E2e, args: &[&str], path: &str) -> String {
    let mut all: Vec<&str> = args.to_vec();
    let flag = format!("-o=jsonpath={path}");
    all.push(&flag);
    t.kubectl_ok(&all)
}

#[tokio::test(flavor = "multi_thread")]
async fn python_list_get_patches_scale_watch_conflict_and_not_found() {
    let t = E2e::start().await;
    deploy(&t, "web", 3).await;
    let out = t.python_ok(&script("api_core.py"), &["web"]);
    assert!(out.trim_end().ends_with("PASS"), "{out}");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn python_eviction_is_refused_under_a_budget_and_allowed_within_it() {
    let t = E2e::start().await;
    deploy(&t, "web", 3).await;
    let out = t.python_ok(&script("api_eviction.py"), &["web"]);
    assert!(out.trim_end().ends_with("PASS"), "{out}");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_generators_send_protobuf_and_get_objects_back() {
    let t = E2e::start().await;
    let ns = format!("{}-prod", t.namespace);
    let out = t.kubectl_ok(&["create", "namespace", &ns]);
    assert_eq!(out.trim(), format!("namespace/{ns} created"));
    assert_eq!(
        jsonpath(&t, &["get", "namespace", &ns], "{.status.phase}"),
        "Active"
    );

    let out = t.kubectl_ok(&[
        "create",
        "configmap",
        "settings",
        "--from-literal=color=blue",
        "--from-literal=size=3",
    ]);
    assert_eq!(out.trim(), "configmap/settings created");
    assert_eq!(
        jsonpath(
            &t,
            &["get", "configmap", "settings"],
            "{.data.color}/{.data.size}"
        ),
        "blue/3"
    );

    t.kubectl_ok(&["create", "serviceaccount", "robot"]);
    let sa = format!("{}:robot", t.namespace);
    let out = t.kubectl_ok(&[
        "create",
        "rolebinding",
        "robot-view",
        "--clusterrole=view",
        "--user=ann",
        &format!("--serviceaccount={sa}"),
    ]);
    assert_eq!(
        out.trim(),
        "rolebinding.rbac.authorization.k8s.io/robot-view created"
    );
    let table = t.kubectl_ok(&["get", "rolebinding", "robot-view", "-o", "wide"]);
    let row = table.lines().nth(1).unwrap_or_default();
    assert!(
        table.starts_with("NAME") && table.contains("SERVICEACCOUNTS"),
        "{table}"
    );
    assert!(
        row.contains("ClusterRole/view")
            && row.contains("ann")
            && row.contains(&format!("{}/robot", t.namespace)),
        "{table}"
    );

    let out = t.kubectl_ok(&[
        "create",
        "secret",
        "generic",
        "token",
        "--from-literal=key=s3cret",
    ]);
    assert_eq!(out.trim(), "secret/token created");
    assert_eq!(
        jsonpath(&t, &["get", "secret", "token"], "{.data.key}"),
        "czNjcmV0"
    );

    t.kubectl_ok(&["label", "configmap", "settings", "tier=backend"]);
    t.kubectl_ok(&["annotate", "configmap", "settings", "owner=team-a"]);
    assert_eq!(
        jsonpath(
            &t,
            &["get", "configmap", "settings"],
            "{.metadata.labels.tier}/{.metadata.annotations.owner}"
        ),
        "backend/team-a"
    );
    let selected = t.kubectl_ok(&["get", "configmap", "-l", "tier=backend", "-o", "name"]);
    assert_eq!(selected.trim(), "configmap/settings");

    assert_eq!(
        t.kubectl_ok(&["auth", "can-i", "delete", "pods"]).trim(),
        "yes"
    );
    let rules = t.kubectl_ok(&["auth", "can-i", "--list"]);
    assert!(rules.lines().any(|l| l.starts_with("*.*")), "{rules}");

    let resources = t.kubectl_ok(&["api-resources"]);
    for (name, line_part) in [
        ("statefulsets", "apps/v1"),
        ("poddisruptionbudgets", "policy/v1"),
        ("rolebindings", "rbac.authorization.k8s.io/v1"),
        ("selfsubjectaccessreviews", "authorization.k8s.io/v1"),
        ("secrets", "v1"),
    ] {
        assert!(
            resources
                .lines()
                .any(|l| l.starts_with(name) && l.contains(line_part)),
            "{name} missing from api-resources:\n{resources}"
        );
    }
    assert!(
        resources
            .lines()
            .any(|l| l.starts_with("poddisruptionbudgets") && l.contains(" pdb ")),
        "{resources}"
    );

    // Deleting a namespace: Terminating, content removed, then gone; `wait --for=delete`.
    t.kubectl_ok(&[
        "create",
        "configmap",
        "inside",
        "-n",
        &ns,
        "--from-literal=a=b",
    ]);
    t.kubectl_ok(&["delete", "namespace", &ns, "--wait=false"]);
    t.kubectl_ok(&[
        "wait",
        "--for=delete",
        &format!("namespace/{ns}"),
        "--timeout=60s",
    ]);
    let gone = t.kubectl(&["get", "namespace", &ns]);
    assert!(!gone.status.success());
    assert!(
        stderr(&gone).contains(&format!("namespaces \"{ns}\" not found")),
        "{}",
        stderr(&gone)
    );
    // Its content went with it (kube-apiserver serves a namespace's objects by path even
    // after the namespace is gone, so a left-over would show here).
    let content = t.kubectl(&["get", "configmaps", "-n", &ns, "-o", "name"]);
    assert_eq!(stdout(&content).trim(), "", "{}", stderr(&content));
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_server_side_apply_twice_conflicts_and_diff() {
    let t = E2e::start().await;
    let manifest = |color: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  labels: {{app: web}}\ndata:\n  color: {color}\n  size: \"3\"\n"
        )
    };
    let first = t.kubectl_stdin(&["apply", "--server-side", "-f", "-"], &manifest("blue"));
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first).trim(), "configmap/ssa serverside-applied");
    let managed = |t: &E2e| {
        jsonpath(
            t,
            &["get", "configmap", "ssa", "--show-managed-fields"],
            "{range .metadata.managedFields[*]}{.manager}:{.operation};{end}",
        )
    };
    assert_eq!(managed(&t), "kubectl:Apply;");
    let rv = jsonpath(
        &t,
        &["get", "configmap", "ssa"],
        "{.metadata.resourceVersion}",
    );
    let again = t.kubectl_stdin(&["apply", "--server-side", "-f", "-"], &manifest("blue"));
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        jsonpath(
            &t,
            &["get", "configmap", "ssa"],
            "{.metadata.resourceVersion}"
        ),
        rv,
        "applying the same configuration twice changes nothing"
    );

    let diff_same = t.kubectl_stdin(&["diff", "-f", "-"], &manifest("blue"));
    assert_eq!(diff_same.status.code(), Some(0), "{}", stdout(&diff_same));
    let diff = t.kubectl_stdin(&["diff", "-f", "-"], &manifest("green"));
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    let text = stdout(&diff);
    assert!(
        text.contains("-  color: blue") && text.contains("+  color: green"),
        "{text}"
    );
    assert_eq!(
        jsonpath(&t, &["get", "configmap", "ssa"], "{.data.color}"),
        "blue",
        "diff changed nothing"
    );

    let conflict = t.kubectl_stdin(
        &["apply", "--server-side", "--field-manager=other", "-f", "-"],
        &manifest("red"),
    );
    assert!(!conflict.status.success());
    let err = stderr(&conflict);
    assert!(
        err.contains(
            "Apply failed with 1 conflict: conflict with \"kubectl\" using v1: .data.color"
        ),
        "{err}"
    );
    assert!(err.contains("--force-conflicts"), "{err}");
    assert_eq!(
        jsonpath(&t, &["get", "configmap", "ssa"], "{.data.color}"),
        "blue"
    );

    let forced = t.kubectl_stdin(
        &[
            "apply",
            "--server-side",
            "--field-manager=other",
            "--force-conflicts",
            "-f",
            "-",
        ],
        &manifest("red"),
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(
        jsonpath(&t, &["get", "configmap", "ssa"], "{.data.color}"),
        "red"
    );
    assert_eq!(managed(&t), "kubectl:Apply;other:Apply;");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_reads_a_running_statefulset() {
    let t = E2e::start().await;
    deploy(&t, "web", 3).await;

    let all = t.kubectl_ok(&["get", "all"]);
    for want in [
        "pod/web-0",
        "pod/web-2",
        "service/web-web",
        "statefulset.apps/web",
    ] {
        assert!(all.contains(want), "{want} missing from get all:\n{all}");
    }
    let wide = t.kubectl_ok(&["get", "pods", "-o", "wide", "-l", "app=web"]);
    let header = wide.lines().next().unwrap_or_default();
    assert!(header.contains("IP") && header.contains("NODE"), "{wide}");
    assert!(
        wide.lines()
            .skip(1)
            .all(|l| l.contains("Running") && l.contains("node-")),
        "{wide}"
    );
    let pv = t.kubectl_ok(&["get", "pv"]);
    assert!(
        pv.starts_with("NAME")
            && pv.contains("Bound")
            && pv.contains(&format!("{}/data-web-0", t.namespace)),
        "{pv}"
    );
    let sc = t.kubectl_ok(&["get", "sc"]);
    assert!(
        sc.contains("(default)") && sc.contains("PROVISIONER"),
        "{sc}"
    );
    let nodes = t.kubectl_ok(&["get", "nodes"]);
    assert_eq!(
        nodes.lines().filter(|l| l.contains(" Ready ")).count(),
        3,
        "{nodes}"
    );

    let events = t.kubectl_ok(&["get", "events"]);
    assert!(
        events.contains("statefulset/web") && events.contains("SuccessfulCreate"),
        "{events}"
    );
    let describe = t.kubectl_ok(&["describe", "sts", "web"]);
    assert!(
        describe.contains("Name:") && describe.contains("web"),
        "{describe}"
    );
    assert!(
        describe.contains("3 desired") || describe.contains("Replicas:"),
        "{describe}"
    );
    let pod = t.kubectl_ok(&["describe", "pod", "web-0"]);
    assert!(
        pod.contains("Status:")
            && pod.contains("Running")
            && pod.contains("Controlled By:  StatefulSet/web"),
        "{pod}"
    );

    let top = t.kubectl(&["top", "pod"]);
    assert!(!top.status.success());
    assert!(
        stderr(&top).contains("Metrics API not available"),
        "{}",
        stderr(&top)
    );

    // `get -w`: the watch shows a change made while it runs.
    let mut watch = Command::new("kubectl")
        .env("KUBECONFIG", t.kubeconfig_path())
        .args([
            "-n",
            &t.namespace,
            "get",
            "configmap",
            "-w",
            "--request-timeout=60s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl get -w");
    let lines = BufReader::new(watch.stdout.take().expect("stdout")).lines();
    // The namespace has no configmaps yet: the header comes with the first row.
    t.kubectl_ok(&["create", "configmap", "watched", "--from-literal=a=b"]);
    let mut header = String::new();
    let seen = lines.map_while(Result::ok).find(|l| {
        if l.starts_with("NAME") {
            header = l.clone();
        }
        l.starts_with("watched")
    });
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(header.contains("DATA"), "get -w header: {header:?}");
    assert!(
        seen.is_some_and(|l| l.split_whitespace().nth(1) == Some("1")),
        "get -w never showed the new configmap with its one key"
    );

    // `delete --cascade=orphan` keeps the pods.
    t.kubectl_ok(&["delete", "sts", "web", "--cascade=orphan", "--wait=true"]);
    let pods: Api<Pod> = t.api();
    let left = pods.list(&Default::default()).await.expect("list pods");
    assert_eq!(left.items.len(), 3, "orphaned pods stay");
    assert!(left.items.iter().all(|p| p
        .metadata
        .owner_references
        .as_ref()
        .is_none_or(Vec::is_empty)));
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_drain_honours_a_disruption_budget() {
    let t = E2e::start().await;
    deploy(&t, "web", 3).await;
    let node = jsonpath(&t, &["get", "pod", "web-0"], "{.spec.nodeName}");
    let on_node = jsonpath(
        &t,
        &[
            "get",
            "pods",
            "--field-selector",
            &format!("spec.nodeName={node}"),
        ],
        "{.items[*].metadata.name}",
    );
    let budget = |min: usize| {
        format!(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: {min}\n  selector:\n    matchLabels: {{app: web}}\n"
        )
    };
    let out = t.kubectl_stdin(&["apply", "-f", "-"], &budget(3));
    assert!(out.status.success(), "{}", stderr(&out));
    t.kubectl_ok(&[
        "wait",
        "pdb/web",
        "--for=jsonpath={.status.currentHealthy}=3",
        "--timeout=30s",
    ]);
    let table = t.kubectl_ok(&["get", "pdb", "web"]);
    assert!(
        table.contains("MIN AVAILABLE") && table.lines().nth(1).is_some_and(|l| l.contains(" 0 ")),
        "{table}"
    );

    // Blocked: drain keeps retrying the 429 until its timeout, and says why.
    let blocked = t.kubectl(&[
        "drain",
        &node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=3s",
    ]);
    assert!(!blocked.status.success());
    let err = stderr(&blocked);
    assert!(
        err.contains("Cannot evict pod as it would violate the pod's disruption budget."),
        "{err}"
    );
    assert_eq!(
        jsonpath(&t, &["get", "node", &node], "{.spec.unschedulable}"),
        "true",
        "drain cordons first"
    );
    let pod = t.api::<Pod>().get("web-0").await.expect("web-0");
    assert!(
        pod.metadata.deletion_timestamp.is_none(),
        "a blocked drain evicts nothing"
    );

    // Allowed: with room for one disruption per pod on the node, drain finishes.
    let min = 3 - on_node.split_whitespace().count();
    let out = t.kubectl_stdin(&["apply", "-f", "-"], &budget(min));
    assert!(out.status.success(), "{}", stderr(&out));
    let drained = t.kubectl(&[
        "drain",
        &node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=60s",
    ]);
    assert!(drained.status.success(), "{}", stderr(&drained));
    let text = stdout(&drained);
    assert!(
        text.contains("pod/web-0 evicted") && text.contains(&format!("node/{node} drained")),
        "{text}"
    );
    t.kubectl_ok(&["uncordon", &node]);
    let ns: Api<Namespace> = Api::all(t.client.clone());
    assert!(ns.get(&t.namespace).await.is_ok());
    t.cleanup().await;
}

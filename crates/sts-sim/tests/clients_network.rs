//! The independent-client suite, networking part: Debian's `python3-kubernetes` and the real
//! `kubectl` over HTTPS with certificate verification (pod proxy, service proxy), and a
//! NodePort Service reached on `127.0.0.1:<nodePort>` with Python's own HTTP client, its
//! visits spread over the Ready pods at random as kube-proxy spreads them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::api::Api;
use kube::runtime::{watcher, WatchStreamExt};
use serde_json::Value;
use sts_sim::testing::{stderr, visits_app_manifest, E2e};
use sts_sim::ClusterOptions;

const WAIT: Duration = Duration::from_secs(20);

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

/// Applies a manifest with kubectl and waits for the StatefulSet `web` to roll out.
fn deploy(t: &E2e, manifest: &str) {
    let out = t.kubectl_stdin(&["apply", "-f", "-"], manifest);
    assert!(out.status.success(), "apply failed: {}", stderr(&out));
    t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=120s"]);
}

/// The JSON line a script printed last.
fn report(stdout: &str) -> Value {
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Visits per pod, from the list of pods that answered.
fn tally(served: &Value) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for pod in served.as_array().expect("served list") {
        *counts
            .entry(pod.as_str().expect("pod name").to_string())
            .or_default() += 1;
    }
    counts
}

/// What `kubectl exec POD -- cat /data/visits` says: the count the pod keeps on its claim.
fn count_in(t: &E2e, pod: &str) -> u64 {
    let text = t.kubectl_ok(&["exec", pod, "--", "cat", "/data/visits"]);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{pod} holds {text:?}"))
}

/// Asserts a spread that only random picks give: every Ready pod served, the right total,
/// and at least once the same pod twice in a row (round-robin never does that; with random
/// picks over 3 pods, missing it in 60 visits has a chance of (2/3)^59, about 4e-11).
fn assert_random_spread(served: &Value, visits: u64) -> BTreeMap<String, u64> {
    let counts = tally(served);
    let pods: Vec<&str> = served
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        counts.keys().collect::<Vec<_>>(),
        ["web-0", "web-1", "web-2"],
        "every Ready pod is hit: {counts:?}"
    );
    assert_eq!(counts.values().sum::<u64>(), visits, "{counts:?}");
    assert!(
        pods.windows(2).any(|w| w[0] == w[1]),
        "picked at random, not in turn: {pods:?}"
    );
    counts
}

/// A CA file of another cluster, which must not vouch for this one.
fn other_ca_file(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("other-ca.crt");
    let other = sts_sim::apiserver::tls::Authority::generate().expect("CA");
    std::fs::write(&path, other.cert_pem()).expect("write CA");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_reaches_pods_and_services_through_the_proxy_over_verified_https() {
    // Seeded so the uneven counts asserted below are the same on every run.
    let t = E2e::start_with(ClusterOptions {
        endpoint_seed: Some(11),
        ..Default::default()
    })
    .await;
    deploy(&t, &visits_app_manifest("web", 3, "Parallel"));
    let dir = tempfile::tempdir().unwrap();
    let other_ca = other_ca_file(&dir);
    let out = t.python_ok(
        &script("network_proxy.py"),
        &["web", "60", &other_ca.to_string_lossy()],
    );
    let seen = report(&out);
    assert!(
        seen["host"].as_str().unwrap().starts_with("https://"),
        "{seen}"
    );
    assert_eq!(
        seen["podCount"], "3",
        "web-1%3A8080 resolves to web-1, port 8080"
    );
    assert_eq!(seen["wrongCa"], "CERTIFICATE_VERIFY_FAILED");
    assert!(
        seen["localhost"]
            .as_str()
            .unwrap()
            .starts_with("https://localhost:"),
        "{seen}"
    );
    let counts = assert_random_spread(&seen["served"], 60);
    if t.sim.is_some() {
        let mut values: Vec<u64> = counts.values().copied().collect();
        values.dedup();
        assert!(values.len() > 1, "uneven, as kube-proxy's: {counts:?}");
    } else {
        eprintln!("skipped: an uneven spread needs sts-sim's seeded endpoint choice");
    }
    // Each pod counted on its own claim exactly the visits that reached it.
    for (pod, n) in &counts {
        let extra = if pod == "web-1" { 3 } else { 0 };
        assert_eq!(count_in(&t, pod), n + extra, "{pod}: {counts:?}");
    }
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_verifies_the_servers_certificate() {
    let t = E2e::start().await;
    let server = t.kubectl_ok(&[
        "config",
        "view",
        "--minify",
        "-o",
        "jsonpath={.clusters[0].cluster.server}",
    ]);
    assert!(server.starts_with("https://127.0.0.1:"), "{server}");
    t.kubectl_ok(&["get", "namespaces"]);
    // The certificate names localhost too, for kubectl and for kube-rs.
    let localhost = server.replace("127.0.0.1", "localhost");
    t.kubectl_ok(&["--server", &localhost, "get", "namespaces"]);
    let kc = kube::config::Kubeconfig::read_from(&t.kubeconfig).unwrap();
    let mut config =
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await
            .unwrap();
    config.cluster_url = localhost.parse().unwrap();
    let by_name = kube::Client::try_from(config).unwrap();
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(by_name);
    let listed = namespaces.list(&Default::default()).await.unwrap();
    assert!(
        listed
            .items
            .iter()
            .any(|n| n.metadata.name.as_deref() == Some("default")),
        "kube-rs by localhost"
    );

    // Trusting another CA (or none, so only the system's roots), kubectl refuses the server.
    let kubeconfig = std::fs::read_to_string(&t.kubeconfig).unwrap();
    let ca_line = kubeconfig
        .lines()
        .find(|l| l.trim().starts_with("certificate-authority-data: "))
        .expect("the kubeconfig names the cluster CA")
        .to_string();
    let indent = &ca_line[..ca_line.len() - ca_line.trim_start().len()];
    let dir = tempfile::tempdir().unwrap();
    let other_ca = other_ca_file(&dir);
    for (name, replacement) in [
        (
            "other-ca",
            format!("{indent}certificate-authority: {}", other_ca.display()),
        ),
        ("no-ca", String::new()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, kubeconfig.replace(&ca_line, &replacement)).unwrap();
        let out = t.kubectl(&["--kubeconfig", &path.to_string_lossy(), "get", "pods"]);
        assert!(!out.status.success(), "{name}: kubectl accepted the server");
        assert!(
            stderr(&out).contains("x509: certificate signed by unknown authority"),
            "{name}: {}",
            stderr(&out)
        );
    }
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reaches_the_service_proxy_over_https() {
    let t = E2e::start().await;
    deploy(&t, &visits_app_manifest("web", 3, "Parallel"));
    let path = format!(
        "/api/v1/namespaces/{}/services/web-web:http/proxy/",
        t.namespace
    );
    let page = t.kubectl_ok(&["get", "--raw", &path]);
    assert!(page.contains("Hello from web-"), "{page}");
    let encoded = format!(
        "/api/v1/namespaces/{}/pods/web-2%3A8080/proxy/visits",
        t.namespace
    );
    // The one visit above landed on web-2 or not; its count says which, read through the
    // percent-encoded pod proxy path.
    let expected = if page.contains("Hello from web-2!") {
        "1"
    } else {
        "0"
    };
    assert_eq!(
        t.kubectl_ok(&["get", "--raw", &encoded]).trim(),
        expected,
        "{page}"
    );
    t.cleanup().await;
}

fn node_port_of(t: &E2e, service: &str) -> u16 {
    let text = t.kubectl_ok(&[
        "get",
        "service",
        service,
        "-o",
        "jsonpath={.spec.ports[0].nodePort}",
    ]);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("nodePort {text:?}"))
}

fn refused(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).is_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: node ports on 127.0.0.1 need sts-sim"
)]
async fn a_node_port_service_answers_on_localhost_at_random_and_follows_the_service() {
    let t = E2e::start_with(ClusterOptions {
        node_ports: true,
        endpoint_seed: Some(5),
        ..Default::default()
    })
    .await;
    let sim = t.simulator();
    let manifest =
        visits_app_manifest("web", 3, "Parallel").replace("type: ClusterIP", "type: NodePort");
    deploy(&t, &manifest);
    let port = node_port_of(&t, "web-web");
    assert!(
        (30000..=32767).contains(&port),
        "in the default node-port range: {port}"
    );
    let node_ports = &sim.state().node_ports;
    assert!(
        node_ports.wait_open(port, WAIT).await,
        "{port} never opened"
    );

    let url = format!("http://127.0.0.1:{port}/");
    let seen = report(&t.python_ok(&script("network_nodeport.py"), &[&url, "60"]));
    let counts = assert_random_spread(&seen["served"], 60);
    let mut values: Vec<u64> = counts.values().copied().collect();
    values.dedup();
    assert!(values.len() > 1, "uneven, as kube-proxy's: {counts:?}");
    for (pod, n) in &counts {
        assert_eq!(count_in(&t, pod), *n, "{pod}: {counts:?}");
    }

    // A new nodePort moves the listener; deleting the Service closes it.
    let moved = sts_sim::runtime::nodeports::allocate(sim.state(), &[port]);
    let patch =
        format!(r#"[{{"op": "replace", "path": "/spec/ports/0/nodePort", "value": {moved}}}]"#);
    t.kubectl_ok(&["patch", "service", "web-web", "--type=json", "-p", &patch]);
    assert!(
        node_ports.wait_closed(port, WAIT).await,
        "{port} stayed open"
    );
    assert!(
        node_ports.wait_open(moved, WAIT).await,
        "{moved} never opened"
    );
    assert!(refused(port), "the old port still answers");
    let moved_url = format!("http://127.0.0.1:{moved}/");
    let seen = report(&t.python_ok(&script("network_nodeport.py"), &[&moved_url, "1"]));
    assert_eq!(seen["served"].as_array().map(Vec::len), Some(1), "{seen}");

    t.kubectl_ok(&["delete", "service", "web-web"]);
    assert!(
        node_ports.wait_closed(moved, WAIT).await,
        "{moved} stayed open"
    );
    assert!(refused(moved), "a deleted Service's port still answers");

    // A LoadBalancer Service has node ports too.
    let lb = "apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
";
    let out = t.kubectl_stdin(&["apply", "-f", "-"], lb);
    assert!(out.status.success(), "{}", stderr(&out));
    let lb_port = node_port_of(&t, "web-lb");
    assert!(
        node_ports.wait_open(lb_port, WAIT).await,
        "{lb_port} never opened"
    );
    let lb_url = format!("http://127.0.0.1:{lb_port}/");
    let seen = report(&t.python_ok(&script("network_nodeport.py"), &[&lb_url, "3"]));
    assert_eq!(seen["served"].as_array().map(Vec::len), Some(3), "{seen}");
    t.cleanup().await;
}

/// Waits for a Warning event with `reason` about the Service `name`; its message.
async fn wait_for_event(t: &E2e, name: &str, reason: &str) -> String {
    let events: Api<Event> = t.api();
    let stream = watcher(events, watcher::Config::default()).default_backoff();
    let found = stream.filter_map(|ev| async move {
        let objs = match ev {
            Ok(watcher::Event::Apply(e) | watcher::Event::InitApply(e)) => vec![e],
            _ => vec![],
        };
        objs.into_iter().find(|e| {
            e.involved_object.name.as_deref() == Some(name)
                && e.involved_object.kind.as_deref() == Some("Service")
                && e.reason.as_deref() == Some(reason)
                && e.type_.as_deref() == Some("Warning")
        })
    });
    futures::pin_mut!(found);
    match tokio::time::timeout(WAIT, found.next()).await {
        Ok(Some(e)) => e.message.unwrap_or_default(),
        _ => panic!("no {reason} event about {name} within {WAIT:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: allocating a node port needs sts-sim's node ports"
)]
async fn a_taken_node_port_becomes_an_event_and_opens_once_free() {
    let t = E2e::start_with(ClusterOptions {
        node_ports: true,
        ..Default::default()
    })
    .await;
    let sim = t.simulator();
    // Another program holds a port in the node-port range.
    let port = sts_sim::runtime::nodeports::allocate(sim.state(), &[]);
    let holder = std::net::TcpListener::bind(("127.0.0.1", port)).expect("hold the port");
    let manifest = format!(
        "apiVersion: v1
kind: Service
metadata: {{name: taken}}
spec:
  type: NodePort
  selector: {{app: web}}
  ports:
  - {{port: 80, targetPort: 8080, nodePort: {port}}}
"
    );
    let out = t.kubectl_stdin(&["apply", "-f", "-"], &manifest);
    assert!(out.status.success(), "{}", stderr(&out));
    let message = wait_for_event(&t, "taken", sts_sim::runtime::nodeports::FAILED_REASON).await;
    assert!(
        message.contains(&format!("can't open port \"tcp:{port}\"")),
        "{message}"
    );
    // The cluster carries on: the Service is there, other requests are served.
    let listed = t.kubectl_ok(&["get", "service", "taken", "-o", "name"]);
    assert_eq!(listed.trim(), "service/taken");
    assert!(!sim.state().node_ports.open().contains(&port));

    // Once the port is free, the next change of the Service opens it.
    drop(holder);
    t.kubectl_ok(&["annotate", "service", "taken", "retry=1"]);
    assert!(
        sim.state().node_ports.wait_open(port, WAIT).await,
        "{port} never opened"
    );
    t.cleanup().await;
}

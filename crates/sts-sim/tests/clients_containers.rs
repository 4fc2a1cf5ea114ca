//! The independent-client suite, containers and schemas: the real `kubectl` (`explain`,
//! `apply --validate`, `cp` both ways, `logs`, `debug --target`, `exec -i`) and Debian's
//! Python client (exec exit codes and stdin, logs) against the simulated cluster. Each case
//! checks what a user would look at. Set `STS_E2E_KUBECONFIG` to run on a real cluster.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use sts_sim::testing::{stderr, stdout, visits_app_manifest, E2e};

const WAIT: Duration = Duration::from_secs(60);

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

/// Deploys the seeds' app with `replicas` pods and waits for the rollout.
fn deploy(t: &E2e, replicas: i32) {
    let out = t.kubectl_stdin(
        &["apply", "-f", "-"],
        &visits_app_manifest("web", replicas, "Parallel"),
    );
    assert!(out.status.success(), "apply failed: {}", stderr(&out));
    t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
}

/// One visit to pod `pod` through the API server's pod proxy; returns the app's answer.
fn visit(t: &E2e, pod: &str) -> String {
    let path = format!("/api/v1/namespaces/{}/pods/{pod}:8080/proxy/", t.namespace);
    t.kubectl_ok(&["get", "--raw", &path])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_explain_reads_the_served_schemas() {
    let t = E2e::start().await;
    let out = t.kubectl_ok(&["explain", "statefulset.spec.updateStrategy"]);
    assert!(out.contains("KIND:       StatefulSet"), "{out}");
    assert!(
        out.contains("FIELD: updateStrategy <StatefulSetUpdateStrategy>"),
        "{out}"
    );
    assert!(
        out.contains("rollingUpdate\t<RollingUpdateStatefulSetStrategy>"),
        "{out}"
    );
    assert!(out.contains("type\t<string>"), "{out}");

    let recursive = t.kubectl_ok(&["explain", "sts.spec.updateStrategy", "--recursive"]);
    for field in ["maxUnavailable\t<IntOrString>", "partition\t<integer>"] {
        assert!(recursive.contains(field), "{field} missing:\n{recursive}");
    }
    let containers = t.kubectl_ok(&["explain", "pods.spec.containers"]);
    assert!(
        containers.contains("name\t<string> -required-"),
        "{containers}"
    );
    let pvc = t.kubectl_ok(&["explain", "persistentvolumeclaims.spec.resources"]);
    assert!(pvc.contains("requests\t<map[string]Quantity>"), "{pvc}");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_validates_fields_against_the_schema() {
    let t = E2e::start().await;
    let typo = visits_app_manifest("web", 1, "Parallel").replace(
        "        image: example/visits-app:1.0\n",
        "        image: example/visits-app:1.0\n        imagePullPolcy: Always\n",
    );
    // Strict (kubectl's default): rejected, naming the field; nothing of the StatefulSet made.
    let out = t.kubectl_stdin(&["apply", "--validate=strict", "-f", "-"], &typo);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(
            "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolcy\""
        ),
        "{}",
        stderr(&out)
    );
    let get = t.kubectl(&["get", "statefulset", "web"]);
    assert!(stderr(&get).contains("NotFound"), "{}", stderr(&get));

    // A good manifest passes strict validation.
    let out = t.kubectl_stdin(
        &["apply", "--validate=strict", "-f", "-"],
        &visits_app_manifest("web", 1, "Parallel"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("statefulset.apps/web created"));

    // Warn: applied with a warning, the unknown field dropped.
    let extra = visits_app_manifest("web", 2, "Parallel")
        .replace("  replicas: 2\n", "  replicas: 2\n  replicaz: 5\n");
    let out = t.kubectl_stdin(&["apply", "--validate=warn", "-f", "-"], &extra);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Warning: unknown field \"spec.replicaz\""),
        "{}",
        stderr(&out)
    );
    let sts: StatefulSet = t.api().get("web").await.unwrap();
    assert_eq!(sts.spec.unwrap().replicas, Some(2));

    // Strict on the existing object: the patch is refused and the object left as it was.
    let out = t.kubectl_stdin(
        &["apply", "-f", "-"],
        &extra.replace("replicas: 2\n", "replicas: 3\n"),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("strict decoding error: unknown field \"spec.replicaz\""),
        "{}",
        stderr(&out)
    );
    let sts: StatefulSet = t.api().get("web").await.unwrap();
    assert_eq!(sts.spec.unwrap().replicas, Some(2));
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_cp_copies_files_both_ways() {
    let t = E2e::start().await;
    deploy(&t, 1);
    for _ in 0..3 {
        visit(&t, "web-0");
    }
    let local = tempfile::tempdir().unwrap();

    // Out of the pod: the visits file, then the whole volume.
    let file = local.path().join("visits");
    let out = t.kubectl(&["cp", "web-0:/data/visits", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "3");

    // Into the pod: a directory tree, read back with exec and copied out again.
    let tree = local.path().join("backup");
    std::fs::create_dir_all(tree.join("nested")).unwrap();
    std::fs::write(tree.join("notes.txt"), "first line\nsecond line\n").unwrap();
    std::fs::write(tree.join("nested/blob.bin"), [0u8, 1, 2, 255, 10]).unwrap();
    let out = t.kubectl(&["cp", tree.to_str().unwrap(), "web-0:/data/backup"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let notes = t.kubectl_ok(&["exec", "web-0", "--", "cat", "/data/backup/notes.txt"]);
    assert_eq!(notes, "first line\nsecond line\n");
    let listed = t.kubectl_ok(&["exec", "web-0", "--", "ls", "/data"]);
    assert!(
        listed.contains("backup") && listed.contains("visits"),
        "{listed}"
    );

    let back = local.path().join("roundtrip");
    let out = t.kubectl(&["cp", "web-0:/data/backup", back.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(back.join("nested/blob.bin")).unwrap(),
        [0u8, 1, 2, 255, 10]
    );
    assert_eq!(
        std::fs::read_to_string(back.join("notes.txt")).unwrap(),
        "first line\nsecond line\n"
    );

    // A missing source copies nothing. (tar's complaint reaches kubectl's stderr only if it
    // arrives before kubectl has read the end of the empty archive, so it is not asserted.)
    let missing = local.path().join("missing");
    t.kubectl(&["cp", "web-0:/data/nope", missing.to_str().unwrap()]);
    assert!(!missing.exists());
    t.cleanup().await;
}

/// Spawns `kubectl logs -f ...` and hands its stdout lines over a channel.
fn follow_logs(
    t: &E2e,
    args: &[&str],
    cache: &std::path::Path,
) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Command::new("kubectl")
        .env("KUBECONFIG", &t.kubeconfig)
        .env("KUBECACHEDIR", cache)
        .args(["-n", &t.namespace, "logs", "-f"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl on PATH");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_shows_requests_follows_and_keeps_the_crashed_run() {
    let t = E2e::start().await;
    deploy(&t, 1);
    visit(&t, "web-0");
    visit(&t, "web-0");
    let logs = t.kubectl_ok(&["logs", "web-0"]);
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(
        lines,
        [
            "visits app listening on :8080, counting visits in /data/visits",
            "\"GET / HTTP/1.1\" 200",
            "\"GET / HTTP/1.1\" 200",
        ],
        "{logs}"
    );
    assert_eq!(
        t.kubectl_ok(&["logs", "web-0", "--tail=1"]),
        "\"GET / HTTP/1.1\" 200\n"
    );
    let stamped = t.kubectl_ok(&["logs", "statefulset/web", "--timestamps", "--since=1h"]);
    for (s, plain) in stamped.lines().zip(&lines) {
        let (stamp, rest) = s.split_once(' ').unwrap();
        assert_eq!(rest, *plain);
        stamp
            .parse::<jiff::Timestamp>()
            .unwrap_or_else(|e| panic!("{stamp:?} is not RFC 3339: {e}"));
    }
    let out = t.kubectl(&["logs", "web-0", "--previous"]);
    assert!(
        stderr(&out).contains("previous terminated container \"app\" in pod \"web-0\" not found"),
        "{}",
        stderr(&out)
    );
    let out = t.kubectl(&["logs", "web-0", "-c", "sidecar"]);
    assert!(
        stderr(&out).contains("container sidecar is not valid for pod web-0"),
        "{}",
        stderr(&out)
    );

    // -f: a request made while following shows up as it happens.
    let cache = tempfile::tempdir().unwrap();
    let (mut child, rx) = follow_logs(&t, &["web-0", "--tail=1"], cache.path());
    let first = rx.recv_timeout(WAIT).expect("the tail line");
    assert_eq!(first, "\"GET / HTTP/1.1\" 200");
    let path = format!(
        "/api/v1/namespaces/{}/pods/web-0:8080/proxy/visits",
        t.namespace
    );
    t.kubectl_ok(&["get", "--raw", &path]);
    let next = rx.recv_timeout(WAIT).expect("the new request's line");
    assert_eq!(next, "\"GET /visits HTTP/1.1\" 200");
    let _ = child.kill();
    let _ = child.wait();

    // --previous: the crashed run of a crash-looping image.
    let out = t.kubectl(&[
        "run",
        "crasher",
        "--image=example/app:crash",
        "--restart=Always",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    t.wait_for::<Pod, _>("crasher", WAIT, "a restart", |p| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .is_some_and(|c| {
                c[0].restart_count >= 1
                    && c[0]
                        .last_state
                        .as_ref()
                        .is_some_and(|l| l.terminated.is_some())
            })
    })
    .await;
    let previous = t.kubectl_ok(&["logs", "crasher", "--previous"]);
    assert_eq!(
        previous,
        "fatal: example/app:crash crashed (simulated), exiting with code 1\n"
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_debug_target_and_exec_with_stdin() {
    let t = E2e::start().await;
    deploy(&t, 1);
    visit(&t, "web-0");
    let out = t.kubectl(&[
        "debug",
        "web-0",
        "--image=busybox:1.36",
        "--target=app",
        "-c",
        "dbg",
        "--",
        "sleep",
        "3600",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("Targeting container \"app\""), "{said}");
    t.wait_for::<Pod, _>("web-0", WAIT, "the debug container to run", |p| {
        p.status
            .as_ref()
            .and_then(|s| s.ephemeral_container_statuses.as_ref())
            .is_some_and(|e| {
                e.iter().any(|c| {
                    c.name == "dbg" && c.state.as_ref().is_some_and(|s| s.running.is_some())
                })
            })
    })
    .await;
    // The debug container sees the app's filesystem under /proc/1/root.
    let seen = t.kubectl_ok(&[
        "exec",
        "web-0",
        "-c",
        "dbg",
        "--",
        "cat",
        "/proc/1/root/data/visits",
    ]);
    assert_eq!(seen, "1");

    // exec -i: stdin reaches the command, which ends when stdin closes.
    let out = t.kubectl_stdin(
        &[
            "exec",
            "-i",
            "web-0",
            "--",
            "sh",
            "-c",
            "cat > /data/note; wc -l /data/note",
        ],
        "one\ntwo\nthree\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "3 /data/note\n");
    assert_eq!(
        t.kubectl_ok(&["exec", "web-0", "--", "cat", "/data/note"]),
        "one\ntwo\nthree\n"
    );
    // An interactive shell fed on stdin: each line runs, `exit` sets kubectl's exit code.
    let out = t.kubectl_stdin(
        &["exec", "-i", "web-0", "--", "sh"],
        "echo hello from sh\ncat /data/visits\nexit 3\n",
    );
    assert_eq!(stdout(&out), "hello from sh\n1");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_exec_and_logs() {
    let t = E2e::start().await;
    deploy(&t, 1);
    for _ in 0..2 {
        visit(&t, "web-0");
    }
    let exec = t.python_ok(&script("containers_exec.py"), &["web-0"]);
    assert!(exec.contains("shell exit code: 7"), "{exec}");
    let logs = t.python_ok(&script("containers_logs.py"), &["web-0", "2"]);
    assert!(logs.contains("previous: 400"), "{logs}");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_port_forward_reaches_the_app() {
    use std::io::{Read, Write};
    let t = E2e::start().await;
    deploy(&t, 1);
    let cache = tempfile::tempdir().unwrap();
    let mut child = Command::new("kubectl")
        .env("KUBECONFIG", &t.kubeconfig)
        .env("KUBECACHEDIR", cache.path())
        .args(["-n", &t.namespace, "port-forward", "pod/web-0", ":8080"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl on PATH");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(WAIT)
        .expect("kubectl says where it forwards from");
    // "Forwarding from 127.0.0.1:41234 -> 8080"
    let local = line
        .strip_prefix("Forwarding from ")
        .and_then(|r| r.split(" -> ").next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    for expected in ["Visits: 1", "Visits: 2"] {
        let mut conn = std::net::TcpStream::connect(&local).unwrap();
        conn.set_read_timeout(Some(WAIT)).unwrap();
        conn.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 1024];
        while !String::from_utf8_lossy(&answer).contains(expected) {
            let n = conn.read(&mut buf).expect("the app's answer");
            assert!(n > 0, "closed after {:?}", String::from_utf8_lossy(&answer));
            answer.extend_from_slice(&buf[..n]);
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("Hello from web-0!"), "{answer}");
    }
    let _ = child.kill();
    let _ = child.wait();
    // The visits went to the pod's volume, as through a Service.
    let visits = t.kubectl_ok(&["exec", "web-0", "--", "cat", "/data/visits"]);
    assert_eq!(visits, "2");
    t.cleanup().await;
}

//! `sts-sim serve` as a user starts it: HTTPS by default with the CA in the kubeconfig (kubectl
//! and kube-rs verify it, the admin endpoint answers over the same TLS), plain HTTP with
//! `--insecure-http`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A `sts-sim serve` child process, killed when dropped.
struct Served {
    child: Child,
    url: String,
    stderr: BufReader<std::process::ChildStderr>,
}

impl Served {
    /// The next line sts-sim prints.
    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stderr
            .read_line(&mut line)
            .expect("read sts-sim's output");
        line
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sts-sim serve` and waits for the line saying it serves (it prints it once the
/// kubeconfig is written and requests are accepted).
fn serve(kubeconfig: &Path, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sts-sim"))
        .args(["serve", "--kubeconfig"])
        .arg(kubeconfig)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sts-sim serve");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr
        .read_line(&mut line)
        .expect("read sts-sim's first line");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    Served { child, url, stderr }
}

fn kubectl(kubeconfig: &Path, args: &[&str]) -> String {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new("kubectl")
        .env("KUBECONFIG", kubeconfig)
        .env("KUBECACHEDIR", cache.path())
        .args(args)
        .output()
        .expect("kubectl on PATH");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn admin(client: &kube::Client, method: &str, path: &str, body: &str) -> Value {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap();
    let text = client
        .request_text(req)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_speaks_verified_https_and_so_does_its_admin_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let served = serve(&kc, &[]);
    assert!(
        served.url.starts_with("https://127.0.0.1:"),
        "{}",
        served.url
    );
    let text = std::fs::read_to_string(&kc).unwrap();
    assert!(text.contains("certificate-authority-data: "), "{text}");
    assert!(text.contains("client-certificate-data: "), "{text}");
    assert!(!text.contains("insecure-skip-tls-verify"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kc).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the kubeconfig holds a key: {mode:o}");
    }

    let names = kubectl(&kc, &["get", "namespaces", "-o", "name"]);
    assert!(names.contains("namespace/default"), "{names}");

    // The admin endpoint over the same verified TLS, with a kube-rs client from the file.
    let client = sts_sim::cluster::client_for(&kc).await.unwrap();
    let cleared = admin(
        &client,
        "POST",
        "/sts-sim/faults",
        r#"{"action": "reset-counts"}"#,
    )
    .await;
    assert!(cleared.is_object(), "{cleared}");
    kubectl(&kc, &["get", "pods", "-A"]);
    let counts = admin(&client, "GET", "/sts-sim/requests", "").await;
    let pods_listed = counts["counts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["verb"] == "list" && c["resource"] == "pods");
    assert!(pods_listed, "{counts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_http_serves_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let served = serve(&kc, &["--insecure-http", "--no-node-ports"]);
    assert!(
        served.url.starts_with("http://127.0.0.1:"),
        "{}",
        served.url
    );
    let text = std::fs::read_to_string(&kc).unwrap();
    assert!(!text.contains("certificate-authority"), "{text}");
    let names = kubectl(&kc, &["get", "namespaces", "-o", "name"]);
    assert!(names.contains("namespace/default"), "{names}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_listens_on_node_ports_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let mut served = serve(&kc, &[]);
    let manifest = "apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  type: NodePort
  selector: {app: shop}
  ports:
  - {port: 80, targetPort: 8080}
";
    let path = dir.path().join("svc.yaml");
    std::fs::write(&path, manifest).unwrap();
    kubectl(&kc, &["apply", "-f", &path.to_string_lossy()]);
    let port = kubectl(
        &kc,
        &[
            "get",
            "svc",
            "shop",
            "-o",
            "jsonpath={.spec.ports[0].nodePort}",
        ],
    );
    let line = served.next_line();
    assert_eq!(
        line.trim(),
        format!(
            "sts-sim: service default/shop at http://127.0.0.1:{}",
            port.trim()
        )
    );
    // Nothing behind it yet: the listener answers, and says why there is no app.
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port.trim().parse::<u16>().unwrap()))
        .expect("the node port listens");
    conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("no endpoints available for service \"shop\""),
        "{answer}"
    );
}

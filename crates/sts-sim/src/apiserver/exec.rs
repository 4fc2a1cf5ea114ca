//! `pods/exec` over WebSocket, as the API server and kubelet answer it.
//!
//! The client (kubectl 1.32 offers only `v5.channel.k8s.io`; kube-rs offers v5 and v4) upgrades
//! a `GET .../pods/NAME/exec?command=...&stdout=true` request. Every frame is a binary
//! message whose first byte is the channel: 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize,
//! and on v5 `[255, channel]` closes a channel. The simulated process runs in one go
//! ([`crate::runtime::containers::run_command`]): stdin is collected first (when the command reads
//! it), then all output is sent, then the status on channel 3, then the socket is closed.
//!
//! Errors before the upgrade are plain `Status` answers with upstream wording (404 for a
//! missing pod, 400 `container bar is not valid for pod web-0`, 400 `unable to upgrade
//! connection: container not found ("app")` for a container that is not running).

use std::time::Duration;

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{json, Value};

use crate::apiserver::errors::ApiError;
use crate::machinery::resources::PODS;
use crate::runtime::containers::{self, find_container, ContainerView, ExecResult};
use crate::state::{SharedState, State};

/// Preferred subprotocol (supports closing stdin with `[255, 0]`).
pub const V5_PROTOCOL: &str = "v5.channel.k8s.io";
/// Older subprotocol kube-rs also offers.
pub const V4_PROTOCOL: &str = "v4.channel.k8s.io";
/// Channel of stdin (client to server).
pub const STDIN_CHANNEL: u8 = 0;
/// Channel of stdout.
pub const STDOUT_CHANNEL: u8 = 1;
/// Channel of stderr.
pub const STDERR_CHANNEL: u8 = 2;
/// Channel of the final status.
pub const STATUS_CHANNEL: u8 = 3;
/// Channel of terminal resizes (client to server, ignored).
pub const RESIZE_CHANNEL: u8 = 4;
/// v5 close signal: `[255, channel]`.
pub const CLOSE_CHANNEL: u8 = 255;

/// How long starting a process takes before it can write. kubectl up to 1.32 discards frames
/// that arrive before it has set up its streams (kubernetes/kubernetes#131189, fixed in 1.33),
/// and a container runtime takes about this long to start an exec anyway.
pub const PROCESS_START: Duration = Duration::from_millis(25);

/// Largest data payload per frame.
const FRAME_DATA: usize = 32 * 1024;

/// The query of an exec request (`PodExecOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecParams {
    /// argv, from repeated `command=` parameters.
    pub command: Vec<String>,
    /// `container=`.
    pub container: Option<String>,
    /// `stdin=true`.
    pub stdin: bool,
    /// `stdout=true`.
    pub stdout: bool,
    /// `stderr=true`.
    pub stderr: bool,
    /// `tty=true` (stderr is then merged into stdout).
    pub tty: bool,
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte).
pub fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ExecParams {
    /// Parses a raw query string (without the `?`); unknown parameters are ignored.
    pub fn from_query(q: &str) -> ExecParams {
        let mut p = ExecParams::default();
        let truthy = |v: &str| matches!(v, "true" | "True" | "TRUE" | "1" | "t" | "T");
        for pair in q.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (url_decode(k), url_decode(v));
            match k.as_str() {
                "command" => p.command.push(v),
                "container" if !v.is_empty() => p.container = Some(v),
                "stdin" => p.stdin = truthy(&v),
                "stdout" => p.stdout = truthy(&v),
                "stderr" => p.stderr = truthy(&v),
                "tty" => p.tty = truthy(&v),
                _ => {}
            }
        }
        p
    }
}

fn bad_request(message: String) -> ApiError {
    ApiError::bad_request(message)
}

/// Whether a named container of a pod is running (ephemeral ones: once in the spec).
fn container_running(pod: &Value, name: &str, ephemeral: bool) -> bool {
    let phase_running = pod["status"]["phase"] == "Running";
    let status_of = |list: &str| {
        pod["status"][list]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == name))
            .cloned()
    };
    if ephemeral {
        return match status_of("ephemeralContainerStatuses") {
            Some(s) => s["state"].get("terminated").is_none() && phase_running,
            None => phase_running,
        };
    }
    let is_init = pod["spec"]["initContainers"]
        .as_array()
        .is_some_and(|a| a.iter().any(|c| c["name"] == name));
    if is_init {
        return status_of("initContainerStatuses")
            .is_some_and(|s| s["state"].get("running").is_some());
    }
    match status_of("containerStatuses") {
        Some(s) => s["state"].get("running").is_some(),
        None => phase_running,
    }
}

/// The checks upstream makes before upgrading: returns the container to run in.
///
/// Also usable for a SPDY (`POST`) exec, which the simulator answers with the same errors.
pub fn exec_target(
    state: &State,
    ns: &str,
    pod_name: &str,
    params: &ExecParams,
) -> Result<ContainerView, ApiError> {
    let pod = state
        .store
        .get(&PODS, ns, pod_name)
        .ok_or_else(|| ApiError::not_found(&PODS, pod_name))?;
    if !params.stdin && !params.stdout && !params.stderr {
        return Err(bad_request(
            "you must specify at least 1 of stdin, stdout, stderr".into(),
        ));
    }
    let containers: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    let container = match params.container.as_deref() {
        Some(c) => {
            if find_container(&pod, c).is_none() {
                return Err(bad_request(format!(
                    "container {c} is not valid for pod {pod_name}"
                )));
            }
            c.to_string()
        }
        None => {
            let annotated = pod["metadata"]["annotations"]
                ["kubectl.kubernetes.io/default-container"]
                .as_str()
                .filter(|c| containers.contains(c));
            match (annotated, containers.as_slice()) {
                (Some(c), _) => c.to_string(),
                (None, [only]) => only.to_string(),
                (None, []) => {
                    return Err(bad_request(format!(
                        "pod {pod_name} does not have a container"
                    )))
                }
                (None, many) => {
                    let mut msg = format!(
                        "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                        many.join(" ")
                    );
                    let init: Vec<&str> = pod["spec"]["initContainers"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
                        .unwrap_or_default();
                    if !init.is_empty() {
                        msg.push_str(&format!(
                            " or one of the init containers: [{}]",
                            init.join(" ")
                        ));
                    }
                    return Err(bad_request(msg));
                }
            }
        }
    };
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        return Err(bad_request(format!(
            "pod {pod_name} does not have a host assigned"
        )));
    }
    if let Some(phase @ ("Succeeded" | "Failed")) = pod["status"]["phase"].as_str() {
        return Err(bad_request(format!(
            "cannot exec into a container in a completed pod; current phase is {phase}"
        )));
    }
    let (_, ephemeral) = find_container(&pod, &container).expect("checked above");
    if !container_running(&pod, &container, ephemeral) {
        return Err(bad_request(format!(
            "unable to upgrade connection: container not found (\"{container}\")"
        )));
    }
    ContainerView::new(state, &pod, &container).ok_or_else(|| {
        bad_request(format!(
            "container {container} is not valid for pod {pod_name}"
        ))
    })
}

/// One binary frame: the channel byte, then the data.
pub fn frame(channel: u8, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(channel);
    v.extend_from_slice(data);
    v
}

/// A random 64-hex exec id, as containerd names exec processes.
fn exec_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("{a}{b}")
}

/// The status sent on channel 3 at the end of an exec.
pub fn status_json(command: &[String], result: &ExecResult) -> Value {
    match result {
        ExecResult::Exit(0) => json!({"metadata": {}, "status": "Success"}),
        ExecResult::Exit(code) => json!({
            "metadata": {},
            "status": "Failure",
            "message": format!(
                "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
                command.join(" ")
            ),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
        }),
        ExecResult::StartFailed(text) => {
            let cause = format!(
                "error executing command in container: failed to exec in container: failed to start exec \"{}\": OCI runtime exec failed: exec failed: unable to start container process: {text}: unknown",
                exec_id()
            );
            json!({
                "metadata": {},
                "status": "Failure",
                "message": format!("Internal error occurred: {cause}"),
                "reason": "InternalError",
                "details": {"causes": [{"message": cause}]},
                "code": 500,
            })
        }
    }
}

/// Whether the simulated command will read stdin (so the session waits for its end).
fn reads_stdin(command: &[String]) -> bool {
    let Some(first) = command.first() else {
        return false;
    };
    let base = first.rsplit('/').next().unwrap_or(first);
    let operands = || {
        command[1..]
            .iter()
            .filter(|a| *a == "-" || !a.starts_with('-'))
    };
    match base {
        "cat" | "wc" | "head" | "tail" => {
            operands().count() == 0 || command[1..].iter().any(|a| a == "-")
        }
        "tar" => crate::runtime::containers::tar_applet::reads_stdin(&command[1..]),
        "sh" | "ash" | "bash" => match command.iter().position(|a| a == "-c") {
            None => command.len() == 1,
            Some(i) => command.get(i + 1).is_some_and(|script| {
                script
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| matches!(w, "cat" | "wc" | "head" | "tail" | "sh" | "read" | "tar"))
            }),
        },
        _ => false,
    }
}

/// Serves `GET .../pods/NAME/exec` with a WebSocket upgrade; errors before the upgrade are
/// returned as [`ApiError`]s for the server to render.
pub async fn exec(
    state: SharedState,
    ns: String,
    pod: String,
    params: ExecParams,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let view = exec_target(&state, &ns, &pod, &params)?;
    let ws = ws.protocols([V5_PROTOCOL, V4_PROTOCOL]);
    let v5 = ws
        .selected_protocol()
        .is_some_and(|p| p.as_bytes() == V5_PROTOCOL.as_bytes());
    Ok(ws.on_upgrade(move |socket| session(state, pod, view, params, v5, socket)))
}

/// A frame's payload as binary: clients of the v4 protocol (the Python client) send stdin as
/// text frames (`"\u{0}data"`), which the API server takes like binary ones.
pub fn binary_payload(msg: Message) -> Message {
    match msg {
        Message::Text(t) => {
            Message::Binary(axum::body::Bytes::from(t.as_str().as_bytes().to_vec()))
        }
        other => other,
    }
}

/// Collects stdin frames until v5 closes channel 0, the client closes, or the socket ends.
async fn read_stdin(socket: &mut WebSocket, v5: bool) -> Vec<u8> {
    let mut data = Vec::new();
    while let Some(msg) = socket.recv().await {
        match msg.map(binary_payload) {
            Ok(Message::Binary(b)) => match b.first() {
                Some(&STDIN_CHANNEL) => data.extend_from_slice(&b[1..]),
                Some(&CLOSE_CHANNEL) if v5 && b.get(1) == Some(&STDIN_CHANNEL) => break,
                _ => {}
            },
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    data
}

async fn session(
    state: SharedState,
    pod: String,
    view: ContainerView,
    params: ExecParams,
    v5: bool,
    mut socket: WebSocket,
) {
    tokio::time::sleep(PROCESS_START).await;
    if let Some(kind) = params
        .stdin
        .then(|| crate::apiserver::exec_stream::interactive(&params.command))
        .flatten()
    {
        let Some(result) =
            crate::apiserver::exec_stream::run(&state, &view, &params, kind, v5, &mut socket).await
        else {
            return;
        };
        let status = crate::apiserver::exec_stream::status_frame(&params.command, &result);
        if socket.send(Message::binary(status)).await.is_ok() {
            close(socket).await;
        }
        return;
    }
    let stdin = if params.stdin && reads_stdin(&params.command) {
        read_stdin(&mut socket, v5).await
    } else {
        Vec::new()
    };
    let delay = state.faults.exec_delay(&pod);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut output = containers::run_command(&state, &view, &params.command, &stdin);
    if !output.sleep.is_zero() {
        tokio::time::sleep(output.sleep).await;
    }
    if params.tty {
        let err = std::mem::take(&mut output.stderr);
        output.stdout.extend_from_slice(&err);
    }
    // Diagnostics first: a reader of stdout (kubectl cp untarring) may stop at the end of
    // its data, before the rest of the session.
    let mut frames = Vec::new();
    if params.stderr {
        frames.extend(
            output
                .stderr
                .chunks(FRAME_DATA)
                .map(|c| frame(STDERR_CHANNEL, c)),
        );
    }
    if params.stdout {
        frames.extend(
            output
                .stdout
                .chunks(FRAME_DATA)
                .map(|c| frame(STDOUT_CHANNEL, c)),
        );
    }
    let status = status_json(&params.command, &output.result);
    frames.push(frame(STATUS_CHANNEL, status.to_string().as_bytes()));
    for f in frames {
        if socket.send(Message::binary(f)).await.is_err() {
            return;
        }
    }
    close(socket).await;
}

/// Closes the socket normally and waits (briefly) for the client's half of the handshake.
async fn close(mut socket: WebSocket) {
    // A close frame without a status code reads as an error to client-go ("close 1005").
    let normal = CloseFrame {
        code: close_code::NORMAL,
        reason: "".into(),
    };
    if socket.send(Message::Close(Some(normal))).await.is_err() {
        return;
    }
    // Let the client answer the close handshake, without waiting forever.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(_)) = socket.recv().await {}
    })
    .await;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::machinery::resources::PODS;
    use crate::runtime::containers::tests::state_with_pod;
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, AttachParams};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn query_parsing_keeps_argv_literal() {
        let p = ExecParams::from_query(
            "command=sh&command=-c&command=echo+a%26b%3B+%24%28x%29&container=app&stderr=true&stdout=true",
        );
        assert_eq!(p.command, vec!["sh", "-c", "echo a&b; $(x)"]);
        assert_eq!(p.container.as_deref(), Some("app"));
        assert!(p.stdout && p.stderr && !p.stdin && !p.tty);
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%2Fdata%2Fa%20b"), "/data/a b");
    }

    #[test]
    fn frames_and_status_json() {
        assert_eq!(frame(STDOUT_CHANNEL, b"hi"), vec![1, b'h', b'i']);
        let argv: Vec<String> = ["sh", "-c", "exit 3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            status_json(&argv, &ExecResult::Exit(0)),
            json!({"metadata": {}, "status": "Success"})
        );
        assert_eq!(
            status_json(&argv, &ExecResult::Exit(3)),
            json!({"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}})
        );
        let s = status_json(
            &argv,
            &ExecResult::StartFailed("exec: \"cat\": executable file not found in $PATH".into()),
        );
        assert_eq!(s["reason"], "InternalError");
        let msg = s["message"].as_str().unwrap();
        assert!(msg.starts_with("Internal error occurred: error executing command in container: failed to exec in container: failed to start exec \""), "{msg}");
        assert!(msg.ends_with("OCI runtime exec failed: exec failed: unable to start container process: exec: \"cat\": executable file not found in $PATH: unknown"), "{msg}");
    }

    #[test]
    fn stdin_is_awaited_only_when_read() {
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(reads_stdin(&argv(&["cat"])));
        assert!(reads_stdin(&argv(&["sh"])));
        assert!(reads_stdin(&argv(&["sh", "-c", "cat > /data/f"])));
        assert!(!reads_stdin(&argv(&["cat", "/data/f"])));
        assert!(!reads_stdin(&argv(&["sh", "-c", "echo hi"])));
    }

    #[test]
    fn pre_upgrade_errors_use_upstream_wording() {
        let state = state_with_pod("busybox", json!([]));
        let p = |container: Option<&str>| ExecParams {
            command: vec!["true".into()],
            container: container.map(str::to_string),
            stdout: true,
            ..ExecParams::default()
        };
        let e = exec_target(&state, "default", "nope", &p(None)).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (404, "pods \"nope\" not found")
        );
        let e = exec_target(&state, "default", "web-0", &p(Some("bar"))).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (400, "container bar is not valid for pod web-0")
        );
        assert_eq!(
            exec_target(&state, "default", "web-0", &p(None))
                .unwrap()
                .name,
            "app"
        );
        let quiet = ExecParams {
            stdout: false,
            ..p(None)
        };
        assert_eq!(
            exec_target(&state, "default", "web-0", &quiet)
                .unwrap_err()
                .code,
            400
        );
        crate::machinery::api::write_status(&state, &PODS, "default", "web-0", |s| {
            s["phase"] = json!("Pending");
            s["containerStatuses"] =
                json!([{"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}}]);
        })
        .unwrap();
        let e = exec_target(&state, "default", "web-0", &p(Some("app"))).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                400,
                "unable to upgrade connection: container not found (\"app\")"
            )
        );
    }

    #[test]
    fn ephemeral_container_is_a_target_once_in_spec() {
        let state = state_with_pod("example/visits-distroless:1", json!([]));
        state
            .store
            .modify(&PODS, "default", "web-0", |p| {
                p["spec"]["ephemeralContainers"] =
                    json!([{"name": "dbg", "image": "busybox", "targetContainerName": "app"}]);
                Ok(true)
            })
            .unwrap();
        let p = ExecParams {
            command: vec!["true".into()],
            container: Some("dbg".into()),
            stdout: true,
            ..ExecParams::default()
        };
        let view = exec_target(&state, "default", "web-0", &p).unwrap();
        assert!(view.ephemeral && view.target.is_some());
    }

    /// Serves only the exec route, like the lead's server will.
    pub(crate) async fn serve(state: SharedState) -> String {
        use axum::extract::{OriginalUri, Request};
        use axum::response::IntoResponse;
        let app = axum::Router::new().fallback(move |uri: OriginalUri, req: Request| {
            let state = state.clone();
            async move {
                let (mut parts, _) = req.into_parts();
                let path = uri.path().to_string();
                let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
                let ["api", "v1", "namespaces", ns, "pods", pod, "exec"] = segs.as_slice() else {
                    return (axum::http::StatusCode::NOT_FOUND, "no route").into_response();
                };
                let params = ExecParams::from_query(uri.query().unwrap_or(""));
                let ws = match <WebSocketUpgrade as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &()).await {
                    Ok(ws) => ws,
                    Err(e) => return e.into_response(),
                };
                match exec(state, ns.to_string(), pod.to_string(), params, ws).await {
                    Ok(r) => r,
                    Err(e) => (
                        axum::http::StatusCode::from_u16(e.code).unwrap(),
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        e.to_status().to_string(),
                    )
                        .into_response(),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    pub(crate) async fn client(url: &str) -> Api<Pod> {
        let config = kube::Config::new(url.parse().unwrap());
        Api::namespaced(kube::Client::try_from(config).unwrap(), "default")
    }

    async fn read_all(r: Option<impl tokio::io::AsyncRead + Unpin>) -> String {
        let mut s = String::new();
        if let Some(mut r) = r {
            r.read_to_string(&mut s).await.unwrap();
        }
        s
    }

    #[tokio::test]
    async fn kube_rs_exec_over_a_real_socket() {
        let state = state_with_pod("busybox:1.36", json!([]));
        state
            .fs
            .write("pv/pv-web-0", "visits", b"5".to_vec())
            .unwrap();
        let url = serve(state.clone()).await;
        let pods = client(&url).await;

        let ap = AttachParams::default().stderr(true);
        let mut p = pods
            .exec("web-0", vec!["cat", "/data/visits"], &ap)
            .await
            .unwrap();
        let status = p.take_status().unwrap();
        let (out, err) = (read_all(p.stdout()).await, read_all(p.stderr()).await);
        let status = status.await.unwrap();
        assert_eq!((out.as_str(), err.as_str()), ("5", ""));
        assert_eq!(status.status.as_deref(), Some("Success"));

        let mut p = pods
            .exec("web-0", vec!["sh", "-c", "cat /data/nope; exit 3"], &ap)
            .await
            .unwrap();
        let status = p.take_status().unwrap();
        let (out, err) = (read_all(p.stdout()).await, read_all(p.stderr()).await);
        let status = status.await.unwrap();
        assert_eq!(out, "");
        assert_eq!(
            err,
            "cat: can't open '/data/nope': No such file or directory\n"
        );
        assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
        let cause = &status.details.unwrap().causes.unwrap()[0];
        assert_eq!(cause.message.as_deref(), Some("3"));

        // stdin, closed with the v5 close signal when the writer shuts down.
        let ap_in = AttachParams::default().stdin(true).stderr(true);
        let mut p = pods
            .exec(
                "web-0",
                vec!["sh", "-c", "cat > /data/in; wc -l /data/in"],
                &ap_in,
            )
            .await
            .unwrap();
        let mut stdin = p.stdin().unwrap();
        stdin.write_all(b"a\nb\n").await.unwrap();
        stdin.shutdown().await.unwrap();
        let status = p.take_status().unwrap();
        let out = read_all(p.stdout()).await;
        assert_eq!(status.await.unwrap().status.as_deref(), Some("Success"));
        assert_eq!(out, "2 /data/in\n");
        assert_eq!(state.fs.read("pv/pv-web-0", "in").unwrap(), b"a\nb\n");

        // Pre-upgrade errors surface as API errors.
        let err = pods
            .exec(
                "web-0",
                vec!["true"],
                &AttachParams::default().stderr(true).container("bar"),
            )
            .await
            .err()
            .expect("unknown container");
        match err {
            kube::Error::Api(s) => {
                assert_eq!(s.code, 400);
                assert_eq!(s.message, "container bar is not valid for pod web-0");
            }
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[tokio::test]
    async fn distroless_exec_fails_on_the_status_channel() {
        let state = state_with_pod("gcr.io/distroless/static:nonroot", json!([]));
        let url = serve(state).await;
        let pods = client(&url).await;
        let mut p = pods
            .exec(
                "web-0",
                vec!["cat", "/data/visits"],
                &AttachParams::default().stderr(true),
            )
            .await
            .unwrap();
        let status = p.take_status().unwrap();
        let out = read_all(p.stdout()).await;
        let status = status.await.unwrap();
        assert_eq!(out, "");
        assert_eq!(status.reason.as_deref(), Some("InternalError"));
        assert!(status
            .message
            .unwrap()
            .contains("exec: \"cat\": executable file not found in $PATH: unknown"));
    }
}

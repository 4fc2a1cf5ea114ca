//! Interactive exec sessions: an `sh` without a script, or a bare `cat`, with stdin attached.
//! Unlike the one-go run of [`crate::apiserver::exec`], input is answered as it arrives, which is what
//! `kubectl exec -it web-0 -- sh` and clients that cannot close stdin (the v4 protocol of the
//! Python client) need: each complete line is run as a command (`exit N` ends the session),
//! `cat` echoes what it reads. The session ends when stdin closes (v5 `[255, 0]`), the socket
//! closes, or the shell exits. Each line runs on its own: `cd` and variables do not carry over
//! to the next line.

use axum::extract::ws::{Message, WebSocket};

use crate::apiserver::exec::{
    frame, status_json, ExecParams, CLOSE_CHANNEL, STDERR_CHANNEL, STDIN_CHANNEL, STDOUT_CHANNEL,
};
use crate::runtime::containers::{self, ContainerView, ExecResult};
use crate::state::SharedState;

/// What an interactive session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interactive {
    /// A shell reading commands from stdin.
    Shell,
    /// `cat` copying stdin to stdout.
    Cat,
}

/// Whether `argv` with stdin attached is an interactive session.
pub fn interactive(command: &[String]) -> Option<Interactive> {
    let first = command.first()?;
    let base = first.rsplit('/').next().unwrap_or(first);
    let rest: Vec<&str> = command[1..].iter().map(String::as_str).collect();
    match (base, rest.as_slice()) {
        ("sh" | "ash" | "bash", [] | ["-i"] | ["-l"] | ["-il"]) => Some(Interactive::Shell),
        ("cat", [] | ["-"]) => Some(Interactive::Cat),
        _ => None,
    }
}

/// The shell prompt a terminal shows.
fn prompt(view: &ContainerView) -> &'static [u8] {
    match view.behaviour.flavor {
        containers::Flavor::Busybox => b"/ # ",
        _ => b"# ",
    }
}

/// Output as a terminal shows it (`\n` becomes `\r\n`).
fn on_terminal(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for &b in data {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

struct Session<'a> {
    socket: &'a mut WebSocket,
    params: &'a ExecParams,
}

impl Session<'_> {
    async fn send(&mut self, channel: u8, data: &[u8]) -> bool {
        if data.is_empty() {
            return true;
        }
        let (channel, data) = if self.params.tty {
            (STDOUT_CHANNEL, on_terminal(data))
        } else {
            (channel, data.to_vec())
        };
        let wanted = match channel {
            STDOUT_CHANNEL => self.params.stdout,
            _ => self.params.stderr,
        };
        !wanted
            || self
                .socket
                .send(Message::binary(frame(channel, &data)))
                .await
                .is_ok()
    }
}

/// Runs an interactive session; returns how it ended (for the status channel), or `None`
/// when the client went away.
pub async fn run(
    state: &SharedState,
    view: &ContainerView,
    params: &ExecParams,
    kind: Interactive,
    v5: bool,
    socket: &mut WebSocket,
) -> Option<ExecResult> {
    let mut s = Session { socket, params };
    let mut pending: Vec<u8> = Vec::new();
    let mut status = 0;
    if kind == Interactive::Shell && params.tty && !s.send(STDOUT_CHANNEL, prompt(view)).await {
        return None;
    }
    loop {
        let msg = s.socket.recv().await;
        let data = match msg.map(|m| m.map(crate::apiserver::exec::binary_payload)) {
            Some(Ok(Message::Binary(b))) => match b.first() {
                Some(&STDIN_CHANNEL) => b[1..].to_vec(),
                Some(&CLOSE_CHANNEL) if v5 && b.get(1) == Some(&STDIN_CHANNEL) => break,
                _ => continue,
            },
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => continue,
        };
        if kind == Interactive::Cat {
            if !s.send(STDOUT_CHANNEL, &data).await {
                return None;
            }
            continue;
        }
        // A terminal sends `\r` for Enter and expects its keystrokes echoed.
        let data: Vec<u8> = if params.tty {
            let echo: Vec<u8> = data
                .iter()
                .map(|&b| if b == b'\r' { b'\n' } else { b })
                .collect();
            if !s.send(STDOUT_CHANNEL, &echo).await {
                return None;
            }
            echo
        } else {
            data
        };
        pending.extend_from_slice(&data);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line).trim().to_string();
            if let Some(code) = run_line(state, view, &line, &mut s, &mut status).await? {
                return Some(ExecResult::Exit(code));
            }
            if params.tty && !s.send(STDOUT_CHANNEL, prompt(view)).await {
                return None;
            }
        }
    }
    let rest = String::from_utf8_lossy(&pending).trim().to_string();
    if let Some(code) = run_line(state, view, &rest, &mut s, &mut status).await? {
        return Some(ExecResult::Exit(code));
    }
    Some(ExecResult::Exit(status))
}

/// Runs one line of the shell: `Some(Some(code))` when it exits, `None` when the client left.
async fn run_line(
    state: &SharedState,
    view: &ContainerView,
    line: &str,
    s: &mut Session<'_>,
    status: &mut i32,
) -> Option<Option<i32>> {
    if line.is_empty() {
        return Some(None);
    }
    let argv = vec!["sh".to_string(), "-c".to_string(), line.to_string()];
    let out = containers::run_command(state, view, &argv, b"");
    if !out.sleep.is_zero() {
        tokio::time::sleep(out.sleep).await;
    }
    if !s.send(STDOUT_CHANNEL, &out.stdout).await || !s.send(STDERR_CHANNEL, &out.stderr).await {
        return None;
    }
    *status = match out.result {
        ExecResult::Exit(c) => c,
        ExecResult::StartFailed(_) => 126,
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    Some(match words.as_slice() {
        ["exit"] => Some(*status),
        ["exit", code, ..] => Some(code.parse::<i32>().map_or(2, |c| c & 0xff)),
        _ => None,
    })
}

/// The status frame for how a session ended.
pub fn status_frame(command: &[String], result: &ExecResult) -> Vec<u8> {
    frame(
        crate::apiserver::exec::STATUS_CHANNEL,
        status_json(command, result).to_string().as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::exec::tests::{client, serve};
    use crate::runtime::containers::tests::state_with_pod;
    use kube::api::AttachParams;
    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_scriptless_shells_and_bare_cat_are_interactive() {
        assert_eq!(interactive(&argv(&["sh"])), Some(Interactive::Shell));
        assert_eq!(
            interactive(&argv(&["/bin/ash", "-i"])),
            Some(Interactive::Shell)
        );
        assert_eq!(interactive(&argv(&["cat"])), Some(Interactive::Cat));
        assert_eq!(interactive(&argv(&["sh", "-c", "cat"])), None);
        assert_eq!(interactive(&argv(&["cat", "/data/visits"])), None);
        assert_eq!(interactive(&argv(&["tar", "xf", "-"])), None);
        assert_eq!(interactive(&[]), None);
        assert_eq!(on_terminal(b"a\nb"), b"a\r\nb");
    }

    async fn read_some(r: &mut (impl tokio::io::AsyncRead + Unpin), until: &str) -> String {
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while !String::from_utf8_lossy(&got).contains(until) {
            let n = tokio::time::timeout(std::time::Duration::from_secs(10), r.read(&mut buf))
                .await
                .expect("output before stdin closed")
                .unwrap();
            assert!(
                n > 0,
                "stream ended after {:?}",
                String::from_utf8_lossy(&got)
            );
            got.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&got).into_owned()
    }

    #[tokio::test]
    async fn a_shell_answers_each_line_before_stdin_closes() {
        let state = state_with_pod("busybox:1.36", json!([]));
        state
            .fs
            .write("pv/pv-web-0", "visits", b"9".to_vec())
            .unwrap();
        let pods = client(&serve(state).await).await;
        let ap = AttachParams::default().stdin(true).stderr(true);
        let mut p = pods.exec("web-0", vec!["sh"], &ap).await.unwrap();
        let mut stdin = p.stdin().unwrap();
        let mut stdout = p.stdout().unwrap();
        let mut stderr = p.stderr().unwrap();
        let status = p.take_status().unwrap();
        stdin
            .write_all(b"echo one; cat /data/visits\n")
            .await
            .unwrap();
        assert_eq!(read_some(&mut stdout, "9").await, "one\n9");
        stdin.write_all(b"cat /nope\n").await.unwrap();
        let err = read_some(&mut stderr, "\n").await;
        assert_eq!(err, "cat: can't open '/nope': No such file or directory\n");
        stdin.write_all(b"exit 4\n").await.unwrap();
        let status = status.await.unwrap();
        assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
        assert_eq!(
            status.details.unwrap().causes.unwrap()[0]
                .message
                .as_deref(),
            Some("4")
        );
    }

    #[tokio::test]
    async fn a_terminal_gets_a_prompt_echo_and_crlf() {
        let state = state_with_pod("busybox:1.36", json!([]));
        let pods = client(&serve(state).await).await;
        let ap = AttachParams::interactive_tty();
        let mut p = pods.exec("web-0", vec!["sh"], &ap).await.unwrap();
        let mut stdin = p.stdin().unwrap();
        let mut stdout = p.stdout().unwrap();
        assert_eq!(read_some(&mut stdout, "# ").await, "/ # ");
        stdin.write_all(b"echo hi\r").await.unwrap();
        assert_eq!(
            read_some(&mut stdout, "hi\r\n/ # ").await,
            "echo hi\r\nhi\r\n/ # "
        );
        stdin.write_all(b"exit\r").await.unwrap();
        let status = p.take_status().unwrap().await.unwrap();
        assert_eq!(status.status.as_deref(), Some("Success"));
    }
}

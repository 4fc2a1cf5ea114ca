//! Interactive exec sessions: an `sh` without a script, or a bare `cat`, with stdin attached.
//! Unlike the one-go run of [`crate::exec`], input is answered as it arrives, which is what
//! `kubectl exec -it web-0 -- sh` and clients that cannot close stdin (the v4 protocol of the
//! Python client) need: each complete line is run as a command (`exit N` ends the session),
//! `cat` echoes what it reads. The session ends when stdin closes (v5 `[255, 0]`), the socket
//! closes, or the shell exits. Each line runs on its own: `cd` and variables do not carry over
//! to the next line.

use axum::extract::ws::{Message, WebSocket};

use crate::containers::{self, ContainerView, ExecResult};
use crate::exec::{
    frame, status_json, ExecParams, CLOSE_CHANNEL, STDERR_CHANNEL, STDIN_CHANNEL, STDOUT_CHANNEL,
};
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
        let data = match msg.map(|m| m.map(crate::exec::binary_payload)) {
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
        crate::exec::STATUS_CHANNEL,
        status_json(command, result).to_string().as_bytes(),
    )
}

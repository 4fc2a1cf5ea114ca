//! Running a command in a container (`pods/exec`), the one implementation every plugin uses:
//! argv only (never through a shell), stdout and stderr collected, the exit code read from the
//! status channel the way kubectl reads it, and the whole call bounded by a timeout.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams};
use kube::Client;
use tokio::io::AsyncReadExt;

use super::CallError;

/// How an exec'd command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Exit code 0 (or no status at all, as kubectl treats it).
    Success,
    /// A non-zero exit code.
    Code(i32),
    /// The runtime could not run the command (for example the binary does not exist).
    Failed(String),
}

/// What an exec'd command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Everything on stdout.
    pub stdout: Vec<u8>,
    /// Everything on stderr (lossy UTF-8).
    pub stderr: String,
    /// How it ended.
    pub exit: Exit,
}

impl ExecOutput {
    /// Whether the command itself could not be found in the image (distroless, scratch).
    pub fn missing_binary(&self) -> bool {
        let text = match &self.exit {
            Exit::Success => return false,
            Exit::Code(126 | 127) => return true,
            Exit::Code(_) => self.stderr.to_lowercase(),
            Exit::Failed(message) => format!("{message} {}", self.stderr).to_lowercase(),
        };
        text.contains("executable file not found")
            || text.contains("not found in $path")
            || text.contains("no such file or directory") && text.contains("exec")
    }

    /// stderr, else the failure message, trimmed.
    pub fn detail(&self) -> String {
        let stderr = self.stderr.trim();
        if !stderr.is_empty() {
            return stderr.to_string();
        }
        match &self.exit {
            Exit::Success => String::new(),
            Exit::Code(code) => format!("command terminated with exit code {code}"),
            Exit::Failed(message) => message.clone(),
        }
    }
}

/// Runs `argv` (no shell) in `container` of `pod` and collects its output, within `timeout`.
pub async fn exec(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
    argv: &[&str],
    timeout: Duration,
) -> Result<ExecOutput, CallError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = AttachParams::default()
        .container(container)
        .stdin(false)
        .stdout(true)
        .stderr(true);
    let run = async {
        let mut proc = api
            .exec(pod, argv.iter().copied(), &params)
            .await
            .map_err(CallError::Kube)?;
        let status = proc.take_status();
        let stdout = proc.stdout();
        let stderr = proc.stderr();
        let read_out = async {
            let mut buf = Vec::new();
            if let Some(mut s) = stdout {
                let _ = s.read_to_end(&mut buf).await;
            }
            buf
        };
        let read_err = async {
            let mut buf = Vec::new();
            if let Some(mut s) = stderr {
                let _ = s.read_to_end(&mut buf).await;
            }
            buf
        };
        let status = async {
            match status {
                Some(s) => s.await,
                None => None,
            }
        };
        let (out, err, status) = tokio::join!(read_out, read_err, status);
        let _ = proc.join().await;
        let exit = match status {
            Some(s) if s.status.as_deref() == Some("Failure") => {
                let code = s
                    .details
                    .as_ref()
                    .and_then(|d| d.causes.as_ref())
                    .and_then(|causes| {
                        causes
                            .iter()
                            .find(|c| c.reason.as_deref() == Some("ExitCode"))
                            .and_then(|c| c.message.as_deref()?.parse::<i32>().ok())
                    })
                    .filter(|_| s.reason.as_deref() == Some("NonZeroExitCode"));
                match code {
                    Some(code) => Exit::Code(code),
                    None => Exit::Failed(s.message.clone().unwrap_or_default()),
                }
            }
            _ => Exit::Success,
        };
        Ok(ExecOutput {
            stdout: out,
            stderr: String::from_utf8_lossy(&err).into_owned(),
            exit,
        })
    };
    tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| CallError::Timeout(timeout))?
}

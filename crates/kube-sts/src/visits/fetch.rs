//! Fetching a counter from a running pod: `cat FILE` and `ls DIR` by exec (argv, never a
//! shell, through [`crate::api::exec`]) and GET through the pod proxy ([`crate::api::proxy`]).
//! Every function takes a timeout and maps failures to a [`ReadError`] whose message says what
//! happened in the user's terms.

use std::fmt;
use std::time::Duration;

use kube::Client;

use crate::api::exec::{ExecOutput, Exit};
use crate::api::{self, access, CallError};
use crate::error::{Error, Subject};

/// Why a counter could not be fetched from a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// RBAC refused the request; `verb` and `resource` as RBAC spells them.
    Forbidden {
        /// `create`, `get`, `patch`.
        verb: &'static str,
        /// `pods/exec`, `pods/proxy`, `pods/ephemeralcontainers`, `pods`, or the kind a
        /// pre-check names (`pod`).
        resource: &'static str,
        /// Namespace.
        namespace: String,
        /// The server's message.
        message: String,
    },
    /// The image lacks the command (`cat`, `ls`): distroless or scratch images.
    MissingCommand {
        /// The command that was not found.
        command: &'static str,
        /// What the runtime said.
        detail: String,
    },
    /// The command ran and failed (file missing, permission denied, ...).
    Failed {
        /// stderr or the exit status.
        detail: String,
    },
    /// The HTTP endpoint answered with an error.
    Http {
        /// Status code.
        code: u16,
        /// Body or message.
        detail: String,
    },
    /// No answer within the per-pod timeout.
    Timeout(Duration),
    /// Anything else: transport errors, refused upgrades.
    Other(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Forbidden {
                verb,
                resource,
                namespace,
                message,
            } => {
                write!(
                    f,
                    "forbidden: cannot {verb} {resource} in namespace {namespace:?}"
                )?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            ReadError::MissingCommand { command, detail } => write!(
                f,
                "the image has no `{command}` ({detail}); run again with --allow-debug to read it from an ephemeral debug container"
            ),
            ReadError::Failed { detail } => f.write_str(detail),
            ReadError::Http { code, detail } => write!(f, "HTTP {code}: {detail}"),
            ReadError::Timeout(d) => write!(f, "no answer within {}s (--timeout)", d.as_secs_f64()),
            ReadError::Other(detail) => f.write_str(detail),
        }
    }
}

impl ReadError {
    /// The suite error for a refused request, for the command-level message and hint.
    pub fn to_error(&self, pod: &str) -> Error {
        match self {
            ReadError::Forbidden {
                verb,
                resource,
                namespace,
                message,
            } => Error::Forbidden {
                subject: Subject::object(verb, resource, pod, Some(namespace.as_str())),
                message: message.clone(),
            },
            other => Error::Other(format!("{pod}: {other}")),
        }
    }

    /// A refusal of [`access::require`] (a pre-check before a change) as a read's error.
    pub(super) fn from_precheck(err: Error, namespace: &str) -> ReadError {
        match err {
            Error::Forbidden { subject, message } => ReadError::Forbidden {
                verb: subject.verb,
                resource: subject.kind,
                namespace: namespace.to_string(),
                message,
            },
            other => ReadError::Other(other.to_string()),
        }
    }

    fn from_call(
        err: CallError,
        verb: &'static str,
        resource: &'static str,
        namespace: &str,
    ) -> ReadError {
        match err {
            CallError::Timeout(timeout) => ReadError::Timeout(timeout),
            CallError::Request(message) => ReadError::Other(message),
            CallError::Kube(e) => ReadError::from_kube(e, verb, resource, namespace),
        }
    }

    pub(super) fn from_kube(
        err: kube::Error,
        verb: &'static str,
        resource: &'static str,
        namespace: &str,
    ) -> ReadError {
        match err {
            kube::Error::Api(s) if s.code == 403 => ReadError::Forbidden {
                verb,
                resource,
                namespace: namespace.to_string(),
                message: s.message.clone(),
            },
            kube::Error::UpgradeConnection(
                kube::client::UpgradeConnectionError::ProtocolSwitch(code),
            ) if code == http::StatusCode::FORBIDDEN => ReadError::Forbidden {
                verb,
                resource,
                namespace: namespace.to_string(),
                message: String::new(),
            },
            kube::Error::Api(s) => {
                let message = if s.message.is_empty() {
                    s.reason.clone()
                } else {
                    s.message.clone()
                };
                if resource == "pods/proxy" {
                    ReadError::Http {
                        code: s.code,
                        detail: message,
                    }
                } else {
                    ReadError::Other(message)
                }
            }
            other => ReadError::Other(other.to_string()),
        }
    }
}

/// Runs `argv` (no shell) in `container` of `pod` within `timeout` ([`api::exec::exec`]), with
/// failures in the terms of a counter read.
pub async fn exec(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
    argv: &[&str],
    timeout: Duration,
) -> Result<ExecOutput, ReadError> {
    let err = match api::exec::exec(client, namespace, pod, container, argv, timeout).await {
        Ok(out) => return Ok(out),
        Err(e) => ReadError::from_call(e, "create", "pods/exec", namespace),
    };
    match err {
        ReadError::Forbidden {
            resource,
            namespace,
            message,
            ..
        } => Err(ReadError::Forbidden {
            verb: refused_exec_verb(client, &namespace, pod).await,
            resource,
            namespace,
            message,
        }),
        other => Err(other),
    }
}

/// The verb RBAC refused on `pods/exec` (see [`access::refused_exec`]).
async fn refused_exec_verb(client: &Client, namespace: &str, pod: &str) -> &'static str {
    access::refused_exec(client, namespace, pod).await.verb
}

/// `cat PATH` in the container: the file's bytes, or why not.
pub async fn read_file(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
    path: &str,
    timeout: Duration,
) -> Result<Vec<u8>, ReadError> {
    let out = exec(client, namespace, pod, container, &["cat", path], timeout).await?;
    cat_result(out)
}

/// Whether a failed `cat` says the file does not exist.
pub fn is_missing_file(err: &ReadError) -> bool {
    matches!(err, ReadError::Failed { detail } if detail.contains("No such file"))
}

/// The directory holding `path` (`/` for a top-level file).
pub fn parent_dir(path: &str) -> &str {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((dir, _)) => dir,
    }
}

/// `cat PATH`; `Ok(None)` when the file does not exist but its directory does (an app that
/// writes its counter on the first visit has not been visited yet). Costs a second exec
/// (`ls DIR`) only for a missing file.
pub async fn read_file_or_absent(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
    path: &str,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, ReadError> {
    match read_file(client, namespace, pod, container, path, timeout).await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if is_missing_file(&e) => {
            match list_dir(client, namespace, pod, container, parent_dir(path), timeout).await {
                Ok(_) => Ok(None),
                Err(_) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

fn cat_result(out: ExecOutput) -> Result<Vec<u8>, ReadError> {
    if out.exit == Exit::Success {
        return Ok(out.stdout);
    }
    if out.missing_binary() {
        return Err(ReadError::MissingCommand {
            command: "cat",
            detail: out.detail(),
        });
    }
    Err(ReadError::Failed {
        detail: out.detail(),
    })
}

/// Names of the entries of directory `dir` in the container (`ls DIR`), or why not.
pub async fn list_dir(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
    dir: &str,
    timeout: Duration,
) -> Result<Vec<String>, ReadError> {
    let out = exec(client, namespace, pod, container, &["ls", dir], timeout).await?;
    if out.exit != Exit::Success {
        if out.missing_binary() {
            return Err(ReadError::MissingCommand {
                command: "ls",
                detail: out.detail(),
            });
        }
        return Err(ReadError::Failed {
            detail: out.detail(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "." && *l != "..")
        .map(str::to_string)
        .collect())
}

/// GET `path` on `port` of the pod through the API server's pod proxy ([`api::proxy`]).
pub async fn http_get(
    client: &Client,
    namespace: &str,
    pod: &str,
    port: u16,
    path: &str,
    timeout: Duration,
) -> Result<String, ReadError> {
    let url = api::proxy::pod_url(namespace, pod, port, path);
    api::proxy::get_text(client, &url, timeout)
        .await
        .map_err(|e| ReadError::from_call(e, "get", "pods/proxy", namespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(exit: Exit, stderr: &str) -> ExecOutput {
        ExecOutput {
            stdout: b"12\n".to_vec(),
            stderr: stderr.into(),
            exit,
        }
    }

    #[test]
    fn missing_binaries_are_recognised() {
        assert!(out(Exit::Code(127), "").missing_binary());
        assert!(out(
            Exit::Failed(
                "OCI runtime exec failed: exec: \"cat\": executable file not found in $PATH".into()
            ),
            ""
        )
        .missing_binary());
        assert!(!out(Exit::Code(1), "cat: /data/x: No such file or directory").missing_binary());
        assert!(!out(Exit::Success, "").missing_binary());
    }

    #[test]
    fn parents_and_missing_files() {
        assert_eq!(parent_dir("/data/visits"), "/data");
        assert_eq!(parent_dir("/visits"), "/");
        assert_eq!(parent_dir("/a/b/c/"), "/a/b");
        let missing = ReadError::Failed {
            detail: "cat: can't open '/data/x': No such file or directory".into(),
        };
        assert!(is_missing_file(&missing));
        assert!(!is_missing_file(&ReadError::Failed {
            detail: "cat: /data/x: Permission denied".into()
        }));
    }

    #[test]
    fn cat_results() {
        assert_eq!(cat_result(out(Exit::Success, "")).unwrap(), b"12\n");
        let err = cat_result(out(
            Exit::Code(1),
            "cat: can't open '/data/x': No such file or directory\n",
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cat: can't open '/data/x': No such file or directory"
        );
        let err = cat_result(out(Exit::Code(127), "")).unwrap_err();
        assert!(err.to_string().contains("--allow-debug"), "{err}");
        assert_eq!(
            cat_result(out(Exit::Code(2), "")).unwrap_err().to_string(),
            "command terminated with exit code 2"
        );
    }

    #[test]
    fn forbidden_names_resource_and_namespace() {
        let err = ReadError::Forbidden {
            verb: "create",
            resource: "pods/exec",
            namespace: "prod".into(),
            message: String::new(),
        };
        assert_eq!(
            err.to_string(),
            "forbidden: cannot create pods/exec in namespace \"prod\""
        );
        let e = err.to_error("web-0");
        assert!(e.is_forbidden());
        assert!(e
            .hint()
            .unwrap()
            .contains("kubectl auth can-i create pods/exec -n prod"));
    }
}

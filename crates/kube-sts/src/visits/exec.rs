//! Drivers that fetch a counter from a pod: exec (`cat FILE` as argv, never through a shell),
//! the API server's pod proxy, an ephemeral debug container for images without `cat`, and a
//! short-lived reader pod that mounts a claim whose pod is not running.
//!
//! [`exec`] and [`read_file`] are reusable on their own (rollout's `--data-check` reads files
//! the same way). Every function takes a timeout and maps failures to a [`ReadError`] whose
//! message says what happened in the user's terms.

use std::fmt;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::Client;
use serde_json::json;
use tokio::io::AsyncReadExt;

use crate::error::{Error, Subject};

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

/// Why a counter could not be fetched from a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// RBAC refused the request; `verb` and `resource` as RBAC spells them.
    Forbidden {
        /// `create`, `get`, `patch`.
        verb: &'static str,
        /// `pods/exec`, `pods/proxy`, `pods/ephemeralcontainers`, `pods`.
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

    fn from_kube(
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

/// Runs `argv` (no shell) in `container` of `pod` and collects its output, within `timeout`.
pub async fn exec(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
    argv: &[&str],
    timeout: Duration,
) -> Result<ExecOutput, ReadError> {
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
            .map_err(|e| ReadError::from_kube(e, "create", "pods/exec", namespace))?;
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
        .map_err(|_| ReadError::Timeout(timeout))?
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

/// GET `path` on `port` of the pod through the API server's pod proxy.
pub async fn http_get(
    client: &Client,
    namespace: &str,
    pod: &str,
    port: u16,
    path: &str,
    timeout: Duration,
) -> Result<String, ReadError> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let url = format!("/api/v1/namespaces/{namespace}/pods/{pod}:{port}/proxy/{path}");
    let req = http::Request::get(&url)
        .body(Vec::new())
        .map_err(|e| ReadError::Other(e.to_string()))?;
    let run = client.request_text(req);
    tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| ReadError::Timeout(timeout))?
        .map_err(|e| ReadError::from_kube(e, "get", "pods/proxy", namespace))
}

/// Prefix of the ephemeral containers this tool adds.
pub const DEBUG_CONTAINER: &str = "sts-visits-debug";

/// A running ephemeral container of ours with `image` targeting `target`, if any.
fn running_debug_container(pod: &Pod, image: &str, target: &str) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.ephemeral_container_statuses.as_ref());
    spec.ephemeral_containers
        .iter()
        .flatten()
        .filter(|c| {
            c.name.starts_with(DEBUG_CONTAINER)
                && c.image.as_deref() == Some(image)
                && c.target_container_name.as_deref() == Some(target)
        })
        .find(|c| {
            statuses.into_iter().flatten().any(|s| {
                s.name == c.name && s.state.as_ref().is_some_and(|st| st.running.is_some())
            })
        })
        .map(|c| c.name.clone())
}

/// The outcome of [`debug_container`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugContainer {
    /// Its name.
    pub name: String,
    /// Whether this run added it (false: reused one added earlier).
    pub added: bool,
}

/// An ephemeral container (`image`, sleeping) that shares the process namespace of `target`:
/// reuses a running one added by an earlier run, else adds one and waits until it runs.
/// Ephemeral containers cannot be removed: they stay until the pod is replaced.
pub async fn debug_container(
    client: &Client,
    namespace: &str,
    pod: &Pod,
    target: &str,
    image: &str,
    timeout: Duration,
) -> Result<DebugContainer, ReadError> {
    if let Some(name) = running_debug_container(pod, image, target) {
        return Ok(DebugContainer { name, added: false });
    }
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let existing: Vec<serde_json::Value> = pod
        .spec
        .as_ref()
        .and_then(|s| s.ephemeral_containers.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|c| serde_json::to_value(c).ok())
        .collect();
    let taken: Vec<String> = existing
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    let name = (0..)
        .map(|i| {
            if i == 0 {
                DEBUG_CONTAINER.to_string()
            } else {
                format!("{DEBUG_CONTAINER}-{}", i + 1)
            }
        })
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| DEBUG_CONTAINER.to_string());
    let mut containers = existing;
    containers.push(json!({
        "name": name,
        "image": image,
        "command": ["sleep", "2147483647"],
        "targetContainerName": target,
        "stdin": false,
        "tty": false,
    }));
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let patch = json!({"spec": {"ephemeralContainers": containers}});
    let run = async {
        api.patch_subresource(
            "ephemeralcontainers",
            &pod_name,
            &PatchParams::default(),
            &Patch::Strategic(&patch),
        )
        .await
        .map_err(|e| ReadError::from_kube(e, "patch", "pods/ephemeralcontainers", namespace))?;
        let wanted = name.clone();
        crate::api::wait::until(
            api.clone(),
            watcher::Config::default().fields(&format!("metadata.name={pod_name}")),
            timeout,
            &format!("ephemeral container {name} in pod {pod_name} to start"),
            |pods| {
                pods.get(&pod_name).is_some_and(|p| {
                    p.status
                        .as_ref()
                        .and_then(|s| s.ephemeral_container_statuses.as_ref())
                        .into_iter()
                        .flatten()
                        .any(|s| {
                            s.name == wanted
                                && s.state.as_ref().is_some_and(|st| st.running.is_some())
                        })
                })
            },
        )
        .await
        .map_err(|e| ReadError::Other(e.to_string()))?;
        Ok(DebugContainer { name, added: true })
    };
    // The patch and the wait share one deadline with some slack for the image pull.
    tokio::time::timeout(timeout + Duration::from_secs(1), run)
        .await
        .map_err(|_| ReadError::Timeout(timeout))?
}

/// `cat /proc/1/root/PATH` in debug container `debug`: the target container's file.
pub async fn read_through_debug(
    client: &Client,
    namespace: &str,
    pod: &str,
    debug: &str,
    path: &str,
    timeout: Duration,
) -> Result<Vec<u8>, ReadError> {
    let proc_path = format!("/proc/1/root{path}");
    read_file(client, namespace, pod, debug, &proc_path, timeout).await
}

/// Where a reader pod runs and what it mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderSpec {
    /// Namespace of the claim.
    pub namespace: String,
    /// The claim to mount (read-only).
    pub claim: String,
    /// Where to mount it (the app's mount path, so the file path is unchanged).
    pub mount_path: String,
    /// Node to pin to (the PV's node for ReadWriteOnce), if known.
    pub node: Option<String>,
    /// Image with `cat` and `sleep`.
    pub image: String,
    /// Value of the [`READER_RUN_LABEL`] of this invocation, so that [`remove_readers`] finds
    /// every reader pod it made (on Ctrl-C too).
    pub run: String,
}

/// Label on reader pods naming the invocation that created them.
pub const READER_RUN_LABEL: &str = "sts-visits.kubectl.io/reader-run";

/// A value for [`ReaderSpec::run`] unique to this process and moment.
pub fn new_reader_run() -> String {
    format!(
        "{:x}-{:x}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond() as u64 & 0xffff_ffff
    )
}

/// Deletes every reader pod of `run` (in `namespace`, or in all namespaces), for Ctrl-C and
/// error paths where a read was cut short. Returns how many were deleted.
pub async fn remove_readers(client: &Client, namespace: Option<&str>, run: &str) -> usize {
    let api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let selector = format!("{READER_RUN_LABEL}={run}");
    let Ok(list) = api
        .list(&kube::api::ListParams::default().labels(&selector))
        .await
    else {
        return 0;
    };
    let mut deleted = 0;
    for pod in list.items {
        let (Some(name), Some(ns)) = (pod.metadata.name, pod.metadata.namespace) else {
            continue;
        };
        let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
        if api.delete(&name, &DeleteParams::background()).await.is_ok() {
            deleted += 1;
        }
    }
    deleted
}

/// Reads `path` from a claim whose pod is not running: creates a short-lived pod mounting the
/// claim (pinned to `spec.node`), waits until it runs, `cat`s the file, then deletes the pod
/// whatever happened. With `absent_ok`, a missing file in an existing directory is `Ok(None)`.
pub async fn read_offline(
    client: &Client,
    spec: &ReaderSpec,
    path: &str,
    absent_ok: bool,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, ReadError> {
    let namespace = spec.namespace.as_str();
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let suffix = format!(
        "{:05x}",
        (jiff::Timestamp::now().subsec_nanosecond() as u32 ^ std::process::id()) & 0xfffff
    );
    let mut name = format!("sts-visits-reader-{}-{}", spec.claim, suffix);
    name.truncate(63);
    let name = name.trim_end_matches('-').to_string();
    let mut pod_spec = json!({
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 0,
        "containers": [{
            "name": "reader",
            "image": spec.image,
            "command": ["sleep", "3600"],
            "volumeMounts": [{"name": "data", "mountPath": spec.mount_path, "readOnly": true}],
        }],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": spec.claim, "readOnly": true}}],
    });
    if let Some(node) = &spec.node {
        pod_spec["nodeName"] = json!(node);
    }
    let mut labels = serde_json::Map::new();
    labels.insert(
        "app.kubernetes.io/managed-by".into(),
        json!("kubectl-sts-visits"),
    );
    labels.insert(READER_RUN_LABEL.into(), json!(spec.run));
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {"sts-visits.kubectl.io/reader-for": spec.claim},
        },
        "spec": pod_spec,
    }))
    .map_err(|e| ReadError::Other(e.to_string()))?;
    api.create(&PostParams::default(), &pod)
        .await
        .map_err(|e| ReadError::from_kube(e, "create", "pods", namespace))?;
    let result = async {
        crate::api::wait::until(
            api.clone(),
            watcher::Config::default().fields(&format!("metadata.name={name}")),
            timeout,
            &format!("reader pod {name} to start"),
            |pods| {
                pods.get(&name).is_some_and(|p| {
                    p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                })
            },
        )
        .await
        .map_err(|e| ReadError::Other(e.to_string()))?;
        if absent_ok {
            read_file_or_absent(client, namespace, &name, "reader", path, timeout).await
        } else {
            read_file(client, namespace, &name, "reader", path, timeout)
                .await
                .map(Some)
        }
    }
    .await;
    let _ = api.delete(&name, &DeleteParams::background()).await;
    result
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

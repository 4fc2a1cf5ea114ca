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
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::Client;
use serde_json::json;

use crate::api::exec::{ExecOutput, Exit};
use crate::api::{self, CallError};
use crate::error::{Error, Subject};

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
    api::exec::exec(client, namespace, pod, container, argv, timeout)
        .await
        .map_err(|e| ReadError::from_call(e, "create", "pods/exec", namespace))
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

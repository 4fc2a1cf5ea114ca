//! One error type for the suite: API failures mapped to kubectl-style messages that name the
//! object and the fix, and one mapping to exit codes.
//!
//! Exit codes (documented in the README): 0 success, 1 any error. Plugins add their own codes on
//! top (for example `kubectl sts-pvc --orphans` exits 1 when orphans exist and 2 on error).

use std::fmt;

/// What a request was about, so a failure can name it: `delete persistentvolumeclaim "data-web-3"
/// in namespace "prod"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The verb as RBAC spells it: get, list, watch, create, patch, delete.
    pub verb: &'static str,
    /// The resource kind as users type it (`statefulset`, `persistentvolumeclaim`, `pods/exec`).
    pub kind: &'static str,
    /// Object name; `None` for lists.
    pub name: Option<String>,
    /// Namespace; `None` for cluster-scoped objects or all namespaces.
    pub namespace: Option<String>,
}

impl Subject {
    /// A request about one named object.
    pub fn object(
        verb: &'static str,
        kind: &'static str,
        name: impl Into<String>,
        namespace: Option<&str>,
    ) -> Self {
        Subject {
            verb,
            kind,
            name: Some(name.into()),
            namespace: namespace.map(str::to_string),
        }
    }

    /// A request about a collection.
    pub fn list(verb: &'static str, kind: &'static str, namespace: Option<&str>) -> Self {
        Subject {
            verb,
            kind,
            name: None,
            namespace: namespace.map(str::to_string),
        }
    }

    /// `kind "name"`, or just the kind for lists.
    fn what(&self) -> String {
        match &self.name {
            Some(name) => format!("{} {:?}", self.kind, name),
            None => self.kind.to_string(),
        }
    }

    fn in_namespace(&self) -> String {
        match &self.namespace {
            Some(ns) => format!(" in namespace {ns:?}"),
            None => String::new(),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.what(), self.in_namespace())
    }
}

/// Every failure a plugin can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kubeconfig could not be read or does not name what was asked for.
    #[error("{message}")]
    Kubeconfig {
        /// What went wrong, kubectl's wording where there is one.
        message: String,
    },

    /// The API server could not be reached.
    #[error("Unable to connect to the server: {message}")]
    Connection {
        /// The transport error.
        message: String,
    },

    /// An object the user named does not exist.
    #[error("{} not found{}", subject.what(), subject.in_namespace())]
    NotFound {
        /// The missing object.
        subject: Subject,
    },

    /// The namespace itself does not exist.
    #[error("namespace {0:?} not found")]
    NamespaceNotFound(String),

    /// RBAC refused a request.
    #[error("forbidden: cannot {} {}: {message}", subject.verb, subject)]
    Forbidden {
        /// The refused request.
        subject: Subject,
        /// The server's message.
        message: String,
    },

    /// Any other error answered by the API server.
    #[error("Error from server ({reason}): {message} (while trying to {} {subject})", subject.verb)]
    Api {
        /// The request that failed.
        subject: Box<Subject>,
        /// The HTTP status code.
        code: u16,
        /// The machine-readable reason (`Conflict`, `Invalid`, ...).
        reason: String,
        /// The server's message.
        message: String,
    },

    /// The user asked for something that cannot be done as asked (bad size, unknown template).
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },

    /// A safety check refused a mutation (mid-scale, in-range claim, ...).
    #[error("refusing: {message}")]
    Refused {
        /// Why.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },

    /// Waiting for the cluster took longer than allowed.
    #[error("timed out waiting for {what}")]
    Timeout {
        /// What was being waited for.
        what: String,
    },

    /// A multi-step operation stopped part-way; the hint says how to finish it.
    #[error("{step}: {source}")]
    Incomplete {
        /// What had been done when it stopped.
        step: String,
        /// The failure that stopped it.
        source: Box<Error>,
        /// How to finish.
        hint: String,
    },

    /// A local file (backup) could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// The I/O or parse error.
        message: String,
    },

    /// The client failed in a way that is neither an answer from the server nor a refused
    /// connection: a watch stream that broke, an answer that did not decode.
    #[error("{message}")]
    Client {
        /// kube's error and the request it was about.
        message: String,
    },

    /// An output document could not be encoded.
    #[error("cannot encode the output as {format}: {message}")]
    Encode {
        /// `json` or `yaml`.
        format: &'static str,
        /// The encoder's message.
        message: String,
    },

    /// The server answered, but not in a form we understand (a kubelet stats summary that is
    /// not what the Summary API returns).
    #[error("unexpected answer to {} {subject}: {message}", subject.verb)]
    UnexpectedAnswer {
        /// The request whose answer could not be read.
        subject: Box<Subject>,
        /// What is wrong with it.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },

    /// Pods were re-created (new UID) while an operation needed them to stay, such as the
    /// adoption at the end of `sts-pvc resize`.
    #[error(
        "pod(s) {} were re-created during the {operation} (UID changed); their data is on the same claims",
        pods.join(", ")
    )]
    PodsRecreated {
        /// What was running (`resize`).
        operation: &'static str,
        /// Namespace of the pods.
        namespace: String,
        /// The re-created pods.
        pods: Vec<String>,
    },

    /// A failure that does not fit elsewhere.
    /// A rollout step cannot finish: a pod on the update revision cannot become Ready, or a
    /// `--check-http` or `--data-check` failed. The text names the step and the pod.
    #[error("{0}")]
    StepFailed(String),

    /// A rollout step passed its deadline; the text names the stuck pods, their state and events.
    #[error("{0}")]
    StepTimedOut(String),

    /// Someone else changed the StatefulSet during a rollout; nothing of theirs was overwritten.
    #[error("concurrent edit detected: {0}")]
    ConcurrentEdit(String),

    /// `kubectl sts-rollout pause` ran in another process while this one drove the rollout.
    #[error("the rollout was paused by another process")]
    PausedElsewhere,

    /// Ctrl-C while waiting.
    #[error("interrupted")]
    Interrupted,

    /// An annotation kubectl sts keeps on an object (anyone allowed to patch the object can
    /// edit it) does not hold what kubectl sts writes there.
    #[error("{kind} {name:?} in namespace {namespace:?} has an invalid {annotation} annotation: {problem}")]
    BadAnnotation {
        /// Kind of the object (`statefulset`).
        kind: &'static str,
        /// Object name.
        name: String,
        /// Its namespace.
        namespace: String,
        /// The annotation key.
        annotation: &'static str,
        /// What is wrong with the value.
        problem: String,
    },

    /// A failure that does not fit elsewhere (decode errors, exec transport).
    #[error("{0}")]
    Other(String),
}

/// An error with its causes (`client error (Connect): tcp connect error: Connection refused`):
/// the outermost message of a transport error alone rarely says what went wrong.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// Result with the suite's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Maps a kube client error about `subject` to the suite's error.
    pub fn from_kube(err: kube::Error, subject: Subject) -> Self {
        match err {
            kube::Error::Api(status) => {
                let code = status.code;
                if code == 404 && subject.name.is_some() {
                    Error::NotFound { subject }
                } else if code == 404 {
                    match &subject.namespace {
                        Some(ns) => Error::NamespaceNotFound(ns.clone()),
                        None => Error::NotFound { subject },
                    }
                } else if code == 403 {
                    Error::Forbidden {
                        subject,
                        message: status.message.clone(),
                    }
                } else {
                    Error::Api {
                        subject: Box::new(subject),
                        code,
                        reason: if status.reason.is_empty() {
                            format!("{code}")
                        } else {
                            status.reason.clone()
                        },
                        message: status.message.clone(),
                    }
                }
            }
            kube::Error::HyperError(e) => Error::Connection {
                message: error_chain(&e),
            },
            kube::Error::Service(e) => Error::Connection {
                message: error_chain(e.as_ref()),
            },
            other => Error::Client {
                message: format!("{other} (while trying to {} {subject})", subject.verb),
            },
        }
    }

    /// A bad-input error with a fix.
    pub fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Invalid {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// A refusal with what to do instead.
    pub fn refused(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Refused {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// True when the server answered 404 for this request.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. } | Error::NamespaceNotFound(_))
    }

    /// True when RBAC refused the request.
    pub fn is_forbidden(&self) -> bool {
        match self {
            Error::Forbidden { .. } => true,
            Error::Incomplete { source, .. } => source.is_forbidden(),
            _ => false,
        }
    }

    /// How to fix it, printed on its own `hint:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Kubeconfig { .. } => Some(
                "check --kubeconfig/KUBECONFIG and list contexts with: kubectl config get-contexts"
                    .into(),
            ),
            Error::Connection { .. } => Some(
                "check the server address in your kubeconfig and that the cluster is up".into(),
            ),
            Error::NotFound { subject } => Some(match (&subject.kind, &subject.namespace) {
                (&"statefulset", Some(ns)) => {
                    format!("list StatefulSets with: kubectl get statefulsets -n {ns}")
                }
                (kind, Some(ns)) => format!("list them with: kubectl get {kind} -n {ns}"),
                (kind, None) => format!("list them with: kubectl get {kind}"),
            }),
            Error::NamespaceNotFound(_) => {
                Some("list namespaces with: kubectl get namespaces, or pick one with -n".into())
            }
            Error::Forbidden { subject, .. } => Some(format!(
                "ask your cluster admin for {:?} on {}{}; check with: kubectl auth can-i {} {}{}",
                subject.verb,
                subject.kind,
                subject
                    .namespace
                    .as_deref()
                    .map(|ns| format!(" in namespace {ns:?}"))
                    .unwrap_or_default(),
                subject.verb,
                subject.kind,
                subject
                    .namespace
                    .as_deref()
                    .map(|ns| format!(" -n {ns}"))
                    .unwrap_or_default(),
            )),
            Error::Api { code: 409, .. } => {
                Some("the object changed while we worked on it; run the command again".into())
            }
            Error::Invalid { hint, .. } | Error::Refused { hint, .. } => hint.clone(),
            Error::Incomplete { hint, .. } => Some(hint.clone()),
            Error::Timeout { .. } => Some("raise --timeout or check the cluster's events".into()),
            Error::UnexpectedAnswer { hint, .. } => hint.clone(),
            Error::PodsRecreated {
                namespace, pods, ..
            } => Some(format!(
                "see why with: kubectl describe pod {} -n {namespace}",
                pods.join(" ")
            )),
            Error::ConcurrentEdit(_) => Some(
                "look at it with `kubectl sts-rollout status NAME`; take over from there with `kubectl sts-rollout resume NAME --partition N`, or roll back with `kubectl sts-rollout undo NAME`".into(),
            ),
            Error::BadAnnotation {
                kind,
                name,
                namespace,
                annotation,
                ..
            } => Some(format!(
                "remove it (the {kind} itself is not changed) with: kubectl annotate {kind} {name} {annotation}- -n {namespace}"
            )),
            _ => None,
        }
    }
}

impl From<kube::config::KubeconfigError> for Error {
    fn from(err: kube::config::KubeconfigError) -> Self {
        use kube::config::KubeconfigError as K;
        let message = match &err {
            K::LoadContext(name) => format!("error: context {name:?} does not exist"),
            K::LoadClusterOfContext(name) => format!("error: cluster {name:?} does not exist"),
            K::CurrentContextNotSet => {
                "error: current-context is not set; pass --context or run kubectl config use-context"
                    .to_string()
            }
            K::FindPath => "error: no kubeconfig found (~/.kube/config); pass --kubeconfig".into(),
            other => format!("error loading kubeconfig: {other}"),
        };
        Error::Kubeconfig { message }
    }
}

/// Prints an error the way every plugin does: `error: ...` then an optional `hint: ...` line.
pub fn report(err: &Error) {
    let text = err.to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprintln!("error: {text}");
    if let Some(hint) = err.hint() {
        eprintln!("hint: {hint}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str) -> kube::Error {
        kube::Error::Api(
            kube::core::Status::failure("boom", reason)
                .with_code(code)
                .boxed(),
        )
    }

    #[test]
    fn not_found_names_object_and_namespace() {
        let err = Error::from_kube(
            api(404, "NotFound"),
            Subject::object("get", "statefulset", "web", Some("prod")),
        );
        assert_eq!(
            err.to_string(),
            "statefulset \"web\" not found in namespace \"prod\""
        );
        assert!(err
            .hint()
            .unwrap()
            .contains("kubectl get statefulsets -n prod"));
    }

    #[test]
    fn forbidden_names_verb_and_fix() {
        let err = Error::from_kube(
            api(403, "Forbidden"),
            Subject::object(
                "delete",
                "persistentvolumeclaim",
                "data-web-3",
                Some("prod"),
            ),
        );
        assert!(err.is_forbidden());
        assert!(err
            .to_string()
            .starts_with("forbidden: cannot delete persistentvolumeclaim \"data-web-3\""));
        assert!(err.hint().unwrap().contains("kubectl auth can-i delete"));
    }

    #[test]
    fn list_404_means_namespace_missing() {
        let err = Error::from_kube(
            api(404, "NotFound"),
            Subject::list("list", "statefulset", Some("nope")),
        );
        assert_eq!(err.to_string(), "namespace \"nope\" not found");
    }

    #[test]
    fn other_api_errors_keep_reason() {
        let err = Error::from_kube(
            api(409, "Conflict"),
            Subject::object("patch", "statefulset", "web", Some("default")),
        );
        assert!(err
            .to_string()
            .starts_with("Error from server (Conflict): boom"));
        assert!(err.hint().is_some());
    }

    #[test]
    fn recreated_pods_are_named_with_a_way_to_see_why() {
        let err = Error::PodsRecreated {
            operation: "resize",
            namespace: "prod".into(),
            pods: vec!["web-0".into(), "web-2".into()],
        };
        assert_eq!(
            err.to_string(),
            "pod(s) web-0, web-2 were re-created during the resize (UID changed); their data is on the same claims"
        );
        assert_eq!(
            err.hint().as_deref(),
            Some("see why with: kubectl describe pod web-0 web-2 -n prod")
        );
    }

    #[test]
    fn unexpected_answers_name_the_request() {
        let err = Error::UnexpectedAnswer {
            subject: Box::new(Subject::object("get", "nodes/proxy", "node-1", None)),
            message: "unexpected stats/summary: EOF".into(),
            hint: Some("read usage with --source exec instead".into()),
        };
        assert_eq!(
            err.to_string(),
            "unexpected answer to get nodes/proxy \"node-1\": unexpected stats/summary: EOF"
        );
        assert!(err.hint().unwrap().contains("--source exec"));
    }
}

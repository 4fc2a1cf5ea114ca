//! Permission pre-checks. A long mutating command (a resize, a rollout, a prune) asks the API
//! server, with one SelfSubjectAccessReview per permission, whether it may take every step
//! before it takes the first: refused there, it changes nothing, instead of stopping half-way.

use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use crate::error::{Error, Subject};

/// One permission a command needs: the request it will make, as RBAC sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// The request, named as the refusal will name it (`patch statefulset "web"`).
    pub subject: Subject,
    /// API group (`""` for the core group, `apps`, ...).
    pub group: &'static str,
    /// Resource as RBAC spells it (`statefulsets`, `persistentvolumeclaims`).
    pub resource: &'static str,
    /// Subresource (`exec`, `proxy`), empty for none.
    pub subresource: &'static str,
}

impl Permission {
    /// `verb` on `group/resource` in `namespace` (any name).
    pub fn new(
        verb: &'static str,
        group: &'static str,
        resource: &'static str,
        namespace: &str,
    ) -> Self {
        Permission {
            subject: Subject::list(verb, singular(resource), Some(namespace)),
            group,
            resource,
            subresource: "",
        }
    }

    /// The same permission on one named object.
    pub fn named(mut self, name: &str) -> Self {
        self.subject.name = Some(name.to_string());
        self
    }

    /// The same permission on a subresource (`pods/exec`).
    pub fn subresource(mut self, subresource: &'static str, kind: &'static str) -> Self {
        self.subresource = subresource;
        self.subject.kind = kind;
        self
    }

    /// Exec in a pod (any pod when `pod` is `None`): a WebSocket exec, which kube-rs makes,
    /// needs `get` and `create` on `pods/exec`.
    pub fn exec(namespace: &str, pod: Option<&str>) -> Vec<Permission> {
        ["get", "create"]
            .into_iter()
            .map(|verb| {
                let p =
                    Permission::new(verb, "", "pods", namespace).subresource("exec", "pods/exec");
                match pod {
                    Some(pod) => p.named(pod),
                    None => p,
                }
            })
            .collect()
    }

    /// `verb resource[/subresource]` as RBAC spells it (`create pods/exec`).
    pub fn request(&self) -> String {
        match self.subresource {
            "" => format!("{} {}", self.subject.verb, self.resource),
            sub => format!("{} {}/{sub}", self.subject.verb, self.resource),
        }
    }

    fn review(&self) -> SelfSubjectAccessReview {
        SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(self.subject.verb.to_string()),
                    group: Some(self.group.to_string()),
                    resource: Some(self.resource.to_string()),
                    subresource: (!self.subresource.is_empty())
                        .then(|| self.subresource.to_string()),
                    name: self.subject.name.clone(),
                    namespace: self.subject.namespace.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// Which permission a refused exec into `pod` lacked. A refused WebSocket upgrade says only
/// 403, and an exec needs both `get` and `create` on pods/exec: a review tells which is
/// missing. `create` is named when both are (as for a SPDY exec) or when reviews cannot tell.
pub async fn refused_exec(client: &kube::Client, namespace: &str, pod: &str) -> Subject {
    let mut asked = Permission::exec(namespace, Some(pod));
    asked.reverse();
    match require(client, &asked).await {
        Err(Error::Forbidden { subject, .. }) => subject,
        _ => Subject::object("create", "pods/exec", pod, Some(namespace)),
    }
}

/// What the API server answered for one permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Allowed.
    Allowed,
    /// Denied, with the authorizer's reason (often empty for RBAC).
    Denied(String),
    /// The review itself could not be made (an old server, or reviews are forbidden): the
    /// command's own requests will be checked instead.
    Unknown,
}

/// Asks about every permission at once and returns the first refusal as
/// [`Error::Forbidden`], naming the others it also lacks. A review that cannot be made does
/// not refuse: the requests themselves are still authorized one by one.
pub async fn require(client: &kube::Client, permissions: &[Permission]) -> Result<(), Error> {
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answers = join_all(permissions.iter().map(|p| {
        let reviews = reviews.clone();
        async move {
            match reviews.create(&PostParams::default(), &p.review()).await {
                Ok(review) => match review.status {
                    Some(s) if s.allowed => Answer::Allowed,
                    Some(s) => Answer::Denied(s.reason.unwrap_or_default()),
                    None => Answer::Unknown,
                },
                Err(_) => Answer::Unknown,
            }
        }
    }))
    .await;
    refusal(permissions, &answers).map_or(Ok(()), Err)
}

/// The error for the denied permissions among `answers`, if any (pure, for tests).
pub fn refusal(permissions: &[Permission], answers: &[Answer]) -> Option<Error> {
    let denied: Vec<(&Permission, &str)> = permissions
        .iter()
        .zip(answers)
        .filter_map(|(p, a)| match a {
            Answer::Denied(reason) => Some((p, reason.as_str())),
            _ => None,
        })
        .collect();
    let (first, reason) = denied.first()?;
    let mut message = String::from("checked before changing anything; nothing was changed");
    if !reason.is_empty() {
        message = format!("{reason}; {message}");
    }
    let others: Vec<String> = denied[1..]
        .iter()
        .map(|(p, _)| format!("{} {}", p.subject.verb, p.subject.kind))
        .collect();
    if !others.is_empty() {
        message.push_str(&format!(" (also not allowed: {})", others.join(", ")));
    }
    Some(Error::Forbidden {
        subject: first.subject.clone(),
        message,
    })
}

/// `statefulsets` → `statefulset`, as users type a kind.
fn singular(resource: &'static str) -> &'static str {
    match resource {
        "statefulsets" => "statefulset",
        "persistentvolumeclaims" => "persistentvolumeclaim",
        "persistentvolumes" => "persistentvolume",
        "pods" => "pod",
        "events" => "event",
        "controllerrevisions" => "controllerrevision",
        "storageclasses" => "storageclass",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perms() -> Vec<Permission> {
        vec![
            Permission::new("delete", "apps", "statefulsets", "prod").named("web"),
            Permission::new("patch", "", "persistentvolumeclaims", "prod"),
            Permission::new("create", "", "pods", "prod").subresource("exec", "pods/exec"),
        ]
    }

    #[test]
    fn all_allowed_or_unknown_is_no_refusal() {
        let answers = [Answer::Allowed, Answer::Unknown, Answer::Allowed];
        assert!(refusal(&perms(), &answers).is_none());
    }

    #[test]
    fn the_first_denied_is_named_and_the_others_listed() {
        let answers = [
            Answer::Allowed,
            Answer::Denied(String::new()),
            Answer::Denied("no rule".into()),
        ];
        let err = refusal(&perms(), &answers).expect("refused");
        assert!(err.is_forbidden());
        let text = err.to_string();
        assert!(
            text.starts_with(
                "forbidden: cannot patch persistentvolumeclaim in namespace \"prod\": checked before changing anything"
            ),
            "{text}"
        );
        assert!(
            text.contains("also not allowed: create pods/exec"),
            "{text}"
        );
        assert!(err
            .hint()
            .unwrap()
            .contains("kubectl auth can-i patch persistentvolumeclaim -n prod"));
    }

    #[test]
    fn a_request_is_spelled_as_rbac_spells_it() {
        let names: Vec<String> = perms().iter().map(Permission::request).collect();
        assert_eq!(
            names,
            [
                "delete statefulsets",
                "patch persistentvolumeclaims",
                "create pods/exec"
            ]
        );
    }

    #[test]
    fn a_review_names_the_subresource_and_object() {
        let p = Permission::new("create", "", "pods", "prod")
            .subresource("exec", "pods/exec")
            .named("web-0");
        let attrs = p.review().spec.resource_attributes.expect("attributes");
        assert_eq!(attrs.subresource.as_deref(), Some("exec"));
        assert_eq!(attrs.name.as_deref(), Some("web-0"));
        assert_eq!(attrs.namespace.as_deref(), Some("prod"));
        assert_eq!(attrs.group.as_deref(), Some(""));
    }
}

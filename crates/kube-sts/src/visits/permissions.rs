//! What a read may need RBAC to allow, as [`Permission`]s: the exec of every read, and the
//! steps of the two options that change the cluster, checked with
//! [`access::require`](crate::api::access::require) before the first change so that a run
//! refused part-way never leaves a reader pod (`--offline`) or a half-started ephemeral
//! container (`--allow-debug`) behind.

use crate::api::access::Permission;

/// Waiting on a pod's status: a watch of one pod is a LIST then a WATCH.
fn wait_on_pods(namespace: &str) -> Vec<Permission> {
    ["list", "watch"]
        .into_iter()
        .map(|verb| Permission::new(verb, "", "pods", namespace))
        .collect()
}

/// Every step of an `--offline` read in `namespace`: create the reader pod, wait until it
/// runs, exec `cat` in it, delete it (also on Ctrl-C, found by its label).
pub fn offline(namespace: &str) -> Vec<Permission> {
    let mut all = vec![
        Permission::new("create", "", "pods", namespace),
        Permission::new("delete", "", "pods", namespace),
    ];
    all.extend(wait_on_pods(namespace));
    all.extend(Permission::exec(namespace, None));
    all
}

/// Every step of `--allow-debug` on `pod`: add the ephemeral container, wait until it runs,
/// exec `cat` in it.
pub fn debug(namespace: &str, pod: &str) -> Vec<Permission> {
    let mut all = vec![Permission::new("patch", "", "pods", namespace)
        .subresource("ephemeralcontainers", "pods/ephemeralcontainers")
        .named(pod)];
    all.extend(wait_on_pods(namespace));
    all.extend(Permission::exec(namespace, Some(pod)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(perms: &[Permission]) -> Vec<String> {
        perms.iter().map(Permission::request).collect()
    }

    #[test]
    fn offline_asks_for_every_step_of_a_reader_pod() {
        assert_eq!(
            named(&offline("prod")),
            [
                "create pods",
                "delete pods",
                "list pods",
                "watch pods",
                "get pods/exec",
                "create pods/exec",
            ]
        );
        assert!(offline("prod")
            .iter()
            .all(|p| p.subject.namespace.as_deref() == Some("prod")));
    }

    #[test]
    fn debug_asks_for_the_patch_the_wait_and_the_exec_on_that_pod() {
        let perms = debug("prod", "web-0");
        assert_eq!(
            named(&perms),
            [
                "patch pods/ephemeralcontainers",
                "list pods",
                "watch pods",
                "get pods/exec",
                "create pods/exec",
            ]
        );
        assert_eq!(perms[0].subject.name.as_deref(), Some("web-0"));
        assert_eq!(perms[0].subject.kind, "pods/ephemeralcontainers");
    }
}

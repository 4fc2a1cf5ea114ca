//! The permissions a rollout run will use, decided from its flags and the StatefulSet (pure),
//! for the SelfSubjectAccessReview pre-check ([`crate::api::access::require`]) that refuses a
//! run before its first change instead of stopping it half-way.

use k8s_openapi::api::apps::v1::StatefulSet;

use super::commands::RunOptions;
use super::model::{self, StrategyKind};
use crate::api::access::Permission;
use crate::visits::source::{self, Source};

/// The kinds of run that drive the StatefulSet through several requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `NAME --partition N`, `start`, `resume`, `promote`: patches, then steps on the watches.
    Steps,
    /// `undo --force`: one patch, stuck pods deleted, then a wait on the watches.
    ForcedUndo,
}

/// Every request a run of `kind` on `sts` with `opts` makes after reading the StatefulSet:
/// patch it, watch it and its pods (a LIST then a WATCH each), list events (a timed-out step
/// names its pods' last events), delete pods (OnDelete, `undo --force`,
/// `--rollback-on-failure`), list ControllerRevisions (`--rollback-on-failure` finds the
/// revision to go back to), `get pods/proxy` (`--check-http`, `--data-check` over HTTP) and
/// `get`+`create pods/exec` (`--data-check` from a file: a WebSocket exec needs both).
pub fn run_permissions(sts: &StatefulSet, kind: RunKind, opts: &RunOptions) -> Vec<Permission> {
    let ns = sts.metadata.namespace.as_deref().unwrap_or_default();
    let name = sts.metadata.name.as_deref().unwrap_or_default();
    let mut needed = vec![
        Permission::new("patch", "apps", "statefulsets", ns).named(name),
        Permission::new("list", "apps", "statefulsets", ns).named(name),
        Permission::new("watch", "apps", "statefulsets", ns).named(name),
        Permission::new("list", "", "pods", ns),
        Permission::new("watch", "", "pods", ns),
        Permission::new("list", "", "events", ns),
    ];
    let on_delete = model::strategy(sts) == StrategyKind::OnDelete;
    let steps = kind == RunKind::Steps;
    if on_delete || !steps || opts.rollback_on_failure {
        needed.push(Permission::new("delete", "", "pods", ns));
    }
    if steps && opts.rollback_on_failure {
        needed.push(Permission::new("list", "apps", "controllerrevisions", ns));
    }
    if steps && opts.check_http.is_some() {
        needed.push(proxy(ns));
    }
    if let (true, Some(request)) = (steps, &opts.data_check) {
        // A source that cannot be planned is reported by the data check itself.
        match source::plan(sts, request).map(|p| p.source) {
            Ok(Source::Http(_)) => needed.push(proxy(ns)),
            Ok(Source::File(_) | Source::Discover(_)) => {
                needed.extend(Permission::exec(ns, None));
            }
            Err(_) => {}
        }
    }
    let mut unique: Vec<Permission> = Vec::with_capacity(needed.len());
    for p in needed {
        if !unique.contains(&p) {
            unique.push(p);
        }
    }
    unique
}

fn proxy(ns: &str) -> Permission {
    Permission::new("get", "", "pods", ns).subresource("proxy", "pods/proxy")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::model::fixtures::*;
    use crate::rollout::plan::HttpCheck;
    use crate::visits::source::SourceRequest;

    /// `verb resource[/subresource]`, in order.
    fn names(sts: &StatefulSet, kind: RunKind, opts: &RunOptions) -> Vec<String> {
        run_permissions(sts, kind, opts)
            .iter()
            .map(Permission::request)
            .collect()
    }

    const BASE: [&str; 6] = [
        "patch statefulsets",
        "list statefulsets",
        "watch statefulsets",
        "list pods",
        "watch pods",
        "list events",
    ];

    #[test]
    fn a_plain_rolling_update_patches_and_watches() {
        let s = sts(3, 0, Some(3));
        assert_eq!(names(&s, RunKind::Steps, &RunOptions::default()), BASE);
        let all = run_permissions(&s, RunKind::Steps, &RunOptions::default());
        assert_eq!(all[0].subject.name.as_deref(), Some("web"));
        assert_eq!(all[0].subject.namespace.as_deref(), Some("default"));
        assert_eq!(all[0].group, "apps");
        assert_eq!(all[3].group, "");
        assert_eq!(all[3].subject.name, None);
    }

    #[test]
    fn on_delete_and_forced_undo_delete_pods() {
        let od = on_delete(sts(3, 0, None));
        let got = names(&od, RunKind::Steps, &RunOptions::default());
        assert_eq!(got[..6], BASE);
        assert_eq!(got[6..], ["delete pods"]);
        let got = names(
            &sts(3, 0, Some(0)),
            RunKind::ForcedUndo,
            &RunOptions::default(),
        );
        assert_eq!(got[6..], ["delete pods"]);
    }

    #[test]
    fn rollback_on_failure_reads_revisions_and_deletes_stuck_pods() {
        let opts = RunOptions {
            rollback_on_failure: true,
            ..Default::default()
        };
        let got = names(&sts(3, 0, Some(3)), RunKind::Steps, &opts);
        assert_eq!(got[6..], ["delete pods", "list controllerrevisions"]);
    }

    #[test]
    fn checks_add_the_proxy_or_exec_they_use() {
        let s = sts(3, 0, Some(3));
        let http = RunOptions {
            check_http: Some(HttpCheck {
                port: None,
                path: "/healthz".into(),
            }),
            ..Default::default()
        };
        assert_eq!(names(&s, RunKind::Steps, &http)[6..], ["get pods/proxy"]);
        let file = RunOptions {
            data_check: Some(SourceRequest {
                path: Some("/data/visits".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            names(&s, RunKind::Steps, &file)[6..],
            ["get pods/exec", "create pods/exec"]
        );
        // A metric is read over HTTP: the proxy once, even with --check-http too.
        let metric = RunOptions {
            data_check: Some(SourceRequest {
                metric: Some("visits_total".parse().unwrap()),
                ..Default::default()
            }),
            ..http.clone()
        };
        assert_eq!(names(&s, RunKind::Steps, &metric)[6..], ["get pods/proxy"]);
        // No source to plan (no claim template to discover in): the data check says so itself.
        let discover = RunOptions {
            data_check: Some(SourceRequest::default()),
            ..Default::default()
        };
        assert_eq!(names(&s, RunKind::Steps, &discover), BASE);
        // A forced undo runs no checks.
        assert_eq!(
            names(&s, RunKind::ForcedUndo, &metric)[6..],
            ["delete pods"]
        );
    }
}

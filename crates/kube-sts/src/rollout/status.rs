//! `kubectl sts-rollout status`: a pure model of where a rollout stands (strategy, partition,
//! revisions, which revision each ordinal runs and whether it is Ready) with the warnings a user
//! needs (stuck rollout, no readiness probe, missing headless Service), and its text rendering.

use jiff::Timestamp;
use serde::Serialize;

use super::model::{self, Revision, StrategyKind};
use super::plan::{self, Parallelism};
use super::state::RolloutState;
use crate::error::Result;
use crate::k8s::identity;
use crate::read::snapshot::Snapshot;

/// A pod on the update revision that has not been Ready for this long makes the rollout stuck.
pub const STUCK_AFTER_SECONDS: i64 = 300;

/// A revision as status shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisionRef {
    /// Revision number (0 when the ControllerRevision is not readable).
    pub number: i64,
    /// Name.
    pub name: String,
    /// `container=image`.
    pub images: Vec<String>,
}

/// One ordinal of the strip.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCell {
    /// Ordinal.
    pub ordinal: i32,
    /// Pod name.
    pub pod: String,
    /// Revision name it runs, if the pod exists.
    pub revision: Option<String>,
    /// Revision number, when known.
    pub revision_number: Option<i64>,
    /// On the update revision.
    pub updated: bool,
    /// Running and Ready.
    pub ready: bool,
    /// kubectl's STATUS word (`Missing` when the pod does not exist).
    pub status: String,
}

/// Pod counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// `spec.replicas`.
    pub replicas: i32,
    /// Pods Running and Ready.
    pub ready: i32,
    /// Pods on the update revision.
    pub updated: i32,
    /// Pods on the current revision.
    pub current: i32,
}

/// Everything `status` shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutStatus {
    /// StatefulSet name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Update strategy.
    pub strategy: StrategyKind,
    /// Partition (RollingUpdate only).
    pub partition: Option<i32>,
    /// `podManagementPolicy`.
    pub pod_management_policy: String,
    /// `ordinals.start`.
    pub start_ordinal: i32,
    /// `minReadySeconds`.
    pub min_ready_seconds: i64,
    /// `status.currentRevision`.
    pub current_revision: Option<RevisionRef>,
    /// `status.updateRevision`.
    pub update_revision: Option<RevisionRef>,
    /// One cell per ordinal in range.
    pub pods: Vec<PodCell>,
    /// Counts.
    pub counts: Counts,
    /// Pods replaced at once (RollingUpdate).
    pub parallelism: Option<Parallelism>,
    /// Our staged rollout, when one is in progress or paused.
    pub rollout: Option<RolloutState>,
    /// Every pod that should run the update revision does, Ready.
    pub complete: bool,
    /// What needs attention.
    pub warnings: Vec<String>,
}

/// What `status` knows besides the snapshot.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Whether a headless Service named `serviceName` exists (`None`: could not check).
    pub headless_service: Option<bool>,
    /// The server's gitVersion, for the maxUnavailable gate.
    pub server_version: Option<String>,
}

fn revision_ref(revs: &[Revision], name: Option<&str>) -> Option<RevisionRef> {
    let name = name?;
    Some(match revs.iter().find(|r| r.name == name) {
        Some(r) => RevisionRef {
            number: r.number,
            name: r.name.clone(),
            images: r.images.clone(),
        },
        None => RevisionRef {
            number: 0,
            name: name.to_string(),
            images: vec![],
        },
    })
}

/// Builds the status of one StatefulSet; fails only on a malformed rollout annotation.
pub fn status(snap: &Snapshot, extras: &Extras, now: Timestamp) -> Result<RolloutStatus> {
    let sts = &snap.statefulset;
    let rollout = RolloutState::of(sts)?;
    let revs = model::revisions(&snap.revisions);
    let strategy = model::strategy(sts);
    let start = identity::start_ordinal(sts);
    let replicas = identity::desired_replicas(sts);
    let partition = (strategy == StrategyKind::RollingUpdate).then(|| model::partition(sts));
    let update = model::update_revision(sts);
    let current = model::current_revision(sts);
    let by_ordinal = model::pods_by_ordinal(sts, &snap.pods);
    let number_of = |name: &str| revs.iter().find(|r| r.name == name).map(|r| r.number);
    let mut counts = Counts {
        replicas,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let mut pods = Vec::new();
    for ordinal in snap.range() {
        let pod_name = identity::pod_name(snap.name(), ordinal);
        let Some(pod) = by_ordinal.get(&ordinal) else {
            pods.push(PodCell {
                ordinal,
                pod: pod_name,
                revision: None,
                revision_number: None,
                updated: false,
                ready: false,
                status: "Missing".into(),
            });
            continue;
        };
        let rev = model::pod_revision(pod).map(str::to_string);
        let updated = rev.is_some() && rev.as_deref() == update;
        let ready = model::is_ready(pod);
        if model::is_terminating(pod) {
            // Terminating pods are counted by neither updated nor current.
        } else {
            counts.updated += i32::from(updated);
            counts.current += i32::from(rev.is_some() && rev.as_deref() == current);
        }
        counts.ready += i32::from(ready);
        if updated && !ready && update != current {
            let failure = model::failure_reason(pod);
            let since = pod
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| (now - t.0).get_seconds())
                .unwrap_or(0);
            if failure.is_some() || since >= STUCK_AFTER_SECONDS {
                warnings.push(format!(
                    "rollout stuck: {pod_name} runs the update revision but has not been Ready for {} ({}); the controller will not go on. Roll back with: kubectl sts-rollout undo {} -n {} --force",
                    crate::k8s::age::human_duration(since),
                    failure.unwrap_or_else(|| crate::k8s::pods::display_status(pod)),
                    snap.name(),
                    snap.namespace(),
                ));
            }
        }
        pods.push(PodCell {
            ordinal,
            pod: pod_name,
            revision_number: rev.as_deref().and_then(number_of),
            revision: rev,
            updated,
            ready,
            status: crate::k8s::pods::display_status(pod),
        });
    }
    let complete = match partition {
        Some(p) => pods
            .iter()
            .filter(|c| c.ordinal >= start + p)
            .all(|c| c.updated && c.ready),
        None => pods.iter().all(|c| c.updated && c.ready),
    } && model::observed(sts)
        && rollout.is_none();
    if let Some(spec) = sts.spec.as_ref() {
        if !model::has_readiness_probe(&spec.template) {
            warnings.push(
                "no readinessProbe: a pod counts as Ready as soon as it runs, so a rollout cannot tell a bad version from a good one; add a readinessProbe (or use --check-http)".into(),
            );
        }
        if let (Some(service), Some(false)) =
            (spec.service_name.as_deref(), extras.headless_service)
        {
            if !service.is_empty() {
                warnings.push(format!(
                    "serviceName {service:?} has no headless Service: per-pod DNS names ({}.{service}.{}.svc) do not resolve; create a Service {service:?} with clusterIP: None",
                    identity::pod_name(snap.name(), start),
                    snap.namespace()
                ));
            }
        }
    }
    if !model::observed(sts) {
        warnings.push(
            "the controller has not observed the latest spec yet (observedGeneration < generation)"
                .into(),
        );
    }
    if let Some(p) = partition {
        if p >= replicas && update.is_some() && update != current && rollout.is_none() {
            warnings.push(format!(
                "partition {p} >= replicas {replicas}: no pod will move to the update revision; lower it with: kubectl sts-rollout {} --partition N",
                snap.name()
            ));
        }
    }
    let parallelism = (strategy == StrategyKind::RollingUpdate).then(|| {
        plan::parallelism(
            model::max_unavailable(sts).as_ref(),
            replicas,
            extras.server_version.as_deref(),
        )
    });
    Ok(RolloutStatus {
        name: snap.name().to_string(),
        namespace: snap.namespace().to_string(),
        strategy,
        partition,
        pod_management_policy: model::pod_management_policy(sts),
        start_ordinal: start,
        min_ready_seconds: model::min_ready_seconds(sts),
        current_revision: revision_ref(&revs, current),
        update_revision: revision_ref(&revs, update),
        pods,
        counts,
        parallelism,
        rollout,
        complete,
        warnings,
    })
}

fn describe_revision(r: &Option<RevisionRef>) -> String {
    match r {
        Some(r) if r.number > 0 => {
            format!("revision {} {}  {}", r.number, r.name, r.images.join(" "))
        }
        Some(r) => r.name.clone(),
        None => "-".into(),
    }
}

/// The human rendering of a status.
pub fn render(s: &RolloutStatus, color: bool) -> String {
    use crate::render::{paint, Color};
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<14}{v}\n"));
    line(
        "StatefulSet:",
        format!("{} (namespace {})", s.name, s.namespace),
    );
    let strategy = match (s.strategy, s.partition) {
        (StrategyKind::RollingUpdate, Some(p)) => {
            let mut text = format!(
                "RollingUpdate, partition {p} (updates ordinals >= {})",
                s.start_ordinal + p
            );
            if let Some(par) = &s.parallelism {
                if let Some(req) = &par.requested {
                    text.push_str(&format!(
                        ", maxUnavailable {req} (parallelism {})",
                        par.effective
                    ));
                }
            }
            text
        }
        _ => "OnDelete (pods change only when deleted)".into(),
    };
    line("Strategy:", strategy);
    if let Some(reason) = s.parallelism.as_ref().and_then(|p| p.reason.as_ref()) {
        line("", reason.clone());
    }
    line("Pod policy:", s.pod_management_policy.clone());
    if s.min_ready_seconds > 0 {
        line("MinReady:", format!("{}s", s.min_ready_seconds));
    }
    line("Current:", describe_revision(&s.current_revision));
    line("Update:", describe_revision(&s.update_revision));
    let width = s
        .pods
        .iter()
        .map(|c| c.ordinal.to_string().len())
        .max()
        .unwrap_or(1)
        .max(3);
    let cell = |text: String| format!("{text:<width$} ");
    let mut ordinals = String::new();
    let mut revisions = String::new();
    let mut ready = String::new();
    for c in &s.pods {
        ordinals.push_str(&cell(c.ordinal.to_string()));
        let rev = match (c.revision_number, &c.revision) {
            (Some(n), _) => n.to_string(),
            (None, Some(_)) => "?".into(),
            (None, None) => "-".into(),
        };
        let rev_text = cell(rev);
        revisions.push_str(&if c.updated {
            paint(&rev_text, Color::Green, color)
        } else {
            rev_text
        });
        let r = if c.ready {
            paint(&cell("yes".into()), Color::Green, color)
        } else {
            paint(&cell("no".into()), Color::Red, color)
        };
        ready.push_str(&r);
    }
    line("Ordinals:", ordinals.trim_end().to_string());
    line("Revision:", revisions.trim_end().to_string());
    line("Ready:", ready.trim_end().to_string());
    let not_running: Vec<String> = s
        .pods
        .iter()
        .filter(|c| !c.ready)
        .map(|c| format!("{} {}", c.pod, c.status))
        .collect();
    if !not_running.is_empty() {
        line("Not ready:", not_running.join(", "));
    }
    line(
        "Pods:",
        format!(
            "{} replicas, {} ready, {} updated, {} current",
            s.counts.replicas, s.counts.ready, s.counts.updated, s.counts.current
        ),
    );
    if let Some(r) = &s.rollout {
        let total = r.partitions.len();
        let state = if r.paused {
            format!(
                "paused after {}/{total} steps; continue: kubectl sts-rollout resume {} -n {}",
                r.done, s.name, s.namespace
            )
        } else if r.manual && r.done < total {
            format!(
                "waiting after step {}/{total}; continue: kubectl sts-rollout promote {} -n {}",
                r.done, s.name, s.namespace
            )
        } else {
            format!("step {}/{total} in progress", (r.done + 1).min(total))
        };
        line("Rollout:", state);
    }
    line(
        "Complete:",
        if s.complete {
            "yes".into()
        } else {
            "no".to_string()
        },
    );
    for w in &s.warnings {
        out.push_str(&format!(
            "{} {w}\n",
            paint("Warning:", Color::Yellow, color)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::model::fixtures::*;

    fn snap(
        sts: k8s_openapi::api::apps::v1::StatefulSet,
        pods: Vec<k8s_openapi::api::core::v1::Pod>,
    ) -> Snapshot {
        Snapshot {
            statefulset: sts,
            pods,
            claims: vec![],
            revisions: vec![
                revision("web-old", 1, "app:1", None),
                revision("web-new", 2, "app:2", Some("canary")),
            ],
            volumes: None,
            storage_classes: None,
            events: vec![],
            taken_at: now(),
        }
    }

    #[test]
    fn strip_counts_and_completion() {
        let s = snap(
            sts(3, 0, Some(1)),
            vec![
                pod(0, "web-old", Some(60)),
                pod(1, "web-new", Some(60)),
                pod(2, "web-new", Some(60)),
            ],
        );
        let st = status(&s, &Extras::default(), now()).unwrap();
        assert_eq!(st.counts.updated, 2);
        assert_eq!(st.counts.current, 1);
        assert!(st.complete);
        assert_eq!(st.pods[0].revision_number, Some(1));
        assert_eq!(
            st.update_revision.as_ref().unwrap().images,
            vec!["app=app:2"]
        );
        let text = render(&st, false);
        assert!(
            text.contains("partition 1 (updates ordinals >= 1)"),
            "{text}"
        );
        assert!(text.contains("Revision:     1   2   2"), "{text}");
    }

    #[test]
    fn warns_about_stuck_pods_probes_and_services() {
        let mut set = sts(2, 0, Some(1));
        set.spec
            .as_mut()
            .unwrap()
            .template
            .spec
            .as_mut()
            .unwrap()
            .containers[0]
            .readiness_probe = None;
        let s = snap(
            set,
            vec![pod(0, "web-old", Some(60)), pod(1, "web-new", None)],
        );
        let st = status(
            &s,
            &Extras {
                headless_service: Some(false),
                server_version: None,
            },
            now(),
        )
        .unwrap();
        assert!(!st.complete);
        let all = st.warnings.join("\n");
        assert!(all.contains("rollout stuck: web-1"), "{all}");
        assert!(all.contains("no readinessProbe"), "{all}");
        assert!(all.contains("no headless Service"), "{all}");
    }

    #[test]
    fn on_delete_has_no_partition() {
        let s = snap(
            on_delete(sts(2, 1, None)),
            vec![pod(1, "web-new", Some(5)), pod(2, "web-new", Some(5))],
        );
        let st = status(&s, &Extras::default(), now()).unwrap();
        assert_eq!(st.partition, None);
        assert!(st.complete);
        assert_eq!(st.pods[0].ordinal, 1);
        assert!(render(&st, false).contains("OnDelete"));
    }
}

//! Where a step stands, computed from the watched objects alone (pure): each covered pod's
//! phase toward the update revision, the OnDelete pods to delete next within the budget, and
//! whether someone else changed the StatefulSet since our last write.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;

use super::model;
use super::stop::Stop;
use crate::k8s::identity;

/// Where one pod of a step stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodPhase {
    /// Still on an older revision, waiting for its turn.
    Waiting,
    /// Being replaced: terminating, missing, pending or not Ready yet (the text says which).
    Replacing(String),
    /// Ready on the update revision, not yet Available (`minReadySeconds`).
    Ready,
    /// Available on the update revision.
    Done,
}

/// One pod's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodProgress {
    /// Ordinal.
    pub ordinal: i32,
    /// Pod name.
    pub pod: String,
    /// Phase.
    pub phase: PodPhase,
    /// The UID of the pod currently holding the ordinal.
    pub uid: Option<String>,
    /// Whether it is Ready (on any revision).
    pub ready: bool,
}

/// A step's progress over the watched objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepProgress {
    /// One entry per covered ordinal, highest first.
    pub pods: Vec<PodProgress>,
    /// Every covered pod is Done.
    pub done: bool,
    /// When to look again though nothing changes (minReadySeconds).
    pub wake_at: Option<Timestamp>,
    /// A pod on the update revision that will not become Ready by waiting: (pod, reason).
    pub failed: Option<(String, String)>,
    /// The observed update revision.
    pub update_revision: Option<String>,
}

/// Progress of the pods with `covered` ordinals toward the update revision.
pub fn step_progress(
    sts: &StatefulSet,
    pods: &BTreeMap<String, Pod>,
    covered: &[i32],
    now: Timestamp,
) -> StepProgress {
    let name = sts.metadata.name.as_deref().unwrap_or("");
    let update = model::observed_update_revision(sts).map(str::to_string);
    let min_ready = model::min_ready_seconds(sts);
    let by_ordinal = model::pods_by_ordinal(sts, pods.values());
    let mut out = StepProgress {
        pods: vec![],
        done: update.is_some(),
        wake_at: None,
        failed: None,
        update_revision: update.clone(),
    };
    for &ordinal in covered {
        let pod_name = identity::pod_name(name, ordinal);
        let pod = by_ordinal.get(&ordinal);
        let phase = match pod {
            None => PodPhase::Replacing("Missing".into()),
            Some(p) if model::is_terminating(p) => PodPhase::Replacing("Terminating".into()),
            Some(p) if update.is_none() || model::pod_revision(p) != update.as_deref() => {
                PodPhase::Waiting
            }
            Some(p) => match model::availability(p, min_ready, now) {
                Ok(()) => PodPhase::Done,
                Err(Some(at)) => {
                    out.wake_at = Some(out.wake_at.map_or(at, |w: Timestamp| w.min(at)));
                    PodPhase::Ready
                }
                Err(None) => {
                    if let Some(reason) = model::failure_reason(p) {
                        out.failed.get_or_insert((pod_name.clone(), reason));
                    }
                    PodPhase::Replacing(crate::k8s::pods::display_status(p))
                }
            },
        };
        if phase != PodPhase::Done {
            out.done = false;
        }
        out.pods.push(PodProgress {
            ordinal,
            pod: pod_name,
            uid: pod.and_then(|p| p.metadata.uid.clone()),
            ready: pod.is_some_and(|p| model::is_ready(p)),
            phase,
        });
    }
    out
}

/// OnDelete: the pods to delete now, highest ordinal first, so that at most `max_unavailable`
/// covered pods are being replaced at once. `deleted` holds UIDs already deleted.
pub fn next_deletions(
    progress: &StepProgress,
    max_unavailable: i32,
    deleted: &BTreeSet<String>,
) -> Vec<(String, String)> {
    let busy = progress
        .pods
        .iter()
        .filter(|p| match &p.phase {
            PodPhase::Replacing(_) | PodPhase::Ready => true,
            PodPhase::Waiting => p.uid.as_ref().is_some_and(|u| deleted.contains(u)),
            PodPhase::Done => false,
        })
        .count() as i32;
    let free = (max_unavailable.max(1) - busy).max(0) as usize;
    progress
        .pods
        .iter()
        .filter(|p| p.phase == PodPhase::Waiting)
        .filter_map(|p| Some((p.pod.clone(), p.uid.clone()?)))
        .filter(|(_, uid)| !deleted.contains(uid))
        .take(free)
        .collect()
}

/// A change made by someone else since our last write, if any: a spec change (generation moved
/// past ours), a partition other than the one we set, or our state annotation marked paused.
pub fn foreign_change(
    sts: &StatefulSet,
    our_generation: i64,
    our_partition: Option<i32>,
) -> Option<Stop> {
    let generation = sts.metadata.generation.unwrap_or(0);
    if generation < our_generation {
        return None; // an event from before our own patch
    }
    match super::state::RolloutState::of(sts) {
        Ok(Some(state)) if state.paused => return Some(Stop::PausedElsewhere),
        Ok(_) => {}
        // Our annotation was overwritten with something we cannot read: someone else's edit.
        Err(e) => return Some(Stop::ConcurrentEdit(e.to_string())),
    }
    if let Some(expected) = our_partition {
        let actual = model::partition(sts);
        if actual != expected {
            return Some(Stop::ConcurrentEdit(format!(
                "spec.updateStrategy.rollingUpdate.partition is {actual}, but kubectl sts-rollout last set it to {expected}: someone else changed it; not overwriting"
            )));
        }
    }
    if generation > our_generation {
        return Some(Stop::ConcurrentEdit(format!(
            "the StatefulSet spec was changed by someone else (generation {our_generation} -> {generation}); not overwriting"
        )));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::model::fixtures::*;

    fn pods(list: Vec<Pod>) -> BTreeMap<String, Pod> {
        list.into_iter()
            .map(|p| (p.metadata.name.clone().unwrap(), p))
            .collect()
    }

    #[test]
    fn step_done_only_when_covered_pods_are_updated_and_ready() {
        let s = sts(3, 0, Some(1));
        let live = pods(vec![
            pod(0, "web-old", Some(60)),
            pod(1, "web-new", None),
            pod(2, "web-new", Some(60)),
        ]);
        let p = step_progress(&s, &live, &[2, 1], now());
        assert!(!p.done);
        assert_eq!(p.pods[0].phase, PodPhase::Done);
        assert!(matches!(p.pods[1].phase, PodPhase::Replacing(_)));
        let live = pods(vec![
            pod(0, "web-old", Some(60)),
            pod(1, "web-new", Some(60)),
            pod(2, "web-new", Some(60)),
        ]);
        assert!(step_progress(&s, &live, &[2, 1], now()).done);
        // Not observed yet: never done.
        let mut unobserved = s.clone();
        unobserved.metadata.generation = Some(3);
        assert!(!step_progress(&unobserved, &live, &[2, 1], now()).done);
    }

    #[test]
    fn min_ready_seconds_sets_a_wake_up() {
        let mut s = sts(1, 0, Some(0));
        s.spec.as_mut().unwrap().min_ready_seconds = Some(30);
        let live = pods(vec![pod(0, "web-new", Some(10))]);
        let p = step_progress(&s, &live, &[0], now());
        assert_eq!(p.pods[0].phase, PodPhase::Ready);
        assert_eq!(p.wake_at, Some(now() + jiff::SignedDuration::from_secs(20)));
    }

    #[test]
    fn crash_loop_fails_fast() {
        let s = sts(1, 0, Some(0));
        let mut bad = pod(0, "web-new", None);
        bad.status.as_mut().unwrap().container_statuses =
            Some(vec![k8s_openapi::api::core::v1::ContainerStatus {
                name: "app".into(),
                state: Some(k8s_openapi::api::core::v1::ContainerState {
                    waiting: Some(k8s_openapi::api::core::v1::ContainerStateWaiting {
                        reason: Some("CrashLoopBackOff".into()),
                        message: None,
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }]);
        let p = step_progress(&s, &pods(vec![bad]), &[0], now());
        assert_eq!(p.failed, Some(("web-0".into(), "CrashLoopBackOff".into())));
    }

    #[test]
    fn on_delete_deletes_highest_first_within_budget() {
        let s = on_delete(sts(4, 0, None));
        let live = pods(vec![
            pod(0, "web-old", Some(60)),
            pod(1, "web-old", Some(60)),
            pod(2, "web-old", Some(60)),
            pod(3, "web-old", Some(60)),
        ]);
        let p = step_progress(&s, &live, &[3, 2, 1, 0], now());
        let none = BTreeSet::new();
        let d = next_deletions(&p, 1, &none);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, "web-3");
        let d2 = next_deletions(&p, 2, &none);
        assert_eq!(
            d2.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
            ["web-3", "web-2"]
        );
        // web-3 deleted (still shown Waiting until the watch catches up): budget used.
        let deleted: BTreeSet<String> = [d[0].1.clone()].into();
        assert!(next_deletions(&p, 1, &deleted).is_empty());
        // web-3 replaced and not Ready yet: still busy.
        let live = pods(vec![
            pod(0, "web-old", Some(60)),
            pod(1, "web-old", Some(60)),
            pod(2, "web-old", Some(60)),
            pod(3, "web-new", None),
        ]);
        let p = step_progress(&s, &live, &[3, 2, 1, 0], now());
        assert!(next_deletions(&p, 1, &deleted).is_empty());
    }

    #[test]
    fn foreign_edits_are_detected_but_our_own_stale_events_are_not() {
        let s = sts(5, 0, Some(4));
        assert!(foreign_change(&s, 2, Some(4)).is_none());
        assert!(matches!(
            foreign_change(&s, 2, Some(5)),
            Some(Stop::ConcurrentEdit(_))
        ));
        // Event from before our patch (generation 2 < 3): ignored.
        assert!(foreign_change(&s, 3, Some(5)).is_none());
        let mut newer = s.clone();
        newer.metadata.generation = Some(4);
        assert!(matches!(
            foreign_change(&newer, 3, Some(4)),
            Some(Stop::ConcurrentEdit(_))
        ));
    }
}

//! The rollout's memory between processes: one JSON annotation on the StatefulSet holding the
//! plan's partitions, how far it got, whether it is paused and where to resume. `pause` in one
//! terminal and `resume` or `promote` in another read and write only this.

use serde::{Deserialize, Serialize};

use super::data_sources::SavedDataCheck;
use super::model;
use super::plan::HttpCheck;
use k8s_openapi::api::apps::v1::StatefulSet;

/// Annotation key of the rollout state.
pub const STATE_ANNOTATION: &str = "kubectl-sts.io/rollout";

/// A staged rollout in progress, paused or waiting for `promote`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutState {
    /// The plan's partitions, one per step, decreasing.
    pub partitions: Vec<i32>,
    /// Steps completed.
    #[serde(default)]
    pub done: usize,
    /// The partition we last set (RollingUpdate) or reached (OnDelete): anything else is
    /// someone else's edit.
    pub partition: i32,
    /// Frozen by `pause`, Ctrl-C or a failed step.
    #[serde(default)]
    pub paused: bool,
    /// Where `resume` goes back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_partition: Option<i32>,
    /// Stop after each step.
    #[serde(default)]
    pub manual: bool,
    /// Wait between steps, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_between_seconds: Option<u64>,
    /// GET through the pod proxy on each new pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_http: Option<HttpCheck>,
    /// `--data-check` sources, reused by `resume` and `promote`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_check: Option<SavedDataCheck>,
    /// OnDelete: pods deleted at once.
    #[serde(default = "one")]
    pub max_unavailable: i32,
    /// The revision in force before the rollout started (for `--rollback-on-failure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_revision: Option<String>,
}

fn one() -> i32 {
    1
}

impl RolloutState {
    /// The state recorded on a StatefulSet, if any. Anyone allowed to patch the StatefulSet can
    /// write the annotation, so an unreadable or out-of-range one (negative partitions, a wait
    /// longer than any duration flag allows) counts as none.
    pub fn of(sts: &StatefulSet) -> Option<RolloutState> {
        let state: RolloutState =
            serde_json::from_str(model::annotation(sts, STATE_ANNOTATION)?).ok()?;
        state.in_range().then_some(state)
    }

    /// Whether every number is one a rollout could have written.
    fn in_range(&self) -> bool {
        let max_wait = crate::k8s::duration::MAX_DURATION.as_secs();
        self.partitions.iter().all(|p| *p >= 0)
            && self.partition >= 0
            && self.resume_partition.is_none_or(|p| p >= 0)
            && self.max_unavailable >= 1
            && self.pause_between_seconds.is_none_or(|s| s <= max_wait)
            && self
                .check_http
                .as_ref()
                .is_none_or(|c| c.path.starts_with('/'))
    }

    /// The annotation value.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Partitions still to reach, in order.
    pub fn remaining(&self) -> &[i32] {
        &self.partitions[self.done.min(self.partitions.len())..]
    }

    /// The last partition of the plan.
    pub fn target(&self) -> Option<i32> {
        self.partitions.last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_annotation() {
        let state = RolloutState {
            partitions: vec![4, 2, 0],
            done: 1,
            partition: 4,
            manual: true,
            max_unavailable: 1,
            ..Default::default()
        };
        let mut sts = StatefulSet::default();
        sts.metadata.annotations = Some([(STATE_ANNOTATION.to_string(), state.encode())].into());
        let back = RolloutState::of(&sts).unwrap();
        assert_eq!(back, state);
        assert_eq!(back.remaining(), &[2, 0]);
        assert_eq!(back.target(), Some(0));
        let minimal: RolloutState =
            serde_json::from_str(r#"{"partitions":[0],"partition":5}"#).unwrap();
        assert_eq!(minimal.max_unavailable, 1);
    }
}

//! The rollout's memory between processes: one JSON annotation on the StatefulSet holding the
//! plan's partitions, how far it got, whether it is paused and where to resume. `pause` in one
//! terminal and `resume` or `promote` in another read and write only this.

use serde::{Deserialize, Serialize};

use super::data_sources::SavedDataCheck;
use super::model;
use super::plan::HttpCheck;
use crate::error::{Error, Result};
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
    /// write the annotation, so one that is not what a rollout writes (not its JSON, negative
    /// partitions, a wait longer than any duration flag allows, a saved data check that its
    /// flags refuse) is an [`Error::BadAnnotation`] naming the fix, never taken for "no rollout".
    pub fn of(sts: &StatefulSet) -> Result<Option<RolloutState>> {
        let Some(text) = model::annotation(sts, STATE_ANNOTATION) else {
            return Ok(None);
        };
        let bad = |problem: String| Error::BadAnnotation {
            kind: "statefulset",
            name: sts.metadata.name.clone().unwrap_or_default(),
            namespace: sts.metadata.namespace.clone().unwrap_or_default(),
            annotation: STATE_ANNOTATION,
            problem,
        };
        let state: RolloutState = serde_json::from_str(text).map_err(|e| {
            bad(format!(
                "it is not the JSON kubectl sts-rollout writes ({e})"
            ))
        })?;
        if let Some(why) = state.out_of_range() {
            return Err(bad(why));
        }
        if let Some(check) = &state.data_check {
            check.to_request().map_err(|e| {
                bad(format!(
                    "its saved data check has an invalid {}: {}",
                    e.flag, e.problem
                ))
            })?;
        }
        Ok(Some(state))
    }

    /// The first number a rollout could not have written, said as a problem.
    fn out_of_range(&self) -> Option<String> {
        let max_wait = crate::k8s::duration::MAX_DURATION.as_secs();
        if let Some(p) = self.partitions.iter().find(|p| **p < 0) {
            return Some(format!("partitions holds {p}, below 0"));
        }
        if self.partition < 0 {
            return Some(format!("partition is {}, below 0", self.partition));
        }
        if let Some(p) = self.resume_partition.filter(|p| *p < 0) {
            return Some(format!("resumePartition is {p}, below 0"));
        }
        if self.max_unavailable < 1 {
            return Some(format!(
                "maxUnavailable is {}, below 1",
                self.max_unavailable
            ));
        }
        if let Some(s) = self.pause_between_seconds.filter(|s| *s > max_wait) {
            return Some(format!(
                "pauseBetweenSeconds is {s}, longer than any duration flag allows"
            ));
        }
        if let Some(c) = self
            .check_http
            .as_ref()
            .filter(|c| !c.path.starts_with('/'))
        {
            return Some(format!("checkHttp.path {:?} does not start with /", c.path));
        }
        None
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
        let back = RolloutState::of(&sts).unwrap().unwrap();
        assert_eq!(back, state);
        assert_eq!(back.remaining(), &[2, 0]);
        assert_eq!(back.target(), Some(0));
        let minimal: RolloutState =
            serde_json::from_str(r#"{"partitions":[0],"partition":5}"#).unwrap();
        assert_eq!(minimal.max_unavailable, 1);
    }

    fn with_annotation(value: &str) -> StatefulSet {
        let mut sts = StatefulSet::default();
        sts.metadata.name = Some("web".into());
        sts.metadata.namespace = Some("prod".into());
        sts.metadata.annotations = Some([(STATE_ANNOTATION.to_string(), value.to_string())].into());
        sts
    }

    #[test]
    fn no_annotation_is_no_rollout() {
        assert_eq!(RolloutState::of(&StatefulSet::default()).unwrap(), None);
    }

    #[test]
    fn a_malformed_annotation_is_an_error_naming_it_and_the_fix() {
        for (value, problem) in [
            ("{garbage", "not the JSON kubectl sts-rollout writes"),
            (
                r#"{"partitions":[-1],"partition":0}"#,
                "partitions holds -1",
            ),
            (
                r#"{"partitions":[0],"partition":0,"maxUnavailable":0}"#,
                "maxUnavailable is 0",
            ),
            (
                r#"{"partitions":[0],"partition":0,"dataCheck":{"metric":"1bad"}}"#,
                "its saved data check has an invalid --metric",
            ),
        ] {
            let err = RolloutState::of(&with_annotation(value)).unwrap_err();
            let text = err.to_string();
            assert!(
                text.starts_with(
                    "statefulset \"web\" in namespace \"prod\" has an invalid kubectl-sts.io/rollout annotation: "
                ),
                "{text}"
            );
            assert!(text.contains(problem), "{value}: {text}");
            assert_eq!(
                err.hint().as_deref(),
                Some("remove it (the statefulset itself is not changed) with: kubectl annotate statefulset web kubectl-sts.io/rollout- -n prod"),
            );
        }
    }
}

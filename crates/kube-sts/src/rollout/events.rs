//! What a running rollout reports while it works, as data: the driver and the commands send
//! these through a [`Reporter`] and never print; [`super::view`] turns them into lines and
//! spinners.

use super::progress::PodPhase;

/// One thing a run has to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// A line of the run's account on stdout (`step 1/3: partition 4 (updating web-4)`).
    Line(String),
    /// Text for stdout as it is, already ending in a newline (a plan, a diff).
    Text(String),
    /// A line for stderr: a note, a warning, or how to go on after a stop.
    Notice(String),
    /// Where a pod of the current step stands on the update `revision`.
    Pod {
        /// Pod name.
        pod: String,
        /// Its phase.
        phase: PodPhase,
        /// The update revision it is moving to.
        revision: String,
    },
    /// OnDelete: the run deleted a pod so that it comes back on the update revision.
    PodDeleted {
        /// Pod name.
        pod: String,
    },
    /// `--check-http` passed on a new pod.
    HttpCheckOk {
        /// Pod name.
        pod: String,
        /// The path that answered 2xx.
        path: String,
    },
    /// `--data-check` found the counter kept (or grown) across the restart.
    DataCheckOk {
        /// Pod name.
        pod: String,
        /// The counter before the restart, if it had one.
        before: Option<u64>,
        /// The counter after.
        after: Option<u64>,
    },
    /// `--data-check` could not read a pod's counter before its restart: nothing to protect.
    NoCounterBefore {
        /// Pod name.
        pod: String,
        /// Why it could not be read.
        error: String,
    },
    /// The step's pods are all done (or the run stopped): per-pod progress is over.
    StepSettled,
}

/// Where a run sends its [`Progress`].
pub type Reporter = std::sync::Arc<dyn Fn(Progress) + Send + Sync>;

/// A [`Reporter`] that drops everything (for reads that report no progress).
pub fn silent() -> Reporter {
    std::sync::Arc::new(|_| {})
}

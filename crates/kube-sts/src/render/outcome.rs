//! How a command ended, and the one mapping from that (or from an [`Error`]) to the process
//! exit code, for every plugin:
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | done, or only planned (`--dry-run`, a `--manual` step) |
//! | 1 | error; or, in diff mode (`sts-pvc --orphans`), differences found, like `kubectl diff` |
//! | 2 | bad flags (clap); an error in diff mode |
//! | 3 | partial: some pods could not be read, the others are shown |
//! | 130 | interrupted by Ctrl-C (a rollout is left paused) |

use std::process::ExitCode;

use crate::error::{report, Error};

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done (or stopped on purpose after a `--manual` step).
    Done,
    /// `--dry-run`: the plan was printed, nothing changed.
    Planned,
    /// Some of the work was done and shown; the rest failed and was reported.
    Partial,
    /// Nothing could be done; every failure was reported (no single error sums it up).
    Failed,
    /// A check found what it looks for (`--orphans`: orphaned claims exist).
    Differences,
    /// Ctrl-C: stopped cleanly (paused, readers removed); the way on was printed.
    Interrupted,
}

/// Whether errors and differences follow `kubectl diff`'s codes (1 found, 2 error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExitMode {
    /// 0 ok, 1 error.
    #[default]
    Normal,
    /// 0 nothing found, 1 found, 2 error.
    Diff,
}

impl Outcome {
    /// The exit code for this outcome.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Done | Outcome::Planned => 0,
            Outcome::Failed | Outcome::Differences => 1,
            Outcome::Partial => 3,
            Outcome::Interrupted => 130,
        }
    }
}

/// The exit code for an error.
pub fn error_code(_err: &Error, mode: ExitMode) -> u8 {
    match mode {
        ExitMode::Normal => 1,
        ExitMode::Diff => 2,
    }
}

/// Ends a plugin's `main`: reports an error the way every plugin does and maps the result to
/// its exit code.
pub fn finish(result: Result<Outcome, Error>, mode: ExitMode) -> ExitCode {
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(err) => {
            report(&err);
            ExitCode::from(error_code(&err, mode))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(Outcome::Done.code(), 0);
        assert_eq!(Outcome::Planned.code(), 0);
        assert_eq!(Outcome::Failed.code(), 1);
        assert_eq!(Outcome::Differences.code(), 1);
        assert_eq!(Outcome::Partial.code(), 3);
        assert_eq!(Outcome::Interrupted.code(), 130);
        let err = Error::invalid("bad", "fix");
        assert_eq!(error_code(&err, ExitMode::Normal), 1);
        assert_eq!(error_code(&err, ExitMode::Diff), 2);
    }
}

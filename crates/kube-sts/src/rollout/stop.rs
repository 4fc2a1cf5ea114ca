//! Why a rollout run stopped before its plan was done ([`Stop`]), and the same in the
//! suite's error terms.

use crate::error::Error;

/// Why a run stopped before its plan was done.
#[derive(Debug)]
pub enum Stop {
    /// Ctrl-C.
    Interrupted,
    /// The step deadline passed; the text names the stuck pods, their state and events.
    Timeout(String),
    /// A pod cannot become Ready, or a check failed.
    Failed(String),
    /// Someone else changed the StatefulSet; nothing of theirs was overwritten.
    ConcurrentEdit(String),
    /// `kubectl sts-rollout pause` ran elsewhere.
    PausedElsewhere,
    /// An API error.
    Api(Error),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Interrupted => f.write_str("interrupted"),
            Stop::Timeout(t) | Stop::Failed(t) => f.write_str(t),
            Stop::ConcurrentEdit(t) => write!(f, "concurrent edit detected: {t}"),
            Stop::PausedElsewhere => f.write_str("the rollout was paused by another process"),
            Stop::Api(e) => write!(f, "{e}"),
        }
    }
}

/// A stop in the error's terms, each kind its own variant (the same wording as [`Stop`]'s).
impl From<Stop> for Error {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::Interrupted => Error::Interrupted,
            Stop::Timeout(text) => Error::StepTimedOut(text),
            Stop::Failed(text) => Error::StepFailed(text),
            Stop::ConcurrentEdit(text) => Error::ConcurrentEdit(text),
            Stop::PausedElsewhere => Error::PausedElsewhere,
            Stop::Api(e) => e,
        }
    }
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Api(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stop_is_its_own_error_kind_with_the_same_words() {
        let cases = [
            (Stop::Interrupted, "interrupted"),
            (
                Stop::Timeout("timed out after 5m".into()),
                "timed out after 5m",
            ),
            (Stop::Failed("step 1/2: no".into()), "step 1/2: no"),
            (
                Stop::ConcurrentEdit("partition is 3".into()),
                "concurrent edit detected: partition is 3",
            ),
            (
                Stop::PausedElsewhere,
                "the rollout was paused by another process",
            ),
        ];
        for (stop, text) in cases {
            assert_eq!(stop.to_string(), text);
            let err = Error::from(stop);
            assert_eq!(err.to_string(), text);
            assert!(!matches!(err, Error::Other(_)), "{err:?}");
        }
        assert!(matches!(
            Error::from(Stop::Timeout(String::new())),
            Error::StepTimedOut(_)
        ));
        assert!(matches!(
            Error::from(Stop::Failed(String::new())),
            Error::StepFailed(_)
        ));
        let edit = Error::from(Stop::ConcurrentEdit("x".into()));
        assert!(edit
            .hint()
            .unwrap()
            .contains("kubectl sts-rollout resume NAME --partition N"));
        let api = Error::invalid("bad", "fix");
        assert_eq!(Error::from(Stop::Api(api)).to_string(), "bad");
    }
}

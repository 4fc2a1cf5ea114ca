//! `--watch` policy, pure: which errors end the watch (like `kubectl get -w`, a StatefulSet
//! that does not exist or was deleted, bad input, refused access) and which are retried with
//! a growing delay (the API server unreachable or overloaded).

use std::time::Duration;

use crate::error::Error;

/// The longest wait between retries after transient errors.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What one refresh of `--watch` produced.
#[derive(Debug)]
pub enum Refresh<'a> {
    /// A fresh report (with changes since the previous one).
    Report(&'a super::report::Report),
    /// A transient error; the next try comes after `retry_in`.
    Retrying {
        /// What failed.
        error: &'a Error,
        /// Failures in a row so far.
        attempt: u32,
        /// Delay before the next try.
        retry_in: Duration,
    },
    /// An error that ends the watch.
    Fatal(&'a Error),
}

/// Whether the watch should keep trying after `err`: connection failures, timeouts, 429 and
/// 5xx answers. Not found, forbidden and invalid input end it.
pub fn is_transient(err: &Error) -> bool {
    match err {
        Error::Connection { .. } => true,
        Error::Api { code, .. } => *code == 429 || *code == 408 || *code >= 500,
        Error::Client { .. } => true,
        _ => false,
    }
}

/// Delay before the next try after `failures` transient errors in a row: the interval,
/// doubled per failure, capped at [`MAX_BACKOFF`] (never below the interval).
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let factor = 2u32.saturating_pow(failures.min(16));
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF)
        .max(interval)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Subject;

    #[test]
    fn what_ends_the_watch() {
        let not_found = Error::NotFound {
            subject: Subject::object("get", "statefulsets.apps", "nosuch", Some("default")),
        };
        assert!(!is_transient(&not_found));
        assert!(!is_transient(&Error::invalid("bad", "fix")));
        assert!(is_transient(&Error::Connection {
            message: "connection refused".into()
        }));
        let api = |code| Error::Api {
            subject: Box::new(Subject::list("list", "pods", Some("default"))),
            code,
            reason: "x".into(),
            message: "y".into(),
        };
        assert!(is_transient(&api(503)));
        assert!(is_transient(&api(429)));
        assert!(!is_transient(&api(422)));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let s = Duration::from_secs;
        assert_eq!(backoff(s(2), 0), s(2));
        assert_eq!(backoff(s(2), 1), s(4));
        assert_eq!(backoff(s(2), 3), s(16));
        assert_eq!(backoff(s(2), 10), MAX_BACKOFF);
        assert_eq!(backoff(s(60), 5), s(60));
        assert_eq!(backoff(Duration::from_millis(100), 40), MAX_BACKOFF);
    }
}

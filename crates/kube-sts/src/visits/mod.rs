//! `kubectl sts-visits`: read a per-pod counter across every ordinal of a StatefulSet at once.
//!
//! The flow is snapshot -> pure plan -> concurrent reads -> pure report:
//! - [`read`](crate::read) takes one snapshot of the selected StatefulSets (constant number of
//!   requests), plus one LIST of Services for the headless-Service check;
//! - [`source::plan`] decides per StatefulSet where the counter comes from, and
//!   [`report::skeleton`] lays out one row per ordinal (missing pods included);
//! - [`collect`] reads every readable pod concurrently (bounded by `concurrency`, each read
//!   bounded by `timeout`) through [`fetch`], [`debug`] and [`readers`], so the whole command costs about one
//!   exec round trip; discovery adds one more (`ls` of each claim mount), `--allow-debug` one
//!   more for images without `cat`, `--offline` a reader pod per claim whose pod is not running;
//!   both ask first whether every step they take is allowed ([`permissions`]), so a refusal
//!   leaves nothing behind;
//! - [`parse`] turns what came back into a count, the plan decides what each answer means,
//!   [`report`] holds the result and [`view`] renders it.

pub mod debug;
pub mod fetch;
pub mod metrics;
pub mod orphans;
pub mod parse;
pub mod permissions;
mod plan;
pub mod readers;
pub mod report;
mod run;
pub mod source;
pub mod view;
pub mod watching;

use std::time::Duration;

use report::SortBy;
use source::SourceRequest;

pub use plan::headless_warning;
pub use run::{collect, collect_or_interrupt, read_snapshots, watch, Collected};

/// Default `--concurrency`: enough that a few hundred replicas cost a handful of round trips.
pub const DEFAULT_CONCURRENCY: usize = 100;

/// What to read and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--path`, `--http`, `-c`, `--format`.
    pub request: SourceRequest,
    /// `--allow-debug`: add an ephemeral container to pods whose image has no `cat`.
    pub allow_debug: bool,
    /// `--debug-image`.
    pub debug_image: String,
    /// `--offline`: read claims of pods that are not running through a reader pod.
    pub offline: bool,
    /// `--include-orphans`: add rows for claims of scaled-down ordinals, read by reader pods.
    pub include_orphans: bool,
    /// Label value marking this invocation's reader pods (see [`readers::remove_readers`]).
    pub reader_run: String,
    /// `--concurrency`: reads in flight at once.
    pub concurrency: usize,
    /// `--timeout`: per-pod limit.
    pub timeout: Duration,
    /// `--sort`.
    pub sort: SortBy,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            request: SourceRequest::default(),
            allow_debug: false,
            debug_image: "busybox".into(),
            offline: false,
            include_orphans: false,
            reader_run: readers::new_reader_run(),
            concurrency: DEFAULT_CONCURRENCY,
            timeout: Duration::from_secs(10),
            sort: SortBy::Ordinal,
        }
    }
}

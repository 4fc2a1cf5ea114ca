//! kube-sts: everything the three `kubectl sts-*` plugins share.
//!
//! The crate is a functional core inside an imperative shell:
//! - [`args`] and [`target`]: the flags kubectl users know, resolved once into a [`Target`];
//! - [`read`]: snapshots of StatefulSets with a constant number of requests;
//! - pure functions over a [`Snapshot`]: [`claims`] (the claim map), [`prune`], [`retention`],
//!   [`resize`] plans, [`usage`] parsing;
//! - drivers next to their plans (delete, patch, watch, exec);
//! - [`render`]: tables, `-o json|yaml|name`, colour and progress;
//! - [`error`]: one error type with kubectl-style messages and exit codes;
//! - [`complete`]: shell completion (kubectl's plugin completion protocol, scripts, man pages).

pub mod age;
pub mod args;
pub mod claims;
pub mod complete;
pub mod duration;
pub mod error;
pub mod identity;
pub mod pods;
pub mod prune;
pub mod pvc;
pub mod quantity;
pub mod read;
pub mod render;
pub mod resize;
pub mod retention;
pub mod rollout;
pub mod snapshot;
pub mod target;
pub mod usage;
pub mod visits;
pub mod wait;

pub use args::{ClusterArgs, OutputFormat};
pub use error::{Error, Result};
pub use snapshot::Snapshot;
pub use target::Target;

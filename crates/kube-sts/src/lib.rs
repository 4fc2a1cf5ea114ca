//! kube-sts: everything the three `kubectl sts-*` plugins share.
//!
//! The crate is a functional core inside an imperative shell (see ARCHITECTURE.md):
//! - [`cli`]: the flags kubectl users know, resolved once into a [`Target`], and completion;
//! - [`k8s`]: pure facts about Kubernetes objects (identity, owners, quantities, ages);
//! - [`read`]: [`Snapshot`]s of StatefulSets with a constant number of requests;
//! - [`api`]: watches, exec, proxy and patches: the code that talks to the API server;
//! - one folder per plugin, [`visits`], [`rollout`] and [`pvc`], each with pure plans, the
//!   drivers that carry them out, and their views;
//! - [`render`]: tables, `-o json|yaml|name`, colour and progress;
//! - [`error`]: one error type with kubectl-style messages and exit codes.

pub mod api;
pub mod cli;
pub mod error;
pub mod k8s;
pub mod pvc;
pub mod read;
pub mod render;
pub mod rollout;
pub mod visits;

pub use cli::args::{ClusterArgs, OutputFormat};
pub use cli::target::Target;
pub use error::{Error, Result};
pub use read::snapshot::Snapshot;

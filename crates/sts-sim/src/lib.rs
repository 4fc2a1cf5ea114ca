//! sts-sim: a simulated Kubernetes cluster on 127.0.0.1 that the real `kubectl` and
//! kube-rs accept. It serves the REST API over plain HTTP, stores objects, and runs a
//! StatefulSet controller, a volume provisioner, a scheduler/kubelet, an endpoints
//! controller and a garbage collector, following upstream behaviour (see STATEFULSET.md).
//!
//! Containers are simulated by image name (see [`containers`]): `visits*` images count
//! visits in a file on their volume, tags with `broken` never get Ready, tags with `crash`
//! crash-loop, and `distroless` images have no shell.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let cluster = sts_sim::Cluster::start(sts_sim::ClusterOptions::default()).await?;
//! println!("export KUBECONFIG={}", cluster.kubeconfig_path().display());
//! cluster.shutdown().await;
//! # Ok(()) }
//! ```

pub mod admin;
pub mod api;
pub mod api_error;
pub mod app_metrics;
pub mod cluster;
pub mod containers;
pub mod controllers;
pub mod defaults;
pub mod demo;
pub mod discovery;
pub mod exec;
pub mod faults;
pub mod fs;
pub mod kubeconfig;
pub mod options;
pub mod patch;
pub mod proxy;
pub mod resources;
pub mod revision;
pub mod selectors;
pub mod server;
pub mod state;
pub mod store;
pub mod tables;
pub mod testing;
pub mod validation;
pub mod watch;

pub use cluster::Cluster;
pub use faults::{Faults, RequestMatch};
pub use options::ClusterOptions;

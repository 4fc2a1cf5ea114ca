//! sts-sim: a simulated Kubernetes cluster on 127.0.0.1 that the real `kubectl` and
//! kube-rs accept. It serves the REST API over HTTPS with a CA of its own (plain HTTP on
//! request), stores objects, and runs a StatefulSet controller, a volume provisioner, a
//! scheduler/kubelet, an endpoints controller, a garbage collector and kube-proxy's node
//! ports, following upstream behaviour (see STATEFULSET.md and README.md).
//!
//! Containers are simulated by image name (see [`runtime::containers`]): `visits*` images count
//! visits in a file on their volume, tags with `broken` never get Ready, tags with `crash`
//! crash-loop, and `distroless` images have no shell. [`limits`] lists where it differs from a
//! real cluster.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let cluster = sts_sim::Cluster::start(sts_sim::ClusterOptions::default()).await?;
//! println!("export KUBECONFIG={}", cluster.kubeconfig_path().display());
//! cluster.shutdown().await;
//! # Ok(()) }
//! ```

pub mod apiserver;
pub mod cluster;
pub mod controllers;
pub mod demo;
pub mod limits;
pub mod machinery;
pub mod options;
pub mod runtime;
pub mod state;
pub mod testing;

pub use apiserver::faults::{Faults, RequestMatch};
pub use cluster::Cluster;
pub use options::ClusterOptions;

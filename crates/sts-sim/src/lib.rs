//! sts-sim: a simulated Kubernetes cluster on 127.0.0.1 that the real `kubectl` and
//! kube-rs accept. It serves the REST API over HTTPS with a CA of its own (plain HTTP on
//! request), stores objects, and runs a StatefulSet controller, a volume provisioner, a
//! scheduler/kubelet, an endpoints controller, a garbage collector and kube-proxy's node
//! ports, following upstream behaviour (see STATEFULSET.md and README.md).
//!
//! Containers are simulated by image name (see [`containers`]): `visits*` images count
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

pub mod admin;
pub mod api;
pub mod api_error;
pub mod app_metrics;
pub mod apply;
pub mod authn;
pub mod authz;
pub mod cluster;
pub mod containers;
pub mod controllers;
pub mod defaults;
pub mod demo;
pub mod discovery;
pub mod eviction;
pub mod exec;
pub mod exec_stream;
pub mod faults;
pub mod fs;
pub mod guard;
pub mod impersonation;
pub mod kinds;
pub mod kubeconfig;
pub mod limits;
pub mod logs;
pub mod nodeports;
pub mod openapi;
pub mod options;
pub mod params;
pub mod patch;
pub mod pdb;
pub mod portforward;
pub mod protobuf;
pub mod protobuf_http;
mod protobuf_json;
pub mod proxy;
pub mod rbac;
pub mod resources;
pub mod revision;
pub mod selectors;
pub mod server;
pub mod spread;
pub mod state;
pub mod store;
pub mod tables;
pub mod tar_applet;
pub mod testing;
pub mod tls;
pub mod typecheck;
pub mod validation;
pub mod watch;

pub use cluster::Cluster;
pub use faults::{Faults, RequestMatch};
pub use options::ClusterOptions;

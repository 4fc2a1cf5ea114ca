//! The simulated kube-apiserver: the HTTP front (routing, the request filters of [`auth`],
//! faults), every endpoint it serves (discovery, CRUD answers as tables, watch, exec, logs,
//! port-forward, proxy, eviction, OpenAPI) and the wire formats it speaks (JSON, protobuf).
//! What the objects mean and how they are stored lives in [`crate::machinery`].

pub mod admin;
pub mod auth;
pub mod discovery;
pub mod errors;
pub mod eviction;
pub mod exec;
pub mod exec_stream;
pub mod faults;
pub mod kubeconfig;
pub mod logs;
pub mod openapi;
pub mod params;
pub mod portforward;
pub mod protobuf;
pub mod proxy;
pub mod server;
pub mod tables;
pub mod tls;
pub mod watch;

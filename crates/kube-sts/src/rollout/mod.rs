//! `kubectl sts-rollout`: partitioned rolling updates driven from the client, safely.
//!
//! Functional core: [`model`] reads StatefulSets, pods and revisions; [`plan`] turns `--steps`
//! into partitions and ordinals; [`patch`] builds JSON patches guarded by `test` operations;
//! [`status`] and [`history`] are the read-only views; [`state`] is the annotation that lets
//! `pause`, `resume` and `promote` work across processes. Imperative shell: [`driver`] executes a
//! plan with watches (no sleeps), stops and pauses on Ctrl-C or failure, and [`commands`] is one
//! function per subcommand for the binary to call, and [`permissions`] what a run will ask of
//! RBAC, checked before its first change. Neither prints: they report [`events`]
//! through a callback, and [`view`] turns those into lines and spinners.

pub mod commands;
pub mod data;
pub mod data_sources;
pub mod driver;
pub mod events;
pub mod history;
pub mod history_view;
pub mod model;
pub mod patch;
pub mod permissions;
pub mod plan;
pub mod reads;
pub mod run;
pub mod state;
pub mod status;
pub mod view;

//! `kubectl sts-rollout`: partitioned rolling updates driven from the client, safely.
//!
//! Functional core: [`model`] reads StatefulSets, pods and revisions; [`plan`] turns `--steps`
//! into partitions and ordinals; [`patch`] builds JSON patches guarded by `test` operations;
//! [`status`] and [`history`] are the read-only views; [`state`] is the annotation that lets
//! `pause`, `resume` and `promote` work across processes; [`progress`] is where a step stands
//! and [`stop`] why a run stopped. Imperative shell: [`driver`] executes a plan with watches (no
//! sleeps), stops and pauses on Ctrl-C or failure, [`calls`] holds its single requests (the
//! guarded patch, the health check), and [`commands`] is one
//! function per subcommand for the binary to call, and [`permissions`] what a run will ask of
//! RBAC, checked before its first change. Neither prints: they report [`events`]
//! through a callback, and [`view`] turns those into lines and spinners.

pub mod calls;
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
pub mod progress;
pub mod reads;
pub mod run;
pub mod state;
pub mod status;
pub mod stop;
pub mod view;

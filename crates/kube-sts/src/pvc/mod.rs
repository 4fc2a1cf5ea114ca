//! `kubectl sts-pvc`: the claim map, orphans, usage, prune, resize and retention.
//!
//! - pure plans and reports: [`claims`] (the map), [`prune`], [`retention`], [`usage`] (what to
//!   measure, the parsers) and [`resize::plan`];
//! - drivers that call the API: [`run`] (the commands the binary calls, and the prune, retention
//!   and usage drivers) and [`resize::run`] (with its backup file, [`resize::backup`]);
//! - [`permissions`]: what the mutating commands ask before their first change (pure);
//! - [`view`]: their tables and documents; [`messages`]: what each command prints around them
//!   (kubectl-style sentences, notes, hints) and the `--orphans` exit rule.

pub mod claims;
pub mod messages;
pub mod permissions;
pub mod prune;
pub mod resize;
pub mod retention;
pub mod run;
pub mod usage;
pub mod view;

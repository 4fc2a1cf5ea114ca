//! `kubectl sts-pvc`: the claim map, orphans, usage, prune, resize and retention. Pure plans
//! ([`claims`], [`prune`], [`retention`], the plan half of [`resize`]), their drivers, the
//! commands the binary calls ([`commands`]) and their views ([`view`]).

pub mod claims;
pub mod commands;
pub mod prune;
pub mod resize;
pub mod retention;
pub mod usage;
pub mod view;

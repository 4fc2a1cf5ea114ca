//! The command line every plugin shares: flags ([`args`]), the cluster and namespace they
//! resolve to once ([`target`]), and shell completion ([`complete`]).

pub mod args;
pub mod complete;
pub mod target;
pub mod values;

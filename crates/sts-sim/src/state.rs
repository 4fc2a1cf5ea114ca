//! The shared state of one simulated cluster: the object store, options, faults and
//! volumes. The HTTP server, the controllers and the simulated containers all hold an
//! `Arc<State>`.

use std::sync::Arc;

use crate::faults::Faults;
use crate::fs::FileSystems;
use crate::options::ClusterOptions;
use crate::store::Store;

/// Everything one simulated cluster holds.
pub struct State {
    /// All API objects.
    pub store: Store,
    /// The options it was started with.
    pub opts: ClusterOptions,
    /// Fault injection and request counting.
    pub faults: Faults,
    /// Volume contents.
    pub fs: FileSystems,
    /// Lines the simulated containers logged.
    pub logs: crate::logs::Logs,
}

/// Shared handle to the state.
pub type SharedState = Arc<State>;

impl State {
    /// A fresh, empty state.
    pub fn new(opts: ClusterOptions) -> Self {
        State {
            store: Store::new(),
            opts,
            faults: Faults::default(),
            fs: FileSystems::default(),
            logs: crate::logs::Logs::default(),
        }
    }
}

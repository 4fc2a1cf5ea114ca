//! The shared state of one simulated cluster: the object store, options, faults and
//! volumes. The HTTP server, the controllers and the simulated containers all hold an
//! `Arc<State>`.

use std::sync::Arc;

use crate::apiserver::faults::Faults;
use crate::apiserver::tls::Authority;
use crate::machinery::store::Store;
use crate::options::ClusterOptions;
use crate::runtime::fs::FileSystems;
use crate::runtime::nodeports::NodePorts;
use crate::runtime::spread::EndpointPicker;

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
    /// Random endpoint choice of Services.
    pub endpoints: EndpointPicker,
    /// The cluster CA, once an HTTPS cluster has made it (kept to sign client certificates).
    pub authority: std::sync::OnceLock<Authority>,
    /// Node ports listened on.
    pub node_ports: NodePorts,
    /// Lines the simulated containers logged.
    pub logs: crate::apiserver::logs::Logs,
}

/// Shared handle to the state.
pub type SharedState = Arc<State>;

impl State {
    /// A fresh, empty state.
    pub fn new(opts: ClusterOptions) -> Self {
        State {
            endpoints: EndpointPicker::new(opts.endpoint_seed),
            authority: std::sync::OnceLock::new(),
            node_ports: NodePorts::default(),
            store: Store::new(),
            opts,
            faults: Faults::default(),
            fs: FileSystems::default(),
            logs: crate::apiserver::logs::Logs::default(),
        }
    }
}

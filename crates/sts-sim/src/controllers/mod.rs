//! The controllers running inside the simulated cluster. Each one reacts to store events
//! and writes through [`crate::machinery::api`], like the real control plane does through the API.

pub mod disruption;
pub mod endpoints;
pub mod events;
pub mod gc;
pub mod kubelet;
pub mod namespace;
pub mod objects;
pub mod provisioner;
pub mod scheduler;
pub mod service_account_tokens;
pub mod statefulset;
#[cfg(test)]
pub(crate) mod test_support;
pub mod wake;

use crate::state::SharedState;

/// Starts every controller on the current tokio runtime.
pub fn spawn_all(state: SharedState) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(statefulset::run(state.clone())),
        tokio::spawn(kubelet::run(state.clone())),
        tokio::spawn(provisioner::run(state.clone())),
        tokio::spawn(endpoints::run(state.clone())),
        tokio::spawn(disruption::run(state.clone())),
        tokio::spawn(namespace::run(state.clone())),
        tokio::spawn(service_account_tokens::run(state.clone())),
        tokio::spawn(gc::run(state)),
    ]
}

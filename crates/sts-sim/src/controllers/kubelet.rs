//! The kubelet controller.

use crate::state::SharedState;

/// Runs the kubelet controller until the runtime stops.
pub async fn run(state: SharedState) {
    let _ = state;
}

/// Creates the cluster's nodes (interim until the kubelet module lands).
pub fn bootstrap_nodes(state: &crate::state::State) {
    for i in 1..=state.opts.nodes {
        let _ = crate::api::create(
            state,
            &crate::resources::NODES,
            "",
            serde_json::json!({"metadata": {"name": format!("node-{i}"), "labels": {"kubernetes.io/hostname": format!("node-{i}")}},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
            false,
        );
    }
}

//! The provisioner controller.

use crate::state::SharedState;

/// Runs the provisioner controller until the runtime stops.
pub async fn run(state: SharedState) {
    let _ = state;
}

/// Creates the default StorageClass (interim until the provisioner module lands).
pub fn bootstrap_storage(state: &crate::state::State) {
    let _ = crate::api::create(
        state,
        &crate::resources::STORAGECLASSES,
        "",
        serde_json::json!({"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "sts-sim.io/hostpath", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate", "allowVolumeExpansion": true}),
        false,
    );
}

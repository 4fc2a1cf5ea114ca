//! The statefulset controller.

use crate::state::SharedState;

/// Runs the statefulset controller until the runtime stops.
pub async fn run(state: SharedState) {
    let _ = state;
}

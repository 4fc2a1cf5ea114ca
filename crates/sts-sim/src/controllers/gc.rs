//! The gc controller.

use crate::state::SharedState;

/// Runs the gc controller until the runtime stops.
pub async fn run(state: SharedState) {
    let _ = state;
}

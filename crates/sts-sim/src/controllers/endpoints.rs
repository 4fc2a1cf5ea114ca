//! The endpoints controller.

use crate::state::SharedState;

/// Runs the endpoints controller until the runtime stops.
pub async fn run(state: SharedState) {
    let _ = state;
}

//! The loop shape the controllers share: sleep until a relevant store event arrives (a
//! burst is drained at once) or a resync period passes.

use std::time::Instant;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::machinery::store::Event;
use crate::state::{SharedState, State};

/// Runs a stateless controller until the runtime stops: one `pass` now, and one after each
/// burst of relevant store events (never while the faults pause controllers).
pub(crate) async fn pass_on_changes(
    state: SharedState,
    relevant: fn(&Event) -> bool,
    pass: fn(&State),
) {
    let mut rx = state.store.subscribe();
    loop {
        state.faults.wait_unpaused().await;
        pass(&state);
        wait_for_change(&mut rx, relevant, None).await;
    }
}

/// Waits until a relevant store event arrives (or `deadline` passes), then drains the
/// burst that follows so one pass handles it all. A lagging receiver counts as a change.
pub(crate) async fn wait_for_change(
    rx: &mut broadcast::Receiver<Event>,
    relevant: fn(&Event) -> bool,
    deadline: Option<Instant>,
) {
    let sleep = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d.into()).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => return,
            got = rx.recv() => match got {
                Ok(ev) if relevant(&ev) => break,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => {
                    sleep.await;
                    return;
                }
            },
        }
    }
    tokio::task::yield_now().await;
    while let Ok(_) | Err(TryRecvError::Lagged(_)) = rx.try_recv() {}
}

//! Watch-driven waiting: keep the current set of objects from one `watcher` stream (a
//! [`WatchStore`]) and re-check a predicate over the whole set after every change, within a
//! deadline. No polling, no sleeps; relists and reconnects are the watcher's job.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use kube::api::Api;
use kube::runtime::watcher;
use serde::de::DeserializeOwned;

use super::watch_store::WatchStore;
use crate::error::{Error, Result};

/// Watches `api` (narrowed by `config`) until `done` holds for the current objects, keyed by
/// name. Fails with [`Error::Timeout`] naming `what` after `timeout`.
pub async fn until<K>(
    api: Api<K>,
    config: watcher::Config,
    timeout: Duration,
    what: &str,
    mut done: impl FnMut(&BTreeMap<String, K>) -> bool,
) -> Result<BTreeMap<String, K>>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let run = async {
        let mut store: WatchStore<K> = WatchStore::default();
        let mut stream = watcher::watcher(api, config).boxed();
        while let Some(event) = stream.try_next().await.map_err(|e| Error::Client {
            message: format!("watch failed while waiting for {what}: {e}"),
        })? {
            if store.apply(event) && done(store.objects()) {
                return Ok(store.into_objects());
            }
        }
        Err(Error::Client {
            message: format!("watch ended while waiting for {what}"),
        })
    };
    tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| Error::Timeout { what: what.into() })?
}

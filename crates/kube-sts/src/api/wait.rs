//! Watch-driven waiting: keep the current set of objects from one `watcher` stream and re-check a
//! predicate over the whole set after every change, within a deadline. No polling, no sleeps;
//! relists and reconnects are the watcher's job.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use kube::api::Api;
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;

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
        let mut objects: BTreeMap<String, K> = BTreeMap::new();
        let mut pending: BTreeMap<String, K> = BTreeMap::new();
        let mut stream = watcher::watcher(api, config).boxed();
        while let Some(event) = stream
            .try_next()
            .await
            .map_err(|e| Error::Other(format!("watch failed while waiting for {what}: {e}")))?
        {
            let name_of = |k: &K| k.meta().name.clone().unwrap_or_default();
            match event {
                Event::Apply(obj) => {
                    objects.insert(name_of(&obj), obj);
                }
                Event::Delete(obj) => {
                    objects.remove(&name_of(&obj));
                }
                Event::Init => pending.clear(),
                Event::InitApply(obj) => {
                    pending.insert(name_of(&obj), obj);
                    continue;
                }
                Event::InitDone => objects = std::mem::take(&mut pending),
            }
            if done(&objects) {
                return Ok(objects);
            }
        }
        Err(Error::Other(format!(
            "watch ended while waiting for {what}"
        )))
    };
    tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| Error::Timeout { what: what.into() })?
}

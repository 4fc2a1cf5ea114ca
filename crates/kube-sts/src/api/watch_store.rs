//! The current objects of one `watcher` stream, keyed by name: the one place that turns watch
//! events into a set of objects. A relist (`Init`, `InitApply`..., `InitDone`) is collected
//! aside and swapped in whole once complete, so a reader never sees half a list.

use std::collections::BTreeMap;

use kube::runtime::watcher::Event;

/// The objects a watch has delivered so far.
#[derive(Debug, Clone)]
pub struct WatchStore<K> {
    objects: BTreeMap<String, K>,
    pending: BTreeMap<String, K>,
    synced: bool,
}

impl<K> Default for WatchStore<K> {
    fn default() -> Self {
        WatchStore {
            objects: BTreeMap::new(),
            pending: BTreeMap::new(),
            synced: false,
        }
    }
}

impl<K: kube::Resource> WatchStore<K> {
    /// Applies one event. Returns false while a relist is still being collected (`InitApply`),
    /// when the objects cannot have changed; true otherwise, when a caller should look again.
    pub fn apply(&mut self, event: Event<K>) -> bool {
        let name_of = |k: &K| k.meta().name.clone().unwrap_or_default();
        match event {
            Event::Apply(obj) => {
                self.objects.insert(name_of(&obj), obj);
            }
            Event::Delete(obj) => {
                self.objects.remove(&name_of(&obj));
            }
            Event::Init => self.pending.clear(),
            Event::InitApply(obj) => {
                self.pending.insert(name_of(&obj), obj);
                return false;
            }
            Event::InitDone => {
                self.objects = std::mem::take(&mut self.pending);
                self.synced = true;
            }
        }
        true
    }

    /// The current objects by name (empty until the first list is complete).
    pub fn objects(&self) -> &BTreeMap<String, K> {
        &self.objects
    }

    /// Whether the first list is complete.
    pub fn synced(&self) -> bool {
        self.synced
    }

    /// The current objects, by name.
    pub fn into_objects(self) -> BTreeMap<String, K> {
        self.objects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;

    fn pod(name: &str, phase: &str) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = Some(name.into());
        p.status = Some(k8s_openapi::api::core::v1::PodStatus {
            phase: Some(phase.into()),
            ..Default::default()
        });
        p
    }

    fn names(store: &WatchStore<Pod>) -> Vec<&str> {
        store.objects().keys().map(String::as_str).collect()
    }

    #[test]
    fn a_relist_is_swapped_in_whole_and_events_apply_in_between() {
        let mut store = WatchStore::default();
        assert!(!store.synced());
        assert!(store.apply(Event::Init));
        assert!(!store.apply(Event::InitApply(pod("web-0", "Running"))));
        assert!(!store.apply(Event::InitApply(pod("web-1", "Running"))));
        assert!(names(&store).is_empty(), "half a list is never shown");
        assert!(store.apply(Event::InitDone));
        assert!(store.synced());
        assert_eq!(names(&store), ["web-0", "web-1"]);
        assert!(store.apply(Event::Apply(pod("web-1", "Pending"))));
        assert!(store.apply(Event::Delete(pod("web-0", "Running"))));
        assert_eq!(names(&store), ["web-1"]);
        assert_eq!(
            store.objects()["web-1"]
                .status
                .as_ref()
                .unwrap()
                .phase
                .as_deref(),
            Some("Pending")
        );
        // A relist that misses web-1 (deleted while the watch was down) forgets it.
        store.apply(Event::Init);
        store.apply(Event::InitApply(pod("web-2", "Running")));
        assert_eq!(names(&store), ["web-1"]);
        store.apply(Event::InitDone);
        assert_eq!(
            store.into_objects().into_keys().collect::<Vec<_>>(),
            ["web-2"]
        );
    }
}

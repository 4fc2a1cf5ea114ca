//! Simulated volumes: named file trees with a capacity. A PersistentVolume's tree
//! (`pv/<name>`) outlives pods, so data follows the claim; a pod's own trees
//! (`pod/<uid>/<volume>`, `root/<uid>/<container>`) start empty in every new pod.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// One volume's files (paths relative to the volume root, without a leading `/`).
#[derive(Debug, Clone, Default)]
pub struct Volume {
    /// File contents by relative path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Capacity in bytes (0 = unlimited).
    pub capacity: u64,
}

impl Volume {
    /// Bytes used by the files (plus 4 KiB of filesystem overhead per file, like a real fs).
    pub fn used_bytes(&self) -> u64 {
        self.files
            .values()
            .map(|f| (f.len() as u64).div_ceil(4096).max(1) * 4096)
            .sum()
    }
}

/// Writing past a volume's capacity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("No space left on device")]
pub struct NoSpace;

/// All volumes of the cluster.
#[derive(Debug, Clone, Default)]
pub struct FileSystems {
    inner: Arc<Mutex<HashMap<String, Volume>>>,
}

fn rel(path: &str) -> String {
    path.trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

impl FileSystems {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Volume>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Volume id of a PersistentVolume's data.
    pub fn pv_volume(pv_name: &str) -> String {
        format!("pv/{pv_name}")
    }

    /// A file's contents.
    pub fn read(&self, volume: &str, path: &str) -> Option<Vec<u8>> {
        self.lock().get(volume)?.files.get(&rel(path)).cloned()
    }

    /// Whether `path` is a directory (a prefix of some file, or the root).
    pub fn is_dir(&self, volume: &str, path: &str) -> bool {
        let p = rel(path);
        if p.is_empty() {
            return true;
        }
        let prefix = format!("{p}/");
        self.lock()
            .get(volume)
            .is_some_and(|v| v.files.keys().any(|k| k.starts_with(&prefix)))
    }

    /// Names directly inside directory `path`.
    pub fn list(&self, volume: &str, path: &str) -> Vec<String> {
        let p = rel(path);
        let prefix = if p.is_empty() {
            String::new()
        } else {
            format!("{p}/")
        };
        let inner = self.lock();
        let Some(v) = inner.get(volume) else {
            return Vec::new();
        };
        let mut names: Vec<String> = v
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or("").to_string())
            .filter(|n| !n.is_empty())
            .collect();
        names.dedup();
        names
    }

    /// Writes a whole file, creating the volume if needed.
    pub fn write(&self, volume: &str, path: &str, data: Vec<u8>) -> Result<(), NoSpace> {
        let mut inner = self.lock();
        let v = inner.entry(volume.to_string()).or_default();
        let key = rel(path);
        let old = v.files.insert(key.clone(), data);
        if v.capacity > 0 && v.used_bytes() > v.capacity {
            match old {
                Some(o) => v.files.insert(key, o),
                None => v.files.remove(&key),
            };
            return Err(NoSpace);
        }
        Ok(())
    }

    /// Appends to a file.
    pub fn append(&self, volume: &str, path: &str, data: &[u8]) -> Result<(), NoSpace> {
        let mut current = self.read(volume, path).unwrap_or_default();
        current.extend_from_slice(data);
        self.write(volume, path, current)
    }

    /// Deletes a file; returns whether it existed.
    pub fn remove_file(&self, volume: &str, path: &str) -> bool {
        self.lock()
            .get_mut(volume)
            .is_some_and(|v| v.files.remove(&rel(path)).is_some())
    }

    /// Sets a volume's capacity, creating it if needed.
    pub fn set_capacity(&self, volume: &str, bytes: u64) {
        self.lock().entry(volume.to_string()).or_default().capacity = bytes;
    }

    /// Used and capacity bytes of a volume.
    pub fn usage(&self, volume: &str) -> (u64, u64) {
        self.lock()
            .get(volume)
            .map(|v| (v.used_bytes(), v.capacity))
            .unwrap_or((0, 0))
    }

    /// Empties a volume (the fault "volume wiped").
    pub fn wipe(&self, volume: &str) {
        if let Some(v) = self.lock().get_mut(volume) {
            v.files.clear();
        }
    }

    /// Drops a volume and its data.
    pub fn drop_volume(&self, volume: &str) {
        self.lock().remove(volume);
    }

    /// Drops every volume whose id starts with `prefix` (a pod's own trees).
    pub fn drop_prefix(&self, prefix: &str) {
        self.lock().retain(|k, _| !k.starts_with(prefix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_directories_and_capacity() {
        let fs = FileSystems::default();
        fs.set_capacity("pv/a", 8192);
        fs.write("pv/a", "/data/visits", b"3".to_vec()).unwrap();
        fs.append("pv/a", "data/visits", b"4").unwrap();
        assert_eq!(fs.read("pv/a", "/data/visits").unwrap(), b"34");
        assert!(fs.is_dir("pv/a", "/data"));
        assert!(!fs.is_dir("pv/a", "/data/visits"));
        assert_eq!(fs.list("pv/a", "/"), vec!["data"]);
        assert_eq!(fs.usage("pv/a"), (4096, 8192));
        fs.write("pv/a", "b", vec![0; 4000]).unwrap();
        assert_eq!(fs.write("pv/a", "c", vec![0; 10]), Err(NoSpace));
        fs.wipe("pv/a");
        assert_eq!(fs.read("pv/a", "data/visits"), None);
    }
}

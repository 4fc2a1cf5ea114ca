//! The backup file `resize` writes before it changes anything: the StatefulSet exactly as it
//! was read and the pod UIDs, enough to finish the resize ([`crate::pvc::resize::restore`]) or
//! undo it by hand. Naming, finding the newest, reading and writing.

use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::StatefulSet;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pvc::resize::plan::{PodIdentity, ResizePlan};
use crate::read::snapshot::Snapshot;

/// `kind` of the backup file.
pub const BACKUP_KIND: &str = "StatefulSetResizeBackup";

/// What is written before anything changes; enough to finish or undo the resize by hand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    /// Our schema version.
    pub api_version: String,
    /// [`BACKUP_KIND`].
    pub kind: String,
    /// When it was written (RFC 3339).
    pub created_at: String,
    /// The template being resized.
    pub template: String,
    /// The new size.
    pub size: String,
    /// Pods before the resize.
    pub pods: Vec<PodIdentity>,
    /// The StatefulSet exactly as it was read.
    pub stateful_set: StatefulSet,
}

impl Backup {
    /// Namespace of the backed-up StatefulSet.
    pub fn namespace(&self) -> &str {
        self.stateful_set
            .metadata
            .namespace
            .as_deref()
            .unwrap_or("default")
    }

    /// Name of the backed-up StatefulSet.
    pub fn name(&self) -> &str {
        self.stateful_set
            .metadata
            .name
            .as_deref()
            .unwrap_or_default()
    }
}

/// `<namespace>_<name>_<UTC time>.json`.
pub fn backup_file_name(namespace: &str, name: &str, at: jiff::Timestamp) -> String {
    format!("{namespace}_{name}_{}.json", at.strftime("%Y%m%dT%H%M%SZ"))
}

/// The newest backup of `namespace/name` in `dir`, if any.
pub fn latest_backup(dir: &Path, namespace: &str, name: &str) -> Option<PathBuf> {
    let prefix = format!("{namespace}_{name}_");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// The default backup directory: `$XDG_STATE_HOME/kubectl-sts/backups`, else
/// `~/.local/state/kubectl-sts/backups`.
pub fn default_backup_dir() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("kubectl-sts").join("backups")
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::File {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Reads a backup file.
pub fn read_backup(path: &Path) -> Result<Backup> {
    let text = std::fs::read_to_string(path).map_err(|e| file_err(path, e))?;
    let backup: Backup = serde_json::from_str(&text).map_err(|e| file_err(path, e))?;
    if backup.kind != BACKUP_KIND {
        return Err(file_err(
            path,
            format!("not a {BACKUP_KIND} (kind {:?})", backup.kind),
        ));
    }
    Ok(backup)
}

/// Writes the backup of `snap` for `plan` into `dir` (created if needed) and returns its path.
pub fn write_backup(dir: &Path, snap: &Snapshot, plan: &ResizePlan) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| file_err(dir, e))?;
    let now = jiff::Timestamp::now();
    let path = dir.join(backup_file_name(&plan.namespace, &plan.name, now));
    let backup = Backup {
        api_version: crate::render::API_VERSION.into(),
        kind: BACKUP_KIND.into(),
        created_at: now.to_string(),
        template: plan.template.clone(),
        size: plan.to.clone(),
        pods: plan.pods.clone(),
        stateful_set: snap.statefulset.clone(),
    };
    let text = serde_json::to_string_pretty(&backup).map_err(|e| file_err(&path, e))?;
    std::fs::write(&path, text).map_err(|e| file_err(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_are_found_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let t1: jiff::Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let t2: jiff::Timestamp = "2024-01-02T00:00:00Z".parse().unwrap();
        for t in [t1, t2] {
            std::fs::write(dir.path().join(backup_file_name("default", "web", t)), "{}").unwrap();
        }
        std::fs::write(
            dir.path().join(backup_file_name("default", "webx", t2)),
            "{}",
        )
        .unwrap();
        let latest = latest_backup(dir.path(), "default", "web").unwrap();
        assert!(
            latest.ends_with("default_web_20240102T000000Z.json"),
            "{latest:?}"
        );
        assert!(latest_backup(dir.path(), "default", "db").is_none());
        assert!(read_backup(&latest).is_err());
    }
}

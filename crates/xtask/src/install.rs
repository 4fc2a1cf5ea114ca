//! Installing from source into a prefix: per plugin the binary (`kubectl-sts-visits`, which
//! answers `kubectl sts visits`), a link `kubectl-sts_visits` (which answers
//! `kubectl sts-visits`), and the completion shim `kubectl_complete-sts_visits`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::completions::shim_script;
use crate::krew::set_executable;
use crate::plugins::PLUGINS;

/// The default prefix: `~/.local/bin` when it is on PATH, else cargo's bin folder
/// (`$CARGO_HOME/bin`, `~/.cargo/bin`) when that is, else `~/.local/bin`.
pub fn default_prefix() -> PathBuf {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_default();
    let local = home.join(".local").join("bin");
    let cargo = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".cargo"))
        .join("bin");
    if on_path(&local) || !on_path(&cargo) {
        local
    } else {
        cargo
    }
}

/// Whether `dir` is one of the PATH entries.
pub fn on_path(dir: &Path) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    let want = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    std::env::split_paths(&path).any(|p| p.canonicalize().unwrap_or(p) == want)
}

/// Every file name the suite installs into a prefix.
pub fn installed_names() -> Vec<String> {
    let exe = std::env::consts::EXE_SUFFIX;
    PLUGINS
        .iter()
        .flat_map(|p| [p.binary_file(), format!("{}{exe}", p.link()), p.shim()])
        .collect()
}

/// Copies the binaries from `bin_dir` into `prefix` and adds the links and shims; returns the
/// paths written.
pub fn install(bin_dir: &Path, prefix: &Path) -> Result<Vec<PathBuf>> {
    crate::paths::check_binaries(bin_dir)?;
    std::fs::create_dir_all(prefix).with_context(|| format!("creating {}", prefix.display()))?;
    let mut written = Vec::new();
    for plugin in PLUGINS {
        let binary = prefix.join(plugin.binary_file());
        // Replace rather than overwrite in place: a running binary may be busy.
        remove_if_present(&binary)?;
        std::fs::copy(bin_dir.join(plugin.binary_file()), &binary)
            .with_context(|| format!("copying to {}", binary.display()))?;
        set_executable(&binary)?;
        written.push(binary);

        let link = prefix.join(format!("{}{}", plugin.link(), std::env::consts::EXE_SUFFIX));
        remove_if_present(&link)?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(plugin.binary_file(), &link)
            .with_context(|| format!("linking {}", link.display()))?;
        #[cfg(not(unix))]
        std::fs::copy(prefix.join(plugin.binary_file()), &link)?;
        written.push(link);

        let shim = prefix.join(plugin.shim());
        remove_if_present(&shim)?;
        std::fs::write(&shim, shim_script(&plugin))?;
        set_executable(&shim)?;
        written.push(shim);
    }
    Ok(written)
}

/// Removes what [`install`] put into `prefix`; returns the paths removed.
pub fn uninstall(prefix: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for name in installed_names() {
        let path = prefix.join(name);
        if remove_if_present(&path)? {
            removed.push(path);
        }
    }
    Ok(removed)
}

fn remove_if_present(path: &Path) -> Result<bool> {
    match path.symlink_metadata() {
        Ok(_) => {
            std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

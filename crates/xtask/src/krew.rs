//! Installing an archive the way `kubectl krew install --manifest M --archive A` does, without
//! krew and without the network: pick the platform entry, check the sha256, unpack into a
//! temporary folder, apply the `files` operations into the store
//! (`<root>/store/<name>/<version>/`), and link the `bin` file as
//! `<root>/bin/kubectl-<name with - turned into _>`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::archive;
use crate::manifest::Manifest;

/// Where krew put a plugin.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The link on PATH (`<root>/bin/kubectl-sts_visits`).
    pub link: PathBuf,
    /// The binary it points at, inside the store.
    pub target: PathBuf,
}

/// Installs `archive_path` for the platform `os`/`arch` under the krew root `root`.
pub fn install(
    manifest: &Manifest,
    archive_path: &Path,
    root: &Path,
    os: &str,
    arch: &str,
) -> Result<Installed> {
    let name = &manifest.metadata.name;
    let platform = manifest
        .platform(os, arch)
        .with_context(|| format!("plugin {name} does not offer {os}/{arch}"))?;
    let digest = archive::sha256_file(archive_path)?;
    if digest != platform.sha256 {
        bail!(
            "checksum does not match: the manifest wants {} but {} has {digest}",
            platform.sha256,
            archive_path.display()
        );
    }
    let staging = root.join("tmp").join(name);
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    archive::unpack(archive_path, &staging)?;
    let store = root.join("store").join(name).join(&manifest.spec.version);
    if store.exists() {
        std::fs::remove_dir_all(&store)?;
    }
    std::fs::create_dir_all(&store)?;
    match &platform.files {
        None => copy_tree(&staging, &store)?,
        Some(ops) => {
            for op in ops {
                let matched = glob(&staging, &op.from)?;
                if matched.is_empty() {
                    bail!("files: {:?} matches nothing in the archive", op.from);
                }
                let dest_dir = store.join(&op.to);
                std::fs::create_dir_all(&dest_dir)?;
                for from in matched {
                    let file_name = from.file_name().context("file name")?;
                    copy_tree_entry(&from, &dest_dir.join(file_name))?;
                }
            }
        }
    }
    std::fs::remove_dir_all(&staging)?;
    let target = store.join(&platform.bin);
    if !target.is_file() {
        bail!("bin {:?} is not in the installed files", platform.bin);
    }
    set_executable(&target)?;
    let bin_dir = root.join("bin");
    std::fs::create_dir_all(&bin_dir)?;
    let ext = if os == "windows" { ".exe" } else { "" };
    let link = bin_dir.join(format!("kubectl-{}{ext}", name.replace('-', "_")));
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link)?;
    }
    link_or_copy(&target, &link)?;
    Ok(Installed { link, target })
}

/// `from` relative to `dir`: an exact path, or a last component with `*`.
fn glob(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>> {
    let path = dir.join(pattern);
    let Some(last) = Path::new(pattern)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
    else {
        bail!("files: bad pattern {pattern:?}");
    };
    if !last.contains('*') {
        return Ok(if path.exists() { vec![path] } else { vec![] });
    }
    let parent = path.parent().context("pattern parent")?;
    let (prefix, suffix) = last.split_once('*').unwrap_or((&last, ""));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(parent)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix)
            && name.ends_with(suffix)
            && name.len() >= prefix.len() + suffix.len()
        {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        copy_tree_entry(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(())
}

fn copy_tree_entry(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        copy_tree(from, to)
    } else {
        std::fs::copy(from, to).with_context(|| format!("copying {}", from.display()))?;
        Ok(())
    }
}

/// Marks a file executable (no-op on Windows).
pub fn set_executable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut perms = std::fs::metadata(path)?.permissions();
        perms.set_mode(perms.mode() | 0o755);
        std::fs::set_permissions(path, perms)?;
    }
    let _ = path;
    Ok(())
}

/// A symbolic link where the OS has them, else a copy.
pub fn link_or_copy(target: &Path, link: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, link)
            .with_context(|| format!("linking {}", link.display()))?;
    }
    #[cfg(not(unix))]
    {
        std::fs::copy(target, link).with_context(|| format!("copying to {}", link.display()))?;
    }
    Ok(())
}

//! The release step: the host's archive, its sha256, and the krew manifests.
//!
//! One archive per platform holds all three binaries and LICENSE as plain files
//! (`kubectl-sts_<version>_<os>_<arch>.tar.gz`); the three manifests share it and each keeps only
//! its own binary (`files`). The manifests are rendered from `plugins/templates/<name>.yaml`.
//! The host's digest comes from the archive just built; other platforms' from `--archive
//! os/arch=PATH` (built elsewhere) or `--sha256 os/arch=HEX`; a re-run for the same version keeps
//! the digests already in `plugins/`; anything else is an error unless `--allow-missing`, which
//! writes [`crate::manifest::PLACEHOLDER_SHA256`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::archive::{self, Entry};
use crate::manifest::{self, PLACEHOLDER_SHA256, PLATFORMS};
use crate::plugins::PLUGINS;

/// Where releases are downloaded from, by default (the version is appended).
pub const DEFAULT_BASE_URL: &str = "https://github.com/kubectl-sts/kubectl-sts/releases/download";

/// The archive's file name for a version and platform.
pub fn archive_name(version: &str, os: &str, arch: &str) -> String {
    format!("kubectl-sts_{version}_{os}_{arch}.tar.gz")
}

/// The default download folder of a version.
pub fn default_base_url(version: &str) -> String {
    format!("{DEFAULT_BASE_URL}/{version}")
}

/// Builds the host's archive from the binaries in `bin_dir` into `out_dir` (gzip `level` 0-9).
pub fn host_archive(
    bin_dir: &Path,
    root: &Path,
    out_dir: &Path,
    version: &str,
    level: u32,
) -> Result<PathBuf> {
    crate::paths::check_binaries(bin_dir)?;
    let (os, arch) = manifest::host_platform();
    std::fs::create_dir_all(out_dir)?;
    let path = out_dir.join(archive_name(version, &os, &arch));
    let mut entries: Vec<Entry> = PLUGINS
        .iter()
        .map(|p| Entry {
            name: p.binary_file(),
            source: bin_dir.join(p.binary_file()),
            mode: 0o755,
        })
        .collect();
    entries.push(Entry {
        name: "LICENSE".into(),
        source: root.join("LICENSE"),
        mode: 0o644,
    });
    archive::write_tar_gz(&path, &entries, level)?;
    Ok(path)
}

/// Parses `os/arch=VALUE`.
pub fn parse_platform_value(text: &str) -> Result<(String, String)> {
    let (platform, value) = text
        .split_once('=')
        .with_context(|| format!("{text:?}: expected OS/ARCH=VALUE"))?;
    if !PLATFORMS
        .iter()
        .any(|(os, arch)| format!("{os}/{arch}") == platform)
    {
        bail!("{platform:?} is not one of the released platforms");
    }
    Ok((platform.to_string(), value.to_string()))
}

/// The digests in the manifest at `path` if it is for `version`, by `os/arch`.
pub fn existing_sha256(path: &Path, version: &str) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    let Ok(m) = manifest::parse(&text) else {
        return BTreeMap::new();
    };
    if m.spec.version != version {
        return BTreeMap::new();
    }
    PLATFORMS
        .iter()
        .filter_map(|(os, arch)| {
            let p = m.platform(os, arch)?;
            Some((format!("{os}/{arch}"), p.sha256.clone()))
        })
        .collect()
}

/// Renders every manifest into `manifests_dir` from the templates in `templates_dir`.
/// `known` maps `os/arch` to digests; gaps are filled from the existing manifests of the same
/// version, else with the placeholder when `allow_missing`, else an error.
pub fn fill_manifests(
    templates_dir: &Path,
    manifests_dir: &Path,
    version: &str,
    base_url: &str,
    known: &BTreeMap<String, String>,
    allow_missing: bool,
) -> Result<Vec<PathBuf>> {
    if !manifest::is_semver(version) {
        bail!("version {version:?} must be semver with a leading v (v1.2.3)");
    }
    let mut written = Vec::new();
    for plugin in PLUGINS {
        let template_path = templates_dir.join(format!("{}.yaml", plugin.name));
        let template = std::fs::read_to_string(&template_path)
            .with_context(|| format!("reading {}", template_path.display()))?;
        let out = manifests_dir.join(format!("{}.yaml", plugin.name));
        let mut shas = existing_sha256(&out, version);
        shas.extend(known.clone());
        for (os, arch) in PLATFORMS {
            let key = format!("{os}/{arch}");
            if let std::collections::btree_map::Entry::Vacant(slot) = shas.entry(key.clone()) {
                if !allow_missing {
                    bail!(
                        "no sha256 for {key}: pass --archive {key}=PATH or --sha256 {key}=HEX \
                         (or --allow-missing)"
                    );
                }
                slot.insert(PLACEHOLDER_SHA256.to_string());
            }
        }
        let text = manifest::render(&template, version, base_url, &shas)?;
        let parsed = manifest::parse(&text)?;
        let problems = manifest::validate(plugin.name, &parsed);
        if !problems.is_empty() {
            bail!(
                "{} would not pass krew's checks:\n  {}",
                out.display(),
                problems.join("\n  ")
            );
        }
        std::fs::create_dir_all(manifests_dir)?;
        std::fs::write(&out, text)?;
        written.push(out);
    }
    Ok(written)
}

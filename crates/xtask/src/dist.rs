//! The release step: per-plugin archives for one platform with their `.sha256` files, and the
//! krew manifests rendered from `plugins/templates/<name>.yaml` with the digests passed in.
//!
//! Each plugin has its own archive per platform, `kubectl-sts-visits_<version>_<os>_<arch>.tar.gz`
//! (`.zip` on Windows), holding its binary and LICENSE as plain files, with
//! `<archive>.sha256` beside it in `sha256sum` form. The release workflow builds one platform
//! per job, gathers every `.sha256` file into one folder and renders the manifests from it
//! (`--checksums DIR`); a digest can also be passed as `--sha256 FILE=HEX`. A manifest with a
//! digest missing is an error, unless `--pending` asks for an unreleased template, which gets the
//! explicit placeholder `{{sha256 OS/ARCH}}` (see [`crate::digests`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::archive::{self, Entry};
use crate::digests::{self, Pending};
use crate::manifest::{self, PLATFORMS};
use crate::plugins::{Plugin, PLUGINS};

/// Where releases are downloaded from, by default (the version is appended).
pub const DEFAULT_BASE_URL: &str = "https://github.com/kubectl-sts/kubectl-sts/releases/download";

/// The archive's file name for a plugin, version and platform (`.zip` on Windows).
pub fn archive_name(plugin: &Plugin, version: &str, os: &str, arch: &str) -> String {
    let ext = if os == "windows" { "zip" } else { "tar.gz" };
    format!("{}_{version}_{os}_{arch}.{ext}", plugin.binary())
}

/// The default download folder of a version.
pub fn default_base_url(version: &str) -> String {
    format!("{DEFAULT_BASE_URL}/{version}")
}

/// The krew platform (`linux`, `amd64`) of a Rust target triple such as
/// `aarch64-unknown-linux-musl`.
pub fn platform_of_target(triple: &str) -> Result<(String, String)> {
    let arch = match triple.split('-').next().unwrap_or_default() {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => bail!("target {triple:?}: architecture {other:?} is not released"),
    };
    let os = if triple.contains("-linux-") {
        "linux"
    } else if triple.contains("-apple-darwin") {
        "darwin"
    } else if triple.contains("-windows-") {
        "windows"
    } else {
        bail!("target {triple:?}: its operating system is not released");
    };
    if !PLATFORMS.contains(&(os, arch)) {
        bail!("target {triple:?} ({os}/{arch}) is not one of the released platforms");
    }
    Ok((os.to_string(), arch.to_string()))
}

/// Writes each plugin's archive for `os`/`arch` from the binaries in `bin_dir` into `out_dir`
/// (gzip `level` 0-9), each with its `.sha256` file; returns `(archive, digest)` per plugin.
pub fn build_archives(
    bin_dir: &Path,
    root: &Path,
    out_dir: &Path,
    version: &str,
    (os, arch): (&str, &str),
    level: u32,
) -> Result<Vec<(PathBuf, String)>> {
    if !manifest::is_semver(version) {
        bail!("version {version:?} must be semver with a leading v (v1.2.3)");
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut built = Vec::new();
    for plugin in PLUGINS {
        let binary = plugin.binary_file_for(os);
        let source = bin_dir.join(&binary);
        if !source.is_file() {
            bail!(
                "{} not found: build it first (cargo build --release) or pass --from DIR",
                source.display()
            );
        }
        let entries = [
            Entry {
                name: binary,
                source,
                mode: 0o755,
            },
            Entry {
                name: "LICENSE".into(),
                source: root.join("LICENSE"),
                mode: 0o644,
            },
        ];
        let name = archive_name(&plugin, version, os, arch);
        let path = out_dir.join(&name);
        if os == "windows" {
            archive::write_zip(&path, &entries, level)?;
        } else {
            archive::write_tar_gz(&path, &entries, level)?;
        }
        let digest = archive::sha256_file(&path)?;
        let sum = out_dir.join(format!("{name}.sha256"));
        std::fs::write(&sum, digests::checksum_line(&digest, &name))
            .with_context(|| format!("writing {}", sum.display()))?;
        built.push((path, digest));
    }
    Ok(built)
}

/// Every digest in the `*.sha256` files of `dir`, by archive file name.
pub fn read_checksums(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut known = BTreeMap::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("reading folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "sha256") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        for (hex, name) in
            digests::parse_checksums(&text).with_context(|| format!("{}", path.display()))?
        {
            known.insert(name, hex);
        }
    }
    Ok(known)
}

/// Parses `FILE=HEX` (an archive's file name and its digest).
pub fn parse_digest_arg(text: &str) -> Result<(String, String)> {
    let (name, hex) = text
        .split_once('=')
        .with_context(|| format!("{text:?}: expected ARCHIVE-FILE=SHA256"))?;
    if !digests::is_sha256(hex) {
        bail!("{text:?}: the digest must be 64 lowercase hex digits");
    }
    Ok((name.to_string(), hex.to_string()))
}

/// Renders every manifest into `manifests_dir` from the templates in `templates_dir`, with the
/// digests in `known` (by archive file name). A digest missing is an error naming the archive,
/// or with [`Pending::Allow`] an explicit placeholder. Each manifest is checked against krew's
/// rules before it is written.
pub fn fill_manifests(
    templates_dir: &Path,
    manifests_dir: &Path,
    version: &str,
    base_url: &str,
    known: &BTreeMap<String, String>,
    pending: Pending,
) -> Result<Vec<PathBuf>> {
    if !manifest::is_semver(version) {
        bail!("version {version:?} must be semver with a leading v (v1.2.3)");
    }
    let mut missing = Vec::new();
    let mut rendered = Vec::new();
    for plugin in PLUGINS {
        let template_path = templates_dir.join(format!("{}.yaml", plugin.name));
        let template = std::fs::read_to_string(&template_path)
            .with_context(|| format!("reading {}", template_path.display()))?;
        let mut shas = BTreeMap::new();
        for (os, arch) in PLATFORMS {
            let platform = format!("{os}/{arch}");
            let name = archive_name(&plugin, version, os, arch);
            let digest = match known.get(&name) {
                Some(hex) => hex.clone(),
                None => {
                    missing.push(name);
                    digests::placeholder(&platform)
                }
            };
            shas.insert(platform, digest);
        }
        let text = manifest::render(&template, version, base_url, &shas)?;
        let out = manifests_dir.join(format!("{}.yaml", plugin.name));
        // Placeholders are only where a digest is missing, which is decided below.
        let problems =
            manifest::validate_with(plugin.name, &manifest::parse(&text)?, Pending::Allow);
        if !problems.is_empty() {
            bail!(
                "{} would not pass krew's checks:\n  {}",
                out.display(),
                problems.join("\n  ")
            );
        }
        rendered.push((out, text));
    }
    if pending == Pending::Refuse && !missing.is_empty() {
        bail!(
            "no sha256 for {}: pass --checksums DIR (with their .sha256 files) or --sha256 \
             FILE=HEX, or --pending for an unreleased template",
            missing.join(", ")
        );
    }
    std::fs::create_dir_all(manifests_dir)
        .with_context(|| format!("creating {}", manifests_dir.display()))?;
    let mut written = Vec::new();
    for (out, text) in rendered {
        std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
        written.push(out);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_map_to_krew_platforms() {
        for (triple, os, arch) in [
            ("x86_64-unknown-linux-musl", "linux", "amd64"),
            ("aarch64-unknown-linux-musl", "linux", "arm64"),
            ("x86_64-apple-darwin", "darwin", "amd64"),
            ("aarch64-apple-darwin", "darwin", "arm64"),
            ("x86_64-pc-windows-msvc", "windows", "amd64"),
        ] {
            assert_eq!(
                platform_of_target(triple).unwrap(),
                (os.to_string(), arch.to_string())
            );
        }
        assert!(platform_of_target("aarch64-pc-windows-msvc").is_err());
        assert!(platform_of_target("riscv64gc-unknown-linux-gnu").is_err());
        assert!(platform_of_target("").is_err());
    }

    #[test]
    fn archive_names_follow_the_platform() {
        let p = PLUGINS[0];
        assert_eq!(
            archive_name(&p, "v1.2.3", "linux", "arm64"),
            "kubectl-sts-visits_v1.2.3_linux_arm64.tar.gz"
        );
        assert_eq!(
            archive_name(&p, "v1.2.3", "windows", "amd64"),
            "kubectl-sts-visits_v1.2.3_windows_amd64.zip"
        );
    }

    #[test]
    fn digest_args_are_checked() {
        let hex = "ef".repeat(32);
        assert_eq!(
            parse_digest_arg(&format!("a.zip={hex}")).unwrap(),
            ("a.zip".to_string(), hex)
        );
        assert!(parse_digest_arg("a.zip=0").is_err());
        assert!(parse_digest_arg("a.zip").is_err());
    }
}

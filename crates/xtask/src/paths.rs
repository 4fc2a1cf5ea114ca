//! Where things are: the workspace, its target directory, and built binaries.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::plugins::PLUGINS;

/// The workspace root (the directory holding the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = here.join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The cargo target directory (`CARGO_TARGET_DIR`, else `target/` in the workspace).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        None => workspace_root().join("target"),
    }
}

/// A cargo build profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `target/debug`: quick to build, what the tests use.
    Debug,
    /// `target/release`: what users install and the release ships.
    Release,
}

impl Profile {
    /// The directory the profile's binaries land in.
    pub fn dir(self) -> PathBuf {
        target_dir().join(match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        })
    }
}

/// `cargo` as the one running us (`$CARGO`), else from PATH.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

/// Builds the plugin binaries and returns their directory.
///
/// Debug builds take every binary of the workspace (`cargo build --workspace --bins`, the
/// simulator included, as the README's equivalent of `cargo xtask demo` does); release builds
/// only the three plugins.
pub fn build(profile: Profile) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.arg("build").arg("--bins");
    match profile {
        Profile::Debug => {
            cmd.arg("--workspace");
        }
        Profile::Release => {
            cmd.arg("--release");
            for plugin in PLUGINS {
                cmd.args(["--package", &plugin.binary()]);
            }
        }
    }
    let status = cmd.status().context("running cargo build")?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    Ok(profile.dir())
}

/// Builds the debug binaries with the hidden completion and man page generators
/// (`--features kube-sts/generators`, which release builds leave out) and returns their
/// directory.
pub fn build_with_generators() -> Result<PathBuf> {
    let status = cargo()
        .args([
            "build",
            "--workspace",
            "--bins",
            "--features",
            "kube-sts/generators",
        ])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --features kube-sts/generators failed ({status})");
    }
    Ok(Profile::Debug.dir())
}

/// Builds the three plugins with the release profile for `target` (default: the host) and
/// returns the directory of their binaries (`target/<triple>/release` for a target).
pub fn build_release(target: Option<&str>) -> Result<PathBuf> {
    let Some(triple) = target else {
        return build(Profile::Release);
    };
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--locked", "--target", triple]);
    for plugin in PLUGINS {
        cmd.args(["--package", &plugin.binary()]);
    }
    let status = cmd.status().context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --target {triple} failed ({status})");
    }
    Ok(target_dir().join(triple).join("release"))
}

/// Makes sure the debug binaries are fresh the way `cargo test --workspace` builds them
/// (`cargo test --workspace --no-run`: same selection, same features, dev-dependencies
/// included), and returns their directory. Under `cargo test --workspace` this is a quick no-op;
/// under `cargo test -p xtask` it builds what the workspace's tests would.
pub fn build_as_tests() -> Result<PathBuf> {
    let out = cargo()
        .args(["test", "--workspace", "--no-run", "--quiet"])
        .output()
        .context("running cargo test --no-run")?;
    if !out.status.success() {
        bail!(
            "cargo test --workspace --no-run failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(Profile::Debug.dir())
}

/// Checks that `dir` holds every plugin binary.
pub fn check_binaries(dir: &Path) -> Result<()> {
    for plugin in PLUGINS {
        let path = dir.join(plugin.binary_file());
        if !path.is_file() {
            bail!(
                "{} not found; build it first (cargo build --bins) or pass another --from",
                path.display()
            );
        }
    }
    Ok(())
}

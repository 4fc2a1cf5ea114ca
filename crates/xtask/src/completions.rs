//! `completions/` and `man/`: generated from each binary's own clap definition (its hidden
//! `__completions SHELL` and `__man` entry points), plus the `kubectl_complete-*` shims.
//! [`stale`] compares the checked-in files with a fresh generation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::plugins::{Plugin, PLUGINS};

/// The shells scripts are generated for, with the file name clap_complete gives each.
pub const SHELLS: [&str; 4] = ["bash", "zsh", "fish", "powershell"];

/// The file name of a static completion script (as clap_complete names them).
pub fn script_file(shell: &str, binary: &str) -> String {
    match shell {
        "bash" => format!("{binary}.bash"),
        "zsh" => format!("_{binary}"),
        "fish" => format!("{binary}.fish"),
        "powershell" => format!("_{binary}.ps1"),
        other => format!("{binary}.{other}"),
    }
}

/// The shim kubectl runs to complete `kubectl sts-visits ...`: it hands the words to the plugin's
/// hidden `__complete` entry point, whichever of its two names is on PATH.
pub fn shim_script(plugin: &Plugin) -> String {
    format!(
        r#"#!/bin/sh
# kubectl (1.26+) runs this file to complete `kubectl {name} ...`: it passes the words typed
# after the plugin name and the word being completed, and reads candidates back.
# Put it on PATH next to the plugin (`cargo xtask install` does).
for bin in {binary} {link}; do
  if command -v "$bin" >/dev/null 2>&1; then
    exec "$bin" __complete "$@"
  fi
done
echo ":4"
"#,
        name = plugin.name,
        binary = plugin.binary(),
        link = plugin.link(),
    )
}

fn run(binary: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new(binary)
        .args(args)
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    if !out.status.success() {
        bail!(
            "{} {} failed: {}",
            binary.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}

/// Every generated file, by path relative to the workspace root, from the binaries in `bin_dir`.
pub fn generate(bin_dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for plugin in PLUGINS {
        let binary = bin_dir.join(plugin.binary_file());
        for shell in SHELLS {
            let script = run(&binary, &["__completions", shell])?;
            files.insert(
                Path::new("completions").join(script_file(shell, &plugin.binary())),
                script,
            );
        }
        files.insert(
            Path::new("completions").join(plugin.shim()),
            shim_script(&plugin).into_bytes(),
        );
        files.insert(
            Path::new("man").join(format!("{}.1", plugin.binary())),
            run(&binary, &["__man"])?,
        );
    }
    Ok(files)
}

/// Writes the generated files under `root` (shims executable).
pub fn write(root: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
    for (rel, bytes) in files {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        if rel
            .file_name()
            .is_some_and(|f| f.to_string_lossy().starts_with("kubectl_complete-"))
        {
            crate::krew::set_executable(&path)?;
        }
    }
    Ok(())
}

/// The generated files whose checked-in copy under `root` is missing or different.
pub fn stale(root: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|(rel, bytes)| {
            std::fs::read(root.join(rel)).ok().as_deref() != Some(bytes.as_slice())
        })
        .map(|(rel, _)| rel.clone())
        .collect()
}

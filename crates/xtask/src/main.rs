//! `cargo xtask`: install from source, release archives and krew manifests, completions, demo.
//! Run `cargo xtask --help`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use xtask::digests::Pending;
use xtask::paths::{self, Profile};
use xtask::{completions, dist, install, manifest, validate};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Chores of the kubectl sts workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the release binaries and install them with the kubectl-sts_* links and the
    /// kubectl_complete-* completion shims.
    Install {
        /// Where to install (default: ~/.local/bin if on PATH, else $CARGO_HOME/bin if on PATH,
        /// else ~/.local/bin).
        #[arg(long, value_name = "DIR")]
        prefix: Option<PathBuf>,
        /// Install debug binaries (quicker to build).
        #[arg(long, conflicts_with = "from")]
        debug: bool,
        /// Install the binaries already in DIR instead of building.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Remove what `install` put into the prefix.
    Uninstall {
        /// The prefix given to install.
        #[arg(long, value_name = "DIR")]
        prefix: Option<PathBuf>,
    },
    /// Release archives of one platform (each plugin's binary and LICENSE, with a .sha256
    /// file), and/or the krew manifests rendered from plugins/templates with the digests.
    Dist {
        /// The release version (vMAJOR.MINOR.PATCH).
        #[arg(long, value_name = "vX.Y.Z")]
        version: String,
        /// The Rust target the binaries are for (default: the host), e.g.
        /// aarch64-unknown-linux-musl; names the archives' platform.
        #[arg(long, value_name = "TRIPLE")]
        target: Option<String>,
        /// Package the binaries in DIR instead of building release ones.
        #[arg(long, value_name = "DIR", conflicts_with = "no_archives")]
        from: Option<PathBuf>,
        /// Where to put the archives and their .sha256 files (default: target/dist).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Build no archives (only render manifests from digests passed in).
        #[arg(long, requires = "manifests")]
        no_archives: bool,
        /// Render the three manifests into DIR (e.g. plugins).
        #[arg(long, value_name = "DIR")]
        manifests: Option<PathBuf>,
        /// A folder of .sha256 files of archives built elsewhere (repeatable).
        #[arg(long, value_name = "DIR")]
        checksums: Vec<PathBuf>,
        /// One archive's digest (repeatable): kubectl-sts-pvc_v1.0.0_darwin_arm64.tar.gz=HEX.
        #[arg(long = "sha256", value_name = "FILE=HEX")]
        digests: Vec<String>,
        /// Write the explicit placeholder {{sha256 OS/ARCH}} for digests not passed in (a
        /// template for a version not released yet) instead of failing.
        #[arg(long)]
        pending: bool,
        /// Download folder of the archives (default: the GitHub release of the version).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// gzip level, 0-9.
        #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(0..=9))]
        level: u32,
    },
    /// Check krew manifests (default: plugins/*.yaml) against krew's rules, parsing YAML with
    /// its types (a digest must be a quoted string).
    Validate {
        /// Manifests to check, named <plugin>.yaml.
        files: Vec<PathBuf>,
        /// Refuse {{sha256 OS/ARCH}} placeholders (for released manifests).
        #[arg(long)]
        released: bool,
    },
    /// Regenerate completions/ and man/ from the binaries built with their generators
    /// (--features kube-sts/generators), or only --check them.
    Completions {
        /// Fail if a checked-in file differs instead of writing.
        #[arg(long)]
        check: bool,
        /// Use the binaries in DIR (built with the generators) instead of building debug ones.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Build the workspace's binaries (debug), then run `sts-sim demo`.
    Demo {
        /// Keep the simulated cluster running after the demo (until Ctrl-C).
        #[arg(long)]
        keep: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let root = paths::workspace_root();
    match cli.command {
        Command::Install {
            prefix,
            debug,
            from,
        } => {
            let bin_dir = match from {
                Some(dir) => dir,
                None if debug => paths::build(Profile::Debug)?,
                None => paths::build(Profile::Release)?,
            };
            let prefix = prefix.unwrap_or_else(install::default_prefix);
            for path in install::install(&bin_dir, &prefix)? {
                println!("installed {}", path.display());
            }
            if !install::on_path(&prefix) {
                println!(
                    "note: {} is not on PATH; add it: export PATH=\"{}:$PATH\"",
                    prefix.display(),
                    prefix.display()
                );
            }
            println!("try: kubectl sts-visits --help    (and kubectl plugin list)");
        }
        Command::Uninstall { prefix } => {
            let prefix = prefix.unwrap_or_else(install::default_prefix);
            let removed = install::uninstall(&prefix)?;
            if removed.is_empty() {
                println!("nothing of kubectl sts in {}", prefix.display());
            }
            for path in removed {
                println!("removed {}", path.display());
            }
        }
        Command::Dist {
            version,
            target,
            from,
            out,
            no_archives,
            manifests,
            checksums,
            digests,
            pending,
            base_url,
            level,
        } => {
            if !manifest::is_semver(&version) {
                bail!("--version {version:?} must be semver with a leading v (v1.2.3)");
            }
            let mut known = BTreeMap::new();
            if !no_archives {
                let (os, arch) = match &target {
                    Some(triple) => dist::platform_of_target(triple)?,
                    None => manifest::host_platform(),
                };
                let bin_dir = match from {
                    Some(dir) => dir,
                    None => paths::build_release(target.as_deref())?,
                };
                let out = out.unwrap_or_else(|| paths::target_dir().join("dist"));
                let built =
                    dist::build_archives(&bin_dir, &root, &out, &version, (&os, &arch), level)?;
                for (path, digest) in built {
                    println!("{digest}  {}", path.display());
                    let name = path.file_name().context("archive name")?;
                    known.insert(name.to_string_lossy().into_owned(), digest);
                }
            }
            for dir in checksums {
                known.extend(dist::read_checksums(&dir)?);
            }
            for arg in digests {
                let (name, hex) = dist::parse_digest_arg(&arg)?;
                known.insert(name, hex);
            }
            if let Some(manifests) = manifests {
                let base_url = base_url.unwrap_or_else(|| dist::default_base_url(&version));
                let pending = if pending {
                    Pending::Allow
                } else {
                    Pending::Refuse
                };
                let written = dist::fill_manifests(
                    &root.join("plugins").join("templates"),
                    &manifests,
                    &version,
                    &base_url,
                    &known,
                    pending,
                )?;
                for path in written {
                    println!("wrote {}", path.display());
                }
            }
        }
        Command::Validate { files, released } => {
            let files = if files.is_empty() {
                xtask::plugins::PLUGINS
                    .iter()
                    .map(|p| root.join("plugins").join(format!("{}.yaml", p.name)))
                    .collect()
            } else {
                files
            };
            let pending = if released {
                Pending::Refuse
            } else {
                Pending::Allow
            };
            let mut bad = 0;
            for path in &files {
                let problems = validate::file(path, pending);
                for p in &problems {
                    println!("{}: {p}", path.display());
                }
                bad += problems.len();
                if problems.is_empty() {
                    println!("{}: ok", path.display());
                }
            }
            if bad > 0 {
                bail!("{bad} problem(s) in krew manifests");
            }
        }
        Command::Completions { check, from } => {
            let bin_dir = match from {
                Some(dir) => dir,
                None => paths::build_with_generators()?,
            };
            let files = completions::generate(&bin_dir)?;
            if check {
                let stale = completions::stale(&root, &files);
                if !stale.is_empty() {
                    for path in &stale {
                        println!("stale: {}", path.display());
                    }
                    bail!("run `cargo xtask completions` and commit the result");
                }
                println!("{} files up to date", files.len());
            } else {
                completions::write(&root, &files)?;
                println!("wrote {} files under completions/ and man/", files.len());
            }
        }
        Command::Demo { keep } => {
            let bin_dir = paths::build(Profile::Debug)?;
            let mut cmd = std::process::Command::new(
                bin_dir.join(format!("sts-sim{}", std::env::consts::EXE_SUFFIX)),
            );
            cmd.arg("demo").arg("--bin-dir").arg(&bin_dir);
            if keep {
                cmd.arg("--keep");
            }
            let status = cmd.status().context("running sts-sim demo")?;
            if !status.success() {
                bail!("sts-sim demo failed ({status})");
            }
        }
    }
    Ok(())
}

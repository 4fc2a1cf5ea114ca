//! `cargo xtask`: install from source, release archives and krew manifests, completions, demo.
//! Run `cargo xtask --help`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use xtask::paths::{self, Profile};
use xtask::{archive, completions, dist, install, manifest};

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
    /// Build the host's release archive, print its sha256, and fill plugins/*.yaml.
    Dist {
        /// The release version (vMAJOR.MINOR.PATCH).
        #[arg(long, value_name = "vX.Y.Z")]
        version: String,
        /// Download folder of the archives (default: the GitHub release of the version).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Another platform's archive, built elsewhere (repeatable): linux/arm64=PATH.
        #[arg(long = "archive", value_name = "OS/ARCH=PATH")]
        archives: Vec<String>,
        /// Another platform's digest (repeatable): darwin/arm64=HEX.
        #[arg(long = "sha256", value_name = "OS/ARCH=HEX")]
        digests: Vec<String>,
        /// Write the placeholder digest for platforms with none.
        #[arg(long)]
        allow_missing: bool,
        /// Package the binaries in DIR instead of building release ones.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
        /// Where to put the archive (default: target/dist).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Where to write the manifests (default: plugins/).
        #[arg(long, value_name = "DIR")]
        manifests: Option<PathBuf>,
        /// gzip level, 0-9.
        #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(0..=9))]
        level: u32,
    },
    /// Check plugins/*.yaml against krew's rules.
    Validate,
    /// Regenerate completions/ and man/ from the binaries (or only --check them).
    Completions {
        /// Fail if a checked-in file differs instead of writing.
        #[arg(long)]
        check: bool,
        /// Use the binaries in DIR instead of building debug ones.
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
            base_url,
            archives,
            digests,
            allow_missing,
            from,
            out,
            manifests,
            level,
        } => {
            if !manifest::is_semver(&version) {
                bail!("--version {version:?} must be semver with a leading v (v1.2.3)");
            }
            let bin_dir = match from {
                Some(dir) => dir,
                None => paths::build(Profile::Release)?,
            };
            let out = out.unwrap_or_else(|| paths::target_dir().join("dist"));
            let archive_path = dist::host_archive(&bin_dir, &root, &out, &version, level)?;
            let digest = archive::sha256_file(&archive_path)?;
            println!("{digest}  {}", archive_path.display());
            let (os, arch) = manifest::host_platform();
            let mut known = BTreeMap::from([(format!("{os}/{arch}"), digest)]);
            for spec in archives {
                let (platform, path) = dist::parse_platform_value(&spec)?;
                let digest = archive::sha256_file(std::path::Path::new(&path))?;
                println!("{digest}  {path}");
                known.insert(platform, digest);
            }
            for spec in digests {
                let (platform, hex) = dist::parse_platform_value(&spec)?;
                known.insert(platform, hex);
            }
            let base_url = base_url.unwrap_or_else(|| dist::default_base_url(&version));
            let manifests = manifests.unwrap_or_else(|| root.join("plugins"));
            let written = dist::fill_manifests(
                &root.join("plugins").join("templates"),
                &manifests,
                &version,
                &base_url,
                &known,
                allow_missing,
            )?;
            for path in written {
                println!("wrote {}", path.display());
            }
        }
        Command::Validate => {
            let mut bad = 0;
            for plugin in xtask::plugins::PLUGINS {
                let path = root.join("plugins").join(format!("{}.yaml", plugin.name));
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let problems = manifest::validate(plugin.name, &manifest::parse(&text)?);
                for p in &problems {
                    println!("{}: {p}", path.display());
                }
                bad += problems.len();
                if problems.is_empty() {
                    println!("{}: ok", path.display());
                }
            }
            if bad > 0 {
                bail!("{bad} problem(s)");
            }
        }
        Command::Completions { check, from } => {
            let bin_dir = match from {
                Some(dir) => dir,
                None => paths::build(Profile::Debug)?,
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

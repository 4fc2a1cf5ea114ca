//! xtask: the project's chores, written in Rust so they run wherever cargo does.
//!
//! - [`install`]: put the three plugins, the `kubectl-sts_*` links kubectl needs for
//!   `kubectl sts-visits`, and the `kubectl_complete-*` completion shims into a prefix; and remove
//!   them again.
//! - [`dist`]: the release step: each plugin's krew-ready archive for one platform with its
//!   `.sha256`, and the krew manifests rendered from `plugins/templates/` with the digests.
//! - [`manifest`]: parsing krew `Plugin` manifests and checking them against krew's rules.
//! - [`digests`]: what a manifest's `sha256` may hold (real, or an explicit placeholder while
//!   unreleased; always a YAML string) and `.sha256` files.
//! - [`validate`]: `cargo xtask validate`: manifest files checked, problems named by file.
//! - [`krew`]: installing an archive the way krew does (store folder plus one link), used by the
//!   tests to rehearse `kubectl krew install` without the network.
//! - [`completions`]: regenerating `completions/` and `man/` from the binaries' own definitions.
//!
//! Binaries are found under the workspace's target directory; [`paths`] builds them when asked.

pub mod archive;
pub mod completions;
pub mod digests;
pub mod dist;
pub mod install;
pub mod krew;
pub mod manifest;
pub mod paths;
pub mod plugins;
pub mod validate;

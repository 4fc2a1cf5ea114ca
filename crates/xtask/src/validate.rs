//! `cargo xtask validate`: checks manifest files against krew's rules. The plugin name comes from
//! the file name (`sts-visits.yaml`), as in the krew index; every problem is one line for the file.

use std::path::Path;

use crate::digests::Pending;
use crate::manifest;

/// Every problem of the manifest file at `path`; empty when it is valid (with `pending`
/// deciding whether `{{sha256 OS/ARCH}}` placeholders pass).
pub fn file(path: &Path, pending: Pending) -> Vec<String> {
    let Some(stem) = path
        .file_name()
        .and_then(|f| f.to_str())
        .and_then(|f| f.strip_suffix(".yaml"))
    else {
        return vec!["a krew manifest is named <plugin>.yaml".into()];
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return vec![format!("cannot read it: {e}")],
    };
    match manifest::parse(&text) {
        Ok(m) => manifest::validate_with(stem, &m, pending),
        Err(e) => vec![format!("{e:#}")],
    }
}

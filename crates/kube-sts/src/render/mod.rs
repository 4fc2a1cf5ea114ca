//! Presentation: kubectl-style tables (tabled, no borders, upper-case headers), JSON/YAML
//! documents with our own `apiVersion`/`kind` and `items`, colour only when allowed, progress
//! bars only on a terminal. Views per command live in submodules.

pub mod outcome;
pub mod screen;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tabled::builder::Builder;
use tabled::settings::{Padding, Style};

use crate::cli::args::OutputFormat;
use crate::error::{Error, Result};

/// `apiVersion` of every document the plugins print or write.
pub const API_VERSION: &str = "kubectl-sts/v1alpha1";

/// The envelope of `-o json|yaml`: `apiVersion`, `kind`, then `items`.
#[derive(Debug, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document<T> {
    /// Always [`API_VERSION`].
    pub api_version: String,
    /// The document kind, e.g. `StatefulSetClaims`.
    pub kind: String,
    /// One item per StatefulSet.
    pub items: Vec<T>,
}

impl<T> Document<T> {
    /// Wraps items in the envelope.
    pub fn new(kind: &str, items: Vec<T>) -> Self {
        Document {
            api_version: API_VERSION.into(),
            kind: kind.into(),
            items,
        }
    }
}

/// Serialises a document as JSON or YAML (`format` must be one of those).
pub fn document<T: Serialize>(kind: &str, items: Vec<T>, format: OutputFormat) -> Result<String> {
    encode(&Document::new(kind, items), format)
}

/// Any serialisable value as `-o yaml`, or else pretty `-o json`, ending in a newline.
pub fn encode<T: Serialize>(value: &T, format: OutputFormat) -> Result<String> {
    match format {
        OutputFormat::Yaml => serde_norway::to_string(value).map_err(|e| Error::Encode {
            format: "yaml",
            message: e.to_string(),
        }),
        _ => serde_json::to_string_pretty(value)
            .map(|s| s + "\n")
            .map_err(|e| Error::Encode {
                format: "json",
                message: e.to_string(),
            }),
    }
}

/// Any serialisable value as one compact JSON line (watch streams).
pub fn json_line<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Encode {
            format: "json",
            message: e.to_string(),
        })
}

/// A kubectl-style table: no borders, upper-case headers, three spaces between columns.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>, no_headers: bool) -> String {
    let mut builder = Builder::default();
    if !no_headers {
        builder.push_record(headers.iter().map(|h| h.to_uppercase()));
    }
    for row in rows {
        builder.push_record(row);
    }
    if builder.count_records() == 0 {
        return String::new();
    }
    let mut t = builder.build();
    t.with(Style::empty()).with(Padding::new(0, 3, 0, 0));
    let mut out: String = t
        .to_string()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// Terminal colours we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Healthy.
    Green,
    /// Needs attention.
    Yellow,
    /// Broken.
    Red,
    /// De-emphasised.
    Dim,
}

/// Wraps `text` in an ANSI colour when `enabled`.
pub fn paint(text: &str, color: Color, enabled: bool) -> String {
    if !enabled {
        return text.to_string();
    }
    let code = match color {
        Color::Green => "32",
        Color::Yellow => "33",
        Color::Red => "31",
        Color::Dim => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// A progress bar on stderr, hidden unless `enabled` (stderr is a terminal).
pub fn progress_bar(len: u64, message: &str, enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("#>-"));
    }
    bar.set_message(message.to_string());
    bar
}

/// `-` for absent values, as kubectl prints `<none>` sparingly.
pub fn dash(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_like_kubectl() {
        let out = table(
            &["name", "status"],
            vec![
                vec!["web-0".into(), "Bound".into()],
                vec!["w".into(), "-".into()],
            ],
            false,
        );
        assert_eq!(out, "NAME    STATUS\nweb-0   Bound\nw       -\n");
        let out = table(&["name"], vec![vec!["a".into()]], true);
        assert_eq!(out, "a\n");
        assert_eq!(table(&["name"], vec![], true), "");
    }

    #[test]
    fn coloured_cells_keep_alignment() {
        let out = table(
            &["a", "b"],
            vec![
                vec![paint("xx", Color::Green, true), "1".into()],
                vec!["yyyy".into(), "2".into()],
            ],
            false,
        );
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines[2], "yyyy   2");
        assert!(lines[1].ends_with("     1"), "{:?}", lines[1]);
    }

    #[test]
    fn documents_have_envelope() {
        let json = document("Things", vec![1, 2], OutputFormat::Json).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["apiVersion"], API_VERSION);
        assert_eq!(v["kind"], "Things");
        assert_eq!(v["items"][1], 2);
        let yaml = document("Things", vec![1], OutputFormat::Yaml).unwrap();
        assert!(yaml.starts_with("apiVersion: kubectl-sts/v1alpha1\nkind: Things\nitems:\n"));
    }

    #[test]
    fn paint_only_when_enabled() {
        assert_eq!(paint("x", Color::Red, false), "x");
        assert_eq!(paint("x", Color::Red, true), "\x1b[31mx\x1b[0m");
    }
}

//! krew `Plugin` manifests: the schema, krew's validation rules (from
//! `internal/index/validation/validate.go`) plus the index's own checks (every platform we ship is
//! covered, no two selectors overlap), and rendering from the templates in `plugins/templates/`.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::digests::{self, Pending};

/// The only manifest apiVersion krew reads.
pub const API_VERSION: &str = "krew.googlecontainertools.github.com/v1alpha2";
/// `krew search` cuts short descriptions here.
pub const SHORT_DESCRIPTION_MAX: usize = 50;
/// The platforms every manifest must cover, as `(os, arch)`.
pub const PLATFORMS: [(&str, &str); 5] = [
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
];

/// Names Windows forbids as file names; krew refuses them as plugin names.
const WINDOWS_FORBIDDEN: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A krew plugin manifest. Unknown fields are refused, as krew's strict decoding does.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// Must be [`API_VERSION`].
    pub api_version: String,
    /// Must be `Plugin`.
    pub kind: String,
    /// Holds the name.
    pub metadata: Metadata,
    /// Everything else.
    pub spec: Spec,
}

/// `metadata`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// The plugin name (= the file name without `.yaml`).
    pub name: String,
}

/// `spec`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    /// `vMAJOR.MINOR.PATCH`.
    #[serde(default)]
    pub version: String,
    /// Project page.
    #[serde(default)]
    pub homepage: String,
    /// One line for `krew search`.
    #[serde(default)]
    pub short_description: String,
    /// Shown by `krew info`.
    #[serde(default)]
    pub description: String,
    /// Shown after install.
    #[serde(default)]
    pub caveats: String,
    /// One entry per os/arch.
    #[serde(default)]
    pub platforms: Vec<Platform>,
}

/// One platform's download.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Platform {
    /// Which os/arch this entry is for.
    pub selector: Option<Selector>,
    /// The archive URL.
    #[serde(default)]
    pub uri: String,
    /// The archive's lowercase hex sha256.
    #[serde(default)]
    pub sha256: String,
    /// The file krew links as `kubectl-<name>`.
    #[serde(default)]
    pub bin: String,
    /// Files to keep from the archive (all when absent).
    pub files: Option<Vec<FileOperation>>,
}

/// A Kubernetes label selector over `os` and `arch`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Selector {
    /// Exact labels.
    pub match_labels: Option<BTreeMap<String, String>>,
    /// Set-based requirements.
    pub match_expressions: Option<Vec<Requirement>>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// `os` or `arch`.
    pub key: String,
    /// In, NotIn, Exists, DoesNotExist.
    pub operator: String,
    /// Values for In/NotIn.
    #[serde(default)]
    pub values: Vec<String>,
}

/// One `files` entry: copy what matches `from` into folder `to`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileOperation {
    /// A path or glob inside the archive.
    #[serde(default)]
    pub from: String,
    /// A folder inside the install folder.
    #[serde(default)]
    pub to: String,
}

impl Selector {
    /// Whether the selector matches a platform's labels.
    pub fn matches(&self, os: &str, arch: &str) -> bool {
        let get = |key: &str| match key {
            "os" => Some(os),
            "arch" => Some(arch),
            _ => None,
        };
        let labels_ok = self
            .match_labels
            .iter()
            .flatten()
            .all(|(k, v)| get(k) == Some(v.as_str()));
        let exprs_ok = self.match_expressions.iter().flatten().all(|r| {
            let value = get(&r.key);
            match r.operator.as_str() {
                "In" => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
                "NotIn" => value.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        });
        labels_ok && exprs_ok
    }
}

impl Manifest {
    /// The first platform entry matching `os`/`arch`, as krew picks it.
    pub fn platform(&self, os: &str, arch: &str) -> Option<&Platform> {
        self.spec
            .platforms
            .iter()
            .find(|p| p.selector.as_ref().is_some_and(|s| s.matches(os, arch)))
    }
}

/// Parses a manifest's YAML keeping YAML's types, as krew's decoder does: a `sha256` that is not
/// a string for krew (an unquoted `000…0` is the number 0) is an error naming the platform,
/// before the typed parse.
pub fn parse(text: &str) -> Result<Manifest> {
    let doc: serde_norway::Value = serde_norway::from_str(text).context("not a YAML document")?;
    let typing = digests::typing_problems(text, &doc);
    if !typing.is_empty() {
        bail!("{}", typing.join("; "));
    }
    serde_norway::from_value(doc).context("not a krew Plugin manifest")
}

/// Whether `name` is a plugin name krew accepts (`^[\w-]+$`, not a Windows device name).
pub fn is_safe_plugin_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !WINDOWS_FORBIDDEN
            .iter()
            .any(|f| f.eq_ignore_ascii_case(name))
}

/// Whether `version` is semver with a leading `v`, as krew's parser wants.
pub fn is_semver(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let (rest, build) = match rest.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (rest, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let number_ok = |n: &&str| {
        !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
            && (n.len() == 1 || !n.starts_with('0'))
    };
    let ident_ok = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    numbers.len() == 3
        && numbers.iter().all(number_ok)
        && pre.is_none_or(ident_ok)
        && build.is_none_or(ident_ok)
}

/// Every problem krew (and the index's CI) would find in the manifest stored as
/// `<file_stem>.yaml`; empty when it is valid. Placeholders count as problems.
pub fn validate(file_stem: &str, m: &Manifest) -> Vec<String> {
    validate_with(file_stem, m, Pending::Refuse)
}

/// [`validate`], except that with [`Pending::Allow`] a template's explicit `{{sha256 OS/ARCH}}`
/// placeholders pass (each must name its own platform).
pub fn validate_with(file_stem: &str, m: &Manifest, pending: Pending) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |p: String| problems.push(p);
    if m.api_version != API_VERSION {
        fail(format!(
            "apiVersion is {:?}, krew reads only {API_VERSION:?}",
            m.api_version
        ));
    }
    if m.kind != "Plugin" {
        fail(format!("kind is {:?}, not \"Plugin\"", m.kind));
    }
    if !is_safe_plugin_name(file_stem) {
        fail(format!(
            "the plugin name {file_stem:?} is not allowed, must match ^[\\w-]+$"
        ));
    }
    if m.metadata.name != file_stem {
        fail(format!(
            "plugin should be named {file_stem:?}, not {:?}",
            m.metadata.name
        ));
    }
    let short = &m.spec.short_description;
    if short.trim().is_empty() {
        fail("should have a short description".into());
    }
    if short.contains(['\r', '\n']) {
        fail("should not have line breaks in short description".into());
    }
    if short.chars().count() >= SHORT_DESCRIPTION_MAX {
        fail(format!(
            "shortDescription has {} characters; krew search cuts at {SHORT_DESCRIPTION_MAX}",
            short.chars().count()
        ));
    }
    for (field, value) in [
        ("description", &m.spec.description),
        ("caveats", &m.spec.caveats),
        ("homepage", &m.spec.homepage),
    ] {
        if value.trim().is_empty() {
            fail(format!("should have a {field}"));
        }
    }
    if m.spec.version.is_empty() {
        fail("should have a version specified".into());
    } else if !is_semver(&m.spec.version) {
        fail(format!(
            "version {:?} is not semver with a leading v",
            m.spec.version
        ));
    }
    if m.spec.platforms.is_empty() {
        fail("should have a platform specified".into());
    }
    for (i, p) in m.spec.platforms.iter().enumerate() {
        let at = format!("platforms[{i}]");
        if p.uri.is_empty() {
            fail(format!("{at}: `uri` has to be set"));
        }
        let platform = p
            .selector
            .as_ref()
            .and_then(|s| s.match_labels.as_ref())
            .and_then(|l| Some(format!("{}/{}", l.get("os")?, l.get("arch")?)))
            .unwrap_or_else(|| at.clone());
        if let Some(problem) = digests::problem(&p.sha256, &platform, pending) {
            fail(format!("{at}: {problem}"));
        }
        if p.bin.is_empty() {
            fail(format!("{at}: `bin` has to be set"));
        }
        if let Some(files) = &p.files {
            if files.is_empty() {
                fail(format!("{at}: `files` has to be unspecified or non-empty"));
            }
            for op in files {
                if op.from.is_empty() || op.to.is_empty() {
                    fail(format!("{at}: `files` entries need `from` and `to`"));
                }
            }
        }
        match &p.selector {
            None => fail(format!("{at}: nil selector is not supported")),
            Some(sel) => {
                if sel.match_labels.is_none()
                    && sel.match_expressions.as_ref().is_none_or(Vec::is_empty)
                {
                    fail(format!("{at}: empty selector is not supported"));
                }
                if sel.match_labels.as_ref().is_some_and(BTreeMap::is_empty) {
                    fail(format!("{at}: `matchLabels` specified but empty"));
                }
                if sel.match_expressions.as_ref().is_some_and(Vec::is_empty) {
                    fail(format!("{at}: `matchExpressions` specified but empty"));
                }
                let keys = sel
                    .match_labels
                    .iter()
                    .flat_map(|l| l.keys().cloned())
                    .chain(
                        sel.match_expressions
                            .iter()
                            .flatten()
                            .map(|r| r.key.clone()),
                    );
                for key in keys {
                    if key != "os" && key != "arch" {
                        fail(format!("{at}: selector key {key:?} not supported"));
                    }
                }
            }
        }
    }
    for (os, arch) in PLATFORMS {
        let matching: Vec<usize> = m
            .spec
            .platforms
            .iter()
            .enumerate()
            .filter(|(_, p)| p.selector.as_ref().is_some_and(|s| s.matches(os, arch)))
            .map(|(i, _)| i)
            .collect();
        match matching.len() {
            0 => fail(format!("no platform entry for {os}/{arch}")),
            1 => {}
            _ => fail(format!(
                "selectors overlap on {os}/{arch}: platforms {matching:?}"
            )),
        }
    }
    problems
}

/// Lines of a template that are about the template only (dropped from the output).
pub const TEMPLATE_COMMENT: &str = "# template:";

/// The comment a rendered manifest starts with while some digest is still a placeholder.
pub const UNRELEASED_NOTICE: &str = "\
# UNRELEASED: krew cannot install this file. Its `{{sha256 OS/ARCH}}` values are placeholders
# that the release workflow fills (`cargo xtask dist`); install with the manifest attached to a
# GitHub release instead (README, Install).
";

/// Fills a template: `{{version}}`, `{{base_url}}` and `{{sha256 OS/ARCH}}`; drops the lines
/// starting with [`TEMPLATE_COMMENT`]. A digest may be a placeholder
/// ([`digests::placeholder`]); the output then starts with [`UNRELEASED_NOTICE`].
pub fn render(
    template: &str,
    version: &str,
    base_url: &str,
    sha256: &BTreeMap<String, String>,
) -> Result<String> {
    let template: String = template
        .split_inclusive('\n')
        .filter(|line| !line.starts_with(TEMPLATE_COMMENT))
        .collect();
    let mut out = String::with_capacity(template.len());
    let mut pending = false;
    let mut rest = template.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find("}}") else {
            bail!("unclosed {{{{ in template");
        };
        let key = rest[start + 2..start + len].trim();
        let value = match key.split_once(' ') {
            None if key == "version" => version.to_string(),
            None if key == "base_url" => base_url.trim_end_matches('/').to_string(),
            Some(("sha256", platform)) => sha256
                .get(platform.trim())
                .cloned()
                .inspect(|v| pending |= digests::placeholder_platform(v).is_some())
                .with_context(|| format!("no sha256 for {platform}"))?,
            _ => bail!("unknown template field {key:?}"),
        };
        out.push_str(&value);
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    if pending {
        out.insert_str(0, UNRELEASED_NOTICE);
    }
    Ok(out)
}

/// The host as krew names it (`linux`/`darwin`/`windows`, `amd64`/`arm64`).
pub fn host_platform() -> (String, String) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    (os.to_string(), arch.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_like_krew() {
        for ok in ["v0.1.0", "v1.2.3-rc.1", "v1.0.0+build.5", "v10.20.30"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "0.1.0", "v1.2", "v01.2.3", "v1.2.3-", "v1.2.x", "V1.2.3", "",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn names_like_krew() {
        assert!(is_safe_plugin_name("sts-visits"));
        assert!(!is_safe_plugin_name("sts visits"));
        assert!(!is_safe_plugin_name("con"));
    }

    #[test]
    fn render_fills_fields_and_refuses_unknown_ones() {
        let shas = BTreeMap::from([("linux/amd64".to_string(), "ab".repeat(32))]);
        let out = render(
            "v: {{version}} u: {{ base_url }}/x s: {{sha256 linux/amd64}}",
            "v1.0.0",
            "https://e/x/",
            &shas,
        )
        .unwrap();
        assert_eq!(
            out,
            format!("v: v1.0.0 u: https://e/x/x s: {}", "ab".repeat(32))
        );
        assert!(render("{{sha256 darwin/arm64}}", "v1", "u", &shas).is_err());
        assert!(render("{{nope}}", "v1", "u", &shas).is_err());
    }

    #[test]
    fn overlapping_and_missing_selectors_are_found() {
        let m = parse(&format!(
            r#"
apiVersion: {API_VERSION}
kind: Plugin
metadata: {{name: demo}}
spec:
  version: v1.0.0
  homepage: https://example.com
  shortDescription: A demo
  description: Demo.
  caveats: None.
  platforms:
  - selector: {{matchLabels: {{os: linux}}}}
    uri: https://example.com/a.tar.gz
    sha256: "{sha}"
    bin: demo
  - selector: {{matchExpressions: [{{key: arch, operator: In, values: [amd64]}}]}}
    uri: https://example.com/a.tar.gz
    sha256: "{sha}"
    bin: demo
"#,
            sha = "a".repeat(64)
        ))
        .unwrap();
        let problems = validate("demo", &m);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("overlap on linux/amd64")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("no platform entry for darwin/arm64")),
            "{problems:?}"
        );
        assert!(!validate("other", &m).is_empty());
    }
}

//! Archive digests in krew manifests: the 64-hex form krew wants, the explicit placeholder of a
//! platform whose archive is not released yet (`{{sha256 linux/arm64}}`, always a quoted
//! string), YAML's typing of the `sha256` values (an unquoted `000…0` is the number 0, which
//! krew's decoder refuses), and the `sha256sum`-style `.sha256` files next to the archives.

use anyhow::{bail, Result};
use serde_norway::Value;

/// Whether pending placeholders are acceptable where a digest belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// A template not yet released: `{{sha256 OS/ARCH}}` placeholders are fine.
    Allow,
    /// A released manifest: every digest must be real.
    Refuse,
}

/// The placeholder written for a platform whose digest is not known yet.
pub fn placeholder(platform: &str) -> String {
    format!("{{{{sha256 {platform}}}}}")
}

/// The platform a placeholder (`{{sha256 linux/amd64}}`, spaces allowed) stands for.
pub fn placeholder_platform(value: &str) -> Option<&str> {
    let inner = value.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let platform = inner.strip_prefix("sha256")?;
    if !platform.starts_with(char::is_whitespace) {
        return None;
    }
    Some(platform.trim())
}

/// Whether `s` is 64 lowercase hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What is wrong with the `sha256` string of the entry for `platform`, if anything.
pub fn problem(value: &str, platform: &str, pending: Pending) -> Option<String> {
    if let Some(named) = placeholder_platform(value) {
        return match pending {
            Pending::Refuse => Some(format!(
                "`sha256` of {platform} is the placeholder {value:?}: fill it with the archive's \
                 digest (cargo xtask dist --checksums DIR)"
            )),
            Pending::Allow if named != platform => Some(format!(
                "`sha256` of {platform} is a placeholder for {named}, not for {platform}"
            )),
            Pending::Allow => None,
        };
    }
    if value.is_empty() {
        return Some(format!("`sha256` of {platform} has to be set"));
    }
    if !is_sha256(value) {
        return Some(format!(
            "`sha256` of {platform} is {value:?}: it must be 64 lowercase hex digits"
        ));
    }
    if value.bytes().all(|b| b == b'0') {
        return Some(format!(
            "`sha256` of {platform} is all zeros, a placeholder no archive has: use the real \
             digest or the explicit placeholder \"{}\"",
            placeholder(platform)
        ));
    }
    None
}

/// How a platform entry of a manifest's YAML is named in messages: `linux/arm64` from its
/// `matchLabels`, else its index.
pub fn platform_label(index: usize, entry: &Value) -> String {
    let labels = &entry["selector"]["matchLabels"];
    match (labels["os"].as_str(), labels["arch"].as_str()) {
        (Some(os), Some(arch)) => format!("{os}/{arch}"),
        _ => format!("platforms[{index}]"),
    }
}

/// The `sha256` values of a manifest that krew would not read as strings, each as a message
/// naming the platform. `doc` is the YAML parsed keeping types; `text` is its source, because
/// krew's YAML 1.1 decoder types plain scalars more eagerly than YAML 1.2 parsers such as
/// serde_norway: an unquoted `000…0` is the string "000…0" here but the integer 0 for krew, and
/// 64 digits are a float. So every digest written in block style must be a quoted string.
pub fn typing_problems(text: &str, doc: &Value) -> Vec<String> {
    let Some(platforms) = doc["spec"]["platforms"].as_sequence() else {
        return Vec::new();
    };
    let mut problems = std::collections::BTreeMap::new();
    for (i, entry) in platforms.iter().enumerate() {
        let Some(value) = entry.get("sha256") else {
            continue;
        };
        let read_as = match value {
            Value::String(_) => continue,
            Value::Number(n) => format!("the number {n}"),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Null => "null".to_string(),
            Value::Sequence(_) => "a list".to_string(),
            Value::Mapping(_) => "a mapping (an unquoted `{{ }}`?)".to_string(),
            Value::Tagged(_) => "a tagged value".to_string(),
        };
        problems.insert(i, not_a_string(&platform_label(i, entry), &read_as));
    }
    for (i, plain) in plain_sha256_lines(text).into_iter().enumerate() {
        let (Some(plain), Some(entry)) = (plain, platforms.get(i)) else {
            continue;
        };
        let platform = platform_label(i, entry);
        let problem = match yaml11_number(plain) {
            Some(number) => not_a_string(
                &platform,
                &format!("the number {number} (as krew's YAML 1.1 decoder reads it)"),
            ),
            None => format!(
                "`sha256` of {platform} is not quoted: write every digest as a quoted string \
                 (sha256: \"{plain}\"), so that a digest of digits never becomes a number"
            ),
        };
        problems.entry(i).or_insert(problem);
    }
    problems.into_values().collect()
}

fn not_a_string(platform: &str, read_as: &str) -> String {
    format!(
        "`sha256` of {platform} is not a string: YAML reads it as {read_as}, which krew \
         rejects; quote it: sha256: \"<64 hex digits>\""
    )
}

/// For each `sha256:` key written in block style, in order: its value if it is a plain
/// (unquoted, non-flow) scalar.
fn plain_sha256_lines(text: &str) -> Vec<Option<&str>> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("- ").map_or(line, str::trim_start);
            let value = line.strip_prefix("sha256:")?;
            let value = match value.find(" #") {
                Some(at) => &value[..at],
                None => value,
            }
            .trim();
            let quoted_or_flow = value.is_empty()
                || value.starts_with(['"', '\'', '{', '[', '|', '>', '&', '*', '!']);
            Some((!quoted_or_flow).then_some(value))
        })
        .collect()
}

/// The number YAML 1.1 (go-yaml v2, which krew uses) makes of a plain scalar, if any: digits
/// with an optional sign and `_` are an integer (0 when they are all zeros), or a float when
/// too long for 64 bits; digits with an exponent are a float.
fn yaml11_number(plain: &str) -> Option<String> {
    let digits = plain.trim_start_matches(['-', '+']).replace('_', "");
    if digits.is_empty() {
        return None;
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(if digits.bytes().all(|b| b == b'0') {
            "0".to_string()
        } else {
            plain.to_string()
        });
    }
    let (mantissa, exponent) = digits.split_once(['e', 'E'])?;
    let exponent = exponent.trim_start_matches(['-', '+']);
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    (numeric(mantissa) && numeric(exponent) && !exponent.contains('.')).then(|| plain.to_string())
}

/// One line of a `.sha256` file, as `sha256sum` writes it.
pub fn checksum_line(hex: &str, file_name: &str) -> String {
    format!("{hex}  {file_name}\n")
}

/// The `(digest, file name)` pairs of a `sha256sum`-style file (text or `*` binary marker).
pub fn parse_checksums(text: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((hex, name)) = line.split_once(' ') else {
            bail!("line {}: expected `HEX  FILE`, got {line:?}", n + 1);
        };
        let name = name
            .trim_start_matches(' ')
            .trim_start_matches('*')
            .trim_end();
        if !is_sha256(hex) || name.is_empty() {
            bail!("line {}: expected `HEX  FILE`, got {line:?}", n + 1);
        }
        out.push((hex.to_string(), name.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn placeholders_name_their_platform() {
        let p = placeholder("linux/arm64");
        assert_eq!(p, "{{sha256 linux/arm64}}");
        assert_eq!(placeholder_platform(&p), Some("linux/arm64"));
        assert_eq!(
            placeholder_platform("{{ sha256 darwin/amd64 }}"),
            Some("darwin/amd64")
        );
        assert_eq!(placeholder_platform("{{sha256linux/amd64}}"), None);
        assert_eq!(placeholder_platform("abc"), None);
        assert_eq!(problem(&p, "linux/arm64", Pending::Allow), None);
        assert!(problem(&p, "linux/amd64", Pending::Allow).is_some());
        assert!(problem(&p, "linux/arm64", Pending::Refuse)
            .unwrap()
            .contains("placeholder"));
    }

    #[test]
    fn digests_must_be_real() {
        let good = "ab".repeat(32);
        assert_eq!(problem(&good, "linux/amd64", Pending::Refuse), None);
        let zeros = "0".repeat(64);
        assert!(problem(&zeros, "linux/amd64", Pending::Allow)
            .unwrap()
            .contains("all zeros"));
        assert!(problem(&"AB".repeat(32), "linux/amd64", Pending::Allow).is_some());
        assert!(problem("abc", "linux/amd64", Pending::Allow).is_some());
        assert!(problem("", "linux/amd64", Pending::Allow).is_some());
    }

    #[test]
    fn unquoted_numbers_are_found_by_platform() {
        let text = format!(
            "spec:\n  platforms:\n  - selector: {{matchLabels: {{os: linux, arch: arm64}}}}\n    \
             sha256: {}\n  - selector: {{matchLabels: {{os: linux, arch: amd64}}}}\n    \
             sha256: \"{}\"\n  - sha256: {{{{sha256 x}}}}\n  - sha256: 12e45 # comment\n",
            "0".repeat(64),
            "0".repeat(64)
        );
        let doc: Value = serde_norway::from_str(&text).unwrap();
        let problems = typing_problems(&text, &doc);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[2].contains("platforms[3]"), "{problems:?}");
        assert!(problems[2].contains("the number"), "{problems:?}");
        assert!(problems[0].contains("linux/arm64"), "{problems:?}");
        assert!(problems[0].contains("the number 0"), "{problems:?}");
        assert!(problems[1].contains("platforms[2]"), "{problems:?}");
    }

    #[test]
    fn yaml11_numbers_are_what_krew_would_decode() {
        assert_eq!(yaml11_number(&"0".repeat(64)).as_deref(), Some("0"));
        assert_eq!(yaml11_number("123").as_deref(), Some("123"));
        assert_eq!(yaml11_number("1e10").as_deref(), Some("1e10"));
        assert_eq!(yaml11_number(&"ab".repeat(32)), None);
        assert_eq!(yaml11_number("1e"), None);
        assert_eq!(yaml11_number("d30b5a0d"), None);
    }

    #[test]
    fn checksum_files_round_trip() {
        let hex = "cd".repeat(32);
        let text = checksum_line(&hex, "a.tar.gz") + &format!("{hex} *b.zip\n\n");
        assert_eq!(
            parse_checksums(&text).unwrap(),
            [
                (hex.clone(), "a.tar.gz".to_string()),
                (hex.clone(), "b.zip".to_string())
            ]
        );
        assert!(parse_checksums("nothex  a.tar.gz").is_err());
        assert!(parse_checksums(&hex).is_err());
    }

    proptest! {
        #[test]
        fn checksum_parsing_never_panics(text in "\\PC{0,200}") {
            let _ = parse_checksums(&text);
        }

        #[test]
        fn digest_checks_never_panic(value in "\\PC{0,80}", platform in "[a-z/]{0,12}") {
            let _ = problem(&value, &platform, Pending::Allow);
            let _ = placeholder_platform(&value);
        }

        #[test]
        fn any_yaml_gets_typed_digest_checks_without_panic(text in "\\PC{0,300}") {
            if let Ok(doc) = serde_norway::from_str::<Value>(&text) {
                let _ = typing_problems(&text, &doc);
            }
            let _ = plain_sha256_lines(&text);
        }
    }
}

//! The release workflow's last steps through the real `cargo xtask` binary: manifests rendered
//! from the `.sha256` files of all five platforms' archives pass `validate --released`, and
//! `validate` rejects what krew would reject, naming the file and the platform.

use std::path::Path;
use std::process::{Command, Output};

use xtask::dist;
use xtask::manifest::{self, PLATFORMS};
use xtask::plugins::PLUGINS;

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run xtask")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A distinct fake digest per archive, as the release's matrix jobs leave them.
fn write_checksums(dir: &Path, version: &str) -> Vec<(String, String)> {
    std::fs::create_dir_all(dir).unwrap();
    let mut all = Vec::new();
    for (i, plugin) in PLUGINS.iter().enumerate() {
        for (j, (os, arch)) in PLATFORMS.iter().enumerate() {
            let name = dist::archive_name(plugin, version, os, arch);
            let hex = format!("{:064x}", (i * 16 + j + 1) as u64 * 0x9e37_79b9);
            std::fs::write(
                dir.join(format!("{name}.sha256")),
                format!("{hex}  {name}\n"),
            )
            .unwrap();
            all.push((name, hex));
        }
    }
    all
}

#[test]
fn dist_renders_all_five_platforms_from_checksums_and_validate_accepts_them() {
    let tmp = tempfile::tempdir().unwrap();
    let version = "v9.8.7";
    let sums = tmp.path().join("sums");
    let expected = write_checksums(&sums, version);
    let out_dir = tmp.path().join("manifests");
    let out = xtask(&[
        "dist",
        "--version",
        version,
        "--no-archives",
        "--checksums",
        sums.to_str().unwrap(),
        "--manifests",
        out_dir.to_str().unwrap(),
        "--base-url",
        "https://example.invalid/releases/v9.8.7",
    ]);
    assert!(out.status.success(), "{}", text(&out));

    for plugin in PLUGINS {
        let path = out_dir.join(format!("{}.yaml", plugin.name));
        let body = std::fs::read_to_string(&path).unwrap();
        assert!(!body.contains("{{"), "no placeholder left: {body}");
        assert!(!body.contains("UNRELEASED"), "{body}");
        let m = manifest::parse(&body).unwrap();
        assert_eq!(m.spec.version, version);
        for (os, arch) in PLATFORMS {
            let name = dist::archive_name(&plugin, version, os, arch);
            let entry = m.platform(os, arch).unwrap();
            let hex = &expected.iter().find(|(n, _)| *n == name).unwrap().1;
            assert_eq!(&entry.sha256, hex, "{} {os}/{arch}", plugin.name);
            assert_eq!(
                entry.uri,
                format!("https://example.invalid/releases/v9.8.7/{name}")
            );
            // Quoted in the YAML, so a digest of only digits stays a string.
            assert!(body.contains(&format!("sha256: \"{hex}\"")), "{body}");
        }
    }
    let files: Vec<String> = PLUGINS
        .iter()
        .map(|p| {
            out_dir
                .join(format!("{}.yaml", p.name))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["validate", "--released"];
    args.extend(files.iter().map(String::as_str));
    let out = xtask(&args);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(text(&out).matches(": ok").count(), 3, "{}", text(&out));
}

#[test]
fn dist_without_every_digest_names_the_missing_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let sums = tmp.path().join("sums");
    write_checksums(&sums, "v1.0.0");
    std::fs::remove_file(sums.join("kubectl-sts-pvc_v1.0.0_windows_amd64.zip.sha256")).unwrap();
    let out_dir = tmp.path().join("manifests");
    let out = xtask(&[
        "dist",
        "--version",
        "v1.0.0",
        "--no-archives",
        "--checksums",
        sums.to_str().unwrap(),
        "--manifests",
        out_dir.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("kubectl-sts-pvc_v1.0.0_windows_amd64.zip"),
        "{}",
        text(&out)
    );
    assert!(!out_dir.exists(), "nothing written on error");
}

#[test]
fn validate_rejects_an_unquoted_numeric_digest_naming_file_and_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let sums = tmp.path().join("sums");
    write_checksums(&sums, "v1.0.0");
    let dir = tmp.path().join("manifests");
    let out = xtask(&[
        "dist",
        "--version",
        "v1.0.0",
        "--no-archives",
        "--checksums",
        sums.to_str().unwrap(),
        "--manifests",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let path = dir.join("sts-visits.yaml");
    let body = std::fs::read_to_string(&path).unwrap();
    let m = manifest::parse(&body).unwrap();
    let arm = &m.platform("linux", "arm64").unwrap().sha256;
    // What the issue found: an all-zero digest, unquoted, which YAML reads as the integer 0.
    let broken = body.replace(&format!("\"{arm}\""), &"0".repeat(64));
    std::fs::write(&path, broken).unwrap();

    let out = xtask(&["validate", path.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", text(&out));
    let msg = text(&out);
    let line = msg
        .lines()
        .find(|l| l.contains("linux/arm64"))
        .unwrap_or_else(|| panic!("no line names linux/arm64: {msg}"));
    assert!(line.starts_with(&path.display().to_string()), "{line}");
    assert!(line.contains("not a string"), "{line}");
    assert!(line.contains("the number 0"), "{line}");

    // Quoted, it is a string but still a placeholder no archive has.
    let quoted = std::fs::read_to_string(&path)
        .unwrap()
        .replace(&"0".repeat(64), &format!("\"{}\"", "0".repeat(64)));
    std::fs::write(&path, quoted).unwrap();
    let out = xtask(&["validate", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("linux/arm64 is all zeros"),
        "{}",
        text(&out)
    );
}

#[test]
fn checked_in_manifests_are_templates_until_released() {
    let out = xtask(&["validate"]);
    assert!(out.status.success(), "{}", text(&out));
    let root = xtask::paths::workspace_root();
    for plugin in PLUGINS {
        let body =
            std::fs::read_to_string(root.join("plugins").join(format!("{}.yaml", plugin.name)))
                .unwrap();
        let m = manifest::parse(&body).unwrap();
        let pending = m
            .spec
            .platforms
            .iter()
            .filter(|p| xtask::digests::placeholder_platform(&p.sha256).is_some())
            .count();
        // Either released (no placeholder, no notice) or a template that says so plainly.
        assert_eq!(
            pending > 0,
            body.starts_with(manifest::UNRELEASED_NOTICE),
            "{}",
            plugin.name
        );
    }
}

//! The crate layering ARCHITECTURE.md promises, checked from `cargo metadata`: a plugin binary
//! depends on kube-sts and no other crate of ours, kube-sts reaches sts-sim only in its
//! dev-dependencies, and sts-sim depends on no crate of ours.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// Workspace crate -> the workspace crates it depends on as a normal (non-dev) dependency.
fn normal_workspace_deps() -> BTreeMap<String, Vec<String>> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let ours: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str())
                .filter(|name| ours.contains(name))
                .map(str::to_string)
                .collect();
            (p["name"].as_str().unwrap_or_default().to_string(), deps)
        })
        .collect()
}

#[test]
fn crates_import_only_what_the_architecture_allows() {
    let deps = normal_workspace_deps();
    for plugin in [
        "kubectl-sts-visits",
        "kubectl-sts-rollout",
        "kubectl-sts-pvc",
    ] {
        assert_eq!(
            deps[plugin],
            ["kube-sts"],
            "{plugin} may depend on kube-sts only"
        );
    }
    assert!(
        deps["kube-sts"].is_empty(),
        "kube-sts must not depend on our other crates (sts-sim only as a dev-dependency): {:?}",
        deps["kube-sts"]
    );
    assert!(
        deps["sts-sim"].is_empty(),
        "sts-sim must not depend on our other crates: {:?}",
        deps["sts-sim"]
    );
}

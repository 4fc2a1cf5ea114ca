//! The krew side: the checked-in manifests pass krew's checks and match their templates, and the
//! host's release archive installs the way krew installs it, after which the real kubectl lists
//! the plugins and runs them. No network.

mod common;

use std::collections::BTreeMap;

use common::*;
use xtask::digests::Pending;
use xtask::manifest::{self, PLATFORMS};
use xtask::plugins::PLUGINS;
use xtask::{archive, dist, krew};

fn read_manifest(name: &str) -> (String, manifest::Manifest) {
    let path = xtask::paths::workspace_root()
        .join("plugins")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = manifest::parse(&text).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
    (text, parsed)
}

#[test]
fn checked_in_manifests_pass_krew_validation_and_match_their_templates() {
    for plugin in PLUGINS {
        let (text, m) = read_manifest(plugin.name);
        // Unreleased templates may hold explicit placeholders; released ones real digests.
        let problems = manifest::validate_with(plugin.name, &m, Pending::Allow);
        assert!(problems.is_empty(), "{}: {problems:?}", plugin.name);
        assert!(m.spec.short_description.contains("StatefulSet"));
        for word in ["pods", "statefulsets", "kubectl_complete-", "deploy/rbac/"] {
            assert!(
                m.spec.caveats.contains(word),
                "{} caveats lack {word}",
                plugin.name
            );
        }
        let mut shas = BTreeMap::new();
        let mut base_url = String::new();
        for (os, arch) in PLATFORMS {
            let p = m.platform(os, arch).unwrap();
            let file = dist::archive_name(&plugin, &m.spec.version, os, arch);
            base_url = p
                .uri
                .strip_suffix(&format!("/{file}"))
                .expect("uri ends with the archive name")
                .to_string();
            shas.insert(format!("{os}/{arch}"), p.sha256.clone());
            let exe = if os == "windows" { ".exe" } else { "" };
            assert_eq!(p.bin, format!("{}{exe}", plugin.binary()));
        }
        let template = std::fs::read_to_string(
            xtask::paths::workspace_root()
                .join("plugins/templates")
                .join(format!("{}.yaml", plugin.name)),
        )
        .unwrap();
        let rendered = manifest::render(&template, &m.spec.version, &base_url, &shas).unwrap();
        assert_eq!(
            rendered, text,
            "plugins/{}.yaml differs from its template: run cargo xtask dist",
            plugin.name
        );
    }
}

#[test]
fn host_archive_installs_like_krew_and_kubectl_runs_it() {
    let bins = plugin_bins();
    let tmp = tempfile::tempdir().unwrap();
    let root = xtask::paths::workspace_root();
    let version = "v0.1.0-test.1";
    let (os, arch) = manifest::host_platform();
    let built = dist::build_archives(
        &bins,
        &root,
        &tmp.path().join("dist"),
        version,
        (&os, &arch),
        1,
    )
    .expect("archives");
    assert_eq!(built.len(), PLUGINS.len(), "one archive per plugin");
    let mut known = BTreeMap::new();
    for ((path, digest), plugin) in built.iter().zip(PLUGINS) {
        let mut names = archive::list(path).expect("krew-acceptable archive");
        names.sort();
        assert_eq!(names, ["LICENSE".to_string(), plugin.binary_file()]);
        let sums = std::fs::read_to_string(format!("{}.sha256", path.display())).unwrap();
        let name = dist::archive_name(&plugin, version, &os, &arch);
        assert_eq!(sums, format!("{digest}  {name}\n"), "sha256sum format");
        known.insert(name, digest.clone());
    }

    // The same inputs give the same bytes.
    let again = dist::build_archives(
        &bins,
        &root,
        &tmp.path().join("again"),
        version,
        (&os, &arch),
        1,
    )
    .unwrap();
    assert_eq!(
        again.iter().map(|(_, d)| d).collect::<Vec<_>>(),
        built.iter().map(|(_, d)| d).collect::<Vec<_>>()
    );

    // Manifests for these archives, rendered from the real templates; without the other
    // platforms' digests that is an error unless placeholders are asked for.
    let manifests = tmp.path().join("manifests");
    let templates = root.join("plugins/templates");
    let url = "https://example.invalid/dl";
    let err = dist::fill_manifests(
        &templates,
        &manifests,
        version,
        url,
        &known,
        Pending::Refuse,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&dist::archive_name(&PLUGINS[0], version, "darwin", "arm64")),
        "{err}"
    );
    dist::fill_manifests(&templates, &manifests, version, url, &known, Pending::Allow)
        .expect("manifests");
    let archive_of = |plugin: &xtask::plugins::Plugin| {
        tmp.path()
            .join("dist")
            .join(dist::archive_name(plugin, version, &os, &arch))
    };

    let krew_root = tmp.path().join("krew");
    for plugin in PLUGINS {
        let text =
            std::fs::read_to_string(manifests.join(format!("{}.yaml", plugin.name))).unwrap();
        let m = manifest::parse(&text).unwrap();
        assert!(manifest::validate_with(plugin.name, &m, Pending::Allow).is_empty());
        let installed =
            krew::install(&m, &archive_of(&plugin), &krew_root, &os, &arch).expect("krew install");
        assert_eq!(
            installed.link.file_name().unwrap().to_string_lossy(),
            plugin.link()
        );
        let store = installed.target.parent().unwrap();
        let mut kept: Vec<String> = std::fs::read_dir(store)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        kept.sort();
        assert_eq!(
            kept,
            ["LICENSE".to_string(), plugin.binary_file()],
            "files ops keep one binary"
        );
    }
    // A wrong digest is refused, as krew refuses it (sts-pvc's archive for sts-visits).
    let (_, visits) = read_manifest("sts-visits");
    assert!(krew::install(
        &visits,
        &archive_of(&PLUGINS[2]),
        &tmp.path().join("other"),
        &os,
        &arch
    )
    .is_err());

    let bin = krew_root.join("bin");
    let path = path_with(&bin);
    let cache = tmp.path().join("cache");
    let kc = unreachable_kubeconfig(tmp.path());
    let list = kubectl(&path, &kc, &cache, &["plugin", "list"]);
    let listed = ok(&list, "kubectl plugin list");
    for plugin in PLUGINS {
        assert!(
            listed.contains(&bin.join(plugin.link()).display().to_string()),
            "{listed}"
        );
    }
    assert!(
        !stderr(&list).to_lowercase().contains("warning"),
        "{}",
        stderr(&list)
    );
    let help = ok(
        &kubectl(&path, &kc, &cache, &["sts-visits", "--help"]),
        "kubectl sts-visits --help",
    );
    assert!(help.contains("Usage: kubectl sts-visits"), "{help}");

    // The caveats' completion one-liner: a link named kubectl_complete-sts_visits to the krew
    // link works, because the binary answers completion when called by that name.
    for plugin in PLUGINS {
        #[cfg(unix)]
        std::os::unix::fs::symlink(plugin.link(), bin.join(plugin.shim())).unwrap();
    }
    let out = kubectl(
        &path,
        &kc,
        &cache,
        &["__complete", "sts-visits", "--context", ""],
    );
    let (values, directive) = candidates(&ok(&out, "__complete"));
    assert_eq!(values, ["sts-sim"]);
    assert_eq!(directive, "4");
    let out = kubectl(&path, &kc, &cache, &["__complete", "sts-rollout", "--"]);
    let (values, _) = candidates(&ok(&out, "__complete"));
    assert!(values.contains(&"--namespace".to_string()), "{values:?}");
}

#[test]
fn rbac_roles_exist_for_every_plugin_and_are_well_formed() {
    use serde::Deserialize;
    for plugin in PLUGINS {
        let path = xtask::paths::workspace_root()
            .join("deploy/rbac")
            .join(format!("{}.yaml", plugin.name));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut kinds = Vec::new();
        for doc in serde_norway::Deserializer::from_str(&text) {
            let value = serde_json::Value::deserialize(doc).expect("YAML document");
            assert_eq!(
                value["apiVersion"],
                "rbac.authorization.k8s.io/v1",
                "{}",
                path.display()
            );
            let kind = value["kind"].as_str().unwrap().to_string();
            assert!(kind == "Role" || kind == "ClusterRole", "{kind}");
            assert!(value["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with(&plugin.binary()));
            let rules = value["rules"].as_array().expect("rules");
            assert!(!rules.is_empty());
            for rule in rules {
                for field in ["apiGroups", "resources", "verbs"] {
                    assert!(
                        rule[field].as_array().is_some_and(|a| !a.is_empty()),
                        "{}: rule without {field}: {rule}",
                        path.display()
                    );
                }
            }
            kinds.push(kind);
        }
        assert!(kinds.contains(&"Role".to_string()), "{}", path.display());
    }
}

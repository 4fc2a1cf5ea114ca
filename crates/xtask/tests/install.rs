//! Installing from source as `cargo xtask install` does, then using the plugins the way a user
//! does, through the real kubectl: `kubectl plugin list`, both invocation forms, `--version`,
//! and kubectl's own completion of `kubectl sts-* <TAB>` against a cluster (the simulator, or
//! `STS_E2E_KUBECONFIG`).

mod common;

use std::time::{Duration, Instant};

use common::*;
use sts_sim::testing::{visits_app_manifest, E2e};
use xtask::plugins::PLUGINS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installed_plugins_are_listed_run_both_ways_and_complete_from_the_cluster() {
    let bins = plugin_bins();
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("prefix");
    let cache = tmp.path().join("cache");
    let written = xtask::install::install(&bins, &prefix).expect("install");
    assert_eq!(written.len(), 9, "{written:?}");
    let path = path_with(&prefix);
    let no_cluster = unreachable_kubeconfig(tmp.path());

    // kubectl sees six plugin files (three names, two forms each) and warns about nothing.
    let list = kubectl(&path, &no_cluster, &cache, &["plugin", "list"]);
    let listed = ok(&list, "kubectl plugin list");
    for plugin in PLUGINS {
        for name in [plugin.binary(), plugin.link()] {
            let file = prefix.join(&name);
            assert!(
                listed.contains(&file.display().to_string()),
                "{name} missing:\n{listed}"
            );
        }
    }
    assert!(
        !stderr(&list).to_lowercase().contains("warning"),
        "{}",
        stderr(&list)
    );

    // Both invocation forms reach the plugin; help names the command as typed.
    for plugin in PLUGINS {
        let dashed = plugin.name;
        let spaced: Vec<&str> = dashed.split('-').collect();
        for words in [vec![dashed], spaced] {
            let mut args = words.clone();
            args.push("--help");
            let help = ok(
                &kubectl(&path, &no_cluster, &cache, &args),
                &format!("kubectl {args:?}"),
            );
            assert!(help.contains(&format!("Usage: kubectl {dashed}")), "{help}");
            assert!(help.contains("Flags go after the plugin name"), "{help}");
        }
        let version = ok(
            &kubectl(&path, &no_cluster, &cache, &[dashed, "--version"]),
            "--version",
        );
        assert_eq!(
            version.trim(),
            format!("kubectl {dashed} {}", env!("CARGO_PKG_VERSION"))
        );
    }

    // An unreachable cluster: the shim answers at once with nothing but the directive.
    let started = Instant::now();
    let out = kubectl(
        &path,
        &no_cluster,
        &cache,
        &["__complete", "sts-visits", ""],
    );
    let (values, directive) = candidates(&ok(&out, "__complete"));
    assert!(values.is_empty(), "{values:?}");
    assert_eq!(directive, "4");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    // A cluster with the seeds' app: completion asks it.
    let t = E2e::start().await;
    let created = t.kubectl_stdin(
        &["apply", "-f", "-"],
        &visits_app_manifest("web", 2, "Parallel"),
    );
    assert!(created.status.success(), "{}", stderr(&created));
    t.kubectl_ok(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    let kc = t.kubeconfig_path().to_path_buf();
    let ns = t.namespace.as_str();
    let complete = |words: &[&str]| {
        let mut args = vec!["__complete"];
        args.extend_from_slice(words);
        let out = kubectl(&path, &kc, &cache, &args);
        let text = ok(&out, &format!("kubectl {args:?}"));
        assert!(
            stderr(&out)
                .lines()
                .all(|l| l.starts_with("[Debug]") || l.starts_with("Completion ended")),
            "stderr: {}",
            stderr(&out)
        );
        candidates(&text)
    };

    let (values, directive) = complete(&["sts-visits", "-n", ns, ""]);
    assert_eq!(values, ["web"]);
    assert_eq!(directive, "4");
    let (values, _) = complete(&["sts-visits", "--namespace", ns, "--context", "sts-sim", "w"]);
    assert_eq!(values, ["web"]);
    let (values, _) = complete(&["sts-visits", "-n", ns, "web", "-c", ""]);
    assert_eq!(values, ["app"]);
    let (values, _) = complete(&["sts-visits", "-n", ""]);
    assert!(values.iter().any(|v| v == ns), "{values:?}");
    let (values, _) = complete(&["sts-pvc", "-n", ns, "resize", "web", "--template", ""]);
    assert_eq!(values, ["data"]);
    let (values, _) = complete(&["sts-pvc", "-n", ns, ""]);
    assert!(
        values.contains(&"prune".to_string()) && values.contains(&"web".to_string()),
        "{values:?}"
    );
    let (values, _) = complete(&["sts-rollout", "undo", "web", "-n", ns, "--to-revision", ""]);
    assert_eq!(values, ["1"]);
    let (values, _) = complete(&["sts-rollout", "-n", ns, "start", "web", "--image", ""]);
    assert_eq!(values, ["app="]);
    let (values, _) = complete(&["sts-visits", "-o", ""]);
    assert!(values.contains(&"json".to_string()), "{values:?}");
    if t.sim.is_some() {
        let (values, _) = complete(&["sts-visits", "--context", ""]);
        assert_eq!(values, ["sts-sim"]);
        // The simulator's kubeconfig points at namespace default: nothing there.
        let (values, _) = complete(&["sts-visits", ""]);
        assert!(values.is_empty(), "{values:?}");
    } else {
        eprintln!("skipped: completing contexts and names needs sts-sim's kubeconfig");
    }
    t.cleanup().await;

    // Uninstall removes every file install wrote.
    let removed = xtask::install::uninstall(&prefix).expect("uninstall");
    assert_eq!(removed.len(), 9);
    assert_eq!(std::fs::read_dir(&prefix).unwrap().count(), 0);
}

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let files = xtask::completions::generate(&plugin_bins()).expect("generate");
    assert_eq!(files.len(), PLUGINS.len() * 6);
    let stale = xtask::completions::stale(&xtask::paths::workspace_root(), &files);
    assert!(
        stale.is_empty(),
        "stale: {stale:?}; run `cargo xtask completions`"
    );
}

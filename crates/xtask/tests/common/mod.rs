//! Shared by the xtask tests: the plugin binaries (built once per test run), a PATH with only
//! what a user's would have for the test, and the real `kubectl`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use xtask::paths;

/// The debug binaries of the three plugins, built if needed (a no-op under
/// `cargo test --workspace`, which builds every binary first with the same features).
pub fn plugin_bins() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| paths::build_as_tests().expect("build the plugin binaries"))
        .clone()
}

/// The folder of the real `kubectl` (tests must fail, not skip, without it).
pub fn kubectl_dir() -> PathBuf {
    let path = std::env::var_os("PATH").expect("PATH");
    std::env::split_paths(&path)
        .find(|dir| dir.join("kubectl").is_file())
        .expect("kubectl must be on PATH for these tests")
}

/// A PATH of `first`, then kubectl's folder and the system folders (for `/bin/sh` shims).
pub fn path_with(first: &Path) -> std::ffi::OsString {
    std::env::join_paths([
        first.to_path_buf(),
        kubectl_dir(),
        PathBuf::from("/usr/bin"),
        PathBuf::from("/bin"),
    ])
    .expect("PATH")
}

/// Runs the real kubectl with `path` as PATH, a private discovery cache, and `kubeconfig`.
pub fn kubectl(path: &std::ffi::OsStr, kubeconfig: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(kubectl_dir().join("kubectl"))
        .args(args)
        .env("PATH", path)
        .env("KUBECONFIG", kubeconfig)
        .env("KUBECACHEDIR", cache)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .output()
        .expect("run kubectl")
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// A kubeconfig naming a server nobody listens on (port 9 of loopback: discard).
pub fn unreachable_kubeconfig(dir: &Path) -> PathBuf {
    let path = dir.join("unreachable-kubeconfig");
    std::fs::write(
        &path,
        sts_sim::apiserver::kubeconfig::render("http://127.0.0.1:9"),
    )
    .expect("write");
    path
}

/// The candidates of a cobra completion answer (without descriptions), and its directive.
pub fn candidates(answer: &str) -> (Vec<String>, String) {
    let mut values = Vec::new();
    let mut directive = String::new();
    for line in answer.lines() {
        if let Some(d) = line.strip_prefix(':') {
            directive = d.to_string();
        } else if !line.is_empty() {
            values.push(line.split('\t').next().unwrap_or_default().to_string());
        }
    }
    (values, directive)
}

//! Unit tests of the simulated containers, and the state fixture other modules' tests use
//! ([`state_with_pod`]).

use std::sync::Arc;

use serde_json::{json, Value};

use super::*;
use crate::machinery::api;
use crate::machinery::resources::{NAMESPACES, PODS, PVCS};
use crate::options::ClusterOptions;
use crate::runtime::fs::FileSystems;
use crate::state::State;

/// A state with namespace `default`, a bound claim `data-web-0` on PV `pv-web-0` and a
/// Running pod `web-0` (container `app`, image `image`, claim mounted at `/data`).
pub(crate) fn state_with_pod(image: &str, env: Value) -> Arc<State> {
    let state = Arc::new(State::new(ClusterOptions::default()));
    api::create(
        &state,
        &NAMESPACES,
        "",
        json!({"metadata": {"name": "default"}}),
        false,
    )
    .unwrap();
    api::create(
        &state,
        &PVCS,
        "default",
        json!({
            "metadata": {"name": "data-web-0"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "volumeName": "pv-web-0",
                "resources": {"requests": {"storage": "5Mi"}},
            },
        }),
        false,
    )
    .unwrap();
    state
        .fs
        .set_capacity(&FileSystems::pv_volume("pv-web-0"), 5 << 20);
    add_pod(&state, "web-0", image, env);
    state
}

/// Creates a Running pod named `name` using claim `data-web-0`.
pub(crate) fn add_pod(state: &State, name: &str, image: &str, env: Value) {
    api::create(
        state,
        &PODS,
        "default",
        json!({
            "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {
                "nodeName": "node-1",
                "hostname": name,
                "containers": [{
                    "name": "app", "image": image, "env": env,
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "cache", "mountPath": "/tmp/cache"}],
                }],
                "volumes": [
                    {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}},
                    {"name": "cache", "emptyDir": {}},
                ],
            },
        }),
        false,
    )
    .unwrap();
    api::write_status(state, &PODS, "default", name, |s| {
        s["phase"] = json!("Running");
        s["podIP"] = json!("10.244.1.5");
        s["conditions"] = json!([{"type": "Ready", "status": "True"}]);
    })
    .unwrap();
}

fn view(state: &State, pod: &str, container: &str) -> ContainerView {
    let obj = state.store.get(&PODS, "default", pod).unwrap();
    ContainerView::new(state, &obj, container).unwrap()
}

fn run(state: &State, v: &ContainerView, argv: &[&str]) -> (String, String, ExecResult) {
    let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    let o = run_command(state, v, &argv, b"");
    (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
        o.result,
    )
}

#[test]
fn image_rules() {
    let b = image_behaviour("example/visits-app:1.0");
    assert!(b.visits_app && !b.broken && b.flavor == Flavor::Generic);
    assert!(image_behaviour("registry:5000/visits:broken-2").broken);
    assert!(!image_behaviour("registry:5000/visits").broken);
    assert!(!image_behaviour("example/app-visits:1").visits_app);
    assert_eq!(
        image_behaviour("gcr.io/distroless/static").flavor,
        Flavor::Distroless
    );
    assert_eq!(image_behaviour("busybox:1.36").flavor, Flavor::Busybox);
    assert!(image_behaviour("example/visits-app:crashloop").broken);
}

#[test]
fn paths_resolve_to_claim_emptydir_and_root() {
    let state = state_with_pod("busybox", json!([]));
    let v = view(&state, "web-0", "app");
    let uid = v.pod_uid.clone();
    assert_eq!(v.resolve("/data/visits").volume, "pv/pv-web-0");
    assert_eq!(v.resolve("/data/visits").rel, "visits");
    assert_eq!(v.resolve("/data").rel, "");
    assert_eq!(
        v.resolve("/data/../etc/x").volume,
        format!("root/{uid}/app")
    );
    assert_eq!(v.resolve("/datax").volume, format!("root/{uid}/app"));
    assert_eq!(v.resolve("/tmp/cache/a").volume, format!("pod/{uid}/cache"));
    assert_eq!(v.resolve("/tmp/other").volume, format!("root/{uid}/app"));
    assert_eq!(v.resolve("data/visits").volume, "pv/pv-web-0");
    assert!(v.is_dir(&state.fs, "/tmp"));
    assert!(v.is_dir(&state.fs, "/data"));
    assert!(!v.is_dir(&state.fs, "/nope"));
}

#[test]
fn ephemeral_container_sees_target_under_proc_1_root() {
    let state = state_with_pod("example/visits-app-distroless:1.0", json!([]));
    state
        .store
        .modify(&PODS, "default", "web-0", |p| {
            p["spec"]["ephemeralContainers"] = json!([{"name": "debugger", "image": "busybox:1.36", "targetContainerName": "app"}]);
            Ok(true)
        })
        .unwrap();
    state
        .fs
        .write("pv/pv-web-0", "visits", b"38".to_vec())
        .unwrap();
    let v = view(&state, "web-0", "debugger");
    assert!(v.ephemeral);
    let loc = v.resolve("/proc/1/root/data/visits");
    assert_eq!(
        (loc.volume.as_str(), loc.rel.as_str()),
        ("pv/pv-web-0", "visits")
    );
    assert_eq!(
        v.resolve("/data/visits").volume,
        format!("root/{}/debugger", v.pod_uid)
    );
    let (out, _, res) = run(&state, &v, &["cat", "/proc/1/root/data/visits"]);
    assert_eq!((out.as_str(), res), ("38", ExecResult::Exit(0)));
    let (out, _, _) = run(&state, &v, &["ls", "/proc/1/root/data"]);
    assert_eq!(out, "visits\n");
    // The target itself has no shell.
    let app = view(&state, "web-0", "app");
    let (_, _, res) = run(&state, &app, &["cat", "/data/visits"]);
    assert_eq!(
        res,
        ExecResult::StartFailed("exec: \"cat\": executable file not found in $PATH".into())
    );
    let (_, _, res) = run(&state, &app, &["/bin/sh", "-c", "true"]);
    assert_eq!(
        res,
        ExecResult::StartFailed(
            "exec: \"/bin/sh\": stat /bin/sh: no such file or directory".into()
        )
    );
}

#[test]
fn visits_app_counts_in_both_formats() {
    let state = state_with_pod("example/visits-app:1.0", json!([]));
    let v = view(&state, "web-0", "app");
    assert_eq!(v.serving_port(), Some(8080));
    for n in 1..=3 {
        let a = serve_http(&state, &v, "GET", "/");
        assert_eq!(a.status, 200);
        assert!(String::from_utf8_lossy(&a.body).contains(&format!("Visits: {n}")));
    }
    assert_eq!(state.fs.read("pv/pv-web-0", "visits").unwrap(), b"3");
    assert_eq!(serve_http(&state, &v, "GET", "/visits").body, b"3\n");
    assert_eq!(serve_http(&state, &v, "GET", "/healthz").body, b"ok");
    assert_eq!(serve_http(&state, &v, "GET", "/nope").status, 404);
    assert_eq!(visits_recorded(&state, "default", "web-0"), 3);
    assert_eq!(visits_in_file(&state, "default", "web-0"), Some(3));

    let env = json!([{"name": "VISITS_FORMAT", "value": "timestamps"}, {"name": "VISITS_FILE", "value": "/data/app/visits"}]);
    let state = state_with_pod("example/visits-app:1.0", env);
    let v = view(&state, "web-0", "app");
    serve_http(&state, &v, "GET", "/");
    serve_http(&state, &v, "GET", "/");
    let content = String::from_utf8(state.fs.read("pv/pv-web-0", "app/visits").unwrap()).unwrap();
    let lines: Vec<&str> = content.lines().collect();
    assert_eq!(lines.len(), 2);
    let l = lines[0];
    assert_eq!(l.len(), 15, "{l}");
    assert_eq!((&l[2..3], &l[5..6], &l[8..9]), (":", ":", "."));
    assert_eq!(serve_http(&state, &v, "GET", "/visits").body, b"2\n");
    assert_eq!(visits_in_file(&state, "default", "web-0"), Some(2));
}

#[test]
fn data_follows_the_claim_across_pod_recreation() {
    let state = state_with_pod("example/visits-app:1.0", json!([]));
    serve_http(&state, &view(&state, "web-0", "app"), "GET", "/");
    state.store.remove(&PODS, "default", "web-0").unwrap();
    add_pod(&state, "web-0", "example/visits-app:1.0", json!([]));
    let a = serve_http(&state, &view(&state, "web-0", "app"), "GET", "/");
    assert!(String::from_utf8_lossy(&a.body).contains("Visits: 2"));
    assert_eq!(visits_recorded(&state, "default", "web-0"), 2);
}

#[test]
fn busybox_cat_errors_and_literal_argv() {
    let state = state_with_pod("busybox:1.36", json!([]));
    let v = view(&state, "web-0", "app");
    let (out, err, res) = run(&state, &v, &["cat", "/data/x"]);
    assert_eq!((out.as_str(), res), ("", ExecResult::Exit(1)));
    assert_eq!(
        err,
        "cat: can't open '/data/x': No such file or directory\n"
    );
    let (_, err, res) = run(&state, &v, &["cat", "/data"]);
    assert_eq!(
        (err.as_str(), res),
        ("cat: read error: Is a directory\n", ExecResult::Exit(1))
    );
    let weird = "a b;$(rm -rf x).txt";
    state
        .fs
        .write("pv/pv-web-0", weird, b"safe".to_vec())
        .unwrap();
    state
        .fs
        .write("pv/pv-web-0", "x/keep", b"1".to_vec())
        .unwrap();
    let (out, err, res) = run(&state, &v, &["cat", &format!("/data/{weird}")]);
    assert_eq!(
        (out.as_str(), err.as_str(), res),
        ("safe", "", ExecResult::Exit(0))
    );
    assert!(state.fs.read("pv/pv-web-0", "x/keep").is_some());
    // Inside sh -c, `$(...)` is literal text, never a command.
    let (out, _, _) = run(
        &state,
        &v,
        &["sh", "-c", "cd /data && echo '$(rm -rf x)' \"$(rm -rf x)\""],
    );
    assert_eq!(out, "$(rm -rf x) $(rm -rf x)\n");
    assert!(state.fs.read("pv/pv-web-0", "x/keep").is_some());
    let (_, _, res) = run(&state, &v, &["nosuch"]);
    assert_eq!(
        res,
        ExecResult::StartFailed("exec: \"nosuch\": executable file not found in $PATH".into())
    );
    let (_, err, res) = run(&state, &v, &["sh", "-c", "nosuch arg"]);
    assert_eq!(
        (err.as_str(), res),
        ("sh: nosuch: not found\n", ExecResult::Exit(127))
    );
}

#[test]
fn generic_image_uses_gnu_wording() {
    let state = state_with_pod("debian:12", json!([]));
    let v = view(&state, "web-0", "app");
    let (_, err, _) = run(&state, &v, &["cat", "nope"]);
    assert_eq!(err, "cat: nope: No such file or directory\n");
    let (_, err, res) = run(&state, &v, &["bash", "-c", "nosuch"]);
    assert_eq!(
        (err.as_str(), res),
        ("sh: 1: nosuch: not found\n", ExecResult::Exit(127))
    );
}

#[test]
fn sh_lists_redirections_and_pipes() {
    let state = state_with_pod(
        "busybox",
        json!([{"name": "GREETING", "value": "hi there"}]),
    );
    let v = view(&state, "web-0", "app");
    let script = "echo one > /data/f; echo two >> /data/f && cat /data/f; false || echo \"$GREETING\"; false && echo never; echo $?";
    let (out, err, res) = run(&state, &v, &["sh", "-c", script]);
    assert_eq!(err, "");
    assert_eq!(out, "one\ntwo\nhi there\n1\n");
    assert_eq!(res, ExecResult::Exit(0));
    assert_eq!(state.fs.read("pv/pv-web-0", "f").unwrap(), b"one\ntwo\n");
    let (out, _, _) = run(
        &state,
        &v,
        &[
            "sh",
            "-c",
            "cat /data/f | wc -l; cat /nope 2>&1 | head -n 1",
        ],
    );
    assert_eq!(
        out,
        "2\ncat: can't open '/nope': No such file or directory\n"
    );
    let (out, err, res) = run(
        &state,
        &v,
        &["/bin/sh", "-c", "cat /nope 2>/dev/null; exit 3; echo after"],
    );
    assert_eq!(
        (out.as_str(), err.as_str(), res),
        ("", "", ExecResult::Exit(3))
    );
    let (_, err, res) = run(&state, &v, &["sh", "-c", "echo x > /nodir/f"]);
    assert_eq!(
        (err.as_str(), res),
        (
            "sh: can't create /nodir/f: nonexistent directory\n",
            ExecResult::Exit(1)
        )
    );
    let (out, _, res) = run(
        &state,
        &v,
        &[
            "sh",
            "-c",
            "test -f /data/f && [ -d /data ] && ! test -e /data/g && echo yes",
        ],
    );
    assert_eq!((out.as_str(), res), ("yes\n", ExecResult::Exit(0)));
    let (out, _, _) = run(
        &state,
        &v,
        &[
            "sh",
            "-c",
            "X=1; echo $X ${X}2 '$X'; hostname; stat -c %s /data/f",
        ],
    );
    assert_eq!(out, "1 12 $X\nweb-0\n8\n");
    let (out, _, _) = run(&state, &v, &["sh", "-c", "ls /data; ls -la /data | wc -l"]);
    assert_eq!(out, "f\n4\n");
    let o = run_command(&state, &v, &["sh".to_string()], b"echo from stdin; exit 4");
    assert_eq!(
        (o.stdout, o.result),
        (b"from stdin\n".to_vec(), ExecResult::Exit(4))
    );
    let o = run_command(&state, &v, &["sleep".to_string(), "100".to_string()], b"");
    assert_eq!(o.sleep, MAX_SLEEP);
    let (_, err, res) = run(&state, &v, &["sh", "-c", "echo 'unterminated"]);
    assert!(err.contains("syntax error"), "{err}");
    assert_eq!(res, ExecResult::Exit(2));
}

#[test]
fn df_reports_volume_usage() {
    let state = state_with_pod("busybox", json!([]));
    let v = view(&state, "web-0", "app");
    state
        .fs
        .write("pv/pv-web-0", "visits", vec![b'1'; 5000])
        .unwrap();
    let (out, _, res) = run(&state, &v, &["df", "-k", "/data"]);
    assert_eq!(res, ExecResult::Exit(0));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("Filesystem"), "{out}");
    let cols: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(cols, vec!["/dev/sdb", "5120", "8", "5112", "1%", "/data"]);
    let (out, _, _) = run(&state, &v, &["df", "-B1", "/data/visits"]);
    let cols: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(
        cols,
        vec!["/dev/sdb", "5242880", "8192", "5234688", "1%", "/data"]
    );
    let (out, _, _) = run(&state, &v, &["df"]);
    assert_eq!(out.lines().count(), 4, "{out}");
    let (_, err, res) = run(&state, &v, &["df", "/nope"]);
    assert_eq!(
        (err.as_str(), res),
        ("df: /nope: can't find mount point\n", ExecResult::Exit(1))
    );
}

#[test]
fn node_summary_lists_pod_volumes() {
    let state = state_with_pod("busybox", json!([]));
    state
        .fs
        .write("pv/pv-web-0", "visits", b"12".to_vec())
        .unwrap();
    let s = node_stats_summary(&state, "node-1");
    assert_eq!(s["node"]["nodeName"], "node-1");
    let pod = &s["pods"][0];
    assert_eq!(pod["podRef"]["name"], "web-0");
    let data = pod["volume"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "data")
        .unwrap();
    assert_eq!(
        data["pvcRef"],
        json!({"name": "data-web-0", "namespace": "default"})
    );
    assert_eq!(data["usedBytes"], 4096);
    assert_eq!(data["capacityBytes"], 5 << 20);
    assert_eq!(data["availableBytes"], (5 << 20) - 4096);
    assert!(node_stats_summary(&state, "node-2")["pods"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn quantities() {
    assert_eq!(parse_quantity("5Mi"), Some(5 << 20));
    assert_eq!(parse_quantity("1G"), Some(1_000_000_000));
    assert_eq!(parse_quantity("100"), Some(100));
    assert_eq!(parse_quantity("1.5Ki"), Some(1536));
    assert_eq!(parse_quantity("x"), None);
}

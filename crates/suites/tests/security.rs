//! Security checks: exec never goes through a shell, `-v` never prints credentials, the
//! kubelet stats path is used only on opt-in, and TLS verification stays on unless the
//! kubeconfig turns it off.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, PostParams};
use serde_json::json;
use sts_sim::testing::E2e;
use suites::{app_objects, deploy, on, visit, visit_all, wait_settled, Invocation, Plugin};
use tokio_rustls::rustls;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_name_with_shell_characters_is_read_literally() {
    let t = E2e::start().await;
    let path = "/data/visits; echo 99 $(echo 7) `id` | cat >x.txt";
    let (svc, mut sts) = app_objects("app", 1, "Parallel", json!(null));
    let mut value = serde_json::to_value(&sts).unwrap();
    value["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "VISITS_FILE", "value": path}]);
    sts = serde_json::from_value(value).unwrap();
    let svcs: Api<Service> = t.api();
    svcs.create(&PostParams::default(), &svc).await.unwrap();
    let api: Api<StatefulSet> = t.api();
    api.create(&PostParams::default(), &sts).await.unwrap();
    wait_settled(&t, "app", Duration::from_secs(120)).await;
    visit(&t, "app-0", 3).await;

    let run = on(&t, Plugin::Visits, &["app", "--path", path, "-o", "json"])
        .run()
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.json()["total"],
        3,
        "the literal file, not a shell's output"
    );
    // The plain `/data/visits` does not exist: a shell would have split the name there.
    let run = on(&t, Plugin::Visits, &["app", "--path", "/data/visits"])
        .run()
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_logs_never_show_the_bearer_token() {
    let t = E2e::start().await;
    deploy(&t, "web", 2, "Parallel", json!(null)).await;
    visit_all(&t, "web", 2, 1).await;
    let kubeconfig = std::fs::read_to_string(&t.kubeconfig).unwrap();
    let with_token = kubeconfig.replace("user: {}", "user: {token: SECRET123}");
    assert_ne!(
        with_token, kubeconfig,
        "the kubeconfig has a user to give a token"
    );
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, with_token).unwrap();
    let kc = kc.to_string_lossy().into_owned();
    let ns = t.namespace.clone();
    for (plugin, args) in [
        (Plugin::Visits, vec!["web", "--path", "/data/visits"]),
        (Plugin::Pvc, vec!["web"]),
        (Plugin::Rollout, vec!["status", "web"]),
        (Plugin::Rollout, vec!["nope", "--partition", "1"]),
    ] {
        let run = Invocation::new(plugin, &args)
            .arg(&["--kubeconfig", &kc, "-n", &ns, "-v"])
            .run()
            .await;
        let all = run.all_output();
        assert!(!all.contains("SECRET123"), "token printed: {run:?}");
        assert!(run.stderr.contains("GET "), "-v logs the requests: {run:?}");
    }
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kubelet_stats_path_is_used_only_on_opt_in() {
    let t = E2e::start().await;
    let Some(faults) = t.faults().cloned() else {
        eprintln!("skipped: request counting needs the simulator");
        return;
    };
    deploy(&t, "web", 3, "Parallel", json!(null)).await;
    visit_all(&t, "web", 3, 1).await;
    faults.reset_counts();
    for args in [vec!["usage", "web"], vec!["web"], vec!["web", "-o", "wide"]] {
        let run = on(&t, Plugin::Pvc, &args).run().await;
        assert_eq!(run.code, 0, "{run:?}");
    }
    let visits = on(&t, Plugin::Visits, &["web", "--path", "/data/visits"])
        .run()
        .await;
    assert_eq!(visits.code, 0, "{visits:?}");
    let node_proxy: u64 = faults
        .request_counts()
        .iter()
        .filter(|((_, r), _)| r.starts_with("nodes/"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(node_proxy, 0, "{:?}", faults.request_counts());

    let run = on(&t, Plugin::Pvc, &["usage", "web", "--source", "kubelet"])
        .run()
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        faults.count("get", "nodes/proxy") > 0,
        "{:?}",
        faults.request_counts()
    );
    t.cleanup().await;
}

/// A TLS front for the simulator with the self-signed certificate of `tests/data`.
async fn tls_front(backend: std::net::SocketAddr) -> std::net::SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let certs = vec![CertificateDer::from_pem_file(format!("{data}/selfsigned.crt")).unwrap()];
    let key = PrivateKeyDer::from_pem_file(format!("{data}/selfsigned.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut upstream) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_verification_stays_on_unless_the_kubeconfig_turns_it_off() {
    let t = E2e::start().await;
    let Some(sim) = t.sim.as_ref() else {
        eprintln!("skipped: the TLS front needs the simulator");
        return;
    };
    deploy(&t, "web", 2, "Parallel", json!(null)).await;
    let front = tls_front(sim.addr()).await;
    let kubeconfig = std::fs::read_to_string(&t.kubeconfig).unwrap();
    let server_line = kubeconfig
        .lines()
        .find(|l| l.trim().starts_with("server: "))
        .unwrap()
        .to_string();
    let indent = &server_line[..server_line.len() - server_line.trim_start().len()];
    let https = format!("{indent}server: https://127.0.0.1:{}", front.port());
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, extra: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            kubeconfig.replace(&server_line, &format!("{https}{extra}")),
        )
        .unwrap();
        path.to_string_lossy().into_owned()
    };
    let verified = write("verified", "");
    let insecure = write(
        "insecure",
        &format!("\n{indent}insecure-skip-tls-verify: true"),
    );
    let ca = write(
        "ca",
        &format!(
            "\n{indent}certificate-authority: {}/tests/data/selfsigned.crt",
            env!("CARGO_MANIFEST_DIR")
        ),
    );
    let ns = t.namespace.clone();
    for plugin in [Plugin::Visits, Plugin::Pvc, Plugin::Rollout] {
        let args: Vec<&str> = match plugin {
            Plugin::Rollout => vec!["status", "web"],
            _ => vec!["web"],
        };
        let run = Invocation::new(plugin, &args)
            .arg(&["--kubeconfig", &verified, "-n", &ns])
            .run()
            .await;
        assert_eq!(run.code, 1, "an unknown issuer is refused: {run:?}");
        assert!(
            run.stderr.to_lowercase().contains("certificate"),
            "the message names the certificate problem: {run:?}"
        );
        let pvc_or_status = |kc: &str| {
            Invocation::new(
                plugin,
                &match plugin {
                    Plugin::Visits => vec!["zero-replicas-are-fine", "--path", "/data/visits"],
                    Plugin::Rollout => vec!["status", "web"],
                    Plugin::Pvc => vec!["web"],
                },
            )
            .arg(&["--kubeconfig", kc, "-n", &ns])
        };
        for kc in [&insecure, &ca] {
            let run = pvc_or_status(kc).run().await;
            let connected = match plugin {
                // Any answer from the API (here: not found) proves the TLS session worked.
                Plugin::Visits => run.stderr.contains("not found"),
                _ => run.code == 0,
            };
            assert!(connected, "{kc}: {run:?}");
            assert!(
                !run.stderr.to_lowercase().contains("certificate"),
                "{run:?}"
            );
        }
    }
    t.cleanup().await;
}

//! Authentication and RBAC through the real kubectl: a fresh user is refused with
//! upstream's Forbidden wording until a Role is bound, `kubectl auth can-i` (and `--list`)
//! tells the same, impersonation needs `impersonate`, and bad credentials get 401.

use sts_sim::testing::{stderr, stdout, E2e};

fn bind_role(e2e: &E2e, subject: &serde_json::Value, rules: &str) {
    let manifest = format!(
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: reader}}
rules: {rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: reader}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}
subjects: [{subject}]
"#
    );
    let out = e2e.kubectl_stdin(&["apply", "-f", "-"], &manifest);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_user_gets_only_what_its_role_grants() {
    let e2e = E2e::start().await;
    let alice = e2e.new_user("alice").await;
    let ns = e2e.namespace.clone();

    let refused = e2e.kubectl_as(&alice, &["get", "pods"]);
    assert!(!refused.status.success());
    let expected = format!(
        "pods is forbidden: User \"{}\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"",
        alice.name
    );
    assert!(stderr(&refused).contains(&expected), "{}", stderr(&refused));
    let no = e2e.kubectl_as(&alice, &["auth", "can-i", "list", "pods"]);
    assert_eq!(stdout(&no).trim(), "no");

    bind_role(
        &e2e,
        &alice.subject,
        r#"[{apiGroups: [""], resources: ["pods"], verbs: ["get", "list"]}, {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"], resourceNames: ["web-0"]}]"#,
    );
    let listed = e2e.kubectl_as(&alice, &["get", "pods"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let yes = e2e.kubectl_as(
        &alice,
        &[
            "auth",
            "can-i",
            "create",
            "pods/web-0",
            "--subresource=exec",
        ],
    );
    assert_eq!(stdout(&yes).trim(), "yes", "{}", stderr(&yes));
    let other = e2e.kubectl_as(
        &alice,
        &[
            "auth",
            "can-i",
            "create",
            "pods/web-1",
            "--subresource=exec",
        ],
    );
    assert_eq!(stdout(&other).trim(), "no");
    let delete = e2e.kubectl_as(&alice, &["auth", "can-i", "delete", "pods"]);
    assert_eq!(stdout(&delete).trim(), "no");
    let list = e2e.kubectl_as(&alice, &["auth", "can-i", "--list"]);
    let text = stdout(&list);
    assert!(
        text.lines()
            .any(|l| l.starts_with("pods/exec") && l.contains("[web-0]") && l.contains("[create]")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("pods ") && l.contains("[get list]")),
        "{text}"
    );
    let elsewhere = e2e.kubectl_as(&alice, &["get", "pods", "-n", "default"]);
    assert!(
        stderr(&elsewhere).contains("in the namespace \"default\""),
        "{}",
        stderr(&elsewhere)
    );
    e2e.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: impersonating a named user needs sts-sim's users"
)]
async fn impersonation_needs_the_impersonate_verb() {
    let e2e = E2e::start().await;
    e2e.simulator();
    let alice = e2e.new_user("alice").await;
    // The admin (system:masters) may impersonate: the request is then alice's.
    let as_alice = e2e.kubectl(&["get", "statefulsets", "--as", "alice"]);
    assert!(
        stderr(&as_alice).contains("statefulsets.apps is forbidden: User \"alice\" cannot list resource \"statefulsets\" in API group \"apps\""),
        "{}",
        stderr(&as_alice)
    );
    // alice may not impersonate anyone.
    let path = format!("/api/v1/namespaces/{}/pods", e2e.namespace);
    let out = e2e.kubectl_as(&alice, &["get", "--raw", &path, "--as", "bob"]);
    assert!(
        stderr(&out).contains("users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"),
        "{}",
        stderr(&out)
    );
    e2e.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: the token file is sts-sim's (--token-auth-file)"
)]
async fn tokens_authenticate_and_bad_credentials_get_401() {
    let tokens =
        sts_sim::apiserver::auth::authn::parse_token_file("t0k3n-for-bob,bob,1001,\"ops\"\n")
            .unwrap();
    let e2e = E2e::start_with(sts_sim::ClusterOptions {
        tokens,
        ..Default::default()
    })
    .await;
    let sim = e2e.simulator();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.crt");
    std::fs::write(&ca, sim.ca_pem().unwrap()).unwrap();
    std::fs::write(dir.path().join("none"), "apiVersion: v1\nkind: Config\n").unwrap();
    let run = |token: Option<&str>| {
        let mut cmd = std::process::Command::new("kubectl");
        cmd.env("KUBECONFIG", dir.path().join("none"))
            .env("KUBECACHEDIR", dir.path().join("cache"))
            .args(["--server", &sim.url(), "--certificate-authority"])
            .arg(&ca)
            .args(["get", "pods", "-n", "default"]);
        if let Some(t) = token {
            cmd.args(["--token", t]);
        }
        cmd.output().unwrap()
    };
    let good = run(Some("t0k3n-for-bob"));
    assert!(
        stderr(&good).contains("User \"bob\" cannot list resource \"pods\""),
        "{}",
        stderr(&good)
    );
    assert!(!stderr(&good).contains("t0k3n"), "no token in messages");
    let wrong = run(Some("wrong"));
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("Unauthorized"),
        "{}",
        stderr(&wrong)
    );
    // Without any credentials (kubectl would prompt for a password): a kube-rs client that
    // trusts the CA and sends nothing gets the 401 Status.
    let mut config = kube::Config::new(sim.url().parse().unwrap());
    config.root_cert = Some(vec![
        tokio_rustls::rustls::pki_types::pem::PemObject::from_pem_slice(
            sim.ca_pem().unwrap().as_bytes(),
        )
        .map(|c: tokio_rustls::rustls::pki_types::CertificateDer<'_>| c.to_vec())
        .unwrap(),
    ]);
    let anonymous = kube::Client::try_from(config).unwrap();
    let err = anonymous.apiserver_version().await.unwrap_err();
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 401);
            assert_eq!(s.reason, "Unauthorized");
        }
        other => panic!("expected a 401 Status, got {other}"),
    }
    // The group from the token file counts: bind ops to view in default.
    e2e.kubectl_ok(&[
        "create",
        "rolebinding",
        "ops-view",
        "-n",
        "default",
        "--clusterrole=view",
        "--group=ops",
    ]);
    let viewed = run(Some("t0k3n-for-bob"));
    assert!(viewed.status.success(), "{}", stderr(&viewed));
    e2e.cleanup().await;
}

/// A WebSocket exec (what kube-rs and kubectl 1.31+ send) is a GET: upstream authorizes it as
/// `get` on pods/exec and, since 1.35 (AuthorizePodWebsocketUpgradeCreatePermission), also as
/// `create`. Either verb alone is refused, naming the one that is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_exec_needs_get_and_create_on_pods_exec() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, AttachParams};
    let e2e = E2e::start().await;
    let manifest = sts_sim::testing::visits_app_manifest("web", 1, "Parallel");
    let out = e2e.kubectl_stdin(&["apply", "-f", "-"], &manifest);
    assert!(out.status.success(), "{}", stderr(&out));
    e2e.wait_settled("web", std::time::Duration::from_secs(120))
        .await;
    let alice = e2e.new_user("alice").await;
    let client = sts_sim::cluster::client_for(&alice.kubeconfig)
        .await
        .expect("alice's client");
    let pods: Api<Pod> = Api::namespaced(client, &e2e.namespace);
    let exec = || async {
        let params = AttachParams::default().stdout(true).stderr(false);
        match pods.exec("web-0", ["true"], &params).await {
            Ok(mut process) => {
                let status = process.take_status().expect("status channel");
                process.join().await.map_err(|e| e.to_string())?;
                let status = status.await.expect("exec status");
                match status.status.as_deref() {
                    Some("Success") => Ok(()),
                    other => Err(format!("exec ended with {other:?}")),
                }
            }
            Err(e) => Err(e.to_string()),
        }
    };
    let version = e2e.client.apiserver_version().await.expect("/version");
    let minor: u32 = version
        .minor
        .trim_end_matches('+')
        .parse()
        .expect("numeric minor version");
    let mut cases = vec![(r#"["create"]"#, "get")];
    if minor >= 35 {
        cases.push((r#"["get"]"#, "create"));
    } else {
        println!("skipped: a cluster before 1.35 (this is 1.{minor}) lets `get` alone upgrade");
    }
    for (verbs, missing) in cases {
        bind_role(
            &e2e,
            &alice.subject,
            &format!(r#"[{{apiGroups: [""], resources: ["pods/exec"], verbs: {verbs}}}]"#),
        );
        let refused = exec().await.expect_err("one verb is not enough");
        assert!(refused.contains("403"), "{missing}: {refused}");
        let can = e2e.kubectl_as(&alice, &["auth", "can-i", missing, "pods/exec"]);
        assert_eq!(stdout(&can).trim(), "no", "{missing}");
    }
    bind_role(
        &e2e,
        &alice.subject,
        r#"[{apiGroups: [""], resources: ["pods/exec"], verbs: ["get", "create"]}]"#,
    );
    exec()
        .await
        .expect("get and create together allow the exec");
    e2e.cleanup().await;
}

/// A ServiceAccount's token Secret is filled by the tokens controller, and that token is the
/// ServiceAccount (`system:serviceaccount:NS:NAME`, in the group `system:serviceaccounts:NS`, as
/// `kubectl auth whoami` shows), bound by a Group or a ServiceAccount subject; deleting the account
/// revokes its token (401). This is how the least-privilege tests' users work on a real cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_account_token_is_the_service_account() {
    let e2e = E2e::start().await;
    let ns = e2e.namespace.clone();
    let bot = e2e.service_account_user("bot").await;
    assert_eq!(bot.name, format!("system:serviceaccount:{ns}:bot"));
    // `kubectl auth whoami` (a SelfSubjectReview, in protobuf) names the account and its groups.
    let whoami = e2e.kubectl_as(&bot, &["auth", "whoami", "-o", "json"]);
    assert!(whoami.status.success(), "{}", stderr(&whoami));
    let review: serde_json::Value = serde_json::from_slice(&whoami.stdout).expect("json");
    let info = &review["status"]["userInfo"];
    assert_eq!(info["username"], bot.name.as_str(), "{review}");
    let groups: Vec<&str> = info["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    let own_group = format!("system:serviceaccounts:{ns}");
    for group in [
        "system:serviceaccounts",
        own_group.as_str(),
        "system:authenticated",
    ] {
        assert!(groups.contains(&group), "{group} in {groups:?}");
    }
    let refused = e2e.kubectl_as(&bot, &["get", "pods"]);
    assert!(
        stderr(&refused).contains(&format!("User \"{}\" cannot list", bot.name)),
        "{}",
        stderr(&refused)
    );
    // The namespace's ServiceAccount group (a Group subject) grants it ...
    let group = serde_json::json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io",
        "name": format!("system:serviceaccounts:{ns}")});
    bind_role(
        &e2e,
        &group,
        r#"[{apiGroups: [""], resources: ["pods"], verbs: ["list"]}]"#,
    );
    let listed = e2e.kubectl_as(&bot, &["get", "pods"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    // ... and so does the ServiceAccount subject itself.
    bind_role(
        &e2e,
        &bot.subject,
        r#"[{apiGroups: [""], resources: ["pods"], verbs: ["get", "list"]}]"#,
    );
    let can = e2e.kubectl_as(&bot, &["auth", "can-i", "get", "pods"]);
    assert_eq!(stdout(&can).trim(), "yes", "{}", stderr(&can));
    let deleted = e2e.kubectl(&["delete", "serviceaccount", "bot"]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    let revoked = e2e.kubectl_as(&bot, &["get", "pods"]);
    assert!(
        stderr(&revoked).contains("Unauthorized") || stderr(&revoked).contains("must be logged in"),
        "{}",
        stderr(&revoked)
    );
    e2e.cleanup().await;
}

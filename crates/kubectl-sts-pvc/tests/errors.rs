//! Bad input: each gives a clear message, a non-zero exit, and leaves the cluster unchanged.

mod common;

use common::{sts_manifest, with, Env};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, PostParams};
use serde_json::json;

#[tokio::test]
async fn unknown_statefulset_namespace_and_context() {
    let env = Env::start().await;

    let run = env.plugin(&["nope"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "statefulset \"nope\" not found in namespace \"{}\"",
            env.ns
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);

    let kc = env.kubeconfig.to_str().unwrap().to_string();
    let run = env
        .plugin_raw(&["--kubeconfig", &kc, "-n", "no-such-ns"], &["web"])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("namespace \"no-such-ns\" not found"),
        "{}",
        run.stderr
    );
    let run = env
        .plugin_raw(&["--kubeconfig", &kc, "-n", "no-such-ns"], &[])
        .await;
    assert_eq!(
        run.code, 1,
        "listing a missing namespace fails too: {run:?}"
    );

    let run = env
        .plugin_raw(&["--kubeconfig", &kc, "--context", "nowhere"], &[])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("context \"nowhere\" does not exist"),
        "{}",
        run.stderr
    );

    let run = env
        .plugin_raw(
            &["--kubeconfig", &kc, "--orphans", "--context", "nowhere"],
            &[],
        )
        .await;
    assert_eq!(run.code, 2, "--orphans errors exit 2: {run:?}");

    let run = env
        .plugin(&["resize", "nope", "--template", "data", "--size", "2Gi"])
        .await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("statefulset \"nope\" not found"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn resize_rejects_bad_template_and_sizes() {
    let env = Env::start().await;
    env.create_sts(sts_manifest("web", 2, &[("data", "64Mi")]))
        .await;
    let before = env.sts_api().get("web").await.unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--template", "logs", "--size", "1Gi"],
            "has no volumeClaimTemplate \"logs\"",
        ),
        (
            &["--template", "data", "--size", "32Mi"],
            "smaller than the current 64Mi",
        ),
        (
            &["--template", "data", "--size", "lots"],
            "invalid size \"lots\"",
        ),
        (
            &["--template", "data", "--size", "2GB"],
            "invalid size \"2GB\"",
        ),
    ];
    for (args, expect) in cases {
        let mut full = vec!["resize", "web"];
        full.extend_from_slice(args);
        let run = env.plugin(&full).await;
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(expect), "{args:?}: {}", run.stderr);
    }
    let after = env.sts_api().get("web").await.unwrap();
    assert_eq!(before.metadata.uid, after.metadata.uid);
    assert_eq!(before.spec, after.spec, "cluster unchanged");
}

#[tokio::test]
async fn resize_rejects_class_without_expansion() {
    let env = Env::start().await;
    let classes: Api<StorageClass> = Api::all(env.client.clone());
    let class_name = format!("fixed-{}", env.ns);
    let sc: StorageClass = serde_json::from_value(json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": class_name},
        "provisioner": "sim.csi.k8s.io",
        "allowVolumeExpansion": false,
    }))
    .unwrap();
    classes
        .create(&PostParams::default(), &sc)
        .await
        .expect("create class");
    let manifest = with(
        sts_manifest("web", 1, &[("data", "64Mi")]),
        "/spec/volumeClaimTemplates/0/spec/storageClassName",
        json!(class_name),
    );
    env.create_sts(manifest).await;
    let run = env
        .plugin(&["resize", "web", "--template", "data", "--size", "1Gi"])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("does not allow volume expansion"),
        "{}",
        run.stderr
    );
    assert!(
        std::fs::read_dir(env.backups.path())
            .unwrap()
            .next()
            .is_none(),
        "no backup written"
    );
}

#[tokio::test]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: forbidding one verb needs sts-sim's fault handle"
)]
async fn forbidden_delete_leaves_claims() {
    let env = Env::start().await;
    let faults = env.e2e.sim_faults();
    env.create_sts(sts_manifest("web", 1, &[("data", "64Mi")]))
        .await;
    env.wait_ready("web", 1).await;
    // A claim left behind long ago, without labels: found by its name alone.
    let old: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "data-web-7"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "64Mi"}}}
    }))
    .unwrap();
    env.pvc_api()
        .create(&PostParams::default(), &old)
        .await
        .unwrap();
    let orphans = env.plugin(&["web", "--orphans", "-o", "name"]).await;
    assert_eq!(orphans.code, 1, "{orphans:?}");
    assert_eq!(orphans.stdout, "persistentvolumeclaim/data-web-7\n");

    faults.forbid("delete", "persistentvolumeclaims");
    let run = env.plugin(&["prune", "web", "--yes"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("forbidden: cannot delete persistentvolumeclaim \"data-web-7\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("kubectl auth can-i delete"),
        "{}",
        run.stderr
    );
    assert!(env.claim_names().await.contains(&"data-web-7".to_string()));
}

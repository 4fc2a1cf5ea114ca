//! `kubectl sts-pvc [NAME]`: the claim map and `--orphans`, against a cluster.

mod common;

use common::{sts_manifest, with, Env};
use serde_json::json;

#[tokio::test]
async fn three_replicas_bound() {
    let env = Env::start().await;
    env.create_sts(sts_manifest("web", 3, &[("data", "64Mi")]))
        .await;
    env.wait_ready("web", 3).await;

    let run = env.plugin(&["web", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["apiVersion"], "kubectl-sts/v1alpha1");
    assert_eq!(doc["kind"], "StatefulSetClaims");
    let item = &doc["items"][0];
    assert_eq!(item["name"], "web");
    assert_eq!(item["summary"]["bound"], 3);
    let claims = item["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 3);
    for (i, c) in claims.iter().enumerate() {
        assert_eq!(c["ordinal"], i);
        assert_eq!(c["pod"], format!("web-{i}"));
        assert_eq!(c["pvc"], format!("data-web-{i}"));
        assert_eq!(c["state"], "Bound");
        assert_eq!(c["podStatus"], "Running");
        assert!(c["volume"].is_string());
        assert!(c["node"].is_string());
    }

    let table = env.plugin(&["web"]).await;
    assert_eq!(table.code, 0, "{table:?}");
    let header = table.stdout.lines().next().unwrap();
    for col in [
        "ORDINAL",
        "POD",
        "POD-STATUS",
        "NODE",
        "TEMPLATE",
        "PVC",
        "STATUS",
        "CAPACITY",
        "ACCESS MODES",
        "STORAGECLASS",
        "VOLUME",
        "AGE",
    ] {
        assert!(header.contains(col), "missing {col} in {header}");
    }
    assert!(
        table
            .stdout
            .contains("web: 3 bound; retention whenScaled=Retain, whenDeleted=Retain"),
        "{}",
        table.stdout
    );

    let wide = env.plugin(&["web", "-o", "wide"]).await;
    assert!(wide.stdout.lines().next().unwrap().contains("MOUNTS"));
    assert!(wide.stdout.contains("app:/data"), "{}", wide.stdout);

    let orphans = env.plugin(&["--orphans"]).await;
    assert_eq!(orphans.code, 0, "no orphans: {orphans:?}");
}

#[tokio::test]
async fn scale_down_orphans_then_prune() {
    let env = Env::start().await;
    env.create_sts(sts_manifest("web", 3, &[("data", "64Mi")]))
        .await;
    env.wait_ready("web", 3).await;
    env.scale("web", 5).await;
    env.wait_ready("web", 5).await;
    env.scale("web", 2).await;
    env.wait_ready("web", 2).await;

    let run = env.plugin(&["web", "--orphans", "-o", "json"]).await;
    assert_eq!(run.code, 1, "orphans exist: {run:?}");
    let doc = run.json();
    let ords: Vec<i64> = doc["items"][0]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ordinal"].as_i64().unwrap())
        .collect();
    assert_eq!(ords, [2, 3, 4]);
    let table = env.plugin(&["web"]).await;
    assert!(
        table
            .stdout
            .contains("2 bound, 3 orphaned (ordinals 2-4; whenScaled=Retain keeps them)"),
        "{}",
        table.stdout
    );

    let before = env.claim_names().await;
    assert_eq!(before.len(), 5);
    let dry = env.plugin(&["prune", "web"]).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("persistentvolumeclaim \"data-web-3\" deleted (dry run)"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stderr.contains("--when-scaled Delete"),
        "{}",
        dry.stderr
    );
    assert_eq!(env.claim_names().await, before, "dry run deletes nothing");

    let refused = env
        .plugin(&["prune", "web", "--yes", "--ordinal", "1"])
        .await;
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("ordinal 1"), "{}", refused.stderr);
    assert_eq!(
        env.claim_names().await,
        before,
        "in-range refusal changes nothing"
    );

    let yes = env.plugin(&["prune", "web", "--yes"]).await;
    assert_eq!(yes.code, 0, "{yes:?}");
    assert_eq!(yes.stdout.matches("deleted").count(), 3, "{}", yes.stdout);
    env.wait_claims("only in-range claims", |n| {
        n == ["data-web-0", "data-web-1"]
    })
    .await;
    let after = env.plugin(&["--orphans"]).await;
    assert_eq!(after.code, 0, "{after:?}");
}

#[tokio::test]
async fn delete_retention_leaves_no_orphans() {
    let env = Env::start().await;
    let manifest = with(
        sts_manifest("web", 3, &[("data", "64Mi")]),
        "/spec/persistentVolumeClaimRetentionPolicy",
        json!({"whenScaled": "Delete", "whenDeleted": "Delete"}),
    );
    env.create_sts(manifest).await;
    env.wait_ready("web", 3).await;
    env.scale("web", 1).await;
    env.wait_ready("web", 1).await;
    env.wait_claims("scaled-away claims deleted", |n| n == ["data-web-0"])
        .await;
    let run = env.plugin(&["--orphans"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let retention = env.plugin(&["retention", "web", "-o", "json"]).await;
    assert_eq!(retention.code, 0, "{retention:?}");
    let doc = retention.json();
    assert_eq!(doc["items"][0]["policy"]["whenScaled"], "Delete");
    assert_eq!(
        doc["items"][0]["claims"][0]["expected"][0],
        "StatefulSet/web"
    );
}

#[tokio::test]
async fn start_ordinal_and_two_templates() {
    let env = Env::start().await;
    let manifest = with(
        sts_manifest("db", 2, &[("data", "64Mi"), ("logs", "32Mi")]),
        "/spec/ordinals",
        json!({"start": 1}),
    );
    env.create_sts(manifest).await;
    env.wait_ready("db", 2).await;
    let doc = env.plugin(&["-o", "json"]).await.json();
    let rows: Vec<(i64, String, String, String)> = doc["items"][0]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["ordinal"].as_i64().unwrap(),
                c["template"].as_str().unwrap().to_string(),
                c["pvc"].as_str().unwrap().to_string(),
                c["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, "data".into(), "data-db-1".into(), "Bound".into()),
            (1, "logs".into(), "logs-db-1".into(), "Bound".into()),
            (2, "data".into(), "data-db-2".into(), "Bound".into()),
            (2, "logs".into(), "logs-db-2".into(), "Bound".into()),
        ]
    );
    assert_eq!(doc["items"][0]["ordinalsStart"], 1);
    // The YAML form carries the same document.
    let yaml = env.plugin(&["-o", "yaml"]).await;
    assert!(
        yaml.stdout
            .starts_with("apiVersion: kubectl-sts/v1alpha1\nkind: StatefulSetClaims\n"),
        "{}",
        yaml.stdout
    );
}

#[tokio::test]
async fn pending_claim_shows_reason() {
    let env = Env::start().await;
    let manifest = with(
        sts_manifest("web", 1, &[("data", "64Mi")]),
        "/spec/volumeClaimTemplates/0/spec/storageClassName",
        json!("no-such-class"),
    );
    env.create_sts(manifest).await;
    env.wait_claims("claim created", |n| n == ["data-web-0"])
        .await;
    let run = env.plugin(&["web", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let claim = &run.json()["items"][0]["claims"][0];
    assert_eq!(claim["state"], "Pending");
    let reason = claim["pending"]["reason"].as_str().unwrap();
    let message = claim["pending"]["message"].as_str().unwrap();
    assert!(
        message.contains("no-such-class"),
        "reason {reason}: {message}"
    );
    let table = env.plugin(&["web"]).await;
    assert!(
        table.stdout.contains("data-web-0 is Pending:"),
        "{}",
        table.stdout
    );
}

#[tokio::test]
#[cfg_attr(
    sts_e2e_real_cluster,
    ignore = "skipped: counting requests needs sts-sim's fault handle"
)]
async fn map_costs_the_same_at_3_and_300_replicas() {
    let env = Env::start().await;
    let faults = env.e2e.sim_faults();
    let mut counts = Vec::new();
    for replicas in [3, 300] {
        let name = format!("s{replicas}");
        env.create_sts(sts_manifest(&name, replicas, &[("data", "1Mi")]))
            .await;
        env.wait_ready(&name, replicas).await;
        faults.reset_counts();
        let run = env.plugin(&[&name, "-o", "json"]).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.json()["items"][0]["summary"]["bound"], replicas);
        counts.push(faults.total_requests());
    }
    assert_eq!(counts[0], counts[1], "requests at 3 vs 300 replicas");
    assert!(counts[0] <= 8, "a handful of requests, got {}", counts[0]);
}

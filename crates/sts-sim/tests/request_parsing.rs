//! Request parsing as kube-apiserver does it (simulator only, raw HTTP): percent-decoded
//! path segments, apimachinery's query booleans, Go integers, resourceVersionMatch, and
//! client-go's streaming lists (`sendInitialEvents=true`: ADDED events, then a BOOKMARK
//! annotated `k8s.io/initial-events-end`).

use serde_json::{json, Value};
use sts_sim::{Cluster, ClusterOptions};

mod common;
use common::{json_of, request};

async fn create_cm(cluster: &Cluster, name: &str) {
    let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}});
    let a = request(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(a.code, 201, "{}", String::from_utf8_lossy(&a.body));
}

fn events(body: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(body)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn booleans_integers_and_path_segments_read_like_upstream() {
    let cluster = Cluster::start(ClusterOptions {
        // The raw requests here speak plain HTTP/1.1 on the socket.
        insecure_http: true,
        ..ClusterOptions::default()
    })
    .await
    .expect("start");
    create_cm(&cluster, "a.b").await;
    create_cm(&cluster, "c").await;

    // Percent-encoded name segment.
    let a = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps/a%2Eb",
        &[],
        b"",
    )
    .await;
    assert_eq!(a.code, 200);
    assert_eq!(json_of(&a)["metadata"]["name"], "a.b");
    let bad = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps/a%zzb",
        &[],
        b"",
    )
    .await;
    assert_eq!(bad.code, 400);
    assert!(json_of(&bad)["message"]
        .as_str()
        .unwrap_or_default()
        .contains("invalid URL escape \"%zz\""));

    // `watch=True` (the Python client) streams; `watch=false` / `watch=0` list.
    let w = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps?watch=True&timeoutSeconds=1",
        &[],
        b"",
    )
    .await;
    let evs = events(&w.body);
    assert_eq!(evs.len(), 2, "{evs:?}");
    assert!(evs.iter().all(|e| e["type"] == "ADDED"));
    for off in ["false", "FALSE", "0"] {
        let l = request(
            &cluster,
            "GET",
            &format!("/api/v1/namespaces/default/configmaps?watch={off}"),
            &[],
            b"",
        )
        .await;
        assert_eq!(json_of(&l)["kind"], "ConfigMapList", "watch={off}");
    }

    // Integers: Go's ParseInt (a literal `+` in a query is a space, as in Go).
    let l = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps?limit=%2B1",
        &[],
        b"",
    )
    .await;
    let page = json_of(&l);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert!(page["metadata"]["continue"].is_string());
    let l = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps?limit=ten",
        &[],
        b"",
    )
    .await;
    assert_eq!(l.code, 400);
    let s = json_of(&l);
    assert_eq!(s["reason"], "BadRequest");
    assert_eq!(
        s["message"],
        "strconv.ParseInt: parsing \"ten\": invalid syntax"
    );
    let d = request(
        &cluster,
        "DELETE",
        "/api/v1/namespaces/default/configmaps/c?gracePeriodSeconds=1e3",
        &[],
        b"",
    )
    .await;
    assert_eq!(d.code, 400);
    let still = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps/c",
        &[],
        b"",
    )
    .await;
    assert_eq!(still.code, 200, "a rejected delete loses nothing");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn resource_version_match_and_streaming_lists() {
    let cluster = Cluster::start(ClusterOptions {
        // The raw requests here speak plain HTTP/1.1 on the socket.
        insecure_http: true,
        ..ClusterOptions::default()
    })
    .await
    .expect("start");
    create_cm(&cluster, "one").await;
    create_cm(&cluster, "two").await;
    let list = json_of(
        &request(
            &cluster,
            "GET",
            "/api/v1/namespaces/default/configmaps",
            &[],
            b"",
        )
        .await,
    );
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    let q = |s: &str| format!("/api/v1/namespaces/default/configmaps?{s}");
    let a = request(&cluster, "GET", &q("resourceVersionMatch=Exact"), &[], b"").await;
    assert_eq!(a.code, 422);
    let s = json_of(&a);
    assert_eq!(s["reason"], "Invalid");
    assert_eq!(s["message"], "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
    let a = request(
        &cluster,
        "GET",
        &q(&format!("resourceVersionMatch=Exact&resourceVersion={rv}")),
        &[],
        b"",
    )
    .await;
    assert_eq!(json_of(&a)["items"].as_array().map(Vec::len), Some(2));
    let a = request(
        &cluster,
        "GET",
        &q("resourceVersionMatch=NotOlderThan&resourceVersion=999999"),
        &[],
        b"",
    )
    .await;
    assert_eq!(a.code, 504);
    assert!(json_of(&a)["message"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Timeout: Too large resource version: 999999"));

    // client-go's streaming list.
    let a = request(&cluster, "GET",
        &q("watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=&timeoutSeconds=1"),
        &[], b"").await;
    assert_eq!(a.code, 200);
    let evs = events(&a.body);
    let kinds: Vec<&str> = evs
        .iter()
        .map(|e| e["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(&kinds[..3], &["ADDED", "ADDED", "BOOKMARK"], "{evs:?}");
    assert_eq!(
        evs[2]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert_eq!(evs[2]["object"]["metadata"]["resourceVersion"], rv.as_str());
    // sendInitialEvents=false: no initial events, changes only.
    let a = request(
        &cluster,
        "GET",
        &q("watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&timeoutSeconds=1"),
        &[],
        b"",
    )
    .await;
    assert_eq!(a.code, 200);
    assert!(events(&a.body).is_empty(), "{:?}", events(&a.body));
    // sendInitialEvents without NotOlderThan is refused, as upstream.
    let a = request(
        &cluster,
        "GET",
        &q("watch=1&sendInitialEvents=true"),
        &[],
        b"",
    )
    .await;
    assert_eq!(a.code, 422);
    assert!(json_of(&a)["message"]
        .as_str()
        .unwrap_or_default()
        .contains("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
    cluster.shutdown().await;
}

//! Protobuf on the wire (simulator only): request bodies in
//! `application/vnd.kubernetes.protobuf` are decoded, answers come back in protobuf when
//! the client's Accept lists it first, and malformed bodies get a 400 naming the problem.

use serde_json::json;
use sts_sim::apiserver::protobuf::{self, MEDIA_TYPE};
use sts_sim::{Cluster, ClusterOptions};

mod common;
use common::{json_of, request};

#[tokio::test(flavor = "multi_thread")]
async fn protobuf_requests_and_answers_round_trip() {
    let cluster = Cluster::start(ClusterOptions {
        // The raw requests here speak plain HTTP/1.1 on the socket.
        insecure_http: true,
        ..ClusterOptions::default()
    })
    .await
    .expect("start");
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "pb", "labels": {"via": "protobuf"}}, "data": {"k": "v"}});
    let body = protobuf::encode(&cm).expect("encodable");
    // Protobuf in, JSON out.
    let created = request(
        &cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        &[("Content-Type", MEDIA_TYPE), ("Accept", "application/json")],
        &body,
    )
    .await;
    assert_eq!(
        created.code,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let obj = json_of(&created);
    assert_eq!(obj["data"]["k"], "v");
    assert_eq!(obj["metadata"]["labels"]["via"], "protobuf");
    assert!(obj["metadata"]["uid"]
        .as_str()
        .is_some_and(|u| !u.is_empty()));

    // Protobuf out when asked first, for an object and for a list.
    let got = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps/pb",
        &[(
            "Accept",
            "application/vnd.kubernetes.protobuf, application/json",
        )],
        b"",
    )
    .await;
    assert_eq!(got.code, 200);
    assert_eq!(got.content_type, MEDIA_TYPE);
    let decoded = protobuf::decode(&got.body).expect("decodes");
    assert_eq!(decoded["kind"], "ConfigMap");
    assert_eq!(decoded["metadata"]["uid"], obj["metadata"]["uid"]);
    assert_eq!(decoded["data"], json!({"k": "v"}));
    let list = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps",
        &[("Accept", "application/vnd.kubernetes.protobuf")],
        b"",
    )
    .await;
    assert_eq!(list.content_type, MEDIA_TYPE);
    let decoded = protobuf::decode(&list.body).expect("decodes");
    assert_eq!(decoded["kind"], "ConfigMapList");
    assert_eq!(decoded["items"][0]["metadata"]["name"], "pb");

    // JSON stays the answer when JSON comes first; errors stay JSON Status.
    let got = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps/pb",
        &[(
            "Accept",
            "application/json, application/vnd.kubernetes.protobuf",
        )],
        b"",
    )
    .await;
    assert_eq!(got.content_type, "application/json");
    let missing = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps/nope",
        &[("Accept", "application/vnd.kubernetes.protobuf")],
        b"",
    )
    .await;
    assert_eq!(missing.code, 404);
    assert_eq!(
        json_of(&missing)["message"],
        "configmaps \"nope\" not found"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_protobuf_is_a_400_naming_the_problem() {
    let cluster = Cluster::start(ClusterOptions {
        // The raw requests here speak plain HTTP/1.1 on the socket.
        insecure_http: true,
        ..ClusterOptions::default()
    })
    .await
    .expect("start");
    let cases: [(&[u8], &str); 3] = [
        (
            b"{\"kind\": \"ConfigMap\"}",
            "does not start with the Kubernetes protobuf prefix",
        ),
        (
            b"k8s\x00\x0a\xff\xff\xff",
            "the runtime.Unknown envelope is malformed",
        ),
        (b"k8s\x00", "has no typeMeta.kind"),
    ];
    for (body, want) in cases {
        let a = request(
            &cluster,
            "POST",
            "/api/v1/namespaces/default/configmaps",
            &[("Content-Type", MEDIA_TYPE)],
            body,
        )
        .await;
        assert_eq!(a.code, 400, "{body:?}");
        let status = json_of(&a);
        assert_eq!(status["reason"], "BadRequest");
        let message = status["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("the body of the request could not be decoded as protobuf"),
            "{message}"
        );
        assert!(message.contains(want), "{message}");
    }
    // A kind not served in protobuf names it.
    let job = {
        let mut v = protobuf::encode(
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
        )
        .unwrap();
        let at = v.windows(9).position(|w| w == b"ConfigMap").unwrap();
        v.splice(at..at + 9, b"Configxyz".iter().copied());
        v
    };
    let a = request(
        &cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        &[("Content-Type", MEDIA_TYPE)],
        &job,
    )
    .await;
    assert_eq!(a.code, 400);
    assert!(json_of(&a)["message"]
        .as_str()
        .unwrap_or_default()
        .contains("no kind \"Configxyz\""));
    // Nothing was created by any of them.
    let list = request(
        &cluster,
        "GET",
        "/api/v1/namespaces/default/configmaps",
        &[],
        b"",
    )
    .await;
    assert_eq!(json_of(&list)["items"], json!([]));
    cluster.shutdown().await;
}

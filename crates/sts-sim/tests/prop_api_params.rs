//! Property tests of the list parameters a client sends (issue 15), against one running
//! simulator: `limit` and `continue` tokens page through every object exactly once, and any
//! `continue`, `limit`, `resourceVersion` or `timeoutSeconds` text gets an answer (a list or a
//! Status), never a 5xx or a dropped connection.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, PostParams};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use sts_sim::testing::E2e;

const OBJECTS: usize = 7;

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The HTTP status of a GET and the Status message, or a description of what went wrong at
/// the transport level.
async fn status_of(client: &kube::Client, uri: &str) -> Result<(u16, String), String> {
    let request = http::Request::get(uri).body(Vec::new()).unwrap();
    match client.request_text(request).await {
        Ok(_) => Ok((200, String::new())),
        Err(kube::Error::Api(s)) if s.reason == "Failed to parse error data" => {
            Err(format!("{uri}: {} without a Status: {}", s.code, s.message))
        }
        Err(kube::Error::Api(s)) => Ok((s.code, s.message)),
        Err(e) => Err(format!("{uri}: no answer: {e}")),
    }
}

/// Whether an answer is what kube-apiserver gives: below 500, or the watch cache's 504
/// `Timeout: Too large resource version` for a list from a resourceVersion the store has not
/// reached yet (`storage.NewTooLargeResourceVersionError`).
fn upstream_answer(code: u16, message: &str) -> bool {
    code < 500 || (code == 504 && message.starts_with("Timeout: Too large resource version"))
}

fn token_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        "offset-[0-9]{0,22}",
        "offset--?[0-9]{1,3}",
        "[0-9]{0,22}",
        "-[0-9]{1,5}",
    ]
}

#[test]
fn list_parameters_answer_anything_and_page_exactly() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t = runtime.block_on(E2e::start());
    let api: Api<ConfigMap> = t.api();
    runtime.block_on(async {
        for i in 0..OBJECTS {
            let cm: ConfigMap =
                serde_json::from_value(json!({"metadata": {"name": format!("cm-{i}")}})).unwrap();
            api.create(&PostParams::default(), &cm).await.unwrap();
        }
    });
    let all: Vec<String> = runtime.block_on(async {
        let list = api.list(&ListParams::default()).await.unwrap();
        list.items
            .into_iter()
            .filter_map(|c| c.metadata.name)
            .collect()
    });
    assert_eq!(all.len(), OBJECTS);

    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config.clone());
    runner
        .run(&(1u32..=(OBJECTS as u32 + 2)), |limit| {
            let pages: Vec<String> = runtime.block_on(async {
                let mut seen = Vec::new();
                let mut params = ListParams::default().limit(limit);
                loop {
                    let page = api.list(&params).await.unwrap();
                    prop_assert!(page.items.len() <= limit as usize);
                    seen.extend(page.items.into_iter().filter_map(|c| c.metadata.name));
                    match page.metadata.continue_.filter(|c| !c.is_empty()) {
                        Some(token) => params = params.continue_token(&token),
                        None => break,
                    }
                    prop_assert!(seen.len() <= OBJECTS, "pages never end: {seen:?}");
                }
                Ok(seen)
            })?;
            prop_assert_eq!(&pages, &all, "limit {}", limit);
            Ok(())
        })
        .unwrap();

    let client = runtime.block_on(t.client_without_retry());
    let base = format!("/api/v1/namespaces/{}/configmaps", t.namespace);
    let mut runner = TestRunner::new(Config {
        cases: 400,
        ..config
    });
    runner
        .run(
            &(
                prop::option::of(token_text()),
                prop::option::of(token_text()),
                prop::option::of(token_text()),
                prop::option::of(token_text()),
                prop::option::of("(Exact|NotOlderThan|\\PC{0,6})"),
            ),
            |(continue_, limit, rv, timeout, rv_match)| {
                let mut query = Vec::new();
                for (key, value) in [
                    ("continue", continue_),
                    ("limit", limit),
                    ("resourceVersion", rv.clone()),
                    ("timeoutSeconds", timeout),
                    ("resourceVersionMatch", rv_match),
                ] {
                    if let Some(v) = value {
                        query.push(format!("{key}={}", encode(&v)));
                    }
                }
                let uri = format!("{base}?{}", query.join("&"));
                let get_one = format!(
                    "{base}/cm-0?resourceVersion={}",
                    encode(rv.as_deref().unwrap_or(""))
                );
                let codes = runtime.block_on(async {
                    (
                        status_of(&client, &uri).await,
                        status_of(&client, &get_one).await,
                    )
                });
                for code in [codes.0, codes.1] {
                    match code {
                        Ok((c, m)) => {
                            prop_assert!(upstream_answer(c, &m), "{} answered {}: {}", uri, c, m)
                        }
                        Err(e) => prop_assert!(false, "{}", e),
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    runtime.block_on(t.cleanup());
}

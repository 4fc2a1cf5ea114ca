//! GET requests through the API server's proxy subresources (`pods/NAME:PORT/proxy/...`,
//! `nodes/NAME/proxy/...`): the one implementation every plugin uses, bounded by a timeout.
//! A non-2xx answer is a `kube::Error::Api` carrying the status code.

use std::time::Duration;

use kube::Client;

use super::CallError;

/// The pod proxy URL of `path` on `port` of pod `name`.
pub fn pod_url(namespace: &str, name: &str, port: u16, path: &str) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    format!("/api/v1/namespaces/{namespace}/pods/{name}:{port}/proxy/{path}")
}

/// The node proxy URL of `path` on node `name` (its kubelet).
pub fn node_url(name: &str, path: &str) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    format!("/api/v1/nodes/{name}/proxy/{path}")
}

/// GETs `url` (a path on the API server) and returns the body as text, within `timeout`.
pub async fn get_text(client: &Client, url: &str, timeout: Duration) -> Result<String, CallError> {
    let req = http::Request::get(url)
        .body(Vec::new())
        .map_err(|e| CallError::Request(e.to_string()))?;
    tokio::time::timeout(timeout, client.request_text(req))
        .await
        .map_err(|_| CallError::Timeout(timeout))?
        .map_err(CallError::Kube)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_have_exactly_one_slash_before_the_path() {
        assert_eq!(
            pod_url("prod", "web-0", 8080, "/metrics"),
            "/api/v1/namespaces/prod/pods/web-0:8080/proxy/metrics"
        );
        assert_eq!(
            pod_url("prod", "web-0", 80, "healthz?x=1"),
            "/api/v1/namespaces/prod/pods/web-0:80/proxy/healthz?x=1"
        );
        assert_eq!(
            node_url("node-1", "/stats/summary"),
            "/api/v1/nodes/node-1/proxy/stats/summary"
        );
    }
}

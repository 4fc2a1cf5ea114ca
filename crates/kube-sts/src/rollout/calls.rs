//! The single requests a rollout makes besides the driver's watches: the guarded JSON patch
//! of the StatefulSet (retried on transient answers), and the `--check-http` GET through the
//! pod proxy.

use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams};
use kube::Client;
use serde_json::Value;

use super::model;
use super::patch;
use super::plan::HttpCheck;
use super::stop::Stop;
use crate::api::{self, CallError};
use crate::error::{Error, Result, Subject};
use crate::k8s::ports;

/// Patches the StatefulSet with a JSON patch; a 422 (failed `test`) is reported with what the
/// object holds now.
pub async fn patch_sts(
    api: &Api<StatefulSet>,
    name: &str,
    namespace: &str,
    ops: &[Value],
) -> std::result::Result<StatefulSet, Stop> {
    let typed = patch::to_patch(ops)?;
    // Every patch carries `test` guards, so sending it again is safe: a retry after a patch that
    // did land fails its test (422) and is reported as a concurrent edit, never applied twice.
    // Transient answers (a burst of 5xx, 429, a 409 from the server, a restarting API server)
    // are retried for about ten seconds instead of stopping the rollout on the first one.
    let mut delays = PATCH_RETRY_DELAYS.iter();
    let result = loop {
        let result = api
            .patch(
                name,
                &PatchParams::default(),
                &Patch::Json::<()>(typed.clone()),
            )
            .await;
        match (&result, delays.next()) {
            (Err(e), Some(delay)) if transient(e) => tokio::time::sleep(*delay).await,
            _ => break result,
        }
    };
    match result {
        Ok(sts) => Ok(sts),
        Err(kube::Error::Api(s)) if s.code == 422 => {
            let now = api.get(name).await.ok();
            let partition = now.as_ref().map(model::partition);
            let generation = now.as_ref().and_then(|s| s.metadata.generation);
            let expected: Vec<String> = ops
                .iter()
                .filter(|o| o["op"] == "test")
                .map(|o| format!("{} == {}", o["path"].as_str().unwrap_or(""), o["value"]))
                .collect();
            Err(Stop::ConcurrentEdit(format!(
                "statefulset {name:?} in namespace {namespace:?} changed since we read it (expected {}; now partition {}, generation {}); nothing was overwritten",
                expected.join(", "),
                partition.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                generation.map(|g| g.to_string()).unwrap_or_else(|| "?".into()),
            )))
        }
        Err(e) => Err(Stop::Api(Error::from_kube(
            e,
            Subject::object("patch", "statefulset", name, Some(namespace)),
        ))),
    }
}

/// Pauses between attempts of a guarded patch (about ten seconds in all).
const PATCH_RETRY_DELAYS: [Duration; 8] = [
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
    Duration::from_millis(1600),
    Duration::from_secs(2),
    Duration::from_secs(2),
    Duration::from_secs(3),
];

/// Whether a request may succeed when sent again: server-side hiccups and connection errors.
fn transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => matches!(s.code, 409 | 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// GETs `check.path` on `pod` through the API server's pod proxy; 2xx passes.
pub async fn http_check(client: &Client, pod: &Pod, check: &HttpCheck) -> Result<()> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let port =
        ports::resolve_port(pod.spec.as_ref(), None, check.port.as_deref()).map_err(|why| {
            Error::invalid(
                format!("--check-http: pod {name}: {why}"),
                "give the port number explicitly, e.g. --check-http 8080/healthz",
            )
        })?;
    let url = api::proxy::pod_url(&ns, &name, port, &check.path);
    let last = match api::proxy::get_text(client, &url, CHECK_TIMEOUT).await {
        Ok(_) => return Ok(()),
        Err(CallError::Kube(kube::Error::Api(s))) if s.code == 403 => {
            return Err(Error::Forbidden {
                subject: Subject::object("get", "pods/proxy", name.clone(), Some(&ns)),
                message: s.message,
            })
        }
        Err(CallError::Kube(kube::Error::Api(s))) => format!("HTTP {}", s.code),
        Err(CallError::Timeout(t)) => format!("nothing within {}s", t.as_secs()),
        Err(e) => format!("{e:?}"),
    };
    Err(Error::Other(format!(
        "check failed: GET {} on pod {name} (port {port}) answered {last}",
        check.path
    )))
}

/// How long one `--check-http` request may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::model::fixtures::*;

    #[test]
    fn ports_resolve_by_number_name_or_first() {
        let mut p = pod(0, "x", Some(1));
        p.spec = sts(1, 0, None).spec.unwrap().template.spec;
        let port = |p: &Pod, name| ports::resolve_port(p.spec.as_ref(), None, name).ok();
        assert_eq!(port(&p, None), Some(8080));
        assert_eq!(port(&p, Some("http")), Some(8080));
        assert_eq!(port(&p, Some("9000")), Some(9000));
        assert_eq!(port(&p, Some("metrics")), None);
    }
}

//! The admin endpoint of a standalone `sts-sim serve`: the fault handle and request
//! counts over HTTP, under `/sts-sim/` (outside the Kubernetes API paths), for tests and
//! benchmarks that drive a simulator in another process.
//!
//! - `GET /sts-sim/requests`: `{"total": N, "counts": [{"verb", "resource", "count"}]}`.
//! - `POST /sts-sim/faults` with one action:
//!   `{"action": "latency", "verb"?, "resource"?, "namespace"?, "name"?, "millis"}`,
//!   `{"action": "fail", ..match.., "status", "times", "retryAfter"?}`,
//!   `{"action": "forbid", "verb", "resource"}`,
//!   `{"action": "exec-latency", "pod"?, "millis"}`,
//!   `{"action": "drop-watches", "resource"?, "after", "times"}`,
//!   `{"action": "never-ready", "namespace", "pod"}`,
//!   `{"action": "pause-controllers" | "resume-controllers" | "clear" | "reset-counts"}`.

use std::time::Duration;

use serde_json::{json, Value};

use crate::apiserver::errors::ApiError;
use crate::apiserver::faults::{Faults, RequestMatch};

/// Counts as JSON.
pub fn request_counts(faults: &Faults) -> Value {
    let counts: Vec<Value> = faults
        .request_counts()
        .into_iter()
        .map(
            |((verb, resource), count)| json!({"verb": verb, "resource": resource, "count": count}),
        )
        .collect();
    json!({"total": faults.total_requests(), "counts": counts})
}

fn matcher(v: &Value) -> RequestMatch {
    let s = |k: &str| v[k].as_str().map(str::to_string);
    RequestMatch {
        verb: s("verb"),
        resource: s("resource"),
        namespace: s("namespace"),
        name: s("name"),
    }
}

/// Applies one fault action.
pub fn apply(faults: &Faults, v: &Value) -> Result<(), ApiError> {
    let num = |k: &str| {
        v[k].as_u64()
            .ok_or_else(|| ApiError::bad_request(format!("{k} (a number) is required")))
    };
    let text = |k: &str| {
        v[k].as_str()
            .ok_or_else(|| ApiError::bad_request(format!("{k} is required")))
    };
    match v["action"].as_str().unwrap_or("") {
        "latency" => faults.add_latency(matcher(v), Duration::from_millis(num("millis")?)),
        "fail" => faults.fail_with_retry_after(
            matcher(v),
            num("status")? as u16,
            num("times")? as usize,
            v["retryAfter"].as_u64().unwrap_or(1),
        ),
        "forbid" => faults.forbid(text("verb")?, text("resource")?),
        "exec-latency" => {
            faults.exec_latency(v["pod"].as_str(), Duration::from_millis(num("millis")?))
        }
        "drop-watches" => faults.drop_watches(
            v["resource"].as_str(),
            num("after")? as usize,
            num("times")? as usize,
        ),
        "never-ready" => faults.never_ready(text("namespace")?, text("pod")?),
        "pause-controllers" => faults.pause_controllers(),
        "resume-controllers" => faults.resume_controllers(),
        "clear" => faults.clear(),
        "reset-counts" => faults.reset_counts(),
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown fault action {other:?}"
            )))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::faults::RequestInfo;

    #[test]
    fn actions_reach_the_handle() {
        let f = Faults::default();
        apply(&f, &json!({"action": "fail", "verb": "patch", "resource": "statefulsets", "status": 500, "times": 1})).unwrap();
        let req = RequestInfo {
            verb: "patch".into(),
            resource: "statefulsets".into(),
            ..Default::default()
        };
        assert_eq!(f.on_request(&req).fail, Some((500, 1)));
        assert!(apply(&f, &json!({"action": "bogus"})).is_err());
        assert!(apply(&f, &json!({"action": "latency"})).is_err());
        assert_eq!(request_counts(&f)["total"], 1);
    }
}

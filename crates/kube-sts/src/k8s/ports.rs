//! Which port of a pod a request goes to: the one rule for `--http [PORT]/PATH`,
//! `--check-http [PORT]/PATH` and the Prometheus port annotation. It follows the API server's
//! pod proxy: a number as given, a named container port, else the first declared port, else 80.

use k8s_openapi::api::core::v1::{Container, PodSpec};

/// The numeric port `port` names on a pod with `spec`, looking in `container` first when one
/// is given. An error names the port that was not found.
pub fn resolve_port(
    spec: Option<&PodSpec>,
    container: Option<&str>,
    port: Option<&str>,
) -> Result<u16, String> {
    let containers: Vec<&Container> = spec
        .map(|s| s.containers.iter().collect())
        .unwrap_or_default();
    let preferred = container.and_then(|name| containers.iter().find(|c| c.name == name));
    let search: Vec<&Container> = preferred
        .into_iter()
        .copied()
        .chain(containers.iter().copied())
        .collect();
    let declared = search.iter().flat_map(|c| c.ports.iter().flatten());
    match port {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u16>()
        {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("port {p} is out of range (1-65535)")),
        },
        Some(name) => declared
            .into_iter()
            .find(|cp| cp.name.as_deref() == Some(name))
            .and_then(|cp| u16::try_from(cp.container_port).ok())
            .ok_or_else(|| match container {
                Some(c) => format!("container {c:?} has no port named {name:?}"),
                None => format!("the pod has no container port named {name:?}"),
            }),
        None => Ok(declared
            .into_iter()
            .find_map(|cp| u16::try_from(cp.container_port).ok())
            .unwrap_or(80)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> PodSpec {
        serde_json::from_value(json!({"containers": [
            {"name": "sidecar", "ports": [{"name": "metrics", "containerPort": 9100}]},
            {"name": "app", "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 9000}]},
            {"name": "bare"}
        ]}))
        .unwrap()
    }

    #[test]
    fn numbers_names_and_defaults() {
        let s = spec();
        assert_eq!(resolve_port(Some(&s), Some("app"), Some("9000")), Ok(9000));
        assert_eq!(resolve_port(Some(&s), Some("app"), Some("http")), Ok(8080));
        assert_eq!(resolve_port(Some(&s), Some("app"), None), Ok(8080));
        assert_eq!(resolve_port(Some(&s), None, None), Ok(9100));
        assert_eq!(
            resolve_port(Some(&s), Some("app"), Some("metrics")),
            Ok(9100)
        );
        assert_eq!(resolve_port(Some(&s), Some("bare"), None), Ok(9100));
        assert_eq!(resolve_port(None, Some("app"), None), Ok(80));
        assert!(resolve_port(Some(&s), Some("app"), Some("grpc"))
            .unwrap_err()
            .contains("\"grpc\""));
        assert!(resolve_port(Some(&s), None, Some("0")).is_err());
        assert!(resolve_port(Some(&s), None, Some("70000")).is_err());
    }
}

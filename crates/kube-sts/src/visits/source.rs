//! Where a StatefulSet's counter comes from, decided without I/O: the flags (`--path`,
//! `--http`), else the StatefulSet's `sts-visits.kubectl.io/*` annotations, else discovery
//! candidates (`visits`, `visits.txt`, `visits.log` under each claim template's mount path).
//! Also, per pod, which container to read in and whether the pod can be read at all.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};

use super::metrics::{MetricSelector, DEFAULT_METRICS_PATH};
use super::parse::Format;

/// Annotation on a StatefulSet naming the counter file.
pub const PATH_ANNOTATION: &str = "sts-visits.kubectl.io/path";
/// Annotation on a StatefulSet naming the HTTP endpoint (`[PORT]/PATH`).
pub const HTTP_ANNOTATION: &str = "sts-visits.kubectl.io/http";
/// Annotation on a StatefulSet naming the format (`auto|count|lines|json:FIELD`).
pub const FORMAT_ANNOTATION: &str = "sts-visits.kubectl.io/format";
/// Annotation on a StatefulSet naming the container to read in.
pub const CONTAINER_ANNOTATION: &str = "sts-visits.kubectl.io/container";
/// Annotation on a StatefulSet naming the Prometheus counter (`NAME{label="value",...}`).
pub const METRIC_ANNOTATION: &str = "sts-visits.kubectl.io/metric";
/// The usual pod annotation naming the port Prometheus scrapes.
pub const PROMETHEUS_PORT_ANNOTATION: &str = "prometheus.io/port";
/// The usual pod annotation naming the path Prometheus scrapes (default `/metrics`).
pub const PROMETHEUS_PATH_ANNOTATION: &str = "prometheus.io/path";
/// kubectl's annotation for the container `exec` and `logs` pick by default.
pub const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";
/// File names discovery looks for under each claim mount.
pub const DISCOVERY_NAMES: [&str; 3] = ["visits", "visits.txt", "visits.log"];

/// `--http [PORT]/PATH`: a GET through the API server's pod proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSource {
    /// Port number or container port name; `None`: the container's first port, else 80.
    pub port: Option<String>,
    /// Path (with a leading `/`, query allowed).
    pub path: String,
}

impl FromStr for HttpSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty --http value: expected [PORT]/PATH such as 8080/visits".into());
        }
        let (port, path) = match s.find('/') {
            Some(0) => (None, s.to_string()),
            Some(i) => (Some(&s[..i]), s[i..].to_string()),
            None => (Some(s), "/".to_string()),
        };
        if let Some(p) = port {
            let valid = if p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse::<u16>().is_ok_and(|n| n > 0)
            } else {
                p.len() <= 15 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            if p.is_empty() || !valid {
                return Err(format!(
                    "invalid --http value {s:?}: expected [PORT]/PATH such as 8080/visits"
                ));
            }
        }
        Ok(HttpSource {
            port: port.map(str::to_string),
            path,
        })
    }
}

impl fmt::Display for HttpSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.port {
            Some(p) => write!(f, "{p}{}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// Where one StatefulSet's counter is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `cat FILE` in the container.
    File(String),
    /// GET through the pod proxy.
    Http(HttpSource),
    /// Not known yet: look for these files (absolute paths) in each pod.
    Discover(Vec<String>),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => f.write_str(p),
            Source::Http(h) => write!(f, "http {h}"),
            Source::Discover(c) => write!(f, "one of {}", c.join(", ")),
        }
    }
}

/// What the flags asked for; `None` fields fall back to annotations, then defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRequest {
    /// `--path`.
    pub path: Option<String>,
    /// `--http`.
    pub http: Option<HttpSource>,
    /// `-c/--container`.
    pub container: Option<String>,
    /// `--format`.
    pub format: Option<Format>,
    /// `--metric`: a Prometheus counter on the page (`--http`, else the `prometheus.io/*`
    /// annotations, else `/metrics`).
    pub metric: Option<MetricSelector>,
}

/// A StatefulSet's resolved source, container choice and format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Where to read.
    pub source: Source,
    /// Explicit container (flag or annotation); `None`: each pod's default container.
    pub container: Option<String>,
    /// How to parse.
    pub format: Format,
    /// Read this Prometheus counter from the content instead of `format`.
    pub metric: Option<MetricSelector>,
    /// Where the source came from, for messages (`--path`, `annotation sts-visits...`).
    pub origin: String,
}

fn annotation<'a>(sts: &'a StatefulSet, key: &str) -> Option<&'a str> {
    sts.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

fn template_annotation<'a>(sts: &'a StatefulSet, key: &str) -> Option<&'a str> {
    sts.spec
        .as_ref()?
        .template
        .metadata
        .as_ref()?
        .annotations
        .as_ref()?
        .get(key)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// The metrics endpoint of the pods: the `prometheus.io/port` and `prometheus.io/path`
/// annotations of the pod template, else the first container port and `/metrics`.
pub fn prometheus_endpoint(sts: &StatefulSet) -> Result<(HttpSource, String), String> {
    let name = sts.metadata.name.as_deref().unwrap_or_default();
    let port = template_annotation(sts, PROMETHEUS_PORT_ANNOTATION);
    let path = template_annotation(sts, PROMETHEUS_PATH_ANNOTATION).unwrap_or(DEFAULT_METRICS_PATH);
    let origin = match (port, template_annotation(sts, PROMETHEUS_PATH_ANNOTATION)) {
        (None, None) => "--metric (default /metrics)".to_string(),
        _ => "annotations prometheus.io/port|path".to_string(),
    };
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let text = format!("{}{path}", port.unwrap_or(""));
    let http = text.parse::<HttpSource>().map_err(|e| {
        format!("statefulset {name:?}: pod template annotations {PROMETHEUS_PORT_ANNOTATION}/{PROMETHEUS_PATH_ANNOTATION}: {e}")
    })?;
    Ok((http, origin))
}

fn template_spec(sts: &StatefulSet) -> Option<&PodSpec> {
    sts.spec.as_ref()?.template.spec.as_ref()
}

/// Resolves the source of one StatefulSet: flags, else annotations, else discovery.
pub fn plan(sts: &StatefulSet, request: &SourceRequest) -> Result<Plan, String> {
    let name = sts.metadata.name.as_deref().unwrap_or_default();
    let container = request
        .container
        .clone()
        .or_else(|| annotation(sts, CONTAINER_ANNOTATION).map(str::to_string));
    let format = match (&request.format, annotation(sts, FORMAT_ANNOTATION)) {
        (Some(f), _) => f.clone(),
        (None, Some(text)) => text
            .parse()
            .map_err(|e| format!("statefulset {name:?}: annotation {FORMAT_ANNOTATION}: {e}"))?,
        (None, None) => Format::Auto,
    };
    let metric =
        match (&request.metric, annotation(sts, METRIC_ANNOTATION)) {
            (Some(m), _) => Some(m.clone()),
            (None, Some(text)) => Some(text.parse::<MetricSelector>().map_err(|e| {
                format!("statefulset {name:?}: annotation {METRIC_ANNOTATION}: {e}")
            })?),
            (None, None) => None,
        };
    let (source, origin) = if let Some(path) = &request.path {
        (Source::File(path.clone()), "--path".to_string())
    } else if let Some(http) = &request.http {
        (Source::Http(http.clone()), "--http".to_string())
    } else if metric.is_some() && annotation(sts, PATH_ANNOTATION).is_none() {
        match annotation(sts, HTTP_ANNOTATION) {
            Some(http) => {
                let http = http.parse().map_err(|e: String| {
                    format!("statefulset {name:?}: annotation {HTTP_ANNOTATION}: {e}")
                })?;
                (Source::Http(http), format!("annotation {HTTP_ANNOTATION}"))
            }
            None => {
                let (http, origin) = prometheus_endpoint(sts)?;
                (Source::Http(http), origin)
            }
        }
    } else if let Some(path) = annotation(sts, PATH_ANNOTATION) {
        (
            Source::File(path.to_string()),
            format!("annotation {PATH_ANNOTATION}"),
        )
    } else if let Some(http) = annotation(sts, HTTP_ANNOTATION) {
        let http = http.parse().map_err(|e: String| {
            format!("statefulset {name:?}: annotation {HTTP_ANNOTATION}: {e}")
        })?;
        (Source::Http(http), format!("annotation {HTTP_ANNOTATION}"))
    } else {
        let candidates = discovery_candidates(sts, container.as_deref());
        if candidates.is_empty() {
            let scraped = template_annotation(sts, PROMETHEUS_PORT_ANNOTATION).map(|port| {
                format!("; its pods expose Prometheus metrics ({PROMETHEUS_PORT_ANNOTATION}: {port}): name the counter with --metric NAME")
            });
            return Err(format!(
                "statefulset {name:?}: no counter source: no --path/--http/--metric, no {PATH_ANNOTATION} annotation, and the {} mounts no volumeClaimTemplate to look in{}",
                match &container {
                    Some(c) => format!("container {c:?}"),
                    None => "default container".to_string(),
                },
                scraped.unwrap_or_default()
            ));
        }
        (Source::Discover(candidates), "discovery".to_string())
    };
    if let Source::File(path) = &source {
        if !path.starts_with('/') {
            return Err(format!(
                "{origin}: {path:?} is not an absolute path; exec runs without a shell or working directory, so give the full path (for example /data/visits)"
            ));
        }
    }
    Ok(Plan {
        source,
        container,
        format,
        metric,
        origin,
    })
}

/// The container a pod is read in: the explicit one, else kubectl's default-container
/// annotation (pod, then template), else the first container.
pub fn container_name(
    explicit: Option<&str>,
    pod: Option<&Pod>,
    sts: &StatefulSet,
) -> Option<String> {
    if let Some(c) = explicit {
        return Some(c.to_string());
    }
    let from_pod = pod
        .and_then(|p| p.metadata.annotations.as_ref())
        .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION));
    let from_template = sts
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.annotations.as_ref())
        .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION));
    if let Some(c) = from_pod.or(from_template) {
        return Some(c.clone());
    }
    let spec = pod
        .and_then(|p| p.spec.as_ref())
        .or_else(|| template_spec(sts))?;
    spec.containers.first().map(|c| c.name.clone())
}

fn find_container<'a>(spec: &'a PodSpec, name: &str) -> Option<&'a Container> {
    spec.containers.iter().find(|c| c.name == name)
}

/// `(template, mount path)` of every volumeClaimTemplate the container mounts.
pub fn claim_mounts(sts: &StatefulSet, container: Option<&str>) -> Vec<(String, String)> {
    let Some(spec) = template_spec(sts) else {
        return vec![];
    };
    let container = container_name(container, None, sts);
    let Some(c) = container.as_deref().and_then(|n| find_container(spec, n)) else {
        return vec![];
    };
    let templates = crate::k8s::identity::template_names(sts);
    c.volume_mounts
        .iter()
        .flatten()
        .filter(|m| templates.contains(&m.name.as_str()))
        .map(|m| (m.name.clone(), m.mount_path.clone()))
        .collect()
}

/// Absolute paths discovery tries, in order.
pub fn discovery_candidates(sts: &StatefulSet, container: Option<&str>) -> Vec<String> {
    claim_mounts(sts, container)
        .iter()
        .flat_map(|(_, mount)| DISCOVERY_NAMES.iter().map(move |n| join(mount, n)))
        .collect()
}

/// `dir/name` with exactly one slash between.
pub fn join(dir: &str, name: &str) -> String {
    format!("{}/{}", dir.trim_end_matches('/'), name)
}

/// The claim template holding `path` (the longest mount path that contains it), with its mount
/// path and the path relative to the mount.
pub fn template_of_path(
    sts: &StatefulSet,
    container: Option<&str>,
    path: &str,
) -> Option<(String, String)> {
    claim_mounts(sts, container)
        .into_iter()
        .filter(|(_, mount)| {
            let m = mount.trim_end_matches('/');
            path == m || path.starts_with(&format!("{m}/")) || m.is_empty()
        })
        .max_by_key(|(_, mount)| mount.len())
}

/// Whether `path` lies on a volume mounted in `container` (any `volumeMounts` entry): only
/// there does a missing counter file mean "no visit yet" rather than a wrong path.
pub fn under_volume_mount(spec: Option<&PodSpec>, container: &str, path: &str) -> bool {
    spec.and_then(|s| find_container(s, container))
        .and_then(|c| c.volume_mounts.as_ref())
        .into_iter()
        .flatten()
        .any(|m| {
            let mount = m.mount_path.trim_end_matches('/');
            mount.is_empty() || path.starts_with(&format!("{mount}/"))
        })
}

/// Why a pod cannot be read now (`None`: it can). `container` must be running.
pub fn unreadable_reason(pod: &Pod, container: &str) -> Option<String> {
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    if pod.metadata.deletion_timestamp.is_some() {
        return Some(format!("pod {name} is terminating"));
    }
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending");
    if phase != "Running" {
        return Some(format!(
            "pod {name} is {}",
            crate::k8s::pods::display_status(pod)
        ));
    }
    if let Some(spec) = pod.spec.as_ref() {
        if find_container(spec, container).is_none() {
            let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
            return Some(format!(
                "pod {name} has no container {container:?} (containers: {})",
                names.join(", ")
            ));
        }
    }
    let status = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == container));
    if let Some(state) = status.and_then(|s| s.state.as_ref()) {
        if state.running.is_none() {
            let reason = state
                .waiting
                .as_ref()
                .and_then(|w| w.reason.clone())
                .or_else(|| state.terminated.as_ref().and_then(|t| t.reason.clone()))
                .unwrap_or_else(|| "not started".into());
            return Some(format!(
                "container {container:?} of pod {name} is not running ({reason})"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::ports::resolve_port;
    use crate::read::snapshot::fixtures;
    use k8s_openapi::api::core::v1::{
        ContainerPort, ContainerState, ContainerStateRunning, ContainerStateWaiting,
        ContainerStatus,
    };

    fn sts() -> StatefulSet {
        fixtures::sts("web", 3, 0, &["data", "logs"])
    }

    fn annotate(sts: &mut StatefulSet, key: &str, value: &str) {
        sts.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(key.into(), value.into());
    }

    #[test]
    fn http_values() {
        let h: HttpSource = "8080/visits".parse().unwrap();
        assert_eq!(
            (h.port.as_deref(), h.path.as_str()),
            (Some("8080"), "/visits")
        );
        let h: HttpSource = "/visits?x=1".parse().unwrap();
        assert_eq!((h.port, h.path.as_str()), (None, "/visits?x=1"));
        let h: HttpSource = "http/visits".parse().unwrap();
        assert_eq!(h.port.as_deref(), Some("http"));
        assert_eq!(h.to_string(), "http/visits");
        let h: HttpSource = "9090".parse().unwrap();
        assert_eq!(h.path, "/");
        assert!("99999/x".parse::<HttpSource>().is_err());
        assert!("a b/x".parse::<HttpSource>().is_err());
        assert!("".parse::<HttpSource>().is_err());
    }

    #[test]
    fn flags_beat_annotations_beat_discovery() {
        let mut s = sts();
        let p = plan(&s, &SourceRequest::default()).unwrap();
        assert_eq!(
            p.source,
            Source::Discover(vec![
                "/data/visits".into(),
                "/data/visits.txt".into(),
                "/data/visits.log".into(),
                "/logs/visits".into(),
                "/logs/visits.txt".into(),
                "/logs/visits.log".into(),
            ])
        );
        annotate(&mut s, HTTP_ANNOTATION, "8080/visits");
        let p = plan(&s, &SourceRequest::default()).unwrap();
        assert!(matches!(p.source, Source::Http(_)));
        annotate(&mut s, PATH_ANNOTATION, "/data/count");
        annotate(&mut s, FORMAT_ANNOTATION, "lines");
        let p = plan(&s, &SourceRequest::default()).unwrap();
        assert_eq!(p.source, Source::File("/data/count".into()));
        assert_eq!(p.format, Format::Lines);
        assert!(p.origin.contains(PATH_ANNOTATION));
        let req = SourceRequest {
            path: Some("/x/y".into()),
            format: Some(Format::Count),
            ..Default::default()
        };
        let p = plan(&s, &req).unwrap();
        assert_eq!(p.source, Source::File("/x/y".into()));
        assert_eq!(p.format, Format::Count);
        annotate(&mut s, FORMAT_ANNOTATION, "xml");
        assert!(plan(&s, &SourceRequest::default())
            .unwrap_err()
            .contains(FORMAT_ANNOTATION));
    }

    #[test]
    fn relative_paths_and_no_mounts_are_refused() {
        let s = sts();
        let req = SourceRequest {
            path: Some("visits.txt".into()),
            ..Default::default()
        };
        assert!(plan(&s, &req).unwrap_err().contains("absolute path"));
        let bare = fixtures::sts("web", 1, 0, &[]);
        let err = plan(&bare, &SourceRequest::default()).unwrap_err();
        assert!(err.contains("no counter source"), "{err}");
    }

    #[test]
    fn container_choice() {
        let mut s = sts();
        let pod = fixtures::pod(&s, 0, &["data"]);
        assert_eq!(container_name(None, Some(&pod), &s).as_deref(), Some("app"));
        assert_eq!(
            container_name(Some("side"), Some(&pod), &s).as_deref(),
            Some("side")
        );
        s.spec.as_mut().unwrap().template.metadata = Some(Default::default());
        s.spec
            .as_mut()
            .unwrap()
            .template
            .metadata
            .as_mut()
            .unwrap()
            .annotations = Some([(DEFAULT_CONTAINER_ANNOTATION.into(), "main".into())].into());
        assert_eq!(
            container_name(None, Some(&pod), &s).as_deref(),
            Some("main")
        );
    }

    #[test]
    fn path_to_template() {
        let s = sts();
        assert_eq!(
            template_of_path(&s, None, "/data/visits"),
            Some(("data".into(), "/data".into()))
        );
        assert_eq!(
            template_of_path(&s, None, "/logs/a b/$(x).txt"),
            Some(("logs".into(), "/logs".into()))
        );
        assert_eq!(template_of_path(&s, None, "/database/x"), None);
        assert_eq!(join("/data/", "visits"), "/data/visits");
    }

    #[test]
    fn ports() {
        let mut pod = fixtures::pod(&sts(), 0, &["data"]);
        let spec = pod.spec.as_mut().unwrap();
        spec.containers[0].ports = Some(vec![ContainerPort {
            name: Some("http".into()),
            container_port: 8080,
            ..Default::default()
        }]);
        let spec = pod.spec.as_ref();
        let h = |s: &str| s.parse::<HttpSource>().unwrap();
        let port = |src: &str, spec| resolve_port(spec, Some("app"), h(src).port.as_deref());
        assert_eq!(port("9000/x", spec), Ok(9000));
        assert_eq!(port("http/x", spec), Ok(8080));
        assert_eq!(port("/x", spec), Ok(8080));
        assert!(port("metrics/x", spec).is_err());
        assert_eq!(port("/x", None), Ok(80));
    }

    #[test]
    fn readability() {
        let s = sts();
        let mut pod = fixtures::pod(&s, 1, &["data"]);
        assert_eq!(unreadable_reason(&pod, "app"), None);
        assert!(unreadable_reason(&pod, "nope")
            .unwrap()
            .contains("no container \"nope\""));
        let status = pod.status.as_mut().unwrap();
        status.container_statuses = Some(vec![ContainerStatus {
            name: "app".into(),
            state: Some(ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some("CrashLoopBackOff".into()),
                    message: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        }]);
        assert_eq!(
            unreadable_reason(&pod, "app").unwrap(),
            "container \"app\" of pod web-1 is not running (CrashLoopBackOff)"
        );
        pod.status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()[0]
            .state = Some(ContainerState {
            running: Some(ContainerStateRunning::default()),
            ..Default::default()
        });
        assert_eq!(unreadable_reason(&pod, "app"), None);
        pod.status.as_mut().unwrap().phase = Some("Pending".into());
        assert_eq!(
            unreadable_reason(&pod, "app").unwrap(),
            "pod web-1 is Pending"
        );
        pod.metadata.deletion_timestamp = Some(fixtures::ago(1));
        assert_eq!(
            unreadable_reason(&pod, "app").unwrap(),
            "pod web-1 is terminating"
        );
    }
}

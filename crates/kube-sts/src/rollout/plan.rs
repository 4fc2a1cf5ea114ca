//! Rollout plans as data: `--steps` parsed and resolved into partitions, the ordinals each step
//! updates, the OnDelete deletion order, and the parallelism the cluster will really use. The
//! driver executes a [`Plan`]; `--dry-run` prints it. Nothing here talks to the API.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::model::StrategyKind;
use crate::error::{Error, Result};

/// One `--steps` entry as typed: a pod count or a percentage of replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepSpec {
    /// This many pods on the new revision after the step.
    Count(i32),
    /// This percentage of replicas (rounded down) after the step.
    Percent(u32),
}

impl std::fmt::Display for StepSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepSpec::Count(n) => write!(f, "{n}"),
            StepSpec::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Parses `1,50%,100%`.
pub fn parse_steps(text: &str) -> Result<Vec<StepSpec>> {
    let bad = |item: &str, why: &str| {
        Error::invalid(
            format!("invalid --steps {text:?}: {item:?} {why}"),
            "give pod counts or percentages of replicas, e.g. --steps 1,50%,100%",
        )
    };
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(bad(item, "is empty"));
        }
        if let Some(p) = item.strip_suffix('%') {
            let p: u32 = p.parse().map_err(|_| bad(item, "is not a percentage"))?;
            if p == 0 || p > 100 {
                return Err(bad(item, "must be between 1% and 100%"));
            }
            out.push(StepSpec::Percent(p));
        } else {
            let n: i32 = item.parse().map_err(|_| bad(item, "is not a pod count"))?;
            if n <= 0 {
                return Err(bad(item, "must be at least 1 pod"));
            }
            out.push(StepSpec::Count(n));
        }
    }
    Ok(out)
}

/// Resolves step specs into partitions (relative to the start ordinal), strictly decreasing.
/// Percentages round down, like `maxUnavailable`. A step that rounds to no pod is an error; one
/// that adds no pod to the previous step is dropped with a note.
pub fn resolve_steps(
    specs: &[StepSpec],
    replicas: i32,
    strategy: StrategyKind,
) -> Result<(Vec<i32>, Vec<String>)> {
    let mut partitions = Vec::new();
    let mut notes = Vec::new();
    let mut previous = 0;
    for spec in specs {
        let count = match *spec {
            StepSpec::Count(n) => n,
            StepSpec::Percent(p) => (i64::from(replicas) * i64::from(p) / 100) as i32,
        };
        if count > replicas {
            return Err(Error::invalid(
                format!(
                    "step {spec} asks for {count} pods but the StatefulSet has {replicas} replicas"
                ),
                format!("use at most {replicas}, or 100%"),
            ));
        }
        if count == 0 {
            let what = match strategy {
                StrategyKind::OnDelete => "no pod would be deleted",
                StrategyKind::RollingUpdate => "no pod would be updated",
            };
            return Err(Error::invalid(
                format!("step {spec} of {replicas} replicas rounds down to 0 pods: {what}"),
                "use a larger percentage or a pod count (e.g. --steps 1,50%,100%)",
            ));
        }
        if count <= previous {
            notes.push(format!(
                "step {spec} is {count} pod(s) of {replicas}, no more than the step before; skipped"
            ));
            continue;
        }
        previous = count;
        partitions.push(replicas - count);
    }
    Ok((partitions, notes))
}

/// Checks a partition given with `--partition`.
pub fn check_partition(partition: i32, replicas: i32) -> Result<()> {
    if partition < 0 || partition > replicas {
        return Err(Error::invalid(
            format!("invalid partition {partition}: must be between 0 and {replicas} (replicas)"),
            format!(
                "--partition N updates the pods with ordinal index >= N; 0 updates all {replicas}, {replicas} none"
            ),
        ));
    }
    Ok(())
}

/// `--max-unavailable K` (OnDelete: pods deleted at once): at least 1; 1 when not given.
pub fn check_max_unavailable(k: Option<i32>) -> Result<i32> {
    match k.unwrap_or(1) {
        k if k < 1 => Err(Error::invalid(
            format!("invalid --max-unavailable {k}: must be at least 1"),
            "use --max-unavailable 1 (the default) or more",
        )),
        k => Ok(k),
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// 1-based position in the plan.
    pub number: usize,
    /// The partition this step sets (relative to the start ordinal).
    pub partition: i32,
    /// Ordinals this step moves to the update revision, highest first.
    pub ordinals: Vec<i32>,
    /// Every ordinal that must run the update revision once the step is done, highest first.
    pub covered: Vec<i32>,
    /// OnDelete: deletion batches, each at most `maxUnavailable` pods, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub delete_batches: Vec<Vec<i32>>,
}

/// The steps from partition `from` down through `partitions`, for `replicas` pods from `start`.
pub fn steps(
    partitions: &[i32],
    from: i32,
    replicas: i32,
    start: i32,
    strategy: StrategyKind,
    batch: i32,
) -> Vec<Step> {
    let mut previous = from;
    partitions
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let ordinals: Vec<i32> = (start + p..start + previous.max(p)).rev().collect();
            let covered: Vec<i32> = (start + p..start + replicas).rev().collect();
            previous = previous.min(p);
            let delete_batches = match strategy {
                StrategyKind::OnDelete => ordinals
                    .chunks(batch.max(1) as usize)
                    .map(<[i32]>::to_vec)
                    .collect(),
                StrategyKind::RollingUpdate => vec![],
            };
            Step {
                number: i + 1,
                partition: p,
                ordinals,
                covered,
                delete_batches,
            }
        })
        .collect()
}

/// How many pods the controller will take down at once during a RollingUpdate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Parallelism {
    /// `maxUnavailable` as written, if any.
    pub requested: Option<String>,
    /// Pods replaced at once by the cluster.
    pub effective: i32,
    /// Why `effective` differs from what was asked, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Whether the `MaxUnavailableStatefulSet` gate is on by default in a Kubernetes version
/// (`v1.35.2`): on in 1.35.0-1.35.3, off in 1.35.4 and 1.36, on from 1.37; alpha (off) before.
pub fn max_unavailable_gate(git_version: &str) -> Option<bool> {
    let v = git_version.trim_start_matches('v');
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts.next()?.parse().ok()?;
    let patch: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some(match (major, minor) {
        (1, m) if m < 35 => false,
        (1, 35) => patch <= 3,
        (1, 36) => false,
        _ => true,
    })
}

/// `maxUnavailable` resolved against replicas (percent rounds down, at least 1) and the gate.
pub fn parallelism(
    max_unavailable: Option<&IntOrString>,
    replicas: i32,
    git_version: Option<&str>,
) -> Parallelism {
    let Some(value) = max_unavailable else {
        return Parallelism {
            requested: None,
            effective: 1,
            reason: None,
        };
    };
    let (requested, wanted) = match value {
        IntOrString::Int(n) => (n.to_string(), *n),
        IntOrString::String(s) => {
            let pct: i32 = s.trim_end_matches('%').parse().unwrap_or(0);
            (s.clone(), replicas * pct / 100)
        }
    };
    let wanted = wanted.max(1);
    match git_version.and_then(max_unavailable_gate) {
        Some(false) => Parallelism {
            requested: Some(requested),
            effective: 1,
            reason: Some(format!(
                "the MaxUnavailableStatefulSet feature gate is off by default in Kubernetes {}: pods are replaced one at a time",
                git_version.unwrap_or("?")
            )),
        },
        Some(true) => Parallelism {
            requested: Some(requested),
            effective: wanted,
            reason: None,
        },
        None => Parallelism {
            requested: Some(requested),
            effective: wanted,
            reason: Some(
                "unknown server version: assuming the MaxUnavailableStatefulSet gate is on".into(),
            ),
        },
    }
}

/// `--check-http [PORT]/PATH`: a GET through the pod proxy on each new pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HttpCheck {
    /// Port number or name; the first container port when absent.
    pub port: Option<String>,
    /// Path starting with `/`.
    pub path: String,
}

impl std::fmt::Display for HttpCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.port.as_deref().unwrap_or(""), self.path)
    }
}

/// Parses `8080/healthz`, `http/healthz` or `/healthz`.
pub fn parse_http_check(text: &str) -> Result<HttpCheck> {
    let slash = text.find('/').ok_or_else(|| {
        Error::invalid(
            format!("invalid --check-http {text:?}: missing /PATH"),
            "use [PORT]/PATH, e.g. --check-http 8080/healthz or --check-http /healthz",
        )
    })?;
    let port = &text[..slash];
    Ok(HttpCheck {
        port: (!port.is_empty()).then(|| port.to_string()),
        path: text[slash..].to_string(),
    })
}

/// How the driver moves between steps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepOptions {
    /// Stop after each step (`promote` continues).
    pub manual: bool,
    /// Wait this long between steps.
    #[serde(skip_serializing_if = "Option::is_none", with = "secs")]
    pub pause_between: Option<Duration>,
    /// Check each new pod over HTTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_http: Option<HttpCheck>,
    /// Compare each pod's counter before and after its restart.
    pub data_check: bool,
    /// OnDelete: pods deleted at once.
    pub max_unavailable: i32,
    /// How long each step may take.
    #[serde(with = "secs_required")]
    pub timeout: Duration,
}

mod secs {
    use std::time::Duration;
    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&crate::k8s::age::human_duration(d.as_secs() as i64)),
            None => s.serialize_none(),
        }
    }
}

mod secs_required {
    use std::time::Duration;
    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::k8s::age::human_duration(d.as_secs() as i64))
    }
}

/// A whole plan: what `--dry-run` prints and the driver runs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// StatefulSet name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Update strategy.
    pub strategy: StrategyKind,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `spec.ordinals.start`.
    pub start: i32,
    /// The partition before the steps run.
    pub from_partition: i32,
    /// The patch applied before the first step (template change and partition freeze), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_patch: Option<serde_json::Value>,
    /// The steps.
    pub steps: Vec<Step>,
    /// Pods the cluster replaces at once (RollingUpdate).
    pub parallelism: Parallelism,
    /// How steps are driven.
    pub options: StepOptions,
    /// Things the user should know (skipped steps, gate off, ...).
    pub notes: Vec<String>,
}

impl Plan {
    /// The pod name of an ordinal.
    pub fn pod(&self, ordinal: i32) -> String {
        crate::k8s::identity::pod_name(&self.name, ordinal)
    }

    /// A human description, one line per step, as `--dry-run` prints it.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let push = |out: &mut String, line: String| {
            out.push_str(&line);
            out.push('\n');
        };
        push(
            &mut out,
            format!(
                "plan for statefulset.apps/{} in namespace {:?} ({}, {} replicas from ordinal {}):",
                self.name, self.namespace, self.strategy, self.replicas, self.start
            ),
        );
        if let Some(patch) = &self.initial_patch {
            push(
                &mut out,
                "  patch (application/json-patch+json), applied first:".into(),
            );
            for op in patch.as_array().into_iter().flatten() {
                push(&mut out, format!("    {op}"));
            }
        }
        let total = self.steps.len();
        for step in &self.steps {
            let pods: Vec<String> = step.ordinals.iter().map(|o| self.pod(*o)).collect();
            let what = if pods.is_empty() {
                "no new pods".to_string()
            } else {
                pods.join(", ")
            };
            let line = match self.strategy {
                StrategyKind::RollingUpdate => format!(
                    "  step {}/{total}: partition {} -> update {what}",
                    step.number, step.partition
                ),
                StrategyKind::OnDelete => {
                    let batches: Vec<String> = step
                        .delete_batches
                        .iter()
                        .map(|b| {
                            b.iter()
                                .map(|o| self.pod(*o))
                                .collect::<Vec<_>>()
                                .join(" + ")
                        })
                        .collect();
                    format!(
                        "  step {}/{total}: to partition {} -> delete {} (each deletion's replacement Ready on the update revision before the next)",
                        step.number,
                        step.partition,
                        if batches.is_empty() {
                            "nothing".into()
                        } else {
                            batches.join(", then ")
                        }
                    )
                }
            };
            push(&mut out, line);
            if self.strategy == StrategyKind::RollingUpdate && step.partition != self.from_partition
            {
                push(
                    &mut out,
                    format!(
                        "    patch: [{{\"op\":\"test\",\"path\":\"/spec/updateStrategy/rollingUpdate/partition\",\"value\":<previous>}},{{\"op\":\"add\",\"path\":\"/spec/updateStrategy/rollingUpdate/partition\",\"value\":{}}}]",
                        step.partition
                    ),
                );
            }
        }
        if self.strategy == StrategyKind::RollingUpdate {
            let p = &self.parallelism;
            let mut line = format!("  parallelism: {} pod(s) at a time", p.effective);
            if let Some(req) = &p.requested {
                line.push_str(&format!(" (maxUnavailable {req})"));
            }
            push(&mut out, line);
            if let Some(reason) = &p.reason {
                push(&mut out, format!("    {reason}"));
            }
        } else {
            push(
                &mut out,
                format!(
                    "  parallelism: {} pod(s) deleted at a time (--max-unavailable)",
                    self.options.max_unavailable.max(1)
                ),
            );
        }
        let o = &self.options;
        let mut between = Vec::new();
        if o.manual {
            between.push("stop after each step (continue with promote)".to_string());
        } else if let Some(d) = o.pause_between {
            between.push(format!(
                "wait {} between steps",
                crate::k8s::age::human_duration(d.as_secs() as i64)
            ));
        }
        if let Some(check) = &o.check_http {
            between.push(format!("GET {check} on each new pod"));
        }
        if o.data_check {
            between.push("compare each pod's counter before and after its restart".into());
        }
        between.push(format!(
            "each step may take {}",
            crate::k8s::age::human_duration(o.timeout.as_secs() as i64)
        ));
        push(&mut out, format!("  checks: {}", between.join("; ")));
        for note in &self.notes {
            push(&mut out, format!("  note: {note}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_unavailable_is_at_least_one() {
        assert_eq!(check_max_unavailable(None).unwrap(), 1);
        assert_eq!(check_max_unavailable(Some(3)).unwrap(), 3);
        let err = check_max_unavailable(Some(0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid --max-unavailable 0: must be at least 1"
        );
    }

    #[test]
    fn parse_and_resolve_canary_steps() {
        let specs = parse_steps("1,50%,100%").unwrap();
        assert_eq!(
            specs,
            vec![
                StepSpec::Count(1),
                StepSpec::Percent(50),
                StepSpec::Percent(100)
            ]
        );
        let (parts, notes) = resolve_steps(&specs, 5, StrategyKind::RollingUpdate).unwrap();
        assert_eq!(parts, vec![4, 3, 0]);
        assert!(notes.is_empty());
        let steps = steps(&parts, 5, 5, 0, StrategyKind::RollingUpdate, 1);
        assert_eq!(steps[0].ordinals, vec![4]);
        assert_eq!(steps[1].ordinals, vec![3]);
        assert_eq!(steps[2].ordinals, vec![2, 1, 0]);
        assert_eq!(steps[2].covered, vec![4, 3, 2, 1, 0]);
    }

    #[test]
    fn start_ordinal_shifts_ordinals_not_partitions() {
        let (parts, _) = resolve_steps(
            &parse_steps("1,100%").unwrap(),
            3,
            StrategyKind::RollingUpdate,
        )
        .unwrap();
        assert_eq!(parts, vec![2, 0]);
        let s = steps(&parts, 3, 3, 1, StrategyKind::RollingUpdate, 1);
        assert_eq!(s[0].ordinals, vec![3]);
        assert_eq!(s[1].ordinals, vec![2, 1]);
    }

    #[test]
    fn bad_steps_are_clear() {
        assert!(parse_steps("1,,2").is_err());
        assert!(parse_steps("0").is_err());
        assert!(parse_steps("-1").is_err());
        assert!(parse_steps("150%").is_err());
        assert!(parse_steps("x%").is_err());
        let err = resolve_steps(&parse_steps("10%").unwrap(), 5, StrategyKind::OnDelete)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rounds down to 0 pods"), "{err}");
        assert!(err.contains("no pod would be deleted"), "{err}");
        let err = resolve_steps(&parse_steps("7").unwrap(), 5, StrategyKind::RollingUpdate)
            .unwrap_err()
            .to_string();
        assert!(err.contains("5 replicas"), "{err}");
    }

    #[test]
    fn duplicate_steps_are_skipped_with_a_note() {
        let (parts, notes) = resolve_steps(
            &parse_steps("1,50%,100%").unwrap(),
            2,
            StrategyKind::RollingUpdate,
        )
        .unwrap();
        assert_eq!(parts, vec![1, 0]);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn partition_bounds() {
        assert!(check_partition(0, 5).is_ok());
        assert!(check_partition(5, 5).is_ok());
        assert!(check_partition(-1, 5)
            .unwrap_err()
            .to_string()
            .contains("between 0 and 5"));
        assert!(check_partition(6, 5).is_err());
    }

    #[test]
    fn on_delete_batches_follow_max_unavailable() {
        let s = steps(&[0], 5, 5, 0, StrategyKind::OnDelete, 2);
        assert_eq!(s[0].delete_batches, vec![vec![4, 3], vec![2, 1], vec![0]]);
    }

    #[test]
    fn parallelism_follows_the_gate() {
        let two = IntOrString::Int(2);
        let p = parallelism(Some(&two), 5, Some("v1.36.0"));
        assert_eq!(p.effective, 1);
        assert!(p.reason.unwrap().contains("gate is off"));
        assert_eq!(parallelism(Some(&two), 5, Some("v1.35.2")).effective, 2);
        assert_eq!(parallelism(Some(&two), 5, Some("v1.35.4")).effective, 1);
        assert_eq!(parallelism(Some(&two), 5, Some("v1.37.1")).effective, 2);
        let pct = IntOrString::String("10%".into());
        assert_eq!(parallelism(Some(&pct), 5, Some("v1.37.0")).effective, 1);
        let pct = IntOrString::String("50%".into());
        assert_eq!(parallelism(Some(&pct), 5, Some("v1.37.0")).effective, 2);
        assert_eq!(parallelism(None, 5, Some("v1.37.0")).effective, 1);
    }

    #[test]
    fn http_checks() {
        assert_eq!(
            parse_http_check("8080/healthz").unwrap(),
            HttpCheck {
                port: Some("8080".into()),
                path: "/healthz".into()
            }
        );
        assert_eq!(parse_http_check("/").unwrap().port, None);
        assert!(parse_http_check("8080").is_err());
    }

    #[test]
    fn describe_lists_steps_and_pods() {
        let plan = Plan {
            name: "web".into(),
            namespace: "default".into(),
            strategy: StrategyKind::RollingUpdate,
            replicas: 5,
            start: 0,
            from_partition: 5,
            initial_patch: Some(serde_json::json!([{"op": "test", "path": "/x", "value": 1}])),
            steps: steps(&[4, 3, 0], 5, 5, 0, StrategyKind::RollingUpdate, 1),
            parallelism: parallelism(None, 5, None),
            options: StepOptions {
                timeout: Duration::from_secs(300),
                ..Default::default()
            },
            notes: vec![],
        };
        let text = plan.describe();
        assert!(
            text.contains("step 1/3: partition 4 -> update web-4"),
            "{text}"
        );
        assert!(text.contains("step 3/3: partition 0 -> update web-2, web-1, web-0"));
        assert!(text.contains("\"op\":\"test\""));
    }
}

//! What the rollout commands read off a StatefulSet, its pods and its ControllerRevisions:
//! strategy, partition, revisions with their templates and images, and each pod's revision and
//! readiness. Pure functions; the one place that knows where these live in the objects.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::k8s::identity;

/// Pod label naming the ControllerRevision a pod was created from.
pub const REVISION_LABEL: &str = "controller-revision-hash";
/// Annotation `kubectl rollout history` shows as CHANGE-CAUSE.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// `spec.updateStrategy.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum StrategyKind {
    /// The controller replaces pods from the highest ordinal down to the partition.
    RollingUpdate,
    /// Pods are replaced only when someone deletes them.
    OnDelete,
}

impl std::fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StrategyKind::RollingUpdate => "RollingUpdate",
            StrategyKind::OnDelete => "OnDelete",
        })
    }
}

/// The update strategy type (RollingUpdate when unset, the API default).
pub fn strategy(sts: &StatefulSet) -> StrategyKind {
    match sts
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
    {
        Some("OnDelete") => StrategyKind::OnDelete,
        _ => StrategyKind::RollingUpdate,
    }
}

/// `rollingUpdate.partition` (0 when unset).
pub fn partition(sts: &StatefulSet) -> i32 {
    rolling_update(sts).and_then(|r| r.partition).unwrap_or(0)
}

/// Whether the `rollingUpdate` block is present (kubectl's status check differs without it).
pub fn has_rolling_update_block(sts: &StatefulSet) -> bool {
    rolling_update(sts).is_some()
}

/// `rollingUpdate.maxUnavailable`, if set.
pub fn max_unavailable(sts: &StatefulSet) -> Option<IntOrString> {
    rolling_update(sts).and_then(|r| r.max_unavailable.clone())
}

fn rolling_update(
    sts: &StatefulSet,
) -> Option<&k8s_openapi::api::apps::v1::RollingUpdateStatefulSetStrategy> {
    sts.spec
        .as_ref()?
        .update_strategy
        .as_ref()?
        .rolling_update
        .as_ref()
}

/// `spec.podManagementPolicy` (OrderedReady when unset).
pub fn pod_management_policy(sts: &StatefulSet) -> String {
    sts.spec
        .as_ref()
        .and_then(|s| s.pod_management_policy.clone())
        .unwrap_or_else(|| "OrderedReady".into())
}

/// `spec.minReadySeconds` (0 when unset).
pub fn min_ready_seconds(sts: &StatefulSet) -> i64 {
    sts.spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .map(i64::from)
        .unwrap_or(0)
}

/// `status.updateRevision`, once the controller has observed the current generation.
pub fn observed_update_revision(sts: &StatefulSet) -> Option<&str> {
    if !observed(sts) {
        return None;
    }
    sts.status.as_ref()?.update_revision.as_deref()
}

/// `status.updateRevision` as last written, observed or not.
pub fn update_revision(sts: &StatefulSet) -> Option<&str> {
    sts.status.as_ref()?.update_revision.as_deref()
}

/// `status.currentRevision`.
pub fn current_revision(sts: &StatefulSet) -> Option<&str> {
    sts.status.as_ref()?.current_revision.as_deref()
}

/// Whether the controller has seen the latest spec (`observedGeneration >= generation`).
pub fn observed(sts: &StatefulSet) -> bool {
    let generation = sts.metadata.generation.unwrap_or(0);
    let seen = sts
        .status
        .as_ref()
        .and_then(|s| s.observed_generation)
        .unwrap_or(0);
    seen >= generation
}

/// An annotation of the StatefulSet.
pub fn annotation<'a>(sts: &'a StatefulSet, key: &str) -> Option<&'a str> {
    sts.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// The revision a pod was created from (its `controller-revision-hash` label).
pub fn pod_revision(pod: &Pod) -> Option<&str> {
    pod.metadata
        .labels
        .as_ref()?
        .get(REVISION_LABEL)
        .map(String::as_str)
}

/// Whether the pod is being deleted.
pub fn is_terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

/// When the pod's Ready condition turned True, if it is Ready.
pub fn ready_since(pod: &Pod) -> Option<Timestamp> {
    let cond = pod
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "True")?;
    Some(
        cond.last_transition_time
            .as_ref()
            .map(|t| t.0)
            .unwrap_or(Timestamp::UNIX_EPOCH),
    )
}

/// Running and Ready, not terminating.
pub fn is_ready(pod: &Pod) -> bool {
    !is_terminating(pod)
        && pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
        && ready_since(pod).is_some()
}

/// Ready for at least `min_ready` seconds at `now`; otherwise when it will be.
pub fn availability(pod: &Pod, min_ready: i64, now: Timestamp) -> Result<(), Option<Timestamp>> {
    if !is_ready(pod) {
        return Err(None);
    }
    if min_ready <= 0 {
        return Ok(());
    }
    let since = ready_since(pod).unwrap_or(now);
    let at = since + jiff::SignedDuration::from_secs(min_ready);
    if at <= now {
        Ok(())
    } else {
        Err(Some(at))
    }
}

/// A container's waiting reason that means the pod will not become Ready by waiting.
pub fn failure_reason(pod: &Pod) -> Option<String> {
    const FATAL: &[&str] = &[
        "CrashLoopBackOff",
        "ErrImagePull",
        "ImagePullBackOff",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    ];
    let status = pod.status.as_ref()?;
    if status.phase.as_deref() == Some("Failed") {
        return Some(status.reason.clone().unwrap_or_else(|| "Failed".into()));
    }
    status
        .container_statuses
        .iter()
        .flatten()
        .chain(status.init_container_statuses.iter().flatten())
        .filter_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone())
        .find(|r| FATAL.contains(&r.as_str()))
}

/// One ControllerRevision, decoded.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// `revision` number.
    pub number: i64,
    /// Object name (`<sts>-<hash>`), the value of pods' `controller-revision-hash`.
    pub name: String,
    /// `kubernetes.io/change-cause`, if recorded.
    pub change_cause: Option<String>,
    /// `container=image` of every container (init containers first).
    pub images: Vec<String>,
    /// When it was created.
    #[serde(skip)]
    pub created: Option<Timestamp>,
    /// The pod template it holds (without the `$patch` directive).
    #[serde(skip)]
    pub template: Value,
}

/// The pod template stored in a revision's data, without the `$patch: replace` directive.
pub fn revision_template(rev: &ControllerRevision) -> Value {
    let mut template = rev
        .data
        .as_ref()
        .and_then(|d| d.0.get("spec"))
        .and_then(|s| s.get("template"))
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(obj) = template.as_object_mut() {
        obj.remove("$patch");
    }
    template
}

/// `container=image` pairs of a template given as JSON (init containers first).
pub fn template_images(template: &Value) -> Vec<String> {
    let spec = &template["spec"];
    ["initContainers", "containers"]
        .iter()
        .flat_map(|key| spec[key].as_array().cloned().unwrap_or_default())
        .map(|c| {
            format!(
                "{}={}",
                c["name"].as_str().unwrap_or("?"),
                c["image"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// The StatefulSet's current pod template as JSON.
pub fn sts_template(sts: &StatefulSet) -> Value {
    sts.spec
        .as_ref()
        .map(|s| serde_json::to_value(&s.template).unwrap_or(Value::Null))
        .unwrap_or(Value::Null)
}

/// Decodes and sorts revisions by number (oldest first).
pub fn revisions(revs: &[ControllerRevision]) -> Vec<Revision> {
    let mut out: Vec<Revision> = revs
        .iter()
        .map(|r| {
            let template = revision_template(r);
            Revision {
                number: r.revision,
                name: r.metadata.name.clone().unwrap_or_default(),
                change_cause: r
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(CHANGE_CAUSE))
                    .cloned(),
                images: template_images(&template),
                created: r.metadata.creation_timestamp.as_ref().map(|t| t.0),
                template,
            }
        })
        .collect();
    out.sort_by_key(|r| r.number);
    out
}

/// Whether a pod template (typed) has a readiness probe in every regular container.
pub fn has_readiness_probe(template: &PodTemplateSpec) -> bool {
    template
        .spec
        .as_ref()
        .is_some_and(|s| s.containers.iter().all(|c| c.readiness_probe.is_some()))
}

/// The pods of the StatefulSet by ordinal (pods outside the ordinal range included).
pub fn pods_by_ordinal<'a>(
    sts: &StatefulSet,
    pods: impl IntoIterator<Item = &'a Pod>,
) -> std::collections::BTreeMap<i32, &'a Pod> {
    let name = sts.metadata.name.as_deref().unwrap_or("");
    pods.into_iter()
        .filter_map(|p| identity::pod_ordinal(p, name).map(|o| (o, p)))
        .collect()
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-built StatefulSets, pods and revisions for the rollout unit tests.
    use super::*;
    use k8s_openapi::api::apps::v1::{
        RollingUpdateStatefulSetStrategy, StatefulSetOrdinals, StatefulSetSpec, StatefulSetStatus,
        StatefulSetUpdateStrategy,
    };
    use k8s_openapi::api::core::v1::{
        Container, ContainerPort, PodCondition, PodSpec, PodStatus, Probe,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
    use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
    use serde_json::json;

    pub fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    /// `web` with `replicas` pods from `start`, RollingUpdate with `partition`, image `app:1`.
    pub fn sts(replicas: i32, start: i32, partition: Option<i32>) -> StatefulSet {
        StatefulSet {
            metadata: ObjectMeta {
                name: Some("web".into()),
                namespace: Some("default".into()),
                uid: Some("uid-web".into()),
                generation: Some(2),
                ..Default::default()
            },
            spec: Some(StatefulSetSpec {
                replicas: Some(replicas),
                ordinals: (start != 0).then_some(StatefulSetOrdinals { start: Some(start) }),
                service_name: Some("web".into()),
                update_strategy: Some(StatefulSetUpdateStrategy {
                    type_: Some("RollingUpdate".into()),
                    rolling_update: partition.map(|p| RollingUpdateStatefulSetStrategy {
                        partition: Some(p),
                        max_unavailable: None,
                    }),
                }),
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some([("app".to_string(), "web".to_string())].into()),
                        ..Default::default()
                    }),
                    spec: Some(PodSpec {
                        containers: vec![Container {
                            name: "app".into(),
                            image: Some("app:1".into()),
                            ports: Some(vec![ContainerPort {
                                name: Some("http".into()),
                                container_port: 8080,
                                ..Default::default()
                            }]),
                            readiness_probe: Some(Probe::default()),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }),
                },
                ..Default::default()
            }),
            status: Some(StatefulSetStatus {
                replicas,
                observed_generation: Some(2),
                ready_replicas: Some(replicas),
                current_revision: Some("web-old".into()),
                update_revision: Some("web-new".into()),
                ..Default::default()
            }),
        }
    }

    pub fn on_delete(mut s: StatefulSet) -> StatefulSet {
        s.spec.as_mut().unwrap().update_strategy = Some(StatefulSetUpdateStrategy {
            type_: Some("OnDelete".into()),
            rolling_update: None,
        });
        s
    }

    /// Pod `web-<ordinal>` on `revision`, Ready since `ready_for` seconds (None: not Ready).
    pub fn pod(ordinal: i32, revision: &str, ready_for: Option<i64>) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some(format!("web-{ordinal}")),
                namespace: Some("default".into()),
                uid: Some(format!("uid-web-{ordinal}-{revision}")),
                labels: Some(
                    [
                        (REVISION_LABEL.to_string(), revision.to_string()),
                        (identity::POD_INDEX_LABEL.to_string(), ordinal.to_string()),
                    ]
                    .into(),
                ),
                owner_references: Some(vec![OwnerReference {
                    api_version: "apps/v1".into(),
                    kind: "StatefulSet".into(),
                    name: "web".into(),
                    uid: "uid-web".into(),
                    controller: Some(true),
                    ..Default::default()
                }]),
                creation_timestamp: Some(Time(now() - jiff::SignedDuration::from_secs(600))),
                ..Default::default()
            },
            spec: Some(PodSpec::default()),
            status: Some(PodStatus {
                phase: Some("Running".into()),
                conditions: Some(vec![PodCondition {
                    type_: "Ready".into(),
                    status: if ready_for.is_some() { "True" } else { "False" }.into(),
                    last_transition_time: Some(Time(
                        now() - jiff::SignedDuration::from_secs(ready_for.unwrap_or(10)),
                    )),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        }
    }

    pub fn revision(
        name: &str,
        number: i64,
        image: &str,
        cause: Option<&str>,
    ) -> ControllerRevision {
        ControllerRevision {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                annotations: cause.map(|c| [(CHANGE_CAUSE.to_string(), c.to_string())].into()),
                creation_timestamp: Some(Time(now() - jiff::SignedDuration::from_secs(300))),
                ..Default::default()
            },
            revision: number,
            data: Some(RawExtension(json!({"spec": {"template": {
                "$patch": "replace",
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": image}]}
            }}}))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn strategy_and_partition_defaults() {
        let s = sts(3, 0, None);
        assert_eq!(strategy(&s), StrategyKind::RollingUpdate);
        assert_eq!(partition(&s), 0);
        assert!(!has_rolling_update_block(&s));
        let s = sts(3, 0, Some(2));
        assert_eq!(partition(&s), 2);
        assert_eq!(strategy(&on_delete(s)), StrategyKind::OnDelete);
    }

    #[test]
    fn readiness_and_availability() {
        let p = pod(0, "web-new", Some(5));
        assert!(is_ready(&p));
        assert_eq!(availability(&p, 0, now()), Ok(()));
        assert_eq!(availability(&p, 3, now()), Ok(()));
        let at = availability(&p, 10, now()).unwrap_err().unwrap();
        assert_eq!(at, now() + jiff::SignedDuration::from_secs(5));
        assert_eq!(availability(&pod(0, "x", None), 0, now()), Err(None));
    }

    #[test]
    fn revisions_decode_and_sort() {
        let revs = revisions(&[
            revision("web-b", 2, "app:2", Some("v2")),
            revision("web-a", 1, "app:1", None),
        ]);
        assert_eq!(revs[0].name, "web-a");
        assert_eq!(revs[1].images, vec!["app=app:2"]);
        assert_eq!(revs[1].change_cause.as_deref(), Some("v2"));
        assert!(revs[0].template.get("$patch").is_none());
    }
}

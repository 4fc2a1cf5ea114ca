//! StatefulSet identity rules: pod and claim names, ordinals and the ordinal range.
//!
//! Claims are recognised by their name `<template>-<sts>-<ordinal>`, never by labels alone: old
//! or relabelled claims must still be found. Pods carry their ordinal in the
//! `apps.kubernetes.io/pod-index` label; the name is the fallback.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;

/// Label holding a pod's ordinal.
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// `<sts>-<ordinal>`.
pub fn pod_name(sts: &str, ordinal: i32) -> String {
    format!("{sts}-{ordinal}")
}

/// `<template>-<sts>-<ordinal>`.
pub fn claim_name(template: &str, sts: &str, ordinal: i32) -> String {
    format!("{template}-{sts}-{ordinal}")
}

/// The ordinal of `name` if it is `<prefix>-<digits>`.
pub fn ordinal_after(name: &str, prefix: &str) -> Option<i32> {
    let digits = name.strip_prefix(prefix)?.strip_prefix('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Kubernetes never writes leading zeros; `web-01` is not ordinal 1 of `web`.
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

/// The (template, ordinal) a claim name belongs to, among `templates` of StatefulSet `sts`.
/// The longest matching template wins, so `data` and `data-web` cannot be confused.
pub fn parse_claim<'a>(name: &str, templates: &[&'a str], sts: &str) -> Option<(&'a str, i32)> {
    templates
        .iter()
        .filter_map(|t| {
            let prefix = format!("{t}-{sts}");
            ordinal_after(name, &prefix).map(|o| (*t, o))
        })
        .max_by_key(|(t, _)| t.len())
}

/// A pod's ordinal: the pod-index label, else parsed from the name.
pub fn pod_ordinal(pod: &Pod, sts: &str) -> Option<i32> {
    let labelled = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(POD_INDEX_LABEL))
        .and_then(|v| v.parse().ok());
    labelled.or_else(|| ordinal_after(pod.metadata.name.as_deref()?, sts))
}

/// `spec.ordinals.start` (0 when unset).
pub fn start_ordinal(sts: &StatefulSet) -> i32 {
    sts.spec
        .as_ref()
        .and_then(|s| s.ordinals.as_ref())
        .and_then(|o| o.start)
        .unwrap_or(0)
}

/// `spec.replicas` (1 when unset, the API default).
pub fn desired_replicas(sts: &StatefulSet) -> i32 {
    sts.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

/// The half-open ordinal range `[start, start + replicas)` of pods that should exist.
pub fn ordinal_range(sts: &StatefulSet) -> std::ops::Range<i32> {
    let start = start_ordinal(sts);
    start..start + desired_replicas(sts).max(0)
}

/// Names of the `volumeClaimTemplates`, in spec order.
pub fn template_names(sts: &StatefulSet) -> Vec<&str> {
    sts.spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref())
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t.metadata.name.as_deref())
                .collect()
        })
        .unwrap_or_default()
}

/// Compresses ordinals into ranges for messages: `[2,3,4,7]` -> `2-4, 7`.
pub fn ordinal_ranges(ordinals: &[i32]) -> String {
    let mut sorted = ordinals.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            sorted[i].to_string()
        } else {
            format!("{}-{}", sorted[i], sorted[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{StatefulSetOrdinals, StatefulSetSpec};

    #[test]
    fn claim_names_round_trip() {
        let templates = ["data", "logs"];
        assert_eq!(claim_name("data", "web", 3), "data-web-3");
        assert_eq!(
            parse_claim("data-web-3", &templates, "web"),
            Some(("data", 3))
        );
        assert_eq!(
            parse_claim("logs-web-12", &templates, "web"),
            Some(("logs", 12))
        );
        assert_eq!(parse_claim("data-web2-3", &templates, "web"), None);
        assert_eq!(parse_claim("data-web-", &templates, "web"), None);
        assert_eq!(parse_claim("data-web-x", &templates, "web"), None);
        assert_eq!(parse_claim("data-web-01", &templates, "web"), None);
        assert_eq!(parse_claim("other-web-1", &templates, "web"), None);
    }

    #[test]
    fn longest_template_wins() {
        // "data-web" template of sts "web" vs "data" template of sts "web-web": names collide
        // only through the sts name, which is fixed here.
        let templates = ["data", "data-x"];
        assert_eq!(
            parse_claim("data-x-web-0", &templates, "web"),
            Some(("data-x", 0))
        );
        assert_eq!(
            parse_claim("data-web-0", &templates, "web"),
            Some(("data", 0))
        );
    }

    #[test]
    fn pod_ordinal_label_then_name() {
        let mut pod = Pod::default();
        pod.metadata.name = Some("web-4".into());
        assert_eq!(pod_ordinal(&pod, "web"), Some(4));
        pod.metadata.labels = Some([(POD_INDEX_LABEL.to_string(), "7".to_string())].into());
        assert_eq!(pod_ordinal(&pod, "web"), Some(7));
        pod.metadata.labels = None;
        pod.metadata.name = Some("other-1".into());
        assert_eq!(pod_ordinal(&pod, "web"), None);
    }

    #[test]
    fn range_respects_start() {
        let sts = StatefulSet {
            spec: Some(StatefulSetSpec {
                replicas: Some(3),
                ordinals: Some(StatefulSetOrdinals { start: Some(1) }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(ordinal_range(&sts), 1..4);
        assert_eq!(ordinal_range(&StatefulSet::default()), 0..1);
    }

    #[test]
    fn ranges_compress() {
        assert_eq!(ordinal_ranges(&[4, 2, 3, 7]), "2-4, 7");
        assert_eq!(ordinal_ranges(&[5]), "5");
        assert_eq!(ordinal_ranges(&[]), "");
    }
}

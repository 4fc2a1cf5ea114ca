//! `usage`: how full each claim's volume is. Two sources:
//! - `exec` (default): runs `df -P -k PATH` in the pod on the claim's mount path (needs
//!   `pods/exec`);
//! - `kubelet`: reads `nodes/NODE/proxy/stats/summary`, one request per node (needs
//!   `nodes/proxy`, a powerful permission, hence opt-in).
//!
//! Pure: [`probes`] decides what to measure and why a row cannot be measured; [`parse_df`] and
//! [`parse_summary`] are the parsers; [`row`] puts numbers or a reason into a row. The driver
//! that runs `df` or asks the kubelet is [`crate::pvc::run::measure`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::k8s::quantity::{parse_bytes, percent};
use crate::pvc::claims::{claim_map, ClaimState};
use crate::read::snapshot::Snapshot;

/// `kind` of the JSON/YAML document of `usage`.
pub const KIND: &str = "StatefulSetClaimUsage";

/// Where usage numbers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "camelCase")]
pub enum UsageSource {
    /// `df` inside the pod (pods/exec).
    Exec,
    /// The kubelet's stats summary through the API server's node proxy (nodes/proxy).
    Kubelet,
}

/// What to measure for one claim, or why it cannot be measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Claim name.
    pub pvc: String,
    /// Ordinal.
    pub ordinal: i32,
    /// Claim capacity as the API reports it.
    pub capacity: Option<String>,
    /// Pod, container, mount path and node, or the reason there is nothing to run in.
    pub target: std::result::Result<ProbeTarget, String>,
}

/// A running pod that mounts the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeTarget {
    /// Pod name.
    pub pod: String,
    /// Container that mounts the claim.
    pub container: String,
    /// Mount path in that container.
    pub path: String,
    /// Node the pod runs on.
    pub node: Option<String>,
}

/// Usage of one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRow {
    /// Ordinal.
    pub ordinal: i32,
    /// Claim name.
    pub pvc: String,
    /// Pod measured in.
    pub pod: Option<String>,
    /// Mount path measured.
    pub path: Option<String>,
    /// Bytes used.
    pub used_bytes: Option<u64>,
    /// Filesystem size in bytes (else the claim capacity).
    pub capacity_bytes: Option<u64>,
    /// Bytes available.
    pub available_bytes: Option<u64>,
    /// Percent used (rounded down).
    pub percent: Option<u8>,
    /// Why there are no numbers.
    pub reason: Option<String>,
}

/// Usage of one StatefulSet's claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    /// Namespace.
    pub namespace: String,
    /// StatefulSet name.
    pub name: String,
    /// Where the numbers come from.
    pub source: UsageSource,
    /// One row per existing claim.
    pub claims: Vec<UsageRow>,
}

/// Decides, per existing claim, where to measure it.
pub fn probes(snap: &Snapshot) -> Vec<Probe> {
    let pods = snap.pods_by_ordinal();
    claim_map(snap)
        .claims
        .into_iter()
        .filter(|r| r.state != ClaimState::Missing)
        .map(|row| {
            let pod = pods.get(&row.ordinal).copied();
            let target = match pod {
                None if !row.in_range => Err("orphaned: no pod".to_string()),
                None => Err(format!(
                    "pod {} does not exist",
                    crate::k8s::identity::pod_name(snap.name(), row.ordinal)
                )),
                Some(p) if !crate::k8s::pods::is_running(p) => Err(format!(
                    "pod {} is {}",
                    p.metadata.name.as_deref().unwrap_or_default(),
                    crate::k8s::pods::display_status(p)
                )),
                Some(p) => match row.mounts.first() {
                    None => Err("not mounted by the pod".to_string()),
                    Some(m) => Ok(ProbeTarget {
                        pod: p.metadata.name.clone().unwrap_or_default(),
                        container: m.container.clone(),
                        path: m.path.clone(),
                        node: row.node.clone(),
                    }),
                },
            };
            Probe {
                pvc: row.pvc,
                ordinal: row.ordinal,
                capacity: row.capacity,
                target,
            }
        })
        .collect()
}

/// Numbers for one volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    /// Bytes used.
    pub used: u64,
    /// Filesystem size.
    pub capacity: Option<u64>,
    /// Bytes available.
    pub available: Option<u64>,
}

/// Parses `df -P -k` output (POSIX: 1024-byte blocks; the last line is the filesystem).
pub fn parse_df(output: &str) -> std::result::Result<Measured, String> {
    let line = output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or("df printed nothing")?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    // Filesystem 1024-blocks Used Available Capacity Mounted-on; the filesystem name may contain
    // spaces, so count from the end.
    if fields.len() < 6 {
        return Err(format!("unexpected df output: {line:?}"));
    }
    let n = fields.len();
    // 1024-byte blocks; a count whose bytes do not fit in u64 is not a real filesystem.
    let bytes = |s: &str| {
        s.parse::<u64>()
            .ok()
            .and_then(|blocks| blocks.checked_mul(1024))
            .ok_or_else(|| format!("unexpected df output: {line:?}"))
    };
    Ok(Measured {
        capacity: Some(bytes(fields[n - 5])?),
        used: bytes(fields[n - 4])?,
        available: Some(bytes(fields[n - 3])?),
    })
}

/// Parses a kubelet `stats/summary` into usage per (pod, claim) of `namespace`.
pub fn parse_summary(
    json: &str,
    namespace: &str,
) -> std::result::Result<BTreeMap<(String, String), Measured>, String> {
    #[derive(Deserialize)]
    struct Summary {
        #[serde(default)]
        pods: Vec<PodStats>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct PodStats {
        pod_ref: Ref,
        #[serde(default)]
        volume: Vec<VolumeStats>,
    }
    #[derive(Deserialize)]
    struct Ref {
        name: String,
        namespace: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct VolumeStats {
        pvc_ref: Option<Ref>,
        used_bytes: Option<u64>,
        capacity_bytes: Option<u64>,
        available_bytes: Option<u64>,
    }
    let summary: Summary =
        serde_json::from_str(json).map_err(|e| format!("unexpected stats/summary: {e}"))?;
    Ok(summary
        .pods
        .into_iter()
        .filter(|p| p.pod_ref.namespace == namespace)
        .flat_map(|p| {
            let pod = p.pod_ref.name;
            p.volume.into_iter().filter_map(move |v| {
                let pvc = v.pvc_ref?;
                Some((
                    (pod.clone(), pvc.name),
                    Measured {
                        used: v.used_bytes?,
                        capacity: v.capacity_bytes,
                        available: v.available_bytes,
                    },
                ))
            })
        })
        .collect())
}

/// The row of `probe`: its numbers, or why there are none.
pub fn row(probe: &Probe, measured: std::result::Result<Measured, String>) -> UsageRow {
    let claim_capacity = probe.capacity.as_deref().and_then(|q| parse_bytes(q).ok());
    let (pod, path) = match &probe.target {
        Ok(t) => (Some(t.pod.clone()), Some(t.path.clone())),
        Err(_) => (None, None),
    };
    match measured {
        Ok(m) => {
            let capacity = m.capacity.or(claim_capacity);
            UsageRow {
                ordinal: probe.ordinal,
                pvc: probe.pvc.clone(),
                pod,
                path,
                used_bytes: Some(m.used),
                capacity_bytes: capacity,
                available_bytes: m.available,
                percent: capacity.and_then(|c| percent(m.used, c)),
                reason: None,
            }
        }
        Err(reason) => UsageRow {
            ordinal: probe.ordinal,
            pvc: probe.pvc.clone(),
            pod,
            path,
            used_bytes: None,
            capacity_bytes: claim_capacity,
            available_bytes: None,
            percent: None,
            reason: Some(reason),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::snapshot::fixtures::*;

    #[test]
    fn df_posix() {
        let out = "Filesystem     1024-blocks  Used Available Capacity Mounted on\n/dev/sdb           1048576     4   1048572       1% /data\n";
        let m = parse_df(out).unwrap();
        assert_eq!(m.used, 4096);
        assert_eq!(m.capacity, Some(1 << 30));
        assert_eq!(m.available, Some(1048572 * 1024));
        assert!(parse_df("").is_err());
        assert!(parse_df("garbage line").is_err());
    }

    #[test]
    fn summary_per_pod_and_claim() {
        let json = r#"{"node":{"nodeName":"node-1"},"pods":[
            {"podRef":{"name":"web-0","namespace":"default","uid":"u"},
             "volume":[{"name":"data","pvcRef":{"name":"data-web-0","namespace":"default"},
                        "usedBytes":3,"capacityBytes":1073741824,"availableBytes":1073741821},
                       {"name":"kube-api-access","usedBytes":1}]},
            {"podRef":{"name":"web-0","namespace":"other","uid":"v"},"volume":[]}]}"#;
        let stats = parse_summary(json, "default").unwrap();
        assert_eq!(stats.len(), 1);
        let m = stats[&("web-0".to_string(), "data-web-0".to_string())];
        assert_eq!(m.used, 3);
        assert_eq!(m.capacity, Some(1 << 30));
    }

    #[test]
    fn probes_explain_unmeasurable_rows() {
        let mut snap = snapshot(2, 0, &["data"], 0..3);
        snap.pods[1].status.as_mut().unwrap().phase = Some("Pending".into());
        let probes = probes(&snap);
        assert_eq!(probes.len(), 3);
        let t = probes[0].target.as_ref().unwrap();
        assert_eq!((t.pod.as_str(), t.path.as_str()), ("web-0", "/data"));
        assert_eq!(
            probes[1].target.as_ref().unwrap_err(),
            "pod web-1 is Pending"
        );
        assert_eq!(probes[2].target.as_ref().unwrap_err(), "orphaned: no pod");
        let r = row(&probes[2], Err("orphaned: no pod".into()));
        assert_eq!(r.capacity_bytes, Some(1 << 30));
        assert!(r.used_bytes.is_none());
        let r = row(
            &probes[0],
            Ok(Measured {
                used: 1 << 29,
                capacity: None,
                available: None,
            }),
        );
        assert_eq!(r.percent, Some(50));
    }
}

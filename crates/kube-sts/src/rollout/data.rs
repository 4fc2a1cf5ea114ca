//! `--data-check`: each pod's counter is read the way `kubectl sts-visits` reads it (the same
//! code: file by exec, or HTTP through the pod proxy, or discovery), before the pod restarts and
//! after it is Ready again. The driver only sees a [`CounterReader`]; a refused read is an
//! [`Error::Forbidden`], so that the run stops (paused) instead of counting it as data lost.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;

use super::driver::CounterReader;
use crate::cli::target::Target;
use crate::error::Error;
use crate::read::snapshot::Snapshot;
use crate::visits;
use crate::visits::source::SourceRequest;

/// A reader of one pod's counter through [`visits::read_snapshots`].
pub fn visits_reader(target: &Target, sts: &StatefulSet, request: SourceRequest) -> CounterReader {
    let target = target.clone();
    let sts = sts.clone();
    Arc::new(move |pod: Pod| {
        let target = target.clone();
        let sts = sts.clone();
        let request = request.clone();
        Box::pin(async move {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let snap = Snapshot {
                statefulset: sts,
                pods: vec![pod],
                claims: vec![],
                revisions: vec![],
                volumes: None,
                storage_classes: None,
                events: vec![],
                taken_at: jiff::Timestamp::now(),
            };
            let opts = visits::Options {
                request,
                ..Default::default()
            };
            let report = visits::read_snapshots(&target, &[snap], &opts).await;
            // Refused by RBAC: the error that names the verb and resource, not a missing count.
            if let Some((pod, refusal)) = &report.refused {
                return Err(refusal.to_error(pod));
            }
            let set = report
                .sets
                .first()
                .ok_or_else(|| Error::Other("no counter read".into()))?;
            if let Some(problem) = &set.problem {
                return Err(Error::Other(problem.clone()));
            }
            let item = set
                .items
                .iter()
                .find(|i| i.pod == name)
                .ok_or_else(|| Error::Other(format!("no counter read for {name}")))?;
            match (item.visits, &item.error) {
                (Some(v), _) => Ok(Some(v)),
                (None, Some(e)) => Err(Error::Other(e.clone())),
                (None, None) => Ok(None),
            }
        })
    })
}

//! Reads [`Snapshot`]s from the cluster with a constant number of requests, whatever the
//! replica count: the StatefulSets (one GET per named set, or one LIST), then one LIST each of
//! pods, claims, ControllerRevisions, PersistentVolumes and StorageClasses, and events only when
//! a claim is Pending. PVs, StorageClasses and events are optional: a 403 leaves them out.

pub mod snapshot;

use crate::k8s::selectors;

use futures::future::try_join3;
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Namespace, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams};
use kube::Client;

use crate::cli::target::{Scope, Target};
use crate::error::{Error, Result, Subject};
use crate::read::snapshot::{assemble, Listing, Snapshot};

fn api<K>(client: &Client, scope: &Scope) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    match scope.namespace() {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

async fn list<K>(api: &Api<K>, lp: &ListParams, subject: Subject) -> Result<Vec<K>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.list(lp)
        .await
        .map(|l| l.items)
        .map_err(|e| Error::from_kube(e, subject))
}

/// Like [`list`], but `None` when RBAC forbids it.
async fn list_optional<K>(api: &Api<K>, lp: &ListParams, subject: Subject) -> Result<Option<Vec<K>>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    match list(api, lp, subject).await {
        Ok(items) => Ok(Some(items)),
        Err(e) if e.is_forbidden() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The StatefulSets a command works on: the named ones (each must exist) or all selected by
/// `-l` in the scope.
pub async fn statefulsets(target: &Target, names: &[String]) -> Result<Vec<StatefulSet>> {
    let scope_ns = target.scope.namespace();
    if !names.is_empty() {
        if let Some(ns) = scope_ns {
            let sts_api: Api<StatefulSet> = Api::namespaced(target.client.clone(), ns);
            let mut found = Vec::with_capacity(names.len());
            for name in names {
                match sts_api.get(name).await {
                    Ok(sts) => found.push(sts),
                    Err(e) => {
                        let err = Error::from_kube(
                            e,
                            Subject::object("get", "statefulset", name, Some(ns)),
                        );
                        if err.is_not_found() {
                            ensure_namespace(&target.client, ns).await?;
                        }
                        return Err(err);
                    }
                }
            }
            return Ok(found);
        }
    }
    let mut lp = ListParams::default();
    if let Some(sel) = &target.selector {
        lp = lp.labels(sel);
    }
    let sts_api: Api<StatefulSet> = api(&target.client, &target.scope);
    let all = list(
        &sts_api,
        &lp,
        Subject::list("list", "statefulsets", scope_ns),
    )
    .await?;
    if all.is_empty() {
        if let Some(ns) = scope_ns {
            ensure_namespace(&target.client, ns).await?;
        }
    }
    if names.is_empty() {
        return Ok(all);
    }
    // -A with names: every name must exist somewhere.
    for name in names {
        if !all.iter().any(|s| s.metadata.name.as_deref() == Some(name)) {
            return Err(Error::NotFound {
                subject: Subject::object("get", "statefulset", name, None),
            });
        }
    }
    Ok(all
        .into_iter()
        .filter(|s| names.iter().any(|n| s.metadata.name.as_deref() == Some(n)))
        .collect())
}

/// Fails with "namespace not found" when the namespace does not exist (403 is not an answer).
async fn ensure_namespace(client: &Client, ns: &str) -> Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    match api.get(ns).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Err(Error::NamespaceNotFound(ns.into())),
        Err(_) => Ok(()),
    }
}

/// Reads snapshots of the given StatefulSets (already fetched) with a constant number of lists.
pub async fn snapshots_of(
    target: &Target,
    statefulsets: Vec<StatefulSet>,
) -> Result<Vec<Snapshot>> {
    if statefulsets.is_empty() {
        return Ok(vec![]);
    }
    let client = &target.client;
    // With one StatefulSet in one namespace, narrow namespaced lists by its selector.
    let scope = match (&target.scope, statefulsets.as_slice()) {
        (Scope::All, [one]) => Scope::Namespace(one.metadata.namespace.clone().unwrap_or_default()),
        (scope, _) => scope.clone(),
    };
    let ns = scope.namespace();
    let mut owned_lp = ListParams::default();
    if let [one] = statefulsets.as_slice() {
        if let Some(sel) = one
            .spec
            .as_ref()
            .map(|s| selectors::selector_string(&s.selector))
        {
            if !sel.is_empty() {
                owned_lp = owned_lp.labels(&sel);
            }
        }
    }
    let all = ListParams::default();
    let pods_api: Api<Pod> = api(client, &scope);
    let claims_api: Api<PersistentVolumeClaim> = api(client, &scope);
    let revs_api: Api<ControllerRevision> = api(client, &scope);
    let pv_api: Api<PersistentVolume> = Api::all(client.clone());
    let sc_api: Api<StorageClass> = Api::all(client.clone());
    let (pods, claims, revisions) = try_join3(
        list(&pods_api, &owned_lp, Subject::list("list", "pods", ns)),
        list(
            &claims_api,
            &all,
            Subject::list("list", "persistentvolumeclaims", ns),
        ),
        list_optional(
            &revs_api,
            &owned_lp,
            Subject::list("list", "controllerrevisions", ns),
        ),
    )
    .await?;
    let (volumes, storage_classes) = futures::future::try_join(
        list_optional(
            &pv_api,
            &all,
            Subject::list("list", "persistentvolumes", None),
        ),
        list_optional(&sc_api, &all, Subject::list("list", "storageclasses", None)),
    )
    .await?;
    let mut listing = Listing {
        statefulsets,
        pods,
        claims,
        revisions: revisions.unwrap_or_default(),
        volumes,
        storage_classes,
        events: vec![],
    };
    // Events explain Pending claims; skip the request when nothing in scope is Pending.
    let any_pending = listing
        .claims
        .iter()
        .any(|c| c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending"));
    if any_pending {
        let events_api: Api<Event> = api(client, &scope);
        let lp = ListParams::default().fields("involvedObject.kind=PersistentVolumeClaim");
        listing.events = list_optional(&events_api, &lp, Subject::list("list", "events", ns))
            .await?
            .unwrap_or_default();
    }
    Ok(assemble(listing, jiff::Timestamp::now()))
}

/// Reads snapshots of the named StatefulSets, or all selected ones in scope.
pub async fn snapshots(target: &Target, names: &[String]) -> Result<Vec<Snapshot>> {
    let sets = statefulsets(target, names).await?;
    snapshots_of(target, sets).await
}

/// The snapshot of one named StatefulSet with only what a rollout reads: the StatefulSet, its
/// pods and its ControllerRevisions (one GET and two LISTs, each required; no claims, volumes
/// or events), so that `kubectl sts-rollout` needs no rights on storage.
pub async fn workload_snapshot(target: &Target, name: &str) -> Result<Snapshot> {
    let sts = statefulsets(target, &[name.to_string()])
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound {
            subject: Subject::object("get", "statefulset", name, target.scope.namespace()),
        })?;
    let ns = sts.metadata.namespace.clone().unwrap_or_default();
    let mut lp = ListParams::default();
    if let Some(sel) = sts
        .spec
        .as_ref()
        .map(|s| selectors::selector_string(&s.selector))
        .filter(|s| !s.is_empty())
    {
        lp = lp.labels(&sel);
    }
    let pods_api: Api<Pod> = Api::namespaced(target.client.clone(), &ns);
    let revs_api: Api<ControllerRevision> = Api::namespaced(target.client.clone(), &ns);
    let (pods, revisions) = futures::future::try_join(
        list(&pods_api, &lp, Subject::list("list", "pods", Some(&ns))),
        list(
            &revs_api,
            &lp,
            Subject::list("list", "controllerrevisions", Some(&ns)),
        ),
    )
    .await?;
    let listing = Listing {
        statefulsets: vec![sts],
        pods,
        claims: vec![],
        revisions,
        volumes: None,
        storage_classes: None,
        events: vec![],
    };
    assemble(listing, jiff::Timestamp::now())
        .pop()
        .ok_or_else(|| Error::NotFound {
            subject: Subject::object("get", "statefulset", name, Some(&ns)),
        })
}

/// Reads the snapshot of exactly one named StatefulSet.
pub async fn snapshot(target: &Target, name: &str) -> Result<Snapshot> {
    let mut snaps = snapshots(target, &[name.to_string()]).await?;
    snaps.pop().ok_or_else(|| Error::NotFound {
        subject: Subject::object("get", "statefulset", name, target.scope.namespace()),
    })
}

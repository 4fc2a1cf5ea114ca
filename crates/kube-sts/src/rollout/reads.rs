//! The read-only commands: `status` (once, or `-w` from the rollout's watches), `history` and
//! `diff`. Each returns data; [`super::view`] renders it. They read the StatefulSet, its pods
//! and its revisions only ([`crate::read::workload_snapshot`]): no rights on storage needed.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};

use super::commands::Ctx;
use super::driver::{self, Checks, Driver};
use super::events::silent;
use super::history::{self, HistoryRow};
use super::model;
use super::status::{self, Extras, RolloutStatus};
use super::stop::Stop;
use super::view;
use crate::cli::target::Target;
use crate::error::Result;
use crate::k8s::owners;

/// Reads what `status` shows.
pub async fn status(target: &Target, name: &str) -> Result<RolloutStatus> {
    let ctx = Ctx::new(target, name, &silent())?;
    let snap = crate::read::workload_snapshot(target, name).await?;
    let extras = extras(&ctx, &snap.statefulset).await;
    status::status(&snap, &extras, jiff::Timestamp::now())
}

async fn extras(ctx: &Ctx, sts: &StatefulSet) -> Extras {
    let service = sts
        .spec
        .as_ref()
        .and_then(|s| s.service_name.clone())
        .filter(|s| !s.is_empty());
    let headless_service = match service {
        Some(svc) => {
            let api: Api<Service> = Api::namespaced(ctx.target.client.clone(), &ctx.namespace);
            match api.get_opt(&svc).await {
                Ok(Some(s)) => Some(s.spec.and_then(|s| s.cluster_ip).as_deref() == Some("None")),
                Ok(None) => Some(false),
                Err(_) => None,
            }
        }
        None => None,
    };
    Extras {
        headless_service,
        server_version: ctx.server_version().await,
    }
}

/// `status -w`: prints the status again whenever it changes, until Ctrl-C or `timeout`.
pub async fn watch_status(
    target: &Target,
    name: &str,
    timeout: Option<Duration>,
    mut render: impl FnMut(&RolloutStatus),
) -> Result<()> {
    let ctx = Ctx::new(target, name, &silent())?;
    let snap = crate::read::workload_snapshot(target, name).await?;
    let extras = extras(&ctx, &snap.statefulset).await;
    let mut last = status::status(&snap, &extras, jiff::Timestamp::now())?;
    render(&last);
    let mut revisions = snap.revisions.clone();
    let interrupted = driver::listen_for_interrupt();
    let mut d = Driver::open(
        target,
        &snap.statefulset,
        interrupted,
        view::printer(false),
        Checks::default(),
    );
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    loop {
        match d.wait_any(deadline).await {
            Ok(()) => {}
            Err(Stop::Interrupted) | Err(Stop::Timeout(_)) => return Ok(()),
            Err(Stop::Api(e)) => return Err(e),
            Err(_) => return Ok(()),
        }
        let Some(sts) = d.live.sts.clone() else {
            continue;
        };
        if !d.synced() {
            continue;
        }
        let update = model::update_revision(&sts).map(str::to_string);
        if update.is_some() && !revisions.iter().any(|r| r.metadata.name == update) {
            let api: Api<ControllerRevision> =
                Api::namespaced(target.client.clone(), &ctx.namespace);
            if let Ok(list) = api.list(&ListParams::default()).await {
                let uid = sts.metadata.uid.clone().unwrap_or_default();
                revisions = list
                    .items
                    .into_iter()
                    .filter(|r| owners::is_controlled_by(&r.metadata, &uid))
                    .collect();
            }
        }
        let snap = crate::read::snapshot::Snapshot {
            statefulset: sts,
            pods: d.live.pods.objects().values().cloned().collect(),
            claims: vec![],
            revisions: revisions.clone(),
            volumes: None,
            storage_classes: None,
            events: vec![],
            taken_at: jiff::Timestamp::now(),
        };
        let now = status::status(&snap, &extras, jiff::Timestamp::now())?;
        let changed = serde_json::to_value(&now).ok() != serde_json::to_value(&last).ok();
        if changed {
            render(&now);
            last = now;
        }
    }
}

/// Reads `history`.
pub async fn history(target: &Target, name: &str) -> Result<Vec<HistoryRow>> {
    let snap = crate::read::workload_snapshot(target, name).await?;
    Ok(history::history(&snap, jiff::Timestamp::now()))
}

/// `diff`: the unified diff of two revisions' templates.
pub async fn diff(
    target: &Target,
    name: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<String> {
    let snap = crate::read::workload_snapshot(target, name).await?;
    let revs = model::revisions(&snap.revisions);
    let (a, b) = history::diff_pair(&snap, &revs, from, to)?;
    let text = history::unified_diff(
        &history::template_yaml(&a.template),
        &history::template_yaml(&b.template),
        &format!("revision {} ({})", a.number, a.name),
        &format!("revision {} ({})", b.number, b.name),
    );
    Ok(text)
}

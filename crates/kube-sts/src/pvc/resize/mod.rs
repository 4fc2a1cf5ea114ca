//! `resize`: grow the volumes of one volumeClaimTemplate, the workflow Kubernetes does not offer
//! (templates are immutable). [`plan`] is pure (checks and the re-created object), [`backup`]
//! is the file written before anything changes, [`run`] drives the API.

pub mod backup;
pub mod plan;
pub mod run;

pub use backup::{default_backup_dir, read_backup, Backup};
pub use plan::{plan_resize, PodIdentity, ResizePlan, PLAN_KIND};
pub use run::{resize, restore, ResizeOptions, ResizeOutcome};

//! Simulated containers: what a container "is" is chosen by its image, and everything it
//! does (serving HTTP, answering `kubectl exec`) reads and writes the simulated volumes in
//! [`crate::runtime::fs`], so that data follows a claim across pod re-creation exactly as on a real
//! cluster.
//!
//! Image rules (the repository part is the image without its tag or digest; its *name* is the
//! part after the last `/`):
//!
//! - name starting with `visits` (`example/visits-app:1.0`): the seeds' web app. It serves its
//!   first `containerPort` (8080 without one). `GET /` records a visit in the file named by env
//!   `VISITS_FILE` (default `/data/visits`) and answers `Hello from <pod>!` / `Visits: N`;
//!   `GET /visits` answers the count; `GET /healthz` answers `ok`; `GET /metrics` answers
//!   Prometheus counters (`visits_total`, `http_requests_total{code,path}`, see
//!   [`crate::runtime::containers::app_metrics`]). Env `VISITS_FORMAT=count`
//!   (default) keeps one integer in the file, rewritten on each visit; `timestamps` appends one
//!   `HH:MM:SS.ffffff` UTC line per visit, like seed 004, and the count is the number of lines.
//! - a tag containing `broken` or `crash`: the HTTP port refuses connections.
//! - an image containing `distroless`: no shell and no binaries; every exec fails the way
//!   containerd reports it (`executable file not found in $PATH`).
//! - anything else (`busybox` and all other images): a small command interpreter with the
//!   usual applets (`cat`, `ls`, `df`, `echo`, `test`/`[`, `true`, `false`, `sleep`,
//!   `hostname`, `date`, `env`, `printenv`, `wc`, `head`, `tail`, `stat`, `pwd`, `touch`,
//!   `rm`, `mkdir`, `whoami`, `id`, `uname`) and `sh -c` for simple command lines (`;`,
//!   `&&`, `||`, `|`, quotes, `$VAR`, `>`, `>>`, `<`, `2>`, `2>&1`). Error wording follows
//!   busybox for images containing `busybox` and GNU coreutils / dash otherwise. `$(...)`
//!   and backticks are kept literally: user text is never evaluated twice, and arguments
//!   given as argv are never re-split.
//!
//! A container sees volumes through its `volumeMounts`: the longest matching `mountPath` wins,
//! a `persistentVolumeClaim` volume maps to the bound PersistentVolume's tree
//! ([`FileSystems::pv_volume`](crate::runtime::fs::FileSystems::pv_volume)), other volumes to `pod/<uid>/<volume>`, and everything else to
//! the container's own root `root/<uid>/<container>`. An ephemeral container with
//! `targetContainerName` sees its target's filesystem under `/proc/1/root`.

pub mod app_metrics;
mod images;
mod shell;
mod stats;
pub mod tar_applet;
#[cfg(test)]
pub(crate) mod tests;
mod view;
mod visits_app;

pub use images::{image_behaviour, Flavor, ImageBehaviour};
pub use shell::{run_command, CommandOutput, ExecResult, MAX_SLEEP};
pub use stats::{mount_capacity, node_stats_summary, parse_quantity};
pub use view::{find_container, normalize, ContainerView, Location, Mount, VolumeKind};
pub use visits_app::{
    parse_visits, pod_ip, serve_http, visits_file, visits_format, visits_in_file, visits_recorded,
    HttpAnswer, VisitsFormat,
};

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
//! ([`FileSystems::pv_volume`]), other volumes to `pod/<uid>/<volume>`, and everything else to
//! the container's own root `root/<uid>/<container>`. An ephemeral container with
//! `targetContainerName` sees its target's filesystem under `/proc/1/root`.

pub mod app_metrics;
pub mod tar_applet;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::machinery::resources::{NODES, PODS, PVCS, PVS};
use crate::runtime::fs::FileSystems;
use crate::state::State;

/// Which userland an image ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// busybox applets and `ash`.
    Busybox,
    /// A general distribution image (GNU coreutils wording, `dash` as `sh`).
    Generic,
    /// No shell and no binaries.
    Distroless,
}

/// What a container does, derived from its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageBehaviour {
    /// Runs the visits-counting web app.
    pub visits_app: bool,
    /// The HTTP port refuses connections (tag contains `broken` or `crash`).
    pub broken: bool,
    /// Which userland answers exec.
    pub flavor: Flavor,
}

/// Splits an image into (repository, tag); the digest is dropped.
fn split_image(image: &str) -> (&str, &str) {
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(i) => (&image[..last_slash + i], &image[last_slash + i + 1..]),
        None => (image, ""),
    }
}

/// Classifies an image by the rules of this module.
pub fn image_behaviour(image: &str) -> ImageBehaviour {
    let (repo, tag) = split_image(image);
    let name = repo.rsplit('/').next().unwrap_or(repo);
    let tag = tag.to_ascii_lowercase();
    let flavor = if image.contains("distroless") {
        Flavor::Distroless
    } else if image.contains("busybox") {
        Flavor::Busybox
    } else {
        Flavor::Generic
    };
    ImageBehaviour {
        visits_app: name.starts_with("visits"),
        broken: tag.contains("broken") || tag.contains("crash"),
        flavor,
    }
}

// ----------------------------------------------------------------------------------------
// Filesystem view
// ----------------------------------------------------------------------------------------

/// How a mounted volume is backed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeKind {
    /// The container's own root filesystem.
    Root,
    /// A claim (`persistentVolumeClaim.claimName`), with the bound PV if any.
    Claim {
        /// Claim name.
        claim: String,
        /// Bound PersistentVolume.
        pv: Option<String>,
    },
    /// `emptyDir`.
    EmptyDir,
    /// Any other volume type (configMap, secret, projected...).
    Other,
}

/// One `volumeMounts` entry, resolved to a volume id.
#[derive(Debug, Clone)]
pub struct Mount {
    /// Normalised mount path.
    pub path: String,
    /// Name of the pod volume.
    pub volume_name: String,
    /// Id of the volume in [`FileSystems`].
    pub volume_id: String,
    /// `subPath` inside the volume (empty for the whole volume).
    pub sub_path: String,
    /// Mounted read-only.
    pub read_only: bool,
    /// What backs it.
    pub kind: VolumeKind,
}

/// Where an absolute path of a container lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Volume id in [`FileSystems`].
    pub volume: String,
    /// Path inside the volume, without a leading `/` (empty for the volume root).
    pub rel: String,
    /// The mount point in the container that owns the path (`/` for the root).
    pub mount_path: String,
    /// Whether the path is on a read-only mount.
    pub read_only: bool,
}

/// A container as its processes see it: identity, mounts, environment and ports.
#[derive(Debug, Clone)]
pub struct ContainerView {
    /// Namespace of the pod.
    pub namespace: String,
    /// Pod name.
    pub pod_name: String,
    /// Pod uid.
    pub pod_uid: String,
    /// Host name inside the pod (`spec.hostname`, else the pod name).
    pub hostname: String,
    /// Container name.
    pub name: String,
    /// Image.
    pub image: String,
    /// What the image does.
    pub behaviour: ImageBehaviour,
    /// Mounts, longest path first.
    pub mounts: Vec<Mount>,
    /// Environment (`PATH`, `HOSTNAME`, `HOME`, then the container's `env` values).
    pub env: Vec<(String, String)>,
    /// Working directory.
    pub working_dir: String,
    /// Declared container ports (name, number).
    pub ports: Vec<(Option<String>, u16)>,
    /// Whether this is an ephemeral container.
    pub ephemeral: bool,
    /// The target container's view for an ephemeral container with `targetContainerName`.
    pub target: Option<Box<ContainerView>>,
}

const WELL_KNOWN_DIRS: &[&str] = &[
    "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr", "/var",
];

/// Normalises `path` against `cwd`: absolute, `.` and `..` resolved, no trailing `/`.
pub fn normalize(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn join_rel(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// Finds a container spec by name among containers, init and ephemeral containers;
/// returns it with whether it is ephemeral.
pub fn find_container<'a>(pod: &'a Value, name: &str) -> Option<(&'a Value, bool)> {
    for (list, ephemeral) in [
        ("containers", false),
        ("initContainers", false),
        ("ephemeralContainers", true),
    ] {
        if let Some(c) = pod["spec"][list]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["name"] == name))
        {
            return Some((c, ephemeral));
        }
    }
    None
}

fn volume_for(state: &State, pod: &Value, ns: &str, uid: &str, name: &str) -> (String, VolumeKind) {
    let vol = pod["spec"]["volumes"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["name"] == name));
    let own = format!("pod/{uid}/{name}");
    let Some(vol) = vol else {
        return (own, VolumeKind::Other);
    };
    if let Some(claim) = vol["persistentVolumeClaim"]["claimName"].as_str() {
        let pv = state
            .store
            .get(&PVCS, ns, claim)
            .and_then(|c| c["spec"]["volumeName"].as_str().map(str::to_string))
            .filter(|s| !s.is_empty());
        let id = pv.as_deref().map(FileSystems::pv_volume).unwrap_or(own);
        return (
            id,
            VolumeKind::Claim {
                claim: claim.to_string(),
                pv,
            },
        );
    }
    if vol.get("emptyDir").is_some() {
        return (own, VolumeKind::EmptyDir);
    }
    (own, VolumeKind::Other)
}

impl ContainerView {
    /// The view of container `container` of `pod` (regular, init or ephemeral).
    pub fn new(state: &State, pod: &Value, container: &str) -> Option<ContainerView> {
        let (spec, ephemeral) = find_container(pod, container)?;
        let ns = pod["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let pod_name = pod["metadata"]["name"].as_str().unwrap_or("").to_string();
        let uid = pod["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let hostname = pod["spec"]["hostname"]
            .as_str()
            .filter(|h| !h.is_empty())
            .unwrap_or(&pod_name)
            .to_string();
        let image = spec["image"].as_str().unwrap_or("").to_string();
        let mut mounts: Vec<Mount> = spec["volumeMounts"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| {
                        let volume_name = m["name"].as_str()?.to_string();
                        let path = normalize("/", m["mountPath"].as_str()?);
                        let (volume_id, kind) = volume_for(state, pod, &ns, &uid, &volume_name);
                        Some(Mount {
                            path,
                            volume_name,
                            volume_id,
                            sub_path: m["subPath"]
                                .as_str()
                                .map(|s| s.trim_matches('/').to_string())
                                .unwrap_or_default(),
                            read_only: m["readOnly"].as_bool().unwrap_or(false),
                            kind,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.path.len()));
        let mut env = vec![
            (
                "PATH".to_string(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            ),
            ("HOSTNAME".to_string(), hostname.clone()),
            ("HOME".to_string(), "/root".to_string()),
        ];
        for e in spec["env"].as_array().into_iter().flatten() {
            if let Some(k) = e["name"].as_str() {
                let v = e["value"].as_str().unwrap_or("").to_string();
                env.retain(|(n, _)| n != k);
                env.push((k.to_string(), v));
            }
        }
        let ports = spec["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let n = p["containerPort"].as_u64()?;
                Some((
                    p["name"].as_str().map(str::to_string),
                    u16::try_from(n).ok()?,
                ))
            })
            .collect();
        let target = if ephemeral {
            spec["targetContainerName"]
                .as_str()
                .filter(|t| *t != container)
                .and_then(|t| ContainerView::new(state, pod, t))
                .map(Box::new)
        } else {
            None
        };
        Some(ContainerView {
            namespace: ns,
            pod_name,
            pod_uid: uid,
            hostname,
            name: container.to_string(),
            behaviour: image_behaviour(&image),
            image,
            mounts,
            env,
            working_dir: normalize("/", spec["workingDir"].as_str().unwrap_or("/")),
            ports,
            ephemeral,
            target,
        })
    }

    /// Volume id of the container's own root filesystem.
    pub fn root_volume(&self) -> String {
        format!("root/{}/{}", self.pod_uid, self.name)
    }

    /// An environment variable.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Splits `/proc/1/root/...` off an absolute path: the view that owns the rest.
    fn owner<'a>(&'a self, abs: &str) -> (&'a ContainerView, String) {
        const PROC_ROOT: &str = "/proc/1/root";
        if let Some(rest) = abs.strip_prefix(PROC_ROOT) {
            if rest.is_empty() || rest.starts_with('/') {
                let view = self.target.as_deref().unwrap_or(self);
                let rest = if rest.is_empty() { "/" } else { rest };
                return (view, rest.to_string());
            }
        }
        (self, abs.to_string())
    }

    /// Resolves a path (absolute, or relative to the working directory).
    pub fn resolve(&self, path: &str) -> Location {
        let abs = normalize(&self.working_dir, path);
        let (view, abs) = self.owner(&abs);
        view.resolve_own(&abs)
    }

    fn resolve_own(&self, abs: &str) -> Location {
        for m in &self.mounts {
            let rest = if m.path == "/" {
                Some(abs.trim_start_matches('/'))
            } else if abs == m.path {
                Some("")
            } else {
                abs.strip_prefix(&m.path).and_then(|r| r.strip_prefix('/'))
            };
            if let Some(rest) = rest {
                return Location {
                    volume: m.volume_id.clone(),
                    rel: join_rel(&m.sub_path, rest),
                    mount_path: m.path.clone(),
                    read_only: m.read_only,
                };
            }
        }
        Location {
            volume: self.root_volume(),
            rel: abs.trim_start_matches('/').to_string(),
            mount_path: "/".to_string(),
            read_only: false,
        }
    }

    /// The mount that owns a path (`None` for the root filesystem), and the view it is in.
    pub fn mount_of(&self, path: &str) -> (&ContainerView, Option<&Mount>) {
        let abs = normalize(&self.working_dir, path);
        let (view, abs) = self.owner(&abs);
        let loc = view.resolve_own(&abs);
        (view, view.mounts.iter().find(|m| m.path == loc.mount_path))
    }

    /// Whether a path is a directory.
    pub fn is_dir(&self, fs: &FileSystems, path: &str) -> bool {
        let abs = normalize(&self.working_dir, path);
        let (view, own) = self.owner(&abs);
        if own == "/" || WELL_KNOWN_DIRS.contains(&own.as_str()) {
            return true;
        }
        if abs == "/proc/1" {
            return true;
        }
        let prefix = format!("{own}/");
        if view
            .mounts
            .iter()
            .any(|m| m.path == own || m.path.starts_with(&prefix))
        {
            return true;
        }
        let loc = view.resolve_own(&own);
        fs.is_dir(&loc.volume, &loc.rel)
    }

    /// A regular file's contents.
    pub fn read_file(&self, fs: &FileSystems, path: &str) -> Option<Vec<u8>> {
        if self.is_dir(fs, path) {
            return None;
        }
        let loc = self.resolve(path);
        fs.read(&loc.volume, &loc.rel)
    }

    /// Whether a path exists (file or directory).
    pub fn exists(&self, fs: &FileSystems, path: &str) -> bool {
        self.is_dir(fs, path) || self.read_file(fs, path).is_some()
    }

    /// Names inside a directory (files, subdirectories and mount points).
    pub fn list_dir(&self, fs: &FileSystems, path: &str) -> Vec<String> {
        let abs = normalize(&self.working_dir, path);
        let (view, own) = self.owner(&abs);
        let loc = view.resolve_own(&own);
        let mut names: BTreeSet<String> = fs.list(&loc.volume, &loc.rel).into_iter().collect();
        let prefix = if own == "/" {
            "/".to_string()
        } else {
            format!("{own}/")
        };
        for m in &view.mounts {
            if let Some(rest) = m.path.strip_prefix(&prefix) {
                if let Some(first) = rest.split('/').next().filter(|s| !s.is_empty()) {
                    names.insert(first.to_string());
                }
            }
        }
        for d in WELL_KNOWN_DIRS {
            if let Some(rest) = d.strip_prefix(&prefix) {
                names.insert(rest.to_string());
            }
        }
        if abs == "/proc" {
            names.insert("1".to_string());
        } else if abs == "/proc/1" {
            names.insert("root".to_string());
        }
        names.into_iter().collect()
    }

    /// Writes (or appends to) a file; the error is the `strerror` text.
    pub fn write_file(
        &self,
        fs: &FileSystems,
        path: &str,
        data: &[u8],
        append: bool,
    ) -> Result<(), &'static str> {
        self.write_file_with(fs, path, data, append, false)
    }

    /// Like [`ContainerView::write_file`], optionally creating missing parent directories
    /// (as an app calling `mkdir -p` first would).
    pub fn write_file_with(
        &self,
        fs: &FileSystems,
        path: &str,
        data: &[u8],
        append: bool,
        create_dirs: bool,
    ) -> Result<(), &'static str> {
        let abs = normalize(&self.working_dir, path);
        if self.is_dir(fs, &abs) {
            return Err("Is a directory");
        }
        let parent = match abs.rfind('/') {
            Some(0) | None => "/".to_string(),
            Some(i) => abs[..i].to_string(),
        };
        if !create_dirs && !self.is_dir(fs, &parent) {
            return Err("nonexistent directory");
        }
        let loc = self.resolve(&abs);
        if loc.read_only {
            return Err("Read-only file system");
        }
        let res = if append {
            fs.append(&loc.volume, &loc.rel, data)
        } else {
            fs.write(&loc.volume, &loc.rel, data.to_vec())
        };
        res.map_err(|_| "No space left on device")
    }

    /// The port the container's app listens on (`None` when it serves nothing).
    pub fn serving_port(&self) -> Option<u16> {
        if !self.behaviour.visits_app {
            return None;
        }
        Some(self.ports.first().map_or(8080, |p| p.1))
    }
}

// ----------------------------------------------------------------------------------------
// Capacity and quantities
// ----------------------------------------------------------------------------------------

/// A storage quantity in bytes (`5Mi`, `1G`, `1.5Ki`), via the API server's parser.
pub fn parse_quantity(q: &str) -> Option<u64> {
    crate::machinery::validation::parse_quantity(q.trim())
        .ok()
        .and_then(|b| u64::try_from(b).ok())
}

const ROOT_FS_BYTES: u64 = 20 << 30;
const EPHEMERAL_BYTES: u64 = 10 << 30;

/// Capacity in bytes of the volume behind a mount (`None`: the root filesystem).
pub fn mount_capacity(state: &State, namespace: &str, mount: Option<&Mount>) -> u64 {
    let Some(m) = mount else {
        return ROOT_FS_BYTES;
    };
    let (_, cap) = state.fs.usage(&m.volume_id);
    if cap > 0 {
        return cap;
    }
    match &m.kind {
        VolumeKind::Claim { claim, pv } => {
            let from_pv = pv
                .as_deref()
                .and_then(|pv| state.store.get(&PVS, "", pv))
                .and_then(|pv| {
                    pv["spec"]["capacity"]["storage"]
                        .as_str()
                        .and_then(parse_quantity)
                });
            let from_claim = || {
                state.store.get(&PVCS, namespace, claim).and_then(|c| {
                    c["status"]["capacity"]["storage"]
                        .as_str()
                        .or(c["spec"]["resources"]["requests"]["storage"].as_str())
                        .and_then(parse_quantity)
                })
            };
            from_pv
                .or_else(from_claim)
                .unwrap_or(state.opts.default_volume_bytes)
        }
        _ => EPHEMERAL_BYTES,
    }
}

// ----------------------------------------------------------------------------------------
// The visits web app
// ----------------------------------------------------------------------------------------

/// An HTTP answer of a simulated app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
}

impl HttpAnswer {
    fn text(status: u16, body: impl Into<String>) -> Self {
        HttpAnswer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into().into_bytes(),
        }
    }
}

/// How the app keeps its visits file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitsFormat {
    /// One integer, rewritten on each visit.
    Count,
    /// One `HH:MM:SS.ffffff` line appended per visit.
    Timestamps,
}

/// Serialises read-modify-write of visits files (requests arrive concurrently).
static VISITS_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Reserved volume where served visits are counted per pod name (not visible to pods).
const SERVED_VOLUME: &str = "sim/visits-served";

/// The visits file of an app container (env `VISITS_FILE`, default `/data/visits`).
pub fn visits_file(view: &ContainerView) -> String {
    normalize(
        &view.working_dir,
        view.env_var("VISITS_FILE")
            .filter(|s| !s.is_empty())
            .unwrap_or("/data/visits"),
    )
}

/// The file format of an app container (env `VISITS_FORMAT`).
pub fn visits_format(view: &ContainerView) -> VisitsFormat {
    match view.env_var("VISITS_FORMAT") {
        Some("timestamps") => VisitsFormat::Timestamps,
        _ => VisitsFormat::Count,
    }
}

/// Parses a visits file in either format.
pub fn parse_visits(content: &[u8], format: VisitsFormat) -> u64 {
    let text = String::from_utf8_lossy(content);
    match format {
        VisitsFormat::Count => text.trim().parse().unwrap_or(0),
        VisitsFormat::Timestamps => text.lines().filter(|l| !l.trim().is_empty()).count() as u64,
    }
}

fn record_visit(state: &State, view: &ContainerView) -> Result<u64, &'static str> {
    let _guard = VISITS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = visits_file(view);
    let format = visits_format(view);
    let current = view.read_file(&state.fs, &path).unwrap_or_default();
    let count = parse_visits(&current, format) + 1;
    match format {
        VisitsFormat::Count => {
            view.write_file_with(&state.fs, &path, count.to_string().as_bytes(), false, true)?
        }
        VisitsFormat::Timestamps => {
            let line = format!("{}\n", jiff::Timestamp::now().strftime("%H:%M:%S.%6f"));
            view.write_file_with(&state.fs, &path, line.as_bytes(), true, true)?
        }
    }
    let key = format!("{}/{}", view.namespace, view.pod_name);
    let served = state
        .fs
        .read(SERVED_VOLUME, &key)
        .map(|b| parse_visits(&b, VisitsFormat::Count))
        .unwrap_or(0);
    let _ = state
        .fs
        .write(SERVED_VOLUME, &key, (served + 1).to_string().into_bytes());
    Ok(count)
}

/// How many `GET /` the app served in pods of this name (across re-creations).
pub fn visits_recorded(state: &State, namespace: &str, pod: &str) -> u64 {
    state
        .fs
        .read(SERVED_VOLUME, &format!("{namespace}/{pod}"))
        .map(|b| parse_visits(&b, VisitsFormat::Count))
        .unwrap_or(0)
}

/// The count in a pod's visits file, read through its first visits-app container.
pub fn visits_in_file(state: &State, namespace: &str, pod: &str) -> Option<u64> {
    let obj = state.store.get(&PODS, namespace, pod)?;
    let view = obj["spec"]["containers"]
        .as_array()?
        .iter()
        .filter_map(|c| ContainerView::new(state, &obj, c["name"].as_str()?))
        .find(|v| v.behaviour.visits_app)?;
    let content = view.read_file(&state.fs, &visits_file(&view))?;
    Some(parse_visits(&content, visits_format(&view)))
}

/// Handles one HTTP request to the app of a container (the caller checked that it listens).
pub fn serve_http(state: &State, view: &ContainerView, method: &str, path: &str) -> HttpAnswer {
    let answer = answer_http(state, view, method, path);
    if view.behaviour.visits_app {
        let path = path
            .split('?')
            .next()
            .filter(|p| !p.is_empty())
            .unwrap_or("/");
        crate::apiserver::logs::record_request(state, view, method, path, answer.status);
    }
    answer
}

fn answer_http(state: &State, view: &ContainerView, method: &str, path: &str) -> HttpAnswer {
    if !view.behaviour.visits_app {
        return HttpAnswer::text(404, "404 page not found\n");
    }
    let path = path.split('?').next().unwrap_or("");
    let path = if path.is_empty() { "/" } else { path };
    if method != "GET" && method != "HEAD" {
        return HttpAnswer::text(405, "Method Not Allowed\n");
    }
    let answer = match path {
        "/" => match record_visit(state, view) {
            Ok(n) => HttpAnswer::text(200, format!("Hello from {}!\nVisits: {n}\n", view.pod_name)),
            Err(e) => HttpAnswer::text(500, format!("Internal Server Error: {e}\n")),
        },
        "/visits" => {
            let content = view
                .read_file(&state.fs, &visits_file(view))
                .unwrap_or_default();
            HttpAnswer::text(
                200,
                format!("{}\n", parse_visits(&content, visits_format(view))),
            )
        }
        "/healthz" => HttpAnswer::text(200, "ok"),
        "/metrics" => crate::runtime::containers::app_metrics::page(state, view),
        _ => HttpAnswer::text(404, "404 page not found\n"),
    };
    crate::runtime::containers::app_metrics::count_request(state, view, path, answer.status);
    answer
}

/// The pod's IP: `status.podIP`, else one derived from its uid (stable per pod).
pub fn pod_ip(pod: &Value) -> String {
    if let Some(ip) = pod["status"]["podIP"].as_str().filter(|s| !s.is_empty()) {
        return ip.to_string();
    }
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("");
    let h = uid
        .bytes()
        .fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    format!("10.244.{}.{}", (h >> 8) % 250 + 1, h % 250 + 2)
}

// ----------------------------------------------------------------------------------------
// Node stats (kubelet Summary API)
// ----------------------------------------------------------------------------------------

/// The kubelet Summary API (`/api/v1/nodes/NODE/proxy/stats/summary`) for the pods on `node`.
pub fn node_stats_summary(state: &State, node: &str) -> Value {
    let now = crate::machinery::store::now_rfc3339();
    let node_start = state
        .store
        .get(&NODES, "", node)
        .and_then(|n| {
            n["metadata"]["creationTimestamp"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| now.clone());
    let mut pods = Vec::new();
    for pod in state.store.list(&PODS, None).0 {
        if pod["spec"]["nodeName"].as_str() != Some(node) {
            continue;
        }
        if matches!(
            pod["status"]["phase"].as_str(),
            Some("Succeeded" | "Failed")
        ) {
            continue;
        }
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
        let uid = pod["metadata"]["uid"].as_str().unwrap_or("");
        let start = pod["status"]["startTime"]
            .as_str()
            .or(pod["metadata"]["creationTimestamp"].as_str())
            .unwrap_or(&now)
            .to_string();
        let mut volumes = Vec::new();
        for vol in pod["spec"]["volumes"].as_array().into_iter().flatten() {
            let Some(name) = vol["name"].as_str() else {
                continue;
            };
            let (volume_id, kind) = volume_for(state, &pod, ns, uid, name);
            let mount = Mount {
                path: String::new(),
                volume_name: name.to_string(),
                volume_id: volume_id.clone(),
                sub_path: String::new(),
                read_only: false,
                kind: kind.clone(),
            };
            let capacity = mount_capacity(state, ns, Some(&mount));
            let used = state.fs.usage(&volume_id).0;
            let files = used / 4096;
            let inodes = (capacity / 4096).max(files);
            let mut v = json!({
                "time": now,
                "availableBytes": capacity.saturating_sub(used),
                "capacityBytes": capacity,
                "usedBytes": used,
                "inodesFree": inodes - files,
                "inodes": inodes,
                "inodesUsed": files,
                "name": name,
            });
            if let VolumeKind::Claim { claim, .. } = &kind {
                v["pvcRef"] = json!({"name": claim, "namespace": ns});
            }
            volumes.push(v);
        }
        let containers: Vec<Value> = pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                json!({
                    "name": c["name"],
                    "startTime": start,
                    "cpu": {"time": now, "usageNanoCores": 1_000_000, "usageCoreNanoSeconds": 1_000_000_000u64},
                    "memory": {"time": now, "workingSetBytes": 8u64 << 20, "usageBytes": 10u64 << 20, "rssBytes": 6u64 << 20},
                })
            })
            .collect();
        pods.push(json!({
            "podRef": {"name": pod["metadata"]["name"], "namespace": ns, "uid": uid},
            "startTime": start,
            "containers": containers,
            "volume": volumes,
        }));
    }
    json!({
        "node": {
            "nodeName": node,
            "systemContainers": [],
            "startTime": node_start,
            "cpu": {"time": now, "usageNanoCores": 50_000_000, "usageCoreNanoSeconds": 1_000_000_000_000u64},
            "memory": {"time": now, "availableBytes": 6u64 << 30, "usageBytes": 2u64 << 30, "workingSetBytes": 2u64 << 30},
            "fs": {"time": now, "availableBytes": 80u64 << 30, "capacityBytes": 100u64 << 30, "usedBytes": 20u64 << 30},
        },
        "pods": pods,
    })
}

// ----------------------------------------------------------------------------------------
// Exec: the command interpreter
// ----------------------------------------------------------------------------------------

/// How an exec ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecResult {
    /// The process ran and exited with this code.
    Exit(i32),
    /// The runtime could not start the process; the OCI error text
    /// (`exec: "cat": executable file not found in $PATH`).
    StartFailed(String),
}

/// Everything an exec produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// Exit code or start failure.
    pub result: ExecResult,
    /// Time the command sleeps (the caller waits it out; capped at [`MAX_SLEEP`]).
    pub sleep: Duration,
}

/// Upper bound of the total time `sleep` may take in one exec.
pub const MAX_SLEEP: Duration = Duration::from_secs(5);

const APPLETS: &[&str] = &[
    "cat", "ls", "df", "echo", "test", "[", "true", "false", "sleep", "hostname", "date", "env",
    "printenv", "wc", "head", "tail", "stat", "pwd", "touch", "rm", "mkdir", "whoami", "id",
    "uname", "sh", "ash", "tar",
];
const BIN_DIRS: &[&str] = &["/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin"];

/// The applet an `argv[0]` names in this image, if it exists there.
fn applet_name(flavor: Flavor, cmd: &str) -> Option<String> {
    if flavor == Flavor::Distroless {
        return None;
    }
    let (dir, base) = match cmd.rfind('/') {
        Some(i) => (Some(normalize("/", &cmd[..i.max(1)])), &cmd[i + 1..]),
        None => (None, cmd),
    };
    if let Some(dir) = dir {
        if !BIN_DIRS.contains(&dir.as_str()) {
            return None;
        }
    }
    let known = APPLETS.contains(&base) || (flavor == Flavor::Generic && base == "bash");
    known.then(|| base.to_string())
}

/// The runtime's error text for a binary that does not exist.
fn not_found_text(cmd: &str) -> String {
    if cmd.contains('/') {
        format!("exec: \"{cmd}\": stat {cmd}: no such file or directory")
    } else {
        format!("exec: \"{cmd}\": executable file not found in $PATH")
    }
}

/// Runs `argv` in a container as the runtime would (no shell unless argv names one).
pub fn run_command(
    state: &State,
    view: &ContainerView,
    argv: &[String],
    stdin: &[u8],
) -> CommandOutput {
    let Some(cmd) = argv.first() else {
        return CommandOutput {
            stdout: Vec::new(),
            stderr: Vec::new(),
            result: ExecResult::StartFailed(not_found_text("")),
            sleep: Duration::ZERO,
        };
    };
    let Some(applet) = applet_name(view.behaviour.flavor, cmd) else {
        return CommandOutput {
            stdout: Vec::new(),
            stderr: Vec::new(),
            result: ExecResult::StartFailed(not_found_text(cmd)),
            sleep: Duration::ZERO,
        };
    };
    let mut sh = Shell::new(state, view);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = sh.applet(&applet, &argv[1..], stdin, &mut out, &mut err);
    CommandOutput {
        stdout: out,
        stderr: err,
        result: ExecResult::Exit(code),
        sleep: sh.sleep,
    }
}

/// One word of a command line: literal and variable segments, expanded at run time.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Lit(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Word {
    segs: Vec<Seg>,
    quoted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RedirKind {
    Out,
    Append,
    In,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(Word),
    /// `;`, `&`, newline, `&&`, `||`, `|`.
    Op(&'static str),
    /// `[fd]>`, `[fd]>>`, `<`; the target is the next word.
    Redir(u8, RedirKind),
    /// `2>&1` (from, to).
    Dup(u8, u8),
}

#[derive(Debug, Default, Clone)]
struct SimpleCmd {
    words: Vec<Word>,
    redirs: Vec<(u8, RedirKind, Word)>,
    dups: Vec<(u8, u8)>,
}

/// A parse error (`sh: syntax error: unexpected ...`).
#[derive(Debug)]
struct Syntax(String);

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn lex(src: &str) -> Result<Vec<Tok>, Syntax> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut word: Option<Word> = None;
    fn push_lit(w: &mut Option<Word>, c: char) {
        let w = w.get_or_insert(Word {
            segs: Vec::new(),
            quoted: false,
        });
        if let Some(Seg::Lit(s)) = w.segs.last_mut() {
            s.push(c);
        } else {
            w.segs.push(Seg::Lit(c.to_string()));
        }
    }
    fn flush(w: &mut Option<Word>, toks: &mut Vec<Tok>) {
        if let Some(w) = w.take() {
            toks.push(Tok::Word(w));
        }
    }
    // Reads `$NAME`, `${NAME}`, `$?`, `$1`, `$#` at chars[i] == '$'; returns the new index.
    fn var(chars: &[char], i: usize, w: &mut Option<Word>) -> usize {
        let next = chars.get(i + 1).copied();
        match next {
            Some('{') => {
                if let Some(end) = chars[i + 2..].iter().position(|c| *c == '}') {
                    let name: String = chars[i + 2..i + 2 + end].iter().collect();
                    w.get_or_insert(Word {
                        segs: Vec::new(),
                        quoted: false,
                    })
                    .segs
                    .push(Seg::Var(name));
                    return i + 3 + end;
                }
                push_lit(w, '$');
                i + 1
            }
            Some(c) if c == '?' || c == '#' || c.is_ascii_digit() => {
                w.get_or_insert(Word {
                    segs: Vec::new(),
                    quoted: false,
                })
                .segs
                .push(Seg::Var(c.to_string()));
                i + 2
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len() && is_name_char(chars[j]) {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                w.get_or_insert(Word {
                    segs: Vec::new(),
                    quoted: false,
                })
                .segs
                .push(Seg::Var(name));
                j
            }
            _ => {
                push_lit(w, '$');
                i + 1
            }
        }
    }
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                flush(&mut word, &mut toks);
                i += 1;
            }
            '#' if word.is_none() => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\n' | ';' => {
                flush(&mut word, &mut toks);
                toks.push(Tok::Op(";"));
                i += 1;
            }
            '&' | '|' => {
                flush(&mut word, &mut toks);
                let double = chars.get(i + 1) == Some(&c);
                toks.push(Tok::Op(match (c, double) {
                    ('&', true) => "&&",
                    ('|', true) => "||",
                    ('|', false) => "|",
                    _ => ";",
                }));
                i += if double { 2 } else { 1 };
            }
            '>' | '<' => {
                // A lone unquoted digit right before `>` is the fd.
                let mut fd = if c == '>' { 1 } else { 0 };
                if let Some(w) = &word {
                    if let [Seg::Lit(s)] = w.segs.as_slice() {
                        if !w.quoted && (s == "1" || s == "2") {
                            fd = if s == "1" { 1 } else { 2 };
                            word = None;
                        }
                    }
                }
                flush(&mut word, &mut toks);
                if c == '<' {
                    toks.push(Tok::Redir(0, RedirKind::In));
                    i += 1;
                } else if chars.get(i + 1) == Some(&'>') {
                    toks.push(Tok::Redir(fd, RedirKind::Append));
                    i += 2;
                } else if chars.get(i + 1) == Some(&'&') {
                    match chars.get(i + 2) {
                        Some(d @ ('1' | '2')) => {
                            toks.push(Tok::Dup(fd, if *d == '1' { 1 } else { 2 }));
                            i += 3;
                        }
                        _ => return Err(Syntax("unexpected redirection".into())),
                    }
                } else {
                    toks.push(Tok::Redir(fd, RedirKind::Out));
                    i += 1;
                }
            }
            '\'' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '\'')
                    .ok_or_else(|| Syntax("unterminated quoted string".into()))?;
                let w = word.get_or_insert(Word {
                    segs: Vec::new(),
                    quoted: true,
                });
                w.quoted = true;
                for ch in &chars[i + 1..i + 1 + end] {
                    push_lit(&mut word, *ch);
                }
                i += end + 2;
            }
            '"' => {
                word.get_or_insert(Word {
                    segs: Vec::new(),
                    quoted: true,
                })
                .quoted = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(Syntax("unterminated quoted string".into())),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            push_lit(&mut word, chars[i + 1]);
                            i += 2;
                        }
                        Some('$') => i = var(&chars, i, &mut word),
                        Some(ch) => {
                            push_lit(&mut word, *ch);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => {
                match chars.get(i + 1) {
                    Some('\n') => {}
                    Some(ch) => {
                        word.get_or_insert(Word {
                            segs: Vec::new(),
                            quoted: true,
                        })
                        .quoted = true;
                        push_lit(&mut word, *ch);
                    }
                    None => push_lit(&mut word, '\\'),
                }
                i += 2;
            }
            '$' => i = var(&chars, i, &mut word),
            _ => {
                push_lit(&mut word, c);
                i += 1;
            }
        }
    }
    flush(&mut word, &mut toks);
    Ok(toks)
}

/// A parsed script: pipelines joined by `;`, `&&`, `||` (the operator before each one).
type Script = Vec<(&'static str, Vec<SimpleCmd>)>;

fn parse(toks: Vec<Tok>) -> Result<Script, Syntax> {
    let mut script: Script = Vec::new();
    let mut pipeline: Vec<SimpleCmd> = Vec::new();
    let mut cmd = SimpleCmd::default();
    let mut connector: &'static str = ";";
    let mut it = toks.into_iter().peekable();
    let empty = |c: &SimpleCmd| c.words.is_empty() && c.redirs.is_empty() && c.dups.is_empty();
    while let Some(t) = it.next() {
        match t {
            Tok::Word(w) => cmd.words.push(w),
            Tok::Redir(fd, kind) => match it.next() {
                Some(Tok::Word(w)) => cmd.redirs.push((fd, kind, w)),
                _ => return Err(Syntax("unexpected redirection".into())),
            },
            Tok::Dup(from, to) => cmd.dups.push((from, to)),
            Tok::Op("|") => {
                if empty(&cmd) {
                    return Err(Syntax("unexpected \"|\"".into()));
                }
                pipeline.push(std::mem::take(&mut cmd));
            }
            Tok::Op(op) => {
                if empty(&cmd) {
                    if !pipeline.is_empty() || op != ";" {
                        return Err(Syntax(format!("unexpected \"{op}\"")));
                    }
                    continue;
                }
                pipeline.push(std::mem::take(&mut cmd));
                script.push((connector, std::mem::take(&mut pipeline)));
                connector = if op == "&&" || op == "||" { op } else { ";" };
            }
        }
    }
    if !empty(&cmd) {
        pipeline.push(cmd);
    }
    if !pipeline.is_empty() {
        script.push((connector, pipeline));
    } else if connector != ";" {
        return Err(Syntax("unexpected end of file".into()));
    }
    Ok(script)
}

/// The interpreter: variables, working directory and accumulated sleep.
struct Shell<'a> {
    state: &'a State,
    view: &'a ContainerView,
    vars: Vec<(String, String)>,
    args: Vec<String>,
    cwd: String,
    status: i32,
    sleep: Duration,
    exit: Option<i32>,
}

impl<'a> Shell<'a> {
    fn new(state: &'a State, view: &'a ContainerView) -> Self {
        Shell {
            state,
            view,
            vars: view.env.clone(),
            args: vec!["sh".to_string()],
            cwd: view.working_dir.clone(),
            status: 0,
            sleep: Duration::ZERO,
            exit: None,
        }
    }

    fn fs(&self) -> &'a FileSystems {
        &self.state.fs
    }

    fn busybox(&self) -> bool {
        self.view.behaviour.flavor == Flavor::Busybox
    }

    fn abs(&self, p: &str) -> String {
        normalize(&self.cwd, p)
    }

    fn var(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "#" => Some(self.args.len().saturating_sub(1).to_string()),
            n if n.chars().all(|c| c.is_ascii_digit()) => {
                self.args.get(n.parse::<usize>().ok()?).cloned()
            }
            n => self
                .vars
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone()),
        }
    }

    fn set_var(&mut self, name: &str, value: &str) {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_string(), value.to_string()));
    }

    fn expand(&self, w: &Word) -> Option<String> {
        let mut s = String::new();
        for seg in &w.segs {
            match seg {
                Seg::Lit(l) => s.push_str(l),
                Seg::Var(v) => s.push_str(&self.var(v).unwrap_or_default()),
            }
        }
        // An unquoted expansion that comes out empty is no word at all.
        (w.quoted || !s.is_empty()).then_some(s)
    }

    /// Runs a script; returns the exit status.
    fn run_script(&mut self, src: &str, stdin: &[u8], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let script = match lex(src).and_then(parse) {
            Ok(s) => s,
            Err(Syntax(msg)) => {
                let prefix = if self.busybox() { "sh: " } else { "sh: 1: " };
                err.extend_from_slice(format!("{prefix}syntax error: {msg}\n").as_bytes());
                return 2;
            }
        };
        for (connector, pipeline) in script {
            let skip = match connector {
                "&&" => self.status != 0,
                "||" => self.status == 0,
                _ => false,
            };
            if skip {
                continue;
            }
            self.status = self.run_pipeline(&pipeline, stdin, out, err);
            if let Some(code) = self.exit {
                return code;
            }
        }
        self.status
    }

    fn run_pipeline(
        &mut self,
        cmds: &[SimpleCmd],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let mut input = stdin.to_vec();
        let mut status = 0;
        for (i, cmd) in cmds.iter().enumerate() {
            let last = i + 1 == cmds.len();
            let mut piped = Vec::new();
            let sink = if last { &mut *out } else { &mut piped };
            status = self.run_simple(cmd, &input, sink, err);
            if self.exit.is_some() {
                return status;
            }
            input = piped;
        }
        status
    }

    fn shell_error(&self, err: &mut Vec<u8>, msg: &str) {
        let prefix = if self.busybox() { "sh: " } else { "sh: 1: " };
        err.extend_from_slice(format!("{prefix}{msg}\n").as_bytes());
    }

    fn run_simple(
        &mut self,
        cmd: &SimpleCmd,
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let mut words: Vec<String> = cmd.words.iter().filter_map(|w| self.expand(w)).collect();
        // Leading NAME=value words are assignments.
        let mut assigns = Vec::new();
        while let Some(w) = words.first() {
            match w.split_once('=') {
                Some((k, v))
                    if !k.is_empty()
                        && k.chars().all(is_name_char)
                        && !k.starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    assigns.push((k.to_string(), v.to_string()));
                    words.remove(0);
                }
                _ => break,
            }
        }
        let mut input = stdin.to_vec();
        let mut out_target: Option<(String, bool)> = None;
        let mut err_target: Option<(String, bool)> = None;
        for (fd, kind, w) in &cmd.redirs {
            let path = self.expand(w).unwrap_or_default();
            match kind {
                RedirKind::In => match self.view.read_file(self.fs(), &self.abs(&path)) {
                    Some(data) => input = data,
                    None => {
                        self.shell_error(
                            err,
                            &format!("can't open '{path}': No such file or directory"),
                        );
                        return 1;
                    }
                },
                RedirKind::Out | RedirKind::Append => {
                    let append = *kind == RedirKind::Append;
                    if path != "/dev/null" {
                        // The shell creates (or truncates) the file before running the command.
                        let abs = self.abs(&path);
                        let init = if append {
                            Ok(())
                        } else {
                            self.view.write_file(self.fs(), &abs, b"", false)
                        };
                        let init = init.and_then(|_| {
                            if append && self.view.read_file(self.fs(), &abs).is_none() {
                                self.view.write_file(self.fs(), &abs, b"", false)
                            } else {
                                Ok(())
                            }
                        });
                        if let Err(e) = init {
                            self.shell_error(err, &format!("can't create {path}: {e}"));
                            return 1;
                        }
                    }
                    let t = Some((path, append));
                    if *fd == 2 {
                        err_target = t;
                    } else {
                        out_target = t;
                    }
                }
            }
        }
        if words.is_empty() {
            // Bare assignments stay for the rest of the script.
            for (k, v) in &assigns {
                self.set_var(k, v);
            }
            return 0;
        }
        // Assignments before a command apply to that command only.
        let previous: Vec<(String, Option<String>)> = assigns
            .iter()
            .map(|(k, v)| {
                let old = self
                    .vars
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, o)| o.clone());
                self.set_var(k, v);
                (k.clone(), old)
            })
            .collect();
        let mut cmd_out = Vec::new();
        let mut cmd_err = Vec::new();
        let status = self.dispatch(&words, &input, &mut cmd_out, &mut cmd_err);
        for (k, old) in previous {
            match old {
                Some(o) => self.set_var(&k, &o),
                None => self.vars.retain(|(n, _)| *n != k),
            }
        }
        for (from, to) in &cmd.dups {
            match (from, to) {
                (2, 1) => {
                    if err_target.is_none() {
                        cmd_out.append(&mut cmd_err);
                    } else {
                        err_target = out_target.clone();
                    }
                }
                (1, 2) => cmd_err.append(&mut cmd_out),
                _ => {}
            }
        }
        let mut status = status;
        let mut write_errors = Vec::new();
        for (target, data, default) in [
            (out_target, cmd_out, &mut *out),
            (err_target, cmd_err, &mut *err),
        ] {
            match target {
                None => default.extend_from_slice(&data),
                Some((path, _)) if path == "/dev/null" => {}
                Some((path, _)) => {
                    if let Err(e) = self
                        .view
                        .write_file(self.fs(), &self.abs(&path), &data, true)
                    {
                        write_errors.push(e);
                    }
                }
            }
        }
        for e in write_errors {
            self.shell_error(err, &format!("write error: {e}"));
            status = 1;
        }
        status
    }

    fn dispatch(
        &mut self,
        words: &[String],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let name = words[0].as_str();
        let args = &words[1..];
        match name {
            "exit" => {
                let code = args
                    .first()
                    .and_then(|a| a.parse::<i32>().ok())
                    .unwrap_or(self.status);
                self.exit = Some(code & 0xff);
                code & 0xff
            }
            ":" => 0,
            "!" if args.is_empty() => 1,
            "!" => i32::from(self.dispatch(args, stdin, out, err) == 0),
            "cd" => {
                let dir = args
                    .first()
                    .cloned()
                    .unwrap_or_else(|| self.var("HOME").unwrap_or_else(|| "/".into()));
                let abs = self.abs(&dir);
                if self.view.is_dir(self.fs(), &abs) {
                    self.cwd = abs;
                    0
                } else {
                    self.shell_error(
                        err,
                        &format!("cd: can't cd to {dir}: No such file or directory"),
                    );
                    2
                }
            }
            "export" => {
                for a in args {
                    if let Some((k, v)) = a.split_once('=') {
                        self.set_var(k, v);
                    }
                }
                0
            }
            _ => match applet_name(self.view.behaviour.flavor, name) {
                Some(applet) => self.applet(&applet, args, stdin, out, err),
                None => {
                    self.shell_error(err, &format!("{name}: not found"));
                    127
                }
            },
        }
    }

    fn applet(
        &mut self,
        name: &str,
        args: &[String],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let e = |err: &mut Vec<u8>, msg: String| {
            err.extend_from_slice(msg.as_bytes());
            err.push(b'\n');
        };
        match name {
            "sh" | "ash" | "bash" => self.sh(args, stdin, out, err),
            "true" => 0,
            "false" => 1,
            "cat" => self.cat(args, stdin, out, err),
            "ls" => self.ls(args, out, err),
            "df" => self.df(args, out, err),
            "echo" => {
                let mut args = args;
                let mut newline = true;
                let mut escapes = false;
                while let Some(first) = args.first() {
                    match first.as_str() {
                        "-n" => newline = false,
                        "-e" => escapes = true,
                        "-ne" | "-en" => {
                            newline = false;
                            escapes = true;
                        }
                        _ => break,
                    }
                    args = &args[1..];
                }
                let mut text = args.join(" ");
                if escapes {
                    text = text
                        .replace("\\n", "\n")
                        .replace("\\t", "\t")
                        .replace("\\\\", "\\");
                }
                out.extend_from_slice(text.as_bytes());
                if newline {
                    out.push(b'\n');
                }
                0
            }
            "test" => self.test(args, err),
            "[" => {
                if args.last().map(String::as_str) != Some("]") {
                    e(err, "[: missing ]".to_string());
                    return 2;
                }
                self.test(&args[..args.len() - 1], err)
            }
            "sleep" => {
                let mut total = 0f64;
                for a in args {
                    let (num, mult) = match a.chars().last() {
                        Some('s') => (&a[..a.len() - 1], 1.0),
                        Some('m') => (&a[..a.len() - 1], 60.0),
                        Some('h') => (&a[..a.len() - 1], 3600.0),
                        _ => (a.as_str(), 1.0),
                    };
                    match num.parse::<f64>() {
                        Ok(n) if n >= 0.0 && n.is_finite() => total += n * mult,
                        _ => {
                            e(err, format!("sleep: invalid number '{a}'"));
                            return 1;
                        }
                    }
                }
                if args.is_empty() {
                    e(err, "sleep: missing operand".to_string());
                    return 1;
                }
                let add = Duration::from_secs_f64(total.min(MAX_SLEEP.as_secs_f64()));
                self.sleep = (self.sleep + add).min(MAX_SLEEP);
                0
            }
            "hostname" => {
                out.extend_from_slice(format!("{}\n", self.view.hostname).as_bytes());
                0
            }
            "whoami" => {
                out.extend_from_slice(b"root\n");
                0
            }
            "id" => {
                out.extend_from_slice(b"uid=0(root) gid=0(root) groups=0(root)\n");
                0
            }
            "uname" => {
                let text = if args.iter().any(|a| a == "-a") {
                    format!(
                        "Linux {} 6.1.0-sim #1 SMP x86_64 GNU/Linux\n",
                        self.view.hostname
                    )
                } else {
                    "Linux\n".to_string()
                };
                out.extend_from_slice(text.as_bytes());
                0
            }
            "pwd" => {
                out.extend_from_slice(format!("{}\n", self.cwd).as_bytes());
                0
            }
            "date" => {
                let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
                let fmt = args
                    .iter()
                    .find_map(|a| a.strip_prefix('+'))
                    .unwrap_or("%a %b %e %H:%M:%S UTC %Y");
                match jiff::fmt::strtime::format(fmt, &now) {
                    Ok(s) => {
                        out.extend_from_slice(format!("{s}\n").as_bytes());
                        0
                    }
                    Err(_) => {
                        e(err, format!("date: invalid format '{fmt}'"));
                        1
                    }
                }
            }
            "env" => {
                for (k, v) in &self.vars {
                    out.extend_from_slice(format!("{k}={v}\n").as_bytes());
                }
                0
            }
            "printenv" => {
                if args.is_empty() {
                    return self.applet("env", args, stdin, out, err);
                }
                let mut status = 0;
                for a in args {
                    match self.vars.iter().find(|(k, _)| k == a) {
                        Some((_, v)) => out.extend_from_slice(format!("{v}\n").as_bytes()),
                        None => status = 1,
                    }
                }
                status
            }
            "wc" | "head" | "tail" => self.text_tool(name, args, stdin, out, err),
            "stat" => self.stat(args, out, err),
            "touch" => {
                let mut status = 0;
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    let abs = self.abs(a);
                    if self.view.exists(self.fs(), &abs) {
                        continue;
                    }
                    if let Err(m) = self.view.write_file(self.fs(), &abs, b"", false) {
                        let m = if m == "nonexistent directory" {
                            "No such file or directory"
                        } else {
                            m
                        };
                        e(err, format!("touch: {a}: {m}"));
                        status = 1;
                    }
                }
                status
            }
            "mkdir" => {
                // Directories exist implicitly (as prefixes of files); only the parent is checked.
                let parents = args.iter().any(|a| a.starts_with("-p"));
                let mut status = 0;
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    let abs = self.abs(a);
                    let parent = normalize(&abs, "..");
                    if !parents && !self.view.is_dir(self.fs(), &parent) {
                        e(
                            err,
                            format!(
                                "mkdir: can't create directory '{a}': No such file or directory"
                            ),
                        );
                        status = 1;
                    }
                }
                status
            }
            "rm" => self.rm(args, err),
            "tar" => crate::runtime::containers::tar_applet::Tar {
                view: self.view,
                fs: self.fs(),
                cwd: &self.cwd,
                busybox: self.busybox(),
            }
            .run(args, stdin, out, err),
            _ => 127,
        }
    }

    fn sh(&mut self, args: &[String], stdin: &[u8], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let mut sub = Shell::new(self.state, self.view);
        sub.vars = self.vars.clone();
        sub.cwd = self.cwd.clone();
        let mut rest = args;
        while let Some(a) = rest.first() {
            if a == "-c" {
                let Some(script) = rest.get(1) else {
                    sub.shell_error(err, "-c requires an argument");
                    return 2;
                };
                sub.args = rest[2..].to_vec();
                if sub.args.is_empty() {
                    sub.args.push("sh".into());
                }
                let code = sub.run_script(script, stdin, out, err);
                self.sleep = (self.sleep + sub.sleep).min(MAX_SLEEP);
                return code;
            } else if a.starts_with('-') && a.len() > 1 {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let script = match rest.first() {
            Some(file) => match self.view.read_file(self.fs(), &self.abs(file)) {
                Some(data) => String::from_utf8_lossy(&data).into_owned(),
                None => {
                    sub.shell_error(
                        err,
                        &format!("can't open '{file}': No such file or directory"),
                    );
                    return 2;
                }
            },
            None => String::from_utf8_lossy(stdin).into_owned(),
        };
        sub.args = if rest.is_empty() {
            vec!["sh".into()]
        } else {
            rest.to_vec()
        };
        let code = sub.run_script(&script, b"", out, err);
        self.sleep = (self.sleep + sub.sleep).min(MAX_SLEEP);
        code
    }

    fn cat(&mut self, args: &[String], stdin: &[u8], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let files: Vec<&String> = args
            .iter()
            .filter(|a| a.as_str() == "-" || !a.starts_with('-'))
            .collect();
        if files.is_empty() {
            out.extend_from_slice(stdin);
            return 0;
        }
        let mut status = 0;
        for f in files {
            if f == "-" {
                out.extend_from_slice(stdin);
                continue;
            }
            let abs = self.abs(f);
            if self.view.is_dir(self.fs(), &abs) {
                let msg = if self.busybox() {
                    "cat: read error: Is a directory\n".to_string()
                } else {
                    format!("cat: {f}: Is a directory\n")
                };
                err.extend_from_slice(msg.as_bytes());
                status = 1;
                continue;
            }
            match self.view.read_file(self.fs(), &abs) {
                Some(data) => out.extend_from_slice(&data),
                None => {
                    let msg = if self.busybox() {
                        format!("cat: can't open '{f}': No such file or directory\n")
                    } else {
                        format!("cat: {f}: No such file or directory\n")
                    };
                    err.extend_from_slice(msg.as_bytes());
                    status = 1;
                }
            }
        }
        status
    }

    fn ls(&mut self, args: &[String], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let mut long = false;
        let mut all = false;
        let mut paths = Vec::new();
        for a in args {
            match a.strip_prefix('-') {
                Some(flags) if !flags.is_empty() => {
                    long |= flags.contains('l');
                    all |= flags.contains('a') || flags.contains('A');
                }
                _ => paths.push(a.clone()),
            }
        }
        if paths.is_empty() {
            paths.push(".".into());
        }
        let date = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%b %e %H:%M")
            .to_string();
        let line = |name: &str, dir: bool, size: usize| {
            if dir {
                format!("drwxr-xr-x    2 root     root          4096 {date} {name}\n")
            } else {
                format!("-rw-r--r--    1 root     root     {size:>9} {date} {name}\n")
            }
        };
        let mut status = 0;
        let multi = paths.len() > 1;
        for (i, p) in paths.iter().enumerate() {
            let abs = self.abs(p);
            if self.view.is_dir(self.fs(), &abs) {
                if multi {
                    if i > 0 {
                        out.push(b'\n');
                    }
                    out.extend_from_slice(format!("{p}:\n").as_bytes());
                }
                let mut names = self.view.list_dir(self.fs(), &abs);
                if all {
                    names.insert(0, "..".into());
                    names.insert(0, ".".into());
                } else {
                    names.retain(|n| !n.starts_with('.'));
                }
                if long {
                    out.extend_from_slice(format!("total {}\n", names.len() * 4).as_bytes());
                }
                for n in names {
                    if long {
                        let child = normalize(&abs, &n);
                        let dir = self.view.is_dir(self.fs(), &child);
                        let size = if dir {
                            0
                        } else {
                            self.view
                                .read_file(self.fs(), &child)
                                .map_or(0, |d| d.len())
                        };
                        out.extend_from_slice(line(&n, dir, size).as_bytes());
                    } else {
                        out.extend_from_slice(format!("{n}\n").as_bytes());
                    }
                }
            } else if let Some(data) = self.view.read_file(self.fs(), &abs) {
                if long {
                    out.extend_from_slice(line(p, false, data.len()).as_bytes());
                } else {
                    out.extend_from_slice(format!("{p}\n").as_bytes());
                }
            } else {
                let msg = if self.busybox() {
                    format!("ls: {p}: No such file or directory\n")
                } else {
                    format!("ls: cannot access '{p}': No such file or directory\n")
                };
                err.extend_from_slice(msg.as_bytes());
                status = if self.busybox() { 1 } else { 2 };
            }
        }
        status
    }

    fn df(&mut self, args: &[String], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        #[derive(PartialEq)]
        enum Unit {
            K,
            B,
            Human,
        }
        let mut unit = Unit::K;
        let mut posix = false;
        let mut paths = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-k" => unit = Unit::K,
                "-h" => unit = Unit::Human,
                "-P" => posix = true,
                "-B1" => unit = Unit::B,
                "-B" => {
                    if it.next().map(String::as_str) == Some("1") {
                        unit = Unit::B;
                    }
                }
                "-Pk" | "-kP" => {
                    posix = true;
                    unit = Unit::K;
                }
                s if s.starts_with('-') && s.len() > 1 => {}
                _ => paths.push(a.clone()),
            }
        }
        // Rows: (filesystem, capacity, used, mount point)
        let mut rows: Vec<(String, u64, u64, String)> = Vec::new();
        let mut status = 0;
        let row_for = |sh: &Self, path: &str| -> (String, u64, u64, String) {
            let (view, mount) = sh.view.mount_of(path);
            let loc_volume = mount.map_or_else(|| view.root_volume(), |m| m.volume_id.clone());
            let used = sh.fs().usage(&loc_volume).0;
            let cap = mount_capacity(sh.state, &view.namespace, mount);
            let (fs_name, mp) = match mount {
                None => ("overlay".to_string(), "/".to_string()),
                Some(m) => {
                    let name = match m.kind {
                        VolumeKind::Claim { .. } => "/dev/sdb".to_string(),
                        VolumeKind::EmptyDir => "tmpfs".to_string(),
                        _ => "/dev/vda1".to_string(),
                    };
                    (name, m.path.clone())
                }
            };
            (fs_name, cap, used.min(cap), mp)
        };
        if paths.is_empty() {
            rows.push(row_for(self, "/"));
            let mut mounts: Vec<&Mount> = self.view.mounts.iter().collect();
            mounts.sort_by(|a, b| a.path.cmp(&b.path));
            for m in mounts {
                rows.push(row_for(self, &m.path));
            }
        } else {
            for p in &paths {
                let abs = self.abs(p);
                if !self.view.exists(self.fs(), &abs) {
                    let msg = if self.busybox() {
                        format!("df: {p}: can't find mount point\n")
                    } else {
                        format!("df: {p}: No such file or directory\n")
                    };
                    err.extend_from_slice(msg.as_bytes());
                    status = 1;
                    continue;
                }
                rows.push(row_for(self, &abs));
            }
        }
        let human = |b: u64| -> String {
            const UNITS: [&str; 5] = ["", "K", "M", "G", "T"];
            let mut v = b as f64;
            let mut i = 0;
            while v >= 1024.0 && i < UNITS.len() - 1 {
                v /= 1024.0;
                i += 1;
            }
            if i == 0 {
                format!("{b}")
            } else if v < 10.0 {
                format!("{v:.1}{}", UNITS[i])
            } else {
                format!("{}{}", v.round() as u64, UNITS[i])
            }
        };
        let size_hdr = match unit {
            Unit::K if posix => "1024-blocks",
            Unit::K => "1K-blocks",
            Unit::B => "1B-blocks",
            Unit::Human => "Size",
        };
        let use_hdr = if posix { "Capacity" } else { "Use%" };
        out.extend_from_slice(
            format!(
                "{:<20} {:>9} {:>9} {:>9} {:>4} Mounted on\n",
                "Filesystem", size_hdr, "Used", "Available", use_hdr
            )
            .as_bytes(),
        );
        for (fs_name, cap, used, mp) in rows {
            let avail = cap - used;
            let pct = if cap == 0 {
                0
            } else {
                (used * 100).div_ceil(cap)
            };
            let (c, u, a) = match unit {
                Unit::K => (
                    (cap / 1024).to_string(),
                    used.div_ceil(1024).to_string(),
                    (avail / 1024).to_string(),
                ),
                Unit::B => (cap.to_string(), used.to_string(), avail.to_string()),
                Unit::Human => (human(cap), human(used), human(avail)),
            };
            out.extend_from_slice(
                format!("{fs_name:<20} {c:>9} {u:>9} {a:>9} {:>3}% {mp}\n", pct).as_bytes(),
            );
        }
        status
    }

    fn test(&mut self, args: &[String], err: &mut Vec<u8>) -> i32 {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = self.eval_test(&a, err);
        match r {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        }
    }

    fn eval_test(&self, a: &[&str], err: &mut Vec<u8>) -> Option<bool> {
        match a {
            [] => Some(false),
            ["!", rest @ ..] => self.eval_test(rest, err).map(|b| !b),
            [s] => Some(!s.is_empty()),
            [op, arg] => {
                let abs = self.abs(arg);
                let fs = self.fs();
                Some(match *op {
                    "-z" => arg.is_empty(),
                    "-n" => !arg.is_empty(),
                    "-e" => self.view.exists(fs, &abs),
                    "-d" => self.view.is_dir(fs, &abs),
                    "-f" => self.view.read_file(fs, &abs).is_some(),
                    "-s" => self.view.read_file(fs, &abs).is_some_and(|d| !d.is_empty()),
                    "-r" | "-w" => self.view.exists(fs, &abs),
                    "-x" => false,
                    _ => {
                        err.extend_from_slice(format!("test: {op}: unknown operand\n").as_bytes());
                        return None;
                    }
                })
            }
            [l, op, r] => {
                let num = |s: &str| s.trim().parse::<i64>().ok();
                Some(match *op {
                    "=" | "==" => l == r,
                    "!=" => l != r,
                    "-eq" | "-ne" | "-lt" | "-gt" | "-le" | "-ge" => {
                        let (Some(x), Some(y)) = (num(l), num(r)) else {
                            let bad = if num(l).is_none() { l } else { r };
                            err.extend_from_slice(
                                format!("test: invalid number '{bad}'\n").as_bytes(),
                            );
                            return None;
                        };
                        match *op {
                            "-eq" => x == y,
                            "-ne" => x != y,
                            "-lt" => x < y,
                            "-gt" => x > y,
                            "-le" => x <= y,
                            _ => x >= y,
                        }
                    }
                    _ => {
                        err.extend_from_slice(format!("test: {op}: unknown operand\n").as_bytes());
                        return None;
                    }
                })
            }
            _ => {
                err.extend_from_slice(b"test: too many arguments\n");
                None
            }
        }
    }

    fn text_tool(
        &mut self,
        name: &str,
        args: &[String],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let mut lines_n: usize = 10;
        let mut from_start: Option<usize> = None;
        let mut wc_flags = String::new();
        let mut files = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a == "-n" {
                i += 1;
                let v = args.get(i).map(String::as_str).unwrap_or("");
                if let Some(plus) = v.strip_prefix('+') {
                    from_start = plus.parse().ok();
                } else {
                    lines_n = v.parse().unwrap_or(10);
                }
            } else if let Some(n) = a.strip_prefix("-n") {
                lines_n = n.parse().unwrap_or(10);
            } else if a.len() > 1
                && a.starts_with('-')
                && a[1..].chars().all(|c| c.is_ascii_digit())
            {
                lines_n = a[1..].parse().unwrap_or(10);
            } else if a.len() > 1 && a.starts_with('-') {
                wc_flags.push_str(&a[1..]);
            } else {
                files.push(a.clone());
            }
            i += 1;
        }
        let mut inputs: Vec<(Option<String>, Vec<u8>)> = Vec::new();
        let mut status = 0;
        if files.is_empty() {
            inputs.push((None, stdin.to_vec()));
        }
        for f in files {
            let abs = self.abs(&f);
            match self.view.read_file(self.fs(), &abs) {
                Some(d) => inputs.push((Some(f), d)),
                None => {
                    let why = if self.view.is_dir(self.fs(), &abs) {
                        "Is a directory"
                    } else {
                        "No such file or directory"
                    };
                    let msg = if self.busybox() {
                        format!("{name}: can't open '{f}': {why}\n")
                    } else {
                        format!("{name}: {f}: {why}\n")
                    };
                    err.extend_from_slice(msg.as_bytes());
                    status = 1;
                }
            }
        }
        for (fname, data) in inputs {
            match name {
                "wc" => {
                    let l = data.iter().filter(|b| **b == b'\n').count();
                    let w = String::from_utf8_lossy(&data).split_whitespace().count();
                    let c = data.len();
                    let mut parts = Vec::new();
                    let flags = if wc_flags.is_empty() {
                        "lwc"
                    } else {
                        wc_flags.as_str()
                    };
                    for (flag, v) in [('l', l), ('w', w), ('c', c)] {
                        if flags.contains(flag) {
                            parts.push(v);
                        }
                    }
                    let mut s = if parts.len() == 1 {
                        parts[0].to_string()
                    } else {
                        parts
                            .iter()
                            .map(|v| format!("{v:>7}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    if let Some(f) = fname {
                        s.push(' ');
                        s.push_str(&f);
                    }
                    out.extend_from_slice(format!("{s}\n").as_bytes());
                }
                _ => {
                    let lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
                    let pick: &[&[u8]] = if name == "head" {
                        &lines[..lines_n.min(lines.len())]
                    } else if let Some(start) = from_start {
                        &lines[start.saturating_sub(1).min(lines.len())..]
                    } else {
                        &lines[lines.len().saturating_sub(lines_n)..]
                    };
                    for l in pick {
                        out.extend_from_slice(l);
                    }
                }
            }
        }
        status
    }

    fn stat(&mut self, args: &[String], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let mut format: Option<String> = None;
        let mut files = Vec::new();
        let mut i = 0;
        while i < args.len() {
            if args[i] == "-c" {
                format = args.get(i + 1).cloned();
                i += 2;
                continue;
            }
            if let Some(f) = args[i].strip_prefix("--format=") {
                format = Some(f.to_string());
            } else if !args[i].starts_with('-') {
                files.push(args[i].clone());
            }
            i += 1;
        }
        let mut status = 0;
        for f in files {
            let abs = self.abs(&f);
            let dir = self.view.is_dir(self.fs(), &abs);
            let size = if dir {
                Some(4096)
            } else {
                self.view.read_file(self.fs(), &abs).map(|d| d.len())
            };
            let Some(size) = size else {
                let msg = if self.busybox() {
                    format!("stat: can't stat '{f}': No such file or directory\n")
                } else {
                    format!("stat: cannot statx '{f}': No such file or directory\n")
                };
                err.extend_from_slice(msg.as_bytes());
                status = 1;
                continue;
            };
            let kind = if dir { "directory" } else { "regular file" };
            let text = match &format {
                Some(fmt) => {
                    let mut s = String::new();
                    let mut chars = fmt.chars();
                    while let Some(c) = chars.next() {
                        if c != '%' {
                            s.push(c);
                            continue;
                        }
                        match chars.next() {
                            Some('s') => s.push_str(&size.to_string()),
                            Some('n') => s.push_str(&f),
                            Some('F') => s.push_str(kind),
                            Some('a') => s.push_str(if dir { "755" } else { "644" }),
                            Some('U') | Some('G') => s.push_str("root"),
                            Some('u') | Some('g') => s.push('0'),
                            Some('%') => s.push('%'),
                            Some(o) => {
                                s.push('?');
                                let _ = o;
                            }
                            None => s.push('%'),
                        }
                    }
                    format!("{s}\n")
                }
                None => format!(
                    "  File: {f}\n  Size: {size:<15} Blocks: {:<10} IO Block: 4096   {kind}\n",
                    (size as u64).div_ceil(512)
                ),
            };
            out.extend_from_slice(text.as_bytes());
        }
        status
    }

    fn rm(&mut self, args: &[String], err: &mut Vec<u8>) -> i32 {
        let mut force = false;
        let mut recursive = false;
        let mut files = Vec::new();
        for a in args {
            match a.strip_prefix('-') {
                Some(flags) if !flags.is_empty() => {
                    force |= flags.contains('f');
                    recursive |= flags.contains('r') || flags.contains('R');
                }
                _ => files.push(a.clone()),
            }
        }
        let mut status = 0;
        for f in files {
            let abs = self.abs(&f);
            if self.view.is_dir(self.fs(), &abs) {
                if !recursive {
                    err.extend_from_slice(format!("rm: '{f}' is a directory\n").as_bytes());
                    status = 1;
                    continue;
                }
                self.remove_tree(&abs);
                continue;
            }
            let loc = self.view.resolve(&abs);
            if !self.fs().remove_file(&loc.volume, &loc.rel) && !force {
                err.extend_from_slice(
                    format!("rm: can't remove '{f}': No such file or directory\n").as_bytes(),
                );
                status = 1;
            }
        }
        status
    }

    fn remove_tree(&self, abs: &str) {
        for name in self.view.list_dir(self.fs(), abs) {
            let child = normalize(abs, &name);
            if self.view.is_dir(self.fs(), &child) {
                self.remove_tree(&child);
            } else {
                let loc = self.view.resolve(&child);
                self.fs().remove_file(&loc.volume, &loc.rel);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::machinery::api;
    use crate::machinery::resources::NAMESPACES;
    use crate::options::ClusterOptions;
    use std::sync::Arc;

    /// A state with namespace `default`, a bound claim `data-web-0` on PV `pv-web-0` and a
    /// Running pod `web-0` (container `app`, image `image`, claim mounted at `/data`).
    pub(crate) fn state_with_pod(image: &str, env: Value) -> Arc<State> {
        let state = Arc::new(State::new(ClusterOptions::default()));
        api::create(
            &state,
            &NAMESPACES,
            "",
            json!({"metadata": {"name": "default"}}),
            false,
        )
        .unwrap();
        api::create(
            &state,
            &PVCS,
            "default",
            json!({
                "metadata": {"name": "data-web-0"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "volumeName": "pv-web-0",
                    "resources": {"requests": {"storage": "5Mi"}},
                },
            }),
            false,
        )
        .unwrap();
        state
            .fs
            .set_capacity(&FileSystems::pv_volume("pv-web-0"), 5 << 20);
        add_pod(&state, "web-0", image, env);
        state
    }

    /// Creates a Running pod named `name` using claim `data-web-0`.
    pub(crate) fn add_pod(state: &State, name: &str, image: &str, env: Value) {
        api::create(
            state,
            &PODS,
            "default",
            json!({
                "metadata": {"name": name, "labels": {"app": "web"}},
                "spec": {
                    "nodeName": "node-1",
                    "hostname": name,
                    "containers": [{
                        "name": "app", "image": image, "env": env,
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "cache", "mountPath": "/tmp/cache"}],
                    }],
                    "volumes": [
                        {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}},
                        {"name": "cache", "emptyDir": {}},
                    ],
                },
            }),
            false,
        )
        .unwrap();
        api::write_status(state, &PODS, "default", name, |s| {
            s["phase"] = json!("Running");
            s["podIP"] = json!("10.244.1.5");
            s["conditions"] = json!([{"type": "Ready", "status": "True"}]);
        })
        .unwrap();
    }

    fn view(state: &State, pod: &str, container: &str) -> ContainerView {
        let obj = state.store.get(&PODS, "default", pod).unwrap();
        ContainerView::new(state, &obj, container).unwrap()
    }

    fn run(state: &State, v: &ContainerView, argv: &[&str]) -> (String, String, ExecResult) {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let o = run_command(state, v, &argv, b"");
        (
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
            o.result,
        )
    }

    #[test]
    fn image_rules() {
        let b = image_behaviour("example/visits-app:1.0");
        assert!(b.visits_app && !b.broken && b.flavor == Flavor::Generic);
        assert!(image_behaviour("registry:5000/visits:broken-2").broken);
        assert!(!image_behaviour("registry:5000/visits").broken);
        assert!(!image_behaviour("example/app-visits:1").visits_app);
        assert_eq!(
            image_behaviour("gcr.io/distroless/static").flavor,
            Flavor::Distroless
        );
        assert_eq!(image_behaviour("busybox:1.36").flavor, Flavor::Busybox);
        assert!(image_behaviour("example/visits-app:crashloop").broken);
    }

    #[test]
    fn paths_resolve_to_claim_emptydir_and_root() {
        let state = state_with_pod("busybox", json!([]));
        let v = view(&state, "web-0", "app");
        let uid = v.pod_uid.clone();
        assert_eq!(v.resolve("/data/visits").volume, "pv/pv-web-0");
        assert_eq!(v.resolve("/data/visits").rel, "visits");
        assert_eq!(v.resolve("/data").rel, "");
        assert_eq!(
            v.resolve("/data/../etc/x").volume,
            format!("root/{uid}/app")
        );
        assert_eq!(v.resolve("/datax").volume, format!("root/{uid}/app"));
        assert_eq!(v.resolve("/tmp/cache/a").volume, format!("pod/{uid}/cache"));
        assert_eq!(v.resolve("/tmp/other").volume, format!("root/{uid}/app"));
        assert_eq!(v.resolve("data/visits").volume, "pv/pv-web-0");
        assert!(v.is_dir(&state.fs, "/tmp"));
        assert!(v.is_dir(&state.fs, "/data"));
        assert!(!v.is_dir(&state.fs, "/nope"));
    }

    #[test]
    fn ephemeral_container_sees_target_under_proc_1_root() {
        let state = state_with_pod("example/visits-app-distroless:1.0", json!([]));
        state
            .store
            .modify(&PODS, "default", "web-0", |p| {
                p["spec"]["ephemeralContainers"] = json!([{"name": "debugger", "image": "busybox:1.36", "targetContainerName": "app"}]);
                Ok(true)
            })
            .unwrap();
        state
            .fs
            .write("pv/pv-web-0", "visits", b"38".to_vec())
            .unwrap();
        let v = view(&state, "web-0", "debugger");
        assert!(v.ephemeral);
        let loc = v.resolve("/proc/1/root/data/visits");
        assert_eq!(
            (loc.volume.as_str(), loc.rel.as_str()),
            ("pv/pv-web-0", "visits")
        );
        assert_eq!(
            v.resolve("/data/visits").volume,
            format!("root/{}/debugger", v.pod_uid)
        );
        let (out, _, res) = run(&state, &v, &["cat", "/proc/1/root/data/visits"]);
        assert_eq!((out.as_str(), res), ("38", ExecResult::Exit(0)));
        let (out, _, _) = run(&state, &v, &["ls", "/proc/1/root/data"]);
        assert_eq!(out, "visits\n");
        // The target itself has no shell.
        let app = view(&state, "web-0", "app");
        let (_, _, res) = run(&state, &app, &["cat", "/data/visits"]);
        assert_eq!(
            res,
            ExecResult::StartFailed("exec: \"cat\": executable file not found in $PATH".into())
        );
        let (_, _, res) = run(&state, &app, &["/bin/sh", "-c", "true"]);
        assert_eq!(
            res,
            ExecResult::StartFailed(
                "exec: \"/bin/sh\": stat /bin/sh: no such file or directory".into()
            )
        );
    }

    #[test]
    fn visits_app_counts_in_both_formats() {
        let state = state_with_pod("example/visits-app:1.0", json!([]));
        let v = view(&state, "web-0", "app");
        assert_eq!(v.serving_port(), Some(8080));
        for n in 1..=3 {
            let a = serve_http(&state, &v, "GET", "/");
            assert_eq!(a.status, 200);
            assert!(String::from_utf8_lossy(&a.body).contains(&format!("Visits: {n}")));
        }
        assert_eq!(state.fs.read("pv/pv-web-0", "visits").unwrap(), b"3");
        assert_eq!(serve_http(&state, &v, "GET", "/visits").body, b"3\n");
        assert_eq!(serve_http(&state, &v, "GET", "/healthz").body, b"ok");
        assert_eq!(serve_http(&state, &v, "GET", "/nope").status, 404);
        assert_eq!(visits_recorded(&state, "default", "web-0"), 3);
        assert_eq!(visits_in_file(&state, "default", "web-0"), Some(3));

        let env = json!([{"name": "VISITS_FORMAT", "value": "timestamps"}, {"name": "VISITS_FILE", "value": "/data/app/visits"}]);
        let state = state_with_pod("example/visits-app:1.0", env);
        let v = view(&state, "web-0", "app");
        serve_http(&state, &v, "GET", "/");
        serve_http(&state, &v, "GET", "/");
        let content =
            String::from_utf8(state.fs.read("pv/pv-web-0", "app/visits").unwrap()).unwrap();
        let lines: Vec<&str> = content.lines().collect();
        assert_eq!(lines.len(), 2);
        let l = lines[0];
        assert_eq!(l.len(), 15, "{l}");
        assert_eq!((&l[2..3], &l[5..6], &l[8..9]), (":", ":", "."));
        assert_eq!(serve_http(&state, &v, "GET", "/visits").body, b"2\n");
        assert_eq!(visits_in_file(&state, "default", "web-0"), Some(2));
    }

    #[test]
    fn data_follows_the_claim_across_pod_recreation() {
        let state = state_with_pod("example/visits-app:1.0", json!([]));
        serve_http(&state, &view(&state, "web-0", "app"), "GET", "/");
        state.store.remove(&PODS, "default", "web-0").unwrap();
        add_pod(&state, "web-0", "example/visits-app:1.0", json!([]));
        let a = serve_http(&state, &view(&state, "web-0", "app"), "GET", "/");
        assert!(String::from_utf8_lossy(&a.body).contains("Visits: 2"));
        assert_eq!(visits_recorded(&state, "default", "web-0"), 2);
    }

    #[test]
    fn busybox_cat_errors_and_literal_argv() {
        let state = state_with_pod("busybox:1.36", json!([]));
        let v = view(&state, "web-0", "app");
        let (out, err, res) = run(&state, &v, &["cat", "/data/x"]);
        assert_eq!((out.as_str(), res), ("", ExecResult::Exit(1)));
        assert_eq!(
            err,
            "cat: can't open '/data/x': No such file or directory\n"
        );
        let (_, err, res) = run(&state, &v, &["cat", "/data"]);
        assert_eq!(
            (err.as_str(), res),
            ("cat: read error: Is a directory\n", ExecResult::Exit(1))
        );
        let weird = "a b;$(rm -rf x).txt";
        state
            .fs
            .write("pv/pv-web-0", weird, b"safe".to_vec())
            .unwrap();
        state
            .fs
            .write("pv/pv-web-0", "x/keep", b"1".to_vec())
            .unwrap();
        let (out, err, res) = run(&state, &v, &["cat", &format!("/data/{weird}")]);
        assert_eq!(
            (out.as_str(), err.as_str(), res),
            ("safe", "", ExecResult::Exit(0))
        );
        assert!(state.fs.read("pv/pv-web-0", "x/keep").is_some());
        // Inside sh -c, `$(...)` is literal text, never a command.
        let (out, _, _) = run(
            &state,
            &v,
            &["sh", "-c", "cd /data && echo '$(rm -rf x)' \"$(rm -rf x)\""],
        );
        assert_eq!(out, "$(rm -rf x) $(rm -rf x)\n");
        assert!(state.fs.read("pv/pv-web-0", "x/keep").is_some());
        let (_, _, res) = run(&state, &v, &["nosuch"]);
        assert_eq!(
            res,
            ExecResult::StartFailed("exec: \"nosuch\": executable file not found in $PATH".into())
        );
        let (_, err, res) = run(&state, &v, &["sh", "-c", "nosuch arg"]);
        assert_eq!(
            (err.as_str(), res),
            ("sh: nosuch: not found\n", ExecResult::Exit(127))
        );
    }

    #[test]
    fn generic_image_uses_gnu_wording() {
        let state = state_with_pod("debian:12", json!([]));
        let v = view(&state, "web-0", "app");
        let (_, err, _) = run(&state, &v, &["cat", "nope"]);
        assert_eq!(err, "cat: nope: No such file or directory\n");
        let (_, err, res) = run(&state, &v, &["bash", "-c", "nosuch"]);
        assert_eq!(
            (err.as_str(), res),
            ("sh: 1: nosuch: not found\n", ExecResult::Exit(127))
        );
    }

    #[test]
    fn sh_lists_redirections_and_pipes() {
        let state = state_with_pod(
            "busybox",
            json!([{"name": "GREETING", "value": "hi there"}]),
        );
        let v = view(&state, "web-0", "app");
        let script = "echo one > /data/f; echo two >> /data/f && cat /data/f; false || echo \"$GREETING\"; false && echo never; echo $?";
        let (out, err, res) = run(&state, &v, &["sh", "-c", script]);
        assert_eq!(err, "");
        assert_eq!(out, "one\ntwo\nhi there\n1\n");
        assert_eq!(res, ExecResult::Exit(0));
        assert_eq!(state.fs.read("pv/pv-web-0", "f").unwrap(), b"one\ntwo\n");
        let (out, _, _) = run(
            &state,
            &v,
            &[
                "sh",
                "-c",
                "cat /data/f | wc -l; cat /nope 2>&1 | head -n 1",
            ],
        );
        assert_eq!(
            out,
            "2\ncat: can't open '/nope': No such file or directory\n"
        );
        let (out, err, res) = run(
            &state,
            &v,
            &["/bin/sh", "-c", "cat /nope 2>/dev/null; exit 3; echo after"],
        );
        assert_eq!(
            (out.as_str(), err.as_str(), res),
            ("", "", ExecResult::Exit(3))
        );
        let (_, err, res) = run(&state, &v, &["sh", "-c", "echo x > /nodir/f"]);
        assert_eq!(
            (err.as_str(), res),
            (
                "sh: can't create /nodir/f: nonexistent directory\n",
                ExecResult::Exit(1)
            )
        );
        let (out, _, res) = run(
            &state,
            &v,
            &[
                "sh",
                "-c",
                "test -f /data/f && [ -d /data ] && ! test -e /data/g && echo yes",
            ],
        );
        assert_eq!((out.as_str(), res), ("yes\n", ExecResult::Exit(0)));
        let (out, _, _) = run(
            &state,
            &v,
            &[
                "sh",
                "-c",
                "X=1; echo $X ${X}2 '$X'; hostname; stat -c %s /data/f",
            ],
        );
        assert_eq!(out, "1 12 $X\nweb-0\n8\n");
        let (out, _, _) = run(&state, &v, &["sh", "-c", "ls /data; ls -la /data | wc -l"]);
        assert_eq!(out, "f\n4\n");
        let o = run_command(&state, &v, &["sh".to_string()], b"echo from stdin; exit 4");
        assert_eq!(
            (o.stdout, o.result),
            (b"from stdin\n".to_vec(), ExecResult::Exit(4))
        );
        let o = run_command(&state, &v, &["sleep".to_string(), "100".to_string()], b"");
        assert_eq!(o.sleep, MAX_SLEEP);
        let (_, err, res) = run(&state, &v, &["sh", "-c", "echo 'unterminated"]);
        assert!(err.contains("syntax error"), "{err}");
        assert_eq!(res, ExecResult::Exit(2));
    }

    #[test]
    fn df_reports_volume_usage() {
        let state = state_with_pod("busybox", json!([]));
        let v = view(&state, "web-0", "app");
        state
            .fs
            .write("pv/pv-web-0", "visits", vec![b'1'; 5000])
            .unwrap();
        let (out, _, res) = run(&state, &v, &["df", "-k", "/data"]);
        assert_eq!(res, ExecResult::Exit(0));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("Filesystem"), "{out}");
        let cols: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(cols, vec!["/dev/sdb", "5120", "8", "5112", "1%", "/data"]);
        let (out, _, _) = run(&state, &v, &["df", "-B1", "/data/visits"]);
        let cols: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
        assert_eq!(
            cols,
            vec!["/dev/sdb", "5242880", "8192", "5234688", "1%", "/data"]
        );
        let (out, _, _) = run(&state, &v, &["df"]);
        assert_eq!(out.lines().count(), 4, "{out}");
        let (_, err, res) = run(&state, &v, &["df", "/nope"]);
        assert_eq!(
            (err.as_str(), res),
            ("df: /nope: can't find mount point\n", ExecResult::Exit(1))
        );
    }

    #[test]
    fn node_summary_lists_pod_volumes() {
        let state = state_with_pod("busybox", json!([]));
        state
            .fs
            .write("pv/pv-web-0", "visits", b"12".to_vec())
            .unwrap();
        let s = node_stats_summary(&state, "node-1");
        assert_eq!(s["node"]["nodeName"], "node-1");
        let pod = &s["pods"][0];
        assert_eq!(pod["podRef"]["name"], "web-0");
        let data = pod["volume"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "data")
            .unwrap();
        assert_eq!(
            data["pvcRef"],
            json!({"name": "data-web-0", "namespace": "default"})
        );
        assert_eq!(data["usedBytes"], 4096);
        assert_eq!(data["capacityBytes"], 5 << 20);
        assert_eq!(data["availableBytes"], (5 << 20) - 4096);
        assert!(node_stats_summary(&state, "node-2")["pods"]
            .as_array()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("5Mi"), Some(5 << 20));
        assert_eq!(parse_quantity("1G"), Some(1_000_000_000));
        assert_eq!(parse_quantity("100"), Some(100));
        assert_eq!(parse_quantity("1.5Ki"), Some(1536));
        assert_eq!(parse_quantity("x"), None);
    }
}

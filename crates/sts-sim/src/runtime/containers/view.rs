//! A container's view of the simulated volumes: its mounts (the longest `mountPath` wins),
//! path normalisation, and resolving a path to a volume and a path inside it.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::machinery::resources::PVCS;
use crate::runtime::containers::{image_behaviour, ImageBehaviour};
use crate::runtime::fs::FileSystems;
use crate::state::State;

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

pub(super) fn volume_for(
    state: &State,
    pod: &Value,
    ns: &str,
    uid: &str,
    name: &str,
) -> (String, VolumeKind) {
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

//! Knobs of the simulated cluster. Defaults model a small, fast cluster with a common CSI
//! driver (see DESIGN.md): three nodes, an expandable default StorageClass with online
//! expansion, pods Ready within a fraction of a second, the `maxUnavailable` gate off.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Options for [`crate::Cluster::start`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Where to write the kubeconfig; a temporary file when `None`.
    pub kubeconfig: Option<PathBuf>,
    /// Number of worker nodes (`node-1` ...).
    pub nodes: usize,
    /// Time from a pod's scheduling to `Running`.
    pub pod_start_delay: Duration,
    /// Time from `Running` to `Ready`.
    pub pod_ready_delay: Duration,
    /// How long a terminating pod lingers before it is gone.
    pub termination_delay: Duration,
    /// Time a claim waits before the provisioner binds it.
    pub provision_delay: Duration,
    /// Interval between restarts of a crash-looping container.
    pub crash_restart_interval: Duration,
    /// The `MaxUnavailableStatefulSet` feature gate (off, as in Kubernetes 1.36).
    pub max_unavailable_gate: bool,
    /// Expansion needs a pod restart (`FileSystemResizePending`) instead of happening online.
    pub offline_expansion: bool,
    /// The user named in Forbidden messages.
    pub user: String,
    /// The Kubernetes version `/version` reports.
    pub git_version: String,
    /// Default capacity in bytes of a volume whose claim requests nothing parseable.
    pub default_volume_bytes: u64,
    /// Serve plain HTTP instead of HTTPS with a generated CA (`sts-sim serve --insecure-http`).
    pub insecure_http: bool,
    /// Listen on `127.0.0.1:<nodePort>` for NodePort and LoadBalancer Services, as every node
    /// does (on for `sts-sim serve` and the demo; off for in-process test clusters, whose
    /// node ports would collide across parallel tests).
    pub node_ports: bool,
    /// Seed of the random endpoint choice of Services (kube-proxy picks at random); `None`
    /// seeds from the OS.
    pub endpoint_seed: Option<u64>,
    /// Bearer tokens accepted (`sts-sim serve --token-auth-file`), besides client
    /// certificates signed by the cluster CA.
    pub tokens: Vec<crate::apiserver::auth::authn::StaticToken>,
    /// How requests are authorized (`--authorization-mode`, RBAC by default).
    pub authorization_mode: crate::apiserver::auth::rbac::AuthorizationMode,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            kubeconfig: None,
            nodes: 3,
            pod_start_delay: Duration::from_millis(20),
            pod_ready_delay: Duration::from_millis(30),
            termination_delay: Duration::from_millis(30),
            provision_delay: Duration::from_millis(5),
            crash_restart_interval: Duration::from_millis(300),
            max_unavailable_gate: false,
            offline_expansion: false,
            user: "kubernetes-admin".to_string(),
            git_version: "v1.36.0".to_string(),
            default_volume_bytes: 1 << 30,
            insecure_http: false,
            node_ports: false,
            endpoint_seed: None,
            tokens: Vec::new(),
            authorization_mode: crate::apiserver::auth::rbac::AuthorizationMode::Rbac,
        }
    }
}

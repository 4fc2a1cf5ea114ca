//! Starting and stopping one simulated cluster: bootstrap objects, the HTTP server, the
//! controllers, the kubeconfig and a ready kube-rs client.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api;
use crate::faults::Faults;
use crate::kubeconfig;
use crate::options::ClusterOptions;
use crate::resources;
use crate::state::{SharedState, State};

/// A running simulated cluster. Dropping it stops the server and the controllers.
pub struct Cluster {
    state: SharedState,
    addr: SocketAddr,
    kubeconfig: PathBuf,
    _tempdir: Option<tempfile::TempDir>,
    client: kube::Client,
    shutdown: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

/// Namespaces every cluster starts with.
pub const SYSTEM_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Creates what a fresh cluster has: namespaces, nodes, the default StorageClass and the
/// `kubernetes` Service.
pub fn bootstrap(state: &State) -> anyhow::Result<()> {
    for ns in SYSTEM_NAMESPACES {
        api::create(
            state,
            &resources::NAMESPACES,
            "",
            json!({"metadata": {"name": ns}}),
            false,
        )?;
    }
    crate::controllers::kubelet::bootstrap_nodes(state);
    crate::controllers::provisioner::bootstrap_storage(state);
    api::create(
        state,
        &resources::SERVICES,
        "default",
        json!({
            "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}
        }),
        false,
    )?;
    Ok(())
}

impl Cluster {
    /// Starts a cluster: binds the listener, bootstraps, starts the controllers, writes the
    /// kubeconfig once requests are accepted, and builds a client from it.
    pub async fn start(opts: ClusterOptions) -> anyhow::Result<Cluster> {
        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .with_context(|| format!("binding {}", opts.listen))?;
        let addr = listener.local_addr()?;
        let (tempdir, kubeconfig_path) = match &opts.kubeconfig {
            Some(p) => (None, p.clone()),
            None => {
                let dir = tempfile::tempdir()?;
                let p = dir.path().join("kubeconfig");
                (Some(dir), p)
            }
        };
        let state: SharedState = Arc::new(State::new(opts));
        bootstrap(&state)?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = crate::server::router(state.clone());
        let mut tasks = vec![tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        })];
        tasks.extend(crate::controllers::spawn_all(state.clone()));
        let url = format!("http://{addr}");
        kubeconfig::write(&kubeconfig_path, &url)
            .with_context(|| format!("writing {}", kubeconfig_path.display()))?;
        let client = client_for(&kubeconfig_path).await?;
        Ok(Cluster {
            state,
            addr,
            kubeconfig: kubeconfig_path,
            _tempdir: tempdir,
            client,
            shutdown: Some(tx),
            tasks,
        })
    }

    /// The kubeconfig file (context `sts-sim`, namespace `default`).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// A kube-rs client for this cluster.
    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    /// Fault injection and request counting.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// The cluster's state, for tests that look inside (volumes, store).
    pub fn state(&self) -> &SharedState {
        &self.state
    }

    /// The server's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and the controllers.
    pub async fn shutdown(mut self) {
        self.stop();
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        for t in self.tasks.iter().skip(1) {
            t.abort();
        }
        if let Some(server) = self.tasks.first() {
            server.abort();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A kube-rs client from a kubeconfig file (its current context).
pub async fn client_for(path: &Path) -> anyhow::Result<kube::Client> {
    let kc = kube::config::Kubeconfig::read_from(path)?;
    let config =
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await?;
    Ok(kube::Client::try_from(config)?)
}

//! Starting and stopping one simulated cluster: bootstrap objects, the CA and serving
//! certificate, the HTTPS (or plain HTTP) server, the controllers, the kubeconfig and a
//! ready kube-rs client.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use tokio::sync::oneshot;
use tokio_rustls::rustls::ServerConfig;

use crate::apiserver::faults::Faults;
use crate::apiserver::kubeconfig;
use crate::apiserver::tls;
use crate::machinery::api;
use crate::machinery::resources;
use crate::options::ClusterOptions;
use crate::state::{SharedState, State};

/// A running simulated cluster. It runs on its own thread and tokio runtime, so tests
/// may block (running `kubectl`, a plugin binary) without starving it. Dropping the
/// handle stops the server and the controllers.
pub struct Cluster {
    state: SharedState,
    addr: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    kubeconfig: PathBuf,
    _tempdir: Option<tempfile::TempDir>,
    client: kube::Client,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
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
    crate::apiserver::auth::rbac::defaults::bootstrap(state)?;
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
        let listener = std::net::TcpListener::bind(opts.listen)
            .with_context(|| format!("binding {}", opts.listen))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (tempdir, kubeconfig_path) = match &opts.kubeconfig {
            Some(p) => (None, p.clone()),
            None => {
                let dir = tempfile::tempdir()?;
                let p = dir.path().join("kubeconfig");
                (Some(dir), p)
            }
        };
        let insecure = opts.insecure_http;
        let state: SharedState = Arc::new(State::new(opts));
        let (tls_config, admin) = if insecure {
            (None, None)
        } else {
            let authority = tls::Authority::generate()?;
            let serving = authority.serving()?;
            let admin = authority.client(&state.opts.user, &["system:masters"])?;
            let config = tls::server_config(&serving, Some(&authority))?;
            let _ = state.authority.set(authority);
            (Some(config), Some(admin))
        };
        bootstrap(&state)?;
        let (tx, rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel::<std::io::Result<()>>();
        let thread_state = state.clone();
        let thread_tls = tls_config.clone();
        let thread = std::thread::Builder::new()
            .name("sts-sim".into())
            .spawn(move || {
                serve_on_own_runtime(thread_state, listener, thread_tls, rx, ready_tx)
            })?;
        ready_rx
            .await
            .context("the simulator thread stopped before serving")??;
        let url = base_url(addr, tls_config.is_some());
        let files = state
            .authority
            .get()
            .zip(admin.as_ref())
            .map(|(ca, admin)| kubeconfig::TlsFiles {
                ca_pem: ca.cert_pem(),
                client_cert_pem: &admin.cert_pem,
                client_key_pem: &admin.key_pem,
            });
        kubeconfig::write(&kubeconfig_path, &url, files)
            .with_context(|| format!("writing {}", kubeconfig_path.display()))?;
        let client = client_for(&kubeconfig_path).await?;
        Ok(Cluster {
            state,
            addr,
            tls: tls_config,
            kubeconfig: kubeconfig_path,
            _tempdir: tempdir,
            client,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The kubeconfig file (context `sts-sim`, namespace `default`).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// Writes a kubeconfig at `path` for `user` in `groups`: a client certificate the cluster
    /// CA signs (CN user, O groups), as `kubeadm kubeconfig user` does. HTTPS clusters only.
    pub fn write_user_kubeconfig(
        &self,
        path: &Path,
        user: &str,
        groups: &[&str],
    ) -> anyhow::Result<()> {
        let ca = self
            .state
            .authority
            .get()
            .context("a plain-HTTP cluster has no CA to sign client certificates")?;
        let cert = ca.client(user, groups)?;
        let files = kubeconfig::TlsFiles {
            ca_pem: ca.cert_pem(),
            client_cert_pem: &cert.cert_pem,
            client_key_pem: &cert.key_pem,
        };
        kubeconfig::write(path, &self.url(), Some(files))
            .with_context(|| format!("writing {}", path.display()))
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

    /// The server's base URL: `https://127.0.0.1:PORT`, or `http://` with
    /// [`ClusterOptions::insecure_http`].
    pub fn url(&self) -> String {
        base_url(self.addr, self.tls.is_some())
    }

    /// The cluster CA's certificate (PEM) that clients verify the server with; `None` over
    /// plain HTTP.
    pub fn ca_pem(&self) -> Option<&str> {
        self.state.authority.get().map(tls::Authority::cert_pem)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and the controllers as a killed API server would (open connections
    /// and watches are cut, new connections refused) and waits until they are gone. The state
    /// (objects, event log, volumes, faults, counts) is kept for [`Cluster::restart`].
    pub async fn kill(&mut self) {
        self.stop();
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    /// Serves again on the same address with the same state, after [`Cluster::kill`] (or kills
    /// first when still running): clients and kubeconfigs keep working, and watches can resume
    /// from the resourceVersions they had.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill().await;
        let listener = std::net::TcpListener::bind(self.addr)
            .with_context(|| format!("binding {} again", self.addr))?;
        listener.set_nonblocking(true)?;
        let (tx, rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel::<std::io::Result<()>>();
        let thread_state = self.state.clone();
        let thread_tls = self.tls.clone();
        let thread = std::thread::Builder::new()
            .name("sts-sim".into())
            .spawn(move || {
                serve_on_own_runtime(thread_state, listener, thread_tls, rx, ready_tx)
            })?;
        ready_rx
            .await
            .context("the simulator thread stopped before serving")??;
        self.shutdown = Some(tx);
        self.thread = Some(thread);
        Ok(())
    }

    /// Stops the server and the controllers, and waits until they are gone.
    pub async fn shutdown(mut self) {
        self.stop();
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn base_url(addr: SocketAddr, https: bool) -> String {
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{addr}")
}

/// Runs the server (over TLS with `tls`) and the controllers on a runtime of their own
/// until `shutdown` fires.
fn serve_on_own_runtime(
    state: SharedState,
    listener: std::net::TcpListener,
    tls: Option<Arc<ServerConfig>>,
    shutdown: oneshot::Receiver<()>,
    ready: oneshot::Sender<std::io::Result<()>>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sts-sim-worker")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let mut controllers = crate::controllers::spawn_all(state.clone());
        if state.opts.node_ports {
            controllers.push(tokio::spawn(crate::runtime::nodeports::run(state.clone())));
        }
        let app = crate::apiserver::server::router(state)
            .into_make_service_with_connect_info::<crate::apiserver::auth::authn::ClientIdentity>(
        );
        type Served =
            std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>> + Send>>;
        let served: Served = match tls {
            Some(config) => match tls::TlsListener::new(listener, config) {
                Ok(listener) => Box::pin(axum::serve(listener, app).into_future()),
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            },
            None => Box::pin(axum::serve(listener, app).into_future()),
        };
        let _ = ready.send(Ok(()));
        // Not a graceful shutdown: open watches would hold it forever.
        tokio::select! {
            _ = served => {}
            _ = shutdown => {}
        }
        for c in controllers {
            c.abort();
        }
    });
    // Dropping the runtime ends open watch streams and exec sessions.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
}

/// A kube-rs client from a kubeconfig file (its current context).
pub async fn client_for(path: &Path) -> anyhow::Result<kube::Client> {
    let kc = kube::config::Kubeconfig::read_from(path)?;
    let config =
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await?;
    Ok(kube::Client::try_from(config)?)
}

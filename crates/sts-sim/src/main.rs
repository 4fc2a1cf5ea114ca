//! `sts-sim`: run the simulated cluster standalone.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "sts-sim",
    version,
    about = "A simulated Kubernetes cluster on 127.0.0.1 for kubectl sts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until interrupted; writes a kubeconfig once requests are accepted.
    Serve {
        /// Where to write the kubeconfig (context `sts-sim`, namespace `default`).
        #[arg(long)]
        kubeconfig: PathBuf,
        /// Address to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
        /// Turn on the MaxUnavailableStatefulSet feature gate.
        #[arg(long)]
        max_unavailable: bool,
        /// Serve plain HTTP instead of HTTPS (by default a CA is generated and written into
        /// the kubeconfig as certificate-authority-data).
        #[arg(long)]
        insecure_http: bool,
        /// Do not listen on 127.0.0.1:<nodePort> for NodePort and LoadBalancer Services.
        #[arg(long)]
        no_node_ports: bool,
        /// Accept the bearer tokens of this CSV file, kube-apiserver's format:
        /// `token,user,uid[,"group1,group2"]`.
        #[arg(long, value_name = "FILE")]
        token_auth_file: Option<PathBuf>,
        /// How requests are authorized: RBAC (roles and bindings) or AlwaysAllow.
        #[arg(long, default_value = "RBAC", value_parser = ["RBAC", "AlwaysAllow"])]
        authorization_mode: String,
    },
    /// Play the seeds' scenario with kubectl and the plugins against a fresh simulated cluster.
    Demo {
        /// Folder holding the kubectl-sts-* binaries (default: next to sts-sim).
        #[arg(long, value_name = "DIR")]
        bin_dir: Option<PathBuf>,
        /// Keep the cluster running afterwards (until Ctrl-C) and print its KUBECONFIG.
        #[arg(long)]
        keep: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            kubeconfig,
            listen,
            max_unavailable,
            insecure_http,
            no_node_ports,
            token_auth_file,
            authorization_mode,
        } => {
            let tokens = match &token_auth_file {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| {
                        anyhow::anyhow!("reading --token-auth-file {}: {e}", path.display())
                    })?;
                    sts_sim::apiserver::auth::authn::parse_token_file(&text)
                        .map_err(|e| anyhow::anyhow!("--token-auth-file {}: {e}", path.display()))?
                }
                None => Vec::new(),
            };
            let opts = sts_sim::ClusterOptions {
                tokens,
                authorization_mode: authorization_mode.parse().map_err(anyhow::Error::msg)?,
                listen,
                kubeconfig: Some(kubeconfig.clone()),
                max_unavailable_gate: max_unavailable,
                insecure_http,
                node_ports: !no_node_ports,
                ..Default::default()
            };
            let cluster = sts_sim::Cluster::start(opts).await?;
            eprintln!(
                "sts-sim serving {} ; export KUBECONFIG={}",
                cluster.url(),
                kubeconfig.display()
            );
            tokio::spawn(announce_node_ports(cluster.state().node_ports.watch()));
            tokio::signal::ctrl_c().await?;
            cluster.shutdown().await;
        }
        Command::Demo { bin_dir, keep } => {
            sts_sim::demo::run(sts_sim::demo::DemoOptions {
                bin_dir,
                keep,
                ..Default::default()
            })
            .await?;
        }
    }
    Ok(())
}

/// Prints each Service's URL when its node port opens, as `minikube service --url` would.
async fn announce_node_ports(
    mut open: tokio::sync::watch::Receiver<BTreeMap<u16, sts_sim::runtime::nodeports::Owner>>,
) {
    let mut shown: BTreeMap<u16, sts_sim::runtime::nodeports::Owner> = BTreeMap::new();
    loop {
        let now = open.borrow_and_update().clone();
        for (port, owner) in &now {
            if shown.get(port) != Some(owner) {
                let (ns, name) = owner;
                eprintln!("sts-sim: service {ns}/{name} at http://127.0.0.1:{port}");
            }
        }
        shown = now;
        if open.changed().await.is_err() {
            return;
        }
    }
}

//! Resolves [`ClusterArgs`] once into a [`Target`]: a client, the namespace scope and the output
//! settings. This is the only place that reads kubeconfig files and the environment.

use std::io::IsTerminal;
use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::args::{ClusterArgs, ColorChoice, OutputFormat};
use crate::error::{Error, Result};

/// Which namespaces a command looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One namespace.
    Namespace(String),
    /// `-A`: every namespace.
    All,
}

impl Scope {
    /// The namespace, or `None` for all namespaces.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Namespace(ns) => Some(ns),
            Scope::All => None,
        }
    }
}

/// Output settings resolved from flags, the terminal and `NO_COLOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSettings {
    /// `-o`.
    pub format: OutputFormat,
    /// `--no-headers`.
    pub no_headers: bool,
    /// Whether to emit ANSI colours on stdout.
    pub color: bool,
    /// Whether stderr is a terminal (progress bars only then).
    pub progress: bool,
}

impl OutputSettings {
    /// Resolves colour and progress from the flags and the environment.
    pub fn resolve(args: &ClusterArgs) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = !no_color
            && match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => std::io::stdout().is_terminal(),
            };
        OutputSettings {
            format: args.output,
            no_headers: args.no_headers,
            color,
            progress: std::io::stderr().is_terminal(),
        }
    }
}

/// Everything a command needs to talk to the cluster, resolved once.
#[derive(Clone)]
pub struct Target {
    /// The API client.
    pub client: Client,
    /// Namespace scope.
    pub scope: Scope,
    /// `-l` for StatefulSets.
    pub selector: Option<String>,
    /// Output settings.
    pub output: OutputSettings,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("scope", &self.scope)
            .field("selector", &self.selector)
            .field("output", &self.output)
            .finish()
    }
}

impl Target {
    /// Builds the client from the kubeconfig (`--kubeconfig`, else `KUBECONFIG` merged as kubectl
    /// does, else `~/.kube/config`) and resolves the namespace.
    pub async fn connect(args: &ClusterArgs) -> Result<Target> {
        let kubeconfig = load_kubeconfig(args.kubeconfig.as_deref())?;
        let options = KubeConfigOptions {
            context: args.context.clone(),
            cluster: args.cluster.clone(),
            user: args.user.clone(),
        };
        if let Some(user) = &args.user {
            if !kubeconfig.auth_infos.iter().any(|u| &u.name == user) {
                return Err(Error::Kubeconfig {
                    message: format!("error: auth info {user:?} does not exist"),
                });
            }
        }
        let mut config = Config::from_custom_kubeconfig(kubeconfig, &options).await?;
        if let Some(timeout) = args.request_timeout.filter(|t| !t.is_zero()) {
            config.connect_timeout = Some(timeout);
            config.read_timeout = Some(timeout);
            config.write_timeout = Some(timeout);
        }
        let scope = if args.all_namespaces {
            Scope::All
        } else {
            Scope::Namespace(
                args.namespace
                    .clone()
                    .unwrap_or_else(|| config.default_namespace.clone()),
            )
        };
        let client = build_client(config, args.verbose)?;
        Ok(Target {
            client,
            scope,
            selector: args.selector.clone(),
            output: OutputSettings::resolve(args),
        })
    }

    /// The namespace of a single-namespace scope, or an error explaining that `-A` does not apply.
    pub fn single_namespace(&self, command: &str) -> Result<&str> {
        self.scope.namespace().ok_or_else(|| {
            Error::invalid(
                format!("{command} works on one namespace; -A/--all-namespaces is not supported"),
                "pass -n NAMESPACE instead",
            )
        })
    }
}

fn load_kubeconfig(explicit: Option<&Path>) -> Result<Kubeconfig> {
    match explicit {
        Some(path) => {
            if !path.exists() {
                return Err(Error::Kubeconfig {
                    message: format!("error: stat {}: no such file or directory", path.display()),
                });
            }
            Ok(Kubeconfig::read_from(path)?)
        }
        None => Ok(Kubeconfig::read()?),
    }
}

fn build_client(config: Config, verbose: bool) -> Result<Client> {
    let builder = kube::client::ClientBuilder::try_from(config).map_err(|e| Error::Kubeconfig {
        message: format!("error: cannot build a client from the kubeconfig: {e}"),
    })?;
    if !verbose {
        return Ok(builder.build());
    }
    // Only method, URL and status are printed: headers (and so bearer tokens) never are.
    let log_request =
        tower::util::MapRequestLayer::new(|req: http::Request<kube::client::Body>| {
            eprintln!("I {} {}", req.method(), req.uri());
            req
        });
    let log_response =
        tower::util::MapResponseLayer::new(|res: http::Response<Box<kube::client::DynBody>>| {
            eprintln!("I   -> {}", res.status());
            res
        });
    Ok(builder
        .with_layer(&log_request)
        .with_layer(&log_response)
        .build())
}

//! Resolves [`ClusterArgs`] once into a [`Target`]: a client, the namespace scope and the output
//! settings. This is the only place that reads kubeconfig files and the environment.

use std::io::IsTerminal;
use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::cli::args::{ClusterArgs, ColorChoice, OutputFormat};
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
    /// Plain output in `format`: headers, no colour, no progress bars (pipes, tests).
    pub fn plain(format: OutputFormat) -> Self {
        OutputSettings {
            format,
            no_headers: false,
            color: false,
            progress: false,
        }
    }

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
    /// The API client: with `--request-timeout`, every read of a response is bounded by it.
    pub client: Client,
    /// The client for long-lived watches: connecting and writing are bounded by
    /// `--request-timeout`, but not reading, so a quiet watch is not cut (and re-established)
    /// every `--request-timeout`. kube's watcher bounds each watch itself (`timeoutSeconds`, then
    /// an idle timeout a little past it). The same client when no `--request-timeout` is given.
    pub watch_client: Client,
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
            context: args.context.clone().map(String::from),
            cluster: args.cluster.clone().map(String::from),
            user: args.user.clone().map(String::from),
        };
        if let Some(user) = args.user.as_deref() {
            if !kubeconfig.auth_infos.iter().any(|u| u.name == user) {
                return Err(Error::Kubeconfig {
                    message: format!("error: auth info {user:?} does not exist"),
                });
            }
        }
        let mut config = Config::from_custom_kubeconfig(kubeconfig, &options).await?;
        let request_timeout = args.request_timeout.filter(|t| !t.is_zero());
        if let Some(timeout) = request_timeout {
            config.connect_timeout = Some(timeout);
            config.write_timeout = Some(timeout);
        }
        let watch_config = config.clone();
        if let Some(timeout) = request_timeout {
            config.read_timeout = Some(timeout);
        }
        let scope = if args.all_namespaces {
            Scope::All
        } else {
            Scope::Namespace(
                args.namespace
                    .clone()
                    .map(String::from)
                    .unwrap_or_else(|| config.default_namespace.clone()),
            )
        };
        let client = build_client(config, args.verbose)?;
        let watch_client = match request_timeout {
            Some(_) => build_client(watch_config, args.verbose)?,
            None => client.clone(),
        };
        Ok(Target {
            client,
            watch_client,
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
    Ok(builder.with_layer(&RequestLog).build())
}

/// `-v`: one stderr line per request with method, path, status and duration. Headers (and so
/// bearer tokens) are never printed.
#[derive(Clone, Copy)]
struct RequestLog;

impl<S> tower::Layer<S> for RequestLog {
    type Service = RequestLogService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RequestLogService { inner }
    }
}

#[derive(Clone)]
struct RequestLogService<S> {
    inner: S,
}

impl<S, B> tower::Service<http::Request<kube::client::Body>> for RequestLogService<S>
where
    S: tower::Service<http::Request<kube::client::Body>, Response = http::Response<B>>,
    S::Future: Send + 'static,
    S::Error: std::fmt::Display,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = futures::future::BoxFuture<'static, std::result::Result<S::Response, S::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::result::Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<kube::client::Body>) -> Self::Future {
        let line = format!("{} {}", req.method(), req.uri());
        let started = std::time::Instant::now();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let res = fut.await;
            let ms = started.elapsed().as_millis();
            match &res {
                Ok(r) => eprintln!("I {line} {} in {ms} ms", r.status()),
                Err(e) => eprintln!("I {line} failed in {ms} ms: {e}"),
            }
            res
        })
    }
}

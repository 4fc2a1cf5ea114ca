//! Command-line flags every plugin shares, as one clap [`Args`] struct to `#[command(flatten)]`.
//!
//! These are the flags a user already knows from kubectl and mean the same thing. They are only
//! what the user typed; [`crate::cli::target::Target::connect`] resolves them once into a client, a
//! namespace and output settings.

use super::values::{ClusterName, ContextName, NamespaceName, UserName};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// Cluster access, selection and output flags shared by all `kubectl sts-*` plugins.
#[derive(Args, Debug, Clone, Default)]
pub struct ClusterArgs {
    /// Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined
    /// by ':', else ~/.kube/config).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// The name of the kubeconfig context to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<ContextName>,

    /// The name of the kubeconfig cluster to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<ClusterName>,

    /// The name of the kubeconfig user to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<UserName>,

    /// Namespace to work in (default: the context's namespace, else "default").
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<NamespaceName>,

    /// Work on StatefulSets of all namespaces.
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,

    /// Label selector for the StatefulSets (e.g. app=web,tier!=cache).
    #[arg(short = 'l', long, global = true, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Output format.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Do not print table headers.
    #[arg(long, global = true)]
    pub no_headers: bool,

    /// How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit).
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,

    /// When to colour the output: auto colours only a terminal; NO_COLOR always wins.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Log each API request (method, URL, status) to stderr; credentials are never printed.
    #[arg(short = 'v', long = "verbose", global = true)]
    pub verbose: bool,
}

/// `-o/--output` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// A kubectl-style table.
    #[default]
    Table,
    /// The table with extra columns.
    Wide,
    /// JSON with a stable schema (apiVersion/kind/items).
    Json,
    /// YAML with the same schema as JSON.
    Yaml,
    /// One `resource/name` per line.
    Name,
}

/// `--color` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    /// Always colour (unless NO_COLOR is set).
    Always,
    /// Never colour.
    Never,
}

/// Parses kubectl-style durations (`30s`, `5m`, `1m30s`, `250ms`, bare seconds), bounded by
/// [`crate::k8s::duration::MAX_DURATION`]; see [`crate::k8s::duration::parse`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::k8s::duration::parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_kubectl() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("").is_err());
    }
}

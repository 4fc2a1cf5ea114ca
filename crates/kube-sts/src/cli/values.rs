//! The value types of the flags whose candidates come from the cluster or the kubeconfig. The
//! completer ([`super::complete`]) finds what to offer for an argument by its value type
//! (clap records the type of each argument's parser), never by the field's name, so renaming
//! a field in a binary cannot silently break completion: declare `names: Vec<StatefulSetName>`
//! and the argument completes StatefulSet names.
//!
//! They parse as plain text (numbers as numbers) and deref to it; the library checks them.

use std::any::TypeId;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub String);

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name(s.to_string()))
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

text_value!(
    /// A StatefulSet name (`kubectl sts-visits NAME`).
    StatefulSetName
);
text_value!(
    /// A namespace (`-n`).
    NamespaceName
);
text_value!(
    /// A kubeconfig context (`--context`).
    ContextName
);
text_value!(
    /// A kubeconfig cluster (`--cluster`).
    ClusterName
);
text_value!(
    /// A kubeconfig user (`--user`).
    UserName
);
text_value!(
    /// A container of the StatefulSet's pod template (`-c`).
    ContainerName
);
text_value!(
    /// A volumeClaimTemplate of the StatefulSet (`--template`).
    TemplateName
);
text_value!(
    /// A revision, by number or ControllerRevision name (`diff --from/--to`).
    RevisionRef
);
text_value!(
    /// `CONTAINER=IMAGE` as typed (`start --image`); parsed into an image change later, so a
    /// bad one gets the plugin's error and hint rather than clap's.
    ImageArg
);
text_value!(
    /// `CONTAINER:KEY=VALUE` as typed (`start --env`).
    EnvArg
);

/// A revision number (`undo --to-revision N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RevisionNumber(pub i64);

impl FromStr for RevisionNumber {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse::<i64>().map(RevisionNumber).map_err(|_| {
            format!("{s:?} is not a revision number (see: kubectl sts-rollout history NAME)")
        })
    }
}

/// A partition ordinal (`--partition N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Partition(pub i32);

impl FromStr for Partition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse::<i32>().map(Partition).map_err(|_| {
            format!("{s:?} is not a partition ordinal (an integer from 0 to replicas)")
        })
    }
}

/// Turns typed StatefulSet names back into the plain names the library functions take.
pub fn names(values: &[StatefulSetName]) -> Vec<String> {
    values.iter().map(|v| v.0.clone()).collect()
}

/// What the completer offers for an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completer {
    /// Namespaces of the cluster.
    Namespace,
    /// Contexts of the kubeconfig.
    Context,
    /// Clusters of the kubeconfig.
    Cluster,
    /// Users of the kubeconfig.
    User,
    /// StatefulSets in scope (names already typed are left out).
    StatefulSet,
    /// Containers of the named StatefulSet.
    Container,
    /// `CONTAINER=IMAGE` of the named StatefulSet.
    Image,
    /// `CONTAINER:NAME=VALUE` of the named StatefulSet.
    Env,
    /// Revisions of the named StatefulSet.
    Revision,
    /// Partition ordinals of the named StatefulSet.
    Partition,
    /// volumeClaimTemplates of the named StatefulSet.
    Template,
}

/// The completer for an argument whose parser produces values of type `value_type`.
pub fn completer_for(value_type: &clap::builder::ValueParser) -> Option<Completer> {
    let table: [(TypeId, Completer); 12] = [
        (TypeId::of::<NamespaceName>(), Completer::Namespace),
        (TypeId::of::<ContextName>(), Completer::Context),
        (TypeId::of::<ClusterName>(), Completer::Cluster),
        (TypeId::of::<UserName>(), Completer::User),
        (TypeId::of::<StatefulSetName>(), Completer::StatefulSet),
        (TypeId::of::<ContainerName>(), Completer::Container),
        (TypeId::of::<ImageArg>(), Completer::Image),
        (TypeId::of::<EnvArg>(), Completer::Env),
        (TypeId::of::<RevisionNumber>(), Completer::Revision),
        (TypeId::of::<RevisionRef>(), Completer::Revision),
        (TypeId::of::<Partition>(), Completer::Partition),
        (TypeId::of::<TemplateName>(), Completer::Template),
    ];
    let id = value_type.type_id();
    table.iter().find(|(t, _)| id == *t).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[arg(value_name = "NAME")]
        anything_at_all: Vec<StatefulSetName>,
        #[arg(long)]
        renamed_partition: Option<Partition>,
        #[arg(long)]
        plain: Option<String>,
    }

    fn completer(id: &str) -> Option<Completer> {
        let cmd = <Cli as clap::CommandFactory>::command();
        let arg = cmd.get_arguments().find(|a| a.get_id() == id).unwrap();
        completer_for(arg.get_value_parser())
    }

    #[test]
    fn completers_follow_the_type_not_the_name() {
        assert_eq!(completer("anything_at_all"), Some(Completer::StatefulSet));
        assert_eq!(completer("renamed_partition"), Some(Completer::Partition));
        assert_eq!(completer("plain"), None);
        let cli = Cli::parse_from(["x", "web", "db", "--renamed-partition", "2"]);
        assert_eq!(names(&cli.anything_at_all), ["web", "db"]);
        assert_eq!(cli.renamed_partition, Some(Partition(2)));
        assert!(Cli::try_parse_from(["x", "--renamed-partition", "two"]).is_err());
    }
}

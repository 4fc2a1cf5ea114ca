//! Shell completion for the plugins: the dynamic completer kubectl calls, and the static
//! scripts and man pages generated from each binary's clap definition.
//!
//! kubectl (>= 1.26) completes `kubectl sts-visits <TAB>` by running `kubectl_complete-sts_visits`
//! from PATH with the plugin's words so far and the word being completed, and reads cobra's
//! protocol back: one candidate per line (`candidate<TAB>description`), then `:<directive>`.
//! A binary answers that protocol when it is called as `kubectl-sts-visits __complete WORDS...`
//! (what the shim scripts in `completions/` do) or through a link whose file name starts with
//! `kubectl_complete-` (argv[0]). [`intercept`] handles both before the normal argument parsing,
//! plus the hidden generators `__completions SHELL` and `__man`.
//!
//! The completer walks the words with the binary's [`clap::Command`], so it knows the subcommand,
//! the flag whose value is being completed, and the `--kubeconfig`/`--context`/`-n` already
//! typed. It answers from the cluster (StatefulSets, namespaces, containers, revisions, claim
//! templates) and the kubeconfig (contexts, clusters, users). It never prints to stderr and always
//! exits 0: an unreachable cluster only means fewer candidates, since a non-zero exit would make
//! kubectl drop everything.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Arg, ArgAction, Command, CommandFactory, ValueHint};
#[cfg(feature = "generators")]
use clap_complete::{Generator, Shell};
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};
use kube::config::Kubeconfig;

use crate::cli::args::ClusterArgs;
use crate::cli::target::{Scope, Target};
use crate::cli::values::{
    completer_for, ClusterName, Completer, ContextName, NamespaceName, UserName,
};
use crate::k8s::owners;

/// The hidden first argument that runs the dynamic completer.
pub const COMPLETE_ARG: &str = "__complete";
/// The hidden first argument that prints a static completion script: `__completions bash`.
pub const COMPLETIONS_ARG: &str = "__completions";
/// The hidden first argument that prints the man page (roff).
pub const MAN_ARG: &str = "__man";
/// The file-name prefix kubectl looks for when completing a plugin.
pub const SHIM_PREFIX: &str = "kubectl_complete-";

/// How long the completer may spend on the cluster before it answers with what it has.
const CLUSTER_BUDGET: Duration = Duration::from_secs(4);

/// cobra's `ShellCompDirectiveNoSpace`: do not add a space after the candidate.
pub const DIRECTIVE_NO_SPACE: u32 = 2;
/// cobra's `ShellCompDirectiveNoFileComp`: do not fall back to file names.
pub const DIRECTIVE_NO_FILE_COMP: u32 = 4;
/// cobra's `ShellCompDirectiveDefault`: the shell may complete file names.
pub const DIRECTIVE_DEFAULT: u32 = 0;

/// Runs the hidden entry points if the command line asks for one, and returns the exit code;
/// `None` means a normal invocation. Call it first in `main`:
///
/// ```ignore
/// if let Some(code) = kube_sts::cli::complete::intercept::<Cli>().await {
///     return code;
/// }
/// ```
pub async fn intercept<C: CommandFactory>() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let argv0 = args.first().map(String::as_str).unwrap_or_default();
    let file_name = std::path::Path::new(argv0)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    if file_name.starts_with(SHIM_PREFIX) {
        run_complete(C::command(), &args[1..]).await;
        return Some(ExitCode::SUCCESS);
    }
    match args.get(1).map(String::as_str) {
        Some(COMPLETE_ARG) => {
            run_complete(C::command(), &args[2..]).await;
            Some(ExitCode::SUCCESS)
        }
        Some(arg @ (COMPLETIONS_ARG | MAN_ARG)) if !cfg!(feature = "generators") => {
            eprintln!(
                "error: {arg} is not in this build (release binaries leave the completion and man \
                 page generators out)\nhint: the scripts and pages are in completions/ and man/; \
                 to regenerate them run `cargo xtask completions`"
            );
            Some(ExitCode::from(2))
        }
        #[cfg(feature = "generators")]
        Some(COMPLETIONS_ARG) => {
            let shell = args.get(2).and_then(|s| s.parse::<Shell>().ok());
            let Some(shell) = shell else {
                eprintln!("usage: {COMPLETIONS_ARG} bash|zsh|fish|powershell|elvish");
                return Some(ExitCode::from(2));
            };
            let mut out = Vec::new();
            generate_script(C::command(), shell, &mut out);
            Some(write_stdout(&out))
        }
        #[cfg(feature = "generators")]
        Some(MAN_ARG) => {
            let mut out = Vec::new();
            if render_man(C::command(), &mut out).is_err() {
                return Some(ExitCode::FAILURE);
            }
            Some(write_stdout(&out))
        }
        _ => None,
    }
}

fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

/// The file name a binary is installed under: `kubectl sts-visits` -> `kubectl-sts-visits`.
pub fn binary_name(cmd: &Command) -> String {
    cmd.get_name().replace(' ', "-")
}

#[cfg(feature = "generators")]
/// Writes the static completion script of `shell` for direct calls of the binary
/// (`kubectl-sts-visits ...`). `kubectl sts-visits ...` completes through kubectl instead.
pub fn generate_script(mut cmd: Command, shell: Shell, out: &mut dyn Write) {
    let bin = binary_name(&cmd);
    clap_complete::generate(shell, &mut cmd, bin, out);
}

#[cfg(feature = "generators")]
/// The file name of the static script for `shell` (`kubectl-sts-visits.bash`, `_kubectl-sts-visits`).
pub fn script_file_name(cmd: &Command, shell: Shell) -> String {
    shell.file_name(&binary_name(cmd))
}

#[cfg(feature = "generators")]
/// Renders the man page (section 1) of the binary.
pub fn render_man(cmd: Command, out: &mut dyn Write) -> std::io::Result<()> {
    let title = binary_name(&cmd);
    clap_mangen::Man::new(cmd).title(title).render(out)
}

/// Completes `words` (the last one is the word being completed) and prints cobra's protocol to
/// stdout.
pub async fn run_complete(cmd: Command, words: &[String]) {
    let answer = complete(cmd, words, &ClusterSource).await;
    let _ = write_stdout(answer.render().as_bytes());
}

/// The completer's answer: candidates and a cobra directive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// `(candidate, description)` pairs, in display order.
    pub candidates: Vec<(String, String)>,
    /// cobra's directive bits.
    pub directive: u32,
}

impl Answer {
    fn new(directive: u32) -> Self {
        Answer {
            candidates: Vec::new(),
            directive,
        }
    }

    fn push(&mut self, value: impl Into<String>, description: impl Into<String>) {
        self.candidates.push((value.into(), description.into()));
    }

    /// cobra's wire format: `candidate[\tdescription]` lines and a final `:<directive>`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (value, description) in &self.candidates {
            out.push_str(value);
            let description = one_line(description);
            if !description.is_empty() {
                out.push('\t');
                out.push_str(&description);
            }
            out.push('\n');
        }
        out.push_str(&format!(":{}\n", self.directive));
        out
    }
}

/// Descriptions longer than this are cut (shells show them beside each candidate).
const DESCRIPTION_MAX: usize = 80;

fn one_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default().trim();
    let first = first.trim_end_matches('.').replace('\t', " ");
    if first.chars().count() > DESCRIPTION_MAX {
        let cut: String = first.chars().take(DESCRIPTION_MAX - 3).collect();
        format!("{}...", cut.trim_end())
    } else {
        first
    }
}

/// What the completer may ask the cluster or the kubeconfig. The real one is [`ClusterSource`];
/// tests can answer from memory.
pub trait Source {
    /// StatefulSets visible with these flags (all namespaces with `-A`).
    fn statefulsets(
        &self,
        args: &ClusterArgs,
    ) -> impl std::future::Future<Output = Vec<StatefulSet>> + Send;
    /// Namespace names.
    fn namespaces(
        &self,
        args: &ClusterArgs,
    ) -> impl std::future::Future<Output = Vec<String>> + Send;
    /// ControllerRevisions in the namespace of these flags.
    fn revisions(
        &self,
        args: &ClusterArgs,
    ) -> impl std::future::Future<Output = Vec<ControllerRevision>> + Send;
    /// The merged kubeconfig (`--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`).
    fn kubeconfig(&self, args: &ClusterArgs) -> Option<Kubeconfig>;
}

/// Answers from the cluster the flags point at, within a short time budget; any failure is an
/// empty answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterSource;

impl ClusterSource {
    async fn target(args: &ClusterArgs) -> Option<Target> {
        let mut args = args.clone();
        args.verbose = false;
        args.request_timeout = Some(CLUSTER_BUDGET);
        tokio::time::timeout(CLUSTER_BUDGET, Target::connect(&args))
            .await
            .ok()?
            .ok()
    }
}

async fn within<T: Default>(fut: impl std::future::Future<Output = Option<T>>) -> T {
    tokio::time::timeout(CLUSTER_BUDGET, fut)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

impl Source for ClusterSource {
    async fn statefulsets(&self, args: &ClusterArgs) -> Vec<StatefulSet> {
        within(async {
            let target = Self::target(args).await?;
            let api: Api<StatefulSet> = match &target.scope {
                Scope::All => Api::all(target.client.clone()),
                Scope::Namespace(ns) => Api::namespaced(target.client.clone(), ns),
            };
            let mut lp = ListParams::default();
            if let Some(sel) = &args.selector {
                lp = lp.labels(sel);
            }
            Some(api.list(&lp).await.ok()?.items)
        })
        .await
    }

    async fn namespaces(&self, args: &ClusterArgs) -> Vec<String> {
        within(async {
            let target = Self::target(args).await?;
            let api: Api<Namespace> = Api::all(target.client.clone());
            let list = api.list(&ListParams::default()).await.ok()?;
            Some(
                list.items
                    .into_iter()
                    .filter_map(|n| n.metadata.name)
                    .collect(),
            )
        })
        .await
    }

    async fn revisions(&self, args: &ClusterArgs) -> Vec<ControllerRevision> {
        within(async {
            let target = Self::target(args).await?;
            let ns = target.scope.namespace()?.to_string();
            let api: Api<ControllerRevision> = Api::namespaced(target.client.clone(), &ns);
            Some(api.list(&ListParams::default()).await.ok()?.items)
        })
        .await
    }

    fn kubeconfig(&self, args: &ClusterArgs) -> Option<Kubeconfig> {
        match &args.kubeconfig {
            Some(path) => Kubeconfig::read_from(path).ok(),
            None => Kubeconfig::read().ok(),
        }
    }
}

/// Where the cursor is, after walking the words before it.
#[derive(Debug, Default)]
struct Walk {
    /// Subcommand names below the root.
    path: Vec<String>,
    /// Positional words of the innermost command.
    positionals: Vec<String>,
    /// Values typed per argument id.
    values: BTreeMap<String, Vec<String>>,
    /// Ids of flags already typed.
    seen: BTreeSet<String>,
    /// The flag whose value the last word is (`-n <TAB>`).
    pending: Option<String>,
    /// After `--`: only positionals.
    dashdash: bool,
}

fn find_long<'a>(cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name)
            || a.get_all_aliases()
                .is_some_and(|aliases| aliases.contains(&name))
    })
}

fn find_short(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| {
        a.get_short() == Some(c) || a.get_all_short_aliases().is_some_and(|s| s.contains(&c))
    })
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

fn innermost<'a>(root: &'a Command, path: &[String]) -> &'a Command {
    let mut cmd = root;
    for name in path {
        match cmd.find_subcommand(name) {
            Some(sub) => cmd = sub,
            None => break,
        }
    }
    cmd
}

fn walk(root: &Command, words: &[String]) -> Walk {
    let mut w = Walk::default();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let cmd = innermost(root, &w.path);
        let last = i + 1 == words.len();
        if w.dashdash || word == "-" || !word.starts_with('-') || is_number(word) {
            if word == "-" || w.dashdash || is_number(word) {
                w.positionals.push(word.clone());
            } else if w.positionals.is_empty() && cmd.find_subcommand(word).is_some() {
                let name = cmd
                    .find_subcommand(word)
                    .map(|s| s.get_name().to_string())
                    .unwrap_or_default();
                w.path.push(name);
            } else {
                w.positionals.push(word.clone());
            }
        } else if word == "--" {
            w.dashdash = true;
        } else if let Some(long) = word.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            if let Some(arg) = find_long(cmd, name) {
                let id = arg.get_id().to_string();
                w.seen.insert(id.clone());
                if takes_value(arg) {
                    match value {
                        Some(v) => w.values.entry(id).or_default().push(v),
                        None if last => w.pending = Some(id),
                        None => {
                            i += 1;
                            w.values.entry(id).or_default().push(words[i].clone());
                        }
                    }
                }
            }
        } else {
            // A cluster of short flags: `-A`, `-nprod`, `-n prod`, `-wA`.
            let shorts: Vec<char> = word[1..].chars().collect();
            let mut k = 0;
            while k < shorts.len() {
                let Some(arg) = find_short(cmd, shorts[k]) else {
                    k += 1;
                    continue;
                };
                let id = arg.get_id().to_string();
                w.seen.insert(id.clone());
                if takes_value(arg) {
                    let rest: String = shorts[k + 1..].iter().collect();
                    let rest = rest.strip_prefix('=').unwrap_or(&rest).to_string();
                    if !rest.is_empty() {
                        w.values.entry(id).or_default().push(rest);
                    } else if last {
                        w.pending = Some(id);
                    } else {
                        i += 1;
                        w.values.entry(id).or_default().push(words[i].clone());
                    }
                    break;
                }
                k += 1;
            }
        }
        i += 1;
    }
    w
}

fn is_number(word: &str) -> bool {
    word.len() > 1 && word[1..].chars().all(|c| c.is_ascii_digit()) && word.starts_with('-')
}

/// The cluster flags typed so far, for the queries.
fn cluster_args(w: &Walk) -> ClusterArgs {
    let one = |id: &str| w.values.get(id).and_then(|v| v.last()).cloned();
    ClusterArgs {
        kubeconfig: one("kubeconfig").map(Into::into),
        context: one("context").map(ContextName),
        cluster: one("cluster").map(ClusterName),
        user: one("user").map(UserName),
        namespace: one("namespace").map(NamespaceName),
        all_namespaces: w.seen.contains("all_namespaces"),
        selector: one("selector"),
        ..ClusterArgs::default()
    }
}

/// Works out the candidates for the last word of `words`.
pub async fn complete(mut root: Command, words: &[String], source: &impl Source) -> Answer {
    root.build();
    let (current, before) = match words.split_last() {
        Some((last, before)) => (last.clone(), before),
        None => (String::new(), &[][..]),
    };
    // Walk the words before the cursor, plus the cursor word when it is a whole flag awaiting a
    // value on its own (handled by the `pending` case through the previous word).
    let w = walk(&root, before);
    let cmd = innermost(&root, &w.path);
    let args = cluster_args(&w);

    if let Some(id) = &w.pending {
        if let Some(arg) = cmd.get_arguments().find(|a| a.get_id() == id.as_str()) {
            return complete_value(arg, &current, "", &w, &args, source).await;
        }
    }
    if !w.dashdash && current.starts_with("--") {
        if let Some((name, value)) = current[2..].split_once('=') {
            return match find_long(cmd, name) {
                Some(arg) if takes_value(arg) => {
                    complete_value(arg, value, &format!("--{name}="), &w, &args, source).await
                }
                _ => Answer::new(DIRECTIVE_NO_FILE_COMP),
            };
        }
    }
    if !w.dashdash && current.starts_with('-') && !is_number(&current) {
        return complete_flags(cmd, &current, &w);
    }

    // A positional word: subcommands first, then the positional argument at this index.
    let mut answer = Answer::new(DIRECTIVE_NO_FILE_COMP);
    if w.positionals.is_empty() && !w.dashdash {
        // clap's generated `help` subcommand is left out: `--help` says the same.
        let visible = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help");
        for sub in visible {
            if sub.get_name().starts_with(&current) {
                answer.push(
                    sub.get_name(),
                    sub.get_about().map(|a| a.to_string()).unwrap_or_default(),
                );
            }
        }
    }
    if let Some(arg) = positional_at(cmd, w.positionals.len()) {
        let values = complete_value(arg, &current, "", &w, &args, source).await;
        answer.candidates.extend(values.candidates);
        if answer.candidates.is_empty() {
            answer.directive = values.directive;
        }
    }
    answer
}

fn positional_at(cmd: &Command, index: usize) -> Option<&Arg> {
    let mut positionals: Vec<&Arg> = cmd.get_positionals().filter(|a| !a.is_hide_set()).collect();
    positionals.sort_by_key(|a| a.get_index().unwrap_or(usize::MAX));
    positionals.into_iter().enumerate().find_map(|(seen, arg)| {
        let many = arg.get_num_args().is_some_and(|r| r.max_values() > 1)
            || matches!(arg.get_action(), ArgAction::Append);
        (many || index == seen).then_some(arg)
    })
}

fn complete_flags(cmd: &Command, current: &str, w: &Walk) -> Answer {
    let mut answer = Answer::new(DIRECTIVE_NO_FILE_COMP);
    for arg in cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
    {
        let repeatable = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
        if w.seen.contains(arg.get_id().as_str()) && !repeatable {
            continue;
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        if let Some(long) = arg.get_long() {
            let flag = format!("--{long}");
            if flag.starts_with(current) {
                answer.push(flag, help.clone());
            }
        }
        if !current.starts_with("--") {
            if let Some(short) = arg.get_short() {
                let flag = format!("-{short}");
                if flag.starts_with(current) {
                    answer.push(flag, help);
                }
            }
        }
    }
    answer
}

/// Candidates for the value of `arg`, prefixed with `prefix` (`--flag=`).
async fn complete_value(
    arg: &Arg,
    current: &str,
    prefix: &str,
    w: &Walk,
    args: &ClusterArgs,
    source: &impl Source,
) -> Answer {
    let mut answer = Answer::new(DIRECTIVE_NO_FILE_COMP);
    let possible = arg.get_possible_values();
    if !possible.is_empty() {
        for pv in possible.iter().filter(|p| !p.is_hide_set()) {
            if pv.get_name().starts_with(current) {
                answer.push(
                    format!("{prefix}{}", pv.get_name()),
                    pv.get_help().map(|h| h.to_string()).unwrap_or_default(),
                );
            }
        }
        return answer;
    }
    if matches!(
        arg.get_value_hint(),
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
    ) {
        // Let the shell complete file names.
        return Answer::new(DIRECTIVE_DEFAULT);
    }
    let named = w.positionals.first().cloned();
    let Some(completer) = completer_for(arg.get_value_parser()) else {
        return answer;
    };
    let values: Vec<(String, String)> = match completer {
        Completer::Namespace => plain(source.namespaces(args).await),
        Completer::Context | Completer::Cluster | Completer::User => {
            kubeconfig_names(source, args, completer)
        }
        Completer::StatefulSet => {
            let typed: BTreeSet<&String> = w.positionals.iter().collect();
            let names: BTreeSet<String> = source
                .statefulsets(args)
                .await
                .into_iter()
                .filter_map(|s| s.metadata.name)
                .filter(|n| !typed.contains(n))
                .collect();
            plain(names)
        }
        Completer::Container => plain(containers(
            &source.statefulsets(args).await,
            named.as_deref(),
        )),
        Completer::Image | Completer::Env => {
            let separator = if completer == Completer::Image {
                '='
            } else {
                ':'
            };
            answer.directive |= DIRECTIVE_NO_SPACE;
            let sets = source.statefulsets(args).await;
            match current.split_once(separator) {
                // `app=<TAB>`: offer the current image to edit.
                Some((container, _)) if separator == '=' => {
                    current_images(&sets, named.as_deref(), container)
                        .into_iter()
                        .map(|image| (format!("{container}={image}"), String::new()))
                        .collect()
                }
                Some(_) => Vec::new(),
                None => containers(&sets, named.as_deref())
                    .into_iter()
                    .map(|c| (format!("{c}{separator}"), String::new()))
                    .collect(),
            }
        }
        Completer::Revision => {
            let Some(name) = named else {
                return answer;
            };
            revisions(
                &source.statefulsets(args).await,
                &source.revisions(args).await,
                &name,
            )
        }
        Completer::Partition => match named {
            Some(name) => partitions(&source.statefulsets(args).await, &name),
            None => Vec::new(),
        },
        Completer::Template => plain(templates(
            &source.statefulsets(args).await,
            named.as_deref(),
        )),
    };
    for (value, description) in values {
        if value.starts_with(current) {
            answer.push(format!("{prefix}{value}"), description);
        }
    }
    answer
}

fn plain(values: impl IntoIterator<Item = String>) -> Vec<(String, String)> {
    values.into_iter().map(|v| (v, String::new())).collect()
}

fn kubeconfig_names(
    source: &impl Source,
    args: &ClusterArgs,
    which: Completer,
) -> Vec<(String, String)> {
    let Some(kc) = source.kubeconfig(args) else {
        return Vec::new();
    };
    let names: BTreeSet<String> = match which {
        Completer::Context => kc.contexts.into_iter().map(|c| c.name).collect(),
        Completer::Cluster => kc.clusters.into_iter().map(|c| c.name).collect(),
        _ => kc.auth_infos.into_iter().map(|u| u.name).collect(),
    };
    plain(names)
}

fn selected<'a>(
    sets: &'a [StatefulSet],
    name: Option<&'a str>,
) -> impl Iterator<Item = &'a StatefulSet> {
    sets.iter()
        .filter(move |s| name.is_none() || s.metadata.name.as_deref() == name)
}

/// Container names of the named StatefulSet's pod template (of every StatefulSet without a name).
fn containers(sets: &[StatefulSet], name: Option<&str>) -> BTreeSet<String> {
    selected(sets, name)
        .filter_map(|s| s.spec.as_ref()?.template.spec.as_ref())
        .flat_map(|spec| spec.containers.iter().map(|c| c.name.clone()))
        .collect()
}

fn current_images(sets: &[StatefulSet], name: Option<&str>, container: &str) -> BTreeSet<String> {
    selected(sets, name)
        .filter_map(|s| s.spec.as_ref()?.template.spec.as_ref())
        .flat_map(|spec| spec.containers.iter())
        .filter(|c| c.name == container)
        .filter_map(|c| c.image.clone())
        .collect()
}

/// volumeClaimTemplate names of the named StatefulSet (of every StatefulSet without a name).
fn templates(sets: &[StatefulSet], name: Option<&str>) -> BTreeSet<String> {
    selected(sets, name)
        .filter_map(|s| s.spec.as_ref()?.volume_claim_templates.as_ref())
        .flat_map(|t| t.iter().filter_map(|c| c.metadata.name.clone()))
        .collect()
}

/// Partition values for the named StatefulSet: `replicas` (nothing updates) down to 0 (all).
fn partitions(sets: &[StatefulSet], name: &str) -> Vec<(String, String)> {
    let Some(set) = sets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(name))
    else {
        return Vec::new();
    };
    let replicas = set
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1)
        .max(0);
    (0..=replicas)
        .rev()
        .map(|n| {
            let what = match n {
                0 => "update every pod".to_string(),
                n if n == replicas => "update no pod (paused)".to_string(),
                n => format!("update ordinals >= {n}"),
            };
            (n.to_string(), what)
        })
        .collect()
}

/// Revision numbers of the named StatefulSet, newest first, described by their
/// ControllerRevision name and role (current/update).
fn revisions(
    sets: &[StatefulSet],
    all: &[ControllerRevision],
    name: &str,
) -> Vec<(String, String)> {
    let Some(set) = sets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(name))
    else {
        return Vec::new();
    };
    let uid = set.metadata.uid.as_deref().unwrap_or_default();
    let status = set.status.as_ref();
    let current = status.and_then(|s| s.current_revision.as_deref());
    let update = status.and_then(|s| s.update_revision.as_deref());
    let mut owned: Vec<&ControllerRevision> = all
        .iter()
        .filter(|r| owners::is_controlled_by(&r.metadata, uid))
        .collect();
    owned.sort_by_key(|r| std::cmp::Reverse(r.revision));
    owned
        .into_iter()
        .map(|r| {
            let rev_name = r.metadata.name.clone().unwrap_or_default();
            let mut roles = Vec::new();
            if Some(rev_name.as_str()) == current {
                roles.push("current");
            }
            if Some(rev_name.as_str()) == update {
                roles.push("update");
            }
            let cause = r
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/change-cause"))
                .map(|c| format!(" {c}"))
                .unwrap_or_default();
            let roles = if roles.is_empty() {
                String::new()
            } else {
                format!(" ({})", roles.join(", "))
            };
            (r.revision.to_string(), format!("{rev_name}{roles}{cause}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::values::{
        ContainerName, Partition, RevisionNumber, StatefulSetName, TemplateName,
    };
    use clap::{Args, Parser, Subcommand};
    use serde_json::json;

    #[derive(Parser, Debug)]
    #[command(name = "kubectl sts-demo", bin_name = "kubectl sts-demo", version)]
    struct Cli {
        #[command(subcommand)]
        command: Option<Cmd>,
        #[arg(value_name = "NAME")]
        names: Vec<StatefulSetName>,
        /// Container to read in.
        #[arg(short = 'c', long)]
        container: Option<ContainerName>,
        /// Partition.
        #[arg(long)]
        partition: Option<Partition>,
        #[command(flatten)]
        cluster: ClusterArgs,
    }

    #[derive(Subcommand, Debug)]
    enum Cmd {
        /// Roll back.
        Undo {
            name: StatefulSetName,
            #[arg(long)]
            to_revision: Option<RevisionNumber>,
        },
        /// Grow claims.
        Resize {
            name: StatefulSetName,
            #[arg(long)]
            template: TemplateName,
            #[command(flatten)]
            extra: Extra,
        },
        /// Start.
        Start {
            name: StatefulSetName,
            #[arg(long = "image")]
            images: Vec<crate::cli::values::ImageArg>,
        },
    }

    #[derive(Args, Debug)]
    struct Extra {
        /// Backups.
        #[arg(long)]
        backup_dir: Option<std::path::PathBuf>,
    }

    /// A cluster in memory: StatefulSet `web` (containers app, sidecar; template data) in
    /// `default`, `db` in `prod`, and two revisions of `web`.
    struct Fake;

    fn sts(name: &str, ns: &str) -> StatefulSet {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{name}")},
            "spec": {
                "selector": {"matchLabels": {"app": name}},
                "serviceName": name,
                "template": {"spec": {"containers": [
                    {"name": "app", "image": "example/visits-app:1.0"},
                    {"name": format!("{name}-sidecar")}
                ]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}}, {"metadata": {"name": "logs"}}]
            },
            "status": {"replicas": 1, "currentRevision": format!("{name}-aaa"), "updateRevision": format!("{name}-bbb")}
        }))
        .unwrap()
    }

    impl Source for Fake {
        async fn statefulsets(&self, args: &ClusterArgs) -> Vec<StatefulSet> {
            match (args.all_namespaces, args.namespace.as_deref()) {
                (true, _) => vec![sts("web", "default"), sts("db", "prod")],
                (false, None | Some("default")) => {
                    vec![sts("web", "default"), sts("web2", "default")]
                }
                (false, Some("prod")) => vec![sts("db", "prod")],
                _ => vec![],
            }
        }
        async fn namespaces(&self, _: &ClusterArgs) -> Vec<String> {
            vec!["default".into(), "prod".into()]
        }
        async fn revisions(&self, _: &ClusterArgs) -> Vec<ControllerRevision> {
            ["aaa", "bbb"]
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    serde_json::from_value(json!({
                        "metadata": {"name": format!("web-{h}"), "ownerReferences": [
                            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "uid-web", "controller": true}
                        ]},
                        "revision": i + 1
                    }))
                    .unwrap()
                })
                .collect()
        }
        fn kubeconfig(&self, _: &ClusterArgs) -> Option<Kubeconfig> {
            serde_json::from_value(json!({
                "contexts": [{"name": "prod-ctx", "context": {"cluster": "c"}}, {"name": "sts-sim", "context": {"cluster": "c"}}],
                "clusters": [{"name": "c", "cluster": {"server": "http://x"}}],
                "users": [{"name": "u", "user": {}}]
            }))
            .ok()
        }
    }

    async fn ask(words: &[&str]) -> Answer {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        complete(Cli::command(), &words, &Fake).await
    }

    fn values(a: &Answer) -> Vec<&str> {
        a.candidates.iter().map(|(v, _)| v.as_str()).collect()
    }

    #[tokio::test]
    async fn first_word_offers_subcommands_and_statefulsets() {
        let a = ask(&[""]).await;
        assert_eq!(values(&a), ["undo", "resize", "start", "web", "web2"]);
        assert_eq!(a.directive, DIRECTIVE_NO_FILE_COMP);
        assert!(a.render().contains("undo\tRoll back\n"), "{}", a.render());
        assert!(a.render().ends_with(":4\n"));
        assert_eq!(values(&ask(&["w"]).await), ["web", "web2"]);
        // Names already typed are not offered again.
        assert_eq!(values(&ask(&["web", ""]).await), ["web2"]);
    }

    #[tokio::test]
    async fn namespace_and_context_typed_before_are_honoured() {
        assert_eq!(
            values(&ask(&["-n", "prod", ""]).await),
            ["undo", "resize", "start", "db"]
        );
        assert_eq!(values(&ask(&["--namespace=prod", "d"]).await), ["db"]);
        assert_eq!(values(&ask(&["-nprod", "d"]).await), ["db"]);
        assert_eq!(values(&ask(&["-A", "d"]).await), ["db"]);
        assert_eq!(values(&ask(&["-n", ""]).await), ["default", "prod"]);
        assert_eq!(values(&ask(&["--namespace", "p"]).await), ["prod"]);
        assert_eq!(values(&ask(&["--namespace=p"]).await), ["--namespace=prod"]);
        assert_eq!(
            values(&ask(&["--context", ""]).await),
            ["prod-ctx", "sts-sim"]
        );
        assert_eq!(
            values(&ask(&["undo", "--context", "x", "-n", "prod", ""]).await),
            ["db"]
        );
    }

    #[tokio::test]
    async fn flag_values_from_the_named_statefulset() {
        assert_eq!(
            values(&ask(&["web", "-c", ""]).await),
            ["app", "web-sidecar"]
        );
        assert_eq!(
            values(&ask(&["web", "--container="]).await),
            ["--container=app", "--container=web-sidecar"]
        );
        let undo = ask(&["undo", "web", "--to-revision", ""]).await;
        assert_eq!(values(&undo), ["2", "1"]);
        assert_eq!(undo.candidates[0].1, "web-bbb (update)");
        assert_eq!(values(&ask(&["web", "--partition", ""]).await), ["1", "0"]);
        assert_eq!(
            values(&ask(&["resize", "web", "--template", ""]).await),
            ["data", "logs"]
        );
        let image = ask(&["start", "web", "--image", ""]).await;
        assert_eq!(values(&image), ["app=", "web-sidecar="]);
        assert_eq!(image.directive, DIRECTIVE_NO_FILE_COMP | DIRECTIVE_NO_SPACE);
        assert_eq!(
            values(&ask(&["start", "web", "--image", "app="]).await),
            ["app=example/visits-app:1.0"]
        );
    }

    #[tokio::test]
    async fn flags_enums_and_paths() {
        let flags = ask(&["--"]).await;
        assert!(values(&flags).contains(&"--namespace"), "{flags:?}");
        assert!(!values(&flags).contains(&"-n"));
        assert!(values(&ask(&["-"]).await).contains(&"-n"));
        assert!(!values(&ask(&["-n", "x", "--"]).await).contains(&"--namespace"));
        assert_eq!(values(&ask(&["-o", "j"]).await), ["json"]);
        assert_eq!(
            ask(&["--kubeconfig", ""]).await.directive,
            DIRECTIVE_DEFAULT
        );
        assert_eq!(
            ask(&["resize", "web", "--backup-dir", ""]).await.directive,
            DIRECTIVE_DEFAULT
        );
    }

    #[cfg(feature = "generators")]
    #[test]
    fn script_names_and_man_page() {
        let cmd = Cli::command();
        assert_eq!(binary_name(&cmd), "kubectl-sts-demo");
        assert_eq!(script_file_name(&cmd, Shell::Zsh), "_kubectl-sts-demo");
        let mut bash = Vec::new();
        generate_script(Cli::command(), Shell::Bash, &mut bash);
        assert!(String::from_utf8(bash)
            .unwrap()
            .contains("kubectl-sts-demo"));
        let mut man = Vec::new();
        render_man(Cli::command(), &mut man).unwrap();
        assert!(String::from_utf8(man)
            .unwrap()
            .contains(".TH kubectl-sts-demo"));
    }
}

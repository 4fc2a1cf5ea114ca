//! What each `kubectl sts-pvc` command prints once it has run: its table or document, the
//! kubectl-style sentences around it (`persistentvolumeclaim "data-web-3" deleted`,
//! `statefulset.apps/web patched`), notes and hints for stderr, and the `--orphans` exit rule.
//! Pure: results in, [`Printed`] and [`Outcome`] out; the binary only writes them.

use crate::cli::args::OutputFormat;
use crate::cli::target::OutputSettings;
use crate::error::Result;
use crate::pvc::claims::{ClaimState, ClaimsReport};
use crate::pvc::prune::{PrunePlan, PruneStep};
use crate::pvc::resize::ResizeOutcome;
use crate::pvc::retention::RetentionReport;
use crate::pvc::usage::UsageReport;
use crate::pvc::view;
use crate::render::outcome::{ExitMode, Outcome};

/// Text for the two streams: results on stdout, notes and hints on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Printed {
    /// For stdout.
    pub stdout: String,
    /// For stderr.
    pub stderr: String,
}

impl Printed {
    fn out(&mut self, line: &str) {
        self.stdout.push_str(line);
        self.stdout.push('\n');
    }

    fn err(&mut self, line: &str) {
        self.stderr.push_str(line);
        self.stderr.push('\n');
    }
}

fn table_like(out: &OutputSettings) -> bool {
    matches!(out.format, OutputFormat::Table | OutputFormat::Wide)
}

/// kubectl's line for an empty result: `No resources found in NS namespace.`.
pub fn no_resources(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("No resources found in {ns} namespace."),
        None => "No resources found".into(),
    }
}

/// `--orphans` makes the claim map a check with `kubectl diff`'s exit codes (0 none, 1 some,
/// 2 error); without it, and for every subcommand, the normal codes.
pub fn exit_mode(orphans_only: bool, subcommand: bool) -> ExitMode {
    if orphans_only && !subcommand {
        ExitMode::Diff
    } else {
        ExitMode::Normal
    }
}

/// The claim map, and with `orphans_only` [`Outcome::Differences`] when any claim is orphaned.
pub fn map(
    reports: &[ClaimsReport],
    out: &OutputSettings,
    namespace: Option<&str>,
    all_namespaces: bool,
    orphans_only: bool,
) -> Result<(Printed, Outcome)> {
    let mut printed = Printed::default();
    if reports.is_empty() {
        printed.err(&no_resources(namespace));
        return Ok((printed, Outcome::Done));
    }
    printed.stdout = view::claims(reports, out, all_namespaces, orphans_only)?;
    let mut notes: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.unread.iter().map(String::as_str))
        .collect();
    notes.sort();
    notes.dedup();
    for note in notes {
        printed.err(&format!("note: {note}"));
    }
    let orphaned = reports
        .iter()
        .any(|r| r.claims.iter().any(|c| c.state == ClaimState::Orphaned));
    let outcome = if orphans_only && orphaned {
        Outcome::Differences
    } else {
        Outcome::Done
    };
    Ok((printed, outcome))
}

/// Usage tables or documents.
pub fn usage(
    reports: &[UsageReport],
    out: &OutputSettings,
    namespace: Option<&str>,
    all_namespaces: bool,
) -> Result<Printed> {
    let mut printed = Printed::default();
    if reports.is_empty() {
        printed.err(&no_resources(namespace));
    }
    printed
        .stdout
        .push_str(&view::usage(reports, out, all_namespaces)?);
    Ok(printed)
}

/// The line printed as each claim is deleted (tables only; documents list the plan instead).
pub fn claim_deleted(step: &PruneStep, out: &OutputSettings) -> Option<String> {
    table_like(out).then(|| format!("persistentvolumeclaim \"{}\" deleted", step.pvc))
}

/// After `prune`: the plans (unless the deletions were already printed one by one), what a
/// dry run left undone, and each plan's hint.
pub fn prune(
    plans: &[PrunePlan],
    out: &OutputSettings,
    executed: bool,
    namespace: Option<&str>,
) -> Result<Printed> {
    let mut printed = Printed::default();
    if plans.is_empty() {
        printed.err(&no_resources(namespace));
        return Ok(printed);
    }
    if !(executed && table_like(out)) {
        printed.stdout = view::prune(plans, out, executed)?;
    }
    let pending: usize = plans.iter().map(|p| p.deletions.len()).sum();
    if !executed && pending > 0 {
        printed.err(&format!(
            "dry run: nothing was deleted; run again with --yes to delete {pending} claim(s)"
        ));
    }
    for hint in plans.iter().filter_map(|p| p.hint.as_deref()) {
        printed.err(&format!("hint: {hint}"));
    }
    Ok(printed)
}

/// After `retention`: `statefulset.apps/NAME patched` when the policy was changed (tables
/// only), then the report.
pub fn retention(
    report: &RetentionReport,
    out: &OutputSettings,
    changed: bool,
    dry_run: bool,
) -> Result<Printed> {
    let mut printed = Printed::default();
    if changed && table_like(out) {
        let suffix = if dry_run { " (server dry run)" } else { "" };
        printed.out(&format!("statefulset.apps/{} patched{suffix}", report.name));
    }
    printed
        .stdout
        .push_str(&view::retention(std::slice::from_ref(report), out)?);
    Ok(printed)
}

/// After `resize` or `restore`: the plan (`--dry-run`), that nothing was needed, or what was
/// done with the plan's notes and the backup kept.
pub fn resize(outcome: &ResizeOutcome, out: &OutputSettings) -> Result<Printed> {
    let mut printed = Printed::default();
    match outcome {
        ResizeOutcome::Planned(plan) => printed.stdout = view::resize_plan(plan, out)?,
        ResizeOutcome::NothingToDo(plan) => printed.out(&format!(
            "statefulset.apps/{}: template {:?} already requests {} and every claim has it; nothing to do",
            plan.name, plan.template, plan.to
        )),
        ResizeOutcome::Done { plan, backup, pods } => {
            for note in &plan.notes {
                printed.err(&format!("note: {note}"));
            }
            printed.out(&format!(
                "statefulset.apps/{} resized: template {:?} now requests {}; {} pod(s) adopted with unchanged UIDs",
                plan.name,
                plan.template,
                plan.to,
                pods.len()
            ));
            if let Some(path) = backup {
                printed.out(&format!("backup kept at {}", path.display()));
            }
        }
    }
    Ok(printed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pvc::claims::claim_map;
    use crate::pvc::prune::plan_prune;
    use crate::read::snapshot::fixtures::*;

    fn settings(format: OutputFormat) -> OutputSettings {
        OutputSettings::plain(format)
    }

    #[test]
    fn refused_optional_reads_are_noted_once_on_stderr() {
        let mut snap = snapshot(2, 0, &["data"], 0..2);
        snap.volumes = None;
        let reports = [claim_map(&snap), claim_map(&snap)];
        let (printed, _) = map(
            &reports,
            &settings(OutputFormat::Json),
            Some("default"),
            false,
            false,
        )
        .unwrap();
        assert_eq!(
            printed.stderr,
            "note: cannot list persistentvolumes (forbidden): the volumes' reclaim policies are not shown\n"
        );
        assert!(
            !printed.stdout.contains("cannot list"),
            "{}",
            printed.stdout
        );
    }

    #[test]
    fn orphans_flag_is_a_diff_style_check() {
        assert_eq!(exit_mode(true, false), ExitMode::Diff);
        assert_eq!(exit_mode(true, true), ExitMode::Normal);
        assert_eq!(exit_mode(false, false), ExitMode::Normal);
        let table = settings(OutputFormat::Table);
        let with_orphan = [claim_map(&snapshot(2, 0, &["data"], 0..3))];
        let without = [claim_map(&snapshot(2, 0, &["data"], 0..2))];
        let outcome = |r: &[ClaimsReport], only| map(r, &table, Some("default"), false, only);
        assert_eq!(outcome(&with_orphan, true).unwrap().1, Outcome::Differences);
        assert_eq!(outcome(&with_orphan, false).unwrap().1, Outcome::Done);
        assert_eq!(outcome(&without, true).unwrap().1, Outcome::Done);
        let (printed, outcome) = outcome(&[], true).unwrap();
        assert_eq!(outcome, Outcome::Done);
        assert_eq!(printed.stderr, "No resources found in default namespace.\n");
    }

    #[test]
    fn prune_dry_run_says_what_is_left_and_executed_tables_print_nothing_more() {
        let plans = [plan_prune(&snapshot(2, 0, &["data"], 0..4), &[]).unwrap()];
        let table = settings(OutputFormat::Table);
        let dry = prune(&plans, &table, false, Some("default")).unwrap();
        assert!(dry.stdout.contains("(dry run)"), "{}", dry.stdout);
        assert!(
            dry.stderr
                .contains("run again with --yes to delete 2 claim(s)"),
            "{}",
            dry.stderr
        );
        let done = prune(&plans, &table, true, Some("default")).unwrap();
        assert_eq!(done.stdout, "", "deletions were printed as they happened");
        assert!(!done.stderr.contains("dry run"), "{}", done.stderr);
        let json = prune(&plans, &settings(OutputFormat::Json), true, None).unwrap();
        assert!(
            json.stdout.contains("StatefulSetClaimPrune"),
            "{}",
            json.stdout
        );
        let step = &plans[0].deletions[0];
        assert_eq!(
            claim_deleted(step, &table).as_deref(),
            Some("persistentvolumeclaim \"data-web-2\" deleted")
        );
        assert_eq!(claim_deleted(step, &settings(OutputFormat::Json)), None);
    }
}

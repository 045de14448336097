//! `tackroom show ID`: the step timeline as text, or the full trace as JSON.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::model::tree::flatten;
use crate::model::units::{duration_text, thousands, truncate};
use crate::model::{Attribution, HumanLabel, OutcomeLabel, Trace};

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    pub trace_id: String,
    /// The full trace in tackroom's native JSON format
    #[arg(long)]
    pub json: bool,
}

pub fn run(store_dir: &Path, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let trace = store.trace(&store.resolve_trace_id(&args.trace_id)?)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&trace)?);
    } else {
        let colour = super::stdout_is_terminal();
        print!("{}", timeline_text(&trace, colour));
        let harness = crate::triage::HarnessLookup::default().for_trace(&store, &trace)?;
        let attributions = crate::triage::verdicts_for_reading(&store, &trace, harness.as_ref())?;
        let human = store.human_label(&trace.id)?;
        print!(
            "{}",
            diagnosis_text(
                trace.outcome == OutcomeLabel::Failure,
                &attributions,
                human.as_ref()
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

const RED: &str = "\x1b[31m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The timeline: a header, then one line per step, indented by the tree.
/// Steps in error are marked `ERROR` (and red when `colour`).
pub fn timeline_text(trace: &Trace, colour: bool) -> String {
    let mut out = String::new();
    let summary = trace.summary();
    let _ = writeln!(
        out,
        "{}trace {}{}  agent {}  outcome {}  {} steps  {}",
        if colour { BOLD } else { "" },
        trace.id,
        if colour { RESET } else { "" },
        trace.agent,
        trace.outcome.as_str(),
        trace.steps.len(),
        duration_text(summary.duration_ms),
    );
    if let Some(h) = &trace.harness_version {
        let _ = writeln!(out, "harness {h}");
    }
    if let Some(t) = &trace.task_id {
        let _ = writeln!(out, "task {t}");
    }
    let _ = writeln!(
        out,
        "{:>5}  {:<7} {:<40} {:>9} {:>7}  STATUS",
        "#", "KIND", "NAME", "DURATION", "TOKENS"
    );
    for row in flatten(trace) {
        let step = &trace.steps[row.pos];
        let indent = "  ".repeat(row.depth.min(12));
        let name = truncate(&format!("{indent}{}", step.name), 40);
        let tokens = step
            .tokens
            .map(|t| thousands(t.total()))
            .unwrap_or_default();
        let status = match &step.error {
            Some(e) if step.is_error() => {
                format!("ERROR {}: {}", e.error_type, truncate(&e.message, 60))
            }
            None if step.is_error() => "ERROR".to_owned(),
            _ => "ok".to_owned(),
        };
        let (start, end) = if step.is_error() && colour {
            (RED, RESET)
        } else {
            ("", "")
        };
        let _ = writeln!(
            out,
            "{start}{:>5}  {:<7} {:<40} {:>9} {:>7}  {status}{end}",
            step.index,
            step.kind.tag(),
            name,
            duration_text(step.duration_ms()),
            tokens,
        );
    }
    out
}

/// What is known about the failure's cause: each engine's verdict and a
/// person's label, so the on-call reader sees the cause, not only the symptom.
pub fn diagnosis_text(
    failed: bool,
    attributions: &[Attribution],
    human: Option<&HumanLabel>,
) -> String {
    let mut out = String::new();
    for a in attributions {
        let kind = if a.harness_problem {
            "harness problem"
        } else {
            "noise"
        };
        let _ = writeln!(
            out,
            "\nroot cause ({}): #{} {} · {} ({kind}) · confidence {:.2}\n  symptom at #{} {}\n  {}",
            a.engine,
            a.root_cause.index,
            a.root_cause.name,
            a.category.as_str(),
            a.confidence,
            a.symptom.index,
            a.symptom.name,
            a.explanation,
        );
    }
    if let Some(h) = human {
        let _ = writeln!(
            out,
            "\nlabelled by {} at {}: root cause step {} · {}{}",
            h.by,
            h.at.format("%Y-%m-%d %H:%M"),
            h.root_cause_step_id,
            h.category.as_str(),
            h.note
                .as_deref()
                .map(|n| format!(" · {n}"))
                .unwrap_or_default(),
        );
    }
    if failed && attributions.is_empty() && human.is_none() {
        out.push_str("\nnot attributed yet (tackroom attribute --trace ID)\n");
    }
    out
}

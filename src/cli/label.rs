//! `tackroom label ID`: a person's outcome label and/or root-cause label.

use std::path::Path;
use std::process::ExitCode;

use crate::model::{FailureCategory, HumanLabel, LabelProvenance, OutcomeLabel};
use crate::store::filter_syntax::parse_outcome;

#[derive(Debug, clap::Args)]
pub struct LabelArgs {
    pub trace_id: String,
    /// success, failure or unknown
    #[arg(long, value_parser = parse_outcome)]
    pub outcome: Option<OutcomeLabel>,
    /// A numeric score kept beside the outcome (e.g. a grader's reward)
    #[arg(long)]
    pub score: Option<f64>,
    /// The step that caused the failure: a step id or its index
    #[arg(long, value_name = "STEP")]
    pub root_cause: Option<String>,
    /// Failure category of the root cause (see docs/attribution.md)
    #[arg(long, value_parser = parse_category)]
    pub category: Option<FailureCategory>,
    /// Why: kept with who labelled and when
    #[arg(long)]
    pub note: Option<String>,
    /// Who is labelling [default: $USER]
    #[arg(long)]
    pub by: Option<String>,
}

fn parse_category(text: &str) -> Result<FailureCategory, String> {
    FailureCategory::parse(text).ok_or_else(|| {
        let names: Vec<&str> = FailureCategory::ALL.iter().map(|c| c.as_str()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

pub fn run(store_dir: &Path, args: LabelArgs) -> anyhow::Result<ExitCode> {
    if args.outcome.is_none() && args.root_cause.is_none() {
        anyhow::bail!("give --outcome, or --root-cause with --category (or both)");
    }
    let store = super::open_store(store_dir)?;
    let by = format!(
        "user:{}",
        args.by
            .clone()
            .unwrap_or_else(crate::identity::current_user)
    );
    let now = chrono::Utc::now();
    let trace_id = store.resolve_trace_id(&args.trace_id)?;
    if let Some(outcome) = args.outcome {
        let provenance = LabelProvenance {
            by: by.clone(),
            at: Some(now),
            note: args.note.clone(),
        };
        store.set_outcome(&trace_id, outcome, args.score, provenance)?;
        println!("{trace_id}: outcome set to {}", outcome.as_str());
    }
    if let Some(step) = &args.root_cause {
        let trace = store.trace(&trace_id)?;
        let found = trace
            .steps
            .iter()
            .find(|s| {
                s.id == *step
                    || s.source_id.as_deref() == Some(step)
                    || s.index.to_string() == *step
            })
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--root-cause: trace {} has no step {step:?} (give a step id or index)",
                    trace.id
                )
            })?;
        let category = args
            .category
            .ok_or_else(|| anyhow::anyhow!("--root-cause needs --category"))?;
        store.put_human_label(&HumanLabel {
            trace_id: trace.id.clone(),
            root_cause_step_id: found.id.clone(),
            category,
            by,
            at: now,
            note: args.note.clone(),
        })?;
        println!(
            "{}: root cause set to step {} ({}), {}",
            trace.id,
            found.index,
            found.name,
            category.as_str()
        );
    }
    Ok(ExitCode::SUCCESS)
}

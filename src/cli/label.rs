//! `tackroom label ID --outcome failure --note "..."`

use std::path::Path;
use std::process::ExitCode;

use crate::model::{LabelProvenance, OutcomeLabel};
use crate::store::filter_syntax::parse_outcome;

#[derive(Debug, clap::Args)]
pub struct LabelArgs {
    pub trace_id: String,
    #[arg(long, value_parser = parse_outcome)]
    pub outcome: OutcomeLabel,
    #[arg(long)]
    pub score: Option<f64>,
    #[arg(long)]
    pub note: Option<String>,
    /// Who is labelling [default: $USER]
    #[arg(long)]
    pub by: Option<String>,
}

pub fn run(store_dir: &Path, args: LabelArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let by = args.by.unwrap_or_else(crate::identity::current_user);
    store.set_outcome(
        &args.trace_id,
        args.outcome,
        args.score,
        LabelProvenance {
            by: format!("user:{by}"),
            at: Some(chrono::Utc::now()),
            note: args.note,
        },
    )?;
    println!(
        "{}: outcome set to {}",
        args.trace_id,
        args.outcome.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

//! `tackroom clusters`: attributed failures grouped by cause.

use std::path::Path;
use std::process::ExitCode;

use crate::model::units::{sparkline, truncate};

#[derive(Debug, clap::Args)]
pub struct ClustersArgs {
    /// Only this agent's failures
    #[arg(long)]
    pub agent: Option<String>,
    /// Which engine's attributions to group
    #[arg(long, default_value = "rules")]
    pub engine: String,
    /// One object per cluster, with its example trace ids
    #[arg(long)]
    pub json: bool,
}

pub fn run(store_dir: &Path, args: ClustersArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let clusters = crate::triage::clusters(&store, &args.engine, args.agent.as_deref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&clusters)?);
        return Ok(ExitCode::SUCCESS);
    }
    if clusters.is_empty() {
        println!("no attributed failures; run `tackroom attribute` first");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<9} {:<24} {:<26} {:>5} {:>6}  {:<22} {:<10} EXAMPLES",
        "AGENT", "CATEGORY", "CAUSE", "COUNT", "SHARE", "VERDICT", "TREND"
    );
    for c in clusters {
        println!(
            "{:<9} {:<24} {:<26} {:>5} {:>5.0}%  {:<22} {:<10} {}",
            truncate(&c.agent, 9),
            c.category.as_str(),
            truncate(&c.cause, 26),
            c.count,
            c.share * 100.0,
            c.verdict.as_str(),
            sparkline(&c.trend),
            c.examples.join(" ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

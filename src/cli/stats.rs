//! `tackroom stats`: totals and failure rates from the store's counters.

use std::path::Path;
use std::process::ExitCode;

use crate::model::units::{bytes_text, thousands};
use crate::store::GroupStats;

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Totals and per-agent, per-harness rates as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(store_dir: &Path, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let stats = store.stats()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("store    {}", stats.path);
    println!("schema   v{}", stats.schema_version);
    println!("traces   {}", thousands(stats.traces));
    println!("steps    {}", thousands(stats.steps));
    println!("size     {}", bytes_text(stats.size_bytes));
    print_groups("AGENT", &stats.by_agent);
    print_groups("HARNESS VERSION", &stats.by_harness);
    Ok(ExitCode::SUCCESS)
}

fn print_groups(title: &str, groups: &[GroupStats]) {
    if groups.is_empty() {
        return;
    }
    println!();
    println!(
        "{title:<28} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "TRACES", "SUCCESS", "FAILURE", "UNKNOWN", "FAIL RATE"
    );
    for g in groups {
        let rate = g
            .failure_rate
            .map(|r| format!("{:.1}%", r * 100.0))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<28} {:>8} {:>8} {:>8} {:>8} {:>9}",
            g.name, g.traces, g.success, g.failure, g.unknown, rate
        );
    }
}

//! `tackroom assertions`: violation rates of harness assertions over every
//! trace, successes included, so silently ignored rules show up.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct AssertionsArgs {
    /// Only this agent's assertions
    #[arg(long)]
    pub agent: Option<String>,
    /// Harness file(s) to check against instead of the stored versions
    #[arg(long = "harness", value_name = "FILE")]
    pub harnesses: Vec<PathBuf>,
    /// One object per assertion: counts and violation rate
    #[arg(long)]
    pub json: bool,
}

pub fn run(store_dir: &Path, args: AssertionsArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let lookup = super::harness_lookup(&args.harnesses)?;
    let rates = crate::triage::assertion_rates(&store, args.agent.as_deref(), &lookup)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rates)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<9} {:<24} {:<22} {:>7} {:>10} {:>7} {:>9} {:>9}",
        "AGENT", "ASSERTION", "RULE", "TRACES", "VIOLATIONS", "RATE", "FAILURES", "SUCCESSES"
    );
    for r in rates {
        println!(
            "{:<9} {:<24} {:<22} {:>7} {:>10} {:>6.1}% {:>9} {:>9}",
            r.agent,
            r.assertion,
            r.rule.as_deref().unwrap_or("-"),
            r.traces,
            r.violations,
            r.rate * 100.0,
            r.in_failures,
            r.in_successes
        );
    }
    Ok(ExitCode::SUCCESS)
}

//! `tackroom sample generate`: seeded sample data at any scale.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::sample::{generate, SampleOptions};

#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    #[command(subcommand)]
    pub command: SampleCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SampleCommand {
    /// Write traces, harnesses, task sets and ground-truth labels per agent
    Generate {
        /// Total traces across the three sample agents
        #[arg(long, default_value_t = 660)]
        traces: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Directory to write (one folder per agent)
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(args: SampleArgs) -> anyhow::Result<ExitCode> {
    let SampleCommand::Generate { traces, seed, out } = args.command;
    let report = generate(&SampleOptions { traces, seed, out })?;
    println!(
        "wrote {} traces ({} failures, {} from harness problems)",
        report.traces, report.failures, report.harness_failures
    );
    for file in report.files {
        println!("  {file}");
    }
    Ok(ExitCode::SUCCESS)
}

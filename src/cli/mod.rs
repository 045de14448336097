//! The command line: one file per subcommand, each turning arguments into a
//! library call and printing a table or `--json`.

mod assertions;
mod attribute;
mod clusters;
mod collect;
mod harness;
mod import;
mod label;
mod llm_args;
mod sample;
mod show;
mod stats;
mod store_location;
mod traces;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use store_location::resolve_store_dir;

#[derive(Debug, Parser)]
#[command(name = "tackroom", version, about = "A terminal workbench for agent-harness engineering", long_about = None)]
pub struct Cli {
    /// Store directory [default: $TACKROOM_STORE, else the platform data dir]
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// Colour theme for the UI (dark, light, high-contrast or a themes/*.toml name)
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import trace files or directories (`-` reads stdin)
    Import(import::ImportArgs),
    /// List traces, filtered and sorted
    Traces(traces::TracesArgs),
    /// Print one trace's step timeline
    Show(show::ShowArgs),
    /// Store totals and failure rates by agent and harness version
    Stats(stats::StatsArgs),
    /// Set a trace's outcome label
    Label(label::LabelArgs),
    /// Find the root cause of failed traces (rules or LLM engine); --evaluate scores it
    Attribute(attribute::AttributeArgs),
    /// Group attributed failures by cause: systematic problems vs noise
    Clusters(clusters::ClustersArgs),
    /// How often each harness assertion is violated, over all traces
    Assertions(assertions::AssertionsArgs),
    /// Receive traces live: OTLP/HTTP, LangSmith and Langfuse SDK endpoints
    Collect(collect::CollectArgs),
    /// Harness versions: add, list, show
    Harness(harness::HarnessArgs),
    /// Open the interactive workbench (optionally on one trace)
    Open(OpenArgs),
    /// Generate sample traces, harnesses, task sets and ground-truth labels
    Sample(sample::SampleArgs),
}

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// Open straight on this trace's timeline
    pub trace_id: Option<String>,
    /// Also receive traces live on this address (what `tackroom collect`
    /// serves), shown as they arrive; one process holds the store
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

/// Exit codes: 0 success, 1 failure (or rejected records), 2 unknown id or bad usage.
pub const EXIT_REJECTED: u8 = 1;
pub const EXIT_NOT_FOUND: u8 = 2;

pub fn run(cli: Cli) -> ExitCode {
    let store_dir = resolve_store_dir(cli.store.clone());
    let result = match cli.command {
        Some(Command::Import(args)) => import::run(&store_dir, args),
        Some(Command::Traces(args)) => traces::run(&store_dir, args),
        Some(Command::Show(args)) => show::run(&store_dir, args),
        Some(Command::Stats(args)) => stats::run(&store_dir, args),
        Some(Command::Label(args)) => label::run(&store_dir, args),
        Some(Command::Sample(args)) => sample::run(args),
        Some(Command::Attribute(args)) => attribute::run(&store_dir, args),
        Some(Command::Clusters(args)) => clusters::run(&store_dir, args),
        Some(Command::Assertions(args)) => assertions::run(&store_dir, args),
        Some(Command::Harness(args)) => harness::run(&store_dir, args),
        Some(Command::Collect(args)) => collect::run(&store_dir, args),
        Some(Command::Open(args)) => crate::tui::run(
            &store_dir,
            cli.theme.as_deref(),
            args.trace_id,
            args.listen.as_deref(),
        ),
        None => crate::tui::run(&store_dir, cli.theme.as_deref(), None, None),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tackroom: {err:#}");
            let not_found = err
                .downcast_ref::<crate::store::StoreError>()
                .is_some_and(|e| {
                    matches!(
                        e,
                        crate::store::StoreError::UnknownTrace(_)
                            | crate::store::StoreError::AmbiguousTrace { .. }
                    )
                });
            ExitCode::from(if not_found {
                EXIT_NOT_FOUND
            } else {
                EXIT_REJECTED
            })
        }
    }
}

/// Opens the store for a subcommand, with the directory in the error.
fn open_store(dir: &std::path::Path) -> anyhow::Result<crate::store::Store> {
    Ok(crate::store::Store::open(dir)?)
}

/// Whether stdout is a terminal (colours, progress bars) or a pipe.
/// Harnesses named with `--harness FILE` override the stored versions of
/// their agents.
fn harness_lookup(files: &[std::path::PathBuf]) -> anyhow::Result<crate::triage::HarnessLookup> {
    let harnesses = files
        .iter()
        .map(|p| crate::harness::load_harness(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::triage::HarnessLookup::with_files(harnesses))
}

fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

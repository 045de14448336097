//! `tackroom harness add|list|show`: content-addressed harness versions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::harness::{imported_version, load_harness};

#[derive(Debug, clap::Args)]
pub struct HarnessArgs {
    #[command(subcommand)]
    pub command: HarnessCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum HarnessCommand {
    /// Store a harness file as a version (a no-op if that version exists)
    Add { file: PathBuf },
    /// Stored versions, oldest first
    List {
        /// Only this agent's versions
        #[arg(long)]
        agent: Option<String>,
        /// The versions with their evidence and harness, as JSON
        #[arg(long)]
        json: bool,
    },
    /// One version as TOML (or JSON)
    Show {
        /// `sha256:…`, or a unique prefix of its hex (as the UI shows it)
        version: String,
        /// The version record (author, status, evidence) and harness as JSON
        #[arg(long)]
        json: bool,
    },
}

pub fn run(store_dir: &Path, args: HarnessArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    match args.command {
        HarnessCommand::Add { file } => {
            let harness = load_harness(&file)?;
            let version = imported_version(&file, harness, chrono::Utc::now());
            let new = store.put_harness_version(&version)?;
            println!(
                "{} {} ({})",
                if new { "added" } else { "already stored:" },
                version.id,
                version.agent
            );
        }
        HarnessCommand::List { agent, json } => {
            let versions: Vec<_> = store
                .harness_versions()?
                .into_iter()
                .filter(|v| agent.as_ref().is_none_or(|a| *a == v.agent))
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&versions)?);
            } else {
                for v in versions {
                    println!(
                        "{}  {:<10} {:?}  {}  {}  {}",
                        v.id,
                        v.agent,
                        v.status,
                        v.created_at.format("%Y-%m-%d %H:%M"),
                        v.author,
                        v.message
                    );
                }
            }
        }
        HarnessCommand::Show { version, json } => {
            let matches: Vec<_> = store
                .harness_versions()?
                .into_iter()
                .filter(|v| {
                    let hex = v.id.split_once(':').map_or(v.id.as_str(), |(_, h)| h);
                    v.id == version
                        || (!version.is_empty()
                            && (v.id.starts_with(&version) || hex.starts_with(&version)))
                })
                .collect();
            let v = match matches.as_slice() {
                [one] => one.clone(),
                [] => {
                    eprintln!("tackroom: no harness version {version:?} in the store");
                    return Ok(ExitCode::from(super::EXIT_NOT_FOUND));
                }
                many => {
                    let ids: Vec<&str> = many.iter().map(|v| v.id.as_str()).collect();
                    eprintln!(
                        "tackroom: {} harness versions start with {version:?} ({}); give more of it",
                        many.len(),
                        ids.join(", ")
                    );
                    return Ok(ExitCode::from(super::EXIT_NOT_FOUND));
                }
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print!("{}", toml::to_string_pretty(&v.harness)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

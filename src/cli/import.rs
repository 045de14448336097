//! `tackroom import PATH...`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::ingest::{import_paths, Format, ImportOptions, ImportProgress, ImportReport};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Files or directories (recursive); `-` reads stdin
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Reject a whole file on its first error and store nothing from it
    #[arg(long)]
    pub strict: bool,
    /// Force a format instead of detecting it
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Traces per atomic write batch
    #[arg(long, default_value_t = 256)]
    pub batch_size: usize,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

fn parse_format(text: &str) -> Result<Format, String> {
    Format::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!(
            "unknown format {text:?}; expected one of {}",
            names.join(", ")
        )
    })
}

/// A progress bar on a terminal, a line per file otherwise.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new() -> Self {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        });
        Progress { bar }
    }
}

impl ImportProgress for Progress {
    fn file_started(&self, name: &str, len: Option<u64>) {
        match &self.bar {
            Some(bar) => {
                bar.reset();
                bar.set_length(len.unwrap_or(0));
                bar.set_message(name.to_owned());
            }
            None => eprintln!("importing {name}"),
        }
    }

    fn advanced(&self, bytes_read: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes_read);
        }
    }

    fn file_finished(&self, _name: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub fn run(store_dir: &Path, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let options = ImportOptions {
        strict: args.strict,
        format: args.format,
        batch_size: args.batch_size.max(1),
    };
    let report = import_paths(&store, &args.paths, &options, &Progress::new())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report_json(&report))?);
    } else {
        print_report(&report);
    }
    Ok(if report.rejected > 0 {
        ExitCode::from(super::EXIT_REJECTED)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(report: &ImportReport) {
    for rejection in &report.rejections {
        eprintln!("rejected: {rejection}");
    }
    if report.rejected > report.rejections.len() {
        eprintln!(
            "… and {} more rejections",
            report.rejected - report.rejections.len()
        );
    }
    for (file, kind) in &report.skipped {
        eprintln!("skipped {file}: {kind}");
    }
    println!(
        "imported {} traces ({} steps) from {} files; {} already present; {} rejected",
        report.imported, report.steps, report.files, report.already_present, report.rejected
    );
}

fn report_json(report: &ImportReport) -> serde_json::Value {
    serde_json::json!({
        "files": report.files,
        "imported": report.imported,
        "steps": report.steps,
        "already_present": report.already_present,
        "rejected": report.rejected,
        "rejections": report.rejections.iter().map(|r| serde_json::json!({
            "file": r.location.file,
            "line": r.location.line,
            "column": r.location.column,
            "field": r.field,
            "message": r.message,
        })).collect::<Vec<_>>(),
        "skipped": report.skipped.iter().map(|(f, k)| serde_json::json!({"file": f, "kind": k})).collect::<Vec<_>>(),
    })
}

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
    /// Chat transcripts: where the message list is (dotted path)
    #[arg(long, value_name = "PATH")]
    pub messages_field: Option<String>,
    /// Chat transcripts: where the run id is
    #[arg(long, value_name = "PATH")]
    pub id_field: Option<String>,
    /// Chat transcripts: where the reward or pass flag is
    #[arg(long, value_name = "PATH")]
    pub outcome_field: Option<String>,
    /// Chat transcripts: numeric rewards at or above this are successes
    #[arg(long, default_value_t = 0.5)]
    pub success_threshold: f64,
    /// Outcome labels to apply after import: CSV `trace_id,outcome[,score]` or JSONL
    #[arg(long, value_name = "FILE")]
    pub labels: Vec<PathBuf>,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
    /// Largest record (one line, or a whole-file JSON document) in MiB;
    /// larger ones are rejected without being read into memory
    #[arg(long, default_value_t = 512)]
    pub max_record_mb: usize,
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
        chat: crate::ingest::chat::ChatFields {
            messages: args.messages_field.clone(),
            id: args.id_field.clone(),
            outcome: args.outcome_field.clone(),
            success_threshold: args.success_threshold,
        },
        max_record_bytes: args.max_record_mb.max(1).saturating_mul(1 << 20),
        ..ImportOptions::default()
    };
    let report = import_paths(&store, &args.paths, &options, &Progress::new())?;
    let harnesses = register_harnesses(&store, &args.paths)?;
    let labelled = apply_labels(&store, &args.labels)?;
    if args.json {
        let mut json = report_json(&report);
        json["harness_versions"] = serde_json::json!(harnesses);
        json["labelled"] = serde_json::json!(labelled.applied);
        json["labels_unknown_trace"] = serde_json::json!(labelled.unknown);
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print_report(&report);
        for h in &harnesses {
            println!("harness {h}");
        }
        if !args.labels.is_empty() {
            println!(
                "labelled {} traces; {} labels name traces not in the store",
                labelled.applied,
                labelled.unknown.len()
            );
        }
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
        "imported {} traces ({} steps) from {} file{}; {} already present; {} rejected",
        report.imported,
        report.steps,
        report.files,
        if report.files == 1 { "" } else { "s" },
        report.already_present,
        report.rejected
    );
    if report.updated > 0 {
        println!(
            "{} stored traces gained late spans, runs or log events (merged)",
            report.updated
        );
    }
    if report.unmatched_log_events > 0 {
        println!(
            "{} log events name spans in no stored trace (import their traces first)",
            report.unmatched_log_events
        );
    }
    if report.scored + report.unmatched_scores > 0 {
        println!(
            "scores set the outcome of {} traces; {} scores name traces not in the store",
            report.scored, report.unmatched_scores
        );
    }
}

fn report_json(report: &ImportReport) -> serde_json::Value {
    serde_json::json!({
        "files": report.files,
        "imported": report.imported,
        "steps": report.steps,
        "already_present": report.already_present,
        "updated": report.updated,
        "unmatched_log_events": report.unmatched_log_events,
        "rejected": report.rejected,
        "scored": report.scored,
        "unmatched_scores": report.unmatched_scores,
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

/// Stores the harness files found beside the traces as versions, so that
/// attribution can check each trace against the harness it ran under.
fn register_harnesses(
    store: &crate::store::Store,
    paths: &[PathBuf],
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for (path, harness) in crate::harness::find_harness_files(paths) {
        let version = crate::harness::imported_version(&path, harness, chrono::Utc::now());
        let new = store.put_harness_version(&version)?;
        out.push(format!(
            "{} {} from {}{}",
            version.id,
            version.agent,
            path.display(),
            if new { "" } else { " (already stored)" }
        ));
    }
    Ok(out)
}

#[derive(Default)]
struct Labelled {
    applied: usize,
    unknown: Vec<String>,
}

fn apply_labels(store: &crate::store::Store, files: &[PathBuf]) -> anyhow::Result<Labelled> {
    let mut labelled = Labelled::default();
    for file in files {
        for row in crate::ingest::labels::read_outcomes(file).map_err(anyhow::Error::msg)? {
            let provenance = crate::model::LabelProvenance {
                by: format!("import:{}", file.display()),
                at: Some(chrono::Utc::now()),
                note: None,
            };
            match store.set_outcome(&row.trace_id, row.outcome, row.score, provenance) {
                Ok(()) => labelled.applied += 1,
                Err(crate::store::StoreError::UnknownTrace(id)) => labelled.unknown.push(id),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(labelled)
}

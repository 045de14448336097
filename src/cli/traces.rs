//! `tackroom traces`: filtered listing as a table or JSON.

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;

use crate::model::units::{duration_text, truncate};
use crate::model::TraceSummary;
use crate::store::filter_syntax::{parse_outcome, parse_time};
use crate::store::{SortKey, TraceFilter, TraceQuery};

#[derive(Debug, clap::Args)]
pub struct TracesArgs {
    /// success, failure or unknown
    #[arg(long, value_parser = parse_outcome)]
    pub outcome: Option<crate::model::OutcomeLabel>,
    /// Agent (variant) name
    #[arg(long)]
    pub agent: Option<String>,
    /// Harness version id
    #[arg(long)]
    pub harness: Option<String>,
    /// Task id
    #[arg(long)]
    pub task: Option<String>,
    /// Traces started at or after: 2026-11-01, RFC 3339, or an age like 24h / 7d
    #[arg(long, value_parser = parse_time_now)]
    pub since: Option<chrono::DateTime<Utc>>,
    /// Traces started at or before (same forms as --since)
    #[arg(long, value_parser = parse_time_now)]
    pub until: Option<chrono::DateTime<Utc>>,
    /// Traces with a step of this error type
    #[arg(long)]
    pub error_type: Option<String>,
    /// Case-insensitive substring of step inputs, outputs or errors
    #[arg(long)]
    pub text: Option<String>,
    /// At most this many rows
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// time, duration, steps, errors, agent, outcome or tokens
    #[arg(long, default_value = "time", value_parser = parse_sort)]
    pub sort: SortKey,
    /// Smallest first (default: largest / newest first)
    #[arg(long)]
    pub asc: bool,
    /// An array of trace summaries
    #[arg(long)]
    pub json: bool,
}

fn parse_time_now(text: &str) -> Result<chrono::DateTime<Utc>, String> {
    parse_time(text, Utc::now())
}

fn parse_sort(text: &str) -> Result<SortKey, String> {
    SortKey::parse(text).ok_or_else(|| {
        let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.as_str()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

pub fn run(store_dir: &Path, args: TracesArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let query = TraceQuery {
        filter: TraceFilter {
            outcome: args.outcome,
            agent: args.agent,
            harness: args.harness,
            task: args.task,
            error_type: args.error_type,
            since: args.since,
            until: args.until,
            text: args.text,
        },
        sort: args.sort,
        descending: !args.asc,
        limit: Some(args.limit),
    };
    let rows = store.query(&query)?;
    if args.json {
        let json: Vec<serde_json::Value> = rows.iter().map(summary_json).collect();
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print_table(&rows);
    }
    Ok(ExitCode::SUCCESS)
}

/// The documented `--json` shape of one summary.
pub fn summary_json(s: &TraceSummary) -> serde_json::Value {
    serde_json::json!({
        "id": s.id,
        "agent": s.agent,
        "harness_version": s.harness_version,
        "task_id": s.task_id,
        "outcome": s.outcome,
        "score": s.score,
        "steps": s.steps,
        "duration_ms": s.duration_ms,
        "error_steps": s.error_steps,
        "error_types": s.error_types,
        "first_error": s.first_error.as_ref().map(|e| &e.name),
        "tokens": s.tokens,
        "started_at": s.started_at,
    })
}

fn print_table(rows: &[TraceSummary]) {
    println!(
        "{:<28} {:<8} {:<10} {:<14} {:>5} {:>9} {:<22} STARTED",
        "ID", "OUTCOME", "AGENT", "TASK", "STEPS", "DURATION", "FIRST ERROR"
    );
    for s in rows {
        let first_error = s
            .first_error
            .as_ref()
            .map(|e| format!("{} ({})", e.name, e.error_type))
            .unwrap_or_default();
        println!(
            "{:<28} {:<8} {:<10} {:<14} {:>5} {:>9} {:<22} {}",
            truncate(&s.id, 28),
            s.outcome.as_str(),
            truncate(&s.agent, 10),
            truncate(s.task_id.as_deref().unwrap_or("-"), 14),
            s.steps,
            duration_text(s.duration_ms),
            truncate(&first_error, 22),
            s.started_at.format("%Y-%m-%d %H:%M:%S"),
        );
    }
    if rows.is_empty() {
        println!("(no traces match)");
    }
}

//! Label files: ground truth for attribution (the sample generator's
//! `labels.jsonl`, the SDK fixtures' `manifest.json`) and outcome labels
//! (`trace_id,outcome[,score]` CSV or JSONL).

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::analyze::evaluate::TruthLabel;
use crate::model::{FailureCategory, OutcomeLabel};

fn error(path: &Path, line: usize, message: impl std::fmt::Display) -> String {
    format!("{}:{line}: {message}", path.display())
}

/// Reads root-cause ground truth from a generator labels file or a fixture
/// manifest. Only failures with a known category are returned.
pub fn read_truth(path: &Path) -> Result<Vec<TruthLabel>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if text.trim_start().starts_with('{') && text.contains("\"runs\"") {
        if let Ok(manifest) = serde_json::from_str::<Value>(&text) {
            return manifest_truth(path, &manifest);
        }
    }
    let mut out = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let label: crate::sample::GroundTruth =
            serde_json::from_str(line).map_err(|e| error(path, n + 1, e))?;
        out.push(TruthLabel {
            trace_id: label.trace_id,
            category: label.category,
            root_cause_step_id: Some(label.root_cause_step_id),
            root_cause_source_id: None,
        });
    }
    Ok(out)
}

fn manifest_truth(path: &Path, manifest: &Value) -> Result<Vec<TruthLabel>, String> {
    let runs = manifest
        .get("runs")
        .and_then(Value::as_array)
        .ok_or_else(|| error(path, 1, "runs: expected an array"))?;
    let mut out = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let Some(category) = run.get("category").and_then(Value::as_str) else {
            continue;
        };
        let category = FailureCategory::parse(category).ok_or_else(|| {
            format!(
                "{}: runs[{i}].category: unknown category {category:?}",
                path.display()
            )
        })?;
        let trace_id = run
            .get("trace_id")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{}: runs[{i}].trace_id: expected a string", path.display()))?;
        out.push(TruthLabel {
            trace_id: trace_id.to_owned(),
            category,
            root_cause_step_id: None,
            root_cause_source_id: run
                .get("root_cause_span_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    Ok(out)
}

/// One outcome label: trace id → outcome and optional score.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    pub trace_id: String,
    pub outcome: OutcomeLabel,
    pub score: Option<f64>,
}

#[derive(Deserialize)]
struct OutcomeJson {
    trace_id: String,
    outcome: String,
    #[serde(default)]
    score: Option<f64>,
}

/// Reads `trace_id,outcome[,score]` CSV (with a header) or JSONL.
pub fn read_outcomes(path: &Path) -> Result<Vec<OutcomeRow>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    let json = text.trim_start().starts_with('{');
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (!json && n == 0 && line.starts_with("trace_id")) {
            continue;
        }
        let (trace_id, outcome, score) = if json {
            let row: OutcomeJson = serde_json::from_str(line).map_err(|e| error(path, n + 1, e))?;
            (row.trace_id, row.outcome, row.score)
        } else {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() < 2 {
                return Err(error(path, n + 1, "expected trace_id,outcome[,score]"));
            }
            let score = match cells.get(2).filter(|c| !c.is_empty()) {
                Some(c) => Some(c.parse::<f64>().map_err(|_| {
                    error(
                        path,
                        n + 1,
                        format!("score: expected a number, found {c:?}"),
                    )
                })?),
                None => None,
            };
            (cells[0].to_owned(), cells[1].to_owned(), score)
        };
        let outcome = OutcomeLabel::parse(&outcome).ok_or_else(|| {
            error(
                path,
                n + 1,
                format!("outcome: expected success, failure or unknown, found {outcome:?}"),
            )
        })?;
        out.push(OutcomeRow {
            trace_id,
            outcome,
            score,
        });
    }
    Ok(out)
}

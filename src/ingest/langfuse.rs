//! Langfuse beyond OTLP: score batches (`/api/public/scores` bodies) that
//! become outcomes, and the public API's JSON export of traces with their
//! observations and scores.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::location::RecordError;
use super::spans::assemble::build_trace;
use super::spans::genai_messages::parse_json_text;
use super::spans::pool::apply_score;
use super::spans::Score;
use crate::ingest::usage::tokens_from;
use crate::model::{Step, StepError, StepKind, StepStatus, Trace};

/// A score object (`{"traceId", "name", "value"}`) or an array of them.
pub fn sniff_scores(value: &Value) -> Result<(), String> {
    let first = value.as_array().and_then(|a| a.first()).unwrap_or(value);
    if first.get("traceId").is_some() && first.get("value").is_some() && first.get("name").is_some()
    {
        Ok(())
    } else {
        Err("no `traceId`, `name` and `value` fields".into())
    }
}

pub fn decode_scores(value: &Value) -> Result<Vec<Score>, RecordError> {
    let items: Vec<&Value> = match value {
        Value::Array(list) => list.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let field = |name: &str| {
                RecordError::new(format!("[{i}].{name}"), "missing or of the wrong type")
            };
            Ok(Score {
                trace_id: s
                    .get("traceId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| field("traceId"))?
                    .to_owned(),
                name: s
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| field("name"))?
                    .to_owned(),
                value: s
                    .get("value")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| field("value"))?,
                source: "langfuse:score".into(),
            })
        })
        .collect()
}

/// A trace from the public API: `{"id", "observations": [...], "scores": [...]}`.
pub fn sniff_export(value: &Value) -> Result<(), String> {
    if value.get("id").is_some()
        && value
            .get("observations")
            .and_then(Value::as_array)
            .is_some()
    {
        Ok(())
    } else {
        Err("no `id` and `observations` array".into())
    }
}

fn time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value?.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn decode_export(value: &Value) -> Result<Trace, RecordError> {
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| RecordError::new("id", "expected a string"))?
        .to_owned();
    let agent = value
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("agent")
        .to_owned();
    let observations = value
        .get("observations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut steps = Vec::new();
    for (i, o) in observations.iter().enumerate() {
        let obs_id = o.get("id").and_then(Value::as_str).ok_or_else(|| {
            RecordError::new(format!("observations[{i}].id"), "expected a string")
        })?;
        let kind = match o
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("SPAN")
            .to_ascii_uppercase()
            .as_str()
        {
            "GENERATION" => StepKind::LlmCall,
            "TOOL" => StepKind::ToolCall,
            "AGENT" => StepKind::Agent,
            "RETRIEVER" => StepKind::Retrieval,
            "GUARDRAIL" => StepKind::Guardrail,
            "EVENT" => StepKind::Other,
            _ => StepKind::Chain,
        };
        let usage = o.get("usageDetails").or_else(|| o.get("usage"));
        let tokens = usage.map(|u| {
            tokens_from(
                u,
                &["input", "promptTokens", "prompt_tokens"],
                &["output", "completionTokens", "completion_tokens"],
            )
        });
        let error = (o.get("level").and_then(Value::as_str) == Some("ERROR")).then(|| StepError {
            error_type: "error".into(),
            message: o
                .get("statusMessage")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        });
        let model = o.get("model").and_then(Value::as_str).map(str::to_owned);
        steps.push(Step {
            id: obs_id.to_owned(),
            parent_id: o
                .get("parentObservationId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            index: 0,
            kind,
            name: model
                .clone()
                .filter(|_| kind == StepKind::LlmCall)
                .unwrap_or_else(|| {
                    o.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("observation")
                        .to_owned()
                }),
            model,
            input: o.get("input").map(parse_json_text).unwrap_or(Value::Null),
            output: o.get("output").map(parse_json_text).unwrap_or(Value::Null),
            status: if error.is_some() {
                StepStatus::Error
            } else {
                StepStatus::Ok
            },
            error,
            started_at: time(o.get("startTime")),
            ended_at: time(o.get("endTime")),
            tokens,
            cost_usd: o.get("calculatedTotalCost").and_then(Value::as_f64),
            source_id: Some(obs_id.to_owned()),
            attributes: Map::from_iter([("langfuse.observation".to_owned(), json!(o))]),
        });
    }
    let metadata = value
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut trace = build_trace(id.clone(), agent, "langfuse", steps, metadata);
    for score in value
        .get("scores")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(name), Some(v)) = (
            score.get("name").and_then(Value::as_str),
            score.get("value").and_then(Value::as_f64),
        ) {
            apply_score(
                &mut trace,
                &Score {
                    trace_id: id.clone(),
                    name: name.to_owned(),
                    value: v,
                    source: "langfuse:score".into(),
                },
            );
        }
    }
    Ok(trace)
}

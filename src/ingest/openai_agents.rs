//! OpenAI Agents SDK trace exports: `{"trace": Trace.export(), "spans":
//! [Span.export()...]}` as a `TracingProcessor` writes them, one trace per
//! file (or an array of them).

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::location::RecordError;
use super::spans::assemble::build_trace;
use super::spans::genai_messages::parse_json_text;
use crate::ingest::usage::tokens_from;
use crate::model::{Step, StepError, StepKind, StepStatus, Trace};

pub fn sniff(value: &Value) -> Result<(), String> {
    let trace = value.get("trace").ok_or("no `trace` object")?;
    if trace.get("object").and_then(Value::as_str) != Some("trace")
        && trace.get("workflow_name").is_none()
    {
        return Err(
            "`trace` is not an Agents SDK trace (no object=\"trace\" or workflow_name)".into(),
        );
    }
    value
        .get("spans")
        .and_then(Value::as_array)
        .ok_or("no `spans` array")?;
    Ok(())
}

fn time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value?.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn decode(value: &Value) -> Result<Trace, RecordError> {
    let trace = value
        .get("trace")
        .ok_or_else(|| RecordError::new("trace", "expected an object"))?;
    let id = trace
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| RecordError::new("trace.id", "expected a string"))?
        .to_owned();
    let agent = trace
        .get("workflow_name")
        .and_then(Value::as_str)
        .unwrap_or("agent")
        .to_owned();
    let spans = value
        .get("spans")
        .and_then(Value::as_array)
        .ok_or_else(|| RecordError::new("spans", "expected an array"))?;
    let mut steps = Vec::with_capacity(spans.len());
    for (i, span) in spans.iter().enumerate() {
        steps.push(span_to_step(span).map_err(|(field, message)| {
            RecordError::new(format!("spans[{i}].{field}"), message)
        })?);
    }
    let mut metadata: Map<String, Value> = trace
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(group) = trace.get("group_id").filter(|g| !g.is_null()) {
        metadata.insert("group_id".into(), group.clone());
    }
    Ok(build_trace(id, agent, "openai-agents", steps, metadata))
}

fn span_to_step(span: &Value) -> Result<Step, (String, String)> {
    let id = span
        .get("id")
        .and_then(Value::as_str)
        .ok_or(("id".to_owned(), "expected a string".to_owned()))?;
    let data = span.get("span_data").cloned().unwrap_or(Value::Null);
    let kind_name = data.get("type").and_then(Value::as_str).unwrap_or("custom");
    let name = |fallback: &str| {
        data.get("name")
            .and_then(Value::as_str)
            .unwrap_or(fallback)
            .to_owned()
    };
    let mut step = Step {
        parent_id: span
            .get("parent_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        started_at: time(span.get("started_at")),
        ended_at: time(span.get("ended_at")),
        source_id: Some(id.to_owned()),
        attributes: Map::from_iter([("openai_agents.span_data".to_owned(), data.clone())]),
        ..Step::new(id, StepKind::Other, name(kind_name))
    };
    match kind_name {
        "agent" => step.kind = StepKind::Agent,
        "generation" | "response" => {
            step.kind = StepKind::LlmCall;
            step.model = data.get("model").and_then(Value::as_str).map(str::to_owned);
            step.name = step.model.clone().unwrap_or_else(|| "llm".into());
            step.input = json!({ "messages": data.get("input").cloned().unwrap_or(Value::Null) });
            step.output = data
                .get("output")
                .and_then(|o| {
                    o.as_array()
                        .and_then(|a| a.first().cloned())
                        .or_else(|| Some(o.clone()))
                })
                .unwrap_or(Value::Null);
            if let Some(usage) = data.get("usage") {
                step.tokens = Some(tokens_from(
                    usage,
                    &["input_tokens", "prompt_tokens"],
                    &["output_tokens", "completion_tokens"],
                ));
            }
        }
        "function" => {
            step.kind = StepKind::ToolCall;
            step.input = data
                .get("input")
                .map(parse_json_text)
                .unwrap_or(Value::Null);
            step.output = data
                .get("output")
                .map(parse_json_text)
                .unwrap_or(Value::Null);
        }
        "handoff" => {
            step.kind = StepKind::Handoff;
            let from = data
                .get("from_agent")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let to = data.get("to_agent").and_then(Value::as_str).unwrap_or("?");
            step.name = format!("{from} → {to}");
            step.output = json!({ "route": to });
        }
        "guardrail" => {
            step.kind = StepKind::Guardrail;
            step.output = json!({ "triggered": data.get("triggered") });
        }
        "custom" => step.kind = StepKind::Chain,
        _ => {}
    }
    if let Some(error) = span.get("error").filter(|e| !e.is_null()) {
        step.status = StepStatus::Error;
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("error")
            .to_owned();
        let detail = error.get("data").map(|d| d.to_string()).unwrap_or_default();
        step.error = Some(StepError {
            error_type: message,
            message: detail,
        });
    }
    Ok(step)
}

//! Chat transcripts: one run as a JSON object holding an OpenAI-style
//! message list plus an id and a reward or pass flag, as many teams and
//! public benchmarks log them. Each assistant turn becomes an LLM step,
//! each tool call and its result a tool step.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::location::RecordError;
use crate::model::trace::TraceSource;
use crate::model::{LabelProvenance, OutcomeLabel, Step, StepKind, Trace};

/// Where things live in a transcript object (dotted paths), with defaults
/// tried in order when not given.
#[derive(Debug, Clone, Default)]
pub struct ChatFields {
    pub messages: Option<String>,
    pub id: Option<String>,
    pub outcome: Option<String>,
    /// Numeric rewards at or above this are successes.
    pub success_threshold: f64,
}

const MESSAGE_FIELDS: &[&str] = &["messages", "conversation", "trajectory", "history", "chat"];
const ID_FIELDS: &[&str] = &["id", "trace_id", "run_id", "instance_id", "task_id"];
const OUTCOME_FIELDS: &[&str] = &[
    "reward", "pass", "passed", "success", "resolved", "score", "outcome",
];

fn at_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |v, key| match key.parse::<usize>() {
            Ok(i) if v.is_array() => v.get(i),
            _ => v.get(key),
        })
}

fn first_path<'a>(
    value: &'a Value,
    given: Option<&str>,
    defaults: &[&str],
) -> Option<(&'a Value, String)> {
    match given {
        Some(path) => at_path(value, path).map(|v| (v, path.to_owned())),
        None => defaults
            .iter()
            .find_map(|p| value.get(*p).map(|v| (v, (*p).to_owned()))),
    }
}

fn is_message_list(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|list| !list.is_empty() && list.iter().all(|m| m.get("role").is_some()))
}

pub fn sniff(value: &Value, fields: &ChatFields) -> Result<(), String> {
    match first_path(value, fields.messages.as_deref(), MESSAGE_FIELDS) {
        Some((list, _)) if is_message_list(list) => Ok(()),
        Some((_, path)) => Err(format!("`{path}` is not a list of messages with `role`")),
        None => Err(format!(
            "no message list (looked for {}; --messages-field sets it)",
            MESSAGE_FIELDS.join(", ")
        )),
    }
}

/// The outcome of a transcript: booleans as they are, numbers against the
/// threshold, strings like "success"/"failure"/"pass"/"fail".
fn outcome_of(value: &Value, threshold: f64) -> Option<(OutcomeLabel, Option<f64>)> {
    match value {
        Value::Bool(b) => Some((
            if *b {
                OutcomeLabel::Success
            } else {
                OutcomeLabel::Failure
            },
            None,
        )),
        Value::Number(n) => {
            let x = n.as_f64()?;
            Some((
                if x >= threshold {
                    OutcomeLabel::Success
                } else {
                    OutcomeLabel::Failure
                },
                Some(x),
            ))
        }
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "success" | "pass" | "passed" | "true" | "resolved" => {
                Some((OutcomeLabel::Success, None))
            }
            "failure" | "fail" | "failed" | "false" => Some((OutcomeLabel::Failure, None)),
            _ => None,
        },
        _ => None,
    }
}

pub fn decode(value: &Value, fields: &ChatFields, line: usize) -> Result<Trace, RecordError> {
    let (messages, path) = first_path(value, fields.messages.as_deref(), MESSAGE_FIELDS)
        .ok_or_else(|| {
            RecordError::new(
                fields.messages.clone().unwrap_or_default(),
                "no message list here",
            )
        })?;
    let messages = messages
        .as_array()
        .filter(|_| is_message_list(messages))
        .ok_or_else(|| {
            RecordError::new(
                path.clone(),
                "expected a list of messages, each with a `role`",
            )
        })?;
    let id = match first_path(value, fields.id.as_deref(), ID_FIELDS) {
        Some((Value::String(s), _)) => s.clone(),
        Some((Value::Number(n), _)) => n.to_string(),
        Some((_, path)) => return Err(RecordError::new(path, "expected a string or number id")),
        None => format!("chat-{line}"),
    };
    let outcome = first_path(value, fields.outcome.as_deref(), OUTCOME_FIELDS)
        .and_then(|(v, path)| outcome_of(v, fields.success_threshold).map(|o| (o, path)));
    let mut trace = transcript_trace(&id, messages);
    trace.metadata = value
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| **k != path)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(((label, score), field)) = outcome {
        trace.outcome = label;
        trace.score = score;
        trace.labelled_by = Some(LabelProvenance {
            by: format!("import:chat:{field}"),
            at: None,
            note: None,
        });
    }
    Ok(trace)
}

/// Steps from the messages. Transcripts carry no times; steps get a
/// synthetic one-second spacing so the timeline keeps their order.
fn transcript_trace(id: &str, messages: &[Value]) -> Trace {
    let t0: DateTime<Utc> = DateTime::from_timestamp(0, 0).unwrap_or_default();
    let mut steps = vec![step(id, 0, None, StepKind::Agent, "agent", t0)];
    steps[0].input = messages
        .iter()
        .find(|m| m["role"] == "user")
        .map(|m| m["content"].clone())
        .unwrap_or(Value::Null);
    let mut history: Vec<Value> = Vec::new();
    for message in messages {
        if message["role"] == "assistant" {
            let index = steps.len() as u32;
            let mut llm = step(id, index, Some(0), StepKind::LlmCall, "assistant", t0);
            llm.input = json!({ "messages": history });
            llm.output = message.clone();
            steps.push(llm);
            for call in message["tool_calls"].as_array().into_iter().flatten() {
                let index = steps.len() as u32;
                let name = call["function"]["name"]
                    .as_str()
                    .or_else(|| call["name"].as_str())
                    .unwrap_or("tool");
                let mut tool = step(id, index, Some(0), StepKind::ToolCall, name, t0);
                let args = call["function"]
                    .get("arguments")
                    .or_else(|| call.get("arguments"))
                    .cloned()
                    .unwrap_or(Value::Null);
                tool.input = super::spans::genai_messages::parse_json_text(&args);
                let call_id = call["id"].as_str();
                let result = messages.iter().find(|m| {
                    m["role"] == "tool"
                        && call_id.is_some()
                        && m["tool_call_id"].as_str() == call_id
                });
                if let Some(result) = result {
                    tool.output = super::spans::genai_messages::parse_json_text(&result["content"]);
                }
                tool.attributes
                    .insert("tool_call_id".into(), json!(call_id));
                steps.push(tool);
            }
        }
        history.push(message.clone());
    }
    let end = t0 + Duration::seconds(steps.len() as i64);
    Trace {
        ended_at: Some(end),
        source: Some(TraceSource {
            format: "chat".into(),
            trace_id: Some(id.to_owned()),
        }),
        steps,
        ..Trace::new(id, "chat", t0)
    }
}

fn step(
    trace: &str,
    index: u32,
    parent: Option<u32>,
    kind: StepKind,
    name: &str,
    t0: DateTime<Utc>,
) -> Step {
    let start = t0 + Duration::seconds(index as i64);
    Step {
        parent_id: parent.map(|p| format!("{trace}-s{p}")),
        index,
        started_at: Some(start),
        ended_at: Some(start + Duration::milliseconds(900)),
        ..Step::new(format!("{trace}-s{index}"), kind, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ChatFields {
        ChatFields {
            success_threshold: 0.5,
            ..Default::default()
        }
    }

    #[test]
    fn assistant_turns_and_tool_calls_become_steps() {
        let run = json!({
            "id": "run-7", "reward": 0.0,
            "messages": [
                {"role": "system", "content": "Be helpful."},
                {"role": "user", "content": "Refund A-1"},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"order_id\": \"A-1\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"shipped\"}"},
                {"role": "assistant", "content": "Done."}
            ]
        });
        let trace = decode(&run, &fields(), 1).unwrap();
        assert_eq!(trace.id, "run-7");
        assert_eq!(trace.outcome, OutcomeLabel::Failure);
        let kinds: Vec<StepKind> = trace.steps.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StepKind::Agent,
                StepKind::LlmCall,
                StepKind::ToolCall,
                StepKind::LlmCall
            ]
        );
        assert_eq!(trace.steps[2].name, "lookup_order");
        assert_eq!(trace.steps[2].input, json!({"order_id": "A-1"}));
        assert_eq!(trace.steps[2].output, json!({"status": "shipped"}));
        assert_eq!(
            trace.steps[3].input["messages"].as_array().unwrap().len(),
            4
        );
    }

    #[test]
    fn fields_can_be_named_and_thresholds_set() {
        let run = json!({"meta": {"uid": 42}, "eval": {"r": 0.7}, "log": [{"role": "user", "content": "hi"}]});
        let f = ChatFields {
            messages: Some("log".into()),
            id: Some("meta.uid".into()),
            outcome: Some("eval.r".into()),
            success_threshold: 0.8,
        };
        let trace = decode(&run, &f, 1).unwrap();
        assert_eq!(
            (trace.id.as_str(), trace.outcome, trace.score),
            ("42", OutcomeLabel::Failure, Some(0.7))
        );
        assert!(sniff(&json!({"log": [1, 2]}), &f)
            .unwrap_err()
            .contains("`log` is not a list of messages"));
    }
}

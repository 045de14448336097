//! Maps a span's attributes onto a step, for the three attribute dialects
//! seen in the wild: OpenInference, OpenTelemetry GenAI, and Langfuse. All
//! attributes are kept on the step, mapped or not.

use serde_json::{json, Map, Value};

use super::genai_messages::{genai_messages, openinference_messages, parse_json_text};
use super::{SpanEvent, SpanRecord};
use crate::ingest::usage::tokens_from;
use crate::model::{Step, StepError, StepKind, StepStatus, Tokens};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenInference,
    GenAi,
    Langfuse,
    Plain,
}

impl Dialect {
    pub fn of(span: &SpanRecord) -> Dialect {
        let has = |prefix: &str| span.attributes.keys().any(|k| k.starts_with(prefix));
        if has("langfuse.observation.") {
            Dialect::Langfuse
        } else if has("openinference.")
            || has("llm.")
            || span.attributes.contains_key("input.value")
        {
            Dialect::OpenInference
        } else if has("gen_ai.") || span.events.iter().any(|e| e.name.starts_with("gen_ai.")) {
            Dialect::GenAi
        } else {
            Dialect::Plain
        }
    }

    /// The source format name recorded on imported traces.
    pub fn format_name(self) -> &'static str {
        match self {
            Dialect::OpenInference => "otlp-openinference",
            Dialect::GenAi => "otlp-genai",
            Dialect::Langfuse => "langfuse",
            Dialect::Plain => "otlp",
        }
    }
}

fn text(attrs: &Map<String, Value>, key: &str) -> Option<String> {
    attrs.get(key).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

fn number(attrs: &Map<String, Value>, key: &str) -> Option<u64> {
    attrs.get(key).and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    })
}

/// Where a step keeps its span's events, and the log events joined to it.
const OWN_EVENTS: &str = "otel.events";
const JOINED_EVENTS: &str = "gen_ai.events";

fn joined_events_json(events: &[SpanEvent]) -> Value {
    json!(events
        .iter()
        .map(|e| json!({"name": e.name, "body": e.body, "attributes": e.attributes}))
        .collect::<Vec<_>>())
}

fn stored_events(step: &Step, key: &str) -> Vec<SpanEvent> {
    step.attributes
        .get(key)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// Log events that arrive after their span's trace was stored: kept with
/// the others, and an LLM step's messages rebuilt from all of them.
pub fn add_late_events(step: &mut Step, late: &[SpanEvent]) {
    let mut joined = stored_events(step, JOINED_EVENTS);
    joined.extend_from_slice(late);
    step.attributes
        .insert(JOINED_EVENTS.into(), joined_events_json(&joined));
    if step.kind != StepKind::LlmCall {
        return;
    }
    let mut events = stored_events(step, OWN_EVENTS);
    events.extend(joined);
    let (input, output) = genai_messages(&step.attributes, &events);
    if !input.is_empty() {
        step.input = json!({ "messages": input });
    }
    if let Some(output) = output {
        step.output = output;
    }
}

/// A step from a span (index and parent are set by assembly).
pub fn span_to_step(span: &SpanRecord, joined: &[SpanEvent]) -> Step {
    let mut events = span.events.clone();
    events.extend_from_slice(joined);
    let mut step = Step {
        parent_id: span.parent_id.clone(),
        started_at: span.start,
        ended_at: span.end,
        source_id: Some(span.span_id.clone()),
        attributes: span.attributes.clone(),
        ..Step::new(span.span_id.clone(), StepKind::Other, span.name.clone())
    };
    match Dialect::of(span) {
        Dialect::OpenInference => openinference(&mut step, &span.attributes),
        Dialect::GenAi => genai(&mut step, &span.attributes, &events),
        Dialect::Langfuse => langfuse(&mut step, &span.attributes),
        Dialect::Plain => {
            step.kind = if span.parent_id.is_none() {
                StepKind::Agent
            } else {
                StepKind::Chain
            }
        }
    }
    apply_status(&mut step, span, &events);
    // The span's own events and the log events joined to it are kept, so
    // nothing the source sent is lost and late log events can be added.
    if !span.events.is_empty() {
        step.attributes
            .insert(OWN_EVENTS.into(), json!(span.events));
    }
    if !joined.is_empty() {
        step.attributes
            .insert(JOINED_EVENTS.into(), joined_events_json(joined));
    }
    step
}

fn openinference(step: &mut Step, attrs: &Map<String, Value>) {
    let kind = text(attrs, "openinference.span.kind")
        .unwrap_or_default()
        .to_ascii_uppercase();
    step.kind = match kind.as_str() {
        "LLM" => StepKind::LlmCall,
        "TOOL" => StepKind::ToolCall,
        "AGENT" => StepKind::Agent,
        "CHAIN" => StepKind::Chain,
        "RETRIEVER" => StepKind::Retrieval,
        "GUARDRAIL" => StepKind::Guardrail,
        _ => StepKind::Other,
    };
    step.input = json_attr(attrs, "input.value");
    step.output = json_attr(attrs, "output.value");
    if step.kind == StepKind::ToolCall {
        if let Some(name) = text(attrs, "tool.name") {
            step.name = name;
        }
        if let Some(params) = attrs.get("tool.parameters") {
            step.input = parse_json_text(params);
        }
    }
    if step.kind == StepKind::LlmCall {
        step.model = text(attrs, "llm.model_name");
        if let Some(model) = &step.model {
            step.name = model.clone();
        }
        let input = openinference_messages(attrs, "llm.input_messages.");
        let tools: Vec<Value> = (0..)
            .map_while(|i| {
                attrs
                    .get(&format!("llm.tools.{i}.tool.json_schema"))
                    .map(parse_json_text)
            })
            .collect();
        if !input.is_empty() {
            let mut value = json!({ "messages": input });
            if !tools.is_empty() {
                value["tools"] = Value::Array(tools);
            }
            step.input = value;
        }
        if let Some(first) = openinference_messages(attrs, "llm.output_messages.")
            .into_iter()
            .next()
        {
            step.output = first;
        }
        let (input, output) = (
            number(attrs, "llm.token_count.prompt"),
            number(attrs, "llm.token_count.completion"),
        );
        if input.is_some() || output.is_some() {
            step.tokens = Some(Tokens {
                input: input.unwrap_or(0),
                output: output.unwrap_or(0),
            });
        }
    }
}

fn genai(step: &mut Step, attrs: &Map<String, Value>, events: &[SpanEvent]) {
    let operation = text(attrs, "gen_ai.operation.name").unwrap_or_default();
    step.kind = match operation.as_str() {
        "chat" | "text_completion" | "generate_content" => StepKind::LlmCall,
        "execute_tool" => StepKind::ToolCall,
        "invoke_agent" | "create_agent" => StepKind::Agent,
        "embeddings" => StepKind::Other,
        _ if attrs.contains_key("gen_ai.request.model") => StepKind::LlmCall,
        _ => StepKind::Chain,
    };
    match step.kind {
        StepKind::LlmCall => {
            step.model = text(attrs, "gen_ai.response.model")
                .or_else(|| text(attrs, "gen_ai.request.model"));
            if let Some(model) = text(attrs, "gen_ai.request.model") {
                step.name = model;
            }
            let (input, output) = genai_messages(attrs, events);
            if !input.is_empty() {
                step.input = json!({ "messages": input });
            }
            if let Some(output) = output {
                step.output = output;
            }
            let tokens_in = number(attrs, "gen_ai.usage.input_tokens")
                .or_else(|| number(attrs, "gen_ai.usage.prompt_tokens"));
            let tokens_out = number(attrs, "gen_ai.usage.output_tokens")
                .or_else(|| number(attrs, "gen_ai.usage.completion_tokens"));
            if tokens_in.is_some() || tokens_out.is_some() {
                step.tokens = Some(Tokens {
                    input: tokens_in.unwrap_or(0),
                    output: tokens_out.unwrap_or(0),
                });
            }
        }
        StepKind::ToolCall => {
            if let Some(name) = text(attrs, "gen_ai.tool.name") {
                step.name = name;
            }
            step.input = json_attr(attrs, "gen_ai.tool.call.arguments");
            step.output = json_attr(attrs, "gen_ai.tool.call.result");
        }
        StepKind::Agent => {
            if let Some(name) = text(attrs, "gen_ai.agent.name") {
                step.name = name;
            }
        }
        _ => {}
    }
}

fn langfuse(step: &mut Step, attrs: &Map<String, Value>) {
    let kind = text(attrs, "langfuse.observation.type").unwrap_or_default();
    step.kind = match kind.as_str() {
        "generation" => StepKind::LlmCall,
        "tool" => StepKind::ToolCall,
        "agent" => StepKind::Agent,
        "chain" | "span" => StepKind::Chain,
        "retriever" => StepKind::Retrieval,
        "guardrail" => StepKind::Guardrail,
        _ => StepKind::Other,
    };
    step.input = json_attr(attrs, "langfuse.observation.input");
    step.output = json_attr(attrs, "langfuse.observation.output");
    if step.kind == StepKind::LlmCall {
        step.model = text(attrs, "langfuse.observation.model.name");
        if let Some(model) = &step.model {
            step.name = model.clone();
        }
        if let Some(usage) = attrs
            .get("langfuse.observation.usage_details")
            .map(parse_json_text)
        {
            step.tokens = Some(tokens_from(
                &usage,
                &["prompt_tokens", "input", "input_tokens"],
                &["completion_tokens", "output", "output_tokens"],
            ));
        }
    }
    // `@observe` on a generic dispatcher records `{"args": [tool, arguments]}`:
    // the tool is the first argument, its arguments the second.
    if step.kind == StepKind::ToolCall {
        let args = step.input.get("args").and_then(Value::as_array).cloned();
        if let Some([Value::String(tool), arguments, ..]) = args.as_deref() {
            step.name = tool.clone();
            step.input = arguments.clone();
        }
    }
    if text(attrs, "langfuse.observation.level").as_deref() == Some("ERROR") {
        step.status = StepStatus::Error;
        step.error = Some(StepError {
            error_type: "error".into(),
            message: text(attrs, "langfuse.observation.status_message").unwrap_or_default(),
        });
    }
}

/// Span status ERROR (with its `exception` event, if any) → step error.
fn apply_status(step: &mut Step, span: &SpanRecord, events: &[SpanEvent]) {
    if span.status_code != 2 {
        return;
    }
    let exception = events.iter().find(|e| e.name == "exception");
    let field = |key: &str| exception.and_then(|e| text(&e.attributes, key));
    step.status = StepStatus::Error;
    step.error = Some(StepError {
        error_type: field("exception.type").unwrap_or_else(|| "error".into()),
        message: field("exception.message").unwrap_or_else(|| span.status_message.clone()),
    });
}

/// An attribute holding JSON (often as a string), or null when absent.
fn json_attr(attrs: &Map<String, Value>, key: &str) -> Value {
    attrs.get(key).map(parse_json_text).unwrap_or(Value::Null)
}

//! Facts read off a trace that several analyses need: tool calls and the
//! LLM call that asked for each, the final answer, text outputs.

use serde_json::Value;

use crate::model::{Step, StepKind, Trace};

/// Positions of tool-call steps, in execution order.
pub fn tool_calls(trace: &Trace) -> Vec<usize> {
    positions(trace, |s| s.kind == StepKind::ToolCall)
}

pub fn llm_calls(trace: &Trace) -> Vec<usize> {
    positions(trace, |s| s.kind == StepKind::LlmCall)
}

fn positions(trace: &Trace, keep: impl Fn(&Step) -> bool) -> Vec<usize> {
    let mut out: Vec<usize> = (0..trace.steps.len())
        .filter(|&i| keep(&trace.steps[i]))
        .collect();
    out.sort_by_key(|&i| trace.steps[i].index);
    out
}

/// An LLM step's answer: `choices[0].message` of a raw completion, else
/// the output itself.
fn assistant_message(step: &Step) -> &Value {
    step.output
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("message"))
        .unwrap_or(&step.output)
}

/// Tool names an LLM step asked for (OpenAI-style `tool_calls`, either at
/// the top of the output or inside `choices[0].message`).
pub fn requested_tools(step: &Step) -> Vec<String> {
    let message = assistant_message(step);
    let Some(calls) = message.get("tool_calls").and_then(Value::as_array) else {
        return Vec::new();
    };
    calls
        .iter()
        .filter_map(|c| {
            c.get("function")
                .and_then(|f| f.get("name"))
                .or_else(|| c.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

/// The LLM call that asked for the tool call at `tool_pos`: the nearest
/// earlier LLM step naming that tool, else the nearest earlier LLM step.
pub fn requesting_llm(trace: &Trace, tool_pos: usize) -> Option<usize> {
    let tool = &trace.steps[tool_pos];
    let earlier: Vec<usize> = llm_calls(trace)
        .into_iter()
        .filter(|&p| trace.steps[p].index < tool.index)
        .collect();
    earlier
        .iter()
        .rev()
        .find(|&&p| requested_tools(&trace.steps[p]).contains(&tool.name))
        .or(earlier.last())
        .copied()
}

/// Text content an LLM step answered with (not tool calls).
pub fn text_output(step: &Step) -> Option<&str> {
    let message = assistant_message(step);
    match message {
        Value::String(s) => Some(s.as_str()),
        other => other.get("content").and_then(Value::as_str),
    }
    .filter(|s| !s.trim().is_empty())
}

/// The final answer: the last `final_answer` step's output, else the last
/// LLM text. Returns its position and text.
pub fn final_answer(trace: &Trace) -> Option<(usize, String)> {
    let finals = positions(trace, |s| s.kind == StepKind::FinalAnswer);
    if let Some(&pos) = finals.last() {
        let text = match &trace.steps[pos].output {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        return Some((pos, text));
    }
    llm_calls(trace)
        .into_iter()
        .rev()
        .find_map(|p| text_output(&trace.steps[p]).map(|t| (p, t.to_owned())))
}

/// The LLM step that wrote the text the final answer carries: the last
/// LLM text output at or before the final answer.
pub fn answer_author(trace: &Trace, final_pos: usize) -> Option<usize> {
    let limit = trace.steps[final_pos].index;
    llm_calls(trace)
        .into_iter()
        .rev()
        .find(|&p| trace.steps[p].index <= limit && text_output(&trace.steps[p]).is_some())
}

/// The step where a failure shows: the last step in error, else the final
/// answer, else the last step.
pub fn symptom(trace: &Trace) -> Option<usize> {
    let ordered = positions(trace, |_| true);
    ordered
        .iter()
        .rev()
        .find(|&&p| {
            trace.steps[p].is_error()
                && !matches!(trace.steps[p].kind, StepKind::Agent | StepKind::Chain)
        })
        .or_else(|| ordered.iter().rev().find(|&&p| trace.steps[p].is_error()))
        .copied()
        .or_else(|| final_answer(trace).map(|(p, _)| p))
        .or_else(|| ordered.last().copied())
}

/// The first step in error at or after `from` (by execution order).
pub fn first_error_from(trace: &Trace, from: usize) -> Option<usize> {
    let start = trace.steps[from].index;
    positions(trace, |s| s.is_error() && s.index >= start)
        .first()
        .copied()
}

/// A canonical signature of a tool call: its name and arguments.
pub fn call_signature(step: &Step) -> String {
    format!("{}({})", step.name, step.input)
}

/// Parses tool arguments that some SDKs record as a JSON string.
pub fn tool_arguments(step: &Step) -> Value {
    match &step.input {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| step.input.clone()),
        other => other.clone(),
    }
}

/// Error types that come from the provider or infrastructure, not the agent.
pub fn is_noise_error(step: &Step) -> bool {
    let Some(error) = &step.error else {
        return false;
    };
    let t = error.error_type.to_ascii_lowercase();
    let m = error.message.to_ascii_lowercase();
    t.contains("provider")
        || t.contains("timeout")
        || t.contains("ratelimit")
        || t.contains("rate_limit")
        || t == "internalservererror"
        || (step.kind == StepKind::LlmCall
            && (m.contains(" 500")
                || m.contains(" 502")
                || m.contains(" 503")
                || m.starts_with("5")))
}

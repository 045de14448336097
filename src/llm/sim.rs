//! The simulated provider: deterministic, offline, and labelled as such in
//! every answer (`provider: "sim (simulated)"`). It recognises tackroom's
//! own prompts by their `TASK:` line and answers them with a simple
//! heuristic, so the whole loop runs in demos, tests and CI with no model.

use futures::future::BoxFuture;
use serde_json::{json, Value};

use super::{ChatRequest, ChatResponse, DeltaSink, LlmError, Provider, Role, Usage};
use crate::analyze::compact::estimate_tokens;

pub const NAME: &str = "sim (simulated)";

#[derive(Debug, Default, Clone)]
pub struct SimProvider;

impl SimProvider {
    fn answer(request: &ChatRequest) -> String {
        let prompt = request
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(|m| m.content.as_str())
            .unwrap_or_default();
        if prompt.contains("TASK: attribute_root_cause") {
            return attribute(prompt).to_string();
        }
        format!("[simulated answer to a {}-character prompt]", prompt.len())
    }
}

/// Blames the LLM call before the first failing tool call, or the first
/// failing step itself: a crude baseline, which is the point.
fn attribute(prompt: &str) -> Value {
    let trace =
        between(prompt, "<trace>", "</trace>").and_then(|t| serde_json::from_str::<Value>(t).ok());
    let steps: Vec<Value> = trace
        .as_ref()
        .and_then(|t| t["steps"].as_array().cloned())
        .unwrap_or_default();
    let first_error = steps.iter().position(|s| s["status"] == "error");
    let (cause, category) = match first_error {
        Some(i) => {
            let step = &steps[i];
            let error = step["error"].as_str().unwrap_or_default().to_lowercase();
            let category = if error.contains("timeout") {
                "timeout"
            } else if error.contains("provider") || error.contains("503") || error.contains("500") {
                "provider_error"
            } else {
                "unknown"
            };
            let llm_before = steps[..i].iter().rev().find(|s| s["kind"] == "llm_call");
            let cause = match (step["kind"].as_str(), llm_before) {
                (Some("tool_call"), Some(llm)) => llm,
                _ => step,
            };
            (cause.clone(), category)
        }
        None => (
            steps
                .iter()
                .rev()
                .find(|s| s["kind"] == "llm_call")
                .cloned()
                .unwrap_or(Value::Null),
            "unknown",
        ),
    };
    json!({
        "root_cause_step_id": cause["id"],
        "category": category,
        "confidence": 0.3,
        "explanation": "[simulated] blames the LLM call before the first failing tool call, or the first failing step",
    })
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

impl Provider for SimProvider {
    fn name(&self) -> &str {
        NAME
    }

    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_delta: Option<DeltaSink<'a>>,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            let content = Self::answer(request);
            if let Some(sink) = on_delta {
                for piece in content.split_inclusive(' ') {
                    sink(piece);
                }
            }
            let input: usize = request
                .messages
                .iter()
                .map(|m| estimate_tokens(&m.content))
                .sum();
            Ok(ChatResponse {
                usage: Usage {
                    input_tokens: input as u64,
                    output_tokens: estimate_tokens(&content) as u64,
                },
                content,
                model: request.model.clone(),
                cost_usd: Some(0.0),
                provider: NAME.into(),
            })
        })
    }
}

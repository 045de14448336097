//! The LLM attribution engine: a compacted trace and the harness rules go
//! to the model, which must answer with JSON naming the root-cause step and
//! a category from the taxonomy. The answer is checked against the trace;
//! a bad one is sent back with the problem, a few times, then reported.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::retry::{chat_with_retry, RetryPolicy};
use super::{ChatMessage, ChatRequest, LlmError, Provider};
use crate::analyze::assertions::check_assertions;
use crate::analyze::compact::compact_trace;
use crate::analyze::rules_engine::step_ref;
use crate::analyze::trace_facts::symptom;
use crate::model::{Attribution, FailureCategory, Harness, Trace};

const SYSTEM: &str = "You find the root cause of failed LLM-agent runs. The root cause is the step \
that caused the failure, which is often earlier than the step where it shows: an LLM call that \
skipped a required step, chose a wrong tool or route, or passed bad arguments. Answer with one JSON \
object: {\"root_cause_step_id\": \"<id of a step in the trace>\", \"symptom_step_id\": \"<id>\", \
\"category\": \"<category>\", \"confidence\": <0..1>, \"explanation\": \"<one or two sentences citing step ids and rules>\"}.";

#[derive(Debug, thiserror::Error)]
pub enum AttributionError {
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error("trace {trace_id}: the model gave no usable answer after {attempts} attempts; last problem: {problem}")]
    BadAnswer {
        trace_id: String,
        attempts: u32,
        problem: String,
    },
}

#[derive(Debug, Deserialize)]
struct Answer {
    root_cause_step_id: String,
    #[serde(default)]
    symptom_step_id: Option<String>,
    category: String,
    #[serde(default)]
    confidence: Option<f64>,
    #[serde(default)]
    explanation: String,
}

/// The name a model's verdicts are stored under: `llm:<provider>:<model>`.
pub fn engine_name(provider: &str, model: &str) -> String {
    format!("llm:{provider}:{model}")
}

pub struct LlmAttributor<'a> {
    pub provider: &'a dyn Provider,
    pub model: String,
    pub retry: RetryPolicy,
    /// Tokens the compacted trace may take.
    pub budget_tokens: usize,
    /// Answers the model may give before it is reported as failing.
    pub max_answers: u32,
}

impl LlmAttributor<'_> {
    pub fn engine_name(&self) -> String {
        engine_name(self.provider.name(), &self.model)
    }

    pub async fn attribute(
        &self,
        trace: &Trace,
        harness: Option<&Harness>,
        now: DateTime<Utc>,
    ) -> Result<Attribution, AttributionError> {
        let mut messages = vec![
            ChatMessage::system(SYSTEM),
            ChatMessage::user(prompt(trace, harness, self.budget_tokens)),
        ];
        let mut problem = String::new();
        for _ in 0..self.max_answers {
            let request = ChatRequest {
                model: self.model.clone(),
                messages: messages.clone(),
                max_tokens: 800,
                temperature: 0.0,
                json_output: true,
                stream: false,
            };
            let response = chat_with_retry(self.provider, &request, &self.retry, None).await?;
            match self.check(trace, &response.content, now) {
                Ok(attribution) => return Ok(attribution),
                Err(why) => {
                    tracing::warn!(trace = %trace.id, problem = %why, "bad attribution answer");
                    messages.push(ChatMessage::assistant(response.content));
                    messages.push(ChatMessage::user(format!("That answer cannot be used: {why}. Answer again with the JSON object only.")));
                    problem = why;
                }
            }
        }
        Err(AttributionError::BadAnswer {
            trace_id: trace.id.clone(),
            attempts: self.max_answers,
            problem,
        })
    }

    /// Parses the answer and checks it against the trace.
    fn check(
        &self,
        trace: &Trace,
        content: &str,
        now: DateTime<Utc>,
    ) -> Result<Attribution, String> {
        let json = json_object(content).ok_or("it is not a JSON object")?;
        let answer: Answer = serde_json::from_str(json)
            .map_err(|e| format!("it does not have the expected fields ({e})"))?;
        let find = |id: &str| {
            trace
                .steps
                .iter()
                .position(|s| s.id == id || s.source_id.as_deref() == Some(id))
        };
        let cause = find(&answer.root_cause_step_id).ok_or_else(|| {
            format!(
                "step {:?} does not exist in trace {}",
                answer.root_cause_step_id, trace.id
            )
        })?;
        let category = FailureCategory::parse(&answer.category).ok_or_else(|| {
            let names: Vec<&str> = FailureCategory::ALL.iter().map(|c| c.as_str()).collect();
            format!(
                "category {:?} is not one of {}",
                answer.category,
                names.join(", ")
            )
        })?;
        let symptom = answer
            .symptom_step_id
            .as_deref()
            .and_then(find)
            .or_else(|| symptom(trace))
            .unwrap_or(cause);
        Ok(Attribution {
            trace_id: trace.id.clone(),
            root_cause: step_ref(&trace.steps[cause]),
            symptom: step_ref(&trace.steps[symptom]),
            category,
            harness_problem: category.is_harness_problem(),
            confidence: answer.confidence.unwrap_or(0.6).clamp(0.0, 1.0),
            explanation: answer.explanation,
            engine: self.engine_name(),
            rule_ids: Vec::new(),
            created_at: now,
        })
    }
}

/// The user prompt: taxonomy, harness rules and the compacted trace.
pub fn prompt(trace: &Trace, harness: Option<&Harness>, budget_tokens: usize) -> String {
    let mut text =
        String::from("TASK: attribute_root_cause\n\nCategories (harness problems, then noise):\n");
    for c in FailureCategory::ALL {
        let kind = if c.is_harness_problem() {
            "harness"
        } else {
            "noise"
        };
        text.push_str(&format!("- {} ({kind})\n", c.as_str()));
    }
    if let Some(h) = harness {
        text.push_str("\nThe agent's operating rules:\n");
        for rule in &h.rules {
            text.push_str(&format!("- [{}] {}\n", rule.id, rule.text));
        }
        for tool in &h.tools {
            text.push_str(&format!(
                "- tool {}: {} parameters {}\n",
                tool.name, tool.description, tool.parameters
            ));
        }
    }
    // The deterministic checks are evidence, not the answer: the model
    // still decides which step caused the failure.
    let broken = harness
        .map(|h| check_assertions(trace, h))
        .unwrap_or_default();
    if !broken.is_empty() {
        text.push_str("\nHarness assertions this trace breaks:\n");
        for v in &broken {
            text.push_str(&format!(
                "- {} [cause step {}, shows at step {}]\n",
                v.sentence(),
                trace.steps[v.cause].id,
                trace.steps[v.shows_at].id
            ));
        }
    }
    text.push_str("\nThe failed trace (long fields trimmed):\n<trace>");
    text.push_str(&compact_trace(trace, budget_tokens));
    text.push_str("</trace>\n");
    text
}

/// The JSON object in an answer, even inside a code fence or prose.
fn json_object(content: &str) -> Option<&str> {
    let start = content.find('{')?;
    let end = content.rfind('}')?;
    (end > start).then(|| &content[start..=end])
}

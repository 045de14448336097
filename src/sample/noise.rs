//! Failures no rule can fix: provider 5xx until retries run out, tool
//! timeouts. Shared by every sample agent.

use rand::Rng;
use serde_json::Value;

use super::builder::TraceBuilder;
use super::{AgentRun, Failure};
use crate::model::{FailureCategory, OutcomeLabel};

/// One random noise failure in the agent under `root`.
pub fn any(b: &mut TraceBuilder, root: usize, tool: &str, args: Value) -> AgentRun {
    if b.rng.gen_bool(0.6) {
        provider_exhausted(b, root)
    } else {
        tool_timeout(b, root, tool, args)
    }
}

/// The chat API answers 5xx on every attempt the retry policy allows.
fn provider_exhausted(b: &mut TraceBuilder, root: usize) -> AgentRun {
    let attempts = 3;
    let status = if b.rng.gen_bool(0.5) { 500 } else { 503 };
    let first = b.llm_provider_error(root, status);
    for _ in 1..attempts {
        b.llm_provider_error(root, status);
    }
    let symptom = b.final_answer(root, "");
    b.fail(
        symptom,
        "provider_error",
        "gave up after 3 attempts: provider unavailable",
    );
    AgentRun {
        outcome: OutcomeLabel::Failure,
        failure: Some(Failure {
            category: FailureCategory::ProviderError,
            root_cause: first,
            symptom,
        }),
    }
}

/// A tool call hangs past its deadline.
fn tool_timeout(b: &mut TraceBuilder, root: usize, tool: &str, args: Value) -> AgentRun {
    b.llm_tool_call(root, &[(tool, args.clone())]);
    let call = b.tool(
        root,
        tool,
        args,
        Err(("timeout", "no response within 30000 ms")),
    );
    let ms = 30_000;
    b.stretch(call, ms);
    let symptom = b.final_answer(root, "");
    b.fail(symptom, "timeout", &format!("{tool} timed out"));
    AgentRun::failure(FailureCategory::Timeout, call, call)
}

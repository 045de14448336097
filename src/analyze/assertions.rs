//! Trace assertions declared in a harness, checked on one trace. Each
//! violation names the assertion and rule, the step where it shows, and
//! the step that caused it (usually the LLM call that made the choice).

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

use super::trace_facts::{
    answer_author, call_signature, final_answer, first_error_from, llm_calls, requesting_llm,
    symptom, text_output, tool_arguments, tool_calls,
};
use crate::model::{Assertion, FailureCategory, Harness, StepKind, Trace};

/// One assertion broken by one trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub assertion_id: String,
    pub rule: Option<String>,
    pub category: FailureCategory,
    /// Position of the step that caused it.
    pub cause: usize,
    /// Position of the step where it shows.
    pub shows_at: usize,
    pub message: String,
}

impl Violation {
    /// `verify-first (rule verify-before-refund): issue_refund (step 4) was
    /// called without …`: how the UI, the engine and the prompt say it.
    pub fn sentence(&self) -> String {
        match &self.rule {
            Some(rule) => format!("{} (rule {rule}): {}", self.assertion_id, self.message),
            None => format!("{}: {}", self.assertion_id, self.message),
        }
    }
}

/// Every assertion of `harness` that `trace` breaks (at most one violation
/// per assertion: the first).
pub fn check_assertions(trace: &Trace, harness: &Harness) -> Vec<Violation> {
    harness
        .assertions
        .iter()
        .filter_map(|a| check_one(trace, harness, a))
        .collect()
}

fn check_one(trace: &Trace, harness: &Harness, assertion: &Assertion) -> Option<Violation> {
    let found = match assertion {
        Assertion::Precedes { step, required, .. } => precedes(trace, step, required),
        Assertion::ToolArgsMatchSchema { .. } => tool_args_match_schema(trace, harness),
        Assertion::FinalOutputJson { schema, .. } => {
            final_output_json(trace, schema.as_ref().or(harness_schema(harness)))
        }
        Assertion::FinalOutputContains {
            pattern,
            min,
            conflicts_with,
            ..
        } => final_output_contains(trace, pattern, *min, !conflicts_with.is_empty()),
        Assertion::MaxRetries { max, tool, .. } => max_retries(trace, *max, tool.as_deref()),
        Assertion::NoRepeatedCalls { .. } => repeated_call(trace),
        Assertion::RoutesFollowTable { .. } => routes_follow_table(trace, harness),
    }?;
    let (category, cause, shows_at, message) = found;
    Some(Violation {
        assertion_id: assertion.id().to_owned(),
        rule: assertion.rule().map(str::to_owned),
        category,
        cause,
        shows_at,
        message,
    })
}

type Found = (FailureCategory, usize, usize, String);

fn harness_schema(harness: &Harness) -> Option<&Value> {
    harness.output.as_ref().and_then(|o| o.schema.as_ref())
}

/// Where a violation caused at `call` shows: the first error from there on,
/// else the trace's symptom.
fn shows_at(trace: &Trace, call: usize) -> usize {
    first_error_from(trace, call)
        .or_else(|| symptom(trace))
        .unwrap_or(call)
}

fn precedes(trace: &Trace, step: &str, required: &str) -> Option<Found> {
    let calls = tool_calls(trace);
    let mut seen_required = false;
    for pos in calls {
        let name = trace.steps[pos].name.as_str();
        if name == required {
            seen_required = true;
        } else if name == step && !seen_required {
            let cause = requesting_llm(trace, pos).unwrap_or(pos);
            let message = format!(
                "{step} (step {}) was called without {required} before it",
                trace.steps[pos].index
            );
            return Some((
                FailureCategory::SkippedRequiredStep,
                cause,
                shows_at(trace, pos),
                message,
            ));
        }
    }
    None
}

fn tool_args_match_schema(trace: &Trace, harness: &Harness) -> Option<Found> {
    let mut validators = HashMap::new();
    for tool in &harness.tools {
        if let Ok(v) = jsonschema::validator_for(&tool.parameters) {
            validators.insert(tool.name.as_str(), v);
        }
    }
    for pos in tool_calls(trace) {
        let step = &trace.steps[pos];
        let Some(validator) = validators.get(step.name.as_str()) else {
            continue;
        };
        let args = tool_arguments(step);
        let first_error = validator.iter_errors(&args).next().map(|e| {
            let at = e.instance_path.to_string();
            let at = if at.is_empty() {
                "arguments".to_owned()
            } else {
                format!("arguments{at}")
            };
            format!("{at}: {e}")
        });
        if let Some(problem) = first_error {
            let cause = requesting_llm(trace, pos).unwrap_or(pos);
            let message = format!(
                "{} (step {}) called with arguments that break its schema: {problem}",
                step.name, step.index
            );
            return Some((
                FailureCategory::InvalidToolArguments,
                cause,
                shows_at(trace, pos),
                message,
            ));
        }
    }
    None
}

/// The final answer's text when there is one worth checking. An empty
/// answer (the run died first) is a symptom of something else.
fn checkable_answer(trace: &Trace) -> Option<(usize, usize, String)> {
    let (final_pos, text) = final_answer(trace)?;
    if text.trim().is_empty() {
        return None;
    }
    let author = answer_author(trace, final_pos).unwrap_or(final_pos);
    Some((final_pos, author, text))
}

fn final_output_json(trace: &Trace, schema: Option<&Value>) -> Option<Found> {
    let (final_pos, author, text) = checkable_answer(trace)?;
    let problem = match serde_json::from_str::<Value>(text.trim()) {
        Err(e) => format!("the final answer is not JSON ({e})"),
        Ok(value) => {
            let validator = schema.and_then(|s| jsonschema::validator_for(s).ok())?;
            let error = validator.iter_errors(&value).next()?;
            format!("the final answer does not match the output schema: {error}")
        }
    };
    Some((
        FailureCategory::OutputFormatViolated,
        author,
        final_pos,
        problem,
    ))
}

fn final_output_contains(
    trace: &Trace,
    pattern: &str,
    min: usize,
    conflicting: bool,
) -> Option<Found> {
    let regex = Regex::new(pattern).ok()?;
    let (final_pos, _, text) = checkable_answer(trace)?;
    let found = regex.find_iter(&text).count();
    if found >= min {
        return None;
    }
    // The cause is the first LLM text that already fell short.
    let cause = llm_calls(trace)
        .into_iter()
        .find(|&p| text_output(&trace.steps[p]).is_some_and(|t| regex.find_iter(t).count() < min))
        .unwrap_or(final_pos);
    let category = if conflicting {
        FailureCategory::ConflictingRules
    } else {
        FailureCategory::InstructionViolated
    };
    let message = format!("the final answer has {found} match(es) of /{pattern}/, {min} required");
    Some((category, cause, final_pos, message))
}

/// Runs of identical failing calls with no LLM call in between are retries.
fn max_retries(trace: &Trace, max: u32, tool: Option<&str>) -> Option<Found> {
    let mut ordered: Vec<usize> = (0..trace.steps.len()).collect();
    ordered.sort_by_key(|&i| trace.steps[i].index);
    let mut run: Vec<usize> = Vec::new();
    for pos in ordered {
        let step = &trace.steps[pos];
        match step.kind {
            StepKind::LlmCall => run.clear(),
            StepKind::ToolCall | StepKind::Retry => {
                if tool.is_some_and(|t| t != step.name) {
                    continue;
                }
                let continues = run.last().is_some_and(|&last| {
                    trace.steps[last].is_error()
                        && call_signature(&trace.steps[last]) == call_signature(step)
                });
                if !continues {
                    run.clear();
                }
                run.push(pos);
                // Attempt max+2 is retry max+1: the first past the budget.
                if run.len() == max as usize + 2 {
                    let message = format!(
                        "{} retried {} times in a row without backoff or re-planning (at most {max} allowed)",
                        step.name,
                        run.len() - 1
                    );
                    let symptom = symptom(trace).unwrap_or(pos);
                    return Some((FailureCategory::RetryStorm, pos, symptom, message));
                }
            }
            _ => {}
        }
    }
    None
}

/// A repeated identical call as a violation, for use without a harness.
pub fn repeated_call_violation(trace: &Trace) -> Option<Violation> {
    let (category, cause, shows_at, message) = repeated_call(trace)?;
    Some(Violation {
        assertion_id: "no-identical-calls".into(),
        rule: None,
        category,
        cause,
        shows_at,
        message,
    })
}

/// The same call asked for again by the model after it had succeeded.
fn repeated_call(trace: &Trace) -> Option<Found> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for pos in tool_calls(trace) {
        let step = &trace.steps[pos];
        let signature = call_signature(step);
        if let Some(&first) = seen.get(&signature) {
            let asked_again = requesting_llm(trace, pos)
                .filter(|&llm| trace.steps[llm].index > trace.steps[first].index);
            if let (Some(cause), false) = (asked_again, trace.steps[first].is_error()) {
                let message = format!(
                    "{} called again with identical arguments (steps {} and {})",
                    step.name, trace.steps[first].index, step.index
                );
                return Some((
                    FailureCategory::Loop,
                    cause,
                    symptom(trace).unwrap_or(pos),
                    message,
                ));
            }
        }
        seen.entry(signature).or_insert(pos);
    }
    None
}

fn routes_follow_table(trace: &Trace, harness: &Harness) -> Option<Found> {
    let routing = harness.routing.as_ref()?;
    for pos in (0..trace.steps.len()).filter(|&i| trace.steps[i].kind == StepKind::Routing) {
        let step = &trace.steps[pos];
        let request = step.input.to_string().to_lowercase();
        let expected = routing
            .routes
            .iter()
            .find(|r| {
                r.keywords
                    .iter()
                    .any(|k| request.contains(&k.to_lowercase()))
            })
            .map_or(routing.default.as_str(), |r| r.to.as_str());
        let chosen = step
            .output
            .get("route")
            .and_then(Value::as_str)
            .or_else(|| step.output.as_str())
            .unwrap_or_default();
        if !chosen.is_empty() && chosen != expected {
            let message =
                format!("request routed to {chosen}; the routing table sends it to {expected}");
            return Some((
                FailureCategory::WrongRoute,
                pos,
                symptom(trace).unwrap_or(pos),
                message,
            ));
        }
    }
    None
}

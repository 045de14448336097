//! The deterministic attribution engine. For a failed trace it finds the
//! step where the failure shows (symptom) and the step that caused it
//! (root cause), from harness assertions, generic detectors and the
//! trace's own errors, and explains the evidence.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::assertions::{check_assertions, Violation};
use super::trace_facts::{
    call_signature, final_answer, is_noise_error, llm_calls, symptom, text_output, tool_calls,
};
use crate::model::{
    Attribution, FailureCategory, Harness, OutcomeLabel, Step, StepKind, StepRef, Trace,
};

pub const ENGINE: &str = "rules";

/// Retries in a row tolerated when no harness says otherwise.
const DEFAULT_MAX_RETRIES: usize = 3;

/// Attributes a failed trace; `None` for traces that did not fail.
pub fn attribute_root_cause(
    trace: &Trace,
    harness: Option<&Harness>,
    now: DateTime<Utc>,
) -> Option<Attribution> {
    if trace.outcome != OutcomeLabel::Failure || trace.steps.is_empty() {
        return None;
    }
    let mut findings: Vec<(Violation, f64)> = harness
        .map(|h| {
            check_assertions(trace, h)
                .into_iter()
                .map(|v| (v, 0.9))
                .collect()
        })
        .unwrap_or_default();
    findings.extend(
        generic_findings(trace, harness)
            .into_iter()
            .map(|v| (v, 0.7)),
    );
    let earliest = findings.into_iter().min_by_key(|(v, confidence)| {
        (
            trace.steps[v.cause].index,
            std::cmp::Reverse((confidence * 100.0) as u32),
        )
    });
    let first_error = first_error(trace);
    let attribution = match (earliest, first_error) {
        (Some((v, _)), Some(err))
            if is_noise_error(&trace.steps[err])
                && trace.steps[err].index < trace.steps[v.cause].index =>
        {
            noise(trace, err)
        }
        (Some((v, confidence)), _) => from_violation(trace, v, confidence),
        (None, Some(err)) if is_noise_error(&trace.steps[err]) => noise(trace, err),
        (None, Some(err)) => Draft {
            category: FailureCategory::Unknown,
            cause: err,
            symptom: symptom(trace).unwrap_or(err),
            confidence: 0.3,
            explanation: format!(
                "no rule explains it; the first error is at step {}: {}",
                trace.steps[err].index,
                error_text(&trace.steps[err])
            ),
            rule_ids: Vec::new(),
        },
        (None, None) => {
            let cause = final_answer(trace)
                .map(|(p, _)| p)
                .or_else(|| llm_calls(trace).last().copied())
                .unwrap_or(0);
            Draft {
                category: FailureCategory::Unknown,
                cause,
                symptom: cause,
                confidence: 0.2,
                explanation:
                    "no step failed and no assertion is broken; the answer itself was judged wrong"
                        .into(),
                rule_ids: Vec::new(),
            }
        }
    };
    Some(attribution.into_attribution(trace, now))
}

struct Draft {
    category: FailureCategory,
    cause: usize,
    symptom: usize,
    confidence: f64,
    explanation: String,
    rule_ids: Vec<String>,
}

impl Draft {
    fn into_attribution(self, trace: &Trace, now: DateTime<Utc>) -> Attribution {
        Attribution {
            trace_id: trace.id.clone(),
            root_cause: step_ref(&trace.steps[self.cause]),
            symptom: step_ref(&trace.steps[self.symptom]),
            category: self.category,
            harness_problem: self.category.is_harness_problem(),
            confidence: self.confidence,
            explanation: self.explanation,
            engine: ENGINE.into(),
            rule_ids: self.rule_ids,
            created_at: now,
        }
    }
}

pub fn step_ref(step: &Step) -> StepRef {
    StepRef {
        step_id: step.id.clone(),
        source_id: step.source_id.clone(),
        name: step.name.clone(),
        index: step.index,
    }
}

fn from_violation(trace: &Trace, v: Violation, confidence: f64) -> Draft {
    let cause = &trace.steps[v.cause];
    let shows = &trace.steps[v.shows_at];
    let explanation = format!(
        "{}. Root cause: step {} {} {}; it shows at step {} {}{}.",
        v.sentence(),
        cause.index,
        cause.kind.tag(),
        cause.name,
        shows.index,
        shows.name,
        if shows.is_error() {
            format!(" ({})", error_text(shows))
        } else {
            String::new()
        },
    );
    Draft {
        category: v.category,
        cause: v.cause,
        symptom: v.shows_at,
        confidence,
        explanation,
        rule_ids: v.rule.into_iter().collect(),
    }
}

fn noise(trace: &Trace, err: usize) -> Draft {
    let step = &trace.steps[err];
    let timeout = step
        .error_type()
        .is_some_and(|t| t.to_ascii_lowercase().contains("timeout"));
    Draft {
        category: if timeout {
            FailureCategory::Timeout
        } else {
            FailureCategory::ProviderError
        },
        cause: err,
        symptom: symptom(trace).unwrap_or(err),
        confidence: 0.85,
        explanation: format!(
            "infrastructure failure at step {} {}: {}; no harness rule was broken before it",
            step.index,
            step.name,
            error_text(step)
        ),
        rule_ids: Vec::new(),
    }
}

fn error_text(step: &Step) -> String {
    match &step.error {
        Some(e) if e.message.is_empty() => e.error_type.clone(),
        Some(e) => format!("{}: {}", e.error_type, e.message),
        None => "error".into(),
    }
}

fn first_error(trace: &Trace) -> Option<usize> {
    (0..trace.steps.len())
        .filter(|&i| {
            trace.steps[i].is_error()
                && !matches!(trace.steps[i].kind, StepKind::Agent | StepKind::Chain)
        })
        .min_by_key(|&i| trace.steps[i].index)
}

/// Detectors that need no harness: loops, retry storms, ignored tool errors.
fn generic_findings(trace: &Trace, harness: Option<&Harness>) -> Vec<Violation> {
    let max_retries = harness
        .and_then(|h| h.retry.as_ref())
        .map_or(DEFAULT_MAX_RETRIES, |r| {
            r.max_attempts.saturating_sub(1).max(1) as usize
        });
    let mut out = Vec::new();
    out.extend(ignored_tool_error(trace));
    out.extend(retry_run(trace, max_retries));
    out.extend(super::assertions::repeated_call_violation(trace));
    out
}

/// A tool failed (status or an `error` in its result) and the next LLM
/// answer goes on as if it had not.
fn ignored_tool_error(trace: &Trace) -> Option<Violation> {
    for pos in tool_calls(trace) {
        let tool = &trace.steps[pos];
        let Some(problem) = tool_failure(tool) else {
            continue;
        };
        let next_llm = llm_calls(trace)
            .into_iter()
            .find(|&p| trace.steps[p].index > tool.index)?;
        let retried = tool_calls(trace).into_iter().any(|p| {
            trace.steps[p].index > tool.index
                && trace.steps[p].name == tool.name
                && trace.steps[p].index < trace.steps[next_llm].index
        });
        let Some(answer) = text_output(&trace.steps[next_llm]) else {
            continue;
        };
        if retried || acknowledges_error(answer, &problem) {
            continue;
        }
        return Some(Violation {
            assertion_id: "tool-error-handled".into(),
            rule: None,
            category: FailureCategory::ToolErrorNotHandled,
            cause: next_llm,
            shows_at: final_answer(trace).map_or(next_llm, |(p, _)| p),
            message: format!(
                "{} (step {}) failed ({problem}) and the next answer does not say so",
                tool.name, tool.index
            ),
        });
    }
    None
}

fn tool_failure(step: &Step) -> Option<String> {
    if let Some(e) = &step.error {
        return Some(format!("{}: {}", e.error_type, e.message));
    }
    let output = match &step.output {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    output
        .get("error")
        .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
}

fn acknowledges_error(answer: &str, problem: &str) -> bool {
    let answer = answer.to_lowercase();
    let words = [
        "error",
        "not_found",
        "not found",
        "unavailable",
        "failed",
        "sorry",
        "could not",
        "couldn't",
        "cannot",
        "unable",
    ];
    words.iter().any(|w| answer.contains(w))
        || problem
            .split(':')
            .next()
            .is_some_and(|t| answer.contains(&t.to_lowercase()))
}

/// Identical failing calls in a row beyond the retry budget.
fn retry_run(trace: &Trace, max_retries: usize) -> Option<Violation> {
    let mut ordered = tool_calls(trace);
    ordered.sort_by_key(|&i| trace.steps[i].index);
    let mut run: Vec<usize> = Vec::new();
    for pos in ordered {
        let step = &trace.steps[pos];
        let continues = run.last().is_some_and(|&last| {
            let between_llm = llm_calls(trace).iter().any(|&l| {
                trace.steps[l].index > trace.steps[last].index && trace.steps[l].index < step.index
            });
            trace.steps[last].is_error()
                && call_signature(&trace.steps[last]) == call_signature(step)
                && !between_llm
        });
        if !continues {
            run.clear();
        }
        run.push(pos);
        if run.len() == max_retries + 2 {
            return Some(Violation {
                assertion_id: "retry-budget".into(),
                rule: None,
                category: FailureCategory::RetryStorm,
                cause: pos,
                shows_at: symptom(trace).unwrap_or(pos),
                message: format!("{} retried {} times in a row", step.name, run.len() - 1),
            });
        }
    }
    None
}

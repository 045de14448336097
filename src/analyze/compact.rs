//! A trace squeezed into a token budget for an LLM prompt: every step kept
//! with its id, long fields trimmed with a marker saying how much was cut.

use serde_json::{json, Value};

use crate::model::Trace;

/// Rough tokens of a text: four characters each.
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4)
}

/// The trace as compact JSON within about `budget_tokens`. Field limits
/// shrink until it fits; past the smallest limit, steps far from any error
/// are summarised as a count.
pub fn compact_trace(trace: &Trace, budget_tokens: usize) -> String {
    for limit in [4000, 1500, 600, 200, 80] {
        let text = render(trace, limit, None);
        if estimate_tokens(&text) <= budget_tokens {
            return text;
        }
    }
    let keep: Vec<bool> = keep_near_errors(trace);
    render(trace, 80, Some(&keep))
}

fn render(trace: &Trace, limit: usize, keep: Option<&[bool]>) -> String {
    let mut steps = Vec::new();
    let mut skipped = 0;
    for (i, s) in trace.steps.iter().enumerate() {
        if keep.is_some_and(|k| !k[i]) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            steps.push(json!({ "omitted_steps": skipped }));
            skipped = 0;
        }
        let mut step = json!({
            "id": s.id,
            "index": s.index,
            "kind": s.kind,
            "name": s.name,
            "status": s.status,
        });
        if let Some(p) = &s.parent_id {
            step["parent"] = json!(p);
        }
        if let Some(e) = &s.error {
            step["error"] = json!(trim(&format!("{}: {}", e.error_type, e.message), limit));
        }
        if !s.input.is_null() {
            step["input"] = json!(trim(&text_of(&s.input), limit));
        }
        if !s.output.is_null() {
            step["output"] = json!(trim(&text_of(&s.output), limit));
        }
        steps.push(step);
    }
    if skipped > 0 {
        steps.push(json!({ "omitted_steps": skipped }));
    }
    json!({
        "trace_id": trace.id,
        "agent": trace.agent,
        "outcome": trace.outcome,
        "steps": steps,
    })
    .to_string()
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Keeps the head of long fields and says how much was cut.
pub fn trim(text: &str, limit: usize) -> String {
    let total = text.chars().count();
    if total <= limit {
        return text.to_owned();
    }
    let head: String = text.chars().take(limit).collect();
    format!("{head}…[trimmed {} chars]", total - limit)
}

fn keep_near_errors(trace: &Trace) -> Vec<bool> {
    let n = trace.steps.len();
    let mut keep = vec![false; n];
    for (i, s) in trace.steps.iter().enumerate() {
        if s.is_error() || i < 20 || i + 20 >= n {
            for k in keep
                .iter_mut()
                .take((i + 6).min(n))
                .skip(i.saturating_sub(5))
            {
                *k = true;
            }
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OutcomeLabel, Step, StepKind, StepStatus};

    fn long_trace(steps: usize, field: usize) -> Trace {
        let step = |i: usize| Step {
            index: i as u32,
            input: json!("q".repeat(field)),
            output: json!("r".repeat(field)),
            status: if i == steps / 2 {
                StepStatus::Error
            } else {
                StepStatus::Ok
            },
            ..Step::new(format!("s{i}"), StepKind::ToolCall, "search")
        };
        Trace {
            outcome: OutcomeLabel::Failure,
            steps: (0..steps).map(step).collect(),
            ..Trace::new("t", "a", chrono::DateTime::from_timestamp(0, 0).unwrap())
        }
    }

    #[test]
    fn long_fields_are_trimmed_with_a_marker_to_fit_the_budget() {
        let text = compact_trace(&long_trace(10, 20_000), 4000);
        assert!(estimate_tokens(&text) <= 4000);
        assert!(text.contains("…[trimmed"));
        assert!(text.contains("\"id\":\"s9\""));
    }

    #[test]
    fn huge_traces_keep_the_errors_and_count_what_they_omit() {
        let text = compact_trace(&long_trace(5000, 50), 8000);
        assert!(text.contains("omitted_steps"));
        assert!(text.contains("\"id\":\"s2500\""), "the error step stays");
    }
}

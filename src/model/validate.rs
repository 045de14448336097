//! Invariants a trace must hold before it is stored, reported with field paths.

use std::collections::HashMap;

use super::trace::{StepStatus, Trace};

/// A broken invariant: the JSON path of the offending field and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn violation(path: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation {
        path: path.into(),
        message: message.into(),
    }
}

/// Checks ids, the step tree and indexes. Returns the first violation found.
///
/// NUL bytes are refused in ids and index values because the store uses NUL
/// as its key separator.
pub fn validate_trace(trace: &Trace) -> Result<(), Violation> {
    check_key_text("id", &trace.id)?;
    check_key_text("agent", &trace.agent)?;
    if let Some(h) = &trace.harness_version {
        check_key_text("harness_version", h)?;
    }
    if let Some(t) = &trace.task_id {
        check_key_text("task_id", t)?;
    }
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut indexes: HashMap<u32, usize> = HashMap::new();
    for (pos, step) in trace.steps.iter().enumerate() {
        let path = format!("steps[{pos}]");
        check_key_text(&format!("{path}.id"), &step.id)?;
        if let Some(first) = ids.insert(&step.id, pos) {
            return Err(violation(
                format!("{path}.id"),
                format!("duplicate step id {:?} (also steps[{first}])", step.id),
            ));
        }
        if let Some(first) = indexes.insert(step.index, pos) {
            return Err(violation(
                format!("{path}.index"),
                format!("duplicate index {} (also steps[{first}])", step.index),
            ));
        }
        if step.status == StepStatus::Error {
            if let Some(err) = &step.error {
                check_key_text(&format!("{path}.error.type"), &err.error_type)?;
            }
        }
    }
    for (pos, step) in trace.steps.iter().enumerate() {
        if let Some(parent) = &step.parent_id {
            if !ids.contains_key(parent.as_str()) {
                return Err(violation(
                    format!("steps[{pos}].parent_id"),
                    format!("no step with id {parent:?} in this trace"),
                ));
            }
        }
    }
    check_acyclic(trace)
}

fn check_key_text(path: &str, text: &str) -> Result<(), Violation> {
    if text.is_empty() {
        return Err(violation(path, "expected a non-empty string"));
    }
    if text.contains('\0') {
        return Err(violation(path, "must not contain a NUL character"));
    }
    Ok(())
}

fn check_acyclic(trace: &Trace) -> Result<(), Violation> {
    let parent_of: HashMap<&str, &str> = trace
        .steps
        .iter()
        .filter_map(|s| Some((s.id.as_str(), s.parent_id.as_deref()?)))
        .collect();
    for (pos, step) in trace.steps.iter().enumerate() {
        let mut current = step.id.as_str();
        for _ in 0..=trace.steps.len() {
            match parent_of.get(current) {
                Some(parent) => current = parent,
                None => break,
            }
            if current == step.id {
                return Err(violation(
                    format!("steps[{pos}].parent_id"),
                    "parent links form a cycle",
                ));
            }
        }
    }
    Ok(())
}

/// Puts steps in execution order; importers and the store rely on it.
pub fn sort_steps(trace: &mut Trace) {
    trace.steps.sort_by_key(|s| s.index);
}

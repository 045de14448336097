//! Late spans: the same trace delivered in parts (a file exporter that
//! rotated mid-trace, a batch exported after the receiver assembled the
//! rest). The parts are merged into one trace instead of the later part
//! being skipped as "already present".

use std::collections::HashSet;

use serde_json::Value;

use super::assemble::build_trace;
use crate::model::{OutcomeLabel, Step, Trace};

/// The attribute `build_trace` leaves on a step whose parent was missing.
const MISSING_PARENT: &str = "tackroom.missing_parent_id";

/// `stored` with the steps of `incoming` it lacks, renumbered in execution
/// order; `None` when `incoming` brings no new step (a re-import).
pub fn merge_delivery(stored: Trace, incoming: Trace) -> Option<Trace> {
    let known: HashSet<&str> = stored.steps.iter().map(|s| s.id.as_str()).collect();
    let new_steps: Vec<Step> = incoming
        .steps
        .iter()
        .filter(|s| !known.contains(s.id.as_str()))
        .cloned()
        .collect();
    if new_steps.is_empty() {
        return None;
    }
    let stored_has_root = has_root(&stored);
    let mut steps = stored.steps;
    steps.extend(new_steps);
    relink_found_parents(&mut steps);

    // Trace-level names come from whichever part holds the root span.
    let (agent, metadata) = if stored_has_root || !has_root(&incoming) {
        (stored.agent, stored.metadata)
    } else {
        (incoming.agent.clone(), incoming.metadata.clone())
    };
    let format = stored
        .source
        .as_ref()
        .map_or("unknown".to_owned(), |s| s.format.clone());
    let mut merged = build_trace(stored.id, agent, &format, steps, metadata);
    merged.source = stored.source.or(incoming.source);
    merged.harness_version = stored.harness_version.or(incoming.harness_version);
    merged.task_id = stored.task_id.or(incoming.task_id);
    // A label already given (by a person, a label file or a score) stands.
    let labelled = stored.labelled_by.is_some() || stored.outcome != OutcomeLabel::Unknown;
    if labelled {
        merged.outcome = stored.outcome;
        merged.score = stored.score;
        merged.labelled_by = stored.labelled_by;
    } else {
        merged.outcome = incoming.outcome;
        merged.score = incoming.score;
        merged.labelled_by = incoming.labelled_by;
    }
    Some(merged)
}

/// A step without a parent that was not cut off from a missing one.
fn has_root(trace: &Trace) -> bool {
    trace
        .steps
        .iter()
        .any(|s| s.parent_id.is_none() && !s.attributes.contains_key(MISSING_PARENT))
}

/// Steps whose parent was missing in an earlier part get it back when the
/// parent has now arrived.
fn relink_found_parents(steps: &mut [Step]) {
    let ids: HashSet<String> = steps.iter().map(|s| s.id.clone()).collect();
    for step in steps.iter_mut() {
        let found = match step.attributes.get(MISSING_PARENT) {
            Some(Value::String(parent)) if ids.contains(parent) => parent.clone(),
            _ => continue,
        };
        step.attributes.remove(MISSING_PARENT);
        step.parent_id = Some(found);
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::{json, Map};

    use super::*;
    use crate::model::StepKind;

    fn step(id: &str, parent: Option<&str>, start_ms: i64) -> Step {
        let at = Utc
            .timestamp_millis_opt(1_700_000_000_000 + start_ms)
            .unwrap();
        Step {
            parent_id: parent.map(str::to_owned),
            started_at: Some(at),
            ended_at: Some(at + chrono::Duration::milliseconds(5)),
            source_id: Some(id.into()),
            ..Step::new(id, StepKind::ToolCall, id)
        }
    }

    fn part(agent: &str, steps: Vec<Step>) -> Trace {
        build_trace("t1".into(), agent.into(), "otlp", steps, Map::new())
    }

    #[test]
    fn the_root_arriving_late_relinks_orphans_and_names_the_agent() {
        let first = part("child-span", vec![step("b", Some("a"), 10)]);
        assert_eq!(first.steps[0].attributes[MISSING_PARENT], json!("a"));
        let second = part("support", vec![step("a", None, 0)]);
        let merged = merge_delivery(first, second).expect("a new step");
        assert_eq!(merged.agent, "support");
        assert_eq!(merged.steps.len(), 2);
        assert_eq!(merged.steps[0].id, "a");
        assert_eq!(merged.steps[1].parent_id.as_deref(), Some("a"));
        assert!(!merged.steps[1].attributes.contains_key(MISSING_PARENT));
        assert_eq!(
            merged.steps.iter().map(|s| s.index).collect::<Vec<_>>(),
            [0, 1]
        );
    }

    #[test]
    fn a_repeated_delivery_adds_nothing() {
        let stored = part(
            "support",
            vec![step("a", None, 0), step("b", Some("a"), 10)],
        );
        let again = part("support", vec![step("b", Some("a"), 10)]);
        assert!(merge_delivery(stored, again).is_none());
    }

    #[test]
    fn an_existing_label_stands() {
        let mut stored = part("support", vec![step("a", None, 0)]);
        stored.outcome = OutcomeLabel::Failure;
        stored.score = Some(0.0);
        let mut late = part("support", vec![step("c", Some("a"), 20)]);
        late.outcome = OutcomeLabel::Success;
        let merged = merge_delivery(stored, late).unwrap();
        assert_eq!(merged.outcome, OutcomeLabel::Failure);
        assert_eq!(merged.score, Some(0.0));
        assert_eq!(merged.steps.len(), 2);
    }
}

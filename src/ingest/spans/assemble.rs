//! Builds traces from pooled spans or runs: group by trace id, rebuild the
//! tree from parent ids, number the steps in execution order.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::dialect::{span_to_step, Dialect};
use super::{LogEvent, SpanEvent, SpanRecord};
use crate::ingest::runs::{run_to_step, RunRecord};
use crate::model::trace::TraceSource;
use crate::model::{Step, Trace};

/// Traces from OTLP spans, with log events joined to their spans.
pub fn assemble_otlp(spans: Vec<SpanRecord>, logs: Vec<LogEvent>) -> Vec<Trace> {
    let mut joined: HashMap<(String, String), Vec<SpanEvent>> = HashMap::new();
    for log in logs {
        joined
            .entry((log.trace_id, log.span_id))
            .or_default()
            .push(log.event);
    }
    let mut by_trace: HashMap<String, Vec<SpanRecord>> = HashMap::new();
    for span in spans {
        by_trace
            .entry(span.trace_id.clone())
            .or_default()
            .push(span);
    }
    let mut traces: Vec<Trace> = by_trace
        .into_iter()
        .map(|(trace_id, mut spans)| {
            // The same span can arrive twice (re-sent batches): keep one.
            let mut seen = HashSet::new();
            spans.retain(|s| seen.insert(s.span_id.clone()));
            let dialect = spans
                .iter()
                .map(Dialect::of)
                .find(|d| *d != Dialect::Plain)
                .unwrap_or(Dialect::Plain);
            let steps: Vec<Step> = spans
                .iter()
                .map(|s| {
                    let events = joined
                        .remove(&(trace_id.clone(), s.span_id.clone()))
                        .unwrap_or_default();
                    span_to_step(s, &events)
                })
                .collect();
            let root = spans
                .iter()
                .find(|s| s.parent_id.is_none())
                .or_else(|| spans.first());
            let metadata = root.map(|r| r.resource.clone()).unwrap_or_default();
            let agent = root.map(agent_name).unwrap_or_else(|| "unknown".into());
            build_trace(trace_id, agent, dialect.format_name(), steps, metadata)
        })
        .collect();
    in_start_order(&mut traces);
    traces
}

/// The agent a trace belongs to: a named trace or agent attribute, the
/// service name unless the SDK defaulted it, else the root span's name.
fn agent_name(root: &SpanRecord) -> String {
    let attr = |key: &str| {
        root.attributes
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    attr("langfuse.trace.name")
        .or_else(|| attr("gen_ai.agent.name"))
        .or_else(|| {
            root.resource
                .get("service.name")
                .and_then(Value::as_str)
                .filter(|s| !s.starts_with("unknown_service"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| root.name.clone())
}

/// Traces from LangSmith runs, grouped by `trace_id`, ordered by `dotted_order`.
pub fn assemble_runs(runs: Vec<RunRecord>) -> Vec<Trace> {
    let mut by_trace: HashMap<String, Vec<RunRecord>> = HashMap::new();
    for run in runs {
        let trace_id = if run.trace_id.is_empty() {
            run.id.clone()
        } else {
            run.trace_id.clone()
        };
        by_trace.entry(trace_id).or_default().push(run);
    }
    let mut traces: Vec<Trace> = by_trace
        .into_iter()
        .map(|(trace_id, mut runs)| {
            runs.sort_by(|a, b| a.dotted_order.cmp(&b.dotted_order));
            let root = runs
                .iter()
                .find(|r| r.parent_run_id.is_none())
                .or_else(|| runs.first());
            let agent = root
                .and_then(|r| r.session_name.clone().or_else(|| Some(r.name.clone())))
                .unwrap_or_else(|| "unknown".into());
            let outcome = root.and_then(|r| r.feedback_outcome());
            let mut metadata = Map::new();
            if let Some(extra) = root
                .and_then(|r| r.extra.get("metadata"))
                .and_then(Value::as_object)
            {
                metadata = extra.clone();
            }
            let steps = runs.iter().map(run_to_step).collect();
            let mut trace = build_trace(trace_id, agent, "langsmith", steps, metadata);
            if let Some((outcome, score, key)) = outcome {
                trace.outcome = outcome;
                trace.score = score;
                trace.labelled_by = Some(crate::model::LabelProvenance {
                    by: format!("langsmith:feedback:{key}"),
                    at: None,
                    note: None,
                });
            }
            trace
        })
        .collect();
    in_start_order(&mut traces);
    traces
}

/// Oldest first, ties by id, so an import stores traces in a stable order.
fn in_start_order(traces: &mut [Trace]) {
    traces.sort_by(|a, b| {
        a.started_at
            .cmp(&b.started_at)
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// Links steps into a tree and numbers them depth-first, children in start
/// order. A parent that is not in the trace is noted and dropped.
pub fn build_trace(
    id: String,
    agent: String,
    format: &str,
    mut steps: Vec<Step>,
    metadata: Map<String, Value>,
) -> Trace {
    let ids: HashSet<String> = steps.iter().map(|s| s.id.clone()).collect();
    for step in &mut steps {
        if let Some(parent) = step.parent_id.clone().filter(|p| !ids.contains(p)) {
            step.attributes
                .insert("tackroom.missing_parent_id".into(), json!(parent));
            step.parent_id = None;
        }
    }
    steps.sort_by(|a, b| {
        a.started_at
            .cmp(&b.started_at)
            .then(b.ended_at.cmp(&a.ended_at))
            .then(a.id.cmp(&b.id))
    });
    let order = depth_first(&steps);
    let mut ordered: Vec<Step> = Vec::with_capacity(steps.len());
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    for (index, pos) in order.into_iter().enumerate() {
        if let Some(mut step) = slots[pos].take() {
            step.index = index as u32;
            ordered.push(step);
        }
    }
    let started_at = ordered
        .iter()
        .filter_map(|s| s.started_at)
        .min()
        .unwrap_or_default();
    let ended_at = ordered.iter().filter_map(|s| s.ended_at).max();
    Trace {
        ended_at,
        metadata,
        source: Some(TraceSource {
            format: format.to_owned(),
            trace_id: Some(id.clone()),
        }),
        steps: ordered,
        ..Trace::new(id, agent, started_at)
    }
}

/// Positions in depth-first order; `steps` is already in start order.
fn depth_first(steps: &[Step]) -> Vec<usize> {
    let position: HashMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    let mut roots = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        match step.parent_id.as_deref().and_then(|p| position.get(p)) {
            Some(&parent) if parent != i => children[parent].push(i),
            _ => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(steps.len());
    let mut visited = vec![false; steps.len()];
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(pos) = stack.pop() {
        if std::mem::replace(&mut visited[pos], true) {
            continue;
        }
        out.push(pos);
        stack.extend(children[pos].iter().rev());
    }
    // Steps caught in a parent cycle are appended rather than lost.
    out.extend((0..steps.len()).filter(|&i| !visited[i]));
    out
}

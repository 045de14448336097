//! Storing traces assembled from span-shaped pieces (OTLP spans and logs,
//! LangSmith runs): gathered in memory, or moved to the store's pending
//! keyspace when an import is too large to hold; merged into a stored trace
//! when they belong to one.

use std::collections::HashMap;

use super::decode::checked;
use super::import::{push_rejection, ImportError, ImportOptions, ImportReport};
use super::spans::dialect::add_late_events;
use super::spans::pool::{apply_score, Spilled};
use super::spans::{LogEvent, Score, SpanEvent, SpanPool};
use crate::model::Trace;
use crate::store::{Store, StoreError};

/// Span-shaped pieces gathered across the files of one import: in memory,
/// or moved to the store's pending keyspace once there are too many.
#[derive(Default)]
pub struct Gathered {
    pub pool: SpanPool,
    pub spilled: Spilled,
}

/// Assembles the gathered spans and runs into traces and stores them;
/// applies scores to traces assembled here or already stored.
pub fn store_pool(
    store: &Store,
    gathered: Gathered,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let Gathered {
        mut pool,
        mut spilled,
    } = gathered;
    if spilled.traces.is_empty() {
        if pool.is_empty() {
            return Ok(());
        }
        let orphans = pool.take_orphan_logs();
        let (traces, scores) = pool.assemble();
        store_traces(store, traces, options, report)?;
        attach_logs_to_stored(store, orphans, report)?;
        return apply_scores(store, scores, report);
    }
    // Too many to hold: the rest joins what was moved out, and traces are
    // assembled from the store a batch at a time.
    pool.spill(store, &mut spilled)?;
    let mut scores: HashMap<String, Vec<Score>> = HashMap::new();
    for score in std::mem::take(&mut pool.scores) {
        scores
            .entry(score.trace_id.clone())
            .or_default()
            .push(score);
    }
    let mut traces = Vec::new();
    let mut ids = Vec::new();
    for id in &spilled.traces {
        let mut part = SpanPool::from_pieces(store.pending(id)?);
        let orphans = part.take_orphan_logs();
        let (assembled, _) = part.assemble();
        // Log events without their spans here belong to a trace stored
        // before this import.
        attach_logs_to_stored(store, orphans, report)?;
        for mut trace in assembled {
            for score in scores.remove(&trace.id).unwrap_or_default() {
                apply_score(&mut trace, &score);
            }
            traces.push(trace);
        }
        ids.push(id.as_str());
        if traces.len() >= options.batch_size {
            store_traces(store, std::mem::take(&mut traces), options, report)?;
            for id in ids.drain(..) {
                store.clear_pending(id)?;
            }
        }
    }
    store_traces(store, traces, options, report)?;
    for id in ids {
        store.clear_pending(id)?;
    }
    apply_scores(store, scores.into_values().flatten().collect(), report)
}

/// Checks assembled traces and stores them in batches.
fn store_traces(
    store: &Store,
    traces: Vec<Trace>,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let mut batch = Vec::with_capacity(options.batch_size);
    for trace in traces {
        let id = trace.id.clone();
        match checked(trace) {
            Ok(trace) => batch.push(trace),
            Err(e) => {
                report.rejected += 1;
                let file = format!("trace {id} (assembled from spans)");
                push_rejection(report, e.locate(&file, 0, 0));
            }
        }
        if batch.len() >= options.batch_size {
            store_assembled_batch(store, &mut batch, report)?;
        }
    }
    store_assembled_batch(store, &mut batch, report)?;
    Ok(())
}

/// Scores for traces already stored set their outcome.
fn apply_scores(
    store: &Store,
    scores: Vec<Score>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    for score in scores {
        let provenance = crate::model::LabelProvenance {
            by: format!("{}:{}", score.source, score.name),
            at: None,
            note: None,
        };
        let outcome = if score.value >= 0.5 {
            crate::model::OutcomeLabel::Success
        } else {
            crate::model::OutcomeLabel::Failure
        };
        match store.set_outcome(&score.trace_id, outcome, Some(score.value), provenance) {
            Ok(()) => report.scored += 1,
            Err(StoreError::UnknownTrace(_)) => report.unmatched_scores += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn store_assembled_batch(
    store: &Store,
    batch: &mut Vec<Trace>,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let result = store_assembled(store, batch)?;
    report.imported += result.inserted;
    report.steps += result.steps;
    report.already_present += result.already_present;
    report.updated += result.updated;
    batch.clear();
    Ok(())
}

/// What storing assembled traces did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AssembledResult {
    pub inserted: usize,
    /// Steps stored: those of new traces plus those added to stored ones.
    pub steps: usize,
    pub already_present: usize,
    /// Stored traces that gained steps.
    pub updated: usize,
}

/// Stores traces assembled from spans or runs. A trace already in the store
/// is merged with the new part (spans of one trace can arrive in several
/// files or requests); it counts as already present only if nothing was new.
pub fn store_assembled(store: &Store, traces: &[Trace]) -> Result<AssembledResult, StoreError> {
    let batch = store.insert_traces(traces)?;
    let mut result = AssembledResult {
        inserted: batch.inserted,
        steps: batch.steps,
        ..AssembledResult::default()
    };
    for id in &batch.already_present {
        let Some(incoming) = traces.iter().find(|t| &t.id == id) else {
            continue;
        };
        let stored = store.trace(id)?;
        let before = stored.steps.len();
        match crate::ingest::spans::merge::merge_delivery(stored, incoming.clone()) {
            Some(merged) => {
                store.replace_trace(&merged)?;
                result.updated += 1;
                result.steps += merged.steps.len() - before;
            }
            None => result.already_present += 1,
        }
    }
    Ok(result)
}

/// Log events whose spans are in traces stored earlier join those steps;
/// events naming no stored trace or step are counted as unmatched.
fn attach_logs_to_stored(
    store: &Store,
    logs: Vec<LogEvent>,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let (updated, unmatched) = attach_late_logs(store, logs)?;
    report.updated += updated;
    report.unmatched_log_events += unmatched;
    Ok(())
}

/// Adds late log events to the stored steps they name (by span id) and
/// rewrites those traces. Returns `(traces updated, events unmatched)`.
pub fn attach_late_logs(store: &Store, logs: Vec<LogEvent>) -> Result<(usize, usize), StoreError> {
    let mut by_trace: HashMap<String, Vec<LogEvent>> = HashMap::new();
    for log in logs {
        by_trace.entry(log.trace_id.clone()).or_default().push(log);
    }
    let (mut updated, mut unmatched) = (0, 0);
    for (trace_id, logs) in by_trace {
        let mut trace = match store.trace(&trace_id) {
            Ok(trace) => trace,
            Err(StoreError::UnknownTrace(_)) => {
                unmatched += logs.len();
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut by_span: HashMap<String, Vec<SpanEvent>> = HashMap::new();
        for log in logs {
            by_span.entry(log.span_id).or_default().push(log.event);
        }
        let mut changed = false;
        for (span_id, events) in by_span {
            let step = trace
                .steps
                .iter_mut()
                .find(|s| s.source_id.as_deref() == Some(span_id.as_str()));
            match step {
                Some(step) => {
                    add_late_events(step, &events);
                    changed = true;
                }
                None => unmatched += events.len(),
            }
        }
        if changed {
            store.replace_trace(&trace)?;
            updated += 1;
        }
    }
    Ok((updated, unmatched))
}

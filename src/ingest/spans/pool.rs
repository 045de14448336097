//! Gathers span-shaped records from every file of an import (or every
//! request the receiver gets) until they can be assembled into traces.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::assemble::{assemble_otlp, assemble_runs};
use super::{LogEvent, Score, SpanRecord};
use crate::ingest::runs::RunRecord;
use crate::model::Trace;
use crate::store::{Store, StoreError};

/// One piece of a trace, as kept in the store's pending keyspace until the
/// trace is assembled (by the live receiver, or by an import too large to
/// hold in memory).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Piece {
    Span(SpanRecord),
    Log(LogEvent),
    Run(RunRecord),
}

/// Names pieces in the pending keyspace: a span by its id (a re-sent span
/// replaces itself), log events and run parts by arrival, so that every
/// part is kept and merges in order.
pub struct PieceKeys {
    sequence: AtomicU64,
    /// Which trace a run belongs to (patches do not say).
    run_traces: Mutex<HashMap<String, String>>,
}

impl Default for PieceKeys {
    fn default() -> Self {
        // Sequence numbers start at the clock so that a restarted receiver
        // sorts its pieces after those of the run before.
        let start = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as u64;
        PieceKeys {
            sequence: AtomicU64::new(start),
            run_traces: Mutex::default(),
        }
    }
}

impl PieceKeys {
    /// The trace a run belongs to, if this receiver has seen the run.
    pub fn trace_of_run(&self, run_id: &str) -> Option<String> {
        let known = self.run_traces.lock().unwrap_or_else(|p| p.into_inner());
        known.get(run_id).cloned()
    }

    /// `(trace id, item key, whether the piece is an ended root)`.
    pub fn place(&self, piece: &Piece) -> (String, String, bool) {
        let seq = self.sequence.fetch_add(1, Ordering::Relaxed);
        match piece {
            Piece::Span(s) => (
                s.trace_id.clone(),
                format!("s:{}", s.span_id),
                s.parent_id.is_none() && s.end.is_some(),
            ),
            Piece::Log(l) => (
                l.trace_id.clone(),
                format!("l:{}:{seq:020}", l.span_id),
                false,
            ),
            Piece::Run(r) => {
                let mut known = self.run_traces.lock().unwrap_or_else(|p| p.into_inner());
                let trace_id = if r.trace_id.is_empty() {
                    known.get(&r.id).cloned().unwrap_or_else(|| r.id.clone())
                } else {
                    known.insert(r.id.clone(), r.trace_id.clone());
                    r.trace_id.clone()
                };
                let root =
                    r.parent_run_id.is_none() && (r.trace_id.is_empty() || r.trace_id == r.id);
                (
                    trace_id,
                    format!("r:{}:{seq:020}", r.id),
                    root && r.end_time.is_some(),
                )
            }
        }
    }
}

/// Pieces an import moved out of memory, and the traces they belong to.
#[derive(Default)]
pub struct Spilled {
    pub keys: PieceKeys,
    pub traces: BTreeSet<String>,
}

#[derive(Debug, Default)]
pub struct SpanPool {
    pub spans: Vec<SpanRecord>,
    pub logs: Vec<LogEvent>,
    /// LangSmith runs by id; later parts (patches, outputs) merge in.
    pub runs: HashMap<String, RunRecord>,
    pub scores: Vec<Score>,
}

impl SpanPool {
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
            && self.logs.is_empty()
            && self.runs.is_empty()
            && self.scores.is_empty()
    }

    /// Removes and returns the log events of traces that have no span here
    /// (their trace was stored by an earlier import or request).
    pub fn take_orphan_logs(&mut self) -> Vec<LogEvent> {
        let traces: std::collections::HashSet<&str> =
            self.spans.iter().map(|s| s.trace_id.as_str()).collect();
        let (orphans, joined): (Vec<LogEvent>, Vec<LogEvent>) = std::mem::take(&mut self.logs)
            .into_iter()
            .partition(|l| !traces.contains(l.trace_id.as_str()));
        self.logs = joined;
        orphans
    }

    /// Spans, log events and runs held (scores aside).
    pub fn pieces(&self) -> usize {
        self.spans.len() + self.logs.len() + self.runs.len()
    }

    /// A pool of the pieces the pending keyspace holds for one trace.
    pub fn from_pieces(pieces: Vec<Piece>) -> SpanPool {
        let mut pool = SpanPool::default();
        for piece in pieces {
            match piece {
                Piece::Span(s) => pool.spans.push(s),
                Piece::Log(l) => pool.logs.push(l),
                Piece::Run(r) => pool.add_run(r),
            }
        }
        pool
    }

    /// Moves every span, log event and run into the store's pending
    /// keyspace (scores stay), so a huge import holds one trace at a time.
    pub fn spill(&mut self, store: &Store, spilled: &mut Spilled) -> Result<(), StoreError> {
        let pieces = std::mem::take(&mut self.spans)
            .into_iter()
            .map(Piece::Span)
            .chain(std::mem::take(&mut self.logs).into_iter().map(Piece::Log))
            .chain(std::mem::take(&mut self.runs).into_values().map(Piece::Run));
        // Moderate batches: one per piece costs sled per call, one huge
        // batch holds every encoded piece in memory at once.
        const BATCH: usize = 2048;
        let mut items = Vec::with_capacity(BATCH);
        for piece in pieces {
            let (trace_id, key, _) = spilled.keys.place(&piece);
            if !spilled.traces.contains(&trace_id) {
                spilled.traces.insert(trace_id.clone());
            }
            items.push((trace_id, key, piece));
            if items.len() == BATCH {
                store.put_pending_many(&items)?;
                items.clear();
            }
        }
        store.put_pending_many(&items)?;
        Ok(())
    }

    pub fn add_run(&mut self, run: RunRecord) {
        match self.runs.get_mut(&run.id) {
            Some(existing) => existing.merge(run),
            None => {
                self.runs.insert(run.id.clone(), run);
            }
        }
    }

    /// Every trace the pool holds, with scores applied as outcomes.
    /// Scores for traces not in the pool are returned for the store.
    pub fn assemble(mut self) -> (Vec<Trace>, Vec<Score>) {
        // Feedback may name a run instead of its trace.
        for score in &mut self.scores {
            if let Some(run) = self.runs.get(&score.trace_id) {
                if !run.trace_id.is_empty() {
                    score.trace_id = run.trace_id.clone();
                }
            }
        }
        let mut traces = assemble_otlp(self.spans, self.logs);
        traces.extend(assemble_runs(self.runs.into_values().collect()));
        let mut leftover = Vec::new();
        for score in self.scores {
            match traces.iter_mut().find(|t| t.id == score.trace_id) {
                Some(trace) => apply_score(trace, &score),
                None => leftover.push(score),
            }
        }
        (traces, leftover)
    }
}

/// A 0..1 score sets the outcome: at least 0.5 is a success.
pub fn apply_score(trace: &mut Trace, score: &Score) {
    trace.score = Some(score.value);
    trace.outcome = if score.value >= 0.5 {
        crate::model::OutcomeLabel::Success
    } else {
        crate::model::OutcomeLabel::Failure
    };
    trace.labelled_by = Some(crate::model::LabelProvenance {
        by: format!("{}:{}", score.source, score.name),
        at: None,
        note: None,
    });
}

//! Gathers span-shaped records from every file of an import (or every
//! request the receiver gets) until they can be assembled into traces.

use std::collections::HashMap;

use super::assemble::{assemble_otlp, assemble_runs};
use super::{LogEvent, Score, SpanRecord};
use crate::ingest::runs::RunRecord;
use crate::model::Trace;

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
    pub fn assemble(self) -> (Vec<Trace>, Vec<Score>) {
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

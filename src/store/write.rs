//! Writes: trace batches, relabelling, attributions. Each public call is one
//! atomic sled batch, so a crash leaves either all of it or none.

use std::collections::{HashMap, HashSet};

use super::{codec, keys, Result, Store, StoreError};
use crate::model::{Attribution, HumanLabel, LabelProvenance, OutcomeLabel, Trace, TraceSummary};

/// What one batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchResult {
    pub inserted: usize,
    pub steps: usize,
    /// Trace ids that were already stored (or repeated inside the batch).
    pub already_present: Vec<String>,
}

/// The index entries a summary appears under: `(field, value)`.
pub(super) fn index_values(summary: &TraceSummary) -> Vec<(&'static str, &str)> {
    let mut values = vec![
        ("time", ""),
        ("outcome", summary.outcome.as_str()),
        ("agent", summary.agent.as_str()),
    ];
    if let Some(h) = &summary.harness_version {
        values.push(("harness", h));
    }
    if let Some(t) = &summary.task_id {
        values.push(("task", t));
    }
    for e in &summary.error_types {
        values.push(("error", e));
    }
    values
}

/// Counter names a summary adds one to.
fn counters_of(summary: &TraceSummary) -> Vec<String> {
    let outcome = summary.outcome.as_str();
    let mut names: Vec<String> = index_values(summary)
        .into_iter()
        .map(|(field, value)| format!("idx\0{field}\0{value}"))
        .collect();
    names.push(format!("agent_outcome\0{}\0{outcome}", summary.agent));
    if let Some(h) = &summary.harness_version {
        names.push(format!("harness_outcome\0{h}\0{outcome}"));
    }
    names
}

/// Accumulates counter changes, then writes them into the batch.
#[derive(Default)]
struct CounterDeltas(HashMap<String, i64>);

impl CounterDeltas {
    fn add(&mut self, name: String, delta: i64) {
        *self.0.entry(name).or_default() += delta;
    }

    fn write(self, store: &Store, batch: &mut sled::Batch) -> Result<()> {
        for (name, delta) in self.0 {
            let key = keys::counter(&name);
            let current = store
                .tree
                .get(&key)?
                .map(|v| codec::decode_count(&v))
                .unwrap_or(0);
            let next = (current as i64 + delta).max(0) as u64;
            batch.insert(key, &codec::encode_count(next));
        }
        Ok(())
    }
}

/// Adds a trace's header, summary, step chunks, index entries and counts.
fn add_trace(trace: &Trace, batch: &mut sled::Batch, deltas: &mut CounterDeltas) {
    let summary = trace.summary();
    for (field, value) in index_values(&summary) {
        batch.insert(
            keys::index_entry(field, value, summary.started_at, &trace.id),
            &[],
        );
    }
    for name in counters_of(&summary) {
        deltas.add(name, 1);
    }
    deltas.add("traces".into(), 1);
    deltas.add("steps".into(), trace.steps.len() as i64);
    for (n, chunk) in trace.steps.chunks(keys::STEPS_PER_CHUNK).enumerate() {
        batch.insert(keys::step_chunk(&trace.id, n as u32), codec::encode(&chunk));
    }
    let header = Trace {
        steps: Vec::new(),
        ..trace.clone()
    };
    batch.insert(keys::header(&trace.id), codec::encode(&header));
    batch.insert(keys::summary(&trace.id), codec::encode(&summary));
}

impl Store {
    /// Stores new traces in one atomic batch; ids already present are skipped.
    pub fn insert_traces(&self, traces: &[Trace]) -> Result<BatchResult> {
        let _writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut result = BatchResult::default();
        let mut batch = sled::Batch::default();
        let mut deltas = CounterDeltas::default();
        let mut seen = HashSet::new();
        for trace in traces {
            if !seen.insert(trace.id.as_str())
                || self.tree.contains_key(keys::summary(&trace.id))?
            {
                result.already_present.push(trace.id.clone());
                continue;
            }
            add_trace(trace, &mut batch, &mut deltas);
            result.inserted += 1;
            result.steps += trace.steps.len();
        }
        deltas.write(self, &mut batch)?;
        self.tree.apply_batch(batch)?;
        Ok(result)
    }

    /// Replaces a stored trace (one that gained late spans) in one atomic
    /// batch: its old steps, index entries and counts go, the new ones come.
    pub fn replace_trace(&self, trace: &Trace) -> Result<()> {
        let _writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let old = self.summary(&trace.id)?;
        let mut batch = sled::Batch::default();
        let mut deltas = CounterDeltas::default();
        for (field, value) in index_values(&old) {
            batch.remove(keys::index_entry(field, value, old.started_at, &trace.id));
        }
        for name in counters_of(&old) {
            deltas.add(name, -1);
        }
        deltas.add("traces".into(), -1);
        deltas.add("steps".into(), -(old.steps as i64));
        for entry in self.tree.scan_prefix(keys::steps_prefix(&trace.id)) {
            batch.remove(entry?.0);
        }
        add_trace(trace, &mut batch, &mut deltas);
        // Stored verdicts name steps by id, which stay; their positions move.
        for mut a in self.attributions(&trace.id)? {
            for r in [&mut a.root_cause, &mut a.symptom] {
                if let Some(step) = trace.steps.iter().find(|s| s.id == r.step_id) {
                    r.index = step.index;
                }
            }
            batch.insert(keys::attribution(&a.trace_id, &a.engine), codec::encode(&a));
        }
        deltas.write(self, &mut batch)?;
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// Changes a trace's outcome label, moving its index entries and counters.
    pub fn set_outcome(
        &self,
        trace_id: &str,
        outcome: OutcomeLabel,
        score: Option<f64>,
        provenance: LabelProvenance,
    ) -> Result<()> {
        let _writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut summary = self.summary(trace_id)?;
        let header_key = keys::header(trace_id);
        let mut header: Trace = match self.tree.get(&header_key)? {
            Some(bytes) => codec::decode(&header_key, &bytes)?,
            None => return Err(StoreError::UnknownTrace(trace_id.to_owned())),
        };
        let mut batch = sled::Batch::default();
        let mut deltas = CounterDeltas::default();
        for name in counters_of(&summary) {
            deltas.add(name, -1);
        }
        let old = keys::index_entry(
            "outcome",
            summary.outcome.as_str(),
            summary.started_at,
            trace_id,
        );
        batch.remove(old);
        summary.outcome = outcome;
        summary.score = score.or(summary.score);
        header.outcome = outcome;
        header.score = summary.score;
        header.labelled_by = Some(provenance);
        for name in counters_of(&summary) {
            deltas.add(name, 1);
        }
        let new = keys::index_entry("outcome", outcome.as_str(), summary.started_at, trace_id);
        batch.insert(new, &[]);
        batch.insert(keys::summary(trace_id), codec::encode(&summary));
        batch.insert(header_key, codec::encode(&header));
        deltas.write(self, &mut batch)?;
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// Stores an engine's attributions (one per trace and engine, newest wins).
    pub fn put_attributions(&self, attributions: &[Attribution]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for a in attributions {
            batch.insert(keys::attribution(&a.trace_id, &a.engine), codec::encode(a));
        }
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    pub fn put_human_label(&self, label: &HumanLabel) -> Result<()> {
        self.summary(&label.trace_id)?;
        self.tree
            .insert(keys::human_label(&label.trace_id), codec::encode(label))?;
        Ok(())
    }
}

//! Point reads: one trace, its summary, its attributions and labels.

use super::{codec, keys, Result, Store, StoreError};
use crate::model::{Attribution, HumanLabel, Step, Trace, TraceSummary};

impl Store {
    pub fn summary(&self, trace_id: &str) -> Result<TraceSummary> {
        let key = keys::summary(trace_id);
        match self.tree.get(&key)? {
            Some(bytes) => codec::decode(&key, &bytes),
            None => Err(StoreError::UnknownTrace(trace_id.to_owned())),
        }
    }

    /// The full id of the trace `text` names: the id itself, or the one
    /// id it is a prefix of (so a short id pasted from an alert works).
    pub fn resolve_trace_id(&self, text: &str) -> Result<String> {
        if text.is_empty() {
            return Err(StoreError::UnknownTrace(String::new()));
        }
        if self.contains(text)? {
            return Ok(text.to_owned());
        }
        const SHOWN: usize = 3;
        const COUNT_UP_TO: usize = 100;
        let mut ids = Vec::new();
        let mut count = 0;
        // Counting stops early: a one-letter prefix may match a million.
        for entry in self.tree.scan_prefix(keys::summary(text)).take(COUNT_UP_TO) {
            let (key, _) = entry?;
            count += 1;
            if ids.len() < SHOWN {
                ids.push(String::from_utf8_lossy(&key[1..]).into_owned());
            }
        }
        match count {
            0 => Err(StoreError::UnknownTrace(text.to_owned())),
            1 => Ok(ids.remove(0)),
            _ => Err(StoreError::AmbiguousTrace {
                prefix: text.to_owned(),
                count,
                examples: ids,
            }),
        }
    }

    pub fn contains(&self, trace_id: &str) -> Result<bool> {
        Ok(self.tree.contains_key(keys::summary(trace_id))?)
    }

    /// The whole trace with its steps in execution order.
    pub fn trace(&self, trace_id: &str) -> Result<Trace> {
        let key = keys::header(trace_id);
        let mut trace: Trace = match self.tree.get(&key)? {
            Some(bytes) => codec::decode(&key, &bytes)?,
            None => return Err(StoreError::UnknownTrace(trace_id.to_owned())),
        };
        trace.steps = self.steps(trace_id)?;
        Ok(trace)
    }

    pub fn steps(&self, trace_id: &str) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        for chunk in self.step_chunks(trace_id) {
            steps.extend(chunk?);
        }
        Ok(steps)
    }

    /// A trace's steps chunk by chunk, in execution order.
    pub(super) fn step_chunks(
        &self,
        trace_id: &str,
    ) -> impl Iterator<Item = Result<Vec<Step>>> + '_ {
        self.tree
            .scan_prefix(keys::steps_prefix(trace_id))
            .map(|entry| {
                let (key, bytes) = entry?;
                codec::decode(&key, &bytes)
            })
    }

    /// Every stored attribution of a trace, one per engine.
    pub fn attributions(&self, trace_id: &str) -> Result<Vec<Attribution>> {
        self.tree
            .scan_prefix(keys::attributions_prefix(trace_id))
            .map(|entry| {
                let (key, bytes) = entry?;
                codec::decode(&key, &bytes)
            })
            .collect()
    }

    /// All attributions of one engine, across traces.
    pub fn all_attributions(&self, engine: &str) -> Result<Vec<Attribution>> {
        let mut out = Vec::new();
        for entry in self.tree.scan_prefix([keys::ATTRIBUTION]) {
            let (key, bytes) = entry?;
            let attribution: Attribution = codec::decode(&key, &bytes)?;
            if attribution.engine == engine {
                out.push(attribution);
            }
        }
        Ok(out)
    }

    pub fn human_label(&self, trace_id: &str) -> Result<Option<HumanLabel>> {
        let key = keys::human_label(trace_id);
        self.tree
            .get(&key)?
            .map(|bytes| codec::decode(&key, &bytes))
            .transpose()
    }

    pub fn human_labels(&self) -> Result<Vec<HumanLabel>> {
        self.tree
            .scan_prefix([keys::HUMAN_LABEL])
            .map(|entry| {
                let (key, bytes) = entry?;
                codec::decode(&key, &bytes)
            })
            .collect()
    }
}

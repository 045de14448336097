//! Store-wide figures, read from counters (no scan of traces).

use serde::Serialize;

use super::{codec, keys, migrate, Result, Store};

/// Outcome counts of one agent or harness version.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupStats {
    pub name: String,
    pub traces: u64,
    pub success: u64,
    pub failure: u64,
    pub unknown: u64,
    /// Failures over labelled (success + failure) traces.
    pub failure_rate: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreStats {
    pub path: String,
    pub schema_version: u32,
    pub traces: u64,
    pub steps: u64,
    pub size_bytes: u64,
    pub by_agent: Vec<GroupStats>,
    pub by_harness: Vec<GroupStats>,
}

impl Store {
    pub fn stats(&self) -> Result<StoreStats> {
        Ok(StoreStats {
            path: self.path.display().to_string(),
            schema_version: migrate::schema_version(self)?,
            traces: self.counter("traces")?,
            steps: self.counter("steps")?,
            size_bytes: self.size_on_disk()?,
            by_agent: self.group_stats("agent_outcome")?,
            by_harness: self.group_stats("harness_outcome")?,
        })
    }

    pub fn trace_count(&self) -> Result<u64> {
        self.counter("traces")
    }

    fn counter(&self, name: &str) -> Result<u64> {
        Ok(self
            .tree
            .get(keys::counter(name))?
            .map(|v| codec::decode_count(&v))
            .unwrap_or(0))
    }

    fn group_stats(&self, family: &str) -> Result<Vec<GroupStats>> {
        let prefix = keys::counter(&format!("{family}\0"));
        let mut groups: Vec<GroupStats> = Vec::new();
        for entry in self.tree.scan_prefix(&prefix) {
            let (key, bytes) = entry?;
            let rest = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            let Some((name, outcome)) = rest.rsplit_once('\0') else {
                continue;
            };
            let count = codec::decode_count(&bytes);
            if groups.last().is_none_or(|g| g.name != name) {
                groups.push(GroupStats {
                    name: name.to_owned(),
                    ..GroupStats::default()
                });
            }
            let Some(group) = groups.last_mut() else {
                continue;
            };
            group.traces += count;
            match outcome {
                "success" => group.success += count,
                "failure" => group.failure += count,
                _ => group.unknown += count,
            }
        }
        groups.retain(|g| g.traces > 0);
        for g in &mut groups {
            let labelled = g.success + g.failure;
            g.failure_rate = (labelled > 0).then(|| g.failure as f64 / labelled as f64);
        }
        Ok(groups)
    }

    /// Checks that counters agree with index entries and every summary has
    /// its header and steps. Returns the problems found (empty when sound).
    pub fn check_consistency(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut traces = 0u64;
        let mut steps = 0u64;
        for entry in self.tree.scan_prefix([keys::SUMMARY]) {
            let (key, bytes) = entry?;
            let summary: crate::model::TraceSummary = codec::decode(&key, &bytes)?;
            traces += 1;
            if !self.tree.contains_key(keys::header(&summary.id))? {
                problems.push(format!("trace {}: summary without header", summary.id));
            }
            let mut stored = 0u64;
            for chunk in self.step_chunks(&summary.id) {
                stored += chunk?.len() as u64;
            }
            if stored != summary.steps as u64 {
                problems.push(format!(
                    "trace {}: {stored} steps stored, summary says {}",
                    summary.id, summary.steps
                ));
            }
            steps += stored;
        }
        let time_entries = self
            .tree
            .scan_prefix(keys::index_prefix("time", ""))
            .count() as u64;
        for (what, counted, actual) in [
            ("traces counter", self.counter("traces")?, traces),
            ("steps counter", self.counter("steps")?, steps),
            ("time index", time_entries, traces),
        ] {
            if counted != actual {
                problems.push(format!("{what} is {counted}, found {actual}"));
            }
        }
        Ok(problems)
    }
}

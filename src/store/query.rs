//! Filtered listing. A query walks the index of its most selective equality
//! filter in time order and checks the remaining filters on each summary,
//! so it reads only what it returns (plus what the other filters reject).

use std::ops::Bound;

use chrono::{DateTime, Utc};

use super::{codec, keys, Result, Store};
use crate::model::{OutcomeLabel, Step, TraceSummary};

/// Which traces to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceFilter {
    pub outcome: Option<OutcomeLabel>,
    pub agent: Option<String>,
    pub harness: Option<String>,
    pub task: Option<String>,
    pub error_type: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Case-insensitive substring over step inputs, outputs and errors.
    pub text: Option<String>,
}

impl TraceFilter {
    fn equalities(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        if let Some(o) = self.outcome {
            out.push(("outcome", o.as_str()));
        }
        if let Some(a) = &self.agent {
            out.push(("agent", a.as_str()));
        }
        if let Some(h) = &self.harness {
            out.push(("harness", h.as_str()));
        }
        if let Some(t) = &self.task {
            out.push(("task", t.as_str()));
        }
        if let Some(e) = &self.error_type {
            out.push(("error", e.as_str()));
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        *self == TraceFilter::default()
    }

    fn matches_summary(&self, s: &TraceSummary) -> bool {
        self.outcome.is_none_or(|o| s.outcome == o)
            && self.agent.as_ref().is_none_or(|a| &s.agent == a)
            && self
                .harness
                .as_ref()
                .is_none_or(|h| s.harness_version.as_ref() == Some(h))
            && self
                .task
                .as_ref()
                .is_none_or(|t| s.task_id.as_ref() == Some(t))
            && self
                .error_type
                .as_ref()
                .is_none_or(|e| s.error_types.contains(e))
            && self.since.is_none_or(|t| s.started_at >= t)
            && self.until.is_none_or(|t| s.started_at <= t)
    }
}

/// Sort orders. `Time` streams off the index; the others sort in memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Time,
    Duration,
    Steps,
    Errors,
    Agent,
    Outcome,
    Tokens,
}

impl SortKey {
    pub const ALL: [SortKey; 7] = [
        Self::Time,
        Self::Duration,
        Self::Steps,
        Self::Errors,
        Self::Agent,
        Self::Outcome,
        Self::Tokens,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Time => "time",
            Self::Duration => "duration",
            Self::Steps => "steps",
            Self::Errors => "errors",
            Self::Agent => "agent",
            Self::Outcome => "outcome",
            Self::Tokens => "tokens",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    fn compare(self, a: &TraceSummary, b: &TraceSummary) -> std::cmp::Ordering {
        match self {
            Self::Time => a.started_at.cmp(&b.started_at),
            Self::Duration => a.duration_ms.cmp(&b.duration_ms),
            Self::Steps => a.steps.cmp(&b.steps),
            Self::Errors => a.error_steps.cmp(&b.error_steps),
            Self::Agent => a.agent.cmp(&b.agent),
            Self::Outcome => a.outcome.as_str().cmp(b.outcome.as_str()),
            Self::Tokens => a.tokens.cmp(&b.tokens),
        }
        .then_with(|| a.started_at.cmp(&b.started_at))
    }
}

/// A complete listing request.
#[derive(Debug, Clone, Default)]
pub struct TraceQuery {
    pub filter: TraceFilter,
    pub sort: SortKey,
    /// Largest first (newest first for time).
    pub descending: bool,
    pub limit: Option<usize>,
}

/// An opaque position in a time-ordered listing, for paging.
pub type Cursor = Vec<u8>;

/// One page of a time-ordered listing.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub rows: Vec<(Cursor, TraceSummary)>,
    /// True when the scan reached the end of the index.
    pub exhausted: bool,
}

impl Store {
    /// Lists traces: streamed off an index for time order, sorted in memory
    /// otherwise.
    pub fn query(&self, query: &TraceQuery) -> Result<Vec<TraceSummary>> {
        if query.sort == SortKey::Time {
            let limit = query.limit.unwrap_or(usize::MAX);
            let page = self.page(&query.filter, query.descending, None, limit)?;
            return Ok(page.rows.into_iter().map(|(_, s)| s).collect());
        }
        let mut all: Vec<TraceSummary> = self
            .page(&query.filter, true, None, usize::MAX)?
            .rows
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        all.sort_by(|a, b| query.sort.compare(a, b));
        if query.descending {
            all.reverse();
        }
        all.truncate(query.limit.unwrap_or(usize::MAX));
        Ok(all)
    }

    /// Up to `limit` matching traces in time order, starting after `after`.
    pub fn page(
        &self,
        filter: &TraceFilter,
        newest_first: bool,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Page> {
        let (field, value) = self.most_selective_index(filter)?;
        let prefix = keys::index_prefix(field, value);
        let (lo, hi) = time_bounds(&prefix, filter);
        let range: (Bound<Vec<u8>>, Bound<Vec<u8>>) = match (after, newest_first) {
            (Some(c), true) => (Bound::Included(lo), Bound::Excluded(c.to_vec())),
            (Some(c), false) => (Bound::Excluded(c.to_vec()), Bound::Included(hi)),
            (None, _) => (Bound::Included(lo), Bound::Included(hi)),
        };
        let iter = self.tree.range::<Vec<u8>, _>(range);
        let iter: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> = if newest_first
        {
            Box::new(iter.rev())
        } else {
            Box::new(iter)
        };
        let mut page = Page::default();
        for entry in iter {
            if page.rows.len() >= limit {
                return Ok(page);
            }
            let (key, _) = entry?;
            let Some(id) = keys::trace_id_of_index_entry(&key, prefix.len()) else {
                continue;
            };
            let summary = self.summary(id)?;
            if filter.matches_summary(&summary) && self.matches_text(filter, id)? {
                page.rows.push((key.to_vec(), summary));
            }
        }
        page.exhausted = true;
        Ok(page)
    }

    /// How many traces match. Exact and instant for at most one equality
    /// filter (a stored counter); otherwise a scan of the narrowest index.
    pub fn count(&self, filter: &TraceFilter) -> Result<u64> {
        let equalities = filter.equalities();
        let counter_only = equalities.len() <= 1
            && filter.since.is_none()
            && filter.until.is_none()
            && filter.text.is_none();
        if counter_only {
            let (field, value) = equalities.first().copied().unwrap_or(("time", ""));
            return self.index_count(field, value);
        }
        Ok(self.page(filter, true, None, usize::MAX)?.rows.len() as u64)
    }

    /// Whether `count` answers from a counter (instant) or must scan.
    pub fn count_is_instant(filter: &TraceFilter) -> bool {
        filter.equalities().len() <= 1
            && filter.since.is_none()
            && filter.until.is_none()
            && filter.text.is_none()
    }

    pub(super) fn index_count(&self, field: &str, value: &str) -> Result<u64> {
        let key = keys::counter(&format!("idx\0{field}\0{value}"));
        Ok(self
            .tree
            .get(key)?
            .map(|v| codec::decode_count(&v))
            .unwrap_or(0))
    }

    fn most_selective_index<'f>(&self, filter: &'f TraceFilter) -> Result<(&'static str, &'f str)> {
        let mut best = ("time", "");
        let mut best_count = u64::MAX;
        for (field, value) in filter.equalities() {
            let count = self.index_count(field, value)?;
            if count < best_count {
                best = (field, value);
                best_count = count;
            }
        }
        Ok(best)
    }

    fn matches_text(&self, filter: &TraceFilter, trace_id: &str) -> Result<bool> {
        let Some(needle) = &filter.text else {
            return Ok(true);
        };
        let needle = needle.to_lowercase();
        for chunk in self.step_chunks(trace_id) {
            if chunk?.iter().any(|step| step_mentions(step, &needle)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Distinct values of an indexed field with their trace counts, for
    /// filter suggestions and stats.
    pub fn index_values(&self, field: &str) -> Result<Vec<(String, u64)>> {
        let prefix = keys::counter(&format!("idx\0{field}\0"));
        let mut out = Vec::new();
        for entry in self.tree.scan_prefix(&prefix) {
            let (key, bytes) = entry?;
            let value = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            let count = codec::decode_count(&bytes);
            if count > 0 {
                out.push((value, count));
            }
        }
        Ok(out)
    }
}

fn step_mentions(step: &Step, needle: &str) -> bool {
    let contains = |v: &serde_json::Value| match v {
        serde_json::Value::Null => false,
        serde_json::Value::String(s) => s.to_lowercase().contains(needle),
        other => other.to_string().to_lowercase().contains(needle),
    };
    contains(&step.input)
        || contains(&step.output)
        || step.error.as_ref().is_some_and(|e| {
            e.message.to_lowercase().contains(needle)
                || e.error_type.to_lowercase().contains(needle)
        })
}

fn time_bounds(prefix: &[u8], filter: &TraceFilter) -> (Vec<u8>, Vec<u8>) {
    let mut lo = prefix.to_vec();
    match filter.since {
        Some(t) => lo.extend_from_slice(&keys::encode_time(t)),
        None => lo.extend_from_slice(&[0; 8]),
    }
    let mut hi = prefix.to_vec();
    match filter.until {
        Some(t) => hi.extend_from_slice(&keys::encode_time(t)),
        None => hi.extend_from_slice(&[0xff; 8]),
    }
    // Ids are UTF-8, which never holds 0xFF, so this is past every id.
    hi.push(0xff);
    (lo, hi)
}

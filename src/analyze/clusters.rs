//! Groups attributed failures by signature (agent, category, rule or
//! root-cause step, symptom step), so one systematic harness problem
//! stands apart from scattered noise, with a verdict that accounts for
//! how many traces there are.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Attribution, FailureCategory};

/// Below this many traces in a cluster nothing is concluded.
const MIN_CLUSTER: usize = 5;
/// Below this many failures of an agent shares are not trusted.
const MIN_AGENT_FAILURES: usize = 20;
/// A systematic cluster holds at least this share of the agent's failures
/// (lower 95% Wilson bound).
const MIN_SHARE: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A harness problem behind many failures: worth a rule change.
    Systematic,
    /// Provider or infrastructure noise: no rule would fix it.
    Noise,
    /// Too few traces to tell systematic from chance.
    TooFewToTell,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Systematic => "systematic",
            Verdict::Noise => "noise",
            Verdict::TooFewToTell => "too few traces to tell",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    pub agent: String,
    pub category: FailureCategory,
    pub harness_problem: bool,
    /// The rule the evidence points at, else the root-cause step's name.
    pub cause: String,
    pub symptom: String,
    pub count: usize,
    /// Share of the agent's attributed failures.
    pub share: f64,
    /// Lower bound of the 95% Wilson interval of `share`.
    pub share_low: f64,
    pub verdict: Verdict,
    pub examples: Vec<String>,
    pub trace_ids: Vec<String>,
    /// Failures per harness version.
    pub by_harness: BTreeMap<String, usize>,
    /// Failures per time bucket across the agent's failure time range.
    pub trend: Vec<usize>,
}

/// An attribution with what clustering needs from its trace.
pub struct AttributedFailure<'a> {
    pub attribution: &'a Attribution,
    pub agent: &'a str,
    pub harness_version: Option<&'a str>,
    pub started_at: DateTime<Utc>,
}

const TREND_BUCKETS: usize = 8;

/// Clusters failures, largest first.
pub fn cluster_failures(failures: &[AttributedFailure<'_>]) -> Vec<Cluster> {
    let mut per_agent: HashMap<&str, usize> = HashMap::new();
    let mut span: HashMap<&str, (DateTime<Utc>, DateTime<Utc>)> = HashMap::new();
    for f in failures {
        *per_agent.entry(f.agent).or_default() += 1;
        let entry = span.entry(f.agent).or_insert((f.started_at, f.started_at));
        entry.0 = entry.0.min(f.started_at);
        entry.1 = entry.1.max(f.started_at);
    }
    let mut groups: BTreeMap<(String, FailureCategory, String, String), Vec<&AttributedFailure>> =
        BTreeMap::new();
    for f in failures {
        let a = f.attribution;
        let cause = a
            .rule_ids
            .first()
            .cloned()
            .unwrap_or_else(|| a.root_cause.name.clone());
        groups
            .entry((
                f.agent.to_owned(),
                a.category,
                cause,
                a.symptom.name.clone(),
            ))
            .or_default()
            .push(f);
    }
    let mut clusters: Vec<Cluster> = groups
        .into_iter()
        .map(|((agent, category, cause, symptom), members)| {
            let total = per_agent.get(agent.as_str()).copied().unwrap_or(1);
            let count = members.len();
            let share_low = wilson_lower(count, total);
            let verdict = if !category.is_harness_problem() {
                Verdict::Noise
            } else if count >= MIN_CLUSTER && total >= MIN_AGENT_FAILURES && share_low >= MIN_SHARE
            {
                Verdict::Systematic
            } else {
                Verdict::TooFewToTell
            };
            let (from, to) = span.get(agent.as_str()).copied().unwrap_or_default();
            let mut trend = vec![0; TREND_BUCKETS];
            let mut by_harness = BTreeMap::new();
            for m in &members {
                trend[bucket(m.started_at, from, to)] += 1;
                *by_harness
                    .entry(m.harness_version.unwrap_or("-").to_owned())
                    .or_default() += 1;
            }
            let trace_ids: Vec<String> = members
                .iter()
                .map(|m| m.attribution.trace_id.clone())
                .collect();
            Cluster {
                agent,
                category,
                harness_problem: category.is_harness_problem(),
                cause,
                symptom,
                count,
                share: count as f64 / total as f64,
                share_low,
                verdict,
                examples: trace_ids.iter().take(3).cloned().collect(),
                trace_ids,
                by_harness,
                trend,
            }
        })
        .collect();
    clusters.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.agent.cmp(&b.agent)));
    clusters
}

fn bucket(at: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    let range = (to - from).num_milliseconds().max(1) as f64;
    let offset = (at - from).num_milliseconds().max(0) as f64;
    ((offset / range * TREND_BUCKETS as f64) as usize).min(TREND_BUCKETS - 1)
}

/// Lower bound of the 95% Wilson score interval for `k` of `n`.
pub fn wilson_lower(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let (k, n, z) = (k as f64, n as f64, 1.96f64);
    let p = k / n;
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - spread) / (1.0 + z * z / n)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StepRef;

    fn attribution(trace: &str, category: FailureCategory, cause: &str) -> Attribution {
        let step = |name: &str| StepRef {
            step_id: format!("{trace}-{name}"),
            source_id: None,
            name: name.into(),
            index: 1,
        };
        Attribution {
            trace_id: trace.into(),
            root_cause: step(cause),
            symptom: step("final_answer"),
            category,
            harness_problem: category.is_harness_problem(),
            confidence: 0.9,
            explanation: String::new(),
            engine: "rules".into(),
            rule_ids: vec![],
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    fn failures(atts: &[Attribution]) -> Vec<AttributedFailure<'_>> {
        atts.iter()
            .enumerate()
            .map(|(i, a)| AttributedFailure {
                attribution: a,
                agent: "support",
                harness_version: Some("v1"),
                started_at: DateTime::from_timestamp(i as i64 * 60, 0).unwrap(),
            })
            .collect()
    }

    #[test]
    fn many_failures_with_one_cause_are_systematic_and_noise_is_noise() {
        let mut atts: Vec<Attribution> = (0..30)
            .map(|i| {
                attribution(
                    &format!("t{i}"),
                    FailureCategory::SkippedRequiredStep,
                    "gpt",
                )
            })
            .collect();
        atts.extend(
            (30..36).map(|i| attribution(&format!("t{i}"), FailureCategory::ProviderError, "gpt")),
        );
        atts.push(attribution("t99", FailureCategory::Loop, "gpt"));
        let clusters = cluster_failures(&failures(&atts));
        assert_eq!(clusters[0].verdict, Verdict::Systematic);
        assert_eq!(clusters[0].count, 30);
        assert_eq!(clusters[1].verdict, Verdict::Noise);
        let lone = clusters
            .iter()
            .find(|c| c.category == FailureCategory::Loop)
            .unwrap();
        assert_eq!(lone.verdict, Verdict::TooFewToTell);
        assert_eq!(clusters[0].trend.iter().sum::<usize>(), 30);
    }

    #[test]
    fn a_small_agent_cannot_be_called_systematic() {
        let atts: Vec<Attribution> = (0..6)
            .map(|i| {
                attribution(
                    &format!("t{i}"),
                    FailureCategory::InvalidToolArguments,
                    "gpt",
                )
            })
            .collect();
        let clusters = cluster_failures(&failures(&atts));
        assert_eq!(clusters[0].verdict, Verdict::TooFewToTell);
    }

    #[test]
    fn wilson_bound_matches_known_values() {
        assert!((wilson_lower(50, 100) - 0.4038).abs() < 1e-3);
        assert_eq!(wilson_lower(0, 0), 0.0);
    }
}

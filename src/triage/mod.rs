//! Attribution over the store: picks the failed traces, finds the harness
//! each ran under, runs an engine, stores the results; and the queries
//! built on them (clusters, assertion violation rates, accuracy).

mod harness_lookup;

use std::collections::HashMap;

use chrono::Utc;

pub use harness_lookup::HarnessLookup;

use crate::analyze::clusters::{cluster_failures, AttributedFailure, Cluster};
use crate::analyze::evaluate::{evaluate, Evaluation, TruthLabel};
use crate::analyze::{attribute_root_cause, check_assertions};
use crate::llm::attribution::{AttributionError, LlmAttributor};
use crate::model::{Attribution, Harness, OutcomeLabel, Trace};
use crate::store::{Store, StoreError, TraceFilter};

/// Which traces to attribute.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub agent: Option<String>,
    pub trace: Option<String>,
    pub limit: Option<usize>,
}

/// Failed traces of the selection (a named trace is taken as it is).
pub fn selected_traces(store: &Store, selection: &Selection) -> Result<Vec<String>, StoreError> {
    if let Some(id) = &selection.trace {
        return Ok(vec![store.resolve_trace_id(id)?]);
    }
    let filter = TraceFilter {
        outcome: Some(OutcomeLabel::Failure),
        agent: selection.agent.clone(),
        ..Default::default()
    };
    let page = store.page(&filter, false, None, selection.limit.unwrap_or(usize::MAX))?;
    Ok(page.rows.into_iter().map(|(_, s)| s.id).collect())
}

/// The engine name of a verdict computed for a reader and not stored.
pub const UNSTORED_RULES: &str = "rules, not stored";

/// What a reader of one trace should see about its cause: the stored
/// verdicts, or, for a failed trace nobody has attributed, the rules
/// engine's verdict computed now and marked as not stored (so on-call
/// staff see the cause, not only the symptom, without running anything).
pub fn verdicts_for_reading(
    store: &Store,
    trace: &Trace,
    harness: Option<&Harness>,
) -> Result<Vec<Attribution>, StoreError> {
    let stored = store.attributions(&trace.id)?;
    if !stored.is_empty() || trace.outcome != OutcomeLabel::Failure {
        return Ok(stored);
    }
    Ok(attribute_root_cause(trace, harness, Utc::now())
        .map(|mut a| {
            a.engine = UNSTORED_RULES.into();
            a
        })
        .into_iter()
        .collect())
}

/// Runs the rules engine over the selection and stores the attributions.
pub fn attribute_with_rules(
    store: &Store,
    selection: &Selection,
    harnesses: &HarnessLookup,
) -> Result<Vec<Attribution>, StoreError> {
    let now = Utc::now();
    let mut out = Vec::new();
    for id in selected_traces(store, selection)? {
        let trace = store.trace(&id)?;
        let harness = harnesses.for_trace(store, &trace)?;
        if let Some(a) = attribute_root_cause(&trace, harness.as_ref(), now) {
            out.push(a);
        }
    }
    store.put_attributions(&out)?;
    Ok(out)
}

/// The outcome of an LLM attribution run.
pub struct LlmRun {
    pub engine: String,
    pub attributions: Vec<Attribution>,
    /// Traces the model could not attribute, with why.
    pub failures: Vec<(String, String)>,
}

/// Runs the LLM engine over the selection and stores what it attributed.
/// A bad answer fails that trace only; a provider error (no key, rate
/// limit after retries) stops the run.
pub async fn attribute_with_llm(
    store: &Store,
    selection: &Selection,
    harnesses: &HarnessLookup,
    attributor: &LlmAttributor<'_>,
) -> Result<LlmRun, TriageError> {
    let now = Utc::now();
    let mut run = LlmRun {
        engine: attributor.engine_name(),
        attributions: Vec::new(),
        failures: Vec::new(),
    };
    for id in selected_traces(store, selection)? {
        let trace = store.trace(&id)?;
        if trace.outcome != OutcomeLabel::Failure && selection.trace.is_none() {
            continue;
        }
        let harness = harnesses.for_trace(store, &trace)?;
        match attributor.attribute(&trace, harness.as_ref(), now).await {
            Ok(a) => run.attributions.push(a),
            Err(AttributionError::BadAnswer { problem, .. }) => run.failures.push((id, problem)),
            Err(AttributionError::Llm(e)) => {
                store.put_attributions(&run.attributions)?;
                return Err(TriageError::Llm(e));
            }
        }
    }
    store.put_attributions(&run.attributions)?;
    Ok(run)
}

#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Llm(#[from] crate::llm::LlmError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Runs the LLM engine with the provider `config` names, blocking this
/// thread (the CLI, and the UI's worker threads) until it is done.
pub fn attribute_with_llm_blocking(
    store: &Store,
    selection: &Selection,
    harnesses: &HarnessLookup,
    config: &crate::llm::config::LlmConfig,
) -> Result<LlmRun, TriageError> {
    let provider = config.build()?;
    let attributor = LlmAttributor {
        provider: provider.as_ref(),
        model: config.model.clone(),
        retry: config.retry,
        budget_tokens: 6000,
        max_answers: 3,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(attribute_with_llm(store, selection, harnesses, &attributor))
}

/// Clusters the stored attributions of `engine`.
pub fn clusters(
    store: &Store,
    engine: &str,
    agent: Option<&str>,
) -> Result<Vec<Cluster>, StoreError> {
    let attributions = store.all_attributions(engine)?;
    let mut summaries = HashMap::new();
    for a in &attributions {
        summaries.insert(a.trace_id.clone(), store.summary(&a.trace_id)?);
    }
    let failures: Vec<AttributedFailure> = attributions
        .iter()
        .filter_map(|a| {
            let s = summaries.get(&a.trace_id)?;
            if agent.is_some_and(|wanted| wanted != s.agent) || s.outcome != OutcomeLabel::Failure {
                return None;
            }
            Some(AttributedFailure {
                attribution: a,
                agent: &s.agent,
                harness_version: s.harness_version.as_deref(),
                started_at: s.started_at,
            })
        })
        .collect();
    Ok(cluster_failures(&failures))
}

/// Violation counts of one assertion over an agent's traces.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AssertionRate {
    pub agent: String,
    pub assertion: String,
    pub rule: Option<String>,
    pub traces: usize,
    pub violations: usize,
    pub in_failures: usize,
    pub in_successes: usize,
    pub rate: f64,
    pub examples: Vec<String>,
}

/// Checks every trace (success or not) against its harness's assertions.
pub fn assertion_rates(
    store: &Store,
    agent: Option<&str>,
    harnesses: &HarnessLookup,
) -> Result<Vec<AssertionRate>, StoreError> {
    let filter = TraceFilter {
        agent: agent.map(str::to_owned),
        ..Default::default()
    };
    let mut rates: HashMap<(String, String), AssertionRate> = HashMap::new();
    for (_, summary) in store.page(&filter, false, None, usize::MAX)?.rows {
        let trace = store.trace(&summary.id)?;
        let Some(harness) = harnesses.for_trace(store, &trace)? else {
            continue;
        };
        let violated: Vec<_> = check_assertions(&trace, &harness);
        for assertion in &harness.assertions {
            let key = (trace.agent.clone(), assertion.id().to_owned());
            let rate = rates.entry(key).or_insert_with(|| AssertionRate {
                agent: trace.agent.clone(),
                assertion: assertion.id().to_owned(),
                rule: assertion.rule().map(str::to_owned),
                ..Default::default()
            });
            rate.traces += 1;
            if violated.iter().any(|v| v.assertion_id == assertion.id()) {
                record_violation(rate, &trace);
            }
        }
    }
    let mut out: Vec<AssertionRate> = rates.into_values().collect();
    for r in &mut out {
        r.rate = crate::analyze::evaluate::ratio(r.violations, r.traces);
    }
    out.sort_by(|a, b| a.agent.cmp(&b.agent).then(b.violations.cmp(&a.violations)));
    Ok(out)
}

fn record_violation(rate: &mut AssertionRate, trace: &Trace) {
    rate.violations += 1;
    match trace.outcome {
        OutcomeLabel::Failure => rate.in_failures += 1,
        OutcomeLabel::Success => rate.in_successes += 1,
        OutcomeLabel::Unknown => {}
    }
    if rate.examples.len() < 3 {
        rate.examples.push(trace.id.clone());
    }
}

/// Scores the stored attributions of `engine` against truth labels.
pub fn evaluate_engine(
    store: &Store,
    engine: &str,
    truth: &[TruthLabel],
) -> Result<Evaluation, StoreError> {
    let mut predicted = HashMap::new();
    for label in truth {
        if let Some(a) = store
            .attributions(&label.trace_id)?
            .into_iter()
            .find(|a| a.engine == engine)
        {
            predicted.insert(label.trace_id.clone(), a);
        }
    }
    Ok(evaluate(truth, &predicted))
}

/// People's root-cause labels as truth.
pub fn human_truth(store: &Store) -> Result<Vec<TruthLabel>, StoreError> {
    Ok(store
        .human_labels()?
        .into_iter()
        .map(|l| TruthLabel {
            trace_id: l.trace_id,
            category: l.category,
            root_cause_step_id: Some(l.root_cause_step_id),
            root_cause_source_id: None,
        })
        .collect())
}

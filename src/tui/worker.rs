//! Runs effects against the store off the UI thread and reports back.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::effect::{Anchor, Effect, Msg};
use crate::analyze::{check_assertions, rules_engine};
use crate::ingest::{import_paths, ImportOptions, NoProgress};
use crate::model::LabelProvenance;
use crate::store::{Store, TraceQuery};
use crate::triage::{self, HarnessLookup, Selection};

/// Runs one effect (blocking) and sends its result. `Copy` and `Quit` are
/// handled by the event loop itself.
pub fn run_effect(store: &Store, effect: Effect, tx: &UnboundedSender<Msg>) {
    let request = request_of(&effect);
    let msg = match execute(store, effect) {
        Ok(Some(msg)) => msg,
        Ok(None) => return,
        Err(message) => Msg::Failed { request, message },
    };
    let _ = tx.send(msg);
}

fn request_of(effect: &Effect) -> Option<u64> {
    match effect {
        Effect::LoadPage { request, .. }
        | Effect::LoadSorted { request, .. }
        | Effect::Count { request, .. }
        | Effect::LoadTrace { request, .. } => Some(*request),
        _ => None,
    }
}

fn execute(store: &Store, effect: Effect) -> Result<Option<Msg>, String> {
    let text = |e: crate::store::StoreError| e.to_string();
    Ok(Some(match effect {
        Effect::LoadPage {
            request,
            filter,
            newest_first,
            anchor,
            limit,
        } => {
            let (newest_first, after) = match &anchor {
                Anchor::Head => (newest_first, None),
                Anchor::Tail => (!newest_first, None),
                Anchor::After(c) => (newest_first, Some(c.as_slice())),
                Anchor::Before(c) => (!newest_first, Some(c.as_slice())),
            };
            let page = store
                .page(&filter, newest_first, after, limit)
                .map_err(text)?;
            Msg::PageLoaded {
                request,
                anchor,
                rows: page.rows,
                exhausted: page.exhausted,
            }
        }
        Effect::LoadSorted {
            request,
            filter,
            sort,
            descending,
            limit,
        } => {
            let query = TraceQuery {
                filter,
                sort,
                descending,
                limit: Some(limit),
            };
            Msg::SortedLoaded {
                request,
                rows: store.query(&query).map_err(text)?,
            }
        }
        Effect::Count { request, filter } => Msg::Counted {
            request,
            count: store.count(&filter).map_err(text)?,
        },
        Effect::LoadTrace { request, trace_id } => {
            let trace_id = store.resolve_trace_id(&trace_id).map_err(text)?;
            let trace = store.trace(&trace_id).map_err(text)?;
            // One harness read serves the verdict and the assertion list.
            let harness = HarnessLookup::default()
                .for_trace(store, &trace)
                .map_err(text)?;
            let attributions =
                triage::verdicts_for_reading(store, &trace, harness.as_ref()).map_err(text)?;
            let human = store.human_label(&trace_id).map_err(text)?;
            let violations = violations(&trace, harness.as_ref());
            Msg::TraceLoaded {
                request,
                trace: Arc::new(trace),
                attributions,
                human,
                violations,
            }
        }
        Effect::LoadSummaries { request, ids } => {
            let mut rows = Vec::with_capacity(ids.len());
            for id in ids {
                match store.summary(&id) {
                    Ok(s) => rows.push(s),
                    Err(crate::store::StoreError::UnknownTrace(_)) => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
            Msg::SortedLoaded { request, rows }
        }
        Effect::LoadClusters { request } => Msg::ClustersLoaded {
            request,
            clusters: triage::clusters(store, rules_engine::ENGINE, None).map_err(text)?,
        },
        Effect::AttributeAll => {
            let done = triage::attribute_with_rules(
                store,
                &Selection::default(),
                &HarnessLookup::default(),
            )
            .map_err(text)?;
            Msg::Attributed { count: done.len() }
        }
        Effect::AskModel { trace_id } => ask_model(store, trace_id),
        Effect::SaveHumanLabel(label) => {
            store.put_human_label(&label).map_err(text)?;
            Msg::HumanLabelSaved(label)
        }
        Effect::SetOutcome { trace_id, outcome } => {
            let provenance = LabelProvenance {
                by: format!("user:{}", crate::identity::current_user()),
                at: Some(chrono::Utc::now()),
                note: Some("set in the UI".into()),
            };
            store
                .set_outcome(&trace_id, outcome, None, provenance)
                .map_err(text)?;
            Msg::Labelled { trace_id, outcome }
        }
        Effect::ImportSamples { path } => {
            let report = import_paths(
                store,
                std::slice::from_ref(&path),
                &ImportOptions::default(),
                &NoProgress,
            )
            .map_err(|e| e.to_string())?;
            for (file, harness) in crate::harness::find_harness_files(&[path]) {
                let version = crate::harness::imported_version(&file, harness, chrono::Utc::now());
                store.put_harness_version(&version).map_err(text)?;
            }
            // The demo path: the failures pane should have clusters to show.
            crate::triage::attribute_with_rules(
                store,
                &crate::triage::Selection::default(),
                &HarnessLookup::default(),
            )
            .map_err(text)?;
            Msg::Imported(report)
        }
        Effect::Copy(_) | Effect::Quit => return Ok(None),
    }))
}

/// Runs the LLM engine on one trace with the configured provider (the
/// simulator unless the config file or environment names a model).
fn ask_model(store: &Store, trace_id: String) -> Msg {
    let config = match crate::llm::config::LlmConfig::resolve(Default::default()) {
        Ok(config) => config,
        Err(problem) => {
            return Msg::ModelAnswered {
                trace_id,
                engine: "llm".into(),
                answer: Err(problem),
            }
        }
    };
    let engine = format!("llm:{}:{}", config.provider, config.model);
    let selection = Selection {
        trace: Some(trace_id.clone()),
        ..Selection::default()
    };
    let answer = match triage::attribute_with_llm_blocking(
        store,
        &selection,
        &HarnessLookup::default(),
        &config,
    ) {
        Ok(mut run) => match run.attributions.pop() {
            Some(a) => Ok(a),
            None => Err(run
                .failures
                .pop()
                .map_or("no answer".into(), |(_, problem)| problem)),
        },
        Err(e) => Err(e.to_string()),
    };
    Msg::ModelAnswered {
        trace_id,
        engine,
        answer,
    }
}

/// The harness assertions a trace breaks, as sentences for the timeline.
fn violations(trace: &crate::model::Trace, harness: Option<&crate::model::Harness>) -> Vec<String> {
    let Some(harness) = harness else {
        return Vec::new();
    };
    check_assertions(trace, harness)
        .iter()
        .map(|v| v.sentence())
        .collect()
}

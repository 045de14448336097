//! Every file under tests/fixtures/real/ (a byte-for-byte copy of
//! ../shared/fixtures/real made by tests/fixtures/copy-real-fixtures.sh)
//! imports with no rejection; per source, the trace count, the step tree,
//! and the mapped fields match the manifest.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tackroom::ingest::{import_paths, ImportOptions, NoProgress};
use tackroom::model::{OutcomeLabel, StepKind, Trace};
use tackroom::store::Store;

const SOURCES: [&str; 5] = [
    "otlp-openinference",
    "otlp-genai",
    "openai-agents",
    "langsmith",
    "langfuse",
];
const TOOLS: [&str; 3] = ["lookup_order", "verify_calculation", "issue_refund"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real")
}

fn manifest(source: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join(source).join("manifest.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["runs"]
        .as_array()
        .unwrap()
        .clone()
}

/// Imports one source folder (with its labels.csv, except Langfuse, whose
/// scores carry the outcome) and returns the stored traces by id.
fn import(source: &str) -> (tempfile::TempDir, Store, HashMap<String, Trace>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import_paths(
        &store,
        &[fixtures().join(source)],
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(report.rejected, 0, "{source}: {:?}", report.rejections);
    if source != "langfuse" {
        let labels =
            tackroom::ingest::labels::read_outcomes(&fixtures().join(source).join("labels.csv"))
                .unwrap();
        for row in labels {
            let provenance = tackroom::model::LabelProvenance {
                by: "test".into(),
                at: None,
                note: None,
            };
            store
                .set_outcome(&row.trace_id, row.outcome, row.score, provenance)
                .unwrap();
        }
    }
    let traces = manifest(source)
        .iter()
        .map(|run| {
            let id = run["trace_id"].as_str().unwrap().to_owned();
            let trace = store.trace(&id).unwrap_or_else(|e| panic!("{source}: {e}"));
            (id, trace)
        })
        .collect();
    (dir, store, traces)
}

#[test]
fn every_fixture_file_imports_without_rejection_and_twice_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let first = import_paths(
        &store,
        &[fixtures()],
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(first.rejected, 0, "{:?}", first.rejections);
    assert_eq!(first.imported, 5 * 18);
    let again = import_paths(
        &store,
        &[fixtures()],
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(
        (again.imported, again.already_present, again.rejected),
        (0, 90, 0)
    );
}

#[test]
fn each_source_has_the_manifest_traces_with_one_step_per_span_and_parent_links() {
    for source in SOURCES {
        let (_dir, store, traces) = import(source);
        assert_eq!(store.trace_count().unwrap(), 18, "{source}");
        for run in manifest(source) {
            let trace = &traces[run["trace_id"].as_str().unwrap()];
            if let Some(spans) = run["spans"].as_u64() {
                assert_eq!(trace.steps.len() as u64, spans, "{source} {}", trace.id);
            }
            let roots: Vec<_> = trace
                .steps
                .iter()
                .filter(|s| s.parent_id.is_none())
                .collect();
            assert_eq!(roots.len(), 1, "{source} {}: one root", trace.id);
            for step in &trace.steps {
                assert!(step.source_id.is_some(), "{source}: source id kept");
                if let Some(parent) = &step.parent_id {
                    assert!(
                        trace.step(parent).is_some(),
                        "{source}: parent {parent} exists"
                    );
                }
            }
        }
    }
}

#[test]
fn llm_steps_carry_model_tokens_and_messages() {
    for source in SOURCES {
        let (_dir, _store, traces) = import(source);
        let mut llm_steps = 0;
        for trace in traces.values() {
            for step in trace
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::LlmCall && !s.is_error())
            {
                llm_steps += 1;
                assert_eq!(
                    step.model.as_deref(),
                    Some("gpt-4o-mini"),
                    "{source}: model of {}",
                    step.id
                );
                let tokens = step
                    .tokens
                    .unwrap_or_else(|| panic!("{source}: tokens of {}", step.id));
                assert!(
                    tokens.input > 0 && tokens.output > 0,
                    "{source}: {tokens:?}"
                );
                let messages = step.input.get("messages").and_then(Value::as_array);
                let system = messages
                    .and_then(|m| m.first())
                    .map(|m| m.to_string())
                    .unwrap_or_default();
                assert!(
                    system.contains("support agent of an online shop"),
                    "{source}: messages of {}: {}",
                    step.id,
                    step.input
                );
                let answered = step.output.get("tool_calls").is_some()
                    || step.output.get("content").is_some_and(|c| !c.is_null())
                    || step.output.get("choices").is_some();
                assert!(answered, "{source}: output of {}: {}", step.id, step.output);
            }
        }
        assert!(llm_steps >= 40, "{source}: {llm_steps} LLM steps");
    }
}

#[test]
fn tool_steps_carry_names_and_arguments() {
    for source in SOURCES {
        let (_dir, _store, traces) = import(source);
        let tools: Vec<_> = traces
            .values()
            .flat_map(|t| t.steps.iter())
            .filter(|s| s.kind == StepKind::ToolCall)
            .collect();
        assert!(tools.len() >= 30, "{source}: {} tool steps", tools.len());
        for tool in tools {
            assert!(
                TOOLS.contains(&tool.name.as_str()),
                "{source}: tool name {:?}",
                tool.name
            );
            let args = match &tool.input {
                Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                other => other.clone(),
            };
            assert!(
                args.is_object(),
                "{source}: arguments of {}: {}",
                tool.name,
                tool.input
            );
            if tool.name == "lookup_order" {
                assert!(args.get("order_id").is_some(), "{source}: {args}");
            }
        }
    }
}

#[test]
fn provider_failures_land_as_step_errors() {
    for source in SOURCES {
        let (_dir, _store, traces) = import(source);
        for run in manifest(source)
            .iter()
            .filter(|r| r["category"] == "provider_error")
        {
            let trace = &traces[run["trace_id"].as_str().unwrap()];
            let errors: Vec<_> = trace.steps.iter().filter(|s| s.is_error()).collect();
            assert!(
                !errors.is_empty(),
                "{source} {}: the failed calls are errors",
                trace.id
            );
            assert!(
                errors.iter().all(|s| s.error.is_some()),
                "{source}: error details kept"
            );
        }
    }
}

#[test]
fn outcomes_match_the_manifest_from_labels_or_langfuse_scores() {
    for source in SOURCES {
        let (_dir, _store, traces) = import(source);
        for run in manifest(source) {
            let trace = &traces[run["trace_id"].as_str().unwrap()];
            let expected = OutcomeLabel::parse(run["outcome"].as_str().unwrap()).unwrap();
            assert_eq!(trace.outcome, expected, "{source} {}", trace.id);
        }
    }
}

#[test]
fn the_rules_engine_recovers_every_manifest_root_cause() {
    let harness = tackroom::harness::load_harness(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-support-harness.toml"),
    )
    .unwrap();
    for source in SOURCES {
        let (_dir, store, _traces) = import(source);
        let lookup = tackroom::triage::HarnessLookup::with_files(vec![harness.clone()]);
        tackroom::triage::attribute_with_rules(&store, &Default::default(), &lookup).unwrap();
        let truth =
            tackroom::ingest::labels::read_truth(&fixtures().join(source).join("manifest.json"))
                .unwrap();
        let eval = tackroom::triage::evaluate_engine(&store, "rules", &truth).unwrap();
        assert_eq!(eval.traces, 12, "{source}");
        assert_eq!(
            (eval.step_correct, eval.category_correct),
            (12, 12),
            "{source}: {:?}",
            eval.confusion
        );
    }
}

/// Every stored trace, whole, newest first.
fn all_traces(store: &Store) -> Vec<Trace> {
    store
        .page(&Default::default(), true, None, usize::MAX)
        .unwrap()
        .rows
        .into_iter()
        .map(|(_, s)| store.trace(&s.id).unwrap())
        .collect()
}

/// An import too large for memory moves pieces to the store as it goes and
/// assembles from there: the result is the same as an import held in memory.
#[test]
fn spilling_pieces_to_the_store_gives_the_same_traces() {
    for source in SOURCES {
        let path = fixtures().join(source);
        let in_memory_dir = tempfile::tempdir().unwrap();
        let in_memory = Store::open(&in_memory_dir.path().join("store")).unwrap();
        import_paths(
            &in_memory,
            std::slice::from_ref(&path),
            &ImportOptions::default(),
            &NoProgress,
        )
        .unwrap();
        let spilled_dir = tempfile::tempdir().unwrap();
        let spilled = Store::open(&spilled_dir.path().join("store")).unwrap();
        let options = ImportOptions {
            spill_after: 3,
            ..ImportOptions::default()
        };
        let report = import_paths(&spilled, &[path], &options, &NoProgress).unwrap();
        assert_eq!(report.rejected, 0, "{source}: {:?}", report.rejections);
        let (spilled_traces, held) = (all_traces(&spilled), all_traces(&in_memory));
        assert_eq!(spilled_traces.len(), held.len(), "{source}");
        for (a, b) in spilled_traces.iter().zip(&held) {
            assert_eq!(a, b, "{source}: trace {}", b.id);
        }
        assert!(spilled.pending_trace_ids().unwrap().is_empty(), "{source}");
        assert!(spilled.check_consistency().unwrap().is_empty(), "{source}");
    }
}

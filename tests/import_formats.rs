//! Formats without SDK fixtures: chat transcripts, the Langfuse API export,
//! LangSmith nested runs and batches, OTLP span events; label files;
//! format detection and forcing.

mod common;

use serde_json::json;
use tackroom::ingest::{import_paths, Format, ImportOptions, NoProgress};
use tackroom::model::{OutcomeLabel, StepKind};
use tackroom::store::Store;

fn import_text(
    name: &str,
    text: &str,
    options: &ImportOptions,
) -> (tempfile::TempDir, Store, tackroom::ingest::ImportReport) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import_paths(&store, &[path], options, &NoProgress).unwrap();
    (dir, store, report)
}

#[test]
fn chat_transcripts_are_detected_and_turned_into_steps() {
    let runs = [
        json!({"id": "r1", "reward": 1.0, "messages": [
            {"role": "user", "content": "Refund A-1"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "issue_refund", "arguments": "{\"amount\": 5}"}}]},
            {"role": "tool", "tool_call_id": "c", "content": "ok"},
            {"role": "assistant", "content": "Refunded."}]}),
        json!({"id": "r2", "reward": 0.2, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}),
    ];
    let text: String = runs.iter().map(|r| r.to_string() + "\n").collect();
    let (_dir, store, report) = import_text("runs.jsonl", &text, &ImportOptions::default());
    assert_eq!((report.imported, report.rejected), (2, 0));
    let r1 = store.trace("r1").unwrap();
    assert_eq!(r1.outcome, OutcomeLabel::Success);
    assert_eq!(
        r1.steps
            .iter()
            .filter(|s| s.kind == StepKind::LlmCall)
            .count(),
        2
    );
    let tool = r1
        .steps
        .iter()
        .find(|s| s.kind == StepKind::ToolCall)
        .unwrap();
    assert_eq!(
        (tool.name.as_str(), &tool.input, &tool.output),
        ("issue_refund", &json!({"amount": 5}), &json!("ok"))
    );
    assert_eq!(store.trace("r2").unwrap().outcome, OutcomeLabel::Failure);
}

#[test]
fn chat_fields_and_threshold_can_be_given() {
    let text = json!([{"meta": {"uid": "x9"}, "passed": 0.7, "log": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}]).to_string();
    let mut options = ImportOptions::default();
    options.chat.messages = Some("log".into());
    options.chat.id = Some("meta.uid".into());
    options.chat.outcome = Some("passed".into());
    options.chat.success_threshold = 0.9;
    let (_dir, store, report) = import_text("runs.json", &text, &options);
    assert_eq!(report.rejected, 0, "{:?}", report.rejections);
    assert_eq!(store.trace("x9").unwrap().outcome, OutcomeLabel::Failure);
}

#[test]
fn langfuse_api_export_with_scores() {
    let export = json!({"id": "lf-1", "name": "support", "observations": [
        {"id": "o1", "type": "SPAN", "name": "agent", "startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-01T00:00:03Z"},
        {"id": "o2", "type": "GENERATION", "name": "chat", "model": "gpt-4o-mini", "parentObservationId": "o1",
         "startTime": "2026-01-01T00:00:01Z", "endTime": "2026-01-01T00:00:02Z", "usageDetails": {"input": 10, "output": 4},
         "input": [{"role": "user", "content": "hi"}], "output": {"role": "assistant", "content": "hello"}},
        {"id": "o3", "type": "SPAN", "name": "tool", "level": "ERROR", "statusMessage": "boom", "parentObservationId": "o1",
         "startTime": "2026-01-01T00:00:02Z"}],
        "scores": [{"name": "task_success", "value": 0.0}]});
    let (_dir, store, report) = import_text(
        "export.json",
        &export.to_string(),
        &ImportOptions::default(),
    );
    assert_eq!(report.rejected, 0, "{:?}", report.rejections);
    let t = store.trace("lf-1").unwrap();
    assert_eq!(t.outcome, OutcomeLabel::Failure);
    assert_eq!(t.steps[1].model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(t.steps[1].tokens.unwrap().input, 10);
    assert_eq!(t.steps[2].error.as_ref().unwrap().message, "boom");
    assert_eq!(t.steps[1].parent_id.as_deref(), Some("o1"));
}

#[test]
fn langsmith_nested_child_runs_and_feedback() {
    let run = json!({"id": "root", "run_type": "chain", "name": "agent", "start_time": "2026-01-01T00:00:00Z",
        "end_time": "2026-01-01T00:00:02Z", "feedback_stats": {"correctness": {"n": 1, "avg": 0.0}},
        "child_runs": [{"id": "c1", "run_type": "tool", "name": "search", "start_time": "2026-01-01T00:00:01Z",
            "inputs": {"args": {"q": "x"}}, "outputs": {"output": "{\"hits\": 3}"}, "error": "TimeoutError: slow"}]});
    let (_dir, store, report) = import_text(
        "runs.jsonl",
        &(run.to_string() + "\n"),
        &ImportOptions::default(),
    );
    assert_eq!(report.rejected, 0, "{:?}", report.rejections);
    let t = store.trace("root").unwrap();
    assert_eq!(t.outcome, OutcomeLabel::Failure);
    let tool = &t.steps[1];
    assert_eq!(
        (tool.parent_id.as_deref(), &tool.input, &tool.output),
        (Some("root"), &json!({"q": "x"}), &json!({"hits": 3}))
    );
    assert_eq!(tool.error_type(), Some("TimeoutError"));
}

#[test]
fn otlp_json_with_base64_ids_events_and_exceptions() {
    let request = json!({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "bot"}}]},
        "scopeSpans": [{"scope": {"name": "s"}, "spans": [
        {"traceId": "W47/95gDgQPSabYzgT/GDA==", "spanId": "AAAAAAAAAAE=", "name": "agent", "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000002000000000"},
        {"traceId": "W47/95gDgQPSabYzgT/GDA==", "spanId": "AAAAAAAAAAI=", "parentSpanId": "AAAAAAAAAAE=", "name": "chat gpt-4o",
         "startTimeUnixNano": "1700000000500000000", "endTimeUnixNano": "1700000001000000000",
         "status": {"code": 2, "message": "failed"},
         "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}, {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}}],
         "events": [{"name": "gen_ai.user.message", "attributes": [{"key": "content", "value": {"stringValue": "hi"}}]},
                    {"name": "exception", "attributes": [{"key": "exception.type", "value": {"stringValue": "RateLimitError"}}, {"key": "exception.message", "value": {"stringValue": "429"}}]}]}]}]}]});
    let (_dir, store, report) = import_text(
        "spans.json",
        &request.to_string(),
        &ImportOptions::default(),
    );
    assert_eq!(report.rejected, 0, "{:?}", report.rejections);
    let t = store.trace("5b8efff798038103d269b633813fc60c").unwrap();
    assert_eq!(t.agent, "bot");
    let llm = &t.steps[1];
    assert_eq!(llm.kind, StepKind::LlmCall);
    assert_eq!(
        llm.input["messages"][0],
        json!({"role": "user", "content": "hi"})
    );
    assert_eq!(llm.error_type(), Some("RateLimitError"));
    assert_eq!(llm.parent_id.as_deref(), Some("0000000000000001"));
}

#[test]
fn forcing_a_format_reports_why_records_do_not_fit() {
    let options = ImportOptions {
        format: Some(Format::OpenAiAgents),
        ..ImportOptions::default()
    };
    let (_dir, _store, report) = import_text(
        "x.jsonl",
        "{\"trace\": {\"object\": \"trace\"}, \"spans\": []}\n",
        &options,
    );
    assert_eq!(report.rejected, 1);
    assert!(
        report.rejections[0]
            .to_string()
            .contains("trace.id: expected a string"),
        "{}",
        report.rejections[0]
    );
}

#[test]
fn an_unknown_file_lists_every_format_tried() {
    let (_dir, _store, report) = import_text(
        "odd.json",
        "{\"weather\": \"fine\"}",
        &ImportOptions::default(),
    );
    let message = report.rejections[0].to_string();
    for name in [
        "tackroom:",
        "otlp:",
        "openai-agents:",
        "langsmith:",
        "langfuse-scores:",
        "chat:",
    ] {
        assert!(message.contains(name), "{message}");
    }
}

#[test]
fn outcome_labels_from_csv_and_jsonl_with_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("t.jsonl");
    common::write_jsonl(
        &traces,
        &[
            common::trace("a", "x", OutcomeLabel::Unknown, 0),
            common::trace("b", "x", OutcomeLabel::Unknown, 1),
        ],
    );
    std::fs::write(
        dir.path().join("labels.csv"),
        "trace_id,outcome,score\na,failure,0.1\nzzz,success,\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("labels.jsonl"),
        "{\"trace_id\": \"b\", \"outcome\": \"success\"}\n",
    )
    .unwrap();
    let store_dir = dir.path().join("store");
    let out = common::bin()
        .args(["import", traces.to_str().unwrap(), "--json", "--labels"])
        .arg(dir.path().join("labels.csv"))
        .arg("--labels")
        .arg(dir.path().join("labels.jsonl"))
        .arg("--store")
        .arg(&store_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["labelled"], 2);
    assert_eq!(report["labels_unknown_trace"], json!(["zzz"]));
    let store = Store::open(&store_dir).unwrap();
    let a = store.trace("a").unwrap();
    assert_eq!((a.outcome, a.score), (OutcomeLabel::Failure, Some(0.1)));
    assert!(a.labelled_by.unwrap().by.starts_with("import:"));
    assert_eq!(store.trace("b").unwrap().outcome, OutcomeLabel::Success);
}

#[test]
fn a_bad_label_file_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.csv");
    std::fs::write(&path, "trace_id,outcome\na,maybe\n").unwrap();
    let err = tackroom::ingest::labels::read_outcomes(&path).unwrap_err();
    assert!(
        err.ends_with(
            "labels.csv:2: outcome: expected success, failure or unknown, found \"maybe\""
        ),
        "{err}"
    );
}

/// The OTLP fixture's requests, one per line, split across two files as a
/// rotating file exporter would: a trace whose spans straddle the files
/// gets its late spans merged in, not dropped as "already present".
#[test]
fn spans_of_one_trace_split_across_imports_are_merged() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real/otlp-openinference/traces.jsonl");
    let text = std::fs::read_to_string(&fixture).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 2, "the fixture has several requests");
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.jsonl");
    let second = dir.path().join("second.jsonl");
    std::fs::write(&first, format!("{}\n", lines[0])).unwrap();
    std::fs::write(&second, lines[1..].join("\n")).unwrap();

    let whole_dir = tempfile::tempdir().unwrap();
    let whole = Store::open(&whole_dir.path().join("store")).unwrap();
    import_paths(&whole, &[fixture], &ImportOptions::default(), &NoProgress).unwrap();

    let store = Store::open(&dir.path().join("store")).unwrap();
    let options = ImportOptions::default();
    import_paths(&store, &[first], &options, &NoProgress).unwrap();
    let late = import_paths(&store, std::slice::from_ref(&second), &options, &NoProgress).unwrap();
    assert!(late.updated >= 1, "{late:?}");
    assert_eq!(late.already_present, 0, "{late:?}");
    assert_eq!(store.trace_count().unwrap(), whole.trace_count().unwrap());
    assert_eq!(store.stats().unwrap().steps, whole.stats().unwrap().steps);
    assert!(store.check_consistency().unwrap().is_empty());
    for (_, summary) in whole
        .page(&Default::default(), true, None, usize::MAX)
        .unwrap()
        .rows
    {
        let merged = store.trace(&summary.id).unwrap();
        let expected = whole.trace(&summary.id).unwrap();
        assert_eq!(merged.agent, expected.agent);
        let shape = |t: &tackroom::model::Trace| {
            t.steps
                .iter()
                .map(|s| (s.index, s.id.clone(), s.parent_id.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&merged), shape(&expected), "trace {}", summary.id);
    }

    let again = import_paths(&store, &[second], &options, &NoProgress).unwrap();
    assert_eq!(again.updated, 0);
    assert!(again.already_present >= 1);
    assert_eq!(store.stats().unwrap().steps, whole.stats().unwrap().steps);
}

/// GenAI message events exported as logs after their spans were imported:
/// they join the stored steps, exactly as if both had come together; logs
/// whose spans are not stored yet are counted, not lost silently.
#[test]
fn log_events_imported_after_their_spans_join_the_stored_steps() {
    let source =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/otlp-genai");
    let options = ImportOptions::default();
    let together_dir = tempfile::tempdir().unwrap();
    let together = Store::open(&together_dir.path().join("store")).unwrap();
    import_paths(
        &together,
        std::slice::from_ref(&source),
        &options,
        &NoProgress,
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let early = import_paths(&store, &[source.join("logs.jsonl")], &options, &NoProgress).unwrap();
    assert!(early.unmatched_log_events > 0, "{early:?}");
    assert_eq!(store.trace_count().unwrap(), 0);
    import_paths(
        &store,
        &[source.join("traces.jsonl")],
        &options,
        &NoProgress,
    )
    .unwrap();
    let late = import_paths(&store, &[source.join("logs.jsonl")], &options, &NoProgress).unwrap();
    assert!(late.updated > 0, "{late:?}");
    assert_eq!(late.unmatched_log_events, 0, "{late:?}");
    assert!(store.check_consistency().unwrap().is_empty());

    let rows = together
        .page(&Default::default(), true, None, usize::MAX)
        .unwrap()
        .rows;
    assert_eq!(rows.len() as u64, store.trace_count().unwrap());
    let mut with_messages = 0;
    for (_, summary) in rows {
        let expected = together.trace(&summary.id).unwrap();
        let merged = store.trace(&summary.id).unwrap();
        assert_eq!(merged.steps, expected.steps, "trace {}", summary.id);
        with_messages += merged
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::LlmCall && s.input["messages"].is_array())
            .count();
    }
    assert!(with_messages > 0, "LLM steps carry the late messages");
}

#[test]
fn a_spans_own_events_are_kept_on_its_step() {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real/otlp-openinference/traces.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    import_paths(&store, &[source], &ImportOptions::default(), &NoProgress).unwrap();
    let failed = store
        .page(&Default::default(), true, None, usize::MAX)
        .unwrap()
        .rows
        .into_iter()
        .flat_map(|(_, s)| store.trace(&s.id).unwrap().steps)
        .find(|s| s.is_error() && s.kind == StepKind::ToolCall)
        .expect("a failed tool call");
    let events = failed.attributes["otel.events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["name"] == "exception"),
        "{events:?}"
    );
}

#[test]
fn a_langsmith_multipart_file_with_feedback_on_a_child_run_labels_the_trace() {
    let boundary = "b0undary";
    let part = |name: &str, body: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json\r\n\r\n{body}\r\n")
    };
    let body = [
        part(
            "post.r1",
            r#"{"id": "r1", "trace_id": "r1", "run_type": "chain", "name": "agent", "dotted_order": "1", "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:02Z"}"#,
        ),
        part(
            "post.r2",
            r#"{"id": "r2", "trace_id": "r1", "parent_run_id": "r1", "run_type": "llm", "name": "gpt", "dotted_order": "1.2", "start_time": "2026-01-01T00:00:01Z"}"#,
        ),
        part(
            "feedback.f1",
            r#"{"run_id": "r2", "key": "correct", "value": true}"#,
        ),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    let (_dir, store, report) = import_text("0001.multipart", &body, &ImportOptions::default());
    assert_eq!(report.rejected, 0, "{:?}", report.rejections);
    let t = store.trace("r1").unwrap();
    assert_eq!(t.steps.len(), 2);
    assert_eq!(t.outcome, OutcomeLabel::Success, "feedback on r2 labels r1");
}

//! Import: round trips, idempotence, located errors, strict mode, crashes.

mod common;

use std::path::PathBuf;

use common::{at, trace, write_jsonl};
use serde_json::json;
use tackroom::ingest::{import_paths, ImportOptions, NoProgress};
use tackroom::model::{LabelProvenance, OutcomeLabel, StepKind, Tokens};
use tackroom::store::Store;

fn import(store: &Store, path: &std::path::Path, strict: bool) -> tackroom::ingest::ImportReport {
    let options = ImportOptions {
        strict,
        ..ImportOptions::default()
    };
    import_paths(store, &[path.to_path_buf()], &options, &NoProgress).unwrap()
}

#[test]
fn every_field_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = trace("full", "support", OutcomeLabel::Failure, 0);
    t.score = Some(0.25);
    t.labelled_by = Some(LabelProvenance {
        by: "grader:exact".into(),
        at: Some(at(10)),
        note: Some("wrong amount".into()),
    });
    t.metadata.insert("session".into(), json!("s-1"));
    t.source = Some(tackroom::model::trace::TraceSource {
        format: "otlp".into(),
        trace_id: Some("abc".into()),
    });
    let s = &mut t.steps[1];
    s.model = Some("gpt-4o-mini".into());
    s.output = json!({"role": "assistant", "content": "ok"});
    s.tokens = Some(Tokens {
        input: 7,
        output: 9,
    });
    s.cost_usd = Some(0.0012);
    s.source_id = Some("span-1".into());
    s.attributes.insert("gen_ai.system".into(), json!("openai"));
    s.attributes
        .insert("nested".into(), json!({"a": [1, 2.5, null, true]}));
    let file = dir.path().join("full.jsonl");
    write_jsonl(&file, std::slice::from_ref(&t));
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import(&store, &file, false);
    assert_eq!(report.imported, 1);
    assert_eq!(store.trace("full").unwrap(), t);
}

#[test]
fn steps_are_stored_in_execution_order_whatever_the_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = trace("shuffled", "support", OutcomeLabel::Success, 0);
    t.steps.reverse();
    let file = dir.path().join("t.jsonl");
    write_jsonl(&file, &[t]);
    let store = Store::open(&dir.path().join("store")).unwrap();
    import(&store, &file, false);
    let indexes: Vec<u32> = store
        .trace("shuffled")
        .unwrap()
        .steps
        .iter()
        .map(|s| s.index)
        .collect();
    assert_eq!(indexes, vec![0, 1, 2]);
}

#[test]
fn reimport_does_not_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let traces: Vec<_> = (0..10)
        .map(|i| trace(&format!("t{i}"), "support", OutcomeLabel::Success, i))
        .collect();
    let file = dir.path().join("a.jsonl");
    write_jsonl(&file, &traces);
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert_eq!(import(&store, &file, false).imported, 10);
    let again = import(&store, &file, false);
    assert_eq!((again.imported, again.already_present), (0, 10));
    let stats = store.stats().unwrap();
    assert_eq!((stats.traces, stats.steps), (10, 30));
    assert!(store.check_consistency().unwrap().is_empty());
}

#[test]
fn duplicate_ids_inside_one_file_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace("dup", "support", OutcomeLabel::Success, 0);
    let file = dir.path().join("a.jsonl");
    write_jsonl(&file, &[t.clone(), t]);
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import(&store, &file, false);
    assert_eq!((report.imported, report.already_present), (1, 1));
    assert_eq!(store.stats().unwrap().traces, 1);
}

/// Two good lines, then the given bad line, then one more good line.
fn file_with_bad_line(dir: &std::path::Path, bad: &[u8]) -> PathBuf {
    let good: Vec<String> = (0..3)
        .map(|i| {
            serde_json::to_string(&trace(
                &format!("g{i}"),
                "support",
                OutcomeLabel::Success,
                i,
            ))
            .unwrap()
        })
        .collect();
    let mut bytes = Vec::new();
    for line in &good[..2] {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(bad);
    bytes.push(b'\n');
    bytes.extend_from_slice(good[2].as_bytes());
    bytes.push(b'\n');
    let path = dir.join("runs.jsonl");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn bad_status_line() -> String {
    let mut v = serde_json::to_value(trace("bad", "support", OutcomeLabel::Success, 9)).unwrap();
    v["steps"][2]["status"] = json!("fail");
    serde_json::to_string(&v).unwrap()
}

#[test]
fn wrong_enum_value_is_located_by_line_column_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let line = bad_status_line();
    let path = file_with_bad_line(dir.path(), line.as_bytes());
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import(&store, &path, false);
    assert_eq!((report.imported, report.rejected), (3, 1));
    // serde_json points at the last character of the offending value.
    let column = line.find("\"fail\"").unwrap() + "\"fail\"".len();
    let expected = format!(
        "{}:3:{column}: steps[2].status: expected \"ok\" or \"error\", found \"fail\"",
        path.display()
    );
    assert_eq!(report.rejections[0].to_string(), expected);
}

#[test]
fn each_kind_of_malformed_line_is_rejected_with_location_and_good_lines_land() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bad json", b"{\"id\": \"x\", \"agent\": }".to_vec(), "expected value"),
        (
            "wrong type",
            br#"{"id": "x", "agent": "a", "started_at": "2026-01-01T00:00:00Z", "steps": [{"id": "s", "index": "zero", "kind": "agent", "name": "a"}]}"#.to_vec(),
            "steps[0].index: invalid type: string \"zero\", expected u32",
        ),
        (
            "missing field",
            br#"{"id": "x", "started_at": "2026-01-01T00:00:00Z", "steps": []}"#.to_vec(),
            "missing field `agent`",
        ),
        ("invalid utf-8", b"{\"id\": \"\xff\xfe\"}".to_vec(), "invalid UTF-8"),
        (
            "dangling parent",
            br#"{"id": "x", "agent": "a", "started_at": "2026-01-01T00:00:00Z", "steps": [{"id": "s", "parent_id": "nope", "index": 0, "kind": "agent", "name": "a"}]}"#.to_vec(),
            "steps[0].parent_id: no step with id \"nope\" in this trace",
        ),
    ];
    for (what, bad, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = file_with_bad_line(dir.path(), &bad);
        let store = Store::open(&dir.path().join("store")).unwrap();
        let report = import(&store, &path, false);
        assert_eq!((report.imported, report.rejected), (3, 1), "{what}");
        let message = report.rejections[0].to_string();
        assert!(
            message.starts_with(&format!("{}:3:", path.display())),
            "{what}: {message}"
        );
        assert!(message.contains(needle), "{what}: {message}");
    }
}

#[test]
fn truncated_last_line_rejects_only_that_line() {
    let dir = tempfile::tempdir().unwrap();
    let traces: Vec<_> = (0..3)
        .map(|i| trace(&format!("t{i}"), "support", OutcomeLabel::Success, i))
        .collect();
    let path = dir.path().join("cut.jsonl");
    write_jsonl(&path, &traces);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &text[..text.len() - 40]).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import(&store, &path, false);
    assert_eq!((report.imported, report.rejected), (2, 1));
    let message = report.rejections[0].to_string();
    assert!(
        message.contains(":3:") && message.contains("EOF while parsing"),
        "{message}"
    );
}

#[test]
fn bad_file_keeps_data_already_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let first = dir.path().join("first.jsonl");
    write_jsonl(
        &first,
        &[trace("keep", "support", OutcomeLabel::Success, 0)],
    );
    import(&store, &first, false);
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "not json at all\n").unwrap();
    let report = import(&store, &bad, true);
    assert_eq!(report.rejected, 1);
    assert!(store.trace("keep").is_ok());
    assert!(store.check_consistency().unwrap().is_empty());
}

#[test]
fn strict_mode_stores_nothing_from_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let line = bad_status_line();
    let path = file_with_bad_line(dir.path(), line.as_bytes());
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import(&store, &path, true);
    assert_eq!((report.imported, report.rejected), (0, 1));
    assert_eq!(store.stats().unwrap().traces, 0);
    assert!(report.rejections[0].to_string().contains("steps[2].status"));
}

#[test]
fn strict_mode_imports_a_good_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.jsonl");
    write_jsonl(&path, &[trace("a", "support", OutcomeLabel::Success, 0)]);
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert_eq!(import(&store, &path, true).imported, 1);
}

#[test]
fn json_array_rejects_only_its_bad_element_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = serde_json::to_value(trace("a", "support", OutcomeLabel::Success, 0)).unwrap();
    let mut bad = serde_json::to_value(trace("b", "support", OutcomeLabel::Success, 1)).unwrap();
    bad["steps"][1]["kind"] = json!("wizard");
    let text = serde_json::to_string_pretty(&json!([good, bad])).unwrap();
    let path = dir.path().join("arr.json");
    std::fs::write(&path, &text).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import(&store, &path, false);
    assert_eq!((report.imported, report.rejected), (1, 1));
    let wizard_line = text.lines().position(|l| l.contains("wizard")).unwrap() + 1;
    let message = report.rejections[0].to_string();
    assert!(message.contains(&format!(":{wizard_line}:")), "{message}");
    assert!(message.contains("steps[1].kind: expected"), "{message}");
}

#[test]
fn pretty_printed_single_trace_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.json");
    let t = trace("one", "support", OutcomeLabel::Failure, 0);
    std::fs::write(&path, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert_eq!(import(&store, &path, false).imported, 1);
    assert_eq!(store.trace("one").unwrap(), t);
}

#[test]
fn unknown_format_names_the_formats_tried() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.jsonl");
    std::fs::write(&path, "{\"hello\": \"world\"}\n").unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import(&store, &path, false);
    let message = report.rejections[0].to_string();
    assert!(
        message.contains("unknown trace format; tried tackroom: no `id` field"),
        "{message}"
    );
}

#[test]
fn directories_import_recursively_and_skip_companion_files() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    tackroom::sample::generate(&tackroom::sample::SampleOptions {
        traces: 30,
        seed: 1,
        out: samples.clone(),
    })
    .unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import(&store, &samples, false);
    assert_eq!((report.imported, report.rejected), (30, 0));
    assert_eq!(report.skipped.len(), 6, "{:?}", report.skipped);
}

#[test]
fn kinds_are_snake_case_in_the_native_format() {
    let t = trace("k", "support", OutcomeLabel::Success, 0);
    let v = serde_json::to_value(&t).unwrap();
    assert_eq!(v["steps"][1]["kind"], json!("llm_call"));
    assert_eq!(v["steps"][2]["kind"], json!("tool_call"));
    assert_eq!(StepKind::FinalAnswer.tag(), "FINAL");
}

#[test]
fn long_traces_round_trip_across_step_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = trace("long", "support", OutcomeLabel::Success, 0);
    for i in 3..200u32 {
        let mut s = common::step("long", i, Some(0), StepKind::ToolCall, "lookup_order");
        s.input = json!({ "n": i });
        t.steps.push(s);
    }
    let store = Store::open(&dir.path().join("store")).unwrap();
    store.insert_traces(std::slice::from_ref(&t)).unwrap();
    assert_eq!(store.trace("long").unwrap(), t);
    assert!(store.check_consistency().unwrap().is_empty());
}

fn import_capped(
    store: &Store,
    path: &std::path::Path,
    max_record_bytes: usize,
) -> tackroom::ingest::ImportReport {
    let options = ImportOptions {
        max_record_bytes,
        ..ImportOptions::default()
    };
    import_paths(store, &[path.to_path_buf()], &options, &NoProgress).unwrap()
}

#[test]
fn a_line_over_the_record_limit_is_rejected_and_its_neighbours_land() {
    let dir = tempfile::tempdir().unwrap();
    let good =
        |id: &str| serde_json::to_string(&trace(id, "support", OutcomeLabel::Success, 0)).unwrap();
    let mut huge = trace("huge", "support", OutcomeLabel::Success, 0);
    huge.steps[1].input = json!("x".repeat(2 << 20));
    let text = format!(
        "{}\n{}\n{}\n",
        good("before"),
        serde_json::to_string(&huge).unwrap(),
        good("after")
    );
    let file = dir.path().join("t.jsonl");
    std::fs::write(&file, text).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import_capped(&store, &file, 1 << 20);
    assert_eq!(report.imported, 2, "{report:?}");
    assert_eq!(report.rejected, 1);
    let rejection = report.rejections[0].to_string();
    assert!(
        rejection.starts_with(&format!("{}:2:1", file.display())),
        "{rejection}"
    );
    assert!(
        rejection.contains("larger than the 1 MiB record limit"),
        "{rejection}"
    );
    assert!(store.contains("after").unwrap());
    assert!(!store.contains("huge").unwrap());
}

#[test]
fn a_file_without_line_breaks_over_the_limit_is_refused_without_reading_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("garbage.json");
    // A JSON array that never ends within the limit.
    let mut text = String::from("[");
    while text.len() < 3 << 20 {
        text.push_str("{\"id\": \"x\"},");
    }
    std::fs::write(&file, text).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = import_capped(&store, &file, 1 << 20);
    assert_eq!(report.imported, 0);
    assert_eq!(report.rejected, 1);
    assert!(
        report.rejections[0]
            .to_string()
            .contains("larger than the 1 MiB record limit"),
        "{}",
        report.rejections[0]
    );
    assert_eq!(store.trace_count().unwrap(), 0);
}

//! The live receiver on loopback: the fixtures' captured request bodies
//! are replayed to it and yield the same traces and outcomes as importing
//! the files; bad requests get 400/413 and the server keeps serving.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tackroom::collect::{serve, CollectOptions, Collector};
use tackroom::ingest::{import_paths, ImportOptions, NoProgress};
use tackroom::store::{Store, TraceFilter};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real")
}

async fn start(store: Store, max_body: usize) -> (String, Arc<Collector>) {
    let options = CollectOptions {
        quiet: Duration::from_secs(3600),
        max_body,
    };
    let collector = Collector::new(store, options, Box::new(|_| {})).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(collector.clone(), listener, std::future::pending()));
    (base, collector)
}

/// `(id → (steps, outcome))` of every stored trace.
fn summary(store: &Store) -> BTreeMap<String, (u32, String)> {
    store
        .page(&TraceFilter::default(), true, None, usize::MAX)
        .unwrap()
        .rows
        .into_iter()
        .map(|(_, s)| (s.id, (s.steps, s.outcome.as_str().to_owned())))
        .collect()
}

fn file_import(source: &str) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    import_paths(
        &store,
        &[fixtures().join(source)],
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap();
    (dir, store)
}

/// Replays captured bodies (`*.pb`, `*.multipart`, `*.json` with their
/// `.meta.json`) in name order, as the SDK sent them.
async fn replay(base: &str, dir: &Path, default_path: &str) {
    let client = reqwest::Client::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().ends_with(".meta.json"))
        .collect();
    files.sort();
    for file in files {
        let meta_path = file.with_extension("meta.json");
        let (path, content_type, encoding) = match std::fs::read_to_string(&meta_path) {
            Ok(text) => {
                let meta: serde_json::Value = serde_json::from_str(&text).unwrap();
                let field = |k: &str| meta[k].as_str().unwrap_or_default().to_owned();
                (
                    field("path"),
                    field("content_type"),
                    field("content_encoding"),
                )
            }
            Err(_) => (
                default_path.to_owned(),
                "application/x-protobuf".to_owned(),
                String::new(),
            ),
        };
        let mut request = client
            .post(format!("{base}{path}"))
            .header("content-type", content_type)
            .body(std::fs::read(&file).unwrap());
        if !encoding.is_empty() {
            request = request.header("content-encoding", encoding);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{}: {}",
            file.display(),
            response.status()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_protobuf_bodies_give_the_same_traces_as_the_file_import() {
    for source in ["otlp-openinference", "otlp-genai"] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let (base, _collector) = start(store.clone(), 16 << 20).await;
        replay(&base, &fixtures().join(source).join("bodies"), "/v1/traces").await;
        let (_file_dir, from_files) = file_import(source);
        assert_eq!(summary(&store), summary(&from_files), "{source}");
        assert_eq!(summary(&store).len(), 18);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langfuse_otlp_and_scores_give_the_same_traces_and_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let (base, _collector) = start(store.clone(), 16 << 20).await;
    replay(
        &base,
        &fixtures().join("langfuse").join("requests"),
        "/api/public/otel/v1/traces",
    )
    .await;
    let (_file_dir, from_files) = file_import("langfuse");
    let live = summary(&store);
    assert_eq!(live, summary(&from_files));
    assert_eq!(live.values().filter(|(_, o)| o == "failure").count(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langsmith_multipart_bodies_give_the_same_traces() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let (base, _collector) = start(store.clone(), 16 << 20).await;
    let info: serde_json::Value = reqwest::get(format!("{base}/info"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["batch_ingest_config"]["use_multipart_endpoint"], true);
    replay(
        &base,
        &fixtures().join("langsmith").join("requests"),
        "/runs/multipart",
    )
    .await;
    let (_file_dir, from_files) = file_import("langsmith");
    assert_eq!(summary(&store), summary(&from_files));
    assert_eq!(summary(&store).len(), 18);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_and_oversized_requests_are_refused_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let (base, _collector) = start(store.clone(), 1 << 20).await;
    // A 413 is sent before the body is read and the server then closes the
    // connection; a fresh connection per request keeps the client from
    // reusing the closed one (a race that made this test flaky).
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let post = |body: Vec<u8>, kind: &'static str| {
        client
            .post(format!("{base}/v1/traces"))
            .header("content-type", kind)
            .body(body)
            .send()
    };

    let garbage = post(
        b"\x0a\xff\xff\xff\xff garbage".to_vec(),
        "application/x-protobuf",
    )
    .await
    .unwrap();
    assert_eq!(garbage.status(), 400);
    let body: serde_json::Value = garbage.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not an OTLP traces protobuf"),
        "{body}"
    );

    let bad_json = post(
        b"{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"spanId\": \"01\"}]}]}]}".to_vec(),
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(bad_json.status(), 400);
    assert!(bad_json.text().await.unwrap().contains("traceId"));

    let huge = post(vec![b' '; 2 << 20], "application/json").await.unwrap();
    assert_eq!(huge.status(), 413);

    let wrong_type = post(b"hello".to_vec(), "text/plain").await.unwrap();
    assert_eq!(wrong_type.status(), 415);

    let good = std::fs::read(fixtures().join("otlp-openinference/bodies/0000.pb")).unwrap();
    assert!(good.len() < 1 << 20);
    let ok = post(good, "application/x-protobuf").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], "application/x-protobuf");
    assert!(
        store.trace_count().unwrap() > 0,
        "still serving and storing"
    );

    // An exporter sending every signal here gets a success for metrics,
    // which are dropped.
    let before = store.trace_count().unwrap();
    let metrics = client
        .post(format!("{base}/v1/metrics"))
        .header("content-type", "application/x-protobuf")
        .body(vec![0u8; 16])
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert_eq!(store.trace_count().unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pieces_survive_a_restart_and_quiet_traces_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    // A child span whose root never arrives.
    let child = serde_json::json!({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"}, "spans": [{
        "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "parentSpanId": "00f067aa0ba902b7",
        "name": "lookup_order", "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000001000000000",
        "status": {"code": 2, "message": "order not found"},
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}}]}]}]}]});
    {
        let (base, _collector) = start(store.clone(), 1 << 20).await;
        let response = reqwest::Client::new()
            .post(format!("{base}/v1/traces"))
            .json(&child)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(store.trace_count().unwrap(), 0, "waiting for the root span");
    }
    // A new receiver on the same store finds the pending piece again.
    let options = CollectOptions {
        quiet: Duration::ZERO,
        max_body: 1 << 20,
    };
    let collector = Collector::new(store.clone(), options, Box::new(|_| {})).unwrap();
    let stored = collector.flush_idle().unwrap();
    assert_eq!(stored.len(), 1);
    let trace = store.trace("0af7651916cd43dd8448eb211c80319c").unwrap();
    assert_eq!(trace.steps[0].name, "lookup_order");
    assert!(store.pending_trace_ids().unwrap().is_empty());

    // A verdict stored now names the child at position 0.
    let by = tackroom::model::LabelProvenance {
        by: "test".into(),
        at: None,
        note: None,
    };
    store
        .set_outcome(
            "0af7651916cd43dd8448eb211c80319c",
            tackroom::model::OutcomeLabel::Failure,
            None,
            by,
        )
        .unwrap();
    let selection = tackroom::triage::Selection {
        trace: Some("0af7651916cd43dd8448eb211c80319c".into()),
        ..Default::default()
    };
    let verdicts =
        tackroom::triage::attribute_with_rules(&store, &selection, &Default::default()).unwrap();
    assert_eq!(verdicts.len(), 1);

    // The root span arrives after the rest was stored: it is merged in.
    let root = serde_json::json!({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "support"}}]}, "scopeSpans": [{"scope": {"name": "t"}, "spans": [{
        "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "00f067aa0ba902b7",
        "name": "support", "startTimeUnixNano": "1699999999000000000", "endTimeUnixNano": "1700000002000000000",
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}}]}]}]}]});
    let (base, _collector) = start(store.clone(), 1 << 20).await;
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/traces"))
        .json(&root)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut merged = None;
    for _ in 0..50 {
        let trace = store.trace("0af7651916cd43dd8448eb211c80319c").unwrap();
        if trace.steps.len() == 2 {
            merged = Some(trace);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let merged = merged.expect("the late root span was merged within 5 s");
    assert_eq!(merged.agent, "support");
    assert_eq!(merged.steps[0].name, "support");
    assert_eq!(
        merged.steps[1].parent_id.as_deref(),
        Some("00f067aa0ba902b7")
    );
    assert_eq!(store.trace_count().unwrap(), 1);
    assert!(store.check_consistency().unwrap().is_empty());
    // The stored verdict follows its steps to their new positions.
    let verdict = &store
        .attributions("0af7651916cd43dd8448eb211c80319c")
        .unwrap()[0];
    let position = |id: &str| merged.steps.iter().find(|s| s.id == id).unwrap().index;
    assert_eq!(
        verdict.root_cause.index,
        position(&verdict.root_cause.step_id)
    );
    assert_eq!(verdict.symptom.index, position(&verdict.symptom.step_id));
    assert_eq!(
        verdict.root_cause.index, 1,
        "the child moved under its root"
    );
    assert_eq!(
        merged.outcome,
        tackroom::model::OutcomeLabel::Failure,
        "the label given before the merge stands"
    );
}

/// An agent's log exporter may send GenAI message events after its span
/// exporter sent the spans and the receiver stored the trace: the events
/// still reach their LLM steps, as in a file import of both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_events_after_the_trace_was_stored_join_its_steps() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let options = CollectOptions {
        quiet: Duration::ZERO,
        max_body: 16 << 20,
    };
    let collector = Collector::new(store.clone(), options, Box::new(|_| {})).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(collector.clone(), listener, std::future::pending()));
    replay(
        &base,
        &fixtures().join("otlp-genai").join("bodies"),
        "/v1/traces",
    )
    .await;
    collector.flush_idle().unwrap();
    assert_eq!(store.trace_count().unwrap(), 18);

    let logs = std::fs::read_to_string(fixtures().join("otlp-genai").join("logs.jsonl")).unwrap();
    let client = reqwest::Client::new();
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let response = client
            .post(format!("{base}/v1/logs"))
            .header("content-type", "application/json")
            .body(line.to_owned())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }
    collector.flush_idle().unwrap();
    assert!(store.pending_trace_ids().unwrap().is_empty());

    let (_file_dir, from_files) = file_import("otlp-genai");
    let mut messages = 0;
    for (id, _) in summary(&from_files) {
        let live = store.trace(&id).unwrap();
        let file = from_files.trace(&id).unwrap();
        for (a, b) in live.steps.iter().zip(&file.steps) {
            assert_eq!(a.input, b.input, "trace {id} step {}", b.index);
            assert_eq!(a.output, b.output, "trace {id} step {}", b.index);
            messages += usize::from(a.input["messages"].is_array());
        }
    }
    assert!(messages > 0, "the late events carried the messages");
}

/// The LangSmith SDK sends feedback either inside its multipart batches
/// (`feedback.<id>` parts, beside `attachment.` parts) or to `POST
/// /feedback`, naming a run that may be a child: both set the outcome of
/// the run's trace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langsmith_feedback_sets_the_outcome_by_run_or_trace() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let (base, collector) = start(store.clone(), 1 << 20).await;
    let boundary = "b0undary";
    let part = |name: &str, body: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json\r\n\r\n{body}\r\n")
    };
    let run = |id: &str, trace: &str, parent: Option<&str>, kind: &str| {
        serde_json::json!({"id": id, "trace_id": trace, "parent_run_id": parent, "run_type": kind,
            "name": kind, "dotted_order": format!("{id}"), "start_time": "2026-01-01T00:00:00Z",
            "end_time": "2026-01-01T00:00:01Z", "inputs": {}, "outputs": {}})
        .to_string()
    };
    let body = [
        part("post.r1", &run("r1", "r1", None, "chain")),
        part("post.r2", &run("r2", "r1", Some("r1"), "tool")),
        part("attachment.r2.screenshot", "not json at all"),
        part(
            "feedback.f1",
            r#"{"id": "f1", "run_id": "r2", "key": "task_success", "score": 0}"#,
        ),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    let response = reqwest::Client::new()
        .post(format!("{base}/runs/multipart"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    collector.flush_idle().unwrap();
    let trace = store.trace("r1").unwrap();
    assert_eq!(trace.outcome, tackroom::model::OutcomeLabel::Failure);
    assert_eq!(trace.score, Some(0.0));
    let tool = trace.steps.iter().find(|s| s.id == "r2").unwrap();
    assert_eq!(
        tool.attributes["langsmith.attachments"],
        serde_json::json!(["screenshot"])
    );

    // Later feedback through the REST endpoint, naming the trace.
    let response = reqwest::Client::new()
        .post(format!("{base}/feedback"))
        .json(&serde_json::json!({"id": "f2", "trace_id": "r1", "key": "task_success", "score": 1}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        store.trace("r1").unwrap().outcome,
        tackroom::model::OutcomeLabel::Success
    );
    let bad = reqwest::Client::new()
        .post(format!("{base}/feedback"))
        .json(&serde_json::json!({"key": "x", "score": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("trace_id or run_id"));
}

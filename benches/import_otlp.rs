//! Import of span-shaped data at scale: generated traces written as
//! OTLP/JSON (OpenInference attributes, one export request per trace per
//! line, as the Collector's file exporter writes), imported with pieces
//! moved to the store past the memory threshold, then held in memory, with
//! the peak resident memory after each. `TACKROOM_BENCH_TRACES` overrides
//! the count (default 50 000).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use serde_json::{json, Value};
use tackroom::ingest::{import_paths, ImportOptions, NoProgress};
use tackroom::model::{Step, StepKind, Trace};
use tackroom::sample::{generate, SampleOptions};
use tackroom::store::Store;

fn main() {
    let traces: usize = std::env::var("TACKROOM_BENCH_TRACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = dir.path().join("samples");
    generate(&SampleOptions {
        traces,
        seed: 13,
        out: samples.clone(),
    })
    .expect("generate");
    let otlp = dir.path().join("otlp").join("traces.jsonl");
    let spans = write_otlp(&samples, &otlp);
    let bytes = std::fs::metadata(&otlp).expect("size").len();
    println!(
        "wrote {traces} traces as {spans} OTLP spans, {:.1} MB",
        bytes as f64 / 1e6
    );

    for (label, spill_after) in [
        ("pieces moved to the store past 200k", 200_000),
        ("everything held in memory", usize::MAX),
    ] {
        let store = Store::open(&dir.path().join(format!("store-{spill_after}"))).expect("store");
        let options = ImportOptions {
            spill_after,
            ..ImportOptions::default()
        };
        let started = Instant::now();
        let report = import_paths(&store, std::slice::from_ref(&otlp), &options, &NoProgress)
            .expect("import");
        let secs = started.elapsed().as_secs_f64();
        println!(
            "import ({label}): {} traces, {} steps in {secs:.2} s",
            report.imported, report.steps
        );
        println!("  {:>10.0} traces/s", report.imported as f64 / secs);
        println!("  {:>10.0} spans/s", report.steps as f64 / secs);
        println!("  {:>10.1} MB/s", bytes as f64 / 1e6 / secs);
        println!("  peak resident memory so far: {}", peak_memory());
    }
}

/// Converts every generated trace to one OTLP/JSON request line.
fn write_otlp(samples: &Path, out: &Path) -> usize {
    std::fs::create_dir_all(out.parent().expect("parent")).expect("dir");
    let mut writer = BufWriter::new(std::fs::File::create(out).expect("create"));
    let mut spans = 0;
    for agent in ["support", "research", "analyst"] {
        let file = std::fs::File::open(samples.join(agent).join("traces.jsonl")).expect("open");
        for line in std::io::BufReader::new(file).lines() {
            let trace: Trace = serde_json::from_str(&line.expect("line")).expect("trace");
            spans += trace.steps.len();
            let request = otlp_request(&trace);
            serde_json::to_writer(&mut writer, &request).expect("write");
            writer.write_all(b"\n").expect("newline");
        }
    }
    spans
}

fn hex_id(text: &str, salt: u64) -> String {
    let mut hasher = DefaultHasher::new();
    (text, salt).hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn nanos(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.and_then(|t| t.timestamp_nanos_opt())
        .unwrap_or(0)
        .to_string()
}

fn otlp_request(trace: &Trace) -> Value {
    let trace_id = format!("{}{}", hex_id(&trace.id, 1), hex_id(&trace.id, 2));
    let spans: Vec<Value> = trace.steps.iter().map(|s| span(&trace_id, s)).collect();
    json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": trace.agent}}]},
        "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}]
    }]})
}

fn span(trace_id: &str, step: &Step) -> Value {
    let kind = match step.kind {
        StepKind::LlmCall => "LLM",
        StepKind::ToolCall => "TOOL",
        StepKind::Agent => "AGENT",
        _ => "CHAIN",
    };
    let text = |key: &str, value: String| json!({"key": key, "value": {"stringValue": value}});
    let mut attributes = vec![
        text("openinference.span.kind", kind.into()),
        text("input.value", step.input.to_string()),
        text("output.value", step.output.to_string()),
    ];
    if let Some(model) = &step.model {
        attributes.push(text("llm.model_name", model.clone()));
    }
    let mut span = json!({
        "traceId": trace_id,
        "spanId": hex_id(&step.id, 3),
        "name": step.name,
        "startTimeUnixNano": nanos(step.started_at),
        "endTimeUnixNano": nanos(step.ended_at),
        "attributes": attributes,
    });
    if let Some(parent) = &step.parent_id {
        span["parentSpanId"] = json!(hex_id(parent, 3));
    }
    if let Some(error) = &step.error {
        span["status"] =
            json!({"code": 2, "message": format!("{}: {}", error.error_type, error.message)});
    }
    span
}

/// `VmHWM` from /proc (Linux); "unknown" elsewhere.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

//! Test data builders shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tackroom::model::{OutcomeLabel, Step, StepError, StepKind, StepStatus, Tokens, Trace};

pub fn at(offset_s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000 + offset_s, 0).unwrap()
}

pub fn step(trace: &str, index: u32, parent: Option<u32>, kind: StepKind, name: &str) -> Step {
    Step {
        parent_id: parent.map(|p| format!("{trace}-{p}")),
        index,
        started_at: Some(at(index as i64)),
        ended_at: Some(at(index as i64 + 1)),
        ..Step::new(format!("{trace}-{index}"), kind, name)
    }
}

/// A small trace: agent → llm → tool (in error when `outcome` is failure).
pub fn trace(id: &str, agent: &str, outcome: OutcomeLabel, start: i64) -> Trace {
    let mut steps = vec![
        step(id, 0, None, StepKind::Agent, agent),
        step(id, 1, Some(0), StepKind::LlmCall, "gpt-4o-mini"),
        step(id, 2, Some(0), StepKind::ToolCall, "lookup_order"),
    ];
    steps[1].tokens = Some(Tokens {
        input: 120,
        output: 30,
    });
    steps[1].input =
        json!({"messages": [{"role": "user", "content": format!("refund order for {id}")}]});
    steps[2].input = json!({"order_id": "A-1"});
    if outcome == OutcomeLabel::Failure {
        steps[2].status = StepStatus::Error;
        steps[2].error = Some(StepError {
            error_type: "NotFound".into(),
            message: "no such order".into(),
        });
    } else {
        steps[2].output = json!({"status": "shipped"});
    }
    Trace {
        harness_version: Some(format!("sha256:{agent}-v1")),
        task_id: Some(format!("task-{}", start % 3)),
        outcome,
        ended_at: Some(at(start) + Duration::seconds(3)),
        steps,
        ..Trace::new(id, agent, at(start))
    }
}

pub fn write_jsonl(path: &Path, traces: &[Trace]) {
    let text: String = traces
        .iter()
        .map(|t| serde_json::to_string(t).unwrap() + "\n")
        .collect();
    std::fs::write(path, text).unwrap();
}

pub mod llm_server;
pub mod ui;

pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_tackroom"))
}

/// Runs the binary on the store at `store` with `args`.
pub fn on_store(store: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .expect("the tackroom binary runs")
}

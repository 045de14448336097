//! Span-shaped sources (OTLP traces and logs, LangSmith runs) arrive as
//! pieces of traces, in any order and across files. They are gathered into
//! a [`SpanPool`] and assembled into traces once everything is read.

pub mod assemble;
pub mod dialect;
pub mod genai_messages;
pub mod merge;
pub mod otlp_json;
pub mod otlp_proto;
pub mod pool;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use pool::SpanPool;

/// One OpenTelemetry span, decoded from JSON or protobuf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanRecord {
    pub trace_id: String,
    pub span_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: i64,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// Attributes by key, values as JSON (AnyValue unwrapped).
    pub attributes: Map<String, Value>,
    pub events: Vec<SpanEvent>,
    /// OTLP status code: 0 unset, 1 ok, 2 error.
    pub status_code: i64,
    pub status_message: String,
    pub resource: Map<String, Value>,
    pub scope: String,
}

/// A span event, or a log record that belongs to a span (GenAI message
/// events are sent either way).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanEvent {
    pub name: String,
    pub time: Option<DateTime<Utc>>,
    pub attributes: Map<String, Value>,
    /// The log body, when the event came as a log record.
    #[serde(default)]
    pub body: Value,
}

/// An OTLP log record carrying a GenAI event, joined to its span later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEvent {
    pub trace_id: String,
    pub span_id: String,
    pub event: SpanEvent,
}

/// A score that sets a trace's outcome (Langfuse `task_success` and the like).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub trace_id: String,
    pub name: String,
    pub value: f64,
    pub source: String,
}

/// Nanoseconds since the epoch (as OTLP writes them) to a time.
pub fn time_from_nanos(nanos: i128) -> Option<DateTime<Utc>> {
    if nanos <= 0 {
        return None;
    }
    let secs = (nanos / 1_000_000_000) as i64;
    let sub = (nanos % 1_000_000_000) as u32;
    DateTime::from_timestamp(secs, sub)
}

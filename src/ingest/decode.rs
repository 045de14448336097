//! One record (a JSON line or document, or a binary body) → what it holds:
//! a whole trace, or pieces (spans, log events, runs, scores) for the pool.

use serde_json::Value;

use super::chat::{self, ChatFields};
use super::detect::Format;
use super::location::RecordError;
use super::runs::{self, RunRecord};
use super::spans::{otlp_json, otlp_proto, LogEvent, Score, SpanRecord};
use super::{langfuse, native, openai_agents};
use crate::model::{validate, Trace};

/// Bodies larger than this are refused when inflated (gzip bombs).
pub const MAX_INFLATED_BYTES: usize = 256 << 20;

#[derive(Debug)]
pub enum Decoded {
    Trace(Box<Trace>),
    Spans(Vec<SpanRecord>),
    Logs(Vec<LogEvent>),
    Runs(Vec<RunRecord>),
    Scores(Vec<Score>),
    /// A LangSmith multipart body: runs, and feedback given with them.
    RunsWithFeedback(Vec<RunRecord>, Vec<Score>),
}

fn json(record: &[u8]) -> Result<Value, RecordError> {
    serde_json::from_slice(record).map_err(|e| RecordError {
        line: e.line().max(1),
        column: e.column().max(1),
        field: String::new(),
        message: super::location::plain_json_message(&e),
    })
}

fn field_error((field, message): (String, String)) -> RecordError {
    RecordError::new(field, message)
}

/// Decodes one JSON record of `format`.
pub fn decode_json(
    format: Format,
    record: &[u8],
    chat_fields: &ChatFields,
    line: usize,
) -> Result<Decoded, RecordError> {
    if format == Format::Native {
        return native::parse_trace(record).map(|t| Decoded::Trace(Box::new(t)));
    }
    let value = json(record)?;
    Ok(match format {
        Format::OtlpTraces => {
            Decoded::Spans(otlp_json::decode_traces(&value).map_err(field_error)?)
        }
        Format::OtlpLogs => Decoded::Logs(otlp_json::decode_logs(&value)),
        Format::OpenAiAgents => Decoded::Trace(Box::new(checked(openai_agents::decode(&value)?)?)),
        Format::LangSmithRuns => {
            let mut runs = Vec::new();
            runs::decode_run(&value, &mut runs).map_err(field_error)?;
            Decoded::Runs(runs)
        }
        Format::LangSmithBatch => {
            let mut runs = Vec::new();
            runs::decode_batch(&value, &mut runs).map_err(field_error)?;
            Decoded::Runs(runs)
        }
        Format::LangfuseScores => Decoded::Scores(langfuse::decode_scores(&value)?),
        Format::LangfuseExport => {
            Decoded::Trace(Box::new(checked(langfuse::decode_export(&value)?)?))
        }
        Format::Chat => {
            Decoded::Trace(Box::new(checked(chat::decode(&value, chat_fields, line)?)?))
        }
        Format::Native | Format::OtlpProtobuf | Format::LangSmithMultipart => {
            return Err(RecordError::new(
                "",
                format!("{} is not a JSON format", format.name()),
            ))
        }
    })
}

/// Decodes a whole binary body (OTLP protobuf, possibly gzip'd; LangSmith multipart).
pub fn decode_binary(format: Format, body: &[u8]) -> Result<Decoded, RecordError> {
    match format {
        Format::LangSmithMultipart => {
            let boundary = runs::multipart_boundary(body).ok_or_else(|| {
                RecordError::new("", "expected a multipart body starting with --<boundary>")
            })?;
            runs::decode_multipart(body, &boundary)
                .map(|(runs, feedback)| Decoded::RunsWithFeedback(runs, feedback))
                .map_err(|m| RecordError::new("", m))
        }
        _ => {
            let body = otlp_proto::maybe_gunzip(body, MAX_INFLATED_BYTES)
                .map_err(|m| RecordError::new("", m))?;
            match otlp_proto::decode_traces(&body) {
                Ok(spans) if !spans.is_empty() => Ok(Decoded::Spans(spans)),
                traces => match otlp_proto::decode_logs(&body) {
                    Ok(logs) if !logs.is_empty() => Ok(Decoded::Logs(logs)),
                    _ => Err(RecordError::new(
                        "",
                        traces.err().unwrap_or_else(|| {
                            "an OTLP request with no spans or log records".into()
                        }),
                    )),
                },
            }
        }
    }
}

/// Checks an imported trace like a native one and puts steps in order.
pub fn checked(mut trace: Trace) -> Result<Trace, RecordError> {
    validate::validate_trace(&trace).map_err(|v| RecordError::new(v.path, v.message))?;
    validate::sort_steps(&mut trace);
    Ok(trace)
}

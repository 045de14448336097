//! OTLP protobuf (`application/x-protobuf`, as exporters POST to
//! `/v1/traces` and `/v1/logs`), decoded with the opentelemetry-proto
//! crate into the same records as OTLP/JSON. Gzip bodies are inflated first.

use std::io::Read;

use base64::Engine;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use prost::Message;
use serde_json::{Map, Value};

use super::{time_from_nanos, LogEvent, SpanEvent, SpanRecord};

/// Inflates a gzip body (magic bytes 1f 8b), up to `limit` bytes.
pub fn maybe_gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok(body.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("bad gzip body: {e}"))?;
    if out.len() > limit {
        return Err(format!("body inflates past the {limit}-byte limit"));
    }
    Ok(out)
}

fn any_value(value: &AnyValue) -> Value {
    match &value.value {
        Some(any_value::Value::StringValue(s)) => Value::String(s.clone()),
        Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
        Some(any_value::Value::IntValue(i)) => Value::from(*i),
        Some(any_value::Value::DoubleValue(d)) => serde_json::Number::from_f64(*d)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Some(any_value::Value::ArrayValue(a)) => {
            Value::Array(a.values.iter().map(any_value).collect())
        }
        Some(any_value::Value::KvlistValue(kv)) => Value::Object(key_values(&kv.values)),
        Some(any_value::Value::BytesValue(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        None => Value::Null,
    }
}

fn key_values(list: &[KeyValue]) -> Map<String, Value> {
    list.iter()
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value.as_ref().map(any_value).unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn id(bytes: &[u8]) -> Option<String> {
    (!bytes.is_empty() && bytes.iter().any(|b| *b != 0)).then(|| hex::encode(bytes))
}

pub fn decode_traces(body: &[u8]) -> Result<Vec<SpanRecord>, String> {
    let request = ExportTraceServiceRequest::decode(body)
        .map_err(|e| format!("not an OTLP traces protobuf: {e}"))?;
    let mut spans = Vec::new();
    for rs in request.resource_spans {
        let resource = rs
            .resource
            .map(|r| key_values(&r.attributes))
            .unwrap_or_default();
        for ss in rs.scope_spans {
            let scope = ss.scope.map(|s| s.name).unwrap_or_default();
            for span in ss.spans {
                let (Some(trace_id), Some(span_id)) = (id(&span.trace_id), id(&span.span_id))
                else {
                    return Err(format!("span {:?} has no trace or span id", span.name));
                };
                let status = span.status.unwrap_or_default();
                spans.push(SpanRecord {
                    trace_id,
                    span_id,
                    parent_id: id(&span.parent_span_id),
                    name: span.name,
                    kind: span.kind as i64,
                    start: time_from_nanos(span.start_time_unix_nano as i128),
                    end: time_from_nanos(span.end_time_unix_nano as i128),
                    attributes: key_values(&span.attributes),
                    events: span
                        .events
                        .iter()
                        .map(|e| SpanEvent {
                            name: e.name.clone(),
                            time: time_from_nanos(e.time_unix_nano as i128),
                            attributes: key_values(&e.attributes),
                            body: Value::Null,
                        })
                        .collect(),
                    status_code: status.code as i64,
                    status_message: status.message,
                    resource: resource.clone(),
                    scope: scope.clone(),
                });
            }
        }
    }
    Ok(spans)
}

pub fn decode_logs(body: &[u8]) -> Result<Vec<LogEvent>, String> {
    let request = ExportLogsServiceRequest::decode(body)
        .map_err(|e| format!("not an OTLP logs protobuf: {e}"))?;
    let mut out = Vec::new();
    for rl in request.resource_logs {
        for sl in rl.scope_logs {
            for record in sl.log_records {
                let (Some(trace_id), Some(span_id)) = (id(&record.trace_id), id(&record.span_id))
                else {
                    continue;
                };
                let attributes = key_values(&record.attributes);
                let name = if record.event_name.is_empty() {
                    attributes
                        .get("event.name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                } else {
                    record.event_name.clone()
                };
                let nanos = if record.time_unix_nano > 0 {
                    record.time_unix_nano
                } else {
                    record.observed_time_unix_nano
                };
                out.push(LogEvent {
                    trace_id,
                    span_id,
                    event: SpanEvent {
                        name,
                        time: time_from_nanos(nanos as i128),
                        attributes,
                        body: record.body.as_ref().map(any_value).unwrap_or(Value::Null),
                    },
                });
            }
        }
    }
    Ok(out)
}

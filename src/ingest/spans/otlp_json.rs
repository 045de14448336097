//! The OTLP/JSON file encoding (`resourceSpans → scopeSpans → spans`,
//! `resourceLogs → scopeLogs → logRecords`): ids in hex or base64, times
//! as nanosecond strings, attribute values wrapped in AnyValue.

use base64::Engine;
use serde_json::{Map, Value};

use super::{time_from_nanos, LogEvent, SpanEvent, SpanRecord};

/// Unwraps an OTLP AnyValue (`{"stringValue": "x"}`…) into plain JSON.
pub fn any_value(value: &Value) -> Value {
    let Some(obj) = value.as_object() else {
        return value.clone();
    };
    if let Some(v) = obj.get("stringValue") {
        return v.clone();
    }
    if let Some(v) = obj.get("intValue") {
        return match v {
            Value::String(s) => s
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| v.clone()),
            other => other.clone(),
        };
    }
    if let Some(v) = obj.get("doubleValue").or_else(|| obj.get("boolValue")) {
        return v.clone();
    }
    if let Some(v) = obj.get("arrayValue") {
        let values = v
            .get("values")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        return Value::Array(values.iter().map(any_value).collect());
    }
    if let Some(v) = obj.get("kvlistValue") {
        return Value::Object(key_values(v.get("values")));
    }
    if let Some(v) = obj.get("bytesValue") {
        return v.clone();
    }
    Value::Null
}

/// `[{"key": k, "value": AnyValue}]` → `{k: value}`.
pub fn key_values(list: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for kv in list.and_then(Value::as_array).into_iter().flatten() {
        if let Some(key) = kv.get("key").and_then(Value::as_str) {
            out.insert(
                key.to_owned(),
                kv.get("value").map(any_value).unwrap_or(Value::Null),
            );
        }
    }
    out
}

/// A trace or span id as lowercase hex, from hex or base64.
pub fn id_text(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?.trim();
    if text.is_empty() {
        return None;
    }
    let is_hex = text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit());
    let hex = if is_hex {
        text.to_ascii_lowercase()
    } else {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?;
        hex::encode(bytes)
    };
    // All-zero ids mean "none" in OTLP.
    (!hex.bytes().all(|b| b == b'0')).then_some(hex)
}

fn nanos(value: Option<&Value>) -> Option<chrono::DateTime<chrono::Utc>> {
    let n: i128 = match value? {
        Value::String(s) => s.parse().ok()?,
        Value::Number(n) => n.as_i64()? as i128,
        _ => return None,
    };
    time_from_nanos(n)
}

/// Whether a JSON record is an OTLP traces request, and if not, why.
pub fn sniff_traces(value: &Value) -> Result<(), String> {
    value
        .get("resourceSpans")
        .and_then(Value::as_array)
        .map(|_| ())
        .ok_or_else(|| "no `resourceSpans` array".into())
}

pub fn sniff_logs(value: &Value) -> Result<(), String> {
    value
        .get("resourceLogs")
        .and_then(Value::as_array)
        .map(|_| ())
        .ok_or_else(|| "no `resourceLogs` array".into())
}

/// Decodes the spans of one `ExportTraceServiceRequest`. Spans without a
/// trace or span id are reported by their position.
pub fn decode_traces(value: &Value) -> Result<Vec<SpanRecord>, (String, String)> {
    let mut spans = Vec::new();
    let resources = value
        .get("resourceSpans")
        .and_then(Value::as_array)
        .ok_or(("resourceSpans".to_owned(), "expected an array".to_owned()))?;
    for (r, rs) in resources.iter().enumerate() {
        let resource = key_values(rs.get("resource").and_then(|r| r.get("attributes")));
        for (s, ss) in rs
            .get("scopeSpans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let scope = ss
                .get("scope")
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            for (i, span) in ss
                .get("spans")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let path = format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                let trace_id = id_text(span.get("traceId")).ok_or((
                    format!("{path}.traceId"),
                    "expected a hex or base64 id".to_owned(),
                ))?;
                let span_id = id_text(span.get("spanId")).ok_or((
                    format!("{path}.spanId"),
                    "expected a hex or base64 id".to_owned(),
                ))?;
                let status = span.get("status");
                spans.push(SpanRecord {
                    trace_id,
                    span_id,
                    parent_id: id_text(span.get("parentSpanId")),
                    name: span
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    kind: span.get("kind").and_then(Value::as_i64).unwrap_or(0),
                    start: nanos(span.get("startTimeUnixNano")),
                    end: nanos(span.get("endTimeUnixNano")),
                    attributes: key_values(span.get("attributes")),
                    events: span
                        .get("events")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|e| SpanEvent {
                            name: e
                                .get("name")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            time: nanos(e.get("timeUnixNano")),
                            attributes: key_values(e.get("attributes")),
                            body: Value::Null,
                        })
                        .collect(),
                    status_code: status
                        .and_then(|s| s.get("code"))
                        .and_then(status_code)
                        .unwrap_or(0),
                    status_message: status
                        .and_then(|s| s.get("message"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    resource: resource.clone(),
                    scope: scope.clone(),
                });
            }
        }
    }
    Ok(spans)
}

/// Status codes come as numbers or as enum names.
fn status_code(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => Some(match s.as_str() {
            "STATUS_CODE_OK" | "1" => 1,
            "STATUS_CODE_ERROR" | "2" => 2,
            _ => 0,
        }),
        _ => None,
    }
}

/// Log records that belong to a span (GenAI message events).
pub fn decode_logs(value: &Value) -> Vec<LogEvent> {
    let mut out = Vec::new();
    for rl in value
        .get("resourceLogs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for sl in rl
            .get("scopeLogs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for record in sl
                .get("logRecords")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(trace_id), Some(span_id)) = (
                    id_text(record.get("traceId")),
                    id_text(record.get("spanId")),
                ) else {
                    continue;
                };
                let attributes = key_values(record.get("attributes"));
                let name = record
                    .get("eventName")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| {
                        attributes
                            .get("event.name")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .unwrap_or_default();
                let time = nanos(record.get("timeUnixNano"))
                    .or_else(|| nanos(record.get("observedTimeUnixNano")));
                let body = record.get("body").map(any_value).unwrap_or(Value::Null);
                out.push(LogEvent {
                    trace_id,
                    span_id,
                    event: SpanEvent {
                        name,
                        time,
                        attributes,
                        body,
                    },
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn any_values_unwrap_including_nested_lists() {
        let v = json!({"kvlistValue": {"values": [{"key": "n", "value": {"intValue": "42"}}, {"key": "l", "value": {"arrayValue": {"values": [{"boolValue": true}]}}}]}});
        assert_eq!(any_value(&v), json!({"n": 42, "l": [true]}));
    }

    #[test]
    fn ids_are_accepted_in_hex_and_base64() {
        assert_eq!(
            id_text(Some(&json!("5B8EFFF798038103D269B633813FC60C"))).as_deref(),
            Some("5b8efff798038103d269b633813fc60c")
        );
        assert_eq!(
            id_text(Some(&json!("W47/95gDgQPSabYzgT/GDA=="))).as_deref(),
            Some("5b8efff798038103d269b633813fc60c")
        );
        assert_eq!(id_text(Some(&json!("0000000000000000"))), None);
    }
}

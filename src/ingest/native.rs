//! tackroom's own trace format (see `docs/trace-format.md`).

use super::location::RecordError;
use crate::model::{validate, Trace};

/// Parses and validates one native trace record.
pub fn parse_trace(record: &[u8]) -> Result<Trace, RecordError> {
    let mut de = serde_json::Deserializer::from_slice(record);
    let mut trace: Trace =
        serde_path_to_error::deserialize(&mut de).map_err(RecordError::from_json)?;
    de.end().map_err(|e| RecordError {
        line: e.line().max(1),
        column: e.column().max(1),
        field: String::new(),
        message: "unexpected data after the trace object".into(),
    })?;
    validate::validate_trace(&trace).map_err(|v| RecordError::new(v.path, v.message))?;
    validate::sort_steps(&mut trace);
    Ok(trace)
}

/// The `id` of a native trace record, read without building the trace
/// (other fields are skimmed, not kept); `None` if it has no string id.
pub fn peek_id(record: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct IdOnly<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
    }
    serde_json::from_slice::<IdOnly>(record)
        .ok()
        .map(|r| r.id.into_owned())
}

/// Whether a parsed JSON object looks like a native trace; `Err` says why not.
pub fn sniff(value: &serde_json::Value) -> Result<(), String> {
    let obj = value.as_object().ok_or("not a JSON object")?;
    for field in ["id", "agent", "steps"] {
        if !obj.contains_key(field) {
            return Err(format!("no `{field}` field"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::peek_id;

    #[test]
    fn peek_id_reads_the_id_wherever_it_is_and_only_a_string_id() {
        let record =
            br#"{"agent": "a", "steps": [{"id": "s0", "x": [1, {"y": null}]}], "id": "t\"1"}"#;
        assert_eq!(peek_id(record).as_deref(), Some("t\"1"));
        assert_eq!(peek_id(br#"{"id": 7, "agent": "a"}"#), None);
        assert_eq!(peek_id(br#"{"agent": "a"}"#), None);
        assert_eq!(peek_id(b"{\"id\": \"t1\", "), None, "truncated");
    }
}

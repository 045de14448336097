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

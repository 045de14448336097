//! Picks the format of a file from its first record. Every format says why
//! a record is not one of its own, so an unknown file gets a useful error.

use serde_json::Value;

use super::native;

/// A trace format tackroom can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Native,
}

impl Format {
    pub const ALL: [Format; 1] = [Format::Native];

    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "tackroom",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == text)
    }

    fn sniff(self, value: &Value) -> Result<(), String> {
        match self {
            Format::Native => native::sniff(value),
        }
    }
}

/// What a file holds, as far as import is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    Traces(Format),
    /// Files that live beside traces but are not traces: skipped, not rejected.
    Companion(&'static str),
    /// No format fits; one reason per format tried.
    Unknown(Vec<String>),
}

/// Classifies a file by its first record.
pub fn classify(first: &Value) -> FileKind {
    let mut reasons = Vec::new();
    for format in Format::ALL {
        match format.sniff(first) {
            Ok(()) => return FileKind::Traces(format),
            Err(why) => reasons.push(format!("{}: {why}", format.name())),
        }
    }
    if let Some(kind) = companion_kind(first) {
        return FileKind::Companion(kind);
    }
    FileKind::Unknown(reasons)
}

fn companion_kind(value: &Value) -> Option<&'static str> {
    let obj = value.as_object()?;
    if obj.contains_key("grader") && obj.contains_key("split") {
        Some("task set")
    } else if obj.contains_key("trace_id") && obj.contains_key("root_cause_step_id") {
        Some("attribution labels")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn native_trace_is_recognised() {
        let v = json!({"id": "t", "agent": "a", "steps": []});
        assert_eq!(classify(&v), FileKind::Traces(Format::Native));
    }

    #[test]
    fn unknown_shape_lists_each_format_tried() {
        let FileKind::Unknown(reasons) = classify(&json!({"hello": 1})) else {
            panic!("expected unknown");
        };
        assert_eq!(reasons, vec!["tackroom: no `id` field".to_owned()]);
    }

    #[test]
    fn task_set_is_a_companion() {
        let v = json!({"id": "x", "split": "train", "grader": {"kind": "exact"}, "input": 1});
        assert_eq!(classify(&v), FileKind::Companion("task set"));
    }
}

//! Picks the format of a file from its content: binary bodies by their
//! first bytes, JSON by its first record. Every format says why a record is
//! not one of its own, so an unknown file gets a useful error.

use serde_json::Value;

use super::chat::{self, ChatFields};
use super::spans::otlp_json;
use super::{langfuse, native, openai_agents, runs};

/// A trace format tackroom can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Native,
    OtlpTraces,
    OtlpLogs,
    OtlpProtobuf,
    OpenAiAgents,
    LangSmithRuns,
    LangSmithBatch,
    LangSmithMultipart,
    LangfuseScores,
    LangfuseExport,
    Chat,
}

impl Format {
    /// JSON formats in the order they are tried (the loosest last).
    pub const JSON: [Format; 9] = [
        Format::Native,
        Format::OtlpTraces,
        Format::OtlpLogs,
        Format::OpenAiAgents,
        Format::LangSmithBatch,
        Format::LangSmithRuns,
        Format::LangfuseScores,
        Format::LangfuseExport,
        Format::Chat,
    ];

    pub const ALL: [Format; 11] = [
        Format::Native,
        Format::OtlpTraces,
        Format::OtlpLogs,
        Format::OtlpProtobuf,
        Format::OpenAiAgents,
        Format::LangSmithRuns,
        Format::LangSmithBatch,
        Format::LangSmithMultipart,
        Format::LangfuseScores,
        Format::LangfuseExport,
        Format::Chat,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "tackroom",
            Format::OtlpTraces => "otlp",
            Format::OtlpLogs => "otlp-logs",
            Format::OtlpProtobuf => "otlp-protobuf",
            Format::OpenAiAgents => "openai-agents",
            Format::LangSmithRuns => "langsmith",
            Format::LangSmithBatch => "langsmith-batch",
            Format::LangSmithMultipart => "langsmith-multipart",
            Format::LangfuseScores => "langfuse-scores",
            Format::LangfuseExport => "langfuse-export",
            Format::Chat => "chat",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == text)
    }

    pub fn is_binary(self) -> bool {
        matches!(self, Format::OtlpProtobuf | Format::LangSmithMultipart)
    }

    fn sniff(self, value: &Value, chat: &ChatFields) -> Result<(), String> {
        match self {
            Format::Native => native::sniff(value),
            Format::OtlpTraces => otlp_json::sniff_traces(value),
            Format::OtlpLogs => otlp_json::sniff_logs(value),
            Format::OpenAiAgents => openai_agents::sniff(value),
            Format::LangSmithRuns => runs::sniff_run(value),
            Format::LangSmithBatch => runs::sniff_batch(value),
            Format::LangfuseScores => langfuse::sniff_scores(value),
            Format::LangfuseExport => langfuse::sniff_export(value),
            Format::Chat => chat::sniff(value, chat),
            Format::OtlpProtobuf | Format::LangSmithMultipart => Err("binary format".into()),
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

/// Classifies a JSON file by its first record.
pub fn classify(first: &Value, chat: &ChatFields) -> FileKind {
    if let Some(kind) = companion_kind(first) {
        return FileKind::Companion(kind);
    }
    let mut reasons = Vec::new();
    for format in Format::JSON {
        match format.sniff(first, chat) {
            Ok(()) => return FileKind::Traces(format),
            Err(why) => reasons.push(format!("{}: {why}", format.name())),
        }
    }
    FileKind::Unknown(reasons)
}

/// Binary bodies, recognised by their first bytes.
pub fn classify_bytes(head: &[u8], file_name: &str) -> Option<Format> {
    if head.starts_with(b"--")
        && head
            .windows(19)
            .any(|w| w.eq_ignore_ascii_case(b"content-disposition"))
    {
        return Some(Format::LangSmithMultipart);
    }
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let looks_binary =
        std::str::from_utf8(head).is_err() || head.first().is_some_and(|b| *b == 0x0a);
    if gzip
        || (looks_binary && !head.starts_with(b"{") && !head.starts_with(b"["))
        || file_name.ends_with(".pb")
    {
        return Some(Format::OtlpProtobuf);
    }
    None
}

fn companion_kind(value: &Value) -> Option<&'static str> {
    let obj = value.as_object()?;
    if obj.contains_key("grader") && obj.contains_key("split") {
        Some("task set")
    } else if obj.contains_key("trace_id") && obj.contains_key("root_cause_step_id") {
        Some("attribution labels")
    } else if obj.contains_key("content_type") && obj.contains_key("path") && obj.len() <= 4 {
        Some("captured request metadata")
    } else if obj.contains_key("runs") && obj.contains_key("source") {
        Some("fixture manifest")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classify(v: &Value) -> FileKind {
        super::classify(
            v,
            &ChatFields {
                success_threshold: 0.5,
                ..Default::default()
            },
        )
    }

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
        assert_eq!(reasons.len(), Format::JSON.len());
        assert_eq!(reasons[0], "tackroom: no `id` field");
        assert!(reasons
            .iter()
            .any(|r| r.starts_with("otlp: no `resourceSpans` array")));
    }

    #[test]
    fn task_set_is_a_companion() {
        let v = json!({"id": "x", "split": "train", "grader": {"kind": "exact"}, "input": 1});
        assert_eq!(classify(&v), FileKind::Companion("task set"));
    }

    #[test]
    fn binary_bodies_are_told_apart() {
        assert_eq!(
            classify_bytes(b"--abc\r\nContent-Disposition: form-data", "x"),
            Some(Format::LangSmithMultipart)
        );
        assert_eq!(
            classify_bytes(&[0x1f, 0x8b, 8, 0], "body"),
            Some(Format::OtlpProtobuf)
        );
        assert_eq!(classify_bytes(b"{\"a\": 1}", "x.json"), None);
    }
}

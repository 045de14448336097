//! The text of the step detail pane, built once per selected step: field
//! sections (error, messages, arguments, result, attributes) as tokenised
//! lines. Long fields are cut with a marker so the UI never stalls.

use serde_json::Value;

use crate::model::units::{duration_text, thousands};
use crate::model::{Step, StepKind};
use crate::tui::widgets::highlight::{highlight_json, StyledLine, Token};

/// Characters of one field shown at most; the copy keeps everything.
const MAX_FIELD_CHARS: usize = 200_000;
const MAX_FIELD_LINES: usize = 5_000;

/// One copyable field of the detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    pub first_line: usize,
    /// The whole field, untruncated, for the clipboard.
    pub copy_text: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DetailContent {
    pub lines: Vec<StyledLine>,
    pub sections: Vec<Section>,
}

impl DetailContent {
    fn section(&mut self, title: &str, copy_text: String, lines: Vec<StyledLine>) {
        if !self.lines.is_empty() {
            self.lines.push(StyledLine::default());
        }
        self.sections.push(Section {
            title: title.to_owned(),
            first_line: self.lines.len(),
            copy_text,
        });
        self.lines
            .push(StyledLine::plain(Token::Heading, format!("── {title} ")));
        self.lines.extend(lines);
    }
}

/// Builds the detail of one step.
pub fn build_detail(step: &Step) -> DetailContent {
    let mut content = DetailContent::default();
    let facts = step_facts(step);
    let copy = facts
        .iter()
        .map(|l| l.text())
        .collect::<Vec<_>>()
        .join("\n");
    content.section("Step", copy, facts);
    if let Some(error) = &step.error {
        let text = format!("{}: {}", error.error_type, error.message);
        content.section("Error", text.clone(), wrap_text(Token::Error, &text));
    }
    let (input_title, output_title) = match step.kind {
        StepKind::LlmCall => ("Messages", "Response"),
        StepKind::ToolCall => ("Arguments", "Result"),
        _ => ("Input", "Output"),
    };
    if !step.input.is_null() {
        let lines = if step.kind == StepKind::LlmCall {
            messages_lines(&step.input)
        } else {
            None
        };
        let lines = lines.unwrap_or_else(|| value_lines(&step.input));
        content.section(input_title, value_copy(&step.input), lines);
    }
    if !step.output.is_null() {
        content.section(
            output_title,
            value_copy(&step.output),
            value_lines(&step.output),
        );
    }
    if !step.attributes.is_empty() {
        let value = Value::Object(step.attributes.clone());
        content.section("Attributes", value_copy(&value), value_lines(&value));
    }
    content
}

fn fact(label: &str, value: String) -> StyledLine {
    StyledLine {
        segments: vec![
            (Token::Label, format!("{label:<10}")),
            (Token::Plain, value),
        ],
    }
}

fn step_facts(step: &Step) -> Vec<StyledLine> {
    let mut lines = vec![
        fact("kind", kind_name(step.kind)),
        fact("name", step.name.clone()),
        fact("id", step.id.clone()),
    ];
    if let Some(source) = &step.source_id {
        lines.push(fact("source id", source.clone()));
    }
    if let Some(parent) = &step.parent_id {
        lines.push(fact("parent", parent.clone()));
    }
    if let Some(model) = &step.model {
        lines.push(fact("model", model.clone()));
    }
    lines.push(fact(
        "status",
        if step.is_error() {
            "error".into()
        } else {
            "ok".into()
        },
    ));
    if let Some(start) = step.started_at {
        lines.push(fact(
            "started",
            start.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        ));
    }
    lines.push(fact("duration", duration_text(step.duration_ms())));
    if let Some(t) = step.tokens {
        lines.push(fact(
            "tokens",
            format!("{} in · {} out", thousands(t.input), thousands(t.output)),
        ));
    }
    if let Some(cost) = step.cost_usd {
        lines.push(fact("cost", format!("${cost:.6}")));
    }
    lines
}

/// Strings are shown as readable text; everything else as highlighted JSON.
fn value_lines(value: &Value) -> Vec<StyledLine> {
    match value {
        Value::String(s) => {
            if let Ok(inner) = serde_json::from_str::<Value>(s) {
                if inner.is_object() || inner.is_array() {
                    return value_lines(&inner);
                }
            }
            wrap_text(Token::Plain, s)
        }
        other => {
            let pretty = serde_json::to_string_pretty(other).unwrap_or_default();
            let (text, cut) = cut(&pretty);
            let mut lines = highlight_json(text, MAX_FIELD_LINES);
            if cut || pretty.lines().count() > MAX_FIELD_LINES {
                lines.push(cut_marker(pretty.len()));
            }
            lines
        }
    }
}

/// Chat messages as `[role]` headings with their text, tool calls as JSON.
fn messages_lines(input: &Value) -> Option<Vec<StyledLine>> {
    let messages = input.get("messages")?.as_array()?;
    let mut lines = Vec::new();
    for message in messages {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("?");
        lines.push(StyledLine::plain(Token::Label, format!("[{role}]")));
        match message.get("content") {
            Some(Value::String(text)) => lines.extend(wrap_text(Token::Plain, text)),
            Some(Value::Null) | None => {}
            Some(other) => lines.extend(value_lines(other)),
        }
        if let Some(calls) = message.get("tool_calls") {
            lines.extend(value_lines(calls));
        }
    }
    Some(lines)
}

fn wrap_text(token: Token, text: &str) -> Vec<StyledLine> {
    let (shown, cut_off) = cut(text);
    let mut lines: Vec<StyledLine> = shown
        .lines()
        .take(MAX_FIELD_LINES)
        .map(|l| StyledLine::plain(token, l))
        .collect();
    if cut_off {
        lines.push(cut_marker(text.len()));
    }
    lines
}

fn cut(text: &str) -> (&str, bool) {
    match text.char_indices().nth(MAX_FIELD_CHARS) {
        Some((byte, _)) => (&text[..byte], true),
        None => (text, false),
    }
}

fn cut_marker(total_bytes: usize) -> StyledLine {
    StyledLine::plain(
        Token::Muted,
        format!(
            "… field cut for display ({} bytes in all; y copies all of it)",
            thousands(total_bytes as u64)
        ),
    )
}

fn value_copy(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

/// The kind as the trace format spells it (`tool_call`).
fn kind_name(kind: StepKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

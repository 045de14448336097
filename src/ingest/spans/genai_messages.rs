//! Chat messages of an LLM span, rebuilt from whichever generation of the
//! conventions the instrumentation wrote, into OpenAI-style messages:
//! - GenAI current: `gen_ai.system_instructions`, `gen_ai.input.messages`,
//!   `gen_ai.output.messages` (JSON with typed `parts`);
//! - GenAI events: `gen_ai.{system,user,assistant,tool}.message` and
//!   `gen_ai.choice`, as span events or log records;
//! - GenAI oldest: `gen_ai.content.prompt` / `gen_ai.content.completion`;
//! - OpenInference: flattened `llm.input_messages.N.message.*`.

use serde_json::{json, Map, Value};

use super::SpanEvent;

/// Parses a JSON-in-a-string attribute, else keeps the value.
pub fn parse_json_text(value: &Value) -> Value {
    match value {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| value.clone()),
        other => other.clone(),
    }
}

/// Input messages and the first output message, if any convention has them.
pub fn genai_messages(
    attributes: &Map<String, Value>,
    events: &[SpanEvent],
) -> (Vec<Value>, Option<Value>) {
    let mut input = Vec::new();
    if let Some(system) = attributes.get("gen_ai.system_instructions") {
        input.push(json!({"role": "system", "content": parts_text(&parse_json_text(system))}));
    }
    if let Some(messages) = attributes.get("gen_ai.input.messages").map(parse_json_text) {
        input.extend(messages.as_array().into_iter().flatten().map(from_parts));
    }
    let mut output = attributes
        .get("gen_ai.output.messages")
        .map(parse_json_text)
        .and_then(|v| v.as_array().and_then(|a| a.first().cloned()))
        .map(|m| from_parts(&m));
    for event in events {
        let fields = event_fields(event);
        match event.name.as_str() {
            "gen_ai.system.message"
            | "gen_ai.user.message"
            | "gen_ai.assistant.message"
            | "gen_ai.tool.message" => {
                let role = event
                    .name
                    .trim_start_matches("gen_ai.")
                    .trim_end_matches(".message");
                let mut message =
                    json!({"role": fields.get("role").cloned().unwrap_or(json!(role))});
                for key in ["content", "tool_calls", "id"] {
                    if let Some(v) = fields.get(key) {
                        message[if key == "id" { "tool_call_id" } else { key }] = v.clone();
                    }
                }
                input.push(message);
            }
            "gen_ai.choice" if output.is_none() => {
                output = fields.get("message").cloned().map(|mut m| {
                    if m.get("role").is_none() {
                        m["role"] = json!("assistant");
                    }
                    m
                });
            }
            "gen_ai.content.prompt" => {
                if let Some(prompt) = fields.get("gen_ai.prompt") {
                    match parse_json_text(prompt) {
                        Value::Array(messages) => input.extend(messages),
                        other => input.push(json!({"role": "user", "content": other})),
                    }
                }
            }
            "gen_ai.content.completion" if output.is_none() => {
                if let Some(completion) = fields.get("gen_ai.completion") {
                    output = Some(match parse_json_text(completion) {
                        Value::Array(mut messages) if !messages.is_empty() => messages.remove(0),
                        other => json!({"role": "assistant", "content": other}),
                    });
                }
            }
            _ => {}
        }
    }
    (input, output)
}

/// An event's fields: its log body (an object) merged over its attributes.
fn event_fields(event: &SpanEvent) -> Map<String, Value> {
    let mut fields = event.attributes.clone();
    if let Value::Object(body) = &event.body {
        fields.extend(body.clone());
    }
    fields
}

/// A message with typed `parts` → an OpenAI-style message.
fn from_parts(message: &Value) -> Value {
    let role = message.get("role").cloned().unwrap_or(json!("user"));
    let Some(parts) = message.get("parts").and_then(Value::as_array) else {
        return message.clone();
    };
    let mut out = json!({"role": role, "content": parts_text(&Value::Array(parts.clone()))});
    let calls: Vec<Value> = parts
        .iter()
        .filter(|p| p.get("type").and_then(Value::as_str) == Some("tool_call"))
        .map(|p| json!({"id": p.get("id"), "type": "function", "function": {"name": p.get("name"), "arguments": p.get("arguments")}}))
        .collect();
    if !calls.is_empty() {
        out["tool_calls"] = Value::Array(calls);
    }
    if let Some(response) = parts
        .iter()
        .find(|p| p.get("type").and_then(Value::as_str) == Some("tool_call_response"))
    {
        out["tool_call_id"] = response.get("id").cloned().unwrap_or(Value::Null);
        out["content"] = response.get("response").cloned().unwrap_or(Value::Null);
    }
    out
}

/// The text of `[{type: "text", content}]` parts (or a plain string).
fn parts_text(parts: &Value) -> Value {
    match parts {
        Value::Array(list) => {
            let texts: Vec<&str> = list
                .iter()
                .filter(|p| {
                    p.get("type")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t == "text")
                })
                .filter_map(|p| p.get("content").and_then(Value::as_str))
                .collect();
            if texts.is_empty() {
                Value::Null
            } else {
                json!(texts.join("\n"))
            }
        }
        other => other.clone(),
    }
}

/// OpenInference `llm.{input,output}_messages.N.message.*` → messages.
pub fn openinference_messages(attributes: &Map<String, Value>, prefix: &str) -> Vec<Value> {
    let mut messages: Vec<Value> = Vec::new();
    for (key, value) in attributes {
        let Some(rest) = key.strip_prefix(prefix) else {
            continue;
        };
        let Some((index, field)) = rest.split_once(".message.") else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        if messages.len() <= index {
            messages.resize(index + 1, json!({}));
        }
        let message = &mut messages[index];
        match field.split_once(".tool_call.") {
            Some((calls, call_field)) => {
                let Some(call_index) = calls
                    .strip_prefix("tool_calls.")
                    .and_then(|i| i.parse::<usize>().ok())
                else {
                    continue;
                };
                if !message["tool_calls"].is_array() {
                    message["tool_calls"] = json!([]);
                }
                let calls = message["tool_calls"]
                    .as_array_mut()
                    .expect("set to an array above");
                if calls.len() <= call_index {
                    calls.resize(call_index + 1, json!({"type": "function", "function": {}}));
                }
                match call_field {
                    "id" => calls[call_index]["id"] = value.clone(),
                    "function.name" => calls[call_index]["function"]["name"] = value.clone(),
                    "function.arguments" => {
                        calls[call_index]["function"]["arguments"] = value.clone()
                    }
                    other => calls[call_index][other] = value.clone(),
                }
            }
            None => message[field] = value.clone(),
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_convention_parts_become_messages_with_tool_calls() {
        let mut attrs = Map::new();
        attrs.insert(
            "gen_ai.system_instructions".into(),
            json!("[{\"type\":\"text\",\"content\":\"Be kind\"}]"),
        );
        attrs.insert(
            "gen_ai.input.messages".into(),
            json!("[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}]}]"),
        );
        attrs.insert(
            "gen_ai.output.messages".into(),
            json!("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"c1\",\"name\":\"lookup\",\"arguments\":{\"x\":1}}]}]"),
        );
        let (input, output) = genai_messages(&attrs, &[]);
        assert_eq!(input[0], json!({"role": "system", "content": "Be kind"}));
        assert_eq!(input[1]["content"], "hi");
        assert_eq!(
            output.unwrap()["tool_calls"][0]["function"]["name"],
            "lookup"
        );
    }

    #[test]
    fn oldest_prompt_and_completion_events_are_read() {
        let event = |name: &str, key: &str, value: Value| SpanEvent {
            name: name.into(),
            time: None,
            attributes: Map::from_iter([(key.to_owned(), value)]),
            body: Value::Null,
        };
        let events = [
            event(
                "gen_ai.content.prompt",
                "gen_ai.prompt",
                json!("[{\"role\":\"user\",\"content\":\"q\"}]"),
            ),
            event(
                "gen_ai.content.completion",
                "gen_ai.completion",
                json!("[{\"role\":\"assistant\",\"content\":\"a\"}]"),
            ),
        ];
        let (input, output) = genai_messages(&Map::new(), &events);
        assert_eq!(input, vec![json!({"role": "user", "content": "q"})]);
        assert_eq!(output.unwrap()["content"], "a");
    }

    #[test]
    fn openinference_flattened_messages_are_rebuilt() {
        let attrs: Map<String, Value> = [
            ("llm.output_messages.0.message.role", json!("assistant")),
            (
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.name",
                json!("lookup"),
            ),
            (
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
                json!("{}"),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let messages = openinference_messages(&attrs, "llm.output_messages.");
        assert_eq!(messages[0]["tool_calls"][0]["function"]["name"], "lookup");
    }
}

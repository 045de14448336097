//! Anthropic Messages (`POST {base}/v1/messages`).

use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{json, Value};

use super::http::{client, json_body, send_checked, transport_error};
use super::sse::SseEvents;
use super::{
    ChatRequest, ChatResponse, DeltaSink, LlmError, Provider, Role, StreamedAnswer, Usage,
};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
const NAME: &str = "anthropic";
const API_VERSION: &str = "2023-06-01";

pub struct AnthropicClient {
    base_url: String,
    api_key: String,
    timeout: Duration,
    http: reqwest::Client,
}

impl std::fmt::Debug for AnthropicClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicClient")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl AnthropicClient {
    pub fn new(base_url: &str, api_key: String, timeout: Duration) -> Self {
        AnthropicClient {
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            timeout,
            http: client(timeout),
        }
    }

    /// System messages go in the top-level `system` field.
    fn body(request: &ChatRequest) -> Value {
        let mut system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        if request.json_output {
            system.push("Answer with a single JSON object and nothing else.");
        }
        let messages: Vec<Value> = request
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .map(|m| json!({ "role": m.role, "content": m.content }))
            .collect();
        let mut body = json!({
            "model": request.model,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "messages": messages,
        });
        if !system.is_empty() {
            body["system"] = json!(system.join("\n\n"));
        }
        if request.stream {
            body["stream"] = json!(true);
        }
        body
    }

    async fn send(
        &self,
        request: &ChatRequest,
        on_delta: Option<DeltaSink<'_>>,
    ) -> Result<ChatResponse, LlmError> {
        let url = format!("{}/v1/messages", self.base_url);
        let builder = self
            .http
            .post(&url)
            .header("x-api-key", &self.api_key)
            .header("anthropic-version", API_VERSION)
            .json(&Self::body(request));
        let response = send_checked(NAME, &url, self.timeout, builder).await?;
        if request.stream {
            return self.read_stream(request, response, on_delta, &url).await;
        }
        let body = json_body(NAME, &url, self.timeout, response).await?;
        let content: String = body["content"]
            .as_array()
            .ok_or_else(|| malformed("no content array in the response"))?
            .iter()
            .filter_map(|block| block["text"].as_str())
            .collect();
        let usage = Usage {
            input_tokens: body["usage"]["input_tokens"].as_u64().unwrap_or(0),
            output_tokens: body["usage"]["output_tokens"].as_u64().unwrap_or(0),
        };
        let model = body["model"].as_str().unwrap_or(&request.model).to_owned();
        Ok(ChatResponse::priced(NAME, content, model, usage))
    }

    async fn read_stream(
        &self,
        request: &ChatRequest,
        response: reqwest::Response,
        on_delta: Option<DeltaSink<'_>>,
        url: &str,
    ) -> Result<ChatResponse, LlmError> {
        let mut events = SseEvents::new(response);
        let mut answer = StreamedAnswer::new(request, on_delta);
        while let Some(event) = events
            .next()
            .await
            .map_err(|e| transport_error(NAME, url, self.timeout, e))?
        {
            let data: Value = serde_json::from_str(&event.data)
                .map_err(|e| malformed(format!("bad stream event: {e}")))?;
            match data["type"].as_str().unwrap_or_default() {
                "message_start" => {
                    answer.usage.input_tokens = data["message"]["usage"]["input_tokens"]
                        .as_u64()
                        .unwrap_or(0);
                    if let Some(m) = data["message"]["model"].as_str() {
                        answer.model = m.to_owned();
                    }
                }
                "content_block_delta" => {
                    if let Some(text) = data["delta"]["text"].as_str() {
                        answer.push_text(text);
                    }
                }
                "message_delta" => {
                    answer.usage.output_tokens = data["usage"]["output_tokens"]
                        .as_u64()
                        .unwrap_or(answer.usage.output_tokens)
                }
                "message_stop" => return Ok(answer.finish(NAME)),
                "error" => {
                    let message = data["error"]["message"]
                        .as_str()
                        .unwrap_or("error event")
                        .to_owned();
                    let overloaded = data["error"]["type"].as_str() == Some("overloaded_error");
                    let status = if overloaded { 529 } else { 500 };
                    return Err(LlmError::Http {
                        provider: NAME.into(),
                        status,
                        message,
                        retry_after: None,
                    });
                }
                _ => {}
            }
        }
        Err(malformed("the stream ended before message_stop"))
    }
}

fn malformed(message: impl Into<String>) -> LlmError {
    LlmError::Malformed {
        provider: NAME.into(),
        message: message.into(),
    }
}

impl Provider for AnthropicClient {
    fn name(&self) -> &str {
        NAME
    }

    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_delta: Option<DeltaSink<'a>>,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(self.send(request, on_delta))
    }
}

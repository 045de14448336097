//! OpenAI-compatible chat completions (`POST {base}/chat/completions`):
//! OpenAI, vLLM, Ollama, llama.cpp server, LiteLLM.

use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{json, Value};

use super::http::{client, json_body, send_checked, transport_error};
use super::sse::SseEvents;
use super::{ChatRequest, ChatResponse, DeltaSink, LlmError, Provider, StreamedAnswer, Usage};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const NAME: &str = "openai";

pub struct OpenAiClient {
    base_url: String,
    /// Read from the environment at construction; never printed.
    api_key: Option<String>,
    timeout: Duration,
    http: reqwest::Client,
}

impl std::fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl OpenAiClient {
    /// `api_key` may be absent for local servers that need none.
    pub fn new(base_url: &str, api_key: Option<String>, timeout: Duration) -> Self {
        OpenAiClient {
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            timeout,
            http: client(timeout),
        }
    }

    fn body(request: &ChatRequest) -> Value {
        let mut body = json!({
            "model": request.model,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        });
        if request.json_output {
            body["response_format"] = json!({ "type": "json_object" });
        }
        if request.stream {
            body["stream"] = json!(true);
            body["stream_options"] = json!({ "include_usage": true });
        }
        body
    }

    async fn send(
        &self,
        request: &ChatRequest,
        on_delta: Option<DeltaSink<'_>>,
    ) -> Result<ChatResponse, LlmError> {
        let url = format!("{}/chat/completions", self.base_url);
        let mut builder = self.http.post(&url).json(&Self::body(request));
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key);
        }
        let response = send_checked(NAME, &url, self.timeout, builder).await?;
        if request.stream {
            return self.read_stream(request, response, on_delta, &url).await;
        }
        let body = json_body(NAME, &url, self.timeout, response).await?;
        let content = body["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| malformed("no choices[0].message.content in the response"))?
            .to_owned();
        let usage = usage_of(&body);
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
            if event.data == "[DONE]" {
                return Ok(answer.finish(NAME));
            }
            let data: Value = serde_json::from_str(&event.data)
                .map_err(|e| malformed(format!("bad stream chunk: {e}")))?;
            if let Some(error) = data.get("error") {
                return Err(malformed(format!("error in stream: {error}")));
            }
            if let Some(text) = data["choices"][0]["delta"]["content"].as_str() {
                answer.push_text(text);
            }
            if data.get("usage").is_some_and(|u| !u.is_null()) {
                answer.usage = usage_of(&data);
            }
            if let Some(m) = data["model"].as_str() {
                answer.model = m.to_owned();
            }
        }
        Err(malformed("the stream ended before [DONE]"))
    }
}

fn usage_of(body: &Value) -> Usage {
    Usage {
        input_tokens: body["usage"]["prompt_tokens"].as_u64().unwrap_or(0),
        output_tokens: body["usage"]["completion_tokens"].as_u64().unwrap_or(0),
    }
}

fn malformed(message: impl Into<String>) -> LlmError {
    LlmError::Malformed {
        provider: NAME.into(),
        message: message.into(),
    }
}

impl Provider for OpenAiClient {
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

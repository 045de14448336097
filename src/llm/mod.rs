//! The provider layer: OpenAI-compatible chat completions, Anthropic
//! Messages and a deterministic simulated provider, behind one trait, with
//! retries that honour `Retry-After`, timeouts, streaming, and token and
//! cost accounting. API keys come from environment variables and are never
//! stored or logged.

pub mod anthropic;
pub mod attribution;
pub mod config;
mod http;
pub mod openai;
pub mod pricing;
pub mod retry;
pub mod sim;
mod sse;

use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn system(text: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::System,
            content: text.into(),
        }
    }
    pub fn user(text: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::User,
            content: text.into(),
        }
    }
    pub fn assistant(text: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::Assistant,
            content: text.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Ask for a JSON object (OpenAI `response_format`; a system hint elsewhere).
    pub json_output: bool,
    /// Stream the answer, calling the delta callback as text arrives.
    pub stream: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatResponse {
    pub content: String,
    pub model: String,
    pub usage: Usage,
    pub cost_usd: Option<f64>,
    /// `openai`, `anthropic` or `sim (simulated)`.
    pub provider: String,
}

/// A streamed answer as it accumulates: text passed on to the caller's
/// sink as it comes, and the usage and model the stream reports.
pub struct StreamedAnswer<'a> {
    content: String,
    pub usage: Usage,
    pub model: String,
    on_delta: Option<DeltaSink<'a>>,
}

impl<'a> StreamedAnswer<'a> {
    pub fn new(request: &ChatRequest, on_delta: Option<DeltaSink<'a>>) -> Self {
        StreamedAnswer {
            content: String::new(),
            usage: Usage::default(),
            model: request.model.clone(),
            on_delta,
        }
    }

    pub fn push_text(&mut self, text: &str) {
        self.content.push_str(text);
        if let Some(sink) = self.on_delta {
            sink(text);
        }
    }

    pub fn finish(self, provider: &str) -> ChatResponse {
        ChatResponse::priced(provider, self.content, self.model, self.usage)
    }
}

impl ChatResponse {
    /// An answer priced from the model's list price (see `pricing`).
    pub fn priced(provider: &str, content: String, model: String, usage: Usage) -> Self {
        ChatResponse {
            cost_usd: pricing::cost_usd(&model, usage),
            content,
            model,
            usage,
            provider: provider.into(),
        }
    }
}

#[derive(Debug, Error)]
pub enum LlmError {
    #[error("{provider}: rate limited (HTTP 429){}", retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        provider: String,
        retry_after: Option<Duration>,
    },
    #[error("{provider}: no answer within {} s", timeout.as_secs_f64())]
    Timeout { provider: String, timeout: Duration },
    #[error("{provider}: HTTP {status}: {message}")]
    Http {
        provider: String,
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("{provider}: cannot reach {url}: {message}")]
    Connect {
        provider: String,
        url: String,
        message: String,
    },
    #[error("{provider}: unexpected response: {message}")]
    Malformed { provider: String, message: String },
    #[error("no API key: set the environment variable {variable}")]
    MissingKey { variable: String },
}

impl LlmError {
    /// Worth retrying: rate limits, overload, server errors, timeouts.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::RateLimited { .. } | LlmError::Timeout { .. } | LlmError::Connect { .. } => {
                true
            }
            LlmError::Http { status, .. } => *status >= 500 || *status == 408 || *status == 409,
            LlmError::Malformed { .. } | LlmError::MissingKey { .. } => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            LlmError::RateLimited { retry_after, .. } | LlmError::Http { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

/// Called with each piece of streamed text.
pub type DeltaSink<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// A chat model behind an API (or the simulator).
pub trait Provider: Send + Sync {
    /// A name for messages and the `engine` field: `openai`, `anthropic`, `sim`.
    fn name(&self) -> &str;
    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_delta: Option<DeltaSink<'a>>,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>>;
}

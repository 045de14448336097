//! A loopback HTTP server that answers like an LLM API, from a script of
//! replies, and records every request it gets.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

#[derive(Clone)]
pub enum Reply {
    Json {
        status: u16,
        body: Value,
        headers: Vec<(&'static str, String)>,
    },
    /// A `text/event-stream` body, sent as given.
    Sse(String),
    /// Waits before replying (to trip client timeouts).
    Delay(Duration, Box<Reply>),
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
pub struct Script {
    replies: Mutex<VecDeque<Reply>>,
    pub requests: Mutex<Vec<Recorded>>,
}

impl Script {
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

pub async fn start(replies: Vec<Reply>) -> (String, Arc<Script>) {
    let script = Arc::new(Script {
        replies: Mutex::new(replies.into()),
        requests: Mutex::default(),
    });
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), script)
}

async fn handle(
    State(script): State<Arc<Script>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    script.requests.lock().unwrap().push(Recorded {
        path: uri.path().to_owned(),
        headers,
        body,
    });
    let reply = script.replies.lock().unwrap().pop_front();
    let mut reply = reply.unwrap_or(Reply::Json {
        status: 500,
        body: json!({"error": {"message": "script exhausted"}}),
        headers: vec![],
    });
    loop {
        match reply {
            Reply::Delay(wait, inner) => {
                tokio::time::sleep(wait).await;
                reply = *inner;
            }
            Reply::Json {
                status,
                body,
                headers,
            } => {
                let mut response = Response::builder()
                    .status(StatusCode::from_u16(status).unwrap())
                    .header("content-type", "application/json");
                for (name, value) in headers {
                    response = response.header(name, value);
                }
                return response.body(Body::from(body.to_string())).unwrap();
            }
            Reply::Sse(text) => {
                return Response::builder()
                    .header("content-type", "text/event-stream")
                    .body(Body::from(text))
                    .unwrap();
            }
        }
    }
}

/// A chat-completions answer with `content`.
pub fn openai_answer(content: &str) -> Reply {
    Reply::Json {
        status: 200,
        body: json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050}
        }),
        headers: vec![],
    }
}

pub fn error(status: u16, message: &str, headers: Vec<(&'static str, String)>) -> Reply {
    Reply::Json {
        status,
        body: json!({"error": {"message": message, "type": "invalid_request_error"}}),
        headers,
    }
}

/// A chat-completions stream of `pieces`, then usage, then `[DONE]`.
pub fn openai_stream(pieces: &[&str]) -> Reply {
    let mut text = String::new();
    for piece in pieces {
        let chunk = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]});
        text.push_str(&format!("data: {chunk}\n\n"));
    }
    let usage = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini", "choices": [],
        "usage": {"prompt_tokens": 12, "completion_tokens": pieces.len()}});
    text.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
    Reply::Sse(text)
}

pub fn anthropic_answer(content: &str) -> Reply {
    Reply::Json {
        status: 200,
        body: json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
            "content": [{"type": "text", "text": content}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 200, "output_tokens": 30}
        }),
        headers: vec![],
    }
}

pub fn anthropic_stream(pieces: &[&str]) -> Reply {
    let mut text = String::new();
    let mut event =
        |name: &str, data: Value| text.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    event(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
        "model": "claude-3-5-haiku-20241022", "content": [], "usage": {"input_tokens": 25, "output_tokens": 1}}}),
    );
    event(
        "content_block_start",
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    );
    for piece in pieces {
        event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}),
        );
    }
    event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    );
    event(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 15}}),
    );
    event("message_stop", json!({"type": "message_stop"}));
    Reply::Sse(text)
}

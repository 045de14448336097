//! The HTTP endpoints: OTLP (`/v1/traces`, `/v1/logs`), Langfuse
//! (`/api/public/otel/v1/traces`, `/api/public/scores`), LangSmith
//! (`/info`, `/runs/multipart`, `/runs/batch`, `/runs`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{Collector, Piece};
use crate::ingest::spans::{otlp_json, otlp_proto, Score};
use crate::ingest::{langfuse, runs};

pub fn router(collector: Arc<Collector>) -> Router {
    let limit = collector.options.max_body;
    Router::new()
        .route("/v1/traces", post(otlp_traces))
        .route("/api/public/otel/v1/traces", post(otlp_traces))
        .route("/v1/logs", post(otlp_logs))
        .route("/v1/metrics", post(otlp_metrics))
        .route("/api/public/otel/v1/logs", post(otlp_logs))
        .route("/api/public/scores", post(scores))
        .route("/api/public/health", get(health))
        .route("/info", get(langsmith_info))
        .route("/runs/multipart", post(langsmith_multipart))
        .route("/feedback", post(langsmith_feedback))
        .route("/runs/batch", post(langsmith_batch))
        .route("/runs", post(langsmith_run))
        .route("/runs/{id}", patch(langsmith_patch))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(collector)
}

/// A refused request: its status and why.
struct Rejected(StatusCode, String);

impl IntoResponse for Rejected {
    /// An error answer in the shape OTLP clients log (`google.rpc.Status`-like).
    fn into_response(self) -> Response {
        let Rejected(status, message) = self;
        tracing::info!(status = status.as_u16(), %message, "rejected a request");
        let code = if status == StatusCode::BAD_REQUEST {
            3
        } else {
            8
        };
        (status, Json(json!({ "code": code, "message": message }))).into_response()
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    Rejected(status, message.into()).into_response()
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The body, inflated when gzip'd (by header or by magic bytes), or the
/// error response to send.
fn body_bytes(collector: &Collector, body: &Bytes) -> Result<Vec<u8>, Rejected> {
    otlp_proto::maybe_gunzip(body, collector.options.max_body).map_err(|m| {
        let status = if m.contains("limit") {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        Rejected(status, m)
    })
}

/// Runs store work off the async threads: a store error is 503 (the client
/// may retry), a failed task 500.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, Rejected> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(Rejected(StatusCode::SERVICE_UNAVAILABLE, e.to_string())),
        Err(e) => Err(Rejected(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

async fn store(collector: Arc<Collector>, pieces: Vec<Piece>) -> Result<(), Rejected> {
    off_thread(move || collector.receive(pieces))
        .await
        .map(|_| ())
}

/// The OTLP success answer, in the request's encoding.
fn otlp_ok(protobuf: bool) -> Response {
    if protobuf {
        (
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            Vec::<u8>::new(),
        )
            .into_response()
    } else {
        Json(json!({})).into_response()
    }
}

/// Metrics are not traces: an exporter pointed at this endpoint for all
/// signals gets a success answer (so it does not log errors or retry) and
/// the body is dropped.
async fn otlp_metrics(headers: HeaderMap, body: Bytes) -> Response {
    tracing::debug!(bytes = body.len(), "OTLP metrics received and dropped");
    otlp_ok(content_type(&headers).contains("protobuf"))
}

async fn otlp_traces(State(c): State<Arc<Collector>>, headers: HeaderMap, body: Bytes) -> Response {
    let kind = content_type(&headers);
    let data = match body_bytes(&c, &body) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let protobuf = kind.contains("protobuf");
    let spans = if protobuf {
        otlp_proto::decode_traces(&data)
    } else if kind.contains("json") {
        serde_json::from_slice::<Value>(&data)
            .map_err(|e| format!("bad JSON: {e}"))
            .and_then(|v| otlp_json::decode_traces(&v).map_err(|(f, m)| format!("{f}: {m}")))
    } else {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("content type {kind:?}: expected application/x-protobuf or application/json"),
        );
    };
    match spans {
        Ok(spans) => match store(c, spans.into_iter().map(Piece::Span).collect()).await {
            Ok(()) => otlp_ok(protobuf),
            Err(r) => r.into_response(),
        },
        Err(m) => error(StatusCode::BAD_REQUEST, m),
    }
}

async fn otlp_logs(State(c): State<Arc<Collector>>, headers: HeaderMap, body: Bytes) -> Response {
    let kind = content_type(&headers);
    let data = match body_bytes(&c, &body) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let protobuf = kind.contains("protobuf");
    let logs = if protobuf {
        otlp_proto::decode_logs(&data)
    } else {
        serde_json::from_slice::<Value>(&data)
            .map(|v| otlp_json::decode_logs(&v))
            .map_err(|e| format!("bad JSON: {e}"))
    };
    match logs {
        Ok(logs) => match store(c, logs.into_iter().map(Piece::Log).collect()).await {
            Ok(()) => otlp_ok(protobuf),
            Err(r) => r.into_response(),
        },
        Err(m) => error(StatusCode::BAD_REQUEST, m),
    }
}

async fn scores(State(c): State<Arc<Collector>>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("bad JSON: {e}"))
        .and_then(|v| {
            langfuse::decode_scores(&v).map_err(|e| format!("{}: {}", e.field, e.message))
        });
    let scores = match parsed {
        Ok(s) => s,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    let ids: Vec<Value> = scores
        .iter()
        .map(|s| json!({ "id": format!("{}:{}", s.trace_id, s.name) }))
        .collect();
    match off_thread(move || c.receive_scores(scores)).await {
        Ok(_) => Json(if ids.len() == 1 {
            ids[0].clone()
        } else {
            json!(ids)
        })
        .into_response(),
        Err(r) => r.into_response(),
    }
}

async fn health() -> Response {
    Json(json!({ "status": "OK", "version": env!("CARGO_PKG_VERSION") })).into_response()
}

/// What the LangSmith SDK asks first, to learn the server's limits.
async fn langsmith_info() -> Response {
    Json(json!({
        "version": format!("tackroom-{}", env!("CARGO_PKG_VERSION")),
        "license_expiration_time": null,
        "batch_ingest_config": {
            "use_multipart_endpoint": true,
            "scale_up_qsize_trigger": 1000,
            "scale_up_nthreads_limit": 16,
            "scale_down_nempty_trigger": 4,
            "size_limit": 100,
            "size_limit_bytes": 20971520
        },
        "instance_flags": {}
    }))
    .into_response()
}

async fn accept_runs(c: Arc<Collector>, decoded: Result<Vec<runs::RunRecord>, String>) -> Response {
    match decoded {
        Ok(runs) => match store(c, runs.into_iter().map(Piece::Run).collect()).await {
            Ok(()) => (StatusCode::ACCEPTED, Json(json!({}))).into_response(),
            Err(r) => r.into_response(),
        },
        Err(m) => error(StatusCode::BAD_REQUEST, m),
    }
}

async fn langsmith_multipart(
    State(c): State<Arc<Collector>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let kind = content_type(&headers);
    let data = match body_bytes(&c, &body) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let boundary = kind
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .or_else(|| runs::multipart_boundary(&data));
    let Some(boundary) = boundary else {
        return error(StatusCode::BAD_REQUEST, "multipart body without a boundary");
    };
    match runs::decode_multipart(&data, &boundary) {
        Ok((runs, feedback)) => {
            if let Err(r) = store(c.clone(), runs.into_iter().map(Piece::Run).collect()).await {
                return r.into_response();
            }
            if let Err(r) = store_feedback(c, feedback).await {
                return r.into_response();
            }
            (StatusCode::ACCEPTED, Json(json!({}))).into_response()
        }
        Err(m) => error(StatusCode::BAD_REQUEST, m),
    }
}

/// `POST /feedback` (LangSmith `create_feedback`): a score for a run or
/// trace, which sets the trace's outcome.
async fn langsmith_feedback(State(c): State<Arc<Collector>>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("bad JSON: {e}"))
        .and_then(|v| runs::decode_feedback(&v).map(|s| (v, s)));
    let (value, score) = match parsed {
        Ok(p) => p,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    match store_feedback(c, vec![score]).await {
        Ok(()) => {
            Json(json!({ "id": value.get("id").cloned().unwrap_or(Value::Null) })).into_response()
        }
        Err(r) => r.into_response(),
    }
}

async fn store_feedback(c: Arc<Collector>, feedback: Vec<Score>) -> Result<(), Rejected> {
    if feedback.is_empty() {
        return Ok(());
    }
    off_thread(move || c.receive_feedback(feedback))
        .await
        .map(|_| ())
}

async fn langsmith_batch(State(c): State<Arc<Collector>>, body: Bytes) -> Response {
    let decoded = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("bad JSON: {e}"))
        .and_then(|v| {
            let mut out = Vec::new();
            runs::decode_batch(&v, &mut out)
                .map(|_| out)
                .map_err(|(f, m)| format!("{f}: {m}"))
        });
    accept_runs(c, decoded).await
}

async fn langsmith_run(State(c): State<Arc<Collector>>, body: Bytes) -> Response {
    let decoded = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("bad JSON: {e}"))
        .and_then(|v| {
            let mut out = Vec::new();
            runs::decode_run(&v, &mut out)
                .map(|_| out)
                .map_err(|(f, m)| format!("{f}: {m}"))
        });
    accept_runs(c, decoded).await
}

async fn langsmith_patch(
    State(c): State<Arc<Collector>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let decoded = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("bad JSON: {e}"))
        .and_then(|mut v| {
            v["id"] = json!(id);
            let mut out = Vec::new();
            runs::decode_run(&v, &mut out)
                .map(|_| out)
                .map_err(|(f, m)| format!("{f}: {m}"))
        });
    accept_runs(c, decoded).await
}

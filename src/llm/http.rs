//! What the two HTTP providers share: a client with a timeout, error
//! classification, and `Retry-After` parsing.

use std::time::Duration;

use super::LlmError;

pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Maps a transport error, naming the URL (never headers, so never the key).
pub fn transport_error(
    provider: &str,
    url: &str,
    timeout: Duration,
    e: reqwest::Error,
) -> LlmError {
    if e.is_timeout() {
        LlmError::Timeout {
            provider: provider.into(),
            timeout,
        }
    } else {
        LlmError::Connect {
            provider: provider.into(),
            url: url.into(),
            message: e.to_string(),
        }
    }
}

/// Sends a request and turns a non-2xx answer into the matching error.
pub async fn send_checked(
    provider: &str,
    url: &str,
    timeout: Duration,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, LlmError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(provider, url, timeout, e))?;
    if !response.status().is_success() {
        return Err(status_error(provider, response).await);
    }
    Ok(response)
}

/// Reads a whole (non-streamed) JSON answer.
pub async fn json_body(
    provider: &str,
    url: &str,
    timeout: Duration,
    response: reqwest::Response,
) -> Result<serde_json::Value, LlmError> {
    response
        .json()
        .await
        .map_err(|e| transport_error(provider, url, timeout, e))
}

/// `Retry-After` in seconds (the HTTP-date form is rare from these APIs).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// An error response turned into an error, with the API's own message.
pub async fn status_error(provider: &str, response: reqwest::Response) -> LlmError {
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let body = response.text().await.unwrap_or_default();
    if status == 429 {
        return LlmError::RateLimited {
            provider: provider.into(),
            retry_after,
        };
    }
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .and_then(|e| e.get("message").or(Some(e)))
                .and_then(|m| m.as_str().map(str::to_owned))
        })
        .unwrap_or_else(|| crate::model::units::truncate(body.trim(), 300));
    LlmError::Http {
        provider: provider.into(),
        status,
        message,
        retry_after,
    }
}

/// A key from the environment; the variable's name goes into the error.
pub fn key_from_env(variable: &str) -> Result<String, LlmError> {
    std::env::var(variable)
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| LlmError::MissingKey {
            variable: variable.into(),
        })
}

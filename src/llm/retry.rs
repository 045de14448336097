//! Retries with exponential backoff for the errors worth retrying,
//! honouring the server's `Retry-After`.

use std::time::Duration;

use super::{ChatRequest, ChatResponse, DeltaSink, LlmError, Provider};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    pub fn delay(&self, attempt: u32, error: &LlmError) -> Duration {
        let backoff = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        error.retry_after().unwrap_or(backoff).min(self.max_delay)
    }
}

/// One chat call, retried per `policy`.
pub async fn chat_with_retry(
    provider: &dyn Provider,
    request: &ChatRequest,
    policy: &RetryPolicy,
    on_delta: Option<DeltaSink<'_>>,
) -> Result<ChatResponse, LlmError> {
    let mut attempt = 1;
    loop {
        match provider.chat(request, on_delta).await {
            Ok(response) => return Ok(response),
            Err(e) if e.is_retryable() && attempt < policy.max_attempts => {
                let wait = policy.delay(attempt, &e);
                tracing::warn!(provider = provider.name(), attempt, wait_ms = wait.as_millis() as u64, error = %e, "retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_overrides_backoff_and_delays_are_capped() {
        let policy = RetryPolicy::default();
        let limited = LlmError::RateLimited {
            provider: "p".into(),
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(policy.delay(1, &limited), Duration::from_secs(3));
        let server = LlmError::Http {
            provider: "p".into(),
            status: 503,
            message: String::new(),
            retry_after: None,
        };
        assert_eq!(policy.delay(3, &server), Duration::from_secs(2));
        assert_eq!(policy.delay(30, &server), Duration::from_secs(30));
        assert!(!LlmError::Http {
            provider: "p".into(),
            status: 401,
            message: String::new(),
            retry_after: None
        }
        .is_retryable());
    }
}

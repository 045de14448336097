//! The provider layer and the LLM attribution engine against a loopback
//! server speaking the real wire formats: answers, streams, malformed
//! answers, unknown steps, 429 with Retry-After, timeouts, server errors.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::llm_server::{
    self, anthropic_answer, anthropic_stream, error, openai_answer, openai_stream, Reply,
};
use serde_json::json;
use tackroom::llm::anthropic::AnthropicClient;
use tackroom::llm::attribution::{AttributionError, LlmAttributor};
use tackroom::llm::openai::OpenAiClient;
use tackroom::llm::retry::{chat_with_retry, RetryPolicy};
use tackroom::llm::{ChatMessage, ChatRequest, LlmError, Provider};
use tackroom::model::{FailureCategory, OutcomeLabel, StepError, StepStatus, Trace};

const KEY: &str = "sk-test-0123456789";

fn openai(base: &str, timeout: Duration) -> OpenAiClient {
    OpenAiClient::new(&format!("{base}/v1"), Some(KEY.into()), timeout)
}

fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(5),
    }
}

/// A failed trace: step 1 (LLM) asks for a refund, step 2 (tool) fails.
fn failed_trace() -> Trace {
    let mut t = common::trace("t", "support", OutcomeLabel::Failure, 0);
    t.steps[2].name = "issue_refund".into();
    t.steps[2].status = StepStatus::Error;
    t.steps[2].error = Some(StepError {
        error_type: "RefundLimitExceeded".into(),
        message: "too much".into(),
    });
    t
}

fn attributor(provider: &dyn Provider, attempts: u32) -> LlmAttributor<'_> {
    LlmAttributor {
        provider,
        model: "gpt-4o-mini".into(),
        retry: fast_retry(attempts),
        budget_tokens: 4000,
        max_answers: 3,
    }
}

fn answer(step: &str, category: &str) -> String {
    json!({"root_cause_step_id": step, "symptom_step_id": "t-2", "category": category, "confidence": 0.8,
           "explanation": "step t-1 refunded without verify_calculation"})
    .to_string()
}

#[tokio::test]
async fn a_valid_answer_becomes_a_checked_attribution() {
    let (base, script) =
        llm_server::start(vec![openai_answer(&answer("t-1", "skipped_required_step"))]).await;
    let client = openai(&base, Duration::from_secs(5));
    let a = attributor(&client, 1)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .unwrap();
    assert_eq!(a.root_cause.step_id, "t-1");
    assert_eq!(a.symptom.step_id, "t-2");
    assert_eq!(a.category, FailureCategory::SkippedRequiredStep);
    assert_eq!(a.engine, "llm:openai:gpt-4o-mini");
    let request = &script.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.headers["authorization"], format!("Bearer {KEY}"));
    assert_eq!(request.body["response_format"]["type"], "json_object");
    let prompt = request.body["messages"][1]["content"].as_str().unwrap();
    assert!(prompt.contains("TASK: attribute_root_cause") && prompt.contains("<trace>"));
}

#[tokio::test]
async fn a_malformed_answer_is_sent_back_and_the_retry_is_used() {
    let replies = vec![
        openai_answer("I think it was the refund."),
        openai_answer(&format!(
            "```json\n{}\n```",
            answer("t-1", "skipped_required_step")
        )),
    ];
    let (base, script) = llm_server::start(replies).await;
    let client = openai(&base, Duration::from_secs(5));
    let a = attributor(&client, 1)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .unwrap();
    assert_eq!(a.root_cause.step_id, "t-1");
    let second = &script.requests()[1];
    let follow_up = second.body["messages"][3]["content"].as_str().unwrap();
    assert!(
        follow_up.contains("cannot be used: it is not a JSON object"),
        "{follow_up}"
    );
}

#[tokio::test]
async fn a_step_that_does_not_exist_is_refused_and_reported() {
    let bad = openai_answer(&answer("t-99", "loop"));
    let (base, script) = llm_server::start(vec![bad.clone(), bad.clone(), bad]).await;
    let client = openai(&base, Duration::from_secs(5));
    let err = attributor(&client, 1)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .unwrap_err();
    let AttributionError::BadAnswer {
        problem, attempts, ..
    } = err
    else {
        panic!("expected a bad answer")
    };
    assert_eq!(attempts, 3);
    assert!(
        problem.contains("step \"t-99\" does not exist in trace t"),
        "{problem}"
    );
    assert_eq!(script.requests().len(), 3);
}

#[tokio::test]
async fn an_unknown_category_is_refused() {
    let replies = vec![
        openai_answer(&answer("t-1", "bad_vibes")),
        openai_answer(&answer("t-1", "loop")),
    ];
    let (base, script) = llm_server::start(replies).await;
    let client = openai(&base, Duration::from_secs(5));
    let a = attributor(&client, 1)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .unwrap();
    assert_eq!(a.category, FailureCategory::Loop);
    let follow_up = script.requests()[1].body["messages"][3]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        follow_up.contains("category \"bad_vibes\" is not one of"),
        "{follow_up}"
    );
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let replies = vec![
        error(429, "Rate limit reached", vec![("retry-after", "1".into())]),
        openai_answer(&answer("t-1", "loop")),
    ];
    let (base, script) = llm_server::start(replies).await;
    let client = openai(&base, Duration::from_secs(5));
    let started = Instant::now();
    let a = attributor(&client, 3)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(a.category, FailureCategory::Loop);
    assert_eq!(script.requests().len(), 2);
}

#[tokio::test]
async fn a_429_that_persists_is_reported_as_rate_limited() {
    let limited = error(429, "Rate limit reached", vec![("retry-after", "0".into())]);
    let (base, _script) = llm_server::start(vec![limited.clone(), limited]).await;
    let client = openai(&base, Duration::from_secs(5));
    let err = attributor(&client, 2)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AttributionError::Llm(LlmError::RateLimited { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("rate limited (HTTP 429)"));
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let slow = Reply::Delay(Duration::from_secs(3), Box::new(openai_answer("{}")));
    let (base, script) = llm_server::start(vec![slow.clone(), slow]).await;
    let client = openai(&base, Duration::from_millis(300));
    let err = attributor(&client, 2)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AttributionError::Llm(LlmError::Timeout { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("no answer within 0.3 s"), "{err}");
    assert_eq!(script.requests().len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_but_auth_errors_are_not() {
    let (base, script) = llm_server::start(vec![
        error(500, "upstream", vec![]),
        openai_answer(&answer("t-1", "loop")),
    ])
    .await;
    let client = openai(&base, Duration::from_secs(5));
    assert!(attributor(&client, 3)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .is_ok());
    assert_eq!(script.requests().len(), 2);

    let (base, script) =
        llm_server::start(vec![error(401, "Incorrect API key provided", vec![])]).await;
    let client = openai(&base, Duration::from_secs(5));
    let err = attributor(&client, 3)
        .attribute(&failed_trace(), None, common::at(0))
        .await
        .unwrap_err();
    assert_eq!(script.requests().len(), 1);
    let text = err.to_string();
    assert!(
        text.contains("HTTP 401: Incorrect API key provided"),
        "{text}"
    );
    assert!(!text.contains(KEY), "the key never appears in errors");
}

#[tokio::test]
async fn the_api_key_is_never_in_debug_output() {
    let client = openai("http://127.0.0.1:9", Duration::from_secs(1));
    let anthropic = AnthropicClient::new("http://127.0.0.1:9", KEY.into(), Duration::from_secs(1));
    assert!(!format!("{client:?}{anthropic:?}").contains(KEY));
}

fn request(stream: bool) -> ChatRequest {
    ChatRequest {
        model: "gpt-4o-mini".into(),
        messages: vec![
            ChatMessage::system("Be brief."),
            ChatMessage::user("Say hello."),
        ],
        max_tokens: 50,
        temperature: 0.0,
        json_output: false,
        stream,
    }
}

#[tokio::test]
async fn openai_streams_deltas_and_counts_tokens_and_cost() {
    let (base, script) = llm_server::start(vec![openai_stream(&["Hel", "lo", "!"])]).await;
    let client = openai(&base, Duration::from_secs(5));
    let seen = Mutex::new(Vec::new());
    let sink = |piece: &str| seen.lock().unwrap().push(piece.to_owned());
    let response = chat_with_retry(&client, &request(true), &fast_retry(1), Some(&sink))
        .await
        .unwrap();
    assert_eq!(response.content, "Hello!");
    assert_eq!(*seen.lock().unwrap(), ["Hel", "lo", "!"]);
    assert_eq!(
        (response.usage.input_tokens, response.usage.output_tokens),
        (12, 3)
    );
    assert!(response.cost_usd.unwrap() > 0.0);
    assert_eq!(
        script.requests()[0].body["stream_options"]["include_usage"],
        true
    );
}

#[tokio::test]
async fn a_stream_cut_short_is_an_error() {
    let (base, _script) = llm_server::start(vec![Reply::Sse(
        "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n".into(),
    )])
    .await;
    let client = openai(&base, Duration::from_secs(5));
    let err = chat_with_retry(&client, &request(true), &fast_retry(1), None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("the stream ended before [DONE]"),
        "{err}"
    );
}

#[tokio::test]
async fn anthropic_messages_answer_and_stream() {
    let (base, script) = llm_server::start(vec![
        anthropic_answer("Hello there"),
        anthropic_stream(&["Hi", " you"]),
    ])
    .await;
    let client = AnthropicClient::new(&base, KEY.into(), Duration::from_secs(5));
    let response = chat_with_retry(&client, &request(false), &fast_retry(1), None)
        .await
        .unwrap();
    assert_eq!(response.content, "Hello there");
    assert_eq!(response.usage.output_tokens, 30);
    assert_eq!(response.provider, "anthropic");
    let first = &script.requests()[0];
    assert_eq!(first.path, "/v1/messages");
    assert_eq!(first.headers["x-api-key"], KEY);
    assert_eq!(first.headers["anthropic-version"], "2023-06-01");
    assert_eq!(first.body["system"], "Be brief.");
    assert_eq!(first.body["messages"][0]["role"], "user");

    let streamed = chat_with_retry(&client, &request(true), &fast_retry(1), None)
        .await
        .unwrap();
    assert_eq!(streamed.content, "Hi you");
    assert_eq!(
        (streamed.usage.input_tokens, streamed.usage.output_tokens),
        (25, 15)
    );
}

#[tokio::test]
async fn anthropic_overload_is_retried() {
    let overloaded = Reply::Json {
        status: 529,
        body: json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        headers: vec![],
    };
    let (base, script) = llm_server::start(vec![overloaded, anthropic_answer("ok")]).await;
    let client = AnthropicClient::new(&base, KEY.into(), Duration::from_secs(5));
    let response = chat_with_retry(&client, &request(false), &fast_retry(3), None)
        .await
        .unwrap();
    assert_eq!(response.content, "ok");
    assert_eq!(script.requests().len(), 2);
}

#[tokio::test]
async fn the_cli_runs_the_llm_engine_against_a_configured_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    {
        let store = tackroom::store::Store::open(&store_dir).unwrap();
        store.insert_traces(&[failed_trace()]).unwrap();
    }
    let (base, script) =
        llm_server::start(vec![openai_answer(&answer("t-1", "skipped_required_step"))]).await;
    let out = tokio::task::spawn_blocking(move || {
        common::bin()
            .args([
                "attribute",
                "--engine",
                "llm",
                "--provider",
                "openai",
                "--json",
                "--base-url",
            ])
            .arg(format!("{base}/v1"))
            .arg("--store")
            .arg(&store_dir)
            .env("OPENAI_API_KEY", KEY)
            .env("TACKROOM_CONFIG", "/nonexistent/config.toml")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["trace_id"], "t");
    assert_eq!(line["root_cause"]["step_id"], "t-1");
    assert_eq!(line["engine"], "llm:openai:gpt-4o-mini");
    assert_eq!(line["harness_problem"], true);
    assert_eq!(script.requests().len(), 1);
}

/// The UI asks the model from a worker thread of its multi-threaded
/// runtime; the blocking runner must work there, against a real server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_runner_works_on_a_worker_thread_and_stores_the_verdict() {
    let (base, _script) =
        llm_server::start(vec![openai_answer(&answer("t-1", "skipped_required_step"))]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = tackroom::store::Store::open(&dir.path().join("store")).unwrap();
    store.insert_traces(&[failed_trace()]).unwrap();
    let config = tackroom::llm::config::LlmConfig {
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        base_url: format!("{base}/v1"),
        api_key_env: "TACKROOM_TEST_NO_SUCH_KEY".into(),
        timeout: Duration::from_secs(5),
        retry: fast_retry(1),
    };
    let worker_store = store.clone();
    let run = tokio::task::spawn_blocking(move || {
        let selection = tackroom::triage::Selection {
            trace: Some("t".into()),
            ..Default::default()
        };
        tackroom::triage::attribute_with_llm_blocking(
            &worker_store,
            &selection,
            &Default::default(),
            &config,
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(run.attributions.len(), 1);
    let stored = store.attributions("t").unwrap();
    assert_eq!(stored[0].engine, "llm:openai:gpt-4o-mini");
    assert_eq!(stored[0].root_cause.step_id, "t-1");
}

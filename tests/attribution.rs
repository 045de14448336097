//! Each assertion kind and each rules-engine detector on traces built for
//! the purpose: one that breaks it, one that does not.

mod common;

use serde_json::{json, Value};
use tackroom::analyze::{attribute_root_cause, check_assertions};
use tackroom::harness::parse_harness;
use tackroom::model::{
    FailureCategory, Harness, OutcomeLabel, StepError, StepKind, StepStatus, Trace,
};

/// Builds a trace step by step under one root agent step.
struct Build {
    trace: Trace,
}

impl Build {
    fn new() -> Self {
        let mut trace = common::trace("t", "support", OutcomeLabel::Failure, 0);
        trace.steps.truncate(1);
        Build { trace }
    }

    fn push(mut self, kind: StepKind, name: &str, input: Value, output: Value) -> Self {
        let index = self.trace.steps.len() as u32;
        let mut step = common::step("t", index, Some(0), kind, name);
        step.input = input;
        step.output = output;
        self.trace.steps.push(step);
        self
    }

    fn asks(self, tool: &str, args: Value) -> Self {
        let output = json!({"role": "assistant", "tool_calls": [{"function": {"name": tool, "arguments": args}}]});
        self.push(
            StepKind::LlmCall,
            "gpt-4o-mini",
            json!({"messages": []}),
            output,
        )
    }

    fn says(self, text: &str) -> Self {
        self.push(
            StepKind::LlmCall,
            "gpt-4o-mini",
            json!({"messages": []}),
            json!({"role": "assistant", "content": text}),
        )
    }

    fn tool(self, name: &str, args: Value, output: Value) -> Self {
        self.push(StepKind::ToolCall, name, args, output)
    }

    fn tool_error(mut self, name: &str, args: Value, error_type: &str) -> Self {
        self = self.tool(name, args, Value::Null);
        let step = self.trace.steps.last_mut().unwrap();
        step.status = StepStatus::Error;
        step.error = Some(StepError {
            error_type: error_type.into(),
            message: format!("{error_type} happened"),
        });
        self
    }

    fn route(self, request: &str, to: &str) -> Self {
        self.push(
            StepKind::Routing,
            "router",
            json!({"request": request}),
            json!({"route": to}),
        )
    }

    fn answer(self, text: &str) -> Self {
        self.push(
            StepKind::FinalAnswer,
            "final_answer",
            Value::Null,
            json!(text),
        )
    }

    fn fail_last(mut self, error_type: &str) -> Self {
        let step = self.trace.steps.last_mut().unwrap();
        step.status = StepStatus::Error;
        step.error = Some(StepError {
            error_type: error_type.into(),
            message: String::new(),
        });
        self
    }

    fn outcome(mut self, outcome: OutcomeLabel) -> Trace {
        self.trace.outcome = outcome;
        self.trace
    }

    fn failed(self) -> Trace {
        self.outcome(OutcomeLabel::Failure)
    }
}

fn harness() -> Harness {
    parse_harness(
        "test.toml",
        r#"
format = "tackroom.harness/1"
agent = "support"
system_prompt = "Be careful."

[[rules]]
id = "verify-before-refund"
text = "Call verify_calculation before issue_refund."

[[rules]]
id = "cite"
text = "Cite three sources."

[[tools]]
name = "lookup_order"
parameters = { type = "object", properties = { order_id = { type = "string", pattern = "^A-[0-9]+$" } }, required = ["order_id"] }

[routing]
default = "sql_writer"
[[routing.routes]]
to = "chart_builder"
keywords = ["chart", "plot"]

[output]
format = "json"
schema = { type = "object", required = ["status"] }

[[assertions]]
kind = "precedes"
id = "verify-first"
step = "issue_refund"
required = "verify_calculation"
rule = "verify-before-refund"

[[assertions]]
kind = "tool_args_match_schema"
id = "args"

[[assertions]]
kind = "final_output_json"
id = "json"

[[assertions]]
kind = "max_retries"
id = "retries"
max = 2

[[assertions]]
kind = "no_repeated_calls"
id = "no-repeats"

[[assertions]]
kind = "routes_follow_table"
id = "routes"
"#,
    )
    .unwrap()
}

fn violated(trace: &Trace, harness: &Harness) -> Vec<String> {
    check_assertions(trace, harness)
        .into_iter()
        .map(|v| v.assertion_id)
        .collect()
}

fn name_at(trace: &Trace, pos: usize) -> String {
    format!("{}#{}", trace.steps[pos].name, trace.steps[pos].index)
}

/// The model refunds without calling `verify_calculation`; the refund fails.
fn refund_without_verification() -> Trace {
    Build::new()
        .asks("issue_refund", json!({"order_id": "A-1", "amount": 5}))
        .tool_error(
            "issue_refund",
            json!({"order_id": "A-1", "amount": 5}),
            "RefundLimitExceeded",
        )
        .failed()
}

#[test]
fn precedes_is_broken_by_a_refund_without_verification() {
    let t = refund_without_verification();
    let v = check_assertions(&t, &harness());
    let v = v.iter().find(|v| v.assertion_id == "verify-first").unwrap();
    assert_eq!(v.category, FailureCategory::SkippedRequiredStep);
    assert_eq!(name_at(&t, v.cause), "gpt-4o-mini#1");
    assert_eq!(name_at(&t, v.shows_at), "issue_refund#2");
    assert_eq!(v.rule.as_deref(), Some("verify-before-refund"));
}

#[test]
fn precedes_holds_when_verification_comes_first() {
    let t = Build::new()
        .asks("verify_calculation", json!({}))
        .tool("verify_calculation", json!({}), json!({"ok": true}))
        .asks("issue_refund", json!({}))
        .tool("issue_refund", json!({}), json!({"ok": true}))
        .answer("{\"status\": \"refunded\"}")
        .outcome(OutcomeLabel::Success);
    assert!(!violated(&t, &harness()).contains(&"verify-first".to_owned()));
}

#[test]
fn tool_arguments_are_checked_against_the_schema() {
    let bad = Build::new()
        .asks("lookup_order", json!({"order_id": "1042"}))
        .tool_error("lookup_order", json!({"order_id": "1042"}), "NotFound")
        .failed();
    let v = check_assertions(&bad, &harness());
    let v = v.iter().find(|v| v.assertion_id == "args").unwrap();
    assert_eq!(v.category, FailureCategory::InvalidToolArguments);
    assert_eq!(name_at(&bad, v.cause), "gpt-4o-mini#1");
    assert!(v.message.contains("/order_id"), "{}", v.message);
    let good = Build::new()
        .asks("lookup_order", json!({"order_id": "A-1042"}))
        .tool("lookup_order", json!({"order_id": "A-1042"}), json!({}))
        .failed();
    assert!(!violated(&good, &harness()).contains(&"args".to_owned()));
}

#[test]
fn tool_arguments_recorded_as_a_json_string_are_parsed() {
    let bad = Build::new()
        .tool("lookup_order", json!("{\"order_id\": 7}"), json!({}))
        .failed();
    assert!(violated(&bad, &harness()).contains(&"args".to_owned()));
}

#[test]
fn final_output_must_be_json_matching_the_schema() {
    let markdown = Build::new().says("| a | b |").answer("| a | b |").failed();
    let v = check_assertions(&markdown, &harness());
    let v = v.iter().find(|v| v.assertion_id == "json").unwrap();
    assert_eq!(v.category, FailureCategory::OutputFormatViolated);
    assert_eq!(name_at(&markdown, v.cause), "gpt-4o-mini#1");
    assert_eq!(name_at(&markdown, v.shows_at), "final_answer#2");

    let wrong_shape = Build::new()
        .says("{\"state\": 1}")
        .answer("{\"state\": 1}")
        .failed();
    assert!(violated(&wrong_shape, &harness()).contains(&"json".to_owned()));
    let fine = Build::new()
        .says("{\"status\": \"ok\"}")
        .answer("{\"status\": \"ok\"}")
        .failed();
    assert!(!violated(&fine, &harness()).contains(&"json".to_owned()));
    let died = Build::new().answer("").fail_last("provider_error").failed();
    assert!(
        !violated(&died, &harness()).contains(&"json".to_owned()),
        "an empty answer is not a format problem"
    );
}

#[test]
fn final_output_contains_counts_matches_and_names_conflicting_rules() {
    let mut h = harness();
    h.assertions = vec![toml::from_str::<Harness>(
        "format = \"tackroom.harness/1\"\nagent = \"a\"\nsystem_prompt = \"\"\n[[assertions]]\nkind = \"final_output_contains\"\nid = \"cites\"\npattern = \"\\\\[[0-9]+\\\\]\"\nmin = 3\nconflicts_with = [\"be-brief\"]\n",
    )
    .unwrap()
    .assertions
    .remove(0)];
    let short = Build::new()
        .says("One source [1].")
        .answer("One source [1].")
        .failed();
    let v = check_assertions(&short, &h);
    assert_eq!(v[0].category, FailureCategory::ConflictingRules);
    assert_eq!(name_at(&short, v[0].cause), "gpt-4o-mini#1");
    let cited = Build::new()
        .says("[1] [2] [3]")
        .answer("[1] [2] [3]")
        .failed();
    assert!(check_assertions(&cited, &h).is_empty());
    if let tackroom::model::Assertion::FinalOutputContains { conflicts_with, .. } =
        &mut h.assertions[0]
    {
        conflicts_with.clear();
    }
    assert_eq!(
        check_assertions(&short, &h)[0].category,
        FailureCategory::InstructionViolated
    );
}

#[test]
fn max_retries_flags_the_first_retry_past_the_budget() {
    let mut b = Build::new().asks("fetch", json!({"url": "u"}));
    for _ in 0..5 {
        b = b.tool_error("fetch", json!({"url": "u"}), "http_503");
    }
    let storm = b.answer("").fail_last("DeadlineExceeded").failed();
    let v = check_assertions(&storm, &harness());
    let v = v.iter().find(|v| v.assertion_id == "retries").unwrap();
    assert_eq!(v.category, FailureCategory::RetryStorm);
    assert_eq!(
        name_at(&storm, v.cause),
        "fetch#5",
        "attempt 4 is the third retry"
    );

    let mut b = Build::new().asks("fetch", json!({"url": "u"}));
    for _ in 0..3 {
        b = b.tool_error("fetch", json!({"url": "u"}), "http_503");
    }
    assert!(!violated(&b.failed(), &harness()).contains(&"retries".to_owned()));

    let replanned = Build::new()
        .tool_error("fetch", json!({"url": "u"}), "http_503")
        .tool_error("fetch", json!({"url": "u"}), "http_503")
        .asks("fetch", json!({"url": "u"}))
        .tool_error("fetch", json!({"url": "u"}), "http_503")
        .tool_error("fetch", json!({"url": "u"}), "http_503")
        .failed();
    assert!(
        !violated(&replanned, &harness()).contains(&"retries".to_owned()),
        "an LLM call between attempts ends the run"
    );
}

#[test]
fn repeated_identical_calls_by_the_model_are_a_loop() {
    let looping = Build::new()
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool(
            "lookup_order",
            json!({"order_id": "A-1"}),
            json!({"ok": true}),
        )
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool(
            "lookup_order",
            json!({"order_id": "A-1"}),
            json!({"ok": true}),
        )
        .answer("")
        .fail_last("MaxTurnsExceeded")
        .failed();
    let v = check_assertions(&looping, &harness());
    let v = v.iter().find(|v| v.assertion_id == "no-repeats").unwrap();
    assert_eq!(v.category, FailureCategory::Loop);
    assert_eq!(name_at(&looping, v.cause), "gpt-4o-mini#3");
    let different = Build::new()
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool("lookup_order", json!({"order_id": "A-1"}), json!({}))
        .asks("lookup_order", json!({"order_id": "A-2"}))
        .tool("lookup_order", json!({"order_id": "A-2"}), json!({}))
        .failed();
    assert!(!violated(&different, &harness()).contains(&"no-repeats".to_owned()));
}

#[test]
fn routing_decisions_are_checked_against_the_table() {
    let wrong = Build::new()
        .route("Plot weekly revenue", "sql_writer")
        .answer("{\"status\": \"x\"}")
        .failed();
    let v = check_assertions(&wrong, &harness());
    let v = v.iter().find(|v| v.assertion_id == "routes").unwrap();
    assert_eq!(v.category, FailureCategory::WrongRoute);
    assert_eq!(name_at(&wrong, v.cause), "router#1");
    let right = Build::new()
        .route("Plot weekly revenue", "chart_builder")
        .failed();
    let default = Build::new()
        .route("Total revenue by region", "sql_writer")
        .failed();
    assert!(!violated(&right, &harness()).contains(&"routes".to_owned()));
    assert!(!violated(&default, &harness()).contains(&"routes".to_owned()));
}

fn attribute(trace: &Trace, harness: Option<&Harness>) -> Option<tackroom::model::Attribution> {
    attribute_root_cause(trace, harness, common::at(0))
}

#[test]
fn the_engine_ignores_traces_that_did_not_fail() {
    let ok = Build::new()
        .asks("issue_refund", json!({}))
        .tool("issue_refund", json!({}), json!({}))
        .outcome(OutcomeLabel::Success);
    assert!(attribute(&ok, Some(&harness())).is_none());
}

#[test]
fn the_earliest_broken_rule_is_the_root_cause() {
    let t = Build::new()
        .asks("lookup_order", json!({"order_id": "7"}))
        .tool_error("lookup_order", json!({"order_id": "7"}), "NotFound")
        .asks("issue_refund", json!({}))
        .tool_error("issue_refund", json!({}), "RefundLimitExceeded")
        .failed();
    let a = attribute(&t, Some(&harness())).unwrap();
    assert_eq!(a.category, FailureCategory::InvalidToolArguments);
    assert_eq!((a.root_cause.index, a.symptom.index), (1, 2));
    assert!(a.harness_problem);
    assert!(a.explanation.contains("args"), "{}", a.explanation);
}

#[test]
fn provider_errors_before_any_broken_rule_are_noise() {
    let t = Build::new()
        .push(StepKind::LlmCall, "gpt-4o-mini", json!({}), Value::Null)
        .fail_last("provider_error")
        .push(StepKind::LlmCall, "gpt-4o-mini", json!({}), Value::Null)
        .fail_last("provider_error")
        .answer("")
        .fail_last("provider_error")
        .failed();
    let a = attribute(&t, Some(&harness())).unwrap();
    assert_eq!(a.category, FailureCategory::ProviderError);
    assert!(!a.harness_problem);
    assert_eq!((a.root_cause.index, a.symptom.index), (1, 3));
}

#[test]
fn a_timeout_is_noise_with_its_own_category() {
    let t = Build::new()
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool_error("lookup_order", json!({"order_id": "A-1"}), "timeout")
        .failed();
    let a = attribute(&t, None).unwrap();
    assert_eq!(a.category, FailureCategory::Timeout);
    assert_eq!(a.root_cause.index, 2);
}

#[test]
fn an_ignored_tool_error_is_blamed_on_the_answer_that_ignored_it() {
    let ignored = Build::new()
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool_error(
            "lookup_order",
            json!({"order_id": "A-1"}),
            "ServiceUnavailable",
        )
        .says("{\"status\": \"shipped\"}")
        .answer("{\"status\": \"shipped\"}")
        .failed();
    let a = attribute(&ignored, None).unwrap();
    assert_eq!(a.category, FailureCategory::ToolErrorNotHandled);
    assert_eq!((a.root_cause.index, a.symptom.index), (3, 4));

    let reported = Build::new()
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool_error(
            "lookup_order",
            json!({"order_id": "A-1"}),
            "ServiceUnavailable",
        )
        .says("{\"status\": \"error\"}")
        .answer("{\"status\": \"error\"}")
        .failed();
    assert_ne!(
        attribute(&reported, None).unwrap().category,
        FailureCategory::ToolErrorNotHandled
    );
}

#[test]
fn tool_errors_returned_as_tool_output_count_too() {
    let t = Build::new()
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool(
            "lookup_order",
            json!({"order_id": "A-1"}),
            json!("{\"error\": \"service down\"}"),
        )
        .says("{\"status\": \"shipped\"}")
        .failed();
    assert_eq!(
        attribute(&t, None).unwrap().category,
        FailureCategory::ToolErrorNotHandled
    );
}

#[test]
fn without_errors_or_rules_the_verdict_is_unknown_with_low_confidence() {
    let t = Build::new().says("42").answer("42").failed();
    let a = attribute(&t, None).unwrap();
    assert_eq!(a.category, FailureCategory::Unknown);
    assert!(a.confidence < 0.5);
}

#[test]
fn loops_are_found_without_a_harness() {
    let t = Build::new()
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool("lookup_order", json!({"order_id": "A-1"}), json!({}))
        .asks("lookup_order", json!({"order_id": "A-1"}))
        .tool("lookup_order", json!({"order_id": "A-1"}), json!({}))
        .answer("")
        .fail_last("MaxTurnsExceeded")
        .failed();
    let a = attribute(&t, None).unwrap();
    assert_eq!(a.category, FailureCategory::Loop);
    assert_eq!(a.root_cause.index, 3);
}

#[test]
fn the_sample_generator_ground_truth_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    tackroom::sample::generate(&tackroom::sample::SampleOptions {
        traces: 300,
        seed: 77,
        out: out.clone(),
    })
    .unwrap();
    let mut correct = 0;
    let mut total = 0;
    for agent in ["support", "research", "analyst"] {
        let harness =
            tackroom::harness::load_harness(&out.join(agent).join("harness.toml")).unwrap();
        let truth =
            tackroom::sample::read_ground_truth(&out.join(agent).join("labels.jsonl")).unwrap();
        let traces: Vec<Trace> = std::fs::read_to_string(out.join(agent).join("traces.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for label in truth {
            let trace = traces.iter().find(|t| t.id == label.trace_id).unwrap();
            let a = attribute(trace, Some(&harness)).unwrap();
            total += 1;
            correct += (a.root_cause.step_id == label.root_cause_step_id
                && a.category == label.category) as usize;
        }
    }
    assert!(total > 50);
    assert!(correct * 100 >= total * 90, "{correct}/{total}");
}

#[test]
fn traces_without_a_harness_version_use_their_agents_deployed_harness() {
    use tackroom::model::VersionStatus;
    use tackroom::triage::HarnessLookup;
    let dir = tempfile::tempdir().unwrap();
    let store = tackroom::store::Store::open(&dir.path().join("store")).unwrap();
    let mut trace = Build::new().failed();
    trace.harness_version = None;
    assert_eq!(
        HarnessLookup::default().for_trace(&store, &trace).unwrap(),
        None,
        "nothing stored, nothing found"
    );

    let at = common::at(0);
    let deployed =
        tackroom::harness::imported_version(std::path::Path::new("h.toml"), harness(), at);
    let mut draft_harness = harness();
    draft_harness.system_prompt = "A newer draft.".into();
    let mut draft = tackroom::harness::imported_version(
        std::path::Path::new("draft.toml"),
        draft_harness,
        common::at(60),
    );
    draft.status = VersionStatus::Draft;
    let mut other_agent = harness();
    other_agent.agent = "research".into();
    let other = tackroom::harness::imported_version(
        std::path::Path::new("r.toml"),
        other_agent,
        common::at(120),
    );
    for v in [&deployed, &draft, &other] {
        store.put_harness_version(v).unwrap();
    }
    let found = HarnessLookup::default()
        .for_trace(&store, &trace)
        .unwrap()
        .expect("the agent's harness");
    assert_eq!(
        found, deployed.harness,
        "the deployed version, not the newer draft"
    );
}

#[test]
fn the_llm_prompt_carries_the_rules_and_the_assertions_the_trace_breaks() {
    let t = refund_without_verification();
    let prompt = tackroom::llm::attribution::prompt(&t, Some(&harness()), 4000);
    assert!(
        prompt.contains("[verify-before-refund] Call verify_calculation"),
        "{prompt}"
    );
    assert!(
        prompt.contains("Harness assertions this trace breaks:"),
        "{prompt}"
    );
    let cause = &t.steps[1].id;
    assert!(
        prompt.contains("- verify-first (rule verify-before-refund):")
            && prompt.contains(&format!("[cause step {cause},")),
        "{prompt}"
    );
    let clean = Build::new()
        .asks("verify_calculation", json!({}))
        .tool("verify_calculation", json!({}), json!({"ok": true}))
        .failed();
    let clean_prompt = tackroom::llm::attribution::prompt(&clean, Some(&harness()), 4000);
    assert!(!clean_prompt.contains("verify-first"), "{clean_prompt}");
}

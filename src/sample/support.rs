//! The customer-support agent: lookup → verify → refund, with its
//! systematic failure modes (skipped verification, bad order ids, ignored
//! tool errors, repeated calls).

use rand::Rng;
use serde_json::{json, Value};

use super::builder::TraceBuilder;
use super::{noise, AgentRun, SampleAgent};
use crate::model::{FailureCategory, Grader, Split, StepKind, Task};

pub struct Support;

enum Scenario {
    Success,
    SkippedVerification,
    BadOrderId,
    IgnoredToolError,
    Loop,
    Noise,
}

impl SampleAgent for Support {
    fn name(&self) -> &'static str {
        "support"
    }

    fn harness_source(&self) -> &'static str {
        include_str!("harnesses/support.toml")
    }

    fn make_task(&self, n: usize, split: Split) -> Task {
        let order = format!("A-{}", 1000 + n);
        let refund = n % 5 < 3;
        let (request, status) = if refund {
            (
                format!("Please refund the duplicate charge on order {order}."),
                "refunded",
            )
        } else {
            (
                format!("Where is my order {order}? It has not arrived."),
                "shipped",
            )
        };
        Task {
            id: format!("support-{n:04}"),
            split,
            input: json!({ "request": request }),
            expected: json!({ "status": status, "order_id": order }),
            grader: Grader::FieldEquals {
                fields: vec!["status".into(), "order_id".into()],
            },
            tags: vec![if refund { "refund" } else { "status" }.into()],
            fixtures: serde_json::Map::new(),
        }
    }

    fn run(&self, b: &mut TraceBuilder, task: &Task, system_prompt: &str) -> AgentRun {
        let request = task.input["request"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let order = task.expected["order_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let refund = task.tags.iter().any(|t| t == "refund");
        let roll: f64 = b.rng.gen();
        let scenario = match roll {
            r if r < 0.66 => Scenario::Success,
            r if r < 0.77 && refund => Scenario::SkippedVerification,
            r if r < 0.77 => Scenario::BadOrderId,
            r if r < 0.83 => Scenario::BadOrderId,
            r if r < 0.87 => Scenario::IgnoredToolError,
            r if r < 0.91 => Scenario::Loop,
            _ => Scenario::Noise,
        };
        b.set_system(system_prompt, &request);
        let root = b.push(None, StepKind::Agent, "support", 1);
        b.trace.steps[root].input = json!({ "request": request });
        match scenario {
            Scenario::Success => success(b, root, &order, refund),
            Scenario::SkippedVerification => skipped_verification(b, root, &order),
            Scenario::BadOrderId => bad_order_id(b, root, &order),
            Scenario::IgnoredToolError => ignored_tool_error(b, root, &order),
            Scenario::Loop => repeated_lookup(b, root, &order),
            Scenario::Noise => noise::any(b, root, "lookup_order", json!({ "order_id": order })),
        }
    }
}

fn order_record(order: &str, charge: f64) -> Value {
    json!({
        "order_id": order,
        "status": "delivered",
        "charges": [{"amount": charge, "at": "2026-10-02"}, {"amount": charge, "at": "2026-10-02"}],
        "customer": "c-8812",
        "items": [{"sku": "MUG-01", "qty": 1}]
    })
}

fn answer(status: &str, order: &str) -> String {
    json!({ "status": status, "order_id": order }).to_string()
}

fn charge(b: &mut TraceBuilder) -> f64 {
    (b.rng.gen_range(500..20000) as f64) / 100.0
}

fn lookup(b: &mut TraceBuilder, root: usize, order: &str, charge: f64) {
    b.llm_tool_call(root, &[("lookup_order", json!({ "order_id": order }))]);
    b.tool(
        root,
        "lookup_order",
        json!({ "order_id": order }),
        Ok(order_record(order, charge)),
    );
}

fn success(b: &mut TraceBuilder, root: usize, order: &str, refund: bool) -> AgentRun {
    let charge = charge(b);
    lookup(b, root, order, charge);
    // The ambiguous rule is also skipped when it happens not to matter:
    // these runs succeed, and only the assertion's violation rate shows it.
    let lucky_skip = refund && b.rng.gen_bool(0.15);
    if refund && !lucky_skip {
        let verify = json!({ "expression": format!("{charge} * 1"), "expected": charge });
        b.llm_tool_call(root, &[("verify_calculation", verify.clone())]);
        b.tool(
            root,
            "verify_calculation",
            verify,
            Ok(json!({ "ok": true, "value": charge })),
        );
    }
    if refund {
        let refund_args = json!({ "order_id": order, "amount": charge });
        b.llm_tool_call(root, &[("issue_refund", refund_args.clone())]);
        b.tool(
            root,
            "issue_refund",
            refund_args,
            Ok(json!({ "refund_id": "rf_93a1", "status": "refunded" })),
        );
    }
    let text = answer(if refund { "refunded" } else { "shipped" }, order);
    b.llm_text(root, &text);
    b.final_answer(root, &text);
    AgentRun::success()
}

/// The ambiguous rule ("verify when it looks unusual") lets the model skip
/// verification and refund both charges; the refund service refuses.
fn skipped_verification(b: &mut TraceBuilder, root: usize, order: &str) -> AgentRun {
    let charge = charge(b);
    lookup(b, root, order, charge);
    let total = ((charge * 2.0) * 100.0).round() / 100.0;
    let args = json!({ "order_id": order, "amount": total });
    let cause = b.llm_tool_call(root, &[("issue_refund", args.clone())]);
    let message = format!("amount {total} exceeds a single charge of {charge}");
    let symptom = b.tool(
        root,
        "issue_refund",
        args,
        Err(("RefundLimitExceeded", &message)),
    );
    let text = answer("error", order);
    b.llm_text(root, &text);
    b.final_answer(root, &text);
    AgentRun::failure(FailureCategory::SkippedRequiredStep, cause, symptom)
}

/// The tool description says "order number", so the model drops the `A-`
/// prefix the schema requires; the lookup fails two steps later.
fn bad_order_id(b: &mut TraceBuilder, root: usize, order: &str) -> AgentRun {
    let bare = order.trim_start_matches("A-").to_owned();
    let args = json!({ "order_id": bare });
    let cause = b.llm_tool_call(root, &[("lookup_order", args.clone())]);
    let message = format!("no order with id {bare:?}");
    let symptom = b.tool(root, "lookup_order", args, Err(("NotFound", &message)));
    let text = answer("not_found", order);
    b.llm_text(root, &text);
    b.final_answer(root, &text);
    AgentRun::failure(FailureCategory::InvalidToolArguments, cause, symptom)
}

/// The order service is down; the model answers as if the lookup worked.
fn ignored_tool_error(b: &mut TraceBuilder, root: usize, order: &str) -> AgentRun {
    let args = json!({ "order_id": order });
    b.llm_tool_call(root, &[("lookup_order", args.clone())]);
    b.tool(
        root,
        "lookup_order",
        args,
        Err(("ServiceUnavailable", "order service returned 503")),
    );
    let text = answer("shipped", order);
    let cause = b.llm_text(root, &text);
    let symptom = b.final_answer(root, &text);
    AgentRun::failure(FailureCategory::ToolErrorNotHandled, cause, symptom)
}

/// The model keeps asking for the same order and never answers.
fn repeated_lookup(b: &mut TraceBuilder, root: usize, order: &str) -> AgentRun {
    let charge = charge(b);
    let args = json!({ "order_id": order });
    lookup(b, root, order, charge);
    let cause = b.llm_tool_call(root, &[("lookup_order", args.clone())]);
    b.tool(
        root,
        "lookup_order",
        args.clone(),
        Ok(order_record(order, charge)),
    );
    for _ in 0..b.rng.gen_range(1..4) {
        b.llm_tool_call(root, &[("lookup_order", args.clone())]);
        b.tool(
            root,
            "lookup_order",
            args.clone(),
            Ok(order_record(order, charge)),
        );
    }
    let symptom = b.final_answer(root, "");
    b.fail(
        symptom,
        "MaxTurnsExceeded",
        "agent stopped after 10 turns without an answer",
    );
    AgentRun::failure(FailureCategory::Loop, cause, symptom)
}

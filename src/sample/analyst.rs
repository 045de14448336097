//! The SQL analyst: a router picks a sub-agent (sql_writer or
//! chart_builder) that reads the schema, queries and answers in JSON.
//! Failure modes: requests routed to the wrong sub-agent, a non-integer
//! `limit`, and markdown instead of the required JSON.

use rand::Rng;
use serde_json::json;

use super::builder::TraceBuilder;
use super::{noise, AgentRun, SampleAgent};
use crate::model::{FailureCategory, Grader, Split, StepKind, Task};

pub struct Analyst;

const METRICS: &[(&str, &str)] = &[
    ("revenue", "sum(amount)"),
    ("orders", "count(*)"),
    ("refunds", "sum(refund_amount)"),
    ("active customers", "count(distinct customer_id)"),
];

impl SampleAgent for Analyst {
    fn name(&self) -> &'static str {
        "analyst"
    }

    fn harness_source(&self) -> &'static str {
        include_str!("harnesses/analyst.toml")
    }

    fn make_task(&self, n: usize, split: Split) -> Task {
        let (metric, _) = METRICS[n % METRICS.len()];
        let (request, chart) = match n % 4 {
            0 => (format!("Plot weekly {metric} for the last quarter."), true),
            1 => (format!("Make a bar chart of {metric} by region."), true),
            _ => (
                format!("What were total {metric} last month, by region?"),
                false,
            ),
        };
        Task {
            id: format!("analyst-{n:04}"),
            split,
            input: json!({ "request": request }),
            expected: json!({ "chart": chart }),
            grader: Grader::JsonSchema {
                schema: json!({ "type": "object", "required": ["sql", "rows", "chart"] }),
            },
            tags: vec![if chart { "chart" } else { "table" }.into()],
            fixtures: serde_json::Map::new(),
        }
    }

    fn run(&self, b: &mut TraceBuilder, task: &Task, system_prompt: &str) -> AgentRun {
        let request = task.input["request"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let chart = task.tags.iter().any(|t| t == "chart");
        // The router's prompt only mentions "chart", so "plot" requests go astray.
        let misroutable = chart && request.starts_with("Plot");
        b.set_system(system_prompt, &request);
        let root = b.push(None, StepKind::Agent, "analyst", 1);
        b.trace.steps[root].input = json!({ "request": request });
        let roll: f64 = b.rng.gen();
        let wrong_route = misroutable && roll < 0.55;
        let target = if chart && !wrong_route {
            "chart_builder"
        } else {
            "sql_writer"
        };
        let route = b.push(Some(root), StepKind::Routing, "router", 120);
        b.trace.steps[route].input = json!({ "request": request });
        b.trace.steps[route].output = json!({ "route": target });
        let sub = b.push(Some(root), StepKind::Agent, target, 1);
        let run = if wrong_route {
            misrouted(b, sub, route)
        } else if roll >= 0.93 {
            noise::any(
                b,
                sub,
                "run_query",
                json!({ "sql": "select 1", "limit": 10 }),
            )
        } else if roll >= 0.85 {
            bad_limit(b, sub)
        } else if roll >= 0.77 {
            markdown_answer(b, sub)
        } else {
            answer(b, sub, chart)
        };
        b.close(sub);
        run
    }
}

fn schema_and_query(b: &mut TraceBuilder, sub: usize, limit: serde_json::Value) -> usize {
    b.llm_tool_call(sub, &[("get_schema", json!({}))]);
    b.tool(sub, "get_schema", json!({}), Ok(json!({
        "tables": { "orders": ["id", "customer_id", "region", "amount", "refund_amount", "created_at"] }
    })));
    let sql = "select region, date_trunc('week', created_at) as week, sum(amount) from orders group by 1, 2";
    b.llm_tool_call(sub, &[("run_query", json!({ "sql": sql, "limit": limit }))])
}

fn rows_result() -> serde_json::Value {
    json!({ "columns": ["region", "week", "sum"], "rows": [["EU", "2026-09-07", 1820.5], ["US", "2026-09-07", 2410.0]], "row_count": 52 })
}

fn answer(b: &mut TraceBuilder, sub: usize, chart: bool) -> AgentRun {
    let llm = schema_and_query(b, sub, json!(1000));
    let sql = b.trace.steps[llm].output["tool_calls"][0]["function"]["arguments"]["sql"].clone();
    b.tool(
        sub,
        "run_query",
        json!({ "sql": sql, "limit": 1000 }),
        Ok(rows_result()),
    );
    let chart_value = if chart {
        let args = json!({ "kind": "line", "x": "week", "y": "sum" });
        b.llm_tool_call(sub, &[("render_chart", args.clone())]);
        b.tool(
            sub,
            "render_chart",
            args,
            Ok(json!({ "chart_url": "charts/7f3e.png" })),
        );
        json!("charts/7f3e.png")
    } else {
        serde_json::Value::Null
    };
    let text = json!({ "sql": sql, "rows": 52, "chart": chart_value }).to_string();
    b.llm_text(sub, &text);
    b.final_answer(sub, &text);
    AgentRun::success()
}

/// A chart request handled by sql_writer: correct rows, no chart.
fn misrouted(b: &mut TraceBuilder, sub: usize, route: usize) -> AgentRun {
    let llm = schema_and_query(b, sub, json!(1000));
    let sql = b.trace.steps[llm].output["tool_calls"][0]["function"]["arguments"]["sql"].clone();
    b.tool(
        sub,
        "run_query",
        json!({ "sql": sql, "limit": 1000 }),
        Ok(rows_result()),
    );
    let text = json!({ "sql": sql, "rows": 52, "chart": null }).to_string();
    b.llm_text(sub, &text);
    let symptom = b.final_answer(sub, &text);
    b.fail(
        symptom,
        "GraderFailed",
        "a chart was requested but none was produced",
    );
    AgentRun::failure(FailureCategory::WrongRoute, route, symptom)
}

/// `limit: "all"` breaks the integer schema; the query service rejects it.
fn bad_limit(b: &mut TraceBuilder, sub: usize) -> AgentRun {
    let cause = schema_and_query(b, sub, json!("all"));
    let sql = b.trace.steps[cause].output["tool_calls"][0]["function"]["arguments"]["sql"].clone();
    let symptom = b.tool(
        sub,
        "run_query",
        json!({ "sql": sql, "limit": "all" }),
        Err(("TypeError", "limit must be an integer")),
    );
    let text = json!({ "sql": sql, "rows": 0, "chart": null }).to_string();
    b.llm_text(sub, &text);
    b.final_answer(sub, &text);
    AgentRun::failure(FailureCategory::InvalidToolArguments, cause, symptom)
}

/// The model answers with a markdown table; the output parser fails.
fn markdown_answer(b: &mut TraceBuilder, sub: usize) -> AgentRun {
    let llm = schema_and_query(b, sub, json!(1000));
    let sql = b.trace.steps[llm].output["tool_calls"][0]["function"]["arguments"]["sql"].clone();
    b.tool(
        sub,
        "run_query",
        json!({ "sql": sql, "limit": 1000 }),
        Ok(rows_result()),
    );
    let text = "| region | week | sum |\n|---|---|---|\n| EU | 2026-09-07 | 1820.5 |\n| US | 2026-09-07 | 2410.0 |";
    let cause = b.llm_text(sub, text);
    let symptom = b.final_answer(sub, text);
    b.fail(
        symptom,
        "OutputParseError",
        "expected a JSON object, found markdown",
    );
    AgentRun::failure(FailureCategory::OutputFormatViolated, cause, symptom)
}

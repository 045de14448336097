//! The research assistant: search → fetch → summarise → cite. Its harness
//! asks for three citations and for answers under 80 words at once; on
//! broad questions the model drops citations to stay brief.

use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::json;

use super::builder::TraceBuilder;
use super::{noise, AgentRun, SampleAgent};
use crate::model::{FailureCategory, Grader, Split, StepKind, Task};

pub struct Research;

const TOPICS: &[&str] = &[
    "the health effects of intermittent fasting",
    "why the Rhine is lower in late summer",
    "how lithium-iron-phosphate batteries age",
    "the causes of the 2008 financial crisis",
    "the evidence for remote work productivity",
    "how CRISPR base editing differs from prime editing",
    "what limits perovskite solar cell lifetimes",
    "the history of the Antikythera mechanism",
    "why sourdough rises more slowly in winter",
    "how large language models are evaluated",
];

impl SampleAgent for Research {
    fn name(&self) -> &'static str {
        "research"
    }

    fn harness_source(&self) -> &'static str {
        include_str!("harnesses/research.toml")
    }

    fn make_task(&self, n: usize, split: Split) -> Task {
        let topic = TOPICS[n % TOPICS.len()];
        let broad = n.is_multiple_of(3);
        let question = if broad {
            format!(
                "Give me a thorough overview of {topic}, covering every major viewpoint. (#{n})"
            )
        } else {
            format!("In short: what is known about {topic}? (#{n})")
        };
        Task {
            id: format!("research-{n:04}"),
            split,
            input: json!({ "question": question }),
            expected: serde_json::Value::Null,
            grader: Grader::Regex {
                pattern: r"(?s)(\[[0-9]+\].*){3}".into(),
            },
            tags: vec![if broad { "broad" } else { "narrow" }.into()],
            fixtures: serde_json::Map::new(),
        }
    }

    fn run(&self, b: &mut TraceBuilder, task: &Task, system_prompt: &str) -> AgentRun {
        let question = task.input["question"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let broad = task.tags.iter().any(|t| t == "broad");
        b.set_system(system_prompt, &question);
        let root = b.push(None, StepKind::Agent, "research", 1);
        b.trace.steps[root].input = json!({ "question": question });
        let roll: f64 = b.rng.gen();
        let urls = search(b, root, &question);
        if roll >= 0.92 {
            return noise::any(b, root, "fetch_page", json!({ "url": urls[0] }));
        }
        if roll >= 0.80 {
            return retry_storm(b, root, &urls);
        }
        fetch_all(b, root, &urls);
        if broad && roll >= 0.45 {
            return citations_dropped(b, root, &urls);
        }
        let summary = format!(
            "Evidence points in one direction [1], with a notable caveat from field data [2]; \
             a 2024 review agrees on the mechanism [3].\n\n{}",
            references(&urls)
        );
        let text_step = b.llm_text(root, &summary);
        b.trace.steps[text_step]
            .attributes
            .insert("purpose".into(), json!("summarise"));
        b.final_answer(root, &summary);
        AgentRun::success()
    }
}

fn search(b: &mut TraceBuilder, root: usize, question: &str) -> Vec<String> {
    let query = question
        .split('(')
        .next()
        .unwrap_or(question)
        .trim()
        .to_owned();
    let args = json!({ "query": query, "top_k": 5 });
    b.llm_tool_call(root, &[("web_search", args.clone())]);
    let mut hosts = [
        "nature.com",
        "arxiv.org",
        "who.int",
        "bbc.co.uk",
        "nih.gov",
        "acm.org",
    ];
    hosts.shuffle(b.rng);
    let urls: Vec<String> = hosts
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, h)| {
            format!(
                "https://{h}/articles/{}",
                1000 + i * 7 + b.trace.steps.len()
            )
        })
        .collect();
    let results: Vec<_> = urls
        .iter()
        .map(|u| json!({ "title": format!("Result from {}", u.split('/').nth(2).unwrap_or("")), "url": u }))
        .collect();
    b.tool(root, "web_search", args, Ok(json!({ "results": results })));
    urls
}

fn fetch_all(b: &mut TraceBuilder, root: usize, urls: &[String]) {
    let calls: Vec<(&str, serde_json::Value)> = urls
        .iter()
        .map(|u| ("fetch_page", json!({ "url": u })))
        .collect();
    b.llm_tool_call(root, &calls);
    for url in urls {
        let body = format!("{} ... (page text, 2,400 words) ...", lorem(url));
        b.tool(
            root,
            "fetch_page",
            json!({ "url": url }),
            Ok(json!({ "url": url, "text": body })),
        );
    }
}

fn references(urls: &[String]) -> String {
    urls.iter()
        .enumerate()
        .map(|(i, u)| format!("[{}] {u}", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

fn lorem(url: &str) -> String {
    format!(
        "Article at {url}. Researchers report measured effects across several cohorts; \
         the size of the effect depends on season, method and sample."
    )
}

/// Brevity wins over citations: the summary keeps one source.
fn citations_dropped(b: &mut TraceBuilder, root: usize, urls: &[String]) -> AgentRun {
    let text = format!(
        "Short answer: the main viewpoints agree on the mechanism and differ on magnitude [1]. \
         Source: {}",
        urls[0]
    );
    let cause = b.llm_text(root, &text);
    b.trace.steps[cause]
        .attributes
        .insert("purpose".into(), json!("summarise"));
    let symptom = b.final_answer(root, &text);
    b.fail(symptom, "GraderFailed", "answer has 1 citation, 3 required");
    AgentRun::failure(FailureCategory::ConflictingRules, cause, symptom)
}

/// The retry policy allows 8 immediate attempts; a flapping site gets
/// hammered until the deadline passes.
fn retry_storm(b: &mut TraceBuilder, root: usize, urls: &[String]) -> AgentRun {
    let url = &urls[0];
    b.llm_tool_call(root, &[("fetch_page", json!({ "url": url }))]);
    let attempts = b.rng.gen_range(5..=8);
    let mut cause = 0;
    for attempt in 1..=attempts {
        let step = b.tool(
            root,
            "fetch_page",
            json!({ "url": url }),
            Err(("http_503", "503 Service Unavailable")),
        );
        b.trace.steps[step]
            .attributes
            .insert("retry.attempt".into(), json!(attempt));
        // Attempt 4 is the third retry: the first one past the budget of 2.
        if attempt == 4 {
            cause = step;
        }
    }
    let symptom = b.final_answer(root, "");
    b.fail(
        symptom,
        "DeadlineExceeded",
        "deadline exceeded while retrying fetch_page",
    );
    AgentRun::failure(FailureCategory::RetryStorm, cause, symptom)
}

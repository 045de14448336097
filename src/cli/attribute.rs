//! `tackroom attribute`: root cause of failed traces, stored; `--evaluate`
//! scores an engine against ground truth and people's labels.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::analyze::evaluate::{ratio, Evaluation, TruthLabel};
use crate::ingest::labels::read_truth;
use crate::model::units::truncate;
use crate::model::Attribution;
use crate::triage::{self, Selection};

#[derive(Debug, clap::Args)]
pub struct AttributeArgs {
    /// rules (deterministic, offline) or llm (the configured model)
    #[arg(long, default_value = "rules")]
    pub engine: String,
    /// Only this agent's failed traces
    #[arg(long)]
    pub agent: Option<String>,
    /// One trace (attributed even if its outcome is not failure)
    #[arg(long)]
    pub trace: Option<String>,
    /// Harness file(s) to use for their agent instead of the stored version
    #[arg(long = "harness", value_name = "FILE")]
    pub harnesses: Vec<PathBuf>,
    /// At most this many traces
    #[arg(long)]
    pub limit: Option<usize>,
    /// Score the engine against --truth files and people's labels
    #[arg(long)]
    pub evaluate: bool,
    /// Ground truth: a sample-generator labels.jsonl or a fixture manifest.json
    #[arg(long = "truth", value_name = "FILE")]
    pub truth: Vec<PathBuf>,
    #[command(flatten)]
    pub llm: super::llm_args::LlmArgs,
    /// One JSON object per trace (or the evaluation as JSON)
    #[arg(long)]
    pub json: bool,
}

pub fn run(store_dir: &Path, args: AttributeArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let lookup = super::harness_lookup(&args.harnesses)?;
    let selection = Selection {
        agent: args.agent.clone(),
        trace: args.trace.clone(),
        limit: args.limit,
    };
    // A model's verdicts are scored as stored: asking it again would cost
    // a call per trace. The rules engine is cheap and re-run, so its score
    // reflects the current harness files.
    if args.evaluate && args.engine == "llm" {
        let engine = super::llm_args::engine_name(&args.llm)?;
        return evaluate(&store, &engine, &args);
    }
    let (engine, attributions) = match args.engine.as_str() {
        "rules" => (
            crate::analyze::rules_engine::ENGINE.to_owned(),
            triage::attribute_with_rules(&store, &selection, &lookup)?,
        ),
        "llm" => super::llm_args::attribute_with_llm(&store, &selection, &lookup, &args.llm)?,
        other => anyhow::bail!("--engine: expected rules or llm, found {other:?}"),
    };
    if args.evaluate {
        return evaluate(&store, &engine, &args);
    }
    if args.json {
        for a in &attributions {
            println!("{}", serde_json::to_string(&attribution_json(a))?);
        }
    } else {
        print_table(&attributions);
    }
    Ok(ExitCode::SUCCESS)
}

/// The documented `--json` shape of one attribution.
pub fn attribution_json(a: &Attribution) -> serde_json::Value {
    serde_json::json!({
        "trace_id": a.trace_id,
        "root_cause": a.root_cause,
        "symptom": a.symptom,
        "category": a.category,
        "harness_problem": a.harness_problem,
        "confidence": a.confidence,
        "explanation": a.explanation,
        "engine": a.engine,
        "rule_ids": a.rule_ids,
    })
}

fn print_table(attributions: &[Attribution]) {
    println!(
        "{:<28} {:<24} {:<26} {:<22} {:>4}",
        "TRACE", "CATEGORY", "ROOT CAUSE", "SYMPTOM", "CONF"
    );
    for a in attributions {
        println!(
            "{:<28} {:<24} {:<26} {:<22} {:>4.2}",
            truncate(&a.trace_id, 28),
            a.category.as_str(),
            truncate(
                &format!("#{} {}", a.root_cause.index, a.root_cause.name),
                26
            ),
            truncate(&format!("#{} {}", a.symptom.index, a.symptom.name), 22),
            a.confidence
        );
    }
    println!("{} failed traces attributed", attributions.len());
}

fn evaluate(
    store: &crate::store::Store,
    engine: &str,
    args: &AttributeArgs,
) -> anyhow::Result<ExitCode> {
    let mut sources: Vec<(String, Vec<TruthLabel>)> = Vec::new();
    for path in &args.truth {
        sources.push((
            path.display().to_string(),
            read_truth(path).map_err(anyhow::Error::msg)?,
        ));
    }
    let human = triage::human_truth(store)?;
    if !human.is_empty() {
        sources.push(("human labels".into(), human));
    }
    if sources.is_empty() {
        anyhow::bail!("nothing to evaluate against: give --truth FILE or label root causes first");
    }
    let mut report = Vec::new();
    for (name, truth) in &sources {
        let evaluation = triage::evaluate_engine(store, engine, truth)?;
        if !args.json {
            print_evaluation(name, engine, &evaluation);
        }
        report
            .push(serde_json::json!({ "truth": name, "engine": engine, "evaluation": evaluation }));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn percent(k: usize, n: usize) -> String {
    format!("{:>5.1}% ({k}/{n})", ratio(k, n) * 100.0)
}

fn print_evaluation(name: &str, engine: &str, e: &Evaluation) {
    println!(
        "engine {engine} against {name}: {} failed traces ({} not attributed)",
        e.traces, e.unattributed
    );
    println!(
        "  root-cause step accuracy  {}",
        percent(e.step_correct, e.traces)
    );
    println!(
        "  category accuracy         {}",
        percent(e.category_correct, e.traces)
    );
    println!(
        "  harness-problem failures  step {}  category {}",
        percent(e.harness.step_correct, e.harness.traces),
        percent(e.harness.category_correct, e.harness.traces)
    );
    println!(
        "  {:<26} {:>7} {:>16} {:>16}",
        "CATEGORY", "TRACES", "STEP", "CATEGORY"
    );
    for (category, row) in &e.by_category {
        println!(
            "  {:<26} {:>7} {:>16} {:>16}",
            category,
            row.traces,
            percent(row.step_correct, row.traces),
            percent(row.category_correct, row.traces)
        );
    }
    println!("  confusion (truth → predicted):");
    for (truth, predicted) in &e.confusion {
        let cells: Vec<String> = predicted.iter().map(|(p, n)| format!("{p}={n}")).collect();
        println!("    {truth:<24} → {}", cells.join(", "));
    }
    println!();
}

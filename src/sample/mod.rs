//! A seeded generator of realistic sample traces, with harness files, task
//! sets and ground-truth root-cause labels, for the demo, tests and
//! benchmarks (see `sample-traces/README.md`).

mod analyst;
mod builder;
mod noise;
mod research;
mod support;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::harness::{parse_harness, version_id};
use crate::model::{FailureCategory, LabelProvenance, OutcomeLabel, Split, Task, Trace};
use builder::TraceBuilder;

/// Tasks per agent in the generated task sets.
pub const TASKS_PER_AGENT: usize = 300;

/// The ground truth for one generated failure, written to `labels.jsonl`
/// beside the traces (never inside them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub trace_id: String,
    pub outcome: OutcomeLabel,
    pub category: FailureCategory,
    pub harness_problem: bool,
    pub root_cause_step_id: String,
    pub root_cause_index: u32,
    pub symptom_step_id: String,
    pub symptom_index: u32,
}

/// What an agent scenario produced.
pub struct AgentRun {
    pub outcome: OutcomeLabel,
    pub failure: Option<Failure>,
}

/// Positions (in `trace.steps`) of the cause and the symptom of a failure.
pub struct Failure {
    pub category: FailureCategory,
    pub root_cause: usize,
    pub symptom: usize,
}

impl AgentRun {
    fn success() -> Self {
        AgentRun {
            outcome: OutcomeLabel::Success,
            failure: None,
        }
    }

    fn failure(category: FailureCategory, root_cause: usize, symptom: usize) -> Self {
        AgentRun {
            outcome: OutcomeLabel::Failure,
            failure: Some(Failure {
                category,
                root_cause,
                symptom,
            }),
        }
    }
}

/// One kind of sample agent.
trait SampleAgent {
    fn name(&self) -> &'static str;
    fn harness_source(&self) -> &'static str;
    fn make_task(&self, n: usize, split: Split) -> Task;
    fn run(&self, b: &mut TraceBuilder, task: &Task, system_prompt: &str) -> AgentRun;
}

fn agents() -> Vec<Box<dyn SampleAgent>> {
    vec![
        Box::new(support::Support),
        Box::new(research::Research),
        Box::new(analyst::Analyst),
    ]
}

#[derive(Debug, Clone)]
pub struct SampleOptions {
    pub traces: usize,
    pub seed: u64,
    pub out: PathBuf,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SampleReport {
    pub traces: usize,
    pub failures: usize,
    pub harness_failures: usize,
    pub files: Vec<String>,
}

/// The first trace's start time; fixed so output is reproducible.
fn epoch() -> DateTime<Utc> {
    DateTime::from_timestamp(1_793_000_000, 0).unwrap_or_default()
}

/// Writes `<out>/<agent>/{harness.toml,tasks.jsonl,traces.jsonl,labels.jsonl}`.
pub fn generate(options: &SampleOptions) -> io::Result<SampleReport> {
    let agents = agents();
    let mut report = SampleReport::default();
    let per_agent = options.traces.div_ceil(agents.len());
    for (slot, agent) in agents.iter().enumerate() {
        let count = per_agent.min(options.traces.saturating_sub(slot * per_agent));
        let dir = options.out.join(agent.name());
        fs::create_dir_all(&dir)?;
        let seed = options.seed.wrapping_add(slot as u64 * 0x9E37_79B9);
        write_agent(agent.as_ref(), &dir, count, seed, &mut report)?;
    }
    Ok(report)
}

fn write_agent(
    agent: &dyn SampleAgent,
    dir: &Path,
    count: usize,
    seed: u64,
    report: &mut SampleReport,
) -> io::Result<()> {
    let harness = parse_harness(agent.name(), agent.harness_source())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let version = version_id(&harness);
    fs::write(dir.join("harness.toml"), agent.harness_source())?;
    let tasks: Vec<Task> = (0..TASKS_PER_AGENT)
        .map(|n| {
            agent.make_task(
                n,
                if n % 10 < 7 {
                    Split::Train
                } else {
                    Split::Heldout
                },
            )
        })
        .collect();
    write_jsonl(&dir.join("tasks.jsonl"), tasks.iter())?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut traces = BufWriter::new(File::create(dir.join("traces.jsonl"))?);
    let mut labels = BufWriter::new(File::create(dir.join("labels.jsonl"))?);
    let spacing_ms = (14 * 24 * 3600 * 1000 / count.max(1)) as i64;
    for i in 0..count {
        let train: Vec<&Task> = tasks.iter().filter(|t| t.split == Split::Train).collect();
        let task = train[rng.gen_range(0..train.len())];
        let start = epoch()
            + Duration::milliseconds(i as i64 * spacing_ms + rng.gen_range(0..spacing_ms.max(1)));
        let id = format!("{}-{:016x}", agent.name(), rng.gen::<u64>());
        let (trace, truth) = run_one(agent, &mut rng, id, start, task, &harness, &version);
        serde_json::to_writer(&mut traces, &trace)?;
        traces.write_all(b"\n")?;
        report.traces += 1;
        if let Some(truth) = truth {
            report.failures += 1;
            report.harness_failures += truth.harness_problem as usize;
            serde_json::to_writer(&mut labels, &truth)?;
            labels.write_all(b"\n")?;
        }
    }
    traces.flush()?;
    labels.flush()?;
    for file in [
        "harness.toml",
        "tasks.jsonl",
        "traces.jsonl",
        "labels.jsonl",
    ] {
        report.files.push(dir.join(file).display().to_string());
    }
    Ok(())
}

fn run_one(
    agent: &dyn SampleAgent,
    rng: &mut ChaCha8Rng,
    id: String,
    start: DateTime<Utc>,
    task: &Task,
    harness: &crate::model::Harness,
    version: &str,
) -> (Trace, Option<GroundTruth>) {
    let model = harness
        .model
        .clone()
        .unwrap_or_else(|| "gpt-4o-mini".into());
    let mut b = TraceBuilder::new(rng, id, agent.name(), start, &model);
    b.trace.harness_version = Some(version.to_owned());
    b.trace.task_id = Some(task.id.clone());
    b.trace
        .metadata
        .insert("environment".into(), "production".into());
    let run = agent.run(&mut b, task, harness.system_prompt.trim());
    let mut trace = b.finish(0, run.outcome);
    trace.labelled_by = Some(LabelProvenance {
        by: "grader:sample".into(),
        at: trace.ended_at,
        note: None,
    });
    let truth = run.failure.map(|f| {
        let cause = &trace.steps[f.root_cause];
        let symptom = &trace.steps[f.symptom];
        GroundTruth {
            trace_id: trace.id.clone(),
            outcome: run.outcome,
            category: f.category,
            harness_problem: f.category.is_harness_problem(),
            root_cause_step_id: cause.id.clone(),
            root_cause_index: cause.index,
            symptom_step_id: symptom.id.clone(),
            symptom_index: symptom.index,
        }
    });
    (trace, truth)
}

fn write_jsonl<'a, T: Serialize + 'a>(
    path: &Path,
    items: impl Iterator<Item = &'a T>,
) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    for item in items {
        serde_json::to_writer(&mut out, item)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Reads a ground-truth labels file written by [`generate`].
pub fn read_ground_truth(path: &Path) -> io::Result<Vec<GroundTruth>> {
    let text = fs::read_to_string(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}:{}: {e}", path.display(), n + 1),
                )
            })
        })
        .collect()
}

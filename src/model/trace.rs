//! The trace model: one agent run as a tree of steps, labelled by outcome.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One execution of an agent on one request: its steps and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    pub id: String,
    /// The agent or variant that ran, e.g. `support`.
    pub agent: String,
    /// Content hash of the harness version that was in effect, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_version: Option<String>,
    /// The task-set task this run answered, when it came from an eval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    #[serde(default)]
    pub outcome: OutcomeLabel,
    /// Grader or feedback score, usually in 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Who set the outcome and when (a grader, an importer, a person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labelled_by: Option<LabelProvenance>,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Free-form metadata from the source (session, environment, tags…).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    /// The format the trace was imported from and its id there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<TraceSource>,
    pub steps: Vec<Step>,
}

/// Where an imported trace came from, so it can be found in the original tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceSource {
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeLabel {
    Success,
    Failure,
    #[default]
    Unknown,
}

impl OutcomeLabel {
    pub const ALL: [OutcomeLabel; 3] = [Self::Success, Self::Failure, Self::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// Who set an outcome label, when, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelProvenance {
    /// `grader:<name>`, `import:<format>`, `user:<name>`…
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One node of a trace: an agent, an LLM call, a tool call, a routing decision…
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Position in the trace (0-based, unique): execution order.
    #[serde(alias = "order")]
    pub index: u32,
    pub kind: StepKind,
    /// Model name for LLM calls, tool name for tool calls, agent name for agents.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub input: Value,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub output: Value,
    #[serde(default)]
    pub status: StepStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Tokens>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// The span or run id in the source format, kept for cross-reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// Source attributes kept losslessly, including ones tackroom does not map.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Step {
    /// A step with nothing recorded yet: no parent, position 0, no input or
    /// output, status ok, no timing. Importers fill in what their source has.
    pub fn new(id: impl Into<String>, kind: StepKind, name: impl Into<String>) -> Step {
        Step {
            id: id.into(),
            parent_id: None,
            index: 0,
            kind,
            name: name.into(),
            model: None,
            input: Value::Null,
            output: Value::Null,
            status: StepStatus::Ok,
            error: None,
            started_at: None,
            ended_at: None,
            tokens: None,
            cost_usd: None,
            source_id: None,
            attributes: Map::new(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.status == StepStatus::Error
    }

    pub fn duration_ms(&self) -> Option<i64> {
        Some((self.ended_at? - self.started_at?).num_milliseconds())
    }

    pub fn error_type(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.error_type.as_str())
    }
}

/// What a step is. Importers map foreign span kinds onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Agent,
    Chain,
    LlmCall,
    ToolCall,
    Retrieval,
    Routing,
    Handoff,
    Guardrail,
    Retry,
    FinalAnswer,
    Other,
}

impl StepKind {
    /// A short fixed-width tag for timelines.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Agent => "AGENT",
            Self::Chain => "CHAIN",
            Self::LlmCall => "LLM",
            Self::ToolCall => "TOOL",
            Self::Retrieval => "RETR",
            Self::Routing => "ROUTE",
            Self::Handoff => "HANDOFF",
            Self::Guardrail => "GUARD",
            Self::Retry => "RETRY",
            Self::FinalAnswer => "FINAL",
            Self::Other => "STEP",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    #[default]
    Ok,
    Error,
}

/// Why a step failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepError {
    /// A stable, groupable type: `provider_error`, `timeout`, `ValidationError`…
    #[serde(rename = "type")]
    pub error_type: String,
    #[serde(default)]
    pub message: String,
}

/// Token counts of an LLM call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    #[serde(default)]
    pub input: u64,
    #[serde(default)]
    pub output: u64,
}

impl Tokens {
    pub fn total(&self) -> u64 {
        self.input + self.output
    }
}

/// The part of a trace a list shows: computed once at import, stored beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceSummary {
    pub id: String,
    pub agent: String,
    pub harness_version: Option<String>,
    pub task_id: Option<String>,
    pub outcome: OutcomeLabel,
    pub score: Option<f64>,
    pub steps: u32,
    pub error_steps: u32,
    pub duration_ms: Option<i64>,
    pub started_at: DateTime<Utc>,
    pub tokens: u64,
    /// The first step in error, if any: `(index, name)`.
    pub first_error: Option<FirstError>,
    /// Distinct error types of the steps in error, for the error-type index.
    pub error_types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstError {
    pub index: u32,
    pub name: String,
    pub error_type: String,
}

impl Trace {
    /// A trace with nothing known beyond who ran and when: no harness or
    /// task, outcome unknown, no metadata or source, no steps yet.
    pub fn new(
        id: impl Into<String>,
        agent: impl Into<String>,
        started_at: DateTime<Utc>,
    ) -> Trace {
        Trace {
            id: id.into(),
            agent: agent.into(),
            harness_version: None,
            task_id: None,
            outcome: OutcomeLabel::Unknown,
            score: None,
            labelled_by: None,
            started_at,
            ended_at: None,
            metadata: Map::new(),
            source: None,
            steps: Vec::new(),
        }
    }

    pub fn duration_ms(&self) -> Option<i64> {
        let end = self
            .ended_at
            .or_else(|| self.steps.iter().filter_map(|s| s.ended_at).max())?;
        Some((end - self.started_at).num_milliseconds())
    }

    pub fn summary(&self) -> TraceSummary {
        let errors: Vec<&Step> = self.steps.iter().filter(|s| s.is_error()).collect();
        let mut error_types: Vec<String> = errors
            .iter()
            .filter_map(|s| s.error_type().map(str::to_owned))
            .collect();
        error_types.sort();
        error_types.dedup();
        TraceSummary {
            id: self.id.clone(),
            agent: self.agent.clone(),
            harness_version: self.harness_version.clone(),
            task_id: self.task_id.clone(),
            outcome: self.outcome,
            score: self.score,
            steps: self.steps.len() as u32,
            error_steps: errors.len() as u32,
            duration_ms: self.duration_ms(),
            started_at: self.started_at,
            tokens: self
                .steps
                .iter()
                .filter_map(|s| s.tokens)
                .map(|t| t.total())
                .sum(),
            first_error: errors.iter().min_by_key(|s| s.index).map(|s| FirstError {
                index: s.index,
                name: s.name.clone(),
                error_type: s.error_type().unwrap_or("error").to_owned(),
            }),
            error_types,
        }
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

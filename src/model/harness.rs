//! The harness: everything around the model that decides how an agent
//! behaves. Stored as TOML (see `docs/harness-format.md`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format marker every harness file carries, bumped on breaking changes.
pub const HARNESS_FORMAT: &str = "tackroom.harness/1";

/// A harness file: prompt, named rules, tools, routing, retries, output
/// constraints and the trace assertions that check them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Harness {
    pub format: String,
    pub agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub system_prompt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputConstraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<Assertion>,
}

/// A named operating rule. The id stays stable across edits so that diffs,
/// attributions and audit entries can speak of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub text: String,
}

/// A tool the agent may call, with the JSON Schema of its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub parameters: Value,
}

/// How a router picks a sub-agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    pub default: String,
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// Requests whose text contains any keyword go to `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub to: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    #[serde(default)]
    pub backoff_ms: u64,
    #[serde(default)]
    pub retry_on: Vec<String>,
}

/// What the final answer must look like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConstraint {
    /// `json`, `markdown` or `text`.
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
}

/// A property every trace of this agent should have. Checked over all
/// traces, so a rule the model silently ignores shows as a violation rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Assertion {
    /// A call to `step` must come after a call to `required`.
    Precedes {
        id: String,
        step: String,
        required: String,
        #[serde(default)]
        rule: Option<String>,
    },
    /// The final answer must be JSON (matching `schema` when given).
    FinalOutputJson {
        id: String,
        #[serde(default)]
        schema: Option<Value>,
        #[serde(default)]
        rule: Option<String>,
    },
    /// The final answer must contain at least `min` matches of `pattern`.
    FinalOutputContains {
        id: String,
        pattern: String,
        #[serde(default = "one")]
        min: usize,
        #[serde(default)]
        rule: Option<String>,
        /// Rule ids this one competes with, when a violation is a conflict.
        #[serde(default)]
        conflicts_with: Vec<String>,
    },
    /// At most `max` retries of one tool (or of every tool when `tool` is absent).
    MaxRetries {
        id: String,
        max: u32,
        #[serde(default)]
        tool: Option<String>,
        #[serde(default)]
        rule: Option<String>,
    },
    /// The same tool with the same arguments is never called twice.
    NoRepeatedCalls {
        id: String,
        #[serde(default)]
        rule: Option<String>,
    },
    /// Tool arguments match the tool's declared JSON Schema.
    ToolArgsMatchSchema {
        id: String,
        #[serde(default)]
        rule: Option<String>,
    },
    /// Routing decisions follow the harness's `[routing]` table.
    RoutesFollowTable {
        id: String,
        #[serde(default)]
        rule: Option<String>,
    },
}

fn one() -> usize {
    1
}

impl Assertion {
    pub fn id(&self) -> &str {
        match self {
            Self::Precedes { id, .. }
            | Self::FinalOutputJson { id, .. }
            | Self::FinalOutputContains { id, .. }
            | Self::MaxRetries { id, .. }
            | Self::NoRepeatedCalls { id, .. }
            | Self::ToolArgsMatchSchema { id, .. }
            | Self::RoutesFollowTable { id, .. } => id,
        }
    }

    pub fn rule(&self) -> Option<&str> {
        match self {
            Self::Precedes { rule, .. }
            | Self::FinalOutputJson { rule, .. }
            | Self::FinalOutputContains { rule, .. }
            | Self::MaxRetries { rule, .. }
            | Self::NoRepeatedCalls { rule, .. }
            | Self::ToolArgsMatchSchema { rule, .. }
            | Self::RoutesFollowTable { rule, .. } => rule.as_deref(),
        }
    }
}

/// Lifecycle of a harness version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Proposed,
    Accepted,
    Rejected,
    Deployed,
}

/// One stored version of a harness, content-addressed by the hash of its
/// normalised file, with the evidence that justified it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarnessVersion {
    /// `sha256:<hex>` of the normalised harness.
    pub id: String,
    pub agent: String,
    pub parent: Option<String>,
    pub author: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub status: VersionStatus,
    /// Trace ids that motivated the change.
    #[serde(default)]
    pub evidence_traces: Vec<String>,
    #[serde(default)]
    pub evidence_cluster: Option<String>,
    #[serde(default)]
    pub eval_runs: Vec<String>,
    pub harness: Harness,
}

//! Task sets: the inputs an agent is evaluated on (see `docs/task-set-format.md`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One line of a task set: an input, how to grade the answer, and its split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub split: Split,
    pub input: Value,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub expected: Value,
    pub grader: Grader,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Canned tool results keyed by tool name, for the builtin and sim runners.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fixtures: Map<String, Value>,
}

/// Training tasks may be looked at while improving a harness; held-out
/// tasks only judge the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    Train,
    Heldout,
}

/// How an answer is judged against `expected`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Grader {
    Exact,
    Regex { pattern: String },
    Contains { text: String },
    Numeric { tolerance: f64 },
    JsonSchema { schema: Value },
    FieldEquals { fields: Vec<String> },
    Command { command: Vec<String> },
    LlmJudge { rubric: String },
}

//! Failure attribution: which step caused a failed trace, and why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The failure taxonomy (see `docs/attribution.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCategory {
    SkippedRequiredStep,
    InstructionViolated,
    ConflictingRules,
    InvalidToolArguments,
    WrongToolChosen,
    ToolErrorNotHandled,
    WrongRoute,
    OutputFormatViolated,
    RetryStorm,
    Loop,
    Hallucination,
    ContextOverflow,
    ProviderError,
    Timeout,
    Unknown,
}

impl FailureCategory {
    pub const ALL: [FailureCategory; 15] = [
        Self::SkippedRequiredStep,
        Self::InstructionViolated,
        Self::ConflictingRules,
        Self::InvalidToolArguments,
        Self::WrongToolChosen,
        Self::ToolErrorNotHandled,
        Self::WrongRoute,
        Self::OutputFormatViolated,
        Self::RetryStorm,
        Self::Loop,
        Self::Hallucination,
        Self::ContextOverflow,
        Self::ProviderError,
        Self::Timeout,
        Self::Unknown,
    ];

    /// Whether better rules in the harness could have prevented it, as
    /// opposed to provider or infrastructure noise.
    pub fn is_harness_problem(self) -> bool {
        !matches!(self, Self::ProviderError | Self::Timeout | Self::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SkippedRequiredStep => "skipped_required_step",
            Self::InstructionViolated => "instruction_violated",
            Self::ConflictingRules => "conflicting_rules",
            Self::InvalidToolArguments => "invalid_tool_arguments",
            Self::WrongToolChosen => "wrong_tool_chosen",
            Self::ToolErrorNotHandled => "tool_error_not_handled",
            Self::WrongRoute => "wrong_route",
            Self::OutputFormatViolated => "output_format_violated",
            Self::RetryStorm => "retry_storm",
            Self::Loop => "loop",
            Self::Hallucination => "hallucination",
            Self::ContextOverflow => "context_overflow",
            Self::ProviderError => "provider_error",
            Self::Timeout => "timeout",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// A pointer to one step, in tackroom's terms and in the source's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRef {
    pub step_id: String,
    pub source_id: Option<String>,
    pub name: String,
    pub index: u32,
}

/// An engine's verdict on one failed trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub trace_id: String,
    pub root_cause: StepRef,
    pub symptom: StepRef,
    pub category: FailureCategory,
    pub harness_problem: bool,
    pub confidence: f64,
    pub explanation: String,
    /// `rules` or `llm:<model>`.
    pub engine: String,
    /// Harness rule ids the evidence points at.
    #[serde(default)]
    pub rule_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A person's confirmation or correction of a trace's root cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HumanLabel {
    pub trace_id: String,
    pub root_cause_step_id: String,
    pub category: FailureCategory,
    pub by: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub note: Option<String>,
}

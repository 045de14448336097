//! Plain data shared by every layer: traces, steps, harnesses, task sets,
//! attributions. No I/O lives here.

pub mod attribution;
pub mod harness;
pub mod task;
pub mod trace;
pub mod tree;
pub mod units;
pub mod validate;

pub use attribution::{Attribution, FailureCategory, HumanLabel, StepRef};
pub use harness::{Assertion, Harness, HarnessVersion, VersionStatus};
pub use task::{Grader, Split, Task};
pub use trace::{
    LabelProvenance, OutcomeLabel, Step, StepError, StepKind, StepStatus, Tokens, Trace,
    TraceSummary,
};

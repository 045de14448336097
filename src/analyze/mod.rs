//! Pure functions over the model: trace assertions, root-cause
//! attribution (rules engine), failure clusters, accuracy against labels,
//! and trace compaction for LLM prompts. No I/O, no network.

pub mod assertions;
pub mod clusters;
pub mod compact;
pub mod evaluate;
pub mod rules_engine;
pub mod trace_facts;

pub use assertions::{check_assertions, Violation};
pub use rules_engine::attribute_root_cause;

//! tackroom: a terminal workbench for agent-harness engineering.
//!
//! Layers, arrows pointing down only: `model` ← `store`, `ingest`,
//! `analyze`, `harness` ← `cli`, `tui`.

pub mod analyze;
pub mod cli;
pub mod collect;
pub mod harness;
pub mod identity;
pub mod ingest;
pub mod llm;
pub mod model;
pub mod sample;
pub mod settings;
pub mod store;
pub mod triage;
pub mod tui;

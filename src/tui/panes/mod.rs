//! One module per pane: its state, its transitions, its render function.

pub mod detail;
pub mod detail_content;
pub mod empty;
pub mod failures;
pub mod help;
pub mod timeline;
pub mod traces;

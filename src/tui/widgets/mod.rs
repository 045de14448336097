//! Reusable pieces of panes.

pub mod highlight;
pub mod text_input;
pub mod waterfall;

//! The timeline of one trace: one row per step, indented by the step tree,
//! with a waterfall bar, and the root cause, the symptom and the path
//! between them marked. Subtrees collapse; identical consecutive calls
//! (retries) fold into one row with a count.

use std::collections::HashSet;
use std::sync::Arc;

use crate::model::tree::{flatten, TreeRow};
use crate::model::{Attribution, StepKind, Trace};

/// A row on screen: a step, or the head of a run of folded retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisibleRow {
    pub pos: usize,
    pub depth: usize,
    pub has_children: bool,
    pub collapsed: bool,
    /// Steps folded into this row (1 when nothing is folded).
    pub folded: usize,
}

/// Where the marked root cause came from.
#[derive(Debug, Clone, PartialEq)]
pub enum CauseSource {
    Attribution {
        engine: String,
        category: String,
        explanation: String,
    },
    Human {
        by: String,
        category: String,
    },
    FirstError,
    None,
}

#[derive(Debug, Clone)]
pub struct TimelineState {
    pub trace: Arc<Trace>,
    tree: Vec<TreeRow>,
    pub collapsed: HashSet<usize>,
    pub unfolded: HashSet<usize>,
    pub rows: Vec<VisibleRow>,
    pub selected: usize,
    pub scroll_top: usize,
    pub viewport: usize,
    pub root_cause: Option<usize>,
    pub symptom: Option<usize>,
    pub cause_source: CauseSource,
    /// Steps on the way from the root cause to the symptom (exclusive).
    pub path: HashSet<usize>,
    /// Harness assertions this trace breaks, as sentences.
    pub violations: Vec<String>,
}

impl TimelineState {
    /// Builds the timeline; the attribution (if any) marks the root cause,
    /// else the first error step does.
    pub fn new(trace: Arc<Trace>, attribution: Option<&Attribution>) -> Self {
        let tree = flatten(&trace);
        let position = |id: &str| trace.steps.iter().position(|s| s.id == id);
        let errors: Vec<usize> = tree
            .iter()
            .map(|r| r.pos)
            .filter(|&p| trace.steps[p].is_error())
            .collect();
        let (root_cause, symptom, cause_source) = match attribution {
            Some(a) => (
                position(&a.root_cause.step_id),
                position(&a.symptom.step_id),
                CauseSource::Attribution {
                    engine: a.engine.clone(),
                    category: a.category.as_str().to_owned(),
                    explanation: a.explanation.clone(),
                },
            ),
            None if !errors.is_empty() => (
                errors.first().copied(),
                errors.last().copied(),
                CauseSource::FirstError,
            ),
            None => (None, None, CauseSource::None),
        };
        let path = cause_path(&trace, root_cause, symptom);
        let mut state = TimelineState {
            trace,
            tree,
            collapsed: HashSet::new(),
            unfolded: HashSet::new(),
            rows: Vec::new(),
            selected: 0,
            scroll_top: 0,
            viewport: 10,
            root_cause,
            symptom,
            cause_source,
            path,
            violations: Vec::new(),
        };
        state.rebuild_rows();
        state
    }

    /// A new engine verdict, unless a person's label already says otherwise.
    pub fn set_attribution(&mut self, a: &Attribution) {
        if matches!(self.cause_source, CauseSource::Human { .. }) {
            return;
        }
        let position = |id: &str| self.trace.steps.iter().position(|s| s.id == id);
        self.root_cause = position(&a.root_cause.step_id);
        self.symptom = position(&a.symptom.step_id);
        self.path = cause_path(&self.trace, self.root_cause, self.symptom);
        self.cause_source = CauseSource::Attribution {
            engine: a.engine.clone(),
            category: a.category.as_str().to_owned(),
            explanation: a.explanation.clone(),
        };
        self.rebuild_rows();
    }

    /// A person's label overrides any engine's root cause.
    pub fn set_human_cause(&mut self, label: &crate::model::HumanLabel) {
        let Some(pos) = self
            .trace
            .steps
            .iter()
            .position(|s| s.id == label.root_cause_step_id)
        else {
            return;
        };
        self.root_cause = Some(pos);
        if self.symptom.is_none() {
            self.symptom = Some(pos);
        }
        self.path = cause_path(&self.trace, self.root_cause, self.symptom);
        self.cause_source = CauseSource::Human {
            by: label.by.clone(),
            category: label.category.as_str().to_owned(),
        };
    }

    pub fn selected_pos(&self) -> Option<usize> {
        self.rows.get(self.selected).map(|r| r.pos)
    }

    /// Recomputes the visible rows after a collapse or fold change.
    fn rebuild_rows(&mut self) {
        let keep = self.selected_pos();
        let steps = &self.trace.steps;
        let mut rows: Vec<VisibleRow> = Vec::with_capacity(self.tree.len());
        let mut hidden_below: Option<usize> = None;
        // Inside a run of identical calls whose head the user unfolded.
        let mut unfolded_run = false;
        for row in &self.tree {
            if let Some(depth) = hidden_below {
                if row.depth > depth {
                    continue;
                }
                hidden_below = None;
            }
            let collapsed = self.collapsed.contains(&row.pos);
            if collapsed {
                hidden_below = Some(row.depth);
            }
            if let Some(last) = rows.last_mut() {
                let head = &steps[last.pos];
                let step = &steps[row.pos];
                let same_call = last.depth == row.depth
                    && row.children == 0
                    && head.kind == step.kind
                    && head.name == step.name
                    && head.input == step.input
                    && matches!(
                        step.kind,
                        StepKind::ToolCall | StepKind::LlmCall | StepKind::Retry
                    );
                if same_call && !unfolded_run {
                    last.folded += 1;
                    continue;
                }
                if !same_call {
                    unfolded_run = self.unfolded.contains(&row.pos);
                }
            } else {
                unfolded_run = self.unfolded.contains(&row.pos);
            }
            rows.push(VisibleRow {
                pos: row.pos,
                depth: row.depth,
                has_children: row.children > 0,
                collapsed,
                folded: 1,
            });
        }
        self.rows = rows;
        self.selected = keep
            .and_then(|p| self.rows.iter().position(|r| r.pos == p))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
        self.keep_visible();
    }

    /// Positions folded into the row at `index` (the head and its retries).
    fn folded_positions(&self, index: usize) -> Vec<usize> {
        let Some(row) = self.rows.get(index) else {
            return Vec::new();
        };
        let start = self.tree.iter().position(|t| t.pos == row.pos).unwrap_or(0);
        self.tree[start..]
            .iter()
            .take(row.folded)
            .map(|t| t.pos)
            .collect()
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.keep_visible();
    }

    pub fn go_top(&mut self) {
        self.selected = 0;
        self.keep_visible();
    }

    pub fn go_bottom(&mut self) {
        self.selected = self.rows.len().saturating_sub(1);
        self.keep_visible();
    }

    /// Collapses or expands the selected subtree, or unfolds / refolds retries.
    pub fn toggle(&mut self) {
        let Some(row) = self.rows.get(self.selected).copied() else {
            return;
        };
        if row.folded > 1 || self.unfolded.contains(&row.pos) {
            if !self.unfolded.remove(&row.pos) {
                self.unfolded.insert(row.pos);
            }
        } else if row.has_children && !self.collapsed.remove(&row.pos) {
            self.collapsed.insert(row.pos);
        }
        self.rebuild_rows();
    }

    pub fn expand_all(&mut self) {
        self.collapsed.clear();
        self.unfolded = self.tree.iter().map(|r| r.pos).collect();
        self.rebuild_rows();
    }

    /// Steps worth jumping to: errors and the root cause, in tree order.
    fn failure_positions(&self) -> Vec<usize> {
        self.tree
            .iter()
            .map(|r| r.pos)
            .filter(|&p| self.trace.steps[p].is_error() || Some(p) == self.root_cause)
            .collect()
    }

    /// Jumps to the next (or previous) failing step, expanding whatever
    /// hides it. Returns false when there is none in that direction.
    pub fn jump_failure(&mut self, forward: bool) -> bool {
        let order: Vec<usize> = self.tree.iter().map(|r| r.pos).collect();
        let rank = |pos: usize| order.iter().position(|&p| p == pos).unwrap_or(0);
        let here = self.selected_pos().map(rank).unwrap_or(0);
        let folded_here = self.folded_positions(self.selected);
        let candidates = self.failure_positions();
        let target = if forward {
            candidates.into_iter().find(|&p| {
                rank(p) > here && (!folded_here.contains(&p) || Some(p) == self.root_cause)
            })
        } else {
            candidates.into_iter().rev().find(|&p| rank(p) < here)
        };
        let Some(target) = target else { return false };
        self.reveal(target);
        if let Some(i) = self.rows.iter().position(|r| r.pos == target) {
            self.selected = i;
        }
        self.keep_visible();
        true
    }

    /// Expands ancestors and unfolds retries so `pos` has its own row.
    fn reveal(&mut self, pos: usize) {
        for ancestor in crate::model::tree::ancestors(&self.trace, pos) {
            self.collapsed.remove(&ancestor);
        }
        self.rebuild_rows();
        if !self.rows.iter().any(|r| r.pos == pos) {
            if let Some(head) =
                (0..self.rows.len()).find(|&i| self.folded_positions(i).contains(&pos))
            {
                self.unfolded.insert(self.rows[head].pos);
                self.rebuild_rows();
            }
        }
    }

    fn keep_visible(&mut self) {
        self.scroll_top = super::scroll_to_show(self.selected, self.scroll_top, self.viewport);
    }

    pub fn set_viewport(&mut self, rows: usize) {
        self.viewport = rows.max(1);
        self.keep_visible();
    }

    pub fn select_row(&mut self, index: usize) {
        if index < self.rows.len() {
            self.selected = index;
            self.keep_visible();
        }
    }
}

/// Steps executed strictly between the root cause and the symptom that are
/// not containers: the chain the failure travelled along.
fn cause_path(trace: &Trace, root: Option<usize>, symptom: Option<usize>) -> HashSet<usize> {
    let (Some(root), Some(symptom)) = (root, symptom) else {
        return HashSet::new();
    };
    let (from, to) = (trace.steps[root].index, trace.steps[symptom].index);
    trace
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.index > from && s.index < to && !matches!(s.kind, StepKind::Agent | StepKind::Chain)
        })
        .map(|(i, _)| i)
        .collect()
}

pub use super::timeline_view::render;

//! The step tree flattened for display: depth-first, children in execution
//! order. Steps whose parent is missing become roots rather than vanish.

use std::collections::HashMap;

use super::trace::Trace;

/// One row of a flattened step tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeRow {
    /// Position in `trace.steps`.
    pub pos: usize,
    pub depth: usize,
    pub children: usize,
}

/// Depth-first order of the steps with their depths.
pub fn flatten(trace: &Trace) -> Vec<TreeRow> {
    let position: HashMap<&str, usize> = trace
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); trace.steps.len()];
    let mut roots = Vec::new();
    for (i, step) in trace.steps.iter().enumerate() {
        match step.parent_id.as_deref().and_then(|p| position.get(p)) {
            Some(&parent) if parent != i => children[parent].push(i),
            _ => roots.push(i),
        }
    }
    for list in children.iter_mut() {
        list.sort_by_key(|&i| trace.steps[i].index);
    }
    roots.sort_by_key(|&i| trace.steps[i].index);
    let mut rows = Vec::with_capacity(trace.steps.len());
    // Explicit stack: a 10k-step chain must not overflow the call stack.
    let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|r| (r, 0)).collect();
    let mut visited = vec![false; trace.steps.len()];
    while let Some((pos, depth)) = stack.pop() {
        if std::mem::replace(&mut visited[pos], true) {
            continue;
        }
        rows.push(TreeRow {
            pos,
            depth,
            children: children[pos].len(),
        });
        for &child in children[pos].iter().rev() {
            stack.push((child, depth + 1));
        }
    }
    rows
}

/// Positions of the ancestors of `pos`, nearest first.
pub fn ancestors(trace: &Trace, pos: usize) -> Vec<usize> {
    let position: HashMap<&str, usize> = trace
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut out = Vec::new();
    let mut current = pos;
    while let Some(&parent) = trace.steps[current]
        .parent_id
        .as_deref()
        .and_then(|p| position.get(p))
    {
        if out.contains(&parent) || out.len() > trace.steps.len() {
            break;
        }
        out.push(parent);
        current = parent;
    }
    out
}

//! Accuracy of an attribution engine against ground truth (generated
//! labels, SDK fixture manifests, or people's labels).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::{Attribution, FailureCategory};

/// The true root cause of one failed trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthLabel {
    pub trace_id: String,
    pub category: FailureCategory,
    /// Either may identify the step: tackroom's id or the source's span id.
    pub root_cause_step_id: Option<String>,
    pub root_cause_source_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CategoryScore {
    pub traces: usize,
    pub step_correct: usize,
    pub category_correct: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub traces: usize,
    /// Labelled traces the engine gave no attribution.
    pub unattributed: usize,
    pub step_correct: usize,
    pub category_correct: usize,
    pub harness: CategoryScore,
    pub by_category: BTreeMap<String, CategoryScore>,
    /// `truth category → predicted category → count`.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Evaluation {
    pub fn step_accuracy(&self) -> f64 {
        ratio(self.step_correct, self.traces)
    }

    pub fn category_accuracy(&self) -> f64 {
        ratio(self.category_correct, self.traces)
    }
}

pub fn ratio(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        k as f64 / n as f64
    }
}

fn step_matches(truth: &TruthLabel, predicted: &Attribution) -> bool {
    let by_id = truth
        .root_cause_step_id
        .as_ref()
        .is_some_and(|id| *id == predicted.root_cause.step_id);
    let by_source = truth
        .root_cause_source_id
        .as_ref()
        .is_some_and(|id| predicted.root_cause.source_id.as_ref() == Some(id));
    by_id || by_source
}

/// Scores `predicted` (by trace id) against `truth`.
pub fn evaluate(truth: &[TruthLabel], predicted: &HashMap<String, Attribution>) -> Evaluation {
    let mut eval = Evaluation::default();
    for label in truth {
        eval.traces += 1;
        let row = eval
            .by_category
            .entry(label.category.as_str().to_owned())
            .or_default();
        row.traces += 1;
        if label.category.is_harness_problem() {
            eval.harness.traces += 1;
        }
        let Some(p) = predicted.get(&label.trace_id) else {
            eval.unattributed += 1;
            *eval
                .confusion
                .entry(label.category.as_str().into())
                .or_default()
                .entry("(none)".into())
                .or_default() += 1;
            continue;
        };
        let step_ok = step_matches(label, p);
        let category_ok = p.category == label.category;
        let row = eval
            .by_category
            .entry(label.category.as_str().to_owned())
            .or_default();
        row.step_correct += step_ok as usize;
        row.category_correct += category_ok as usize;
        eval.step_correct += step_ok as usize;
        eval.category_correct += category_ok as usize;
        if label.category.is_harness_problem() {
            eval.harness.step_correct += step_ok as usize;
            eval.harness.category_correct += category_ok as usize;
        }
        *eval
            .confusion
            .entry(label.category.as_str().into())
            .or_default()
            .entry(p.category.as_str().into())
            .or_default() += 1;
    }
    eval
}

//! People's root-cause labels in the UI: the category picker (`m`) and
//! confirming an engine's verdict (`c`).

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::effect::Effect;
use super::panes::timeline::CauseSource;
use super::state::AppState;
use crate::model::{FailureCategory, HumanLabel};

/// The categories offered by "mark as root cause", harness problems first.
pub fn picker_categories() -> Vec<FailureCategory> {
    let mut all = FailureCategory::ALL.to_vec();
    all.sort_by_key(|c| !c.is_harness_problem());
    all
}

impl AppState {
    pub(super) fn on_picker_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let count = picker_categories().len();
        let Some(selected) = self.picker else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.picker = Some((selected + 1).min(count - 1)),
            KeyCode::Char('k') | KeyCode::Up => self.picker = Some(selected.saturating_sub(1)),
            KeyCode::Esc | KeyCode::Char('q') => self.picker = None,
            KeyCode::Enter => {
                self.picker = None;
                let category = picker_categories()[selected];
                let step = self
                    .timeline
                    .as_ref()
                    .and_then(|t| t.selected_pos().map(|p| t.trace.steps[p].id.clone()));
                if let Some(step) = step {
                    return self.human_label(step, category);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Confirms the marked root cause as a person's label.
    pub(super) fn confirm_cause(&mut self) -> Vec<Effect> {
        let Some(t) = &self.timeline else {
            return Vec::new();
        };
        let (Some(pos), CauseSource::Attribution { category, .. }) =
            (t.root_cause, &t.cause_source)
        else {
            self.status = Some("no engine attribution to confirm; m marks a step yourself".into());
            return Vec::new();
        };
        let category = FailureCategory::parse(category).unwrap_or(FailureCategory::Unknown);
        let step = t.trace.steps[pos].id.clone();
        self.human_label(step, category)
    }

    fn human_label(&mut self, step_id: String, category: FailureCategory) -> Vec<Effect> {
        let Some(t) = &self.timeline else {
            return Vec::new();
        };
        vec![Effect::SaveHumanLabel(HumanLabel {
            trace_id: t.trace.id.clone(),
            root_cause_step_id: step_id,
            category,
            by: format!("user:{}", self.user),
            at: self.now,
            note: Some("labelled in the UI".into()),
        })]
    }
}

//! Keys and mouse → actions → state changes and effects. Synchronous: it
//! never waits; anything slow is returned as an effect.

use ratatui::crossterm::event::KeyEvent;

use super::action::Action;
use super::effect::Effect;
use super::keymap::{Context, Keymap};
use super::panes::traces::ClusterView;
use super::state::{AppState, Focus, Input, Screen};
use super::widgets::text_input::{InputOutcome, TextInput};
use crate::model::OutcomeLabel;
use crate::store::filter_syntax::parse_filter;
use crate::store::SortKey;

impl AppState {
    /// A key press: typed into the open input or picker, or looked up in
    /// the keymap.
    pub fn on_key(&mut self, keymap: &Keymap, key: &KeyEvent) -> Vec<Effect> {
        if self.picker.is_some() {
            return self.on_picker_key(key);
        }
        match &mut self.input {
            Input::Filter(input) => {
                let outcome = input.handle(key);
                self.finish_filter(outcome)
            }
            Input::Search(input) => {
                let outcome = input.handle(key);
                self.finish_search(outcome);
                Vec::new()
            }
            Input::None => {
                let effects = match keymap.action_for(self.context(), key) {
                    Some(action) => self.update(action),
                    None => Vec::new(),
                };
                // Scrolling past the end would take as many keys to return.
                let most = super::panes::help::max_scroll(keymap, self.context(), self.size);
                self.help_scroll = self.help_scroll.min(most);
                effects
            }
        }
    }

    fn finish_filter(&mut self, outcome: InputOutcome) -> Vec<Effect> {
        match outcome {
            InputOutcome::Editing => Vec::new(),
            InputOutcome::Cancelled => {
                self.input = Input::None;
                Vec::new()
            }
            InputOutcome::Submitted(text) => match parse_filter(&text, self.now) {
                Ok(filter) => {
                    self.input = Input::None;
                    self.status = None;
                    self.list.filter = filter;
                    self.list.filter_text = text.trim().to_owned();
                    self.reload_list()
                }
                Err(message) => {
                    self.status = Some(message);
                    Vec::new()
                }
            },
        }
    }

    fn finish_search(&mut self, outcome: InputOutcome) {
        match outcome {
            InputOutcome::Editing => {}
            InputOutcome::Cancelled => self.input = Input::None,
            InputOutcome::Submitted(query) => {
                self.input = Input::None;
                self.detail.search(&query);
            }
        }
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if self.help {
            // The overlay scrolls on small terminals; other keys wait.
            match action {
                Action::Help | Action::Back | Action::Quit => self.help = false,
                Action::Down => self.help_scroll = self.help_scroll.saturating_add(1),
                Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                Action::HalfPageDown => self.help_scroll = self.help_scroll.saturating_add(10),
                Action::HalfPageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
                Action::Top => self.help_scroll = 0,
                _ => {}
            }
            return Vec::new();
        }
        let effects = match action {
            Action::Quit => vec![Effect::Quit],
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
                Vec::new()
            }
            Action::Back => {
                self.back();
                Vec::new()
            }
            Action::NextPane | Action::PrevPane => {
                self.cycle_focus();
                Vec::new()
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::HalfPageUp => self.move_by(-(self.half_page() as isize)),
            Action::HalfPageDown => self.move_by(self.half_page() as isize),
            Action::Top => self.go_end(false),
            Action::Bottom => self.go_end(true),
            Action::Open if self.screen == Screen::Failures => self.open_cluster(),
            Action::Open => match self.list.selected_summary() {
                Some(s) => {
                    let id = s.id.clone();
                    vec![self.open_trace(id)]
                }
                None => Vec::new(),
            },
            Action::Filter => {
                self.input = Input::Filter(TextInput::with_value(&self.list.filter_text));
                Vec::new()
            }
            Action::ClearFilter => {
                self.list.filter = Default::default();
                self.list.filter_text.clear();
                self.reload_list()
            }
            Action::CycleSort => {
                let keys = SortKey::ALL;
                let next = keys
                    .iter()
                    .position(|k| *k == self.list.sort)
                    .map_or(0, |i| (i + 1) % keys.len());
                self.list.sort = keys[next];
                self.reload_list()
            }
            Action::ReverseSort => {
                self.list.descending = !self.list.descending;
                self.reload_list()
            }
            Action::Refresh if self.screen == Screen::Failures => vec![self.load_clusters()],
            Action::Refresh => self.reload_list(),
            Action::ShowTraces => {
                let leaving_cluster = self.list.only.take().is_some();
                self.screen = Screen::Traces;
                if leaving_cluster {
                    self.reload_list()
                } else {
                    Vec::new()
                }
            }
            Action::ShowFailures => {
                self.screen = Screen::Failures;
                if self.failures.loaded || self.failures.pending.is_some() {
                    Vec::new()
                } else {
                    vec![self.load_clusters()]
                }
            }
            Action::Attribute if !self.failures.attributing => {
                self.failures.attributing = true;
                self.status = Some("attributing failed traces with the rules engine…".into());
                vec![Effect::AttributeAll]
            }
            Action::Attribute => Vec::new(),
            Action::AskModel => match &self.timeline {
                Some(t) if !self.asking_model => {
                    self.asking_model = true;
                    self.status = Some(format!("asking the model about {}…", t.trace.id));
                    vec![Effect::AskModel {
                        trace_id: t.trace.id.clone(),
                    }]
                }
                _ => Vec::new(),
            },
            Action::ConfirmCause => self.confirm_cause(),
            Action::MarkCause => {
                if self.timeline.is_some() {
                    self.picker = Some(0);
                }
                Vec::new()
            }
            Action::LabelSuccess => self.label(OutcomeLabel::Success),
            Action::LabelFailure => self.label(OutcomeLabel::Failure),
            Action::LabelUnknown => self.label(OutcomeLabel::Unknown),
            Action::NextFailure | Action::PrevFailure => {
                let forward = action == Action::NextFailure;
                if let Some(t) = self.timeline.as_mut() {
                    if !t.jump_failure(forward) {
                        self.status = Some(format!(
                            "no {} failing step",
                            if forward { "later" } else { "earlier" }
                        ));
                    }
                }
                Vec::new()
            }
            Action::ToggleCollapse => {
                if let Some(t) = self.timeline.as_mut() {
                    t.toggle();
                }
                Vec::new()
            }
            Action::ExpandAll => {
                if let Some(t) = self.timeline.as_mut() {
                    t.expand_all();
                }
                Vec::new()
            }
            Action::ToggleFullscreen => {
                self.detail.fullscreen = !self.detail.fullscreen;
                self.focus = if self.detail.fullscreen {
                    Focus::Detail
                } else {
                    Focus::Timeline
                };
                self.resize(self.size.width, self.size.height);
                Vec::new()
            }
            Action::Search => {
                let last = self.detail.last_query.clone().unwrap_or_default();
                self.input = Input::Search(TextInput::with_value(&last));
                Vec::new()
            }
            Action::NextMatch | Action::PrevMatch => {
                if !self.detail.jump_match(action == Action::NextMatch) {
                    self.status = Some("no matches (/ searches)".into());
                }
                Vec::new()
            }
            Action::ToggleWrap => {
                self.detail.wrap = !self.detail.wrap;
                Vec::new()
            }
            Action::NextField | Action::PrevField => {
                self.detail.step_field(action == Action::NextField);
                Vec::new()
            }
            Action::CopyTraceId => {
                let id = match self.context() {
                    Context::Traces => self.list.selected_summary().map(|s| s.id.clone()),
                    _ => self.timeline.as_ref().map(|t| t.trace.id.clone()),
                };
                match id {
                    Some(id) => {
                        self.status = Some(format!("copied trace id {id} to the clipboard"));
                        vec![Effect::Copy(id)]
                    }
                    None => Vec::new(),
                }
            }
            Action::Copy => match self.detail.selected_field_text() {
                Some((title, text)) => {
                    self.status = Some(format!(
                        "copied {title} ({} bytes) to the clipboard",
                        text.len()
                    ));
                    vec![Effect::Copy(text.to_owned())]
                }
                None => Vec::new(),
            },
            Action::ImportSamples => match (&self.samples, self.importing) {
                (Some(path), false) => {
                    self.importing = true;
                    vec![Effect::ImportSamples { path: path.clone() }]
                }
                _ => Vec::new(),
            },
        };
        self.sync_detail();
        effects
    }

    fn back(&mut self) {
        if self.input != Input::None {
            self.input = Input::None;
        } else if self.screen == Screen::Trace && self.detail.fullscreen {
            self.detail.fullscreen = false;
            self.focus = Focus::Timeline;
            self.resize(self.size.width, self.size.height);
        } else if self.screen == Screen::Trace && self.focus == Focus::Detail {
            self.focus = Focus::Timeline;
        } else if self.screen == Screen::Trace {
            self.screen = Screen::Traces;
        } else if self.screen == Screen::Traces && self.list.only.is_some() {
            self.list.only = None;
            self.list.rows.clear();
            self.screen = Screen::Failures;
        } else {
            self.status = None;
        }
    }

    fn cycle_focus(&mut self) {
        match self.screen {
            Screen::Trace if !self.detail.fullscreen => {
                self.focus = match self.focus {
                    Focus::Timeline => Focus::Detail,
                    Focus::Detail => Focus::Timeline,
                }
            }
            Screen::Traces if self.timeline.is_some() => self.screen = Screen::Trace,
            _ => {}
        }
    }

    fn half_page(&self) -> usize {
        let rows = match self.context() {
            Context::Traces => self.list.viewport,
            Context::Timeline => self.timeline.as_ref().map_or(10, |t| t.viewport),
            _ => self.detail.viewport,
        };
        (rows / 2).max(1)
    }

    pub(super) fn move_by(&mut self, delta: isize) -> Vec<Effect> {
        match self.context() {
            Context::Traces => self.with_list(|list, ids| list.move_by(delta, ids)),
            Context::Timeline => {
                if let Some(t) = self.timeline.as_mut() {
                    t.move_by(delta);
                }
                Vec::new()
            }
            Context::Detail => {
                self.detail.scroll_by(delta);
                Vec::new()
            }
            Context::Failures => {
                self.failures.move_by(delta);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn go_end(&mut self, bottom: bool) -> Vec<Effect> {
        match self.context() {
            Context::Failures => {
                self.failures.move_by(if bottom {
                    isize::MAX / 2
                } else {
                    isize::MIN / 2
                });
                Vec::new()
            }
            Context::Traces if bottom => self.with_list(|list, ids| list.go_bottom(ids)),
            Context::Traces => self.with_list(|list, ids| list.go_top(ids)),
            Context::Timeline => {
                if let Some(t) = self.timeline.as_mut() {
                    if bottom {
                        t.go_bottom()
                    } else {
                        t.go_top()
                    }
                }
                Vec::new()
            }
            Context::Detail => {
                if bottom {
                    self.detail.scroll_to_end()
                } else {
                    self.detail.scroll = 0
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn label(&mut self, outcome: OutcomeLabel) -> Vec<Effect> {
        let trace_id = match self.context() {
            Context::Traces => self.list.selected_summary().map(|s| s.id.clone()),
            _ => self.timeline.as_ref().map(|t| t.trace.id.clone()),
        };
        trace_id
            .map(|trace_id| vec![Effect::SetOutcome { trace_id, outcome }])
            .unwrap_or_default()
    }
}

impl AppState {
    fn open_cluster(&mut self) -> Vec<Effect> {
        let Some(cluster) = self.failures.selected_cluster() else {
            return Vec::new();
        };
        self.list.only = Some(ClusterView {
            title: format!(
                "{} · {} · {} → {}",
                cluster.agent,
                cluster.category.as_str(),
                cluster.cause,
                cluster.symptom
            ),
            ids: cluster.trace_ids.clone(),
        });
        self.screen = Screen::Traces;
        self.reload_list()
    }
}

//! The UI state and how messages from workers change it. Key handling is
//! in `update.rs`; drawing reads this state and nothing else.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::effect::{Effect, Msg, RequestId};
use super::keymap::Context;
use super::layout::areas;
use super::panes::detail::DetailState;
use super::panes::detail_content::build_detail;
use super::panes::failures::FailuresState;
use super::panes::timeline::TimelineState;
use super::panes::traces::TraceListState;
use super::widgets::text_input::TextInput;
use crate::model::Attribution;

/// What the header says about the live receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveInfo {
    pub address: String,
    /// Traces stored (or merged into) since the UI started.
    pub received: u64,
    /// Traces arrived while the list was loading: reload once it is done.
    pub behind: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Drawn once while a large store opens, so the terminal is never blank.
    Opening,
    /// The store could not be opened; the message says why.
    StoreError(String),
    Empty,
    Traces,
    Trace,
    Failures,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Timeline,
    Detail,
}

/// A line being typed at the bottom of the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    None,
    Filter(TextInput),
    Search(TextInput),
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub screen: Screen,
    pub focus: Focus,
    pub list: TraceListState,
    pub timeline: Option<TimelineState>,
    pub detail: DetailState,
    pub input: Input,
    pub help: bool,
    /// Lines the help overlay is scrolled down by.
    pub help_scroll: u16,
    pub status: Option<String>,
    pub store_label: String,
    pub samples: Option<PathBuf>,
    /// A question to the model is on its way (one at a time).
    pub asking_model: bool,
    /// The live receiver, when the UI runs one (`open --listen`).
    pub live: Option<LiveInfo>,
    pub importing: bool,
    pub pending_trace: Option<RequestId>,
    pub failures: FailuresState,
    /// The category picker of "mark as root cause": the highlighted row.
    pub picker: Option<usize>,
    pub size: Rect,
    /// Who labels, for provenance (injected like the clock).
    pub user: String,
    /// The clock, injected so that state changes stay deterministic.
    pub now: DateTime<Utc>,
    next_request: RequestId,
}

impl AppState {
    pub fn new(store_label: String, screen: Screen, now: DateTime<Utc>) -> Self {
        AppState {
            screen,
            focus: Focus::Timeline,
            list: TraceListState::new(),
            timeline: None,
            detail: DetailState::default(),
            input: Input::None,
            help: false,
            help_scroll: 0,
            status: None,
            store_label,
            samples: None,
            asking_model: false,
            live: None,
            importing: false,
            pending_trace: None,
            failures: FailuresState::default(),
            picker: None,
            user: "unknown".into(),
            size: Rect::new(0, 0, 80, 24),
            now,
            next_request: 0,
        }
    }

    pub(super) fn next_id(&mut self) -> RequestId {
        self.next_request += 1;
        self.next_request
    }

    /// The effects to run at start-up: the first page, and the trace to
    /// open when one was named on the command line.
    pub fn start(&mut self, open_trace: Option<String>) -> Vec<Effect> {
        let mut effects = match self.screen {
            Screen::Traces | Screen::Trace => self.reload_list(),
            _ => Vec::new(),
        };
        if let Some(id) = open_trace {
            effects.push(self.open_trace(id));
        }
        effects
    }

    pub fn reload_list(&mut self) -> Vec<Effect> {
        let mut ids = self.next_request;
        let effects = self.list.reload(&mut || {
            ids += 1;
            ids
        });
        self.next_request = ids;
        effects
    }

    /// Runs a list operation that may need request ids.
    pub(super) fn with_list<R>(
        &mut self,
        op: impl FnOnce(&mut TraceListState, &mut dyn FnMut() -> RequestId) -> R,
    ) -> R {
        let mut ids = self.next_request;
        let result = op(&mut self.list, &mut || {
            ids += 1;
            ids
        });
        self.next_request = ids;
        result
    }

    pub fn load_clusters(&mut self) -> Effect {
        let request = self.next_id();
        self.failures.pending = Some(request);
        Effect::LoadClusters { request }
    }

    pub fn open_trace(&mut self, trace_id: String) -> Effect {
        let request = self.next_id();
        self.pending_trace = Some(request);
        self.status = Some(format!("opening {trace_id}…"));
        Effect::LoadTrace { request, trace_id }
    }

    /// The keymap context of what has focus.
    pub fn context(&self) -> Context {
        match self.screen {
            Screen::Opening | Screen::StoreError(_) | Screen::Empty => Context::Empty,
            Screen::Traces => Context::Traces,
            Screen::Failures => Context::Failures,
            Screen::Trace if self.detail.fullscreen || self.focus == Focus::Detail => {
                Context::Detail
            }
            Screen::Trace => Context::Timeline,
        }
    }

    /// Records the terminal size and the rows each pane can show.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Rect::new(0, 0, width, height);
        let a = areas(self.size, self.detail.fullscreen);
        // Borders and the table header take three rows of the list.
        self.list
            .set_viewport(a.body.height.saturating_sub(3) as usize);
        if let Some(t) = self.timeline.as_mut() {
            t.set_viewport(a.timeline.height.saturating_sub(2) as usize);
        }
        self.detail.viewport = a.detail.height.saturating_sub(2) as usize;
        self.failures.viewport = a.body.height.saturating_sub(3) as usize;
    }

    /// Shows the selected step in the detail pane when it changed.
    pub fn sync_detail(&mut self) {
        let Some(timeline) = &self.timeline else {
            return;
        };
        let Some(pos) = timeline.selected_pos() else {
            return;
        };
        if self.detail.step_pos != Some(pos) {
            let content = build_detail(&timeline.trace.steps[pos]);
            self.detail.show(pos, content);
        }
    }

    /// Applies a worker's answer.
    pub fn apply(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::PageLoaded {
                request,
                anchor,
                rows,
                exhausted,
            } => {
                self.list.apply_page(request, anchor, rows, exhausted);
                self.catch_up_live()
            }
            Msg::SortedLoaded { request, rows } => {
                self.list.apply_sorted(request, rows);
                Vec::new()
            }
            Msg::Counted { request, count } => {
                let mut effects = self.with_list(|list, ids| list.apply_count(request, count, ids));
                effects.extend(self.catch_up_live());
                effects
            }
            Msg::TraceLoaded {
                request,
                trace,
                attributions,
                human,
                violations,
            } => {
                if self.pending_trace != Some(request) {
                    return Vec::new();
                }
                self.pending_trace = None;
                self.status = None;
                let attribution = preferred_attribution(&attributions);
                let mut timeline = TimelineState::new(trace, attribution);
                timeline.violations = violations;
                if let Some(label) = &human {
                    timeline.set_human_cause(label);
                }
                self.timeline = Some(timeline);
                self.detail.step_pos = None;
                self.detail.fullscreen = false;
                self.screen = Screen::Trace;
                self.focus = Focus::Timeline;
                self.resize(self.size.width, self.size.height);
                self.sync_detail();
                Vec::new()
            }
            Msg::ClustersLoaded { request, clusters } => {
                self.failures.apply(request, clusters);
                Vec::new()
            }
            Msg::LiveStored { trace_id } => {
                let Some(live) = self.live.as_mut() else {
                    return Vec::new();
                };
                live.received += 1;
                live.behind = true;
                tracing::debug!(trace = %trace_id, "received live");
                if self.screen == Screen::Empty {
                    self.screen = Screen::Traces;
                }
                self.catch_up_live()
            }
            Msg::ModelAnswered {
                trace_id,
                engine,
                answer,
            } => {
                self.asking_model = false;
                match answer {
                    Ok(a) => {
                        self.status = Some(format!(
                            "{}: root cause #{} {} ({})",
                            a.engine,
                            a.root_cause.index,
                            a.root_cause.name,
                            a.category.as_str()
                        ));
                        if let Some(t) = self.timeline.as_mut().filter(|t| t.trace.id == trace_id) {
                            t.set_attribution(&a);
                            self.sync_detail();
                        }
                    }
                    Err(problem) => {
                        self.status = Some(format!("{engine} gave no root cause: {problem}"))
                    }
                }
                Vec::new()
            }
            Msg::Attributed { count } => {
                self.failures.attributing = false;
                self.status = Some(format!(
                    "attributed {count} failed traces with the rules engine"
                ));
                vec![self.load_clusters()]
            }
            Msg::HumanLabelSaved(label) => {
                if let Some(t) = self
                    .timeline
                    .as_mut()
                    .filter(|t| t.trace.id == label.trace_id)
                {
                    t.set_human_cause(&label);
                }
                self.status = Some(format!(
                    "root cause labelled {} by {}",
                    label.category.as_str(),
                    label.by
                ));
                Vec::new()
            }
            Msg::Labelled { trace_id, outcome } => {
                self.list.set_outcome(&trace_id, outcome);
                if let Some(t) = self.timeline.as_mut().filter(|t| t.trace.id == trace_id) {
                    Arc::make_mut(&mut t.trace).outcome = outcome;
                }
                self.status = Some(format!("{trace_id} labelled {}", outcome.as_str()));
                Vec::new()
            }
            Msg::Imported(report) => {
                self.importing = false;
                self.status = Some(format!(
                    "imported {} traces ({} already present, {} rejected)",
                    report.imported, report.already_present, report.rejected
                ));
                self.screen = Screen::Traces;
                self.reload_list()
            }
            Msg::Failed { request, message } => {
                if request.is_some() && request == self.pending_trace {
                    self.pending_trace = None;
                    if self.timeline.is_none() && self.screen == Screen::Trace {
                        self.screen = Screen::Traces;
                    }
                }
                if request.is_some() && request == self.list.pending_page {
                    self.list.pending_page = None;
                }
                self.importing = false;
                self.status = Some(message);
                Vec::new()
            }
        }
    }
}

/// A person's label is not an attribution; among engines prefer the
/// deterministic rules engine, then any other.
fn preferred_attribution(attributions: &[Attribution]) -> Option<&Attribution> {
    // The newest verdict: a model asked on purpose outranks an earlier
    // rules run, and re-running the rules engine takes over again.
    attributions.iter().max_by_key(|a| a.created_at)
}

impl AppState {
    /// Reloads the list when live traces arrived and someone is watching
    /// the newest ones; a reader scrolled away or filtering is not
    /// disturbed. Arrivals during a load are caught up after it.
    fn catch_up_live(&mut self) -> Vec<Effect> {
        let behind = self.live.as_ref().is_some_and(|l| l.behind);
        let list = &self.list;
        let watching_newest = self.screen == Screen::Traces
            && list.selected == 0
            && list.only.is_none()
            && list.filter_text.is_empty()
            && list.descending
            && list.sort == crate::store::SortKey::Time;
        let idle = list.pending_page.is_none() && list.pending_count.is_none();
        if !(behind && watching_newest && idle) {
            return Vec::new();
        }
        if let Some(live) = self.live.as_mut() {
            live.behind = false;
        }
        self.reload_list()
    }
}

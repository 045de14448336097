//! The trace list: a window of rows paged from the store's indexes, so a
//! store of any size opens at once and scrolls in constant work per step.

use crate::model::{OutcomeLabel, TraceSummary};
use crate::store::query::Cursor;
use crate::store::{SortKey, TraceFilter};
use crate::tui::effect::{Anchor, Effect, RequestId};

/// Rows fetched per page.
pub const PAGE: usize = 200;
/// Rows kept in memory at most; the far side is dropped when scrolling.
const MAX_WINDOW: usize = 4 * PAGE;
/// Fetch the next page when the selection comes this close to the edge.
const MARGIN: usize = 40;
/// Rows a non-time sort loads (it must sort in memory).
pub const SORTED_LIMIT: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct TraceListState {
    pub filter: TraceFilter,
    pub filter_text: String,
    pub sort: SortKey,
    pub descending: bool,
    /// Matching traces in the store, once counted.
    pub total: Option<u64>,
    /// Absolute position of `rows[0]` in the full list.
    pub offset: usize,
    pub rows: Vec<(Cursor, TraceSummary)>,
    /// The window reaches the end of the list.
    pub at_end: bool,
    pub selected: usize,
    pub scroll_top: usize,
    pub viewport: usize,
    pub pending_page: Option<RequestId>,
    pub pending_count: Option<RequestId>,
    /// `G` pressed before the count was known.
    pub tail_wanted: bool,
    /// Set when the list shows one failure cluster's traces.
    pub only: Option<ClusterView>,
}

/// The traces of one failure cluster, shown in the trace list.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterView {
    pub title: String,
    pub ids: Vec<String>,
}

impl TraceListState {
    pub fn new() -> Self {
        TraceListState {
            descending: true,
            viewport: 20,
            ..Default::default()
        }
    }

    pub fn selected_summary(&self) -> Option<&TraceSummary> {
        self.selected
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
            .map(|(_, s)| s)
    }

    /// The effects that (re)load the list from scratch.
    pub fn reload(&mut self, next_id: &mut dyn FnMut() -> RequestId) -> Vec<Effect> {
        self.rows.clear();
        self.offset = 0;
        self.selected = 0;
        self.scroll_top = 0;
        self.at_end = false;
        self.total = None;
        if let Some(only) = &self.only {
            let request = next_id();
            self.pending_page = Some(request);
            self.total = Some(only.ids.len() as u64);
            return vec![Effect::LoadSummaries {
                request,
                ids: only.ids.clone(),
            }];
        }
        let count = next_id();
        self.pending_count = Some(count);
        let page = next_id();
        self.pending_page = Some(page);
        let load = if self.sort == SortKey::Time {
            self.page_effect(page, Anchor::Head)
        } else {
            Effect::LoadSorted {
                request: page,
                filter: self.filter.clone(),
                sort: self.sort,
                descending: self.descending,
                limit: SORTED_LIMIT,
            }
        };
        vec![
            Effect::Count {
                request: count,
                filter: self.filter.clone(),
            },
            load,
        ]
    }

    /// Whether rows come page by page off the time index (else all at once).
    fn pages_from_index(&self) -> bool {
        self.sort == SortKey::Time && self.only.is_none()
    }

    fn page_effect(&self, request: RequestId, anchor: Anchor) -> Effect {
        // A jump to either end fills the screen first: on a cold store every
        // row is a random read, and the first frame should not wait for rows
        // nobody sees yet. Scrolling fetches full pages.
        let limit = match anchor {
            Anchor::Head | Anchor::Tail => (self.viewport + 2 * MARGIN).clamp(2 * MARGIN, PAGE),
            Anchor::After(_) | Anchor::Before(_) => PAGE,
        };
        Effect::LoadPage {
            request,
            filter: self.filter.clone(),
            newest_first: self.descending,
            anchor,
            limit,
        }
    }

    fn last_index(&self) -> usize {
        match self.total {
            Some(t) => (t as usize).saturating_sub(1),
            None => (self.offset + self.rows.len()).saturating_sub(1),
        }
    }

    /// Moves the selection by `delta` rows, fetching pages as needed.
    pub fn move_by(&mut self, delta: isize, next_id: &mut dyn FnMut() -> RequestId) -> Vec<Effect> {
        let target = (self.selected as isize + delta).max(0) as usize;
        self.select(target, next_id)
    }

    pub fn select(&mut self, target: usize, next_id: &mut dyn FnMut() -> RequestId) -> Vec<Effect> {
        if self.rows.is_empty() {
            return Vec::new();
        }
        let window_end = self.offset + self.rows.len();
        // While a page is on its way the selection stays inside the window.
        self.selected = target
            .min(self.last_index())
            .clamp(self.offset, window_end - 1);
        self.keep_visible();
        if self.pending_page.is_some() || !self.pages_from_index() {
            return Vec::new();
        }
        let mut effects = Vec::new();
        if self.selected + MARGIN >= window_end && !self.at_end {
            let request = next_id();
            self.pending_page = Some(request);
            let cursor = self.rows[self.rows.len() - 1].0.clone();
            effects.push(self.page_effect(request, Anchor::After(cursor)));
        } else if self.selected < self.offset + MARGIN && self.offset > 0 {
            let request = next_id();
            self.pending_page = Some(request);
            effects.push(self.page_effect(request, Anchor::Before(self.rows[0].0.clone())));
        }
        effects
    }

    pub fn go_top(&mut self, next_id: &mut dyn FnMut() -> RequestId) -> Vec<Effect> {
        if self.offset == 0 {
            return self.select(0, next_id);
        }
        let request = next_id();
        self.pending_page = Some(request);
        vec![self.page_effect(request, Anchor::Head)]
    }

    pub fn go_bottom(&mut self, next_id: &mut dyn FnMut() -> RequestId) -> Vec<Effect> {
        if self.at_end || !self.pages_from_index() {
            let last = self.offset + self.rows.len();
            return self.select(last.saturating_sub(1), next_id);
        }
        if self.total.is_none() {
            self.tail_wanted = true;
            return Vec::new();
        }
        let request = next_id();
        self.pending_page = Some(request);
        vec![self.page_effect(request, Anchor::Tail)]
    }

    /// Takes a loaded page into the window.
    pub fn apply_page(
        &mut self,
        request: RequestId,
        anchor: Anchor,
        mut rows: Vec<(Cursor, TraceSummary)>,
        exhausted: bool,
    ) {
        if self.pending_page != Some(request) {
            return;
        }
        self.pending_page = None;
        match anchor {
            Anchor::Head => {
                self.offset = 0;
                self.at_end = exhausted;
                self.rows = rows;
                self.selected = 0;
            }
            Anchor::Tail => {
                rows.reverse();
                let total = self.total.map(|t| t as usize).unwrap_or(rows.len());
                self.offset = total.saturating_sub(rows.len());
                self.at_end = true;
                self.rows = rows;
                self.selected = self.last_index();
            }
            Anchor::After(_) => {
                self.at_end = exhausted;
                self.rows.extend(rows);
                if self.rows.len() > MAX_WINDOW {
                    let drop = self.rows.len() - MAX_WINDOW;
                    self.rows.drain(..drop);
                    self.offset += drop;
                }
            }
            Anchor::Before(_) => {
                rows.reverse();
                let added = rows.len();
                rows.append(&mut self.rows);
                self.rows = rows;
                self.offset = self.offset.saturating_sub(added);
                if exhausted {
                    self.offset = 0;
                }
                if self.rows.len() > MAX_WINDOW {
                    self.rows.truncate(MAX_WINDOW);
                    self.at_end = false;
                }
            }
        }
        if self.at_end && self.total.is_none() {
            self.total = Some((self.offset + self.rows.len()) as u64);
        }
        self.keep_visible();
    }

    pub fn apply_sorted(&mut self, request: RequestId, rows: Vec<TraceSummary>) {
        if self.pending_page != Some(request) {
            return;
        }
        self.pending_page = None;
        self.offset = 0;
        self.at_end = true;
        self.rows = rows.into_iter().map(|s| (Vec::new(), s)).collect();
        self.selected = 0;
        self.keep_visible();
    }

    /// Takes a count; returns the tail load if `G` was waiting for it.
    pub fn apply_count(
        &mut self,
        request: RequestId,
        count: u64,
        next_id: &mut dyn FnMut() -> RequestId,
    ) -> Vec<Effect> {
        if self.pending_count != Some(request) {
            return Vec::new();
        }
        self.pending_count = None;
        self.total = Some(count);
        if std::mem::take(&mut self.tail_wanted) {
            return self.go_bottom(next_id);
        }
        Vec::new()
    }

    pub fn set_outcome(&mut self, trace_id: &str, outcome: OutcomeLabel) {
        for (_, s) in self.rows.iter_mut().filter(|(_, s)| s.id == trace_id) {
            s.outcome = outcome;
        }
    }

    fn keep_visible(&mut self) {
        self.scroll_top = super::scroll_to_show(self.selected, self.scroll_top, self.viewport);
    }

    pub fn set_viewport(&mut self, rows: usize) {
        self.viewport = rows.max(1);
        self.keep_visible();
    }
}

pub use super::traces_view::render;

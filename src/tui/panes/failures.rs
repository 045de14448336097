//! The Failures pane: attributed failures grouped into clusters, largest
//! first, with share, verdict and trend; Enter lists a cluster's traces.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

use crate::analyze::clusters::{Cluster, Verdict};
use crate::model::units::{sparkline, truncate};
use crate::tui::effect::RequestId;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Default)]
pub struct FailuresState {
    pub clusters: Vec<Cluster>,
    pub selected: usize,
    pub scroll_top: usize,
    pub viewport: usize,
    pub pending: Option<RequestId>,
    pub attributing: bool,
    /// Whether clusters were loaded at least once.
    pub loaded: bool,
}

impl FailuresState {
    pub fn selected_cluster(&self) -> Option<&Cluster> {
        self.clusters.get(self.selected)
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.clusters.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        let height = self.viewport.max(1);
        if self.selected < self.scroll_top {
            self.scroll_top = self.selected;
        } else if self.selected >= self.scroll_top + height {
            self.scroll_top = self.selected + 1 - height;
        }
    }

    pub fn apply(&mut self, request: RequestId, clusters: Vec<Cluster>) {
        if self.pending != Some(request) {
            return;
        }
        self.pending = None;
        self.loaded = true;
        self.clusters = clusters;
        self.selected = self.selected.min(self.clusters.len().saturating_sub(1));
    }
}

pub fn render(state: &FailuresState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let total: usize = state.clusters.iter().map(|c| c.count).sum();
    let title = format!(
        " Failures · {} clusters · {total} attributed failures (rules engine) ",
        state.clusters.len()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.header));
    let inner = block.inner(area);
    if state.clusters.is_empty() {
        block.render(area, buf);
        let message = if state.attributing {
            "attributing failed traces…"
        } else if state.pending.is_some() {
            "loading clusters…"
        } else {
            "no attributed failures yet: press a to attribute every failed trace with the rules engine"
        };
        buf.set_line(
            inner.x + 1,
            inner.y,
            &Line::styled(message, theme.muted),
            inner.width.saturating_sub(1),
        );
        return;
    }
    let wide = area.width >= 100;
    let mut header = vec!["COUNT", "SHARE", "AGENT", "CATEGORY", "CAUSE", "VERDICT"];
    let mut widths = vec![
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(22),
        Constraint::Min(12),
        Constraint::Length(11),
    ];
    if wide {
        header.push("TREND");
        widths.push(Constraint::Length(8));
    }
    let rows = state
        .clusters
        .iter()
        .enumerate()
        .skip(state.scroll_top)
        .take(inner.height.saturating_sub(1) as usize)
        .map(|(i, c)| {
            let verdict_style = match c.verdict {
                Verdict::Systematic => theme.failure,
                Verdict::Noise => theme.muted,
                Verdict::TooFewToTell => theme.unknown,
            };
            let verdict = match c.verdict {
                Verdict::Systematic => "systematic",
                Verdict::Noise => "noise",
                Verdict::TooFewToTell => "too few",
            };
            let mut cells = vec![
                Cell::from(format!("{:>5}", c.count)),
                Cell::from(format!("{:>4.0}%", c.share * 100.0)),
                Cell::from(truncate(&c.agent, 9)),
                Cell::from(c.category.as_str()),
                Cell::from(format!("{} → {}", c.cause, c.symptom)),
                Cell::from(Span::styled(verdict, verdict_style)),
            ];
            if wide {
                cells.push(Cell::from(Span::styled(sparkline(&c.trend), theme.accent)));
            }
            let row = Row::new(cells);
            if i == state.selected {
                row.style(theme.selection)
            } else {
                row.style(theme.text)
            }
        });
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.header))
        .block(block)
        .column_spacing(1)
        .render(area, buf);
}

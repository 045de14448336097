//! Draws the trace list: a table whose columns fit the terminal, failures
//! in full colour, the first failing step named.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::traces::{TraceListState, SORTED_LIMIT};
use crate::model::units::{duration_text, thousands, truncate};
use crate::model::{OutcomeLabel, TraceSummary};
use crate::store::SortKey;
use crate::tui::theme::Theme;

/// Title of the list block: counts, sort and filter.
fn title(state: &TraceListState) -> String {
    let total = match state.total {
        Some(t) => thousands(t),
        None => "counting…".into(),
    };
    let order = if state.descending { "↓" } else { "↑" };
    let mut title = format!(" Traces · {total} · sort {}{order} ", state.sort.as_str());
    if state.sort != SortKey::Time && state.total.is_some_and(|t| t as usize > SORTED_LIMIT) {
        title.push_str(&format!("(top {}) ", thousands(SORTED_LIMIT as u64)));
    }
    if let Some(only) = &state.only {
        title = format!(
            " Cluster · {} traces · {} (Esc back to failures) ",
            thousands(only.ids.len() as u64),
            only.title
        );
    } else if !state.filter_text.is_empty() {
        title.push_str(&format!("· filter: {} ", state.filter_text));
    }
    title
}

fn outcome_cell(outcome: OutcomeLabel, theme: &Theme) -> Span<'static> {
    match outcome {
        OutcomeLabel::Success => Span::styled("✔ ok", theme.success),
        OutcomeLabel::Failure => Span::styled("✖ FAIL", theme.failure),
        OutcomeLabel::Unknown => Span::styled("? unkn", theme.unknown),
    }
}

pub fn render(state: &TraceListState, theme: &Theme, focused: bool, area: Rect, buf: &mut Buffer) {
    let block = super::pane_block(title(state), focused, theme);
    let inner_height = area.height.saturating_sub(3) as usize;
    let first_visible = state.scroll_top.max(state.offset);
    let visible = || {
        state
            .rows
            .iter()
            .enumerate()
            .skip(first_visible - state.offset)
            .take(inner_height)
    };
    let longest_id = visible()
        .map(|(_, (_, s))| s.id.chars().count())
        .max()
        .unwrap_or(0);
    let columns = Columns::for_width(area.width, longest_id);
    let rows = visible().map(|(i, (_, s))| {
        let style = if state.offset + i == state.selected {
            theme.selection
        } else if s.outcome == OutcomeLabel::Failure {
            theme.text
        } else {
            theme.muted
        };
        Row::new(columns.cells(s, theme)).style(style)
    });
    let table = Table::new(rows, columns.widths())
        .header(Row::new(columns.header()).style(theme.header))
        .block(block)
        .column_spacing(1);
    Widget::render(table, area, buf);
    if state.rows.is_empty() {
        let message = if state.pending_page.is_some() {
            "loading…"
        } else {
            "no traces match the filter (c clears it)"
        };
        let y = area.y + 2;
        if y < area.bottom().saturating_sub(1) {
            buf.set_line(
                area.x + 2,
                y,
                &Line::styled(message, theme.muted),
                area.width.saturating_sub(4),
            );
        }
    }
}

/// Which columns fit: narrow terminals keep outcome, id, steps and the
/// first failing step; wider ones add agent and duration, then start time,
/// then harness and task. The id column is as wide as the longest visible id
/// (up to a cap), so on-call staff can read a whole id off the screen.
struct Columns {
    id_width: u16,
    medium: bool,
    timed: bool,
    wide: bool,
}

impl Columns {
    fn for_width(width: u16, longest_id: usize) -> Self {
        let cap = if width >= 130 { 36 } else { 26 };
        Columns {
            id_width: (longest_id as u16).clamp(10, cap),
            medium: width >= 80,
            timed: width >= 100,
            wide: width >= 130,
        }
    }

    fn header(&self) -> Vec<&'static str> {
        let mut h = vec!["OUTCOME", "ID"];
        if self.medium {
            h.push("AGENT");
        }
        if self.wide {
            h.extend(["HARNESS", "TASK"]);
        }
        h.push("STEPS");
        if self.medium {
            h.push("DURATION");
        }
        h.push("FIRST FAILING STEP");
        if self.timed {
            h.push("STARTED");
        }
        h
    }

    fn widths(&self) -> Vec<Constraint> {
        let mut w = vec![Constraint::Length(7), Constraint::Length(self.id_width)];
        if self.medium {
            w.push(Constraint::Length(9));
        }
        if self.wide {
            w.extend([Constraint::Length(8), Constraint::Length(13)]);
        }
        w.push(Constraint::Length(5));
        if self.medium {
            w.push(Constraint::Length(9));
        }
        w.push(Constraint::Min(12));
        if self.timed {
            w.push(Constraint::Length(14));
        }
        w
    }

    fn cells(&self, s: &TraceSummary, theme: &Theme) -> Vec<Cell<'static>> {
        let mut cells = vec![
            Cell::from(outcome_cell(s.outcome, theme)),
            Cell::from(truncate(&s.id, self.id_width as usize)),
        ];
        if self.medium {
            cells.push(Cell::from(truncate(&s.agent, 9)));
        }
        if self.wide {
            let harness = s.harness_version.as_deref().map(short_hash).unwrap_or("-");
            cells.push(Cell::from(harness.to_owned()));
            cells.push(Cell::from(truncate(
                s.task_id.as_deref().unwrap_or("-"),
                13,
            )));
        }
        cells.push(Cell::from(format!("{:>5}", s.steps)));
        if self.medium {
            cells.push(Cell::from(format!("{:>9}", duration_text(s.duration_ms))));
        }
        let first_error = s
            .first_error
            .as_ref()
            .map(|e| format!("#{} {} ({})", e.index, e.name, e.error_type))
            .unwrap_or_default();
        cells.push(Cell::from(Span::styled(first_error, theme.error)));
        if self.timed {
            cells.push(Cell::from(
                s.started_at.format("%m-%d %H:%M:%S").to_string(),
            ));
        }
        cells
    }
}

/// `sha256:ef9a65ba…` → `ef9a65ba`.
pub fn short_hash(version: &str) -> &str {
    let hex = version.split_once(':').map_or(version, |(_, h)| h);
    &hex[..hex.len().min(8)]
}

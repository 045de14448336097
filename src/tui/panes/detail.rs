//! The step detail pane: scrolling, wrapping, full screen, field selection
//! for copying, and search with highlighted matches.

use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::detail_content::DetailContent;
use crate::tui::theme::Theme;
use crate::tui::widgets::highlight::{StyledLine, Token};

/// A search hit: line and byte range within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Default)]
pub struct DetailState {
    pub content: Arc<DetailContent>,
    /// Which step the content shows (position in the trace).
    pub step_pos: Option<usize>,
    pub scroll: usize,
    pub viewport: usize,
    pub wrap: bool,
    pub fullscreen: bool,
    pub field: usize,
    /// The last search query, recalled by the next `/`.
    pub last_query: Option<String>,
    pub matches: Vec<Match>,
    pub current_match: usize,
}

impl DetailState {
    pub fn show(&mut self, step_pos: usize, content: DetailContent) {
        self.content = Arc::new(content);
        self.step_pos = Some(step_pos);
        self.scroll = 0;
        self.field = 0;
        self.rerun_search();
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.content.lines.len().saturating_sub(1) as isize;
        self.scroll = (self.scroll as isize + delta).clamp(0, max.max(0)) as usize;
    }

    pub fn scroll_to_end(&mut self) {
        self.scroll = self
            .content
            .lines
            .len()
            .saturating_sub(self.viewport.max(1));
    }

    /// Selects the next or previous field and scrolls to it.
    pub fn step_field(&mut self, forward: bool) {
        let count = self.content.sections.len();
        if count == 0 {
            return;
        }
        self.field = if forward {
            (self.field + 1) % count
        } else {
            (self.field + count - 1) % count
        };
        self.scroll = self.content.sections[self.field].first_line;
    }

    /// The selected field's full text, for the clipboard.
    pub fn selected_field_text(&self) -> Option<(&str, &str)> {
        self.content
            .sections
            .get(self.field)
            .map(|s| (s.title.as_str(), s.copy_text.as_str()))
    }

    /// Searches case-insensitively and scrolls to the first hit.
    pub fn search(&mut self, query: &str) {
        self.last_query = (!query.is_empty()).then(|| query.to_owned());
        self.rerun_search();
        if let Some(first) = self.matches.first() {
            self.scroll = first.line;
        }
    }

    fn rerun_search(&mut self) {
        self.matches.clear();
        self.current_match = 0;
        let Some(query) = self.last_query.as_ref().map(|q| q.to_ascii_lowercase()) else {
            return;
        };
        for (line_no, line) in self.content.lines.iter().enumerate() {
            let text = line.text().to_ascii_lowercase();
            let mut from = 0;
            while let Some(found) = text[from..].find(&query) {
                let start = from + found;
                self.matches.push(Match {
                    line: line_no,
                    start,
                    end: start + query.len(),
                });
                from = start + query.len().max(1);
            }
        }
    }

    /// Moves to the next or previous match; false when there are none.
    pub fn jump_match(&mut self, forward: bool) -> bool {
        if self.matches.is_empty() {
            return false;
        }
        let n = self.matches.len();
        self.current_match = if forward {
            (self.current_match + 1) % n
        } else {
            (self.current_match + n - 1) % n
        };
        self.scroll = self.matches[self.current_match].line;
        true
    }
}

fn token_style(token: Token, theme: &Theme) -> Style {
    match token {
        Token::Plain => theme.text,
        Token::Muted => theme.muted,
        Token::Heading => theme.header,
        Token::Label => theme.accent,
        Token::Key => theme.json_key,
        Token::Str => theme.json_string,
        Token::Num => theme.json_number,
        Token::Literal => theme.json_literal,
        Token::Error => theme.error,
    }
}

/// One line as spans, with search hits cut out and highlighted.
fn line_spans<'a>(line: &'a StyledLine, hits: &[Match], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for (token, text) in &line.segments {
        let style = token_style(*token, theme);
        let seg_end = offset + text.len();
        let mut cursor = 0;
        for hit in hits.iter().filter(|h| h.start < seg_end && h.end > offset) {
            let start = hit.start.saturating_sub(offset).max(cursor).min(text.len());
            let end = (hit.end - offset).min(text.len());
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                continue;
            }
            if start > cursor {
                spans.push(Span::styled(&text[cursor..start], style));
            }
            spans.push(Span::styled(&text[start..end], theme.search_match));
            cursor = end;
        }
        if cursor < text.len() {
            spans.push(Span::styled(&text[cursor..], style));
        }
        offset = seg_end;
    }
    Line::from(spans)
}

pub fn render(state: &DetailState, theme: &Theme, focused: bool, area: Rect, buf: &mut Buffer) {
    let field = state
        .content
        .sections
        .get(state.field)
        .map(|s| s.title.as_str())
        .unwrap_or("-");
    let search = match (&state.last_query, state.matches.len()) {
        (Some(q), 0) => format!(" · /{q}: no match"),
        (Some(q), n) => format!(" · /{q}: {}/{n}", state.current_match + 1),
        (None, _) => String::new(),
    };
    let wrap = if state.wrap { "wrap" } else { "nowrap" };
    let title = format!(" Step detail · field: {field} · {wrap}{search} ");
    let block = super::pane_block(title, focused, theme);
    let height = area.height.saturating_sub(2) as usize;
    let selected_title_line = state
        .content
        .sections
        .get(state.field)
        .map(|s| s.first_line);
    let lines: Vec<Line> = state
        .content
        .lines
        .iter()
        .enumerate()
        .skip(state.scroll)
        .take(height.max(1) * 4)
        .map(|(i, line)| {
            let hits: Vec<Match> = state
                .matches
                .iter()
                .copied()
                .filter(|m| m.line == i)
                .collect();
            let rendered = line_spans(line, &hits, theme);
            if Some(i) == selected_title_line {
                rendered.patch_style(theme.selection)
            } else {
                rendered
            }
        })
        .collect();
    let mut paragraph = Paragraph::new(lines).block(block);
    if state.wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    paragraph.render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::panes::detail_content::build_detail;

    fn state_for(text: &str) -> DetailState {
        let mut step = crate::model::Step {
            input: serde_json::json!({"order_id": text}),
            ..crate::model::Step::new("s", crate::model::StepKind::ToolCall, "lookup_order")
        };
        step.output = serde_json::json!({"note": "Refund refused: REFUND limit"});
        let mut state = DetailState::default();
        state.show(0, build_detail(&step));
        state
    }

    #[test]
    fn search_finds_every_case_insensitive_hit_and_cycles() {
        let mut state = state_for("A-1");
        state.search("refund");
        assert_eq!(state.matches.len(), 2);
        assert!(state.jump_match(true));
        assert_eq!(state.current_match, 1);
        assert!(state.jump_match(true));
        assert_eq!(state.current_match, 0);
        state.search("zzz");
        assert!(!state.jump_match(true));
    }

    #[test]
    fn last_query_is_kept_for_the_next_step() {
        let mut state = state_for("A-1");
        state.search("refund");
        let other = state_for("A-2").content.as_ref().clone();
        state.show(1, other);
        assert_eq!(state.last_query.as_deref(), Some("refund"));
        assert_eq!(state.matches.len(), 2);
    }

    #[test]
    fn fields_cycle_and_copy_the_selected_one() {
        let mut state = state_for("A-9");
        assert_eq!(state.selected_field_text().unwrap().0, "Step");
        state.step_field(true);
        let (title, text) = state.selected_field_text().unwrap();
        assert_eq!(title, "Arguments");
        assert!(text.contains("A-9"));
        state.step_field(false);
        state.step_field(false);
        assert_eq!(state.selected_field_text().unwrap().0, "Result");
    }
}

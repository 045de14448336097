//! Draws the timeline: the step rows with their waterfall bars and
//! failure marks, and under them the cause's explanation and the broken
//! assertions.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::timeline::{CauseSource, TimelineState};
use crate::model::units::{duration_text, thousands, truncate};
use crate::model::StepKind;
use crate::tui::theme::Theme;
use crate::tui::widgets::waterfall::{bar_span, bar_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoteStyle {
    Cause,
    Violation,
}

/// What the marked cause rests on, then each broken assertion not already
/// said by it: the on-call reader's one-paragraph summary.
fn notes(state: &TimelineState) -> Vec<(String, NoteStyle)> {
    let mut notes = Vec::new();
    let mut said = String::new();
    match &state.cause_source {
        CauseSource::Attribution {
            engine,
            explanation,
            ..
        } if !explanation.is_empty() => {
            notes.push((format!("◆ {engine}: {explanation}"), NoteStyle::Cause));
            said = explanation.clone();
        }
        CauseSource::Human { by, category } => notes.push((
            format!("◆ root cause labelled {category} by {by}"),
            NoteStyle::Cause,
        )),
        _ => {}
    }
    for v in &state.violations {
        if !said.contains(v.as_str()) {
            notes.push((format!("⚠ {v}"), NoteStyle::Violation));
        }
    }
    notes
}

/// Splits `text` at spaces into at most `max_lines` lines of `width`
/// characters; the last line ends in `…` if text was left over.
fn wrap_words(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let current = lines.last_mut().expect("never empty");
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            if lines.len() == max_lines {
                let last = lines.last_mut().expect("never empty");
                let kept: String = last.chars().take(width.saturating_sub(1)).collect();
                *last = format!("{kept}…");
                return lines;
            }
            lines.push(format!("  {word}"));
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    lines
}

fn bar_style(kind: StepKind, theme: &Theme) -> Style {
    match kind {
        StepKind::LlmCall => theme.bar_llm,
        StepKind::ToolCall | StepKind::Retrieval => theme.bar_tool,
        StepKind::Agent | StepKind::Chain => theme.bar_agent,
        _ => theme.bar_other,
    }
}

fn title(state: &TimelineState) -> String {
    let t = &state.trace;
    let summary = t.summary();
    let cause = match &state.cause_source {
        CauseSource::Attribution {
            engine, category, ..
        } => format!(" · cause: {category} ({engine})"),
        CauseSource::Human { by, category } => format!(" · cause: {category} (labelled by {by})"),
        CauseSource::FirstError => " · cause: first error".into(),
        CauseSource::None => String::new(),
    };
    format!(
        " {} · {} · {} · {} steps · {}{cause} ",
        t.id,
        t.agent,
        t.outcome.as_str(),
        t.steps.len(),
        duration_text(summary.duration_ms)
    )
}

pub fn render(state: &TimelineState, theme: &Theme, focused: bool, area: Rect, buf: &mut Buffer) {
    let block = super::pane_block(title(state), focused, theme);
    let mut inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 20 {
        return;
    }
    // The cause, then the broken assertions, take the last lines (wrapped,
    // at most two lines each), as long as steps keep most of the room.
    // Steps keep two thirds of the pane, or what they need if less.
    let height = inner.height as usize;
    let free = height.saturating_sub(state.rows.len() + 1);
    let budget = (height.saturating_sub(3) / 3).max(free).min(8);
    // One clipped line says little and costs a step row: show none.
    let budget = if budget < 2 { 0 } else { budget };
    let lines: Vec<(String, NoteStyle)> = notes(state)
        .into_iter()
        .flat_map(|(text, style)| {
            let max_lines = if style == NoteStyle::Cause { 3 } else { 2 };
            wrap_words(&text, inner.width as usize, max_lines)
                .into_iter()
                .map(move |line| (line, style))
        })
        .take(budget)
        .collect();
    let shown = lines.len();
    for (i, (line, style)) in lines.into_iter().enumerate() {
        let y = inner.bottom() - shown as u16 + i as u16;
        let style = if style == NoteStyle::Cause {
            theme.accent
        } else {
            theme.unknown
        };
        buf.set_line(inner.x, y, &Line::styled(line, style), inner.width);
    }
    inner.height -= shown as u16;
    let trace = &state.trace;
    let trace_ms = trace.duration_ms().unwrap_or(1);
    let width = inner.width as usize;
    // Columns: marker(2) kind(8) name(flex) duration(9) tokens(7) status(6) bar(rest)
    let bar_width = if width >= 100 {
        24
    } else if width >= 80 {
        14
    } else {
        0
    };
    let name_width = width
        .saturating_sub(2 + 8 + 9 + 7 + 7 + bar_width + usize::from(bar_width > 0))
        .max(8);
    for (line_no, (i, row)) in state
        .rows
        .iter()
        .enumerate()
        .skip(state.scroll_top)
        .take(inner.height as usize)
        .enumerate()
    {
        let step = &trace.steps[row.pos];
        let (marker, marker_style) = if Some(row.pos) == state.root_cause {
            ("◆ ", theme.root_cause)
        } else if Some(row.pos) == state.symptom {
            ("✖ ", theme.symptom)
        } else if state.path.contains(&row.pos) {
            ("│ ", theme.cause_path)
        } else if step.is_error() {
            ("• ", theme.error)
        } else {
            ("  ", theme.text)
        };
        let fold = if row.collapsed {
            "▸ "
        } else if row.has_children {
            "▾ "
        } else {
            ""
        };
        let count = if row.folded > 1 {
            format!(" ×{}", row.folded)
        } else {
            String::new()
        };
        let name = truncate(
            &format!(
                "{}{fold}{}{count}",
                "  ".repeat(row.depth.min(10)),
                step.name
            ),
            name_width,
        );
        let tokens = step
            .tokens
            .map(|t| thousands(t.total()))
            .unwrap_or_default();
        let status = if step.is_error() { "ERROR" } else { "ok" };
        let name_style = if Some(row.pos) == state.root_cause {
            theme.root_cause
        } else if step.is_error() {
            theme.error
        } else {
            theme.text
        };
        let mut spans = vec![
            Span::styled(marker, marker_style),
            Span::styled(format!("{:<8}", step.kind.tag()), theme.muted),
            Span::styled(format!("{name:<name_width$}"), name_style),
            Span::styled(
                format!("{:>9}", duration_text(step.duration_ms())),
                theme.text,
            ),
            Span::styled(format!("{tokens:>7}"), theme.muted),
            Span::styled(
                format!(" {status:<6}"),
                if step.is_error() {
                    theme.error
                } else {
                    theme.success
                },
            ),
        ];
        if bar_width > 0 {
            let span = bar_span(
                trace.started_at,
                trace_ms,
                step.started_at,
                step.ended_at,
                bar_width,
            );
            let style = if step.is_error() {
                theme.error
            } else {
                bar_style(step.kind, theme)
            };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(bar_text(span, bar_width), style));
        }
        let mut line = Line::from(spans);
        if i == state.selected {
            line = line.patch_style(theme.selection);
        }
        buf.set_line(inner.x, inner.y + line_no as u16, &line, inner.width);
    }
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn violations_wrap_at_spaces_and_mark_what_is_cut() {
        assert_eq!(wrap_words("a bb ccc", 20, 2), vec!["a bb ccc"]);
        assert_eq!(wrap_words("aaa bbb ccc", 7, 2), vec!["aaa bbb", "  ccc"]);
        let cut = wrap_words("aaa bbb ccc ddd eee", 7, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'), "{cut:?}");
    }
}

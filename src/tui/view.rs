//! Draws the whole screen from the state: a pure function of its inputs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::keymap::Keymap;
use super::layout::areas;
use super::panes::{detail, empty, failures, help, timeline, traces};
use super::state::{AppState, Focus, Input, Screen};
use super::theme::Theme;

pub fn draw(state: &AppState, keymap: &Keymap, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.width < 20 || area.height < 5 {
        buf.set_line(
            area.x,
            area.y,
            &Line::styled("window too small", theme.text),
            area.width,
        );
        return;
    }
    let a = areas(area, state.detail.fullscreen);
    draw_header(state, theme, a.header, buf);
    match &state.screen {
        Screen::Opening => empty::render_opening(&state.store_label, theme, a.body, buf),
        Screen::StoreError(message) => empty::render_store_error(message, theme, a.body, buf),
        Screen::Empty => {
            let samples = state.samples.as_ref().map(|p| p.display().to_string());
            empty::render_empty(
                &state.store_label,
                samples.as_deref(),
                state.importing,
                theme,
                a.body,
                buf,
            )
        }
        Screen::Traces => traces::render(&state.list, theme, true, a.body, buf),
        Screen::Failures => failures::render(&state.failures, theme, a.body, buf),
        Screen::Trace => match &state.timeline {
            Some(t) => {
                if !state.detail.fullscreen {
                    timeline::render(t, theme, state.focus == Focus::Timeline, a.timeline, buf);
                }
                detail::render(
                    &state.detail,
                    theme,
                    state.focus == Focus::Detail || state.detail.fullscreen,
                    a.detail,
                    buf,
                );
            }
            None => traces::render(&state.list, theme, true, a.body, buf),
        },
    }
    draw_status(state, keymap, theme, a.status, buf);
    if state.picker.is_some() {
        draw_picker(state, theme, area, buf);
    }
    if state.help {
        help::render(keymap, state.context(), state.help_scroll, theme, area, buf);
    }
}

fn draw_header(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let where_ = match state.screen {
        Screen::Trace => "trace",
        Screen::Traces => "traces",
        Screen::Failures => "failures",
        Screen::Empty => "empty store",
        Screen::Opening => "opening",
        Screen::StoreError(_) => "store error",
    };
    let mut spans = vec![
        Span::styled(" tackroom ", theme.header),
        Span::styled(format!("· {where_} · {}", state.store_label), theme.muted),
    ];
    if let Some(live) = &state.live {
        spans.push(Span::styled(
            format!(" · ● live on {} · {} received", live.address, live.received),
            theme.accent,
        ));
    }
    let line = Line::from(spans);
    buf.set_style(area, theme.status);
    buf.set_line(area.x, area.y, &line, area.width);
}

/// The bottom line: the input being typed, else a message, else key hints
/// taken from the keymap.
fn draw_status(state: &AppState, keymap: &Keymap, theme: &Theme, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, theme.status);
    let line = match &state.input {
        Input::Filter(input) => Line::from(vec![
            Span::styled(" filter /", theme.key),
            Span::styled(format!("{}▏", input.value), theme.status),
            Span::styled("  (outcome: agent: harness: task: error: since: until: text · Enter applies · Esc cancels)", theme.muted),
        ]),
        Input::Search(input) => Line::from(vec![
            Span::styled(" search /", theme.key),
            Span::styled(format!("{}▏", input.value), theme.status),
        ]),
        Input::None => match (&state.status, &state.screen) {
            (Some(message), _) => Line::styled(format!(" {message}"), theme.status),
            // No keys are read until the store is open.
            (None, Screen::Opening) => Line::default(),
            (None, _) => hints(state, keymap, theme),
        },
    };
    buf.set_line(area.x, area.y, &line, area.width);
}

fn hints<'a>(state: &AppState, keymap: &'a Keymap, theme: &Theme) -> Line<'a> {
    let mut spans = vec![
        Span::raw(" "),
        Span::styled("?", theme.key),
        Span::styled(" help · ", theme.status),
    ];
    let bindings = keymap.help_for(state.context());
    for binding in bindings
        .into_iter()
        .filter(|b| b.action != super::action::Action::Help)
        .take(7)
    {
        if let Some(key) = binding.keys.first() {
            spans.push(Span::styled(key.label(), theme.key));
            spans.push(Span::styled(
                format!(" {} · ", short(binding.description)),
                theme.status,
            ));
        }
    }
    Line::from(spans)
}

/// The first words of a description, for the hint line.
fn short(description: &str) -> &str {
    let end = description.find(['(', '/']).unwrap_or(description.len());
    description[..end].trim_end()
}

/// The category picker of "mark as root cause".
fn draw_picker(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
    let categories = super::labelling::picker_categories();
    let step = state
        .timeline
        .as_ref()
        .and_then(|t| {
            t.selected_pos()
                .map(|p| format!("#{} {}", t.trace.steps[p].index, t.trace.steps[p].name))
        })
        .unwrap_or_default();
    let height = (categories.len() as u16 + 2).min(area.height);
    let width = 44.min(area.width);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(popup, buf);
    let lines: Vec<Line> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let kind = if c.is_harness_problem() {
                "harness"
            } else {
                "noise"
            };
            let line = Line::from(vec![
                Span::styled(format!(" {:<24}", c.as_str()), theme.text),
                Span::styled(kind, theme.muted),
            ]);
            if Some(i) == state.picker {
                line.patch_style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Root cause {step}: category (Enter, Esc) "),
            theme.header,
        ));
    Paragraph::new(lines).block(block).render(popup, buf);
}

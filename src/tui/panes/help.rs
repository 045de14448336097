//! The help overlay: every binding of the current pane, read from the
//! loaded keymap so it always matches what the keys do.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Theme;

/// Where the overlay sits in `area`: centred, as tall as its bindings
/// allow.
fn popup_area(bindings: usize, area: Rect) -> Rect {
    let width = area.width.saturating_sub(4).min(72);
    let height = (bindings as u16 + 4).min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    }
}

/// How far the overlay for `context` can scroll in `area`: the lines (a
/// heading per context, a line per binding) that do not fit.
pub fn max_scroll(keymap: &Keymap, context: Context, area: Rect) -> u16 {
    let bindings = keymap.help_for(context);
    let mut contexts: Vec<Context> = bindings.iter().map(|b| b.context).collect();
    contexts.dedup();
    let lines = bindings.len() + contexts.len();
    let visible = popup_area(bindings.len(), area).height.saturating_sub(2) as usize;
    lines.saturating_sub(visible) as u16
}

pub fn render(
    keymap: &Keymap,
    context: Context,
    scroll: u16,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let bindings = keymap.help_for(context);
    let popup = popup_area(bindings.len(), area);
    Clear.render(popup, buf);
    let mut lines = Vec::new();
    let mut last_context = None;
    for binding in bindings {
        if last_context != Some(binding.context) {
            lines.push(Line::from(Span::styled(
                format!("{} keys", binding.context.name()),
                theme.header,
            )));
            last_context = Some(binding.context);
        }
        let keys: Vec<String> = binding.keys.iter().map(|k| k.label()).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<18}", keys.join(" ")), theme.key),
            Span::styled(binding.description, theme.text),
        ]));
    }
    // When the bindings do not fit, j/k scroll (never past the last line).
    let overflow = max_scroll(keymap, context, area);
    let scroll = scroll.min(overflow);
    let hint = if overflow > 0 { ", j/k scroll" } else { "" };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Help · {} (? or Esc closes{hint}) ", context.name()),
            theme.header,
        ));
    Paragraph::new(lines)
        .block(block)
        .scroll((scroll, 0))
        .render(popup, buf);
}

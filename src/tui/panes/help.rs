//! The help overlay: every binding of the current pane, read from the
//! loaded keymap so it always matches what the keys do.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Theme;

pub fn render(keymap: &Keymap, context: Context, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let bindings = keymap.help_for(context);
    let width = area.width.saturating_sub(4).min(72);
    let height = (bindings.len() as u16 + 4).min(area.height.saturating_sub(2));
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
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
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Help · {} (? or Esc closes) ", context.name()),
            theme.header,
        ));
    Paragraph::new(lines).block(block).render(popup, buf);
}

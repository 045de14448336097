//! What an empty store, or one that cannot be opened, shows instead of a
//! blank screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::tui::theme::Theme;

/// The empty-store screen: how to import, and the sample offer if found.
pub fn render_empty(
    store: &str,
    samples: Option<&str>,
    importing: bool,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut lines = vec![
        Line::styled("This store has no traces yet.", theme.header),
        Line::raw(""),
        Line::styled(format!("Store: {store}"), theme.muted),
        Line::raw(""),
        Line::styled("Import traces from the command line:", theme.text),
        Line::styled(
            "  tackroom import PATH...      (files, directories, - for stdin)",
            theme.accent,
        ),
        Line::raw(""),
    ];
    match (samples, importing) {
        (_, true) => lines.push(Line::styled("Importing the sample traces…", theme.accent)),
        (Some(path), false) => {
            lines.push(Line::styled(
                format!("Or press i to import the sample traces in {path}"),
                theme.key,
            ));
        }
        (None, false) => lines.push(Line::styled(
            "(no sample-traces/ folder found nearby)",
            theme.muted,
        )),
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("? help · q quit", theme.muted));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(" tackroom ");
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buf);
}

/// The first frame, drawn while the store opens (sled reads its snapshot,
/// which takes a few hundred milliseconds on a store of a million traces).
pub fn render_opening(store: &str, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(" tackroom ");
    Paragraph::new(vec![Line::styled(
        format!("Opening the store at {store}…"),
        theme.muted,
    )])
    .block(block)
    .render(area, buf);
}

/// A store that could not be opened, said in words.
pub fn render_store_error(message: &str, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lines = vec![
        Line::styled("tackroom cannot open its store", theme.failure),
        Line::raw(""),
        Line::styled(message.to_owned(), theme.text),
        Line::raw(""),
        Line::styled(
            "Choose another store with --store DIR or TACKROOM_STORE. q quits.",
            theme.muted,
        ),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error)
        .title(" tackroom ");
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buf);
}

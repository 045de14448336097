//! One module per pane: its state, its transitions, its render function.

pub mod detail;
pub mod detail_content;
pub mod empty;
pub mod failures;
pub mod help;
pub mod timeline;
pub mod timeline_view;
pub mod traces;
pub mod traces_view;

/// The first visible row after moving the selection: unchanged while the
/// selection is on screen, else just enough scroll to bring it back.
pub fn scroll_to_show(selected: usize, scroll_top: usize, viewport: usize) -> usize {
    let height = viewport.max(1);
    if selected < scroll_top {
        selected
    } else if selected >= scroll_top + height {
        selected + 1 - height
    } else {
        scroll_top
    }
}

/// A pane's frame: its border brighter when it has focus, its title in the
/// header style.
pub fn pane_block(
    title: String,
    focused: bool,
    theme: &crate::tui::theme::Theme,
) -> ratatui::widgets::Block<'static> {
    ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(ratatui::text::Span::styled(title, theme.header))
}

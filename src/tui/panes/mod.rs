//! One module per pane: its state, its transitions, its render function.

pub mod detail;
pub mod detail_content;
pub mod empty;
pub mod failures;
pub mod help;
pub mod timeline;
pub mod timeline_view;
pub mod traces;

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

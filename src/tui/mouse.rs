//! Mouse input: the wheel scrolls the pane under the pointer; a click
//! focuses a pane and selects the row under it.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::effect::Effect;
use super::layout::areas;
use super::state::{AppState, Focus, Screen};

impl AppState {
    /// Mouse wheel scrolls the pane under the pointer; a click selects a row.
    pub fn on_mouse(&mut self, mouse: &MouseEvent) -> Vec<Effect> {
        let a = areas(self.size, self.detail.fullscreen);
        let at = Position::new(mouse.column, mouse.row);
        if self.screen == Screen::Trace {
            if a.detail.contains(at) {
                self.focus = Focus::Detail;
            } else if a.timeline.contains(at) {
                self.focus = Focus::Timeline;
            }
        }
        let effects = match mouse.kind {
            MouseEventKind::ScrollDown => self.move_by(3),
            MouseEventKind::ScrollUp => self.move_by(-3),
            MouseEventKind::Down(MouseButton::Left) => self.click(a, at),
            _ => Vec::new(),
        };
        self.sync_detail();
        effects
    }

    fn click(&mut self, a: super::layout::Areas, at: Position) -> Vec<Effect> {
        match self.screen {
            Screen::Traces if a.body.contains(at) => {
                // Border and header row above the first trace.
                let row = (at.y as usize).checked_sub(a.body.y as usize + 2);
                match row {
                    Some(row) => {
                        let target = self.list.scroll_top.max(self.list.offset) + row;
                        self.with_list(|list, ids| list.select(target, ids))
                    }
                    None => Vec::new(),
                }
            }
            Screen::Trace if a.timeline.contains(at) => {
                if let Some(t) = self.timeline.as_mut() {
                    if let Some(row) = (at.y as usize).checked_sub(a.timeline.y as usize + 1) {
                        t.select_row(t.scroll_top + row);
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

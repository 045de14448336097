//! A one-line text input (the filter bar and the detail search).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    pub value: String,
    /// Cursor position in characters.
    pub cursor: usize,
}

/// What a key did to the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputOutcome {
    Editing,
    Submitted(String),
    Cancelled,
}

impl TextInput {
    pub fn with_value(value: &str) -> Self {
        TextInput {
            value: value.to_owned(),
            cursor: value.chars().count(),
        }
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.value
            .char_indices()
            .nth(chars)
            .map_or(self.value.len(), |(b, _)| b)
    }

    pub fn handle(&mut self, key: &KeyEvent) -> InputOutcome {
        match key.code {
            KeyCode::Enter => return InputOutcome::Submitted(self.value.clone()),
            KeyCode::Esc => return InputOutcome::Cancelled,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return InputOutcome::Cancelled
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.value.clear();
                self.cursor = 0;
            }
            KeyCode::Char(c) => {
                let at = self.byte_at(self.cursor);
                self.value.insert(at, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Delete if self.cursor < self.value.chars().count() => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.value.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.value.chars().count(),
            _ => {}
        }
        InputOutcome::Editing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(input: &mut TextInput, code: KeyCode) -> InputOutcome {
        input.handle(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn typing_editing_and_submitting() {
        let mut input = TextInput::default();
        for c in "outcme".chars() {
            press(&mut input, KeyCode::Char(c));
        }
        press(&mut input, KeyCode::Left);
        press(&mut input, KeyCode::Left);
        press(&mut input, KeyCode::Char('o'));
        assert_eq!(input.value, "outcome");
        press(&mut input, KeyCode::End);
        press(&mut input, KeyCode::Backspace);
        assert_eq!(
            press(&mut input, KeyCode::Enter),
            InputOutcome::Submitted("outcom".into())
        );
        assert_eq!(press(&mut input, KeyCode::Esc), InputOutcome::Cancelled);
    }
}

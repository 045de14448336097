//! Drives the UI state synchronously against a store, as the event loop
//! would, and renders it to a test backend.
#![allow(dead_code)]

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use tackroom::store::Store;
use tackroom::tui::effect::Effect;
use tackroom::tui::keymap::Keymap;
use tackroom::tui::state::{AppState, Screen};
use tackroom::tui::theme::Theme;
use tackroom::tui::view;
use tackroom::tui::worker::run_effect;

pub struct Ui {
    pub state: AppState,
    pub store: Store,
    pub keymap: Keymap,
    pub theme: Theme,
    pub copied: Vec<String>,
}

impl Ui {
    pub fn open(store: Store, width: u16, height: u16, trace: Option<&str>) -> Ui {
        let screen = if store.trace_count().unwrap() == 0 {
            Screen::Empty
        } else {
            Screen::Traces
        };
        let mut state = AppState::new("/stores/test".into(), screen, super::at(100_000));
        state.resize(width, height);
        let effects = state.start(trace.map(str::to_owned));
        let mut ui = Ui {
            state,
            store,
            keymap: Keymap::default(),
            theme: Theme::built_in("dark"),
            copied: Vec::new(),
        };
        ui.run(effects);
        ui
    }

    /// Runs effects and the effects their answers cause, until quiet.
    pub fn run(&mut self, mut effects: Vec<Effect>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        while !effects.is_empty() {
            for effect in std::mem::take(&mut effects) {
                match effect {
                    Effect::Copy(text) => self.copied.push(text),
                    Effect::Quit => {}
                    other => run_effect(&self.store, other, &tx),
                }
            }
            while let Ok(msg) = rx.try_recv() {
                effects.extend(self.state.apply(msg));
            }
        }
    }

    pub fn key(&mut self, code: KeyCode) -> &mut Self {
        self.key_with(code, KeyModifiers::NONE)
    }

    pub fn key_with(&mut self, code: KeyCode, modifiers: KeyModifiers) -> &mut Self {
        let effects = self
            .state
            .on_key(&self.keymap, &KeyEvent::new(code, modifiers));
        self.run(effects);
        self
    }

    /// Presses `n` until a step in error is selected (the root cause,
    /// which `n` visits first, may be an earlier step that did not fail).
    pub fn next_error_step(&mut self) -> &mut Self {
        for _ in 0..20 {
            self.key(KeyCode::Char('n'));
            let t = self.state.timeline.as_ref().expect("a timeline is open");
            if t.selected_pos()
                .is_some_and(|p| t.trace.steps[p].is_error())
            {
                break;
            }
        }
        self
    }

    pub fn keys(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
        self
    }

    pub fn render(&self) -> TestBackend {
        let size = self.state.size;
        let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).unwrap();
        terminal
            .draw(|f| {
                view::draw(
                    &self.state,
                    &self.keymap,
                    &self.theme,
                    f.area(),
                    f.buffer_mut(),
                )
            })
            .unwrap();
        terminal.backend().clone()
    }

    pub fn screen_text(&self) -> String {
        let backend = self.render();
        let buffer = backend.buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                out.push_str(buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }
}

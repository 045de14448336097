//! The event loop: terminal events and worker messages → state updates →
//! effects; everything queued is drained before one draw.

use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use super::effect::{Effect, Msg};
use super::keymap::Keymap;
use super::state::AppState;
use super::terminal::copy_to_clipboard;
use super::theme::Theme;
use super::view;
use super::worker::run_effect;
use crate::store::Store;

pub async fn run_loop(
    terminal: &mut DefaultTerminal,
    mut state: AppState,
    store: Option<Store>,
    keymap: Keymap,
    theme: Theme,
    open_trace: Option<String>,
    (tx, mut rx): (mpsc::UnboundedSender<Msg>, mpsc::UnboundedReceiver<Msg>),
) -> anyhow::Result<()> {
    let mut events = EventStream::new();
    let size = terminal.size()?;
    state.resize(size.width, size.height);
    let mut effects = state.start(open_trace);
    loop {
        for effect in effects.drain(..) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Copy(text) => copy_to_clipboard(&text),
                other => {
                    if let Some(store) = store.clone() {
                        let tx = tx.clone();
                        tokio::task::spawn_blocking(move || run_effect(&store, other, &tx));
                    }
                }
            }
        }
        state.now = chrono::Utc::now();
        terminal
            .draw(|frame| view::draw(&state, &keymap, &theme, frame.area(), frame.buffer_mut()))?;
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => effects.extend(handle_event(&mut state, &keymap, event)),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => effects.extend(state.apply(msg)),
        }
        while let Ok(msg) = rx.try_recv() {
            effects.extend(state.apply(msg));
        }
    }
}

fn handle_event(state: &mut AppState, keymap: &Keymap, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => state.on_key(keymap, &key),
        Event::Mouse(mouse) => state.on_mouse(&mouse),
        Event::Resize(width, height) => {
            state.resize(width, height);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

//! One table of key bindings: (context, key) → action, each with a
//! description. Dispatch, the help overlay and the README key table are all
//! read from it, so they cannot drift apart. A config file can rebind keys.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a binding applies. `Global` bindings apply in every pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Traces,
    Timeline,
    Detail,
    Failures,
    Empty,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Traces => "traces",
            Context::Timeline => "timeline",
            Context::Detail => "detail",
            Context::Failures => "failures",
            Context::Empty => "empty",
        }
    }

    fn parse(name: &str) -> Option<Context> {
        [
            Context::Global,
            Context::Traces,
            Context::Timeline,
            Context::Detail,
            Context::Failures,
            Context::Empty,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }
}

/// A key with modifiers, printable as `ctrl-d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn parse(text: &str) -> Option<Key> {
        let (modifiers, rest) = match text.strip_prefix("ctrl-") {
            Some(rest) => (KeyModifiers::CONTROL, rest),
            None => (KeyModifiers::NONE, text),
        };
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            single if single.chars().count() == 1 => KeyCode::Char(single.chars().next()?),
            _ => return None,
        };
        Some(Key { code, modifiers })
    }

    /// Matches a terminal key event. Shift is ignored for characters, since
    /// terminals report `N` as shift+`N`.
    fn matches(&self, event: &KeyEvent) -> bool {
        let modifiers = match event.code {
            KeyCode::Char(_) => event.modifiers - KeyModifiers::SHIFT,
            _ => event.modifiers,
        };
        self.code == event.code && self.modifiers == modifiers
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub context: Context,
    pub keys: Vec<Key>,
    pub action: Action,
    pub description: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

/// The default bindings: (context, keys, action, description).
#[rustfmt::skip]
const DEFAULTS: &[(Context, &[&str], Action, &str)] = &[
    (Context::Global, &["q", "ctrl-c"], Action::Quit, "quit"),
    (Context::Global, &["?"], Action::Help, "show or hide this help"),
    (Context::Global, &["esc"], Action::Back, "go back one level"),
    (Context::Global, &["tab"], Action::NextPane, "next pane"),
    (Context::Global, &["shift-tab"], Action::PrevPane, "previous pane"),
    (Context::Global, &["j", "down"], Action::Down, "move down"),
    (Context::Global, &["k", "up"], Action::Up, "move up"),
    (Context::Global, &["g", "home"], Action::Top, "go to the top"),
    (Context::Global, &["G", "end"], Action::Bottom, "go to the bottom"),
    (Context::Global, &["ctrl-d", "pagedown"], Action::HalfPageDown, "half a page down"),
    (Context::Global, &["ctrl-u", "pageup"], Action::HalfPageUp, "half a page up"),
    (Context::Global, &["1"], Action::ShowTraces, "the trace list"),
    (Context::Global, &["2"], Action::ShowFailures, "failure clusters"),
    (Context::Traces, &["enter"], Action::Open, "open the trace's timeline"),
    (Context::Traces, &["/"], Action::Filter, "filter (outcome:failure agent:x error:y text)"),
    (Context::Traces, &["c"], Action::ClearFilter, "clear the filter"),
    (Context::Traces, &["s"], Action::CycleSort, "sort by the next column"),
    (Context::Traces, &["S"], Action::ReverseSort, "reverse the sort order"),
    (Context::Traces, &["r"], Action::Refresh, "reload from the store"),
    (Context::Traces, &["y"], Action::CopyTraceId, "copy the trace id (OSC 52)"),
    (Context::Traces, &["+"], Action::LabelSuccess, "label the trace a success"),
    (Context::Traces, &["-"], Action::LabelFailure, "label the trace a failure"),
    (Context::Traces, &["="], Action::LabelUnknown, "label the trace unknown"),
    (Context::Timeline, &["n"], Action::NextFailure, "next failing step"),
    (Context::Timeline, &["N"], Action::PrevFailure, "previous failing step"),
    (Context::Timeline, &["space", "enter"], Action::ToggleCollapse, "collapse or expand the subtree / retries"),
    (Context::Timeline, &["e"], Action::ExpandAll, "expand everything"),
    (Context::Timeline, &["f"], Action::ToggleFullscreen, "full-screen step detail"),
    (Context::Timeline, &["c"], Action::ConfirmCause, "confirm the marked root cause (your label)"),
    (Context::Timeline, &["m"], Action::MarkCause, "mark the selected step as the root cause"),
    (Context::Timeline, &["A"], Action::AskModel, "ask the model for the root cause ([llm] config)"),
    (Context::Timeline, &["y"], Action::CopyTraceId, "copy the trace id (OSC 52)"),
    (Context::Timeline, &["+"], Action::LabelSuccess, "label the trace a success"),
    (Context::Timeline, &["-"], Action::LabelFailure, "label the trace a failure"),
    (Context::Detail, &["/"], Action::Search, "search in the step (recalls the last query)"),
    (Context::Detail, &["n"], Action::NextMatch, "next match"),
    (Context::Detail, &["N"], Action::PrevMatch, "previous match"),
    (Context::Detail, &["w"], Action::ToggleWrap, "wrap long lines on or off"),
    (Context::Detail, &["f"], Action::ToggleFullscreen, "full screen on or off"),
    (Context::Detail, &["y"], Action::Copy, "copy the selected field (OSC 52)"),
    (Context::Detail, &["]"], Action::NextField, "select the next field"),
    (Context::Detail, &["["], Action::PrevField, "select the previous field"),
    (Context::Failures, &["enter"], Action::Open, "list the cluster's traces"),
    (Context::Failures, &["a"], Action::Attribute, "attribute all failed traces (rules engine)"),
    (Context::Failures, &["r"], Action::Refresh, "reload the clusters"),
    (Context::Empty, &["i"], Action::ImportSamples, "import the bundled sample-traces/ and attribute their failures"),
];

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
            .map(|(context, keys, action, description)| Binding {
                context: *context,
                keys: keys.iter().filter_map(|k| Key::parse(k)).collect(),
                action: *action,
                description,
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The action bound to `event` in `context`, falling back to global.
    pub fn action_for(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        [context, Context::Global].into_iter().find_map(|ctx| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.keys.iter().any(|k| k.matches(event)))
                .map(|b| b.action)
        })
    }

    /// Bindings shown in the help overlay for `context`: its own, then global.
    pub fn help_for(&self, context: Context) -> Vec<&Binding> {
        let own = self.bindings.iter().filter(|b| b.context == context);
        let global = self
            .bindings
            .iter()
            .filter(|b| b.context == Context::Global && context != Context::Global);
        own.chain(global).filter(|b| !b.keys.is_empty()).collect()
    }

    /// Applies `[keys.<context>] action = ["key", ...]` overrides from a
    /// config file; `text` is the file's content, for line numbers.
    pub fn apply_overrides(
        &mut self,
        file: &str,
        text: &str,
        overrides: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
    ) -> Result<(), KeymapError> {
        for (context_name, actions) in overrides {
            let error = |needle: &str, message: String| KeymapError {
                file: file.to_owned(),
                line: line_of(text, needle),
                message,
            };
            let context = Context::parse(context_name).ok_or_else(|| {
                error(
                    &format!("[keys.{context_name}]"),
                    format!("unknown pane {context_name:?}; expected global, traces, timeline, detail, failures or empty"),
                )
            })?;
            for (action_name, keys) in actions {
                let action = Action::from_name(action_name).ok_or_else(|| {
                    error(
                        action_name,
                        format!("keys.{context_name}: unknown action {action_name:?}"),
                    )
                })?;
                let parsed: Vec<Key> = keys
                    .iter()
                    .map(|k| {
                        Key::parse(k)
                            .ok_or_else(|| error(action_name, format!("unknown key {k:?}")))
                    })
                    .collect::<Result<_, _>>()?;
                match self
                    .bindings
                    .iter_mut()
                    .find(|b| b.context == context && b.action == action)
                {
                    Some(binding) => binding.keys = parsed,
                    None => self.bindings.push(Binding {
                        context,
                        keys: parsed,
                        action,
                        description: "user binding",
                    }),
                }
            }
        }
        Ok(())
    }

    /// The key table in Markdown, as the README shows it.
    pub fn markdown_table(&self) -> String {
        let mut out = String::from("| pane | keys | action |\n|---|---|---|\n");
        for b in &self.bindings {
            let keys: Vec<String> = b.keys.iter().map(|k| format!("`{}`", k.label())).collect();
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                b.context.name(),
                keys.join(" "),
                b.description
            ));
        }
        out
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |p| p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn pane_binding_wins_over_global_and_global_is_the_fallback() {
        let keymap = Keymap::default();
        assert_eq!(
            keymap.action_for(Context::Timeline, &key('n')),
            Some(Action::NextFailure)
        );
        assert_eq!(
            keymap.action_for(Context::Detail, &key('n')),
            Some(Action::NextMatch)
        );
        assert_eq!(
            keymap.action_for(Context::Traces, &key('j')),
            Some(Action::Down)
        );
        let shifted = KeyEvent::new(KeyCode::Char('N'), KeyModifiers::SHIFT);
        assert_eq!(
            keymap.action_for(Context::Timeline, &shifted),
            Some(Action::PrevFailure)
        );
        let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(
            keymap.action_for(Context::Traces, &ctrl_d),
            Some(Action::HalfPageDown)
        );
    }

    #[test]
    fn overrides_rebind_and_unknown_actions_are_located() {
        let mut keymap = Keymap::default();
        let text = "theme = \"dark\"\n[keys.timeline]\nnext_failure = [\"x\"]\n";
        let mut overrides = BTreeMap::new();
        overrides.insert(
            "timeline".to_owned(),
            BTreeMap::from([("next_failure".to_owned(), vec!["x".to_owned()])]),
        );
        keymap
            .apply_overrides("config.toml", text, &overrides)
            .unwrap();
        assert_eq!(
            keymap.action_for(Context::Timeline, &key('x')),
            Some(Action::NextFailure)
        );
        assert_eq!(keymap.action_for(Context::Timeline, &key('n')), None);

        let bad_text = "[keys.timeline]\nfly_away = [\"z\"]\n";
        let bad = BTreeMap::from([(
            "timeline".to_owned(),
            BTreeMap::from([("fly_away".to_owned(), vec!["z".to_owned()])]),
        )]);
        let err = keymap
            .apply_overrides("config.toml", bad_text, &bad)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "config.toml:2: keys.timeline: unknown action \"fly_away\""
        );
    }

    #[test]
    fn help_lists_pane_bindings_then_global_ones() {
        let keymap = Keymap::default();
        let help = keymap.help_for(Context::Timeline);
        assert_eq!(help[0].action, Action::NextFailure);
        assert!(help.iter().any(|b| b.action == Action::Quit));
        assert!(!help.iter().any(|b| b.action == Action::NextMatch));
    }
}

//! Every thing the UI can do. Keymap files name actions in snake_case;
//! actions that only the app itself sends are `#[serde(skip)]`.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Back,
    NextPane,
    PrevPane,
    Up,
    Down,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    Open,
    Filter,
    ClearFilter,
    CycleSort,
    ReverseSort,
    Refresh,
    LabelSuccess,
    LabelFailure,
    LabelUnknown,
    NextFailure,
    PrevFailure,
    ToggleCollapse,
    ExpandAll,
    Search,
    NextMatch,
    PrevMatch,
    ToggleWrap,
    ToggleFullscreen,
    Copy,
    NextField,
    PrevField,
    ImportSamples,
    ShowTraces,
    ShowFailures,
    Attribute,
    ConfirmCause,
    MarkCause,
    AskModel,
    CopyTraceId,
}

impl Action {
    /// Parses a keymap-file action name.
    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }
}

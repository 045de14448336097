//! Themes: `themes/<name>.toml` → styles. A name resolves to the user's
//! theme directory, then the built-in themes embedded in the binary. No
//! colour literal lives anywhere else in the UI. With `NO_COLOR` set, every
//! colour is dropped and distinctions are made with bold, reverse and
//! underline only.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

pub const DEFAULT_THEME: &str = "dark";

#[derive(Deserialize)]
struct ThemeFile {
    name: String,
    colors: BTreeMap<String, String>,
}

/// Every style the UI uses, resolved from a theme file.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selection: Style,
    pub header: Style,
    pub success: Style,
    pub failure: Style,
    pub unknown: Style,
    pub error: Style,
    pub root_cause: Style,
    pub symptom: Style,
    pub cause_path: Style,
    pub bar_llm: Style,
    pub bar_tool: Style,
    pub bar_agent: Style,
    pub bar_other: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
    pub json_literal: Style,
    pub search_match: Style,
    pub status: Style,
    pub key: Style,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme {name:?}; built-in themes are dark, light and high-contrast")]
    Unknown { name: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

impl Theme {
    /// Resolves `name`: `<user_dir>/<name>.toml`, then a built-in theme.
    pub fn load(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, ThemeError> {
        if let Some(path) = user_dir
            .map(|d| d.join(format!("{name}.toml")))
            .filter(|p| p.exists())
        {
            let text = std::fs::read_to_string(&path).map_err(|e| ThemeError::Invalid {
                file: path.display().to_string(),
                message: e.to_string(),
            })?;
            return Self::parse(&path.display().to_string(), &text, no_color);
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Self::parse(n, text, no_color),
            None => Err(ThemeError::Unknown {
                name: name.to_owned(),
            }),
        }
    }

    pub fn built_in(name: &str) -> Theme {
        Self::load(name, None, false).unwrap_or_else(|_| Self::fallback())
    }

    /// The default theme, used when nothing else resolves.
    pub fn fallback() -> Theme {
        Self::parse("dark", BUILT_IN[0].1, false).unwrap_or_else(|_| Self::monochrome("dark"))
    }

    fn parse(file: &str, text: &str, no_color: bool) -> Result<Theme, ThemeError> {
        let parsed: ThemeFile = toml::from_str(text).map_err(|e| ThemeError::Invalid {
            file: file.to_owned(),
            message: e.message().to_owned(),
        })?;
        if no_color {
            return Ok(Self::monochrome(&parsed.name));
        }
        let colour = |key: &str| -> Result<Color, ThemeError> {
            let value = parsed.colors.get(key).ok_or_else(|| ThemeError::Invalid {
                file: file.to_owned(),
                message: format!("colors.{key}: missing"),
            })?;
            Color::from_str(value).map_err(|_| ThemeError::Invalid {
                file: file.to_owned(),
                message: format!(
                    "colors.{key}: expected a colour name or #rrggbb, found {value:?}"
                ),
            })
        };
        let fg = |key: &str| colour(key).map(|c| Style::default().fg(c));
        Ok(Theme {
            name: parsed.name.clone(),
            text: fg("text")?,
            muted: fg("muted")?,
            accent: fg("accent")?,
            border: fg("border")?,
            border_focused: fg("border_focused")?,
            selection: Style::default()
                .bg(colour("selection_bg")?)
                .fg(colour("selection_fg")?),
            header: fg("header")?.add_modifier(Modifier::BOLD),
            success: fg("success")?,
            failure: fg("failure")?.add_modifier(Modifier::BOLD),
            unknown: fg("unknown")?,
            error: fg("error")?,
            root_cause: fg("root_cause")?.add_modifier(Modifier::BOLD),
            symptom: fg("symptom")?.add_modifier(Modifier::BOLD),
            cause_path: fg("cause_path")?,
            bar_llm: fg("bar_llm")?,
            bar_tool: fg("bar_tool")?,
            bar_agent: fg("bar_agent")?,
            bar_other: fg("bar_other")?,
            json_key: fg("json_key")?,
            json_string: fg("json_string")?,
            json_number: fg("json_number")?,
            json_literal: fg("json_literal")?,
            search_match: Style::default()
                .bg(colour("search_match_bg")?)
                .fg(colour("search_match_fg")?),
            status: Style::default()
                .bg(colour("status_bg")?)
                .fg(colour("status_fg")?),
            key: fg("key")?.add_modifier(Modifier::BOLD),
        })
    }

    /// Styles without colour, for `NO_COLOR`.
    fn monochrome(name: &str) -> Theme {
        let plain = Style::default();
        let bold = plain.add_modifier(Modifier::BOLD);
        let reversed = plain.add_modifier(Modifier::REVERSED);
        let underlined = plain.add_modifier(Modifier::UNDERLINED);
        Theme {
            name: format!("{name} (no colour)"),
            text: plain,
            muted: plain.add_modifier(Modifier::DIM),
            accent: bold,
            border: plain,
            border_focused: bold,
            selection: reversed,
            header: bold,
            success: plain,
            failure: bold,
            unknown: plain.add_modifier(Modifier::ITALIC),
            error: bold,
            root_cause: bold.add_modifier(Modifier::UNDERLINED),
            symptom: bold,
            cause_path: underlined,
            bar_llm: plain,
            bar_tool: plain,
            bar_agent: plain.add_modifier(Modifier::DIM),
            bar_other: plain,
            json_key: bold,
            json_string: plain,
            json_number: plain,
            json_literal: plain.add_modifier(Modifier::ITALIC),
            search_match: reversed,
            status: reversed,
            key: bold,
        }
    }

    pub fn built_in_names() -> Vec<&'static str> {
        BUILT_IN.iter().map(|(n, _)| *n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses() {
        for name in Theme::built_in_names() {
            let theme = Theme::load(name, None, false).unwrap();
            assert_eq!(theme.name, name);
            assert_ne!(theme.failure, theme.success);
        }
    }

    #[test]
    fn no_color_drops_every_colour() {
        let theme = Theme::load("dark", None, true).unwrap();
        assert_eq!(theme.failure.fg, None);
        assert_eq!(theme.selection.bg, None);
    }

    #[test]
    fn user_theme_overrides_and_bad_colour_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let text = BUILT_IN[0].1.replace("#f38ba8", "not-a-colour");
        std::fs::write(dir.path().join("mine.toml"), text).unwrap();
        let err = Theme::load("mine", Some(dir.path()), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mine.toml: colors.failure: expected a colour name"),
            "{err}"
        );
        assert!(matches!(
            Theme::load("nope", None, false),
            Err(ThemeError::Unknown { .. })
        ));
    }
}

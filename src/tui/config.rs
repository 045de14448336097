//! The UI config file (`$TACKROOM_CONFIG`, else `<config dir>/config.toml`):
//! the theme and key overrides.
//!
//! ```toml
//! theme = "light"
//! [keys.timeline]
//! next_failure = ["n", "ctrl-n"]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::keymap::Keymap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    theme: Option<String>,
    #[serde(default)]
    keys: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

#[derive(Debug)]
pub struct UiConfig {
    pub theme: Option<String>,
    pub keymap: Keymap,
    /// Where user themes are looked up first.
    pub theme_dir: Option<PathBuf>,
}

pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "tackroom", "tackroom")
        .map(|d| d.config_dir().to_path_buf())
}

fn config_path() -> Option<PathBuf> {
    match std::env::var_os("TACKROOM_CONFIG") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => config_dir().map(|d| d.join("config.toml")),
    }
}

/// Loads the config file if there is one; errors name the file and line.
pub fn load_config() -> Result<UiConfig, String> {
    let theme_dir = config_dir().map(|d| d.join("themes"));
    let mut config = UiConfig {
        theme: None,
        keymap: Keymap::default(),
        theme_dir,
    };
    let Some(path) = config_path().filter(|p| p.exists()) else {
        return Ok(config);
    };
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
    let parsed: ConfigFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        format!("{file}:{line}: {}", e.message())
    })?;
    config.theme = parsed.theme;
    config
        .keymap
        .apply_overrides(&file, &text, &parsed.keys)
        .map_err(|e| e.to_string())?;
    Ok(config)
}

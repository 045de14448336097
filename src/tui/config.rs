//! The UI's part of the config file (see `settings`): the theme and key
//! overrides.
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
    /// Read by the provider layer (`llm::config`).
    #[serde(default)]
    #[allow(dead_code)]
    llm: Option<toml::Value>,
}

#[derive(Debug)]
pub struct UiConfig {
    pub theme: Option<String>,
    pub keymap: Keymap,
    /// Where user themes are looked up first.
    pub theme_dir: Option<PathBuf>,
}

/// Loads the config file if there is one; errors name the file and line.
pub fn load_config() -> Result<UiConfig, String> {
    let theme_dir = crate::settings::config_dir().map(|d| d.join("themes"));
    let mut config = UiConfig {
        theme: None,
        keymap: Keymap::default(),
        theme_dir,
    };
    let Some((file, text)) = crate::settings::read_config()? else {
        return Ok(config);
    };
    let parsed: ConfigFile =
        toml::from_str(&text).map_err(|e| crate::settings::toml_error(&file, &text, &e))?;
    config.theme = parsed.theme;
    config
        .keymap
        .apply_overrides(&file, &text, &parsed.keys)
        .map_err(|e| e.to_string())?;
    Ok(config)
}

//! Where the user's files live: the config file (`$TACKROOM_CONFIG`, else
//! `<config dir>/tackroom/config.toml`) and user themes. Each part of the
//! program reads its own section of the config file.

use std::path::PathBuf;

pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "tackroom", "tackroom")
        .map(|d| d.config_dir().to_path_buf())
}

pub fn config_path() -> Option<PathBuf> {
    match std::env::var_os("TACKROOM_CONFIG") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => config_dir().map(|d| d.join("config.toml")),
    }
}

/// The config file's text, if there is one: `(file name, text)`.
pub fn read_config() -> Result<Option<(String, String)>, String> {
    let Some(path) = config_path().filter(|p| p.exists()) else {
        return Ok(None);
    };
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
    Ok(Some((file, text)))
}

/// `file:line: message` for a TOML error.
pub fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> String {
    let line = e.span().map_or(1, |s| {
        text[..s.start.min(text.len())].matches('\n').count() + 1
    });
    format!("{file}:{line}: {}", e.message())
}

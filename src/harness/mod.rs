//! Harness files: loading with located errors, and content-addressed
//! version ids (see `docs/harness-format.md`).

use std::path::Path;

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::model::harness::{Harness, HARNESS_FORMAT};

#[derive(Debug, Error)]
pub enum HarnessError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
}

/// Reads and checks a harness TOML file.
pub fn load_harness(path: &Path) -> Result<Harness, HarnessError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| HarnessError::Io {
        file: file.clone(),
        source,
    })?;
    parse_harness(&file, &text)
}

/// Parses harness TOML; `file` names it in errors, which carry line and column.
pub fn parse_harness(file: &str, text: &str) -> Result<Harness, HarnessError> {
    let harness: Harness = toml::from_str(text).map_err(|e| HarnessError::Parse {
        file: locate_toml_error(file, text, &e),
        message: e.message().to_owned(),
    })?;
    if harness.format != HARNESS_FORMAT {
        return Err(HarnessError::Parse {
            file: file.to_owned(),
            message: format!(
                "format: expected \"{HARNESS_FORMAT}\", found {:?}",
                harness.format
            ),
        });
    }
    Ok(harness)
}

fn locate_toml_error(file: &str, text: &str, err: &toml::de::Error) -> String {
    let Some(span) = err.span() else {
        return file.to_owned();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    format!("{file}:{line}:{column}")
}

/// Harness files under `paths`: `*.toml` files that parse as harnesses
/// (directories are searched recursively). Other TOML files are skipped.
pub fn find_harness_files(paths: &[std::path::PathBuf]) -> Vec<(std::path::PathBuf, Harness)> {
    let mut found = Vec::new();
    for path in paths {
        collect(path, &mut found);
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn collect(path: &Path, found: &mut Vec<(std::path::PathBuf, Harness)>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            collect(&entry.path(), found);
        }
    } else if path.extension().is_some_and(|e| e == "toml") {
        if let Ok(harness) = load_harness(path) {
            found.push((path.to_path_buf(), harness));
        }
    }
}

/// A version record for a harness file found on disk.
pub fn imported_version(
    path: &Path,
    harness: Harness,
    at: chrono::DateTime<chrono::Utc>,
) -> crate::model::HarnessVersion {
    crate::model::HarnessVersion {
        id: version_id(&harness),
        agent: harness.agent.clone(),
        parent: None,
        author: crate::identity::current_user(),
        message: format!("imported from {}", path.display()),
        created_at: at,
        status: crate::model::VersionStatus::Deployed,
        evidence_traces: Vec::new(),
        evidence_cluster: None,
        eval_runs: Vec::new(),
        harness,
    }
}

/// The content address of a harness: `sha256:` + hex of its normalised JSON
/// form, so formatting and comments do not change the version.
pub fn version_id(harness: &Harness) -> String {
    let canonical = serde_json::to_vec(harness).unwrap_or_default();
    let digest = Sha256::digest(&canonical);
    format!("sha256:{}", hex::encode(&digest[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        "format = \"tackroom.harness/1\"\nagent = \"a\"\nsystem_prompt = \"hi\"\n";

    #[test]
    fn version_ignores_formatting() {
        let a = parse_harness("a.toml", MINIMAL).unwrap();
        let spaced = MINIMAL.replace(" = ", "   =   ") + "# a comment\n";
        let b = parse_harness("b.toml", &spaced).unwrap();
        assert_eq!(version_id(&a), version_id(&b));
        assert!(version_id(&a).starts_with("sha256:"));
    }

    #[test]
    fn bad_field_is_located() {
        let err = parse_harness("h.toml", &format!("{MINIMAL}retry = 3\n")).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("h.toml:4:"), "{text}");
    }
}

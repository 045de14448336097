//! Where the store lives: `--store`, else `$TACKROOM_STORE`, else the
//! platform data directory.

use std::path::PathBuf;

pub fn resolve_store_dir(flag: Option<PathBuf>) -> PathBuf {
    if let Some(dir) = flag {
        return dir;
    }
    if let Some(dir) = std::env::var_os("TACKROOM_STORE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("dev", "tackroom", "tackroom")
        .map(|d| d.data_dir().join("store"))
        .unwrap_or_else(|| PathBuf::from(".tackroom-store"))
}

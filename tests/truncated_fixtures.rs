//! Every SDK fixture, cut short at several points (as a killed exporter or a
//! partial copy leaves it) and with a byte flipped: the import never panics,
//! keeps the store consistent, and names the file in every rejection.

use std::path::{Path, PathBuf};

use tackroom::ingest::{import_paths, ImportOptions, NoProgress};
use tackroom::store::Store;

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                dirs.push(path);
            } else if !name.ends_with(".meta.json")
                && !name.ends_with(".md")
                && name != "manifest.json"
                && !name.starts_with("labels")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Writes `bytes` as a damaged copy of `original` in `dir`, with the
/// original's `.meta.json` companion when it has one (multipart bodies
/// need it for their boundary).
fn damaged_copy(dir: &Path, original: &Path, tag: &str, bytes: &[u8]) -> PathBuf {
    let name = original.file_name().unwrap().to_string_lossy();
    let (stem, ext) = name.split_once('.').unwrap_or((&name, ""));
    let copy = dir.join(format!("{stem}-{tag}.{ext}"));
    std::fs::write(&copy, bytes).unwrap();
    let meta = original.with_file_name(format!("{stem}.meta.json"));
    if meta.exists() {
        std::fs::copy(&meta, dir.join(format!("{stem}-{tag}.meta.json"))).unwrap();
    }
    copy
}

/// Imports one damaged file; returns how many records it rejected.
fn check(store: &Store, file: &Path) -> usize {
    let report = import_paths(
        store,
        &[file.to_path_buf()],
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap_or_else(|e| panic!("{}: import failed outright: {e}", file.display()));
    let name = file.display().to_string();
    for rejection in &report.rejections {
        let text = rejection.to_string();
        assert!(
            text.contains(&name) || text.contains("assembled from spans"),
            "rejection does not name its file: {text}"
        );
    }
    report.rejected
}

#[test]
fn damaged_fixtures_are_rejected_cleanly() {
    let files = fixture_files();
    assert!(files.len() >= 20, "found {} fixture files", files.len());
    let (mut damaged, mut rejected_any) = (0, 0);
    for original in files {
        let bytes = std::fs::read(&original).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        for eighth in 1..8 {
            let cut = bytes.len() * eighth / 8;
            let copy = damaged_copy(
                dir.path(),
                &original,
                &format!("cut{eighth}"),
                &bytes[..cut],
            );
            damaged += 1;
            rejected_any += usize::from(check(&store, &copy) > 0);
        }
        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x5a;
        let copy = damaged_copy(dir.path(), &original, "flipped", &flipped);
        damaged += 1;
        rejected_any += usize::from(check(&store, &copy) > 0);
        let problems = store.check_consistency().unwrap();
        assert!(problems.is_empty(), "{}: {problems:?}", original.display());
    }
    // Cuts between whole lines can leave valid files; most must not pass.
    assert!(
        rejected_any * 2 > damaged,
        "only {rejected_any} of {damaged} damaged files were rejected"
    );
}

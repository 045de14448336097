//! The interactive workbench.

use std::path::Path;
use std::process::ExitCode;

pub fn run(
    _store_dir: &Path,
    _theme: Option<&str>,
    _trace: Option<String>,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the interactive UI is not built yet")
}

//! The interactive workbench: one event loop, one action type, panes that
//! render from state, and store work on worker tasks (see `app.rs`).

pub mod action;
mod app;
pub mod config;
pub mod effect;
pub mod keymap;
pub mod labelling;
pub mod layout;
mod live;
mod mouse;
pub mod panes;
pub mod state;
mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod widgets;
pub mod worker;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use state::{AppState, Screen};
use theme::{Theme, DEFAULT_THEME};

use crate::store::Store;

/// Opens the UI on the store in `store_dir`, optionally on one trace.
pub fn run(
    store_dir: &Path,
    theme_flag: Option<&str>,
    open_trace: Option<String>,
    listen: Option<&str>,
) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the workbench needs a terminal (stdin and stdout are not one); for scripts use the subcommands, e.g. `tackroom traces --json` or `tackroom show ID` (see `tackroom --help`)"
        );
    }
    let _log = start_logging();
    let config = config::load_config().map_err(anyhow::Error::msg)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme_name = theme_flag
        .or(config.theme.as_deref())
        .unwrap_or(DEFAULT_THEME);
    let theme = Theme::load(theme_name, config.theme_dir.as_deref(), no_color)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (mut terminal, _guard) = terminal::enter()?;
    let store_label = store_dir.display().to_string();
    let mut state = AppState::new(store_label, Screen::Opening, chrono::Utc::now());
    // The first frame does not wait for sled's snapshot to load.
    terminal.draw(|frame| {
        view::draw(
            &state,
            &config.keymap,
            &theme,
            frame.area(),
            frame.buffer_mut(),
        )
    })?;
    let (store, screen) = match Store::open(store_dir) {
        Ok(store) => {
            let empty = store.trace_count().unwrap_or(0) == 0;
            (
                Some(store),
                if empty { Screen::Empty } else { Screen::Traces },
            )
        }
        Err(e) => (None, Screen::StoreError(e.to_string())),
    };
    state.screen = match (screen, &open_trace) {
        (Screen::Traces, Some(_)) => Screen::Trace,
        (screen, _) => screen,
    };
    tracing::info!(store = %store_dir.display(), "opening the UI");
    state.samples = find_samples();
    state.user = crate::identity::current_user();
    let channel = tokio::sync::mpsc::unbounded_channel();
    if let (Some(addr), Some(store)) = (listen, &store) {
        let address = runtime.block_on(live::start(&runtime, store, addr, channel.0.clone()))?;
        state.live = Some(state::LiveInfo {
            address,
            received: 0,
            behind: false,
        });
    }
    let result = runtime.block_on(app::run_loop(
        &mut terminal,
        state,
        store,
        config.keymap,
        theme,
        open_trace,
        channel,
    ));
    if let Err(e) = &result {
        tracing::error!(error = %e, "the UI stopped on an error");
    }
    result.map(|_| ExitCode::SUCCESS)
}

/// `sample-traces/` in the working directory or the source checkout.
fn find_samples() -> Option<PathBuf> {
    [
        PathBuf::from("sample-traces"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-traces"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

/// Logs go to a file, never to the screen.
fn start_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = directories::ProjectDirs::from("dev", "tackroom", "tackroom")
        .map(|d| d.data_dir().join("logs"))
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir).ok()?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(dir, "tackroom.log"));
    let filter = tracing_subscriber::EnvFilter::try_from_env("TACKROOM_LOG")
        .unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

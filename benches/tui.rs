//! UI speed on a large store: time to first frame on 1M traces, time to
//! open a 10k-step trace, and render time per frame.
//!
//! `TACKROOM_BENCH_TRACES` sets the store size (default 1 000 000);
//! `TACKROOM_BENCH_STORE=DIR` keeps the store between runs (it is built
//! once, which takes minutes at 1M).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tackroom::ingest::{import_paths, ImportOptions, NoProgress};
use tackroom::model::{OutcomeLabel, Step, StepError, StepKind, StepStatus, Trace};
use tackroom::sample::{generate, SampleOptions};
use tackroom::store::Store;
use tackroom::tui::effect::Effect;
use tackroom::tui::keymap::Keymap;
use tackroom::tui::state::{AppState, Screen};
use tackroom::tui::theme::Theme;
use tackroom::tui::{view, worker::run_effect};

fn main() {
    let traces: usize = std::env::var("TACKROOM_BENCH_TRACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir().expect("temp dir");
    let store_dir = std::env::var_os("TACKROOM_BENCH_STORE")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().join("store"));
    build_store(&store_dir, traces, temp.path());

    let keymap = Keymap::default();
    let theme = Theme::built_in("dark");
    let started = Instant::now();
    // As the app does: a first frame saying the store is opening, then the
    // store, then the list.
    let mut state = AppState::new(store_dir.display().to_string(), Screen::Opening, Utc::now());
    state.resize(120, 40);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("backend");
    terminal
        .draw(|f| view::draw(&state, &keymap, &theme, f.area(), f.buffer_mut()))
        .expect("draw");
    let opening_frame = started.elapsed();
    let store = Store::open(&store_dir).expect("open store");
    let opened = started.elapsed();
    state.screen = Screen::Traces;
    let effects = state.start(None);
    drive(&mut state, &store, effects);
    terminal
        .draw(|f| view::draw(&state, &keymap, &theme, f.area(), f.buffer_mut()))
        .expect("draw");
    let first_frame = started.elapsed();
    println!("first frame (\"opening the store…\"): {opening_frame:.2?}");
    println!("store: {} traces", store.trace_count().expect("count"));
    println!("time to first frame with traces (open store, count, first page, render): {first_frame:.2?} (opening the store: {opened:.2?})");

    let per_frame = time_frames(&mut terminal, &state, &keymap, &theme);
    println!("trace list render: {per_frame:.2?} per frame (120x40)");

    let scroll = Instant::now();
    for _ in 0..100 {
        let effects = state.update(tackroom::tui::action::Action::HalfPageDown);
        drive(&mut state, &store, effects);
    }
    println!(
        "scroll 100 half-pages ({} rows) incl. paging: {:.2?}",
        state.list.selected,
        scroll.elapsed()
    );

    let big = ten_thousand_step_trace();
    store
        .insert_traces(std::slice::from_ref(&big))
        .expect("insert");
    let started = Instant::now();
    let effect = state.open_trace(big.id.clone());
    drive(&mut state, &store, vec![effect]);
    terminal
        .draw(|f| view::draw(&state, &keymap, &theme, f.area(), f.buffer_mut()))
        .expect("draw");
    println!(
        "open a 10,101-step trace (load, build timeline, first frame): {:.2?}",
        started.elapsed()
    );
    let per_frame = time_frames(&mut terminal, &state, &keymap, &theme);
    println!("timeline + detail render (10k steps): {per_frame:.2?} per frame (120x40)");
    let started = Instant::now();
    state.update(tackroom::tui::action::Action::NextFailure);
    println!(
        "jump to next failure in 10k steps: {:.2?}",
        started.elapsed()
    );
}

fn build_store(dir: &std::path::Path, traces: usize, temp: &std::path::Path) {
    if let Ok(store) = Store::open(dir) {
        if store.trace_count().unwrap_or(0) >= traces as u64 {
            return;
        }
    }
    let started = Instant::now();
    let samples = temp.join("samples");
    generate(&SampleOptions {
        traces,
        seed: 21,
        out: samples.clone(),
    })
    .expect("generate");
    let store = Store::open(dir).expect("store");
    let options = ImportOptions {
        batch_size: 1024,
        ..ImportOptions::default()
    };
    import_paths(
        &store,
        std::slice::from_ref(&samples),
        &options,
        &NoProgress,
    )
    .expect("import");
    let _ = std::fs::remove_dir_all(samples);
    println!("built a {traces}-trace store in {:.1?}", started.elapsed());
}

fn drive(state: &mut AppState, store: &Store, mut effects: Vec<Effect>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    while !effects.is_empty() {
        for effect in std::mem::take(&mut effects) {
            run_effect(store, effect, &tx);
        }
        while let Ok(msg) = rx.try_recv() {
            effects.extend(state.apply(msg));
        }
    }
}

fn time_frames(
    terminal: &mut Terminal<TestBackend>,
    state: &AppState,
    keymap: &Keymap,
    theme: &Theme,
) -> Duration {
    let frames = 200;
    let started = Instant::now();
    for _ in 0..frames {
        terminal
            .draw(|f| view::draw(state, keymap, theme, f.area(), f.buffer_mut()))
            .expect("draw");
    }
    started.elapsed() / frames
}

/// An orchestrator with 100 sub-agents of 99 steps each (10,101 steps),
/// an error every 997 steps.
fn ten_thousand_step_trace() -> Trace {
    let t0: DateTime<Utc> = DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
    let mut steps = Vec::with_capacity(10_000);
    let mut push = |parent: Option<u32>, kind: StepKind, name: &str| {
        let index = steps.len() as u32;
        let at = t0 + chrono::Duration::milliseconds(index as i64 * 10);
        steps.push(Step {
            parent_id: parent.map(|p| format!("s{p}")),
            index,
            input: serde_json::json!({ "n": index % 7 }),
            output: serde_json::json!({ "text": "x".repeat(200) }),
            status: if index.is_multiple_of(997) {
                StepStatus::Error
            } else {
                StepStatus::Ok
            },
            error: (index.is_multiple_of(997)).then(|| StepError {
                error_type: "timeout".into(),
                message: "slow".into(),
            }),
            started_at: Some(at),
            ended_at: Some(at + chrono::Duration::milliseconds(8)),
            ..Step::new(format!("s{index}"), kind, name)
        });
        index
    };
    let root = push(None, StepKind::Agent, "orchestrator");
    for agent in 0..100 {
        let sub = push(Some(root), StepKind::Agent, &format!("worker-{agent}"));
        for i in 0..99 {
            let kind = if i % 2 == 0 {
                StepKind::LlmCall
            } else {
                StepKind::ToolCall
            };
            push(
                Some(sub),
                kind,
                if i % 2 == 0 { "gpt-4o" } else { "search" },
            );
        }
    }
    Trace {
        outcome: OutcomeLabel::Failure,
        steps,
        ..Trace::new("bench-10k-steps", "bench", t0)
    }
}

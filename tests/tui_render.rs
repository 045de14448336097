//! Render snapshots of every pane against ratatui's TestBackend, at 80×24
//! and at a small size. Review changes with `cargo insta review` or by
//! reading the `.snap.new` files.

mod common;

use common::ui::Ui;
use ratatui::crossterm::event::KeyCode;
use tackroom::model::OutcomeLabel;
use tackroom::sample::{generate, SampleOptions};
use tackroom::store::{Store, TraceFilter};
use tackroom::tui::state::{AppState, Screen};

/// A store with 30 generated traces (seeded, so snapshots are stable).
fn sample_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    generate(&SampleOptions {
        traces: 30,
        seed: 5,
        out: samples.clone(),
    })
    .unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    tackroom::ingest::import_paths(
        &store,
        &[samples],
        &Default::default(),
        &tackroom::ingest::NoProgress,
    )
    .unwrap();
    (dir, store)
}

/// The id of the newest failing trace with an error of `error_type`.
fn failing_trace(store: &Store, error_type: &str) -> String {
    let filter = TraceFilter {
        outcome: Some(OutcomeLabel::Failure),
        error_type: Some(error_type.into()),
        ..Default::default()
    };
    store.page(&filter, true, None, 1).unwrap().rows[0]
        .1
        .id
        .clone()
}

#[test]
fn trace_list_80x24() {
    let (_dir, store) = sample_store();
    let ui = Ui::open(store, 80, 24, None);
    insta::assert_snapshot!(ui.render());
}

#[test]
fn trace_list_60x20() {
    let (_dir, store) = sample_store();
    let ui = Ui::open(store, 60, 20, None);
    insta::assert_snapshot!(ui.render());
}

#[test]
fn trace_list_wide_filtered_to_failures() {
    let (_dir, store) = sample_store();
    let mut ui = Ui::open(store, 140, 24, None);
    ui.key(KeyCode::Char('/'))
        .keys("outcome:failure")
        .key(KeyCode::Enter);
    insta::assert_snapshot!(ui.render());
}

#[test]
fn filter_bar_while_typing() {
    let (_dir, store) = sample_store();
    let mut ui = Ui::open(store, 80, 24, None);
    ui.key(KeyCode::Char('/')).keys("agent:support refund");
    insta::assert_snapshot!(ui.render());
}

#[test]
fn timeline_and_detail_80x24() {
    let (_dir, store) = sample_store();
    let id = failing_trace(&store, "RefundLimitExceeded");
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    ui.key(KeyCode::Char('n'));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn timeline_and_detail_wide_with_waterfall() {
    let (_dir, store) = sample_store();
    let id = failing_trace(&store, "http_503");
    let ui = Ui::open(store, 120, 30, Some(&id));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn timeline_and_detail_60x20() {
    let (_dir, store) = sample_store();
    let id = failing_trace(&store, "RefundLimitExceeded");
    let ui = Ui::open(store, 60, 20, Some(&id));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn detail_full_screen_with_search_hits() {
    let (_dir, store) = sample_store();
    let id = failing_trace(&store, "RefundLimitExceeded");
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    ui.key(KeyCode::Char('n')).key(KeyCode::Char('f'));
    ui.key(KeyCode::Char('/'))
        .keys("charge")
        .key(KeyCode::Enter);
    insta::assert_snapshot!(ui.render());
}

#[test]
fn help_overlay_on_the_timeline() {
    let (_dir, store) = sample_store();
    let id = failing_trace(&store, "RefundLimitExceeded");
    let mut ui = Ui::open(store, 80, 30, Some(&id));
    ui.key(KeyCode::Char('?'));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn help_overlay_on_the_trace_list_60x20() {
    let (_dir, store) = sample_store();
    let mut ui = Ui::open(store, 60, 20, None);
    ui.key(KeyCode::Char('?'));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn empty_store_explains_how_to_import() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let mut ui = Ui::open(store, 80, 24, None);
    ui.state.samples = Some("sample-traces".into());
    insta::assert_snapshot!(ui.render());
}

#[test]
fn store_error_is_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let mut ui = Ui::open(store, 80, 24, None);
    ui.state = AppState::new(
        "/stores/busy".into(),
        Screen::StoreError(
            "the store at /stores/busy is in use by another tackroom process (close it and retry)"
                .into(),
        ),
        common::at(0),
    );
    insta::assert_snapshot!(ui.render());
}

#[test]
fn first_frame_while_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let mut ui = Ui::open(store, 80, 24, None);
    ui.state = AppState::new("/stores/big".into(), Screen::Opening, common::at(0));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn rendering_never_panics_at_any_size() {
    let (_dir, store) = sample_store();
    let id = failing_trace(&store, "http_503");
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    for (w, h) in [
        (1, 1),
        (10, 4),
        (20, 5),
        (59, 19),
        (60, 20),
        (61, 7),
        (300, 100),
    ] {
        ui.state.resize(w, h);
        ui.render();
        ui.key(KeyCode::Char('f'));
        ui.render();
        ui.key(KeyCode::Char('?'));
        ui.render();
        ui.key(KeyCode::Esc);
    }
}

#[test]
fn failures_pane_100x24() {
    let (_dir, store) = sample_store();
    tackroom::triage::attribute_with_rules(&store, &Default::default(), &Default::default())
        .unwrap();
    let mut ui = Ui::open(store, 100, 24, None);
    ui.key(KeyCode::Char('2'));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn failures_pane_before_attribution_60x20() {
    let (_dir, store) = sample_store();
    let mut ui = Ui::open(store, 60, 20, None);
    ui.key(KeyCode::Char('2'));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn root_cause_category_picker() {
    let (_dir, store) = sample_store();
    let id = failing_trace(&store, "RefundLimitExceeded");
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    ui.key(KeyCode::Char('n'))
        .key(KeyCode::Char('m'))
        .key(KeyCode::Char('j'));
    insta::assert_snapshot!(ui.render());
}

/// The sample store with harness versions and the rules engine's verdicts;
/// returns a trace whose refund failed after a skipped verification.
fn attributed_store() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    generate(&SampleOptions {
        traces: 30,
        seed: 5,
        out: samples.clone(),
    })
    .unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    tackroom::ingest::import_paths(
        &store,
        std::slice::from_ref(&samples),
        &Default::default(),
        &tackroom::ingest::NoProgress,
    )
    .unwrap();
    for (path, harness) in tackroom::harness::find_harness_files(&[samples]) {
        store
            .put_harness_version(&tackroom::harness::imported_version(
                &path,
                harness,
                common::at(0),
            ))
            .unwrap();
    }
    tackroom::triage::attribute_with_rules(&store, &Default::default(), &Default::default())
        .unwrap();
    let id = failing_trace(&store, "RefundLimitExceeded");
    (dir, store, id)
}

#[test]
fn timeline_with_attribution_violations_and_path_100x30() {
    let (_dir, store, id) = attributed_store();
    let ui = Ui::open(store, 100, 30, Some(&id));
    insta::assert_snapshot!(ui.render());
}

#[test]
fn a_small_timeline_keeps_its_steps_rather_than_a_clipped_note() {
    let (_dir, store, id) = attributed_store();
    let ui = Ui::open(store, 60, 20, Some(&id));
    let screen = ui.render().to_string();
    let steps = ui.state.timeline.as_ref().unwrap().trace.steps.len();
    assert!(!screen.contains("◆ rules:"), "{screen}");
    assert!(
        screen.contains("FINAL"),
        "all {steps} steps are shown: {screen}"
    );
}

/// A trace imported from a real SDK capture, opened on its failing step:
/// foreign traces look exactly like native ones.
fn foreign_trace_on_its_failure(source: &str) -> ratatui::backend::TestBackend {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let report = tackroom::ingest::import_paths(
        &store,
        &[fixtures.join(source)],
        &Default::default(),
        &tackroom::ingest::NoProgress,
    )
    .unwrap();
    assert_eq!(report.rejected, 0);
    for row in
        tackroom::ingest::labels::read_outcomes(&fixtures.join(source).join("labels.csv")).unwrap()
    {
        let by = tackroom::model::LabelProvenance {
            by: "test".into(),
            at: None,
            note: None,
        };
        store
            .set_outcome(&row.trace_id, row.outcome, row.score, by)
            .unwrap();
    }
    // The sources name no harness version: the agent's stored one applies.
    let file = fixtures.join("../real-support-harness.toml");
    let harness = tackroom::harness::load_harness(&file).unwrap();
    store
        .put_harness_version(&tackroom::harness::imported_version(
            &file,
            harness,
            common::at(0),
        ))
        .unwrap();
    tackroom::triage::attribute_with_rules(&store, &Default::default(), &Default::default())
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join(source).join("manifest.json")).unwrap(),
    )
    .unwrap();
    let run = manifest["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "skipped_required_step")
        .unwrap();
    let id = run["trace_id"].as_str().unwrap();
    let mut ui = Ui::open(store, 100, 30, Some(id));
    ui.key(KeyCode::Char('n'));
    ui.render()
}

#[test]
fn foreign_trace_from_otlp_genai_with_messages_from_logs() {
    let screen = foreign_trace_on_its_failure("otlp-genai");
    let text = screen.to_string();
    assert!(text.contains("TOOL"), "{text}");
    assert!(text.contains("issue_refund"), "{text}");
    insta::assert_snapshot!(screen);
}

#[test]
fn foreign_trace_from_langsmith_runs() {
    let screen = foreign_trace_on_its_failure("langsmith");
    let text = screen.to_string();
    assert!(text.contains("issue_refund"), "{text}");
    insta::assert_snapshot!(screen);
}

//! State transitions of the UI: filtering, paging, failure navigation,
//! collapsing, labelling, copying. Driven through keys, checked on state.

mod common;

use common::ui::Ui;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use tackroom::model::{OutcomeLabel, StepKind};
use tackroom::sample::{generate, SampleOptions};
use tackroom::store::{Store, TraceFilter};
use tackroom::tui::state::{Focus, Input, Screen};

fn store_with(traces: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    generate(&SampleOptions {
        traces,
        seed: 9,
        out: samples.clone(),
    })
    .unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let progress = tackroom::ingest::NoProgress;
    tackroom::ingest::import_paths(
        &store,
        std::slice::from_ref(&samples),
        &Default::default(),
        &progress,
    )
    .unwrap();
    for (path, harness) in tackroom::harness::find_harness_files(&[samples]) {
        let version = tackroom::harness::imported_version(&path, harness, common::at(0));
        store.put_harness_version(&version).unwrap();
    }
    (dir, store)
}

fn trace_with_error(store: &Store, error_type: &str) -> String {
    let filter = TraceFilter {
        error_type: Some(error_type.into()),
        ..Default::default()
    };
    store.page(&filter, true, None, 1).unwrap().rows[0]
        .1
        .id
        .clone()
}

#[test]
fn filter_bar_narrows_the_list_and_counts_matches() {
    let (_dir, store) = store_with(90);
    let failures = store
        .count(&TraceFilter {
            outcome: Some(OutcomeLabel::Failure),
            ..Default::default()
        })
        .unwrap();
    let mut ui = Ui::open(store, 80, 24, None);
    assert_eq!(ui.state.list.total, Some(90));
    ui.key(KeyCode::Char('/'))
        .keys("outcome:failure")
        .key(KeyCode::Enter);
    assert_eq!(ui.state.input, Input::None);
    assert_eq!(ui.state.list.total, Some(failures));
    assert!(ui
        .state
        .list
        .rows
        .iter()
        .all(|(_, s)| s.outcome == OutcomeLabel::Failure));
    ui.key(KeyCode::Char('c'));
    assert_eq!(ui.state.list.total, Some(90));
}

#[test]
fn a_bad_filter_keeps_the_bar_open_and_says_why() {
    let (_dir, store) = store_with(9);
    let mut ui = Ui::open(store, 80, 24, None);
    ui.key(KeyCode::Char('/'))
        .keys("outcome:meh")
        .key(KeyCode::Enter);
    assert!(matches!(ui.state.input, Input::Filter(_)));
    assert!(ui
        .state
        .status
        .as_deref()
        .unwrap()
        .contains("expected success, failure or unknown"));
    ui.key(KeyCode::Esc);
    assert_eq!(ui.state.input, Input::None);
}

#[test]
fn scrolling_pages_through_a_large_list_and_g_jumps_to_either_end() {
    let (_dir, store) = store_with(1500);
    let oldest = store
        .page(&TraceFilter::default(), false, None, 1)
        .unwrap()
        .rows[0]
        .1
        .id
        .clone();
    let mut ui = Ui::open(store, 80, 24, None);
    let first_page = ui.state.list.rows.len();
    assert!(
        first_page > ui.state.list.viewport && first_page < 200,
        "the first load fills the screen and a margin, not a whole page: {first_page}"
    );
    for _ in 0..30 {
        ui.key_with(KeyCode::Char('d'), KeyModifiers::CONTROL);
    }
    let list = &ui.state.list;
    assert_eq!(list.selected, 30 * (list.viewport / 2));
    assert!(list.offset + list.rows.len() > list.selected);
    assert!(list.rows.len() <= 800, "the window stays bounded");
    ui.key(KeyCode::Char('G'));
    assert_eq!(ui.state.list.selected, 1499);
    assert_eq!(ui.state.list.selected_summary().unwrap().id, oldest);
    ui.key(KeyCode::Char('k'));
    assert_eq!(ui.state.list.selected, 1498);
    ui.key(KeyCode::Char('g'));
    assert_eq!(ui.state.list.selected, 0);
    assert_eq!(ui.state.list.offset, 0);
}

#[test]
fn scrolling_back_up_after_the_window_moved_reloads_earlier_rows() {
    let (_dir, store) = store_with(1500);
    let mut ui = Ui::open(store, 80, 24, None);
    for _ in 0..100 {
        ui.key_with(KeyCode::Char('d'), KeyModifiers::CONTROL);
    }
    assert!(ui.state.list.offset > 0);
    let ids_down: Vec<String> = (0..5).map(|i| ui.state.list.rows[i].1.id.clone()).collect();
    for _ in 0..200 {
        ui.key_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    }
    assert_eq!(ui.state.list.selected, 0);
    assert_eq!(ui.state.list.offset, 0);
    assert!(!ids_down.contains(&ui.state.list.rows[0].1.id));
}

#[test]
fn enter_opens_the_timeline_and_esc_goes_back() {
    let (_dir, store) = store_with(30);
    let mut ui = Ui::open(store, 80, 24, None);
    let id = ui.state.list.selected_summary().unwrap().id.clone();
    ui.key(KeyCode::Enter);
    assert_eq!(ui.state.screen, Screen::Trace);
    assert_eq!(ui.state.timeline.as_ref().unwrap().trace.id, id);
    ui.key(KeyCode::Tab);
    assert_eq!(ui.state.focus, Focus::Detail);
    ui.key(KeyCode::Esc);
    assert_eq!(ui.state.focus, Focus::Timeline);
    ui.key(KeyCode::Esc);
    assert_eq!(ui.state.screen, Screen::Traces);
}

#[test]
fn opening_an_unknown_trace_says_so_and_shows_the_list() {
    let (_dir, store) = store_with(9);
    let ui = Ui::open(store, 80, 24, Some("no-such-trace"));
    assert_eq!(ui.state.screen, Screen::Traces);
    assert!(ui
        .state
        .status
        .as_deref()
        .unwrap()
        .contains("no trace with id \"no-such-trace\""));
}

#[test]
fn opening_by_a_unique_id_prefix_loads_the_whole_trace() {
    let (_dir, store) = store_with(60);
    let id = trace_with_error(&store, "RefundLimitExceeded");
    // "support-" plus the first hex digits, as an alert might abbreviate it.
    let prefix = &id[..id.len() - 6];
    let ui = Ui::open(store, 80, 24, Some(prefix));
    assert_eq!(ui.state.timeline.as_ref().unwrap().trace.id, id);
}

#[test]
fn next_failure_jumps_to_the_failing_step_and_updates_the_detail() {
    let (_dir, store) = store_with(60);
    let id = trace_with_error(&store, "RefundLimitExceeded");
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    ui.next_error_step();
    let timeline = ui.state.timeline.as_ref().unwrap();
    let step = &timeline.trace.steps[timeline.selected_pos().unwrap()];
    assert_eq!(step.name, "issue_refund");
    assert_eq!(ui.state.detail.step_pos, timeline.selected_pos());
    ui.key(KeyCode::Char('n'));
    assert!(ui
        .state
        .status
        .as_deref()
        .unwrap()
        .contains("no later failing step"));
    ui.key(KeyCode::Char('N'));
    ui.key(KeyCode::Char('g'));
    assert_eq!(ui.state.timeline.as_ref().unwrap().selected, 0);
}

#[test]
fn retries_fold_into_one_row_that_next_failure_treats_as_one() {
    let (_dir, store) = store_with(300);
    let id = trace_with_error(&store, "http_503");
    // Unlabelled, so no verdict is computed: a cause inside the retries
    // would unfold them (tested below), and here the folding is the point.
    let by = tackroom::model::LabelProvenance {
        by: "test".into(),
        at: None,
        note: None,
    };
    store
        .set_outcome(&id, OutcomeLabel::Unknown, None, by)
        .unwrap();
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    let timeline = ui.state.timeline.as_ref().unwrap();
    let retries = timeline
        .trace
        .steps
        .iter()
        .filter(|s| s.name == "fetch_page" && s.is_error())
        .count();
    let folded = timeline
        .rows
        .iter()
        .find(|r| timeline.trace.steps[r.pos].is_error())
        .unwrap();
    assert_eq!(
        folded.folded, retries,
        "all identical failing fetches share one row"
    );
    ui.key(KeyCode::Char('n'));
    let t = ui.state.timeline.as_ref().unwrap();
    assert_eq!(t.rows[t.selected].folded, retries);
    ui.key(KeyCode::Char('n'));
    let t = ui.state.timeline.as_ref().unwrap();
    assert_eq!(
        t.trace.steps[t.selected_pos().unwrap()].name,
        "final_answer"
    );
}

#[test]
fn a_root_cause_inside_folded_retries_is_unfolded_and_marked() {
    let (_dir, store) = store_with(300);
    let id = trace_with_error(&store, "http_503");
    let trace = store.trace(&id).unwrap();
    let fourth = trace
        .steps
        .iter()
        .filter(|s| s.name == "fetch_page" && s.is_error())
        .nth(3)
        .unwrap();
    let symptom = trace.steps.last().unwrap();
    let step_ref = |s: &tackroom::model::Step| tackroom::model::StepRef {
        step_id: s.id.clone(),
        source_id: None,
        name: s.name.clone(),
        index: s.index,
    };
    store
        .put_attributions(&[tackroom::model::Attribution {
            trace_id: id.clone(),
            root_cause: step_ref(fourth),
            symptom: step_ref(symptom),
            category: tackroom::model::FailureCategory::RetryStorm,
            harness_problem: true,
            confidence: 0.9,
            explanation: "third retry exceeds the budget of 2".into(),
            engine: "rules".into(),
            rule_ids: vec![],
            created_at: common::at(0),
        }])
        .unwrap();
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    let rows_before = ui.state.timeline.as_ref().unwrap().rows.len();
    // The first failure is the head of the folded retries, the next the cause inside.
    ui.key(KeyCode::Char('n')).key(KeyCode::Char('n'));
    let t = ui.state.timeline.as_ref().unwrap();
    assert_eq!(
        t.root_cause,
        t.trace.steps.iter().position(|s| s.id == fourth.id)
    );
    assert!(
        t.rows.len() > rows_before,
        "the retries were unfolded to show the cause"
    );
    assert_eq!(t.selected_pos(), t.root_cause);
    assert!(t
        .path
        .iter()
        .all(|&p| t.trace.steps[p].index > fourth.index && t.trace.steps[p].index < symptom.index));
}

#[test]
fn collapsing_the_root_hides_its_subtree_and_expanding_restores_it() {
    let (_dir, store) = store_with(30);
    let mut ui = Ui::open(store, 80, 24, None);
    ui.key(KeyCode::Enter);
    let all = ui.state.timeline.as_ref().unwrap().rows.len();
    ui.key(KeyCode::Char(' '));
    let timeline = ui.state.timeline.as_ref().unwrap();
    assert_eq!(timeline.rows.len(), 1);
    assert!(timeline.rows[0].collapsed);
    assert_eq!(
        timeline.trace.steps[timeline.rows[0].pos].kind,
        StepKind::Agent
    );
    ui.key(KeyCode::Char(' '));
    assert_eq!(ui.state.timeline.as_ref().unwrap().rows.len(), all);
}

#[test]
fn labelling_from_the_list_updates_the_row_and_the_store() {
    let (_dir, store) = store_with(9);
    let handle = store.clone();
    let mut ui = Ui::open(store, 80, 24, None);
    let id = ui.state.list.selected_summary().unwrap().id.clone();
    ui.key(KeyCode::Char('-'));
    assert_eq!(
        ui.state.list.selected_summary().unwrap().outcome,
        OutcomeLabel::Failure
    );
    let stored = handle.trace(&id).unwrap();
    assert_eq!(stored.outcome, OutcomeLabel::Failure);
    assert!(stored.labelled_by.unwrap().by.starts_with("user:"));
}

#[test]
fn copy_takes_the_selected_field_whole() {
    let (_dir, store) = store_with(60);
    let id = trace_with_error(&store, "RefundLimitExceeded");
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    ui.next_error_step()
        .key(KeyCode::Tab)
        .key(KeyCode::Char(']'))
        .key(KeyCode::Char('y'));
    assert_eq!(ui.copied.len(), 1);
    assert!(
        ui.copied[0].starts_with("RefundLimitExceeded: amount"),
        "{}",
        ui.copied[0]
    );
}

#[test]
fn help_opens_and_closes_and_swallows_other_keys() {
    let (_dir, store) = store_with(9);
    let mut ui = Ui::open(store, 80, 24, None);
    ui.key(KeyCode::Char('?'));
    assert!(ui.state.help);
    ui.key(KeyCode::Char('j'));
    assert_eq!(
        ui.state.list.selected, 0,
        "the list does not move under help"
    );
    ui.key(KeyCode::Esc);
    assert!(!ui.state.help);
}

#[test]
fn help_scrolls_on_a_small_terminal_and_stops_at_its_end() {
    let (_dir, store) = store_with(9);
    let mut ui = Ui::open(store, 60, 20, None);
    ui.key(KeyCode::Char('?'));
    let first = ui.render().to_string();
    assert!(first.contains("j/k scroll"), "{first}");
    assert!(
        !first.contains("failure clusters"),
        "the end is below: {first}"
    );
    for _ in 0..100 {
        ui.key(KeyCode::Char('j'));
    }
    let end = ui.render().to_string();
    assert!(end.contains("failure clusters"), "{end}");
    ui.key(KeyCode::Char('k'));
    let back = ui.render().to_string();
    assert_ne!(back, end, "one k scrolls back at once");
    ui.key(KeyCode::Char('?'));
    ui.key(KeyCode::Char('?'));
    assert_eq!(ui.state.help_scroll, 0, "help reopens at its top");
}

#[test]
fn sorting_by_another_column_reorders_the_list() {
    let (_dir, store) = store_with(60);
    let mut ui = Ui::open(store, 80, 24, None);
    ui.key(KeyCode::Char('s'));
    let durations: Vec<i64> = ui
        .state
        .list
        .rows
        .iter()
        .map(|(_, s)| s.duration_ms.unwrap())
        .collect();
    assert!(durations.windows(2).all(|w| w[0] >= w[1]), "longest first");
    ui.key(KeyCode::Char('S'));
    let durations: Vec<i64> = ui
        .state
        .list
        .rows
        .iter()
        .map(|(_, s)| s.duration_ms.unwrap())
        .collect();
    assert!(durations.windows(2).all(|w| w[0] <= w[1]), "shortest first");
}

#[test]
fn the_failures_pane_attributes_clusters_and_opens_a_cluster_then_a_trace() {
    let (_dir, store) = store_with(300);
    let handle = store.clone();
    let mut ui = Ui::open(store, 100, 30, None);
    ui.key(KeyCode::Char('2'));
    assert_eq!(ui.state.screen, Screen::Failures);
    assert!(
        ui.state.failures.clusters.is_empty(),
        "nothing attributed yet"
    );
    ui.key(KeyCode::Char('a'));
    assert!(!ui.state.failures.clusters.is_empty());
    let biggest = ui.state.failures.clusters[0].clone();
    assert!(ui
        .state
        .failures
        .clusters
        .iter()
        .all(|c| c.count <= biggest.count));
    ui.key(KeyCode::Enter);
    assert_eq!(ui.state.screen, Screen::Traces);
    assert_eq!(ui.state.list.total, Some(biggest.count as u64));
    let shown: Vec<String> = ui
        .state
        .list
        .rows
        .iter()
        .map(|(_, s)| s.id.clone())
        .collect();
    assert_eq!(shown, biggest.trace_ids);
    ui.key(KeyCode::Enter);
    let t = ui.state.timeline.as_ref().unwrap();
    let attribution = handle.attributions(&t.trace.id).unwrap().remove(0);
    assert_eq!(
        t.root_cause.map(|p| t.trace.steps[p].id.clone()),
        Some(attribution.root_cause.step_id)
    );
    ui.key(KeyCode::Esc).key(KeyCode::Esc);
    assert_eq!(
        ui.state.screen,
        Screen::Failures,
        "Esc walks back from the cluster to the clusters"
    );
}

#[test]
fn confirming_and_correcting_the_root_cause_store_human_labels() {
    let (_dir, store) = store_with(60);
    let handle = store.clone();
    tackroom::triage::attribute_with_rules(&handle, &Default::default(), &Default::default())
        .unwrap();
    let id = trace_with_error(&handle, "RefundLimitExceeded");
    let mut ui = Ui::open(store, 80, 24, Some(&id));
    ui.key(KeyCode::Char('c'));
    let label = handle.human_label(&id).unwrap().unwrap();
    assert_eq!(
        label.category,
        tackroom::model::FailureCategory::SkippedRequiredStep
    );
    assert!(label.by.starts_with("user:"));

    ui.key(KeyCode::Char('g')).key(KeyCode::Char('m'));
    assert_eq!(ui.state.picker, Some(0));
    ui.key(KeyCode::Char('j')).key(KeyCode::Enter);
    assert_eq!(ui.state.picker, None);
    let corrected = handle.human_label(&id).unwrap().unwrap();
    let t = ui.state.timeline.as_ref().unwrap();
    assert_eq!(corrected.root_cause_step_id, t.trace.steps[0].id);
    assert_eq!(
        corrected.category,
        tackroom::tui::labelling::picker_categories()[1]
    );
    assert_eq!(
        t.root_cause,
        Some(0),
        "the timeline marks the person's choice"
    );
}

#[test]
fn the_timeline_lists_the_assertions_a_trace_breaks() {
    let (_dir, store) = store_with(60);
    let id = trace_with_error(&store, "RefundLimitExceeded");
    let ui = Ui::open(store, 80, 24, Some(&id));
    let t = ui.state.timeline.as_ref().unwrap();
    assert_eq!(t.violations.len(), 1, "{:?}", t.violations);
    let expected = "verify-precedes-refund (rule verify-before-refund): issue_refund (step 4) was called without verify_calculation";
    assert!(t.violations[0].starts_with(expected), "{}", t.violations[0]);
}

#[test]
fn asking_the_model_marks_its_root_cause_and_stores_the_verdict() {
    // The provider is the built-in simulator unless the environment or a
    // config file names another; this test runs with neither.
    std::env::set_var("TACKROOM_CONFIG", "/nonexistent/tackroom-config.toml");
    let (_dir, store) = store_with(60);
    let id = trace_with_error(&store, "RefundLimitExceeded");
    let mut ui = Ui::open(store, 100, 30, Some(&id));
    ui.key(KeyCode::Char('A'));
    assert!(!ui.state.asking_model, "the answer came back");
    let status = ui.state.status.clone().unwrap_or_default();
    assert!(status.starts_with("llm:sim (simulated):"), "{status}");
    assert!(status.contains("root cause #"), "{status}");
    let timeline = ui.state.timeline.as_ref().unwrap();
    assert!(matches!(
        &timeline.cause_source,
        tackroom::tui::panes::timeline::CauseSource::Attribution { engine, .. } if engine.starts_with("llm:sim (simulated):")
    ));
    let root = timeline.root_cause.expect("a root cause step");
    let stored = ui.store.attributions(&id).unwrap();
    let llm = stored
        .iter()
        .find(|a| a.engine.starts_with("llm:sim (simulated):"))
        .expect("the verdict is stored");
    assert_eq!(timeline.trace.steps[root].id, llm.root_cause.step_id);
}

#[test]
fn live_traces_refresh_the_list_only_for_someone_watching_the_newest() {
    use tackroom::tui::effect::{Effect, Msg};
    use tackroom::tui::state::LiveInfo;
    let (_dir, store) = store_with(60);
    let mut ui = Ui::open(store, 80, 24, None);
    let arrived = || Msg::LiveStored {
        trace_id: "t-live".into(),
    };
    assert!(
        ui.state.apply(arrived()).is_empty(),
        "no receiver, nothing to do"
    );

    ui.state.live = Some(LiveInfo {
        address: "127.0.0.1:4318".into(),
        received: 0,
        behind: false,
    });
    let effects = ui.state.apply(arrived());
    assert!(
        effects.iter().any(|e| matches!(e, Effect::LoadPage { .. })),
        "{effects:?}"
    );
    assert_eq!(ui.state.live.as_ref().unwrap().received, 1);
    ui.run(effects);
    assert!(ui
        .render()
        .to_string()
        .contains("live on 127.0.0.1:4318 · 1 received"));

    // A trace arriving while the list loads is caught up once it is done.
    let loading = ui.state.apply(arrived());
    assert!(!loading.is_empty());
    assert!(ui.state.apply(arrived()).is_empty(), "one load at a time");
    assert!(ui.state.live.as_ref().unwrap().behind);
    ui.run(loading);
    assert!(
        !ui.state.live.as_ref().unwrap().behind,
        "caught up after the load"
    );

    ui.key(KeyCode::Char('j'));
    assert!(
        ui.state.apply(arrived()).is_empty(),
        "a reader scrolled away is left alone"
    );
    assert_eq!(ui.state.live.as_ref().unwrap().received, 4);
}

#[test]
fn y_copies_the_trace_id_from_the_list_and_the_timeline() {
    let (_dir, store) = store_with(9);
    let mut ui = Ui::open(store, 80, 24, None);
    let first = ui.state.list.selected_summary().unwrap().id.clone();
    ui.key(KeyCode::Char('y'));
    assert_eq!(ui.copied, vec![first.clone()]);
    ui.key(KeyCode::Enter).key(KeyCode::Char('y'));
    assert_eq!(ui.copied, vec![first.clone(), first]);
}

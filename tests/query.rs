//! Listing and filtering through the store's indexes.

mod common;

use common::{at, trace};
use tackroom::model::{LabelProvenance, OutcomeLabel};
use tackroom::store::{SortKey, Store, TraceFilter, TraceQuery};

/// 12 traces: agents support/research alternate, every third fails.
fn store_with_traces() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let traces: Vec<_> = (0..12)
        .map(|i| {
            let agent = if i % 2 == 0 { "support" } else { "research" };
            let outcome = if i % 3 == 0 { OutcomeLabel::Failure } else { OutcomeLabel::Success };
            let mut t = trace(&format!("t{i:02}"), agent, outcome, i * 60);
            t.steps[1].input = serde_json::json!({"messages": [{"role": "user", "content": format!("question number {i}")}]});
            t
        })
        .collect();
    store.insert_traces(&traces).unwrap();
    (dir, store)
}

fn ids(store: &Store, filter: TraceFilter) -> Vec<String> {
    let query = TraceQuery {
        filter,
        descending: false,
        ..TraceQuery::default()
    };
    store
        .query(&query)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect()
}

#[test]
fn no_filter_lists_all_in_time_order() {
    let (_dir, store) = store_with_traces();
    let all = ids(&store, TraceFilter::default());
    assert_eq!(all.len(), 12);
    assert_eq!(all.first().map(String::as_str), Some("t00"));
    let newest = store
        .query(&TraceQuery {
            descending: true,
            limit: Some(2),
            ..TraceQuery::default()
        })
        .unwrap();
    assert_eq!(
        newest.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["t11", "t10"]
    );
}

#[test]
fn outcome_filter() {
    let (_dir, store) = store_with_traces();
    let failures = ids(
        &store,
        TraceFilter {
            outcome: Some(OutcomeLabel::Failure),
            ..Default::default()
        },
    );
    assert_eq!(failures, ["t00", "t03", "t06", "t09"]);
}

#[test]
fn agent_filter_combined_with_outcome() {
    let (_dir, store) = store_with_traces();
    let filter = TraceFilter {
        agent: Some("support".into()),
        outcome: Some(OutcomeLabel::Failure),
        ..Default::default()
    };
    assert_eq!(ids(&store, filter.clone()), ["t00", "t06"]);
    assert_eq!(store.count(&filter).unwrap(), 2);
}

#[test]
fn harness_and_task_filters() {
    let (_dir, store) = store_with_traces();
    let by_harness = ids(
        &store,
        TraceFilter {
            harness: Some("sha256:research-v1".into()),
            ..Default::default()
        },
    );
    assert_eq!(by_harness.len(), 6);
    assert!(by_harness
        .iter()
        .all(|id| id[1..].parse::<u32>().unwrap() % 2 == 1));
    // task id is start % 3 with start = i * 60, so always task-0.
    assert_eq!(
        ids(
            &store,
            TraceFilter {
                task: Some("task-0".into()),
                ..Default::default()
            }
        )
        .len(),
        12
    );
    assert!(ids(
        &store,
        TraceFilter {
            task: Some("task-1".into()),
            ..Default::default()
        }
    )
    .is_empty());
}

#[test]
fn time_window_filter() {
    let (_dir, store) = store_with_traces();
    let filter = TraceFilter {
        since: Some(at(120)),
        until: Some(at(300)),
        ..Default::default()
    };
    assert_eq!(ids(&store, filter), ["t02", "t03", "t04", "t05"]);
}

#[test]
fn error_type_filter() {
    let (_dir, store) = store_with_traces();
    let filter = TraceFilter {
        error_type: Some("NotFound".into()),
        ..Default::default()
    };
    assert_eq!(ids(&store, filter).len(), 4);
    assert!(ids(
        &store,
        TraceFilter {
            error_type: Some("timeout".into()),
            ..Default::default()
        }
    )
    .is_empty());
}

#[test]
fn text_filter_searches_inputs_outputs_and_errors() {
    let (_dir, store) = store_with_traces();
    assert_eq!(
        ids(
            &store,
            TraceFilter {
                text: Some("QUESTION NUMBER 7".into()),
                ..Default::default()
            }
        ),
        ["t07"]
    );
    assert_eq!(
        ids(
            &store,
            TraceFilter {
                text: Some("no such order".into()),
                ..Default::default()
            }
        )
        .len(),
        4
    );
}

#[test]
fn sort_by_other_keys_and_limit() {
    let (_dir, store) = store_with_traces();
    let query = TraceQuery {
        sort: SortKey::Errors,
        descending: true,
        limit: Some(4),
        ..TraceQuery::default()
    };
    let rows = store.query(&query).unwrap();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|s| s.error_steps == 1));
}

#[test]
fn paging_continues_after_the_cursor_without_overlap() {
    let (_dir, store) = store_with_traces();
    let filter = TraceFilter::default();
    let first = store.page(&filter, true, None, 5).unwrap();
    let cursor = first.rows.last().unwrap().0.clone();
    let second = store.page(&filter, true, Some(&cursor), 5).unwrap();
    let back = store
        .page(&filter, false, Some(&second.rows[0].0), 2)
        .unwrap();
    assert_eq!(first.rows.len() + second.rows.len(), 10);
    assert_eq!(second.rows[0].1.id, "t06");
    assert_eq!(back.rows[0].1.id, "t07");
}

#[test]
fn relabelling_moves_index_entries_and_counters() {
    let (_dir, store) = store_with_traces();
    let provenance = LabelProvenance {
        by: "user:ana".into(),
        at: Some(at(0)),
        note: Some("checked".into()),
    };
    store
        .set_outcome("t01", OutcomeLabel::Failure, Some(0.0), provenance.clone())
        .unwrap();
    let failures = TraceFilter {
        outcome: Some(OutcomeLabel::Failure),
        ..Default::default()
    };
    assert_eq!(store.count(&failures).unwrap(), 5);
    assert_eq!(ids(&store, failures).len(), 5);
    let stats = store.stats().unwrap();
    let research = stats
        .by_agent
        .iter()
        .find(|g| g.name == "research")
        .unwrap();
    assert_eq!((research.success, research.failure), (3, 3));
    assert_eq!(store.trace("t01").unwrap().labelled_by, Some(provenance));
    assert!(store.check_consistency().unwrap().is_empty());
}

#[test]
fn stats_count_failure_rate_by_agent_and_harness() {
    let (_dir, store) = store_with_traces();
    let stats = store.stats().unwrap();
    assert_eq!((stats.traces, stats.steps), (12, 36));
    let support = stats.by_agent.iter().find(|g| g.name == "support").unwrap();
    assert_eq!((support.traces, support.failure), (6, 2));
    assert!((support.failure_rate.unwrap() - 2.0 / 6.0).abs() < 1e-9);
    assert_eq!(stats.by_harness.len(), 2);
}

#[test]
fn unknown_trace_is_a_typed_error() {
    let (_dir, store) = store_with_traces();
    assert!(matches!(
        store.trace("nope"),
        Err(tackroom::store::StoreError::UnknownTrace(_))
    ));
}

#[test]
fn a_trace_id_resolves_from_itself_or_a_unique_prefix() {
    let (_dir, store) = store_with_traces();
    assert_eq!(store.resolve_trace_id("t03").unwrap(), "t03");
    let long = trace(
        "0af7651916cd43dd8448eb211c80319c",
        "support",
        OutcomeLabel::Failure,
        0,
    );
    store.insert_traces(&[long]).unwrap();
    assert_eq!(
        store.resolve_trace_id("0af76519").unwrap(),
        "0af7651916cd43dd8448eb211c80319c"
    );
    let ambiguous = store.resolve_trace_id("t0").unwrap_err().to_string();
    assert!(
        ambiguous.contains("10 traces have ids starting with \"t0\""),
        "{ambiguous}"
    );
    assert!(ambiguous.contains("t00, t01, t02"), "{ambiguous}");
    assert!(matches!(
        store.resolve_trace_id("zz"),
        Err(tackroom::store::StoreError::UnknownTrace(_))
    ));
    assert!(store.resolve_trace_id("").is_err());
}

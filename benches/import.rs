//! Import throughput on generated data. Prints traces/s, steps/s, MB/s and
//! store bytes per trace. `TACKROOM_BENCH_TRACES` overrides the count
//! (default 100 000).

use std::time::Instant;

use tackroom::ingest::{import_paths, ImportOptions, NoProgress};
use tackroom::model::OutcomeLabel;
use tackroom::sample::{generate, SampleOptions};
use tackroom::store::{Store, TraceFilter, TraceQuery};

fn main() {
    let traces: usize = std::env::var("TACKROOM_BENCH_TRACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = dir.path().join("samples");
    let started = Instant::now();
    generate(&SampleOptions {
        traces,
        seed: 11,
        out: samples.clone(),
    })
    .expect("generate");
    println!("generated {traces} traces in {:.2?}", started.elapsed());
    let input_bytes: u64 = ["support", "research", "analyst"]
        .iter()
        .filter_map(|a| std::fs::metadata(samples.join(a).join("traces.jsonl")).ok())
        .map(|m| m.len())
        .sum();

    let store = Store::open(&dir.path().join("store")).expect("store");
    let started = Instant::now();
    let report = import_paths(
        &store,
        std::slice::from_ref(&samples),
        &ImportOptions::default(),
        &NoProgress,
    )
    .expect("import");
    let secs = started.elapsed().as_secs_f64();
    let size = store.size_on_disk().expect("size");
    println!(
        "import: {} traces, {} steps, {:.1} MB in {secs:.2} s",
        report.imported,
        report.steps,
        input_bytes as f64 / 1e6
    );
    println!("  {:>10.0} traces/s", report.imported as f64 / secs);
    println!("  {:>10.0} steps/s", report.steps as f64 / secs);
    println!("  {:>10.1} MB/s", input_bytes as f64 / 1e6 / secs);
    println!(
        "  {:>10.0} store bytes/trace ({:.1} MB on disk)",
        size as f64 / report.imported as f64,
        size as f64 / 1e6
    );

    let started = Instant::now();
    let again = import_paths(
        &store,
        std::slice::from_ref(&samples),
        &ImportOptions::default(),
        &NoProgress,
    )
    .expect("reimport");
    println!(
        "re-import (all present): {} skipped in {:.2?}",
        again.already_present,
        started.elapsed()
    );

    let filter = TraceFilter {
        outcome: Some(OutcomeLabel::Failure),
        agent: Some("support".into()),
        ..Default::default()
    };
    let started = Instant::now();
    let page = store
        .query(&TraceQuery {
            filter: filter.clone(),
            descending: true,
            limit: Some(50),
            ..Default::default()
        })
        .expect("query");
    println!(
        "query outcome+agent, first 50: {} rows in {:.2?}",
        page.len(),
        started.elapsed()
    );
    let started = Instant::now();
    let count = store.count(&filter).expect("count");
    println!(
        "count outcome+agent (scan): {count} in {:.2?}",
        started.elapsed()
    );
    let started = Instant::now();
    let all = store.count(&TraceFilter::default()).expect("count");
    println!("count all (counter): {all} in {:.2?}", started.elapsed());

    // Attribution at scale: the rules engine over every failed trace, with
    // the harness versions the import registered, then the clusters.
    for (path, harness) in tackroom::harness::find_harness_files(std::slice::from_ref(&samples)) {
        let version = tackroom::harness::imported_version(&path, harness, chrono::Utc::now());
        store.put_harness_version(&version).expect("harness");
    }
    let started = Instant::now();
    let attributed =
        tackroom::triage::attribute_with_rules(&store, &Default::default(), &Default::default())
            .expect("attribute");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "rules engine: {} failed traces attributed in {secs:.2} s ({:.0} traces/s)",
        attributed.len(),
        attributed.len() as f64 / secs
    );
    let started = Instant::now();
    let clusters = tackroom::triage::clusters(&store, "rules", None).expect("clusters");
    println!(
        "clusters: {} from {} attributions in {:.2?}",
        clusters.len(),
        attributed.len(),
        started.elapsed()
    );
}

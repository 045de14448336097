//! The import driver: files → records → traces → atomic store batches.
//!
//! Lenient mode stores good records and reports bad ones; strict mode reads
//! a file twice (validate, then store) so that a bad file stores nothing
//! without holding the file in memory.

use std::path::PathBuf;

use thiserror::Error;

use super::assembled::{store_pool, Gathered};
use super::chat::ChatFields;
use super::decode::Decoded;
use super::detect::Format;
use super::input::{expand_paths, Source};
use super::location::Rejection;
use super::read::read_source;
use crate::model::Trace;
use crate::store::{Store, StoreError};

/// Rejections kept in the report; the rest are only counted.
const MAX_REPORTED_REJECTIONS: usize = 1000;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub strict: bool,
    /// Forces a format instead of detecting it.
    pub format: Option<Format>,
    /// Traces per atomic batch.
    pub batch_size: usize,
    /// Where chat transcripts keep their messages, id and outcome.
    pub chat: ChatFields,
    /// Largest record (a line, or a whole-file document) held in memory.
    pub max_record_bytes: usize,
    /// Span-shaped pieces held in memory before they are moved to the store.
    pub spill_after: usize,
}

/// Default `max_record_bytes`: far above any real trace, far below memory.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 512 << 20;

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            strict: false,
            format: None,
            batch_size: 256,
            chat: ChatFields {
                success_threshold: 0.5,
                ..ChatFields::default()
            },
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            spill_after: 200_000,
        }
    }
}

/// Receives progress while importing (a progress bar, log lines, nothing).
pub trait ImportProgress {
    fn file_started(&self, _name: &str, _len: Option<u64>) {}
    fn advanced(&self, _bytes_read: u64) {}
    fn file_finished(&self, _name: &str) {}
}

pub struct NoProgress;
impl ImportProgress for NoProgress {}

#[derive(Debug, Default, Clone)]
pub struct ImportReport {
    pub files: usize,
    pub imported: usize,
    pub steps: usize,
    pub already_present: usize,
    pub rejected: usize,
    pub bytes: u64,
    /// The first rejections in input order.
    pub rejections: Vec<Rejection>,
    /// Files that are not traces: `(file, what it is)`.
    pub skipped: Vec<(String, String)>,
    /// Stored traces whose outcome a score in this import set.
    pub scored: usize,
    /// Scores naming traces that are not in the store.
    pub unmatched_scores: usize,
    /// Stored traces that gained late spans, runs or log events.
    pub updated: usize,
    /// Log events whose span is in no stored trace.
    pub unmatched_log_events: usize,
}

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports every trace file under `paths` into `store`.
pub fn import_paths(
    store: &Store,
    paths: &[PathBuf],
    options: &ImportOptions,
    progress: &dyn ImportProgress,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let mut gathered = Gathered::default();
    for source in expand_paths(paths)? {
        import_source(store, source, options, progress, &mut report, &mut gathered)?;
    }
    store_pool(store, gathered, options, &mut report)?;
    store.flush()?;
    Ok(report)
}

/// Imports one source into `store`, adding to `report`.
pub fn import_source(
    store: &Store,
    source: Source,
    options: &ImportOptions,
    progress: &dyn ImportProgress,
    report: &mut ImportReport,
    gathered: &mut Gathered,
) -> Result<(), ImportError> {
    report.files += 1;
    if options.strict {
        let source = source.rereadable()?;
        let mut rejections = Vec::new();
        let mut validate_only = |_: Decoded| Ok(());
        let skipped = read_source(
            &source,
            options,
            progress,
            &mut validate_only,
            &mut |r| rejections.push(r),
            &mut |_| false,
        )?;
        if let Some(kind) = skipped {
            report.skipped.push((source.name(), kind));
            return Ok(());
        }
        if let Some(first) = rejections.into_iter().next() {
            report.rejected += 1;
            push_rejection(report, first);
            return Ok(());
        }
        return store_source(store, &source, options, progress, report, gathered);
    }
    store_source(store, &source, options, progress, report, gathered)
}

fn store_source(
    store: &Store,
    source: &Source,
    options: &ImportOptions,
    progress: &dyn ImportProgress,
    report: &mut ImportReport,
    gathered: &mut Gathered,
) -> Result<(), ImportError> {
    let mut rejections = Vec::new();
    // Parsing and writing each take about half of an import: batches are
    // written on a second thread, in order, while the next ones are parsed.
    let (totals, skipped, present_early) = std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Trace>>(2);
        let mut writer = Some(scope.spawn(move || write_batches(store, receiver)));
        let mut sender = Some(sender);
        let mut batch: Vec<Trace> = Vec::with_capacity(options.batch_size);
        let mut send = |batch: Vec<Trace>| -> Result<(), StoreError> {
            let delivered = sender.as_ref().is_some_and(|s| s.send(batch).is_ok());
            if delivered {
                return Ok(());
            }
            // The writer stopped on an error: report that error.
            sender = None;
            match writer.take().map(|w| w.join()) {
                Some(Ok(Err(e))) => Err(e),
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                _ => Ok(()),
            }
        };
        let mut on_trace = |decoded: Decoded| -> Result<(), StoreError> {
            match decoded {
                Decoded::Trace(trace) => {
                    batch.push(*trace);
                    if batch.len() >= options.batch_size {
                        let full =
                            std::mem::replace(&mut batch, Vec::with_capacity(options.batch_size));
                        send(full)?;
                    }
                }
                Decoded::Spans(spans) => gathered.pool.spans.extend(spans),
                Decoded::Logs(logs) => gathered.pool.logs.extend(logs),
                Decoded::Runs(runs) => runs.into_iter().for_each(|r| gathered.pool.add_run(r)),
                Decoded::RunsWithFeedback(runs, feedback) => {
                    runs.into_iter().for_each(|r| gathered.pool.add_run(r));
                    gathered.pool.scores.extend(feedback);
                }
                Decoded::Scores(scores) => gathered.pool.scores.extend(scores),
            }
            if gathered.pool.pieces() >= options.spill_after {
                gathered.pool.spill(store, &mut gathered.spilled)?;
            }
            Ok(())
        };
        let mut present_early = 0;
        let skipped = read_source(
            source,
            options,
            progress,
            &mut on_trace,
            &mut |r| rejections.push(r),
            &mut |id| {
                let stored = store.contains(id).unwrap_or(false);
                present_early += usize::from(stored);
                stored
            },
        );
        let last = std::mem::take(&mut batch);
        let sent = if last.is_empty() { Ok(()) } else { send(last) };
        // Closing the channel lets the writer finish.
        drop(sender.take());
        let totals = match writer.take().map(|w| w.join()) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Ok(BatchTotals::default()),
        };
        sent?;
        Ok::<_, ImportError>((totals?, skipped?, present_early))
    })?;
    report.imported += totals.inserted;
    report.steps += totals.steps;
    report.already_present += totals.already_present + present_early;
    if let Some(kind) = skipped {
        report.skipped.push((source.name(), kind));
    }
    report.rejected += rejections.len();
    for r in rejections {
        push_rejection(report, r);
    }
    Ok(())
}

#[derive(Debug, Default)]
struct BatchTotals {
    inserted: usize,
    steps: usize,
    already_present: usize,
}

/// The writer thread: stores batches as they come, until the reader is done.
fn write_batches(
    store: &Store,
    batches: std::sync::mpsc::Receiver<Vec<Trace>>,
) -> Result<BatchTotals, StoreError> {
    let mut totals = BatchTotals::default();
    for batch in batches {
        let result = store.insert_traces(&batch)?;
        totals.inserted += result.inserted;
        totals.steps += result.steps;
        totals.already_present += result.already_present.len();
    }
    Ok(totals)
}

pub(super) fn push_rejection(report: &mut ImportReport, rejection: Rejection) {
    if report.rejections.len() < MAX_REPORTED_REJECTIONS {
        report.rejections.push(rejection);
    }
}

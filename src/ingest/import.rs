//! The import driver: files → records → traces → atomic store batches.
//!
//! Lenient mode stores good records and reports bad ones; strict mode reads
//! a file twice (validate, then store) so that a bad file stores nothing
//! without holding the file in memory.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::de::{SeqAccess, Visitor};
use serde_json::value::RawValue;
use thiserror::Error;

use super::chat::ChatFields;
use super::decode::{checked, decode_binary, decode_json, Decoded};
use super::detect::{classify, classify_bytes, FileKind, Format};
use super::input::{expand_paths, LineReader, Source};
use super::location::{plain_json_message, Location, RecordError, Rejection};
use super::native;
use super::spans::pool::{apply_score, Spilled};
use super::spans::{Score, SpanPool};
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
    /// Stored traces that gained late spans or runs from this import.
    pub updated: usize,
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

/// Span-shaped pieces gathered across the files of one import: in memory,
/// or moved to the store's pending keyspace once there are too many.
#[derive(Default)]
pub struct Gathered {
    pub pool: SpanPool,
    pub spilled: Spilled,
}

/// Assembles the gathered spans and runs into traces and stores them;
/// applies scores to traces assembled here or already stored.
pub fn store_pool(
    store: &Store,
    gathered: Gathered,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let Gathered {
        mut pool,
        mut spilled,
    } = gathered;
    if spilled.traces.is_empty() {
        if pool.is_empty() {
            return Ok(());
        }
        let (traces, scores) = pool.assemble();
        store_traces(store, traces, options, report)?;
        return apply_scores(store, scores, report);
    }
    // Too many to hold: the rest joins what was moved out, and traces are
    // assembled from the store a batch at a time.
    pool.spill(store, &mut spilled)?;
    let mut scores: HashMap<String, Vec<Score>> = HashMap::new();
    for score in std::mem::take(&mut pool.scores) {
        scores
            .entry(score.trace_id.clone())
            .or_default()
            .push(score);
    }
    let mut traces = Vec::new();
    let mut ids = Vec::new();
    for id in &spilled.traces {
        let (assembled, _) = SpanPool::from_pieces(store.pending(id)?).assemble();
        for mut trace in assembled {
            for score in scores.remove(&trace.id).unwrap_or_default() {
                apply_score(&mut trace, &score);
            }
            traces.push(trace);
        }
        ids.push(id.as_str());
        if traces.len() >= options.batch_size {
            store_traces(store, std::mem::take(&mut traces), options, report)?;
            for id in ids.drain(..) {
                store.clear_pending(id)?;
            }
        }
    }
    store_traces(store, traces, options, report)?;
    for id in ids {
        store.clear_pending(id)?;
    }
    apply_scores(store, scores.into_values().flatten().collect(), report)
}

/// Checks assembled traces and stores them in batches.
fn store_traces(
    store: &Store,
    traces: Vec<Trace>,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let mut batch = Vec::with_capacity(options.batch_size);
    for trace in traces {
        let id = trace.id.clone();
        match checked(trace) {
            Ok(trace) => batch.push(trace),
            Err(e) => {
                report.rejected += 1;
                let file = format!("trace {id} (assembled from spans)");
                push_rejection(report, e.locate(&file, 0, 0));
            }
        }
        if batch.len() >= options.batch_size {
            store_assembled_batch(store, &mut batch, report)?;
        }
    }
    store_assembled_batch(store, &mut batch, report)?;
    Ok(())
}

/// Scores for traces already stored set their outcome.
fn apply_scores(
    store: &Store,
    scores: Vec<Score>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    for score in scores {
        let provenance = crate::model::LabelProvenance {
            by: format!("{}:{}", score.source, score.name),
            at: None,
            note: None,
        };
        let outcome = if score.value >= 0.5 {
            crate::model::OutcomeLabel::Success
        } else {
            crate::model::OutcomeLabel::Failure
        };
        match store.set_outcome(&score.trace_id, outcome, Some(score.value), provenance) {
            Ok(()) => report.scored += 1,
            Err(StoreError::UnknownTrace(_)) => report.unmatched_scores += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn store_assembled_batch(
    store: &Store,
    batch: &mut Vec<Trace>,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let result = store_assembled(store, batch)?;
    report.imported += result.inserted;
    report.steps += result.steps;
    report.already_present += result.already_present;
    report.updated += result.updated;
    batch.clear();
    Ok(())
}

/// What storing assembled traces did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AssembledResult {
    pub inserted: usize,
    /// Steps stored: those of new traces plus those added to stored ones.
    pub steps: usize,
    pub already_present: usize,
    /// Stored traces that gained steps.
    pub updated: usize,
}

/// Stores traces assembled from spans or runs. A trace already in the store
/// is merged with the new part (spans of one trace can arrive in several
/// files or requests); it counts as already present only if nothing was new.
pub fn store_assembled(store: &Store, traces: &[Trace]) -> Result<AssembledResult, StoreError> {
    let batch = store.insert_traces(traces)?;
    let mut result = AssembledResult {
        inserted: batch.inserted,
        steps: batch.steps,
        ..AssembledResult::default()
    };
    for id in &batch.already_present {
        let Some(incoming) = traces.iter().find(|t| &t.id == id) else {
            continue;
        };
        let stored = store.trace(id)?;
        let before = stored.steps.len();
        match crate::ingest::spans::merge::merge_delivery(stored, incoming.clone()) {
            Some(merged) => {
                store.replace_trace(&merged)?;
                result.updated += 1;
                result.steps += merged.steps.len() - before;
            }
            None => result.already_present += 1,
        }
    }
    Ok(result)
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

fn push_rejection(report: &mut ImportReport, rejection: Rejection) {
    if report.rejections.len() < MAX_REPORTED_REJECTIONS {
        report.rejections.push(rejection);
    }
}

type TraceSink<'a> = dyn FnMut(Decoded) -> Result<(), StoreError> + 'a;
type RejectSink<'a> = dyn FnMut(Rejection) + 'a;
/// Whether a trace id is already stored (the caller counts it as present).
type StoredCheck<'a> = dyn FnMut(&str) -> bool + 'a;

/// Reads one source, handing each decoded trace and each rejection to the
/// sinks. Returns `Some(kind)` when the file is a companion, not traces.
fn read_source(
    source: &Source,
    options: &ImportOptions,
    progress: &dyn ImportProgress,
    on_trace: &mut TraceSink<'_>,
    on_reject: &mut RejectSink<'_>,
    already_stored: &mut StoredCheck<'_>,
) -> Result<Option<String>, ImportError> {
    let mut reader = LineReader::open(source)?.with_max_record(options.max_record_bytes);
    let too_large = |name: &str, line: usize, what: &str| Rejection {
        location: Location {
            file: name.to_owned(),
            line,
            column: 1,
        },
        field: String::new(),
        message: format!(
            "{what} is larger than the {} MiB record limit (--max-record-mb); skipped",
            options.max_record_bytes >> 20
        ),
    };
    progress.file_started(&reader.name, reader.len);
    let head = reader.head()?;
    let binary = match options.format {
        Some(f) if f.is_binary() => Some(f),
        Some(_) => None,
        None => classify_bytes(&head, &reader.name),
    };
    if let Some(format) = binary {
        let mut body = Vec::new();
        if !reader.read_rest(&mut body)? {
            on_reject(too_large(&reader.name, 1, "the file"));
            progress.file_finished(&reader.name);
            return Ok(None);
        }
        progress.advanced(reader.bytes_read);
        match decode_binary(format, &body) {
            Ok(decoded) => on_trace(decoded)?,
            Err(e) => on_reject(e.locate(&reader.name, 1, 1)),
        }
        progress.file_finished(&reader.name);
        return Ok(None);
    }
    let mut line = Vec::new();
    let first_line_no = loop {
        match next_nonblank(&mut reader, &mut line)? {
            Next::Record(n) => break n,
            Next::TooLarge(n) => on_reject(too_large(&reader.name, n, "this line")),
            Next::End => {
                progress.file_finished(&reader.name);
                return Ok(Some("empty file".into()));
            }
        }
    };
    let first_value: Option<serde_json::Value> = if line.first() == Some(&b'[') {
        None
    } else {
        serde_json::from_slice(&line).ok()
    };
    let Some(first_value) = first_value else {
        // Not one record per line: a JSON array or a pretty-printed object.
        let mut doc = std::mem::take(&mut line);
        doc.push(b'\n');
        if !reader.read_rest(&mut doc)? {
            on_reject(too_large(&reader.name, first_line_no, "the JSON document"));
            progress.file_finished(&reader.name);
            return Ok(None);
        }
        progress.advanced(reader.bytes_read);
        let outcome = read_document(
            &reader.name,
            first_line_no,
            &doc,
            options,
            on_trace,
            on_reject,
        );
        progress.file_finished(&reader.name);
        return outcome;
    };
    let format = match options.format {
        Some(f) => f,
        None => match classify(&first_value, &options.chat) {
            FileKind::Traces(f) => f,
            FileKind::Companion(kind) => return Ok(Some(kind.to_owned())),
            FileKind::Unknown(reasons) => {
                on_reject(unknown_format(&reader.name, first_line_no, &reasons));
                return Ok(None);
            }
        },
    };
    let mut line_no = first_line_no;
    loop {
        // A rerun after a crash skips what is stored without a full parse.
        let stored = format == Format::Native
            && native::peek_id(&line).is_some_and(|id| already_stored(&id));
        if !stored {
            decode_record(format, &line, options, line_no, on_trace, on_reject, |e| {
                e.locate(&reader.name, line_no, 1)
            })?;
        }
        progress.advanced(reader.bytes_read);
        loop {
            match next_nonblank(&mut reader, &mut line)? {
                Next::Record(n) => {
                    line_no = n;
                    break;
                }
                Next::TooLarge(n) => on_reject(too_large(&reader.name, n, "this line")),
                Next::End => {
                    progress.file_finished(&reader.name);
                    return Ok(None);
                }
            }
        }
    }
}

/// What the next non-blank line is.
enum Next {
    Record(usize),
    /// Over the record limit: skipped, not held in memory.
    TooLarge(usize),
    End,
}

fn next_nonblank(reader: &mut LineReader, line: &mut Vec<u8>) -> std::io::Result<Next> {
    while let Some(n) = reader.next_line(line)? {
        if reader.take_oversized().is_some() {
            return Ok(Next::TooLarge(n));
        }
        if line.iter().any(|b| !b.is_ascii_whitespace()) {
            return Ok(Next::Record(n));
        }
    }
    Ok(Next::End)
}

fn unknown_format(file: &str, line: usize, reasons: &[String]) -> Rejection {
    Rejection {
        location: Location {
            file: file.to_owned(),
            line,
            column: 1,
        },
        field: String::new(),
        message: format!("unknown trace format; tried {}", reasons.join("; ")),
    }
}

/// Decodes one record and passes on the trace or the located error.
fn decode_record(
    format: Format,
    record: &[u8],
    options: &ImportOptions,
    line: usize,
    on_trace: &mut TraceSink<'_>,
    on_reject: &mut RejectSink<'_>,
    locate: impl Fn(RecordError) -> Rejection,
) -> Result<(), StoreError> {
    if let Err(e) = std::str::from_utf8(record) {
        on_reject(locate(RecordError {
            line: 1,
            column: e.valid_up_to() + 1,
            field: String::new(),
            message: "invalid UTF-8".into(),
        }));
        return Ok(());
    }
    match decode_json(format, record, &options.chat, line) {
        Ok(trace) => on_trace(trace),
        Err(e) => {
            on_reject(locate(e));
            Ok(())
        }
    }
}

/// A whole-file JSON document: one trace object or an array of them. Each
/// array element is decoded on its own, so one bad element rejects only itself.
fn read_document(
    file: &str,
    first_line: usize,
    doc: &[u8],
    options: &ImportOptions,
    on_trace: &mut TraceSink<'_>,
    on_reject: &mut RejectSink<'_>,
) -> Result<Option<String>, ImportError> {
    let text = match std::str::from_utf8(doc) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = line_column(doc, e.valid_up_to());
            on_reject(
                RecordError {
                    line,
                    column,
                    field: String::new(),
                    message: "invalid UTF-8".into(),
                }
                .locate(file, first_line, 1),
            );
            return Ok(None);
        }
    };
    let (elements, tail_error) = split_array(text);
    let elements = match elements {
        Some(e) => e,
        None => vec![text],
    };
    let Some(first) = elements.first() else {
        return Ok(Some("empty array".into()));
    };
    let format = match options.format {
        Some(f) => f,
        None => match serde_json::from_str::<serde_json::Value>(first) {
            Ok(value) => match classify(&value, &options.chat) {
                FileKind::Traces(f) => f,
                FileKind::Companion(kind) => return Ok(Some(kind.to_owned())),
                FileKind::Unknown(reasons) => {
                    on_reject(unknown_format(file, first_line, &reasons));
                    return Ok(None);
                }
            },
            Err(_) => Format::Native,
        },
    };
    for element in elements {
        let offset = element.as_ptr() as usize - text.as_ptr() as usize;
        let (line, column) = line_column(doc, offset);
        decode_record(
            format,
            element.as_bytes(),
            options,
            first_line + line - 1,
            on_trace,
            on_reject,
            |e| e.locate(file, first_line + line - 1, column),
        )?;
    }
    if let Some(err) = tail_error {
        on_reject(
            RecordError {
                line: err.line().max(1),
                column: err.column().max(1),
                field: String::new(),
                message: plain_json_message(&err),
            }
            .locate(file, first_line, 1),
        );
    }
    Ok(None)
}

/// Splits a JSON array into its raw elements. Returns `None` when the text
/// is not an array; a syntax error keeps the elements before it.
fn split_array(text: &str) -> (Option<Vec<&str>>, Option<serde_json::Error>) {
    if !text.trim_start().starts_with('[') {
        return (None, None);
    }
    struct Elements<'a, 'd>(&'a mut Vec<&'d str>);
    impl<'de> Visitor<'de> for Elements<'_, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of traces")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(raw) = seq.next_element::<&'de RawValue>()? {
                self.0.push(raw.get());
            }
            Ok(())
        }
    }
    let mut elements = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let result = serde::Deserializer::deserialize_seq(&mut de, Elements(&mut elements))
        .and_then(|_| de.end());
    (Some(elements), result.err())
}

/// 1-based line and column of a byte offset.
fn line_column(doc: &[u8], offset: usize) -> (usize, usize) {
    let before = &doc[..offset.min(doc.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    (line, offset - line_start + 1)
}

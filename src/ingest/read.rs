//! Reading one source: lines or a whole document, format detection on the
//! first record, located rejections, and the record size limit.

use serde::de::{SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::decode::{decode_binary, decode_json, Decoded};
use super::detect::{classify, classify_bytes, FileKind, Format};
use super::import::{ImportError, ImportOptions, ImportProgress};
use super::input::{LineReader, Source};
use super::location::{plain_json_message, Location, RecordError, Rejection};
use super::native;
use crate::store::StoreError;

pub(super) type TraceSink<'a> = dyn FnMut(Decoded) -> Result<(), StoreError> + 'a;
pub(super) type RejectSink<'a> = dyn FnMut(Rejection) + 'a;
/// Whether a trace id is already stored (the caller counts it as present).
pub(super) type StoredCheck<'a> = dyn FnMut(&str) -> bool + 'a;

/// Reads one source, handing each decoded trace and each rejection to the
/// sinks. Returns `Some(kind)` when the file is a companion, not traces.
pub(super) fn read_source(
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

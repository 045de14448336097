//! Where in an input a problem is, and how it is reported.

use std::fmt;

/// A position in an input file: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            // Not from one place in a file (a trace assembled from spans).
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// A record (or a whole file) that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub location: Location,
    /// JSON path of the offending field (`steps[3].status`), or empty.
    pub field: String,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() || self.field == "." {
            write!(f, "{}: {}", self.location, self.message)
        } else {
            write!(f, "{}: {}: {}", self.location, self.field, self.message)
        }
    }
}

/// A record error before the file name and line are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Line and column inside the record (1-based).
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub message: String,
}

impl RecordError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        RecordError {
            line: 1,
            column: 1,
            field: field.into(),
            message: message.into(),
        }
    }

    /// Places the error in the file, given where the record starts.
    pub fn locate(self, file: &str, start_line: usize, start_column: usize) -> Rejection {
        let column = if self.line <= 1 {
            start_column + self.column.saturating_sub(1)
        } else {
            self.column
        };
        Rejection {
            location: Location {
                file: file.to_owned(),
                line: start_line + self.line.saturating_sub(1),
                column,
            },
            field: self.field,
            message: self.message,
        }
    }

    /// From a serde_json error wrapped with its field path.
    pub fn from_json(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        let inner = err.into_inner();
        RecordError {
            line: inner.line().max(1),
            column: inner.column().max(1),
            field: path,
            message: plain_json_message(&inner),
        }
    }
}

/// serde_json's message without its trailing position (we print our own),
/// with enum mismatches phrased as "expected …, found …".
pub fn plain_json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let text = match text.rfind(" at line ") {
        Some(pos) if err.line() > 0 => text[..pos].to_owned(),
        _ => text,
    };
    rephrase_unknown_variant(&text).unwrap_or(text)
}

fn rephrase_unknown_variant(text: &str) -> Option<String> {
    let rest = text.strip_prefix("unknown variant `")?;
    let (found, rest) = rest.split_once('`')?;
    let expected = rest.strip_prefix(", expected ")?;
    let expected = expected
        .strip_prefix("one of ")
        .unwrap_or(expected)
        .replace('`', "\"");
    Some(format!("expected {expected}, found \"{found}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_variant_reads_as_expected_found() {
        assert_eq!(
            rephrase_unknown_variant("unknown variant `fail`, expected `ok` or `error`").as_deref(),
            Some("expected \"ok\" or \"error\", found \"fail\"")
        );
    }

    #[test]
    fn error_on_later_line_of_record_keeps_its_own_column() {
        let err = RecordError {
            line: 3,
            column: 7,
            field: "steps[0].kind".into(),
            message: "m".into(),
        };
        let r = err.locate("a.json", 10, 5);
        assert_eq!((r.location.line, r.location.column), (12, 7));
    }
}

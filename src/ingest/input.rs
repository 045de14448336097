//! Opening inputs: files, directories (recursively) and stdin, read as a
//! stream of lines so that a multi-gigabyte JSONL file is never held whole.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One thing to import.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Stdin,
    /// In-memory bytes (stdin spooled for `--strict`, tests, the receiver).
    Bytes {
        name: String,
        data: Arc<Vec<u8>>,
    },
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".into(),
            Source::Bytes { name, .. } => name.clone(),
        }
    }

    /// A source that can be read twice (validation pass, then import).
    pub fn rereadable(self) -> io::Result<Source> {
        match self {
            Source::Stdin => {
                let mut data = Vec::new();
                io::stdin().lock().read_to_end(&mut data)?;
                Ok(Source::Bytes {
                    name: "<stdin>".into(),
                    data: Arc::new(data),
                })
            }
            other => Ok(other),
        }
    }
}

/// File extensions picked up when walking a directory.
const TRACE_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "pb", "multipart"];

/// Expands `-` to stdin and directories to their trace files, sorted.
pub fn expand_paths(paths: &[PathBuf]) -> io::Result<Vec<Source>> {
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
        } else if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            files.sort();
            sources.extend(files.into_iter().map(Source::File));
        } else if path.exists() {
            sources.push(Source::File(path.clone()));
        } else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such file or directory", path.display()),
            ));
        }
    }
    Ok(sources)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| TRACE_EXTENSIONS.contains(&e))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// An open input read line by line, counting lines and bytes.
pub struct LineReader {
    pub name: String,
    pub len: Option<u64>,
    reader: Box<dyn BufRead + Send>,
    pub line_no: usize,
    pub bytes_read: u64,
    /// Longest line (and whole document) held in memory.
    max_record: usize,
    /// Set when the last line was longer than `max_record`: its length.
    oversized: Option<u64>,
}

impl LineReader {
    pub fn open(source: &Source) -> io::Result<Self> {
        let (reader, len): (Box<dyn BufRead + Send>, Option<u64>) = match source {
            Source::File(path) => {
                let file = File::open(path)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
                let len = file.metadata().ok().map(|m| m.len());
                (Box::new(BufReader::with_capacity(1 << 18, file)), len)
            }
            Source::Stdin => (Box::new(BufReader::new(io::stdin())), None),
            Source::Bytes { data, .. } => {
                let len = data.len() as u64;
                (Box::new(Cursor::new(SharedBytes(data.clone()))), Some(len))
            }
        };
        Ok(LineReader {
            name: source.name(),
            len,
            reader,
            line_no: 0,
            bytes_read: 0,
            max_record: usize::MAX,
            oversized: None,
        })
    }

    /// Caps what one line or document may hold in memory: a corrupt file
    /// with no line breaks must not exhaust it.
    pub fn with_max_record(mut self, bytes: usize) -> Self {
        self.max_record = bytes;
        self
    }

    /// The length of the last line if it was over the cap (and so skipped).
    pub fn take_oversized(&mut self) -> Option<u64> {
        self.oversized.take()
    }

    /// The next line without its line ending, or `None` at the end.
    /// A line over the cap comes back empty, with `take_oversized` set.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
        buf.clear();
        let cap = self.max_record.saturating_add(1) as u64;
        let n = (&mut self.reader).take(cap).read_until(b'\n', buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes_read += n as u64;
        self.line_no += 1;
        if buf.len() > self.max_record && buf.last() != Some(&b'\n') {
            let skipped = self.skip_line()?;
            self.bytes_read += skipped;
            self.oversized = Some(n as u64 + skipped);
            buf.clear();
            return Ok(Some(self.line_no));
        }
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        Ok(Some(self.line_no))
    }

    /// Consumes the rest of the current line without keeping it.
    fn skip_line(&mut self) -> io::Result<u64> {
        let mut skipped = 0u64;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(skipped);
            }
            match available.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok(skipped + i as u64 + 1);
                }
                None => {
                    let len = available.len();
                    self.reader.consume(len);
                    skipped += len as u64;
                }
            }
        }
    }

    /// The first bytes of the input, without consuming them.
    pub fn head(&mut self) -> io::Result<Vec<u8>> {
        Ok(self.reader.fill_buf()?.to_vec())
    }

    /// Everything not read yet; `false` (and `buf` cut short) when that
    /// is more than the cap.
    pub fn read_rest(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        let room = self.max_record.saturating_sub(buf.len()).saturating_add(1) as u64;
        let n = (&mut self.reader).take(room).read_to_end(buf)?;
        self.bytes_read += n as u64;
        Ok(buf.len() <= self.max_record)
    }
}

struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

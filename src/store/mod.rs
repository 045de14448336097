//! The only code that touches sled. One tree holds every keyspace under a
//! one-byte prefix, so that a batch of traces, their steps, their index
//! entries and the counters land in a single atomic `apply_batch`.

mod codec;
pub mod filter_syntax;
mod harnesses;
mod keys;
mod migrate;
mod pending;
pub mod query;
mod read;
mod stats;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use thiserror::Error;

pub use query::{SortKey, TraceFilter, TraceQuery};
pub use stats::{GroupStats, StoreStats};
pub use write::BatchResult;

/// The store schema this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the store at {path} is in use by another tackroom process (close it and retry; to watch traces arrive while receiving them, run `tackroom open --listen ADDR` instead of `tackroom collect`)")]
    Locked { path: PathBuf },
    #[error("cannot open the store at {path}: {source}")]
    Open { path: PathBuf, source: sled::Error },
    #[error("the store at {path} has schema version {found}, newer than this tackroom ({supported}); upgrade tackroom")]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("store I/O failed: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt record under key {key}: {message}")]
    Corrupt { key: String, message: String },
    #[error("no trace with id {0:?} in the store")]
    UnknownTrace(String),
    #[error("{} traces have ids starting with {prefix:?} (e.g. {}); give more of the id", if *count >= 100 { "100 or more".to_owned() } else { count.to_string() }, examples.join(", "))]
    AmbiguousTrace {
        prefix: String,
        count: usize,
        examples: Vec<String>,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A handle on an open store. Cheap to clone; sled handles are shared.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    tree: sled::Tree,
    path: PathBuf,
    /// Serialises writers: counters are read-modify-write inside a batch.
    writer: Arc<Mutex<()>>,
}

impl Store {
    /// Opens (creating if needed) the store in `dir` and migrates it.
    pub fn open(dir: &Path) -> Result<Self> {
        let db = sled::Config::new()
            .path(dir)
            .flush_every_ms(Some(500))
            .open()
            .map_err(|source| classify_open_error(dir, source))?;
        let tree = db.open_tree("tackroom")?;
        let store = Store {
            db,
            tree,
            path: dir.to_path_buf(),
            writer: Arc::new(Mutex::new(())),
        };
        migrate::migrate(&store)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes on disk, as sled reports them.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    /// Forces everything written so far to disk.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }
}

fn classify_open_error(dir: &Path, source: sled::Error) -> StoreError {
    let locked = matches!(&source, sled::Error::Io(e)
        if e.kind() == std::io::ErrorKind::WouldBlock
            || e.to_string().contains("lock"));
    if locked {
        StoreError::Locked {
            path: dir.to_path_buf(),
        }
    } else {
        StoreError::Open {
            path: dir.to_path_buf(),
            source,
        }
    }
}

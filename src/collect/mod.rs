//! The live receiver: OTLP/HTTP, LangSmith and Langfuse ingestion endpoints
//! in one server. Received pieces are written to the store as they arrive
//! (so a restart loses nothing) and assembled into a trace when its root
//! span or run ends, or after a quiet period.

mod routes;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::ingest::assembled::{attach_late_logs, store_assembled};
use crate::ingest::decode::checked;
use crate::ingest::spans::pool::{apply_score, PieceKeys};
use crate::ingest::spans::{Score, SpanPool};
use crate::store::{Store, StoreError};

pub use routes::router;

pub use crate::ingest::spans::pool::Piece;

#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// A trace with no news for this long is assembled even without its root.
    pub quiet: Duration,
    /// Request bodies larger than this (also after gzip) get 413.
    pub max_body: usize,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            quiet: Duration::from_secs(10),
            max_body: 16 << 20,
        }
    }
}

/// A trace the receiver stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTrace {
    pub id: String,
    pub steps: usize,
    pub format: String,
    pub new: bool,
    /// An already stored trace gained late spans or runs.
    pub merged: bool,
}

struct OpenTrace {
    last_seen: Instant,
    complete: bool,
}

pub struct Collector {
    store: Store,
    pub options: CollectOptions,
    open: Mutex<HashMap<String, OpenTrace>>,
    keys: PieceKeys,
    scores: Mutex<Vec<Score>>,
    on_stored: Box<dyn Fn(&StoredTrace) + Send + Sync>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Collector {
    /// A receiver on `store`; traces left pending by an earlier run are
    /// picked up again.
    pub fn new(
        store: Store,
        options: CollectOptions,
        on_stored: Box<dyn Fn(&StoredTrace) + Send + Sync>,
    ) -> Result<Arc<Self>, StoreError> {
        let now = Instant::now();
        let open = store
            .pending_trace_ids()?
            .into_iter()
            .map(|id| {
                (
                    id,
                    OpenTrace {
                        last_seen: now,
                        complete: false,
                    },
                )
            })
            .collect();
        Ok(Arc::new(Collector {
            store,
            options,
            open: Mutex::new(open),
            keys: PieceKeys::default(),
            scores: Mutex::default(),
            on_stored,
        }))
    }

    /// Stores received pieces, then assembles the traces they completed.
    pub fn receive(&self, pieces: Vec<Piece>) -> Result<Vec<StoredTrace>, StoreError> {
        let mut by_trace: HashMap<String, Vec<(String, Piece)>> = HashMap::new();
        let mut completed = Vec::new();
        for piece in pieces {
            let (trace_id, key, completes) = self.keys.place(&piece);
            if completes {
                completed.push(trace_id.clone());
            }
            by_trace.entry(trace_id).or_default().push((key, piece));
        }
        let now = Instant::now();
        for (trace_id, items) in &by_trace {
            self.store.put_pending(trace_id, items)?;
            let mut open = lock(&self.open);
            let entry = open.entry(trace_id.clone()).or_insert(OpenTrace {
                last_seen: now,
                complete: false,
            });
            entry.last_seen = now;
        }
        let mut stored = Vec::new();
        for trace_id in completed {
            if let Some(t) = lock(&self.open).get_mut(&trace_id) {
                t.complete = true;
            }
            stored.extend(self.assemble(&trace_id)?);
        }
        Ok(stored)
    }

    /// The trace a piece belongs to, its item key, and whether it ends the trace.
    /// LangSmith feedback: scores that may name a run rather than its
    /// trace; runs seen by this receiver are mapped to their trace.
    pub fn receive_feedback(&self, mut scores: Vec<Score>) -> Result<usize, StoreError> {
        for score in &mut scores {
            if let Some(trace) = self.keys.trace_of_run(&score.trace_id) {
                score.trace_id = trace;
            }
        }
        self.receive_scores(scores)
    }

    /// Applies scores to stored traces, keeping the rest for later.
    pub fn receive_scores(&self, scores: Vec<Score>) -> Result<usize, StoreError> {
        let mut applied = 0;
        for score in scores {
            let outcome = if score.value >= 0.5 {
                crate::model::OutcomeLabel::Success
            } else {
                crate::model::OutcomeLabel::Failure
            };
            let provenance = crate::model::LabelProvenance {
                by: format!("{}:{}", score.source, score.name),
                at: None,
                note: None,
            };
            match self
                .store
                .set_outcome(&score.trace_id, outcome, Some(score.value), provenance)
            {
                Ok(()) => applied += 1,
                Err(StoreError::UnknownTrace(_)) => lock(&self.scores).push(score),
                Err(e) => return Err(e),
            }
        }
        Ok(applied)
    }

    /// Assembles traces that have been quiet for the quiet period.
    pub fn flush_idle(&self) -> Result<Vec<StoredTrace>, StoreError> {
        let quiet: Vec<String> = lock(&self.open)
            .iter()
            .filter(|(_, t)| t.complete || t.last_seen.elapsed() >= self.options.quiet)
            .map(|(id, _)| id.clone())
            .collect();
        let mut stored = Vec::new();
        for id in quiet {
            stored.extend(self.assemble(&id)?);
        }
        Ok(stored)
    }

    /// Assembles one trace from its stored pieces and stores it.
    fn assemble(&self, trace_id: &str) -> Result<Option<StoredTrace>, StoreError> {
        let pieces: Vec<Piece> = self.store.pending(trace_id)?;
        lock(&self.open).remove(trace_id);
        if pieces.is_empty() {
            return Ok(None);
        }
        let mut pool = SpanPool::from_pieces(pieces);
        // Log events for a trace stored earlier (their spans came first).
        let orphans = pool.take_orphan_logs();
        if !orphans.is_empty() {
            let (merged, _) = attach_late_logs(&self.store, orphans)?;
            if merged > 0 {
                let steps = self.store.summary(trace_id)?.steps as usize;
                let stored = StoredTrace {
                    id: trace_id.to_owned(),
                    steps,
                    format: "otlp log events".into(),
                    new: false,
                    merged: true,
                };
                (self.on_stored)(&stored);
            }
        }
        let (traces, _) = pool.assemble();
        let mut result = None;
        for mut trace in traces {
            let mut scores = lock(&self.scores);
            scores.retain(|s| {
                let mine = s.trace_id == trace.id;
                if mine {
                    apply_score(&mut trace, s);
                }
                !mine
            });
            drop(scores);
            let format = trace
                .source
                .as_ref()
                .map(|s| s.format.clone())
                .unwrap_or_default();
            match checked(trace) {
                Ok(trace) => {
                    // Spans that come after the rest was assembled merge in.
                    let outcome = store_assembled(&self.store, std::slice::from_ref(&trace))?;
                    let stored = StoredTrace {
                        id: trace.id.clone(),
                        steps: trace.steps.len(),
                        format,
                        new: outcome.inserted == 1,
                        merged: outcome.updated == 1,
                    };
                    (self.on_stored)(&stored);
                    result = Some(stored);
                }
                Err(e) => {
                    tracing::warn!(trace = trace_id, error = %e.message, "received trace is invalid; dropped")
                }
            }
        }
        self.store.clear_pending(trace_id)?;
        Ok(result)
    }
}

/// Serves until `shutdown` resolves; flushes quiet traces every second.
pub async fn serve(
    collector: Arc<Collector>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let flusher = collector.clone();
    let ticker = tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        loop {
            interval.tick().await;
            let c = flusher.clone();
            let _ = tokio::task::spawn_blocking(move || c.flush_idle()).await;
        }
    });
    let result = axum::serve(
        listener,
        router(collector).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    ticker.abort();
    result
}

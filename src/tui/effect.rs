//! Work the UI asks for (effects) and what comes back (messages). `update`
//! returns effects; workers run them off the UI thread and answer with a
//! message tagged by request id, so stale answers can be dropped.

use std::path::PathBuf;
use std::sync::Arc;

use crate::analyze::clusters::Cluster;
use crate::ingest::ImportReport;
use crate::model::{Attribution, HumanLabel, OutcomeLabel, Trace, TraceSummary};
use crate::store::query::Cursor;
use crate::store::{SortKey, TraceFilter};

pub type RequestId = u64;

/// Where a page of the trace list starts, in list order.
#[derive(Debug, Clone, PartialEq)]
pub enum Anchor {
    Head,
    Tail,
    After(Cursor),
    Before(Cursor),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadPage {
        request: RequestId,
        filter: TraceFilter,
        newest_first: bool,
        anchor: Anchor,
        limit: usize,
    },
    LoadSorted {
        request: RequestId,
        filter: TraceFilter,
        sort: SortKey,
        descending: bool,
        limit: usize,
    },
    Count {
        request: RequestId,
        filter: TraceFilter,
    },
    LoadTrace {
        request: RequestId,
        trace_id: String,
    },
    SetOutcome {
        trace_id: String,
        outcome: OutcomeLabel,
    },
    ImportSamples {
        path: PathBuf,
    },
    /// Summaries of the given traces, in the given order (a cluster's).
    LoadSummaries {
        request: RequestId,
        ids: Vec<String>,
    },
    LoadClusters {
        request: RequestId,
    },
    /// Run the rules engine over every failed trace.
    AttributeAll,
    /// Ask the configured model (the LLM engine) about one trace.
    AskModel {
        trace_id: String,
    },
    SaveHumanLabel(HumanLabel),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    Quit,
}

#[derive(Debug, Clone)]
pub enum Msg {
    PageLoaded {
        request: RequestId,
        anchor: Anchor,
        rows: Vec<(Cursor, TraceSummary)>,
        exhausted: bool,
    },
    SortedLoaded {
        request: RequestId,
        rows: Vec<TraceSummary>,
    },
    Counted {
        request: RequestId,
        count: u64,
    },
    TraceLoaded {
        request: RequestId,
        trace: Arc<Trace>,
        attributions: Vec<Attribution>,
        human: Option<HumanLabel>,
        /// Harness assertions the trace breaks, as sentences.
        violations: Vec<String>,
    },
    ClustersLoaded {
        request: RequestId,
        clusters: Vec<Cluster>,
    },
    Attributed {
        count: usize,
    },
    /// The LLM engine's verdict on one trace, or why there is none.
    ModelAnswered {
        trace_id: String,
        engine: String,
        answer: Result<Attribution, String>,
    },
    HumanLabelSaved(HumanLabel),
    Labelled {
        trace_id: String,
        outcome: OutcomeLabel,
    },
    Imported(ImportReport),
    /// The live receiver stored (or merged into) a trace.
    LiveStored {
        trace_id: String,
    },
    /// A worker failed; shown in the status bar.
    Failed {
        request: Option<RequestId>,
        message: String,
    },
}

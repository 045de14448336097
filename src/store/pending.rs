//! Pieces of traces received live (spans, log events, runs) kept until
//! their trace is complete, so that a restart of the receiver loses nothing.

use std::collections::BTreeSet;

use serde::{de::DeserializeOwned, Serialize};

use super::{codec, keys, Result, Store};

impl Store {
    /// Stores received items of one trace; `items` are `(item key, value)`.
    /// Storing an item key again replaces it (re-sent batches).
    pub fn put_pending<T: Serialize>(&self, trace_id: &str, items: &[(String, T)]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (item, value) in items {
            batch.insert(keys::pending_item(trace_id, item), codec::encode(value));
        }
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// Stores the items of many traces in one atomic batch:
    /// `(trace id, item key, value)`.
    pub fn put_pending_many<T: Serialize>(&self, items: &[(String, String, T)]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (trace_id, item, value) in items {
            batch.insert(keys::pending_item(trace_id, item), codec::encode(value));
        }
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// The items received for a trace.
    pub fn pending<T: DeserializeOwned>(&self, trace_id: &str) -> Result<Vec<T>> {
        self.tree
            .scan_prefix(keys::pending_prefix(trace_id))
            .map(|entry| {
                let (key, bytes) = entry?;
                codec::decode(&key, &bytes)
            })
            .collect()
    }

    /// Drops a trace's received items once it is stored.
    pub fn clear_pending(&self, trace_id: &str) -> Result<()> {
        let mut batch = sled::Batch::default();
        for entry in self.tree.scan_prefix(keys::pending_prefix(trace_id)) {
            batch.remove(entry?.0);
        }
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// Trace ids with received items not yet assembled (after a restart).
    pub fn pending_trace_ids(&self) -> Result<BTreeSet<String>> {
        let mut ids = BTreeSet::new();
        for entry in self.tree.scan_prefix([keys::PENDING]) {
            let (key, _) = entry?;
            let rest = &key[1..];
            if let Some(end) = rest.iter().position(|b| *b == 0) {
                ids.insert(String::from_utf8_lossy(&rest[..end]).into_owned());
            }
        }
        Ok(ids)
    }
}

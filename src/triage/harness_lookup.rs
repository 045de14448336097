//! Finds the harness a trace ran under: a file given on the command line
//! for its agent, else the stored version its `harness_version` names.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::model::{Harness, Trace};
use crate::store::{Store, StoreError};

#[derive(Default)]
pub struct HarnessLookup {
    /// Harnesses given explicitly, by agent.
    by_agent: HashMap<String, Harness>,
    /// Stored versions already read, by version id.
    cache: Mutex<HashMap<String, Option<Harness>>>,
}

impl HarnessLookup {
    pub fn with_files(harnesses: Vec<Harness>) -> Self {
        HarnessLookup {
            by_agent: harnesses
                .into_iter()
                .map(|h| (h.agent.clone(), h))
                .collect(),
            cache: Mutex::default(),
        }
    }

    pub fn for_trace(&self, store: &Store, trace: &Trace) -> Result<Option<Harness>, StoreError> {
        if let Some(h) = self.by_agent.get(&trace.agent) {
            return Ok(Some(h.clone()));
        }
        let Some(version) = &trace.harness_version else {
            return Ok(None);
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(version) {
            return Ok(found.clone());
        }
        let found = store.harness_version(version)?.map(|v| v.harness);
        cache.insert(version.clone(), found.clone());
        Ok(found)
    }
}

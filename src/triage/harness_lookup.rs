//! Finds the harness a trace ran under: a file given on the command line
//! for its agent, else the stored version its `harness_version` names, else
//! (for traces that name no version, as most imported ones do) the agent's
//! newest deployed stored version.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::model::{Harness, HarnessVersion, Trace, VersionStatus};
use crate::store::{Store, StoreError};

#[derive(Default)]
pub struct HarnessLookup {
    /// Harnesses given explicitly, by agent.
    by_agent: HashMap<String, Harness>,
    /// Stored versions already read, by version id.
    cache: Mutex<HashMap<String, Option<Harness>>>,
    /// The fallback already chosen for traces without a version, by agent.
    agent_cache: Mutex<HashMap<String, Option<Harness>>>,
}

impl HarnessLookup {
    pub fn with_files(harnesses: Vec<Harness>) -> Self {
        HarnessLookup {
            by_agent: harnesses
                .into_iter()
                .map(|h| (h.agent.clone(), h))
                .collect(),
            ..HarnessLookup::default()
        }
    }

    pub fn for_trace(&self, store: &Store, trace: &Trace) -> Result<Option<Harness>, StoreError> {
        if let Some(h) = self.by_agent.get(&trace.agent) {
            return Ok(Some(h.clone()));
        }
        let Some(version) = &trace.harness_version else {
            return self.for_agent(store, &trace.agent);
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(version) {
            return Ok(found.clone());
        }
        let found = store.harness_version(version)?.map(|v| v.harness);
        cache.insert(version.clone(), found.clone());
        Ok(found)
    }

    fn for_agent(&self, store: &Store, agent: &str) -> Result<Option<Harness>, StoreError> {
        let mut cache = self.agent_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(agent) {
            return Ok(found.clone());
        }
        let found = newest_for_agent(store.harness_versions()?, agent).map(|v| v.harness);
        cache.insert(agent.to_owned(), found.clone());
        Ok(found)
    }
}

/// The newest deployed version of the agent's harness, else its newest.
fn newest_for_agent(versions: Vec<HarnessVersion>, agent: &str) -> Option<HarnessVersion> {
    let mut own: Vec<HarnessVersion> = versions.into_iter().filter(|v| v.agent == agent).collect();
    let deployed = own
        .iter()
        .rposition(|v| v.status == VersionStatus::Deployed);
    match deployed {
        Some(i) => Some(own.swap_remove(i)),
        None => own.pop(),
    }
}

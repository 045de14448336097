//! Harness versions, content-addressed: storing the same version twice
//! keeps the first record (its author, time and evidence).

use super::{codec, keys, Result, Store};
use crate::model::HarnessVersion;

impl Store {
    /// Stores a version unless one with the same id exists; returns whether
    /// it was new.
    pub fn put_harness_version(&self, version: &HarnessVersion) -> Result<bool> {
        let key = keys::harness_version(&version.id);
        let inserted = self
            .tree
            .compare_and_swap(&key, None as Option<&[u8]>, Some(codec::encode(version)))?
            .is_ok();
        Ok(inserted)
    }

    pub fn harness_version(&self, id: &str) -> Result<Option<HarnessVersion>> {
        let key = keys::harness_version(id);
        self.tree
            .get(&key)?
            .map(|bytes| codec::decode(&key, &bytes))
            .transpose()
    }

    /// Every stored version, oldest first.
    pub fn harness_versions(&self) -> Result<Vec<HarnessVersion>> {
        let mut versions: Vec<HarnessVersion> = self
            .tree
            .scan_prefix([keys::HARNESS_VERSION])
            .map(|entry| {
                let (key, bytes) = entry?;
                codec::decode(&key, &bytes)
            })
            .collect::<Result<_>>()?;
        versions.sort_by_key(|v| v.created_at);
        Ok(versions)
    }
}

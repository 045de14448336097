//! Schema versioning. A new store is stamped with [`SCHEMA_VERSION`]; an
//! older one is upgraded step by step, each step one atomic batch.

use super::{keys, Result, Store, StoreError, SCHEMA_VERSION};

const VERSION_KEY: &str = "schema_version";

pub fn migrate(store: &Store) -> Result<()> {
    let key = keys::meta(VERSION_KEY);
    let found = match store.tree.get(&key)? {
        Some(bytes) => super::codec::decode::<u32>(&key, &bytes)?,
        None if store.tree.is_empty() => {
            store
                .tree
                .insert(&key, super::codec::encode(&SCHEMA_VERSION))?;
            return Ok(());
        }
        // Data without a version predates versioning: treat it as version 1.
        None => 1,
    };
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: store.path.clone(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    // Future steps go here: `if found < 2 { upgrade_1_to_2(store)?; }`,
    // each writing its data and the new version in one batch.
    if found < SCHEMA_VERSION {
        store
            .tree
            .insert(&key, super::codec::encode(&SCHEMA_VERSION))?;
    }
    Ok(())
}

pub fn schema_version(store: &Store) -> Result<u32> {
    let key = keys::meta(VERSION_KEY);
    match store.tree.get(&key)? {
        Some(bytes) => super::codec::decode(&key, &bytes),
        None => Ok(SCHEMA_VERSION),
    }
}

//! Key layout. Every key starts with a keyspace byte; parts are separated
//! by NUL (ids and index values are validated to hold none).
//!
//! | prefix | key                                  | value            |
//! |--------|--------------------------------------|------------------|
//! | `M`    | `M<name>`                            | meta (schema)    |
//! | `S`    | `S<trace id>`                        | TraceSummary     |
//! | `H`    | `H<trace id>`                        | trace header     |
//! | `P`    | `P<trace id>\0<chunk u32 BE>`        | up to 64 Steps   |
//! | `I`    | `I<field>\0<value>\0<time 8B><id>`   | empty            |
//! | `C`    | `C<counter name>`                    | u64 BE           |
//! | `A`    | `A<trace id>\0<engine>`              | Attribution      |
//! | `L`    | `L<trace id>`                        | HumanLabel       |
//! | `V`    | `V<harness version id>`              | HarnessVersion   |
//! | `R`    | `R<trace id>\0<item key>`            | pending span/run |
//!
//! Reserved for the roadmap (`docs/data-model.md`): `G` proposals, `E` eval
//! runs and their per-task results, `U` the hash-chained audit log.
//!
//! Index entries sort by time within one value, so a filtered list reads
//! in time order straight off the index.

use chrono::{DateTime, Utc};

pub const META: u8 = b'M';
pub const SUMMARY: u8 = b'S';
pub const HEADER: u8 = b'H';
pub const STEP: u8 = b'P';
pub const INDEX: u8 = b'I';
pub const COUNTER: u8 = b'C';
pub const ATTRIBUTION: u8 = b'A';
pub const HUMAN_LABEL: u8 = b'L';
pub const HARNESS_VERSION: u8 = b'V';
pub const PENDING: u8 = b'R';

pub fn meta(name: &str) -> Vec<u8> {
    prefixed(META, &[name.as_bytes()])
}

pub fn summary(trace_id: &str) -> Vec<u8> {
    prefixed(SUMMARY, &[trace_id.as_bytes()])
}

pub fn header(trace_id: &str) -> Vec<u8> {
    prefixed(HEADER, &[trace_id.as_bytes()])
}

/// Steps are stored in chunks of this many, in execution order: one key
/// per step costs sled more than the steps themselves.
pub const STEPS_PER_CHUNK: usize = 64;

pub fn step_chunk(trace_id: &str, chunk: u32) -> Vec<u8> {
    let mut key = steps_prefix(trace_id);
    key.extend_from_slice(&chunk.to_be_bytes());
    key
}

pub fn steps_prefix(trace_id: &str) -> Vec<u8> {
    let mut key = prefixed(STEP, &[trace_id.as_bytes()]);
    key.push(0);
    key
}

/// The prefix of every index entry of `field` = `value`.
pub fn index_prefix(field: &str, value: &str) -> Vec<u8> {
    let mut key = prefixed(INDEX, &[field.as_bytes(), value.as_bytes()]);
    key.push(0);
    key
}

pub fn index_entry(field: &str, value: &str, at: DateTime<Utc>, trace_id: &str) -> Vec<u8> {
    let mut key = index_prefix(field, value);
    key.extend_from_slice(&encode_time(at));
    key.extend_from_slice(trace_id.as_bytes());
    key
}

/// The trace id at the end of an index entry under `prefix`.
pub fn trace_id_of_index_entry(key: &[u8], prefix_len: usize) -> Option<&str> {
    std::str::from_utf8(key.get(prefix_len + 8..)?).ok()
}

pub fn counter(name: &str) -> Vec<u8> {
    prefixed(COUNTER, &[name.as_bytes()])
}

pub fn attribution(trace_id: &str, engine: &str) -> Vec<u8> {
    prefixed(ATTRIBUTION, &[trace_id.as_bytes(), engine.as_bytes()])
}

pub fn attributions_prefix(trace_id: &str) -> Vec<u8> {
    let mut key = prefixed(ATTRIBUTION, &[trace_id.as_bytes()]);
    key.push(0);
    key
}

pub fn pending_item(trace_id: &str, item: &str) -> Vec<u8> {
    prefixed(PENDING, &[trace_id.as_bytes(), item.as_bytes()])
}

pub fn pending_prefix(trace_id: &str) -> Vec<u8> {
    let mut key = prefixed(PENDING, &[trace_id.as_bytes()]);
    key.push(0);
    key
}

pub fn harness_version(id: &str) -> Vec<u8> {
    prefixed(HARNESS_VERSION, &[id.as_bytes()])
}

pub fn human_label(trace_id: &str) -> Vec<u8> {
    prefixed(HUMAN_LABEL, &[trace_id.as_bytes()])
}

/// Milliseconds since the epoch, sign bit flipped so byte order is time order.
pub fn encode_time(at: DateTime<Utc>) -> [u8; 8] {
    ((at.timestamp_millis() as u64) ^ (1 << 63)).to_be_bytes()
}

fn prefixed(space: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = 1 + parts.iter().map(|p| p.len() + 1).sum::<usize>();
    let mut key = Vec::with_capacity(len);
    key.push(space);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push(0);
        }
        key.extend_from_slice(part);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_encoding_sorts_like_time() {
        let early = DateTime::from_timestamp_millis(-5).unwrap();
        let late = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        assert!(encode_time(early) < encode_time(late));
    }

    #[test]
    fn index_entry_round_trips_trace_id() {
        let at = DateTime::from_timestamp_millis(42).unwrap();
        let key = index_entry("agent", "support", at, "t-1");
        let prefix = index_prefix("agent", "support");
        assert_eq!(trace_id_of_index_entry(&key, prefix.len()), Some("t-1"));
    }
}

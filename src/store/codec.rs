//! Values are JSON: lossless for the free-form `serde_json::Value` fields
//! that binary formats such as bincode cannot round-trip.

use serde::{de::DeserializeOwned, Serialize};

use super::{Result, StoreError};

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

pub fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        key: String::from_utf8_lossy(key).replace('\0', "/"),
        message: e.to_string(),
    })
}

pub fn encode_count(count: u64) -> [u8; 8] {
    count.to_be_bytes()
}

pub fn decode_count(bytes: &[u8]) -> u64 {
    bytes.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

//! Values are JSON: lossless for the free-form `serde_json::Value` fields
//! that binary formats such as bincode cannot round-trip. Larger values are
//! LZ4-compressed behind a one-byte marker: agent traces repeat the chat
//! history in every LLM call and shrink several times over.

use serde::{de::DeserializeOwned, Serialize};

use super::{Result, StoreError};

/// First byte of a compressed value. Plain JSON never starts with it.
const LZ4: u8 = 0x01;
/// Values shorter than this are stored as plain JSON.
const COMPRESS_FROM: usize = 128;

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain data with string keys cannot fail.
    let json = serde_json::to_vec(value).unwrap_or_default();
    if json.len() < COMPRESS_FROM {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() / 3 + 8);
    out.push(LZ4);
    out.extend_from_slice(&lz4_flex::compress_prepend_size(&json));
    out
}

pub fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T> {
    let corrupt = |message: String| StoreError::Corrupt {
        key: String::from_utf8_lossy(key).replace('\0', "/"),
        message,
    };
    let json = match bytes.split_first() {
        Some((&LZ4, packed)) => std::borrow::Cow::Owned(
            lz4_flex::decompress_size_prepended(packed).map_err(|e| corrupt(e.to_string()))?,
        ),
        _ => std::borrow::Cow::Borrowed(bytes),
    };
    serde_json::from_slice(&json).map_err(|e| corrupt(e.to_string()))
}

pub fn encode_count(count: u64) -> [u8; 8] {
    count.to_be_bytes()
}

pub fn decode_count(bytes: &[u8]) -> u64 {
    bytes.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_stay_plain_and_large_ones_round_trip_compressed() {
        let small = encode(&"hi");
        assert_eq!(small, b"\"hi\"");
        let large: Vec<String> = vec!["the same chat history again".into(); 50];
        let bytes = encode(&large);
        assert_eq!(bytes[0], LZ4);
        assert!(bytes.len() < serde_json::to_vec(&large).unwrap().len() / 4);
        assert_eq!(decode::<Vec<String>>(b"k", &bytes).unwrap(), large);
    }

    #[test]
    fn damaged_values_are_reported_with_their_key() {
        let err = decode::<Vec<String>>(b"P\0t1", &[LZ4, 9, 9]).unwrap_err();
        assert!(
            err.to_string().starts_with("corrupt record under key P/t1"),
            "{err}"
        );
    }
}

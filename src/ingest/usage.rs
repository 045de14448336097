//! Token counts from the usage objects sources attach to model calls. Each
//! source names the fields its own way; callers list the names to try.

use serde_json::Value;

use crate::model::Tokens;

/// Input and output tokens: for each, the first of `input_keys` /
/// `output_keys` present as a number in `usage`, else 0.
pub fn tokens_from(usage: &Value, input_keys: &[&str], output_keys: &[&str]) -> Tokens {
    let first = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| usage.get(*k).and_then(Value::as_u64))
            .unwrap_or(0)
    };
    Tokens {
        input: first(input_keys),
        output: first(output_keys),
    }
}

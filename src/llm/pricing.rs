//! List prices per million tokens, for cost accounting. Unknown models
//! (local ones, new ones) have no cost rather than a wrong one.

use super::Usage;

/// `(model prefix, input $/Mtok, output $/Mtok)`; longest prefix wins.
const PRICES: &[(&str, f64, f64)] = &[
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4o", 2.50, 10.00),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1-nano", 0.10, 0.40),
    ("gpt-4.1", 2.00, 8.00),
    ("o4-mini", 1.10, 4.40),
    ("claude-3-5-haiku", 0.80, 4.00),
    ("claude-3-5-sonnet", 3.00, 15.00),
    ("claude-3-7-sonnet", 3.00, 15.00),
    ("claude-sonnet-4", 3.00, 15.00),
    ("claude-opus-4", 15.00, 75.00),
    ("claude-haiku-4", 1.00, 5.00),
];

pub fn cost_usd(model: &str, usage: Usage) -> Option<f64> {
    let (_, input, output) = PRICES
        .iter()
        .filter(|(prefix, _, _)| model.starts_with(prefix))
        .max_by_key(|(prefix, _, _)| prefix.len())?;
    Some((usage.input_tokens as f64 * input + usage.output_tokens as f64 * output) / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_unknown_models_cost_nothing_known() {
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 0,
        };
        assert_eq!(cost_usd("gpt-4o-mini-2024-07-18", usage), Some(0.15));
        assert_eq!(cost_usd("gpt-4o-2024-08-06", usage), Some(2.5));
        assert_eq!(cost_usd("llama3.1:8b", usage), None);
    }
}

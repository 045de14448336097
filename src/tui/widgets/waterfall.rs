//! A duration bar placed on the trace's time axis: where a step starts and
//! how long it runs, relative to the whole trace.

use chrono::{DateTime, Utc};

/// Start column and length (at least 1) of a bar `width` cells wide.
pub fn bar_span(
    trace_start: DateTime<Utc>,
    trace_ms: i64,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    width: usize,
) -> Option<(usize, usize)> {
    if width == 0 {
        return None;
    }
    let start = start?;
    let end = end.unwrap_or(start);
    let total = trace_ms.max(1) as f64;
    let from =
        ((start - trace_start).num_milliseconds().max(0) as f64 / total * width as f64) as usize;
    let from = from.min(width - 1);
    let len =
        (((end - start).num_milliseconds().max(0) as f64 / total) * width as f64).round() as usize;
    Some((from, len.clamp(1, width - from)))
}

/// The bar as text: spaces, then block characters.
pub fn bar_text(span: Option<(usize, usize)>, width: usize) -> String {
    let Some((from, len)) = span else {
        return " ".repeat(width);
    };
    let mut text = " ".repeat(from);
    text.push_str(&"█".repeat(len));
    text.push_str(&" ".repeat(width.saturating_sub(from + len)));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_sit_on_the_time_axis() {
        let t0 = DateTime::from_timestamp(0, 0).unwrap();
        let at = |ms| Some(t0 + chrono::Duration::milliseconds(ms));
        assert_eq!(bar_span(t0, 1000, at(0), at(500), 10), Some((0, 5)));
        assert_eq!(bar_span(t0, 1000, at(900), at(901), 10), Some((9, 1)));
        assert_eq!(bar_text(Some((2, 3)), 6), "  ███ ");
        assert_eq!(bar_span(t0, 1000, None, None, 10), None);
    }
}

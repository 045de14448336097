//! The text form of a trace filter, shared by the CLI flags and the UI's
//! filter bar: `outcome:failure agent:support error:timeout refund`.
//! Words without a `field:` prefix are free text.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::query::TraceFilter;
use crate::model::OutcomeLabel;

/// The field names the filter bar understands.
pub const FILTER_FIELDS: &[&str] = &[
    "outcome", "agent", "harness", "task", "error", "since", "until",
];

/// Parses `field:value` words and free text into a filter.
pub fn parse_filter(text: &str, now: DateTime<Utc>) -> Result<TraceFilter, String> {
    let mut filter = TraceFilter::default();
    let mut free = Vec::new();
    for word in text.split_whitespace() {
        let Some((field, value)) = word
            .split_once(':')
            .filter(|(f, _)| FILTER_FIELDS.contains(f))
        else {
            free.push(word);
            continue;
        };
        match field {
            "outcome" => filter.outcome = Some(parse_outcome(value)?),
            "agent" => filter.agent = Some(value.to_owned()),
            "harness" => filter.harness = Some(value.to_owned()),
            "task" => filter.task = Some(value.to_owned()),
            "error" => filter.error_type = Some(value.to_owned()),
            "since" => filter.since = Some(parse_time(value, now)?),
            _ => filter.until = Some(parse_time(value, now)?),
        }
    }
    if !free.is_empty() {
        filter.text = Some(free.join(" "));
    }
    Ok(filter)
}

pub fn parse_outcome(value: &str) -> Result<OutcomeLabel, String> {
    OutcomeLabel::parse(value)
        .ok_or_else(|| format!("outcome: expected success, failure or unknown, found {value:?}"))
}

/// RFC 3339 (`2026-11-01T12:00:00Z`), a date (`2026-11-01`), or an age
/// before `now` (`90m`, `24h`, `7d`).
pub fn parse_time(value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    let (number, unit) = value.split_at(value.len().saturating_sub(1));
    let amount: i64 = number.parse().map_err(|_| {
        format!("expected a time like 2026-11-01, 2026-11-01T12:00:00Z or 24h, found {value:?}")
    })?;
    let age = match unit {
        "m" => Duration::minutes(amount),
        "h" => Duration::hours(amount),
        "d" => Duration::days(amount),
        _ => return Err(format!("unknown time unit in {value:?}; use m, h or d")),
    };
    Ok(now - age)
}

/// The filter written back as text (for the UI's filter bar).
pub fn filter_text(filter: &TraceFilter) -> String {
    let mut words = Vec::new();
    if let Some(o) = filter.outcome {
        words.push(format!("outcome:{}", o.as_str()));
    }
    for (field, value) in [
        ("agent", &filter.agent),
        ("harness", &filter.harness),
        ("task", &filter.task),
        ("error", &filter.error_type),
    ] {
        if let Some(v) = value {
            words.push(format!("{field}:{v}"));
        }
    }
    if let Some(t) = filter.since {
        words.push(format!("since:{}", t.to_rfc3339()));
    }
    if let Some(t) = filter.until {
        words.push(format!("until:{}", t.to_rfc3339()));
    }
    if let Some(text) = &filter.text {
        words.push(text.clone());
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn fields_and_free_text() {
        let f = parse_filter("outcome:failure agent:support refund limit", now()).unwrap();
        assert_eq!(f.outcome, Some(OutcomeLabel::Failure));
        assert_eq!(f.agent.as_deref(), Some("support"));
        assert_eq!(f.text.as_deref(), Some("refund limit"));
        assert_eq!(parse_filter(&filter_text(&f), now()).unwrap(), f);
    }

    #[test]
    fn relative_and_absolute_times() {
        assert_eq!(
            parse_time("24h", now()).unwrap(),
            now() - Duration::hours(24)
        );
        assert_eq!(
            parse_time("2026-11-01", now()).unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert!(parse_time("soon", now()).is_err());
    }

    #[test]
    fn bad_outcome_says_what_is_expected() {
        let err = parse_filter("outcome:broken", now()).unwrap_err();
        assert!(
            err.contains("expected success, failure or unknown"),
            "{err}"
        );
    }
}

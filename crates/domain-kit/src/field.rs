//! Field-level validation: which field, and why; and the parsers of the
//! wire's strings (ids, instants, dates, free text).

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};

/// A field-level validation failure: which field, and why. The field is a
/// fixed name (`kvk_number`) or one built for an item of a list
/// (`candidates[3].payload.email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Cow<'static, str>,
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for FieldError {}

pub fn err(field: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// How many characters of a bad value an error message may quote.
pub const QUOTE_CHARS: usize = 24;

/// A bad value as an error message may show it: Debug-quoted, at most
/// [`QUOTE_CHARS`] characters, with the full length when it was cut
/// (`"xxxxxxxxxxxxxxxxxxxxxxxx"… (20000 characters)`). An error names the
/// field and the rule; it never echoes a whole value.
pub fn quote(s: &str) -> String {
    let n = s.chars().count();
    if n <= QUOTE_CHARS {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(QUOTE_CHARS).collect();
        format!("{head:?}… ({n} characters)")
    }
}

/// Instants on the wire: RFC 3339, UTC, microseconds.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An id on the wire: a UUID in any accepted spelling, returned hyphenated
/// and lower case (the form ids are stored in).
pub fn uuid(s: &str) -> Option<String> {
    uuid::Uuid::parse_str(s.trim())
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// An instant truncated to the microseconds both databases keep.
pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .expect("a truncated nanosecond is valid")
}

/// Required free text: trimmed, not empty, at most `max` characters, no
/// control characters.
pub fn text(field: &'static str, s: &str, max: usize) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(err(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(err(field, format!("must be at most {max} characters")));
    }
    if t.chars().any(char::is_control) {
        return Err(err(field, "must not contain control characters"));
    }
    Ok(t.to_owned())
}

/// Optional free text: empty is `None`, otherwise as [`text`].
pub fn optional_text(
    field: &'static str,
    s: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        text(field, s, max).map(Some)
    }
}

/// An instant that has happened: not in the future, and in 2000 or later
/// (where the calendar starts).
pub fn instant_in_range(
    field: &'static str,
    t: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, FieldError> {
    if t > now {
        return Err(err(
            field,
            format!("must not be in the future, got {}", timestamp(t)),
        ));
    }
    if chrono::Datelike::year(&t) < 2000 {
        return Err(err(
            field,
            format!("must be in 2000 or later, got {}", timestamp(t)),
        ));
    }
    Ok(t)
}

/// An id on the wire (any UUID spelling), returned in the stored form.
pub fn uuid_field(field: &'static str, s: &str) -> Result<String, FieldError> {
    uuid(s).ok_or_else(|| err(field, format!("must be a UUID, got {}", quote(s))))
}

/// An optional id: empty is `None`.
pub fn optional_uuid(field: &'static str, s: &str) -> Result<Option<String>, FieldError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        uuid_field(field, s).map(Some)
    }
}

/// An optional RFC 3339 instant, truncated to the microseconds the
/// databases keep: empty is `None`.
pub fn instant(field: &'static str, s: &str) -> Result<Option<DateTime<Utc>>, FieldError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| Some(truncate_micros(t.with_timezone(&Utc))))
        .map_err(|_| {
            err(
                field,
                format!(
                    "must be an RFC 3339 instant such as 2026-03-27T16:00:00+01:00, got {}",
                    quote(s)
                ),
            )
        })
}

/// A date `YYYY-MM-DD`.
pub fn date(field: &'static str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        err(
            field,
            format!("must be a date YYYY-MM-DD, got {}", quote(s)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_cuts_long_values_and_keeps_short_ones() {
        assert_eq!(quote("abc"), "\"abc\"");
        let q = quote(&"x".repeat(20_000));
        assert_eq!(q, format!("\"{}\"… (20000 characters)", "x".repeat(24)));
        // Characters, not bytes: a multi-byte value is cut on a boundary.
        assert!(quote(&"é".repeat(30)).starts_with(&format!("\"{}\"…", "é".repeat(24))));
    }

    #[test]
    fn parsers_name_the_field() {
        assert_eq!(
            uuid_field("id", "nope").unwrap_err().to_string(),
            "id: must be a UUID, got \"nope\""
        );
        assert_eq!(
            uuid_field("id", "6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap(),
            "6f9619ff-8b86-d011-b42d-00c04fc964ff"
        );
        assert!(text("t", "  ", 5).is_err());
        assert!(text("t", "abcdef", 5).is_err());
        assert!(text("t", "a\u{7}", 5).is_err());
        assert_eq!(optional_text("t", " ", 5).unwrap(), None);
        assert_eq!(date("d", "2026-02-30").unwrap_err().field, "d");
        let t = instant("at", "2026-03-27T16:00:00.1234567+01:00")
            .unwrap()
            .unwrap();
        assert_eq!(timestamp(t), "2026-03-27T15:00:00.123456Z");
        assert!(instant_in_range("at", t, t - chrono::Duration::seconds(1)).is_err());
    }
}

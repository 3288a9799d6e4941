//! Time as a person in the Netherlands reads it: every instant in
//! Europe/Amsterdam, in the reader's language ("ma 9 dec 2026 14:20", "Mon 9
//! Dec 2026 14:20"); a day deadline (the exclusive local midnight the legal
//! rules compute, `legal_time::period::end_of_day_exclusive`) as the day it
//! ends ("einde van vrijdag 28 november 2026"); UTC only in a `<time>`'s
//! `title` and `datetime`. Inputs are Amsterdam wall-clock time from a
//! `datetime-local` field; the hour that does not exist (clocks forward in
//! March) is refused with the reason, and the hour that happens twice
//! (clocks back in October) is read as its first occurrence, summer time,
//! as the field's help says. Pure: no IO.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Amsterdam;

use crate::i18n::{Lang, Tr};

const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const DAYS_NL: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
const DAYS_NL_SHORT: [&str; 7] = ["ma", "di", "wo", "do", "vr", "za", "zo"];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_NL_SHORT: [&str; 12] = [
    "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];

/// "ma 9 dec 2026" / "Mon 9 Dec 2026".
pub fn day(tr: Tr, d: NaiveDate) -> String {
    let (w, m) = (
        d.weekday().num_days_from_monday() as usize,
        d.month0() as usize,
    );
    match tr.0 {
        Lang::Nl => format!(
            "{} {} {} {}",
            DAYS_NL_SHORT[w],
            d.day(),
            MONTHS_NL_SHORT[m],
            d.year()
        ),
        Lang::En => format!(
            "{} {} {} {}",
            &DAYS_EN[w][..3],
            d.day(),
            &MONTHS_EN[m][..3],
            d.year()
        ),
    }
}

/// A month of the wire (`2026-11`) as "nov 2026" / "Nov 2026"; anything
/// else as it is.
pub fn month(tr: Tr, wire: &str) -> String {
    let Some(d) = NaiveDate::parse_from_str(&format!("{wire}-01"), "%Y-%m-%d").ok() else {
        return wire.to_owned();
    };
    let m = d.month0() as usize;
    match tr.0 {
        Lang::Nl => format!("{} {}", MONTHS_NL_SHORT[m], d.year()),
        Lang::En => format!("{} {}", &MONTHS_EN[m][..3], d.year()),
    }
}

/// "vrijdag 28 november 2026" / "Friday 28 November 2026".
pub fn day_long(tr: Tr, d: NaiveDate) -> String {
    let (w, m) = (
        d.weekday().num_days_from_monday() as usize,
        d.month0() as usize,
    );
    match tr.0 {
        Lang::Nl => format!("{} {} {} {}", DAYS_NL[w], d.day(), MONTHS_NL[m], d.year()),
        Lang::En => format!("{} {} {} {}", DAYS_EN[w], d.day(), MONTHS_EN[m], d.year()),
    }
}

/// "ma 9 dec 2026 14:20" / "Mon 9 Dec 2026 14:20", Amsterdam time.
pub fn instant(tr: Tr, t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Amsterdam);
    format!(
        "{} {:02}:{:02}",
        day(tr, l.date_naive()),
        l.hour(),
        l.minute()
    )
}

/// A deadline: an exclusive local midnight is the end of the day before
/// ("einde van vrijdag 28 november 2026", "end of Friday 28 November
/// 2026"); any other instant as [`instant`].
pub fn due(tr: Tr, t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Amsterdam);
    if l.hour() == 0 && l.minute() == 0 && l.second() == 0 && l.nanosecond() == 0 {
        let d = l.date_naive().pred_opt().unwrap_or(l.date_naive());
        format!("{} {}", tr.t("end of"), day_long(tr, d))
    } else {
        instant(tr, t)
    }
}

/// A service's sentence with its machine times read out: every RFC 3339
/// instant in it becomes [`due`] (a day deadline reads as its day) and
/// every plain date (`YYYY-MM-DD`) [`day`]. Everything else stays as
/// written.
pub fn humanize(tr: Tr, text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        // A machine time starts with an ASCII digit (so `i` is a char
        // boundary) at the start of a word.
        let starts_word = b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric());
        if starts_word && let Some((len, words)) = machine_time(tr, &text[i..]) {
            out.push_str(&text[copied..i]);
            out.push_str(&words);
            i += len;
            copied = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// The machine time at the start of `s`, if any: its length and its words.
fn machine_time(tr: Tr, s: &str) -> Option<(usize, String)> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|k| b.get(k).is_some_and(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return None;
    }
    if b.get(10) == Some(&b'T') {
        // The longest prefix that is an RFC 3339 instant.
        let end = s
            .char_indices()
            .map(|(k, c)| k + c.len_utf8())
            .take_while(|k| *k <= 40)
            .filter(|k| {
                s[..*k]
                    .bytes()
                    .all(|c| c.is_ascii_digit() || b"-:.TZ+".contains(&c))
            })
            .filter(|k| DateTime::parse_from_rfc3339(&s[..*k]).is_ok())
            .last()?;
        let t = DateTime::parse_from_rfc3339(&s[..end]).ok()?;
        return Some((end, due(tr, t.with_timezone(&Utc))));
    }
    if b.get(10).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let d = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").ok()?;
    Some((10, day(tr, d)))
}

/// The exact instant in UTC, for a `title` (shown on hover).
pub fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// An instant as a `datetime-local` value in Amsterdam time
/// (`2026-12-09T14:20`).
pub fn input_value(t: DateTime<Utc>) -> String {
    t.with_timezone(&Amsterdam)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Why a typed time was not taken, in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// Not `YYYY-MM-DDTHH:MM` (nor an RFC 3339 instant).
    Format,
    /// In the hour the clocks skip (last Sunday of March, 02:00 to 03:00).
    Skipped,
}

impl InputError {
    pub fn say(&self, tr: Tr) -> &'static str {
        match self {
            InputError::Format => tr.t("Give a date and a time, for example 09-12-2026 14:20."),
            InputError::Skipped => tr.t(
                "That time does not exist in Amsterdam: the clocks go forward from 02:00 to 03:00 that night. Give a time after 03:00 or before 02:00.",
            ),
        }
    }
}

/// A time typed in a `datetime-local` field, read as Amsterdam time. An
/// RFC 3339 instant (with its offset) is taken as it is. In the hour that
/// happens twice the first (summer time) is meant.
pub fn parse_input(s: &str) -> Result<DateTime<Utc>, InputError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or(InputError::Format)?;
    match Amsterdam.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(InputError::Skipped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn instants_read_in_amsterdam_in_either_language() {
        let t = utc("2026-12-09T13:20:00Z");
        assert_eq!(instant(Tr(Lang::Nl), t), "wo 9 dec 2026 14:20");
        assert_eq!(instant(Tr(Lang::En), t), "Wed 9 Dec 2026 14:20");
        // Summer time: two hours ahead.
        let s = utc("2026-07-01T08:05:00Z");
        assert_eq!(instant(Tr(Lang::Nl), s), "wo 1 jul 2026 10:05");
    }

    #[test]
    fn a_day_deadline_is_the_day_it_ends() {
        // The end of Friday 28 November in Amsterdam is 23:00 UTC.
        let end = utc("2026-11-28T23:00:00Z");
        assert_eq!(
            due(Tr(Lang::Nl), end),
            "einde van zaterdag 28 november 2026"
        );
        assert_eq!(due(Tr(Lang::En), end), "end of Saturday 28 November 2026");
        // In summer 22:00 UTC.
        let summer = utc("2026-06-30T22:00:00Z");
        assert_eq!(due(Tr(Lang::Nl), summer), "einde van dinsdag 30 juni 2026");
        // An hour deadline stays an instant.
        let hours = utc("2026-11-28T14:00:00Z");
        assert_eq!(due(Tr(Lang::En), hours), "Sat 28 Nov 2026 15:00");
    }

    #[test]
    fn machine_times_in_sentences_are_read_out() {
        let nl = Tr(Lang::Nl);
        assert_eq!(
            humanize(
                nl,
                "received 2026-10-28T10:05:00.000000Z; due 2026-11-28T23:00:00Z."
            ),
            "received wo 28 okt 2026 11:05; due einde van zaterdag 28 november 2026."
        );
        assert_eq!(
            humanize(Tr(Lang::En), "window closes 2026-12-01 (strict)"),
            "window closes Tue 1 Dec 2026 (strict)"
        );
        // Not times: left alone.
        for s in [
            "art. 33(3)",
            "ref 12026-10-28",
            "2026-13-01",
            "v2026-10-28",
            "",
        ] {
            assert_eq!(humanize(nl, s), s);
        }
    }

    #[test]
    fn typed_times_are_amsterdam_time_with_the_dst_hours_explained() {
        assert_eq!(
            parse_input("2026-12-09T14:20").unwrap(),
            utc("2026-12-09T13:20:00Z")
        );
        assert_eq!(
            parse_input("2026-07-01T10:05").unwrap(),
            utc("2026-07-01T08:05:00Z")
        );
        // RFC 3339 keeps its own offset.
        assert_eq!(
            parse_input("2026-12-09T14:20:00Z").unwrap(),
            utc("2026-12-09T14:20:00Z")
        );
        // 29 March 2026: 02:30 does not exist.
        assert_eq!(parse_input("2026-03-29T02:30"), Err(InputError::Skipped));
        // 25 October 2026: 02:30 happens twice; the first is summer time.
        assert_eq!(
            parse_input("2026-10-25T02:30").unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(parse_input("tomorrow"), Err(InputError::Format));
        assert_eq!(input_value(utc("2026-12-09T13:20:00Z")), "2026-12-09T14:20");
    }
}

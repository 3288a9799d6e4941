//! Europe/Amsterdam, right for every instant the catalogue can produce.
//!
//! The compiled zone data (chrono-tz) lists transitions only up to the end of
//! 2099; past its last transition it would keep the winter offset for ever,
//! so a deadline in June 2100 would read `+01:00`. [`Amsterdam`] uses the
//! compiled data where it has transitions (instants and wall-clock times in
//! years before [`RULE_FROM_YEAR`]) and from then on the EU summer-time rule
//! that the Netherlands applies (Directive 2000/84/EC art. 2 and 3): summer
//! time from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
//! Sunday of October, +02:00 (CEST), otherwise +01:00 (CET). A test checks that
//! the rule and the compiled data agree on every transition from 1996 to 2099.

use std::fmt;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset,
    TimeZone, Utc, Weekday,
};

/// From this year on (UTC year of the instant, or year of the wall-clock
/// time) the EU rule applies instead of the compiled data.
pub const RULE_FROM_YEAR: i32 = 2100;

const CET: i32 = 3600;
const CEST: i32 = 7200;

/// The Europe/Amsterdam time zone (use it as `t.with_timezone(&Amsterdam)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amsterdam;

/// The offset in force at an instant in Amsterdam; displays as `CET`/`CEST`
/// (or the numeric offset for the historical offsets before 1940).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmsterdamOffset(FixedOffset);

impl AmsterdamOffset {
    fn from_seconds(s: i32) -> Self {
        AmsterdamOffset(FixedOffset::east_opt(s).expect("offset within a day"))
    }
}

impl Offset for AmsterdamOffset {
    fn fix(&self) -> FixedOffset {
        self.0
    }
}

impl fmt::Display for AmsterdamOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.local_minus_utc() {
            CET => f.write_str("CET"),
            CEST => f.write_str("CEST"),
            _ => write!(f, "{}", self.0),
        }
    }
}

/// The last Sunday of a month (`month` 3 or 10) at 01:00 UTC.
fn last_sunday_0100_utc(year: i32, month: u32) -> NaiveDateTime {
    let first_next = NaiveDate::from_ymd_opt(year, month + 1, 1).expect("valid month");
    let mut d = first_next.pred_opt().expect("valid");
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().expect("valid");
    }
    d.and_hms_opt(1, 0, 0).expect("valid time")
}

/// The EU rule: the offset (seconds east of UTC) at a UTC instant.
pub fn eu_rule_offset(utc: &NaiveDateTime) -> i32 {
    let y = utc.year();
    if *utc >= last_sunday_0100_utc(y, 3) && *utc < last_sunday_0100_utc(y, 10) {
        CEST
    } else {
        CET
    }
}

fn compiled_offset(utc: &NaiveDateTime) -> i32 {
    chrono_tz::Europe::Amsterdam
        .offset_from_utc_datetime(utc)
        .fix()
        .local_minus_utc()
}

fn offset_seconds(utc: &NaiveDateTime) -> i32 {
    if utc.year() < RULE_FROM_YEAR {
        compiled_offset(utc)
    } else {
        eu_rule_offset(utc)
    }
}

impl TimeZone for Amsterdam {
    type Offset = AmsterdamOffset;

    fn from_offset(_offset: &AmsterdamOffset) -> Self {
        Amsterdam
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<AmsterdamOffset> {
        self.offset_from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<AmsterdamOffset> {
        if local.year() < RULE_FROM_YEAR {
            return chrono_tz::Europe::Amsterdam
                .offset_from_local_datetime(local)
                .map(|o| AmsterdamOffset::from_seconds(o.fix().local_minus_utc()));
        }
        // A wall-clock time is valid under an offset when the instant it names
        // has that offset. Summer time first: of two valid readings it is the
        // earlier instant.
        let valid: Vec<AmsterdamOffset> = [CEST, CET]
            .into_iter()
            .filter(|&o| eu_rule_offset(&(*local - Duration::seconds(i64::from(o)))) == o)
            .map(AmsterdamOffset::from_seconds)
            .collect();
        match valid.as_slice() {
            [one] => LocalResult::Single(*one),
            [earlier, later] => LocalResult::Ambiguous(*earlier, *later),
            _ => LocalResult::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> AmsterdamOffset {
        self.offset_from_utc_datetime(&utc.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> AmsterdamOffset {
        AmsterdamOffset::from_seconds(offset_seconds(utc))
    }
}

/// An instant as Amsterdam wall-clock time with its offset.
pub fn local(t: DateTime<Utc>) -> DateTime<Amsterdam> {
    t.with_timezone(&Amsterdam)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn summer_2100_is_cest() {
        let t = utc(2100, 6, 10, 22);
        assert_eq!(local(t).offset().fix().local_minus_utc(), CEST);
        assert_eq!(local(t).to_rfc3339(), "2100-06-11T00:00:00+02:00");
        // The compiled data alone would say winter time.
        assert_eq!(compiled_offset(&t.naive_utc()), CET);
    }

    #[test]
    fn the_rule_agrees_with_the_compiled_data_1996_to_2099() {
        for y in 1996..RULE_FROM_YEAR {
            for (m, d0) in [(3, 24), (10, 24)] {
                // Every hour of the last eight days of March and October.
                for h in 0..(8 * 24) {
                    let t = utc(y, m, d0, 0) + Duration::hours(h);
                    assert_eq!(
                        eu_rule_offset(&t.naive_utc()),
                        compiled_offset(&t.naive_utc()),
                        "{t}"
                    );
                }
            }
            for m in [1, 6, 12] {
                let t = utc(y, m, 15, 12);
                assert_eq!(
                    eu_rule_offset(&t.naive_utc()),
                    compiled_offset(&t.naive_utc())
                );
            }
        }
    }

    #[test]
    fn gaps_and_folds_after_the_compiled_data() {
        // 2100: last Sunday of March is 28 March, of October 31 October.
        let gap = NaiveDate::from_ymd_opt(2100, 3, 28)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            Amsterdam.offset_from_local_datetime(&gap),
            LocalResult::None
        );
        let fold = NaiveDate::from_ymd_opt(2100, 10, 31)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            Amsterdam.offset_from_local_datetime(&fold),
            LocalResult::Ambiguous(
                AmsterdamOffset::from_seconds(CEST),
                AmsterdamOffset::from_seconds(CET)
            )
        );
        let midnight = NaiveDate::from_ymd_opt(2100, 7, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let t = Amsterdam.from_local_datetime(&midnight).single().unwrap();
        assert_eq!(t.with_timezone(&Utc), utc(2100, 6, 30, 22));
        assert_eq!(format!("{}", t.format("%Z")), "CEST");
    }
}

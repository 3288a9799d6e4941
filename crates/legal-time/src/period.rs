//! Reg. (EEC, Euratom) 1182/71 period arithmetic, the roll to the next
//! working day, working-day and office-hour counting, and elapsed-hour clocks
//! (legal-rules.md C2–C4, C7, section G).

use crate::zone::Amsterdam;
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::calendar::Calendar;

/// The Europe/Amsterdam date of an instant (C1). The zone rules are compiled
/// into the binary (chrono-tz), so no system zoneinfo is needed.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Amsterdam).date_naive()
}

/// 00:00 Europe/Amsterdam at the start of `d`, as a UTC instant.
pub fn start_of_day(d: NaiveDate) -> DateTime<Utc> {
    local_instant(d, NaiveTime::MIN)
}

/// A wall-clock time on a day in Amsterdam, as UTC. Midnight, 09:00 and
/// 17:00 never fall in a DST gap or fold (changes happen at 02:00/03:00), but
/// should a time be ambiguous the earlier instant is taken, and a time in a
/// gap moves forward by the gap.
pub fn local_instant(d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    let naive = d.and_time(t);
    match Amsterdam.from_local_datetime(&naive) {
        chrono::LocalResult::Single(x) => x.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => Amsterdam
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .expect("one hour past a DST gap exists")
            .with_timezone(&Utc),
    }
}

/// C7: the first moment that is late for a period whose last day is `d`:
/// 00:00 Europe/Amsterdam of the following day.
pub fn end_of_day_exclusive(d: NaiveDate) -> DateTime<Utc> {
    start_of_day(d + Days::new(1))
}

/// Day period: the event day is not counted, the period ends at the end of day `d + n`.
pub fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d + Days::new(u64::from(n))
}

/// Week period: same weekday `n` weeks later.
pub fn add_weeks(d: NaiveDate, n: u32) -> NaiveDate {
    d + Days::new(7 * u64::from(n))
}

/// Outcome of a month addition: the end date, and whether the target day did
/// not exist in the end month so the period ended on the month's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthEnd {
    pub date: NaiveDate,
    pub clamped: bool,
}

/// Month period (Art. 3(2)(c), *Toeters*): the same date `n` months later, or
/// the last day of that month when the date does not exist. Never 30 days.
pub fn add_months(d: NaiveDate, n: u32) -> MonthEnd {
    let total = d.month0() + n;
    let year = d.year() + (total / 12) as i32;
    let month = total % 12 + 1;
    let last = last_day_of_month(year, month);
    let day = d.day().min(last);
    MonthEnd {
        date: NaiveDate::from_ymd_opt(year, month, day).expect("clamped day exists"),
        clamped: day != d.day(),
    }
}

/// A month period counted backwards from `d` (a notice period before the end
/// of a term): the same date `n` months earlier, or the last day of that
/// month when the date does not exist. Backward periods are never rolled.
pub fn sub_months(d: NaiveDate, n: u32) -> MonthEnd {
    let total = d.year() * 12 + d.month0() as i32 - n as i32;
    let year = total.div_euclid(12);
    let month = total.rem_euclid(12) as u32 + 1;
    let last = last_day_of_month(year, month);
    let day = d.day().min(last);
    MonthEnd {
        date: NaiveDate::from_ymd_opt(year, month, day).expect("clamped day exists"),
        clamped: day != d.day(),
    }
}

/// Year period: the same date `n` years later (29 February → 28 February).
pub fn add_years(d: NaiveDate, n: u32) -> MonthEnd {
    add_months(d, 12 * n)
}

pub fn last_day_of_month(year: i32, month: u32) -> u32 {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    first_next.expect("valid").pred_opt().expect("valid").day()
}

/// A roll (Art. 3(4)): the day the period ends after moving past non-working
/// days, and the days passed over with the reason for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roll {
    pub date: NaiveDate,
    pub skipped: Vec<(NaiveDate, String)>,
}

/// Moves a period end that falls on a Saturday, Sunday or holiday to the end
/// of the next working day.
pub fn roll_forward(d: NaiveDate, cal: Calendar) -> Roll {
    let mut date = d;
    let mut skipped = Vec::new();
    while let Some(why) = cal.non_working_reason(date) {
        skipped.push((date, why));
        date = date + Days::new(1);
    }
    Roll { date, skipped }
}

/// The `n`-th working day after `d` (the event day is not counted).
pub fn add_working_days(d: NaiveDate, n: u32, cal: Calendar) -> NaiveDate {
    let mut date = d;
    let mut k = 0;
    while k < n {
        date = date + Days::new(1);
        if cal.is_working_day(date) {
            k += 1;
        }
    }
    date
}

/// Counts working days in `(from, to]`.
pub fn working_days_between(from: NaiveDate, to: NaiveDate, cal: Calendar) -> u32 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d + Days::new(1);
        if cal.is_working_day(d) {
            n += 1;
        }
    }
    n
}

/// C2: an hour period is elapsed time on the UTC timeline, whatever the
/// local clock does across a DST change.
pub fn add_elapsed_hours(t: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    t + Duration::hours(i64::from(hours))
}

/// Office hours: Monday to Friday 09:00–17:00 Europe/Amsterdam, holidays of
/// the calendar excluded (seed 002 art. 2 and 5.5).
pub const OFFICE_OPEN: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => unreachable!(),
};
pub const OFFICE_CLOSE: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(t) => t,
    None => unreachable!(),
};

/// The instant at which `hours` office hours have passed since `start`, and
/// the non-working days passed over. Time before opening or after closing
/// does not count; a deadline that falls exactly at closing time stays there.
pub fn add_office_hours(
    start: DateTime<Utc>,
    hours: u32,
    cal: Calendar,
) -> (DateTime<Utc>, Vec<(NaiveDate, String)>) {
    let mut remaining = Duration::hours(i64::from(hours));
    let mut t = start;
    let mut skipped: Vec<(NaiveDate, String)> = Vec::new();
    loop {
        let day = local_date(t);
        if let Some(why) = cal.non_working_reason(day) {
            skipped.push((day, why));
            t = local_instant(day + Days::new(1), OFFICE_OPEN);
            continue;
        }
        let open = local_instant(day, OFFICE_OPEN);
        let close = local_instant(day, OFFICE_CLOSE);
        if t < open {
            t = open;
        }
        if t >= close {
            t = local_instant(day + Days::new(1), OFFICE_OPEN);
            continue;
        }
        let available = close - t;
        if remaining <= available {
            return (t + remaining, skipped);
        }
        remaining -= available;
        t = local_instant(day + Days::new(1), OFFICE_OPEN);
    }
}

/// Reg. 1182/71 art. 3(1) first subparagraph read literally for hours: the
/// hour of the event is not counted, so the period starts at the next full
/// hour (A9). Reported only as an outer bound, never scheduled on.
pub fn outer_bound_1182(t: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    use chrono::Timelike;
    let floor = t
        .with_minute(0)
        .and_then(|x| x.with_second(0))
        .and_then(|x| x.with_nanosecond(0))
        .expect("valid");
    floor + Duration::hours(1) + Duration::hours(i64::from(hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn months_follow_toeters_never_30_days() {
        // EDPB examples 32 and 33.
        assert_eq!(add_months(d(2026, 3, 5), 1).date, d(2026, 4, 5));
        assert_eq!(
            add_months(d(2026, 8, 31), 1),
            MonthEnd {
                date: d(2026, 9, 30),
                clamped: true
            }
        );
        // Not the pre-2019 UK method (5 March → 6 April).
        assert_ne!(add_months(d(2026, 3, 5), 1).date, d(2026, 4, 6));
        // Month ends and leap years.
        assert_eq!(add_months(d(2026, 1, 31), 1).date, d(2026, 2, 28));
        assert_eq!(add_months(d(2028, 1, 31), 1).date, d(2028, 2, 29));
        assert_eq!(
            add_months(d(2028, 1, 29), 1),
            MonthEnd {
                date: d(2028, 2, 29),
                clamped: false
            }
        );
        assert_eq!(add_months(d(2026, 1, 30), 1).date, d(2026, 2, 28));
        assert_eq!(
            add_months(d(2026, 2, 28), 1).date,
            d(2026, 3, 28),
            "28 Feb + 1 month is 28 March, not 31"
        );
        assert_eq!(add_months(d(2026, 11, 30), 3).date, d(2027, 2, 28));
        assert_eq!(add_months(d(2026, 12, 31), 2).date, d(2027, 2, 28));
        assert_eq!(add_years(d(2028, 2, 29), 1).date, d(2029, 2, 28));
        assert_eq!(add_years(d(2028, 2, 29), 4).date, d(2032, 2, 29));
    }

    #[test]
    fn days_and_weeks_exclude_the_event_day() {
        assert_eq!(add_days(d(2026, 3, 1), 14), d(2026, 3, 15));
        assert_eq!(add_weeks(d(2026, 6, 10), 4), d(2026, 7, 8));
        assert_eq!(add_days(d(2028, 2, 28), 1), d(2028, 2, 29));
    }

    #[test]
    fn roll_skips_weekends_and_each_holiday() {
        let r = roll_forward(d(2026, 4, 5), Calendar::NlAtw);
        assert_eq!(r.date, d(2026, 4, 7));
        assert_eq!(
            r.skipped,
            vec![
                (d(2026, 4, 5), "a Sunday".into()),
                (d(2026, 4, 6), "Tweede Paasdag".into())
            ]
        );
        assert_eq!(
            roll_forward(d(2026, 4, 3), Calendar::NlAtw).date,
            d(2026, 4, 7),
            "Good Friday weekend"
        );
        assert_eq!(
            roll_forward(d(2026, 12, 25), Calendar::NlAtw).date,
            d(2026, 12, 28)
        );
        assert_eq!(
            roll_forward(d(2026, 5, 14), Calendar::NlAtw).date,
            d(2026, 5, 15)
        );
        assert_eq!(
            roll_forward(d(2026, 5, 14), Calendar::NlAtwKb).date,
            d(2026, 5, 18),
            "KB bridge day"
        );
        assert_eq!(
            roll_forward(d(2026, 1, 1), Calendar::NlAtwKb).date,
            d(2026, 1, 5)
        );
        assert_eq!(
            roll_forward(d(2026, 5, 4), Calendar::NlAtw).date,
            d(2026, 5, 4),
            "a working day stays"
        );
    }

    #[test]
    fn working_days() {
        // Request on Tuesday 2026-03-24: 14 working days, Good Friday and Easter Monday excluded.
        assert_eq!(
            add_working_days(d(2026, 3, 24), 14, Calendar::NlAtw),
            d(2026, 4, 15)
        );
        assert_eq!(
            working_days_between(d(2026, 3, 24), d(2026, 4, 15), Calendar::NlAtw),
            14
        );
        // Over Christmas and New Year.
        assert_eq!(
            add_working_days(d(2026, 12, 23), 3, Calendar::NlAtw),
            d(2026, 12, 29)
        );
        assert_eq!(
            add_working_days(d(2026, 12, 23), 3, Calendar::NlAtwKb),
            d(2026, 12, 29)
        );
        assert_eq!(
            add_working_days(d(2025, 12, 31), 1, Calendar::NlAtwKb),
            d(2026, 1, 5)
        );
    }

    #[test]
    fn elapsed_hours_keep_utc_and_shift_local_time_across_dst() {
        // Spring forward 2026-03-29: 16:00 CET + 72 h = 17:00 CEST.
        let t = utc("2026-03-27T16:00:00+01:00");
        let due = add_elapsed_hours(t, 72);
        assert_eq!(due, utc("2026-03-30T17:00:00+02:00"));
        assert_eq!((due - t).num_seconds(), 259_200);
        // Fall back 2026-10-25: 16:00 CEST + 72 h = 15:00 CET.
        let t = utc("2026-10-23T16:00:00+02:00");
        assert_eq!(add_elapsed_hours(t, 72), utc("2026-10-26T15:00:00+01:00"));
    }

    #[test]
    fn end_of_day_is_local_midnight_in_either_season() {
        assert_eq!(
            end_of_day_exclusive(d(2026, 4, 5)),
            utc("2026-04-06T00:00:00+02:00")
        );
        assert_eq!(
            end_of_day_exclusive(d(2026, 1, 5)),
            utc("2026-01-06T00:00:00+01:00")
        );
        // The last day before the clocks go back is 25 hours long.
        assert_eq!(
            end_of_day_exclusive(d(2026, 10, 24)) - start_of_day(d(2026, 10, 24)),
            Duration::hours(24)
        );
        assert_eq!(
            end_of_day_exclusive(d(2026, 10, 25)) - start_of_day(d(2026, 10, 25)),
            Duration::hours(25)
        );
        assert_eq!(
            end_of_day_exclusive(d(2026, 3, 29)) - start_of_day(d(2026, 3, 29)),
            Duration::hours(23)
        );
    }

    #[test]
    fn office_hours() {
        // Friday 15:00 + 48 office hours: 2 h Fri, then Mon–Fri (Mon 9-17 = 8 h)...
        let (t, _) = add_office_hours(utc("2026-03-06T15:00:00+01:00"), 48, Calendar::NlAtw);
        // Fri 2h, Mon-Fri 5 days x 8h = 40h (42), next Mon 6h -> Mon 15:00.
        assert_eq!(t, utc("2026-03-16T15:00:00+01:00"));
        // Reported on Saturday: the clock starts Monday 09:00.
        let (t, _) = add_office_hours(utc("2026-03-07T11:00:00+01:00"), 8, Calendar::NlAtw);
        assert_eq!(
            t,
            utc("2026-03-09T17:00:00+01:00"),
            "a deadline at closing time stays at closing"
        );
        // Over Easter 2026 (Good Friday 3 April, Easter Monday 6 April) and DST (29 March).
        let (t, skipped) = add_office_hours(utc("2026-04-02T16:00:00+02:00"), 2, Calendar::NlAtw);
        assert_eq!(t, utc("2026-04-07T10:00:00+02:00"));
        let names: Vec<&str> = skipped.iter().map(|s| s.1.as_str()).collect();
        assert_eq!(
            names,
            ["Goede Vrijdag", "a Saturday", "a Sunday", "Tweede Paasdag"]
        );
        // Evening report counts from next morning.
        let (t, _) = add_office_hours(utc("2026-03-27T20:00:00+01:00"), 1, Calendar::NlAtw);
        assert_eq!(
            t,
            utc("2026-03-30T10:00:00+02:00"),
            "Friday evening → Monday 10:00 after the DST change"
        );
    }

    #[test]
    fn outer_bound_counts_from_the_next_full_hour() {
        assert_eq!(
            outer_bound_1182(utc("2026-03-27T16:20:00+01:00"), 72),
            utc("2026-03-30T18:00:00+02:00")
        );
    }
}

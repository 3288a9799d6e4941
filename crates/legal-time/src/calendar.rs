//! Dutch holiday calendars (legal-rules.md C5, C6 and section F).
//!
//! `NL-ATW` is the Algemene termijnenwet list: art. 3(1) plus Good Friday
//! (art. 3(2)), with 5 May every year. `NL-ATW+KB` adds the days equated by
//! royal decree that are known (2026–2028); for other years that profile has
//! no extra days, because no decree is known for them.

use chrono::{Datelike, NaiveDate, Weekday};

/// First and last year the calendars are defined for.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Calendar {
    /// Atw art. 3(1) and (2): the default.
    #[default]
    NlAtw,
    /// NL-ATW plus days equated by royal decree (Atw art. 3(3)).
    NlAtwKb,
}

impl Calendar {
    pub fn id(self) -> &'static str {
        match self {
            Calendar::NlAtw => "NL-ATW",
            Calendar::NlAtwKb => "NL-ATW+KB",
        }
    }

    pub fn parse(s: &str) -> Option<Calendar> {
        match s {
            "NL-ATW" => Some(Calendar::NlAtw),
            "NL-ATW+KB" => Some(Calendar::NlAtwKb),
            _ => None,
        }
    }

    /// The name of the holiday on `d`, if it is one in this calendar.
    pub fn holiday(self, d: NaiveDate) -> Option<&'static str> {
        let y = d.year();
        let easter = easter_sunday(y);
        let md = (d.month(), d.day());
        let named = match md {
            (1, 1) => Some("Nieuwjaarsdag"),
            (5, 5) => Some("Bevrijdingsdag"),
            (12, 25) => Some("Eerste Kerstdag"),
            (12, 26) => Some("Tweede Kerstdag"),
            _ => None,
        };
        if named.is_some() {
            return named;
        }
        if d == koningsdag(y) {
            return Some("Koningsdag");
        }
        let offset = (d - easter).num_days();
        let moving = match offset {
            -2 => Some("Goede Vrijdag"),
            1 => Some("Tweede Paasdag"),
            39 => Some("Hemelvaartsdag"),
            50 => Some("Tweede Pinksterdag"),
            _ => None,
        };
        if moving.is_some() {
            return moving;
        }
        if self == Calendar::NlAtwKb && KB_DAYS.contains(&(y, d.month(), d.day())) {
            return Some("day equated with a holiday by royal decree");
        }
        None
    }

    /// Reg. 1182/71 art. 2(2): not a Saturday, Sunday or holiday.
    pub fn is_working_day(self, d: NaiveDate) -> bool {
        !is_weekend(d) && self.holiday(d).is_none()
    }

    /// Why `d` is not a working day, in words ("a Sunday", "Tweede Paasdag").
    pub fn non_working_reason(self, d: NaiveDate) -> Option<String> {
        if let Some(h) = self.holiday(d) {
            return Some(h.to_owned());
        }
        match d.weekday() {
            Weekday::Sat => Some("a Saturday".into()),
            Weekday::Sun => Some("a Sunday".into()),
            _ => None,
        }
    }

    /// Every holiday of a year in this calendar, in date order.
    pub fn holidays(self, year: i32) -> Vec<(NaiveDate, &'static str)> {
        let mut v = Vec::new();
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
        while d.year() == year {
            if let Some(h) = self.holiday(d) {
                v.push((d, h));
            }
            d = d.succ_opt().expect("in range");
        }
        v
    }
}

/// Days equated with a holiday by royal decree ("Besluit gelijkstelling van
/// 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en 26 mei 2028").
const KB_DAYS: &[(i32, u32, u32)] = &[
    (2026, 1, 2),
    (2026, 5, 15),
    (2027, 5, 7),
    (2028, 4, 28),
    (2028, 5, 26),
];

pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Easter Sunday in the Gregorian calendar (anonymous Gregorian algorithm,
/// Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// Koningsdag, "the day on which the monarch's birthday is celebrated"
/// (Atw art. 3(1), legal-rules.md section F): from 2014 27 April, or Saturday
/// 26 April when the 27th is a Sunday; from 2000 to 2013 (Koninginnedag)
/// 30 April, or Saturday 29 April when the 30th is a Sunday.
pub fn koningsdag(year: i32) -> NaiveDate {
    let day = if year >= 2014 { 27 } else { 30 };
    let d = NaiveDate::from_ymd_opt(year, 4, day).expect("valid");
    if d.weekday() == Weekday::Sun {
        d.pred_opt().expect("valid")
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates() {
        // legal-rules.md section F, and well-known years.
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2028), d(2028, 4, 16));
        assert_eq!(easter_sunday(2000), d(2000, 4, 23));
        assert_eq!(easter_sunday(2008), d(2008, 3, 23));
        assert_eq!(easter_sunday(2011), d(2011, 4, 24));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
        assert_eq!(easter_sunday(2100), d(2100, 3, 28));
    }

    #[test]
    fn the_computed_calendar_of_legal_rules_section_f() {
        let expect_2026 = [
            (d(2026, 1, 1), "Nieuwjaarsdag"),
            (d(2026, 4, 3), "Goede Vrijdag"),
            (d(2026, 4, 6), "Tweede Paasdag"),
            (d(2026, 4, 27), "Koningsdag"),
            (d(2026, 5, 5), "Bevrijdingsdag"),
            (d(2026, 5, 14), "Hemelvaartsdag"),
            (d(2026, 5, 25), "Tweede Pinksterdag"),
            (d(2026, 12, 25), "Eerste Kerstdag"),
            (d(2026, 12, 26), "Tweede Kerstdag"),
        ];
        assert_eq!(Calendar::NlAtw.holidays(2026), expect_2026);
        let h27: Vec<NaiveDate> = Calendar::NlAtw
            .holidays(2027)
            .into_iter()
            .map(|h| h.0)
            .collect();
        assert_eq!(
            h27,
            [
                d(2027, 1, 1),
                d(2027, 3, 26),
                d(2027, 3, 29),
                d(2027, 4, 27),
                d(2027, 5, 5),
                d(2027, 5, 6),
                d(2027, 5, 17),
                d(2027, 12, 25),
                d(2027, 12, 26)
            ]
        );
        let h28: Vec<NaiveDate> = Calendar::NlAtw
            .holidays(2028)
            .into_iter()
            .map(|h| h.0)
            .collect();
        assert_eq!(
            h28,
            [
                d(2028, 1, 1),
                d(2028, 4, 14),
                d(2028, 4, 17),
                d(2028, 4, 27),
                d(2028, 5, 5),
                d(2028, 5, 25),
                d(2028, 6, 5),
                d(2028, 12, 25),
                d(2028, 12, 26)
            ]
        );
    }

    #[test]
    fn koningsdag_moves_to_saturday_when_the_27th_is_a_sunday() {
        assert_eq!(koningsdag(2025), d(2025, 4, 26));
        assert_eq!(koningsdag(2031), d(2031, 4, 26));
        assert_eq!(koningsdag(2026), d(2026, 4, 27));
        assert_eq!(Calendar::NlAtw.holiday(d(2031, 4, 27)), None);
    }

    #[test]
    fn koninginnedag_was_30_april_before_2014() {
        // legal-rules.md section F (corrected): 2000-2013 the day was 30 April,
        // Saturday 29 April when the 30th was a Sunday (2000 and 2006).
        assert_eq!(koningsdag(2010), d(2010, 4, 30));
        assert_eq!(koningsdag(2013), d(2013, 4, 30));
        assert_eq!(koningsdag(2000), d(2000, 4, 29));
        assert_eq!(koningsdag(2006), d(2006, 4, 29));
        assert_eq!(koningsdag(2014), d(2014, 4, 26)); // the 27th was a Sunday
        assert_eq!(koningsdag(2015), d(2015, 4, 27));
        assert!(Calendar::NlAtw.is_working_day(d(2010, 4, 27)));
        assert!(!Calendar::NlAtw.is_working_day(d(2010, 4, 30)));
        assert_eq!(Calendar::NlAtw.holiday(d(2010, 4, 30)), Some("Koningsdag"));
        // Every year: the celebrated day is in April, never a Sunday.
        for y in MIN_YEAR..=MAX_YEAR {
            let k = koningsdag(y);
            assert_ne!(k.weekday(), Weekday::Sun, "{y}");
            let expect = if y >= 2014 { 27 } else { 30 };
            assert!(k.day() == expect || k.day() == expect - 1, "{y}: {k}");
        }
    }

    #[test]
    fn kb_days_only_in_the_kb_profile() {
        for (y, m, day) in KB_DAYS {
            let x = d(*y, *m, *day);
            assert!(Calendar::NlAtw.is_working_day(x), "{x}");
            assert!(!Calendar::NlAtwKb.is_working_day(x), "{x}");
        }
        assert_eq!(Calendar::NlAtwKb.holidays(2026).len(), 11);
    }

    #[test]
    fn not_in_the_atw_list() {
        // 1 May, Oudejaarsdag, Sinterklaas, Easter Monday's Sunday.
        for x in [d(2026, 5, 1), d(2026, 12, 31), d(2026, 12, 5)] {
            assert_eq!(Calendar::NlAtw.holiday(x), None, "{x}");
        }
        assert!(Calendar::NlAtw.is_working_day(d(2026, 5, 1)));
        assert!(
            !Calendar::NlAtw.is_working_day(d(2026, 5, 5)),
            "5 May counts every year"
        );
    }

    #[test]
    fn every_year_in_range_has_nine_atw_holidays_or_fewer_distinct_days() {
        for y in MIN_YEAR..=MAX_YEAR {
            let n = Calendar::NlAtw.holidays(y).len();
            // Nine named days; Hemelvaart can coincide with 5 May or Koningsdag? It
            // cannot with Koningsdag (Thursday vs 26/27 April) but can with 5 May.
            assert!((8..=9).contains(&n), "{y}: {n}");
        }
    }
}

//! The share of requests extended, per controller and quarter (legal-rules.md
//! B7: extensions should not be overused; large effort alone does not make a
//! request complex, EDPB Guidelines 01/2022 §§ 162-164). Pure: the service
//! reads (controller, received_at, extended) and this groups them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::domain::{FieldError, err};

/// What the figure is for, sent with every answer.
pub const NOTE: &str = "The share of data-subject requests whose answer period was extended by two months (GDPR art. 12(3)), per controller and quarter of receipt. Extensions should not be overused: large effort alone does not make a request complex (EDPB Guidelines 01/2022 §§ 162-164). Quarters count by the Europe/Amsterdam date of receipt.";

/// A calendar quarter, `2026-Q3`. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub q: u32,
}

impl Quarter {
    pub fn of(d: NaiveDate) -> Quarter {
        Quarter {
            year: d.year(),
            q: d.month0() / 3 + 1,
        }
    }

    /// Parses `2026-Q3` (case-insensitive `q`), years 2000 to 2099.
    pub fn parse(field: &'static str, s: &str) -> Result<Quarter, FieldError> {
        let bad = || {
            err(
                field,
                format!(
                    "must be a quarter such as 2026-Q3, got {}",
                    proto::wire::quote(s)
                ),
            )
        };
        let (y, q) = s.trim().split_once('-').ok_or_else(bad)?;
        let q = q.strip_prefix(['Q', 'q']).ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let q: u32 = q.parse().map_err(|_| bad())?;
        if !(2000..=2099).contains(&year) || !(1..=4).contains(&q) {
            return Err(bad());
        }
        Ok(Quarter { year, q })
    }

    /// The first day of the quarter.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).expect("valid quarter")
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    /// `n` quarters earlier.
    pub fn back(self, n: u32) -> Quarter {
        let idx = self.year * 4 + self.q as i32 - 1 - n as i32;
        Quarter {
            year: idx.div_euclid(4),
            q: idx.rem_euclid(4) as u32 + 1,
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// The quarters asked for: both given, or the four up to `today`'s. The
/// range is at most 40 quarters (ten years) and never runs backwards.
pub fn range(
    from: Option<Quarter>,
    to: Option<Quarter>,
    today: NaiveDate,
) -> Result<(Quarter, Quarter), FieldError> {
    let to = to.unwrap_or_else(|| Quarter::of(today));
    let from = from.unwrap_or_else(|| to.back(3));
    if from > to {
        return Err(err(
            "from_quarter",
            format!("must not be after to_quarter ({to}), got {from}"),
        ));
    }
    if from < to.back(39) {
        return Err(err(
            "from_quarter",
            format!(
                "at most 40 quarters at once: from {} for to_quarter {to}",
                to.back(39)
            ),
        ));
    }
    Ok((from, to))
}

/// One row of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    pub controller: String,
    pub quarter: Quarter,
    pub requests: u64,
    pub extended: u64,
}

impl Stat {
    pub fn share(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.extended as f64 / self.requests as f64
        }
    }
}

/// Groups requests (controller, received at, extended?) by controller and
/// quarter of the Amsterdam date of receipt; rows outside `[from, to]` are
/// left out. Ordered by controller, then quarter.
pub fn group<'a>(
    rows: impl IntoIterator<Item = (&'a str, DateTime<Utc>, bool)>,
    from: Quarter,
    to: Quarter,
) -> Vec<Stat> {
    let mut m: BTreeMap<(String, Quarter), (u64, u64)> = BTreeMap::new();
    for (c, at, extended) in rows {
        let q = Quarter::of(legal_time::period::local_date(at));
        if q < from || q > to {
            continue;
        }
        let e = m.entry((c.to_owned(), q)).or_default();
        e.0 += 1;
        e.1 += u64::from(extended);
    }
    m.into_iter()
        .map(|((controller, quarter), (requests, extended))| Stat {
            controller,
            quarter,
            requests,
            extended,
        })
        .collect()
}

/// What the monthly figures are, sent with every answer.
pub const MONTH_NOTE: &str = "Data-subject requests per month of receipt (Europe/Amsterdam date) and type. On time: answered (or refused) by the deadline in force, strict reading (GDPR art. 12(3)); late: answered after it; open: not yet answered, of which overdue: its deadline has passed.";

/// A calendar month, `2026-11`. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    pub fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    /// Parses `2026-11`, years 2000 to 2099.
    pub fn parse(field: &'static str, s: &str) -> Result<Month, FieldError> {
        let bad = || {
            err(
                field,
                format!(
                    "must be a month such as 2026-11, got {}",
                    proto::wire::quote(s)
                ),
            )
        };
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(2000..=2099).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    fn index(self) -> i32 {
        self.year * 12 + self.month as i32 - 1
    }

    fn from_index(i: i32) -> Month {
        Month {
            year: i.div_euclid(12),
            month: i.rem_euclid(12) as u32 + 1,
        }
    }

    pub fn back(self, n: u32) -> Month {
        Month::from_index(self.index() - n as i32)
    }

    pub fn next(self) -> Month {
        Month::from_index(self.index() + 1)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// The months asked for: both given, or the twelve up to `today`'s; at
/// most 36 months, never backwards.
pub fn month_range(
    from: Option<Month>,
    to: Option<Month>,
    today: NaiveDate,
) -> Result<(Month, Month), FieldError> {
    let to = to.unwrap_or_else(|| Month::of(today));
    let from = from.unwrap_or_else(|| to.back(11));
    if from > to {
        return Err(err(
            "from_month",
            format!("must not be after to_month ({to}), got {from}"),
        ));
    }
    if from < to.back(35) {
        return Err(err(
            "from_month",
            format!(
                "at most 36 months at once: from {} for to_month {to}",
                to.back(35)
            ),
        ));
    }
    Ok((from, to))
}

/// One month and type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthStat {
    pub month: String,
    pub kind: String,
    pub received: u64,
    pub on_time: u64,
    pub late: u64,
    pub open: u64,
    pub overdue: u64,
}

/// One request as the monthly figures see it.
pub struct Answered<'a> {
    pub kind: &'a str,
    pub received_at: DateTime<Utc>,
    /// When it was answered or refused; `None` while open.
    pub done_at: Option<DateTime<Utc>>,
    /// The deadline in force (strict reading).
    pub due: DateTime<Utc>,
}

/// Groups requests by month of the Amsterdam date of receipt and type;
/// rows outside `[from, to]` are left out. Ordered by month, then type.
pub fn group_months<'a>(
    rows: impl IntoIterator<Item = Answered<'a>>,
    from: Month,
    to: Month,
    now: DateTime<Utc>,
) -> Vec<MonthStat> {
    let mut m: BTreeMap<(Month, String), MonthStat> = BTreeMap::new();
    for r in rows {
        let month = Month::of(legal_time::period::local_date(r.received_at));
        if month < from || month > to {
            continue;
        }
        let e = m
            .entry((month, r.kind.to_owned()))
            .or_insert_with(|| MonthStat {
                month: month.to_string(),
                kind: r.kind.to_owned(),
                ..MonthStat::default()
            });
        e.received += 1;
        match r.done_at {
            Some(d) if d <= r.due => e.on_time += 1,
            Some(_) => e.late += 1,
            None => {
                e.open += 1;
                if now > r.due {
                    e.overdue += 1;
                }
            }
        }
    }
    m.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_count_and_group() {
        let m = Month::parse("from_month", "2026-01").unwrap();
        assert_eq!(m.to_string(), "2026-01");
        assert_eq!(m.back(1).to_string(), "2025-12");
        assert_eq!(m.back(1).next().to_string(), "2026-01");
        for bad in [
            "2026", "2026-13", "2026-1", "2026-00", "1999-01", "x-01", "",
        ] {
            assert_eq!(
                Month::parse("from_month", bad).unwrap_err().field,
                "from_month",
                "{bad}"
            );
        }
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let (f, t) = month_range(None, None, today).unwrap();
        assert_eq!(
            (f.to_string(), t.to_string()),
            ("2026-01".into(), "2026-12".into())
        );
        let p = |s| Month::parse("x", s).unwrap();
        assert!(month_range(Some(p("2026-12")), Some(p("2026-01")), today).is_err());
        assert!(month_range(Some(p("2023-12")), Some(p("2026-12")), today).is_err());
        assert!(month_range(Some(p("2024-01")), Some(p("2026-12")), today).is_ok());

        let now = t_("2026-12-01T12:00:00Z");
        let rows = vec![
            // 31 October 23:30 UTC is 1 November in Amsterdam.
            Answered {
                kind: "access",
                received_at: t_("2026-10-31T23:30:00Z"),
                done_at: Some(t_("2026-11-10T00:00:00Z")),
                due: t_("2026-12-01T00:00:00Z"),
            },
            Answered {
                kind: "access",
                received_at: t_("2026-11-02T10:00:00Z"),
                done_at: Some(t_("2026-12-05T00:00:00Z")),
                due: t_("2026-12-02T00:00:00Z"),
            },
            Answered {
                kind: "access",
                received_at: t_("2026-11-03T10:00:00Z"),
                done_at: None,
                due: t_("2026-11-30T00:00:00Z"),
            },
            Answered {
                kind: "erasure",
                received_at: t_("2026-11-04T10:00:00Z"),
                done_at: None,
                due: t_("2026-12-04T00:00:00Z"),
            },
            // outside the range
            Answered {
                kind: "access",
                received_at: t_("2026-09-04T10:00:00Z"),
                done_at: None,
                due: t_("2026-10-04T00:00:00Z"),
            },
        ];
        let g = group_months(rows, p("2026-10"), p("2026-11"), now);
        assert_eq!(
            g,
            vec![
                MonthStat {
                    month: "2026-11".into(),
                    kind: "access".into(),
                    received: 3,
                    on_time: 1,
                    late: 1,
                    open: 1,
                    overdue: 1
                },
                MonthStat {
                    month: "2026-11".into(),
                    kind: "erasure".into(),
                    received: 1,
                    on_time: 0,
                    late: 0,
                    open: 1,
                    overdue: 0
                },
            ]
        );
    }

    fn t_(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn quarters_parse_print_and_count() {
        let q = Quarter::parse("from_quarter", "2026-q3").unwrap();
        assert_eq!(q.to_string(), "2026-Q3");
        assert_eq!(q.first_day().to_string(), "2026-07-01");
        assert_eq!(q.next().to_string(), "2026-Q4");
        assert_eq!(q.next().next().to_string(), "2027-Q1");
        assert_eq!(q.back(3).to_string(), "2025-Q4");
        for bad in [
            "2026", "2026-Q5", "2026-Q0", "26-Q1", "2026-X1", "2100-Q1", "",
        ] {
            let e = Quarter::parse("from_quarter", bad).unwrap_err();
            assert_eq!(e.field, "from_quarter", "{bad}");
        }
    }

    #[test]
    fn the_default_range_is_four_quarters_and_bounds_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let (f, t) = range(None, None, today).unwrap();
        assert_eq!(
            (f.to_string(), t.to_string()),
            ("2026-Q1".into(), "2026-Q4".into())
        );
        let q = |s| Quarter::parse("x", s).unwrap();
        assert!(range(Some(q("2026-Q4")), Some(q("2026-Q1")), today).is_err());
        assert!(range(Some(q("2016-Q1")), Some(q("2026-Q1")), today).is_err());
        assert!(range(Some(q("2016-Q2")), Some(q("2026-Q1")), today).is_ok());
    }

    #[test]
    fn shares_per_controller_and_quarter_by_the_amsterdam_date() {
        let q = |s| Quarter::parse("x", s).unwrap();
        let rows = vec![
            ("b", t("2026-07-01T10:00:00Z"), true),
            ("a", t("2026-03-31T21:59:59Z"), false), // 23:59:59 CEST: Q1
            ("a", t("2026-03-31T22:00:00Z"), true),  // 00:00 CEST 1 April: Q2
            ("a", t("2026-04-10T10:00:00Z"), false),
            ("a", t("2026-05-10T10:00:00Z"), true),
            ("a", t("2026-06-10T10:00:00Z"), false),
            ("a", t("2025-12-31T10:00:00Z"), true), // outside the range
        ];
        let s = group(rows, q("2026-Q1"), q("2026-Q4"));
        let shown: Vec<(String, String, u64, u64)> = s
            .iter()
            .map(|x| {
                (
                    x.controller.clone(),
                    x.quarter.to_string(),
                    x.requests,
                    x.extended,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("a".into(), "2026-Q1".into(), 1, 0),
                ("a".into(), "2026-Q2".into(), 4, 2),
                ("b".into(), "2026-Q3".into(), 1, 1),
            ]
        );
        assert_eq!(s[1].share(), 0.5);
        assert_eq!(s[0].share(), 0.0);
    }
}

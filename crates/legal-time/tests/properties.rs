//! Properties that must hold for every input, not just the worked cases.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use legal_time::period::{add_months, add_working_days, roll_forward};
use legal_time::{Calendar, Kind, Readings, compute};
use proptest::prelude::*;

fn date() -> impl Strategy<Value = NaiveDate> {
    // 2000-01-01 .. 2098-12-31
    (0u64..36_159).prop_map(|n| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Days::new(n))
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..4_070_908_800i64).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn calendar() -> impl Strategy<Value = Calendar> {
    prop_oneof![Just(Calendar::NlAtw), Just(Calendar::NlAtwKb)]
}

fn params(rule: &str) -> impl Strategy<Value = BTreeMap<String, String>> {
    let rule = rule.to_owned();
    (
        1u32..=720,
        1u32..=90,
        1u32..=2,
        0usize..3,
        0usize..2,
        1u32..=200,
    )
        .prop_map(move |(h, days, months, e, c, oh)| {
            let mut m = BTreeMap::new();
            match rule.as_str() {
                "breach.controller_notice" => {
                    m.insert("sla_hours".into(), h.to_string());
                }
                "breach.office_hours_response" => {
                    m.insert("hours".into(), oh.to_string());
                }
                "subprocessor.objection_window" => {
                    m.insert("days".into(), days.to_string());
                }
                "dataact.switching" => {
                    m.insert("notice_months".into(), months.to_string());
                    m.insert("election".into(), ["switch", "on_prem", "erase"][e].into());
                }
                "retention.applicant" => {
                    m.insert("consent".into(), ["none", "talent_pool"][c].into());
                }
                _ => {}
            }
            m
        })
}

proptest! {
    #[test]
    fn a_roll_never_ends_on_a_non_working_day(d in date(), cal in calendar()) {
        let r = roll_forward(d, cal);
        prop_assert!(cal.is_working_day(r.date));
        prop_assert!(r.date >= d);
        prop_assert!((r.date - d).num_days() <= 5, "no run of more than 5 non-working days in NL");
    }

    #[test]
    fn adding_a_month_moves_28_to_31_days(d in date()) {
        let n = (add_months(d, 1).date - d).num_days();
        prop_assert!((28..=31).contains(&n), "{d} + 1 month moved {n} days");
    }

    #[test]
    fn working_days_land_on_working_days(d in date(), n in 1u32..40, cal in calendar()) {
        let w = add_working_days(d, n, cal);
        prop_assert!(cal.is_working_day(w));
        prop_assert_eq!(legal_time::period::working_days_between(d, w, cal), n);
    }

    #[test]
    fn seventy_two_hours_are_always_259200_seconds(t in instant()) {
        let at = t.to_rfc3339();
        let o = compute("breach.authority_notice", &at, &BTreeMap::new()).unwrap();
        let (s, l) = o.reading(None).unwrap();
        prop_assert_eq!((s.instant - t).num_seconds(), 259_200);
        prop_assert_eq!((l.instant - t).num_seconds(), 259_200);
    }

    #[test]
    fn strict_is_never_the_later_deadline_nor_the_earlier_wait(
        t in instant(),
        (rule_i, params) in (0..legal_time::CATALOGUE.len())
            .prop_flat_map(|i| (Just(i), params(legal_time::CATALOGUE[i].id))),
    ) {
        let spec = &legal_time::CATALOGUE[rule_i];
        let o = compute(spec.id, &t.to_rfc3339(), &params).unwrap();
        let pairs: Vec<(Kind, legal_time::Reading, legal_time::Reading)> = match &o.readings {
            Readings::Single { strict, lenient } => vec![(o.kind, *strict, *lenient)],
            Readings::Milestones(ms) => ms.iter().map(|m| (m.kind, m.strict, m.lenient)).collect(),
        };
        for (kind, s, l) in pairs {
            match kind {
                Kind::Deadline => prop_assert!(s.instant <= l.instant, "{} strict after lenient", spec.id),
                Kind::NotBefore => prop_assert!(s.instant >= l.instant, "{} strict wait shorter", spec.id),
                Kind::Composite => prop_assert!(false, "milestones are never composite"),
            }
            if let Some(d) = s.date {
                prop_assert_eq!(s.instant, legal_time::period::end_of_day_exclusive(d));
            }
        }
    }

    #[test]
    fn every_instant_2000_to_2110_carries_the_eu_offset(
        s in 946_684_800i64..4_449_513_600i64, // 2000-01-01 .. 2111-01-01
    ) {
        let t = Utc.timestamp_opt(s, 0).unwrap();
        let printed = legal_time::json::format_instant(t);
        let expect = if eu_summer(t) { "+02:00" } else { "+01:00" };
        prop_assert!(printed.ends_with(expect), "{t}: {printed}, expected {expect}");
        // The printed wall-clock time names the same instant.
        prop_assert_eq!(DateTime::parse_from_rfc3339(&printed).unwrap().with_timezone(&Utc), t);
    }

    #[test]
    fn every_result_of_the_catalogue_carries_the_offset_in_force_then(
        t in instant(),
        (rule_i, params) in (0..legal_time::CATALOGUE.len())
            .prop_flat_map(|i| (Just(i), params(legal_time::CATALOGUE[i].id))),
    ) {
        // Starts 2000-2098 reach results in 2100 and beyond (talent pool,
        // renewals); every one must be printed with the offset of its instant.
        let spec = &legal_time::CATALOGUE[rule_i];
        let o = compute(spec.id, &t.to_rfc3339(), &params).unwrap();
        let readings: Vec<legal_time::Reading> = match &o.readings {
            Readings::Single { strict, lenient } => vec![*strict, *lenient],
            Readings::Milestones(ms) => ms.iter().flat_map(|m| [m.strict, m.lenient]).collect(),
        };
        for r in readings {
            let printed = legal_time::json::format_instant(r.instant);
            let expect = if eu_summer(r.instant) { "+02:00" } else { "+01:00" };
            prop_assert!(printed.ends_with(expect), "{}: {printed}", spec.id);
            if let Some(d) = r.date {
                // A day's deadline is 00:00 local of the next day.
                prop_assert!(printed.starts_with(&format!("{}T00:00:00", d.succ_opt().unwrap())), "{}: {printed}", spec.id);
            }
        }
    }
}

/// The EU summer-time rule written out independently of the crate: from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
/// October.
fn eu_summer(t: DateTime<Utc>) -> bool {
    use chrono::{Datelike, Weekday};
    let last_sunday = |m: u32| {
        let mut d = NaiveDate::from_ymd_opt(t.year(), m, 31).unwrap();
        while d.weekday() != Weekday::Sun {
            d = d.pred_opt().unwrap();
        }
        Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).unwrap())
    };
    t >= last_sunday(3) && t < last_sunday(10)
}

#[test]
fn talent_pool_consent_from_june_2099_ends_in_summer_2100() {
    let mut p = BTreeMap::new();
    p.insert("consent".to_owned(), "talent_pool".to_owned());
    let o = compute("retention.applicant", "2099-06-10", &p).unwrap();
    let (s, _) = o.reading(None).unwrap();
    assert_eq!(
        legal_time::json::format_instant(s.instant),
        "2100-06-11T00:00:00+02:00"
    );
}

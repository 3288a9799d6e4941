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
}

//! Worked cases for every rule of the catalogue. Each expected value was
//! worked out by hand from legal-rules.md (the reasoning is in the comments).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use legal_time::json::format_instant;
use legal_time::{Kind, Outcome, Readings, RuleError, compute};

fn run(rule: &str, at: &str, params: &[(&str, &str)]) -> Result<Outcome, RuleError> {
    let map: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    compute(rule, at, &map)
}

fn ok(rule: &str, at: &str, params: &[(&str, &str)]) -> Outcome {
    run(rule, at, params).unwrap_or_else(|e| panic!("{rule} {at} {params:?}: {e}"))
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// (strict date, lenient date) of a single day rule.
fn days(o: &Outcome) -> (NaiveDate, NaiveDate) {
    let (s, l) = o.reading(None).expect("single rule");
    (s.date.expect("day rule"), l.date.expect("day rule"))
}

/// (strict instant, lenient instant) printed as Amsterdam time.
fn instants(o: &Outcome) -> (String, String) {
    let (s, l) = o.reading(None).expect("single rule");
    (format_instant(s.instant), format_instant(l.instant))
}

fn milestone(o: &Outcome, name: &str) -> (NaiveDate, NaiveDate) {
    let (s, l) = o
        .reading(Some(name))
        .unwrap_or_else(|| panic!("milestone {name}"));
    (s.date.unwrap(), l.date.unwrap())
}

fn notes(o: &Outcome) -> String {
    o.notes.join(" | ")
}

// ---- dsr.response / dsr.extension_notice ----------------------------------

#[test]
fn dsr_response_the_example_of_legal_rules() {
    // 5 March → 5 April (Sunday); 6 April is Tweede Paasdag → lenient 7 April.
    let o = ok("dsr.response", "2026-03-05T10:00:00+01:00", &[]);
    assert_eq!(o.kind, Kind::Deadline);
    assert_eq!(days(&o), (d("2026-04-05"), d("2026-04-07")));
    assert_eq!(
        instants(&o),
        (
            "2026-04-06T00:00:00+02:00".into(),
            "2026-04-08T00:00:00+02:00".into()
        )
    );
    assert!(
        notes(&o).contains("2026-04-05 is a Sunday; 2026-04-06 is Tweede Paasdag"),
        "{}",
        notes(&o)
    );
}

#[test]
fn dsr_response_month_ends_leap_years_and_the_uk_trap() {
    // EDPB example 33: 31 August → 30 September.
    let o = ok("dsr.response", "2026-08-31", &[]);
    assert_eq!(days(&o), (d("2026-09-30"), d("2026-09-30")));
    assert!(
        notes(&o).contains("2026-09-31 does not exist"),
        "{}",
        notes(&o)
    );
    // Leap year: 31 January 2028 → 29 February 2028 (a Tuesday).
    assert_eq!(
        days(&ok("dsr.response", "2028-01-31", &[])),
        (d("2028-02-29"), d("2028-02-29"))
    );
    // 31 January 2027 → 28 February 2027, a Sunday → lenient Monday 1 March.
    assert_eq!(
        days(&ok("dsr.response", "2027-01-31", &[])),
        (d("2027-02-28"), d("2027-03-01"))
    );
    // Never the pre-2019 UK "day after receipt" method: 5 March is not 6 April.
    assert_ne!(
        days(&ok("dsr.response", "2026-03-05", &[])).0,
        d("2026-04-06")
    );
}

#[test]
fn dsr_receipt_counts_by_its_amsterdam_date() {
    // 23:30 UTC on 4 March is 00:30 on 5 March in Amsterdam.
    let o = ok("dsr.response", "2026-03-04T23:30:00Z", &[]);
    assert_eq!(days(&o).0, d("2026-04-05"));
    // And a receipt on a Saturday counts from the Saturday (EDPB 01/2022 § 159).
    assert_eq!(
        days(&ok("dsr.response", "2026-03-07", &[])).0,
        d("2026-04-07")
    );
}

#[test]
fn dsr_suspension_modes() {
    // Receipt Monday 2 March; identity asked Wednesday 4 March (within 3 working
    // days: the latest is 5 March), received Tuesday 10 March.
    let base = [
        ("id_requested_at", "2026-03-04"),
        ("id_received_at", "2026-03-10T09:00:00+01:00"),
    ];
    // suspend: 2 April + 6 days = Wednesday 8 April.
    let mut p = base.to_vec();
    p.push(("suspension", "suspend"));
    let o = ok("dsr.response", "2026-03-02", &p);
    assert_eq!(days(&o), (d("2026-04-08"), d("2026-04-08")));
    assert!(notes(&o).contains("6 day(s)"), "{}", notes(&o));
    // restart: one month from 10 March = Friday 10 April.
    let mut p = base.to_vec();
    p.push(("suspension", "restart"));
    assert_eq!(
        days(&ok("dsr.response", "2026-03-02", &p)),
        (d("2026-04-10"), d("2026-04-10"))
    );
    // none: identity does not move the clock: 2 April (Thursday).
    let mut p = base.to_vec();
    p.push(("suspension", "none"));
    assert_eq!(
        days(&ok("dsr.response", "2026-03-02", &p)).0,
        d("2026-04-02")
    );
    // Asked too late (Monday 9 March > Thursday 5 March): no suspension.
    let o = ok(
        "dsr.response",
        "2026-03-02",
        &[
            ("suspension", "suspend"),
            ("id_requested_at", "2026-03-09"),
            ("id_received_at", "2026-03-12"),
        ],
    );
    assert_eq!(days(&o).0, d("2026-04-02"));
    assert!(notes(&o).contains("no suspension applies"));
}

#[test]
fn dsr_suspension_errors() {
    assert!(matches!(
        run("dsr.response", "2026-03-02", &[("suspension", "suspend")]),
        Err(RuleError::MissingParam {
            param: "id_requested_at",
            ..
        })
    ));
    assert!(matches!(
        run(
            "dsr.response",
            "2026-03-02",
            &[("suspension", "suspend"), ("id_requested_at", "2026-03-03")]
        ),
        Err(RuleError::MissingParam {
            param: "id_received_at",
            ..
        })
    ));
    let e = run(
        "dsr.response",
        "2026-03-02",
        &[
            ("suspension", "suspend"),
            ("id_requested_at", "2026-03-05"),
            ("id_received_at", "2026-03-04"),
        ],
    )
    .unwrap_err();
    assert!(matches!(e, RuleError::Impossible(_)), "{e}");
    let e = run("dsr.response", "2026-03-02", &[("suspension", "pause")]).unwrap_err();
    assert!(
        e.to_string()
            .contains("expected one of none, suspend, restart"),
        "{e}"
    );
    assert!(
        run(
            "dsr.response",
            "2026-03-02",
            &[("id_requested_at", "yesterday")]
        )
        .is_err()
    );
}

#[test]
fn extension_notice_is_due_with_the_first_month() {
    let o = ok("dsr.extension_notice", "2026-03-05", &[]);
    assert_eq!(days(&o), (d("2026-04-05"), d("2026-04-07")));
    assert_eq!(o.rule, "dsr.extension_notice");
}

// ---- dsr.extended_response -------------------------------------------------

#[test]
fn extended_response_takes_the_earliest_and_latest_of_three_readings() {
    // 5 March: (a) 5 June (Fri); (b) 5 April + 2 = 5 June; (c) 7 April + 2 = 7 June
    // (Sunday) → 8 June. strict 5 June, lenient 8 June.
    assert_eq!(
        days(&ok("dsr.extended_response", "2026-03-05", &[])),
        (d("2026-06-05"), d("2026-06-08"))
    );
    // 31 January 2026: first month ends Saturday 28 Feb (rolled: Monday 2 March).
    // (a) 30 April (Thu); (b) 28 April (Tue); (c) 2 May (Sat) → Monday 4 May.
    let o = ok("dsr.extended_response", "2026-01-31", &[]);
    assert_eq!(days(&o), (d("2026-04-28"), d("2026-05-04")));
    assert!(
        notes(&o).contains("receipt + 3 months = 2026-04-30"),
        "{}",
        notes(&o)
    );
}

// ---- breach clocks ---------------------------------------------------------

#[test]
fn controller_notice_sla_in_elapsed_hours() {
    let o = ok("breach.controller_notice", "2026-03-27T16:00:00+01:00", &[]);
    assert_eq!(instants(&o).0, "2026-03-28T16:00:00+01:00");
    let (s, _) = o.reading(None).unwrap();
    assert_eq!(s.date, None, "hour rules have no date");
    // Seed 003: 48 hours, across the spring DST change: 16:00 CET → 17:00 CEST.
    let o = ok(
        "breach.controller_notice",
        "2026-03-27T16:00:00+01:00",
        &[("sla_hours", "48")],
    );
    assert_eq!(instants(&o).0, "2026-03-29T17:00:00+02:00");
    assert!(notes(&o).contains("daylight-saving"));
    for bad in ["0", "721", "1.5", "-3", "abc"] {
        assert!(
            matches!(
                run(
                    "breach.controller_notice",
                    "2026-03-27T16:00:00+01:00",
                    &[("sla_hours", bad)]
                ),
                Err(RuleError::BadParam { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn authority_notice_72_hours_both_readings_and_dst() {
    // Spring: controller aware Friday 16:00 CET → Monday 17:00 CEST (72 h elapsed).
    let o = ok("breach.authority_notice", "2026-03-27T16:00:00+01:00", &[]);
    assert_eq!(
        instants(&o),
        (
            "2026-03-30T17:00:00+02:00".into(),
            "2026-03-30T17:00:00+02:00".into()
        )
    );
    // Autumn: Friday 16:00 CEST → Monday 15:00 CET.
    let o = ok("breach.authority_notice", "2026-10-23T16:00:00+02:00", &[]);
    assert_eq!(instants(&o).0, "2026-10-26T15:00:00+01:00");
    // Processor aware a day earlier: strict counts from it.
    let o = ok(
        "breach.authority_notice",
        "2026-03-27T16:00:00+01:00",
        &[("processor_aware_at", "2026-03-26T09:00:00+01:00")],
    );
    assert_eq!(
        instants(&o),
        (
            "2026-03-29T10:00:00+02:00".into(),
            "2026-03-30T17:00:00+02:00".into()
        )
    );
    // A holiday weekend does not extend it: Christmas Eve noon → 27 December noon.
    let o = ok("breach.authority_notice", "2026-12-24T12:00:00+01:00", &[]);
    assert_eq!(instants(&o).0, "2026-12-27T12:00:00+01:00");
    assert!(notes(&o).contains("outer bound"));
    // A date alone is not enough for an hour clock.
    assert!(matches!(
        run("breach.authority_notice", "2026-03-27", &[]),
        Err(RuleError::BadStart { .. })
    ));
}

#[test]
fn office_hours_over_christmas_and_new_year() {
    // Thursday 24 Dec 10:00: 7 h that day; 25, 26 Dec and 1 Jan are holidays;
    // Mon 28 (15), Tue 29 (23), Wed 30 (31), Thu 31 (39), Mon 4 Jan (47),
    // Tue 5 Jan 09:00 + 1 h.
    let o = ok(
        "breach.office_hours_response",
        "2026-12-24T10:00:00+01:00",
        &[],
    );
    assert_eq!(instants(&o).0, "2027-01-05T10:00:00+01:00");
    assert!(
        notes(&o).contains("2026-12-25 (Eerste Kerstdag)"),
        "{}",
        notes(&o)
    );
    assert!(
        notes(&o).contains("2027-01-01 (Nieuwjaarsdag)"),
        "{}",
        notes(&o)
    );
    // KB profile: Friday 2 Jan 2026 is a bridge day.
    let o = ok(
        "breach.office_hours_response",
        "2025-12-31T16:00:00+01:00",
        &[("hours", "2"), ("calendar", "NL-ATW+KB")],
    );
    assert_eq!(instants(&o).0, "2026-01-05T10:00:00+01:00");
    let o = ok(
        "breach.office_hours_response",
        "2025-12-31T16:00:00+01:00",
        &[("hours", "2")],
    );
    assert_eq!(instants(&o).0, "2026-01-02T10:00:00+01:00");
    assert!(
        run(
            "breach.office_hours_response",
            "2026-01-01T10:00:00+01:00",
            &[("calendar", "NL")]
        )
        .is_err()
    );
}

// ---- sub-processor objection window -----------------------------------------

#[test]
fn objection_window_rolls_only_in_the_strict_reading() {
    // Delivered Friday 20 March; 14 days → Good Friday 3 April. Strict rolls past
    // Easter to Tuesday 7 April; lenient keeps 3 April.
    let o = ok(
        "subprocessor.objection_window",
        "2026-03-20T10:00:00+01:00",
        &[],
    );
    assert_eq!(o.kind, Kind::NotBefore);
    assert_eq!(days(&o), (d("2026-04-07"), d("2026-04-03")));
    // not_before: the instant is the first moment engagement is allowed.
    assert_eq!(
        instants(&o),
        (
            "2026-04-08T00:00:00+02:00".into(),
            "2026-04-04T00:00:00+02:00".into()
        )
    );
    // An ordinary fortnight ending on a Monday.
    assert_eq!(
        days(&ok(
            "subprocessor.objection_window",
            "2026-06-01T12:00:00+02:00",
            &[]
        )),
        (d("2026-06-15"), d("2026-06-15"))
    );
    for bad in ["0", "91"] {
        assert!(
            run(
                "subprocessor.objection_window",
                "2026-06-01",
                &[("days", bad)]
            )
            .is_err()
        );
    }
    assert_eq!(
        days(&ok(
            "subprocessor.objection_window",
            "2026-06-01",
            &[("days", "30")]
        ))
        .1,
        d("2026-07-01")
    );
}

// ---- retention ------------------------------------------------------------

#[test]
fn retention_applicant_periods_never_roll() {
    // 4 weeks = same weekday 4 weeks later.
    assert_eq!(
        days(&ok("retention.applicant", "2026-06-10", &[])),
        (d("2026-07-08"), d("2026-07-08"))
    );
    // Ends on a Sunday and stays there (C9).
    assert_eq!(
        days(&ok("retention.applicant", "2026-06-07", &[])).0,
        d("2026-07-05")
    );
    // Talent pool: 12 months; from 29 Feb 2028 to 28 Feb 2029 with a clamp note.
    assert_eq!(
        days(&ok(
            "retention.applicant",
            "2026-06-10",
            &[("consent", "talent_pool")]
        ))
        .0,
        d("2027-06-10")
    );
    let o = ok(
        "retention.applicant",
        "2028-02-29",
        &[("consent", "talent_pool")],
    );
    assert_eq!(days(&o).0, d("2029-02-28"));
    assert!(
        notes(&o).contains("2029-02-29 does not exist"),
        "{}",
        notes(&o)
    );
    // Withdrawn: that day.
    let o = ok(
        "retention.applicant",
        "2026-06-10",
        &[("consent", "talent_pool"), ("withdrawn_at", "2026-09-01")],
    );
    assert_eq!(days(&o).0, d("2026-09-01"));
    assert!(
        notes(&o).contains("withdrawn on 2026-09-01"),
        "{}",
        notes(&o)
    );
    // Withdrawn after the 12-month maximum: the maximum applies, and the note
    // says so rather than "delete that day" of the withdrawal.
    let o = ok(
        "retention.applicant",
        "2026-06-10",
        &[("consent", "talent_pool"), ("withdrawn_at", "2027-08-01")],
    );
    assert_eq!(days(&o).0, d("2027-06-10"));
    assert!(!notes(&o).contains("delete that day"), "{}", notes(&o));
    assert!(
        notes(&o).contains(
            "the maximum ends on 2027-06-10, before the withdrawal recorded for 2027-08-01"
        ),
        "{}",
        notes(&o)
    );
    // Withdrawn before the procedure ended: back to 4 weeks.
    let o = ok(
        "retention.applicant",
        "2026-06-10",
        &[("consent", "talent_pool"), ("withdrawn_at", "2026-06-01")],
    );
    assert_eq!(days(&o).0, d("2026-07-08"));
    // An instant counts by its Amsterdam date.
    assert_eq!(
        days(&ok("retention.applicant", "2026-06-09T23:30:00Z", &[])).0,
        d("2026-07-08")
    );
    assert!(matches!(
        run(
            "retention.applicant",
            "2026-06-10",
            &[("withdrawn_at", "2026-07-01")]
        ),
        Err(RuleError::BadParam { .. })
    ));
}

// ---- Data Act switching -----------------------------------------------------

#[test]
fn switching_milestones() {
    // Request Tuesday 24 March 2026, 2 months' notice → Sunday 24 May; 25 May is
    // Tweede Pinksterdag, so the rolled notice end is Tuesday 26 May.
    let o = ok("dataact.switching", "2026-03-24T11:00:00+01:00", &[]);
    assert_eq!(o.kind, Kind::Composite);
    assert_eq!(
        milestone(&o, "notice_end"),
        (d("2026-05-24"), d("2026-05-26"))
    );
    // Provider must finish: strict = 24 May + 30 = 23 June; lenient = 26 May + 30 = 25 June.
    assert_eq!(
        milestone(&o, "transition_end"),
        (d("2026-06-23"), d("2026-06-25"))
    );
    // Retrievable until: strict chain = roll(25 June + 30 = Sat 25 July) = Mon 27 July;
    // lenient = 23 June + 30 = 23 July.
    assert_eq!(
        milestone(&o, "retrieval_end"),
        (d("2026-07-27"), d("2026-07-23"))
    );
    assert_eq!(
        milestone(&o, "erasure_not_before"),
        (d("2026-07-27"), d("2026-07-23"))
    );
    // 14 working days, Good Friday and Easter Monday excluded → 15 April.
    assert_eq!(
        milestone(&o, "unfeasibility_notice"),
        (d("2026-04-15"), d("2026-04-15"))
    );
    // 7 months after the notice end: 24 Dec; lenient from 26 May → 26 Dec (holiday,
    // Saturday) → Monday 28 Dec.
    assert_eq!(
        milestone(&o, "alternative_transition_max_end"),
        (d("2026-12-24"), d("2026-12-28"))
    );
    assert!(
        o.reading(Some("contract_end")).is_none(),
        "contract_end only for erase"
    );
    let Readings::Milestones(ms) = &o.readings else {
        panic!()
    };
    for m in ms {
        match m.kind {
            Kind::Deadline => assert!(m.strict.instant <= m.lenient.instant, "{}", m.name),
            Kind::NotBefore => assert!(m.strict.instant >= m.lenient.instant, "{}", m.name),
            Kind::Composite => unreachable!(),
        }
    }
    let o = ok("dataact.switching", "2026-03-24", &[("election", "erase")]);
    assert_eq!(
        milestone(&o, "contract_end"),
        (d("2026-05-24"), d("2026-05-26"))
    );
    // One month from 31 January: 28 Feb 2026 (clamped, Saturday).
    let o = ok("dataact.switching", "2026-01-31", &[("notice_months", "1")]);
    assert_eq!(
        milestone(&o, "notice_end"),
        (d("2026-02-28"), d("2026-03-02"))
    );
}

#[test]
fn switching_refuses_impossible_notice_periods() {
    for bad in ["3", "0", "two"] {
        let e = run("dataact.switching", "2026-03-24", &[("notice_months", bad)]).unwrap_err();
        assert!(e.to_string().starts_with("parameter notice_months"), "{e}");
    }
    assert!(run("dataact.switching", "2026-03-24", &[("election", "move")]).is_err());
}

// ---- catalogue-wide ----------------------------------------------------------

#[test]
fn unknown_rules_params_and_starts_are_named() {
    let e = run("dsr.answer", "2026-03-05", &[]).unwrap_err();
    assert!(
        e.to_string().contains("unknown rule \"dsr.answer\"")
            && e.to_string().contains("dsr.response"),
        "{e}"
    );
    let e = run("dsr.response", "2026-03-05", &[("sla_hours", "3")]).unwrap_err();
    assert!(
        e.to_string().contains("has no parameter \"sla_hours\""),
        "{e}"
    );
    let e = run("dsr.response", "5 March 2026", &[]).unwrap_err();
    assert!(e.to_string().contains("RFC 3339"), "{e}");
    assert!(run("dsr.response", "1999-12-31", &[]).is_err());
    assert!(run("dsr.response", "2100-01-01", &[]).is_err());
}

#[test]
fn every_catalogue_rule_computes_with_its_defaults() {
    for spec in legal_time::CATALOGUE {
        let o = ok(spec.id, "2026-03-27T16:00:00+01:00", &[]);
        assert_eq!(o.rule, spec.id);
        assert_eq!(o.citation, spec.citation);
        assert!(!o.notes.is_empty(), "{} explains itself", spec.id);
        let v = legal_time::json::to_value(&o);
        assert_eq!(v["rule"], spec.id);
        assert!(v.get("notes").is_some());
    }
}

#[test]
fn json_shape() {
    let o = ok("dsr.response", "2026-03-05T10:00:00+01:00", &[]);
    let text = legal_time::json::to_string(&o);
    let keys: Vec<&str> = [
        "\"rule\"",
        "\"kind\"",
        "\"citation\"",
        "\"strict\"",
        "\"lenient\"",
        "\"notes\"",
    ]
    .into_iter()
    .collect();
    let mut last = 0;
    for k in keys {
        let i = text.find(k).unwrap_or_else(|| panic!("{k} in {text}"));
        assert!(i >= last, "key order: {k}");
        last = i;
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["strict"],
        serde_json::json!({"date": "2026-04-05", "instant": "2026-04-06T00:00:00+02:00"})
    );
    // Hour rules: no date key at all.
    let v = legal_time::json::to_value(&ok(
        "breach.controller_notice",
        "2026-03-27T16:00:00+01:00",
        &[],
    ));
    assert!(v["strict"].get("date").is_none());
    assert_eq!(v["strict"]["instant"], "2026-03-28T16:00:00+01:00");
    // Composite: milestones instead of strict/lenient.
    let v = legal_time::json::to_value(&ok("dataact.switching", "2026-03-24", &[]));
    assert!(v.get("strict").is_none() && v["milestones"].as_array().unwrap().len() == 6);
    assert_eq!(v["milestones"][0]["name"], "notice_end");
}

#[test]
fn retention_applicant_takes_the_controllers_periods() {
    assert_eq!(
        days(&ok("retention.applicant", "2026-06-10", &[("weeks", "2")])).0,
        d("2026-06-24")
    );
    assert_eq!(
        days(&ok(
            "retention.applicant",
            "2026-06-10",
            &[("consent", "talent_pool"), ("months", "6")]
        ))
        .0,
        d("2026-12-10")
    );
    assert!(run("retention.applicant", "2026-06-10", &[("weeks", "0")]).is_err());
    assert!(run("retention.applicant", "2026-06-10", &[("months", "25")]).is_err());
}

// agreement.renewal: seed 000 art. 5.1-5.2 (one year from the start date,
// renewing by one year, two months' notice before the end of the period).
#[test]
fn renewal_seed_000() {
    let o = ok(
        "agreement.renewal",
        "2026-01-15",
        &[("notice", "2 months"), ("as_of", "2026-06-01")],
    );
    assert_eq!(o.kind, Kind::Composite);
    // The first year runs 2026-01-15 .. 2027-01-14; two months before the
    // end of 2027-01-14 is the end of 2026-11-14.
    assert_eq!(
        milestone(&o, "period_end"),
        (d("2027-01-14"), d("2027-01-14"))
    );
    assert_eq!(
        milestone(&o, "notice_by"),
        (d("2026-11-14"), d("2026-11-14"))
    );
    // The last day itself is still in time.
    let o = ok(
        "agreement.renewal",
        "2026-01-15",
        &[("notice", "2 months"), ("as_of", "2026-11-14")],
    );
    assert_eq!(milestone(&o, "period_end").0, d("2027-01-14"));
    // One day later the contract renews once more: the next period counts.
    let o = ok(
        "agreement.renewal",
        "2026-01-15",
        &[("notice", "2 months"), ("as_of", "2026-11-15")],
    );
    assert_eq!(milestone(&o, "period_end").0, d("2028-01-14"));
    assert_eq!(milestone(&o, "notice_by").0, d("2027-11-14"));
    assert!(
        o.notes.iter().any(|n| n.contains("too late")),
        "{:?}",
        o.notes
    );
}

#[test]
fn renewal_defaults_and_units() {
    // Seed 004 art. 4.2: three months when no notice period was agreed;
    // 2027-03-01 minus three months is 2026-12-01, so the last day is 30 Nov.
    let o = ok("agreement.renewal", "2026-03-01", &[]);
    assert_eq!(milestone(&o, "period_end").0, d("2027-02-28"));
    assert_eq!(milestone(&o, "notice_by").0, d("2026-11-30"));
    // Backwards month counting clamps: 31 May minus 3 months is 28 Feb.
    let o = ok("agreement.renewal", "2026-05-31", &[("notice", "3 months")]);
    assert_eq!(milestone(&o, "period_end").0, d("2027-05-30"));
    assert_eq!(milestone(&o, "notice_by").0, d("2027-02-27"));
    // Zero notice: notice on the last day of the period is in time.
    let o = ok("agreement.renewal", "2026-01-15", &[("notice", "0 days")]);
    assert_eq!(milestone(&o, "notice_by").0, d("2027-01-14"));
    // 30 days before the end of 14 January is the end of 15 December.
    let o = ok("agreement.renewal", "2026-01-15", &[("notice", "30 days")]);
    assert_eq!(milestone(&o, "notice_by").0, d("2026-12-15"));
    // A renewal length that differs from the term.
    let o = ok(
        "agreement.renewal",
        "2026-01-15",
        &[
            ("term_months", "24"),
            ("renewal_months", "12"),
            ("notice", "1 month"),
            ("as_of", "2028-01-01"),
        ],
    );
    assert_eq!(milestone(&o, "period_end").0, d("2029-01-14"));
    // A fixed term has only its end.
    let o = ok(
        "agreement.renewal",
        "2026-01-15",
        &[("auto_renew", "false")],
    );
    assert_eq!(milestone(&o, "period_end").0, d("2027-01-14"));
    assert!(o.reading(Some("notice_by")).is_none());
}

#[test]
fn renewal_terms_from_the_29th_to_the_31st_clamp_to_the_month_end() {
    // docs/deadlines.md "Contract terms in months": the day before the same
    // date, or the month's last day when that date does not exist (C3).
    let one = |start: &str, as_of: &str| {
        let o = ok(
            "agreement.renewal",
            start,
            &[("term_months", "1"), ("notice", "0 days"), ("as_of", as_of)],
        );
        milestone(&o, "period_end").0
    };
    assert_eq!(one("2026-01-31", "2026-01-31"), d("2026-02-28"));
    assert_eq!(one("2026-01-30", "2026-01-30"), d("2026-02-28"));
    assert_eq!(one("2026-01-29", "2026-01-29"), d("2026-02-28"));
    assert_eq!(one("2026-01-28", "2026-01-28"), d("2026-02-27"));
    assert_eq!(one("2028-01-31", "2028-01-31"), d("2028-02-29")); // leap year
    assert_eq!(one("2028-01-29", "2028-01-29"), d("2028-02-28"));
    assert_eq!(one("2026-03-31", "2026-03-31"), d("2026-04-30"));
    assert_eq!(one("2026-01-15", "2026-01-15"), d("2026-02-14"));
    assert_eq!(one("2026-03-01", "2026-03-01"), d("2026-03-31"));
    // Later periods count from the start date, so they never drift: from
    // 31 January the periods end 28 Feb, 30 Mar, 30 Apr, 30 May.
    assert_eq!(one("2026-01-31", "2026-03-01"), d("2026-03-30"));
    assert_eq!(one("2026-01-31", "2026-03-31"), d("2026-04-30"));
    assert_eq!(one("2026-01-31", "2026-05-01"), d("2026-05-30"));
    // A fixed term has the same end.
    let o = ok(
        "agreement.renewal",
        "2026-01-31",
        &[("term_months", "1"), ("auto_renew", "false")],
    );
    assert_eq!(milestone(&o, "period_end").0, d("2026-02-28"));
    // A year from 29 February ends on 28 February.
    let o = ok(
        "agreement.renewal",
        "2028-02-29",
        &[("auto_renew", "false")],
    );
    assert_eq!(milestone(&o, "period_end").0, d("2029-02-28"));
}

#[test]
fn renewal_rejects_bad_input() {
    for bad in ["-1 months", "2 fortnights", "months", "2", "1.5 months"] {
        let e = run("agreement.renewal", "2026-01-15", &[("notice", bad)]).unwrap_err();
        assert!(
            matches!(e, RuleError::BadParam { ref param, .. } if param == "notice"),
            "{bad}: {e}"
        );
    }
    let e = run(
        "agreement.renewal",
        "2026-01-15",
        &[("term_months", "1"), ("notice", "2 months")],
    )
    .unwrap_err();
    assert!(e.to_string().contains("longer than"), "{e}");
    let e = run("agreement.renewal", "2026-01-15", &[("term_months", "0")]).unwrap_err();
    assert!(e.to_string().contains("term_months"), "{e}");
}

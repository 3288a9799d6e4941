//! The rule catalogue of legal-rules.md: every rule id, its parameters and
//! defaults, and the computation that gives its strict and lenient readings
//! with notes in words. Rule ids are part of the public contract.

use std::collections::BTreeMap;

use crate::zone::Amsterdam;
use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::calendar::{Calendar, MAX_YEAR, MIN_YEAR};
use crate::period::{self, MonthEnd, Roll};

/// Whether a result is a deadline (act by) or a waiting period (do not act before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Deadline,
    NotBefore,
    /// A rule with several milestones, each with its own kind.
    Composite,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deadline => "deadline",
            Kind::NotBefore => "not_before",
            Kind::Composite => "composite",
        }
    }
}

/// One reading of a deadline. `date` is the last calendar day still in time
/// (Europe/Amsterdam) for day-based rules and absent for hour rules;
/// `instant` is the first moment that is late (deadline) or allowed (not_before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub date: Option<NaiveDate>,
    pub instant: DateTime<Utc>,
}

impl Reading {
    pub fn day(d: NaiveDate) -> Reading {
        Reading {
            date: Some(d),
            instant: period::end_of_day_exclusive(d),
        }
    }
    pub fn at(t: DateTime<Utc>) -> Reading {
        Reading {
            date: None,
            instant: t,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub name: &'static str,
    pub kind: Kind,
    pub strict: Reading,
    pub lenient: Reading,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readings {
    Single { strict: Reading, lenient: Reading },
    Milestones(Vec<Milestone>),
}

/// The result of a rule: what, why, and both readings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub rule: &'static str,
    pub kind: Kind,
    pub citation: &'static str,
    pub readings: Readings,
    pub notes: Vec<String>,
}

impl Outcome {
    /// The strict and lenient readings of a single rule, or of a named milestone.
    pub fn reading(&self, milestone: Option<&str>) -> Option<(Reading, Reading)> {
        match (&self.readings, milestone) {
            (Readings::Single { strict, lenient }, None) => Some((*strict, *lenient)),
            (Readings::Milestones(ms), Some(name)) => ms
                .iter()
                .find(|m| m.name == name)
                .map(|m| (m.strict, m.lenient)),
            _ => None,
        }
    }
}

/// A bad value as an error may show it: at most 24 characters, with the full
/// length when cut (the same convention as `proto::wire::quote`, which this
/// crate cannot depend on).
pub fn quote(s: &str) -> String {
    const MAX: usize = 24;
    let n = s.chars().count();
    if n <= MAX {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head:?}… ({n} characters)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("unknown rule {}; known rules: {known}", quote(.rule))]
    UnknownRule { rule: String, known: String },
    #[error("rule {rule} has no parameter {}; its parameters: {known}", quote(.param))]
    UnknownParam {
        rule: &'static str,
        param: String,
        known: String,
    },
    #[error("rule {rule} needs parameter {param}: {why}")]
    MissingParam {
        rule: &'static str,
        param: &'static str,
        why: &'static str,
    },
    #[error("parameter {param}: {reason}")]
    BadParam { param: String, reason: String },
    #[error("start {}: {reason}", quote(.value))]
    BadStart { value: String, reason: String },
    #[error("{0}")]
    Impossible(String),
}

/// What a rule counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartsAt {
    /// An RFC 3339 instant is required (hour clocks).
    Instant,
    /// An instant or a date; an instant counts by its Europe/Amsterdam date.
    InstantOrDate,
    /// A date; an instant is accepted and counts by its Europe/Amsterdam date.
    Date,
}

#[derive(Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    /// Empty when the parameter is optional without a default.
    pub default: &'static str,
    pub description: &'static str,
}

#[derive(Debug)]
pub struct RuleSpec {
    pub id: &'static str,
    pub kind: Kind,
    pub citation: &'static str,
    pub starts_at: StartsAt,
    pub start_description: &'static str,
    pub summary: &'static str,
    pub params: &'static [ParamSpec],
}

const fn param(name: &'static str, default: &'static str, description: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        default,
        description,
    }
}

const CALENDAR: ParamSpec = param(
    "calendar",
    "NL-ATW",
    "holiday calendar: NL-ATW or NL-ATW+KB",
);
const DSR_PARAMS: &[ParamSpec] = &[
    param(
        "suspension",
        "none",
        "identity-verification mode of the controller: none, suspend or restart",
    ),
    param(
        "id_requested_at",
        "",
        "when identity was asked for (instant or date); with suspend or restart",
    ),
    param(
        "id_received_at",
        "",
        "when the identity was received (instant or date); with suspend or restart",
    ),
    CALENDAR,
];

pub const CATALOGUE: &[RuleSpec] = &[
    RuleSpec {
        id: "breach.controller_notice",
        kind: Kind::Deadline,
        citation: "GDPR art. 33(2); processing agreement notice SLA",
        starts_at: StartsAt::Instant,
        start_description: "the processor's awareness of the breach (instant)",
        summary: "the processor must notify the controller within the contract SLA, counted in elapsed hours",
        params: &[param(
            "sla_hours",
            "24",
            "the agreement's notice SLA in hours, 1 to 720 (48 in the model agreements)",
        )],
    },
    RuleSpec {
        id: "breach.authority_notice",
        kind: Kind::Deadline,
        citation: "GDPR art. 33(1); EDPB Guidelines 9/2022; Reg. (EEC, Euratom) 1182/71 art. 3",
        starts_at: StartsAt::Instant,
        start_description: "the controller's awareness of the breach (instant)",
        summary: "the controller must notify the supervisory authority within 72 elapsed hours",
        params: &[param(
            "processor_aware_at",
            "",
            "the processor's awareness (instant); when earlier, the strict reading counts from it",
        )],
    },
    RuleSpec {
        id: "breach.office_hours_response",
        kind: Kind::Deadline,
        citation: "the agreement's support clause: a response time in office hours",
        starts_at: StartsAt::Instant,
        start_description: "the moment the incident was reported (instant)",
        summary: "a response within a number of office hours, Mon-Fri 09:00-17:00 Europe/Amsterdam, holidays excluded",
        params: &[param("hours", "48", "office hours, 1 to 1000"), CALENDAR],
    },
    RuleSpec {
        id: "dsr.response",
        kind: Kind::Deadline,
        citation: "GDPR art. 12(3); Reg. (EEC, Euratom) 1182/71 art. 3; EDPB Guidelines 01/2022 sections 159-161",
        starts_at: StartsAt::InstantOrDate,
        start_description: "receipt of the request (instant; its Europe/Amsterdam date counts)",
        summary: "the answer to a data-subject request is due one month after receipt",
        params: DSR_PARAMS,
    },
    RuleSpec {
        id: "dsr.extension_notice",
        kind: Kind::Deadline,
        citation: "GDPR art. 12(3) third sentence; Reg. (EEC, Euratom) 1182/71 art. 3; EDPB Guidelines 01/2022 section 161",
        starts_at: StartsAt::InstantOrDate,
        start_description: "receipt of the request (instant; its Europe/Amsterdam date counts)",
        summary: "the last moment to tell the subject about an extension, with reasons",
        params: DSR_PARAMS,
    },
    RuleSpec {
        id: "dsr.extended_response",
        kind: Kind::Deadline,
        citation: "GDPR art. 12(3) second sentence; Reg. (EEC, Euratom) 1182/71 art. 3",
        starts_at: StartsAt::InstantOrDate,
        start_description: "receipt of the request (instant; its Europe/Amsterdam date counts)",
        summary: "the answer after a valid extension by two further months",
        params: DSR_PARAMS,
    },
    RuleSpec {
        id: "subprocessor.objection_window",
        kind: Kind::NotBefore,
        citation: "GDPR art. 28(2); the processing agreement's objection period (two weeks in the model agreement); SCC 2021/915 clause 7.7(a)",
        starts_at: StartsAt::InstantOrDate,
        start_description: "the moment the change notice was delivered (instant)",
        summary: "the new sub-processor may process this controller's data only after the objection window",
        params: &[
            param(
                "days",
                "14",
                "the agreement's objection period in days, 1 to 90",
            ),
            CALENDAR,
        ],
    },
    RuleSpec {
        id: "agreement.renewal",
        kind: Kind::Composite,
        citation: "the processing agreement's term and notice clauses (the model agreements: one year, renewing, two months' notice; three months' notice where none was agreed)",
        starts_at: StartsAt::Date,
        start_description: "the contract's start date (date)",
        summary: "the end of the contract period a notice given on as_of can still stop, and the last day to give that notice",
        params: &[
            param("term_months", "12", "the initial term in months, 1 to 120"),
            param(
                "renewal_months",
                "",
                "each renewal's length in months, 1 to 120; default: the initial term",
            ),
            param("auto_renew", "true", "true or false"),
            param(
                "notice",
                "3 months",
                "the notice period before the end of a period: N days, N weeks or N months, N from 0",
            ),
            param(
                "as_of",
                "",
                "the day notice would be given (date); default: the start date",
            ),
        ],
    },
    RuleSpec {
        id: "retention.applicant",
        kind: Kind::Deadline,
        citation: "GDPR art. 5(1)(e) and 17(1)(b); AP guidance on applicant data; NVP Sollicitatiecode art. 6.3",
        starts_at: StartsAt::Date,
        start_description: "the end of the application procedure (date)",
        summary: "when a candidate's data must be deleted: 4 weeks, 12 months with talent-pool consent, or the day consent is withdrawn",
        params: &[
            param("consent", "none", "none or talent_pool"),
            param(
                "withdrawn_at",
                "",
                "the day talent-pool consent was withdrawn (date)",
            ),
            param(
                "weeks",
                "4",
                "the controller's period without consent, in weeks, 1 to 52",
            ),
            param(
                "months",
                "12",
                "the controller's period with talent-pool consent, in months, 1 to 24",
            ),
        ],
    },
    RuleSpec {
        id: "dataact.switching",
        kind: Kind::Composite,
        citation: "Regulation (EU) 2023/2854 (Data Act) art. 25(2)(a), (c), (d), (g), (h) and 25(4); Reg. (EEC, Euratom) 1182/71 art. 3",
        starts_at: StartsAt::InstantOrDate,
        start_description: "the customer's switching request (instant or date)",
        summary: "the milestones of a Data Act switch or exit",
        params: &[
            param(
                "notice_months",
                "2",
                "the contract's notice period in months: 1 or 2 (at most 2, art. 25(2)(d))",
            ),
            param(
                "election",
                "switch",
                "switch, on_prem or erase (art. 25(3))",
            ),
            CALENDAR,
        ],
    },
];

pub fn spec(id: &str) -> Option<&'static RuleSpec> {
    CATALOGUE.iter().find(|r| r.id == id)
}

/// A parsed start value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Instant(DateTime<Utc>),
    Date(NaiveDate),
}

impl Start {
    pub fn parse(s: &str) -> Result<Start, RuleError> {
        let t = s.trim();
        if let Ok(x) = DateTime::parse_from_rfc3339(t) {
            return Ok(Start::Instant(x.with_timezone(&Utc)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok(Start::Date(d));
        }
        Err(RuleError::BadStart {
            value: s.to_owned(),
            reason: "expected an RFC 3339 instant such as 2026-03-27T16:00:00+01:00 or a date such as 2026-06-10".into(),
        })
    }

    /// The Europe/Amsterdam date this start counts from.
    pub fn date(self) -> NaiveDate {
        match self {
            Start::Instant(t) => period::local_date(t),
            Start::Date(d) => d,
        }
    }
}

/// Computes a rule from its id, a raw start value and raw parameters.
pub fn compute(
    rule: &str,
    at: &str,
    params: &BTreeMap<String, String>,
) -> Result<Outcome, RuleError> {
    let spec = spec(rule).ok_or_else(|| RuleError::UnknownRule {
        rule: rule.to_owned(),
        known: CATALOGUE
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    for k in params.keys() {
        if !spec.params.iter().any(|p| p.name == k) {
            return Err(RuleError::UnknownParam {
                rule: spec.id,
                param: k.clone(),
                known: spec
                    .params
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let start = Start::parse(at)?;
    if spec.starts_at == StartsAt::Instant && matches!(start, Start::Date(_)) {
        return Err(RuleError::BadStart {
            value: at.to_owned(),
            reason: format!(
                "rule {} counts hours and needs an instant, such as 2026-03-27T16:00:00+01:00",
                spec.id
            ),
        });
    }
    let year = chrono::Datelike::year(&start.date());
    if !(MIN_YEAR..MAX_YEAR).contains(&year) {
        return Err(RuleError::BadStart {
            value: at.to_owned(),
            reason: format!("supported years are {MIN_YEAR} to {}", MAX_YEAR - 1),
        });
    }
    let p = Params {
        rule: spec.id,
        map: params,
    };
    let (readings, notes) = match spec.id {
        "breach.controller_notice" => breach_controller_notice(start, &p)?,
        "breach.authority_notice" => breach_authority_notice(start, &p)?,
        "breach.office_hours_response" => office_hours(start, &p)?,
        "dsr.response" | "dsr.extension_notice" => {
            let d = dsr(start, &p)?;
            let mut notes = d.notes;
            notes.extend(roll_note("the one-month period", &d.rolled1));
            if spec.id == "dsr.extension_notice" {
                notes.push("an extension is valid only if the subject is told, with reasons, within the first month".into());
            }
            (
                Readings::Single {
                    strict: Reading::day(d.raw1),
                    lenient: Reading::day(d.rolled1.date),
                },
                notes,
            )
        }
        "dsr.extended_response" => dsr_extended(start, &p)?,
        "subprocessor.objection_window" => objection_window(start, &p)?,
        "retention.applicant" => retention(start, &p)?,
        "agreement.renewal" => renewal(start, &p)?,
        "dataact.switching" => switching(start, &p)?,
        _ => unreachable!("every catalogue rule is dispatched"),
    };
    Ok(Outcome {
        rule: spec.id,
        kind: spec.kind,
        citation: spec.citation,
        readings,
        notes,
    })
}

struct Params<'a> {
    rule: &'static str,
    map: &'a BTreeMap<String, String>,
}

impl Params<'_> {
    fn raw(&self, name: &str) -> Option<&str> {
        self.map
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn u32(&self, name: &str, default: u32, min: u32, max: u32) -> Result<u32, RuleError> {
        let Some(v) = self.raw(name) else {
            return Ok(default);
        };
        let n: u32 = v.parse().map_err(|_| RuleError::BadParam {
            param: name.into(),
            reason: format!("expected a whole number, got {}", quote(v)),
        })?;
        if !(min..=max).contains(&n) {
            return Err(RuleError::BadParam {
                param: name.into(),
                reason: format!("must be {min} to {max}, got {n}"),
            });
        }
        Ok(n)
    }

    fn choice<'c>(
        &self,
        name: &str,
        choices: &[&'c str],
        default: &'c str,
    ) -> Result<&'c str, RuleError> {
        let Some(v) = self.raw(name) else {
            return Ok(default);
        };
        choices
            .iter()
            .find(|c| **c == v)
            .copied()
            .ok_or_else(|| RuleError::BadParam {
                param: name.into(),
                reason: format!("expected one of {}, got {}", choices.join(", "), quote(v)),
            })
    }

    fn instant(&self, name: &str) -> Result<Option<DateTime<Utc>>, RuleError> {
        let Some(v) = self.raw(name) else {
            return Ok(None);
        };
        DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| RuleError::BadParam {
                param: name.into(),
                reason: format!("expected an RFC 3339 instant, got {}", quote(v)),
            })
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, RuleError> {
        let Some(v) = self.raw(name) else {
            return Ok(None);
        };
        Start::parse(v)
            .map(|s| Some(s.date()))
            .map_err(|_| RuleError::BadParam {
                param: name.into(),
                reason: format!(
                    "expected a date (2026-06-10) or an RFC 3339 instant, got {}",
                    quote(v)
                ),
            })
    }

    fn calendar(&self) -> Result<Calendar, RuleError> {
        let Some(v) = self.raw("calendar") else {
            return Ok(Calendar::NlAtw);
        };
        Calendar::parse(v).ok_or_else(|| RuleError::BadParam {
            param: "calendar".into(),
            reason: format!("expected NL-ATW or NL-ATW+KB, got {}", quote(v)),
        })
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Amsterdam)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn roll_note(what: &str, r: &Roll) -> Option<String> {
    if r.skipped.is_empty() {
        return None;
    }
    let parts: Vec<String> = r
        .skipped
        .iter()
        .map(|(d, why)| format!("{d} is {why}"))
        .collect();
    Some(format!(
        "{}; rolled to the next working day, {}, {what} ends there in the rolled reading (Reg. 1182/71 art. 3(4))",
        parts.join("; "),
        r.date
    ))
}

fn clamp_note(from: NaiveDate, months: u32, m: MonthEnd) -> Option<String> {
    use chrono::Datelike;
    m.clamped.then(|| {
        format!(
            "{}-{:02}-{:02} does not exist; {months} month(s) from {from} ends on the last day of that month, {} (Reg. 1182/71 art. 3(2)(c))",
            m.date.year(),
            m.date.month(),
            from.day(),
            m.date
        )
    })
}

fn dst_note(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<String> {
    use chrono::Offset;
    let a = from.with_timezone(&Amsterdam).offset().fix();
    let b = to.with_timezone(&Amsterdam).offset().fix();
    (a != b).then(|| {
        format!(
            "the period crosses a daylight-saving change: it runs from {} to {}, exactly the elapsed hours, so the local clock time differs",
            local(from),
            local(to)
        )
    })
}

fn breach_controller_notice(
    start: Start,
    p: &Params,
) -> Result<(Readings, Vec<String>), RuleError> {
    let Start::Instant(t) = start else {
        unreachable!("checked by StartsAt::Instant")
    };
    let h = p.u32("sla_hours", 24, 1, 720)?;
    let due = period::add_elapsed_hours(t, h);
    let mut notes = vec![format!(
        "the agreement's SLA of {h} hours runs as elapsed time, nights, weekends and holidays included; the GDPR itself sets no number of hours"
    )];
    notes.extend(dst_note(t, due));
    Ok((
        Readings::Single {
            strict: Reading::at(due),
            lenient: Reading::at(due),
        },
        notes,
    ))
}

fn breach_authority_notice(start: Start, p: &Params) -> Result<(Readings, Vec<String>), RuleError> {
    let Start::Instant(controller) = start else {
        unreachable!("checked by StartsAt::Instant")
    };
    let processor = p.instant("processor_aware_at")?;
    let lenient = period::add_elapsed_hours(controller, 72);
    let from = match processor {
        Some(pa) if pa < controller => pa,
        _ => controller,
    };
    let strict = period::add_elapsed_hours(from, 72);
    let mut notes = vec![
        "72 hours of elapsed time; no weekend, night or holiday extension (GDPR art. 33(1) says hours; Reg. 1182/71 art. 3)"
            .to_owned(),
    ];
    match processor {
        Some(pa) if pa < controller => notes.push(format!(
            "strict reading counts from the processor's awareness at {}; lenient from the controller's at {} (EDPB 9/2022)",
            local(pa),
            local(controller)
        )),
        Some(_) => notes.push("the controller was aware no later than the processor; both readings count from the controller's awareness".into()),
        None => {}
    }
    notes.extend(dst_note(from, strict));
    notes.push(format!(
        "Reg. 1182/71 art. 3(1) read literally (the hour of awareness not counted) would give {}; Custodian never schedules on that outer bound",
        local(period::outer_bound_1182(controller, 72))
    ));
    Ok((
        Readings::Single {
            strict: Reading::at(strict),
            lenient: Reading::at(lenient),
        },
        notes,
    ))
}

fn office_hours(start: Start, p: &Params) -> Result<(Readings, Vec<String>), RuleError> {
    let Start::Instant(t) = start else {
        unreachable!("checked by StartsAt::Instant")
    };
    let h = p.u32("hours", 48, 1, 1000)?;
    let cal = p.calendar()?;
    let (due, skipped) = period::add_office_hours(t, h, cal);
    let mut notes = vec![format!(
        "{h} office hours, Monday to Friday 09:00-17:00 Europe/Amsterdam, {} holidays excluded",
        cal.id()
    )];
    let holidays: Vec<String> = skipped
        .iter()
        .filter(|(_, why)| !why.starts_with("a S"))
        .map(|(d, why)| format!("{d} ({why})"))
        .collect();
    if !holidays.is_empty() {
        notes.push(format!("holidays passed over: {}", holidays.join(", ")));
    }
    Ok((
        Readings::Single {
            strict: Reading::at(due),
            lenient: Reading::at(due),
        },
        notes,
    ))
}

struct Dsr {
    /// The receipt date, or the identity-receipt date for `restart`.
    base: NaiveDate,
    /// Calendar days of suspension (mode `suspend`).
    suspended: u64,
    raw1: NaiveDate,
    rolled1: Roll,
    cal: Calendar,
    notes: Vec<String>,
}

fn dsr(start: Start, p: &Params) -> Result<Dsr, RuleError> {
    let receipt = start.date();
    let cal = p.calendar()?;
    let mode = p.choice("suspension", &["none", "suspend", "restart"], "none")?;
    let asked = p.date("id_requested_at")?;
    let got = p.date("id_received_at")?;
    let mut notes = Vec::new();
    let mut base = receipt;
    let mut suspended = 0u64;
    if mode == "none" {
        if asked.is_some() || got.is_some() {
            notes.push(
                "this controller's mode is none: identity verification does not move the deadline"
                    .into(),
            );
        }
    } else {
        let asked = asked.ok_or(RuleError::MissingParam {
            rule: p.rule,
            param: "id_requested_at",
            why: "suspension suspend or restart needs the day identity was asked for",
        })?;
        let got = got.ok_or(RuleError::MissingParam {
            rule: p.rule,
            param: "id_received_at",
            why: "suspension suspend or restart needs the day the identity was received",
        })?;
        if asked < receipt {
            return Err(RuleError::Impossible(format!(
                "id_requested_at {asked} is before the receipt {receipt}"
            )));
        }
        if got < asked {
            return Err(RuleError::Impossible(format!(
                "id_received_at {got} is before id_requested_at {asked}"
            )));
        }
        let latest = period::add_working_days(receipt, 3, cal);
        if asked > latest {
            notes.push(format!(
                "identity was asked for on {asked}, later than 3 working days after receipt ({latest}): no suspension applies"
            ));
        } else if mode == "suspend" {
            suspended = (got - asked).num_days() as u64;
            notes.push(format!(
                "the clock stood still for {suspended} day(s) while identity was verified ({asked} to {got}; EDPB 01/2022 section 159)"
            ));
        } else {
            base = got;
            notes.push(format!(
                "the month restarts from the receipt of the identity on {got} (mode restart)"
            ));
        }
    }
    let m = period::add_months(base, 1);
    notes.extend(clamp_note(base, 1, m));
    let raw1 = m.date + Days::new(suspended);
    let rolled1 = period::roll_forward(raw1, cal);
    Ok(Dsr {
        base,
        suspended,
        raw1,
        rolled1,
        cal,
        notes,
    })
}

fn dsr_extended(start: Start, p: &Params) -> Result<(Readings, Vec<String>), RuleError> {
    let d = dsr(start, p)?;
    let a_raw = period::add_months(d.base, 3).date + Days::new(d.suspended);
    let b_raw = period::add_months(d.raw1, 2).date;
    let c_raw = period::add_months(d.rolled1.date, 2).date;
    let cands = [
        ("receipt + 3 months", period::roll_forward(a_raw, d.cal)),
        (
            "unrolled first month + 2 months",
            period::roll_forward(b_raw, d.cal),
        ),
        (
            "rolled first month + 2 months",
            period::roll_forward(c_raw, d.cal),
        ),
    ];
    let strict = cands
        .iter()
        .map(|c| c.1.date)
        .min()
        .expect("three candidates");
    let lenient = cands
        .iter()
        .map(|c| c.1.date)
        .max()
        .expect("three candidates");
    let mut notes = d.notes;
    notes.push(format!(
        "the text does not say where the two further months start; readings: {}; strict is the earliest, lenient the latest (GDPR art. 12(3))",
        cands.iter().map(|(n, r)| format!("{n} = {}", r.date)).collect::<Vec<_>>().join(", ")
    ));
    notes.push("valid only if the extension was announced, with reasons, by the dsr.extension_notice deadline".into());
    Ok((
        Readings::Single {
            strict: Reading::day(strict),
            lenient: Reading::day(lenient),
        },
        notes,
    ))
}

fn objection_window(start: Start, p: &Params) -> Result<(Readings, Vec<String>), RuleError> {
    let days = p.u32("days", 14, 1, 90)?;
    let cal = p.calendar()?;
    let sent = start.date();
    let end = period::add_days(sent, days);
    let rolled = period::roll_forward(end, cal);
    let mut notes = vec![format!(
        "the controller may object for {days} days from the delivery on {sent}; the window's last day is {end}; a contractual period, counted like Reg. 1182/71"
    )];
    if let Some(n) = roll_note("the window", &rolled) {
        notes.push(format!(
            "{n}; strict rolls so the controller's window is never shortened"
        ));
    }
    Ok((
        Readings::Single {
            strict: Reading::day(rolled.date),
            lenient: Reading::day(end),
        },
        notes,
    ))
}

/// A notice period: how far before the end of a contract period notice must
/// be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticePeriod {
    Days(u32),
    Weeks(u32),
    Months(u32),
}

impl NoticePeriod {
    /// Parses `N days`, `N weeks` or `N months` (singular accepted).
    pub fn parse(s: &str) -> Option<NoticePeriod> {
        let mut it = s.split_whitespace();
        let n: u32 = it.next()?.parse().ok()?;
        let unit = it.next()?;
        if it.next().is_some() || n > 3650 {
            return None;
        }
        match unit.trim_end_matches('s') {
            "day" => Some(NoticePeriod::Days(n)),
            "week" => Some(NoticePeriod::Weeks(n)),
            "month" => Some(NoticePeriod::Months(n)),
            _ => None,
        }
    }

    /// The last day notice is in time for a period whose last day is
    /// `last_day`: N before the end of that day, counted backwards (the
    /// end-of-period roll of Reg. 1182/71 art. 3(4) does not apply backwards).
    pub fn last_notice_day(self, last_day: NaiveDate) -> NaiveDate {
        let end = last_day + Days::new(1);
        let back = match self {
            NoticePeriod::Days(n) => end - Days::new(u64::from(n)),
            NoticePeriod::Weeks(n) => end - Days::new(7 * u64::from(n)),
            NoticePeriod::Months(n) => period::sub_months(end, n).date,
        };
        back - Days::new(1)
    }
}

impl std::fmt::Display for NoticePeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, u) = match self {
            NoticePeriod::Days(n) => (n, "day"),
            NoticePeriod::Weeks(n) => (n, "week"),
            NoticePeriod::Months(n) => (n, "month"),
        };
        write!(f, "{n} {u}{}", if *n == 1 { "" } else { "s" })
    }
}

/// The first day of contract period `k` (0 = the initial term), counted from
/// the start date each time so month clamps never drift.
/// The first day of contract period `k` (0 = the initial term).
fn period_start(start: NaiveDate, term: u32, renewal: u32, k: u32) -> NaiveDate {
    if k == 0 {
        start
    } else {
        period_last_day(start, term + (k - 1) * renewal) + Days::new(1)
    }
}

/// The last day of a contract term of `months` months from `start` (the start
/// day is the term's first day, docs/deadlines.md "Contract terms in months"):
/// the day before the same date `months` later, or, when that date does not
/// exist, the last day of that month (the month-end clamp of C3): a one-month
/// term from 31 January ends on 28 (29) February, from 15 January on
/// 14 February.
pub fn period_last_day(start: NaiveDate, months: u32) -> NaiveDate {
    let m = period::add_months(start, months);
    if m.clamped {
        m.date
    } else {
        m.date - Days::new(1)
    }
}

fn renewal(start: Start, p: &Params) -> Result<(Readings, Vec<String>), RuleError> {
    let term = p.u32("term_months", 12, 1, 120)?;
    let renew = p.u32("renewal_months", term, 1, 120)?;
    let auto = p.choice("auto_renew", &["true", "false"], "true")? == "true";
    let notice = match p.raw("notice") {
        None => NoticePeriod::Months(3),
        Some(v) => NoticePeriod::parse(v).ok_or_else(|| RuleError::BadParam {
            param: "notice".into(),
            reason: format!(
                "expected N days, N weeks or N months with N from 0, got {}",
                quote(v)
            ),
        })?,
    };
    let s = start.date();
    let as_of = p.date("as_of")?.unwrap_or(s);
    let mut notes = Vec::new();
    let day = |d: NaiveDate| Reading::day(d);
    if !auto {
        let last = period_last_day(s, term);
        notes.push(format!(
            "a fixed term of {term} month(s) from {s}: the contract ends after {last} without renewal"
        ));
        let ms = vec![Milestone {
            name: "period_end",
            kind: Kind::NotBefore,
            strict: day(last),
            lenient: day(last),
        }];
        return Ok((Readings::Milestones(ms), notes));
    }
    // Notice longer than a period would be due before that period began.
    for (k, len) in [(0, term), (1, renew)] {
        let first = period_start(s, term, renew, k);
        let last = period_start(s, term, renew, k + 1) - Days::new(1);
        if notice.last_notice_day(last) < first {
            return Err(RuleError::BadParam {
                param: "notice".into(),
                reason: format!(
                    "a notice period of {notice} is longer than a {len}-month period, so notice would be due before the period began"
                ),
            });
        }
    }
    // The first period whose notice deadline has not passed on as_of.
    let mut k = 0;
    let (last, by) = loop {
        let last = period_start(s, term, renew, k + 1) - Days::new(1);
        let by = notice.last_notice_day(last);
        if by >= as_of {
            break (last, by);
        }
        k += 1;
        if k > 12 * 200 {
            return Err(RuleError::Impossible(
                "as_of is too far after the start".into(),
            ));
        }
    };
    if k > 0 {
        let missed = period_start(s, term, renew, k) - Days::new(1);
        notes.push(format!(
            "notice on {as_of} is too late for the period ending {missed}: the contract renews once more"
        ));
    }
    notes.push(format!(
        "{notice}' notice before the end of the period ending {last}: notice must be given by {by}; counted backwards, so never rolled (Reg. 1182/71 art. 3(4) applies to the end of a period only)"
    ));
    notes.push(format!(
        "without notice the contract renews for {renew} month(s) from {}",
        last + Days::new(1)
    ));
    let ms = vec![
        Milestone {
            name: "notice_by",
            kind: Kind::Deadline,
            strict: day(by),
            lenient: day(by),
        },
        Milestone {
            name: "period_end",
            kind: Kind::NotBefore,
            strict: day(last),
            lenient: day(last),
        },
    ];
    Ok((Readings::Milestones(ms), notes))
}

fn retention(start: Start, p: &Params) -> Result<(Readings, Vec<String>), RuleError> {
    let end = start.date();
    let consent = p.choice("consent", &["none", "talent_pool"], "none")?;
    let withdrawn = p.date("withdrawn_at")?;
    let weeks = p.u32("weeks", 4, 1, 52)?;
    let months = p.u32("months", 12, 1, 24)?;
    let mut notes = Vec::new();
    let without_consent = period::add_weeks(end, weeks);
    let due = match (consent, withdrawn) {
        ("none", Some(_)) => {
            return Err(RuleError::BadParam {
                param: "withdrawn_at".into(),
                reason: "applies only with consent=talent_pool".into(),
            });
        }
        ("none", None) => {
            notes.push(format!(
                "{weeks} weeks after the procedure ended on {end} (AP guidance: 4 weeks; NVP Sollicitatiecode)"
            ));
            without_consent
        }
        (_, None) => {
            let m = period::add_months(end, months);
            notes.push(format!(
                "{months} months after the procedure ended on {end}, with the candidate's talent-pool consent (AP guidance: up to 12)"
            ));
            notes.extend(clamp_note(end, months, m));
            m.date
        }
        (_, Some(w)) if w < end => {
            notes.push(format!(
                "consent was withdrawn on {w}, before the procedure ended: the {weeks}-week period without consent applies"
            ));
            without_consent
        }
        (_, Some(w)) => {
            let m = period::add_months(end, months);
            if w <= m.date {
                notes.push(format!(
                    "talent-pool consent was withdrawn on {w}, within the {months} months after the procedure ended on {end}: delete that day (GDPR art. 17(1)(b))"
                ));
                w
            } else {
                notes.push(format!(
                    "{months} months after the procedure ended on {end}, with the candidate's talent-pool consent (AP guidance: up to 12): the maximum ends on {}, before the withdrawal recorded for {w}, so the maximum applies",
                    m.date
                ));
                notes.extend(clamp_note(end, months, m));
                m.date
            }
        }
    };
    notes.push("guidance, not law: the GDPR fixes no retention period; retention maxima are never rolled forward (GDPR art. 5(1)(e): rolling would lengthen storage)".into());
    Ok((
        Readings::Single {
            strict: Reading::day(due),
            lenient: Reading::day(due),
        },
        notes,
    ))
}

fn switching(start: Start, p: &Params) -> Result<(Readings, Vec<String>), RuleError> {
    let n = p.u32("notice_months", 2, 1, 120)?;
    if n > 2 {
        return Err(RuleError::BadParam {
            param: "notice_months".into(),
            reason: format!(
                "the Data Act allows at most 2 months' notice (art. 25(2)(d)), got {n}"
            ),
        });
    }
    let election = p.choice("election", &["switch", "on_prem", "erase"], "switch")?;
    let cal = p.calendar()?;
    let r = start.date();
    let mut notes = Vec::new();

    let ne = period::add_months(r, n);
    notes.extend(clamp_note(r, n, ne));
    let ne_raw = ne.date;
    let ne_roll = period::roll_forward(ne_raw, cal);
    if let Some(x) = roll_note("the notice period", &ne_roll) {
        notes.push(format!("{x}; the roll of Data Act day periods is disputed, so the primary reading does not roll"));
    }

    // What the provider must finish: strict = no roll.
    let te_strict = period::add_days(ne_raw, 30);
    let te_lenient = period::roll_forward(period::add_days(ne_roll.date, 30), cal).date;
    // How long data must stay retrievable: strict = every end rolled (later).
    let te_chain = period::roll_forward(period::add_days(ne_roll.date, 30), cal).date;
    let re_strict = period::roll_forward(period::add_days(te_chain, 30), cal).date;
    let re_lenient = period::add_days(te_strict, 30);
    let unfeasible = period::add_working_days(r, 14, cal);
    let alt_strict = period::add_months(ne_raw, 7).date;
    let alt_lenient = period::roll_forward(period::add_months(ne_roll.date, 7).date, cal).date;

    let m = |name, kind, s: NaiveDate, l: NaiveDate| Milestone {
        name,
        kind,
        strict: Reading::day(s),
        lenient: Reading::day(l),
    };
    let mut ms = vec![
        m("notice_end", Kind::Deadline, ne_raw, ne_roll.date),
        m("transition_end", Kind::Deadline, te_strict, te_lenient),
        m("retrieval_end", Kind::NotBefore, re_strict, re_lenient),
        m("erasure_not_before", Kind::NotBefore, re_strict, re_lenient),
        m(
            "unfeasibility_notice",
            Kind::Deadline,
            unfeasible,
            unfeasible,
        ),
        m(
            "alternative_transition_max_end",
            Kind::Deadline,
            alt_strict,
            alt_lenient,
        ),
    ];
    notes.push(format!(
        "notice of {n} month(s) from the request on {r}; a transition of at most 30 days follows (art. 25(2)(a), (d))"
    ));
    notes.push("transition_end: what the provider must finish, strict without rolls; retrieval_end and erasure_not_before: how long data must stay retrievable, strict with every end rolled (the later)".into());
    notes.push(format!(
        "unfeasibility must be notified within 14 working days of the request ({}), with an alternative transition of at most 7 months after the notice period (art. 25(4))",
        cal.id()
    ));
    if election == "erase" {
        ms.push(m("contract_end", Kind::Deadline, ne_raw, ne_roll.date));
        notes.push("the customer elected erasure: the contract ends at the end of the notice period (art. 25(2)(c)(ii))".into());
    } else {
        notes.push(
            "the contract ends when the switch is confirmed complete (art. 25(2)(c)(i))".into(),
        );
    }
    Ok((Readings::Milestones(ms), notes))
}

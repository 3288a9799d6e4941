//! The clocks: the controller notice (the agreement's hours from awareness)
//! and the authority notice (72 hours, art. 33(1)), their states, awareness.

use super::*;

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Running, not yet due.
    Open,
    /// Past the strict reading and not done.
    Overdue,
    /// Done by the strict reading.
    Met,
    /// Done after the strict reading.
    Late,
    /// The act is not required (an authority notice for a risk assessed unlikely).
    NotRequired,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Open => "open",
            ClockState::Overdue => "overdue",
            ClockState::Met => "met",
            ClockState::Late => "late",
            ClockState::NotRequired => "not_required",
        }
    }
}

/// A clock: its rule, both readings, what it counts from, and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub rule: &'static str,
    pub strict: DateTime<Utc>,
    pub lenient: DateTime<Utc>,
    pub basis: String,
    pub notes: Vec<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub state: ClockState,
}

pub fn state(
    strict: DateTime<Utc>,
    done_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ClockState {
    match done_at {
        Some(d) if d <= strict => ClockState::Met,
        Some(_) => ClockState::Late,
        None if now >= strict => ClockState::Overdue,
        None => ClockState::Open,
    }
}

fn single(
    rule: &str,
    start: DateTime<Utc>,
    params: &[(&str, String)],
) -> Result<legal_time::Outcome, String> {
    let p: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    legal_time::compute(rule, &proto::wire::timestamp(start), &p).map_err(|e| e.to_string())
}

/// The processor-to-controller clock (rule breach.controller_notice): the
/// agreement's SLA in elapsed hours from the processor's discovery. It is
/// met when the initial notice reached the controller (`delivered_at`).
pub fn controller_clock(
    discovered_at: DateTime<Utc>,
    sla_hours: u32,
    delivered_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Clock, String> {
    let o = single(
        "breach.controller_notice",
        discovered_at,
        &[("sla_hours", sla_hours.to_string())],
    )?;
    let (s, l) = o
        .reading(None)
        .ok_or("breach.controller_notice has one reading")?;
    Ok(Clock {
        rule: "breach.controller_notice",
        strict: s.instant,
        lenient: l.instant,
        basis: format!(
            "the processor's discovery at {}, plus the agreement's SLA of {sla_hours} hours",
            proto::wire::timestamp(discovered_at)
        ),
        notes: o.notes,
        done_at: delivered_at,
        state: state(s.instant, delivered_at, now),
    })
}

/// What the controller's awareness rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awareness {
    /// The controller acknowledged the notice and said when it became aware.
    Acknowledged(DateTime<Utc>),
    /// Not acknowledged, but the initial notice was delivered: the EDPB
    /// presumes awareness once the processor has informed the controller.
    Delivered(DateTime<Utc>),
    /// Nothing reached the controller yet.
    Unknown,
}

/// The 72-hour clock (rule breach.authority_notice): strict from the
/// processor's awareness, lenient from the controller's. While the
/// controller's awareness is unknown both readings count from the
/// processor's.
pub fn authority_clock(
    processor_aware_at: DateTime<Utc>,
    controller: Awareness,
    risk: Risk,
    notified_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Clock, String> {
    let (start, basis) = match controller {
        Awareness::Acknowledged(t) => (
            t,
            format!(
                "strict: the processor's awareness at {}; lenient: the controller's awareness at {} (acknowledged)",
                proto::wire::timestamp(processor_aware_at),
                proto::wire::timestamp(t)
            ),
        ),
        Awareness::Delivered(t) => (
            t,
            format!(
                "strict: the processor's awareness at {}; lenient: the delivery of the initial notice at {} (EDPB 9/2022: the controller is aware once the processor has informed it); not yet acknowledged",
                proto::wire::timestamp(processor_aware_at),
                proto::wire::timestamp(t)
            ),
        ),
        Awareness::Unknown => (
            processor_aware_at,
            format!(
                "the processor's awareness at {}; the controller's awareness is not known yet (no notice delivered)",
                proto::wire::timestamp(processor_aware_at)
            ),
        ),
    };
    let o = single(
        "breach.authority_notice",
        start,
        &[(
            "processor_aware_at",
            proto::wire::timestamp(processor_aware_at),
        )],
    )?;
    let (s, l) = o
        .reading(None)
        .ok_or("breach.authority_notice has one reading")?;
    let mut notes = o.notes;
    let st = if risk == Risk::Unlikely && notified_at.is_none() {
        notes.push(
            "the risk is assessed as unlikely: art. 33(1) requires no notification, but the breach stays in the register (art. 33(5))"
                .into(),
        );
        ClockState::NotRequired
    } else {
        state(s.instant, notified_at, now)
    };
    if let Some(n) = notified_at
        && n > s.instant
        && n <= l.instant
    {
        notes.push("late by the strict reading, in time by the lenient reading".into());
    }
    Ok(Clock {
        rule: "breach.authority_notice",
        strict: s.instant,
        lenient: l.instant,
        basis,
        notes,
        done_at: notified_at,
        state: st,
    })
}

/// Hours between discovery and the assessment beyond which the EDPB's
/// "short initial investigation" is flagged (legal-rules.md A3).
pub const INVESTIGATION_FLAG_HOURS: i64 = 24;

pub fn investigation_flag(
    discovered_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<String> {
    let until = decided_at.unwrap_or(now);
    let hours = (until - discovered_at).num_hours();
    if hours <= INVESTIGATION_FLAG_HOURS {
        return None;
    }
    Some(match decided_at {
        Some(_) => format!(
            "the investigation took {hours} hours, more than {INVESTIGATION_FLAG_HOURS}: EDPB 9/2022 allows only a short investigation before awareness"
        ),
        None => format!(
            "not assessed {hours} hours after discovery, more than {INVESTIGATION_FLAG_HOURS}: EDPB 9/2022 allows only a short investigation before awareness"
        ),
    })
}

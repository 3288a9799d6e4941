//! The data-subject request domain, pure: the vocabularies, the state
//! machine, the deadlines (rules dsr.response, dsr.extension_notice,
//! dsr.extended_response) and the checks of extension and refusal. No IO.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use domain_kit::{
    FieldError, err, instant, instant_in_range, optional_text, optional_uuid, text, uuid_field,
};

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    Invalid(FieldError),
    /// A field error whose path is built at run time (`corrections.email`).
    #[error("{field}: {reason}")]
    InvalidValue { field: String, reason: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Precondition(String),
    #[error("internal: {0}")]
    Internal(String),
    /// A peer's answer, kept by its kind (a peer that is down is UNAVAILABLE).
    #[error("{0}")]
    Port(domain_kit::PortError),
}

impl domain_kit::Classified for RequestError {
    fn kind(&self) -> domain_kit::ErrorKind {
        use domain_kit::ErrorKind;
        match self {
            RequestError::Invalid(_) => ErrorKind::Invalid,
            RequestError::InvalidValue { .. } => ErrorKind::Invalid,
            RequestError::NotFound(_) => ErrorKind::NotFound,
            RequestError::Precondition(_) => ErrorKind::Precondition,
            RequestError::Internal(_) => ErrorKind::Internal,
            RequestError::Port(e) => domain_kit::Classified::kind(e),
        }
    }
}

impl From<FieldError> for RequestError {
    fn from(e: FieldError) -> Self {
        RequestError::Invalid(e)
    }
}

domain_kit::vocabulary!(
    /// The right exercised (GDPR art. 15-18, 20, 21).
    Kind {
        Access = "access",
        Rectification = "rectification",
        Erasure = "erasure",
        Restriction = "restriction",
        Portability = "portability",
        Objection = "objection",
    }
);

domain_kit::vocabulary!(
    /// How the request reached Custodian.
    Channel {
        ProcessorDirect = "processor_direct",
        ControllerInstruction = "controller_instruction",
    }
);

domain_kit::vocabulary!(
    /// Where a request stands.
    State {
        Open = "open",
        AwaitingIdentity = "awaiting_identity",
        Answered = "answered",
        Refused = "refused",
        Closed = "closed",
    }
);

domain_kit::vocabulary!(
    /// The controller's identity-suspension mode (legal-rules.md B6).
    Suspension {
        None = "none",
        Suspend = "suspend",
        Restart = "restart",
    }
);

/// A step of the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    AskIdentity,
    ReceiveIdentity,
    Extend,
    Fulfil,
    Refuse,
    Close,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::AskIdentity => "ask for identity",
            Step::ReceiveIdentity => "record the identity received",
            Step::Extend => "extend",
            Step::Fulfil => "fulfil",
            Step::Refuse => "refuse",
            Step::Close => "close",
        }
    }

    /// The audit action of the step.
    pub fn action(self) -> &'static str {
        match self {
            Step::AskIdentity => "dsr.identity_asked",
            Step::ReceiveIdentity => "dsr.identity_received",
            Step::Extend => "dsr.extend",
            Step::Fulfil => "dsr.fulfil",
            Step::Refuse => "dsr.refuse",
            Step::Close => "dsr.close",
        }
    }

    /// The state after the step, or FAILED_PRECONDITION naming the state.
    pub fn apply(self, from: State) -> Result<State, RequestError> {
        use State::*;
        let to = match (self, from) {
            (Step::AskIdentity, Open) => Some(AwaitingIdentity),
            (Step::ReceiveIdentity, AwaitingIdentity) => Some(Open),
            (Step::Extend, Open | AwaitingIdentity) => Some(from),
            (Step::Fulfil, Open) => Some(Answered),
            (Step::Refuse, Open | AwaitingIdentity) => Some(Refused),
            (Step::Close, Answered | Refused) => Some(Closed),
            _ => None,
        };
        to.ok_or_else(|| {
            RequestError::Precondition(format!(
                "cannot {} a request that is {}",
                self.name(),
                from.as_str()
            ))
        })
    }
}

/// The facts the deadlines depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockFacts {
    pub received_at: DateTime<Utc>,
    pub suspension: Suspension,
    pub identity_requested_at: Option<DateTime<Utc>>,
    pub identity_received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub rule: &'static str,
    pub strict: DateTime<Utc>,
    pub lenient: DateTime<Utc>,
    pub notes: Vec<String>,
}

/// The three deadlines of a request. While identity is awaited under
/// `suspend` or `restart`, the clock counts as if it arrived `now`: the
/// deadline moves on every day it is still awaited.
pub fn deadlines(
    f: &ClockFacts,
    now: DateTime<Utc>,
) -> Result<(Deadline, Deadline, Deadline), String> {
    let mut p = BTreeMap::new();
    p.insert("suspension".to_owned(), f.suspension.as_str().to_owned());
    let mut awaited = false;
    if f.suspension != Suspension::None
        && let Some(asked) = f.identity_requested_at
    {
        p.insert("id_requested_at".into(), proto::wire::timestamp(asked));
        let got = f.identity_received_at.unwrap_or_else(|| {
            awaited = true;
            now.max(asked)
        });
        p.insert("id_received_at".into(), proto::wire::timestamp(got));
    } else if f.suspension != Suspension::None {
        // Identity never asked for: nothing suspends the clock.
        p.insert("suspension".to_owned(), "none".to_owned());
    }
    let at = proto::wire::timestamp(f.received_at);
    let one = |rule: &'static str| -> Result<Deadline, String> {
        let o = legal_time::compute(rule, &at, &p).map_err(|e| e.to_string())?;
        let (s, l) = o.reading(None).ok_or("a single-reading rule")?;
        let mut notes = o.notes;
        if awaited {
            notes.push(
                "identity is still awaited: this deadline moves on each day until it is received"
                    .into(),
            );
        }
        Ok(Deadline {
            rule: o.rule,
            strict: s.instant,
            lenient: l.instant,
            notes,
        })
    };
    Ok((
        one("dsr.response")?,
        one("dsr.extension_notice")?,
        one("dsr.extended_response")?,
    ))
}

/// The earliest strict deadline any request received at `received_at` can
/// have, whatever happens to it later: the response deadline with no
/// suspension and no extension. A suspension only moves the month later
/// (identity is asked for no earlier than the receipt and received no
/// earlier than asked), an extension only adds to it, and the strict reading
/// is the end of a day that never falls earlier for a later receipt. So
/// requests read in receipt order have non-decreasing floors, which lets the
/// obligation source stop reading once the floor passes the last deadline it
/// keeps (tested below over every day of several years).
pub fn earliest_due(received_at: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let o = legal_time::compute(
        "dsr.response",
        &proto::wire::timestamp(received_at),
        &BTreeMap::new(),
    )
    .map_err(|e| e.to_string())?;
    let (s, _) = o.reading(None).ok_or("a single-reading rule")?;
    Ok(s.instant)
}

/// An extension is valid only if the subject is told within the first
/// month (art. 12(3)); Custodian refuses it after the lenient reading of
/// the extension-notice deadline (the EDPB rolls a weekend or holiday end,
/// 01/2022 section 161) and notes when it falls after the strict one.
pub fn check_extension(
    extended: bool,
    notice: &Deadline,
    now: DateTime<Utc>,
) -> Result<Option<String>, RequestError> {
    if extended {
        return Err(RequestError::Precondition(
            "the request was already extended; art. 12(3) allows one extension of two months"
                .into(),
        ));
    }
    if now >= notice.lenient {
        return Err(RequestError::Precondition(format!(
            "too late to extend: the subject had to be told by {} (rule {}); answer or refuse within the month",
            proto::wire::timestamp(notice.lenient),
            notice.rule
        )));
    }
    Ok((now >= notice.strict).then(|| {
        format!(
            "extended after the strict reading ({}) but before the lenient one ({})",
            proto::wire::timestamp(notice.strict),
            proto::wire::timestamp(notice.lenient)
        )
    }))
}

/// The art. 12(4) texts used when a refusal gives none.
pub const COMPLAINT_INFO: &str = "You may lodge a complaint with a supervisory authority, in the Netherlands the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl), GDPR art. 77.";
pub const JUDICIAL_REMEDY_INFO: &str = "You may seek a judicial remedy before the courts of the member state where the controller is established or where you live, GDPR art. 79.";

/// A data-subject request as it arrives, before validation.
pub struct RequestInput<'a> {
    pub controller_id: &'a str,
    pub kind: &'a str,
    pub channel: &'a str,
    /// RFC 3339.
    pub received_at: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub candidate_ref: &'a str,
    /// RFC 3339; empty: not yet (processor-direct requests only).
    pub subject_informed_at: &'a str,
    pub description: &'a str,
}

/// A validated new request.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub tenant: String,
    pub kind: Kind,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub email: String,
    pub phone: String,
    pub candidate_ref: Option<String>,
    pub subject_informed_at: Option<DateTime<Utc>>,
    pub description: Option<String>,
}

/// An instant not after `now`.
pub fn past(
    field: &'static str,
    s: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, FieldError> {
    instant(field, s)?
        .map(|t| instant_in_range(field, t, now))
        .transpose()
}

impl NewRequest {
    /// Validates `r` for `tenant` (decided by the service from the caller's
    /// scope); `now` bounds the instants given.
    pub fn parse(
        tenant: String,
        r: &RequestInput<'_>,
        now: DateTime<Utc>,
    ) -> Result<NewRequest, FieldError> {
        if r.kind.trim().is_empty() {
            return Err(err(
                "type",
                "must not be empty: expected access, rectification, erasure, restriction, portability or objection",
            ));
        }
        let kind = Kind::parse("type", r.kind)?;
        if r.channel.trim().is_empty() {
            return Err(err(
                "channel",
                "must not be empty: expected processor_direct or controller_instruction",
            ));
        }
        let channel = Channel::parse("channel", r.channel)?;
        let received_at = past("received_at", r.received_at, now)?
            .ok_or_else(|| err("received_at", "must not be empty"))?;
        let candidate_ref = optional_text("subject.candidate_ref", r.candidate_ref, 200)?;
        if r.email.trim().is_empty() && r.phone.trim().is_empty() && candidate_ref.is_none() {
            return Err(err(
                "subject",
                "give an e-mail address, a phone number or a candidate reference",
            ));
        }
        let subject_informed_at = past("subject_informed_at", r.subject_informed_at, now)?;
        if subject_informed_at.is_some() && channel != Channel::ProcessorDirect {
            return Err(err(
                "subject_informed_at",
                "only for processor_direct requests",
            ));
        }
        if subject_informed_at.is_some_and(|t| t < received_at) {
            return Err(err("subject_informed_at", "must not be before received_at"));
        }
        Ok(NewRequest {
            tenant,
            kind,
            channel,
            received_at,
            email: r.email.to_owned(),
            phone: r.phone.to_owned(),
            candidate_ref,
            subject_informed_at,
            description: optional_text("description", r.description, 4000)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn facts(received: &str) -> ClockFacts {
        ClockFacts {
            received_at: t(received),
            suspension: Suspension::None,
            identity_requested_at: None,
            identity_received_at: None,
        }
    }

    /// The floor the obligation source stops on: never later than the
    /// deadline in force (any suspension, identity asked or received on
    /// any day, extended or not) and never earlier for a later receipt.
    #[test]
    fn earliest_due_is_a_floor_that_grows_with_the_receipt() {
        let start = t("2025-12-20T23:30:00Z");
        let mut previous = None;
        // Every 7 hours for two years: each hour of the day, weekends,
        // month ends, holidays and both DST changes come by.
        for step in 0..(2 * 365 * 24 / 7) {
            let received = start + chrono::Duration::hours(7 * step);
            let floor = earliest_due(received).unwrap();
            if let Some(p) = previous {
                assert!(floor >= p, "the floor went back at {received}");
            }
            previous = Some(floor);
            for (mode, asked, got) in [
                (Suspension::None, None, None),
                (Suspension::Suspend, Some(0), Some(0)),
                (Suspension::Suspend, Some(1), Some(20)),
                (Suspension::Suspend, Some(2), None),
                (Suspension::Restart, Some(0), Some(3)),
                (Suspension::Restart, Some(3), Some(40)),
                (Suspension::Restart, Some(10), Some(11)),
            ] {
                let asked = asked.map(|d| received + chrono::Duration::hours(d * 24 + step % 5));
                let got = got
                    .and_then(|d| asked.map(|a| a.max(received + chrono::Duration::hours(d * 24))));
                let f = ClockFacts {
                    received_at: received,
                    suspension: mode,
                    identity_requested_at: asked,
                    identity_received_at: got,
                };
                let (r, _, x) = deadlines(&f, received + chrono::Duration::days(5)).unwrap();
                assert!(
                    r.strict >= floor,
                    "{mode:?} at {received}: {} < {floor}",
                    r.strict
                );
                assert!(x.strict >= floor, "extended {mode:?} at {received}");
            }
        }
    }

    #[test]
    fn one_month_from_receipt_rolled_for_the_weekend() {
        // 5 March 2026 → 5 April 2026 is Easter Sunday; Easter Monday is a
        // holiday, so the lenient reading ends Tuesday 7 April.
        let (r, n, x) = deadlines(
            &facts("2026-03-05T10:00:00+01:00"),
            t("2026-03-05T10:00:00Z"),
        )
        .unwrap();
        assert_eq!(r.rule, "dsr.response");
        assert_eq!(r.strict, t("2026-04-06T00:00:00+02:00"));
        assert_eq!(r.lenient, t("2026-04-08T00:00:00+02:00"));
        assert_eq!(n.strict, r.strict);
        assert_eq!(x.rule, "dsr.extended_response");
        // Three months from receipt (5 June, a Friday) is the earliest
        // construction; two months after the rolled first month (7 June, a
        // Sunday, rolled to Monday 8 June) the latest (legal-rules.md B5).
        assert_eq!(x.strict, t("2026-06-06T00:00:00+02:00"));
        assert_eq!(x.lenient, t("2026-06-09T00:00:00+02:00"));
    }

    #[test]
    fn end_of_month_clamps_never_add_thirty_days() {
        // EDPB example 33: 31 August → 30 September.
        let (r, _, _) = deadlines(
            &facts("2026-08-31T10:00:00+02:00"),
            t("2026-09-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(r.strict, t("2026-10-01T00:00:00+02:00"));
    }

    #[test]
    fn suspension_moves_the_deadline_while_identity_is_awaited() {
        let mut f = facts("2026-03-02T10:00:00+01:00");
        f.suspension = Suspension::Suspend;
        f.identity_requested_at = Some(t("2026-03-03T10:00:00+01:00"));
        let (a, _, _) = deadlines(&f, t("2026-03-10T10:00:00+01:00")).unwrap();
        assert!(a.notes.iter().any(|n| n.contains("still awaited")));
        f.identity_received_at = Some(t("2026-03-08T10:00:00+01:00"));
        let (b, _, _) = deadlines(&f, t("2026-03-20T10:00:00+01:00")).unwrap();
        // 5 days suspended: 2 April + 5 = 7 April.
        assert_eq!(b.strict, t("2026-04-08T00:00:00+02:00"));
        assert!(a.strict > b.strict, "awaiting longer moves it further");
        // Restart: one month from the receipt of the identity.
        f.suspension = Suspension::Restart;
        let (c, _, _) = deadlines(&f, t("2026-03-20T10:00:00+01:00")).unwrap();
        assert_eq!(c.strict, t("2026-04-09T00:00:00+02:00"));
        // Mode none: identity checks do not move it.
        f.suspension = Suspension::None;
        let (d, _, _) = deadlines(&f, t("2026-03-20T10:00:00+01:00")).unwrap();
        assert_eq!(d.strict, t("2026-04-03T00:00:00+02:00"));
    }

    #[test]
    fn a_late_extension_is_refused() {
        let (_, n, _) = deadlines(
            &facts("2026-03-05T10:00:00+01:00"),
            t("2026-03-05T10:00:00Z"),
        )
        .unwrap();
        assert!(
            check_extension(false, &n, t("2026-03-20T10:00:00Z"))
                .unwrap()
                .is_none()
        );
        // Between the strict (6 April 00:00) and lenient (8 April 00:00) ends: allowed, noted.
        assert!(
            check_extension(false, &n, t("2026-04-07T10:00:00+02:00"))
                .unwrap()
                .is_some()
        );
        assert!(matches!(
            check_extension(false, &n, t("2026-04-08T00:00:00+02:00")),
            Err(RequestError::Precondition(_))
        ));
        assert!(check_extension(true, &n, t("2026-03-20T10:00:00Z")).is_err());
    }

    #[test]
    fn the_state_machine() {
        use State::*;
        assert_eq!(Step::AskIdentity.apply(Open).unwrap(), AwaitingIdentity);
        assert_eq!(Step::ReceiveIdentity.apply(AwaitingIdentity).unwrap(), Open);
        assert!(Step::Fulfil.apply(AwaitingIdentity).is_err());
        assert_eq!(Step::Fulfil.apply(Open).unwrap(), Answered);
        assert!(Step::Fulfil.apply(Answered).is_err());
        assert_eq!(Step::Refuse.apply(AwaitingIdentity).unwrap(), Refused);
        assert!(Step::Close.apply(Open).is_err());
        assert_eq!(Step::Close.apply(Refused).unwrap(), Closed);
        assert!(Step::Extend.apply(Closed).is_err());
        let e = Step::Close.apply(Open).unwrap_err().to_string();
        assert!(e.contains("open"), "{e}");
    }
}

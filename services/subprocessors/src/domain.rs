//! The sub-processor domain: validated register entries and change
//! requests, objection windows, and the authorisation decision. No IO.
//!
//! The decision for one controller and one sub-processor at a moment is a
//! pure function of the facts ([`evaluate`]): the written authorisations
//! (the annex to the agreement, approvals), the change notices with their
//! delivery times, and the objections. Nothing is derived and stored, so
//! the answer for any past moment is the answer that was right then.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

pub use domain_kit::{
    AuthorisationMode as Mode, FieldError, err, instant, optional_text, optional_uuid, text,
    uuid_field,
};

#[derive(Debug, thiserror::Error)]
pub enum SubprocessorError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Precondition(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("internal: {0}")]
    Internal(String),
    /// A peer's answer, kept by its kind (a peer that is down is UNAVAILABLE).
    #[error("{0}")]
    Port(domain_kit::PortError),
}

impl From<domain_kit::PortError> for SubprocessorError {
    fn from(e: domain_kit::PortError) -> Self {
        SubprocessorError::Port(e)
    }
}

impl domain_kit::Classified for SubprocessorError {
    fn kind(&self) -> domain_kit::ErrorKind {
        use domain_kit::ErrorKind;
        match self {
            SubprocessorError::Invalid(_) => ErrorKind::Invalid,
            SubprocessorError::NotFound(_) => ErrorKind::NotFound,
            SubprocessorError::Precondition(_) => ErrorKind::Precondition,
            SubprocessorError::AlreadyExists(_) => ErrorKind::AlreadyExists,
            SubprocessorError::Internal(_) => ErrorKind::Internal,
            SubprocessorError::Port(e) => domain_kit::Classified::kind(e),
        }
    }
}

impl From<FieldError> for SubprocessorError {
    fn from(e: FieldError) -> Self {
        SubprocessorError::Invalid(e)
    }
}

pub fn email(field: &'static str, s: &str) -> Result<String, FieldError> {
    let t = text(field, s, 254)?;
    let ok = t.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
    }) && !t.contains(char::is_whitespace)
        && t.matches('@').count() == 1;
    if ok {
        Ok(t)
    } else {
        Err(err(
            field,
            format!("must be an e-mail address, got {}", proto::wire::quote(&t)),
        ))
    }
}

pub fn country(field: &'static str, s: &str) -> Result<String, FieldError> {
    let t = s.trim();
    if transfers::is_country(t) {
        Ok(t.to_owned())
    } else {
        Err(err(
            field,
            format!(
                "must be an ISO 3166-1 alpha-2 code in upper case, got {}",
                proto::wire::quote(t)
            ),
        ))
    }
}

pub fn date(field: &'static str, s: &str) -> Result<NaiveDate, FieldError> {
    domain_kit::date(field, s)
}

pub fn categories(field: &'static str, values: &[String]) -> Result<Vec<String>, FieldError> {
    domain_kit::vocab(field, values, domain_kit::DATA_CATEGORIES)
}

/// A register entry, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubprocessor {
    pub legal_name: String,
    pub address: String,
    pub country: String,
    pub service: String,
    pub data_categories: Vec<String>,
    pub contact_email: String,
    pub flowdown_contract_ref: String,
    pub flowdown_date: NaiveDate,
    pub adequacy_scope_met: bool,
    pub tia_reference: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Add,
    Replace,
    Remove,
}

impl ChangeKind {
    pub fn parse(s: &str) -> Result<ChangeKind, FieldError> {
        match s.trim() {
            "add" => Ok(ChangeKind::Add),
            "replace" => Ok(ChangeKind::Replace),
            "remove" => Ok(ChangeKind::Remove),
            x => Err(err(
                "kind",
                format!(
                    "expected add, replace or remove, got {}",
                    proto::wire::quote(x)
                ),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Add => "add",
            ChangeKind::Replace => "replace",
            ChangeKind::Remove => "remove",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The controller withdrew: the change goes ahead for it.
    Withdrawn,
    /// The processor does not engage the sub-processor for this controller.
    Sustained,
    /// The controller terminated the agreement over it.
    ContractTerminated,
}

impl Resolution {
    pub fn parse(s: &str) -> Result<Resolution, FieldError> {
        match s.trim() {
            "withdrawn" => Ok(Resolution::Withdrawn),
            "sustained" => Ok(Resolution::Sustained),
            "contract_terminated" => Ok(Resolution::ContractTerminated),
            x => Err(err(
                "resolution",
                format!(
                    "expected withdrawn, sustained or contract_terminated, got {}",
                    proto::wire::quote(x)
                ),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Withdrawn => "withdrawn",
            Resolution::Sustained => "sustained",
            Resolution::ContractTerminated => "contract_terminated",
        }
    }
}

pub fn parse_mode(s: &str) -> Mode {
    if s == "specific" {
        Mode::Specific
    } else {
        Mode::General
    }
}

/// The objection window of a delivered notice (rule subprocessor.objection_window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub opened_at: DateTime<Utc>,
    /// The last day to object, strict (rolled: never shortened) and lenient.
    pub last_day: NaiveDate,
    pub last_day_lenient: NaiveDate,
    /// The first moment the change may take effect (strict).
    pub closes_at: DateTime<Utc>,
    pub closes_at_lenient: DateTime<Utc>,
    pub notes: Vec<String>,
}

pub fn window(delivered_at: DateTime<Utc>, days: u32) -> Result<Window, String> {
    let mut p = BTreeMap::new();
    p.insert("days".to_owned(), days.to_string());
    let o = legal_time::compute(
        "subprocessor.objection_window",
        &proto::wire::timestamp(delivered_at),
        &p,
    )
    .map_err(|e| e.to_string())?;
    let (s, l) = o
        .reading(None)
        .ok_or("the objection window has one reading")?;
    Ok(Window {
        opened_at: delivered_at,
        last_day: s.date.ok_or("a day rule")?,
        last_day_lenient: l.date.ok_or("a day rule")?,
        closes_at: s.instant,
        closes_at_lenient: l.instant,
        notes: o.notes,
    })
}

/// The first moment of a day in Europe/Amsterdam.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    legal_time::period::start_of_day(d)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionFacts {
    pub id: String,
    pub filed_at: DateTime<Utc>,
    pub resolution: Option<(Resolution, DateTime<Utc>)>,
}

/// What a notice says, and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFacts {
    pub id: String,
    pub kind: ChangeKind,
    pub subprocessor_id: String,
    pub replaces_id: Option<String>,
    pub effective_on: NaiveDate,
    pub mode: Mode,
    pub objection_days: u32,
    pub delivered_at: Option<DateTime<Utc>>,
    /// A specific approval (true) or refusal (false), and when.
    pub approval: Option<(bool, DateTime<Utc>)>,
    pub objections: Vec<ObjectionFacts>,
}

impl NoticeFacts {
    /// Whether this notice adds `sub` (an addition, or the newcomer of a replacement).
    pub fn adds(&self, sub: &str) -> bool {
        matches!(self.kind, ChangeKind::Add | ChangeKind::Replace) && self.subprocessor_id == sub
    }
    /// Whether this notice takes `sub` away.
    pub fn removes(&self, sub: &str) -> bool {
        match self.kind {
            ChangeKind::Remove => self.subprocessor_id == sub,
            ChangeKind::Replace => self.replaces_id.as_deref() == Some(sub),
            ChangeKind::Add => false,
        }
    }
    pub fn window(&self) -> Option<Window> {
        match (self.mode, self.kind, self.delivered_at) {
            (Mode::General, ChangeKind::Add | ChangeKind::Replace, Some(d)) => {
                window(d, self.objection_days).ok()
            }
            _ => None,
        }
    }
}

/// A written authorisation outside a notice: the annex to the agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFacts {
    pub id: String,
    pub reference: String,
    pub effective_from: DateTime<Utc>,
}

/// Where a notice stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeStatus {
    AwaitingDelivery,
    WindowOpen,
    Objected,
    ApprovalRequired,
    Approved,
    Refused,
    /// The window closed (or approval came) and the effective date is ahead.
    Scheduled,
    InEffect,
    /// An objection was sustained or the contract terminated over it.
    Blocked,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::AwaitingDelivery => "awaiting_delivery",
            NoticeStatus::WindowOpen => "window_open",
            NoticeStatus::Objected => "objected",
            NoticeStatus::ApprovalRequired => "approval_required",
            NoticeStatus::Approved => "approved",
            NoticeStatus::Refused => "refused",
            NoticeStatus::Scheduled => "scheduled",
            NoticeStatus::InEffect => "in_effect",
            NoticeStatus::Blocked => "blocked",
        }
    }
}

/// The objection that governs a notice at `at`: a sustained or terminating
/// one blocks for good; an open one blocks while open; a withdrawn one
/// stops blocking when it was withdrawn.
fn objection_state(n: &NoticeFacts, at: DateTime<Utc>) -> ObjState {
    let mut state = ObjState::None;
    for o in n.objections.iter().filter(|o| o.filed_at <= at) {
        match o.resolution {
            Some((Resolution::Withdrawn, t)) if t <= at => {
                if matches!(state, ObjState::None) {
                    state = ObjState::Withdrawn(t);
                } else if let ObjState::Withdrawn(prev) = state {
                    state = ObjState::Withdrawn(prev.max(t));
                }
            }
            Some((r, t)) if t <= at && r != Resolution::Withdrawn => return ObjState::Final(r),
            _ => return ObjState::Open(o.filed_at),
        }
    }
    state
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjState {
    None,
    Open(DateTime<Utc>),
    Withdrawn(DateTime<Utc>),
    Final(Resolution),
}

/// The moment an adding notice takes effect, if it has by `at`'s facts.
fn takes_effect(n: &NoticeFacts, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let from_date = day_start(n.effective_on);
    match n.mode {
        Mode::Specific => match n.approval {
            Some((true, t)) if t <= at => Some(t.max(from_date)),
            _ => None,
        },
        Mode::General => {
            let w = n.window()?;
            match objection_state(n, at) {
                ObjState::None => Some(w.closes_at.max(from_date)),
                ObjState::Withdrawn(t) => Some(w.closes_at.max(from_date).max(t)),
                ObjState::Open(_) | ObjState::Final(_) => None,
            }
        }
    }
}

pub fn notice_status(n: &NoticeFacts, at: DateTime<Utc>) -> NoticeStatus {
    let from_date = day_start(n.effective_on);
    if n.kind == ChangeKind::Remove {
        return match n.delivered_at {
            None if at < from_date => NoticeStatus::AwaitingDelivery,
            _ if at >= from_date => NoticeStatus::InEffect,
            _ => NoticeStatus::Scheduled,
        };
    }
    match n.mode {
        Mode::Specific => match n.approval {
            Some((false, t)) if t <= at => NoticeStatus::Refused,
            Some((true, t)) if t <= at => {
                if at >= from_date {
                    NoticeStatus::InEffect
                } else {
                    NoticeStatus::Approved
                }
            }
            _ => NoticeStatus::ApprovalRequired,
        },
        Mode::General => {
            let Some(w) = n.window() else {
                return match objection_state(n, at) {
                    ObjState::Final(_) => NoticeStatus::Blocked,
                    ObjState::Open(_) => NoticeStatus::Objected,
                    _ => NoticeStatus::AwaitingDelivery,
                };
            };
            match objection_state(n, at) {
                ObjState::Final(_) => NoticeStatus::Blocked,
                ObjState::Open(_) => NoticeStatus::Objected,
                _ => match takes_effect(n, at) {
                    Some(e) if at >= e => NoticeStatus::InEffect,
                    _ if at < w.closes_at => NoticeStatus::WindowOpen,
                    _ => NoticeStatus::Scheduled,
                },
            }
        }
    }
}

/// Whether a sub-processor may process a controller's data, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
    pub basis: String,
    /// Since when the current state holds, when known.
    pub since: Option<DateTime<Utc>>,
}

/// The authorisation of `sub` for one controller at `at`, from the
/// controller's grants and notices (only those of this controller). The
/// latest event that has taken effect by `at` decides.
pub fn evaluate(
    sub: &str,
    grants: &[GrantFacts],
    notices: &[NoticeFacts],
    at: DateTime<Utc>,
) -> Decision {
    // (when, allowed, basis, reason)
    let mut events: Vec<(DateTime<Utc>, bool, String, String)> = Vec::new();
    for g in grants.iter().filter(|g| g.effective_from <= at) {
        events.push((
            g.effective_from,
            true,
            format!("annex {}", g.reference),
            format!("authorised in writing ({})", g.reference),
        ));
    }
    for n in notices {
        if n.adds(sub)
            && let Some(t) = takes_effect(n, at)
            && t <= at
        {
            let how = match n.mode {
                Mode::General => "the objection window closed without objection",
                Mode::Specific => "the controller approved it specifically",
            };
            events.push((
                t,
                true,
                format!("notice {}", n.id),
                format!("change notice {}: {how}", n.id),
            ));
        }
        if n.removes(sub) && day_start(n.effective_on) <= at {
            events.push((
                day_start(n.effective_on),
                false,
                format!("notice {}", n.id),
                format!(
                    "removed by change notice {} effective {}",
                    n.id, n.effective_on
                ),
            ));
        }
    }
    // Same instant: a removal wins over an authorisation.
    events.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    if let Some((t, allowed, basis, reason)) = events.pop() {
        return Decision {
            allowed,
            reason,
            basis,
            since: Some(t),
        };
    }
    // Not authorised: say what is pending, the most advanced notice first.
    let pending = notices
        .iter()
        .filter(|n| n.adds(sub))
        .max_by_key(|n| n.delivered_at);
    let reason = match pending {
        None => "not authorised for this controller: no written authorisation and no change notice"
            .to_owned(),
        Some(n) => pending_reason(n, at),
    };
    Decision {
        allowed: false,
        reason,
        basis: pending
            .map(|n| format!("notice {}", n.id))
            .unwrap_or_default(),
        since: None,
    }
}

fn pending_reason(n: &NoticeFacts, at: DateTime<Utc>) -> String {
    match notice_status(n, at) {
        NoticeStatus::AwaitingDelivery => format!(
            "change notice {} has not been delivered yet; the objection window starts at delivery",
            n.id
        ),
        NoticeStatus::WindowOpen => {
            let w = n.window().expect("an open window exists");
            format!(
                "the objection window of change notice {} runs until the end of {} (Europe/Amsterdam)",
                n.id, w.last_day
            )
        }
        NoticeStatus::Objected => format!(
            "the controller objected to change notice {}; engagement is blocked until the objection is resolved",
            n.id
        ),
        NoticeStatus::Blocked => format!(
            "the controller's objection to change notice {} was upheld; the sub-processor may not process its data",
            n.id
        ),
        NoticeStatus::ApprovalRequired => format!(
            "specific authorisation: no written approval of change notice {} is recorded, and silence is never approval",
            n.id
        ),
        NoticeStatus::Refused => format!("the controller refused change notice {}", n.id),
        NoticeStatus::Approved | NoticeStatus::Scheduled => {
            format!("change notice {} takes effect on {}", n.id, n.effective_on)
        }
        NoticeStatus::InEffect => format!("change notice {} is in effect", n.id),
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            if self.allowed { "allowed" } else { "blocked" },
            self.reason
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn add(mode: Mode, delivered: Option<&str>) -> NoticeFacts {
        NoticeFacts {
            id: "n1".into(),
            kind: ChangeKind::Add,
            subprocessor_id: "s".into(),
            replaces_id: None,
            effective_on: d("2026-03-02"),
            mode,
            objection_days: 14,
            delivered_at: delivered.map(t),
            approval: None,
            objections: vec![],
        }
    }

    #[test]
    fn window_counts_from_delivery() {
        // Delivered Friday 27 Feb 2026 at 16:00 Amsterdam: 14 days end on
        // Friday 13 March; the change may take effect from 14 March 00:00.
        let w = window(t("2026-02-27T15:00:00Z"), 14).unwrap();
        assert_eq!(w.last_day, d("2026-03-13"));
        assert_eq!(w.closes_at, t("2026-03-13T23:00:00Z"));
        // Delivered a day later: the window moves with it.
        let w = window(t("2026-02-28T15:00:00Z"), 14).unwrap();
        assert_eq!(
            w.last_day,
            d("2026-03-16"),
            "14 March is a Saturday: rolled to Monday"
        );
        assert_eq!(w.last_day_lenient, d("2026-03-14"));
    }

    #[test]
    fn general_authorisation_after_the_window() {
        let n = add(Mode::General, Some("2026-02-27T15:00:00Z"));
        let before = evaluate(
            "s",
            &[],
            std::slice::from_ref(&n),
            t("2026-03-13T22:59:59Z"),
        );
        assert!(!before.allowed);
        assert!(
            before.reason.contains("runs until the end of 2026-03-13"),
            "{}",
            before.reason
        );
        assert_eq!(
            notice_status(&n, t("2026-03-10T00:00:00Z")),
            NoticeStatus::WindowOpen
        );
        let after = evaluate(
            "s",
            &[],
            std::slice::from_ref(&n),
            t("2026-03-13T23:00:00Z"),
        );
        assert!(after.allowed, "{}", after.reason);
        assert_eq!(
            notice_status(&n, t("2026-03-14T00:00:00Z")),
            NoticeStatus::InEffect
        );
    }

    #[test]
    fn not_delivered_means_no_window() {
        let n = add(Mode::General, None);
        let x = evaluate(
            "s",
            &[],
            std::slice::from_ref(&n),
            t("2027-01-01T00:00:00Z"),
        );
        assert!(!x.allowed);
        assert!(x.reason.contains("not been delivered"), "{}", x.reason);
        assert_eq!(
            notice_status(&n, t("2027-01-01T00:00:00Z")),
            NoticeStatus::AwaitingDelivery
        );
    }

    #[test]
    fn objections_block_until_withdrawn() {
        let mut n = add(Mode::General, Some("2026-02-27T15:00:00Z"));
        n.objections.push(ObjectionFacts {
            id: "o".into(),
            filed_at: t("2026-03-05T10:00:00Z"),
            resolution: None,
        });
        let x = evaluate(
            "s",
            &[],
            std::slice::from_ref(&n),
            t("2026-06-01T00:00:00Z"),
        );
        assert!(!x.allowed);
        assert!(x.reason.contains("objected"), "{}", x.reason);
        // Before the objection was filed, the window was simply open.
        assert_eq!(
            notice_status(&n, t("2026-03-04T00:00:00Z")),
            NoticeStatus::WindowOpen
        );
        // Withdrawn after the window closed: allowed from the withdrawal.
        n.objections[0].resolution = Some((Resolution::Withdrawn, t("2026-04-01T08:00:00Z")));
        let x = evaluate(
            "s",
            &[],
            std::slice::from_ref(&n),
            t("2026-04-01T08:00:00Z"),
        );
        assert!(x.allowed, "{}", x.reason);
        assert_eq!(x.since, Some(t("2026-04-01T08:00:00Z")));
        assert!(
            !evaluate(
                "s",
                &[],
                std::slice::from_ref(&n),
                t("2026-03-31T00:00:00Z")
            )
            .allowed
        );
        // Sustained: blocked for good.
        n.objections[0].resolution = Some((Resolution::Sustained, t("2026-04-01T08:00:00Z")));
        let x = evaluate(
            "s",
            &[],
            std::slice::from_ref(&n),
            t("2027-01-01T00:00:00Z"),
        );
        assert!(!x.allowed);
        assert!(x.reason.contains("upheld"), "{}", x.reason);
        assert_eq!(
            notice_status(&n, t("2027-01-01T00:00:00Z")),
            NoticeStatus::Blocked
        );
    }

    #[test]
    fn specific_needs_an_approval_and_silence_is_not_one() {
        let mut n = add(Mode::Specific, Some("2026-02-27T15:00:00Z"));
        let x = evaluate(
            "s",
            &[],
            std::slice::from_ref(&n),
            t("2027-01-01T00:00:00Z"),
        );
        assert!(!x.allowed);
        assert!(
            x.reason.contains("silence is never approval"),
            "{}",
            x.reason
        );
        n.approval = Some((true, t("2026-02-28T09:00:00Z")));
        // Approved before the effective date: allowed from that date.
        assert!(
            !evaluate(
                "s",
                &[],
                std::slice::from_ref(&n),
                t("2026-03-01T12:00:00Z")
            )
            .allowed
        );
        assert!(
            evaluate(
                "s",
                &[],
                std::slice::from_ref(&n),
                t("2026-03-02T00:00:00Z")
            )
            .allowed
        );
        n.approval = Some((false, t("2026-02-28T09:00:00Z")));
        assert_eq!(
            notice_status(&n, t("2026-03-05T00:00:00Z")),
            NoticeStatus::Refused
        );
        assert!(!evaluate("s", &[], &[n], t("2026-03-05T00:00:00Z")).allowed);
    }

    #[test]
    fn annex_then_removal() {
        let g = GrantFacts {
            id: "g".into(),
            reference: "DPA annex 2".into(),
            effective_from: t("2026-01-01T00:00:00Z"),
        };
        let mut r = add(Mode::General, Some("2026-02-27T15:00:00Z"));
        r.kind = ChangeKind::Remove;
        let at = t("2026-02-01T00:00:00Z");
        assert!(evaluate("s", std::slice::from_ref(&g), std::slice::from_ref(&r), at).allowed);
        let x = evaluate("s", &[g], &[r], t("2026-03-02T00:00:00Z"));
        assert!(!x.allowed);
        assert!(x.reason.contains("removed"), "{}", x.reason);
        assert!(!evaluate("s", &[], &[], at).allowed);
    }
}

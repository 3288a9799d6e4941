//! The switching domain, pure: vocabularies, the milestones of a Data Act
//! switch (rule dataact.switching, adjusted for an alternative or extended
//! transition) and of an agreement exit, the checks of every step, switching
//! charges, and the erasure certificate. No IO.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use legal_time::period::{add_days, roll_forward};
use legal_time::{Calendar, Reading};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use domain_kit::{FieldError, date, err, instant, instant_in_range, text, uuid_field};

pub const RULE: &str = "dataact.switching";
/// Exits without a Data Act request follow the agreement, not a rule of law.
pub const EXIT_RULE: &str = "agreement.exit";
pub const DATA_ACT_CITATION: &str =
    "Regulation (EU) 2023/2854 (Data Act) art. 25; Reg. (EEC, Euratom) 1182/71 art. 3";
pub const EXIT_CITATION: &str = "GDPR art. 28(3)(g); the agreement's end-of-contract clause";

/// Art. 29(1): no switching charges from this day on (legal-rules.md D14).
pub fn charge_free_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 12).expect("valid date")
}

#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Precondition(String),
    #[error("internal: {0}")]
    Internal(String),
    /// A peer's answer, kept by its kind (a peer that is down is UNAVAILABLE).
    #[error("{0}")]
    Port(domain_kit::PortError),
}

impl From<domain_kit::PortError> for SwitchError {
    fn from(e: domain_kit::PortError) -> Self {
        SwitchError::Port(e)
    }
}

impl domain_kit::Classified for SwitchError {
    fn kind(&self) -> domain_kit::ErrorKind {
        use domain_kit::ErrorKind;
        match self {
            SwitchError::Invalid(_) => ErrorKind::Invalid,
            SwitchError::NotFound(_) => ErrorKind::NotFound,
            SwitchError::Forbidden(_) => ErrorKind::Forbidden,
            SwitchError::Precondition(_) => ErrorKind::Precondition,
            SwitchError::Internal(_) => ErrorKind::Internal,
            SwitchError::Port(e) => domain_kit::Classified::kind(e),
        }
    }
}

impl From<FieldError> for SwitchError {
    fn from(e: FieldError) -> Self {
        SwitchError::Invalid(e)
    }
}

pub fn internal(e: impl std::fmt::Display) -> SwitchError {
    SwitchError::Internal(e.to_string())
}

domain_kit::vocabulary!(
    /// A Data Act request or an exit at the end of the agreement.
    Kind {
        DataAct = "data_act",
        Termination = "termination",
    }
);

domain_kit::vocabulary!(
    /// The customer's decision (Data Act art. 25(3)).
    Election {
        Switch = "switch",
        OnPrem = "on_prem",
        Erase = "erase",
    }
);

domain_kit::vocabulary!(
    /// The agreement's end-of-contract choice (GDPR art. 28(3)(g)).
    ExitChoice {
        ReturnThenDelete = "return_then_delete",
        Delete = "delete",
    }
);

domain_kit::vocabulary!(
    /// Where a switch stands.
    Status {
        Active = "active",
        Completed = "completed",
        Withdrawn = "withdrawn",
        Erased = "erased",
    }
);

domain_kit::vocabulary!(
    /// Where an export bundle stands.
    ExportStatus {
        Building = "building",
        Ready = "ready",
        Failed = "failed",
    }
);

/// The stored facts a switch's milestones are computed from.
#[derive(Debug, Clone)]
pub struct Facts {
    pub kind: Kind,
    /// `election` for a Data Act request; the agreement's choice for an exit.
    pub election: String,
    pub notice_months: u32,
    pub requested_at: DateTime<Utc>,
    pub alternative_transition_end: Option<NaiveDate>,
    pub extended_transition_end: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    pub contract_end: Option<NaiveDate>,
    pub deletion_term_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub name: &'static str,
    /// "deadline" (finish by) or "not_before" (keep until / wait until).
    pub kind: &'static str,
    pub strict: Reading,
    pub lenient: Reading,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub rule: &'static str,
    pub milestones: Vec<Milestone>,
    pub notes: Vec<String>,
}

impl Plan {
    pub fn get(&self, name: &str) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.name == name)
    }

    fn set(&mut self, m: Milestone) {
        match self.milestones.iter_mut().find(|x| x.name == m.name) {
            Some(x) => *x = m,
            None => self.milestones.push(m),
        }
    }

    /// Until when the data must stay retrievable: the strict (later) end of
    /// the retrieval period; `None` when nothing is to be returned.
    pub fn retrieval_until(&self) -> Option<DateTime<Utc>> {
        self.get("retrieval_end").map(|m| m.strict.instant)
    }

    pub fn erasure_from(&self) -> Option<DateTime<Utc>> {
        self.get("erasure_not_before").map(|m| m.strict.instant)
    }

    /// The transition's last day as the provider must meet it (strict).
    pub fn transition_end(&self) -> Option<NaiveDate> {
        self.get("transition_end").and_then(|m| m.strict.date)
    }

    /// The contract's last day, once it is known (an erasure election's
    /// notice end, a confirmed switch's confirmation day, an exit's end).
    pub fn contract_end(&self) -> Option<NaiveDate> {
        self.get("contract_end").and_then(|m| m.strict.date)
    }

    /// Until when the customer may withdraw its request: the end of the
    /// transition (the current one, after an alternative or an extension),
    /// or the contract end when that comes first (an erasure election ends
    /// the contract with the notice period).
    pub fn withdrawal_until(&self) -> Option<DateTime<Utc>> {
        ["transition_end", "contract_end"]
            .iter()
            .filter_map(|n| self.get(n))
            .map(|m| m.strict.instant)
            .min()
    }
}

/// How long before the end of the retrieval period the customer is reminded.
pub const RETRIEVAL_REMINDER_DAYS: i64 = 7;

/// The worker's decisions for one switch at `now` (pure: the service acts on
/// them). Each is taken once: the stored marks say what was done.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Due {
    /// Remind the customer that retrieval ends at this instant.
    pub remind_retrieval_end: Option<DateTime<Utc>>,
    /// End the agreement: the contract ended on this day.
    pub end_agreement: Option<NaiveDate>,
}

/// What is due for a switch with these facts. A withdrawn or erased switch
/// has nothing due; `retrievable` is false when nothing is handed back (an
/// erasure election, an exit with deletion), so there is nothing to remind of.
pub fn due(
    status: Status,
    plan: &Plan,
    retrievable: bool,
    reminded_for: Option<DateTime<Utc>>,
    agreement_ended: bool,
    now: DateTime<Utc>,
) -> Due {
    if matches!(status, Status::Withdrawn | Status::Erased) {
        return Due::default();
    }
    let remind_retrieval_end = plan.retrieval_until().filter(|r| {
        retrievable
            && now < *r
            && now >= *r - chrono::Duration::days(RETRIEVAL_REMINDER_DAYS)
            && reminded_for != Some(*r)
    });
    let end_agreement = plan
        .get("contract_end")
        .filter(|m| !agreement_ended && now >= m.strict.instant)
        .and_then(|m| m.strict.date);
    Due {
        remind_retrieval_end,
        end_agreement,
    }
}

/// Whether the customer may withdraw now (the transition has not ended).
pub fn check_withdrawal(
    kind: Kind,
    status: Status,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<(), SwitchError> {
    if kind != Kind::DataAct {
        return Err(SwitchError::Precondition(
            "an agreement exit is not a Data Act request: it cannot be withdrawn (amend or re-activate the agreement instead)".into(),
        ));
    }
    if status != Status::Active {
        return Err(SwitchError::Precondition(format!(
            "the switch is {}, not active: it can no longer be withdrawn",
            status.as_str()
        )));
    }
    match plan.withdrawal_until() {
        Some(until) if now < until => Ok(()),
        Some(until) => Err(SwitchError::Precondition(format!(
            "the transition ended at {}: the request can no longer be withdrawn",
            proto::wire::timestamp(until)
        ))),
        None => Err(SwitchError::Precondition(
            "the switch has no transition to withdraw from".into(),
        )),
    }
}

fn day(name: &'static str, kind: &'static str, strict: NaiveDate, lenient: NaiveDate) -> Milestone {
    Milestone {
        name,
        kind,
        strict: Reading::day(strict),
        lenient: Reading::day(lenient),
    }
}

/// The milestones of a switch or exit, from its stored facts.
pub fn plan(f: &Facts) -> Result<Plan, String> {
    match f.kind {
        Kind::DataAct => data_act_plan(f),
        Kind::Termination => Ok(exit_plan(f)),
    }
}

fn data_act_plan(f: &Facts) -> Result<Plan, String> {
    let mut p = BTreeMap::new();
    p.insert("notice_months".to_owned(), f.notice_months.to_string());
    p.insert("election".to_owned(), f.election.clone());
    let o = legal_time::compute(RULE, &proto::wire::timestamp(f.requested_at), &p)
        .map_err(|e| e.to_string())?;
    let legal_time::Readings::Milestones(ms) = o.readings else {
        return Err("rule dataact.switching gave no milestones".into());
    };
    let mut plan = Plan {
        rule: RULE,
        milestones: ms
            .into_iter()
            .map(|m| Milestone {
                name: m.name,
                kind: m.kind.as_str(),
                strict: m.strict,
                lenient: m.lenient,
            })
            .collect(),
        notes: o.notes,
    };
    let moved = f
        .extended_transition_end
        .map(|d| (d, "extended by the customer (art. 25(5))"))
        .or(f.alternative_transition_end.map(|d| {
            (
                d,
                "the alternative transition the provider declared (art. 25(4))",
            )
        }));
    if let Some((te, why)) = moved {
        // The provider must finish by the new end; data stays retrievable
        // 30 days after it (strict: every end rolled, the later reading).
        let cal = Calendar::NlAtw;
        plan.set(day("transition_end", "deadline", te, te));
        let re_strict = roll_forward(add_days(roll_forward(te, cal).date, 30), cal).date;
        let re_lenient = add_days(te, 30);
        plan.set(day("retrieval_end", "not_before", re_strict, re_lenient));
        plan.set(day(
            "erasure_not_before",
            "not_before",
            re_strict,
            re_lenient,
        ));
        plan.notes.push(format!(
            "the transition ends on {te}: {why}; the retrieval period of at least 30 days follows it (art. 25(2)(g))"
        ));
    }
    if let Some(done) = f.completed_at {
        let d = legal_time::period::local_date(done);
        plan.set(day("contract_end", "deadline", d, d));
        plan.notes.push(format!(
            "the customer confirmed the switch complete on {d}: the contract ended then (art. 25(2)(c)(i))"
        ));
    }
    Ok(plan)
}

fn exit_plan(f: &Facts) -> Plan {
    let end = f
        .contract_end
        .unwrap_or_else(|| legal_time::period::local_date(f.requested_at));
    let term = f.deletion_term_days.unwrap_or(0);
    let due = add_days(end, term);
    let mut ms = vec![day("contract_end", "deadline", end, end)];
    let mut notes = vec![format!(
        "the agreement ends on {end}; its deletion term is {term} day(s): every personal data item is deleted by {due} (GDPR art. 28(3)(g))"
    )];
    if f.election == ExitChoice::ReturnThenDelete.as_str() {
        ms.push(day("retrieval_end", "not_before", end, end));
        notes.push(
            "the controller chose return, then deletion: the export bundle is available until the end of the agreement".into(),
        );
    } else {
        notes.push("the controller chose deletion: nothing is returned".into());
    }
    ms.push(day("erasure_not_before", "not_before", end, end));
    ms.push(day("deletion_due", "deadline", due, due));
    Plan {
        rule: EXIT_RULE,
        milestones: ms,
        notes,
    }
}

/// The notice period of a request: 1 or 2 months, at most the agreement's.
pub fn notice_months(requested: u32, agreement_max: u32) -> Result<u32, FieldError> {
    let max = agreement_max.clamp(1, 2);
    match requested {
        0 => Ok(max),
        n if n > 2 => Err(err(
            "notice_months",
            format!("the Data Act allows at most 2 months' notice (art. 25(2)(d)), got {n}"),
        )),
        n if n > max => Err(err(
            "notice_months",
            format!(
                "the agreement's notice period is {max} month(s); a longer one cannot be imposed, got {n}"
            ),
        )),
        n => Ok(n),
    }
}

/// The agreement's notice period in whole months (rounded up), for the cap.
pub fn agreement_notice_months(period: u32, unit: &str) -> u32 {
    let days = match unit {
        "days" => period,
        "weeks" => period.saturating_mul(7),
        _ => return period.max(1),
    };
    days.div_ceil(31).max(1)
}

/// Checks a declaration of technical unfeasibility (art. 25(4)).
pub fn check_unfeasible(
    plan: &Plan,
    election: Election,
    declared: bool,
    alt_end: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), SwitchError> {
    if election == Election::Erase {
        return Err(SwitchError::Precondition(
            "the customer elected erasure: there is no transition to declare unfeasible".into(),
        ));
    }
    if declared {
        return Err(SwitchError::Precondition(
            "technical unfeasibility was already declared for this switch".into(),
        ));
    }
    let deadline = plan
        .get("unfeasibility_notice")
        .ok_or_else(|| internal("no unfeasibility_notice milestone"))?;
    if now >= deadline.strict.instant {
        return Err(SwitchError::Precondition(format!(
            "unfeasibility must be declared within 14 working days of the request, by {} (art. 25(4)); that deadline has passed",
            deadline
                .strict
                .date
                .map(|d| d.to_string())
                .unwrap_or_default()
        )));
    }
    let te = plan
        .transition_end()
        .ok_or_else(|| internal("no transition_end"))?;
    if alt_end <= te {
        return Err(err(
            "alternative_transition_end",
            format!("must be after the normal transition end {te}, got {alt_end}"),
        )
        .into());
    }
    let max = plan
        .get("alternative_transition_max_end")
        .and_then(|m| m.strict.date)
        .ok_or_else(|| internal("no alternative_transition_max_end"))?;
    if alt_end > max {
        return Err(err(
            "alternative_transition_end",
            format!("must be at most seven months after the notice period, by {max} (art. 25(4)), got {alt_end}"),
        )
        .into());
    }
    Ok(())
}

/// Checks the customer's one extension of the transition (art. 25(5)).
pub fn check_extension(
    plan: &Plan,
    election: Election,
    extended: bool,
    new_end: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), SwitchError> {
    if election == Election::Erase {
        return Err(SwitchError::Precondition(
            "the customer elected erasure: there is no transition to extend".into(),
        ));
    }
    if extended {
        return Err(SwitchError::Precondition(
            "the transition was already extended once; art. 25(5) allows one extension".into(),
        ));
    }
    let te = plan
        .get("transition_end")
        .ok_or_else(|| internal("no transition_end"))?;
    if now >= te.strict.instant {
        return Err(SwitchError::Precondition(format!(
            "the transition ended on {}; it can no longer be extended",
            te.strict.date.map(|d| d.to_string()).unwrap_or_default()
        )));
    }
    let cur = te
        .strict
        .date
        .ok_or_else(|| internal("transition_end has no date"))?;
    if new_end <= cur {
        return Err(err(
            "transition_end",
            format!("must be after the current transition end {cur}, got {new_end}"),
        )
        .into());
    }
    Ok(())
}

/// A checked switching charge (art. 29).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCharge {
    pub amount_cents: u64,
    pub charged_on: NaiveDate,
    pub direct_cost_cents: u64,
    pub description: String,
    pub legal_review: bool,
}

pub fn check_charge(
    amount_cents: u64,
    charged_on: &str,
    direct_cost_cents: u64,
    description: &str,
    transition_end: Option<NaiveDate>,
) -> Result<NewCharge, FieldError> {
    if amount_cents == 0 {
        return Err(err("amount_cents", "must be greater than zero"));
    }
    // Stored as a signed 64-bit integer: a larger wire value is refused, never
    // wrapped.
    for (field, v) in [
        ("amount_cents", amount_cents),
        ("direct_cost_cents", direct_cost_cents),
    ] {
        if i64::try_from(v).is_err() {
            return Err(err(field, format!("must be at most {}, got {v}", i64::MAX)));
        }
    }
    let on = date("charged_on", charged_on)?;
    let free = charge_free_from();
    if on >= free {
        return Err(err(
            "charged_on",
            format!(
                "no switching charges may be made on or after {free} (Data Act art. 29(1)), got {on}"
            ),
        ));
    }
    if direct_cost_cents == 0 {
        return Err(err(
            "direct_cost_cents",
            "the documented direct costs are required (art. 29(3))",
        ));
    }
    if amount_cents > direct_cost_cents {
        return Err(err(
            "amount_cents",
            format!(
                "must not exceed the costs directly linked to the switching ({direct_cost_cents} cents, art. 29(3)), got {amount_cents}"
            ),
        ));
    }
    let description = text("description", description, 2000)?;
    Ok(NewCharge {
        amount_cents,
        charged_on: on,
        direct_cost_cents,
        description,
        // A switch that runs into the charge-free period: legal review (D14).
        legal_review: transition_end.is_some_and(|te| te >= free),
    })
}

/// The erasure certificate of a tenant. Ids, counts and times only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Certificate {
    pub schema: String,
    pub switch_id: String,
    pub controller_id: String,
    pub basis: String,
    pub kek_destroyed_at: String,
    pub kek_versions: Vec<u32>,
    pub keys_destroyed: u64,
    /// Table name to rows deleted, in table order.
    pub rows_deleted: BTreeMap<String, u64>,
    pub retained: Vec<String>,
    pub completed_at: String,
    /// The vault's signed tenant erasure certificate
    /// (`custodian.tenant-erasure-certificate/v1`), byte for byte; absent
    /// from certificates issued before it existed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vault_certificate: String,
}

/// What stays after a tenant's erasure, and why (docs/switching.md).
pub fn retained() -> Vec<String> {
    vec![
        "audit trail entries: ids and field names only, no personal data; the processor's accountability record (GDPR art. 5(2))".into(),
        "per-candidate deletion certificates: ids, reasons and ledger hashes, the proof of earlier erasures".into(),
        "agreements and their versions, the controller's company record, breach records and sub-processor notices: the contract and the processor's own legal records".into(),
        "this switch, its charges and this certificate".into(),
        "the controller's webhook address and secret, until this certificate has been delivered to it (then removed)".into(),
    ]
}

impl Certificate {
    /// Canonical JSON (fields in declaration order, maps sorted) and its SHA-256.
    pub fn seal(&self) -> (String, String) {
        let json = serde_json::to_string(self).expect("certificate serializes");
        let hash = hex::encode(Sha256::digest(json.as_bytes()));
        (json, hash)
    }
}

/// A switch request as it arrives, before validation.
pub struct SwitchInput<'a> {
    pub controller_id: &'a str,
    pub election: &'a str,
    pub notice_months: u32,
    /// RFC 3339; empty: now.
    pub requested_at: &'a str,
    /// Empty: none.
    pub destination: &'a str,
}

/// A valid switch request of `tenant`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSwitch {
    pub tenant: String,
    pub election: Election,
    pub notice_months: u32,
    pub requested_at: Option<DateTime<Utc>>,
    pub destination: Option<String>,
}

impl NewSwitch {
    /// Validates `i` for `tenant` (the service decided the tenant from the
    /// caller's scope); `now` bounds a given request time.
    pub fn parse(
        tenant: String,
        i: &SwitchInput<'_>,
        now: DateTime<Utc>,
    ) -> Result<NewSwitch, FieldError> {
        if i.election.trim().is_empty() {
            return Err(err(
                "election",
                "must not be empty: expected switch, on_prem or erase",
            ));
        }
        let election = Election::parse("election", i.election)?;
        let requested_at = instant("requested_at", i.requested_at)?
            .map(|t| instant_in_range("requested_at", t, now))
            .transpose()?;
        let destination = if i.destination.trim().is_empty() {
            None
        } else {
            Some(text("destination", i.destination, 500)?)
        };
        if destination.is_some() && election != Election::Switch {
            return Err(err(
                "destination",
                "only a switch to another provider has a destination",
            ));
        }
        Ok(NewSwitch {
            tenant,
            election,
            notice_months: i.notice_months,
            requested_at,
            destination,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn facts(at: DateTime<Utc>, n: u32, election: &str) -> Facts {
        Facts {
            kind: Kind::DataAct,
            election: election.into(),
            notice_months: n,
            requested_at: at,
            alternative_transition_end: None,
            extended_transition_end: None,
            completed_at: None,
            contract_end: None,
            deletion_term_days: None,
        }
    }

    fn date_of(p: &Plan, name: &str) -> (NaiveDate, NaiveDate) {
        let m = p.get(name).unwrap();
        (m.strict.date.unwrap(), m.lenient.date.unwrap())
    }

    #[test]
    fn milestones_follow_the_rule() {
        // 2026-03-10 10:00 Amsterdam, two months' notice.
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let p = plan(&facts(at, 2, "switch")).unwrap();
        assert_eq!(p.rule, RULE);
        assert_eq!(date_of(&p, "notice_end").0, d("2026-05-10"));
        assert_eq!(date_of(&p, "transition_end").0, d("2026-06-09"));
        // 14 working days after 10 March 2026 (no holidays in between).
        assert_eq!(date_of(&p, "unfeasibility_notice").0, d("2026-03-30"));
        assert_eq!(
            date_of(&p, "alternative_transition_max_end").0,
            d("2026-12-10")
        );
        assert!(p.get("contract_end").is_none());
        let re = date_of(&p, "retrieval_end");
        assert!(re.0 >= re.1, "strict retrieval is the later reading");
        assert_eq!(p.retrieval_until(), Some(Reading::day(re.0).instant));
        // Erasure election: the contract ends with the notice period.
        let e = plan(&facts(at, 1, "erase")).unwrap();
        assert_eq!(date_of(&e, "contract_end").0, d("2026-04-10"));
    }

    #[test]
    fn an_alternative_transition_moves_retrieval_and_erasure() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let mut f = facts(at, 2, "switch");
        f.alternative_transition_end = Some(d("2026-09-30"));
        let p = plan(&f).unwrap();
        assert_eq!(
            date_of(&p, "transition_end"),
            (d("2026-09-30"), d("2026-09-30"))
        );
        // 30 days after 30 September is 30 October, a Friday: no roll.
        assert_eq!(
            date_of(&p, "retrieval_end"),
            (d("2026-10-30"), d("2026-10-30"))
        );
        assert_eq!(date_of(&p, "erasure_not_before").0, d("2026-10-30"));
        // The customer's extension wins over the alternative.
        f.extended_transition_end = Some(d("2026-10-03"));
        let p = plan(&f).unwrap();
        assert_eq!(date_of(&p, "transition_end").0, d("2026-10-03"));
        // 2 November 2026 is a Monday: 3 October + 30 = 2 November.
        assert_eq!(date_of(&p, "retrieval_end").1, d("2026-11-02"));
    }

    #[test]
    fn unfeasibility_is_refused_after_fourteen_working_days() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let p = plan(&facts(at, 2, "switch")).unwrap();
        let before = Utc.with_ymd_and_hms(2026, 3, 30, 21, 0, 0).unwrap(); // 23:00 CEST
        let after = Utc.with_ymd_and_hms(2026, 3, 30, 22, 0, 0).unwrap(); // 00:00 on the 31st
        check_unfeasible(&p, Election::Switch, false, d("2026-09-30"), before).unwrap();
        let e = check_unfeasible(&p, Election::Switch, false, d("2026-09-30"), after).unwrap_err();
        assert!(matches!(e, SwitchError::Precondition(m) if m.contains("14 working days")));
        // Too long an alternative, too short one, twice, erasure.
        let e = check_unfeasible(&p, Election::Switch, false, d("2026-12-11"), before).unwrap_err();
        assert!(matches!(e, SwitchError::Invalid(f) if f.field == "alternative_transition_end"));
        let e = check_unfeasible(&p, Election::Switch, false, d("2026-06-09"), before).unwrap_err();
        assert!(matches!(e, SwitchError::Invalid(f) if f.reason.contains("after the normal")));
        assert!(check_unfeasible(&p, Election::Switch, true, d("2026-09-30"), before).is_err());
        assert!(check_unfeasible(&p, Election::Erase, false, d("2026-09-30"), before).is_err());
    }

    #[test]
    fn one_extension_before_the_transition_ends() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let p = plan(&facts(at, 2, "switch")).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        check_extension(&p, Election::OnPrem, false, d("2026-07-31"), now).unwrap();
        assert!(check_extension(&p, Election::OnPrem, true, d("2026-07-31"), now).is_err());
        assert!(check_extension(&p, Election::OnPrem, false, d("2026-06-09"), now).is_err());
        let late = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
        assert!(check_extension(&p, Election::OnPrem, false, d("2026-07-31"), late).is_err());
    }

    #[test]
    fn notice_months_are_capped_by_law_and_agreement() {
        assert_eq!(notice_months(0, 3), Ok(2));
        assert_eq!(notice_months(0, 1), Ok(1));
        assert_eq!(notice_months(1, 2), Ok(1));
        assert_eq!(notice_months(3, 6).unwrap_err().field, "notice_months");
        assert!(
            notice_months(2, 1)
                .unwrap_err()
                .reason
                .contains("agreement")
        );
        assert_eq!(agreement_notice_months(30, "days"), 1);
        assert_eq!(agreement_notice_months(6, "weeks"), 2);
        assert_eq!(agreement_notice_months(3, "months"), 3);
    }

    #[test]
    fn charges_stop_on_12_january_2027() {
        let ok = check_charge(500, "2027-01-11", 800, "egress", None).unwrap();
        assert!(!ok.legal_review);
        let e = check_charge(500, "2027-01-12", 800, "egress", None).unwrap_err();
        assert_eq!(e.field, "charged_on");
        assert!(check_charge(500, "2030-01-01", 800, "egress", None).is_err());
        assert_eq!(
            check_charge(900, "2026-12-01", 800, "egress", None)
                .unwrap_err()
                .field,
            "amount_cents"
        );
        assert_eq!(
            check_charge(0, "2026-12-01", 800, "egress", None)
                .unwrap_err()
                .field,
            "amount_cents"
        );
        assert_eq!(
            check_charge(5, "2026-12-01", 0, "egress", None)
                .unwrap_err()
                .field,
            "direct_cost_cents"
        );
        assert_eq!(
            check_charge(5, "2026-12-01", 8, " ", None)
                .unwrap_err()
                .field,
            "description"
        );
        assert!(
            check_charge(5, "2026-12-01", 8, "x", Some(d("2027-02-01")))
                .unwrap()
                .legal_review
        );
    }

    #[test]
    fn an_exit_follows_the_agreement() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let f = Facts {
            kind: Kind::Termination,
            election: "return_then_delete".into(),
            notice_months: 0,
            requested_at: at,
            alternative_transition_end: None,
            extended_transition_end: None,
            completed_at: None,
            contract_end: Some(d("2026-06-30")),
            deletion_term_days: Some(30),
        };
        let p = plan(&f).unwrap();
        assert_eq!(p.rule, EXIT_RULE);
        assert_eq!(date_of(&p, "retrieval_end").0, d("2026-06-30"));
        assert_eq!(date_of(&p, "deletion_due").0, d("2026-07-30"));
        let p = plan(&Facts {
            election: "delete".into(),
            ..f
        })
        .unwrap();
        assert!(p.retrieval_until().is_none());
        assert_eq!(date_of(&p, "erasure_not_before").0, d("2026-06-30"));
    }

    #[test]
    fn the_certificate_hash_covers_its_json() {
        let c = Certificate {
            schema: "custodian.tenant_erasure.v1".into(),
            switch_id: "s".into(),
            controller_id: "c".into(),
            basis: "b".into(),
            kek_destroyed_at: "t".into(),
            kek_versions: vec![1],
            keys_destroyed: 3,
            rows_deleted: BTreeMap::from([("candidates".into(), 2)]),
            retained: retained(),
            completed_at: "t".into(),
            vault_certificate: String::new(),
        };
        let (json, hash) = c.seal();
        assert_eq!(hash, hex::encode(Sha256::digest(json.as_bytes())));
        // A certificate without the vault's (issued before it existed)
        // reads back and seals to the same hash.
        assert!(!json.contains("vault_certificate"), "{json}");
        let back: Certificate = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let signed = Certificate {
            vault_certificate: "{\"document\":{}}\n".into(),
            ..c
        };
        let (json, _) = signed.seal();
        assert_eq!(serde_json::from_str::<Certificate>(&json).unwrap(), signed);
    }

    #[test]
    fn the_retrieval_reminder_comes_once_in_the_last_seven_days() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let p = plan(&facts(at, 2, "switch")).unwrap();
        let end = p.retrieval_until().unwrap();
        let before = end - chrono::Duration::days(7) - chrono::Duration::seconds(1);
        assert_eq!(
            due(Status::Active, &p, true, None, false, before).remind_retrieval_end,
            None
        );
        let in_window = end - chrono::Duration::days(7);
        assert_eq!(
            due(Status::Active, &p, true, None, false, in_window).remind_retrieval_end,
            Some(end)
        );
        assert_eq!(
            due(Status::Active, &p, true, Some(end), false, in_window).remind_retrieval_end,
            None,
            "reminded of this end already"
        );
        // A moved end is reminded again.
        let older = end - chrono::Duration::days(20);
        assert_eq!(
            due(Status::Active, &p, true, Some(older), false, in_window).remind_retrieval_end,
            Some(end)
        );
        assert_eq!(
            due(Status::Active, &p, true, None, false, end).remind_retrieval_end,
            None,
            "ended"
        );
        assert_eq!(
            due(Status::Withdrawn, &p, true, None, false, in_window),
            Due::default()
        );
        // An erasure election has nothing to retrieve.
        let e = plan(&facts(at, 2, "erase")).unwrap();
        assert_eq!(
            due(Status::Active, &e, false, None, false, in_window).remind_retrieval_end,
            None
        );
    }

    #[test]
    fn the_agreement_ends_after_the_contract_end_day_once() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let p = plan(&facts(at, 2, "switch")).unwrap();
        let later = at + chrono::Duration::days(400);
        assert_eq!(
            due(Status::Active, &p, true, None, false, later).end_agreement,
            None,
            "unconfirmed: no contract end"
        );
        let mut f = facts(at, 2, "switch");
        f.completed_at = Some(Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap());
        let p = plan(&f).unwrap();
        let end_of_day = Utc.with_ymd_and_hms(2026, 6, 1, 22, 0, 0).unwrap(); // 00:00 CEST
        assert_eq!(
            due(
                Status::Completed,
                &p,
                true,
                None,
                false,
                end_of_day - chrono::Duration::seconds(1)
            )
            .end_agreement,
            None
        );
        assert_eq!(
            due(Status::Completed, &p, true, None, false, end_of_day).end_agreement,
            Some(d("2026-06-01"))
        );
        assert_eq!(
            due(Status::Completed, &p, true, None, true, end_of_day).end_agreement,
            None,
            "once"
        );
    }

    #[test]
    fn withdrawal_until_the_transition_ends() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let p = plan(&facts(at, 2, "switch")).unwrap();
        let until = p.withdrawal_until().unwrap();
        assert_eq!(until, p.get("transition_end").unwrap().strict.instant);
        assert!(
            check_withdrawal(
                Kind::DataAct,
                Status::Active,
                &p,
                until - chrono::Duration::seconds(1)
            )
            .is_ok()
        );
        assert!(matches!(
            check_withdrawal(Kind::DataAct, Status::Active, &p, until),
            Err(SwitchError::Precondition(_))
        ));
        assert!(check_withdrawal(Kind::DataAct, Status::Completed, &p, at).is_err());
        assert!(check_withdrawal(Kind::Termination, Status::Active, &p, at).is_err());
        // An erasure election: until the contract (notice) end.
        let e = plan(&facts(at, 2, "erase")).unwrap();
        let until = e.withdrawal_until().unwrap();
        assert_eq!(until, e.get("contract_end").unwrap().strict.instant);
    }
}

//! The breach domain, pure: the vocabularies, validation of incidents and
//! assessments, the content items a notice must carry and which are still
//! missing, the clocks and their states, and the checks of the authority
//! notification and the art. 34 decision. No IO.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use domain_kit::{
    FieldError, err, instant, instant_in_range, optional_text, optional_uuid, text, uuid_field,
};

mod checks;
mod clocks;
mod content;

pub use checks::*;
pub use clocks::*;
pub use content::*;

#[derive(Debug, thiserror::Error)]
pub enum BreachError {
    #[error("{0}")]
    Invalid(FieldError),
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

impl From<domain_kit::PortError> for BreachError {
    fn from(e: domain_kit::PortError) -> Self {
        BreachError::Port(e)
    }
}

impl domain_kit::Classified for BreachError {
    fn kind(&self) -> domain_kit::ErrorKind {
        use domain_kit::ErrorKind;
        match self {
            BreachError::Invalid(_) => ErrorKind::Invalid,
            BreachError::NotFound(_) => ErrorKind::NotFound,
            BreachError::Precondition(_) => ErrorKind::Precondition,
            BreachError::Internal(_) => ErrorKind::Internal,
            BreachError::Port(e) => domain_kit::Classified::kind(e),
        }
    }
}

impl From<FieldError> for BreachError {
    fn from(e: FieldError) -> Self {
        BreachError::Invalid(e)
    }
}

domain_kit::vocabulary!(
    /// Where an incident stands.
    IncidentStatus {
        Reported = "reported",
        Dismissed = "dismissed",
        Confirmed = "confirmed",
    }
);

domain_kit::vocabulary!(
    /// Why an incident is not a personal-data breach.
    DismissalBasis {
        NoPersonalData = "no_personal_data",
        VulnerabilityNotExploited = "vulnerability_not_exploited",
        NotASecurityIncident = "not_a_security_incident",
    }
);

domain_kit::vocabulary!(
    /// The security property the breach compromised (EDPB 9/2022).
    Nature {
        Confidentiality = "confidentiality",
        Integrity = "integrity",
        Availability = "availability",
    }
);

domain_kit::vocabulary!(
    /// The processor's assessment of the risk to data subjects (legal-rules.md A1).
    Risk {
        Unlikely = "unlikely",
        Risk = "risk",
        High = "high",
    }
);

domain_kit::vocabulary!(
    /// A send of the notice to the controller (art. 33(4) phases).
    Phase {
        Initial = "initial",
        Supplement = "supplement",
    }
);

domain_kit::vocabulary!(
    /// A notification to the supervisory authority; the AP lets one be
    /// supplemented or withdrawn.
    AuthorityPhase {
        Initial = "initial",
        Supplement = "supplement",
        Withdrawal = "withdrawal",
    }
);

domain_kit::vocabulary!(
    /// The art. 34 decision.
    SubjectChoice {
        Communicate = "communicate",
        Exception34_3A = "exception_34_3_a",
        Exception34_3B = "exception_34_3_b",
        Exception34_3C = "exception_34_3_c",
        NotRequired = "not_required",
    }
);

/// A reported incident, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub discovered_at: DateTime<Utc>,
    pub discovered_by: String,
    pub description: String,
    pub systems: Vec<String>,
    pub internal_notes: Option<String>,
}

/// A report as it arrives, before validation.
pub struct IncidentInput<'a> {
    /// RFC 3339.
    pub discovered_at: &'a str,
    pub discovered_by: &'a str,
    pub description: &'a str,
    pub systems: &'a [String],
    pub internal_notes: &'a str,
}

impl NewIncident {
    pub fn parse(r: &IncidentInput<'_>) -> Result<NewIncident, FieldError> {
        let discovered_at = instant("discovered_at", r.discovered_at)?
            .ok_or_else(|| err("discovered_at", "must not be empty"))?;
        if r.systems.is_empty() {
            return Err(err("systems", "must name at least one system"));
        }
        Ok(NewIncident {
            discovered_at,
            discovered_by: text("discovered_by", r.discovered_by, 200)?,
            description: text("description", r.description, 8000)?,
            systems: r
                .systems
                .iter()
                .map(|s| text("systems", s, 200))
                .collect::<Result<_, _>>()?,
            internal_notes: optional_text("internal_notes", r.internal_notes, 8000)?,
        })
    }
}

/// A decision on an incident.
#[derive(Debug, Clone)]
pub enum Decision {
    Dismiss {
        basis: DismissalBasis,
        reason: String,
    },
    Confirm(Box<Assessment>),
}

/// A decision as it arrives, before validation.
pub struct DecisionInput<'a> {
    /// `confirm` or `dismiss`.
    pub decision: &'a str,
    pub dismissal_basis: &'a str,
    pub dismissal_reason: &'a str,
    pub assessment: Option<AssessmentInput>,
}

impl Decision {
    /// A dismissal names its basis and carries no assessment; a
    /// confirmation carries a valid assessment and no dismissal.
    pub fn parse(r: DecisionInput<'_>, now: DateTime<Utc>) -> Result<Decision, FieldError> {
        match r.decision.trim() {
            "dismiss" => {
                if r.assessment.is_some() {
                    return Err(err("assessment", "must be empty when dismissing"));
                }
                if r.dismissal_basis.trim().is_empty() {
                    return Err(err(
                        "dismissal_basis",
                        "must not be empty: expected no_personal_data, vulnerability_not_exploited or not_a_security_incident",
                    ));
                }
                Ok(Decision::Dismiss {
                    basis: DismissalBasis::parse("dismissal_basis", r.dismissal_basis)?,
                    reason: text("dismissal_reason", r.dismissal_reason, 4000)?,
                })
            }
            "confirm" => {
                if !r.dismissal_basis.trim().is_empty() || !r.dismissal_reason.trim().is_empty() {
                    return Err(err("dismissal_basis", "must be empty when confirming"));
                }
                let a = r
                    .assessment
                    .ok_or_else(|| err("assessment", "required when confirming"))?;
                Ok(Decision::Confirm(Box::new(Assessment::parse(a, now)?)))
            }
            x => Err(err(
                "decision",
                format!("expected confirm or dismiss, got {}", domain_kit::quote(x)),
            )),
        }
    }
}

/// One affected controller with its approximate numbers (unknown = None).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    pub controller_id: String,
    pub subjects_approx: Option<u64>,
    pub records_approx: Option<u64>,
}

/// What is known about a confirmed breach; stored as JSON per version.
/// Empty lists and `None` mean "not known yet".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub summary: Option<String>,
    pub nature: Vec<Nature>,
    pub occurred_from: Option<DateTime<Utc>>,
    pub occurred_until: Option<DateTime<Utc>>,
    pub data_categories: Vec<String>,
    pub subject_categories: Vec<String>,
    pub encrypted: bool,
    pub key_safe: bool,
    pub protection: Option<String>,
    pub likely_consequences: Option<String>,
    pub measures_taken: Option<String>,
    pub measures_proposed: Option<String>,
    pub risk: Risk,
    pub risk_reasoning: Option<String>,
    pub affected: Vec<Affected>,
    pub contact: Option<String>,
    pub internal_notes: Option<String>,
}

impl Assessment {
    pub fn affected(&self, controller: &str) -> Option<&Affected> {
        self.affected.iter().find(|a| a.controller_id == controller)
    }
}

/// An assessment as it arrives.
#[derive(Debug, Clone, Default)]
pub struct AssessmentInput {
    pub summary: String,
    pub nature: Vec<String>,
    pub occurred_from: Option<DateTime<Utc>>,
    pub occurred_until: Option<DateTime<Utc>>,
    pub data_categories: Vec<String>,
    pub subject_categories: Vec<String>,
    pub encrypted: bool,
    pub key_safe: bool,
    pub protection: String,
    pub likely_consequences: String,
    pub measures_taken: String,
    pub measures_proposed: String,
    pub risk: String,
    pub risk_reasoning: String,
    pub affected: Vec<(String, Option<u64>, Option<u64>)>,
    pub contact: String,
    pub internal_notes: String,
}

/// An optional vocabulary list: empty means unknown.
fn optional_vocab(
    field: &'static str,
    values: &[String],
    known: &[(&str, &str)],
) -> Result<Vec<String>, FieldError> {
    if values.is_empty() {
        Ok(Vec::new())
    } else {
        domain_kit::vocab(field, values, known)
    }
}

/// At most this many subjects or records: a number beyond it is a typo.
const MAX_COUNT: u64 = 10_000_000_000;

impl Assessment {
    pub fn parse(i: AssessmentInput, now: DateTime<Utc>) -> Result<Assessment, FieldError> {
        let summary = optional_text("assessment.summary", &i.summary, 4000)?;
        let mut nature = Vec::new();
        for n in &i.nature {
            let v = Nature::parse("assessment.nature", n)?;
            if !nature.contains(&v) {
                nature.push(v);
            }
        }
        let occurred_from = i
            .occurred_from
            .map(|t| instant_in_range("assessment.occurred_from", t, now))
            .transpose()?;
        let occurred_until = i
            .occurred_until
            .map(|t| instant_in_range("assessment.occurred_until", t, now))
            .transpose()?;
        if let (Some(f), Some(u)) = (occurred_from, occurred_until)
            && u < f
        {
            return Err(err(
                "assessment.occurred_until",
                "must not be before occurred_from",
            ));
        }
        let data_categories = optional_vocab(
            "assessment.data_categories",
            &i.data_categories,
            domain_kit::DATA_CATEGORIES,
        )?;
        let subject_categories = optional_vocab(
            "assessment.subject_categories",
            &i.subject_categories,
            domain_kit::SUBJECT_CATEGORIES,
        )?;
        if i.key_safe && !i.encrypted {
            return Err(err(
                "assessment.key_safe",
                "can only be true when encrypted is true",
            ));
        }
        if i.risk.trim().is_empty() {
            return Err(err(
                "assessment.risk",
                "must not be empty: expected unlikely, risk or high",
            ));
        }
        let risk = Risk::parse("assessment.risk", &i.risk)?;
        if i.affected.is_empty() {
            return Err(err(
                "assessment.affected",
                "must name at least one affected controller",
            ));
        }
        let mut affected: Vec<Affected> = Vec::new();
        for (id, subjects, records) in &i.affected {
            let Some(cid) = proto::wire::uuid(id) else {
                return Err(err(
                    "assessment.affected.controller_id",
                    format!("must be a UUID, got {}", proto::wire::quote(id)),
                ));
            };
            if affected.iter().any(|a| a.controller_id == cid) {
                return Err(err(
                    "assessment.affected",
                    format!("names controller {cid} twice"),
                ));
            }
            for (field, v) in [
                ("assessment.affected.subjects_approx", subjects),
                ("assessment.affected.records_approx", records),
            ] {
                if v.is_some_and(|n| n > MAX_COUNT) {
                    return Err(err(field, format!("must be at most {MAX_COUNT}")));
                }
            }
            affected.push(Affected {
                controller_id: cid,
                subjects_approx: *subjects,
                records_approx: *records,
            });
        }
        Ok(Assessment {
            summary,
            nature,
            occurred_from,
            occurred_until,
            data_categories,
            subject_categories,
            encrypted: i.encrypted,
            key_safe: i.key_safe,
            protection: optional_text("assessment.protection", &i.protection, 2000)?,
            likely_consequences: optional_text(
                "assessment.likely_consequences",
                &i.likely_consequences,
                4000,
            )?,
            measures_taken: optional_text("assessment.measures_taken", &i.measures_taken, 4000)?,
            measures_proposed: optional_text(
                "assessment.measures_proposed",
                &i.measures_proposed,
                4000,
            )?,
            risk,
            risk_reasoning: optional_text("assessment.risk_reasoning", &i.risk_reasoning, 4000)?,
            affected,
            contact: optional_text("assessment.contact", &i.contact, 500)?,
            internal_notes: optional_text("assessment.internal_notes", &i.internal_notes, 8000)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const C: &str = "0190f5d0-0000-7000-8000-000000000001";

    fn input() -> AssessmentInput {
        AssessmentInput {
            risk: "risk".into(),
            affected: vec![(C.into(), None, None)],
            ..Default::default()
        }
    }

    fn full() -> Assessment {
        Assessment::parse(
            AssessmentInput {
                summary: "A misconfigured bucket exposed CVs".into(),
                nature: vec!["confidentiality".into()],
                data_categories: vec!["cv_and_work_history".into()],
                subject_categories: vec!["candidates".into()],
                protection: "stored unencrypted".into(),
                likely_consequences: "phishing".into(),
                measures_taken: "bucket closed".into(),
                contact: "dpo@processor.example".into(),
                affected: vec![(C.into(), Some(120), Some(300))],
                ..input()
            },
            t("2026-11-01T00:00:00Z"),
        )
        .unwrap()
    }

    #[test]
    fn a_minimal_assessment_lacks_every_item_but_the_processor_contact() {
        let a = Assessment::parse(input(), t("2026-11-01T00:00:00Z")).unwrap();
        let m = missing(&a, C, Some("dpo@processor.example"));
        assert_eq!(
            m,
            vec![
                Item::Nature,
                Item::Consequences,
                Item::DataCategories,
                Item::Protection,
                Item::Measures,
                Item::SubjectCategories,
                Item::SubjectsApprox,
                Item::RecordsApprox
            ]
        );
        assert!(missing(&a, C, None).contains(&Item::Contact));
        assert!(missing(&full(), C, None).is_empty());
        // Another controller's numbers are not this one's.
        let other = "0190f5d0-0000-7000-8000-000000000002";
        assert_eq!(
            missing(&full(), other, None),
            vec![Item::SubjectsApprox, Item::RecordsApprox]
        );
    }

    #[test]
    fn the_nature_needs_both_the_property_and_a_summary() {
        let mut a = full();
        a.summary = None;
        assert_eq!(missing(&a, C, None), vec![Item::Nature]);
        let mut a = full();
        a.nature.clear();
        assert_eq!(missing(&a, C, None), vec![Item::Nature]);
    }

    #[test]
    fn assessment_validation_names_the_field() {
        let now = t("2026-11-01T00:00:00Z");
        type Edit = Box<dyn Fn(&mut AssessmentInput)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|i| i.risk = String::new()), "assessment.risk"),
            (Box::new(|i| i.risk = "severe".into()), "assessment.risk"),
            (
                Box::new(|i| i.nature = vec!["leak".into()]),
                "assessment.nature",
            ),
            (
                Box::new(|i| i.data_categories = vec!["dna".into()]),
                "assessment.data_categories",
            ),
            (
                Box::new(|i| i.subject_categories = vec!["pets".into()]),
                "assessment.subject_categories",
            ),
            (Box::new(|i| i.key_safe = true), "assessment.key_safe"),
            (Box::new(|i| i.affected.clear()), "assessment.affected"),
            (
                Box::new(|i| i.affected = vec![("nope".into(), None, None)]),
                "assessment.affected.controller_id",
            ),
            (
                Box::new(|i| i.affected.push((C.into(), None, None))),
                "assessment.affected",
            ),
            (
                Box::new(|i| i.affected = vec![(C.into(), Some(MAX_COUNT + 1), None)]),
                "assessment.affected.subjects_approx",
            ),
            (
                Box::new(|i| i.occurred_from = Some(t("2026-12-01T00:00:00Z"))),
                "assessment.occurred_from",
            ),
            (
                Box::new(|i| {
                    i.occurred_from = Some(t("2026-10-02T00:00:00Z"));
                    i.occurred_until = Some(t("2026-10-01T00:00:00Z"));
                }),
                "assessment.occurred_until",
            ),
            (
                Box::new(|i| i.summary = "x".repeat(4001)),
                "assessment.summary",
            ),
        ];
        for (f, field) in cases {
            let mut i = input();
            f(&mut i);
            let e = Assessment::parse(i, now).unwrap_err();
            assert_eq!(e.field, field, "{e}");
        }
    }

    #[test]
    fn controller_clock_runs_in_elapsed_hours_across_both_dst_changes() {
        let now = t("2026-11-21T00:00:00Z");
        // Spring: 2026-03-29 02:00 CET becomes 03:00 CEST. 24 elapsed hours
        // from Saturday 10:00 CET end at Sunday 11:00 CEST.
        let c = controller_clock(t("2026-03-28T10:00:00+01:00"), 24, None, now).unwrap();
        assert_eq!(c.strict, t("2026-03-29T11:00:00+02:00"));
        assert_eq!(c.strict, c.lenient);
        // Autumn: 2026-10-25 03:00 CEST becomes 02:00 CET: 48 hours from
        // Friday 10:00 CEST end at Sunday 09:00 CET.
        let c = controller_clock(t("2026-10-23T10:00:00+02:00"), 48, None, now).unwrap();
        assert_eq!(c.strict, t("2026-10-25T09:00:00+01:00"));
        assert_eq!(c.state, ClockState::Overdue);
        let met = controller_clock(
            t("2026-10-23T10:00:00+02:00"),
            48,
            Some(t("2026-10-25T09:00:00+01:00")),
            now,
        )
        .unwrap();
        assert_eq!(met.state, ClockState::Met, "delivered at the last instant");
        let late = controller_clock(
            t("2026-10-23T10:00:00+02:00"),
            48,
            Some(t("2026-10-25T09:00:01+01:00")),
            now,
        )
        .unwrap();
        assert_eq!(late.state, ClockState::Late);
    }

    #[test]
    fn authority_clock_does_not_stop_for_the_easter_weekend() {
        // Good Friday 2026-04-03, Easter Monday 2026-04-06 are holidays: 72
        // hours from Thursday 16:00 end on Sunday 16:00, no extension.
        let pa = t("2026-04-02T16:00:00+02:00");
        let c = authority_clock(pa, Awareness::Unknown, Risk::Risk, None, pa).unwrap();
        assert_eq!(c.strict, t("2026-04-05T16:00:00+02:00"));
        assert_eq!(c.lenient, c.strict);
        assert_eq!(c.state, ClockState::Open);
    }

    #[test]
    fn authority_clock_strict_from_processor_lenient_from_controller() {
        let pa = t("2026-03-27T16:00:00+01:00");
        // Acknowledged two days later, across the spring DST change.
        let ca = t("2026-03-29T09:30:00+02:00");
        let c = authority_clock(pa, Awareness::Acknowledged(ca), Risk::High, None, ca).unwrap();
        assert_eq!(c.strict, t("2026-03-30T17:00:00+02:00"));
        assert_eq!(c.lenient, t("2026-04-01T09:30:00+02:00"));
        assert!(c.basis.contains("acknowledged"), "{}", c.basis);
        // Delivery stands in until the acknowledgement.
        let d = t("2026-03-28T08:00:00+01:00");
        let c = authority_clock(pa, Awareness::Delivered(d), Risk::High, None, d).unwrap();
        // 08:00 CET plus 72 elapsed hours is 09:00 CEST: the wall clock moves.
        assert_eq!(c.lenient, t("2026-03-31T09:00:00+02:00"));
        assert!(c.basis.contains("EDPB"), "{}", c.basis);
        // Autumn: 72 hours from Friday 12:00 CEST end Monday 11:00 CET.
        let pa = t("2026-10-23T12:00:00+02:00");
        let c = authority_clock(pa, Awareness::Unknown, Risk::Risk, None, pa).unwrap();
        assert_eq!(c.strict, t("2026-10-26T11:00:00+01:00"));
        // A notification between the readings is late strictly, noted.
        let pa = t("2026-03-27T16:00:00+01:00");
        let c = authority_clock(
            pa,
            Awareness::Acknowledged(ca),
            Risk::High,
            Some(t("2026-03-31T12:00:00+02:00")),
            t("2026-11-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(c.state, ClockState::Late);
        assert!(c.notes.iter().any(|n| n.contains("lenient reading")));
    }

    #[test]
    fn an_unlikely_risk_needs_no_authority_notice() {
        let pa = t("2026-03-27T16:00:00+01:00");
        let c = authority_clock(pa, Awareness::Unknown, Risk::Unlikely, None, pa).unwrap();
        assert_eq!(c.state, ClockState::NotRequired);
    }

    #[test]
    fn late_initial_notification_needs_reasons() {
        let due = t("2026-03-30T17:00:00+02:00");
        let late = t("2026-03-31T10:00:00+02:00");
        let e = check_authority(AuthorityPhase::Initial, late, None, &[], due).unwrap_err();
        assert!(
            matches!(&e, BreachError::Invalid(f) if f.field == "reasons_for_delay"),
            "{e}"
        );
        assert!(
            check_authority(
                AuthorityPhase::Initial,
                late,
                Some("waited for forensics"),
                &[],
                due
            )
            .unwrap()
        );
        assert!(!check_authority(AuthorityPhase::Initial, due, None, &[], due).unwrap());
        let init = [AuthorityFact {
            phase: AuthorityPhase::Initial,
            notified_at: due,
        }];
        assert!(matches!(
            check_authority(AuthorityPhase::Initial, late, Some("x"), &init, due),
            Err(BreachError::Precondition(_))
        ));
        assert!(matches!(
            check_authority(AuthorityPhase::Supplement, late, None, &[], due),
            Err(BreachError::Precondition(_))
        ));
        // A supplement is never "late": only the first notification is measured.
        assert!(!check_authority(AuthorityPhase::Supplement, late, None, &init, due).unwrap());
        let withdrawn = [
            init[0],
            AuthorityFact {
                phase: AuthorityPhase::Withdrawal,
                notified_at: late,
            },
        ];
        assert!(matches!(
            check_authority(AuthorityPhase::Supplement, late, None, &withdrawn, due),
            Err(BreachError::Precondition(_))
        ));
    }

    #[test]
    fn the_encryption_exception_needs_encryption_with_a_safe_key() {
        let mut a = full();
        a.risk = Risk::High;
        assert!(matches!(
            check_subject_choice(SubjectChoice::Exception34_3A, None, None, &a),
            Err(BreachError::Precondition(_))
        ));
        a.encrypted = true;
        assert!(check_subject_choice(SubjectChoice::Exception34_3A, None, None, &a).is_err());
        a.key_safe = true;
        check_subject_choice(SubjectChoice::Exception34_3A, None, None, &a).unwrap();
        assert!(matches!(
            check_subject_choice(SubjectChoice::NotRequired, None, None, &a),
            Err(BreachError::Precondition(_))
        ));
        assert!(matches!(
            check_subject_choice(SubjectChoice::Exception34_3C, None, None, &a),
            Err(BreachError::Invalid(_))
        ));
        assert!(matches!(
            check_subject_choice(
                SubjectChoice::NotRequired,
                None,
                Some(t("2026-11-01T00:00:00Z")),
                &a
            ),
            Err(BreachError::Invalid(_))
        ));
        a.risk = Risk::Risk;
        check_subject_choice(SubjectChoice::NotRequired, None, None, &a).unwrap();
    }

    #[test]
    fn subject_communication_states() {
        use SubjectChoice::*;
        assert_eq!(subject_communication(Some(Risk::High), None), "undecided");
        assert_eq!(
            subject_communication(Some(Risk::Risk), None),
            "not_required"
        );
        assert_eq!(
            subject_communication(Some(Risk::High), Some((Communicate, None))),
            "required"
        );
        assert_eq!(
            subject_communication(
                Some(Risk::High),
                Some((Communicate, Some(t("2026-11-01T00:00:00Z"))))
            ),
            "communicated"
        );
        assert_eq!(
            subject_communication(Some(Risk::High), Some((Exception34_3A, None))),
            "exception"
        );
    }

    #[test]
    fn phases_and_dismissal() {
        assert_eq!(send_phase(0, None).unwrap(), Phase::Initial);
        assert_eq!(send_phase(2, None).unwrap(), Phase::Supplement);
        assert!(send_phase(1, Some(Phase::Initial)).is_err());
        assert!(send_phase(0, Some(Phase::Supplement)).is_err());
        check_dismissal(IncidentStatus::Reported, 0).unwrap();
        check_dismissal(IncidentStatus::Confirmed, 0).unwrap();
        assert!(check_dismissal(IncidentStatus::Confirmed, 1).is_err());
        assert!(check_dismissal(IncidentStatus::Dismissed, 0).is_err());
    }

    #[test]
    fn investigation_longer_than_a_day_is_flagged() {
        let d = t("2026-11-01T08:00:00Z");
        assert!(investigation_flag(d, Some(t("2026-11-02T08:00:00Z")), d).is_none());
        let f = investigation_flag(d, Some(t("2026-11-02T09:00:00Z")), d).unwrap();
        assert!(f.contains("25 hours"), "{f}");
        assert!(investigation_flag(d, None, t("2026-11-03T08:00:00Z")).is_some());
    }
}

//! The checks of each step: send phases, the authority notification, the
//! art. 34 choice about the data subjects, dismissal.

use super::*;

/// Which phase a send is, given how many were sent before; an asserted
/// phase must agree.
pub fn send_phase(previous: usize, asserted: Option<Phase>) -> Result<Phase, BreachError> {
    let actual = if previous == 0 {
        Phase::Initial
    } else {
        Phase::Supplement
    };
    match asserted {
        Some(Phase::Initial) if previous > 0 => Err(BreachError::Precondition(format!(
            "the initial notice was already sent ({previous} send(s)); send a supplement"
        ))),
        Some(Phase::Supplement) if previous == 0 => Err(BreachError::Precondition(
            "nothing was sent yet: the first send is the initial notice".into(),
        )),
        _ => Ok(actual),
    }
}

/// An authority notification already recorded.
#[derive(Debug, Clone, Copy)]
pub struct AuthorityFact {
    pub phase: AuthorityPhase,
    pub notified_at: DateTime<Utc>,
}

/// Checks a new authority notification against those recorded; returns
/// whether it is late (an initial one after the strict reading). A late
/// initial notification must give the reasons for the delay (art. 33(1)).
pub fn check_authority(
    phase: AuthorityPhase,
    notified_at: DateTime<Utc>,
    reasons: Option<&str>,
    recorded: &[AuthorityFact],
    strict_due: DateTime<Utc>,
) -> Result<bool, BreachError> {
    let initial = recorded.iter().find(|f| f.phase == AuthorityPhase::Initial);
    if let Some(w) = recorded
        .iter()
        .find(|f| f.phase == AuthorityPhase::Withdrawal)
    {
        return Err(BreachError::Precondition(format!(
            "the notification was withdrawn at {}; nothing can follow a withdrawal",
            proto::wire::timestamp(w.notified_at)
        )));
    }
    match (phase, initial) {
        (AuthorityPhase::Initial, Some(i)) => Err(BreachError::Precondition(format!(
            "the initial notification was recorded at {}; record a supplement or a withdrawal",
            proto::wire::timestamp(i.notified_at)
        ))),
        (AuthorityPhase::Initial, None) => {
            let late = notified_at > strict_due;
            if late && reasons.is_none() {
                return Err(err(
                    "reasons_for_delay",
                    format!(
                        "required: the notification at {} is later than 72 hours after awareness ({}, strict reading; GDPR art. 33(1))",
                        proto::wire::timestamp(notified_at),
                        proto::wire::timestamp(strict_due)
                    ),
                )
                .into());
            }
            Ok(late)
        }
        (_, None) => Err(BreachError::Precondition(format!(
            "no initial notification is recorded; a {} needs one",
            phase.as_str()
        ))),
        (_, Some(i)) if notified_at < i.notified_at => Err(err(
            "notified_at",
            format!(
                "must not be before the initial notification at {}",
                proto::wire::timestamp(i.notified_at)
            ),
        )
        .into()),
        _ => Ok(false),
    }
}

/// Checks an art. 34 decision against the assessment.
pub fn check_subject_choice(
    choice: SubjectChoice,
    details: Option<&str>,
    communicated_at: Option<DateTime<Utc>>,
    a: &Assessment,
) -> Result<(), BreachError> {
    if communicated_at.is_some() && choice != SubjectChoice::Communicate {
        return Err(err(
            "communicated_at",
            "only applies to the decision communicate",
        )
        .into());
    }
    match choice {
        SubjectChoice::NotRequired if a.risk == Risk::High => Err(BreachError::Precondition(
            "the assessed risk is high: art. 34(1) requires communicating to the data subjects unless an exception of art. 34(3) applies".into(),
        )),
        SubjectChoice::Exception34_3A if !(a.encrypted && a.key_safe) => {
            Err(BreachError::Precondition(
                "exception_34_3_a needs data made unintelligible, such as encryption with the key safe; the assessment does not record the data as encrypted with the key safe".into(),
            ))
        }
        SubjectChoice::Exception34_3B if details.is_none() => Err(err(
            "details",
            "required for exception_34_3_b: the subsequent measures that keep the high risk from materialising",
        )
        .into()),
        SubjectChoice::Exception34_3C if details.is_none() => Err(err(
            "details",
            "required for exception_34_3_c: the public communication or equally effective measure used instead (art. 34(3)(c))",
        )
        .into()),
        _ => Ok(()),
    }
}

/// Where the art. 34 communication stands for one notice.
pub fn subject_communication(
    risk: Option<Risk>,
    latest: Option<(SubjectChoice, Option<DateTime<Utc>>)>,
) -> &'static str {
    match (risk, latest) {
        (None, _) => "",
        (_, Some((SubjectChoice::Communicate, Some(_)))) => "communicated",
        (_, Some((SubjectChoice::Communicate, None))) => "required",
        (_, Some((SubjectChoice::NotRequired, _))) => "not_required",
        (_, Some(_)) => "exception",
        (Some(Risk::High), None) => "undecided",
        (Some(_), None) => "not_required",
    }
}

/// Whether a dismissal is allowed from here.
pub fn check_dismissal(status: IncidentStatus, sends: usize) -> Result<(), BreachError> {
    match status {
        IncidentStatus::Dismissed => Err(BreachError::Precondition(
            "the incident is already dismissed".into(),
        )),
        IncidentStatus::Confirmed if sends > 0 => Err(BreachError::Precondition(format!(
            "the incident is confirmed and {sends} notice send(s) reached controllers; it cannot be dismissed"
        ))),
        _ => Ok(()),
    }
}

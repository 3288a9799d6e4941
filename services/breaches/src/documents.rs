//! What the breach service renders from its views, pure: the timeline of an
//! incident, the draft of the authority notification (the questions of the
//! AP's breach notification form, filled from the record, unknowns
//! marked) and the register of every incident (GDPR art. 33(5)).

use chrono::{DateTime, Utc};
use domain_kit::{Format, cell, md};
use serde_json::{Value, json};

use crate::domain::*;
use crate::ports::ControllerInfo;
use crate::service::{IncidentView, NoticeView, ProcessorIdentity};

fn ts(t: DateTime<Utc>) -> String {
    proto::wire::timestamp(t)
}

// ----- timeline -------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: &'static str,
    pub controller_id: Option<String>,
    pub notice_id: Option<String>,
    pub summary: String,
}

fn ev(at: DateTime<Utc>, kind: &'static str, n: Option<&NoticeView>, summary: String) -> Event {
    Event {
        at,
        kind,
        controller_id: n.map(|n| n.row.tenant_id.clone()),
        notice_id: n.map(|n| n.row.id.clone()),
        summary,
    }
}

/// Every step of the incident in time order, with the deadlines as events.
/// `internal` adds the processor-side steps (report, assessments,
/// dismissal, failed delivery attempts); a controller's view leaves them out.
pub fn timeline(v: &IncidentView, internal: bool) -> Vec<Event> {
    let mut out = Vec::new();
    let r = &v.row;
    out.push(ev(
        r.discovered_at,
        "incident.discovered",
        None,
        if internal {
            format!("discovered by {}", r.discovered_by)
        } else {
            "the processor discovered the incident".into()
        },
    ));
    if internal {
        out.push(ev(
            r.reported_at,
            "incident.reported",
            None,
            format!("reported by {}", r.reported_by),
        ));
        for a in &v.history {
            out.push(ev(
                a.assessed_at,
                "incident.assessed",
                None,
                format!(
                    "assessment version {} by {}: risk {}, {} controller(s) affected",
                    a.version,
                    a.assessed_by,
                    a.assessment.risk.as_str(),
                    a.assessment.affected.len()
                ),
            ));
        }
        if let (Status::Dismissed, Some(at)) = (v.status, r.decided_at) {
            out.push(ev(
                at,
                "incident.dismissed",
                None,
                format!(
                    "dismissed ({}): {}",
                    r.dismissal_basis.clone().unwrap_or_default(),
                    r.dismissal_reason.clone().unwrap_or_default()
                ),
            ));
        }
        if let Some(f) = &v.investigation_flag {
            out.push(ev(
                r.decided_at.unwrap_or(r.discovered_at),
                "incident.flag",
                None,
                f.clone(),
            ));
        }
    }
    for n in &v.notices {
        if internal {
            out.push(ev(
                n.row.created_at,
                "notice.created",
                Some(n),
                format!(
                    "notice to controller {} (SLA {} hours)",
                    n.row.tenant_id, n.row.sla_hours
                ),
            ));
            if let Some(c) = n.row.cancelled_at {
                out.push(ev(
                    c,
                    "notice.cancelled",
                    Some(n),
                    "controller no longer affected".into(),
                ));
            }
        }
        if n.row.cancelled_at.is_some() {
            continue;
        }
        out.push(ev(
            n.controller_clock.strict,
            "deadline.controller_notice",
            Some(n),
            format!(
                "the processor's notice to the controller is due (rule {}): {}",
                n.controller_clock.rule,
                n.controller_clock.state.as_str()
            ),
        ));
        for s in &n.sends {
            out.push(ev(
                s.row.sent_at,
                "notice.sent",
                Some(n),
                if s.missing.is_empty() {
                    format!("{} notice #{} sent, complete", s.row.phase, s.row.sequence)
                } else {
                    format!(
                        "{} notice #{} sent, lacking: {}",
                        s.row.phase,
                        s.row.sequence,
                        s.missing.join(", ")
                    )
                },
            ));
            if let Some(m) = &s.delivery {
                if internal {
                    for a in m.attempt_log.iter().filter(|a| !a.delivered) {
                        out.push(ev(
                            a.started_at,
                            "notice.delivery_failed",
                            Some(n),
                            format!(
                                "attempt {} of #{} failed: {}",
                                a.number,
                                s.row.sequence,
                                a.error
                                    .clone()
                                    .unwrap_or_else(|| format!("HTTP {}", a.http_status))
                            ),
                        ));
                    }
                }
                if let Some(d) = m.delivered_at {
                    out.push(ev(
                        d,
                        "notice.delivered",
                        Some(n),
                        format!("#{} delivered to the controller's webhook", s.row.sequence),
                    ));
                }
            }
        }
        if let (Some(ack), Some(aware)) = (n.row.acknowledged_at, n.row.controller_aware_at) {
            out.push(ev(
                ack,
                "notice.acknowledged",
                Some(n),
                format!("the controller acknowledged; aware since {}", ts(aware)),
            ));
        }
        if n.authority_clock.state != ClockState::NotRequired {
            out.push(ev(
                n.authority_clock.strict,
                "deadline.authority_notice.strict",
                Some(n),
                "72 hours from the processor's awareness (strict reading)".into(),
            ));
            if n.authority_clock.lenient != n.authority_clock.strict {
                out.push(ev(
                    n.authority_clock.lenient,
                    "deadline.authority_notice.lenient",
                    Some(n),
                    "72 hours from the controller's awareness (lenient reading)".into(),
                ));
            }
        }
        for a in &n.authority {
            out.push(ev(
                a.notified_at,
                "authority.notified",
                Some(n),
                format!(
                    "{} notification to the authority by the {}{}{}",
                    a.phase,
                    a.by_party,
                    a.reference
                        .as_ref()
                        .map(|r| format!(", reference {r}"))
                        .unwrap_or_default(),
                    if a.late { ", late, with reasons" } else { "" }
                ),
            ));
        }
        for d in &n.decisions {
            out.push(ev(
                d.decided_at,
                "subjects.decided",
                Some(n),
                format!("art. 34 decision: {}", d.decision),
            ));
            if let Some(c) = d.communicated_at {
                out.push(ev(
                    c,
                    "subjects.communicated",
                    Some(n),
                    "the data subjects were told".into(),
                ));
            }
        }
    }
    out.sort_by(|a, b| (a.at, a.kind).cmp(&(b.at, b.kind)));
    out
}

// ----- the authority draft --------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub question: &'static str,
    pub answer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub number: u32,
    pub title: &'static str,
    pub fields: Vec<Field>,
}

fn f(key: &'static str, question: &'static str, answer: Option<String>) -> Field {
    Field {
        key,
        question,
        answer: answer.filter(|a| !a.trim().is_empty()),
    }
}

fn label(known: &[(&str, &str)], k: &str) -> String {
    known
        .iter()
        .find(|(x, _)| *x == k)
        .map(|(x, l)| format!("{x} ({l})"))
        .unwrap_or_else(|| k.to_owned())
}

/// The AP's questions, in the order of its form, filled from the record of
/// one controller's notice. `None` answers are unknown.
pub fn draft(
    inc: &IncidentView,
    n: &NoticeView,
    controller: Option<&ControllerInfo>,
    processor: &ProcessorIdentity,
    now: DateTime<Utc>,
) -> Vec<Section> {
    let a = inc.assessment.as_ref().map(|r| &r.assessment);
    let aff = a.and_then(|a| a.affected(&n.row.tenant_id));
    let initial = n.authority.iter().find(|x| x.phase == "initial");
    let clock = &n.authority_clock;
    let late = match initial {
        Some(i) => i.notified_at > clock.strict,
        None => now > clock.strict,
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let dpo = controller.and_then(|c| match (c.dpo_name.trim(), c.dpo_email.trim()) {
        ("", "") => None,
        (nm, "") => Some(nm.to_owned()),
        ("", e) => Some(e.to_owned()),
        (nm, e) => Some(format!("{nm} <{e}>")),
    });
    let latest_decision = n.decisions.last();
    vec![
        Section {
            number: 0,
            title: "About this notification",
            fields: vec![
                f(
                    "notification_type",
                    "Is this a new notification or a supplement to an earlier one?",
                    Some(match initial {
                        Some(_) => "supplement".into(),
                        None => "new notification".into(),
                    }),
                ),
                f(
                    "earlier_reference",
                    "The reference of the earlier notification",
                    match initial {
                        Some(i) => Some(i.reference.clone().unwrap_or_default()),
                        None => Some("not applicable".into()),
                    },
                ),
            ],
        },
        Section {
            number: 1,
            title: "Contact details and general information",
            fields: vec![
                f(
                    "organisation",
                    "Which organisation notifies the breach (the controller)?",
                    controller.map(|c| c.legal_name.clone()),
                ),
                f(
                    "kvk_number",
                    "Chamber of Commerce (KvK) number",
                    controller.map(|c| c.kvk_number.clone()),
                ),
                f(
                    "contact_person",
                    "Contact person for the notification (name, function, telephone)",
                    dpo.clone(),
                ),
                f(
                    "contact_email",
                    "Contact e-mail",
                    controller.map(|c| c.privacy_email.clone()),
                ),
                f(
                    "processor",
                    "Processor involved in the breach",
                    Some(if processor.name.trim().is_empty() {
                        String::new()
                    } else {
                        processor.name.clone()
                    }),
                ),
            ],
        },
        Section {
            number: 2,
            title: "Timeline",
            fields: vec![
                f(
                    "breach_started",
                    "When did the breach begin?",
                    a.and_then(|a| a.occurred_from).map(ts),
                ),
                f(
                    "breach_ended",
                    "When did the breach end (or is it ongoing)?",
                    a.and_then(|a| a.occurred_until).map(ts),
                ),
                f(
                    "processor_discovered",
                    "When did the processor discover the breach?",
                    Some(ts(inc.row.discovered_at)),
                ),
                f(
                    "controller_aware",
                    "When did you (the controller) become aware of the breach?",
                    n.row.controller_aware_at.map(ts),
                ),
                f(
                    "deadline",
                    "72-hour deadline (rule breach.authority_notice, strict / lenient)",
                    Some(format!("{} / {}", ts(clock.strict), ts(clock.lenient))),
                ),
                f(
                    "late_reasons",
                    "If notified later than 72 hours: the reasons for the delay",
                    if late {
                        initial.and_then(|i| i.reasons_for_delay.clone())
                    } else {
                        Some("not applicable (within 72 hours)".into())
                    },
                ),
            ],
        },
        Section {
            number: 3,
            title: "About the breach",
            fields: vec![
                f(
                    "summary",
                    "Summarise the incident in which the breach occurred",
                    a.and_then(|a| a.summary.clone()),
                ),
                f(
                    "nature",
                    "What is the nature of the breach (reading/copying: confidentiality; changing: integrity; deleting or destroying: availability)?",
                    a.filter(|a| !a.nature.is_empty()).map(|a| {
                        a.nature
                            .iter()
                            .map(|n| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }),
                ),
            ],
        },
        Section {
            number: 4,
            title: "Personal data involved",
            fields: vec![
                f(
                    "data_categories",
                    "Which types of personal data are involved?",
                    a.filter(|a| !a.data_categories.is_empty()).map(|a| {
                        a.data_categories
                            .iter()
                            .map(|c| label(domain_kit::DATA_CATEGORIES, c))
                            .collect::<Vec<_>>()
                            .join("; ")
                    }),
                ),
                f(
                    "special_categories",
                    "Are special categories of personal data or criminal data involved?",
                    a.filter(|a| !a.data_categories.is_empty())
                        .map(|a| yes_no(a.data_categories.iter().any(|c| c == "special_category"))),
                ),
                f(
                    "records_approx",
                    "Approximately how many personal-data records are affected?",
                    aff.and_then(|x| x.records_approx).map(|v| v.to_string()),
                ),
            ],
        },
        Section {
            number: 5,
            title: "The people whose data is involved",
            fields: vec![
                f(
                    "subjects_approx",
                    "Approximately how many people are affected?",
                    aff.and_then(|x| x.subjects_approx).map(|v| v.to_string()),
                ),
                f(
                    "subject_categories",
                    "Which groups of people are affected?",
                    a.filter(|a| !a.subject_categories.is_empty()).map(|a| {
                        a.subject_categories
                            .iter()
                            .map(|c| label(domain_kit::SUBJECT_CATEGORIES, c))
                            .collect::<Vec<_>>()
                            .join("; ")
                    }),
                ),
            ],
        },
        Section {
            number: 6,
            title: "Measures taken before the breach",
            fields: vec![
                f(
                    "protection",
                    "How was the data protected (for instance encryption, hashing)?",
                    a.and_then(|a| a.protection.clone()),
                ),
                f(
                    "unintelligible",
                    "Was the data made unintelligible to unauthorised persons (encrypted with the key safe)?",
                    a.filter(|a| a.protection.is_some())
                        .map(|a| yes_no(a.encrypted && a.key_safe)),
                ),
            ],
        },
        Section {
            number: 7,
            title: "Consequences of the breach",
            fields: vec![
                f(
                    "consequences",
                    "What are the likely consequences for the people concerned?",
                    a.and_then(|a| a.likely_consequences.clone()),
                ),
                f(
                    "risk",
                    "The assessed risk to the people concerned",
                    a.map(|a| {
                        format!(
                            "{}{}",
                            a.risk.as_str(),
                            a.risk_reasoning
                                .as_ref()
                                .map(|r| format!(": {r}"))
                                .unwrap_or_default()
                        )
                    }),
                ),
            ],
        },
        Section {
            number: 8,
            title: "Follow-up",
            fields: vec![
                f(
                    "inform_subjects",
                    "Have you informed, or will you inform, the people concerned (art. 34)? Explain your choice.",
                    latest_decision.map(|d| {
                        format!(
                            "{}{}{}",
                            d.decision,
                            if d.details.is_empty() {
                                String::new()
                            } else {
                                format!(": {}", d.details)
                            },
                            d.communicated_at
                                .map(|c| format!(" (told on {})", ts(c)))
                                .unwrap_or_default()
                        )
                    }),
                ),
                f(
                    "measures",
                    "Which measures have you taken or proposed to address the breach and limit its consequences?",
                    a.and_then(|a| match (&a.measures_taken, &a.measures_proposed) {
                        (None, None) => None,
                        (t, p) => Some(format!(
                            "taken: {}; proposed: {}",
                            t.clone().unwrap_or_else(|| "unknown".into()),
                            p.clone().unwrap_or_else(|| "unknown".into())
                        )),
                    }),
                ),
                f(
                    "international",
                    "Are people in other EU member states affected (a cross-border breach goes to the lead authority)?",
                    None,
                ),
            ],
        },
        Section {
            number: 9,
            title: "Other",
            fields: vec![f(
                "processor_contact",
                "Contact point at the processor for follow-up",
                a.and_then(|a| a.contact.clone()).or_else(|| {
                    (!processor.dpo_email.trim().is_empty()).then(|| processor.dpo_email.clone())
                }),
            )],
        },
    ]
}

pub fn unknown(sections: &[Section]) -> Vec<String> {
    sections
        .iter()
        .flat_map(|s| s.fields.iter())
        .filter(|f| f.answer.is_none())
        .map(|f| f.key.to_owned())
        .collect()
}

pub const UNKNOWN: &str = "UNKNOWN";

pub fn draft_json(n: &NoticeView, sections: &[Section], now: DateTime<Utc>) -> String {
    let v = json!({
        "form": "Autoriteit Persoonsgegevens: breach notification form (draft, to be submitted by the controller through the AP's online form)",
        "notice_id": n.row.id,
        "incident_id": n.row.incident_id,
        "controller_id": n.row.tenant_id,
        "generated_at": ts(now),
        "sections": sections.iter().map(|s| json!({
            "number": s.number,
            "title": s.title,
            "fields": s.fields.iter().map(|f| json!({
                "key": f.key,
                "question": f.question,
                "answer": f.answer,
                "known": f.answer.is_some(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "unknown": unknown(sections),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn draft_markdown(n: &NoticeView, sections: &[Section], now: DateTime<Utc>) -> String {
    let mut o = format!(
        "# Breach notification draft for the Autoriteit Persoonsgegevens\n\n\
         Notice {} of incident {}, controller {}. Generated {}. \
         Submit through the AP's online breach notification form; \
         fields marked **{UNKNOWN}** are not yet on record.\n",
        md(&n.row.id),
        md(&n.row.incident_id),
        md(&n.row.tenant_id),
        ts(now)
    );
    for s in sections {
        o.push_str(&format!(
            "\n## {}. {}\n\n| Question | Answer |\n|---|---|\n",
            s.number, s.title
        ));
        for f in &s.fields {
            o.push_str(&format!(
                "| {} | {} |\n",
                md(f.question),
                match &f.answer {
                    Some(a) => md(a),
                    None => format!("**{UNKNOWN}**"),
                }
            ));
        }
    }
    let u = unknown(sections);
    if !u.is_empty() {
        o.push_str(&format!("\nStill unknown: {}.\n", u.join(", ")));
    }
    o
}

// ----- the register -----------------------------------------------------------

/// Totals over the notices shown: the sum of the known numbers, and
/// whether every one was known.
fn total(v: &IncidentView, pick: impl Fn(&Affected) -> Option<u64>) -> (Option<u64>, bool) {
    let Some(a) = v.assessment.as_ref().map(|r| &r.assessment) else {
        return (None, false);
    };
    let shown: Vec<&Affected> = v
        .notices
        .iter()
        .filter_map(|n| a.affected(&n.row.tenant_id))
        .collect();
    let known: Vec<u64> = shown.iter().filter_map(|x| pick(x)).collect();
    if known.is_empty() {
        (None, false)
    } else {
        (Some(known.iter().sum()), known.len() == shown.len())
    }
}

fn notice_json(n: &NoticeView) -> Value {
    let initial = n.sends.first();
    let auth = n.authority.iter().find(|a| a.phase == "initial");
    json!({
        "notice_id": n.row.id,
        "controller_id": n.row.tenant_id,
        "status": n.status,
        "sla_hours": n.row.sla_hours,
        "controller_notice": {
            "due": ts(n.controller_clock.strict),
            "state": n.controller_clock.state.as_str(),
            "initial_sent_at": initial.map(|s| ts(s.row.sent_at)),
            "initial_delivered_at": n.delivered_at().map(ts),
            "sends": n.sends.len(),
            "missing": n.missing.iter().map(|i| i.key()).collect::<Vec<_>>(),
        },
        "controller_aware_at": n.row.controller_aware_at.map(ts),
        "authority_notice": {
            "strict": ts(n.authority_clock.strict),
            "lenient": ts(n.authority_clock.lenient),
            "state": n.authority_clock.state.as_str(),
            "notified_at": auth.map(|a| ts(a.notified_at)),
            "by": auth.map(|a| a.by_party.clone()),
            "reference": auth.and_then(|a| a.reference.clone()),
            "late": auth.map(|a| a.late),
            "reasons_for_delay": auth.and_then(|a| a.reasons_for_delay.clone()),
        },
        "subject_communication": n.subject_communication,
        "subject_decision": n.decisions.last().map(|d| d.decision.clone()),
    })
}

fn incident_json(v: &IncidentView, internal: bool) -> Value {
    let a = v.assessment.as_ref().map(|r| &r.assessment);
    let (subjects, subjects_complete) = total(v, |x| x.subjects_approx);
    let (records, records_complete) = total(v, |x| x.records_approx);
    let mut o = json!({
        "incident_id": v.row.id,
        "status": v.status.as_str(),
        "discovered_at": ts(v.row.discovered_at),
        "decided_at": v.row.decided_at.map(ts),
        "facts": {
            "summary": a.and_then(|a| a.summary.clone()),
            "nature": a.map(|a| a.nature.iter().map(|n| n.as_str()).collect::<Vec<_>>()),
            "occurred_from": a.and_then(|a| a.occurred_from).map(ts),
            "occurred_until": a.and_then(|a| a.occurred_until).map(ts),
            "data_categories": a.map(|a| a.data_categories.clone()),
            "subject_categories": a.map(|a| a.subject_categories.clone()),
            "subjects_approx": subjects,
            "subjects_approx_complete": subjects_complete,
            "records_approx": records,
            "records_approx_complete": records_complete,
            "encrypted": a.map(|a| a.encrypted),
            "key_safe": a.map(|a| a.key_safe),
            "protection": a.and_then(|a| a.protection.clone()),
        },
        "effects": {
            "risk": a.map(|a| a.risk.as_str()),
            "risk_reasoning": a.and_then(|a| a.risk_reasoning.clone()),
            "likely_consequences": a.and_then(|a| a.likely_consequences.clone()),
        },
        "remedial_action": {
            "taken": a.and_then(|a| a.measures_taken.clone()),
            "proposed": a.and_then(|a| a.measures_proposed.clone()),
        },
        "notified": v.notices.iter().any(|n| !n.sends.is_empty()),
        "notices": v.notices.iter().filter(|n| n.row.cancelled_at.is_none()).map(notice_json).collect::<Vec<_>>(),
    });
    if internal {
        o["reported_at"] = json!(ts(v.row.reported_at));
        o["discovered_by"] = json!(v.row.discovered_by);
        o["description"] = json!(v.row.description);
        o["systems"] = json!(v.systems);
        o["dismissal"] = match (&v.row.dismissal_basis, &v.row.dismissal_reason) {
            (Some(b), r) => json!({ "basis": b, "reason": r }),
            _ => Value::Null,
        };
        o["assessment_versions"] = json!(v.history.len());
        o["investigation_flag"] = json!(v.investigation_flag);
    }
    o
}

const CSV_COLUMNS: &[&str] = &[
    "incident_id",
    "status",
    "discovered_at",
    "decided_at",
    "dismissal_basis",
    "dismissal_reason",
    "risk",
    "nature",
    "summary",
    "data_categories",
    "subject_categories",
    "subjects_approx",
    "records_approx",
    "encrypted",
    "key_safe",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
    "controller_id",
    "notice_status",
    "controller_notice_due",
    "controller_notice_state",
    "initial_delivered_at",
    "missing",
    "controller_aware_at",
    "authority_due_strict",
    "authority_due_lenient",
    "authority_notified_at",
    "authority_state",
    "subject_communication",
];

fn csv(views: &[IncidentView], internal: bool) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for v in views {
        let a = v.assessment.as_ref().map(|r| &r.assessment);
        let opt = |s: Option<String>| s.unwrap_or_default();
        let head = |aff: Option<&Affected>| -> Vec<String> {
            vec![
                v.row.id.clone(),
                v.status.as_str().into(),
                ts(v.row.discovered_at),
                opt(v.row.decided_at.map(ts)),
                if internal {
                    opt(v.row.dismissal_basis.clone())
                } else {
                    String::new()
                },
                if internal {
                    opt(v.row.dismissal_reason.clone())
                } else {
                    String::new()
                },
                opt(a.map(|a| a.risk.as_str().to_owned())),
                opt(a.map(|a| {
                    a.nature
                        .iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                })),
                opt(a.and_then(|a| a.summary.clone())),
                opt(a.map(|a| a.data_categories.join("; "))),
                opt(a.map(|a| a.subject_categories.join("; "))),
                opt(aff.and_then(|x| x.subjects_approx).map(|n| n.to_string())),
                opt(aff.and_then(|x| x.records_approx).map(|n| n.to_string())),
                opt(a.map(|a| a.encrypted.to_string())),
                opt(a.map(|a| a.key_safe.to_string())),
                opt(a.and_then(|a| a.likely_consequences.clone())),
                opt(a.and_then(|a| a.measures_taken.clone())),
                opt(a.and_then(|a| a.measures_proposed.clone())),
            ]
        };
        let shown: Vec<&NoticeView> = v
            .notices
            .iter()
            .filter(|n| n.row.cancelled_at.is_none())
            .collect();
        if shown.is_empty() {
            let mut row = head(None);
            row.extend(std::iter::repeat_n(
                String::new(),
                CSV_COLUMNS.len() - row.len(),
            ));
            out.push_str(&row.iter().map(|s| cell(s)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        for n in shown {
            let mut row = head(a.and_then(|a| a.affected(&n.row.tenant_id)));
            let auth = n.authority.iter().find(|x| x.phase == "initial");
            row.extend([
                n.row.tenant_id.clone(),
                n.status.into(),
                ts(n.controller_clock.strict),
                n.controller_clock.state.as_str().into(),
                opt(n.delivered_at().map(ts)),
                n.missing
                    .iter()
                    .map(|i| i.key())
                    .collect::<Vec<_>>()
                    .join("; "),
                opt(n.row.controller_aware_at.map(ts)),
                ts(n.authority_clock.strict),
                ts(n.authority_clock.lenient),
                opt(auth.map(|x| ts(x.notified_at))),
                n.authority_clock.state.as_str().into(),
                n.subject_communication.into(),
            ]);
            out.push_str(&row.iter().map(|s| cell(s)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
    }
    out
}

fn markdown(views: &[IncidentView], internal: bool, now: DateTime<Utc>) -> String {
    let mut o = format!(
        "# Breach register (GDPR art. 33(5))\n\nGenerated {}. {} incident(s), notified or not.\n",
        ts(now),
        views.len()
    );
    for v in views {
        let j = incident_json(v, internal);
        o.push_str(&format!(
            "\n## Incident {}\n\n| Field | Value |\n|---|---|\n",
            md(&v.row.id)
        ));
        let mut row = |k: &str, val: &Value| {
            let s = match val {
                Value::Null => "(unknown)".to_owned(),
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                x => x.to_string(),
            };
            o.push_str(&format!("| {} | {} |\n", md(k), md(&s)));
        };
        row("status", &j["status"]);
        row("discovered at", &j["discovered_at"]);
        if internal {
            row("description", &j["description"]);
            row("dismissal", &j["dismissal"]);
        }
        for (k, x) in j["facts"].as_object().into_iter().flatten() {
            row(k, x);
        }
        for (k, x) in j["effects"].as_object().into_iter().flatten() {
            row(k, x);
        }
        row("remedial action taken", &j["remedial_action"]["taken"]);
        row(
            "remedial action proposed",
            &j["remedial_action"]["proposed"],
        );
        let shown: Vec<&NoticeView> = v
            .notices
            .iter()
            .filter(|n| n.row.cancelled_at.is_none())
            .collect();
        if !shown.is_empty() {
            o.push_str(
                "\n| Controller | Notice due | Delivered | Missing | Aware | Authority due (strict / lenient) | Authority notified | Art. 34 |\n|---|---|---|---|---|---|---|---|\n",
            );
            for n in shown {
                let auth = n.authority.iter().find(|x| x.phase == "initial");
                o.push_str(&format!(
                    "| {} | {} ({}) | {} | {} | {} | {} / {} ({}) | {} | {} |\n",
                    md(&n.row.tenant_id),
                    ts(n.controller_clock.strict),
                    n.controller_clock.state.as_str(),
                    n.delivered_at().map(ts).unwrap_or_else(|| "no".into()),
                    md(&n
                        .missing
                        .iter()
                        .map(|i| i.key())
                        .collect::<Vec<_>>()
                        .join(", ")),
                    n.row
                        .controller_aware_at
                        .map(ts)
                        .unwrap_or_else(|| "-".into()),
                    ts(n.authority_clock.strict),
                    ts(n.authority_clock.lenient),
                    n.authority_clock.state.as_str(),
                    auth.map(|x| ts(x.notified_at))
                        .unwrap_or_else(|| "-".into()),
                    md(n.subject_communication),
                ));
            }
        }
    }
    o
}

/// The register in a format; `internal` adds the processor-side facts
/// (description, systems, dismissals) that a controller never sees.
pub fn register(views: &[IncidentView], f: Format, internal: bool, now: DateTime<Utc>) -> String {
    match f {
        Format::Json => serde_json::to_string_pretty(&json!({
            "register": "personal-data breaches (GDPR art. 33(5))",
            "generated_at": ts(now),
            "incidents": views.iter().map(|v| incident_json(v, internal)).collect::<Vec<_>>(),
        }))
        .unwrap_or_default(),
        Format::Csv => csv(views, internal),
        Format::Markdown => markdown(views, internal, now),
    }
}

//! The draft of the authority notification: the questions of the AP's breach
//! notification form in its order, one function per section, each filled
//! from the record (unknowns marked), rendered as JSON or Markdown.

use chrono::{DateTime, Utc};
use domain_kit::md;
use serde_json::json;

use super::ts;
use crate::domain::*;
use crate::ports::ControllerRecord;
use crate::service::{IncidentView, NoticeView, ProcessorIdentity};

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

/// What every section of the draft is filled from: one controller's notice
/// of one incident, read once.
#[derive(Clone, Copy)]
struct Draft<'a> {
    inc: &'a IncidentView,
    n: &'a NoticeView,
    controller: Option<&'a ControllerRecord>,
    processor: &'a ProcessorIdentity,
    a: Option<&'a Assessment>,
    aff: Option<&'a Affected>,
    initial: Option<&'a store::entities::breaches::authority_notifications::Model>,
    clock: &'a Clock,
    late: bool,
    dpo: &'a Option<String>,
    latest_decision: Option<&'a store::entities::breaches::subject_decisions::Model>,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// The AP's questions, in the order of its form, filled from the record of
/// one controller's notice. `None` answers are unknown.
pub fn draft(
    inc: &IncidentView,
    n: &NoticeView,
    controller: Option<&ControllerRecord>,
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
    let dpo = controller.and_then(|c| match (c.dpo_name.trim(), c.dpo_email.trim()) {
        ("", "") => None,
        (nm, "") => Some(nm.to_owned()),
        ("", e) => Some(e.to_owned()),
        (nm, e) => Some(format!("{nm} <{e}>")),
    });
    let latest_decision = n.decisions.last();
    let d = Draft {
        inc,
        n,
        controller,
        processor,
        a,
        aff,
        initial,
        clock,
        late,
        dpo: &dpo,
        latest_decision,
    };
    vec![
        section_0(&d),
        section_1(&d),
        section_2(&d),
        section_3(&d),
        section_4(&d),
        section_5(&d),
        section_6(&d),
        section_7(&d),
        section_8(&d),
        section_9(&d),
    ]
}

/// Section 0: About this notification.
fn section_0(d: &Draft<'_>) -> Section {
    let Draft { initial, .. } = *d;
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
    }
}

/// Section 1: Contact details and general information.
fn section_1(d: &Draft<'_>) -> Section {
    let Draft {
        controller,
        processor,
        dpo,
        ..
    } = *d;
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
    }
}

/// Section 2: Timeline.
fn section_2(d: &Draft<'_>) -> Section {
    let Draft {
        inc,
        n,
        a,
        initial,
        clock,
        late,
        ..
    } = *d;
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
    }
}

/// Section 3: About the breach.
fn section_3(d: &Draft<'_>) -> Section {
    let Draft { a, .. } = *d;
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
    }
}

/// Section 4: Personal data involved.
fn section_4(d: &Draft<'_>) -> Section {
    let Draft { a, aff, .. } = *d;
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
    }
}

/// Section 5: The people whose data is involved.
fn section_5(d: &Draft<'_>) -> Section {
    let Draft { a, aff, .. } = *d;
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
    }
}

/// Section 6: Measures taken before the breach.
fn section_6(d: &Draft<'_>) -> Section {
    let Draft { a, .. } = *d;
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
    }
}

/// Section 7: Consequences of the breach.
fn section_7(d: &Draft<'_>) -> Section {
    let Draft { a, .. } = *d;
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
    }
}

/// Section 8: Follow-up.
fn section_8(d: &Draft<'_>) -> Section {
    let Draft {
        a, latest_decision, ..
    } = *d;
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
    }
}

/// Section 9: Other.
fn section_9(d: &Draft<'_>) -> Section {
    let Draft { processor, a, .. } = *d;
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
    }
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

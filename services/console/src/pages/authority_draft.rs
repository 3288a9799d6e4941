//! The draft of a controller's notification to the Autoriteit
//! Persoonsgegevens on screen: the questions of the AP's breach notification
//! form (Meldformulier datalekken) in its order and wording, in the reader's
//! language, each answered from the record or marked as not yet known, and
//! printable (the page prints as its content alone; a browser's "save as
//! PDF" is the PDF). It is read from the breaches service's draft (its
//! JSON), which stays the machine format the downloads offer.

use axum::extract::{Path, State};
use axum::response::Response;
use proto::v1 as pb;
use serde::Deserialize;

use super::assessment::{NATURE, RISK};
use super::{id_ok, table, vocab_word};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Section, Tone};
use crate::web::{self, AppState, Failure, PageResult, Signed};

#[derive(Deserialize)]
struct Draft {
    sections: Vec<DraftSection>,
    #[serde(default)]
    unknown: Vec<String>,
}

#[derive(Deserialize)]
struct DraftSection {
    number: u32,
    fields: Vec<DraftField>,
}

#[derive(Deserialize)]
struct DraftField {
    key: String,
    answer: Option<String>,
}

/// The form's sections, by number.
const TITLES: [&str; 10] = [
    "About this notification",
    "Contact details and general information",
    "Timeline",
    "About the breach",
    "Personal data involved",
    "The people whose data is involved",
    "Measures taken before the breach",
    "Consequences of the breach",
    "Follow-up",
    "Other",
];

/// The form's questions, by the draft's keys.
const QUESTIONS: &[(&str, &str)] = &[
    (
        "notification_type",
        "Is this a new notification or a supplement to an earlier one?",
    ),
    (
        "earlier_reference",
        "The reference of the earlier notification",
    ),
    (
        "organisation",
        "Which organisation notifies the breach (the controller)?",
    ),
    ("kvk_number", "Chamber of Commerce (KvK) number"),
    (
        "contact_person",
        "Contact person for the notification (name, function, telephone)",
    ),
    ("contact_email", "Contact e-mail"),
    ("processor", "Processor involved in the breach"),
    ("breach_started", "When did the breach begin?"),
    (
        "breach_ended",
        "When did the breach end (or is it ongoing)?",
    ),
    (
        "processor_discovered",
        "When did the processor discover the breach?",
    ),
    (
        "controller_aware",
        "When did you (the controller) become aware of the breach?",
    ),
    (
        "deadline",
        "The 72-hour deadline (strict reading / lenient reading)",
    ),
    (
        "late_reasons",
        "If notified later than 72 hours: the reasons for the delay",
    ),
    (
        "summary",
        "Summarise the incident in which the breach occurred",
    ),
    (
        "nature",
        "What is the nature of the breach (reading or copying: confidentiality; changing: integrity; deleting or destroying: availability)?",
    ),
    (
        "data_categories",
        "Which types of personal data are involved?",
    ),
    (
        "special_categories",
        "Are special categories of personal data or criminal data involved?",
    ),
    (
        "records_approx",
        "Approximately how many personal-data records are affected?",
    ),
    (
        "subjects_approx",
        "Approximately how many people are affected?",
    ),
    ("subject_categories", "Which groups of people are affected?"),
    (
        "protection",
        "How was the data protected (for instance encryption, hashing)?",
    ),
    (
        "unintelligible",
        "Was the data made unintelligible to unauthorised persons (encrypted with the key safe)?",
    ),
    (
        "consequences",
        "What are the likely consequences for the people concerned?",
    ),
    ("risk", "The assessed risk to the people concerned"),
    (
        "inform_subjects",
        "Have you informed, or will you inform, the people concerned (art. 34)? Explain your choice.",
    ),
    (
        "measures",
        "Which measures have you taken or proposed to address the breach and limit its consequences?",
    ),
    (
        "international",
        "Are people in other EU member states affected (a cross-border breach goes to the lead authority)?",
    ),
    (
        "processor_contact",
        "Contact point at the processor for follow-up",
    ),
];

/// The page: `/breaches/notices/{id}/authority-draft`.
pub async fn page(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        let mut c = pb::breach_service_client::BreachServiceClient::new(
            st.backend.channel(Service::Breaches),
        );
        let doc = c
            .get_authority_draft(me.s.req(pb::GetAuthorityDraftRequest {
                notice_id: id.clone(),
                format: "json".into(),
            }))
            .await?
            .into_inner();
        let d: Draft = serde_json::from_str(&doc.content)
            .map_err(|e| Failure::Internal(format!("the authority draft: {e}")))?;
        let mut sections = vec![Section::new(tr.t("How to use this draft")).with(Body::Message {
            tone: if d.unknown.is_empty() {
                Tone::Good
            } else {
                Tone::Warn
            },
            text: if d.unknown.is_empty() {
                tr.t("Every question has an answer on record. The controller copies them into the AP's online breach notification form and submits it; this page prints as the draft.").to_owned()
            } else {
                format!(
                    "{} {}",
                    tr.t("Questions still without an answer on record:"),
                    d.unknown.len()
                )
            },
        })];
        for s in &d.sections {
            let title = TITLES
                .get(s.number as usize)
                .map_or_else(|| s.number.to_string(), |t| tr.t(t).to_owned());
            let heading = format!("{}. {title}", s.number);
            let rows = s
                .fields
                .iter()
                .map(|f| {
                    vec![
                        Cell::text(question(tr, &f.key)),
                        match &f.answer {
                            Some(a) => Cell::text(answer(tr, &f.key, a)),
                            None => Cell::state(tr.t("not yet known"), Tone::Warn),
                        },
                    ]
                })
                .collect();
            sections.push(Section::new(heading.clone()).with(Body::Table(table(
                &heading,
                &[tr.t("Question"), tr.t("Answer")],
                rows,
                "–",
            ))));
        }
        sections.push(
            Section::new(tr.t("Downloads")).with(Body::Links(vec![
                (
                    format!("{} (Markdown)", tr.t("Authority draft")),
                    format!("/breaches/notices/{id}/draft?format=markdown"),
                ),
                (
                    format!("{} (JSON)", tr.t("Authority draft")),
                    format!("/breaches/notices/{id}/draft?format=json"),
                ),
                (
                    tr.t("Back to the notice").to_owned(),
                    format!("/breaches/notices/{id}"),
                ),
            ])),
        );
        Ok(web::page(
            &me,
            tr.t("Draft notification to the Autoriteit Persoonsgegevens"),
            tr.t("In the order and wording of the AP's breach notification form. The controller notifies the authority (GDPR art. 33(1)); the processor prepares the answers it has on record."),
            &sections,
        ))
    }
    .await;
    web::done(&me, r)
}

fn question(tr: Tr, key: &str) -> String {
    QUESTIONS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| key.replace('_', " "), |(_, q)| tr.t(q).to_owned())
}

/// An answer as the draft holds it, said in the reader's language: codes
/// become words, instants Amsterdam time.
fn answer(tr: Tr, key: &str, a: &str) -> String {
    let list = |vocab: &[(&'static str, &'static str)], sep: &str| -> String {
        a.split(sep)
            .map(|part| {
                let code = part.split(" (").next().unwrap_or(part).trim();
                vocab_word(tr, vocab, code)
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let said = match key {
        "notification_type" => match a {
            "supplement" => tr.t("a supplement to an earlier notification").to_owned(),
            "new notification" => tr.t("a new notification").to_owned(),
            other => other.to_owned(),
        },
        "earlier_reference" if a == "not applicable" => tr.t("not applicable").to_owned(),
        "late_reasons" if a == "not applicable (within 72 hours)" => {
            tr.t("not applicable (within 72 hours)").to_owned()
        }
        "nature" => list(&NATURE, ", "),
        "data_categories" => list(proto::wire::DATA_CATEGORIES, "; "),
        "subject_categories" => list(proto::wire::SUBJECT_CATEGORIES, "; "),
        "special_categories" | "unintelligible" => match a {
            "yes" => tr.t("yes").to_owned(),
            "no" => tr.t("no").to_owned(),
            other => other.to_owned(),
        },
        "risk" => match a.split_once(": ") {
            Some((code, why)) => format!("{}: {why}", vocab_word(tr, &RISK, code)),
            None => vocab_word(tr, &RISK, a),
        },
        "inform_subjects" => {
            let end = a.find([':', ' ']).unwrap_or(a.len());
            let (code, rest) = a.split_at(end);
            let rest = rest.replace(" (told on ", &format!(" ({} ", tr.t("told on")));
            format!(
                "{}{rest}",
                vocab_word(tr, &super::breaches::SUBJECT_DECISIONS, code)
            )
        }
        "measures" => match a
            .strip_prefix("taken: ")
            .and_then(|r| r.split_once("; proposed: "))
        {
            Some((taken, proposed)) => {
                let unknown = |s: &str| {
                    if s == "unknown" {
                        tr.t("unknown").to_owned()
                    } else {
                        s.to_owned()
                    }
                };
                format!(
                    "{}: {}; {}: {}",
                    tr.t("taken"),
                    unknown(taken),
                    tr.t("proposed"),
                    unknown(proposed)
                )
            }
            None => a.to_owned(),
        },
        _ => a.to_owned(),
    };
    crate::when::humanize(tr, &said)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, NL};

    #[test]
    fn every_title_and_question_has_its_dutch() {
        for en in TITLES.iter().chain(QUESTIONS.iter().map(|(_, q)| q)) {
            assert!(NL.iter().any(|(e, _)| e == en), "no Dutch for {en:?}");
        }
    }

    #[test]
    fn answers_are_said_in_words() {
        let nl = Tr(Lang::Nl);
        assert_eq!(answer(nl, "special_categories", "no"), "nee");
        assert_eq!(
            answer(nl, "nature", "confidentiality, availability"),
            format!("{}; {}", nl.t(NATURE[0].1), nl.t(NATURE[2].1))
        );
        assert!(
            answer(nl, "breach_started", "2026-12-01T08:00:00.000000Z")
                .starts_with("di 1 dec 2026 09:00")
        );
        assert_eq!(
            answer(
                Tr(Lang::En),
                "measures",
                "taken: locked the bucket; proposed: unknown"
            ),
            "taken: locked the bucket; proposed: unknown"
        );
        assert_eq!(
            answer(
                nl,
                "measures",
                "taken: bucket afgesloten; proposed: unknown"
            ),
            "genomen: bucket afgesloten; voorgesteld: onbekend"
        );
    }
}

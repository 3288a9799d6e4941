//! The breach assessment form (part of the breaches page): every art. 33(3)
//! item per affected controller, with pickers instead of ids and codes; what
//! was typed, kept when the service refuses it; and the request built from
//! it. A confirmed incident is assessed again the same way, the form filled
//! with the assessment in force (art. 33(4): information in phases).

use proto::v1 as pb;

use crate::i18n::Tr;
use crate::view::{Body, Field, FieldKind, Form as FormV, Section, Tone};
use crate::when;

/// The impact on security (art. 4(12)), in words.
pub(crate) const NATURE: [(&str, &str); 3] = [
    (
        "confidentiality",
        "confidentiality: the data was seen or taken by someone who should not have it",
    ),
    (
        "integrity",
        "integrity: the data was changed or is no longer correct",
    ),
    (
        "availability",
        "availability: the data was lost or could not be reached",
    ),
];

pub(crate) const RISK: [(&str, &str); 3] = [
    ("unlikely", "unlikely to result in a risk to people"),
    ("risk", "a risk to people"),
    ("high", "a high risk to people (art. 34)"),
];

const DISMISSAL: [(&str, &str); 4] = [
    ("", "–"),
    ("no_personal_data", "no personal data was involved"),
    (
        "vulnerability_not_exploited",
        "a vulnerability that was not exploited",
    ),
    ("not_a_security_incident", "not a security incident"),
];

/// What the form holds: typed by the person, or the assessment in force.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub decision: String,
    pub summary: String,
    pub risk: String,
    pub risk_reasoning: String,
    pub nature: Vec<String>,
    pub data_categories: Vec<String>,
    pub subject_categories: Vec<String>,
    /// The affected controllers' ids.
    pub affected: Vec<String>,
    /// Per controller id: the approximate number of people and of records,
    /// as typed.
    pub subjects: Vec<(String, String)>,
    pub records: Vec<(String, String)>,
    pub occurred_from: String,
    pub occurred_until: String,
    pub encrypted: bool,
    pub key_safe: bool,
    pub protection: String,
    pub likely_consequences: String,
    pub measures_taken: String,
    pub measures_proposed: String,
    pub contact: String,
    pub dismissal_basis: String,
    pub dismissal_reason: String,
}

impl Input {
    /// From a submitted form body (`application/x-www-form-urlencoded`;
    /// boxes of one name repeat it).
    pub fn parse(body: &[u8]) -> (Input, String) {
        let mut i = Input::default();
        let mut csrf = String::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf" => csrf = v,
                "decision" => i.decision = v,
                "summary" => i.summary = v,
                "risk" => i.risk = v,
                "risk_reasoning" => i.risk_reasoning = v,
                "nature" => i.nature.push(v),
                "data_categories" => i.data_categories.push(v),
                "subject_categories" => i.subject_categories.push(v),
                "affected" => i.affected.push(v),
                "occurred_from" => i.occurred_from = v,
                "occurred_until" => i.occurred_until = v,
                "encrypted" => i.encrypted = v == "true",
                "key_safe" => i.key_safe = v == "true",
                "protection" => i.protection = v,
                "likely_consequences" => i.likely_consequences = v,
                "measures_taken" => i.measures_taken = v,
                "measures_proposed" => i.measures_proposed = v,
                "contact" => i.contact = v,
                "dismissal_basis" => i.dismissal_basis = v,
                "dismissal_reason" => i.dismissal_reason = v,
                other => {
                    if let Some(c) = other.strip_prefix("subjects_") {
                        i.subjects.push((c.to_owned(), v));
                    } else if let Some(c) = other.strip_prefix("records_") {
                        i.records.push((c.to_owned(), v));
                    }
                }
            }
        }
        (i, csrf)
    }

    /// The assessment in force, to assess again from.
    pub fn from_assessment(a: &pb::Assessment) -> Input {
        let typed = |wire: &str| {
            super::instant(wire)
                .map(when::input_value)
                .unwrap_or_default()
        };
        let n = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
        Input {
            decision: "confirm".into(),
            summary: a.summary.clone(),
            risk: a.risk.clone(),
            risk_reasoning: a.risk_reasoning.clone(),
            nature: a.nature.clone(),
            data_categories: a.data_categories.clone(),
            subject_categories: a.subject_categories.clone(),
            affected: a.affected.iter().map(|x| x.controller_id.clone()).collect(),
            subjects: a
                .affected
                .iter()
                .map(|x| (x.controller_id.clone(), n(x.subjects_approx)))
                .collect(),
            records: a
                .affected
                .iter()
                .map(|x| (x.controller_id.clone(), n(x.records_approx)))
                .collect(),
            occurred_from: typed(&a.occurred_from),
            occurred_until: typed(&a.occurred_until),
            encrypted: a.encrypted,
            key_safe: a.key_safe,
            protection: a.protection.clone(),
            likely_consequences: a.likely_consequences.clone(),
            measures_taken: a.measures_taken.clone(),
            measures_proposed: a.measures_proposed.clone(),
            contact: a.contact.clone(),
            dismissal_basis: String::new(),
            dismissal_reason: String::new(),
        }
    }

    fn typed_for(list: &[(String, String)], controller: &str) -> String {
        list.iter()
            .find(|(c, _)| c == controller)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The request to the service; a typed value the console itself must
    /// read (a time, a number) that cannot be read is refused here, in the
    /// reader's language, naming the field.
    pub fn request(&self, tr: Tr, incident: &str) -> Result<pb::AssessIncidentRequest, String> {
        let confirm = self.decision != "dismiss";
        let time = |label: &'static str, v: &str| -> Result<String, String> {
            if v.trim().is_empty() {
                return Ok(String::new());
            }
            when::parse_input(v)
                .map(proto::wire::timestamp)
                .map_err(|e| format!("{}: {}", tr.t(label), e.say(tr)))
        };
        let number = |label: &'static str, v: &str| -> Result<Option<u64>, String> {
            let v = v.trim().replace(['.', ' '], "");
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<u64>().map(Some).map_err(|_| {
                format!(
                    "{}: {}",
                    tr.t(label),
                    tr.t("give a whole number, or leave it empty while it is not known")
                )
            })
        };
        let assessment = if confirm {
            let mut affected = Vec::new();
            for c in &self.affected {
                affected.push(pb::AffectedController {
                    controller_id: c.clone(),
                    subjects_approx: number(
                        "People affected (about)",
                        &Self::typed_for(&self.subjects, c),
                    )?,
                    records_approx: number(
                        "Records affected (about)",
                        &Self::typed_for(&self.records, c),
                    )?,
                });
            }
            Some(pb::Assessment {
                summary: self.summary.clone(),
                nature: self.nature.clone(),
                occurred_from: time("Began", &self.occurred_from)?,
                occurred_until: time("Ended", &self.occurred_until)?,
                data_categories: self.data_categories.clone(),
                subject_categories: self.subject_categories.clone(),
                encrypted: self.encrypted,
                key_safe: self.key_safe,
                protection: self.protection.clone(),
                likely_consequences: self.likely_consequences.clone(),
                measures_taken: self.measures_taken.clone(),
                measures_proposed: self.measures_proposed.clone(),
                risk: self.risk.clone(),
                risk_reasoning: self.risk_reasoning.clone(),
                affected,
                contact: self.contact.clone(),
                ..Default::default()
            })
        } else {
            None
        };
        Ok(pb::AssessIncidentRequest {
            incident_id: incident.to_owned(),
            decision: if confirm { "confirm" } else { "dismiss" }.into(),
            dismissal_basis: if confirm {
                String::new()
            } else {
                self.dismissal_basis.clone()
            },
            dismissal_reason: if confirm {
                String::new()
            } else {
                self.dismissal_reason.clone()
            },
            assessment,
        })
    }
}

/// The form. `again`: the incident is confirmed and this is a new version
/// of its assessment; `error`: why the last submission was refused (the
/// form keeps what was typed).
pub fn form(
    tr: Tr,
    incident: &str,
    names: &std::collections::HashMap<String, String>,
    input: &Input,
    again: bool,
    error: Option<&str>,
) -> Section {
    let heading = if again {
        tr.t("Assess again (new facts: art. 33(4))")
    } else {
        tr.t("Assess the incident")
    };
    let mut s = Section::new(heading);
    if let Some(e) = error {
        s.push(Body::Message {
            tone: Tone::Bad,
            text: format!("{} {e}", tr.t("Nothing was changed:")),
        });
    }
    if again {
        s.push(Body::Message {
            tone: Tone::Neutral,
            text: tr
                .t("The form holds the assessment in force. Change what is new or was wrong; a notice already sent is followed by a supplement that says what changed.")
                .into(),
        });
    }
    let mut controllers = super::name_options(names);
    // A controller named in the assessment stays pickable even when its
    // name is not known here.
    for c in &input.affected {
        if !controllers.iter().any(|(id, _)| id == c) {
            controllers.push((c.clone(), c.clone()));
        }
    }
    let mut fields = Vec::new();
    if !again {
        fields.push(
            Field::new(
                "decision",
                tr.t("Decision"),
                FieldKind::Select(vec![
                    (
                        "confirm".into(),
                        tr.t("confirm: a personal data breach").into(),
                    ),
                    (
                        "dismiss".into(),
                        tr.t("dismiss: not a personal data breach").into(),
                    ),
                ]),
            )
            .value(&input.decision),
        );
    } else {
        fields.push(Field::new("decision", "", FieldKind::Hidden).value("confirm"));
    }
    fields.extend([
        Field::new("summary", tr.t("What happened"), FieldKind::TextArea)
            .value(&input.summary)
            .help(tr.t("In words a controller can pass on: it is sent in the notice.")),
        Field::new(
            "affected",
            tr.t("Affected controllers"),
            FieldKind::Checks(controllers.clone()),
        )
        .selected(input.affected.clone()),
    ]);
    for (id, name) in &controllers {
        // Few controllers: the numbers of each beside its box; many: of
        // the ticked ones (tick, record, then assess again to add numbers).
        if controllers.len() > 8 && !input.affected.contains(id) {
            continue;
        }
        fields.push(
            Field::new(
                &format!("subjects_{id}"),
                format!("{} – {name}", tr.t("People affected (about)")),
                FieldKind::Number,
            )
            .value(Input::typed_for(&input.subjects, id)),
        );
        fields.push(
            Field::new(
                &format!("records_{id}"),
                format!("{} – {name}", tr.t("Records affected (about)")),
                FieldKind::Number,
            )
            .value(Input::typed_for(&input.records, id)),
        );
    }
    fields.extend([
        Field::new(
            "nature",
            tr.t("What the breach did"),
            FieldKind::Checks(super::vocab_options(tr, &NATURE)),
        )
        .selected(if input.nature.is_empty() && !again {
            vec!["confidentiality".into()]
        } else {
            input.nature.clone()
        }),
        Field::new(
            "data_categories",
            tr.t("Kinds of personal data"),
            FieldKind::Checks(super::vocab_options(tr, domain_kit_categories::DATA)),
        )
        .selected(input.data_categories.clone()),
        Field::new(
            "subject_categories",
            tr.t("Kinds of people"),
            FieldKind::Checks(super::vocab_options(tr, domain_kit_categories::SUBJECTS)),
        )
        .selected(input.subject_categories.clone()),
        Field::new("occurred_from", tr.t("Began"), FieldKind::Instant)
            .value(&input.occurred_from)
            .help(tr.t("Amsterdam time; empty while not known.")),
        Field::new("occurred_until", tr.t("Ended"), FieldKind::Instant)
            .value(&input.occurred_until)
            .help(tr.t("Amsterdam time; empty while it goes on or is not known.")),
        Field::new(
            "encrypted",
            tr.t("The data was encrypted"),
            FieldKind::Check,
        )
        .value(if input.encrypted { "true" } else { "" }),
        Field::new("key_safe", tr.t("The key stayed safe"), FieldKind::Check)
            .value(if input.key_safe { "true" } else { "" }),
        Field::new(
            "protection",
            tr.t("How the data was protected"),
            FieldKind::TextArea,
        )
        .value(&input.protection),
        Field::new(
            "likely_consequences",
            tr.t("Likely consequences for the people"),
            FieldKind::TextArea,
        )
        .value(&input.likely_consequences),
        Field::new(
            "measures_taken",
            tr.t("Measures taken"),
            FieldKind::TextArea,
        )
        .value(&input.measures_taken),
        Field::new(
            "measures_proposed",
            tr.t("Measures proposed"),
            FieldKind::TextArea,
        )
        .value(&input.measures_proposed),
        Field::new(
            "risk",
            tr.t("Risk"),
            FieldKind::Select(super::vocab_options(tr, &RISK)),
        )
        .value(if input.risk.is_empty() {
            "risk"
        } else {
            &input.risk
        }),
        Field::new("risk_reasoning", tr.t("Why this risk"), FieldKind::TextArea)
            .value(&input.risk_reasoning),
        Field::new("contact", tr.t("Contact point"), FieldKind::Text).value(&input.contact),
    ]);
    if !again {
        fields.extend([
            Field::new(
                "dismissal_basis",
                tr.t("Reason for a dismissal"),
                FieldKind::Select(super::vocab_options(tr, &DISMISSAL)),
            )
            .value(&input.dismissal_basis),
            Field::new("dismissal_reason", tr.t("Reason"), FieldKind::TextArea)
                .value(&input.dismissal_reason),
        ]);
    }
    s.push(Body::Form(FormV {
        id: "assess".into(),
        action: format!("/breaches/{incident}/assess"),
        post: true,
        fields,
        submit: if again {
            tr.t("Record the new assessment").into()
        } else {
            tr.t("Assess").into()
        },
    }));
    s
}

/// The vocabularies of the agreements (domain-kit's), with their words.
mod domain_kit_categories {
    pub const DATA: &[(&str, &str)] = proto::wire::DATA_CATEGORIES;
    pub const SUBJECTS: &[(&str, &str)] = proto::wire::SUBJECT_CATEGORIES;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, NL};

    #[test]
    fn every_word_of_the_form_has_its_dutch() {
        let all = NATURE
            .iter()
            .chain(RISK.iter())
            .chain(DISMISSAL.iter().skip(1))
            .chain(domain_kit_categories::DATA.iter())
            .chain(domain_kit_categories::SUBJECTS.iter());
        for (_, en) in all {
            assert!(NL.iter().any(|(e, _)| e == en), "no Dutch for {en:?}");
        }
    }

    #[test]
    fn a_typed_form_becomes_the_request_and_bad_numbers_and_times_are_named() {
        let body = b"decision=confirm&summary=x&affected=c1&affected=c2&subjects_c1=1.200&records_c1=&nature=confidentiality&nature=availability&occurred_from=2026-12-01T09%3A00&csrf=k";
        let (i, csrf) = Input::parse(body);
        assert_eq!(csrf, "k");
        let r = i.request(Tr(Lang::En), "inc").unwrap();
        let a = r.assessment.unwrap();
        assert_eq!(a.affected.len(), 2);
        assert_eq!(a.affected[0].subjects_approx, Some(1200));
        assert_eq!(a.affected[0].records_approx, None);
        assert_eq!(a.nature, ["confidentiality", "availability"]);
        assert_eq!(a.occurred_from, "2026-12-01T08:00:00.000000Z");
        let (bad, _) = Input::parse(b"decision=confirm&affected=c1&subjects_c1=many");
        let e = bad.request(Tr(Lang::Nl), "inc").unwrap_err();
        assert!(e.starts_with("Getroffen personen (ongeveer):"), "{e}");
        let (bad, _) = Input::parse(b"decision=confirm&occurred_from=2026-03-29T02%3A30");
        assert!(
            bad.request(Tr(Lang::En), "inc")
                .unwrap_err()
                .contains("does not exist")
        );
        // Assessed again from the assessment in force, nothing lost.
        let again = Input::from_assessment(&a);
        assert_eq!(again.affected, ["c1", "c2"]);
        assert_eq!(again.occurred_from, "2026-12-01T09:00");
        assert_eq!(Input::typed_for(&again.subjects, "c1"), "1200");
    }
}

//! The processor's record of processing activities (GDPR art. 30(2)) on
//! screen, in the reader's language and printable: the processor, then per
//! controller the agreement, what is processed for it, where, by which
//! sub-processors and with which transfers; every gap the agreements
//! service found is said at the top. It is read from the service's record
//! (its JSON), which stays the machine format the downloads offer.

use axum::extract::State;
use axum::response::Response;
use proto::v1 as pb;
use serde::Deserialize;

use super::{table, vocab_word};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Section, Tone};
use crate::web::{self, AppState, Failure, PageResult, Signed};

#[derive(Deserialize)]
struct Record {
    processor: Party,
    #[serde(default)]
    processor_address: String,
    #[serde(default)]
    controllers: Vec<Entry>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Party {
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    representative: String,
    #[serde(default)]
    dpo: String,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    kvk_number: String,
    #[serde(flatten)]
    party: Party,
    #[serde(default)]
    agreement_reference: String,
    #[serde(default)]
    agreement_version: u32,
    #[serde(default)]
    agreement_status: String,
    #[serde(default)]
    processing_categories: Vec<String>,
    #[serde(default)]
    data_categories: Vec<String>,
    #[serde(default)]
    data_subject_categories: Vec<String>,
    #[serde(default)]
    special_categories: bool,
    #[serde(default)]
    processing_locations: Vec<String>,
    #[serde(default)]
    subprocessors: Vec<Line>,
    #[serde(default)]
    transfers: Vec<Transfer>,
    #[serde(default)]
    security_measures_summary: String,
}

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    contact: String,
}

#[derive(Deserialize)]
struct Transfer {
    #[serde(default)]
    country_or_io: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    mechanism: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    art49_safeguards_doc: String,
}

/// A transfer's legal ground (GDPR chapter V), in words.
const MECHANISMS: [(&str, &str); 3] = [
    ("eea", "within the EEA: no transfer"),
    ("adequacy", "an EU adequacy decision (art. 45)"),
    ("scc", "standard contractual clauses (art. 46)"),
];

/// The page: `/agreements/record/view`.
pub async fn page(State(st): State<AppState>, me: Signed) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let doc = pb::agreement_service_client::AgreementServiceClient::new(
            st.backend.channel(Service::Agreements),
        )
        .export_processing_record(me.s.req(pb::ExportProcessingRecordRequest {
            controller_id: String::new(),
            format: "json".into(),
        }))
        .await?
        .into_inner();
        let r: Record = serde_json::from_str(&doc.content)
            .map_err(|e| Failure::Internal(format!("the record of processing: {e}")))?;
        let names = super::tenant_names(&st, &me).await?;
        let tokens = std::collections::HashMap::new();
        let dash = |s: &str| {
            if s.trim().is_empty() {
                Cell::state(tr.t("not on record"), Tone::Warn)
            } else {
                Cell::text(s)
            }
        };
        let mut sections = Vec::new();
        if !r.warnings.is_empty() {
            sections.push(
                Section::new(tr.t("Gaps in the record")).with(Body::Notes(
                    r.warnings
                        .iter()
                        .map(|w| {
                            super::name_ids(tr, &crate::phrases::say(tr, w), &names, &tokens)
                        })
                        .collect(),
                )),
            );
        }
        sections.push(
            Section::new(tr.t("The processor (art. 30(2)(a))")).with(Body::Facts(vec![
                (tr.t("Name").to_owned(), dash(&r.processor.name)),
                (tr.t("Address").to_owned(), dash(&r.processor_address)),
                (tr.t("Contact").to_owned(), dash(&r.processor.contact)),
                (
                    tr.t("Representative").to_owned(),
                    Cell::text(&r.processor.representative),
                ),
                (
                    tr.t("Data protection officer").to_owned(),
                    Cell::text(&r.processor.dpo),
                ),
            ])),
        );
        for c in &r.controllers {
            sections.push(controller_section(tr, c, &dash));
        }
        if r.controllers.is_empty() {
            sections.push(Section::new(tr.t("Controllers")).with(Body::Message {
                tone: Tone::Neutral,
                text: tr.t("No agreement is in force: the record lists no controller.").into(),
            }));
        }
        sections.push(record_links(tr, false));
        Ok(web::page(
            &me,
            tr.t("Record of processing (art. 30(2))"),
            tr.t("The processor's record of the processing it carries out for each controller, as the agreements in force, the controllers and the engaged sub-processors say it today."),
            &sections,
        ))
    }
    .await;
    web::done(&me, r)
}

fn controller_section(tr: Tr, c: &Entry, dash: &dyn Fn(&str) -> Cell) -> Section {
    let words = |vocab: &[(&'static str, &'static str)], codes: &[String]| {
        Cell::Lines(codes.iter().map(|x| vocab_word(tr, vocab, x)).collect())
    };
    let mut s = Section::new(c.party.name.clone()).with(Body::Facts(vec![
        (tr.t("KvK number").to_owned(), Cell::text(&c.kvk_number)),
        (tr.t("Contact").to_owned(), dash(&c.party.contact)),
        (
            tr.t("Representative").to_owned(),
            Cell::text(&c.party.representative),
        ),
        (
            tr.t("Data protection officer").to_owned(),
            Cell::text(&c.party.dpo),
        ),
        (
            tr.t("Agreement").to_owned(),
            Cell::text(format!(
                "{} ({} {}, {})",
                c.agreement_reference,
                tr.t("version"),
                c.agreement_version,
                vocab_word(tr, crate::web::STATES, &c.agreement_status)
            )),
        ),
        (
            tr.t("Categories of processing (art. 30(2)(b))").to_owned(),
            Cell::Lines(c.processing_categories.clone()),
        ),
        (
            tr.t("Personal data").to_owned(),
            words(proto::wire::DATA_CATEGORIES, &c.data_categories),
        ),
        (
            tr.t("Data subjects").to_owned(),
            words(proto::wire::SUBJECT_CATEGORIES, &c.data_subject_categories),
        ),
        (
            tr.t("Special categories (art. 9) or criminal data (art. 10)")
                .to_owned(),
            Cell::text(if c.special_categories {
                tr.t("yes")
            } else {
                tr.t("no")
            }),
        ),
        (
            tr.t("Processing locations").to_owned(),
            Cell::Lines(c.processing_locations.clone()),
        ),
        (
            tr.t("Security measures (art. 30(2)(d))").to_owned(),
            dash(&c.security_measures_summary),
        ),
    ]));
    let subs = c
        .subprocessors
        .iter()
        .map(|l| {
            vec![
                Cell::text(&l.name),
                Cell::text(&l.address),
                Cell::text(&l.country),
                Cell::text(&l.service),
                Cell::text(&l.contact),
            ]
        })
        .collect();
    s.push(Body::Table(table(
        &format!("{} · {}", tr.t("Sub-processors"), c.party.name),
        &[
            tr.t("Name"),
            tr.t("Address"),
            tr.t("Country"),
            tr.t("Service"),
            tr.t("Contact"),
        ],
        subs,
        tr.t("No sub-processor is engaged for this controller."),
    )));
    let transfers = c
        .transfers
        .iter()
        .map(|t| {
            vec![
                Cell::text(&t.country_or_io),
                Cell::text(crate::phrases::say(tr, &t.recipient)),
                Cell::text(vocab_word(tr, &MECHANISMS, &t.mechanism)),
                Cell::text(crate::phrases::say(tr, &t.explanation)),
                Cell::text(&t.art49_safeguards_doc),
            ]
        })
        .collect();
    s.push(Body::Table(table(
        &format!(
            "{} · {}",
            tr.t("Transfers outside the EEA (art. 30(2)(c))"),
            c.party.name
        ),
        &[
            tr.t("Country"),
            tr.t("Recipient"),
            tr.t("Ground"),
            tr.t("Explanation"),
            tr.t("Transfer impact assessment"),
        ],
        transfers,
        tr.t("No transfer outside the EEA."),
    )));
    s
}

/// The record's links: on screen (`with_view`) and its machine formats.
pub fn record_links(tr: Tr, with_view: bool) -> Section {
    let label = tr.t("Record of processing (art. 30(2))");
    let mut links = Vec::new();
    if with_view {
        links.push((
            tr.t("The record of processing on screen (to print)")
                .to_owned(),
            "/agreements/record/view".to_owned(),
        ));
    }
    for (format, name) in [("json", "JSON"), ("csv", "CSV"), ("markdown", "Markdown")] {
        links.push((
            format!("{label} ({name})"),
            format!("/agreements/record?format={format}"),
        ));
    }
    Section::new(tr.t("Downloads")).with(Body::Links(links))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::NL;

    #[test]
    fn every_word_of_the_record_has_its_dutch() {
        for (_, en) in MECHANISMS {
            assert!(NL.iter().any(|(e, _)| *e == en), "no Dutch for {en:?}");
        }
    }
}

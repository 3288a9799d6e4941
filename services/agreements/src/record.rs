//! The processor's record of processing activities (GDPR art. 30(2);
//! legal-rules.md C-6), built from the agreements in force, the controllers
//! and the sub-processors engaged for each, and rendered as JSON, CSV or
//! Markdown. Every field C-6 lists is present in every format; a gap (an
//! unconfigured processor name, a transfer without a valid mechanism) is
//! shown as a warning, never silently left out.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{AgreementError, Terms};
use crate::ports::{ControllerRecord, EngagedSubprocessor};
use crate::service::{Agreement, Agreements, ProcessorIdentity, internal};

pub use domain_kit::{Format, cell, md};

#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub name: String,
    pub contact: String,
    pub representative: String,
    pub dpo: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transfer {
    /// The third country (or international organisation).
    pub country_or_io: String,
    pub recipient: String,
    /// eea is never listed; adequacy or scc.
    pub mechanism: String,
    pub explanation: String,
    /// For art. 49(1) second-subparagraph transfers and SCCs: the
    /// safeguards document (transfer impact assessment) on record.
    pub art49_safeguards_doc: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubprocessorLine {
    pub name: String,
    pub address: String,
    pub country: String,
    pub service: String,
    pub contact: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControllerEntry {
    pub controller_id: String,
    pub kvk_number: String,
    #[serde(flatten)]
    pub party: Party,
    pub agreement_id: String,
    pub agreement_reference: String,
    pub agreement_version: u32,
    pub agreement_status: String,
    /// Art. 30(2)(b): the categories of processing carried out for this controller.
    pub processing_categories: Vec<String>,
    pub data_categories: Vec<String>,
    pub data_subject_categories: Vec<String>,
    pub special_categories: bool,
    pub processing_locations: Vec<String>,
    /// Art. 30(2)(a): the other processors (sub-processors) acting for it.
    pub subprocessors: Vec<SubprocessorLine>,
    /// Art. 30(2)(c).
    pub transfers: Vec<Transfer>,
    /// Art. 30(2)(d): a general description of the art. 32(1) measures.
    pub security_measures_summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessingRecord {
    pub title: &'static str,
    pub generated_at: String,
    pub processor: Party,
    pub processor_address: String,
    pub controllers: Vec<ControllerEntry>,
    pub warnings: Vec<String>,
}

fn person(name: &str, email: &str) -> String {
    match (name.trim(), email.trim()) {
        ("", "") => String::new(),
        (n, "") => n.to_owned(),
        ("", e) => e.to_owned(),
        (n, e) => format!("{n} <{e}>"),
    }
}

fn processor_party(p: &ProcessorIdentity) -> Party {
    Party {
        name: p.name.clone(),
        contact: p.contact_email.clone(),
        representative: p.representative.clone(),
        dpo: person(&p.dpo_name, &p.dpo_email),
    }
}

fn entry(
    a: &Agreement,
    c: &ControllerRecord,
    engaged: &[EngagedSubprocessor],
    at: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> ControllerEntry {
    let t: &Terms = &a.terms;
    let mut transfers = Vec::new();
    for loc in &t.processing_locations {
        let cl = transfers::classify(
            &transfers::Recipient {
                country: loc,
                ..Default::default()
            },
            legal_time::period::local_date(at),
        );
        if cl.is_transfer() {
            if !cl.permitted() {
                warnings.push(format!(
                    "controller {}: processing location {loc} has no valid transfer mechanism on record ({})",
                    c.id, cl.explanation
                ));
            }
            transfers.push(Transfer {
                country_or_io: loc.clone(),
                recipient: "the processor (own processing location)".into(),
                mechanism: cl.mechanism.as_str().into(),
                explanation: cl.explanation,
                art49_safeguards_doc: String::new(),
            });
        }
    }
    for s in engaged {
        if s.mechanism == "eea" {
            continue;
        }
        if !s.permitted {
            warnings.push(format!(
                "controller {}: the transfer to sub-processor {} ({}) has no valid mechanism on record",
                c.id, s.legal_name, s.country
            ));
        }
        transfers.push(Transfer {
            country_or_io: s.country.clone(),
            recipient: s.legal_name.clone(),
            mechanism: s.mechanism.clone(),
            explanation: s.explanation.clone(),
            art49_safeguards_doc: s.safeguards_doc.clone().unwrap_or_default(),
        });
    }
    ControllerEntry {
        controller_id: c.id.clone(),
        kvk_number: c.kvk_number.clone(),
        party: Party {
            name: c.legal_name.clone(),
            contact: c.privacy_email.clone(),
            representative: t.controller_representative.clone().unwrap_or_default(),
            dpo: person(&c.dpo_name, &c.dpo_email),
        },
        agreement_id: a.id.clone(),
        agreement_reference: t.reference.clone(),
        agreement_version: a.version,
        agreement_status: a.status.as_str().into(),
        processing_categories: t.purposes.clone(),
        data_categories: t.data_categories.clone(),
        data_subject_categories: t.data_subject_categories.clone(),
        special_categories: t.special_categories,
        processing_locations: t.processing_locations.clone(),
        subprocessors: engaged
            .iter()
            .map(|s| SubprocessorLine {
                name: s.legal_name.clone(),
                address: s.address.clone(),
                country: s.country.clone(),
                service: s.service.clone(),
                contact: s.contact_email.clone(),
            })
            .collect(),
        transfers,
        security_measures_summary: t.security_measures.join("; "),
    }
}

impl Agreements {
    /// The record for every controller with an agreement in force, or for
    /// `tenant` alone (`NotFound` when it has none in force).
    pub async fn processing_record(
        &self,
        tenant: Option<&str>,
    ) -> Result<ProcessingRecord, AgreementError> {
        let now = store::now_micros();
        let mut warnings = Vec::new();
        if self.processor.name.trim().is_empty() {
            warnings.push("the processor's name is not configured (config processor.name)".into());
        }
        if self.processor.contact_email.trim().is_empty() {
            warnings.push(
                "the processor's contact is not configured (config processor.contact_email)".into(),
            );
        }
        let mut agreements = self.all_in_force().await?;
        if let Some(t) = tenant {
            agreements.retain(|a| a.tenant_id == t);
            if agreements.is_empty() {
                return Err(AgreementError::NotFound(
                    "agreement in force for this controller",
                ));
            }
        }
        let source = self.subprocessors.get();
        if source.is_none() {
            warnings.push(
                "sub-processors are not available to this process; the record lists none".into(),
            );
        }
        let mut controllers = Vec::new();
        for a in &agreements {
            let c = self
                .controllers
                .controller(&a.tenant_id)
                .await?
                .ok_or_else(|| {
                    internal(format!(
                        "controller {} of agreement {} is missing",
                        a.tenant_id, a.id
                    ))
                })?;
            let engaged = match source {
                Some(s) => s.engaged(&a.tenant_id, now).await?,
                None => Vec::new(),
            };
            controllers.push(entry(a, &c, &engaged, now, &mut warnings));
        }
        Ok(ProcessingRecord {
            title: "Record of processing activities as processor (GDPR art. 30(2))",
            generated_at: proto::wire::timestamp(now),
            processor: processor_party(&self.processor),
            processor_address: self.processor.address.clone(),
            controllers,
            warnings,
        })
    }
}

pub fn render(r: &ProcessingRecord, f: Format) -> String {
    match f {
        Format::Json => serde_json::to_string_pretty(r).unwrap_or_default(),
        Format::Csv => csv(r),
        Format::Markdown => markdown(r),
    }
}

/// The CSV columns, one row per controller; lists are joined with "; ".
pub const CSV_COLUMNS: &[&str] = &[
    "processor_name",
    "processor_contact",
    "processor_representative",
    "processor_dpo",
    "controller_id",
    "controller_name",
    "controller_contact",
    "controller_representative",
    "controller_dpo",
    "agreement_reference",
    "agreement_version",
    "processing_categories",
    "data_categories",
    "data_subject_categories",
    "special_categories",
    "processing_locations",
    "subprocessors",
    "transfers",
    "security_measures_summary",
];

fn transfer_text(t: &Transfer) -> String {
    let doc = if t.art49_safeguards_doc.is_empty() {
        String::new()
    } else {
        format!(", safeguards {}", t.art49_safeguards_doc)
    };
    format!(
        "{} to {} ({}{doc})",
        t.recipient, t.country_or_io, t.mechanism
    )
}

fn csv(r: &ProcessingRecord) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for c in &r.controllers {
        let subs: Vec<String> = c
            .subprocessors
            .iter()
            .map(|s| format!("{} ({}, {})", s.name, s.country, s.service))
            .collect();
        let transfers: Vec<String> = c.transfers.iter().map(transfer_text).collect();
        let row = [
            r.processor.name.clone(),
            r.processor.contact.clone(),
            r.processor.representative.clone(),
            r.processor.dpo.clone(),
            c.controller_id.clone(),
            c.party.name.clone(),
            c.party.contact.clone(),
            c.party.representative.clone(),
            c.party.dpo.clone(),
            c.agreement_reference.clone(),
            c.agreement_version.to_string(),
            c.processing_categories.join("; "),
            c.data_categories.join("; "),
            c.data_subject_categories.join("; "),
            c.special_categories.to_string(),
            c.processing_locations.join("; "),
            subs.join("; "),
            transfers.join("; "),
            c.security_measures_summary.clone(),
        ];
        out.push_str(&row.iter().map(|s| cell(s)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

fn markdown(r: &ProcessingRecord) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "# {}\n\nGenerated {}.\n\n",
        r.title, r.generated_at
    ));
    o.push_str("## Processor (art. 30(2)(a))\n\n| field | value |\n|---|---|\n");
    o.push_str(&format!("| name | {} |\n", md(&r.processor.name)));
    o.push_str(&format!("| address | {} |\n", md(&r.processor_address)));
    o.push_str(&format!("| contact | {} |\n", md(&r.processor.contact)));
    o.push_str(&format!(
        "| representative | {} |\n",
        md(&r.processor.representative)
    ));
    o.push_str(&format!(
        "| data protection officer | {} |\n\n",
        md(&r.processor.dpo)
    ));
    if !r.warnings.is_empty() {
        o.push_str("## Warnings\n\n");
        for w in &r.warnings {
            o.push_str(&format!("- {}\n", md(w)));
        }
        o.push('\n');
    }
    for c in &r.controllers {
        o.push_str(&format!("## Controller: {}\n\n", md(&c.party.name)));
        o.push_str("| field | value |\n|---|---|\n");
        o.push_str(&format!("| controller id | {} |\n", md(&c.controller_id)));
        o.push_str(&format!("| KvK number | {} |\n", md(&c.kvk_number)));
        o.push_str(&format!("| contact | {} |\n", md(&c.party.contact)));
        o.push_str(&format!(
            "| representative | {} |\n",
            md(&c.party.representative)
        ));
        o.push_str(&format!(
            "| data protection officer | {} |\n",
            md(&c.party.dpo)
        ));
        o.push_str(&format!(
            "| agreement | {} version {} ({}) |\n",
            md(&c.agreement_reference),
            c.agreement_version,
            c.agreement_status
        ));
        o.push_str(&format!(
            "| categories of processing (b) | {} |\n",
            md(&c.processing_categories.join("; "))
        ));
        o.push_str(&format!(
            "| categories of personal data | {} |\n",
            md(&c.data_categories.join("; "))
        ));
        o.push_str(&format!(
            "| categories of data subjects | {} |\n",
            md(&c.data_subject_categories.join("; "))
        ));
        o.push_str(&format!(
            "| special categories | {} |\n",
            if c.special_categories { "yes" } else { "no" }
        ));
        o.push_str(&format!(
            "| processing locations | {} |\n",
            md(&c.processing_locations.join(", "))
        ));
        o.push_str(&format!(
            "| security measures (d) | {} |\n\n",
            md(&c.security_measures_summary)
        ));
        o.push_str("### Sub-processors (a)\n\n");
        if c.subprocessors.is_empty() {
            o.push_str("None.\n\n");
        } else {
            o.push_str("| name | address | country | service | contact |\n|---|---|---|---|---|\n");
            for s in &c.subprocessors {
                o.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    md(&s.name),
                    md(&s.address),
                    md(&s.country),
                    md(&s.service),
                    md(&s.contact)
                ));
            }
            o.push('\n');
        }
        o.push_str("### Transfers to third countries (c)\n\n");
        if c.transfers.is_empty() {
            o.push_str("None: all processing takes place in the EEA.\n\n");
        } else {
            o.push_str("| country or organisation | recipient | mechanism | safeguards document | basis |\n|---|---|---|---|---|\n");
            for t in &c.transfers {
                o.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    md(&t.country_or_io),
                    md(&t.recipient),
                    md(&t.mechanism),
                    md(&t.art49_safeguards_doc),
                    md(&t.explanation)
                ));
            }
            o.push('\n');
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("-1,2"), "\"'-1,2\"");
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("line\nbreak"), "line break");
        assert_eq!(md(""), "(none)");
    }
}

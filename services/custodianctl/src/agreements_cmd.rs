//! `custodianctl agreements ...`: one subcommand per RPC of AgreementService
//! (processing agreements and the record of processing).

use std::path::PathBuf;

use clap::Subcommand;
use proto::v1 as pb;
use serde_json::{Value, json};

use crate::output::{Out, Table};
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum AgreementsCmd {
    /// A new draft from a terms file (JSON with the AgreementTerms fields;
    /// see docs/agreements.md).
    Create {
        #[arg(long)]
        controller: String,
        #[arg(long)]
        terms: PathBuf,
    },
    Get {
        id: String,
        /// 0 = the newest.
        #[arg(long, default_value_t = 0)]
        version: u32,
    },
    List {
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, default_value = "")]
        status: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// Every version, oldest first.
    Versions { id: String },
    /// A new version with the full terms.
    Amend {
        id: String,
        #[arg(long)]
        terms: PathBuf,
        #[arg(long)]
        note: String,
    },
    Activate {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Notice was given: the agreement runs until the end of its period.
    Terminate {
        id: String,
        /// YYYY-MM-DD; default today.
        #[arg(long, default_value = "")]
        notice_given_on: String,
        /// YYYY-MM-DD; default the end of the period the notice is in time for.
        #[arg(long, default_value = "")]
        ends_on: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    End {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// The record of processing (GDPR art. 30(2)) for the regulator.
    Record {
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, default_value = "json", value_parser = ["json", "csv", "markdown"])]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn terms_from_file(path: &PathBuf) -> Result<pb::AgreementTerms, CtlError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CtlError::Usage(format!("--terms {}: {e}", path.display())))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| CtlError::Usage(format!("--terms {}: not JSON: {e}", path.display())))?;
    let Value::Object(m) = &v else {
        return Err(CtlError::Usage("--terms: expected a JSON object".into()));
    };
    const KNOWN: &[&str] = &[
        "reference",
        "purposes",
        "data_categories",
        "data_subject_categories",
        "special_categories",
        "processing_locations",
        "subprocessor_authorisation",
        "objection_period_days",
        "breach_notice_sla_hours",
        "end_of_contract",
        "deletion_term_days",
        "contract_start",
        "term_months",
        "auto_renew",
        "renewal_months",
        "notice_period",
        "notice_period_unit",
        "audits_per_year",
        "security_measures",
        "controller_representative",
        "processor_may_notify_authority",
        "dsr_identity_suspension",
    ];
    if let Some(k) = m.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(CtlError::Usage(format!(
            "--terms: unknown field {k:?}; known: {}",
            KNOWN.join(", ")
        )));
    }
    /// A terms file as a DPO writes it (every field optional; a number
    /// must be whole and fit).
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct TermsFile {
        reference: String,
        purposes: Vec<String>,
        data_categories: Vec<String>,
        data_subject_categories: Vec<String>,
        special_categories: bool,
        processing_locations: Vec<String>,
        subprocessor_authorisation: String,
        objection_period_days: Option<i32>,
        breach_notice_sla_hours: Option<i32>,
        end_of_contract: String,
        deletion_term_days: Option<i32>,
        contract_start: String,
        term_months: Option<i32>,
        auto_renew: bool,
        renewal_months: Option<i32>,
        notice_period: Option<i32>,
        notice_period_unit: String,
        audits_per_year: Option<i32>,
        security_measures: Vec<String>,
        controller_representative: String,
        processor_may_notify_authority: bool,
        dsr_identity_suspension: String,
    }
    let t: TermsFile = serde_json::from_value(v)
        .map_err(|e| CtlError::Usage(format!("--terms {}: {e}", path.display())))?;
    Ok(pb::AgreementTerms {
        reference: t.reference,
        purposes: t.purposes,
        data_categories: t.data_categories,
        data_subject_categories: t.data_subject_categories,
        special_categories: t.special_categories,
        processing_locations: t.processing_locations,
        subprocessor_authorisation: t.subprocessor_authorisation,
        objection_period_days: t.objection_period_days,
        breach_notice_sla_hours: t.breach_notice_sla_hours,
        end_of_contract: t.end_of_contract,
        deletion_term_days: t.deletion_term_days,
        contract_start: t.contract_start,
        term_months: t.term_months,
        auto_renew: t.auto_renew,
        renewal_months: t.renewal_months,
        notice_period: t.notice_period,
        notice_period_unit: t.notice_period_unit,
        audits_per_year: t.audits_per_year,
        security_measures: t.security_measures,
        controller_representative: t.controller_representative,
        processor_may_notify_authority: t.processor_may_notify_authority,
        dsr_identity_suspension: t.dsr_identity_suspension,
    })
}

fn terms_json(t: &pb::AgreementTerms) -> Value {
    json!({
        "reference": t.reference,
        "purposes": t.purposes,
        "data_categories": t.data_categories,
        "data_subject_categories": t.data_subject_categories,
        "special_categories": t.special_categories,
        "processing_locations": t.processing_locations,
        "subprocessor_authorisation": t.subprocessor_authorisation,
        "objection_period_days": t.objection_period_days,
        "breach_notice_sla_hours": t.breach_notice_sla_hours,
        "end_of_contract": t.end_of_contract,
        "deletion_term_days": t.deletion_term_days,
        "contract_start": t.contract_start,
        "term_months": t.term_months,
        "auto_renew": t.auto_renew,
        "renewal_months": t.renewal_months,
        "notice_period": t.notice_period,
        "notice_period_unit": t.notice_period_unit,
        "audits_per_year": t.audits_per_year,
        "security_measures": t.security_measures,
        "controller_representative": t.controller_representative,
        "processor_may_notify_authority": t.processor_may_notify_authority,
        "dsr_identity_suspension": t.dsr_identity_suspension,
    })
}

pub fn agreement(a: &pb::Agreement) -> Value {
    let s = a.schedule.clone().unwrap_or_default();
    json!({
        "id": a.id,
        "controller_id": a.controller_id,
        "status": a.status,
        "version": a.version,
        "latest_version": a.latest_version,
        "version_note": a.version_note,
        "reference": a.terms.as_ref().map(|t| t.reference.clone()).unwrap_or_default(),
        "period_end": s.period_end,
        "notice_by": s.notice_by,
        "activated_at": a.activated_at,
        "notice_given_on": a.notice_given_on,
        "ends_on": a.ends_on,
        "ended_at": a.ended_at,
        "terms": a.terms.as_ref().map(terms_json),
        "schedule_notes": s.notes,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    })
}

fn agreement_table() -> Table<pb::Agreement> {
    Table::new(
        &[
            "ID",
            "CONTROLLER",
            "STATUS",
            "VERSION",
            "REFERENCE",
            "PERIOD END",
            "NOTICE BY",
        ],
        |a| {
            let s = a.schedule.clone().unwrap_or_default();
            vec![
                a.id.clone(),
                a.controller_id.clone(),
                a.status.clone(),
                a.version.to_string(),
                a.terms
                    .as_ref()
                    .map(|t| t.reference.clone())
                    .unwrap_or_default(),
                s.period_end,
                s.notice_by,
            ]
        },
    )
}

pub async fn agreements(conn: &Conn, cmd: AgreementsCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut c = pb::agreement_service_client::AgreementServiceClient::new(conn.channel.clone());
    match cmd {
        AgreementsCmd::Create { controller, terms } => {
            let r = pb::CreateAgreementRequest {
                controller_id: controller,
                terms: Some(terms_from_file(&terms)?),
            };
            o.object(agreement(
                &c.create_agreement(conn.req(r)).await?.into_inner(),
            ))
        }
        AgreementsCmd::Get { id, version } => {
            let r = pb::GetAgreementRequest { id, version };
            o.object(agreement(&c.get_agreement(conn.req(r)).await?.into_inner()))
        }
        AgreementsCmd::List {
            controller,
            status,
            page_size,
            page_token,
        } => {
            let r = c
                .list_agreements(conn.req(pb::ListAgreementsRequest {
                    controller_id: controller,
                    status,
                    page: page(page_size, page_token),
                }))
                .await?
                .into_inner();
            o.list(
                "agreements",
                &r.agreements,
                agreement,
                &r.next_page_token,
                agreement_table(),
            )
        }
        AgreementsCmd::Versions { id } => {
            let r = c
                .list_agreement_versions(conn.req(pb::ListAgreementVersionsRequest { id }))
                .await?
                .into_inner();
            o.list("versions", &r.versions, agreement, "", agreement_table())
        }
        AgreementsCmd::Amend { id, terms, note } => {
            let r = pb::AmendAgreementRequest {
                id,
                terms: Some(terms_from_file(&terms)?),
                note,
            };
            o.object(agreement(
                &c.amend_agreement(conn.req(r)).await?.into_inner(),
            ))
        }
        AgreementsCmd::Activate { id, reason } => {
            let r = pb::AgreementTransitionRequest { id, reason };
            o.object(agreement(
                &c.activate_agreement(conn.req(r)).await?.into_inner(),
            ))
        }
        AgreementsCmd::Terminate {
            id,
            notice_given_on,
            ends_on,
            reason,
        } => {
            let r = pb::TerminateAgreementRequest {
                id,
                notice_given_on,
                ends_on,
                reason,
            };
            o.object(agreement(
                &c.terminate_agreement(conn.req(r)).await?.into_inner(),
            ))
        }
        AgreementsCmd::End { id, reason } => {
            let r = pb::AgreementTransitionRequest { id, reason };
            o.object(agreement(&c.end_agreement(conn.req(r)).await?.into_inner()))
        }
        AgreementsCmd::Record {
            controller,
            format,
            out,
        } => {
            let r = c
                .export_processing_record(conn.req(pb::ExportProcessingRecordRequest {
                    controller_id: controller,
                    format,
                }))
                .await?
                .into_inner();
            match out {
                Some(path) => {
                    std::fs::write(&path, r.content.as_bytes())
                        .map_err(|e| CtlError::Usage(format!("--out {}: {e}", path.display())))?;
                    o.object(json!({
                        "written": path.display().to_string(),
                        "format": r.format,
                        "controllers": r.controllers,
                        "generated_at": r.generated_at,
                        "warnings": r.warnings,
                    }))
                }
                None => o.raw(r.content.trim_end()),
            }
        }
    }
}

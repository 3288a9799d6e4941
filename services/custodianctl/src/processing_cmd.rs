//! `custodianctl agreements ...`, `subprocessors ...` and `notifications ...`:
//! one subcommand per RPC of AgreementService, SubprocessorService and
//! NotificationService.

use std::path::PathBuf;

use clap::{Args, Subcommand};
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

#[derive(Args, Debug)]
pub struct Register {
    #[arg(long)]
    legal_name: String,
    #[arg(long)]
    address: String,
    #[arg(long)]
    country: String,
    #[arg(long)]
    service: String,
    /// Repeat for each category.
    #[arg(long = "data-category", required = true)]
    data_categories: Vec<String>,
    #[arg(long)]
    contact_email: String,
    #[arg(long)]
    flowdown_ref: String,
    #[arg(long)]
    flowdown_date: String,
    /// The recipient meets a scope-limited adequacy decision (US: DPF with HR data).
    #[arg(long)]
    adequacy_scope_met: bool,
    /// The transfer impact assessment on record.
    #[arg(long, default_value = "")]
    tia: String,
}

#[derive(Subcommand, Debug)]
pub enum SubprocessorsCmd {
    Register(Register),
    Get {
        id: String,
    },
    List {
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    Update {
        id: String,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        service: Option<String>,
        #[arg(long = "data-category")]
        data_categories: Vec<String>,
        #[arg(long)]
        contact_email: Option<String>,
        #[arg(long)]
        flowdown_ref: Option<String>,
        #[arg(long)]
        flowdown_date: Option<String>,
        #[arg(long)]
        adequacy_scope_met: Option<bool>,
        /// An empty value clears it.
        #[arg(long)]
        tia: Option<String>,
    },
    /// The chapter V classification of a country on a date.
    Classify {
        #[arg(long)]
        country: String,
        #[arg(long, default_value = "")]
        on: String,
        #[arg(long)]
        adequacy_scope_met: bool,
        #[arg(long, default_value = "")]
        tia: String,
    },
    /// The controller's written authorisation (the annexed list).
    Authorise {
        #[arg(long)]
        controller: String,
        #[arg(long)]
        subprocessor: String,
        #[arg(long)]
        reference: String,
        #[arg(long, default_value = "")]
        effective_from: String,
    },
    /// Announce an addition, replacement or removal to the affected controllers.
    Propose {
        #[arg(long, value_parser = ["add", "replace", "remove"])]
        kind: String,
        #[arg(long)]
        subprocessor: String,
        #[arg(long, default_value = "")]
        replaces: String,
        #[arg(long)]
        effective_on: String,
        #[arg(long)]
        description: String,
        /// Default: every affected controller. Repeat to name them.
        #[arg(long = "controller")]
        controllers: Vec<String>,
    },
    Change {
        id: String,
    },
    Notices {
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, default_value = "")]
        change: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    Notice {
        id: String,
    },
    /// Object to a notice within its window.
    Object {
        notice: String,
        #[arg(long)]
        reason: String,
    },
    Resolve {
        objection: String,
        #[arg(long, value_parser = ["withdrawn", "sustained", "contract_terminated"])]
        resolution: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Approve (or, with --refuse, refuse) a notice under specific authorisation.
    Approve {
        notice: String,
        #[arg(long)]
        reference: String,
        #[arg(long)]
        refuse: bool,
    },
    /// May this sub-processor process this controller's data (now, or --at)?
    Check {
        #[arg(long)]
        subprocessor: String,
        #[arg(long)]
        controller: String,
        #[arg(long, default_value = "")]
        at: String,
    },
    /// The controller's current list and its change history.
    Authorised {
        #[arg(long)]
        controller: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum NotificationsCmd {
    List {
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, default_value = "")]
        status: String,
        #[arg(long, default_value = "")]
        topic: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// One notification with its delivery attempts.
    Get { id: String },
    /// Put a dead-lettered notification back in the queue.
    Retry {
        id: String,
        #[arg(long)]
        reason: String,
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
    let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
    let list = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let int = |k: &str| -> Result<Option<i32>, CtlError> {
        match &v[k] {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_i64()
                .and_then(|x| i32::try_from(x).ok())
                .map(Some)
                .ok_or_else(|| CtlError::Usage(format!("--terms: {k} must be a whole number"))),
            _ => Err(CtlError::Usage(format!("--terms: {k} must be a number"))),
        }
    };
    Ok(pb::AgreementTerms {
        reference: s("reference"),
        purposes: list("purposes"),
        data_categories: list("data_categories"),
        data_subject_categories: list("data_subject_categories"),
        special_categories: v["special_categories"].as_bool().unwrap_or(false),
        processing_locations: list("processing_locations"),
        subprocessor_authorisation: s("subprocessor_authorisation"),
        objection_period_days: int("objection_period_days")?,
        breach_notice_sla_hours: int("breach_notice_sla_hours")?,
        end_of_contract: s("end_of_contract"),
        deletion_term_days: int("deletion_term_days")?,
        contract_start: s("contract_start"),
        term_months: int("term_months")?,
        auto_renew: v["auto_renew"].as_bool().unwrap_or(false),
        renewal_months: int("renewal_months")?,
        notice_period: int("notice_period")?,
        notice_period_unit: s("notice_period_unit"),
        audits_per_year: int("audits_per_year")?,
        security_measures: list("security_measures"),
        controller_representative: s("controller_representative"),
        processor_may_notify_authority: v["processor_may_notify_authority"]
            .as_bool()
            .unwrap_or(false),
        dsr_identity_suspension: s("dsr_identity_suspension"),
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

fn agreement_table() -> Table {
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
        |v| {
            vec![
                v["id"].as_str().unwrap_or("").into(),
                v["controller_id"].as_str().unwrap_or("").into(),
                v["status"].as_str().unwrap_or("").into(),
                v["version"].to_string(),
                v["reference"].as_str().unwrap_or("").into(),
                v["period_end"].as_str().unwrap_or("").into(),
                v["notice_by"].as_str().unwrap_or("").into(),
            ]
        },
    )
}

fn classification(t: &pb::TransferClassification) -> Value {
    json!({
        "country": t.country,
        "mechanism": t.mechanism,
        "transfer": t.transfer,
        "permitted": t.permitted,
        "adequacy_decision": t.adequacy_decision,
        "explanation": t.explanation,
        "on": t.on,
    })
}

pub fn subprocessor(s: &pb::Subprocessor) -> Value {
    json!({
        "id": s.id,
        "legal_name": s.legal_name,
        "address": s.address,
        "country": s.country,
        "service": s.service,
        "data_categories": s.data_categories,
        "contact_email": s.contact_email,
        "flowdown_contract_ref": s.flowdown_contract_ref,
        "flowdown_date": s.flowdown_date,
        "adequacy_scope_met": s.adequacy_scope_met,
        "tia_reference": s.tia_reference,
        "transfer": s.transfer.as_ref().map(classification),
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    })
}

fn subprocessor_table() -> Table {
    Table::new(&["ID", "NAME", "COUNTRY", "TRANSFER", "SERVICE"], |v| {
        vec![
            v["id"].as_str().unwrap_or("").into(),
            v["legal_name"].as_str().unwrap_or("").into(),
            v["country"].as_str().unwrap_or("").into(),
            v["transfer"]["mechanism"].as_str().unwrap_or("").into(),
            v["service"].as_str().unwrap_or("").into(),
        ]
    })
}

fn attempt(a: &pb::DeliveryAttempt) -> Value {
    json!({
        "number": a.number,
        "started_at": a.started_at,
        "duration_ms": a.duration_ms,
        "http_status": a.http_status,
        "outcome": a.outcome,
        "error": a.error,
    })
}

pub fn notification(n: &pb::Notification) -> Value {
    json!({
        "id": n.id,
        "controller_id": n.controller_id,
        "topic": n.topic,
        "subject_type": n.subject_type,
        "subject_id": n.subject_id,
        "status": n.status,
        "created_at": n.created_at,
        "delivered_at": n.delivered_at,
        "attempts": n.attempts,
        "next_attempt_at": n.next_attempt_at,
        "last_error": n.last_error,
        "attempt_log": n.attempt_log.iter().map(attempt).collect::<Vec<_>>(),
    })
}

fn objection(o: &pb::Objection) -> Value {
    json!({
        "id": o.id,
        "notice_id": o.notice_id,
        "controller_id": o.controller_id,
        "filed_at": o.filed_at,
        "filed_by": o.filed_by,
        "reason": o.reason,
        "resolution": o.resolution,
        "resolved_at": o.resolved_at,
        "resolution_note": o.resolution_note,
    })
}

pub fn notice(n: &pb::Notice) -> Value {
    json!({
        "id": n.id,
        "change_id": n.change_id,
        "controller_id": n.controller_id,
        "kind": n.kind,
        "subprocessor_id": n.subprocessor_id,
        "subprocessor_name": n.subprocessor_name,
        "replaces_id": n.replaces_id,
        "effective_on": n.effective_on,
        "description": n.description,
        "authorisation_mode": n.authorisation_mode,
        "objection_period_days": n.objection_period_days,
        "status": n.status,
        "delivered_at": n.delivered_at,
        "window_last_day": n.window.as_ref().map(|w| w.last_day.clone()).unwrap_or_default(),
        "window": n.window.as_ref().map(|w| json!({
            "opened_at": w.opened_at,
            "last_day": w.last_day,
            "last_day_lenient": w.last_day_lenient,
            "closes_at": w.closes_at,
            "notes": w.notes,
        })),
        "objections": n.objections.iter().map(objection).collect::<Vec<_>>(),
        "delivery": n.delivery.as_ref().map(notification),
        "approved_at": n.approved_at,
        "created_at": n.created_at,
    })
}

fn notice_table() -> Table {
    Table::new(
        &[
            "ID",
            "CONTROLLER",
            "KIND",
            "SUB-PROCESSOR",
            "STATUS",
            "DELIVERED",
            "LAST DAY",
        ],
        |v| {
            vec![
                v["id"].as_str().unwrap_or("").into(),
                v["controller_id"].as_str().unwrap_or("").into(),
                v["kind"].as_str().unwrap_or("").into(),
                v["subprocessor_name"].as_str().unwrap_or("").into(),
                v["status"].as_str().unwrap_or("").into(),
                v["delivered_at"].as_str().unwrap_or("").into(),
                v["window_last_day"].as_str().unwrap_or("").into(),
            ]
        },
    )
}

fn change(c: &pb::Change) -> Value {
    json!({
        "id": c.id,
        "kind": c.kind,
        "subprocessor_id": c.subprocessor_id,
        "replaces_id": c.replaces_id,
        "effective_on": c.effective_on,
        "description": c.description,
        "created_at": c.created_at,
        "created_by": c.created_by,
        "notices": c.notices.iter().map(notice).collect::<Vec<_>>(),
    })
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
            let rows = r.agreements.iter().map(agreement).collect();
            o.list("agreements", rows, &r.next_page_token, agreement_table())
        }
        AgreementsCmd::Versions { id } => {
            let r = c
                .list_agreement_versions(conn.req(pb::ListAgreementVersionsRequest { id }))
                .await?
                .into_inner();
            let rows = r.versions.iter().map(agreement).collect();
            o.list("versions", rows, "", agreement_table())
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

pub async fn subprocessors(conn: &Conn, cmd: SubprocessorsCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut c =
        pb::subprocessor_service_client::SubprocessorServiceClient::new(conn.channel.clone());
    match cmd {
        SubprocessorsCmd::Register(a) => {
            let r = pb::RegisterSubprocessorRequest {
                legal_name: a.legal_name,
                address: a.address,
                country: a.country,
                service: a.service,
                data_categories: a.data_categories,
                contact_email: a.contact_email,
                flowdown_contract_ref: a.flowdown_ref,
                flowdown_date: a.flowdown_date,
                adequacy_scope_met: a.adequacy_scope_met,
                tia_reference: a.tia,
            };
            o.object(subprocessor(
                &c.register_subprocessor(conn.req(r)).await?.into_inner(),
            ))
        }
        SubprocessorsCmd::Get { id } => o.object(subprocessor(
            &c.get_subprocessor(conn.req(pb::GetSubprocessorRequest { id }))
                .await?
                .into_inner(),
        )),
        SubprocessorsCmd::List {
            page_size,
            page_token,
        } => {
            let r = c
                .list_subprocessors(conn.req(pb::ListSubprocessorsRequest {
                    page: page(page_size, page_token),
                }))
                .await?
                .into_inner();
            let rows = r.subprocessors.iter().map(subprocessor).collect();
            o.list(
                "subprocessors",
                rows,
                &r.next_page_token,
                subprocessor_table(),
            )
        }
        SubprocessorsCmd::Update {
            id,
            address,
            service,
            data_categories,
            contact_email,
            flowdown_ref,
            flowdown_date,
            adequacy_scope_met,
            tia,
        } => {
            let r = pb::UpdateSubprocessorRequest {
                id,
                address,
                service,
                data_categories,
                contact_email,
                flowdown_contract_ref: flowdown_ref,
                flowdown_date,
                adequacy_scope_met,
                tia_reference: tia,
            };
            o.object(subprocessor(
                &c.update_subprocessor(conn.req(r)).await?.into_inner(),
            ))
        }
        SubprocessorsCmd::Classify {
            country,
            on,
            adequacy_scope_met,
            tia,
        } => {
            let r = pb::ClassifyTransferRequest {
                country,
                on,
                adequacy_scope_met,
                tia_reference: tia,
            };
            o.object(classification(
                &c.classify_transfer(conn.req(r)).await?.into_inner(),
            ))
        }
        SubprocessorsCmd::Authorise {
            controller,
            subprocessor,
            reference,
            effective_from,
        } => {
            let a = c
                .authorise_subprocessor(conn.req(pb::AuthoriseSubprocessorRequest {
                    controller_id: controller,
                    subprocessor_id: subprocessor,
                    reference,
                    effective_from,
                }))
                .await?
                .into_inner();
            o.object(json!({
                "id": a.id,
                "controller_id": a.controller_id,
                "subprocessor_id": a.subprocessor_id,
                "basis": a.basis,
                "reference": a.reference,
                "effective_from": a.effective_from,
                "recorded_by": a.recorded_by,
            }))
        }
        SubprocessorsCmd::Propose {
            kind,
            subprocessor,
            replaces,
            effective_on,
            description,
            controllers,
        } => {
            let r = pb::ProposeChangeRequest {
                kind,
                subprocessor_id: subprocessor,
                replaces_id: replaces,
                effective_on,
                description,
                controller_ids: controllers,
            };
            o.object(change(&c.propose_change(conn.req(r)).await?.into_inner()))
        }
        SubprocessorsCmd::Change { id } => o.object(change(
            &c.get_change(conn.req(pb::GetChangeRequest { id }))
                .await?
                .into_inner(),
        )),
        SubprocessorsCmd::Notices {
            controller,
            change,
            page_size,
            page_token,
        } => {
            let r = c
                .list_notices(conn.req(pb::ListNoticesRequest {
                    controller_id: controller,
                    change_id: change,
                    page: page(page_size, page_token),
                }))
                .await?
                .into_inner();
            let rows = r.notices.iter().map(notice).collect();
            o.list("notices", rows, &r.next_page_token, notice_table())
        }
        SubprocessorsCmd::Notice { id } => o.object(notice(
            &c.get_notice(conn.req(pb::GetNoticeRequest { id }))
                .await?
                .into_inner(),
        )),
        SubprocessorsCmd::Object { notice: n, reason } => o.object(objection(
            &c.record_objection(conn.req(pb::RecordObjectionRequest {
                notice_id: n,
                reason,
            }))
            .await?
            .into_inner(),
        )),
        SubprocessorsCmd::Resolve {
            objection: id,
            resolution,
            note,
        } => o.object(objection(
            &c.resolve_objection(conn.req(pb::ResolveObjectionRequest {
                objection_id: id,
                resolution,
                note,
            }))
            .await?
            .into_inner(),
        )),
        SubprocessorsCmd::Approve {
            notice: n,
            reference,
            refuse,
        } => o.object(notice(
            &c.record_approval(conn.req(pb::RecordApprovalRequest {
                notice_id: n,
                approved: !refuse,
                reference,
            }))
            .await?
            .into_inner(),
        )),
        SubprocessorsCmd::Check {
            subprocessor,
            controller,
            at,
        } => {
            let d = c
                .check_engagement(conn.req(pb::CheckEngagementRequest {
                    subprocessor_id: subprocessor,
                    controller_id: controller,
                    at,
                }))
                .await?
                .into_inner();
            o.object(json!({
                "allowed": d.allowed,
                "reason": d.reason,
                "basis": d.basis,
                "at": d.at,
                "transfer": d.transfer.as_ref().map(classification),
            }))
        }
        SubprocessorsCmd::Authorised { controller } => {
            let l = c
                .list_authorised_subprocessors(conn.req(pb::ListAuthorisedSubprocessorsRequest {
                    controller_id: controller,
                }))
                .await?
                .into_inner();
            let current: Vec<Value> = l
                .current
                .iter()
                .map(|e| {
                    let mut v = e
                        .subprocessor
                        .as_ref()
                        .map(subprocessor)
                        .unwrap_or_default();
                    v["basis"] = json!(e.basis);
                    v["since"] = json!(e.since);
                    v
                })
                .collect();
            o.object(json!({
                "controller_id": l.controller_id,
                "authorisation_mode": l.authorisation_mode,
                "at": l.at,
                "current": current,
                "notices": l.notices.iter().map(notice).collect::<Vec<_>>(),
                "authorisations": l.authorisations.iter().map(|a| json!({
                    "id": a.id, "subprocessor_id": a.subprocessor_id, "basis": a.basis,
                    "reference": a.reference, "effective_from": a.effective_from,
                    "notice_id": a.notice_id,
                })).collect::<Vec<_>>(),
            }))
        }
    }
}

pub async fn notifications(conn: &Conn, cmd: NotificationsCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut c =
        pb::notification_service_client::NotificationServiceClient::new(conn.channel.clone());
    match cmd {
        NotificationsCmd::List {
            controller,
            status,
            topic,
            page_size,
            page_token,
        } => {
            let r = c
                .list_notifications(conn.req(pb::ListNotificationsRequest {
                    controller_id: controller,
                    status,
                    topic,
                    page: page(page_size, page_token),
                }))
                .await?
                .into_inner();
            let rows = r.notifications.iter().map(notification).collect();
            o.list(
                "notifications",
                rows,
                &r.next_page_token,
                Table::new(
                    &[
                        "ID",
                        "CONTROLLER",
                        "TOPIC",
                        "STATUS",
                        "ATTEMPTS",
                        "DELIVERED",
                        "LAST ERROR",
                    ],
                    |v| {
                        vec![
                            v["id"].as_str().unwrap_or("").into(),
                            v["controller_id"].as_str().unwrap_or("").into(),
                            v["topic"].as_str().unwrap_or("").into(),
                            v["status"].as_str().unwrap_or("").into(),
                            v["attempts"].to_string(),
                            v["delivered_at"].as_str().unwrap_or("").into(),
                            v["last_error"].as_str().unwrap_or("").into(),
                        ]
                    },
                ),
            )
        }
        NotificationsCmd::Get { id } => o.object(notification(
            &c.get_notification(conn.req(pb::GetNotificationRequest { id }))
                .await?
                .into_inner(),
        )),
        NotificationsCmd::Retry { id, reason } => o.object(notification(
            &c.retry_notification(conn.req(pb::RetryNotificationRequest { id, reason }))
                .await?
                .into_inner(),
        )),
    }
}

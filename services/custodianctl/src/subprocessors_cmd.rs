//! `custodianctl subprocessors ...`: one subcommand per RPC of
//! SubprocessorService (the register, authorisations, change notices,
//! objections).

use clap::{Args, Subcommand};
use proto::v1 as pb;
use serde_json::{Value, json};

use crate::output::{Out, Table};
use crate::{Conn, CtlError, page};

use crate::notifications_cmd::notification;

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

fn subprocessor_table() -> Table<pb::Subprocessor> {
    Table::new(&["ID", "NAME", "COUNTRY", "TRANSFER", "SERVICE"], |s| {
        vec![
            s.id.clone(),
            s.legal_name.clone(),
            s.country.clone(),
            s.transfer
                .as_ref()
                .map(|t| t.mechanism.clone())
                .unwrap_or_default(),
            s.service.clone(),
        ]
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

fn notice_table() -> Table<pb::Notice> {
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
        |n| {
            vec![
                n.id.clone(),
                n.controller_id.clone(),
                n.kind.clone(),
                n.subprocessor_name.clone(),
                n.status.clone(),
                n.delivered_at.clone(),
                n.window
                    .as_ref()
                    .map(|w| w.last_day.clone())
                    .unwrap_or_default(),
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
            o.list(
                "subprocessors",
                &r.subprocessors,
                subprocessor,
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
            o.list(
                "notices",
                &r.notices,
                notice,
                &r.next_page_token,
                notice_table(),
            )
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

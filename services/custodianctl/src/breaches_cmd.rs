//! `custodianctl breaches ...`: one subcommand per RPC of BreachService.

use std::path::PathBuf;

use clap::Subcommand;
use proto::v1 as pb;
use serde_json::{Value, json};

use crate::output::{Out, Table};
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum BreachesCmd {
    /// Records an incident the processor discovered.
    Report {
        /// RFC 3339, not in the future.
        #[arg(long)]
        discovered_at: String,
        #[arg(long)]
        discovered_by: String,
        #[arg(long)]
        description: String,
        /// Repeat for each system involved.
        #[arg(long = "system", required = true)]
        systems: Vec<String>,
        /// Internal; never shown to a controller.
        #[arg(long, default_value = "")]
        internal_notes: String,
    },
    /// Confirms the incident with the facts of a JSON file (the Assessment
    /// fields; see docs/breaches.md), or dismisses it.
    Assess {
        id: String,
        #[arg(long, conflicts_with = "dismiss")]
        assessment: Option<PathBuf>,
        /// no_personal_data, vulnerability_not_exploited or not_a_security_incident.
        #[arg(long, requires = "reason")]
        dismiss: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// An incident with its assessment and notices.
    Get {
        id: String,
    },
    List {
        #[arg(long, default_value = "")]
        status: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// Notices (a controller's token: its own).
    Notices {
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, default_value = "")]
        incident: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    Notice {
        id: String,
    },
    /// Sends what is known: the initial notice, then supplements.
    Send {
        notice: String,
        #[arg(long, default_value = "")]
        phase: String,
        #[arg(long, default_value = "")]
        message: String,
    },
    /// The controller confirms receipt and says when it became aware.
    Acknowledge {
        notice: String,
        #[arg(long, default_value = "")]
        aware_at: String,
    },
    /// Records the notification to the supervisory authority.
    Authority {
        notice: String,
        #[arg(long)]
        notified_at: String,
        /// initial (default), supplement or withdrawal.
        #[arg(long, default_value = "")]
        phase: String,
        #[arg(long, default_value = "")]
        reference: String,
        /// Required when the initial notification is later than 72 hours.
        #[arg(long, default_value = "")]
        reasons: String,
    },
    /// The art. 34 decision.
    Subjects {
        notice: String,
        /// communicate, exception_34_3_a, exception_34_3_b, exception_34_3_c or not_required.
        #[arg(long)]
        decision: String,
        #[arg(long, default_value = "")]
        details: String,
        #[arg(long, default_value = "")]
        communicated_at: String,
    },
    Timeline {
        incident: String,
    },
    /// The AP notification form, filled from the record.
    Draft {
        notice: String,
        #[arg(long, default_value = "json", value_parser = ["json", "markdown"])]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Every incident, notified or not (GDPR art. 33(5)).
    Register {
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, default_value = "json", value_parser = ["json", "csv", "markdown"])]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

const ASSESSMENT_FIELDS: &[&str] = &[
    "summary",
    "nature",
    "occurred_from",
    "occurred_until",
    "data_categories",
    "subject_categories",
    "encrypted",
    "key_safe",
    "protection",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
    "risk",
    "risk_reasoning",
    "affected",
    "contact",
    "internal_notes",
];

/// An assessment file as a DPO writes it (every field optional).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AssessmentFile {
    summary: String,
    nature: Vec<String>,
    occurred_from: String,
    occurred_until: String,
    data_categories: Vec<String>,
    subject_categories: Vec<String>,
    encrypted: bool,
    key_safe: bool,
    protection: String,
    likely_consequences: String,
    measures_taken: String,
    measures_proposed: String,
    risk: String,
    risk_reasoning: String,
    affected: Vec<AffectedFile>,
    contact: String,
    internal_notes: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AffectedFile {
    controller_id: String,
    subjects_approx: Option<u64>,
    records_approx: Option<u64>,
}

/// Reads an assessment file; unknown fields are refused before sending.
fn read_assessment(path: &PathBuf) -> Result<pb::Assessment, CtlError> {
    let usage = |m: String| CtlError::Usage(format!("--assessment {}: {m}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| usage(e.to_string()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| usage(format!("not JSON: {e}")))?;
    let Value::Object(m) = &v else {
        return Err(usage("expected a JSON object".into()));
    };
    if let Some(k) = m.keys().find(|k| !ASSESSMENT_FIELDS.contains(&k.as_str())) {
        return Err(usage(format!(
            "unknown field {k:?}; known: {}",
            ASSESSMENT_FIELDS.join(", ")
        )));
    }
    let a: AssessmentFile = serde_json::from_value(v).map_err(|e| usage(e.to_string()))?;
    Ok(pb::Assessment {
        summary: a.summary,
        nature: a.nature,
        occurred_from: a.occurred_from,
        occurred_until: a.occurred_until,
        data_categories: a.data_categories,
        subject_categories: a.subject_categories,
        encrypted: a.encrypted,
        key_safe: a.key_safe,
        protection: a.protection,
        likely_consequences: a.likely_consequences,
        measures_taken: a.measures_taken,
        measures_proposed: a.measures_proposed,
        risk: a.risk,
        risk_reasoning: a.risk_reasoning,
        affected: a
            .affected
            .into_iter()
            .map(|x| pb::AffectedController {
                controller_id: x.controller_id,
                subjects_approx: x.subjects_approx,
                records_approx: x.records_approx,
            })
            .collect(),
        contact: a.contact,
        internal_notes: a.internal_notes,
        ..Default::default()
    })
}

fn clock(c: &Option<pb::Clock>) -> Value {
    c.as_ref().map_or(Value::Null, |c| {
        json!({
            "rule": c.rule,
            "strict": c.strict,
            "lenient": c.lenient,
            "state": c.state,
            "done_at": c.done_at,
            "basis": c.basis,
            "notes": c.notes,
        })
    })
}

fn notice(n: &pb::BreachNotice) -> Value {
    json!({
        "id": n.id,
        "incident_id": n.incident_id,
        "controller_id": n.controller_id,
        "status": n.status,
        "sla_hours": n.sla_hours,
        "risk": n.risk,
        "controller_clock": clock(&n.controller_clock),
        "authority_clock": clock(&n.authority_clock),
        "controller_aware_at": n.controller_aware_at,
        "missing": n.missing,
        "sends": n.sends.iter().map(|s| json!({
            "phase": s.phase,
            "sequence": s.sequence,
            "sent_at": s.sent_at,
            "missing": s.missing,
            "delivered_at": s.delivery.as_ref().map(|d| d.delivered_at.clone()),
        })).collect::<Vec<_>>(),
        "authority_notifications": n.authority_notifications.iter().map(|a| json!({
            "phase": a.phase,
            "notified_at": a.notified_at,
            "by": a.by_party,
            "reference": a.reference,
            "late": a.late,
            "reasons_for_delay": a.reasons_for_delay,
        })).collect::<Vec<_>>(),
        "subject_communication": n.subject_communication,
        "subject_decisions": n.subject_decisions.iter().map(|d| json!({
            "decision": d.decision,
            "details": d.details,
            "communicated_at": d.communicated_at,
            "decided_at": d.decided_at,
        })).collect::<Vec<_>>(),
        "processor_may_notify_authority": n.processor_may_notify_authority,
    })
}

fn incident(i: &pb::Incident) -> Value {
    json!({
        "id": i.id,
        "status": i.status,
        "discovered_at": i.discovered_at,
        "discovered_by": i.discovered_by,
        "description": i.description,
        "systems": i.systems,
        "internal_notes": i.internal_notes,
        "reported_at": i.reported_at,
        "dismissal_basis": i.dismissal_basis,
        "dismissal_reason": i.dismissal_reason,
        "decided_at": i.decided_at,
        "investigation_flag": i.investigation_flag,
        "assessment": i.assessment.as_ref().map(|a| json!({
            "version": a.version,
            "risk": a.risk,
            "summary": a.summary,
            "nature": a.nature,
            "affected": a.affected.iter().map(|x| json!({
                "controller_id": x.controller_id,
                "subjects_approx": x.subjects_approx,
                "records_approx": x.records_approx,
            })).collect::<Vec<_>>(),
        })),
        "notices": i.notices.iter().map(notice).collect::<Vec<_>>(),
    })
}

fn notice_table() -> Table<pb::BreachNotice> {
    Table::new(
        &[
            "ID",
            "CONTROLLER",
            "STATUS",
            "NOTICE DUE",
            "NOTICE",
            "AUTHORITY DUE (STRICT)",
            "AUTHORITY",
            "MISSING",
        ],
        |n| {
            let clock = |c: &Option<pb::Clock>| {
                c.as_ref()
                    .map(|c| (c.strict.clone(), c.state.clone()))
                    .unwrap_or_default()
            };
            let (notice_due, notice) = clock(&n.controller_clock);
            let (authority_due, authority) = clock(&n.authority_clock);
            vec![
                n.id.clone(),
                n.controller_id.clone(),
                n.status.clone(),
                notice_due,
                notice,
                authority_due,
                authority,
                n.missing.join(","),
            ]
        },
    )
}

fn write_or_print(o: Out<'_>, out: Option<PathBuf>, d: pb::Document) -> Result<(), CtlError> {
    match out {
        Some(path) => {
            std::fs::write(&path, d.content.as_bytes())
                .map_err(|e| CtlError::Usage(format!("--out {}: {e}", path.display())))?;
            o.object(json!({
                "written": path.display().to_string(),
                "format": d.format,
                "generated_at": d.generated_at,
                "unknown": d.unknown,
            }))
        }
        None => o.raw(d.content.trim_end()),
    }
}

pub async fn breaches(conn: &Conn, cmd: BreachesCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut c = pb::breach_service_client::BreachServiceClient::new(conn.channel.clone());
    match cmd {
        BreachesCmd::Report {
            discovered_at,
            discovered_by,
            description,
            systems,
            internal_notes,
        } => {
            let i = c
                .report_incident(conn.req(pb::ReportIncidentRequest {
                    discovered_at,
                    discovered_by,
                    description,
                    systems,
                    internal_notes,
                }))
                .await?
                .into_inner();
            o.object(incident(&i))
        }
        BreachesCmd::Assess {
            id,
            assessment,
            dismiss,
            reason,
        } => {
            let r = match (assessment, dismiss) {
                (Some(path), None) => pb::AssessIncidentRequest {
                    incident_id: id,
                    decision: "confirm".into(),
                    assessment: Some(read_assessment(&path)?),
                    ..Default::default()
                },
                (None, Some(basis)) => pb::AssessIncidentRequest {
                    incident_id: id,
                    decision: "dismiss".into(),
                    dismissal_basis: basis,
                    dismissal_reason: reason,
                    ..Default::default()
                },
                _ => {
                    return Err(CtlError::Usage(
                        "assess needs --assessment FILE (confirm) or --dismiss BASIS --reason TEXT"
                            .into(),
                    ));
                }
            };
            let i = c.assess_incident(conn.req(r)).await?.into_inner();
            o.object(incident(&i))
        }
        BreachesCmd::Get { id } => {
            let i = c
                .get_incident(conn.req(pb::GetIncidentRequest { id }))
                .await?
                .into_inner();
            o.object(incident(&i))
        }
        BreachesCmd::List {
            status,
            page_size,
            page_token,
        } => {
            let r = c
                .list_incidents(conn.req(pb::ListIncidentsRequest {
                    page: page(page_size, page_token),
                    status,
                }))
                .await?
                .into_inner();
            o.list(
                "incidents",
                &r.incidents,
                incident,
                &r.next_page_token,
                Table::new(
                    &["ID", "STATUS", "DISCOVERED", "RISK", "NOTICES"],
                    |i: &pb::Incident| {
                        vec![
                            i.id.clone(),
                            i.status.clone(),
                            i.discovered_at.clone(),
                            i.assessment
                                .as_ref()
                                .map(|a| a.risk.clone())
                                .unwrap_or_default(),
                            i.notices.len().to_string(),
                        ]
                    },
                ),
            )
        }
        BreachesCmd::Notices {
            controller,
            incident,
            page_size,
            page_token,
        } => {
            let r = c
                .list_breach_notices(conn.req(pb::ListBreachNoticesRequest {
                    page: page(page_size, page_token),
                    controller_id: controller,
                    incident_id: incident,
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
        BreachesCmd::Notice { id } => {
            let n = c
                .get_breach_notice(conn.req(pb::GetBreachNoticeRequest { id }))
                .await?
                .into_inner();
            o.object(notice(&n))
        }
        BreachesCmd::Send {
            notice: id,
            phase,
            message,
        } => {
            let n = c
                .send_notice(conn.req(pb::SendNoticeRequest {
                    notice_id: id,
                    phase,
                    message,
                }))
                .await?
                .into_inner();
            o.object(notice(&n))
        }
        BreachesCmd::Acknowledge {
            notice: id,
            aware_at,
        } => {
            let n = c
                .acknowledge_notice(conn.req(pb::AcknowledgeNoticeRequest {
                    notice_id: id,
                    aware_at,
                }))
                .await?
                .into_inner();
            o.object(notice(&n))
        }
        BreachesCmd::Authority {
            notice: id,
            notified_at,
            phase,
            reference,
            reasons,
        } => {
            let n = c
                .record_authority_notification(conn.req(pb::RecordAuthorityNotificationRequest {
                    notice_id: id,
                    phase,
                    notified_at,
                    reference,
                    reasons_for_delay: reasons,
                }))
                .await?
                .into_inner();
            o.object(notice(&n))
        }
        BreachesCmd::Subjects {
            notice: id,
            decision,
            details,
            communicated_at,
        } => {
            let n = c
                .decide_subject_communication(conn.req(pb::DecideSubjectCommunicationRequest {
                    notice_id: id,
                    decision,
                    details,
                    communicated_at,
                }))
                .await?
                .into_inner();
            o.object(notice(&n))
        }
        BreachesCmd::Timeline { incident: id } => {
            let t = c
                .get_timeline(conn.req(pb::GetTimelineRequest { incident_id: id }))
                .await?
                .into_inner();
            o.list(
                "events",
                &t.events,
                |e| {
                    json!({
                        "at": e.at,
                        "kind": e.kind,
                        "controller_id": e.controller_id,
                        "notice_id": e.notice_id,
                        "summary": e.summary,
                    })
                },
                "",
                Table::new(
                    &["AT", "KIND", "CONTROLLER", "SUMMARY"],
                    |e: &pb::TimelineEvent| {
                        vec![
                            e.at.clone(),
                            e.kind.clone(),
                            e.controller_id.clone(),
                            e.summary.clone(),
                        ]
                    },
                ),
            )
        }
        BreachesCmd::Draft {
            notice: id,
            format,
            out,
        } => {
            let d = c
                .get_authority_draft(conn.req(pb::GetAuthorityDraftRequest {
                    notice_id: id,
                    format,
                }))
                .await?
                .into_inner();
            write_or_print(o, out, d)
        }
        BreachesCmd::Register {
            controller,
            format,
            out,
        } => {
            let d = c
                .export_register(conn.req(pb::ExportRegisterRequest {
                    format,
                    controller_id: controller,
                }))
                .await?
                .into_inner();
            write_or_print(o, out, d)
        }
    }
}

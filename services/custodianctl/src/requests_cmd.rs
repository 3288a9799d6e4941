//! `custodianctl requests ...`: one subcommand per RPC of RequestService;
//! `fulfil --out DIR` writes an access or portability export to a directory.

use std::path::{Component, Path, PathBuf};

use clap::Subcommand;
use proto::v1 as pb;
use serde_json::{Value, json};

use crate::output::{Out, Table};
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum RequestsCmd {
    /// Files a request; give at least one of --email, --phone, --candidate-ref.
    Create {
        /// Required for admins; a controller's token files for itself.
        #[arg(long, default_value = "")]
        controller: String,
        /// access, rectification, erasure, restriction, portability or objection.
        #[arg(long = "type")]
        kind: String,
        /// processor_direct or controller_instruction.
        #[arg(long)]
        channel: String,
        #[arg(long)]
        received_at: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        candidate_ref: String,
        #[arg(long, default_value = "")]
        subject_informed_at: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    Get {
        id: String,
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
    /// The share of requests extended per controller and quarter (B7).
    ExtensionStats {
        /// Admins and auditors: one controller (default: every one).
        #[arg(long, default_value = "")]
        controller: String,
        /// First quarter, e.g. 2026-Q1 (default: three quarters before --to).
        #[arg(long, default_value = "")]
        from: String,
        /// Last quarter (default: the current one).
        #[arg(long, default_value = "")]
        to: String,
    },
    /// Identity asked for, or received.
    Identity {
        id: String,
        #[arg(long, value_parser = ["asked", "received"])]
        step: String,
        #[arg(long, default_value = "")]
        at: String,
    },
    Extend {
        id: String,
        #[arg(long)]
        reasons: String,
    },
    /// Carries the request out; an export is written to --out DIR.
    Fulfil {
        id: String,
        /// Rectification: a JSON file with the corrected fields (name,
        /// email, phone, notes, custom_fields).
        #[arg(long)]
        corrections: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value = "")]
        note: String,
    },
    Refuse {
        id: String,
        #[arg(long)]
        reasons: String,
        #[arg(long, default_value = "")]
        complaint_info: String,
        #[arg(long, default_value = "")]
        judicial_remedy_info: String,
    },
    Close {
        id: String,
    },
}

fn deadline(d: &Option<pb::RequestDeadline>) -> Value {
    d.as_ref().map_or(
        Value::Null,
        |d| json!({ "rule": d.rule, "strict": d.strict, "lenient": d.lenient, "notes": d.notes }),
    )
}

fn request(r: &pb::DataSubjectRequest) -> Value {
    json!({
        "id": r.id,
        "controller_id": r.controller_id,
        "type": r.r#type,
        "channel": r.channel,
        "status": r.status,
        "received_at": r.received_at,
        "identified_by": r.identified_by,
        "candidate_ref": r.candidate_ref,
        "suspension": r.suspension,
        "identity_requested_at": r.identity_requested_at,
        "identity_received_at": r.identity_received_at,
        "extended_at": r.extended_at,
        "extension_reasons": r.extension_reasons,
        "deadline": deadline(&r.deadline),
        "extension_notice": deadline(&r.extension_notice),
        "forwarded_notification_id": r.forwarded_notification_id,
        "subject_informed_at": r.subject_informed_at,
        "answered_at": r.answered_at,
        "late": r.late,
        "outcome": serde_json::from_str::<Value>(&r.outcome).unwrap_or(Value::Null),
        "refusal_reasons": r.refusal_reasons,
        "complaint_info": r.complaint_info,
        "judicial_remedy_info": r.judicial_remedy_info,
        "closed_at": r.closed_at,
    })
}

fn read_corrections(path: &Path) -> Result<pb::CandidatePayload, CtlError> {
    let usage = |m: String| CtlError::Usage(format!("--corrections {}: {m}", path.display()));
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).map_err(|e| usage(e.to_string()))?)
            .map_err(|e| usage(format!("not JSON: {e}")))?;
    const KNOWN: &[&str] = &["name", "email", "phone", "notes", "custom_fields"];
    let Value::Object(m) = &v else {
        return Err(usage("expected a JSON object".into()));
    };
    if let Some(k) = m.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(usage(format!(
            "unknown field {k:?}; known: {}",
            KNOWN.join(", ")
        )));
    }
    /// A corrections file (every field optional).
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Corrections {
        name: String,
        email: String,
        phone: String,
        notes: String,
        custom_fields: std::collections::HashMap<String, String>,
    }
    let c: Corrections = serde_json::from_value(v).map_err(|e| usage(e.to_string()))?;
    Ok(pb::CandidatePayload {
        name: c.name,
        email: c.email,
        phone: c.phone,
        notes: c.notes,
        custom_fields: c.custom_fields,
        ..Default::default()
    })
}

/// The path of a bundle file under `dir`, refusing any name that would leave it.
pub(crate) fn inside(dir: &Path, name: &str) -> Result<PathBuf, CtlError> {
    let rel = Path::new(name);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(CtlError::Usage(format!(
            "the export names a file outside its directory: {name:?}"
        )));
    }
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| CtlError::Usage(format!("--out {}: {e}", parent.display())))?;
    }
    Ok(path)
}

/// Writes the export files under `dir`.
fn write_export(dir: &Path, files: &[pb::ExportFile]) -> Result<(), CtlError> {
    for f in files {
        let path = inside(dir, &f.name)?;
        std::fs::write(&path, &f.content)
            .map_err(|e| CtlError::Usage(format!("--out {}: {e}", path.display())))?;
    }
    Ok(())
}

pub async fn requests(
    conn: &Conn,
    cmd: RequestsCmd,
    o: Out<'_>,
    ui: &mut crate::Ui<'_>,
) -> Result<(), CtlError> {
    let mut c = pb::request_service_client::RequestServiceClient::new(conn.channel.clone())
        .max_decoding_message_size(256 * 1024 * 1024);
    match cmd {
        RequestsCmd::Create {
            controller,
            kind,
            channel,
            received_at,
            email,
            phone,
            candidate_ref,
            subject_informed_at,
            description,
        } => {
            let r = c
                .create_request(conn.req(pb::CreateRequestRequest {
                    controller_id: controller,
                    r#type: kind,
                    channel,
                    received_at,
                    subject: Some(pb::SubjectIdentifiers {
                        email,
                        phone,
                        candidate_ref,
                    }),
                    subject_informed_at,
                    description,
                }))
                .await?
                .into_inner();
            o.object(request(&r))
        }
        RequestsCmd::ExtensionStats {
            controller,
            from,
            to,
        } => {
            let r = c
                .get_extension_stats(conn.req(pb::GetExtensionStatsRequest {
                    controller_id: controller,
                    from_quarter: from,
                    to_quarter: to,
                }))
                .await?
                .into_inner();
            o.object(json!({
                "from_quarter": r.from_quarter,
                "to_quarter": r.to_quarter,
                "note": r.note,
                "stats": r.stats.iter().map(|s| json!({
                    "controller_id": s.controller_id,
                    "quarter": s.quarter,
                    "requests": s.requests,
                    "extended": s.extended,
                    "share": s.share,
                })).collect::<Vec<_>>(),
            }))
        }
        RequestsCmd::Get { id } => {
            let r = c
                .get_request(conn.req(pb::GetRequestRequest { id }))
                .await?
                .into_inner();
            o.object(request(&r))
        }
        RequestsCmd::List {
            controller,
            status,
            page_size,
            page_token,
        } => {
            let r = c
                .list_requests(conn.req(pb::ListRequestsRequest {
                    page: page(page_size, page_token),
                    controller_id: controller,
                    status,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            o.list(
                "requests",
                &r.requests,
                request,
                &r.next_page_token,
                Table::new(
                    &[
                        "ID",
                        "CONTROLLER",
                        "TYPE",
                        "STATUS",
                        "RECEIVED",
                        "DUE (STRICT)",
                        "RULE",
                    ],
                    |r: &pb::DataSubjectRequest| {
                        let (due, rule) = r
                            .deadline
                            .as_ref()
                            .map(|d| (d.strict.clone(), d.rule.clone()))
                            .unwrap_or_default();
                        vec![
                            r.id.clone(),
                            r.controller_id.clone(),
                            r.r#type.clone(),
                            r.status.clone(),
                            r.received_at.clone(),
                            due,
                            rule,
                        ]
                    },
                ),
            )
        }
        RequestsCmd::Identity { id, step, at } => {
            let r = c
                .record_identity_check(conn.req(pb::RecordIdentityCheckRequest { id, step, at }))
                .await?
                .into_inner();
            o.object(request(&r))
        }
        RequestsCmd::Extend { id, reasons } => {
            let r = c
                .extend_request(conn.req(pb::ExtendRequestRequest { id, reasons }))
                .await?
                .into_inner();
            o.object(request(&r))
        }
        RequestsCmd::Fulfil {
            id,
            corrections,
            out,
            note,
        } => {
            let corrections = corrections.as_deref().map(read_corrections).transpose()?;
            // One call that gathers the subject's data: a spinner while it
            // runs, then the bytes of the answer.
            let p = ui.progress(&format!("fulfil {id}"), progress::Unit::Bytes, None);
            let r = c
                .fulfil_request(conn.req(pb::FulfilRequestRequest {
                    id,
                    corrections,
                    note,
                }))
                .await?
                .into_inner();
            p.add(r.files.iter().map(|f| f.content.len() as u64).sum());
            p.finish();
            let written = match (&out, r.files.is_empty()) {
                (Some(dir), false) => {
                    write_export(dir, &r.files)?;
                    Some(dir.display().to_string())
                }
                _ => None,
            };
            let mut v = r.request.as_ref().map(request).unwrap_or(Value::Null);
            v["export"] = json!({
                "written_to": written,
                "files": r.files.iter().map(|f| json!({
                    "name": f.name, "bytes": f.content.len(), "sha256": f.sha256,
                })).collect::<Vec<_>>(),
            });
            v["certificates"] = json!(
                r.certificates
                    .iter()
                    .map(|c| json!({
                        "candidate_id": c.candidate_id,
                        "shredded_at": c.shredded_at,
                        "ledger_seq": c.ledger_seq,
                    }))
                    .collect::<Vec<_>>()
            );
            o.object(v)
        }
        RequestsCmd::Refuse {
            id,
            reasons,
            complaint_info,
            judicial_remedy_info,
        } => {
            let r = c
                .refuse_request(conn.req(pb::RefuseRequestRequest {
                    id,
                    reasons,
                    complaint_info,
                    judicial_remedy_info,
                }))
                .await?
                .into_inner();
            o.object(request(&r))
        }
        RequestsCmd::Close { id } => {
            let r = c
                .close_request(conn.req(pb::CloseRequestRequest { id }))
                .await?
                .into_inner();
            o.object(request(&r))
        }
    }
}

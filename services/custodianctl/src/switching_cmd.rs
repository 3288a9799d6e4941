//! `custodianctl switching ...`: one subcommand per RPC of SwitchingService;
//! `download --out DIR` writes the bundle's files and checks each against
//! manifest.json (size and SHA-256) before reporting success.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use proto::v1 as pb;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::output::{Out, Table};
use crate::requests_cmd::inside;
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum SwitchingCmd {
    /// The customer's Data Act request: switch, on_prem or erase.
    Request {
        /// Required for admins; a controller's token requests for itself.
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, value_parser = ["switch", "on_prem", "erase"])]
        election: String,
        /// 1 or 2; default: the agreement's notice period (at most 2).
        #[arg(long, default_value_t = 0)]
        notice_months: u32,
        /// When the request was received (RFC 3339); default now.
        #[arg(long, default_value = "")]
        requested_at: String,
        #[arg(long, default_value = "")]
        destination: String,
    },
    Get {
        id: String,
    },
    List {
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// The provider's notice that 30 days are technically unfeasible.
    Unfeasible {
        id: String,
        #[arg(long)]
        reasons: String,
        /// The alternative transition's last day (YYYY-MM-DD).
        #[arg(long)]
        until: String,
    },
    /// The customer's one extension of the transition.
    Extend {
        id: String,
        /// The new last day (YYYY-MM-DD).
        #[arg(long)]
        until: String,
    },
    /// Starts building the export bundle; --wait polls until it is ready.
    Export {
        id: String,
        #[arg(long)]
        wait: bool,
    },
    /// An export's status, files and checksums.
    ExportStatus {
        export_id: String,
    },
    /// Downloads an export into --out DIR and verifies it against its manifest.
    Download {
        export_id: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The customer confirms the switch succeeded.
    Confirm {
        id: String,
    },
    /// The customer withdraws its request before the transition ends.
    Withdraw {
        id: String,
        /// Why, in words (optional).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// An exit without a Data Act request, by the agreement's terms.
    Terminate {
        #[arg(long)]
        controller: String,
        /// The agreement's last day (YYYY-MM-DD); default: the end it was terminated to.
        #[arg(long, default_value = "")]
        contract_end: String,
        #[arg(long)]
        reason: String,
    },
    /// A switching charge (refused on or after 2027-01-12).
    Charge {
        id: String,
        #[arg(long)]
        amount_cents: u64,
        #[arg(long)]
        charged_on: String,
        #[arg(long)]
        direct_cost_cents: u64,
        #[arg(long)]
        description: String,
    },
}

fn switch(s: &pb::Switch) -> Value {
    json!({
        "id": s.id,
        "controller_id": s.controller_id,
        "kind": s.kind,
        "election": s.election,
        "notice_months": s.notice_months,
        "requested_at": s.requested_at,
        "destination": s.destination,
        "status": s.status,
        "rule": s.rule,
        "milestones": s.milestones.iter().map(|m| json!({ "name": m.name, "kind": m.kind, "strict": m.strict, "lenient": m.lenient })).collect::<Vec<_>>(),
        "notes": s.notes,
        "unfeasible_declared_at": s.unfeasible_declared_at,
        "unfeasibility_reasons": s.unfeasibility_reasons,
        "alternative_transition_end": s.alternative_transition_end,
        "extended_transition_end": s.extended_transition_end,
        "completed_at": s.completed_at,
        "contract_end": s.contract_end,
        "retrieval_open": s.retrieval_open,
        "erasure_due_from": s.erasure_due_from,
        "termination_reason": s.termination_reason,
        "withdrawn_at": s.withdrawn_at,
        "withdrawal_reason": s.withdrawal_reason,
        "agreement_ended_at": s.agreement_ended_at,
        "retrieval_reminded_for": s.retrieval_reminded_for,
        "webhook_closed_at": s.webhook_closed_at,
        "charges": s.charges.iter().map(charge).collect::<Vec<_>>(),
        "certificate": s.certificate.as_ref().map(|c| json!({
            "sha256": c.sha256,
            "kek_destroyed_at": c.kek_destroyed_at,
            "kek_versions": c.kek_versions,
            "keys_destroyed": c.keys_destroyed,
            "rows_deleted": c.rows_deleted,
            "retained": c.retained,
            "completed_at": c.completed_at,
        })),
    })
}

fn charge(c: &pb::SwitchingCharge) -> Value {
    json!({
        "id": c.id,
        "switch_id": c.switch_id,
        "amount_cents": c.amount_cents,
        "charged_on": c.charged_on,
        "direct_cost_cents": c.direct_cost_cents,
        "description": c.description,
        "legal_review": c.legal_review,
    })
}

fn export(e: &pb::SwitchExport) -> Value {
    json!({
        "id": e.id,
        "switch_id": e.switch_id,
        "controller_id": e.controller_id,
        "status": e.status,
        "started_at": e.started_at,
        "ready_at": e.ready_at,
        "error": e.error,
        "candidates": e.candidates,
        "documents": e.documents,
        "manifest_sha256": e.manifest_sha256,
        "downloads": e.downloads,
        "available_until": e.available_until,
        "files": e.files.iter().map(|f| json!({ "path": f.path, "bytes": f.bytes, "sha256": f.sha256, "records": f.records })).collect::<Vec<_>>(),
    })
}

/// Checks the files under `dir` against `manifest.json`: (files, bytes).
fn verify(dir: &Path) -> Result<(u64, u64), CtlError> {
    let bad = |m: String| CtlError::Usage(format!("the bundle does not verify: {m}"));
    let text =
        std::fs::read(dir.join("manifest.json")).map_err(|e| bad(format!("manifest.json: {e}")))?;
    /// What the bundle's manifest says of each file.
    #[derive(serde::Deserialize)]
    struct Manifest {
        files: Vec<ManifestFile>,
    }
    #[derive(serde::Deserialize)]
    struct ManifestFile {
        path: String,
        bytes: u64,
        sha256: String,
    }
    let m: Manifest =
        serde_json::from_slice(&text).map_err(|e| bad(format!("manifest.json: {e}")))?;
    let (mut n, mut total) = (0u64, 0u64);
    for f in &m.files {
        let name = f.path.as_str();
        let bytes = std::fs::read(inside(dir, name)?).map_err(|e| bad(format!("{name}: {e}")))?;
        if bytes.len() as u64 != f.bytes || hex::encode(Sha256::digest(&bytes)) != f.sha256 {
            return Err(bad(format!(
                "{name}: size or SHA-256 differs from the manifest"
            )));
        }
        n += 1;
        total += bytes.len() as u64;
    }
    Ok((n, total))
}

pub async fn switching(
    conn: &Conn,
    cmd: SwitchingCmd,
    o: Out<'_>,
    ui: &mut crate::Ui<'_>,
) -> Result<(), CtlError> {
    let mut c = pb::switching_service_client::SwitchingServiceClient::new(conn.channel.clone());
    match cmd {
        SwitchingCmd::Request {
            controller,
            election,
            notice_months,
            requested_at,
            destination,
        } => {
            let s = c
                .request_switch(conn.req(pb::RequestSwitchRequest {
                    controller_id: controller,
                    election,
                    notice_months,
                    requested_at,
                    destination,
                }))
                .await?
                .into_inner();
            o.object(switch(&s))
        }
        SwitchingCmd::Get { id } => {
            let s = c
                .get_switch(conn.req(pb::GetSwitchRequest { switch_id: id }))
                .await?
                .into_inner();
            o.object(switch(&s))
        }
        SwitchingCmd::List {
            controller,
            page_size,
            page_token,
        } => {
            let r = c
                .list_switches(conn.req(pb::ListSwitchesRequest {
                    controller_id: controller,
                    page: page(page_size, page_token),
                }))
                .await?
                .into_inner();
            o.list(
                "switches",
                &r.switches,
                switch,
                &r.next_page_token,
                Table::new(
                    &[
                        "ID",
                        "CONTROLLER",
                        "KIND",
                        "ELECTION",
                        "STATUS",
                        "REQUESTED",
                        "RETRIEVAL OPEN",
                    ],
                    |s: &pb::Switch| {
                        vec![
                            s.id.clone(),
                            s.controller_id.clone(),
                            s.kind.clone(),
                            s.election.clone(),
                            s.status.clone(),
                            s.requested_at.clone(),
                            s.retrieval_open.to_string(),
                        ]
                    },
                ),
            )
        }
        SwitchingCmd::Unfeasible { id, reasons, until } => {
            let s = c
                .declare_unfeasible(conn.req(pb::DeclareUnfeasibleRequest {
                    switch_id: id,
                    reasons,
                    alternative_transition_end: until,
                }))
                .await?
                .into_inner();
            o.object(switch(&s))
        }
        SwitchingCmd::Extend { id, until } => {
            let s = c
                .extend_transition(conn.req(pb::ExtendTransitionRequest {
                    switch_id: id,
                    transition_end: until,
                }))
                .await?
                .into_inner();
            o.object(switch(&s))
        }
        SwitchingCmd::Export { id, wait } => {
            let mut e = c
                .start_export(conn.req(pb::StartExportRequest { switch_id: id }))
                .await?
                .into_inner();
            if wait && e.status == "building" {
                // The bundle's size is known when it is ready: a spinner
                // with the time it has taken, then the files.
                let p = ui.progress(
                    &format!("export {} building", e.id),
                    progress::Unit::Items("checks"),
                    None,
                );
                while e.status == "building" {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    e = c
                        .get_export(conn.req(pb::GetExportRequest {
                            export_id: e.id.clone(),
                        }))
                        .await?
                        .into_inner();
                    p.add(1);
                }
                p.finish();
            }
            o.object(export(&e))
        }
        SwitchingCmd::ExportStatus { export_id } => {
            let e = c
                .get_export(conn.req(pb::GetExportRequest { export_id }))
                .await?
                .into_inner();
            o.object(export(&e))
        }
        SwitchingCmd::Download { export_id, out } => {
            let total: u64 = c
                .get_export(conn.req(pb::GetExportRequest {
                    export_id: export_id.clone(),
                }))
                .await?
                .into_inner()
                .files
                .iter()
                .map(|f| f.bytes)
                .sum();
            let p = ui.progress(
                &format!("download {export_id}"),
                progress::Unit::Bytes,
                Some(total),
            );
            let mut s = c
                .download_export(conn.req(pb::DownloadExportRequest {
                    export_id: export_id.clone(),
                }))
                .await?
                .into_inner();
            let mut open: Option<(String, std::io::BufWriter<std::fs::File>)> = None;
            let io = |p: &Path, e: std::io::Error| {
                CtlError::Usage(format!("--out {}: {e}", p.display()))
            };
            while let Some(chunk) = s.message().await? {
                if open.as_ref().is_none_or(|(p, _)| *p != chunk.path) {
                    let path = inside(&out, &chunk.path)?;
                    let f = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
                    open = Some((chunk.path.clone(), std::io::BufWriter::new(f)));
                }
                if let Some((_, w)) = open.as_mut() {
                    w.write_all(&chunk.data).map_err(|e| io(&out, e))?;
                }
                p.add(chunk.data.len() as u64);
                if chunk.last
                    && let Some((_, mut w)) = open.take()
                {
                    w.flush().map_err(|e| io(&out, e))?;
                }
            }
            p.finish();
            let (files, bytes) = verify(&out)?;
            o.object(json!({
                "export_id": export_id,
                "written_to": out.display().to_string(),
                "files": files + 1,
                "bytes": bytes,
                "verified": true,
            }))
        }
        SwitchingCmd::Confirm { id } => {
            let s = c
                .confirm_switch_complete(
                    conn.req(pb::ConfirmSwitchCompleteRequest { switch_id: id }),
                )
                .await?
                .into_inner();
            o.object(switch(&s))
        }
        SwitchingCmd::Withdraw { id, reason } => {
            let s = c
                .withdraw_switch(conn.req(pb::WithdrawSwitchRequest {
                    switch_id: id,
                    reason,
                }))
                .await?
                .into_inner();
            o.object(switch(&s))
        }
        SwitchingCmd::Terminate {
            controller,
            contract_end,
            reason,
        } => {
            let s = c
                .terminate_agreement(conn.req(pb::ExitAgreementRequest {
                    controller_id: controller,
                    contract_end,
                    reason,
                }))
                .await?
                .into_inner();
            o.object(switch(&s))
        }
        SwitchingCmd::Charge {
            id,
            amount_cents,
            charged_on,
            direct_cost_cents,
            description,
        } => {
            let r = c
                .record_charge(conn.req(pb::RecordChargeRequest {
                    switch_id: id,
                    amount_cents,
                    charged_on,
                    direct_cost_cents,
                    description,
                }))
                .await?
                .into_inner();
            o.object(charge(&r))
        }
    }
}

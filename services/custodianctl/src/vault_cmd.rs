//! `custodianctl vault ...`: one subcommand per VaultService RPC.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use proto::v1 as pb;
use serde_json::json;

use crate::output::{Out, Table};
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum VaultCmd {
    /// Store a candidate (the payload is encrypted at rest).
    Put(Put),
    /// Store many candidates from a JSON Lines file of PutCandidate objects.
    PutBatch {
        #[arg(long)]
        file: PathBuf,
        #[arg(long, default_value = "")]
        tenant: String,
    },
    /// Decrypt one candidate; the purpose is written to the audit log.
    Get {
        id: String,
        #[arg(long)]
        purpose: String,
        /// Write the CV document to this file.
        #[arg(long)]
        cv_out: Option<PathBuf>,
    },
    /// Metadata only.
    List {
        #[arg(long, default_value = "")]
        tenant: String,
        #[arg(long, default_value = "")]
        vacancy: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    Update(Update),
    /// By e-mail address or phone number (blind index).
    Find {
        #[arg(long, default_value = "")]
        tenant: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
    },
    /// rejected, withdrawn or hired, on a date.
    Close {
        id: String,
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        date: String,
    },
    /// Talent-pool consent given on a date.
    Consent {
        id: String,
        #[arg(long)]
        date: String,
    },
    WithdrawConsent {
        id: String,
        #[arg(long)]
        date: String,
    },
    Hold {
        id: String,
        #[arg(long)]
        reason: String,
    },
    ReleaseHold {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Crypto-shred now: request, contract_end or controller_instruction.
    Erase {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "")]
        reference: String,
    },
    Certificate {
        candidate_id: String,
    },
    Policy {
        #[arg(long, default_value = "")]
        tenant: String,
    },
    SetPolicy {
        #[arg(long, default_value = "")]
        tenant: String,
        #[arg(long)]
        rejected_weeks: u32,
        #[arg(long)]
        talent_pool_months: u32,
        #[arg(long)]
        hired_months: u32,
        #[arg(long, default_value = "rejection_communicated")]
        anchor: String,
    },
}

#[derive(Args, Debug)]
pub struct PayloadArgs {
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "")]
    email: String,
    #[arg(long, default_value = "")]
    phone: String,
    /// A CV document to store (encrypted).
    #[arg(long)]
    cv: Option<PathBuf>,
    #[arg(long, default_value = "")]
    cv_content_type: String,
    #[arg(long, default_value = "")]
    notes: String,
    /// KEY=VALUE, repeatable.
    #[arg(long = "field")]
    fields: Vec<String>,
}

#[derive(Args, Debug)]
pub struct Put {
    #[arg(long, default_value = "")]
    tenant: String,
    #[arg(long)]
    external_ref: String,
    #[arg(long)]
    vacancy: String,
    /// YYYY-MM-DD
    #[arg(long)]
    applied_on: String,
    /// Repeatable: identity, contact, cv, ...
    #[arg(long = "category", required = true)]
    categories: Vec<String>,
    #[command(flatten)]
    payload: PayloadArgs,
}

#[derive(Args, Debug)]
pub struct Update {
    id: String,
    #[arg(long)]
    vacancy: Option<String>,
    #[arg(long = "category")]
    categories: Vec<String>,
    /// Replace the whole payload with these values.
    #[arg(long)]
    name: Option<String>,
    #[arg(long, default_value = "")]
    email: String,
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long)]
    cv: Option<PathBuf>,
    #[arg(long, default_value = "")]
    notes: String,
}

fn read_file(p: &PathBuf) -> Result<Vec<u8>, CtlError> {
    std::fs::read(p).map_err(|e| CtlError::Usage(format!("{}: {e}", p.display())))
}

fn payload(a: PayloadArgs) -> Result<pb::CandidatePayload, CtlError> {
    let mut custom = std::collections::HashMap::new();
    for f in a.fields {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| CtlError::Usage(format!("--field {f:?}: expected KEY=VALUE")))?;
        custom.insert(k.to_owned(), v.to_owned());
    }
    let (cv, cv_filename) = match &a.cv {
        Some(p) => (
            read_file(p)?,
            p.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
        ),
        None => (Vec::new(), String::new()),
    };
    Ok(pb::CandidatePayload {
        name: a.name,
        email: a.email,
        phone: a.phone,
        cv,
        cv_filename,
        cv_content_type: a.cv_content_type,
        notes: a.notes,
        custom_fields: custom,
    })
}

pub fn candidate(c: &pb::Candidate) -> serde_json::Value {
    json!({
        "id": c.id, "tenant_id": c.tenant_id, "external_ref": c.external_ref, "vacancy_ref": c.vacancy_ref,
        "applied_on": c.applied_on, "categories": c.categories, "status": c.status, "closed_on": c.closed_on,
        "consent": c.consent, "consent_withdrawn_on": c.consent_withdrawn_on, "legal_hold": c.legal_hold,
        "legal_hold_reason": c.legal_hold_reason, "delete_after": c.delete_after, "retention_basis": c.retention_basis,
        "has_cv": c.has_cv, "cv_size": c.cv_size, "created_at": c.created_at, "updated_at": c.updated_at,
    })
}

fn certificate(c: &pb::DeletionCertificate) -> serde_json::Value {
    json!({
        "candidate_id": c.candidate_id, "tenant_id": c.tenant_id, "external_ref": c.external_ref, "reason": c.reason,
        "basis": c.basis, "shredded_at": c.shredded_at, "ledger_seq": c.ledger_seq, "ledger_hash": c.ledger_hash,
        "destroyed": c.destroyed,
    })
}

fn policy(p: &pb::RetentionPolicy) -> serde_json::Value {
    json!({
        "tenant_id": p.tenant_id, "rejected_weeks": p.rejected_weeks, "talent_pool_months": p.talent_pool_months,
        "hired_months": p.hired_months, "anchor": p.anchor, "updated_at": p.updated_at,
    })
}

/// One line of a `put-batch` file (JSON Lines).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct BatchLine {
    external_ref: String,
    vacancy_ref: String,
    applied_on: String,
    categories: Vec<String>,
    payload: BatchPayload,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct BatchPayload {
    name: String,
    email: String,
    phone: String,
    notes: String,
}

fn table() -> Table<pb::Candidate> {
    Table::new(
        &[
            "ID",
            "EXTERNAL REF",
            "VACANCY",
            "STATUS",
            "HOLD",
            "DELETE AFTER",
        ],
        |c| {
            vec![
                c.id.clone(),
                c.external_ref.clone(),
                c.vacancy_ref.clone(),
                c.status.clone(),
                if c.legal_hold { "held" } else { "" }.into(),
                c.delete_after.clone(),
            ]
        },
    )
}

pub async fn run(conn: &Conn, cmd: VaultCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut c = pb::vault_service_client::VaultServiceClient::new(conn.channel.clone())
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024);
    match cmd {
        VaultCmd::Put(a) => {
            let r = pb::PutCandidateRequest {
                tenant_id: a.tenant,
                external_ref: a.external_ref,
                vacancy_ref: a.vacancy,
                applied_on: a.applied_on,
                payload: Some(payload(a.payload)?),
                categories: a.categories,
            };
            o.object(candidate(&c.put_candidate(conn.req(r)).await?.into_inner()))
        }
        VaultCmd::PutBatch { file, tenant } => {
            let text = String::from_utf8(read_file(&file)?)
                .map_err(|_| CtlError::Usage("--file: not UTF-8".into()))?;
            let mut candidates = Vec::new();
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let line: BatchLine = serde_json::from_str(line)
                    .map_err(|e| CtlError::Usage(format!("--file line {}: {e}", i + 1)))?;
                candidates.push(pb::PutCandidateRequest {
                    tenant_id: String::new(),
                    external_ref: line.external_ref,
                    vacancy_ref: line.vacancy_ref,
                    applied_on: line.applied_on,
                    categories: line.categories,
                    payload: Some(pb::CandidatePayload {
                        name: line.payload.name,
                        email: line.payload.email,
                        phone: line.payload.phone,
                        notes: line.payload.notes,
                        ..Default::default()
                    }),
                });
            }
            let r = c
                .put_candidates(conn.req(pb::PutCandidatesRequest {
                    tenant_id: tenant,
                    candidates,
                }))
                .await?
                .into_inner();
            o.list("candidates", &r.candidates, candidate, "", table())
        }
        VaultCmd::Get {
            id,
            purpose,
            cv_out,
        } => {
            let r = c
                .get_candidate(conn.req(pb::GetCandidateRequest { id, purpose }))
                .await?
                .into_inner();
            let p = r.payload.unwrap_or_default();
            if let Some(path) = cv_out {
                std::fs::write(&path, &p.cv)
                    .map_err(|e| CtlError::Usage(format!("--cv-out {}: {e}", path.display())))?;
            }
            let mut v = candidate(&r.candidate.unwrap_or_default());
            v["payload"] = json!({
                "name": p.name, "email": p.email, "phone": p.phone, "notes": p.notes,
                "cv_filename": p.cv_filename, "cv_content_type": p.cv_content_type, "cv_bytes": p.cv.len(),
                "custom_fields": p.custom_fields,
            });
            o.object(v)
        }
        VaultCmd::List {
            tenant,
            vacancy,
            page_size,
            page_token,
        } => {
            let r = c
                .list_candidates(conn.req(pb::ListCandidatesRequest {
                    page: page(page_size, page_token),
                    tenant_id: tenant,
                    vacancy_ref: vacancy,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            o.list(
                "candidates",
                &r.candidates,
                candidate,
                &r.next_page_token,
                table(),
            )
        }
        VaultCmd::Update(a) => {
            let payload = match a.name {
                Some(name) => Some(payload(PayloadArgs {
                    name,
                    email: a.email,
                    phone: a.phone,
                    cv: a.cv,
                    cv_content_type: String::new(),
                    notes: a.notes,
                    fields: Vec::new(),
                })?),
                None => None,
            };
            let r = pb::UpdateCandidateRequest {
                id: a.id,
                payload,
                vacancy_ref: a.vacancy,
                categories: a.categories,
            };
            o.object(candidate(
                &c.update_candidate(conn.req(r)).await?.into_inner(),
            ))
        }
        VaultCmd::Find {
            tenant,
            email,
            phone,
        } => {
            let r = c
                .find_candidates(conn.req(pb::FindCandidatesRequest {
                    tenant_id: tenant,
                    email,
                    phone,
                }))
                .await?
                .into_inner();
            o.list("candidates", &r.candidates, candidate, "", table())
        }
        VaultCmd::Close { id, outcome, date } => {
            let r = c
                .close_procedure(conn.req(pb::CloseProcedureRequest {
                    id,
                    outcome,
                    closed_on: date,
                }))
                .await?
                .into_inner();
            o.object(candidate(&r))
        }
        VaultCmd::Consent { id, date } => o.object(candidate(
            &c.record_consent(conn.req(pb::RecordConsentRequest { id, given_on: date }))
                .await?
                .into_inner(),
        )),
        VaultCmd::WithdrawConsent { id, date } => o.object(candidate(
            &c.withdraw_consent(conn.req(pb::WithdrawConsentRequest {
                id,
                withdrawn_on: date,
            }))
            .await?
            .into_inner(),
        )),
        VaultCmd::Hold { id, reason } => o.object(candidate(
            &c.place_legal_hold(conn.req(pb::PlaceLegalHoldRequest { id, reason }))
                .await?
                .into_inner(),
        )),
        VaultCmd::ReleaseHold { id, reason } => o.object(candidate(
            &c.release_legal_hold(conn.req(pb::ReleaseLegalHoldRequest { id, reason }))
                .await?
                .into_inner(),
        )),
        VaultCmd::Erase {
            id,
            reason,
            reference,
        } => o.object(certificate(
            &c.erase_candidate(conn.req(pb::EraseCandidateRequest {
                id,
                reason,
                reference,
            }))
            .await?
            .into_inner(),
        )),
        VaultCmd::Certificate { candidate_id } => o.object(certificate(
            &c.get_deletion_certificate(
                conn.req(pb::GetDeletionCertificateRequest { candidate_id }),
            )
            .await?
            .into_inner(),
        )),
        VaultCmd::Policy { tenant } => o.object(policy(
            &c.get_retention_policy(conn.req(pb::GetRetentionPolicyRequest { tenant_id: tenant }))
                .await?
                .into_inner(),
        )),
        VaultCmd::SetPolicy {
            tenant,
            rejected_weeks,
            talent_pool_months,
            hired_months,
            anchor,
        } => {
            let r = pb::SetRetentionPolicyRequest {
                tenant_id: tenant,
                rejected_weeks,
                talent_pool_months,
                hired_months,
                anchor,
            };
            o.object(policy(
                &c.set_retention_policy(conn.req(r)).await?.into_inner(),
            ))
        }
    }
}

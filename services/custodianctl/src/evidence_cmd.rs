//! Evidence: `custodianctl evidence ...` fetches keys, checkpoints, proofs
//! (of the shred ledger and of the audit log) and signed certificates from
//! the server; `custodianctl verify ...` checks
//! them offline, with the processor's public key alone (no server, no
//! database). Formats: docs/evidence.md.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use evidence::PublicKey;
use proto::v1 as pb;

use crate::output::{Out, Table};
use crate::{Conn, CtlError};

#[derive(Subcommand, Debug)]
pub enum EvidenceCmd {
    /// The processor's public keys (the one in use first) and the ledger's
    /// checkpoint origin.
    Keys,
    /// A signed checkpoint of the shred ledger (the latest, or of --size),
    /// written byte for byte to --out or stdout.
    Checkpoint {
        #[arg(long, default_value_t = 0)]
        size: u64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A candidate's signed deletion certificate, byte for byte.
    Certificate {
        candidate_id: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The signed certificate of a data-subject request's erasures (every
    /// candidate erased for it), byte for byte.
    RequestCertificate {
        request_id: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The consistency proof from --old to --new (default: the latest
    /// checkpoint): one base64 hash per line.
    Consistency {
        #[arg(long)]
        old: u64,
        #[arg(long, default_value_t = 0)]
        new: u64,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write the new size's checkpoint here.
        #[arg(long)]
        checkpoint_out: Option<PathBuf>,
    },
    /// A signed checkpoint of an audit tree: the global one, or with
    /// --tenant that controller's (a controller's token always gets its
    /// own). The latest covers the log as it is now.
    AuditCheckpoint {
        #[arg(long, default_value = "")]
        tenant: String,
        #[arg(long, default_value_t = 0)]
        size: u64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The audit proof file of events (their seqs, as the audit log lists
    /// them): each event with its inclusion proof and the signed
    /// checkpoint. Check it with `custodianctl verify audit`.
    AuditProof {
        #[arg(required = true)]
        seqs: Vec<u64>,
        #[arg(long, default_value = "")]
        tenant: String,
        #[arg(long, default_value_t = 0)]
        size: u64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// An audit tree's consistency proof from --old to --new, as
    /// `evidence consistency` for the ledger.
    AuditConsistency {
        #[arg(long, default_value = "")]
        tenant: String,
        #[arg(long)]
        old: u64,
        #[arg(long, default_value_t = 0)]
        new: u64,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        checkpoint_out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum VerifyCmd {
    /// A signed certificate (of a candidate's erasure, a data-subject
    /// request's or a tenant's): its signature, its checkpoint, each ledger
    /// entry and its inclusion proof.
    Certificate {
        file: PathBuf,
        /// A public key (name+id+base64) or a file of them, one per line;
        /// repeat for old keys.
        #[arg(long = "public-key", required = true)]
        public_key: Vec<String>,
    },
    /// That the checkpoint NEW extends the checkpoint OLD (nothing of OLD
    /// was removed or changed), with the consistency proof.
    Consistency {
        old: PathBuf,
        new: PathBuf,
        /// The proof: one base64 hash per line (`custodianctl evidence consistency`).
        #[arg(long)]
        proof: PathBuf,
        #[arg(long = "public-key", required = true)]
        public_key: Vec<String>,
    },
    /// An audit proof file (`custodianctl evidence audit-proof`): the
    /// checkpoint's signature and every event's inclusion in that tree.
    Audit {
        file: PathBuf,
        #[arg(long = "public-key", required = true)]
        public_key: Vec<String>,
    },
}

fn write_out(out: &Option<PathBuf>, text: &str, o: Out<'_>) -> Result<(), CtlError> {
    match out {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| CtlError::Usage(format!("--out {}: {e}", p.display()))),
        None => o.exact(text),
    }
}

pub async fn evidence(conn: &Conn, cmd: EvidenceCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut v = pb::vault_service_client::VaultServiceClient::new(conn.channel.clone());
    match cmd {
        EvidenceCmd::Keys => {
            let r = v
                .get_signing_keys(conn.req(pb::GetSigningKeysRequest {}))
                .await?
                .into_inner();
            o.list(
                "keys",
                &r.keys,
                |k| {
                    serde_json::json!({
                        "public_key": k.public_key,
                        "key": k.key,
                        "first_used_at": k.first_used_at,
                        "retired_at": k.retired_at,
                        "ledger_origin": r.ledger_origin,
                    })
                },
                "",
                Table::new(
                    &["PUBLIC KEY", "FIRST USED", "RETIRED"],
                    |k: &pb::SigningKey| {
                        vec![
                            k.public_key.clone(),
                            k.first_used_at.clone(),
                            k.retired_at.clone(),
                        ]
                    },
                ),
            )
        }
        EvidenceCmd::Checkpoint { size, out } => {
            let c = v
                .get_checkpoint(conn.req(pb::GetCheckpointRequest { tree_size: size }))
                .await?
                .into_inner();
            write_out(&out, &c.note, o)
        }
        EvidenceCmd::Certificate { candidate_id, out } => {
            let c = v
                .get_deletion_certificate(
                    conn.req(pb::GetDeletionCertificateRequest { candidate_id }),
                )
                .await?
                .into_inner();
            write_out(&out, &c.signed, o)
        }
        EvidenceCmd::RequestCertificate { request_id, out } => {
            let c = v
                .get_request_certificate(conn.req(pb::GetRequestCertificateRequest { request_id }))
                .await?
                .into_inner();
            write_out(&out, &c.signed, o)
        }
        EvidenceCmd::Consistency {
            old,
            new,
            out,
            checkpoint_out,
        } => {
            let p = v
                .get_consistency_proof(conn.req(pb::GetConsistencyProofRequest {
                    old_size: old,
                    new_size: new,
                }))
                .await?
                .into_inner();
            write_consistency(p, &out, &checkpoint_out, o)
        }
        EvidenceCmd::AuditCheckpoint { tenant, size, out } => {
            let c = v
                .get_audit_checkpoint(conn.req(pb::GetAuditCheckpointRequest {
                    tenant_id: tenant,
                    tree_size: size,
                }))
                .await?
                .into_inner();
            write_out(&out, &c.note, o)
        }
        EvidenceCmd::AuditProof {
            seqs,
            tenant,
            size,
            out,
        } => {
            let p = v
                .get_audit_proof(conn.req(pb::GetAuditProofRequest {
                    tenant_id: tenant,
                    seqs,
                    tree_size: size,
                }))
                .await?
                .into_inner();
            write_out(&out, &p.proof_file, o)
        }
        EvidenceCmd::AuditConsistency {
            tenant,
            old,
            new,
            out,
            checkpoint_out,
        } => {
            let p = v
                .get_audit_consistency_proof(conn.req(pb::GetAuditConsistencyProofRequest {
                    tenant_id: tenant,
                    old_size: old,
                    new_size: new,
                }))
                .await?
                .into_inner();
            write_consistency(p, &out, &checkpoint_out, o)
        }
    }
}

/// A consistency proof, one base64 hash per line, and its checkpoint.
fn write_consistency(
    p: pb::ConsistencyProof,
    out: &Option<PathBuf>,
    checkpoint_out: &Option<PathBuf>,
    o: Out<'_>,
) -> Result<(), CtlError> {
    if let (Some(path), Some(cp)) = (checkpoint_out, &p.checkpoint) {
        std::fs::write(path, &cp.note)
            .map_err(|e| CtlError::Usage(format!("--checkpoint-out {}: {e}", path.display())))?;
    }
    let mut text = p.hashes.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    write_out(out, &text, o)
}

/// Public keys from the arguments: each a key text or a file of keys.
fn keys(args: &[String]) -> Result<Vec<PublicKey>, CtlError> {
    let mut keys = Vec::new();
    for a in args {
        let p = Path::new(a);
        let texts: Vec<String> = if !a.contains('+') && p.exists() {
            std::fs::read_to_string(p)
                .map_err(|e| CtlError::Usage(format!("--public-key {}: {e}", p.display())))?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect()
        } else {
            vec![a.clone()]
        };
        for t in texts {
            keys.push(
                PublicKey::parse(&t).map_err(|e| CtlError::Usage(format!("--public-key: {e}")))?,
            );
        }
    }
    if keys.is_empty() {
        return Err(CtlError::Usage("--public-key: no key given".into()));
    }
    Ok(keys)
}

fn read(p: &Path) -> Result<String, CtlError> {
    std::fs::read_to_string(p).map_err(|e| CtlError::Usage(format!("{}: {e}", p.display())))
}

/// Offline: exit 0 with a statement, 1 naming what failed.
pub fn verify(cmd: VerifyCmd, o: Out<'_>) -> Result<(), CtlError> {
    match cmd {
        VerifyCmd::Certificate { file, public_key } => {
            let keys = keys(&public_key)?;
            let v =
                evidence::certificate::verify_certificate(&read(&file)?, &keys).map_err(|e| {
                    CtlError::Failed(format!(
                        "the certificate {} does not verify: {e}",
                        file.display()
                    ))
                })?;
            o.raw(&format!("verified: {v}"))
        }
        VerifyCmd::Audit { file, public_key } => {
            let keys = keys(&public_key)?;
            let v = evidence::audit::verify_audit_proof(&read(&file)?, &keys).map_err(|e| {
                CtlError::Failed(format!(
                    "the audit proof {} does not verify: {e}",
                    file.display()
                ))
            })?;
            o.raw(&format!("verified: {v}"))
        }
        VerifyCmd::Consistency {
            old,
            new,
            proof,
            public_key,
        } => {
            let keys = keys(&public_key)?;
            let hashes = read(&proof)?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(evidence::tree::parse_b64)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CtlError::Usage(format!("--proof {}: {e}", proof.display())))?;
            let (a, b) = evidence::certificate::verify_consistency(
                &read(&old)?,
                &read(&new)?,
                &hashes,
                &keys,
            )
            .map_err(|e| {
                CtlError::Failed(format!(
                    "{} does not extend {}: {e}",
                    new.display(),
                    old.display()
                ))
            })?;
            o.raw(&format!(
                "verified: {} at size {} extends size {}: every entry of the older checkpoint is still in the log, unchanged (signed by {})",
                b.origin, b.size, a.size, b.signed_by
            ))
        }
    }
}

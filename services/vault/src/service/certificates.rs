//! Signed deletion certificates: one candidate's erasure, a data-subject
//! request's erasures, and a tenant's erasure at the end of a switch, each
//! with the inclusion proof of its ledger entry against a signed
//! checkpoint ([`super::notary`]; formats: crates/evidence,
//! docs/evidence.md).

use evidence::certificate::{DeletionFields, Inclusion};
use evidence::tree::{self, Op};

use super::notary::{LeafRef, evidence_err, latest_checkpoint, read_hashes};
use super::tree_store::LedgerTree;
use super::*;

/// What a deletion certificate states, with the entry's own time.
fn deletion_fields(
    c: &DeletionCertificate,
    entry: &evidence::ledger::LedgerEntry,
) -> DeletionFields {
    DeletionFields {
        candidate_id: c.candidate_id.clone(),
        tenant_id: c.tenant_id.clone(),
        external_ref: c.external_ref.clone(),
        reason: c.reason.clone(),
        basis: c.basis.clone(),
        shredded_at: entry.shredded_at.clone(),
        destroyed: crate::domain::DESTROYED
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    }
}

impl Vault {
    /// Erases one candidate now ([`Vault::erase`]) and returns its
    /// certificate with the signed document.
    pub async fn erase_certified(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: EraseReason,
        reference: &str,
    ) -> Result<(DeletionCertificate, String), VaultError> {
        let c = self.erase(actor, scope, id, reason, reference).await?;
        self.sign_certificate(scope, c).await
    }

    /// A candidate's deletion certificate and its signed document.
    pub async fn signed_certificate(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(DeletionCertificate, String), VaultError> {
        let c = self.certificate(scope, id).await?;
        self.sign_certificate(scope, c).await
    }

    /// The deletion certificates of every candidate the vault erased for
    /// request `request_id` (whose basis names it), within `scope`, over all
    /// of the request's attempts, in ledger order: what the request's
    /// record and its certificate both list.
    pub async fn erased_for_request(
        &self,
        scope: &Scope,
        request_id: &str,
    ) -> Result<Vec<DeletionCertificate>, VaultError> {
        let mut q = deletion_certificates::Entity::find()
            .filter(deletion_certificates::Column::Reason.eq(EraseReason::Request.as_str()))
            .filter(
                deletion_certificates::Column::Basis
                    .ends_with(evidence::certificate::request_basis_suffix(request_id)),
            );
        if let Scope::Tenant(t) = scope {
            q = q.filter(deletion_certificates::Column::TenantId.eq(t.clone()));
        }
        Ok(q.order_by_asc(deletion_certificates::Column::LedgerSeq)
            .all(&self.main)
            .await?
            .into_iter()
            .map(DeletionCertificate::from)
            .collect())
    }

    /// The signed certificate of a data-subject request's erasures: every
    /// candidate the vault erased for request `request_id` (its deletion
    /// certificates whose basis names the request), within `scope`, each
    /// entry proven against one checkpoint. Not found when the vault erased
    /// nothing for it (nothing found, or everything held).
    pub async fn request_certificate(
        &self,
        scope: &Scope,
        request_id: &str,
    ) -> Result<(String, Vec<DeletionCertificate>), VaultError> {
        let certs = self.erased_for_request(scope, request_id).await?;
        let Some(first) = certs.first() else {
            return Err(VaultError::NotFound);
        };
        let tenant = first.tenant_id.clone();
        if certs.iter().any(|c| c.tenant_id != tenant) {
            return Err(internal(format!(
                "request {request_id}'s erasures name two controllers"
            )));
        }
        let last_seq = certs.iter().map(|c| c.ledger_seq).max().unwrap_or(0);
        if latest_checkpoint(&self.keys.db)
            .await?
            .is_none_or(|c| (c.tree_size as u64) < last_seq)
        {
            self.extend_tree().await?;
        }
        let cp = self.checkpoint(None).await?;
        let size = cp.tree_size;
        let mut erased = Vec::with_capacity(certs.len());
        for c in &certs {
            let row = shred_ledger::Entity::find_by_id(c.ledger_seq as i64)
                .one(&self.keys.db)
                .await?
                .ok_or_else(|| {
                    internal(format!(
                        "ledger entry {} of a certificate is missing",
                        c.ledger_seq
                    ))
                })?;
            let entry = model_entry(row).to_evidence();
            let index = entry.leaf_index().map_err(evidence_err)?;
            let known = read_hashes(
                &self.keys.db,
                &LedgerTree,
                &tree::needs(Op::Inclusion { size, index }),
            )
            .await?;
            erased.push(evidence::certificate::ProvenDeletion {
                fields: deletion_fields(c, &entry),
                proof: tree::inclusion(size, index, &known).map_err(evidence_err)?,
                entry,
            });
        }
        let signed = evidence::certificate::sign_request_erasure_certificate(
            &self.notary.key,
            request_id,
            &tenant,
            &erased,
            size,
            &cp.note,
        )
        .map_err(evidence_err)?;
        Ok((signed, certs))
    }

    /// The signed certificate of `tenant`'s erasure: the ledger entry of
    /// its keys' destruction proven against the latest checkpoint, and what
    /// the vault deleted. The vault signs only what it did and recorded.
    pub(super) async fn sign_tenant_erasure(
        &self,
        tenant: &str,
        fields: &evidence::certificate::TenantErasureFields,
    ) -> Result<String, VaultError> {
        let p = self
            .inclusion(
                &Scope::Tenant(tenant.to_owned()),
                &LeafRef::Candidate(crate::ledger::tenant_subject(tenant)),
                None,
            )
            .await?;
        evidence::certificate::sign_tenant_erasure_certificate(
            &self.notary.key,
            fields,
            &Inclusion {
                entry: p.entry,
                tree_size: p.checkpoint.tree_size,
                proof: p.proof,
                checkpoint: p.checkpoint.note,
            },
        )
        .map_err(evidence_err)
    }

    /// Signs a certificate read in `scope`: its entry proven against the
    /// latest checkpoint.
    async fn sign_certificate(
        &self,
        scope: &Scope,
        c: DeletionCertificate,
    ) -> Result<(DeletionCertificate, String), VaultError> {
        let p = self
            .inclusion(scope, &LeafRef::Seq(c.ledger_seq as i64), None)
            .await?;
        let fields = deletion_fields(&c, &p.entry);
        let signed = evidence::certificate::sign_deletion_certificate(
            &self.notary.key,
            &fields,
            &Inclusion {
                entry: p.entry,
                tree_size: p.checkpoint.tree_size,
                proof: p.proof,
                checkpoint: p.checkpoint.note,
            },
        )
        .map_err(evidence_err)?;
        Ok((c, signed))
    }
}

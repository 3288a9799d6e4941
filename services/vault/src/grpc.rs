//! The thin gRPC adapter of VaultService.

use std::sync::Arc;

use auth::{Principal, Scope};
use evidence::audit::AuditTree;
use proto::v1::{self as pb, vault_service_server::VaultService};
use proto::wire;
use tonic::{Request, Response, Status};

use crate::domain::*;
use crate::service::{LeafRef, MAX_PROVEN_EVENTS, Vault, today};

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub struct VaultGrpc {
    vault: Arc<Vault>,
}

impl VaultGrpc {
    pub fn new(vault: Arc<Vault>) -> Self {
        Self { vault }
    }
}

impl From<VaultError> for Status {
    fn from(e: VaultError) -> Status {
        proto::status::of("vault", &e)
    }
}

pub fn candidate_pb(r: &Candidate) -> pb::Candidate {
    pb::Candidate {
        id: r.id.clone(),
        tenant_id: r.tenant_id.clone(),
        external_ref: r.external_ref.clone(),
        vacancy_ref: r.vacancy_ref.clone(),
        applied_on: r.applied_on.to_string(),
        categories: r.categories.clone(),
        status: r.status.as_str().into(),
        closed_on: day(r.closed_on),
        consent: r.consent.as_str().into(),
        consent_withdrawn_on: day(r.consent_withdrawn_on),
        legal_hold: r.hold.is_some(),
        legal_hold_reason: r.hold.clone().unwrap_or_default(),
        delete_after: r.delete_after.map(wire::timestamp).unwrap_or_default(),
        retention_basis: r.retention_basis.clone().unwrap_or_default(),
        has_cv: r.cv_size > 0,
        cv_size: r.cv_size,
        created_at: wire::timestamp(r.created_at),
        updated_at: wire::timestamp(r.updated_at),
        restricted: r.restricted,
    }
}

/// A day on the wire: `YYYY-MM-DD`, or empty for none.
pub fn day(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// A reference prefix typed in a search box: at most 200 characters, none
/// of them control characters.
fn ref_prefix(prefix: &str) -> Result<(), Status> {
    if prefix.chars().count() > 200 || prefix.chars().any(char::is_control) {
        return Err(field_err(
            "ref_prefix",
            format!(
                "must be at most 200 characters without control characters, got {}",
                wire::quote(prefix)
            ),
        )
        .into());
    }
    Ok(())
}

pub fn certificate_pb(c: &DeletionCertificate) -> pb::DeletionCertificate {
    pb::DeletionCertificate {
        candidate_id: c.candidate_id.clone(),
        tenant_id: c.tenant_id.clone(),
        external_ref: c.external_ref.clone(),
        reason: c.reason.clone(),
        basis: c.basis.clone(),
        shredded_at: wire::timestamp(c.shredded_at),
        ledger_seq: c.ledger_seq,
        ledger_hash: c.ledger_hash.clone(),
        destroyed: DESTROYED.iter().map(|s| (*s).into()).collect(),
        signed: String::new(),
    }
}

fn policy_pb(
    tenant: &str,
    p: &Policy,
    updated: Option<chrono::DateTime<chrono::Utc>>,
) -> pb::RetentionPolicy {
    pb::RetentionPolicy {
        tenant_id: tenant.to_owned(),
        rejected_weeks: p.rejected_weeks,
        talent_pool_months: p.talent_pool_months,
        hired_months: p.hired_months,
        anchor: p.anchor.as_str().into(),
        updated_at: updated.map(wire::timestamp).unwrap_or_default(),
    }
}

/// A validated payload from its proto form; `prefix` names the field path.
/// The corrections of a rectification as a payload, validated like any
/// payload; errors name `corrections.<field>`.
pub fn correction(p: pb::CandidatePayload, limits: Limits) -> Result<Payload, VaultError> {
    payload("corrections.", Some(p), limits).map_err(|e| match e {
        VaultError::Invalid(f) => VaultError::Invalid(crate::domain::FieldError {
            field: f
                .field
                .replacen("corrections.payload.", "corrections.", 1)
                .into(),
            reason: f.reason,
        }),
        e => e,
    })
}

pub fn payload(
    prefix: &str,
    p: Option<pb::CandidatePayload>,
    limits: Limits,
) -> Result<Payload, VaultError> {
    let p = p.ok_or_else(|| field_err(format!("{prefix}payload"), "required"))?;
    let pre = format!("{prefix}payload.");
    Ok(Payload::parse(payload_input(p), &pre, limits)?)
}

/// A payload as the caller sent it, for the vault's parser.
fn payload_input(p: pb::CandidatePayload) -> PayloadInput {
    PayloadInput {
        name: p.name,
        email: p.email,
        phone: p.phone,
        cv: p.cv,
        cv_filename: p.cv_filename,
        cv_content_type: p.cv_content_type,
        notes: p.notes,
        custom_fields: p.custom_fields.into_iter().collect(),
    }
}

pub fn payload_pb(p: Payload) -> pb::CandidatePayload {
    pb::CandidatePayload {
        name: p.profile.name.clone(),
        email: p.profile.email.clone(),
        phone: p.profile.phone.clone(),
        cv: p.cv,
        cv_filename: p.profile.cv_filename.clone(),
        cv_content_type: p.profile.cv_content_type.clone(),
        notes: p.profile.notes.clone(),
        custom_fields: p.profile.custom_fields.clone().into_iter().collect(),
    }
}

fn new_candidate(
    prefix: &str,
    r: pb::PutCandidateRequest,
    limits: Limits,
) -> Result<NewCandidate, VaultError> {
    let payload = payload(prefix, r.payload, limits)?;
    Ok(NewCandidate::validate(
        prefix,
        &r.external_ref,
        &r.vacancy_ref,
        &r.applied_on,
        &r.categories,
        payload,
        today(),
    )?)
}

fn id(field: &str, s: &str) -> Result<String, VaultError> {
    uuid::Uuid::parse_str(s.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| {
            field_err(
                field,
                format!("must be a UUID, got {}", proto::wire::quote(s)),
            )
            .into()
        })
}

fn who<T>(req: &Request<T>) -> Result<(Principal, audit::Actor, Scope), Status> {
    let caller = Principal::from_request(req)?;
    let a = audit::Actor::from(&caller);
    let s = caller.scope();
    Ok((caller, a, s))
}

#[tonic::async_trait]
impl VaultService for VaultGrpc {
    async fn put_candidate(
        &self,
        req: Request<pb::PutCandidateRequest>,
    ) -> Result<Response<pb::Candidate>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let tenant = self.vault.write_tenant(&scope, &r.tenant_id).await?;
        let c = new_candidate("", r, self.vault.limits)?;
        let rows = self.vault.put(&actor, &tenant, vec![c]).await?;
        Ok(Response::new(candidate_pb(&rows[0])))
    }

    async fn put_candidates(
        &self,
        req: Request<pb::PutCandidatesRequest>,
    ) -> Result<Response<pb::PutCandidatesResponse>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let tenant = self.vault.write_tenant(&scope, &r.tenant_id).await?;
        let items = r
            .candidates
            .into_iter()
            .map(|c| (c.tenant_id.clone(), c))
            .collect();
        let limits = self.vault.limits;
        let batch = PutBatch::parse(&tenant, items, |prefix, c| new_candidate(prefix, c, limits))?;
        let rows = self.vault.put(&actor, &tenant, batch.items).await?;
        Ok(Response::new(pb::PutCandidatesResponse {
            candidates: rows.iter().map(candidate_pb).collect(),
        }))
    }

    async fn get_candidate(
        &self,
        req: Request<pb::GetCandidateRequest>,
    ) -> Result<Response<pb::CandidateRecord>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let id = id("id", &r.id)?;
        let purpose = validate_reason("purpose", &r.purpose, 500)?;
        let (row, p) = self.vault.get(&actor, &scope, &id, &purpose).await?;
        Ok(Response::new(pb::CandidateRecord {
            candidate: Some(candidate_pb(&row)),
            payload: Some(payload_pb(p)),
        }))
    }

    async fn list_candidates(
        &self,
        req: Request<pb::ListCandidatesRequest>,
    ) -> Result<Response<pb::ListCandidatesResponse>, Status> {
        let (_, _, scope) = who(&req)?;
        let r = req.into_inner();
        let page = wire::Page::parse(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE, |t| {
            id(wire::PAGE_TOKEN_FIELD, t)
        })?;
        let tenant = (!r.tenant_id.trim().is_empty()).then(|| r.tenant_id.trim().to_owned());
        let vacancy = if r.vacancy_ref.trim().is_empty() {
            None
        } else {
            Some(validate_vacancy_ref(&r.vacancy_ref)?)
        };
        let prefix = r.ref_prefix.trim();
        ref_prefix(prefix)?;
        let filter = crate::service::CandidateFilter {
            tenant: tenant.as_deref(),
            vacancy: vacancy.as_deref(),
            ref_prefix: (!prefix.is_empty()).then_some(prefix),
        };
        let mut rows = self
            .vault
            .list(&scope, &filter, page.after.as_deref(), page.fetch())
            .await?;
        let next = page.finish(&mut rows, |c| c.id.clone());
        let total = if r.count_total {
            Some(self.vault.count(&scope, &filter).await?)
        } else {
            None
        };
        Ok(Response::new(pb::ListCandidatesResponse {
            candidates: rows.iter().map(candidate_pb).collect(),
            next_page_token: next,
            total,
        }))
    }

    async fn update_candidate(
        &self,
        req: Request<pb::UpdateCandidateRequest>,
    ) -> Result<Response<pb::Candidate>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let id = id("id", &r.id)?;
        let change = CandidateChange::parse(
            r.payload.map(payload_input),
            r.vacancy_ref.as_deref(),
            &r.categories,
            self.vault.limits,
        )
        .map_err(VaultError::from)?;
        let row = self
            .vault
            .update(
                &actor,
                &scope,
                &id,
                change.payload,
                change.vacancy_ref,
                change.categories,
            )
            .await?;
        Ok(Response::new(candidate_pb(&row)))
    }

    async fn find_candidates(
        &self,
        req: Request<pb::FindCandidatesRequest>,
    ) -> Result<Response<pb::ListCandidatesResponse>, Status> {
        let (_, _, scope) = who(&req)?;
        let r = req.into_inner();
        let tenant = self.vault.write_tenant(&scope, &r.tenant_id).await?;
        let rows = self
            .vault
            .find_by_index(&scope, &tenant, &r.email, &r.phone)
            .await?;
        Ok(Response::new(pb::ListCandidatesResponse {
            candidates: rows.iter().map(candidate_pb).collect(),
            next_page_token: String::new(),
            total: Some(rows.len() as u64),
        }))
    }

    async fn close_procedure(
        &self,
        req: Request<pb::CloseProcedureRequest>,
    ) -> Result<Response<pb::Candidate>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let id = id("id", &r.id)?;
        let outcome =
            crate::domain::CandidateStatus::parse_outcome(&r.outcome).map_err(VaultError::from)?;
        let row = self
            .vault
            .close(&actor, &scope, &id, outcome, &r.closed_on)
            .await?;
        Ok(Response::new(candidate_pb(&row)))
    }

    async fn record_consent(
        &self,
        req: Request<pb::RecordConsentRequest>,
    ) -> Result<Response<pb::Candidate>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let id = id("id", &r.id)?;
        let row = self
            .vault
            .record_consent(&actor, &scope, &id, &r.given_on)
            .await?;
        Ok(Response::new(candidate_pb(&row)))
    }

    async fn withdraw_consent(
        &self,
        req: Request<pb::WithdrawConsentRequest>,
    ) -> Result<Response<pb::Candidate>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let id = id("id", &r.id)?;
        let row = self
            .vault
            .withdraw_consent(&actor, &scope, &id, &r.withdrawn_on)
            .await?;
        Ok(Response::new(candidate_pb(&row)))
    }

    async fn place_legal_hold(
        &self,
        req: Request<pb::PlaceLegalHoldRequest>,
    ) -> Result<Response<pb::Candidate>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let id = id("id", &r.id)?;
        let reason = validate_reason("reason", &r.reason, 500)?;
        let row = self.vault.place_hold(&actor, &scope, &id, &reason).await?;
        Ok(Response::new(candidate_pb(&row)))
    }

    async fn release_legal_hold(
        &self,
        req: Request<pb::ReleaseLegalHoldRequest>,
    ) -> Result<Response<pb::Candidate>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let id = id("id", &r.id)?;
        let reason = validate_reason("reason", &r.reason, 500)?;
        let row = self
            .vault
            .release_hold(&actor, &scope, &id, &reason)
            .await?;
        Ok(Response::new(candidate_pb(&row)))
    }

    async fn erase_candidate(
        &self,
        req: Request<pb::EraseCandidateRequest>,
    ) -> Result<Response<pb::DeletionCertificate>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let id = id("id", &r.id)?;
        let erasure = ErasureRequest::parse(&r.reason, &r.reference)?;
        let (cert, signed) = self
            .vault
            .erase_certified(&actor, &scope, &id, erasure.reason, &erasure.reference)
            .await?;
        Ok(Response::new(pb::DeletionCertificate {
            signed,
            ..certificate_pb(&cert)
        }))
    }

    async fn get_deletion_certificate(
        &self,
        req: Request<pb::GetDeletionCertificateRequest>,
    ) -> Result<Response<pb::DeletionCertificate>, Status> {
        let (_, _, scope) = who(&req)?;
        let id = id("candidate_id", &req.get_ref().candidate_id)?;
        let (cert, signed) = self.vault.signed_certificate(&scope, &id).await?;
        Ok(Response::new(pb::DeletionCertificate {
            signed,
            ..certificate_pb(&cert)
        }))
    }

    async fn list_deletion_certificates(
        &self,
        req: Request<pb::ListDeletionCertificatesRequest>,
    ) -> Result<Response<pb::ListDeletionCertificatesResponse>, Status> {
        use crate::domain::parse_day;
        let (_, _, scope) = who(&req)?;
        let r = req.into_inner();
        // Newest first; the token is the last certificate's erasure instant
        // and id.
        let page = wire::Page::parse(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE, |token| {
            let bad = || field_err(wire::PAGE_TOKEN_FIELD, "not a token this service issued");
            let (micros, cid) = token.split_once(',').ok_or_else(bad)?;
            let t = micros
                .parse::<i64>()
                .ok()
                .and_then(chrono::DateTime::from_timestamp_micros)
                .ok_or_else(bad)?;
            Ok::<_, VaultError>((t, id(wire::PAGE_TOKEN_FIELD, cid)?))
        })?;
        let tenant = self.vault.write_tenant(&scope, &r.tenant_id).await?;
        let prefix = r.ref_prefix.trim();
        ref_prefix(prefix)?;
        let from = parse_day("erased_from", &r.erased_from)?;
        let to = parse_day("erased_to", &r.erased_to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(field_err(
                "erased_from",
                format!("must not be after erased_to ({t}), got {f}"),
            )
            .into());
        }
        // Amsterdam days: from the start of `from` to the end of `to`.
        let start = |d: chrono::NaiveDate| {
            legal_time::period::end_of_day_exclusive(d - chrono::Duration::days(1))
        };
        let filter = crate::service::CertificateFilter {
            tenant: &tenant,
            ref_prefix: (!prefix.is_empty()).then_some(prefix),
            from: from.map(start),
            until: to.map(legal_time::period::end_of_day_exclusive),
        };
        let (mut rows, total) = self
            .vault
            .list_certificates(
                &filter,
                page.after.as_ref().map(|(t, id)| (*t, id.as_str())),
                page.fetch(),
                r.count_total,
            )
            .await?;
        let next = page.finish(&mut rows, |c| {
            format!("{},{}", c.shredded_at.timestamp_micros(), c.candidate_id)
        });
        Ok(Response::new(pb::ListDeletionCertificatesResponse {
            certificates: rows.iter().map(certificate_pb).collect(),
            next_page_token: next,
            total,
        }))
    }

    async fn get_retention_policy(
        &self,
        req: Request<pb::GetRetentionPolicyRequest>,
    ) -> Result<Response<pb::RetentionPolicy>, Status> {
        let (_, _, scope) = who(&req)?;
        let tenant = self
            .vault
            .write_tenant(&scope, &req.get_ref().tenant_id)
            .await?;
        let p = self.vault.policy(&tenant).await?;
        Ok(Response::new(policy_pb(&tenant, &p, None)))
    }

    async fn get_erasure_stats(
        &self,
        req: Request<pb::GetErasureStatsRequest>,
    ) -> Result<Response<pb::ErasureStats>, Status> {
        use crate::domain::{ERASURE_NOTE, erasure_range, parse_day};
        let (_, _, scope) = who(&req)?;
        let r = req.into_inner();
        let tenant = r.tenant_id.trim();
        let tenant = if tenant.is_empty() {
            None
        } else {
            Some(id("tenant_id", tenant)?)
        };
        let from = parse_day("from_day", &r.from_day)?;
        let to = parse_day("to_day", &r.to_day)?;
        let today = legal_time::period::local_date(chrono::Utc::now());
        let (from, to) = erasure_range(from, to, today)?;
        // Another tenant's figures are never shown: empty, as for a missing
        // one (`Scope::listing`, applied by the service).
        let days = self
            .vault
            .erasure_stats(&scope, tenant.as_deref(), from, to)
            .await?;
        Ok(Response::new(pb::ErasureStats {
            days: days
                .into_iter()
                .map(|(d, erased, due)| pb::ErasureDay {
                    day: d.to_string(),
                    erased,
                    due,
                })
                .collect(),
            from_day: from.to_string(),
            to_day: to.to_string(),
            note: ERASURE_NOTE.into(),
        }))
    }

    async fn set_retention_policy(
        &self,
        req: Request<pb::SetRetentionPolicyRequest>,
    ) -> Result<Response<pb::RetentionPolicy>, Status> {
        let (_, actor, scope) = who(&req)?;
        let r = req.into_inner();
        let tenant = self.vault.write_tenant(&scope, &r.tenant_id).await?;
        let p = Policy::validate(
            r.rejected_weeks,
            r.talent_pool_months,
            r.hired_months,
            &r.anchor,
        )?;
        let saved = self.vault.set_policy(&actor, &tenant, p.clone()).await?;
        Ok(Response::new(policy_pb(&tenant, &p, Some(saved))))
    }

    async fn get_signing_keys(
        &self,
        req: Request<pb::GetSigningKeysRequest>,
    ) -> Result<Response<pb::SigningKeys>, Status> {
        who(&req)?;
        let keys = self.vault.signing_keys().await?;
        Ok(Response::new(pb::SigningKeys {
            keys: keys
                .into_iter()
                .map(|k| pb::SigningKey {
                    public_key: k.public_key,
                    key: k.handle,
                    first_used_at: wire::timestamp(k.first_used_at),
                    retired_at: k.retired_at.map(wire::timestamp).unwrap_or_default(),
                })
                .collect(),
            ledger_origin: self.vault.notary().origin().to_owned(),
            audit_origin: evidence::audit::global_origin(self.vault.notary().public().name()),
        }))
    }

    async fn get_checkpoint(
        &self,
        req: Request<pb::GetCheckpointRequest>,
    ) -> Result<Response<pb::Checkpoint>, Status> {
        who(&req)?;
        let c = self
            .vault
            .checkpoint(tree_size(req.get_ref().tree_size))
            .await?;
        Ok(Response::new(checkpoint_pb(c)))
    }

    async fn get_inclusion_proof(
        &self,
        req: Request<pb::GetInclusionProofRequest>,
    ) -> Result<Response<pb::InclusionProof>, Status> {
        use pb::get_inclusion_proof_request::Leaf;
        let (_, _, scope) = who(&req)?;
        let r = req.into_inner();
        let leaf = match r.leaf {
            Some(Leaf::CandidateId(c)) => LeafRef::Candidate(id("candidate_id", &c)?),
            Some(Leaf::Seq(s)) if s > 0 && s <= i64::MAX as u64 => LeafRef::Seq(s as i64),
            Some(Leaf::Seq(s)) => {
                return Err(VaultError::from(field_err(
                    "seq",
                    format!("must be 1 or more, got {s}"),
                ))
                .into());
            }
            None => {
                return Err(
                    VaultError::from(field_err("leaf", "name a candidate_id or a seq")).into(),
                );
            }
        };
        let p = self
            .vault
            .inclusion(&scope, &leaf, tree_size(r.tree_size))
            .await?;
        Ok(Response::new(pb::InclusionProof {
            leaf_index: (p.entry.seq - 1) as u64,
            ledger_entry: String::from_utf8(p.entry.leaf_bytes()).unwrap_or_default(),
            hashes: p.proof.iter().map(evidence::tree::b64).collect(),
            checkpoint: Some(checkpoint_pb(p.checkpoint)),
        }))
    }

    async fn get_consistency_proof(
        &self,
        req: Request<pb::GetConsistencyProofRequest>,
    ) -> Result<Response<pb::ConsistencyProof>, Status> {
        who(&req)?;
        let r = req.into_inner();
        let (proof, cp) = self
            .vault
            .consistency(r.old_size, tree_size(r.new_size))
            .await?;
        Ok(Response::new(pb::ConsistencyProof {
            old_size: r.old_size,
            hashes: proof.iter().map(evidence::tree::b64).collect(),
            checkpoint: Some(checkpoint_pb(cp)),
        }))
    }

    async fn get_request_certificate(
        &self,
        req: Request<pb::GetRequestCertificateRequest>,
    ) -> Result<Response<pb::RequestCertificate>, Status> {
        let (_, _, scope) = who(&req)?;
        let request_id = id("request_id", &req.get_ref().request_id)?;
        let (signed, certs) = self.vault.request_certificate(&scope, &request_id).await?;
        Ok(Response::new(pb::RequestCertificate {
            tenant_id: certs
                .first()
                .map(|c| c.tenant_id.clone())
                .unwrap_or_default(),
            candidate_ids: certs.into_iter().map(|c| c.candidate_id).collect(),
            request_id,
            signed,
        }))
    }

    async fn get_audit_checkpoint(
        &self,
        req: Request<pb::GetAuditCheckpointRequest>,
    ) -> Result<Response<pb::Checkpoint>, Status> {
        let (_, _, scope) = who(&req)?;
        let r = req.into_inner();
        let tree = audit_tree(&scope, &r.tenant_id)?;
        let c = self
            .vault
            .audit_checkpoint(&tree, tree_size(r.tree_size))
            .await?;
        Ok(Response::new(checkpoint_pb(c)))
    }

    async fn get_audit_proof(
        &self,
        req: Request<pb::GetAuditProofRequest>,
    ) -> Result<Response<pb::AuditProof>, Status> {
        let (_, _, scope) = who(&req)?;
        let r = req.into_inner();
        let tree = audit_tree(&scope, &r.tenant_id)?;
        if r.seqs.is_empty() || r.seqs.len() > MAX_PROVEN_EVENTS {
            return Err(VaultError::from(field_err(
                "seqs",
                format!(
                    "name from 1 to {MAX_PROVEN_EVENTS} events; {} were named",
                    r.seqs.len()
                ),
            ))
            .into());
        }
        let mut seqs = Vec::with_capacity(r.seqs.len());
        for s in &r.seqs {
            if *s == 0 || *s > i64::MAX as u64 {
                return Err(VaultError::from(field_err(
                    "seqs",
                    format!("an event's seq is 1 or more, got {s}"),
                ))
                .into());
            }
            seqs.push(*s as i64);
        }
        let (cp, proven) = self
            .vault
            .audit_proof(&tree, &seqs, tree_size(r.tree_size))
            .await?;
        let proof_file = evidence::audit::proof_file(&cp.note, &proven)
            .map_err(|e| VaultError::Internal(e.to_string()))?;
        Ok(Response::new(pb::AuditProof {
            events: proven
                .iter()
                .map(|p| pb::AuditLeafProof {
                    seq: p.event.seq as u64,
                    leaf_index: p.leaf_index,
                    event: String::from_utf8(p.event.leaf_bytes()).unwrap_or_default(),
                    hashes: p.hashes.iter().map(evidence::tree::b64).collect(),
                })
                .collect(),
            checkpoint: Some(checkpoint_pb(cp)),
            proof_file,
        }))
    }

    async fn get_audit_consistency_proof(
        &self,
        req: Request<pb::GetAuditConsistencyProofRequest>,
    ) -> Result<Response<pb::ConsistencyProof>, Status> {
        let (_, _, scope) = who(&req)?;
        let r = req.into_inner();
        let tree = audit_tree(&scope, &r.tenant_id)?;
        let (proof, cp) = self
            .vault
            .audit_consistency(&tree, r.old_size, tree_size(r.new_size))
            .await?;
        Ok(Response::new(pb::ConsistencyProof {
            old_size: r.old_size,
            hashes: proof.iter().map(evidence::tree::b64).collect(),
            checkpoint: Some(checkpoint_pb(cp)),
        }))
    }
}

/// The audit tree a caller asks for: a controller always its own tenant's
/// (another tenant's does not exist for it); a processor-wide caller the
/// global tree, or the tenant's it names.
fn audit_tree(scope: &Scope, tenant_id: &str) -> Result<AuditTree, VaultError> {
    let asked = match tenant_id.trim() {
        "" => None,
        t => Some(id("tenant_id", t)?),
    };
    // The list rule picks the tenant; one tree is an object, so another
    // tenant's is not found, as a missing one.
    match scope.listing(asked.as_deref()) {
        Err(auth::Foreign) => Err(VaultError::NotFound),
        Ok(None) => Ok(AuditTree::Global),
        Ok(Some(t)) => Ok(AuditTree::Tenant(t)),
    }
}

fn checkpoint_pb(c: Checkpoint) -> pb::Checkpoint {
    pb::Checkpoint {
        tree_size: c.tree_size,
        root_hash: c.root_hash,
        note: c.note,
        signed_by: c.signed_by,
        signed_at: wire::timestamp(c.signed_at),
    }
}

/// A tree size of a request: 0 is "the latest".
fn tree_size(n: u64) -> Option<u64> {
    (n > 0).then_some(n)
}

pub fn service(vault: Arc<Vault>) -> pb::vault_service_server::VaultServiceServer<VaultGrpc> {
    pb::vault_service_server::VaultServiceServer::new(VaultGrpc::new(vault))
        .max_decoding_message_size(64 * 1024 * 1024)
}

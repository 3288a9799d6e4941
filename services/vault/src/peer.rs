//! `custodian.internal.v1.VaultPeer`: what other processes of a split
//! deployment ask of the vault (the only process that holds the keys). A
//! thin adapter like `grpc`: proto in, one vault call, proto out. The peer
//! role is checked by the permission table; the tenant scope the peer acts
//! in comes from the `x-custodian-scope` metadata and is enforced here: a
//! tenant outside it is NOT_FOUND, as for any caller.

use std::sync::Arc;

use audit::Actor;
use auth::Scope;
use proto::internal as ipb;
use proto::v1 as pb;
use proto::wire;
use tonic::{Request, Response, Status};

use crate::domain::{Candidate, DeletionCertificate, EraseReason, Payload, VaultError};
use crate::grpc::day;
use crate::service::Vault;

pub use auth::{SCOPE_HEADER, peer_scope};

/// The tenant a peer call names, inside the scope it acts in.
fn tenant_in(scope: &Scope, tenant: &str) -> Result<String, Status> {
    let t = domain_kit::uuid_field("tenant_id", tenant)?;
    if !scope.allows(&t) {
        return Err(VaultError::NotFound.into());
    }
    Ok(t)
}

use domain_kit::uuid_field as id_field;

/// A call about one candidate for one request: the peer, the tenant (inside
/// the scope), the candidate and the request ids, all checked.
struct ForRequest {
    actor: Actor,
    tenant: String,
    id: String,
    request_id: String,
}

fn for_request(request: Request<ipb::CandidateForRequest>) -> Result<ForRequest, Status> {
    let (caller, scope) = peer_scope(&request)?;
    let actor = Actor::relayed(&caller, &request);
    let r = request.into_inner();
    Ok(ForRequest {
        actor,
        tenant: tenant_in(&scope, &r.tenant_id)?,
        id: id_field("candidate_id", &r.candidate_id)?,
        request_id: id_field("request_id", &r.request_id)?,
    })
}

/// A candidate matched for a data-subject request, as it crosses the wire.
fn subject_candidate_pb(c: &Candidate) -> ipb::SubjectCandidate {
    ipb::SubjectCandidate {
        id: c.id.clone(),
        external_ref: c.external_ref.clone(),
        vacancy_ref: c.vacancy_ref.clone(),
        applied_on: c.applied_on.to_string(),
        status: c.status.as_str().into(),
        closed_on: day(c.closed_on),
        categories: c.categories.clone(),
        consent: c.consent.as_str().into(),
        consent_withdrawn_on: day(c.consent_withdrawn_on),
        delete_after: c.delete_after.map(wire::timestamp).unwrap_or_default(),
        retention_basis: c.retention_basis.clone().unwrap_or_default(),
        restricted: c.restricted,
        created_at: wire::timestamp(c.created_at),
        updated_at: wire::timestamp(c.updated_at),
    }
}

/// A decrypted candidate of a Data Act export, as it crosses the wire.
fn export_candidate_pb(c: Candidate, p: Payload) -> ipb::ExportCandidate {
    ipb::ExportCandidate {
        applied_on: c.applied_on.to_string(),
        closed_on: day(c.closed_on),
        consent_withdrawn_on: day(c.consent_withdrawn_on),
        delete_after: c.delete_after.map(wire::timestamp).unwrap_or_default(),
        created_at: wire::timestamp(c.created_at),
        updated_at: wire::timestamp(c.updated_at),
        legal_hold: c.hold.is_some(),
        legal_hold_reason: c.hold.unwrap_or_default(),
        retention_basis: c.retention_basis.unwrap_or_default(),
        status: c.status.as_str().into(),
        consent: c.consent.as_str().into(),
        categories: c.categories,
        id: c.id,
        external_ref: c.external_ref,
        vacancy_ref: c.vacancy_ref,
        restricted: c.restricted,
        payload: Some(payload_pb(p)),
    }
}

/// A deletion certificate for a data-subject request, as it crosses the
/// wire.
fn certificate_pb(c: &DeletionCertificate, signed: String) -> ipb::CandidateCertificate {
    let pb::DeletionCertificate {
        candidate_id,
        tenant_id,
        external_ref,
        reason,
        basis,
        shredded_at,
        ledger_seq,
        ledger_hash,
        destroyed,
        signed: _,
    } = crate::grpc::certificate_pb(c);
    ipb::CandidateCertificate {
        candidate_id,
        tenant_id,
        external_ref,
        reason,
        basis,
        shredded_at,
        ledger_seq,
        ledger_hash,
        destroyed,
        signed,
    }
}

pub struct VaultPeerGrpc {
    vault: Arc<Vault>,
}

pub fn service(vault: Arc<Vault>) -> ipb::vault_peer_server::VaultPeerServer<VaultPeerGrpc> {
    ipb::vault_peer_server::VaultPeerServer::new(VaultPeerGrpc { vault })
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024)
}

/// A decrypted payload, as it crosses the wire.
fn payload_pb(p: Payload) -> ipb::SubjectPayload {
    ipb::SubjectPayload {
        name: p.profile.name,
        email: p.profile.email,
        phone: p.profile.phone,
        notes: p.profile.notes,
        custom_fields: p.profile.custom_fields.into_iter().collect(),
        cv: p.cv,
        cv_filename: p.profile.cv_filename,
        cv_content_type: p.profile.cv_content_type,
    }
}

impl VaultPeerGrpc {
    /// One export chunk sealed (`seal`) or opened with the export's key,
    /// for a tenant inside the scope.
    async fn export_chunk(
        &self,
        request: Request<ipb::ExportChunk>,
        seal: bool,
    ) -> Result<Response<ipb::ExportChunk>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = tenant_in(&scope, &r.tenant_id)?;
        let export = id_field("export_id", &r.export_id)?;
        let data = if seal {
            self.vault
                .seal_export_chunk(&tenant, &export, r.seq, &r.data)
                .await?
        } else {
            self.vault
                .open_export_chunk(&tenant, &export, r.seq, &r.data)
                .await?
        };
        Ok(Response::new(ipb::ExportChunk { data, ..r }))
    }
}

#[tonic::async_trait]
impl ipb::vault_peer_server::VaultPeer for VaultPeerGrpc {
    async fn subject_hashes(
        &self,
        request: Request<ipb::SubjectHashesRequest>,
    ) -> Result<Response<ipb::SubjectHashesResponse>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = tenant_in(&scope, &r.tenant_id)?;
        let hashes = self
            .vault
            .subject_hashes(&tenant, &r.email, &r.phone)
            .await?;
        Ok(Response::new(ipb::SubjectHashesResponse { hashes }))
    }

    async fn match_subject(
        &self,
        request: Request<ipb::MatchSubjectRequest>,
    ) -> Result<Response<ipb::MatchSubjectResponse>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = tenant_in(&scope, &r.tenant_id)?;
        let reference = (!r.candidate_ref.trim().is_empty()).then_some(r.candidate_ref.as_str());
        let rows = self
            .vault
            .match_subject(&tenant, &r.hashes, reference)
            .await?;
        Ok(Response::new(ipb::MatchSubjectResponse {
            candidates: rows.iter().map(subject_candidate_pb).collect(),
        }))
    }

    async fn read_for_request(
        &self,
        request: Request<ipb::CandidateForRequest>,
    ) -> Result<Response<ipb::SubjectPayload>, Status> {
        let f = for_request(request)?;
        let (_, payload) = self
            .vault
            .read_for_request(&f.actor, &f.tenant, &f.id, &f.request_id)
            .await?;
        Ok(Response::new(payload_pb(payload)))
    }

    async fn erase_for_request(
        &self,
        request: Request<ipb::CandidateForRequest>,
    ) -> Result<Response<ipb::CandidateCertificate>, Status> {
        let f = for_request(request)?;
        let (c, signed) = self
            .vault
            .erase_certified(
                &f.actor,
                &Scope::Tenant(f.tenant),
                &f.id,
                EraseReason::Request,
                &evidence::certificate::request_reference(&f.request_id),
            )
            .await?;
        Ok(Response::new(certificate_pb(&c, signed)))
    }

    async fn erased_for_request(
        &self,
        request: Request<ipb::ErasedForRequestRequest>,
    ) -> Result<Response<ipb::ErasedForRequestResponse>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = tenant_in(&scope, &r.tenant_id)?;
        let request_id = id_field("request_id", &r.request_id)?;
        let erased = self
            .vault
            .erased_for_request(&Scope::Tenant(tenant), &request_id)
            .await?
            .into_iter()
            .map(|c| ipb::ErasedCandidate {
                candidate_id: c.candidate_id,
                ledger_seq: c.ledger_seq,
            })
            .collect();
        Ok(Response::new(ipb::ErasedForRequestResponse { erased }))
    }

    async fn restrict_for_request(
        &self,
        request: Request<ipb::CandidateForRequest>,
    ) -> Result<Response<ipb::Empty>, Status> {
        let f = for_request(request)?;
        self.vault
            .restrict(
                &f.actor,
                &Scope::Tenant(f.tenant),
                &f.id,
                &evidence::certificate::request_reference(&f.request_id),
            )
            .await?;
        Ok(Response::new(ipb::Empty {}))
    }

    async fn rewrite(
        &self,
        request: Request<ipb::RewriteRequest>,
    ) -> Result<Response<ipb::Empty>, Status> {
        let (caller, scope) = peer_scope(&request)?;
        let actor = Actor::relayed(&caller, &request);
        let r = request.into_inner();
        let tenant = tenant_in(&scope, &r.tenant_id)?;
        let id = id_field("candidate_id", &r.candidate_id)?;
        let given = r.payload.unwrap_or_default();
        let payload = crate::grpc::correction(
            pb::CandidatePayload {
                name: given.name,
                email: given.email,
                phone: given.phone,
                cv: given.cv,
                cv_filename: given.cv_filename,
                cv_content_type: given.cv_content_type,
                notes: given.notes,
                custom_fields: given.custom_fields,
            },
            self.vault.limits,
        )?;
        self.vault
            .update(
                &actor,
                &Scope::Tenant(tenant),
                &id,
                Some(payload),
                None,
                None,
            )
            .await?;
        Ok(Response::new(ipb::Empty {}))
    }

    async fn export_page(
        &self,
        request: Request<ipb::ExportPageRequest>,
    ) -> Result<Response<ipb::ExportPageResponse>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = tenant_in(&scope, &r.tenant_id)?;
        let after = (!r.after.is_empty())
            .then(|| id_field("after", &r.after))
            .transpose()?;
        let page = self
            .vault
            .export_page(&tenant, after.as_deref(), r.limit.clamp(1, 1000))
            .await?;
        Ok(Response::new(ipb::ExportPageResponse {
            candidates: page
                .into_iter()
                .map(|(c, p)| export_candidate_pb(c, p))
                .collect(),
        }))
    }

    async fn retention_settings(
        &self,
        request: Request<ipb::TenantRef>,
    ) -> Result<Response<ipb::RetentionSettingsResponse>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let tenant = tenant_in(&scope, &request.into_inner().tenant_id)?;
        let p = self.vault.policy(&tenant).await?;
        Ok(Response::new(ipb::RetentionSettingsResponse {
            rejected_weeks: p.rejected_weeks,
            talent_pool_months: p.talent_pool_months,
            hired_months: p.hired_months,
            anchor: p.anchor.as_str().into(),
        }))
    }

    async fn create_export_key(
        &self,
        request: Request<ipb::ExportKeyRef>,
    ) -> Result<Response<ipb::Empty>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = tenant_in(&scope, &r.tenant_id)?;
        let export = id_field("export_id", &r.export_id)?;
        self.vault.create_export_key(&tenant, &export).await?;
        Ok(Response::new(ipb::Empty {}))
    }

    async fn seal_export_chunk(
        &self,
        request: Request<ipb::ExportChunk>,
    ) -> Result<Response<ipb::ExportChunk>, Status> {
        self.export_chunk(request, true).await
    }

    async fn open_export_chunk(
        &self,
        request: Request<ipb::ExportChunk>,
    ) -> Result<Response<ipb::ExportChunk>, Status> {
        self.export_chunk(request, false).await
    }

    async fn erase_tenant(
        &self,
        request: Request<ipb::TenantRef>,
    ) -> Result<Response<ipb::TenantErasure>, Status> {
        let (caller, scope) = peer_scope(&request)?;
        let actor = Actor::relayed(&caller, &request);
        let tenant = tenant_in(&scope, &request.into_inner().tenant_id)?;
        let e = self.vault.erase_tenant(&actor, &tenant).await?;
        Ok(Response::new(ipb::TenantErasure {
            keys_destroyed_at: wire::timestamp(e.keys_destroyed_at),
            kek_versions: e.kek_versions,
            keys_destroyed: e.keys_destroyed,
            rows_deleted: e
                .rows_deleted
                .into_iter()
                .map(|(table, rows)| ipb::RowsDeleted { table, rows })
                .collect(),
            signed: e.signed,
        }))
    }
}

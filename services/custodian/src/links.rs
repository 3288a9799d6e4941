//! How this process reaches each service its own services depend on: in
//! process (`Local`, the service's own value over this process's database)
//! or over gRPC (`Remote`, the peer named in `[peers]`). Each link offers
//! exactly what the adapters of `wiring` need, in the providing service's
//! domain types, so every adapter is written once for both shapes and the
//! choice is made in one place ([`crate::assembly`]).
//!
//! A remote call carries the tenant scope it acts in, is bounded by
//! `peer_timeout_ms` and is retried once when the peer was unreachable:
//! every call here is idempotent (reads; erasures and revocations that a
//! repeat finds done; export keys created once).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain_kit::PortError;
use proto::internal as ipb;
use tonic::transport::Channel;

use crate::peers::{Peer, instant, retry};

fn port(e: impl domain_kit::Classified) -> PortError {
    PortError::from_classified(&e)
}

/// Not found is an answer (`None`) where the caller asks whether.
fn found<T>(r: Result<T, PortError>) -> Result<Option<T>, PortError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(PortError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn required(s: &str, what: &str) -> Result<DateTime<Utc>, PortError> {
    instant(s)?.ok_or_else(|| PortError::Internal(format!("a peer sent {what} without a time")))
}

/// The controllers service.
#[derive(Clone)]
pub enum ControllersLink {
    Local(controllers::ControllerRepo),
    Remote(Peer),
}

impl ControllersLink {
    fn client(p: &Peer) -> ipb::controllers_peer_client::ControllersPeerClient<Channel> {
        ipb::controllers_peer_client::ControllersPeerClient::new(p.channel.clone())
    }

    fn tenant(tenant: &str) -> ipb::TenantRef {
        ipb::TenantRef {
            tenant_id: tenant.into(),
        }
    }

    /// The controller `id`, if there is one.
    pub async fn controller(
        &self,
        id: &str,
    ) -> Result<Option<controllers::domain::Controller>, PortError> {
        let Ok(cid) = controllers::domain::ControllerId::parse("controller_id", id) else {
            return Ok(None);
        };
        match self {
            ControllersLink::Local(repo) => match repo.get(&auth::Scope::All, &cid).await {
                Ok(c) => Ok(Some(c)),
                Err(controllers::domain::ControllerError::NotFound) => Ok(None),
                Err(e) => Err(port(e)),
            },
            ControllersLink::Remote(p) => {
                let r = found(
                    retry(p, || async {
                        Self::client(p)
                            .get_controller(p.request(cid.as_str(), Self::tenant(cid.as_str())))
                            .await
                    })
                    .await,
                )?;
                let Some(r) = r else { return Ok(None) };
                Ok(Some(controllers::peer::from_record(r.into_inner())?))
            }
        }
    }

    /// The customer `id` as every other service sees it
    /// ([`domain_kit::ControllerRecord`]: no secrets); `None` when missing.
    pub async fn record(
        &self,
        id: &str,
    ) -> Result<Option<domain_kit::ControllerRecord>, PortError> {
        Ok(self
            .controller(id)
            .await?
            .map(|c| domain_kit::ControllerRecord {
                id: c.id,
                legal_name: c.legal_name,
                kvk_number: c.kvk_number,
                country: c.country,
                privacy_email: c.privacy_email,
                dpo_name: c.dpo_name,
                dpo_email: c.dpo_email,
                webhook_url: c.webhook_url,
            }))
    }

    /// The tenant's webhook URL and secret, if one is set.
    pub async fn webhook(&self, tenant: &str) -> Result<Option<(String, String)>, PortError> {
        match self {
            ControllersLink::Local(repo) => repo.webhook(tenant).await.map_err(port),
            ControllersLink::Remote(p) => {
                let w = found(
                    retry(p, || async {
                        Self::client(p)
                            .get_webhook(p.request(tenant, Self::tenant(tenant)))
                            .await
                    })
                    .await,
                )?;
                Ok(w.map(|w| w.into_inner())
                    .filter(|w| !w.url.is_empty())
                    .map(|w| (w.url, w.secret)))
            }
        }
    }

    /// Revokes every token of the tenant; how many were revoked.
    pub async fn revoke_tokens(
        &self,
        actor: &audit::Actor,
        tenant: &str,
    ) -> Result<u64, PortError> {
        match self {
            ControllersLink::Local(repo) => repo.revoke_tokens(actor, tenant).await.map_err(port),
            ControllersLink::Remote(p) => retry(p, || async {
                Self::client(p)
                    .revoke_tokens(p.request_as(actor, tenant, Self::tenant(tenant)))
                    .await
            })
            .await
            .map(|r| r.into_inner().count),
        }
    }

    /// Removes the tenant's webhook; 1 when one was removed.
    pub async fn remove_webhook(
        &self,
        actor: &audit::Actor,
        tenant: &str,
    ) -> Result<u64, PortError> {
        match self {
            ControllersLink::Local(repo) => repo.remove_webhook(actor, tenant).await.map_err(port),
            ControllersLink::Remote(p) => retry(p, || async {
                Self::client(p)
                    .remove_webhook(p.request_as(actor, tenant, Self::tenant(tenant)))
                    .await
            })
            .await
            .map(|r| r.into_inner().count),
        }
    }
}

/// The agreements service.
#[derive(Clone)]
pub enum AgreementsLink {
    Local(Arc<agreements::Agreements>),
    Remote(Peer),
}

impl AgreementsLink {
    fn client(p: &Peer) -> ipb::agreements_peer_client::AgreementsPeerClient<Channel> {
        ipb::agreements_peer_client::AgreementsPeerClient::new(p.channel.clone())
            .max_decoding_message_size(64 * 1024 * 1024)
    }

    fn at(tenant: &str, at: DateTime<Utc>) -> ipb::AgreementAt {
        ipb::AgreementAt {
            tenant_id: tenant.into(),
            at: proto::wire::timestamp(at),
        }
    }

    fn one(a: ipb::AgreementAnswer) -> Result<Option<agreements::Agreement>, PortError> {
        a.agreement.map(agreements::peer::from_record).transpose()
    }

    fn list(l: ipb::AgreementList) -> Result<Vec<agreements::Agreement>, PortError> {
        l.agreements
            .into_iter()
            .map(agreements::peer::from_record)
            .collect()
    }

    /// The agreement in force for `tenant` at `at`.
    pub async fn in_force_at(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<agreements::Agreement>, PortError> {
        match self {
            AgreementsLink::Local(a) => a.in_force_at(tenant, at).await.map_err(port),
            AgreementsLink::Remote(p) => Self::one(
                retry(p, || async {
                    Self::client(p)
                        .in_force_at(p.request(tenant, Self::at(tenant, at)))
                        .await
                })
                .await?
                .into_inner(),
            ),
        }
    }

    /// The agreement governing `tenant` at `at` (agreements' one rule).
    pub async fn governing_at(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<agreements::Agreement>, PortError> {
        match self {
            AgreementsLink::Local(a) => a.governing_at(tenant, at).await.map_err(port),
            AgreementsLink::Remote(p) => Self::one(
                retry(p, || async {
                    Self::client(p)
                        .governing_at(p.request(tenant, Self::at(tenant, at)))
                        .await
                })
                .await?
                .into_inner(),
            ),
        }
    }

    /// Every agreement in force, of every tenant.
    pub async fn all_in_force(&self) -> Result<Vec<agreements::Agreement>, PortError> {
        match self {
            AgreementsLink::Local(a) => a.all_in_force().await.map_err(port),
            AgreementsLink::Remote(p) => Self::list(
                retry(p, || async {
                    Self::client(p)
                        .all_in_force(p.request_all(ipb::Empty {}))
                        .await
                })
                .await?
                .into_inner(),
            ),
        }
    }

    /// Every version of every agreement of `tenant`.
    pub async fn tenant_versions(
        &self,
        tenant: &str,
    ) -> Result<Vec<agreements::Agreement>, PortError> {
        match self {
            AgreementsLink::Local(a) => a.tenant_versions(tenant).await.map_err(port),
            AgreementsLink::Remote(p) => Self::list(
                retry(p, || async {
                    Self::client(p)
                        .tenant_versions(p.request(
                            tenant,
                            ipb::TenantRef {
                                tenant_id: tenant.into(),
                            },
                        ))
                        .await
                })
                .await?
                .into_inner(),
            ),
        }
    }

    /// Ends the tenant's agreements with its contract; their ids.
    pub async fn end_with_contract(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        contract_end: NaiveDate,
        reason: &str,
    ) -> Result<Vec<String>, PortError> {
        match self {
            AgreementsLink::Local(a) => a
                .end_with_contract(actor, tenant, contract_end, reason)
                .await
                .map_err(port),
            AgreementsLink::Remote(p) => {
                let msg = ipb::EndWithContractRequest {
                    tenant_id: tenant.into(),
                    contract_end: contract_end.to_string(),
                    reason: reason.into(),
                };
                retry(p, || async {
                    Self::client(p)
                        .end_with_contract(p.request_as(actor, tenant, msg.clone()))
                        .await
                })
                .await
                .map(|r| r.into_inner().agreement_ids)
            }
        }
    }
}

/// The sub-processors service.
#[derive(Clone)]
pub enum SubprocessorsLink {
    Local(Arc<subprocessors::Subprocessors>),
    Remote(Peer),
}

impl SubprocessorsLink {
    /// The sub-processors engaged for `tenant` at `at`, with how their
    /// transfers are safeguarded.
    pub async fn engaged(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<agreements::ports::EngagedSubprocessor>, PortError> {
        match self {
            SubprocessorsLink::Local(s) => Ok(s
                .engaged(tenant, at)
                .await
                .map_err(port)?
                .into_iter()
                .map(|(s, c)| agreements::ports::EngagedSubprocessor {
                    mechanism: c.mechanism.as_str().into(),
                    permitted: c.permitted(),
                    safeguards_doc: match c.mechanism {
                        transfers::Mechanism::Scc { tia_reference } => {
                            tia_reference.filter(|d| !d.is_empty())
                        }
                        _ => None,
                    },
                    explanation: c.explanation,
                    id: s.id,
                    legal_name: s.legal_name,
                    address: s.address,
                    country: s.country,
                    service: s.service,
                    contact_email: s.contact_email,
                })
                .collect()),
            SubprocessorsLink::Remote(p) => {
                let msg = ipb::EngagedRequest {
                    tenant_id: tenant.into(),
                    at: proto::wire::timestamp(at),
                };
                let engaged = retry(p, || async {
                    ipb::subprocessors_peer_client::SubprocessorsPeerClient::new(p.channel.clone())
                        .engaged(p.request(tenant, msg.clone()))
                        .await
                })
                .await?
                .into_inner()
                .subprocessors;
                Ok(engaged
                    .into_iter()
                    .map(|s| agreements::ports::EngagedSubprocessor {
                        safeguards_doc: (!s.safeguards_doc.is_empty()).then_some(s.safeguards_doc),
                        id: s.id,
                        legal_name: s.legal_name,
                        address: s.address,
                        country: s.country,
                        service: s.service,
                        contact_email: s.contact_email,
                        mechanism: s.mechanism,
                        explanation: s.explanation,
                        permitted: s.permitted,
                    })
                    .collect())
            }
        }
    }
}

/// The request service, as a tenant's erasure reaches it.
#[derive(Clone)]
pub enum RequestsLink {
    Local(Arc<requests::Requests>),
    Remote(Peer),
}

impl RequestsLink {
    /// Deletes every request of the tenant; how many.
    pub async fn erase_tenant(&self, actor: &audit::Actor, tenant: &str) -> Result<u64, PortError> {
        match self {
            RequestsLink::Local(r) => r.erase_tenant(actor, tenant).await.map_err(port),
            RequestsLink::Remote(p) => retry(p, || async {
                ipb::requests_peer_client::RequestsPeerClient::new(p.channel.clone())
                    .erase_tenant(p.request_as(
                        actor,
                        tenant,
                        ipb::TenantRef {
                            tenant_id: tenant.into(),
                        },
                    ))
                    .await
            })
            .await
            .map(|r| r.into_inner().count),
        }
    }
}

/// The vault, as the switching and request services reach it (the one
/// vault link: switching's tenant data, and the request service's port
/// `requests::ports::SubjectData`, both over it).
#[derive(Clone)]
pub enum VaultLink {
    Local(Arc<vault::Vault>),
    Remote(Peer),
}

/// A decrypted export candidate from its wire shape (a vault peer's answer).
fn export_candidate(
    c: ipb::ExportCandidate,
) -> Result<switching::ports::ExportCandidate, PortError> {
    let p = c.payload.unwrap_or_default();
    Ok(switching::ports::ExportCandidate {
        applied_on: crate::peers::date(&c.applied_on)?
            .ok_or_else(|| PortError::Internal("a peer sent a candidate without a date".into()))?,
        closed_on: crate::peers::date(&c.closed_on)?,
        consent_withdrawn_on: crate::peers::date(&c.consent_withdrawn_on)?,
        delete_after: instant(&c.delete_after)?,
        created_at: required(&c.created_at, "a candidate")?,
        updated_at: required(&c.updated_at, "a candidate")?,
        legal_hold_reason: (!c.legal_hold_reason.is_empty()).then_some(c.legal_hold_reason),
        id: c.id,
        external_ref: c.external_ref,
        vacancy_ref: c.vacancy_ref,
        status: c.status,
        consent: c.consent,
        categories: c.categories,
        legal_hold: c.legal_hold,
        restricted: c.restricted,
        retention_basis: c.retention_basis,
        name: p.name,
        email: p.email,
        phone: p.phone,
        notes: p.notes,
        custom_fields: p.custom_fields.into_iter().collect(),
        cv: p.cv,
        cv_filename: p.cv_filename,
        cv_content_type: p.cv_content_type,
    })
}

/// The in-process vault's answers in the ports' types: straight from the
/// vault's domain, no wire shape between (the remote answers come through
/// `crate::peers`' conversions of the same facts).
mod from_vault {
    use vault::domain::{Candidate, DeletionCertificate, Payload};

    pub fn subject_candidate(c: Candidate) -> requests::ports::SubjectCandidate {
        requests::ports::SubjectCandidate {
            status: c.status.as_str().into(),
            consent: c.consent.as_str().into(),
            retention_basis: c.retention_basis.unwrap_or_default(),
            id: c.id,
            external_ref: c.external_ref,
            vacancy_ref: c.vacancy_ref,
            applied_on: c.applied_on,
            closed_on: c.closed_on,
            categories: c.categories,
            consent_withdrawn_on: c.consent_withdrawn_on,
            delete_after: c.delete_after,
            restricted: c.restricted,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }

    pub fn payload(p: Payload) -> requests::ports::SubjectPayload {
        requests::ports::SubjectPayload {
            name: p.profile.name,
            email: p.profile.email,
            phone: p.profile.phone,
            notes: p.profile.notes,
            custom_fields: p.profile.custom_fields,
            cv: p.cv,
            cv_filename: p.profile.cv_filename,
            cv_content_type: p.profile.cv_content_type,
        }
    }

    pub fn certificate(
        c: DeletionCertificate,
        signed: String,
    ) -> requests::ports::CandidateCertificate {
        requests::ports::CandidateCertificate {
            candidate_id: c.candidate_id,
            tenant_id: c.tenant_id,
            external_ref: c.external_ref,
            reason: c.reason,
            basis: c.basis,
            shredded_at: c.shredded_at,
            ledger_seq: c.ledger_seq,
            ledger_hash: c.ledger_hash,
            destroyed: vault::domain::DESTROYED
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            signed,
        }
    }

    pub fn export_candidate(c: Candidate, p: Payload) -> switching::ports::ExportCandidate {
        switching::ports::ExportCandidate {
            status: c.status.as_str().into(),
            consent: c.consent.as_str().into(),
            legal_hold: c.hold.is_some(),
            legal_hold_reason: c.hold.filter(|r| !r.is_empty()),
            retention_basis: c.retention_basis.unwrap_or_default(),
            id: c.id,
            external_ref: c.external_ref,
            vacancy_ref: c.vacancy_ref,
            applied_on: c.applied_on,
            closed_on: c.closed_on,
            consent_withdrawn_on: c.consent_withdrawn_on,
            categories: c.categories,
            restricted: c.restricted,
            delete_after: c.delete_after,
            created_at: c.created_at,
            updated_at: c.updated_at,
            name: p.profile.name,
            email: p.profile.email,
            phone: p.profile.phone,
            notes: p.profile.notes,
            custom_fields: p.profile.custom_fields,
            cv: p.cv,
            cv_filename: p.profile.cv_filename,
            cv_content_type: p.profile.cv_content_type,
        }
    }
}

impl VaultLink {
    fn client(p: &Peer) -> ipb::vault_peer_client::VaultPeerClient<Channel> {
        ipb::vault_peer_client::VaultPeerClient::new(p.channel.clone())
            .max_decoding_message_size(256 * 1024 * 1024)
            .max_encoding_message_size(256 * 1024 * 1024)
    }

    /// A page of the tenant's candidates, decrypted, in id order.
    pub async fn export_page(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<switching::ports::ExportCandidate>, PortError> {
        match self {
            VaultLink::Local(v) => Ok(v
                .export_page(tenant, after, limit)
                .await
                .map_err(port)?
                .into_iter()
                .map(|(c, p)| from_vault::export_candidate(c, p))
                .collect()),
            VaultLink::Remote(p) => {
                let msg = ipb::ExportPageRequest {
                    tenant_id: tenant.into(),
                    after: after.unwrap_or_default().into(),
                    limit,
                };
                retry(p, || async {
                    Self::client(p)
                        .export_page(p.request(tenant, msg.clone()))
                        .await
                })
                .await?
                .into_inner()
                .candidates
                .into_iter()
                .map(export_candidate)
                .collect()
            }
        }
    }

    /// The tenant's retention settings.
    pub async fn retention(
        &self,
        tenant: &str,
    ) -> Result<switching::ports::RetentionSettings, PortError> {
        match self {
            VaultLink::Local(v) => {
                let p = v.policy(tenant).await.map_err(port)?;
                Ok(switching::ports::RetentionSettings {
                    rejected_weeks: p.rejected_weeks,
                    talent_pool_months: p.talent_pool_months,
                    hired_months: p.hired_months,
                    anchor: p.anchor.as_str().into(),
                })
            }
            VaultLink::Remote(p) => {
                let r = retry(p, || async {
                    Self::client(p)
                        .retention_settings(p.request(
                            tenant,
                            ipb::TenantRef {
                                tenant_id: tenant.into(),
                            },
                        ))
                        .await
                })
                .await?
                .into_inner();
                Ok(switching::ports::RetentionSettings {
                    rejected_weeks: r.rejected_weeks,
                    talent_pool_months: r.talent_pool_months,
                    hired_months: r.hired_months,
                    anchor: r.anchor,
                })
            }
        }
    }

    pub async fn create_export_key(&self, tenant: &str, export_id: &str) -> Result<(), PortError> {
        match self {
            VaultLink::Local(v) => v.create_export_key(tenant, export_id).await.map_err(port),
            VaultLink::Remote(p) => {
                let msg = ipb::ExportKeyRef {
                    tenant_id: tenant.into(),
                    export_id: export_id.into(),
                };
                retry(p, || async {
                    Self::client(p)
                        .create_export_key(p.request(tenant, msg.clone()))
                        .await
                })
                .await
                .map(|_| ())
            }
        }
    }

    /// Seals (`seal`) or opens one export chunk with the export's key.
    pub async fn export_chunk(
        &self,
        seal: bool,
        tenant: &str,
        export_id: &str,
        seq: i32,
        data: Vec<u8>,
    ) -> Result<Vec<u8>, PortError> {
        match self {
            VaultLink::Local(v) if seal => v
                .seal_export_chunk(tenant, export_id, seq, &data)
                .await
                .map_err(port),
            VaultLink::Local(v) => v
                .open_export_chunk(tenant, export_id, seq, &data)
                .await
                .map_err(port),
            VaultLink::Remote(p) => {
                let msg = ipb::ExportChunk {
                    tenant_id: tenant.into(),
                    export_id: export_id.into(),
                    seq,
                    data,
                };
                retry(p, || async {
                    let mut c = Self::client(p);
                    let r = p.request(tenant, msg.clone());
                    if seal {
                        c.seal_export_chunk(r).await
                    } else {
                        c.open_export_chunk(r).await
                    }
                })
                .await
                .map(|r| r.into_inner().data)
            }
        }
    }

    /// Crypto-shreds the whole tenant.
    pub async fn erase_tenant(
        &self,
        actor: &audit::Actor,
        tenant: &str,
    ) -> Result<vault::service::TenantErasure, PortError> {
        match self {
            VaultLink::Local(v) => v.erase_tenant(actor, tenant).await.map_err(port),
            VaultLink::Remote(p) => {
                let e = retry(p, || async {
                    Self::client(p)
                        .erase_tenant(p.request_as(
                            actor,
                            tenant,
                            ipb::TenantRef {
                                tenant_id: tenant.into(),
                            },
                        ))
                        .await
                })
                .await?
                .into_inner();
                Ok(vault::service::TenantErasure {
                    keys_destroyed_at: required(&e.keys_destroyed_at, "a tenant erasure")?,
                    kek_versions: e.kek_versions,
                    keys_destroyed: e.keys_destroyed,
                    rows_deleted: e
                        .rows_deleted
                        .into_iter()
                        .map(|r| (r.table, r.rows))
                        .collect(),
                    signed: e.signed,
                })
            }
        }
    }
}

fn tenant_scope(tenant: &str) -> auth::Scope {
    auth::Scope::Tenant(tenant.to_owned())
}

fn for_request(tenant: &str, id: &str, request: &str) -> ipb::CandidateForRequest {
    ipb::CandidateForRequest {
        tenant_id: tenant.into(),
        candidate_id: id.into(),
        request_id: request.into(),
    }
}

/// What the request service asks of the vault (its port `SubjectData`):
/// matching by keyed index, reads for a request, erasure with its
/// certificate, restriction and the rewriting of a payload. Candidates,
/// payloads and certificates of the in-process vault go through the same
/// wire conversions as a vault peer's answers, so both shapes give the same
/// values.
impl VaultLink {
    /// The tenant's keyed blind-index hashes of an e-mail address and a
    /// phone number.
    pub async fn subject_hashes(
        &self,
        tenant: &str,
        email: &str,
        phone: &str,
    ) -> Result<Vec<String>, PortError> {
        match self {
            VaultLink::Local(v) => v.subject_hashes(tenant, email, phone).await.map_err(port),
            VaultLink::Remote(p) => {
                let msg = ipb::SubjectHashesRequest {
                    tenant_id: tenant.into(),
                    email: email.into(),
                    phone: phone.into(),
                };
                retry(p, || async {
                    Self::client(p)
                        .subject_hashes(p.request(tenant, msg.clone()))
                        .await
                })
                .await
                .map(|r| r.into_inner().hashes)
            }
        }
    }

    /// The tenant's candidates whose keyed hashes match, or whose reference
    /// starts with `candidate_ref`.
    pub async fn matching(
        &self,
        tenant: &str,
        hashes: &[String],
        candidate_ref: Option<&str>,
    ) -> Result<Vec<requests::ports::SubjectCandidate>, PortError> {
        match self {
            VaultLink::Local(v) => Ok(v
                .match_subject(tenant, hashes, candidate_ref)
                .await
                .map_err(port)?
                .into_iter()
                .map(from_vault::subject_candidate)
                .collect()),
            VaultLink::Remote(p) => {
                let msg = ipb::MatchSubjectRequest {
                    tenant_id: tenant.into(),
                    hashes: hashes.to_vec(),
                    candidate_ref: candidate_ref.unwrap_or_default().into(),
                };
                retry(p, || async {
                    Self::client(p)
                        .match_subject(p.request(tenant, msg.clone()))
                        .await
                })
                .await?
                .into_inner()
                .candidates
                .into_iter()
                .map(crate::peers::candidate)
                .collect()
            }
        }
    }

    /// A candidate's payload, read (and audited) for a request.
    pub async fn read_for_request(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<requests::ports::SubjectPayload, PortError> {
        match self {
            VaultLink::Local(v) => {
                let (_, p) = v
                    .read_for_request(actor, tenant, id, request)
                    .await
                    .map_err(port)?;
                Ok(from_vault::payload(p))
            }
            VaultLink::Remote(p) => retry(p, || async {
                Self::client(p)
                    .read_for_request(p.request_as(actor, tenant, for_request(tenant, id, request)))
                    .await
            })
            .await
            .map(|r| crate::peers::payload(r.into_inner())),
        }
    }

    /// Erases a candidate for a request; a repeat returns the first
    /// certificate.
    pub async fn erase_for_request(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<requests::ports::CandidateCertificate, PortError> {
        match self {
            VaultLink::Local(v) => {
                let (c, signed) = v
                    .erase_certified(
                        actor,
                        &tenant_scope(tenant),
                        id,
                        vault::domain::EraseReason::Request,
                        &evidence::certificate::request_reference(request),
                    )
                    .await
                    .map_err(port)?;
                Ok(from_vault::certificate(c, signed))
            }
            VaultLink::Remote(p) => {
                let c = retry(p, || async {
                    Self::client(p)
                        .erase_for_request(p.request_as(
                            actor,
                            tenant,
                            for_request(tenant, id, request),
                        ))
                        .await
                })
                .await?
                .into_inner();
                crate::peers::certificate(c)
            }
        }
    }

    /// The candidates erased for a request, with their ledger entries.
    pub async fn erased_for_request(
        &self,
        tenant: &str,
        request: &str,
    ) -> Result<Vec<requests::ports::ErasedCandidate>, PortError> {
        match self {
            VaultLink::Local(v) => Ok(v
                .erased_for_request(&tenant_scope(tenant), request)
                .await
                .map_err(port)?
                .into_iter()
                .map(|c| requests::ports::ErasedCandidate {
                    candidate_id: c.candidate_id,
                    ledger_seq: c.ledger_seq,
                })
                .collect()),
            VaultLink::Remote(p) => {
                let msg = ipb::ErasedForRequestRequest {
                    tenant_id: tenant.into(),
                    request_id: request.into(),
                };
                let r = retry(p, || async {
                    Self::client(p)
                        .erased_for_request(p.request(tenant, msg.clone()))
                        .await
                })
                .await?;
                Ok(r.into_inner()
                    .erased
                    .into_iter()
                    .map(|e| requests::ports::ErasedCandidate {
                        candidate_id: e.candidate_id,
                        ledger_seq: e.ledger_seq,
                    })
                    .collect())
            }
        }
    }

    /// Restricts a candidate's processing for a request (GDPR art. 18).
    pub async fn restrict_for_request(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<(), PortError> {
        match self {
            VaultLink::Local(v) => {
                v.restrict(
                    actor,
                    &tenant_scope(tenant),
                    id,
                    &evidence::certificate::request_reference(request),
                )
                .await
                .map_err(port)?;
                Ok(())
            }
            VaultLink::Remote(p) => retry(p, || async {
                Self::client(p)
                    .restrict_for_request(p.request_as(
                        actor,
                        tenant,
                        for_request(tenant, id, request),
                    ))
                    .await
            })
            .await
            .map(|_| ()),
        }
    }

    /// Replaces a candidate's payload with a rectified one (GDPR art. 16),
    /// checked by the vault's own rules (errors name `corrections.<field>`).
    pub async fn rewrite(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        id: &str,
        payload: requests::ports::SubjectPayload,
    ) -> Result<(), PortError> {
        match self {
            VaultLink::Local(v) => {
                let input = vault::domain::PayloadInput {
                    name: payload.name,
                    email: payload.email,
                    phone: payload.phone,
                    cv: payload.cv,
                    cv_filename: payload.cv_filename,
                    cv_content_type: payload.cv_content_type,
                    notes: payload.notes,
                    custom_fields: payload.custom_fields.into_iter().collect(),
                };
                // A refused field keeps its name (`corrections.<field>`).
                let p = vault::domain::Payload::parse(input, "corrections.", v.limits)
                    .map_err(|f| port(vault::domain::VaultError::Invalid(f)))?;
                v.update(actor, &tenant_scope(tenant), id, Some(p), None, None)
                    .await
                    .map_err(port)?;
                Ok(())
            }
            VaultLink::Remote(p) => {
                let msg = ipb::RewriteRequest {
                    tenant_id: tenant.into(),
                    candidate_id: id.into(),
                    payload: Some(ipb::SubjectPayload {
                        name: payload.name,
                        email: payload.email,
                        phone: payload.phone,
                        notes: payload.notes,
                        custom_fields: payload.custom_fields.into_iter().collect(),
                        cv: payload.cv,
                        cv_filename: payload.cv_filename,
                        cv_content_type: payload.cv_content_type,
                    }),
                };
                retry(p, || async {
                    Self::client(p)
                        .rewrite(p.request_as(actor, tenant, msg.clone()))
                        .await
                })
                .await
                .map(|_| ())
            }
        }
    }
}

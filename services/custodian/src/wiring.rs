//! The adapters through which services reach each other (DESIGN.md
//! invariant 2): each implements one service's port over the links of
//! [`crate::links`], so the same adapter serves the monolith (links in
//! process) and a split deployment (links over gRPC). Wiring only: the
//! rules stay in the services that own them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain_kit::{ControllerRecord, PortError};

use crate::links::{AgreementsLink, ControllersLink, RequestsLink, SubprocessorsLink, VaultLink};

/// The controllers service, as the agreements service and the outbox see it.
pub struct ControllerDirectory(pub ControllersLink);

#[async_trait::async_trait]
impl agreements::ports::ControllerDirectory for ControllerDirectory {
    async fn controller(&self, id: &str) -> Result<Option<ControllerRecord>, PortError> {
        self.0.record(id).await
    }
}

#[async_trait::async_trait]
impl outbox::Endpoints for ControllerDirectory {
    async fn endpoint(&self, tenant: &str) -> Result<Option<outbox::Endpoint>, PortError> {
        Ok(self
            .0
            .webhook(tenant)
            .await?
            .map(|(url, secret)| outbox::Endpoint {
                url,
                secret: secrecy::SecretString::from(secret),
            }))
    }
}

/// The agreements service, as the sub-processors service sees it.
pub struct AgreementDirectory(pub AgreementsLink);

fn terms(a: &agreements::Agreement) -> subprocessors::ports::ControllerTerms {
    subprocessors::ports::ControllerTerms {
        tenant: a.tenant_id.clone(),
        agreement_id: a.id.clone(),
        mode: a.terms.subprocessor_authorisation,
        objection_days: a.terms.objection_period_days,
    }
}

#[async_trait::async_trait]
impl subprocessors::ports::AgreementDirectory for AgreementDirectory {
    async fn in_force_at(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<subprocessors::ports::ControllerTerms>, PortError> {
        Ok(self.0.in_force_at(tenant, at).await?.as_ref().map(terms))
    }

    async fn all_in_force(&self) -> Result<Vec<subprocessors::ports::ControllerTerms>, PortError> {
        Ok(self.0.all_in_force().await?.iter().map(terms).collect())
    }
}

/// The sub-processors service, as the record of processing sees it.
pub struct SubprocessorSource(pub SubprocessorsLink);

#[async_trait::async_trait]
impl agreements::ports::SubprocessorSource for SubprocessorSource {
    async fn engaged(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<agreements::ports::EngagedSubprocessor>, PortError> {
        self.0.engaged(tenant, at).await
    }
}

/// The controllers and agreements services, as the breach service sees them.
pub struct BreachDirectory {
    controllers: ControllerDirectory,
    agreements: AgreementsLink,
}

#[async_trait::async_trait]
impl breaches::ports::Directory for BreachDirectory {
    async fn controller(&self, id: &str) -> Result<Option<ControllerRecord>, PortError> {
        agreements::ports::ControllerDirectory::controller(&self.controllers, id).await
    }

    async fn terms_at(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<breaches::ports::BreachTerms>, PortError> {
        Ok(self
            .agreements
            .in_force_at(tenant, at)
            .await?
            .map(|a| breaches::ports::BreachTerms {
                agreement_id: a.id,
                sla_hours: a.terms.breach_notice_sla_hours,
                processor_may_notify_authority: a.terms.processor_may_notify_authority,
            }))
    }
}

/// Where this process finds each service its own services depend on.
#[derive(Clone)]
pub struct Links {
    pub controllers: ControllersLink,
    /// `None`: in process, the [`Processing::agreements`] built here.
    pub agreements: Option<crate::peers::Peer>,
    pub subprocessors: Option<crate::peers::Peer>,
}

/// The agreements, sub-processors and breach services, connected to each
/// other and to the controllers service. Each is built here whether or not
/// this process hosts it (they are cheap and touch no table until called);
/// the links say which of them the others reach in process.
pub struct Processing {
    pub agreements: Arc<agreements::Agreements>,
    pub subprocessors: Arc<subprocessors::Subprocessors>,
    pub breaches: Arc<breaches::Breaches>,
    /// The agreements service as the others reach it.
    pub agreements_link: AgreementsLink,
    pub controllers_link: ControllersLink,
}

pub fn processing(
    config: &crate::Config,
    db: store::sea_orm::DatabaseConnection,
    links: &Links,
) -> Processing {
    let p = &config.processor;
    let identity = agreements::ProcessorIdentity {
        name: p.name.clone(),
        address: p.address.clone(),
        contact_email: p.contact_email.clone(),
        dpo_name: p.dpo_name.clone(),
        dpo_email: p.dpo_email.clone(),
        representative: p.representative.clone(),
    };
    let agreements = Arc::new(agreements::Agreements::new(
        db.clone(),
        Arc::new(ControllerDirectory(links.controllers.clone())),
        identity.clone(),
    ));
    let agreements_link = match &links.agreements {
        Some(peer) => AgreementsLink::Remote(peer.clone()),
        None => AgreementsLink::Local(agreements.clone()),
    };
    let subprocessors = Arc::new(subprocessors::Subprocessors::new(
        db.clone(),
        Arc::new(AgreementDirectory(agreements_link.clone())),
    ));
    agreements.set_subprocessors(Arc::new(SubprocessorSource(match &links.subprocessors {
        Some(peer) => SubprocessorsLink::Remote(peer.clone()),
        None => SubprocessorsLink::Local(subprocessors.clone()),
    })));
    let breaches = Arc::new(breaches::Breaches::new(
        db,
        Arc::new(BreachDirectory {
            controllers: ControllerDirectory(links.controllers.clone()),
            agreements: agreements_link.clone(),
        }),
        identity,
    ));
    Processing {
        agreements,
        subprocessors,
        breaches,
        agreements_link,
        controllers_link: links.controllers.clone(),
    }
}

/// The outbox deliverer over the controllers' webhooks.
pub fn deliverer(
    config: &crate::Config,
    db: store::sea_orm::DatabaseConnection,
    controllers: ControllersLink,
) -> anyhow::Result<outbox::Deliverer> {
    let ca = match &config.webhook_ca_file {
        Some(p) => Some(
            std::fs::read(p)
                .map_err(|e| anyhow::anyhow!("webhook_ca_file {}: {e}", p.display()))?,
        ),
        None => None,
    };
    Ok(outbox::Deliverer::new(
        db,
        Arc::new(ControllerDirectory(controllers)),
        config.delivery_policy(),
        ca.as_deref(),
    )?)
}

/// The vault, as the request service sees it: one link, in process or
/// over a vault peer ([`VaultLink`], which switching uses too).
pub struct SubjectVault(pub VaultLink);

#[async_trait::async_trait]
impl requests::ports::SubjectData for SubjectVault {
    async fn subject_hashes(
        &self,
        tenant: &str,
        email: &str,
        phone: &str,
    ) -> Result<Vec<String>, PortError> {
        self.0.subject_hashes(tenant, email, phone).await
    }

    async fn matching(
        &self,
        tenant: &str,
        hashes: &[String],
        candidate_ref: Option<&str>,
    ) -> Result<Vec<requests::ports::SubjectCandidate>, PortError> {
        self.0.matching(tenant, hashes, candidate_ref).await
    }

    async fn read(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<requests::ports::SubjectPayload, PortError> {
        self.0.read_for_request(actor, tenant, id, request).await
    }

    async fn erase(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<requests::ports::CandidateCertificate, PortError> {
        self.0.erase_for_request(actor, tenant, id, request).await
    }

    async fn erased(
        &self,
        tenant: &str,
        request: &str,
    ) -> Result<Vec<requests::ports::ErasedCandidate>, PortError> {
        self.0.erased_for_request(tenant, request).await
    }

    async fn restrict(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<(), PortError> {
        self.0
            .restrict_for_request(actor, tenant, id, request)
            .await
    }

    async fn rewrite(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        id: &str,
        payload: requests::ports::SubjectPayload,
    ) -> Result<(), PortError> {
        self.0.rewrite(actor, tenant, id, payload).await
    }
}

/// The controllers and agreements services, as the request service sees them.
pub struct RequestDirectory {
    pub controllers: ControllersLink,
    pub agreements: AgreementsLink,
}

#[async_trait::async_trait]
impl requests::ports::Controllers for RequestDirectory {
    async fn exists(&self, tenant: &str) -> Result<bool, PortError> {
        Ok(self.controllers.controller(tenant).await?.is_some())
    }

    async fn suspension(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<String>, PortError> {
        let a = self.agreements.governing_at(tenant, at).await?;
        Ok(a.map(|a| a.terms.dsr_identity_suspension))
    }
}

/// The request service over any implementation of its vault port (the
/// in-process vault, or a vault peer over gRPC).
pub fn requests(
    db: store::sea_orm::DatabaseConnection,
    subjects: Arc<dyn requests::ports::SubjectData>,
    processing: &Processing,
) -> Arc<requests::Requests> {
    Arc::new(requests::Requests::new(
        db,
        subjects,
        Arc::new(RequestDirectory {
            controllers: processing.controllers_link.clone(),
            agreements: processing.agreements_link.clone(),
        }),
    ))
}

/// The vault, agreements, controllers and requests services, as the
/// switching service sees them: the tenant's exportable data, its exit
/// terms, and its erasure (keys first, then rows, then its access).
pub struct SwitchingTenant {
    pub vault: VaultLink,
    pub agreements: AgreementsLink,
    pub controllers: ControllersLink,
    pub requests: RequestsLink,
}

#[async_trait::async_trait]
impl switching::ports::TenantData for SwitchingTenant {
    async fn exists(&self, tenant: &str) -> Result<bool, PortError> {
        Ok(self.controllers.controller(tenant).await?.is_some())
    }

    async fn exit_terms(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<switching::ports::ExitTerms>, PortError> {
        let a = self.agreements.governing_at(tenant, at).await?;
        Ok(a.map(|a| switching::ports::ExitTerms {
            notice_months: switching::domain::agreement_notice_months(
                a.terms.notice_period,
                a.terms.notice_period_unit.as_str(),
            ),
            end_of_contract: a.terms.end_of_contract.as_str().into(),
            deletion_term_days: a.terms.deletion_term_days,
            ends_on: a.ends_on,
            agreement_id: a.id,
        }))
    }

    async fn candidates(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<switching::ports::ExportCandidate>, PortError> {
        self.vault.export_page(tenant, after, limit).await
    }

    async fn retention(
        &self,
        tenant: &str,
    ) -> Result<switching::ports::RetentionSettings, PortError> {
        self.vault.retention(tenant).await
    }

    async fn agreements(
        &self,
        tenant: &str,
    ) -> Result<Vec<switching::ports::AgreementVersion>, PortError> {
        self.agreements
            .tenant_versions(tenant)
            .await?
            .into_iter()
            .map(|v| {
                Ok(switching::ports::AgreementVersion {
                    terms_json: serde_json::to_string(&v.terms).map_err(PortError::internal)?,
                    agreement_id: v.id,
                    version: v.version,
                    status: v.status.as_str().into(),
                    activated_at: v.activated_at,
                    notice_given_on: v.notice_given_on,
                    ends_on: v.ends_on,
                    note: v.version_note,
                })
            })
            .collect()
    }

    async fn configuration(&self, tenant: &str) -> Result<ControllerRecord, PortError> {
        self.controllers
            .record(tenant)
            .await?
            .ok_or_else(|| PortError::NotFound(format!("controller {tenant}")))
    }

    async fn create_export_key(&self, tenant: &str, export_id: &str) -> Result<(), PortError> {
        self.vault.create_export_key(tenant, export_id).await
    }

    async fn seal_export_chunk(
        &self,
        tenant: &str,
        export_id: &str,
        seq: i32,
        plain: Vec<u8>,
    ) -> Result<Vec<u8>, PortError> {
        self.vault
            .export_chunk(true, tenant, export_id, seq, plain)
            .await
    }

    async fn open_export_chunk(
        &self,
        tenant: &str,
        export_id: &str,
        seq: i32,
        sealed: Vec<u8>,
    ) -> Result<Vec<u8>, PortError> {
        self.vault
            .export_chunk(false, tenant, export_id, seq, sealed)
            .await
    }

    async fn erase(
        &self,
        actor: &audit::Actor,
        tenant: &str,
    ) -> Result<switching::ports::Erased, PortError> {
        let v = self.vault.erase_tenant(actor, tenant).await?;
        let dsr = self.requests.erase_tenant(actor, tenant).await?;
        let tokens = self.controllers.revoke_tokens(actor, tenant).await?;
        let mut rows = v.rows_deleted;
        rows.push(("dsr_requests".into(), dsr));
        rows.push(("api_tokens (revoked)".into(), tokens));
        Ok(switching::ports::Erased {
            kek_destroyed_at: Some(v.keys_destroyed_at),
            kek_versions: v.kek_versions,
            keys_destroyed: v.keys_destroyed,
            rows_deleted: rows,
            vault_certificate: v.signed,
        })
    }

    async fn close_webhook(&self, actor: &audit::Actor, tenant: &str) -> Result<u64, PortError> {
        self.controllers.remove_webhook(actor, tenant).await
    }

    async fn end_agreements(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        contract_end: chrono::NaiveDate,
        reason: &str,
    ) -> Result<Vec<String>, PortError> {
        self.agreements
            .end_with_contract(actor, tenant, contract_end, reason)
            .await
    }
}

/// The switching service over its links.
pub fn switching(
    db: store::sea_orm::DatabaseConnection,
    vault: VaultLink,
    processing: &Processing,
    requests: RequestsLink,
) -> Arc<switching::Switching> {
    Arc::new(switching::Switching::new(
        db,
        Arc::new(SwitchingTenant {
            vault,
            agreements: processing.agreements_link.clone(),
            controllers: processing.controllers_link.clone(),
            requests,
        }),
    ))
}

//! What the request service needs from other services, as traits over this
//! crate's own types (no proto messages) with one error type
//! (`domain_kit::PortError`): the binary implements them in-process over the
//! vault, the controllers and the agreements services. This crate never
//! reads another service's tables.

use std::collections::BTreeMap;

use audit::Actor;
use chrono::{DateTime, NaiveDate, Utc};
pub use domain_kit::PortError;

/// A candidate that matched the subject: its metadata, no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectCandidate {
    pub id: String,
    pub external_ref: String,
    pub vacancy_ref: String,
    pub applied_on: NaiveDate,
    pub status: String,
    pub closed_on: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub consent: String,
    pub consent_withdrawn_on: Option<NaiveDate>,
    pub delete_after: Option<DateTime<Utc>>,
    pub retention_basis: String,
    pub restricted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A candidate's personal data as read for a request, or as corrected
/// (rectification: an empty field keeps the stored one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectPayload {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
    pub custom_fields: BTreeMap<String, String>,
    pub cv: Vec<u8>,
    pub cv_filename: String,
    pub cv_content_type: String,
}

/// The vault's deletion certificate of one candidate erased for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateCertificate {
    pub candidate_id: String,
    pub tenant_id: String,
    pub external_ref: String,
    pub reason: String,
    pub basis: String,
    pub shredded_at: DateTime<Utc>,
    pub ledger_seq: u64,
    pub ledger_hash: String,
    pub destroyed: Vec<String>,
    /// The signed certificate document (docs/evidence.md).
    pub signed: String,
}

/// A candidate the vault erased for a request (in any of its attempts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasedCandidate {
    pub candidate_id: String,
    pub ledger_seq: u64,
}

#[async_trait::async_trait]
pub trait SubjectData: Send + Sync {
    /// The tenant's keyed blind-index hashes of an e-mail address and a phone number.
    async fn subject_hashes(
        &self,
        tenant: &str,
        email: &str,
        phone: &str,
    ) -> Result<Vec<String>, PortError>;
    /// The tenant's live candidates matching a hash or the candidate reference.
    async fn matching(
        &self,
        tenant: &str,
        hashes: &[String],
        candidate_ref: Option<&str>,
    ) -> Result<Vec<SubjectCandidate>, PortError>;
    /// Decrypts one candidate for the request (restricted ones too); audited.
    async fn read(
        &self,
        actor: &Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<SubjectPayload, PortError>;
    /// Erases one candidate; `Refused` while a legal hold is in place.
    async fn erase(
        &self,
        actor: &Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<CandidateCertificate, PortError>;
    /// Every candidate erased for `request`, over all its attempts, in
    /// ledger order (the deletion certificates that name it).
    async fn erased(&self, tenant: &str, request: &str) -> Result<Vec<ErasedCandidate>, PortError>;
    async fn restrict(
        &self,
        actor: &Actor,
        tenant: &str,
        id: &str,
        request: &str,
    ) -> Result<(), PortError>;
    /// Replaces one candidate's payload (the rectified one).
    async fn rewrite(
        &self,
        actor: &Actor,
        tenant: &str,
        id: &str,
        payload: SubjectPayload,
    ) -> Result<(), PortError>;
}

#[async_trait::async_trait]
pub trait Controllers: Send + Sync {
    async fn exists(&self, tenant: &str) -> Result<bool, PortError>;
    /// The identity-suspension mode of the agreement governing a request
    /// received at `at` (agreements' `governing_at`).
    async fn suspension(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<String>, PortError>;
}

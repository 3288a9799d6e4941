//! What the switching service needs from other services, as traits over
//! this crate's own types (no proto messages, no JSON values, no storage
//! models) with one error type (`domain_kit::PortError`). No key material
//! crosses a port: the vault creates a bundle's key, seals and opens its
//! chunks, and destroys the key with the tenant. The binary implements the
//! traits in-process over the vault, agreements, controllers and requests
//! services. This crate never reads another service's tables.

use std::collections::BTreeMap;

use audit::Actor;
use chrono::{DateTime, NaiveDate, Utc};
use domain_kit::PortError;

/// The exit terms of the agreement in force.
#[derive(Debug, Clone)]
pub struct ExitTerms {
    pub agreement_id: String,
    /// The agreement's notice period in whole months (rounded up).
    pub notice_months: u32,
    /// "return_then_delete" or "delete".
    pub end_of_contract: String,
    pub deletion_term_days: u32,
    /// Set once the agreement was terminated: its last day.
    pub ends_on: Option<NaiveDate>,
}

/// One candidate as exported: its metadata and its decrypted payload.
#[derive(Debug, Clone)]
pub struct ExportCandidate {
    pub id: String,
    pub external_ref: String,
    pub vacancy_ref: String,
    pub applied_on: NaiveDate,
    pub status: String,
    pub closed_on: Option<NaiveDate>,
    pub consent: String,
    pub consent_withdrawn_on: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub legal_hold: bool,
    pub legal_hold_reason: Option<String>,
    pub restricted: bool,
    pub delete_after: Option<DateTime<Utc>>,
    pub retention_basis: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
    pub custom_fields: BTreeMap<String, String>,
    pub cv: Vec<u8>,
    pub cv_filename: String,
    pub cv_content_type: String,
}

/// The tenant's retention settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionSettings {
    pub rejected_weeks: u32,
    pub talent_pool_months: u32,
    pub hired_months: u32,
    /// What the retention period counts from.
    pub anchor: String,
}

/// One version of one of the tenant's agreements; `terms` is the agreement
/// service's own rendering of the terms (it owns their shape).
#[derive(Debug, Clone)]
pub struct AgreementVersion {
    pub agreement_id: String,
    pub version: u32,
    pub status: String,
    pub activated_at: Option<DateTime<Utc>>,
    pub notice_given_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub note: String,
    pub terms_json: String,
}

/// A customer as this service sees it (one record for every service).
pub use domain_kit::ControllerRecord;

/// What one erasure step did, for the certificate.
#[derive(Debug, Clone, Default)]
pub struct Erased {
    pub kek_destroyed_at: Option<DateTime<Utc>>,
    pub kek_versions: Vec<u32>,
    pub keys_destroyed: u64,
    pub rows_deleted: Vec<(String, u64)>,
    /// The vault's signed certificate of its part (keys destroyed, its rows
    /// deleted; docs/evidence.md), carried as the vault issued it: switching
    /// holds no key and signs nothing.
    pub vault_certificate: String,
}

#[async_trait::async_trait]
pub trait TenantData: Send + Sync {
    /// Whether the controller exists.
    async fn exists(&self, tenant: &str) -> Result<bool, PortError>;
    /// The agreement governing `tenant` at `at` (agreements' `governing_at`
    /// rule: the one in force then, else the one in force now), if any.
    async fn exit_terms(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ExitTerms>, PortError>;
    /// One page of candidates in id order after `after`, decrypted.
    async fn candidates(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<ExportCandidate>, PortError>;
    /// The tenant's retention settings.
    async fn retention(&self, tenant: &str) -> Result<RetentionSettings, PortError>;
    /// Every version of every agreement of the tenant.
    async fn agreements(&self, tenant: &str) -> Result<Vec<AgreementVersion>, PortError>;
    /// The controller's record.
    async fn configuration(&self, tenant: &str) -> Result<ControllerRecord, PortError>;
    /// Creates the key of an export bundle (wrapped under the tenant's KEK,
    /// kept by the vault). Idempotent.
    async fn create_export_key(&self, tenant: &str, export_id: &str) -> Result<(), PortError>;
    /// Seals one chunk of a bundle under its key, bound to the chunk's
    /// sequence number. `Refused` once the key was destroyed.
    async fn seal_export_chunk(
        &self,
        tenant: &str,
        export_id: &str,
        seq: i32,
        plain: Vec<u8>,
    ) -> Result<Vec<u8>, PortError>;
    /// Opens one sealed chunk. `Refused` once the key was destroyed.
    async fn open_export_chunk(
        &self,
        tenant: &str,
        export_id: &str,
        seq: i32,
        sealed: Vec<u8>,
    ) -> Result<Vec<u8>, PortError>;
    /// Erases the tenant everywhere but here: keys first (vault), then the
    /// vault's rows, the requests, and its tokens. The webhook stays until
    /// the erasure notice is settled ([`TenantData::close_webhook`]).
    /// Idempotent.
    async fn erase(&self, actor: &Actor, tenant: &str) -> Result<Erased, PortError>;
    /// Removes an erased tenant's webhook; returns 1 when there was one.
    async fn close_webhook(&self, actor: &Actor, tenant: &str) -> Result<u64, PortError>;
    /// Moves the tenant's agreements that are active or terminating to
    /// `ended`, with the contract that ended on `contract_end`; returns the
    /// ids of the agreements ended. Idempotent.
    async fn end_agreements(
        &self,
        actor: &Actor,
        tenant: &str,
        contract_end: NaiveDate,
        reason: &str,
    ) -> Result<Vec<String>, PortError>;
}

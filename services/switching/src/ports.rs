//! What the switching service needs from other services, as traits: the
//! binary implements them in-process over the vault, the agreements, the
//! controllers and the requests services. This crate never reads another
//! service's tables.

use audit::Actor;
use chrono::{DateTime, NaiveDate, Utc};
use futures::future::BoxFuture;
use proto::v1 as pb;
use serde_json::Value;
use vault_crypto::Dek;

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

/// One candidate as exported: metadata and decrypted payload.
pub struct ExportCandidate {
    pub meta: pb::Candidate,
    pub payload: pb::CandidatePayload,
}

/// What one erasure step did, for the certificate.
#[derive(Debug, Clone, Default)]
pub struct Erased {
    pub kek_destroyed_at: Option<DateTime<Utc>>,
    pub kek_versions: Vec<u32>,
    pub keys_destroyed: u64,
    pub rows_deleted: Vec<(String, u64)>,
}

pub trait TenantData: Send + Sync {
    /// Whether the controller exists.
    fn exists<'a>(&'a self, tenant: &'a str) -> BoxFuture<'a, Result<bool, String>>;
    /// The agreement in force at `at`, if any.
    fn exit_terms<'a>(
        &'a self,
        tenant: &'a str,
        at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Option<ExitTerms>, String>>;
    /// One page of candidates in id order after `after`, decrypted.
    fn candidates<'a>(
        &'a self,
        tenant: &'a str,
        after: Option<&'a str>,
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<ExportCandidate>, String>>;
    /// The tenant's retention settings, as JSON.
    fn retention<'a>(&'a self, tenant: &'a str) -> BoxFuture<'a, Result<Value, String>>;
    /// Every version of every agreement of the tenant, as JSON.
    fn agreements<'a>(&'a self, tenant: &'a str) -> BoxFuture<'a, Result<Vec<Value>, String>>;
    /// The controller's record (no secrets), as JSON.
    fn configuration<'a>(&'a self, tenant: &'a str) -> BoxFuture<'a, Result<Value, String>>;
    /// A new key for an export bundle, wrapped under the tenant's KEK.
    fn export_key<'a>(
        &'a self,
        tenant: &'a str,
        export_id: &'a str,
    ) -> BoxFuture<'a, Result<Dek, String>>;
    /// The key of an export bundle; `None` once destroyed.
    fn open_export_key<'a>(
        &'a self,
        tenant: &'a str,
        export_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dek>, String>>;
    /// Erases the tenant everywhere but here: keys first (vault), then the
    /// vault's rows, the requests, and its tokens. The webhook stays until
    /// the erasure notice is settled ([`TenantData::close_webhook`]).
    /// Idempotent.
    fn erase<'a>(
        &'a self,
        actor: &'a Actor,
        tenant: &'a str,
    ) -> BoxFuture<'a, Result<Erased, String>>;
    /// Removes an erased tenant's webhook; returns 1 when there was one.
    fn close_webhook<'a>(
        &'a self,
        actor: &'a Actor,
        tenant: &'a str,
    ) -> BoxFuture<'a, Result<u64, String>>;
    /// Moves the tenant's agreements that are active or terminating to
    /// `ended`, with the contract that ended on `contract_end`; returns the
    /// ids of the agreements ended. Idempotent.
    fn end_agreements<'a>(
        &'a self,
        actor: &'a Actor,
        tenant: &'a str,
        contract_end: NaiveDate,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, String>>;
}

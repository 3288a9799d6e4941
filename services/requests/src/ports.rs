//! What the request service needs from other services, as traits: the
//! binary implements them in-process over the vault, the controllers and
//! the agreements services; a split deployment would implement them as
//! gRPC clients, which is why they speak the proto types of the vault's
//! contract. This crate never reads another service's tables.

use audit::Actor;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use proto::v1 as pb;

#[derive(Debug)]
pub enum PortError {
    /// A value the vault refused (an e-mail address that is none), with
    /// its field path (`email`, `corrections.email`).
    InvalidValue {
        field: String,
        reason: String,
    },
    /// The vault refused the step for this candidate (a legal hold).
    Refused(String),
    Failed(String),
}

pub trait SubjectData: Send + Sync {
    /// The tenant's keyed blind-index hashes of an e-mail address and a phone number.
    fn subject_hashes<'a>(
        &'a self,
        tenant: &'a str,
        email: &'a str,
        phone: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>>;
    /// The tenant's live candidates matching a hash or the candidate reference.
    fn matching<'a>(
        &'a self,
        tenant: &'a str,
        hashes: &'a [String],
        candidate_ref: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<pb::Candidate>, PortError>>;
    /// Decrypts one candidate for the request (restricted ones too); audited.
    fn read<'a>(
        &'a self,
        actor: &'a Actor,
        tenant: &'a str,
        id: &'a str,
        request: &'a str,
    ) -> BoxFuture<'a, Result<pb::CandidatePayload, PortError>>;
    /// Erases one candidate; `Refused` while a legal hold is in place.
    fn erase<'a>(
        &'a self,
        actor: &'a Actor,
        tenant: &'a str,
        id: &'a str,
        request: &'a str,
    ) -> BoxFuture<'a, Result<pb::DeletionCertificate, PortError>>;
    fn restrict<'a>(
        &'a self,
        actor: &'a Actor,
        tenant: &'a str,
        id: &'a str,
        request: &'a str,
    ) -> BoxFuture<'a, Result<(), PortError>>;
    /// Replaces one candidate's payload (the rectified one).
    fn rewrite<'a>(
        &'a self,
        actor: &'a Actor,
        tenant: &'a str,
        id: &'a str,
        payload: pb::CandidatePayload,
    ) -> BoxFuture<'a, Result<(), PortError>>;
}

pub trait Controllers: Send + Sync {
    fn exists<'a>(&'a self, tenant: &'a str) -> BoxFuture<'a, Result<bool, String>>;
    /// The identity-suspension mode of the agreement in force at `at`.
    fn suspension<'a>(
        &'a self,
        tenant: &'a str,
        at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Option<String>, String>>;
}

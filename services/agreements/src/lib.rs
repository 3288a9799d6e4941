//! AgreementService: versioned processing agreements per controller
//! (GDPR art. 28(3)), their lifecycle draft → active → terminating → ended,
//! their dates (rule agreement.renewal), and the processor's record of
//! processing (art. 30(2)).
//!
//! - [`domain`]: validated terms, lifecycle, schedule (no IO).
//! - [`service`]: the `agreements` and `agreement_versions` tables, audited writes.
//! - [`record`]: the art. 30(2) record in JSON, CSV and Markdown.
//! - [`obligations`]: renewal and notice dates for DeadlineService.
//! - [`ports`]: what it needs from the controllers and sub-processors services.
//! - [`grpc`]: the thin tonic adapter.

pub mod domain;
pub mod grpc;
pub mod obligations;
pub mod peer;
pub mod ports;
pub mod record;
pub mod service;

pub use obligations::AgreementObligations;
pub use service::{Agreement, Agreements, ProcessorIdentity};

/// Builds the tonic service.
pub fn service(
    agreements: std::sync::Arc<Agreements>,
) -> proto::v1::agreement_service_server::AgreementServiceServer<grpc::AgreementGrpc> {
    proto::v1::agreement_service_server::AgreementServiceServer::new(grpc::AgreementGrpc::new(
        agreements,
    ))
}

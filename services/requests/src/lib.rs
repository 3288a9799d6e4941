//! RequestService: data-subject requests (GDPR chapter III) from the
//! processor's side. Intake (forwarded to the controller through the outbox
//! when the subject wrote to the processor), the one-month clock with its
//! extension and the controller's identity-suspension mode (rules
//! dsr.response, dsr.extension_notice, dsr.extended_response), identity
//! checks, fulfilment on the vault (export, erasure with certificates,
//! rectification, restriction), refusal with the art. 12(4) information.
//!
//! - [`domain`]: vocabularies, state machine, deadlines, checks (pure).
//! - [`export`]: the export bundle and the rectification merge (pure).
//! - [`service`]: the `dsr_requests` table, audited steps, the outbox.
//! - [`stats`]: the share of requests extended per controller and quarter (pure).
//! - [`obligations`]: open requests for DeadlineService.
//! - [`ports`]: what it needs from the vault, controllers and agreements.
//! - [`grpc`]: the thin tonic adapter.

pub mod domain;
pub mod export;
pub mod grpc;
pub mod obligations;
pub mod peer;
pub mod ports;
pub mod service;
pub mod stats;

pub use obligations::RequestObligations;
pub use service::Requests;

pub fn service(
    s: std::sync::Arc<Requests>,
) -> proto::v1::request_service_server::RequestServiceServer<grpc::RequestGrpc> {
    proto::v1::request_service_server::RequestServiceServer::new(grpc::RequestGrpc::new(s))
}

//! SwitchingService: EU Data Act (Regulation 2023/2854) chapter VI switching
//! and exit, and the end of an agreement without a Data Act request (GDPR
//! art. 28(3)(g)). The notice period, transition (or a reasoned
//! alternative, or the customer's one extension), retrieval period and
//! erasure come from rule dataact.switching; the export bundle is built by
//! streaming into sealed chunks; the worker erases a tenant once it is due,
//! keys first, and issues the certificate.
//!
//! - [`domain`]: vocabularies, milestones, the checks of every step (pure).
//! - [`bundle`]: the streamed bundle writer and its manifest (pure).
//! - [`service`]: the `switching_*` tables, by concern: `reads`, `lifecycle`
//!   (request, termination, unfeasibility, extension, confirmation, charges,
//!   withdrawal), `export` (the bundle build and download), `advance` (the
//!   worker's round, tenant erasure).
//! - [`notices`]: the milestone notices to the customer's webhook (outbox).
//! - [`obligations`]: milestones for DeadlineService.
//! - [`ports`]: what it needs from the vault, agreements and controllers.
//! - [`grpc`]: the thin tonic adapter.

pub mod bundle;
pub mod domain;
pub mod grpc;
pub mod notices;
pub mod obligations;
pub mod ports;
pub mod service;

pub use obligations::SwitchingObligations;
pub use service::Switching;

pub fn service(
    s: std::sync::Arc<Switching>,
) -> proto::v1::switching_service_server::SwitchingServiceServer<grpc::SwitchingGrpc> {
    proto::v1::switching_service_server::SwitchingServiceServer::new(grpc::SwitchingGrpc::new(s))
}

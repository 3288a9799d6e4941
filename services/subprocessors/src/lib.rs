//! SubprocessorService: the register of sub-processors, the chapter V
//! classification of the transfer to each, per-controller authorisation
//! (the annex, specific approvals), change notices delivered through the
//! outbox with objection windows from the delivery (rule
//! subprocessor.objection_window), objections and their resolution, and the
//! engagement check.
//!
//! - [`domain`]: validation and the authorisation decision (pure).
//! - [`service`]: the `subprocessor*` tables, by concern: `register`,
//!   `change_notices` (through the outbox), `decisions` (authorisations,
//!   objections, approvals), `engagement` (the check, the engaged list).
//! - [`obligations`]: open objection windows for DeadlineService.
//! - [`ports`]: what it needs from the agreements service.
//! - [`grpc`]: the thin tonic adapter.

pub mod domain;
pub mod grpc;
pub mod obligations;
pub mod peer;
pub mod ports;
pub mod service;

pub use obligations::SubprocessorObligations;
pub use service::Subprocessors;

pub fn service(
    s: std::sync::Arc<Subprocessors>,
) -> proto::v1::subprocessor_service_server::SubprocessorServiceServer<grpc::SubprocessorGrpc> {
    proto::v1::subprocessor_service_server::SubprocessorServiceServer::new(
        grpc::SubprocessorGrpc::new(s),
    )
}

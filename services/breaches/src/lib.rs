//! BreachService: personal-data breaches from the processor's side
//! (GDPR art. 33-34). Incident intake and assessment; one notice per
//! affected controller with the processor-to-controller clock (rule
//! breach.controller_notice, the agreement's SLA); phased sends through the
//! outbox that say which content items they still lack; the controller's
//! acknowledgement and its 72-hour authority clock (rule
//! breach.authority_notice); the authority notification with reasons when
//! late; the art. 34 decision; the timeline, the AP form draft and the
//! register of every incident (art. 33(5)).
//!
//! - [`domain`]: vocabularies and validation, with `content` items, `clocks`
//!   and `checks` in modules of their own (pure).
//! - [`service`]: the `breach_*` tables, by concern: `reads`, `reporting`
//!   (report, assess), `controller_notices` (sends through the outbox,
//!   acknowledgements), `authority_and_subjects` (art. 33 and art. 34 steps).
//! - [`documents`]: `timeline`, `authority_draft` (one function per section
//!   of the AP form) and `register` (pure renderers).
//! - [`obligations`]: open clocks for DeadlineService.
//! - [`ports`]: what it needs from the controllers and agreements services.
//! - [`grpc`]: the thin tonic adapter.

pub mod documents;
pub mod domain;
pub mod grpc;
pub mod obligations;
pub mod ports;
pub mod service;

use std::sync::Arc;

pub use obligations::BreachObligations;

/// The breach service. Construct with [`Breaches::new`].
pub struct Breaches {
    db: sea_orm::DatabaseConnection,
    directory: Arc<dyn ports::Directory>,
    processor: domain_kit::ProcessorIdentity,
    outbox: outbox::Outbox,
}

pub fn service(
    s: Arc<Breaches>,
) -> proto::v1::breach_service_server::BreachServiceServer<grpc::BreachGrpc> {
    proto::v1::breach_service_server::BreachServiceServer::new(grpc::BreachGrpc::new(s))
}

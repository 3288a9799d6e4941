//! ControllerService: the provider's customers, who are Custodian's tenants.
//!
//! - [`domain`]: validated values and commands (no IO).
//! - [`repo`]: the `controllers` table, audited writes.
//! - [`grpc`]: the thin tonic adapter.
//!
//! A controller's id is its tenant id: a `controller` or `service` token bound
//! to tenant T sees exactly the controller T.

pub mod domain;
pub mod grpc;
pub mod peer;
pub mod people;
pub mod preferences;
pub mod repo;
pub mod signin;
pub mod signin_rules;
mod signin_store;
pub mod tokens;

pub use grpc::ControllerGrpc;
pub use repo::ControllerRepo;

/// Builds the tonic service over a database connection; `targets` says
/// which addresses a webhook may name.
pub fn service(
    db: sea_orm::DatabaseConnection,
    targets: domain_kit::net::TargetPolicy,
) -> proto::v1::controller_service_server::ControllerServiceServer<ControllerGrpc> {
    proto::v1::controller_service_server::ControllerServiceServer::new(ControllerGrpc::new(
        ControllerRepo::new(db),
        targets,
    ))
}

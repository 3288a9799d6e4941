//! What the breach service needs from other services, as a trait: the
//! binary implements it once (`services/custodian/src/wiring.rs`) over
//! links to the controllers and agreements services, in process or, in a
//! split deployment, over gRPC to their process. This crate never reads
//! another service's tables.

use chrono::{DateTime, Utc};
pub use domain_kit::PortError;

/// A customer as this service sees it (one record for every service).
pub use domain_kit::ControllerRecord;

/// The terms of a controller's agreement that govern breach notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachTerms {
    pub agreement_id: String,
    /// Hours within which the processor notifies the controller.
    pub sla_hours: u32,
    /// Seed 002 art. 17.17: the processor may notify the authority itself.
    pub processor_may_notify_authority: bool,
}

#[async_trait::async_trait]
pub trait Directory: Send + Sync {
    /// A controller's identity and contacts, if it exists.
    async fn controller(&self, id: &str) -> Result<Option<ControllerRecord>, PortError>;
    /// The breach terms of the agreement in force for `tenant` at `at`.
    async fn terms_at(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<BreachTerms>, PortError>;
}

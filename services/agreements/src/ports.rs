//! What the agreements service needs from other services, as traits. The
//! binary implements them once (`services/custodian/src/wiring.rs`) over
//! links to the controllers and sub-processors services, in process or,
//! in a split deployment, over gRPC to their process. This crate never
//! reads another service's tables.

use chrono::{DateTime, Utc};
pub use domain_kit::PortError;

/// A customer as this service sees it (one record for every service).
pub use domain_kit::ControllerRecord;

#[async_trait::async_trait]
pub trait ControllerDirectory: Send + Sync {
    async fn controller(&self, id: &str) -> Result<Option<ControllerRecord>, PortError>;
}

/// A sub-processor engaged for a controller, with the chapter V basis of
/// the transfer to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngagedSubprocessor {
    pub id: String,
    pub legal_name: String,
    pub address: String,
    pub country: String,
    pub service: String,
    pub contact_email: String,
    /// `eea`, `adequacy` or `scc`.
    pub mechanism: String,
    pub explanation: String,
    /// The safeguards document (the transfer impact assessment), if any.
    pub safeguards_doc: Option<String>,
    /// false when SCCs are needed and no assessment is on record.
    pub permitted: bool,
}

#[async_trait::async_trait]
pub trait SubprocessorSource: Send + Sync {
    /// The sub-processors allowed to process `tenant`'s data at `at`.
    async fn engaged(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<EngagedSubprocessor>, PortError>;
}

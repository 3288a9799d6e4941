//! What the sub-processors service needs from the agreements service, as a
//! trait: the binary implements it once (`services/custodian/src/wiring.rs`)
//! over a link to the agreements service, in process or, in a split
//! deployment, over gRPC to its process. This crate never reads
//! `agreements`.

use chrono::{DateTime, Utc};
pub use domain_kit::PortError;

use crate::domain::Mode;

/// A controller's agreement terms that govern sub-processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerTerms {
    pub tenant: String,
    pub agreement_id: String,
    pub mode: Mode,
    pub objection_days: u32,
}

#[async_trait::async_trait]
pub trait AgreementDirectory: Send + Sync {
    /// The agreement in force for `tenant` at `at`, if any.
    async fn in_force_at(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ControllerTerms>, PortError>;
    /// Every controller with an agreement in force now.
    async fn all_in_force(&self) -> Result<Vec<ControllerTerms>, PortError>;
}

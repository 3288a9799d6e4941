//! What the sub-processors service needs from the agreements service, as a
//! trait: the binary implements it once (`services/custodian/src/wiring.rs`)
//! over a link to the agreements service, in process or, in a split
//! deployment, over gRPC to its process. This crate never reads
//! `agreements`.

use chrono::{DateTime, Utc};
pub use domain_kit::PortError;
use futures::future::BoxFuture;

use crate::domain::Mode;

/// A controller's agreement terms that govern sub-processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerTerms {
    pub tenant: String,
    pub agreement_id: String,
    pub mode: Mode,
    pub objection_days: u32,
}

pub trait AgreementDirectory: Send + Sync {
    /// The agreement in force for `tenant` at `at`, if any.
    fn in_force_at<'a>(
        &'a self,
        tenant: &'a str,
        at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Option<ControllerTerms>, PortError>>;
    /// Every controller with an agreement in force now.
    fn all_in_force(&self) -> BoxFuture<'_, Result<Vec<ControllerTerms>, PortError>>;
}

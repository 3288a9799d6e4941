//! Tables owned by `services/subprocessors`: `subprocessors`, `subprocessor_authorisations`, `subprocessor_changes`, `subprocessor_notices`, `subprocessor_objections`.

pub mod authorisations;
pub mod changes;
pub mod notices;
pub mod objections;
pub mod subprocessors;

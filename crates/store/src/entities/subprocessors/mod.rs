//! Tables owned by `services/subprocessors`: `subprocessors`, `subprocessor_authorisations`, `subprocessor_changes`, `subprocessor_notices`, `subprocessor_objections`.

pub mod authorisations;
pub mod changes;
pub mod notices;
pub mod objections;
// Modules are named after their tables, one of which shares the group name.
#[allow(clippy::module_inception)]
pub mod subprocessors;

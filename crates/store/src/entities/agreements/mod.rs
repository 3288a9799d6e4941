//! Tables owned by `services/agreements`: `agreements`, `agreement_versions`.

pub mod agreement_versions;
// Modules are named after their tables, one of which shares the group name.
#[allow(clippy::module_inception)]
pub mod agreements;

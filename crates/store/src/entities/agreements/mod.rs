//! Tables owned by `services/agreements`: `agreements`, `agreement_versions`.

pub mod agreement_versions;
pub mod agreements;

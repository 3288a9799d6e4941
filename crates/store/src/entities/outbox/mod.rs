//! Tables owned by `crates/outbox`: `outbox_messages`, `outbox_attempts`.

pub mod attempts;
pub mod messages;

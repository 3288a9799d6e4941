//! Tables owned by `crates/outbox`: `outbox_messages`, `outbox_attempts`,
//! and the e-mail to people: `mail_messages`, `mail_cursors`.

pub mod attempts;
pub mod mail_cursors;
pub mod mail_messages;
pub mod messages;

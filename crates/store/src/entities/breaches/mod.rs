//! Tables owned by `services/breaches`: `breach_incidents`, `breach_assessments`, `breach_notices`, `breach_notice_sends`, `breach_authority_notifications`, `breach_subject_decisions`.

pub mod assessments;
pub mod authority_notifications;
pub mod incidents;
pub mod notice_sends;
pub mod notices;
pub mod subject_decisions;

//! One module per table, grouped by the service that owns the table.
//!
//! | table          | owner                 |
//! |----------------|-----------------------|
//! | `api_tokens`   | `auth`                |
//! | `audit_events`, `audit_heads` | `audit` |
//! | `controllers`, `people`, `sign_in_attempts`, `calendar_events` | `services/controllers` |
//! | `keystore_info` (key store database) | `store` |
//! | `vault::*` (both databases) | `services/vault` |
//! | `outbox::*` (`outbox_messages`, `outbox_attempts`) | `crates/outbox` |
//! | `agreements::*` (`agreements`, `agreement_versions`) | `services/agreements` |
//! | `subprocessors::*` (`subprocessors`, `subprocessor_*`) | `services/subprocessors` |
//! | `breaches::*` (`breach_*`) | `services/breaches` |
//! | `dsr_requests` | `services/requests` |
//! | `switching::*` (`switching_*`) | `services/switching` |

pub mod agreements;
pub mod api_tokens;
pub mod audit_events;
pub mod audit_heads;
pub mod breaches;
pub mod calendar_events;
pub mod controllers;
pub mod dsr_requests;
pub mod keystore_info;
pub mod outbox;
pub mod people;
pub mod sign_in_attempts;
pub mod subprocessors;
pub mod switching;
pub mod vault;

//! The Custodian server: configuration, assembly of the hosted services, and
//! the operator commands (`migrate`, `tokens`, `audit verify`). The binary in
//! `main.rs` is a thin command-line front over this library, so the end-to-end
//! tests start exactly the server that ships.

pub mod app;
pub mod assembly;
pub mod config;
pub mod links;
pub mod mail;
pub mod metrics;
pub mod ops;
pub mod peers;
pub mod serving;
pub mod telemetry;
pub mod tls;
pub mod vault;
pub mod wiring;
pub mod worker;

pub use app::{Extra, Target, parse_targets, run, serve};
pub use config::{Config, ConsoleOverrides, LogFormat, Overrides};

//! End-to-end tests: real servers on 127.0.0.1:0, real gRPC, every backend
//! under test (SQLite always; PostgreSQL when TEST_DATABASE_URL is set).

mod agreements;
mod audit_log;
mod authn;
mod breaches;
mod connections;
mod controllers;
mod ctl;
mod ctl_breaches;
mod ctl_processing;
mod ctl_requests;
mod ctl_switching;
mod deadlines;
mod evidence;
mod hostile;
mod mail;
mod memory;
mod metrics;
mod outage;
mod people;
mod processing_edges;
mod reports;
mod requests;
mod roles;
mod server;
mod shared_ledger;
mod split;
mod split_five;
mod subprocessors;
mod switching;
mod tls;
mod tokens;
mod vault;
mod vault_rules;
mod vault_sweep;
mod webhook_targets;

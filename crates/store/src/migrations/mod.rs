//! Migrations, one file per migration. Main database: [`Migrator`]; key store
//! database: [`KeystoreMigrator`]. Never edit a migration that has shipped; add one.

use sea_orm_migration::prelude::*;

mod m20261121_000001_foundation;
mod m20261121_000002_keystore;
mod m20261121_000003_vault;
mod m20261121_000004_vault_keys;
mod m20261122_000005_outbox;
mod m20261122_000006_agreements;
mod m20261122_000007_subprocessors;
mod m20261122_000008_breaches;
mod m20261122_000009_requests;
mod m20261123_000010_switching;
mod m20261123_000011_tenant_shreds;
mod m20261123_000012_candidates_by_tenant;
mod m20261201_000013_switching_lifecycle;
mod m20261201_000014_requests_by_receipt;
mod m20261201_000015_candidates_due_in_order;
mod m20261205_000016_ledger_tree;
mod m20261205_000017_audit_tree;
mod m20261207_000018_keystore_append_only;
mod m20261207_000019_outbox_and_tokens_guards;
mod m20261207_000020_audit_writer;
mod m20261207_000021_certificate_list;
mod m20261207_000022_people;
mod m20261207_000023_person_sessions;
mod m20261207_000024_calendar_feed;
mod m20261207_000025_calendar_events;
mod m20261207_000026_mail;

pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_foundation::Migration),
            Box::new(m20261121_000003_vault::Migration),
            Box::new(m20261122_000005_outbox::Migration),
            Box::new(m20261122_000006_agreements::Migration),
            Box::new(m20261122_000007_subprocessors::Migration),
            Box::new(m20261122_000008_breaches::Migration),
            Box::new(m20261122_000009_requests::Migration),
            Box::new(m20261123_000010_switching::Migration),
            Box::new(m20261123_000012_candidates_by_tenant::Migration),
            Box::new(m20261201_000013_switching_lifecycle::Migration),
            Box::new(m20261201_000014_requests_by_receipt::Migration),
            Box::new(m20261201_000015_candidates_due_in_order::Migration),
            Box::new(m20261207_000019_outbox_and_tokens_guards::Migration),
            Box::new(m20261207_000020_audit_writer::Migration),
            Box::new(m20261207_000021_certificate_list::Migration),
            Box::new(m20261207_000022_people::Migration),
            Box::new(m20261207_000023_person_sessions::Migration),
            Box::new(m20261207_000024_calendar_feed::Migration),
            Box::new(m20261207_000025_calendar_events::Migration),
            Box::new(m20261207_000026_mail::Migration),
        ]
    }
}

pub struct KeystoreMigrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for KeystoreMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000002_keystore::Migration),
            Box::new(m20261121_000004_vault_keys::Migration),
            Box::new(m20261123_000011_tenant_shreds::Migration),
            Box::new(m20261205_000016_ledger_tree::Migration),
            Box::new(m20261205_000017_audit_tree::Migration),
            Box::new(m20261207_000018_keystore_append_only::Migration),
        ]
    }

    // The key store keeps its own migration history table, distinct from the
    // main database's, so the two can never be confused after a restore.
    fn migration_table_name() -> DynIden {
        "keystore_migrations".into_iden()
    }
}

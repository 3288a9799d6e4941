//! The key store's shred ledger and tenant-erasure fence refuse UPDATE and
//! DELETE (and, on PostgreSQL, TRUNCATE) by trigger, as the shared ledger
//! does: a shred once recorded, and a tenant once fenced, stay so whatever
//! role or bug writes to the key store. Nothing in Custodian updates or
//! deletes them; a restore replaces the whole database, which the triggers
//! do not stop (and reconcile then shreds again from the ledger file).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["shred_ledger", "tenant_shreds"];

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION custodian_keystore_append_only() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP \
                     USING ERRCODE = 'insufficient_privilege'; END $$",
                )
                .await?;
                for t in TABLES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {t}_append_only ON {t}; \
                         CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} \
                         FOR EACH ROW EXECUTE FUNCTION custodian_keystore_append_only(); \
                         DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}; \
                         CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} \
                         FOR EACH STATEMENT EXECUTE FUNCTION custodian_keystore_append_only()"
                    ))
                    .await?;
                }
            }
            _ => {
                for t in TABLES {
                    for op in ["UPDATE", "DELETE"] {
                        let name = format!("{t}_no_{}", op.to_lowercase());
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {t} \
                             BEGIN SELECT RAISE(ABORT, '{t} is append-only: {op} refused'); END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for t in TABLES {
            match m.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {t}_append_only ON {t}; \
                         DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}"
                    ))
                    .await?;
                }
                _ => {
                    for op in ["update", "delete"] {
                        db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {t}_no_{op}"))
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }
}

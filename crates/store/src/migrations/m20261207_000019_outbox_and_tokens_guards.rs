//! What a service role may not do to the shared tables, enforced in the
//! database:
//!
//! - an outbox message's `id`, `tenant_id`, `topic`, subject and `body`
//!   never change once enqueued (a trigger, whoever updates): a breach
//!   notice cannot be rewritten, nor moved to another tenant for the worker
//!   to deliver there;
//! - on PostgreSQL, API tokens are revoked through two functions that set
//!   `revoked_at` alone (`revoke_token`, `revoke_tenant_tokens`, SECURITY
//!   DEFINER, owned by the database owner), so the controllers' role needs
//!   no INSERT or UPDATE on the token table (`schemas::provision` grants
//!   EXECUTE instead). SQLite has no roles: there the same code updates the
//!   row itself.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FIXED: [&str; 6] = [
    "id",
    "tenant_id",
    "topic",
    "subject_type",
    "subject_id",
    "body",
];

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let changed: Vec<String> = FIXED
                    .iter()
                    .map(|c| format!("NEW.{c} IS DISTINCT FROM OLD.{c}"))
                    .collect();
                db.execute_unprepared(&format!(
                    "CREATE OR REPLACE FUNCTION outbox_messages_fixed() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     IF {} THEN RAISE EXCEPTION 'an outbox message''s tenant, topic, subject and body never change' \
                     USING ERRCODE = 'insufficient_privilege'; END IF; RETURN NEW; END $$; \
                     DROP TRIGGER IF EXISTS outbox_messages_fixed ON outbox_messages; \
                     CREATE TRIGGER outbox_messages_fixed BEFORE UPDATE ON outbox_messages \
                     FOR EACH ROW EXECUTE FUNCTION outbox_messages_fixed()",
                    changed.join(" OR ")
                ))
                .await?;
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION revoke_token(p_id text, p_at timestamptz) \
                     RETURNS bigint LANGUAGE sql SECURITY DEFINER \
                     SET search_path = auth, public, pg_temp AS $$ \
                     WITH r AS (UPDATE api_tokens SET revoked_at = p_at \
                     WHERE id = p_id AND revoked_at IS NULL RETURNING 1) \
                     SELECT count(*) FROM r $$; \
                     CREATE OR REPLACE FUNCTION revoke_tenant_tokens(p_tenant text, p_at timestamptz) \
                     RETURNS bigint LANGUAGE sql SECURITY DEFINER \
                     SET search_path = auth, public, pg_temp AS $$ \
                     WITH r AS (UPDATE api_tokens SET revoked_at = p_at \
                     WHERE tenant_id = p_tenant AND revoked_at IS NULL RETURNING 1) \
                     SELECT count(*) FROM r $$; \
                     REVOKE ALL ON FUNCTION revoke_token(text, timestamptz) FROM PUBLIC; \
                     REVOKE ALL ON FUNCTION revoke_tenant_tokens(text, timestamptz) FROM PUBLIC",
                )
                .await?;
            }
            _ => {
                let changed: Vec<String> = FIXED
                    .iter()
                    .map(|c| format!("NEW.{c} IS NOT OLD.{c}"))
                    .collect();
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER IF NOT EXISTS outbox_messages_fixed BEFORE UPDATE ON outbox_messages \
                     WHEN {} BEGIN SELECT RAISE(ABORT, 'an outbox message''s tenant, topic, subject and body never change'); END",
                    changed.join(" OR ")
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS outbox_messages_fixed ON outbox_messages; \
                     DROP FUNCTION IF EXISTS outbox_messages_fixed(); \
                     DROP FUNCTION IF EXISTS revoke_token(text, timestamptz); \
                     DROP FUNCTION IF EXISTS revoke_tenant_tokens(text, timestamptz)",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS outbox_messages_fixed")
                    .await?;
            }
        }
        Ok(())
    }
}

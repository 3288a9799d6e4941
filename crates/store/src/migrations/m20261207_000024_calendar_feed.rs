//! A person's calendar feed: a token of role `calendar` bound to the
//! person (read-only: the obligations of the person's scope). On
//! PostgreSQL, where only the owner writes the token table, the owner's
//! `start_person_feed` revokes the person's feed token and inserts a new
//! one whose tenant and name it reads from the live person, in one
//! statement (a new address revokes the old).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "CREATE OR REPLACE FUNCTION start_person_feed(p_person text, p_id text, \
                     p_hash text, p_at timestamptz) \
                     RETURNS bigint LANGUAGE sql SECURITY DEFINER \
                     SET search_path = auth, controllers, public, pg_temp AS $$ \
                     WITH old AS (UPDATE api_tokens SET revoked_at = p_at \
                     WHERE person_id = p_person AND role = 'calendar' AND revoked_at IS NULL \
                     AND EXISTS (SELECT 1 FROM people WHERE id = p_person AND removed_at IS NULL) \
                     RETURNING 1), \
                     i AS (INSERT INTO api_tokens \
                     (id, name, role, tenant_id, token_hash, created_at, revoked_at, person_id, expires_at) \
                     SELECT p_id, p.name, 'calendar', p.tenant_id, p_hash, p_at, NULL, p.id, NULL \
                     FROM people p WHERE p.id = p_person AND p.removed_at IS NULL RETURNING 1) \
                     SELECT (SELECT count(*) FROM i) + 0 * (SELECT count(*) FROM old) $$; \
                     REVOKE ALL ON FUNCTION start_person_feed(text, text, text, timestamptz) FROM PUBLIC",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "DROP FUNCTION IF EXISTS start_person_feed(text, text, text, timestamptz)",
                )
                .await?;
        }
        Ok(())
    }
}

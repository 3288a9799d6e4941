//! People sign in as themselves (OpenID Connect). Three things:
//!
//! - `api_tokens` gains `person_id` and `expires_at`: a session credential
//!   is a token like any other (the permission table and the services'
//!   tenant scoping stay the only place access is decided), bound to the
//!   person it was minted for and valid only until it expires.
//! - `sign_in_attempts` (controllers' schema): a sign-in begun and not yet
//!   completed: the hash of its `state`, the provider, the nonce, the PKCE
//!   verifier and the hash of the browser binding. A row is deleted when it
//!   is completed, refused or stale, so a `state` is good once.
//! - On PostgreSQL, where only the owner writes the token table, two owner
//!   functions: `start_person_session` inserts a session token whose role,
//!   tenant and name it reads from the live person itself (a caller cannot
//!   mint a credential for another role), and `end_person_sessions`
//!   revokes every live session of a person (removal, a role taken away).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    PersonId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum SignInAttempts {
    Table,
    StateHash,
    Provider,
    Nonce,
    PkceVerifier,
    BindingHash,
    RedirectUri,
    CreatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .add_column(ColumnDef::new(ApiTokens::PersonId).string().null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .add_column(
                    ColumnDef::new(ApiTokens::ExpiresAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_tokens_person")
                .table(ApiTokens::Table)
                .col(ApiTokens::PersonId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SignInAttempts::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(SignInAttempts::StateHash)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(SignInAttempts::Provider).string().not_null())
                .col(ColumnDef::new(SignInAttempts::Nonce).string().not_null())
                .col(
                    ColumnDef::new(SignInAttempts::PkceVerifier)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(SignInAttempts::BindingHash)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(SignInAttempts::RedirectUri)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(SignInAttempts::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "CREATE OR REPLACE FUNCTION start_person_session(p_person text, p_id text, \
                     p_hash text, p_at timestamptz, p_expires timestamptz) \
                     RETURNS bigint LANGUAGE sql SECURITY DEFINER \
                     SET search_path = auth, controllers, public, pg_temp AS $$ \
                     WITH i AS (INSERT INTO api_tokens \
                     (id, name, role, tenant_id, token_hash, created_at, revoked_at, person_id, expires_at) \
                     SELECT p_id, p.name, p.role, p.tenant_id, p_hash, p_at, NULL, p.id, p_expires \
                     FROM people p WHERE p.id = p_person AND p.removed_at IS NULL \
                     AND p.role IN ('admin', 'auditor', 'controller') RETURNING 1) \
                     SELECT count(*) FROM i $$; \
                     CREATE OR REPLACE FUNCTION end_person_sessions(p_person text, p_at timestamptz) \
                     RETURNS bigint LANGUAGE sql SECURITY DEFINER \
                     SET search_path = auth, public, pg_temp AS $$ \
                     WITH r AS (UPDATE api_tokens SET revoked_at = p_at \
                     WHERE person_id = p_person AND revoked_at IS NULL RETURNING 1) \
                     SELECT count(*) FROM r $$; \
                     REVOKE ALL ON FUNCTION start_person_session(text, text, text, timestamptz, timestamptz) FROM PUBLIC; \
                     REVOKE ALL ON FUNCTION end_person_sessions(text, timestamptz) FROM PUBLIC",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "DROP FUNCTION IF EXISTS start_person_session(text, text, text, timestamptz, timestamptz); \
                     DROP FUNCTION IF EXISTS end_person_sessions(text, timestamptz)",
                )
                .await?;
        }
        m.drop_table(Table::drop().table(SignInAttempts::Table).to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("ix_api_tokens_person")
                .table(ApiTokens::Table)
                .to_owned(),
        )
        .await?;
        for c in [ApiTokens::ExpiresAt, ApiTokens::PersonId] {
            m.alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

//! Bearer tokens: `cst_` followed by 43 base64url characters (256 random
//! bits). Only the SHA-256 of the token is stored, so a database copy does not
//! hand out credentials; the token itself is shown once, at creation.

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};
use store::entities::api_tokens;

use crate::{Principal, Role};

pub const PREFIX: &str = "cst_";

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("role {0} needs --tenant (the controller id it acts for)")]
    TenantRequired(Role),
    #[error("role {0} is processor-wide and takes no --tenant")]
    TenantNotAllowed(Role),
    #[error("token name must be 1 to 100 printable characters")]
    BadName,
    #[error("a calendar token is made by its person in the console (My calendar), not here")]
    CalendarRole,
    #[error("no token with id {0}")]
    NotFound(String),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub tenant: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Checks a new token's fields before anything is written.
pub fn validate_new(role: Role, tenant: Option<&str>, name: &str) -> Result<(), TokenError> {
    if role == Role::Calendar {
        return Err(TokenError::CalendarRole);
    }
    match (role.requires_tenant(), tenant) {
        (true, None) => return Err(TokenError::TenantRequired(role)),
        (false, Some(_)) => return Err(TokenError::TenantNotAllowed(role)),
        _ => {}
    }
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(TokenError::BadName);
    }
    Ok(())
}

/// Creates a token; returns its info and the secret, which is never stored.
/// The caller checks that the tenant exists and audits the creation in the
/// same transaction.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    role: Role,
    tenant: Option<&str>,
    name: &str,
) -> Result<(TokenInfo, String), TokenError> {
    validate_new(role, tenant, name)?;
    let secret = generate_secret();
    let model = api_tokens::Model {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        tenant_id: tenant.map(str::to_owned),
        token_hash: hash_token(&secret),
        created_at: store::now_micros(),
        revoked_at: None,
        person_id: None,
        expires_at: None,
    };
    api_tokens::ActiveModel::from(model.clone())
        .insert(db)
        .await?;
    Ok((to_info(model), secret))
}

/// The machines' and pasted tokens; people's session credentials are not
/// listed (they are the people's sessions, ended by removing the person).
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<TokenInfo>, TokenError> {
    let rows = api_tokens::Entity::find()
        .filter(api_tokens::Column::PersonId.is_null())
        .order_by_asc(api_tokens::Column::CreatedAt)
        .order_by_asc(api_tokens::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(to_info).collect())
}

/// Revokes a token. Revoking a revoked token is a no-op that keeps the first
/// revocation time. Returns the token as it is now.
pub async fn revoke<C: ConnectionTrait>(db: &C, id: &str) -> Result<TokenInfo, TokenError> {
    let row = api_tokens::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| TokenError::NotFound(id.to_owned()))?;
    if row.revoked_at.is_some() {
        return Ok(to_info(row));
    }
    let at = store::now_micros();
    if store::is_postgres(db) {
        // The owner's function: no service role may write the table.
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT revoke_token($1, $2)",
            [id.into(), at.into()],
        ))
        .await?;
        let row = api_tokens::Entity::find_by_id(id.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| TokenError::NotFound(id.to_owned()))?;
        return Ok(to_info(row));
    }
    let mut am: api_tokens::ActiveModel = row.into();
    am.revoked_at = Set(Some(at));
    Ok(to_info(am.update(db).await?))
}

/// Revokes every live token bound to `tenant` (its erasure); returns how many.
pub async fn revoke_tenant<C: ConnectionTrait>(db: &C, tenant: &str) -> Result<u64, TokenError> {
    if store::is_postgres(db) {
        let row = db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT revoke_tenant_tokens($1, $2) AS n",
                [tenant.into(), store::now_micros().into()],
            ))
            .await?;
        let n: i64 = match row {
            Some(r) => r.try_get("", "n")?,
            None => 0,
        };
        return Ok(n.max(0) as u64);
    }
    let r = api_tokens::Entity::update_many()
        .col_expr(
            api_tokens::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(store::now_micros()),
        )
        .filter(api_tokens::Column::TenantId.eq(tenant))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// Mints a session credential for person `person`, valid until `expires`:
/// a token whose role, tenant and name are the live person's own (read in
/// the same statement, on PostgreSQL by the owner's `start_person_session`,
/// since no service role writes the token table). Returns the token's id and
/// its secret, which is never stored; `None` when the person is removed or
/// unknown. Runs in the caller's transaction, beside its audit entry.
pub async fn start_person_session<C: ConnectionTrait>(
    db: &C,
    person: &str,
    expires: DateTime<Utc>,
) -> Result<Option<(String, String)>, TokenError> {
    let secret = generate_secret();
    let id = uuid::Uuid::now_v7().to_string();
    let at = store::now_micros();
    let backend = db.get_database_backend();
    let values: Vec<sea_orm::Value> = vec![
        person.into(),
        id.clone().into(),
        hash_token(&secret).into(),
        at.into(),
        expires.into(),
    ];
    let made = if store::is_postgres(db) {
        db.query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            "SELECT start_person_session($1, $2, $3, $4, $5) AS n",
            values,
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
            > 0
    } else {
        // SQLite has no roles: the process is the owner, and runs what the
        // owner's function holds.
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            "INSERT INTO api_tokens (id, name, role, tenant_id, token_hash, created_at, \
             revoked_at, person_id, expires_at) SELECT $2, p.name, p.role, p.tenant_id, $3, $4, \
             NULL, p.id, $5 FROM people p WHERE p.id = $1 AND p.removed_at IS NULL \
             AND p.role IN ('admin', 'auditor', 'controller')",
            values,
        ))
        .await?
        .rows_affected()
            == 1
    };
    Ok(made.then_some((id, secret)))
}

/// Makes person `person` a new calendar feed token (role `calendar`, the
/// person's tenant and name, no expiry) and revokes the one it had, in one
/// statement (on PostgreSQL the owner's `start_person_feed`). Returns the
/// token's id and secret; `None` when the person is removed or unknown.
pub async fn start_person_feed<C: ConnectionTrait>(
    db: &C,
    person: &str,
) -> Result<Option<(String, String)>, TokenError> {
    let secret = generate_secret();
    let id = uuid::Uuid::now_v7().to_string();
    let at = store::now_micros();
    let values: Vec<sea_orm::Value> = vec![
        person.into(),
        id.clone().into(),
        hash_token(&secret).into(),
        at.into(),
    ];
    if store::is_postgres(db) {
        let n: i64 = db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT start_person_feed($1, $2, $3, $4) AS n",
                values,
            ))
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        return Ok((n > 0).then_some((id, secret)));
    }
    // SQLite: the new token first (only for a live person), then the old
    // ones revoked, in the caller's transaction.
    let backend = db.get_database_backend();
    let made = db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            "INSERT INTO api_tokens (id, name, role, tenant_id, token_hash, created_at, revoked_at, \
             person_id, expires_at) SELECT $2, p.name, 'calendar', p.tenant_id, $3, $4, NULL, p.id, \
             NULL FROM people p WHERE p.id = $1 AND p.removed_at IS NULL",
            values,
        ))
        .await?
        .rows_affected();
    if made != 1 {
        return Ok(None);
    }
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        "UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 AND id <> $3 \
         AND role = 'calendar' AND revoked_at IS NULL",
        [at.into(), person.into(), id.clone().into()],
    ))
    .await?;
    Ok(Some((id, secret)))
}

/// Ends every live session of person `person` (removed, or its provider
/// no longer grants its role); returns how many.
pub async fn end_person_sessions<C: ConnectionTrait>(
    db: &C,
    person: &str,
) -> Result<u64, TokenError> {
    let at = store::now_micros();
    if store::is_postgres(db) {
        let n: i64 = db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT end_person_sessions($1, $2) AS n",
                [person.into(), at.into()],
            ))
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        return Ok(n.max(0) as u64);
    }
    let r = api_tokens::Entity::update_many()
        .col_expr(
            api_tokens::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(api_tokens::Column::PersonId.eq(person))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// Looks a presented secret up. Unknown, revoked and expired tokens give
/// `None`.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    secret: &str,
) -> Result<Option<Principal>, sea_orm::DbErr> {
    if !secret.starts_with(PREFIX) || secret.len() > 128 {
        return Ok(None);
    }
    let row = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash_token(secret)))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    let now = chrono::Utc::now();
    Ok(row.and_then(|r| {
        if r.expires_at.is_some_and(|at| at <= now) {
            return None;
        }
        let role = r.role.parse().ok()?;
        Some(Principal {
            token_id: r.id,
            name: r.name,
            role,
            tenant: r.tenant_id,
            person: r.person_id,
        })
    }))
}

fn to_info(m: api_tokens::Model) -> TokenInfo {
    TokenInfo {
        id: m.id,
        name: m.name,
        // Only this module writes roles, always from a parsed `Role`.
        role: m.role.parse().unwrap_or(Role::Auditor),
        tenant: m.tenant_id,
        created_at: m.created_at,
        revoked_at: m.revoked_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_prefixed() {
        let a = generate_secret();
        let b = generate_secret();
        assert!(a.starts_with(PREFIX));
        assert_eq!(a.len(), PREFIX.len() + 43);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
    }

    #[test]
    fn tenant_rules() {
        assert!(validate_new(Role::Admin, None, "ops").is_ok());
        assert!(matches!(
            validate_new(Role::Admin, Some("t"), "ops"),
            Err(TokenError::TenantNotAllowed(_))
        ));
        assert!(matches!(
            validate_new(Role::Controller, None, "c"),
            Err(TokenError::TenantRequired(_))
        ));
        assert!(validate_new(Role::Service, Some("t"), "svc").is_ok());
        assert!(matches!(
            validate_new(Role::Admin, None, ""),
            Err(TokenError::BadName)
        ));
    }
}

//! `TokenService`: the API tokens for the processor's administrators (who
//! holds access, and revoking it). Hosted with the controllers: tokens are
//! the tenants' keys. A thin adapter over `auth::tokens`; never a secret or
//! a hash leaves it.

use auth::Principal;
use auth::tokens::{self, TokenError, TokenInfo};
use proto::v1::{self as pb, token_service_server::TokenService};
use sea_orm::DatabaseConnection;
use tonic::{Request, Response, Status};

pub struct TokenGrpc {
    db: DatabaseConnection,
}

pub fn service(db: DatabaseConnection) -> pb::token_service_server::TokenServiceServer<TokenGrpc> {
    pb::token_service_server::TokenServiceServer::new(TokenGrpc { db })
}

fn token_pb(t: TokenInfo) -> pb::Token {
    pb::Token {
        id: t.id,
        name: t.name,
        role: t.role.as_str().into(),
        tenant_id: t.tenant.unwrap_or_default(),
        created_at: proto::wire::timestamp(t.created_at),
        revoked_at: t.revoked_at.map(proto::wire::timestamp).unwrap_or_default(),
    }
}

fn internal(e: impl std::fmt::Display + 'static) -> Status {
    if let Some(o) = audit::outage_of(&e) {
        tracing::warn!(error = %e, "token service: the database cannot serve");
        return Status::unavailable(o.to_string());
    }
    tracing::error!(error = %e, "token service");
    Status::internal("internal error")
}

fn not_found(id: &str) -> Status {
    Status::not_found(format!("no token with id {}", proto::wire::quote(id)))
}

/// Why a revocation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("no token with id {0}")]
    NotFound(String),
    #[error("{0}")]
    Internal(String),
}

fn storage(e: impl std::fmt::Display) -> RevokeError {
    RevokeError::Internal(e.to_string())
}

audit::storage_errors!(RevokeError => storage, TokenError);

/// Revokes token `id` and audits it (`token.revoke`, with `reason` when
/// given) in one transaction; revoking a revoked token changes nothing and
/// is not audited again. The one path of `TokenService.RevokeToken` and
/// `custodian tokens revoke`.
pub async fn revoke_audited(
    db: &DatabaseConnection,
    actor: &audit::Actor,
    id: &str,
    reason: Option<&str>,
) -> Result<TokenInfo, RevokeError> {
    let txn = audit::begin(db).await?;
    let before = tokens::list(&*txn)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| RevokeError::NotFound(id.to_owned()))?;
    let info = match tokens::revoke(&*txn, id).await {
        Ok(i) => i,
        Err(TokenError::NotFound(_)) => return Err(RevokeError::NotFound(id.to_owned())),
        Err(e) => return Err(e.into()),
    };
    if before.revoked_at.is_some() {
        txn.commit().await?;
        return Ok(info);
    }
    let mut rec = audit::Record::new(actor, "token.revoke", "token", id);
    if let Some(r) = reason {
        rec = rec.reason(r);
    }
    if let Some(t) = &info.tenant {
        rec = rec.tenant(t);
    }
    txn.commit_with(rec).await?;
    Ok(info)
}

#[tonic::async_trait]
impl TokenService for TokenGrpc {
    async fn list_tokens(
        &self,
        request: Request<pb::ListTokensRequest>,
    ) -> Result<Response<pb::ListTokensResponse>, Status> {
        let r = request.into_inner();
        let tenant = r.tenant_id.trim();
        if !tenant.is_empty() && proto::wire::uuid(tenant).is_none() {
            return Err(Status::invalid_argument(format!(
                "tenant_id: must be a controller id (a UUID), got {}",
                proto::wire::quote(tenant)
            )));
        }
        let tokens = tokens::list(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|t| r.include_revoked || t.revoked_at.is_none())
            .filter(|t| tenant.is_empty() || t.tenant.as_deref() == Some(tenant))
            .map(token_pb)
            .collect();
        Ok(Response::new(pb::ListTokensResponse { tokens }))
    }

    async fn revoke_token(
        &self,
        request: Request<pb::RevokeTokenRequest>,
    ) -> Result<Response<pb::Token>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = r.id.trim();
        if id.is_empty() {
            return Err(Status::invalid_argument("id: must not be empty"));
        }
        if r.reason.trim().is_empty() {
            return Err(Status::invalid_argument(
                "reason: must not be empty (it goes into the audit log)",
            ));
        }
        if r.reason.chars().count() > 500 {
            return Err(Status::invalid_argument(
                "reason: must be at most 500 characters",
            ));
        }
        let info = revoke_audited(
            &self.db,
            &audit::Actor::from(&caller),
            id,
            Some(r.reason.trim()),
        )
        .await
        .map_err(|e| match e {
            RevokeError::NotFound(_) => not_found(id),
            RevokeError::Internal(m) => internal(m),
        })?;
        Ok(Response::new(token_pb(info)))
    }
}

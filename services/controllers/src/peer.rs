//! `custodian.internal.v1.ControllersPeer`: what other processes of a split
//! deployment ask of the controllers service (a controller's record, its
//! webhook for outbox delivery, the last steps of a tenant's erasure). A
//! thin adapter: proto in, one repo call, proto out. The peer role is
//! checked by the permission table; the tenant must lie inside the scope
//! the peer acts in (`x-custodian-scope`).

use audit::Actor;
use auth::{peer_scope, peer_tenant};
use proto::internal as ipb;
use proto::wire;
use tonic::{Request, Response, Status};

use domain_kit::PortError;

use crate::domain::{Controller, ControllerId};
use crate::repo::ControllerRepo;

pub struct ControllersPeerGrpc {
    repo: ControllerRepo,
}

pub fn service(
    db: sea_orm::DatabaseConnection,
) -> ipb::controllers_peer_server::ControllersPeerServer<ControllersPeerGrpc> {
    ipb::controllers_peer_server::ControllersPeerServer::new(ControllersPeerGrpc {
        repo: ControllerRepo::new(db),
    })
}

/// A controller as it crosses the wire; [`from_record`] reads it back.
pub fn record(c: Controller) -> ipb::ControllerRecord {
    ipb::ControllerRecord {
        id: c.id,
        legal_name: c.legal_name,
        kvk_number: c.kvk_number,
        country: c.country,
        privacy_email: c.privacy_email,
        dpo_name: c.dpo_name,
        dpo_email: c.dpo_email,
        webhook_url: c.webhook_url.unwrap_or_default(),
        webhook_secret_set: c.webhook_secret_set,
        created_at: wire::timestamp(c.created_at),
        updated_at: wire::timestamp(c.updated_at),
    }
}

/// The controller a peer sent, as this side's domain value.
pub fn from_record(c: ipb::ControllerRecord) -> Result<Controller, PortError> {
    let at = |v: &str| {
        domain_kit::instant("created_at", v)
            .ok()
            .flatten()
            .ok_or_else(|| {
                PortError::Internal(format!(
                    "the controllers peer sent an instant that is none: {}",
                    wire::quote(v)
                ))
            })
    };
    Ok(Controller {
        created_at: at(&c.created_at)?,
        updated_at: at(&c.updated_at)?,
        webhook_url: (!c.webhook_url.is_empty()).then_some(c.webhook_url),
        id: c.id,
        legal_name: c.legal_name,
        kvk_number: c.kvk_number,
        country: c.country,
        privacy_email: c.privacy_email,
        dpo_name: c.dpo_name,
        dpo_email: c.dpo_email,
        webhook_secret_set: c.webhook_secret_set,
    })
}

/// The peer, and the tenant it names inside its scope.
fn tenant_of(request: Request<ipb::TenantRef>) -> Result<(Actor, String), Status> {
    let (caller, scope) = peer_scope(&request)?;
    let actor = Actor::relayed(&caller, &request);
    let tenant = peer_tenant(&scope, "tenant_id", &request.into_inner().tenant_id)?;
    Ok((actor, tenant))
}

#[tonic::async_trait]
impl ipb::controllers_peer_server::ControllersPeer for ControllersPeerGrpc {
    async fn get_controller(
        &self,
        request: Request<ipb::TenantRef>,
    ) -> Result<Response<ipb::ControllerRecord>, Status> {
        let (_, tenant) = tenant_of(request)?;
        let id = ControllerId::parse("tenant_id", &tenant)?;
        let c = self.repo.get(&auth::Scope::Tenant(tenant), &id).await?;
        Ok(Response::new(record(c)))
    }

    async fn get_webhook(
        &self,
        request: Request<ipb::TenantRef>,
    ) -> Result<Response<ipb::Webhook>, Status> {
        let (_, tenant) = tenant_of(request)?;
        let (url, secret) = self.repo.webhook(&tenant).await?.unwrap_or_default();
        Ok(Response::new(ipb::Webhook { url, secret }))
    }

    async fn revoke_tokens(
        &self,
        request: Request<ipb::TenantRef>,
    ) -> Result<Response<ipb::Count>, Status> {
        let (actor, tenant) = tenant_of(request)?;
        let count = self.repo.revoke_tokens(&actor, &tenant).await?;
        Ok(Response::new(ipb::Count { count }))
    }

    async fn remove_webhook(
        &self,
        request: Request<ipb::TenantRef>,
    ) -> Result<Response<ipb::Count>, Status> {
        let (actor, tenant) = tenant_of(request)?;
        let count = self.repo.remove_webhook(&actor, &tenant).await?;
        Ok(Response::new(ipb::Count { count }))
    }
}

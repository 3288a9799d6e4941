//! `custodian.internal.v1.RequestsPeer`: a switched tenant's request records
//! go with its erasure, asked by a switching service in another process. A
//! thin adapter; the tenant must lie inside the scope the peer acts in.

use std::sync::Arc;

use audit::Actor;
use auth::{peer_scope, peer_tenant};
use proto::internal as ipb;
use tonic::{Request, Response, Status};

use crate::service::Requests;

pub struct RequestsPeerGrpc {
    requests: Arc<Requests>,
}

pub fn service(
    requests: Arc<Requests>,
) -> ipb::requests_peer_server::RequestsPeerServer<RequestsPeerGrpc> {
    ipb::requests_peer_server::RequestsPeerServer::new(RequestsPeerGrpc { requests })
}

#[tonic::async_trait]
impl ipb::requests_peer_server::RequestsPeer for RequestsPeerGrpc {
    async fn erase_tenant(
        &self,
        request: Request<ipb::TenantRef>,
    ) -> Result<Response<ipb::Count>, Status> {
        let (caller, scope) = peer_scope(&request)?;
        let tenant = peer_tenant(&scope, "tenant_id", &request.into_inner().tenant_id)?;
        let count = self
            .requests
            .erase_tenant(&Actor::from(&caller), &tenant)
            .await?;
        Ok(Response::new(ipb::Count { count }))
    }
}

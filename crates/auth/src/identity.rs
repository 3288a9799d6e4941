//! `custodian.v1.IdentityService`: who the caller is, as the auth layer
//! authenticated it, and what its role may call (from the permission table,
//! which stays the only place access is decided). No database.

use proto::v1::{self as pb, identity_service_server::IdentityService};
use tonic::{Request, Response, Status};

use crate::{Principal, permissions};

#[derive(Default)]
pub struct IdentityGrpc;

pub fn service() -> pb::identity_service_server::IdentityServiceServer<IdentityGrpc> {
    pb::identity_service_server::IdentityServiceServer::new(IdentityGrpc)
}

#[tonic::async_trait]
impl IdentityService for IdentityGrpc {
    async fn who_am_i(
        &self,
        request: Request<pb::WhoAmIRequest>,
    ) -> Result<Response<pb::WhoAmIResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        Ok(Response::new(pb::WhoAmIResponse {
            allowed_methods: permissions::allowed_methods(caller.role)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            token_id: caller.token_id,
            name: caller.name,
            role: caller.role.as_str().into(),
            tenant_id: caller.tenant.unwrap_or_default(),
        }))
    }
}

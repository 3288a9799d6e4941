//! `custodian.internal.v1.SubprocessorsPeer`: the sub-processors engaged for
//! a tenant at an instant, for the record of processing of an agreements
//! service in another process. A thin adapter; the tenant must lie inside
//! the scope the peer acts in (`x-custodian-scope`).

use std::sync::Arc;

use auth::{peer_scope, peer_tenant};
use proto::internal as ipb;
use tonic::{Request, Response, Status};

use crate::service::Subprocessor;
use crate::service::Subprocessors;

pub struct SubprocessorsPeerGrpc {
    subprocessors: Arc<Subprocessors>,
}

pub fn service(
    subprocessors: Arc<Subprocessors>,
) -> ipb::subprocessors_peer_server::SubprocessorsPeerServer<SubprocessorsPeerGrpc> {
    ipb::subprocessors_peer_server::SubprocessorsPeerServer::new(SubprocessorsPeerGrpc {
        subprocessors,
    })
}

/// One engaged sub-processor with its transfer classification, as it
/// crosses the wire (and as the in-process wiring reads it too).
fn engaged_pb(s: Subprocessor, c: &transfers::Classification) -> ipb::EngagedSubprocessor {
    ipb::EngagedSubprocessor {
        mechanism: c.mechanism.as_str().into(),
        permitted: c.permitted(),
        explanation: c.explanation.clone(),
        safeguards_doc: match &c.mechanism {
            transfers::Mechanism::Scc { tia_reference } => {
                tia_reference.clone().unwrap_or_default()
            }
            _ => String::new(),
        },
        id: s.id,
        legal_name: s.legal_name,
        address: s.address,
        country: s.country,
        service: s.service,
        contact_email: s.contact_email,
    }
}

#[tonic::async_trait]
impl ipb::subprocessors_peer_server::SubprocessorsPeer for SubprocessorsPeerGrpc {
    async fn engaged(
        &self,
        request: Request<ipb::EngagedRequest>,
    ) -> Result<Response<ipb::EngagedResponse>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = peer_tenant(&scope, "tenant_id", &r.tenant_id)?;
        let at = domain_kit::instant("at", &r.at)?
            .ok_or_else(|| Status::invalid_argument("at: required"))?;
        let list = self.subprocessors.engaged(&tenant, at).await?;
        Ok(Response::new(ipb::EngagedResponse {
            subprocessors: list.into_iter().map(|(s, c)| engaged_pb(s, &c)).collect(),
        }))
    }
}

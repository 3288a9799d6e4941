//! `custodian.internal.v1.ObligationsPeer`: the open obligations of the
//! services this process hosts, for the DeadlineService of another process
//! (a split deployment). The scope of the call (`x-custodian-scope`) bounds
//! the tenants answered for, exactly as `ListObligations` scopes a caller.

use std::sync::Arc;

use auth::Scope;
use chrono::{DateTime, Utc};
use legal_time::json::format_instant;
use proto::internal as ipb;
use proto::v1 as pb;
use tonic::{Request, Response, Status};

use crate::obligations::{ObligationQuery, ObligationSource};

pub struct ObligationsPeerGrpc {
    sources: Vec<Arc<dyn ObligationSource>>,
}

pub fn service(
    sources: Vec<Arc<dyn ObligationSource>>,
) -> ipb::obligations_peer_server::ObligationsPeerServer<ObligationsPeerGrpc> {
    ipb::obligations_peer_server::ObligationsPeerServer::new(ObligationsPeerGrpc { sources })
}

fn instant(field: &str, s: &str) -> Result<Option<DateTime<Utc>>, Status> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| Status::invalid_argument(format!("{field}: expected an RFC 3339 instant")))
}

#[tonic::async_trait]
impl ipb::obligations_peer_server::ObligationsPeer for ObligationsPeerGrpc {
    async fn open_obligations(
        &self,
        request: Request<ipb::OpenObligationsRequest>,
    ) -> Result<Response<ipb::OpenObligationsResponse>, Status> {
        let (_, scope) = auth::peer_scope(&request)?;
        let r = request.into_inner();
        let source = self
            .sources
            .iter()
            .find(|s| s.service() == r.service)
            .ok_or_else(|| {
                Status::not_found(format!(
                    "service: this process holds no obligations of {}",
                    proto::wire::quote(&r.service)
                ))
            })?;
        let requested = (!r.tenant_id.trim().is_empty()).then(|| r.tenant_id.trim().to_owned());
        if let (Scope::Tenant(own), Some(t)) = (&scope, &requested)
            && own != t
        {
            return Ok(Response::new(ipb::OpenObligationsResponse::default()));
        }
        let query = ObligationQuery {
            tenant: scope.filter(requested.as_deref()),
            due_before: instant("due_before", &r.due_before)?,
            due_by: instant("due_by", &r.due_by)?,
            limit: r.limit.clamp(1, 100_000),
        };
        let now = Utc::now();
        let got = source.open_obligations(&query).await.map_err(|e| {
            tracing::error!(error = %e, "obligation source failed");
            Status::unavailable(e.to_string())
        })?;
        Ok(Response::new(ipb::OpenObligationsResponse {
            obligations: got
                .into_iter()
                .map(|o| pb::Obligation {
                    overdue: o.due_strict <= now,
                    service: o.service.into(),
                    tenant_id: o.tenant_id,
                    object_type: o.object_type.into_owned(),
                    object_id: o.object_id,
                    description: o.description,
                    rule: o.rule.into_owned(),
                    citation: o.citation.into_owned(),
                    due_strict: format_instant(o.due_strict),
                    due_lenient: format_instant(o.due_lenient),
                })
                .collect(),
        }))
    }
}

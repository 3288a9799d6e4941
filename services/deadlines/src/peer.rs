//! `custodian.internal.v1.ObligationsPeer`: the open obligations of the
//! services this process hosts, for the DeadlineService of another process
//! (a split deployment). The scope of the call (`x-custodian-scope`) bounds
//! the tenants answered for, exactly as `ListObligations` scopes a caller.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use proto::internal as ipb;
use tonic::{Request, Response, Status};

use crate::obligations::{Cursor, ObligationQuery, ObligationSource};

pub struct ObligationsPeerGrpc {
    sources: Vec<Arc<dyn ObligationSource>>,
}

pub fn service(
    sources: Vec<Arc<dyn ObligationSource>>,
) -> ipb::obligations_peer_server::ObligationsPeerServer<ObligationsPeerGrpc> {
    ipb::obligations_peer_server::ObligationsPeerServer::new(ObligationsPeerGrpc { sources })
}

fn instant(field: &'static str, s: &str) -> Result<Option<DateTime<Utc>>, Status> {
    Ok(domain_kit::instant(field, s)?)
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
        let Ok(tenant) = scope.listing(requested.as_deref()) else {
            return Ok(Response::new(ipb::OpenObligationsResponse::default()));
        };
        let after = if r.after_object_id.is_empty() {
            None
        } else {
            Some(Cursor {
                due: instant("after_due", &r.after_due)?
                    .ok_or_else(|| Status::invalid_argument("after_due: required with a cursor"))?,
                object_id: r.after_object_id.clone(),
                rule: r.after_rule.clone(),
                tiebreak: r.after_tiebreak,
            })
        };
        let query = ObligationQuery {
            tenant,
            due_before: instant("due_before", &r.due_before)?,
            due_by: instant("due_by", &r.due_by)?,
            due_from: instant("due_from", &r.due_from)?,
            after,
            limit: r.limit.clamp(1, 100_000),
        };
        let fail = |e: crate::SourceError| {
            tracing::error!(error = %e, "obligation source failed");
            Status::unavailable(e.to_string())
        };
        if r.count_only {
            let count = source.count_open(&query).await.map_err(fail)?;
            return Ok(Response::new(ipb::OpenObligationsResponse {
                count,
                ..Default::default()
            }));
        }
        let now = Utc::now();
        let got = source.open_obligations(&query).await.map_err(fail)?;
        Ok(Response::new(ipb::OpenObligationsResponse {
            obligations: got
                .into_iter()
                .map(|o| crate::grpc::obligation_pb(o, now))
                .collect(),
            count: 0,
        }))
    }
}

//! AuditService over gRPC. Admins and auditors see every chain; a controller
//! sees only its own tenant's entries, whatever tenant it asks for.

use auth::Principal;
use proto::v1::{self as pb, audit_service_server::AuditService};
use proto::wire;
use sea_orm::DatabaseConnection;
use tonic::{Request, Response, Status};

use crate::{ListFilter, list};

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1_000;

pub struct AuditGrpc {
    db: DatabaseConnection,
}

impl AuditGrpc {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

pub fn service(db: DatabaseConnection) -> pb::audit_service_server::AuditServiceServer<AuditGrpc> {
    pb::audit_service_server::AuditServiceServer::new(AuditGrpc::new(db))
}

fn to_pb(e: store::entities::audit_events::Model) -> pb::AuditEvent {
    pb::AuditEvent {
        seq: e.seq as u64,
        at: wire::timestamp(e.at),
        tenant_id: e.tenant_id.unwrap_or_default(),
        tenant_seq: e.tenant_seq as u64,
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        reason: e.reason.unwrap_or_default(),
        details_json: e.details,
        prev_hash: e.prev_hash,
        hash: e.hash,
        writer: e.writer.unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl AuditService for AuditGrpc {
    async fn list_events(
        &self,
        req: Request<pb::ListEventsRequest>,
    ) -> Result<Response<pb::ListEventsResponse>, Status> {
        let caller = Principal::from_request(&req)?;
        let r = req.into_inner();
        // The token is the last seq shown.
        let page = wire::Page::parse(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE, |token| {
            token
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| wire::err(wire::PAGE_TOKEN_FIELD, "not a token this service issued"))
        })?;
        let after_seq = page.after.unwrap_or(0);
        let requested = (!r.tenant_id.trim().is_empty()).then(|| r.tenant_id.trim().to_owned());
        // Another tenant's chain does not exist for a tenant-bound caller.
        let Ok(tenant) = caller.scope().listing(requested.as_deref()) else {
            return Ok(Response::new(pb::ListEventsResponse::default()));
        };
        let day = |field: &str, v: &str| -> Result<Option<chrono::NaiveDate>, Status> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    Status::invalid_argument(format!(
                        "{field}: must be a date such as 2026-11-30, got {}",
                        wire::quote(v)
                    ))
                })
        };
        let (from, to) = (day("from_day", &r.from_day)?, day("to_day", &r.to_day)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(Status::invalid_argument(format!(
                "from_day: must not be after to_day ({t}), got {f}"
            )));
        }
        let filter = ListFilter {
            tenant_id: tenant,
            action_prefix: (!r.action_prefix.is_empty()).then_some(r.action_prefix),
            object_id: (!r.object_id.is_empty()).then_some(r.object_id),
            after_seq,
            // In newest-first order the token is the last seq shown: the
            // next page is older.
            before_seq: page.after.filter(|_| r.newest_first),
            newest_first: r.newest_first,
            // Amsterdam days: from the start of `from` to the end of `to`.
            from: from
                .map(|d| legal_time::period::end_of_day_exclusive(d - chrono::Duration::days(1))),
            until: to.map(legal_time::period::end_of_day_exclusive),
            limit: page.fetch(),
        };
        let failed = |e: crate::AuditError| {
            tracing::error!(error = %e, "audit list failed");
            Status::internal("internal error")
        };
        let mut rows = list(&self.db, &filter).await.map_err(failed)?;
        let total = if r.count_total {
            Some(crate::count(&self.db, &filter).await.map_err(failed)?)
        } else {
            None
        };
        let next = page.finish(&mut rows, |e| e.seq.to_string());
        Ok(Response::new(pb::ListEventsResponse {
            events: rows.into_iter().map(to_pb).collect(),
            next_page_token: next,
            total,
        }))
    }

    async fn record_console_session(
        &self,
        req: Request<pb::RecordConsoleSessionRequest>,
    ) -> Result<Response<pb::RecordConsoleSessionResponse>, Status> {
        let caller = Principal::from_request(&req)?;
        let action = match req.get_ref().event.as_str() {
            "sign_in" => "console.sign_in",
            "sign_out" => "console.sign_out",
            other => {
                return Err(Status::invalid_argument(format!(
                    "event: must be sign_in or sign_out, got {}",
                    wire::quote(other)
                )));
            }
        };
        let mut record = crate::Record::new(
            &crate::Actor::from(&caller),
            action,
            "token",
            &caller.token_id,
        );
        if let Some(t) = &caller.tenant {
            record = record.tenant(t.clone());
        }
        let e = crate::record(&self.db, record).await.map_err(|e| {
            tracing::error!(error = %e, "recording a console session failed");
            match e.outage() {
                Some(o) => Status::unavailable(o.to_string()),
                None => Status::internal("internal error"),
            }
        })?;
        Ok(Response::new(pb::RecordConsoleSessionResponse {
            seq: e.seq as u64,
        }))
    }

    async fn verify_chain(
        &self,
        req: Request<pb::VerifyChainRequest>,
    ) -> Result<Response<pb::VerifyChainResponse>, Status> {
        Principal::from_request(&req)?;
        let internal = |e: crate::AuditError| {
            tracing::error!(error = %e, "audit verification failed to read the chain");
            Status::internal("the audit chain could not be read")
        };
        let head = crate::global_head(&self.db).await.map_err(internal)?;
        let r = crate::verify(&self.db).await.map_err(internal)?;
        let b = r.broken.clone();
        Ok(Response::new(pb::VerifyChainResponse {
            intact: b.is_none(),
            entries: r.entries,
            tenants: r.tenants,
            broken_seq: b.as_ref().map(|b| b.seq.max(0) as u64).unwrap_or_default(),
            broken_chain: b.as_ref().map(|b| b.chain.clone()).unwrap_or_default(),
            broken_reason: b.map(|b| b.reason).unwrap_or_default(),
            head_seq: head.0.max(0) as u64,
            head_hash: head.1,
            verified_at: wire::timestamp(store::now_micros()),
            writers: r
                .writers
                .into_iter()
                .map(|(writer, entries)| pb::WriterCount { writer, entries })
                .collect(),
        }))
    }
}

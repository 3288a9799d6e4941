//! The gRPC adapter of DeadlineService.

use std::collections::BTreeMap;

use auth::Principal;
use chrono::{DateTime, Utc};
use legal_time::json::format_instant;
use proto::v1::{self as pb, deadline_service_server::DeadlineService};
use tonic::{Request, Response, Status};

use crate::obligations::{ListRequest, ObligationQuery, Obligations, PageCursor};

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1_000;

pub struct DeadlineGrpc {
    obligations: Obligations,
}

impl DeadlineGrpc {
    pub fn new(obligations: Obligations) -> Self {
        Self { obligations }
    }
}

fn reading(r: &legal_time::Reading) -> pb::Reading {
    pb::Reading {
        date: r.date.map(|d| d.to_string()).unwrap_or_default(),
        instant: format_instant(r.instant),
    }
}

/// The proto form of a rule result; `json` is the exact text the command prints.
pub fn to_pb(o: &legal_time::Outcome) -> pb::ComputeResponse {
    let mut result = pb::DeadlineResult {
        rule: o.rule.into(),
        kind: o.kind.as_str().into(),
        citation: o.citation.into(),
        notes: o.notes.clone(),
        ..Default::default()
    };
    match &o.readings {
        legal_time::Readings::Single { strict, lenient } => {
            result.strict = Some(reading(strict));
            result.lenient = Some(reading(lenient));
        }
        legal_time::Readings::Milestones(ms) => {
            result.milestones = ms
                .iter()
                .map(|m| pb::Milestone {
                    name: m.name.into(),
                    kind: m.kind.as_str().into(),
                    strict: Some(reading(&m.strict)),
                    lenient: Some(reading(&m.lenient)),
                })
                .collect();
        }
    }
    pb::ComputeResponse {
        result: Some(result),
        json: legal_time::json::to_string(o),
    }
}

fn rule_error(e: legal_time::RuleError) -> Status {
    use legal_time::RuleError as E;
    let field = match &e {
        E::UnknownRule { .. } => "rule",
        E::BadStart { .. } => "at",
        E::UnknownParam { .. } | E::MissingParam { .. } | E::BadParam { .. } | E::Impossible(_) => {
            "params"
        }
    };
    Status::invalid_argument(format!("{field}: {e}"))
}

#[tonic::async_trait]
impl DeadlineService for DeadlineGrpc {
    async fn compute(
        &self,
        req: Request<pb::ComputeRequest>,
    ) -> Result<Response<pb::ComputeResponse>, Status> {
        let r = req.into_inner();
        let params: BTreeMap<String, String> = r.params.into_iter().collect();
        let o = legal_time::compute(r.rule.trim(), &r.at, &params).map_err(rule_error)?;
        Ok(Response::new(to_pb(&o)))
    }

    async fn list_rules(
        &self,
        _req: Request<pb::ListRulesRequest>,
    ) -> Result<Response<pb::ListRulesResponse>, Status> {
        let rules = legal_time::CATALOGUE
            .iter()
            .map(|r| pb::RuleInfo {
                id: r.id.into(),
                kind: r.kind.as_str().into(),
                citation: r.citation.into(),
                starts_at: r.start_description.into(),
                summary: r.summary.into(),
                params: r
                    .params
                    .iter()
                    .map(|p| pb::RuleParam {
                        name: p.name.into(),
                        default_value: p.default.into(),
                        description: p.description.into(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Response::new(pb::ListRulesResponse { rules }))
    }

    async fn list_obligations(
        &self,
        req: Request<pb::ListObligationsRequest>,
    ) -> Result<Response<pb::ListObligationsResponse>, Status> {
        let caller = Principal::from_request(&req)?;
        let r = req.into_inner();
        let page = proto::wire::Page::parse(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE, |token| {
            PageCursor::parse(token).ok_or_else(|| {
                domain_kit::err(
                    proto::wire::PAGE_TOKEN_FIELD,
                    "not a token this service issued",
                )
            })
        })?;
        let after = page.after.unwrap_or_default();
        let due_before = domain_kit::instant("due_before", &r.due_before)?;
        let due_from = domain_kit::instant("due_from", &r.due_from)?;
        let service = (!r.service.trim().is_empty()).then(|| r.service.trim().to_owned());
        if let Some(s) = &service
            && !self.obligations.services().contains(&s.as_str())
        {
            return Err(Status::invalid_argument(format!(
                "service: no obligations come from {}; sources: {}",
                proto::wire::quote(s),
                self.obligations.services().join(", ")
            )));
        }
        let requested = (!r.tenant_id.trim().is_empty()).then(|| r.tenant_id.trim().to_owned());
        let Ok(tenant) = caller.scope().listing(requested.as_deref()) else {
            return Ok(Response::new(pb::ListObligationsResponse {
                total: r.count_total.then_some(0),
                ..Default::default()
            }));
        };
        let now = Utc::now();
        let list = ListRequest {
            query: ObligationQuery {
                tenant,
                due_before,
                due_from,
                ..Default::default()
            },
            service,
            overdue_only: r.overdue_only,
            now,
            after,
            limit: page.size as usize,
            count: r.count_total,
        };
        let page = self.obligations.list(&list).await.map_err(|e| {
            tracing::error!(error = %e, "obligation source failed");
            Status::unavailable(e.to_string())
        })?;
        Ok(Response::new(pb::ListObligationsResponse {
            obligations: page
                .obligations
                .into_iter()
                .map(|o| obligation_pb(o, now))
                .collect(),
            next_page_token: page.next.map(|c| c.token()).unwrap_or_default(),
            total: page.total,
        }))
    }
}

/// An obligation on the wire, flagged overdue against `now`.
pub fn obligation_pb(o: crate::Obligation, now: DateTime<Utc>) -> pb::Obligation {
    pb::Obligation {
        overdue: o.due_strict <= now,
        service: o.service.into(),
        tenant_id: o.tenant_id,
        object_type: o.object_type.into_owned(),
        object_id: o.object_id,
        title: o.title,
        description: o.description,
        rule: o.rule.into_owned(),
        citation: o.citation.into_owned(),
        due_strict: format_instant(o.due_strict),
        due_lenient: format_instant(o.due_lenient),
        notes: o.notes,
    }
}

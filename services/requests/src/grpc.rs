//! The thin gRPC adapter of RequestService.

use std::sync::Arc;

use audit::Actor;
use auth::Principal;
use proto::v1::{self as pb, request_service_server::RequestService};
use proto::wire;
use tonic::{Request, Response, Status};

use crate::domain::*;
use crate::service::*;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub struct RequestGrpc {
    svc: Arc<Requests>,
}

impl RequestGrpc {
    pub fn new(svc: Arc<Requests>) -> Self {
        Self { svc }
    }
}

impl From<RequestError> for Status {
    fn from(e: RequestError) -> Status {
        proto::status::of("requests", &e)
    }
}

fn deadline_pb(d: &Deadline) -> pb::RequestDeadline {
    pb::RequestDeadline {
        rule: d.rule.into(),
        strict: wire::timestamp(d.strict),
        lenient: wire::timestamp(d.lenient),
        notes: d.notes.clone(),
    }
}

fn ts(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(wire::timestamp).unwrap_or_default()
}

pub fn request_pb(v: &RequestView) -> pb::DataSubjectRequest {
    let r = &v.row;
    pb::DataSubjectRequest {
        id: r.id.clone(),
        controller_id: r.tenant_id.clone(),
        r#type: r.kind.clone(),
        channel: r.channel.clone(),
        received_at: wire::timestamp(r.received_at),
        status: r.state.clone(),
        identified_by: serde_json::from_str(&r.identified_by).unwrap_or_default(),
        candidate_ref: r.candidate_ref.clone().unwrap_or_default(),
        description: r.description.clone().unwrap_or_default(),
        suspension: r.suspension.clone(),
        identity_requested_at: ts(r.identity_requested_at),
        identity_received_at: ts(r.identity_received_at),
        extended_at: ts(r.extended_at),
        extension_reasons: r.extension_reasons.clone().unwrap_or_default(),
        deadline: Some(deadline_pb(v.deadline())),
        extension_notice: Some(deadline_pb(&v.extension_notice)),
        response: Some(deadline_pb(&v.response)),
        extended_response: Some(deadline_pb(&v.extended_response)),
        forwarded_notification_id: r.forwarded_message_id.clone().unwrap_or_default(),
        subject_informed_at: ts(r.subject_informed_at),
        answered_at: ts(r.answered_at),
        outcome: r.outcome.clone().unwrap_or_default(),
        refusal_reasons: r.refusal_reasons.clone().unwrap_or_default(),
        complaint_info: r.complaint_info.clone().unwrap_or_default(),
        judicial_remedy_info: r.judicial_remedy_info.clone().unwrap_or_default(),
        closed_at: ts(r.closed_at),
        created_at: wire::timestamp(r.created_at),
        late: v.late,
    }
}

/// An optional instant that has happened (not in the future, 2000 or later).
fn file_pb(f: &crate::export::File) -> pb::ExportFile {
    pb::ExportFile {
        name: f.name.clone(),
        content_type: f.content_type.into(),
        content: f.content.clone(),
        sha256: f.sha256.clone(),
    }
}

#[tonic::async_trait]
impl RequestService for RequestGrpc {
    async fn create_request(
        &self,
        request: Request<pb::CreateRequestRequest>,
    ) -> Result<Response<pb::DataSubjectRequest>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let s = r.subject.unwrap_or_default();
        let input = RequestInput {
            controller_id: &r.controller_id,
            kind: &r.r#type,
            channel: &r.channel,
            received_at: &r.received_at,
            email: &s.email,
            phone: &s.phone,
            candidate_ref: &s.candidate_ref,
            subject_informed_at: &r.subject_informed_at,
            description: &r.description,
        };
        let v = self
            .svc
            .create(&Actor::from(&caller), &caller.scope(), &input)
            .await?;
        Ok(Response::new(request_pb(&v)))
    }

    async fn get_request(
        &self,
        request: Request<pb::GetRequestRequest>,
    ) -> Result<Response<pb::DataSubjectRequest>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("id", &request.get_ref().id)?;
        let v = self.svc.get(&caller.scope(), &id).await?;
        Ok(Response::new(request_pb(&v)))
    }

    async fn get_extension_stats(
        &self,
        request: Request<pb::GetExtensionStatsRequest>,
    ) -> Result<Response<pb::ExtensionStats>, Status> {
        use crate::stats::{NOTE, Quarter, range};
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let controller = optional_uuid("controller_id", &r.controller_id)?;
        let quarter = |field: &'static str, s: &str| -> Result<Option<Quarter>, Status> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                Ok(Some(Quarter::parse(field, s).map_err(RequestError::from)?))
            }
        };
        let from = quarter("from_quarter", &r.from_quarter)?;
        let to = quarter("to_quarter", &r.to_quarter)?;
        let today = legal_time::period::local_date(chrono::Utc::now());
        let (from, to) = range(from, to, today).map_err(RequestError::from)?;
        let scope = caller.scope();
        // Another tenant's figures are never shown: a tenant-bound caller
        // naming another controller gets an empty answer, as for a missing
        // one (`Scope::listing`, applied by the service).
        let stats = self
            .svc
            .extension_stats(&scope, controller.as_deref(), from, to)
            .await?;
        Ok(Response::new(pb::ExtensionStats {
            stats: stats
                .iter()
                .map(|s| pb::ExtensionStat {
                    controller_id: s.controller.clone(),
                    quarter: s.quarter.to_string(),
                    requests: s.requests,
                    extended: s.extended,
                    share: s.share(),
                })
                .collect(),
            from_quarter: from.to_string(),
            to_quarter: to.to_string(),
            note: NOTE.into(),
        }))
    }

    async fn get_request_stats(
        &self,
        request: Request<pb::GetRequestStatsRequest>,
    ) -> Result<Response<pb::RequestStats>, Status> {
        use crate::stats::{MONTH_NOTE, Month, month_range};
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let controller = optional_uuid("controller_id", &r.controller_id)?;
        let month = |field: &'static str, s: &str| -> Result<Option<Month>, Status> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                Ok(Some(Month::parse(field, s).map_err(RequestError::from)?))
            }
        };
        let from = month("from_month", &r.from_month)?;
        let to = month("to_month", &r.to_month)?;
        let today = legal_time::period::local_date(chrono::Utc::now());
        let (from, to) = month_range(from, to, today).map_err(RequestError::from)?;
        let scope = caller.scope();
        // As for the extension figures: another tenant's are never shown.
        let stats = self
            .svc
            .monthly_stats(&scope, controller.as_deref(), from, to)
            .await?;
        Ok(Response::new(pb::RequestStats {
            stats: stats
                .into_iter()
                .map(|s| pb::MonthStat {
                    month: s.month,
                    r#type: s.kind,
                    received: s.received,
                    answered_on_time: s.on_time,
                    answered_late: s.late,
                    open: s.open,
                    overdue: s.overdue,
                })
                .collect(),
            from_month: from.to_string(),
            to_month: to.to_string(),
            note: MONTH_NOTE.into(),
        }))
    }

    async fn list_requests(
        &self,
        request: Request<pb::ListRequestsRequest>,
    ) -> Result<Response<pb::ListRequestsResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let controller = optional_uuid("controller_id", &r.controller_id)?;
        let state = if r.status.trim().is_empty() {
            None
        } else {
            Some(State::parse("status", &r.status)?)
        };
        let email = r.subject_email.trim();
        let reference = r.candidate_ref.trim();
        if reference.chars().count() > 200 || reference.chars().any(char::is_control) {
            return Err(err(
                "candidate_ref",
                format!(
                    "must be at most 200 characters without control characters, got {}",
                    wire::quote(reference)
                ),
            )
            .into());
        }
        let filter = crate::service::ListFilter {
            controller: controller.as_deref(),
            state,
            subject_email: (!email.is_empty()).then_some(email),
            candidate_ref: (!reference.is_empty()).then_some(reference),
        };
        let mut rows = self
            .svc
            .list(
                &caller.scope(),
                &filter,
                page.after.as_deref(),
                page.fetch(),
            )
            .await?;
        let next = page.finish(&mut rows, |v| v.row.id.clone());
        Ok(Response::new(pb::ListRequestsResponse {
            requests: rows.iter().map(request_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn record_identity_check(
        &self,
        request: Request<pb::RecordIdentityCheckRequest>,
    ) -> Result<Response<pb::DataSubjectRequest>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("id", &r.id)?;
        let received = match r.step.trim() {
            "asked" => false,
            "received" => true,
            x => {
                return Err(err(
                    "step",
                    format!("expected asked or received, got {}", proto::wire::quote(x)),
                )
                .into());
            }
        };
        let now = store::now_micros();
        let at = past("at", &r.at, now)?.unwrap_or(now);
        let v = self
            .svc
            .identity(&Actor::from(&caller), &caller.scope(), &id, received, at)
            .await?;
        Ok(Response::new(request_pb(&v)))
    }

    async fn extend_request(
        &self,
        request: Request<pb::ExtendRequestRequest>,
    ) -> Result<Response<pb::DataSubjectRequest>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("id", &r.id)?;
        let reasons = text("reasons", &r.reasons, 4000)?;
        let v = self
            .svc
            .extend(&Actor::from(&caller), &caller.scope(), &id, reasons)
            .await?;
        Ok(Response::new(request_pb(&v)))
    }

    async fn fulfil_request(
        &self,
        request: Request<pb::FulfilRequestRequest>,
    ) -> Result<Response<pb::FulfilResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("id", &r.id)?;
        let note = optional_text("note", &r.note, 4000)?;
        let (v, f) = self
            .svc
            .fulfil(
                &Actor::from(&caller),
                &caller.scope(),
                &id,
                r.corrections.map(corrections),
                note,
            )
            .await?;
        Ok(Response::new(pb::FulfilResponse {
            request: Some(request_pb(&v)),
            files: f.files.iter().map(file_pb).collect(),
            certificates: f.certificates.iter().map(certificate_pb).collect(),
        }))
    }

    async fn refuse_request(
        &self,
        request: Request<pb::RefuseRequestRequest>,
    ) -> Result<Response<pb::DataSubjectRequest>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("id", &r.id)?;
        let reasons = text("reasons", &r.reasons, 4000)?;
        let complaint = optional_text("complaint_info", &r.complaint_info, 4000)?;
        let remedy = optional_text("judicial_remedy_info", &r.judicial_remedy_info, 4000)?;
        let v = self
            .svc
            .refuse(
                &Actor::from(&caller),
                &caller.scope(),
                &id,
                reasons,
                complaint,
                remedy,
            )
            .await?;
        Ok(Response::new(request_pb(&v)))
    }

    async fn close_request(
        &self,
        request: Request<pb::CloseRequestRequest>,
    ) -> Result<Response<pb::DataSubjectRequest>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("id", &request.get_ref().id)?;
        let v = self
            .svc
            .close(&Actor::from(&caller), &caller.scope(), &id)
            .await?;
        Ok(Response::new(request_pb(&v)))
    }
}

/// The corrections of a rectification, as the service takes them.
fn corrections(p: pb::CandidatePayload) -> crate::ports::SubjectPayload {
    crate::ports::SubjectPayload {
        name: p.name,
        email: p.email,
        phone: p.phone,
        notes: p.notes,
        custom_fields: p.custom_fields.into_iter().collect(),
        cv: p.cv,
        cv_filename: p.cv_filename,
        cv_content_type: p.cv_content_type,
    }
}

fn certificate_pb(c: &crate::ports::CandidateCertificate) -> pb::DeletionCertificate {
    pb::DeletionCertificate {
        candidate_id: c.candidate_id.clone(),
        tenant_id: c.tenant_id.clone(),
        external_ref: c.external_ref.clone(),
        reason: c.reason.clone(),
        basis: c.basis.clone(),
        shredded_at: wire::timestamp(c.shredded_at),
        ledger_seq: c.ledger_seq,
        ledger_hash: c.ledger_hash.clone(),
        destroyed: c.destroyed.clone(),
        signed: c.signed.clone(),
    }
}

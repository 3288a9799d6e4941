//! The thin gRPC adapter of AgreementService.

use std::sync::Arc;

use audit::Actor;
use auth::Principal;
use proto::v1::{self as pb, agreement_service_server::AgreementService};
use proto::wire;
use tonic::{Request, Response, Status};

use crate::domain::*;
use crate::record::{self, Format};
use crate::service::{Agreement, Agreements, today};

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub struct AgreementGrpc {
    svc: Arc<Agreements>,
}

impl AgreementGrpc {
    pub fn new(svc: Arc<Agreements>) -> Self {
        Self { svc }
    }
}

impl From<AgreementError> for Status {
    fn from(e: AgreementError) -> Status {
        proto::status::of("agreements", &e)
    }
}

fn optional_date(field: &'static str, s: &str) -> Result<Option<chrono::NaiveDate>, FieldError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        date(field, s).map(Some)
    }
}

pub fn terms_input(t: pb::AgreementTerms) -> TermsInput {
    TermsInput {
        reference: t.reference,
        purposes: t.purposes,
        data_categories: t.data_categories,
        data_subject_categories: t.data_subject_categories,
        special_categories: t.special_categories,
        processing_locations: t.processing_locations,
        subprocessor_authorisation: t.subprocessor_authorisation,
        objection_period_days: t.objection_period_days,
        breach_notice_sla_hours: t.breach_notice_sla_hours,
        end_of_contract: t.end_of_contract,
        deletion_term_days: t.deletion_term_days,
        contract_start: t.contract_start,
        term_months: t.term_months,
        auto_renew: t.auto_renew,
        renewal_months: t.renewal_months,
        notice_period: t.notice_period,
        notice_period_unit: t.notice_period_unit,
        audits_per_year: t.audits_per_year,
        security_measures: t.security_measures,
        controller_representative: t.controller_representative,
        processor_may_notify_authority: t.processor_may_notify_authority,
        dsr_identity_suspension: t.dsr_identity_suspension,
    }
}

fn terms(t: Option<pb::AgreementTerms>) -> Result<Terms, FieldError> {
    let t = t.ok_or_else(|| err("terms", "required"))?;
    Terms::parse(terms_input(t))
}

pub fn terms_pb(t: &Terms) -> pb::AgreementTerms {
    pb::AgreementTerms {
        reference: t.reference.clone(),
        purposes: t.purposes.clone(),
        data_categories: t.data_categories.clone(),
        data_subject_categories: t.data_subject_categories.clone(),
        special_categories: t.special_categories,
        processing_locations: t.processing_locations.clone(),
        subprocessor_authorisation: t.subprocessor_authorisation.as_str().into(),
        objection_period_days: Some(t.objection_period_days as i32),
        breach_notice_sla_hours: Some(t.breach_notice_sla_hours as i32),
        end_of_contract: t.end_of_contract.as_str().into(),
        deletion_term_days: Some(t.deletion_term_days as i32),
        contract_start: t.contract_start.to_string(),
        term_months: Some(t.term_months as i32),
        auto_renew: t.auto_renew,
        renewal_months: Some(t.renewal_months as i32),
        notice_period: Some(t.notice_period as i32),
        notice_period_unit: t.notice_period_unit.as_str().into(),
        audits_per_year: Some(t.audits_per_year as i32),
        security_measures: t.security_measures.clone(),
        controller_representative: t.controller_representative.clone().unwrap_or_default(),
        processor_may_notify_authority: t.processor_may_notify_authority,
        dsr_identity_suspension: t.dsr_identity_suspension.clone(),
    }
}

pub fn agreement_pb(a: &Agreement) -> pb::Agreement {
    let schedule = match a.status {
        crate::domain::AgreementStatus::Ended => None,
        crate::domain::AgreementStatus::Terminating => Some(pb::AgreementSchedule {
            period_end: a.ends_on.map(|d| d.to_string()).unwrap_or_default(),
            notice_by: String::new(),
            notes: vec!["notice was given: the agreement ends on ends_on".into()],
        }),
        _ => a
            .terms
            .schedule(today())
            .ok()
            .map(|s| pb::AgreementSchedule {
                period_end: s.period_end.to_string(),
                notice_by: s.notice_by.map(|d| d.to_string()).unwrap_or_default(),
                notes: s.notes,
            }),
    };
    pb::Agreement {
        id: a.id.clone(),
        controller_id: a.tenant_id.clone(),
        status: a.status.as_str().into(),
        version: a.version,
        latest_version: a.latest_version,
        terms: Some(terms_pb(&a.terms)),
        version_note: a.version_note.clone(),
        activated_at: a.activated_at.map(wire::timestamp).unwrap_or_default(),
        notice_given_on: a.notice_given_on.map(|d| d.to_string()).unwrap_or_default(),
        ends_on: a.ends_on.map(|d| d.to_string()).unwrap_or_default(),
        ended_at: a.ended_at.map(wire::timestamp).unwrap_or_default(),
        schedule,
        created_at: wire::timestamp(a.created_at),
        updated_at: wire::timestamp(a.updated_at),
    }
}

fn reason(s: &str) -> Result<String, FieldError> {
    if s.trim().is_empty() {
        Ok(String::new())
    } else {
        text("reason", s, 500)
    }
}

#[tonic::async_trait]
impl AgreementService for AgreementGrpc {
    async fn create_agreement(
        &self,
        request: Request<pb::CreateAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let tenant = uuid_field("controller_id", &r.controller_id)?;
        let terms = terms(r.terms)?;
        if !caller.scope().allows(&tenant) {
            return Err(AgreementError::NotFound("controller").into());
        }
        let a = self
            .svc
            .create(&Actor::from(&caller), &tenant, terms)
            .await?;
        Ok(Response::new(agreement_pb(&a)))
    }

    async fn get_agreement(
        &self,
        request: Request<pb::GetAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let id = uuid_field("id", &r.id)?;
        // Versions are stored as 32-bit signed integers: a larger one is
        // refused, never wrapped.
        if i32::try_from(r.version).is_err() {
            return Err(Status::invalid_argument(format!(
                "version: must be at most {}, got {}",
                i32::MAX,
                r.version
            )));
        }
        let v = (r.version > 0).then_some(r.version);
        let a = self.svc.get(&caller.scope(), &id, v).await?;
        Ok(Response::new(agreement_pb(&a)))
    }

    async fn list_agreements(
        &self,
        request: Request<pb::ListAgreementsRequest>,
    ) -> Result<Response<pb::ListAgreementsResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let requested = if r.controller_id.trim().is_empty() {
            None
        } else {
            Some(uuid_field("controller_id", &r.controller_id)?)
        };
        let status = match r.status.trim() {
            "" => None,
            s => Some(crate::domain::AgreementStatus::parse(s).ok_or_else(|| {
                err(
                    "status",
                    format!(
                        "expected draft, active, terminating or ended, got {}",
                        proto::wire::quote(s)
                    ),
                )
            })?),
        };
        let Ok(tenant) = caller.scope().listing(requested.as_deref()) else {
            return Ok(Response::new(pb::ListAgreementsResponse::default()));
        };
        let mut rows = self
            .svc
            .list(
                tenant.as_deref(),
                status,
                page.after.as_deref(),
                page.fetch(),
            )
            .await?;
        let next = page.finish(&mut rows, |a| a.id.clone());
        Ok(Response::new(pb::ListAgreementsResponse {
            agreements: rows.iter().map(agreement_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn list_agreement_versions(
        &self,
        request: Request<pb::ListAgreementVersionsRequest>,
    ) -> Result<Response<pb::ListAgreementVersionsResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("id", &request.get_ref().id)?;
        let vs = self.svc.versions(&caller.scope(), &id).await?;
        Ok(Response::new(pb::ListAgreementVersionsResponse {
            versions: vs.iter().map(agreement_pb).collect(),
        }))
    }

    async fn amend_agreement(
        &self,
        request: Request<pb::AmendAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("id", &r.id)?;
        let terms = terms(r.terms)?;
        let note = text("note", &r.note, 500)?;
        let a = self
            .svc
            .amend(&Actor::from(&caller), &caller.scope(), &id, terms, &note)
            .await?;
        Ok(Response::new(agreement_pb(&a)))
    }

    async fn activate_agreement(
        &self,
        request: Request<pb::AgreementTransitionRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let id = uuid_field("id", &r.id)?;
        let why = reason(&r.reason)?;
        let a = self
            .svc
            .activate(&Actor::from(&caller), &caller.scope(), &id, &why)
            .await?;
        Ok(Response::new(agreement_pb(&a)))
    }

    async fn terminate_agreement(
        &self,
        request: Request<pb::TerminateAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let id = uuid_field("id", &r.id)?;
        let notice = optional_date("notice_given_on", &r.notice_given_on)?;
        let ends = optional_date("ends_on", &r.ends_on)?;
        let why = reason(&r.reason)?;
        let a = self
            .svc
            .terminate(
                &Actor::from(&caller),
                &caller.scope(),
                &id,
                notice,
                ends,
                &why,
            )
            .await?;
        Ok(Response::new(agreement_pb(&a)))
    }

    async fn end_agreement(
        &self,
        request: Request<pb::AgreementTransitionRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let id = uuid_field("id", &r.id)?;
        let why = reason(&r.reason)?;
        let a = self
            .svc
            .end(&Actor::from(&caller), &caller.scope(), &id, &why)
            .await?;
        Ok(Response::new(agreement_pb(&a)))
    }

    async fn export_processing_record(
        &self,
        request: Request<pb::ExportProcessingRecordRequest>,
    ) -> Result<Response<pb::ProcessingRecordExport>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let format = Format::parse(&r.format)?;
        let requested = if r.controller_id.trim().is_empty() {
            None
        } else {
            Some(uuid_field("controller_id", &r.controller_id)?)
        };
        // One controller's record is an object: another tenant's is not
        // found, as a missing one.
        let Ok(tenant) = caller.scope().listing(requested.as_deref()) else {
            return Err(AgreementError::NotFound("agreement in force for this controller").into());
        };
        let rec = self.svc.processing_record(tenant.as_deref()).await?;
        let content = record::render(&rec, format);
        Ok(Response::new(pb::ProcessingRecordExport {
            format: format.as_str().into(),
            content_type: format.content_type().into(),
            content,
            generated_at: rec.generated_at.clone(),
            controllers: rec.controllers.len() as u32,
            warnings: rec.warnings.clone(),
        }))
    }
}

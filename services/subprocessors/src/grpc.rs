//! The thin gRPC adapter of SubprocessorService.

use std::sync::Arc;

use audit::Actor;
use auth::Principal;
use proto::v1::{self as pb, subprocessor_service_server::SubprocessorService};
use proto::wire;
use tonic::{Request, Response, Status};

use crate::domain::*;
use crate::service::*;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub struct SubprocessorGrpc {
    svc: Arc<Subprocessors>,
}

impl SubprocessorGrpc {
    pub fn new(svc: Arc<Subprocessors>) -> Self {
        Self { svc }
    }
}

impl From<SubprocessorError> for Status {
    fn from(e: SubprocessorError) -> Status {
        proto::status::of("subprocessors", &e)
    }
}

// `FieldError` (shared with agreements) converts to INVALID_ARGUMENT through
// the impl in `agreements::grpc`, the same mapping as `SubprocessorError::Invalid`.

pub fn classification_pb(
    c: &transfers::Classification,
    on: chrono::NaiveDate,
) -> pb::TransferClassification {
    pb::TransferClassification {
        country: c.country.clone(),
        mechanism: c.mechanism.as_str().into(),
        transfer: c.is_transfer(),
        permitted: c.permitted(),
        adequacy_decision: match &c.mechanism {
            transfers::Mechanism::Adequacy(a) => a.decision.into(),
            _ => String::new(),
        },
        explanation: c.explanation.clone(),
        on: on.to_string(),
    }
}

pub fn subprocessor_pb(s: &Subprocessor) -> pb::Subprocessor {
    let on = today();
    pb::Subprocessor {
        id: s.id.clone(),
        legal_name: s.legal_name.clone(),
        address: s.address.clone(),
        country: s.country.clone(),
        service: s.service.clone(),
        data_categories: s.data_categories.clone(),
        contact_email: s.contact_email.clone(),
        flowdown_contract_ref: s.flowdown_contract_ref.clone(),
        flowdown_date: s.flowdown_date.map(|d| d.to_string()).unwrap_or_default(),
        adequacy_scope_met: s.adequacy_scope_met,
        tia_reference: s.tia_reference.clone().unwrap_or_default(),
        transfer: Some(classification_pb(&s.classify(on), on)),
        created_at: wire::timestamp(s.created_at),
        updated_at: wire::timestamp(s.updated_at),
    }
}

fn objection_pb(o: &Objection) -> pb::Objection {
    pb::Objection {
        id: o.id.clone(),
        notice_id: o.notice_id.clone(),
        controller_id: o.tenant_id.clone(),
        filed_at: wire::timestamp(o.filed_at),
        filed_by: o.filed_by.clone(),
        reason: o.reason.clone(),
        resolution: o
            .resolution
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default(),
        resolved_at: o.resolved_at.map(wire::timestamp).unwrap_or_default(),
        resolution_note: o.resolution_note.clone().unwrap_or_default(),
    }
}

fn authorisation_pb(a: &Authorisation) -> pb::Authorisation {
    pb::Authorisation {
        id: a.id.clone(),
        controller_id: a.tenant_id.clone(),
        subprocessor_id: a.subprocessor_id.clone(),
        basis: a.basis.clone(),
        reference: a.reference.clone(),
        effective_from: wire::timestamp(a.effective_from),
        recorded_by: a.recorded_by.clone(),
        notice_id: a.notice_id.clone().unwrap_or_default(),
    }
}

pub fn notice_pb(n: &NoticeView) -> pb::Notice {
    pb::Notice {
        id: n.id.clone(),
        change_id: n.change_id.clone(),
        controller_id: n.tenant_id.clone(),
        kind: n.kind.as_str().into(),
        subprocessor_id: n.subprocessor_id.clone(),
        subprocessor_name: n.subprocessor_name.clone(),
        replaces_id: n.replaces_id.clone().unwrap_or_default(),
        effective_on: n.effective_on.to_string(),
        description: n.description.clone(),
        authorisation_mode: n.mode.as_str().into(),
        objection_period_days: n.objection_days,
        status: n.status.as_str().into(),
        delivered_at: n
            .delivery
            .as_ref()
            .and_then(|m| m.delivered_at)
            .map(wire::timestamp)
            .unwrap_or_default(),
        window: n.window.as_ref().map(|w| pb::ObjectionWindow {
            opened_at: wire::timestamp(w.opened_at),
            last_day: w.last_day.to_string(),
            last_day_lenient: w.last_day_lenient.to_string(),
            closes_at: wire::timestamp(w.closes_at),
            notes: w.notes.clone(),
        }),
        objections: n.objections.iter().map(objection_pb).collect(),
        delivery: n.delivery.as_ref().map(outbox::grpc::notification_pb),
        approved_at: n.approved_at.map(wire::timestamp).unwrap_or_default(),
        created_at: wire::timestamp(n.created_at),
    }
}

fn change_pb(c: &ChangeView) -> pb::Change {
    pb::Change {
        id: c.id.clone(),
        kind: c.kind.as_str().into(),
        subprocessor_id: c.subprocessor_id.clone(),
        replaces_id: c.replaces_id.clone().unwrap_or_default(),
        effective_on: c.effective_on.to_string(),
        description: c.description.clone(),
        created_at: wire::timestamp(c.created_at),
        created_by: c.created_by.clone(),
        notices: c.notices.iter().map(notice_pb).collect(),
    }
}

fn new_subprocessor(r: pb::RegisterSubprocessorRequest) -> Result<NewSubprocessor, FieldError> {
    Ok(NewSubprocessor {
        legal_name: text("legal_name", &r.legal_name, 200)?,
        address: text("address", &r.address, 500)?,
        country: country("country", &r.country)?,
        service: text("service", &r.service, 500)?,
        data_categories: categories("data_categories", &r.data_categories)?,
        contact_email: email("contact_email", &r.contact_email)?,
        flowdown_contract_ref: text("flowdown_contract_ref", &r.flowdown_contract_ref, 200)?,
        flowdown_date: {
            if r.flowdown_date.trim().is_empty() {
                return Err(err("flowdown_date", "must not be empty (GDPR art. 28(4))"));
            }
            date("flowdown_date", &r.flowdown_date)?
        },
        adequacy_scope_met: r.adequacy_scope_met,
        tia_reference: optional_text("tia_reference", &r.tia_reference, 200)?,
    })
}

#[tonic::async_trait]
impl SubprocessorService for SubprocessorGrpc {
    async fn register_subprocessor(
        &self,
        request: Request<pb::RegisterSubprocessorRequest>,
    ) -> Result<Response<pb::Subprocessor>, Status> {
        let caller = Principal::from_request(&request)?;
        let n = new_subprocessor(request.into_inner())?;
        let s = self.svc.register(&Actor::from(&caller), n).await?;
        Ok(Response::new(subprocessor_pb(&s)))
    }

    async fn get_subprocessor(
        &self,
        request: Request<pb::GetSubprocessorRequest>,
    ) -> Result<Response<pb::Subprocessor>, Status> {
        let id = uuid_field("id", &request.get_ref().id)?;
        let s = self.svc.get(&id).await?;
        Ok(Response::new(subprocessor_pb(&s)))
    }

    async fn list_subprocessors(
        &self,
        request: Request<pb::ListSubprocessorsRequest>,
    ) -> Result<Response<pb::ListSubprocessorsResponse>, Status> {
        let r = request.into_inner();
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let mut rows = self.svc.list(page.after.as_deref(), page.fetch()).await?;
        let next = page.finish(&mut rows, |s| s.id.clone());
        Ok(Response::new(pb::ListSubprocessorsResponse {
            subprocessors: rows.iter().map(subprocessor_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_subprocessor(
        &self,
        request: Request<pb::UpdateSubprocessorRequest>,
    ) -> Result<Response<pb::Subprocessor>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("id", &r.id)?;
        let patch = SubprocessorPatch {
            address: r
                .address
                .as_deref()
                .map(|s| text("address", s, 500))
                .transpose()?,
            service: r
                .service
                .as_deref()
                .map(|s| text("service", s, 500))
                .transpose()?,
            data_categories: if r.data_categories.is_empty() {
                None
            } else {
                Some(categories("data_categories", &r.data_categories)?)
            },
            contact_email: r
                .contact_email
                .as_deref()
                .map(|s| email("contact_email", s))
                .transpose()?,
            flowdown_contract_ref: r
                .flowdown_contract_ref
                .as_deref()
                .map(|s| text("flowdown_contract_ref", s, 200))
                .transpose()?,
            flowdown_date: r
                .flowdown_date
                .as_deref()
                .map(|s| date("flowdown_date", s))
                .transpose()?,
            adequacy_scope_met: r.adequacy_scope_met,
            tia_reference: r
                .tia_reference
                .as_deref()
                .map(|s| optional_text("tia_reference", s, 200))
                .transpose()?,
        };
        let s = self.svc.update(&Actor::from(&caller), &id, patch).await?;
        Ok(Response::new(subprocessor_pb(&s)))
    }

    async fn classify_transfer(
        &self,
        request: Request<pb::ClassifyTransferRequest>,
    ) -> Result<Response<pb::TransferClassification>, Status> {
        let r = request.get_ref();
        let c = country("country", &r.country)?;
        let on = if r.on.trim().is_empty() {
            today()
        } else {
            date("on", &r.on)?
        };
        let tia = optional_text("tia_reference", &r.tia_reference, 200)?;
        let cl = transfers::classify(
            &transfers::Recipient {
                country: &c,
                adequacy_scope_met: r.adequacy_scope_met,
                tia_reference: tia.as_deref(),
            },
            on,
        );
        Ok(Response::new(classification_pb(&cl, on)))
    }

    async fn authorise_subprocessor(
        &self,
        request: Request<pb::AuthoriseSubprocessorRequest>,
    ) -> Result<Response<pb::Authorisation>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let tenant = uuid_field("controller_id", &r.controller_id)?;
        let sub = uuid_field("subprocessor_id", &r.subprocessor_id)?;
        let reference = text("reference", &r.reference, 300)?;
        let from = instant("effective_from", &r.effective_from)?.unwrap_or_else(store::now_micros);
        let a = self
            .svc
            .authorise(
                &Actor::from(&caller),
                &caller.scope(),
                &tenant,
                &sub,
                &reference,
                from,
            )
            .await?;
        Ok(Response::new(authorisation_pb(&a)))
    }

    async fn propose_change(
        &self,
        request: Request<pb::ProposeChangeRequest>,
    ) -> Result<Response<pb::Change>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let kind = ChangeKind::parse(&r.kind)?;
        let sub = uuid_field("subprocessor_id", &r.subprocessor_id)?;
        let replaces = optional_uuid("replaces_id", &r.replaces_id)?;
        match (kind, &replaces) {
            (ChangeKind::Replace, None) => {
                return Err(err("replaces_id", "required for a replacement").into());
            }
            (ChangeKind::Replace, Some(x)) if *x == sub => {
                return Err(err("replaces_id", "must differ from subprocessor_id").into());
            }
            (ChangeKind::Add | ChangeKind::Remove, Some(_)) => {
                return Err(err(
                    "replaces_id",
                    "only a replacement names the sub-processor it replaces",
                )
                .into());
            }
            _ => {}
        }
        if r.effective_on.trim().is_empty() {
            return Err(err("effective_on", "must not be empty").into());
        }
        let effective_on = date("effective_on", &r.effective_on)?;
        let today = today();
        if effective_on < today {
            return Err(err(
                "effective_on",
                format!("must not be in the past (today is {today}), got {effective_on}"),
            )
            .into());
        }
        let description = text("description", &r.description, 2000)?;
        let mut controllers = Vec::new();
        for c in &r.controller_ids {
            let id = uuid_field("controller_ids", c)?;
            if !controllers.contains(&id) {
                controllers.push(id);
            }
        }
        let change = self
            .svc
            .propose(
                &Actor::from(&caller),
                ProposeChange {
                    kind,
                    subprocessor_id: sub,
                    replaces_id: replaces,
                    effective_on,
                    description,
                    controllers,
                },
            )
            .await?;
        Ok(Response::new(change_pb(&change)))
    }

    async fn get_change(
        &self,
        request: Request<pb::GetChangeRequest>,
    ) -> Result<Response<pb::Change>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("id", &request.get_ref().id)?;
        let c = self.svc.get_change(&caller.scope(), &id).await?;
        Ok(Response::new(change_pb(&c)))
    }

    async fn list_notices(
        &self,
        request: Request<pb::ListNoticesRequest>,
    ) -> Result<Response<pb::ListNoticesResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let requested = optional_uuid("controller_id", &r.controller_id)?;
        let change = optional_uuid("change_id", &r.change_id)?;
        let Ok(tenant) = caller.scope().listing(requested.as_deref()) else {
            return Ok(Response::new(pb::ListNoticesResponse::default()));
        };
        let mut rows = self
            .svc
            .list_notices(
                tenant.as_deref(),
                change.as_deref(),
                page.after.as_deref(),
                page.fetch(),
            )
            .await?;
        let next = page.finish(&mut rows, |n| n.id.clone());
        Ok(Response::new(pb::ListNoticesResponse {
            notices: rows.iter().map(notice_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn get_notice(
        &self,
        request: Request<pb::GetNoticeRequest>,
    ) -> Result<Response<pb::Notice>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("id", &request.get_ref().id)?;
        let n = self.svc.get_notice(&caller.scope(), &id).await?;
        Ok(Response::new(notice_pb(&n)))
    }

    async fn record_objection(
        &self,
        request: Request<pb::RecordObjectionRequest>,
    ) -> Result<Response<pb::Objection>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let id = uuid_field("notice_id", &r.notice_id)?;
        let reason = text("reason", &r.reason, 2000)?;
        let o = self
            .svc
            .object(&Actor::from(&caller), &caller.scope(), &id, &reason)
            .await?;
        Ok(Response::new(objection_pb(&o)))
    }

    async fn resolve_objection(
        &self,
        request: Request<pb::ResolveObjectionRequest>,
    ) -> Result<Response<pb::Objection>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let id = uuid_field("objection_id", &r.objection_id)?;
        let res = Resolution::parse(&r.resolution)?;
        let note = optional_text("note", &r.note, 2000)?.unwrap_or_default();
        let o = self
            .svc
            .resolve(&Actor::from(&caller), &caller.scope(), &id, res, &note)
            .await?;
        Ok(Response::new(objection_pb(&o)))
    }

    async fn record_approval(
        &self,
        request: Request<pb::RecordApprovalRequest>,
    ) -> Result<Response<pb::Notice>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let id = uuid_field("notice_id", &r.notice_id)?;
        let reference = text("reference", &r.reference, 300)?;
        let n = self
            .svc
            .approve(
                &Actor::from(&caller),
                &caller.scope(),
                &id,
                r.approved,
                &reference,
            )
            .await?;
        Ok(Response::new(notice_pb(&n)))
    }

    async fn check_engagement(
        &self,
        request: Request<pb::CheckEngagementRequest>,
    ) -> Result<Response<pb::EngagementDecision>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let sub = uuid_field("subprocessor_id", &r.subprocessor_id)?;
        let tenant = uuid_field("controller_id", &r.controller_id)?;
        let at = instant("at", &r.at)?.unwrap_or_else(store::now_micros);
        let e = self.svc.check(&caller.scope(), &sub, &tenant, at).await?;
        Ok(Response::new(pb::EngagementDecision {
            allowed: e.decision.allowed,
            reason: e.decision.reason,
            basis: e.decision.basis,
            transfer: Some(classification_pb(&e.transfer, e.on)),
            at: wire::timestamp(at),
        }))
    }

    async fn list_authorised_subprocessors(
        &self,
        request: Request<pb::ListAuthorisedSubprocessorsRequest>,
    ) -> Result<Response<pb::AuthorisedSubprocessors>, Status> {
        let caller = Principal::from_request(&request)?;
        let tenant = uuid_field("controller_id", &request.get_ref().controller_id)?;
        let l = self.svc.authorised(&caller.scope(), &tenant).await?;
        Ok(Response::new(pb::AuthorisedSubprocessors {
            controller_id: l.tenant_id,
            authorisation_mode: l.mode.map(|m| m.as_str().to_owned()).unwrap_or_default(),
            current: l
                .current
                .iter()
                .map(|(s, d)| pb::AuthorisedEntry {
                    subprocessor: Some(subprocessor_pb(s)),
                    basis: d.basis.clone(),
                    since: d.since.map(wire::timestamp).unwrap_or_default(),
                })
                .collect(),
            notices: l.notices.iter().map(notice_pb).collect(),
            authorisations: l.authorisations.iter().map(authorisation_pb).collect(),
            at: wire::timestamp(l.at),
        }))
    }
}

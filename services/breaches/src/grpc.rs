//! The thin gRPC adapter of BreachService: parse, call the service, map.

use std::sync::Arc;

use audit::Actor;
use auth::{Principal, Scope};
use chrono::{DateTime, Utc};
use domain_kit::Format;
use proto::v1::{self as pb, breach_service_server::BreachService};
use proto::wire;
use tonic::{Request, Response, Status};

use crate::Breaches;
use crate::documents;
use crate::domain::*;
use crate::service::*;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub struct BreachGrpc {
    svc: Arc<Breaches>,
}

impl BreachGrpc {
    pub fn new(svc: Arc<Breaches>) -> Self {
        Self { svc }
    }
}

impl From<BreachError> for Status {
    fn from(e: BreachError) -> Status {
        proto::status::of("breaches", &e)
    }
}

fn opt_ts(t: Option<DateTime<Utc>>) -> String {
    t.map(wire::timestamp).unwrap_or_default()
}

fn clock_pb(c: &Clock) -> pb::Clock {
    pb::Clock {
        rule: c.rule.into(),
        strict: wire::timestamp(c.strict),
        lenient: wire::timestamp(c.lenient),
        state: c.state.as_str().into(),
        done_at: opt_ts(c.done_at),
        notes: c.notes.clone(),
        basis: c.basis.clone(),
    }
}

fn assessment_pb(r: &AssessmentRecord) -> pb::Assessment {
    let a = &r.assessment;
    pb::Assessment {
        version: r.version,
        assessed_at: wire::timestamp(r.assessed_at),
        assessed_by: r.assessed_by.clone(),
        summary: a.summary.clone().unwrap_or_default(),
        nature: a.nature.iter().map(|n| n.as_str().into()).collect(),
        occurred_from: opt_ts(a.occurred_from),
        occurred_until: opt_ts(a.occurred_until),
        data_categories: a.data_categories.clone(),
        subject_categories: a.subject_categories.clone(),
        encrypted: a.encrypted,
        key_safe: a.key_safe,
        protection: a.protection.clone().unwrap_or_default(),
        likely_consequences: a.likely_consequences.clone().unwrap_or_default(),
        measures_taken: a.measures_taken.clone().unwrap_or_default(),
        measures_proposed: a.measures_proposed.clone().unwrap_or_default(),
        risk: a.risk.as_str().into(),
        risk_reasoning: a.risk_reasoning.clone().unwrap_or_default(),
        affected: a
            .affected
            .iter()
            .map(|x| pb::AffectedController {
                controller_id: x.controller_id.clone(),
                subjects_approx: x.subjects_approx,
                records_approx: x.records_approx,
            })
            .collect(),
        contact: a.contact.clone().unwrap_or_default(),
        internal_notes: a.internal_notes.clone().unwrap_or_default(),
    }
}

pub fn notice_pb(n: &NoticeView) -> pb::BreachNotice {
    pb::BreachNotice {
        id: n.row.id.clone(),
        incident_id: n.row.incident_id.clone(),
        controller_id: n.row.tenant_id.clone(),
        agreement_id: n.row.agreement_id.clone().unwrap_or_default(),
        sla_hours: n.row.sla_hours.max(0) as u32,
        status: n.status.into(),
        controller_clock: Some(clock_pb(&n.controller_clock)),
        authority_clock: Some(clock_pb(&n.authority_clock)),
        controller_aware_at: opt_ts(n.row.controller_aware_at),
        acknowledged_at: opt_ts(n.row.acknowledged_at),
        processor_may_notify_authority: n.row.processor_may_notify,
        content: n
            .content
            .iter()
            .map(|(i, k)| pb::ContentItem {
                key: i.key().into(),
                label: i.label().into(),
                citation: i.citation().into(),
                known: *k,
            })
            .collect(),
        missing: n.missing.iter().map(|i| i.key().into()).collect(),
        sends: n
            .sends
            .iter()
            .map(|s| pb::NoticeSend {
                id: s.row.id.clone(),
                phase: s.row.phase.clone(),
                sequence: s.row.sequence.max(0) as u32,
                sent_at: wire::timestamp(s.row.sent_at),
                sent_by: s.row.sent_by.clone(),
                missing: s.missing.clone(),
                content: s.row.content.clone(),
                delivery: s.delivery.as_ref().map(outbox::grpc::notification_pb),
            })
            .collect(),
        authority_notifications: n
            .authority
            .iter()
            .map(|a| pb::AuthorityNotification {
                id: a.id.clone(),
                phase: a.phase.clone(),
                notified_at: wire::timestamp(a.notified_at),
                by_party: a.by_party.clone(),
                reference: a.reference.clone().unwrap_or_default(),
                reasons_for_delay: a.reasons_for_delay.clone().unwrap_or_default(),
                late: a.late,
                recorded_at: wire::timestamp(a.recorded_at),
                recorded_by: a.recorded_by.clone(),
            })
            .collect(),
        subject_decisions: n
            .decisions
            .iter()
            .map(|d| pb::SubjectDecision {
                decision: d.decision.clone(),
                details: d.details.clone(),
                communicated_at: opt_ts(d.communicated_at),
                decided_at: wire::timestamp(d.decided_at),
                decided_by: d.decided_by.clone(),
            })
            .collect(),
        subject_communication: n.subject_communication.into(),
        risk: n.risk.as_str().into(),
        created_at: wire::timestamp(n.row.created_at),
    }
}

fn incident_pb(v: &IncidentView) -> pb::Incident {
    pb::Incident {
        id: v.row.id.clone(),
        status: v.status.as_str().into(),
        discovered_at: wire::timestamp(v.row.discovered_at),
        discovered_by: v.row.discovered_by.clone(),
        description: v.row.description.clone(),
        systems: v.systems.clone(),
        internal_notes: v.row.internal_notes.clone().unwrap_or_default(),
        reported_at: wire::timestamp(v.row.reported_at),
        reported_by: v.row.reported_by.clone(),
        dismissal_basis: v.row.dismissal_basis.clone().unwrap_or_default(),
        dismissal_reason: v.row.dismissal_reason.clone().unwrap_or_default(),
        decided_at: opt_ts(v.row.decided_at),
        assessment: v.assessment.as_ref().map(assessment_pb),
        notices: v.notices.iter().map(notice_pb).collect(),
        investigation_flag: v.investigation_flag.clone().unwrap_or_default(),
    }
}

fn assessment_input(a: pb::Assessment) -> Result<AssessmentInput, FieldError> {
    Ok(AssessmentInput {
        occurred_from: instant("assessment.occurred_from", &a.occurred_from)?,
        occurred_until: instant("assessment.occurred_until", &a.occurred_until)?,
        summary: a.summary,
        nature: a.nature,
        data_categories: a.data_categories,
        subject_categories: a.subject_categories,
        encrypted: a.encrypted,
        key_safe: a.key_safe,
        protection: a.protection,
        likely_consequences: a.likely_consequences,
        measures_taken: a.measures_taken,
        measures_proposed: a.measures_proposed,
        risk: a.risk,
        risk_reasoning: a.risk_reasoning,
        affected: a
            .affected
            .into_iter()
            .map(|x| (x.controller_id, x.subjects_approx, x.records_approx))
            .collect(),
        contact: a.contact,
        internal_notes: a.internal_notes,
    })
}

fn document(format: Format, content: String, unknown: Vec<String>) -> pb::Document {
    pb::Document {
        format: format.as_str().into(),
        content_type: format.content_type().into(),
        content,
        generated_at: wire::timestamp(store::now_micros()),
        unknown,
    }
}

/// The notice, the asserted phase and the message of a send or its preview.
fn send_args(r: &pb::SendNoticeRequest) -> Result<(String, Option<Phase>, Option<String>), Status> {
    let id = uuid_field("notice_id", &r.notice_id)?;
    let phase = if r.phase.trim().is_empty() {
        None
    } else {
        Some(Phase::parse("phase", &r.phase)?)
    };
    let note = optional_text("message", &r.message, 4000)?;
    Ok((id, phase, note))
}

#[tonic::async_trait]
impl BreachService for BreachGrpc {
    async fn report_incident(
        &self,
        request: Request<pb::ReportIncidentRequest>,
    ) -> Result<Response<pb::Incident>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let n = NewIncident::parse(&IncidentInput {
            discovered_at: &r.discovered_at,
            discovered_by: &r.discovered_by,
            description: &r.description,
            systems: &r.systems,
            internal_notes: &r.internal_notes,
        })?;
        let v = self.svc.report(&Actor::from(&caller), n).await?;
        Ok(Response::new(incident_pb(&v)))
    }

    async fn assess_incident(
        &self,
        request: Request<pb::AssessIncidentRequest>,
    ) -> Result<Response<pb::Incident>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("incident_id", &r.incident_id)?;
        let d = Decision::parse(
            DecisionInput {
                decision: &r.decision,
                dismissal_basis: &r.dismissal_basis,
                dismissal_reason: &r.dismissal_reason,
                assessment: r.assessment.map(assessment_input).transpose()?,
            },
            store::now_micros(),
        )?;
        let v = self.svc.assess(&Actor::from(&caller), &id, d).await?;
        Ok(Response::new(incident_pb(&v)))
    }

    async fn get_incident(
        &self,
        request: Request<pb::GetIncidentRequest>,
    ) -> Result<Response<pb::Incident>, Status> {
        let id = uuid_field("id", &request.get_ref().id)?;
        let v = self.svc.incident(&id).await?;
        Ok(Response::new(incident_pb(&v)))
    }

    async fn list_incidents(
        &self,
        request: Request<pb::ListIncidentsRequest>,
    ) -> Result<Response<pb::ListIncidentsResponse>, Status> {
        let r = request.into_inner();
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let status = if r.status.trim().is_empty() {
            None
        } else {
            Some(crate::domain::IncidentStatus::parse("status", &r.status)?)
        };
        let mut rows = self
            .svc
            .incidents(status, page.after.as_deref(), page.fetch())
            .await?;
        let next = page.finish(&mut rows, |v| v.row.id.clone());
        Ok(Response::new(pb::ListIncidentsResponse {
            incidents: rows.iter().map(incident_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn get_breach_notice(
        &self,
        request: Request<pb::GetBreachNoticeRequest>,
    ) -> Result<Response<pb::BreachNotice>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("id", &request.get_ref().id)?;
        let v = self.svc.notice(&caller.scope(), &id).await?;
        Ok(Response::new(notice_pb(&v)))
    }

    async fn list_breach_notices(
        &self,
        request: Request<pb::ListBreachNoticesRequest>,
    ) -> Result<Response<pb::ListBreachNoticesResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let controller = optional_uuid("controller_id", &r.controller_id)?;
        let incident = optional_uuid("incident_id", &r.incident_id)?;
        let mut rows = self
            .svc
            .notices(
                &caller.scope(),
                controller.as_deref(),
                incident.as_deref(),
                page.after.as_deref(),
                page.fetch(),
            )
            .await?;
        let next = page.finish(&mut rows, |v| v.row.id.clone());
        Ok(Response::new(pb::ListBreachNoticesResponse {
            notices: rows.iter().map(notice_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn send_notice(
        &self,
        request: Request<pb::SendNoticeRequest>,
    ) -> Result<Response<pb::BreachNotice>, Status> {
        let caller = Principal::from_request(&request)?;
        let (id, phase, note) = send_args(&request.into_inner())?;
        let v = self
            .svc
            .send(&Actor::from(&caller), &id, phase, note)
            .await?;
        Ok(Response::new(notice_pb(&v)))
    }

    async fn preview_notice(
        &self,
        request: Request<pb::SendNoticeRequest>,
    ) -> Result<Response<pb::NoticeSend>, Status> {
        let (id, phase, note) = send_args(&request.into_inner())?;
        let p = self.svc.preview(&id, phase, note).await?;
        Ok(Response::new(pb::NoticeSend {
            phase: p.phase.as_str().into(),
            sequence: p.sequence as u32,
            missing: p.missing.iter().map(|m| (*m).to_owned()).collect(),
            content: p.body.to_string(),
            ..Default::default()
        }))
    }

    async fn acknowledge_notice(
        &self,
        request: Request<pb::AcknowledgeNoticeRequest>,
    ) -> Result<Response<pb::BreachNotice>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("notice_id", &r.notice_id)?;
        let aware = instant("aware_at", &r.aware_at)?;
        let v = self
            .svc
            .acknowledge(&Actor::from(&caller), &caller.scope(), &id, aware)
            .await?;
        Ok(Response::new(notice_pb(&v)))
    }

    async fn record_authority_notification(
        &self,
        request: Request<pb::RecordAuthorityNotificationRequest>,
    ) -> Result<Response<pb::BreachNotice>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("notice_id", &r.notice_id)?;
        let input = AuthorityInput {
            phase: if r.phase.trim().is_empty() {
                AuthorityPhase::Initial
            } else {
                AuthorityPhase::parse("phase", &r.phase)?
            },
            notified_at: instant("notified_at", &r.notified_at)?
                .ok_or_else(|| err("notified_at", "must not be empty"))?,
            reference: optional_text("reference", &r.reference, 200)?,
            reasons_for_delay: optional_text("reasons_for_delay", &r.reasons_for_delay, 4000)?,
        };
        let v = self
            .svc
            .record_authority(&Actor::from(&caller), &caller.scope(), &id, input)
            .await?;
        Ok(Response::new(notice_pb(&v)))
    }

    async fn decide_subject_communication(
        &self,
        request: Request<pb::DecideSubjectCommunicationRequest>,
    ) -> Result<Response<pb::BreachNotice>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("notice_id", &r.notice_id)?;
        if r.decision.trim().is_empty() {
            return Err(err(
                "decision",
                "must not be empty: expected communicate, exception_34_3_a, exception_34_3_b, exception_34_3_c or not_required",
            )
            .into());
        }
        let input = SubjectInput {
            choice: SubjectChoice::parse("decision", &r.decision)?,
            details: optional_text("details", &r.details, 4000)?,
            communicated_at: instant("communicated_at", &r.communicated_at)?,
        };
        let v = self
            .svc
            .decide_subjects(&Actor::from(&caller), &caller.scope(), &id, input)
            .await?;
        Ok(Response::new(notice_pb(&v)))
    }

    async fn get_timeline(
        &self,
        request: Request<pb::GetTimelineRequest>,
    ) -> Result<Response<pb::Timeline>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("incident_id", &request.get_ref().incident_id)?;
        let scope = caller.scope();
        let v = self.svc.scoped(&scope, &id).await?;
        let internal = matches!(scope, Scope::All);
        Ok(Response::new(pb::Timeline {
            incident_id: v.row.id.clone(),
            events: documents::timeline(&v, internal)
                .into_iter()
                .map(|e| pb::TimelineEvent {
                    at: wire::timestamp(e.at),
                    kind: e.kind.into(),
                    controller_id: e.controller_id.unwrap_or_default(),
                    notice_id: e.notice_id.unwrap_or_default(),
                    summary: e.summary,
                })
                .collect(),
            notices: v.notices.iter().map(notice_pb).collect(),
        }))
    }

    async fn get_authority_draft(
        &self,
        request: Request<pb::GetAuthorityDraftRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = uuid_field("notice_id", &r.notice_id)?;
        let format = match Format::parse(&r.format)? {
            Format::Csv => {
                return Err(err("format", "expected json or markdown, got \"csv\"").into());
            }
            f => f,
        };
        let scope = caller.scope();
        let n = self.svc.notice(&scope, &id).await?;
        let inc = self.svc.scoped(&scope, &n.row.incident_id).await?;
        let controller = self.svc.controller_info(&n.row.tenant_id).await?;
        let now = store::now_micros();
        let sections = documents::draft(&inc, &n, controller.as_ref(), self.svc.processor(), now);
        let content = match format {
            Format::Markdown => documents::draft_markdown(&n, &sections, now),
            _ => documents::draft_json(&n, &sections, now),
        };
        Ok(Response::new(document(
            format,
            content,
            documents::unknown(&sections),
        )))
    }

    async fn export_register(
        &self,
        request: Request<pb::ExportRegisterRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let format = Format::parse(&r.format)?;
        let controller = optional_uuid("controller_id", &r.controller_id)?;
        let scope = caller.scope();
        let views = self
            .svc
            .register_views(&scope, controller.as_deref())
            .await?;
        let internal = matches!(scope, Scope::All);
        let content = documents::register(&views, format, internal, store::now_micros());
        Ok(Response::new(document(format, content, Vec::new())))
    }
}

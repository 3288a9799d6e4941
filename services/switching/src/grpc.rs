//! The thin gRPC adapter of SwitchingService.

use std::pin::Pin;
use std::sync::Arc;

use audit::Actor;
use auth::Principal;
use futures::Stream;
use proto::v1::{self as pb, switching_service_server::SwitchingService};
use proto::wire;
use tonic::{Request, Response, Status};

use crate::bundle::FileEntry;
use crate::domain::*;
use crate::service::*;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub struct SwitchingGrpc {
    svc: Arc<Switching>,
}

impl SwitchingGrpc {
    pub fn new(svc: Arc<Switching>) -> Self {
        Self { svc }
    }
}

impl From<SwitchError> for Status {
    fn from(e: SwitchError) -> Status {
        proto::status::of("switching", &e)
    }
}

fn ts(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(wire::timestamp).unwrap_or_default()
}

fn day(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub fn certificate_pb(id: &str, json: &str) -> Option<pb::ErasureCertificate> {
    let c: Certificate = serde_json::from_str(json).ok()?;
    let (_, sha) = c.seal();
    Some(pb::ErasureCertificate {
        switch_id: id.to_owned(),
        controller_id: c.controller_id.clone(),
        kek_destroyed_at: c.kek_destroyed_at.clone(),
        kek_versions: c.kek_versions.clone(),
        keys_destroyed: c.keys_destroyed,
        rows_deleted: c
            .rows_deleted
            .iter()
            .map(|(t, n)| format!("{t}={n}"))
            .collect(),
        retained: c.retained.clone(),
        completed_at: c.completed_at.clone(),
        sha256: sha,
        json: json.to_owned(),
        vault_certificate: c.vault_certificate.clone(),
    })
}

pub fn charge_pb(c: &store::entities::switching::charges::Model) -> pb::SwitchingCharge {
    pb::SwitchingCharge {
        id: c.id.clone(),
        switch_id: c.switch_id.clone(),
        amount_cents: c.amount_cents.max(0) as u64,
        charged_on: c.charged_on.to_string(),
        direct_cost_cents: c.direct_cost_cents.max(0) as u64,
        description: c.description.clone(),
        legal_review: c.legal_review,
        recorded_at: wire::timestamp(c.recorded_at),
    }
}

pub fn switch_pb(v: &SwitchView) -> pb::Switch {
    let r = &v.row;
    pb::Switch {
        id: r.id.clone(),
        controller_id: r.tenant_id.clone(),
        kind: r.kind.clone(),
        election: r.election.clone(),
        notice_months: r.notice_months.max(0) as u32,
        requested_at: wire::timestamp(r.requested_at),
        destination: r.destination.clone().unwrap_or_default(),
        status: r.status.clone(),
        rule: v.plan.rule.into(),
        milestones: v
            .plan
            .milestones
            .iter()
            .map(|m| pb::SwitchMilestone {
                name: m.name.into(),
                strict: wire::timestamp(m.strict.instant),
                lenient: wire::timestamp(m.lenient.instant),
                kind: m.kind.into(),
            })
            .collect(),
        notes: v.plan.notes.clone(),
        unfeasible_declared_at: ts(r.unfeasible_declared_at),
        unfeasibility_reasons: r.unfeasibility_reasons.clone().unwrap_or_default(),
        alternative_transition_end: day(r.alternative_transition_end),
        extended_transition_end: day(r.extended_transition_end),
        completed_at: ts(r.completed_at),
        contract_end: v
            .plan
            .get("contract_end")
            .and_then(|m| m.strict.date)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        retrieval_open: v.retrieval_open,
        erasure_due_from: ts(v.erasure_due_from),
        certificate: r
            .certificate
            .as_deref()
            .and_then(|j| certificate_pb(&r.id, j)),
        charges: v.charges.iter().map(charge_pb).collect(),
        termination_reason: r.termination_reason.clone().unwrap_or_default(),
        withdrawn_at: ts(r.withdrawn_at),
        withdrawal_reason: r.withdrawal_reason.clone().unwrap_or_default(),
        agreement_ended_at: ts(r.agreement_ended_at),
        retrieval_reminded_for: ts(r.retrieval_reminded_for),
        webhook_closed_at: ts(r.webhook_closed_at),
        export_ids: Vec::new(),
    }
}

pub fn export_pb(
    e: &store::entities::switching::exports::Model,
    v: &SwitchView,
) -> pb::SwitchExport {
    let files: Vec<FileEntry> = e
        .files
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or_default();
    pb::SwitchExport {
        id: e.id.clone(),
        switch_id: e.switch_id.clone(),
        controller_id: e.tenant_id.clone(),
        status: e.status.clone(),
        started_at: wire::timestamp(e.started_at),
        ready_at: ts(e.ready_at),
        error: e.error.clone().unwrap_or_default(),
        files: files.iter().map(file_pb).collect(),
        candidates: e.candidates.max(0) as u64,
        manifest_sha256: e.manifest_sha256.clone().unwrap_or_default(),
        downloads: e.downloads.max(0) as u32,
        available_until: ts(v.plan.retrieval_until()),
        documents: e.documents.max(0) as u64,
    }
}

fn switch_id(s: &str) -> Result<String, FieldError> {
    uuid_field("switch_id", s)
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<pb::ExportChunk, Status>> + Send>>;

#[tonic::async_trait]
impl SwitchingService for SwitchingGrpc {
    async fn request_switch(
        &self,
        request: Request<pb::RequestSwitchRequest>,
    ) -> Result<Response<pb::Switch>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let input = SwitchInput {
            controller_id: &r.controller_id,
            election: &r.election,
            notice_months: r.notice_months,
            requested_at: &r.requested_at,
            destination: &r.destination,
        };
        let v = self
            .svc
            .request(&Actor::from(&caller), &caller.scope(), input)
            .await?;
        Ok(Response::new(switch_pb(&v)))
    }

    async fn declare_unfeasible(
        &self,
        request: Request<pb::DeclareUnfeasibleRequest>,
    ) -> Result<Response<pb::Switch>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = switch_id(&r.switch_id)?;
        let reasons = text("reasons", &r.reasons, 4000)?;
        let alt = date("alternative_transition_end", &r.alternative_transition_end)?;
        let v = self
            .svc
            .declare_unfeasible(&Actor::from(&caller), &caller.scope(), &id, reasons, alt)
            .await?;
        Ok(Response::new(switch_pb(&v)))
    }

    async fn extend_transition(
        &self,
        request: Request<pb::ExtendTransitionRequest>,
    ) -> Result<Response<pb::Switch>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = switch_id(&r.switch_id)?;
        let end = date("transition_end", &r.transition_end)?;
        let v = self
            .svc
            .extend(&Actor::from(&caller), &caller.scope(), &id, end)
            .await?;
        Ok(Response::new(switch_pb(&v)))
    }

    async fn start_export(
        &self,
        request: Request<pb::StartExportRequest>,
    ) -> Result<Response<pb::SwitchExport>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = switch_id(&request.into_inner().switch_id)?;
        let e = self
            .svc
            .start_export(&Actor::from(&caller), &caller.scope(), &id)
            .await?;
        let v = self.svc.get(&caller.scope(), &id).await?;
        Ok(Response::new(export_pb(&e, &v)))
    }

    async fn get_export(
        &self,
        request: Request<pb::GetExportRequest>,
    ) -> Result<Response<pb::SwitchExport>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("export_id", &request.into_inner().export_id)?;
        let (e, v) = self.svc.get_export(&caller.scope(), &id).await?;
        Ok(Response::new(export_pb(&e, &v)))
    }

    type DownloadExportStream = ChunkStream;

    async fn download_export(
        &self,
        request: Request<pb::DownloadExportRequest>,
    ) -> Result<Response<ChunkStream>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("export_id", &request.into_inner().export_id)?;
        let e = self
            .svc
            .begin_download(&Actor::from(&caller), &caller.scope(), &id)
            .await?;
        let svc = self.svc.clone();
        // A small channel: the stream reads ahead at most a few chunks.
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        tokio::spawn(async move {
            let mut after = None;
            loop {
                let (pieces, last) = match svc.pieces(&e, after).await {
                    Ok(p) => p,
                    Err(err) => {
                        let _ = tx.send(Err(Status::from(err))).await;
                        return;
                    }
                };
                if last.is_none() {
                    return;
                }
                after = last;
                for p in pieces {
                    let msg = pb::ExportChunk {
                        path: p.path,
                        offset: p.offset,
                        data: p.data,
                        last: p.last,
                    };
                    if tx.send(Ok(msg)).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }

    async fn confirm_switch_complete(
        &self,
        request: Request<pb::ConfirmSwitchCompleteRequest>,
    ) -> Result<Response<pb::Switch>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = switch_id(&request.into_inner().switch_id)?;
        let v = self
            .svc
            .confirm(&Actor::from(&caller), &caller.scope(), &id)
            .await?;
        Ok(Response::new(switch_pb(&v)))
    }

    async fn withdraw_switch(
        &self,
        request: Request<pb::WithdrawSwitchRequest>,
    ) -> Result<Response<pb::Switch>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = switch_id(&r.switch_id)?;
        let reason =
            domain_kit::optional_text("reason", &r.reason, 2000).map_err(SwitchError::from)?;
        let v = self
            .svc
            .withdraw(&Actor::from(&caller), &caller.scope(), &id, reason)
            .await?;
        Ok(Response::new(switch_pb(&v)))
    }

    async fn terminate_agreement(
        &self,
        request: Request<pb::ExitAgreementRequest>,
    ) -> Result<Response<pb::Switch>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let tenant = tenant_for(&caller.scope(), &r.controller_id)?;
        let end = if r.contract_end.trim().is_empty() {
            None
        } else {
            Some(date("contract_end", &r.contract_end)?)
        };
        let reason = text("reason", &r.reason, 2000)?;
        let v = self
            .svc
            .terminate(&Actor::from(&caller), &tenant, end, reason)
            .await?;
        Ok(Response::new(switch_pb(&v)))
    }

    async fn record_charge(
        &self,
        request: Request<pb::RecordChargeRequest>,
    ) -> Result<Response<pb::SwitchingCharge>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = switch_id(&r.switch_id)?;
        let c = self
            .svc
            .record_charge(
                &Actor::from(&caller),
                &caller.scope(),
                &id,
                &ChargeInput {
                    amount_cents: r.amount_cents,
                    charged_on: &r.charged_on,
                    direct_cost_cents: r.direct_cost_cents,
                    description: &r.description,
                },
            )
            .await?;
        Ok(Response::new(charge_pb(&c)))
    }

    async fn get_switch(
        &self,
        request: Request<pb::GetSwitchRequest>,
    ) -> Result<Response<pb::Switch>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = switch_id(&request.into_inner().switch_id)?;
        let v = self.svc.get(&caller.scope(), &id).await?;
        let mut out = switch_pb(&v);
        out.export_ids = self.svc.export_ids(&v.row.id).await?;
        Ok(Response::new(out))
    }

    async fn list_switches(
        &self,
        request: Request<pb::ListSwitchesRequest>,
    ) -> Result<Response<pb::ListSwitchesResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let controller = if r.controller_id.trim().is_empty() {
            None
        } else {
            Some(uuid_field("controller_id", &r.controller_id)?)
        };
        let mut rows = self
            .svc
            .list(
                &caller.scope(),
                controller.as_deref(),
                page.after.as_deref(),
                page.fetch(),
            )
            .await?;
        let next = page.finish(&mut rows, |v| v.row.id.clone());
        Ok(Response::new(pb::ListSwitchesResponse {
            switches: rows.iter().map(switch_pb).collect(),
            next_page_token: next,
        }))
    }
}

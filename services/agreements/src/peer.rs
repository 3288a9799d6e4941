//! `custodian.internal.v1.AgreementsPeer`: what other processes of a split
//! deployment ask of the agreements service: the agreement in force or
//! governing at an instant (the one `governing_at` rule, here), every
//! agreement in force, a tenant's versions, and ending a tenant's
//! agreements with its contract. A thin adapter; the scope the peer acts
//! in (`x-custodian-scope`) bounds the tenants it is answered for.
//!
//! [`record`] and [`from_record`] are the two directions of the one wire
//! shape of an [`Agreement`], so the client in another process reads back
//! exactly what this side wrote.

use std::sync::Arc;

use audit::Actor;
use auth::{peer_scope, peer_tenant};
use chrono::{DateTime, NaiveDate, Utc};
use domain_kit::PortError;
use proto::internal as ipb;
use proto::wire;
use tonic::{Request, Response, Status};

use crate::domain::AgreementStatus;
use crate::service::{Agreement, Agreements};

pub struct AgreementsPeerGrpc {
    agreements: Arc<Agreements>,
}

pub fn service(
    agreements: Arc<Agreements>,
) -> ipb::agreements_peer_server::AgreementsPeerServer<AgreementsPeerGrpc> {
    ipb::agreements_peer_server::AgreementsPeerServer::new(AgreementsPeerGrpc { agreements })
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn at(t: Option<DateTime<Utc>>) -> String {
    t.map(wire::timestamp).unwrap_or_default()
}

/// An agreement as it crosses the wire.
pub fn record(a: &Agreement) -> ipb::AgreementRecord {
    ipb::AgreementRecord {
        id: a.id.clone(),
        tenant_id: a.tenant_id.clone(),
        status: a.status.as_str().into(),
        version: a.version,
        latest_version: a.latest_version,
        // Terms serialise infallibly (plain strings, numbers and dates).
        terms_json: serde_json::to_string(&a.terms).unwrap_or_default(),
        version_note: a.version_note.clone(),
        activated_at: at(a.activated_at),
        notice_given_on: day(a.notice_given_on),
        ends_on: day(a.ends_on),
        ended_at: at(a.ended_at),
        created_at: wire::timestamp(a.created_at),
        updated_at: wire::timestamp(a.updated_at),
    }
}

fn bad(what: &str, v: &str) -> PortError {
    PortError::Internal(format!(
        "the agreements peer sent {what} that is none: {}",
        wire::quote(v)
    ))
}

fn read_day(v: &str) -> Result<Option<NaiveDate>, PortError> {
    if v.is_empty() {
        return Ok(None);
    }
    v.parse().map(Some).map_err(|_| bad("a date", v))
}

fn read_at(v: &str) -> Result<Option<DateTime<Utc>>, PortError> {
    if v.is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(v)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| bad("an instant", v))
}

/// The agreement a peer sent, as this side's domain value.
pub fn from_record(r: ipb::AgreementRecord) -> Result<Agreement, PortError> {
    let required = |v: &str| read_at(v)?.ok_or_else(|| bad("an empty instant", v));
    Ok(Agreement {
        status: AgreementStatus::parse(&r.status).ok_or_else(|| bad("a status", &r.status))?,
        terms: serde_json::from_str(&r.terms_json).map_err(|_| bad("terms", &r.terms_json))?,
        activated_at: read_at(&r.activated_at)?,
        notice_given_on: read_day(&r.notice_given_on)?,
        ends_on: read_day(&r.ends_on)?,
        ended_at: read_at(&r.ended_at)?,
        created_at: required(&r.created_at)?,
        updated_at: required(&r.updated_at)?,
        id: r.id,
        tenant_id: r.tenant_id,
        version: r.version,
        latest_version: r.latest_version,
        version_note: r.version_note,
    })
}

fn instant(field: &'static str, v: &str) -> Result<DateTime<Utc>, Status> {
    domain_kit::instant(field, v)?
        .ok_or_else(|| Status::invalid_argument(format!("{field}: required")))
}

fn answer(a: Option<Agreement>) -> Response<ipb::AgreementAnswer> {
    Response::new(ipb::AgreementAnswer {
        agreement: a.as_ref().map(record),
    })
}

#[tonic::async_trait]
impl ipb::agreements_peer_server::AgreementsPeer for AgreementsPeerGrpc {
    async fn in_force_at(
        &self,
        request: Request<ipb::AgreementAt>,
    ) -> Result<Response<ipb::AgreementAnswer>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = peer_tenant(&scope, "tenant_id", &r.tenant_id)?;
        let when = instant("at", &r.at)?;
        Ok(answer(self.agreements.in_force_at(&tenant, when).await?))
    }

    async fn governing_at(
        &self,
        request: Request<ipb::AgreementAt>,
    ) -> Result<Response<ipb::AgreementAnswer>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let r = request.into_inner();
        let tenant = peer_tenant(&scope, "tenant_id", &r.tenant_id)?;
        let when = instant("at", &r.at)?;
        Ok(answer(self.agreements.governing_at(&tenant, when).await?))
    }

    async fn all_in_force(
        &self,
        request: Request<ipb::Empty>,
    ) -> Result<Response<ipb::AgreementList>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let all = self.agreements.all_in_force().await?;
        Ok(Response::new(ipb::AgreementList {
            agreements: all
                .iter()
                .filter(|a| scope.allows(&a.tenant_id))
                .map(record)
                .collect(),
        }))
    }

    async fn tenant_versions(
        &self,
        request: Request<ipb::TenantRef>,
    ) -> Result<Response<ipb::AgreementList>, Status> {
        let (_, scope) = peer_scope(&request)?;
        let tenant = peer_tenant(&scope, "tenant_id", &request.into_inner().tenant_id)?;
        let all = self.agreements.tenant_versions(&tenant).await?;
        Ok(Response::new(ipb::AgreementList {
            agreements: all.iter().map(record).collect(),
        }))
    }

    async fn end_with_contract(
        &self,
        request: Request<ipb::EndWithContractRequest>,
    ) -> Result<Response<ipb::EndedAgreements>, Status> {
        let (caller, scope) = peer_scope(&request)?;
        let actor = Actor::relayed(&caller, &request);
        let r = request.into_inner();
        let tenant = peer_tenant(&scope, "tenant_id", &r.tenant_id)?;
        let end = domain_kit::date("contract_end", &r.contract_end)?;
        let ids = self
            .agreements
            .end_with_contract(&actor, &tenant, end, &r.reason)
            .await?;
        Ok(Response::new(ipb::EndedAgreements { agreement_ids: ids }))
    }
}

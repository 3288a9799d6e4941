//! The switching service: tables `switching_requests`, `switching_exports`,
//! `switching_export_chunks`, `switching_charges` (owned here). Milestones
//! are recomputed from the stored facts on every read. Every write is
//! audited in the same transaction. Export bundles are built in the
//! background by streaming pages of the tenant's data into sealed chunks.

use std::sync::Arc;

use audit::{Actor, Record};
use auth::{Scope, TenantRefusal};
use chrono::{DateTime, NaiveDate, Utc};
use proto::v1 as pb;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Value, json};

use store::entities::switching::{charges, export_chunks, exports, requests as switch_rows};

use crate::bundle::{self, Bundle, FileEntry, Piece};
use crate::domain::*;
use crate::notices::{self, Event};
use crate::ports::{ExportCandidate, TenantData};

/// A failure of switching's storage or anything else unexpected: an outage
/// of a database is UNAVAILABLE (retry later), the rest INTERNAL. Shadows
/// `domain::internal` for the service and its submodules.
pub(crate) fn internal(e: impl std::fmt::Display + 'static) -> SwitchError {
    match audit::outage_of(&e) {
        Some(o) => SwitchError::Port(domain_kit::PortError::Unavailable(o.to_string())),
        None => crate::domain::internal(e),
    }
}

audit::storage_errors!(SwitchError => internal, serde_json::Error);

mod advance;
mod export;
mod lifecycle;
mod reads;

/// Candidates per page while building a bundle.
pub const PAGE: u64 = 500;
/// Chunks per query while streaming a download (1 MiB).
const STREAM_PAGE: u64 = 4;
/// Manifest entries written between two drains of the bundle's chunks
/// (about 2 MiB of manifest).
const MANIFEST_SLICE: usize = 10_000;

/// A switching charge as asked for (checked by [`check_charge`]).
pub struct ChargeInput<'a> {
    pub amount_cents: u64,
    pub charged_on: &'a str,
    pub direct_cost_cents: u64,
    pub description: &'a str,
}

/// A switch as shown: the row, its milestones, charges and certificate.
#[derive(Debug, Clone)]
pub struct SwitchView {
    pub row: switch_rows::Model,
    pub kind: Kind,
    pub status: Status,
    pub plan: Plan,
    pub retrieval_open: bool,
    /// When the worker may erase the tenant, once the conditions hold.
    pub erasure_due_from: Option<DateTime<Utc>>,
    pub charges: Vec<charges::Model>,
}

impl SwitchView {
    /// Whether the worker may erase the tenant now.
    pub fn erasable(&self, now: DateTime<Utc>) -> bool {
        !matches!(self.status, Status::Erased | Status::Withdrawn)
            && self.erasure_due_from.is_some_and(|t| now >= t)
    }
}

fn facts(r: &switch_rows::Model) -> Result<Facts, SwitchError> {
    Ok(Facts {
        kind: Kind::parse("kind", &r.kind)?,
        election: r.election.clone(),
        notice_months: r.notice_months.max(0) as u32,
        requested_at: r.requested_at,
        alternative_transition_end: r.alternative_transition_end,
        extended_transition_end: r.extended_transition_end,
        completed_at: r.completed_at,
        contract_end: r.contract_end,
        deletion_term_days: r.deletion_term_days.map(|d| d.max(0) as u32),
    })
}

pub fn view(
    r: switch_rows::Model,
    charges: Vec<charges::Model>,
    now: DateTime<Utc>,
) -> Result<SwitchView, SwitchError> {
    let f = facts(&r)?;
    let plan = plan(&f).map_err(internal)?;
    let status = Status::parse("status", &r.status)?;
    let retrieval_open =
        status != Status::Erased && plan.retrieval_until().is_some_and(|t| now < t);
    // Erasure waits for the end of the retrieval period and, for a switch
    // or a move on premises, for the customer's confirmation (art. 25(2)(h)).
    let confirmed = match f.kind {
        Kind::Termination => true,
        Kind::DataAct => r.election == Election::Erase.as_str() || r.completed_at.is_some(),
    };
    let erasure_due_from = if confirmed { plan.erasure_from() } else { None };
    Ok(SwitchView {
        kind: f.kind,
        status,
        plan,
        retrieval_open,
        erasure_due_from,
        charges,
        row: r,
    })
}

fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// What one worker round did, by switch id.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Advance {
    pub reminded: Vec<String>,
    pub agreements_ended: Vec<String>,
    pub erased: Vec<String>,
    pub webhooks_closed: Vec<String>,
}

pub struct Switching {
    db: DatabaseConnection,
    data: Arc<dyn TenantData>,
}

impl Switching {
    pub fn new(db: DatabaseConnection, data: Arc<dyn TenantData>) -> Self {
        Self { db, data }
    }

    async fn row(&self, scope: &Scope, id: &str) -> Result<switch_rows::Model, SwitchError> {
        let r = switch_rows::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(SwitchError::NotFound("switch"))?;
        if !scope.allows(&r.tenant_id) {
            return Err(SwitchError::NotFound("switch"));
        }
        Ok(r)
    }

    async fn charges_of(&self, id: &str) -> Result<Vec<charges::Model>, SwitchError> {
        Ok(charges::Entity::find()
            .filter(charges::Column::SwitchId.eq(id))
            .order_by_asc(charges::Column::Id)
            .all(&self.db)
            .await?)
    }
}

fn pretty(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).expect("a JSON value serializes")
}

pub const CANDIDATE_COLUMNS: &[&str] = &[
    "id",
    "external_ref",
    "vacancy_ref",
    "applied_on",
    "status",
    "closed_on",
    "consent",
    "consent_withdrawn_on",
    "categories",
    "legal_hold",
    "restricted",
    "delete_after",
    "retention_basis",
    "created_at",
    "updated_at",
    "name",
    "email",
    "phone",
    "notes",
    "custom_fields",
    "cv_path",
    "cv_content_type",
    "cv_bytes",
    "cv_sha256",
];

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn write_candidate(
    b: &mut Bundle,
    jsonl: bundle::FileId,
    csv: bundle::FileId,
    c: &ExportCandidate,
    doc: Option<&FileEntry>,
) {
    let cv = doc.map(|d| {
        json!({ "path": d.path, "filename": c.cv_filename, "content_type": c.cv_content_type, "bytes": d.bytes, "sha256": d.sha256 })
    });
    let applied_on = c.applied_on.to_string();
    let closed_on = day(c.closed_on);
    let withdrawn_on = day(c.consent_withdrawn_on);
    let delete_after = c
        .delete_after
        .map(proto::wire::timestamp)
        .unwrap_or_default();
    let created_at = proto::wire::timestamp(c.created_at);
    let updated_at = proto::wire::timestamp(c.updated_at);
    b.line(
        jsonl,
        &json!({
            "schema": "custodian.candidate.v1",
            "id": c.id,
            "external_ref": c.external_ref,
            "vacancy_ref": c.vacancy_ref,
            "applied_on": applied_on,
            "status": c.status,
            "closed_on": closed_on,
            "consent": c.consent,
            "consent_withdrawn_on": withdrawn_on,
            "categories": c.categories,
            "legal_hold": c.legal_hold,
            "legal_hold_reason": c.legal_hold_reason.clone().unwrap_or_default(),
            "restricted": c.restricted,
            "retention": { "delete_after": delete_after, "basis": c.retention_basis },
            "created_at": created_at,
            "updated_at": updated_at,
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "notes": c.notes,
            "custom_fields": c.custom_fields,
            "cv": cv,
        }),
    );
    let custom = serde_json::to_string(&c.custom_fields).unwrap_or_default();
    let bytes = doc.map(|d| d.bytes.to_string()).unwrap_or_default();
    b.row(
        csv,
        &[
            &c.id,
            &c.external_ref,
            &c.vacancy_ref,
            &applied_on,
            &c.status,
            &closed_on,
            &c.consent,
            &withdrawn_on,
            &c.categories.join(";"),
            if c.legal_hold { "true" } else { "false" },
            if c.restricted { "true" } else { "false" },
            &delete_after,
            &c.retention_basis,
            &created_at,
            &updated_at,
            &c.name,
            &c.email,
            &c.phone,
            &c.notes,
            &custom,
            doc.map(|d| d.path.as_str()).unwrap_or(""),
            if doc.is_some() {
                &c.cv_content_type
            } else {
                ""
            },
            &bytes,
            doc.map(|d| d.sha256.as_str()).unwrap_or(""),
        ],
        true,
    );
}

/// `retention.json` of the bundle (schema `custodian.retention_policy.v1`).
fn retention_json(p: &crate::ports::RetentionSettings) -> Vec<u8> {
    pretty(&json!({
        "schema": "custodian.retention_policy.v1",
        "rejected_weeks": p.rejected_weeks,
        "talent_pool_months": p.talent_pool_months,
        "hired_months": p.hired_months,
        "anchor": p.anchor,
    }))
}

/// One line of `agreements.jsonl` (schema `custodian.agreement_version.v1`).
fn agreement_json(v: &crate::ports::AgreementVersion) -> Result<Value, SwitchError> {
    let terms: Value = serde_json::from_str(&v.terms_json)?;
    Ok(json!({
        "schema": "custodian.agreement_version.v1",
        "agreement_id": v.agreement_id,
        "version": v.version,
        "status": v.status,
        "activated_at": v.activated_at.map(proto::wire::timestamp),
        "notice_given_on": v.notice_given_on.map(|d| d.to_string()),
        "ends_on": v.ends_on.map(|d| d.to_string()),
        "note": v.note,
        "terms": terms,
    }))
}

/// `configuration.json` of the bundle (schema `custodian.configuration.v1`).
fn configuration_json(c: &crate::ports::ControllerRecord) -> Vec<u8> {
    pretty(&json!({
        "schema": "custodian.configuration.v1",
        "controller": {
            "id": c.id,
            "legal_name": c.legal_name,
            "kvk_number": c.kvk_number,
            "country": c.country,
            "privacy_email": c.privacy_email,
            "dpo_name": c.dpo_name,
            "dpo_email": c.dpo_email,
            "webhook_url": c.webhook_url,
        },
        "note": "the webhook secret and API tokens are access credentials, not exported",
    }))
}

pub const AUDIT_COLUMNS: &[&str] = &[
    "seq",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "reason",
    "details",
    "hash",
];

fn write_audit(
    b: &mut Bundle,
    jsonl: bundle::FileId,
    csv: bundle::FileId,
    a: &store::entities::audit_events::Model,
) {
    let at = proto::wire::timestamp(a.at);
    let details: Value = serde_json::from_str(&a.details).unwrap_or(Value::Null);
    b.line(
        jsonl,
        &json!({
            "schema": "custodian.audit.v1",
            "seq": a.seq,
            "tenant_seq": a.tenant_seq,
            "at": at,
            "actor_id": a.actor_id,
            "actor_role": a.actor_role,
            "action": a.action,
            "object_type": a.object_type,
            "object_id": a.object_id,
            "reason": a.reason,
            "details": details,
            "hash": a.hash,
            "tenant_hash": a.tenant_hash,
        }),
    );
    b.row(
        csv,
        &[
            &a.seq.to_string(),
            &at,
            &a.actor_id,
            &a.actor_role,
            &a.action,
            &a.object_type,
            &a.object_id,
            a.reason.as_deref().unwrap_or(""),
            &a.details,
            &a.hash,
        ],
        true,
    );
}

/// Proto of an export chunk list entry.
pub fn file_pb(f: &FileEntry) -> pb::BundleFile {
    pb::BundleFile {
        path: f.path.clone(),
        bytes: f.bytes,
        sha256: f.sha256.clone(),
        records: f.records,
    }
}

/// The tenant a call acts for: a tenant-bound caller's own (naming another
/// is NOT_FOUND); a processor-wide caller must name it.
pub fn tenant_for(scope: &Scope, requested: &str) -> Result<String, SwitchError> {
    let requested = domain_kit::optional_uuid("controller_id", requested)?;
    scope
        .acting_for(requested.as_deref())
        .map_err(|refusal| match refusal {
            TenantRefusal::Foreign => SwitchError::NotFound("controller"),
            TenantRefusal::Unnamed => err("controller_id", "must not be empty").into(),
        })
}

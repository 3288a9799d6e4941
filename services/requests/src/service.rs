//! The request service: table `dsr_requests` (owned here). The subject is
//! found through the vault's keyed blind indexes: a request keeps the
//! hashes, never the e-mail address or phone number. Forwarding goes
//! through the outbox. Every write is audited in the same transaction.

use std::sync::Arc;

use audit::{Actor, Record};
use auth::{Scope, TenantRefusal};
use chrono::{DateTime, Utc};
use outbox::NewMessage;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};
use store::entities::dsr_requests;

use crate::domain::*;
use crate::export;
use crate::ports::{Controllers, PortError, SubjectData};

pub const FORWARD_TOPIC: &str = "dsr.forwarded";

/// A failure of this service's storage or anything else unexpected: an
/// outage of the database is UNAVAILABLE (retry later), the rest INTERNAL.
pub(crate) fn internal(e: impl std::fmt::Display + 'static) -> RequestError {
    match audit::outage_of(&e) {
        Some(o) => RequestError::Port(domain_kit::PortError::Unavailable(o.to_string())),
        None => RequestError::Internal(e.to_string()),
    }
}

audit::storage_errors!(RequestError => internal, serde_json::Error);

/// A peer's error as this service's, keeping its kind.
fn port(e: PortError) -> RequestError {
    match e {
        PortError::Invalid { field, reason } => RequestError::InvalidValue { field, reason },
        PortError::Refused(m) => RequestError::Precondition(m),
        e => RequestError::Port(e),
    }
}

/// A request as shown, with its deadlines.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub row: dsr_requests::Model,
    pub kind: Kind,
    pub state: State,
    pub response: Deadline,
    pub extension_notice: Deadline,
    pub extended_response: Deadline,
    pub late: bool,
}

impl RequestView {
    /// The deadline in force.
    pub fn deadline(&self) -> &Deadline {
        if self.row.extended_at.is_some() {
            &self.extended_response
        } else {
            &self.response
        }
    }
}

/// What fulfilment produced.
#[derive(Debug, Clone, Default)]
pub struct Fulfilment {
    pub files: Vec<export::File>,
    pub certificates: Vec<crate::ports::CandidateCertificate>,
}

/// Where a read in receipt order resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptPosition {
    /// After this request: later receipts, and the same receipt instant
    /// with a greater id.
    After(DateTime<Utc>, String),
    /// After every request received at this instant.
    PastInstant(DateTime<Utc>),
}

pub struct Requests {
    db: DatabaseConnection,
    subjects: Arc<dyn SubjectData>,
    controllers: Arc<dyn Controllers>,
}

fn facts(r: &dsr_requests::Model) -> ClockFacts {
    ClockFacts {
        received_at: r.received_at,
        suspension: Suspension::parse("suspension", &r.suspension).unwrap_or(Suspension::None),
        identity_requested_at: r.identity_requested_at,
        identity_received_at: r.identity_received_at,
    }
}

pub fn view(r: dsr_requests::Model, now: DateTime<Utc>) -> Result<RequestView, RequestError> {
    let (response, extension_notice, extended_response) =
        deadlines(&facts(&r), now).map_err(internal)?;
    let kind = Kind::parse("type", &r.kind)?;
    let state = State::parse("state", &r.state)?;
    let done = r.answered_at;
    let due = if r.extended_at.is_some() {
        extended_response.strict
    } else {
        response.strict
    };
    Ok(RequestView {
        late: done.is_some_and(|d| d > due),
        kind,
        state,
        response,
        extension_notice,
        extended_response,
        row: r,
    })
}

fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

impl Requests {
    pub fn new(
        db: DatabaseConnection,
        subjects: Arc<dyn SubjectData>,
        controllers: Arc<dyn Controllers>,
    ) -> Self {
        Self {
            db,
            subjects,
            controllers,
        }
    }

    /// Deletes every request of an erased tenant (they hold the subjects'
    /// blind-index hashes); audited. Returns how many.
    pub async fn erase_tenant(&self, actor: &Actor, tenant: &str) -> Result<u64, RequestError> {
        let txn = audit::begin(&self.db).await?;
        let n = dsr_requests::Entity::delete_many()
            .filter(dsr_requests::Column::TenantId.eq(tenant))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit_with(
            Record::new(actor, "dsr.tenant_erased", "tenant", tenant)
                .tenant(tenant)
                .details(json!({ "requests_deleted": n })),
        )
        .await?;
        Ok(n)
    }

    async fn row(&self, scope: &Scope, id: &str) -> Result<dsr_requests::Model, RequestError> {
        let r = dsr_requests::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(RequestError::NotFound("request"))?;
        if !scope.allows(&r.tenant_id) {
            return Err(RequestError::NotFound("request"));
        }
        Ok(r)
    }

    pub async fn get(&self, scope: &Scope, id: &str) -> Result<RequestView, RequestError> {
        view(self.row(scope, id).await?, store::now_micros())
    }

    pub async fn list(
        &self,
        scope: &Scope,
        f: &ListFilter<'_>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<RequestView>, RequestError> {
        let Ok(tenant) = scope.listing(f.controller) else {
            return Ok(Vec::new());
        };
        let mut q = dsr_requests::Entity::find();
        if let Some(t) = tenant {
            q = q.filter(dsr_requests::Column::TenantId.eq(t));
        }
        if let Some(s) = f.state {
            q = q.filter(dsr_requests::Column::State.eq(s.as_str()));
        }
        if let Some(email) = f.subject_email {
            // The tenant's keyed hash of the address: the request keeps only
            // hashes, so the search never sees an address stored.
            let tenant = match (scope, f.controller) {
                (Scope::Tenant(t), _) => t.clone(),
                (Scope::All, Some(c)) => c.to_owned(),
                (Scope::All, None) => {
                    return Err(err(
                        "subject_email",
                        "needs controller_id: each controller's addresses are hashed with its own key",
                    )
                    .into());
                }
            };
            let hashes = self
                .subjects
                .subject_hashes(&tenant, email, "")
                .await
                .map_err(|e| match e {
                    PortError::Invalid { reason, .. } => RequestError::InvalidValue {
                        field: "subject_email".into(),
                        reason,
                    },
                    e => port(e),
                })?;
            let Some(h) = hashes.first() else {
                return Ok(Vec::new());
            };
            // Hashes are hex: no LIKE wildcard can occur in one.
            q = q.filter(dsr_requests::Column::SubjectHashes.like(format!("%\"{h}\"%")));
        }
        if let Some(r) = f.candidate_ref {
            q = q.filter(dsr_requests::Column::CandidateRef.like(store::like_prefix(r)));
        }
        if let Some(a) = after {
            q = q.filter(dsr_requests::Column::Id.gt(a.to_owned()));
        }
        let now = store::now_micros();
        q.order_by_asc(dsr_requests::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| view(r, now))
            .collect()
    }

    /// The share of requests extended per controller and quarter of receipt
    /// (legal-rules.md B7), for the quarters `from..=to`, within `scope`.
    pub async fn extension_stats(
        &self,
        scope: &Scope,
        controller: Option<&str>,
        from: crate::stats::Quarter,
        to: crate::stats::Quarter,
    ) -> Result<Vec<crate::stats::Stat>, RequestError> {
        // A day either side of the range in UTC; `group` cuts by the
        // Amsterdam date.
        let Ok(tenant) = scope.listing(controller) else {
            return Ok(Vec::new());
        };
        let lo = legal_time::period::start_of_day(from.first_day()) - chrono::Duration::days(1);
        let hi =
            legal_time::period::start_of_day(to.next().first_day()) + chrono::Duration::days(1);
        let mut q = dsr_requests::Entity::find()
            .select_only()
            .column(dsr_requests::Column::TenantId)
            .column(dsr_requests::Column::ReceivedAt)
            .column(dsr_requests::Column::ExtendedAt)
            .filter(dsr_requests::Column::ReceivedAt.gte(lo))
            .filter(dsr_requests::Column::ReceivedAt.lt(hi));
        if let Some(t) = tenant {
            q = q.filter(dsr_requests::Column::TenantId.eq(t));
        }
        let rows: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> =
            q.into_tuple().all(&self.db).await?;
        Ok(crate::stats::group(
            rows.iter()
                .map(|(t, at, ext)| (t.as_str(), *at, ext.is_some())),
            from,
            to,
        ))
    }

    /// Requests per month of receipt and type (`from..=to`), within `scope`:
    /// each row's deadline in force decides on time or late.
    pub async fn monthly_stats(
        &self,
        scope: &Scope,
        controller: Option<&str>,
        from: crate::stats::Month,
        to: crate::stats::Month,
    ) -> Result<Vec<crate::stats::MonthStat>, RequestError> {
        let Ok(tenant) = scope.listing(controller) else {
            return Ok(Vec::new());
        };
        let lo = legal_time::period::start_of_day(from.first_day()) - chrono::Duration::days(1);
        let hi =
            legal_time::period::start_of_day(to.next().first_day()) + chrono::Duration::days(1);
        let mut q = dsr_requests::Entity::find()
            .filter(dsr_requests::Column::ReceivedAt.gte(lo))
            .filter(dsr_requests::Column::ReceivedAt.lt(hi));
        if let Some(t) = tenant {
            q = q.filter(dsr_requests::Column::TenantId.eq(t));
        }
        let now = store::now_micros();
        let views = q
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| view(r, now))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(crate::stats::group_months(
            views.iter().map(|v| crate::stats::Answered {
                kind: v.kind.as_str(),
                received_at: v.row.received_at,
                done_at: v.row.answered_at.or(v.row.closed_at),
                due: v.deadline().strict,
            }),
            from,
            to,
            now,
        ))
    }

    /// Requests still waiting for an answer (for DeadlineService).
    pub async fn open(&self, tenant: Option<&str>) -> Result<Vec<RequestView>, RequestError> {
        let mut q = dsr_requests::Entity::find().filter(
            dsr_requests::Column::State
                .is_in([State::Open.as_str(), State::AwaitingIdentity.as_str()]),
        );
        if let Some(t) = tenant {
            q = q.filter(dsr_requests::Column::TenantId.eq(t));
        }
        let now = store::now_micros();
        q.all(&self.db)
            .await?
            .into_iter()
            .map(|r| view(r, now))
            .collect()
    }

    /// Up to `limit` requests in `state` (of `tenant`, or of every tenant),
    /// in receipt order after `after`: the obligation source reads these
    /// pages until the rest cannot be due earlier than what it keeps.
    /// Indexed by (state, received_at, id) and (tenant_id, state,
    /// received_at, id).
    pub(crate) async fn in_receipt_order(
        &self,
        tenant: Option<&str>,
        state: State,
        after: Option<&ReceiptPosition>,
        limit: u64,
    ) -> Result<Vec<dsr_requests::Model>, RequestError> {
        let mut q =
            dsr_requests::Entity::find().filter(dsr_requests::Column::State.eq(state.as_str()));
        if let Some(t) = tenant {
            q = q.filter(dsr_requests::Column::TenantId.eq(t));
        }
        match after {
            None => {}
            Some(ReceiptPosition::After(at, id)) => {
                q = q.filter(
                    sea_orm::Condition::any()
                        .add(dsr_requests::Column::ReceivedAt.gt(*at))
                        .add(
                            sea_orm::Condition::all()
                                .add(dsr_requests::Column::ReceivedAt.eq(*at))
                                .add(dsr_requests::Column::Id.gt(id.clone())),
                        ),
                );
            }
            Some(ReceiptPosition::PastInstant(at)) => {
                q = q.filter(dsr_requests::Column::ReceivedAt.gt(*at));
            }
        }
        Ok(q.order_by_asc(dsr_requests::Column::ReceivedAt)
            .order_by_asc(dsr_requests::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// A request filed by a caller in `scope`: a controller's token files
    /// for its own tenant only; a processor-wide caller names the tenant.
    pub async fn create(
        &self,
        actor: &Actor,
        scope: &Scope,
        input: &RequestInput<'_>,
    ) -> Result<RequestView, RequestError> {
        let now = store::now_micros();
        let n = NewRequest::parse(tenant_for(scope, input.controller_id)?, input, now)?;
        if !self.controllers.exists(&n.tenant).await.map_err(port)? {
            return Err(err("controller_id", format!("no controller {}", n.tenant)).into());
        }
        let mut identified_by = Vec::new();
        let hashes = if n.email.trim().is_empty() && n.phone.trim().is_empty() {
            Vec::new()
        } else {
            if !n.email.trim().is_empty() {
                identified_by.push("email");
            }
            if !n.phone.trim().is_empty() {
                identified_by.push("phone");
            }
            self.subjects
                .subject_hashes(&n.tenant, &n.email, &n.phone)
                .await
                .map_err(|e| match e {
                    PortError::Invalid { field, reason } => RequestError::InvalidValue {
                        field: format!("subject.{field}"),
                        reason,
                    },
                    e => port(e),
                })?
        };
        if n.candidate_ref.is_some() {
            identified_by.push("candidate_ref");
        }
        let suspension = self
            .controllers
            .suspension(&n.tenant, n.received_at)
            .await
            .map_err(port)?
            .unwrap_or_else(|| "none".into());
        let id = new_id();
        let matched = if n.channel == Channel::ProcessorDirect {
            self.subjects
                .matching(&n.tenant, &hashes, n.candidate_ref.as_deref())
                .await
                .map_err(port)?
        } else {
            Vec::new()
        };
        let mut row = dsr_requests::Model {
            id: id.clone(),
            tenant_id: n.tenant.clone(),
            kind: n.kind.as_str().into(),
            channel: n.channel.as_str().into(),
            received_at: n.received_at,
            state: State::Open.as_str().into(),
            identified_by: serde_json::to_string(&identified_by)?,
            subject_hashes: serde_json::to_string(&hashes)?,
            candidate_ref: n.candidate_ref.clone(),
            description: n.description.clone(),
            suspension,
            identity_requested_at: None,
            identity_received_at: None,
            extended_at: None,
            extension_reasons: None,
            forwarded_message_id: None,
            subject_informed_at: None,
            answered_at: None,
            outcome: None,
            refusal_reasons: None,
            complaint_info: None,
            judicial_remedy_info: None,
            closed_at: None,
            created_at: now,
            created_by: actor.id.clone(),
        };
        let txn = audit::begin(&self.db).await?;
        if n.channel == Channel::ProcessorDirect {
            // Forwarded to the controller (seed 001 annex 1 art. 7.1, seed
            // 003 art. 12.14): ids and references only, never identifiers.
            let v = view(row.clone(), now)?;
            let mid = outbox::enqueue(
                &txn,
                NewMessage {
                    tenant: &n.tenant,
                    topic: FORWARD_TOPIC,
                    subject_type: "dsr_request",
                    subject_id: &id,
                    data: json!({
                        "request_id": id,
                        "type": n.kind.as_str(),
                        "received_at": proto::wire::timestamp(n.received_at),
                        "identified_by": identified_by,
                        "description": n.description,
                        "candidates": matched.iter().map(|c| json!({
                            "candidate_id": c.id,
                            "external_ref": c.external_ref,
                        })).collect::<Vec<_>>(),
                        "response_due": {
                            "rule": v.response.rule,
                            "strict": proto::wire::timestamp(v.response.strict),
                            "lenient": proto::wire::timestamp(v.response.lenient),
                        },
                    }),
                },
                now,
            )
            .await?;
            row.forwarded_message_id = Some(mid);
            row.subject_informed_at = Some(n.subject_informed_at.unwrap_or(now));
        }
        let saved = dsr_requests::ActiveModel::from(row).insert(&txn).await?;
        txn.commit_with(
            Record::new(actor, "dsr.create", "dsr_request", &id)
                .tenant(&n.tenant)
                .details(json!({
                    "type": n.kind.as_str(),
                    "channel": n.channel.as_str(),
                    "identified_by": identified_by,
                    "forwarded": saved.forwarded_message_id.is_some(),
                })),
        )
        .await?;
        view(saved, now)
    }

    /// Applies a step: checks the state machine inside the transaction,
    /// lets `f` change the row, audits.
    async fn step<F>(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        step: Step,
        details: Value,
        f: F,
    ) -> Result<RequestView, RequestError>
    where
        F: FnOnce(&mut dsr_requests::Model, &RequestView) -> Result<(), RequestError>,
    {
        let now = store::now_micros();
        let txn = audit::begin(&self.db).await?;
        let r = dsr_requests::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .filter(|r| scope.allows(&r.tenant_id))
            .ok_or(RequestError::NotFound("request"))?;
        let v = view(r.clone(), now)?;
        let to = step.apply(v.state)?;
        let mut next = r;
        next.state = to.as_str().into();
        f(&mut next, &v)?;
        let tenant = next.tenant_id.clone();
        let saved = dsr_requests::ActiveModel::from(next)
            .reset_all()
            .update(&txn)
            .await?;
        txn.commit_with(
            Record::new(actor, step.action(), "dsr_request", id)
                .tenant(&tenant)
                .details(details),
        )
        .await?;
        view(saved, now)
    }

    pub async fn identity(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        received: bool,
        at: DateTime<Utc>,
    ) -> Result<RequestView, RequestError> {
        let step = if received {
            Step::ReceiveIdentity
        } else {
            Step::AskIdentity
        };
        self.step(actor, scope, id, step, json!({}), |r, _| {
            if received {
                if r.identity_requested_at.is_some_and(|a| at < a) {
                    return Err(err("at", "must not be before the identity was asked for").into());
                }
                r.identity_received_at = Some(at);
            } else {
                if at < r.received_at {
                    return Err(err("at", "must not be before the request was received").into());
                }
                if r.identity_requested_at.is_some() {
                    return Err(RequestError::Precondition(
                        "identity was already asked for once".into(),
                    ));
                }
                r.identity_requested_at = Some(at);
            }
            Ok(())
        })
        .await
    }

    pub async fn extend(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reasons: String,
    ) -> Result<RequestView, RequestError> {
        let now = store::now_micros();
        self.step(actor, scope, id, Step::Extend, json!({}), |r, v| {
            check_extension(r.extended_at.is_some(), &v.extension_notice, now)?;
            r.extended_at = Some(now);
            r.extension_reasons = Some(reasons);
            Ok(())
        })
        .await
    }

    pub async fn refuse(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reasons: String,
        complaint: Option<String>,
        remedy: Option<String>,
    ) -> Result<RequestView, RequestError> {
        let now = store::now_micros();
        self.step(actor, scope, id, Step::Refuse, json!({}), |r, _| {
            r.refusal_reasons = Some(reasons);
            r.complaint_info = Some(complaint.unwrap_or_else(|| COMPLAINT_INFO.into()));
            r.judicial_remedy_info = Some(remedy.unwrap_or_else(|| JUDICIAL_REMEDY_INFO.into()));
            r.answered_at = Some(now);
            Ok(())
        })
        .await
    }

    pub async fn close(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
    ) -> Result<RequestView, RequestError> {
        let now = store::now_micros();
        self.step(actor, scope, id, Step::Close, json!({}), |r, _| {
            r.closed_at = Some(now);
            Ok(())
        })
        .await
    }

    /// Carries the request out on the vault, then records the answer. The
    /// vault's steps (erasure, restriction, rectification) are audited and
    /// committed by the vault itself, candidate by candidate; the answer is
    /// recorded after them, so a crash in between leaves the request open
    /// and a repeat finishes it (every step is idempotent or skips what is gone).
    pub async fn fulfil(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        corrections: Option<crate::ports::SubjectPayload>,
        note: Option<String>,
    ) -> Result<(RequestView, Fulfilment), RequestError> {
        let r = self.row(scope, id).await?;
        let v = view(r.clone(), store::now_micros())?;
        Step::Fulfil.apply(v.state)?;
        if v.kind == Kind::Rectification {
            let ok = corrections.as_ref().is_some_and(|c| {
                !(c.name.trim().is_empty()
                    && c.email.trim().is_empty()
                    && c.phone.trim().is_empty()
                    && c.notes.trim().is_empty()
                    && c.custom_fields.is_empty()
                    && c.cv.is_empty())
            });
            if !ok {
                return Err(err(
                    "corrections",
                    "required for rectification: give at least one corrected value",
                )
                .into());
            }
        } else if corrections.is_some() {
            return Err(err("corrections", "only for rectification").into());
        }
        let hashes: Vec<String> = serde_json::from_str(&r.subject_hashes)?;
        let matched = self
            .subjects
            .matching(&r.tenant_id, &hashes, r.candidate_ref.as_deref())
            .await
            .map_err(port)?;
        let mut out = Fulfilment::default();
        let mut refusals: Vec<String> = Vec::new();
        let outcome = match v.kind {
            Kind::Access | Kind::Portability => {
                let mut subjects = Vec::new();
                for c in matched {
                    let p = self
                        .subjects
                        .read(actor, &r.tenant_id, &c.id, id)
                        .await
                        .map_err(port)?;
                    subjects.push((c, p));
                }
                out.files = export::bundle(
                    id,
                    &r.tenant_id,
                    v.kind.as_str(),
                    &proto::wire::timestamp(store::now_micros()),
                    &subjects,
                );
                export::outcome(&out.files)
            }
            Kind::Erasure => {
                let mut held = Vec::new();
                for c in matched {
                    match self.subjects.erase(actor, &r.tenant_id, &c.id, id).await {
                        Ok(cert) => out.certificates.push(cert),
                        Err(PortError::Refused(reason)) => {
                            refusals.push(format!(
                                "candidate {} is not erased: {reason} (GDPR art. 17(3)(e))",
                                c.external_ref
                            ));
                            held.push(json!({ "candidate_id": c.id, "reason": reason }));
                        }
                        Err(e) => return Err(port(e)),
                    }
                }
                // Everything erased for this request, also by an earlier
                // attempt that stopped halfway (its candidates no longer
                // match): the list the request's certificate gives too.
                let erased: Vec<_> = self
                    .subjects
                    .erased(&r.tenant_id, id)
                    .await
                    .map_err(port)?
                    .into_iter()
                    .map(|e| json!({ "candidate_id": e.candidate_id, "ledger_seq": e.ledger_seq }))
                    .collect();
                json!({ "erased": erased, "refused": held })
            }
            Kind::Restriction | Kind::Objection => {
                let mut ids = Vec::new();
                for c in matched {
                    self.subjects
                        .restrict(actor, &r.tenant_id, &c.id, id)
                        .await
                        .map_err(port)?;
                    ids.push(c.id);
                }
                json!({ "restricted": ids })
            }
            Kind::Rectification => {
                let fix = corrections.unwrap_or_default();
                let mut done = Vec::new();
                for c in matched {
                    let cur = self
                        .subjects
                        .read(actor, &r.tenant_id, &c.id, id)
                        .await
                        .map_err(port)?;
                    let (next, changed) = export::rectify(&cur, &fix);
                    if !changed.is_empty() {
                        self.subjects
                            .rewrite(actor, &r.tenant_id, &c.id, next)
                            .await
                            .map_err(port)?;
                    }
                    done.push(json!({ "candidate_id": c.id, "fields": changed }));
                }
                json!({ "rectified": done })
            }
        };
        let now = store::now_micros();
        let mut outcome = outcome;
        if let Some(n) = &note {
            outcome["note"] = json!(n);
        }
        let partial = !refusals.is_empty();
        let saved = self
            .step(
                actor,
                scope,
                id,
                Step::Fulfil,
                json!({ "type": v.kind.as_str(), "partial_refusal": partial }),
                |row, _| {
                    row.answered_at = Some(now);
                    row.outcome = Some(outcome.to_string());
                    if partial {
                        row.refusal_reasons = Some(refusals.join("; "));
                        row.complaint_info = Some(COMPLAINT_INFO.into());
                        row.judicial_remedy_info = Some(JUDICIAL_REMEDY_INFO.into());
                    }
                    Ok(())
                },
            )
            .await?;
        Ok((saved, out))
    }
}

/// The tenant a request is filed for, from the caller's scope.
/// What `ListRequests` filters on, beside the caller's scope.
#[derive(Debug, Default, Clone, Copy)]
pub struct ListFilter<'a> {
    pub controller: Option<&'a str>,
    pub state: Option<State>,
    /// The subject's e-mail address, matched by the tenant's keyed hash.
    pub subject_email: Option<&'a str>,
    /// The start of the controller's candidate reference.
    pub candidate_ref: Option<&'a str>,
}

fn tenant_for(scope: &Scope, requested: &str) -> Result<String, RequestError> {
    let requested = optional_uuid("controller_id", requested)?;
    scope
        .acting_for(requested.as_deref())
        .map_err(|refusal| match refusal {
            TenantRefusal::Foreign => RequestError::NotFound("controller"),
            TenantRefusal::Unnamed => err("controller_id", "must not be empty").into(),
        })
}

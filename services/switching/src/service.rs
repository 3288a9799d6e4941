//! The switching service: tables `switching_requests`, `switching_exports`,
//! `switching_export_chunks`, `switching_charges` (owned here). Milestones
//! are recomputed from the stored facts on every read. Every write is
//! audited in the same transaction. Export bundles are built in the
//! background by streaming pages of the tenant's data into sealed chunks.

use std::sync::Arc;

use audit::{Actor, Record};
use auth::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use proto::v1 as pb;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Value, json};

use store::entities::switching::{charges, export_chunks, exports, requests as tbl};

use crate::bundle::{self, Bundle, FileEntry, Piece};
use crate::domain::*;
use crate::notices::{self, Event};
use crate::ports::{ExportCandidate, TenantData};

/// Candidates per page while building a bundle.
pub const PAGE: u64 = 500;
/// Chunks per query while streaming a download (1 MiB).
const STREAM_PAGE: u64 = 4;

/// A validated new Data Act request.
#[derive(Debug, Clone)]
pub struct NewSwitch {
    pub tenant: String,
    pub election: Election,
    pub notice_months: u32,
    pub requested_at: Option<DateTime<Utc>>,
    pub destination: Option<String>,
}

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
    pub row: tbl::Model,
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

fn facts(r: &tbl::Model) -> Result<Facts, SwitchError> {
    Ok(Facts {
        kind: Kind::parse("kind", &r.kind).map_err(internal)?,
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
    r: tbl::Model,
    charges: Vec<charges::Model>,
    now: DateTime<Utc>,
) -> Result<SwitchView, SwitchError> {
    let f = facts(&r)?;
    let plan = plan(&f).map_err(internal)?;
    let status = Status::parse("status", &r.status).map_err(internal)?;
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

    async fn row(&self, scope: &Scope, id: &str) -> Result<tbl::Model, SwitchError> {
        let r = tbl::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or(SwitchError::NotFound("switch"))?;
        if !scope.allows(&r.tenant_id) {
            return Err(SwitchError::NotFound("switch"));
        }
        Ok(r)
    }

    async fn charges_of(&self, id: &str) -> Result<Vec<charges::Model>, SwitchError> {
        charges::Entity::find()
            .filter(charges::Column::SwitchId.eq(id))
            .order_by_asc(charges::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)
    }

    pub async fn get(&self, scope: &Scope, id: &str) -> Result<SwitchView, SwitchError> {
        let r = self.row(scope, id).await?;
        let c = self.charges_of(id).await?;
        view(r, c, store::now_micros())
    }

    pub async fn list(
        &self,
        scope: &Scope,
        controller: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<SwitchView>, SwitchError> {
        let mut q = tbl::Entity::find();
        if let Some(t) = scope.filter(controller) {
            q = q.filter(tbl::Column::TenantId.eq(t));
        }
        if let Some(a) = after {
            q = q.filter(tbl::Column::Id.gt(a.to_owned()));
        }
        let rows = q
            .order_by_asc(tbl::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(internal)?;
        // The page's charges in one query, grouped by switch.
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut by_switch: std::collections::HashMap<String, Vec<charges::Model>> =
            std::collections::HashMap::new();
        for c in charges::Entity::find()
            .filter(charges::Column::SwitchId.is_in(ids))
            .order_by_asc(charges::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            by_switch.entry(c.switch_id.clone()).or_default().push(c);
        }
        let now = store::now_micros();
        rows.into_iter()
            .map(|r| {
                let c = by_switch.remove(&r.id).unwrap_or_default();
                view(r, c, now)
            })
            .collect()
    }

    /// Switches not yet erased nor withdrawn, for obligations and the worker.
    pub async fn open(&self, tenant: Option<&str>) -> Result<Vec<SwitchView>, SwitchError> {
        let mut q = tbl::Entity::find().filter(
            tbl::Column::Status.is_not_in([Status::Erased.as_str(), Status::Withdrawn.as_str()]),
        );
        if let Some(t) = tenant {
            q = q.filter(tbl::Column::TenantId.eq(t));
        }
        let now = store::now_micros();
        q.order_by_asc(tbl::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|r| view(r, Vec::new(), now))
            .collect()
    }

    /// Refuses a second open switch or exit, and an erased tenant.
    async fn check_no_other(&self, tenant: &str) -> Result<(), SwitchError> {
        let others = tbl::Entity::find()
            .filter(tbl::Column::TenantId.eq(tenant))
            .all(&self.db)
            .await
            .map_err(internal)?;
        if let Some(o) = others.iter().find(|o| o.status == Status::Erased.as_str()) {
            return Err(SwitchError::Precondition(format!(
                "controller {tenant} was erased by switch {}",
                o.id
            )));
        }
        if let Some(o) = others.iter().find(|o| o.status == Status::Active.as_str()) {
            return Err(SwitchError::Precondition(format!(
                "switch {} of this controller is still active",
                o.id
            )));
        }
        Ok(())
    }

    async fn insert(
        &self,
        actor: &Actor,
        row: tbl::Model,
        action: &str,
        details: Value,
    ) -> Result<SwitchView, SwitchError> {
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let m = tbl::ActiveModel::from(row)
            .insert(&txn)
            .await
            .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, action, "switch", &m.id)
                .tenant(&m.tenant_id)
                .details(details),
        )
        .await
        .map_err(internal)?;
        let now = store::now_micros();
        let v = view(m, Vec::new(), now)?;
        notices::enqueue(&txn, Event::Requested, &v, json!({}), now)
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(v)
    }

    /// The customer's switching request (Data Act art. 25(3)).
    pub async fn request(&self, actor: &Actor, n: NewSwitch) -> Result<SwitchView, SwitchError> {
        let now = store::now_micros();
        if !self.data.exists(&n.tenant).await? {
            return Err(SwitchError::NotFound("controller"));
        }
        let at = n.requested_at.unwrap_or(now);
        // The agreement governing the request (agreements' `governing_at`:
        // in force when it arrived, else the one in force now).
        let terms = self.data.exit_terms(&n.tenant, at).await?;
        let terms = terms.ok_or_else(|| {
            SwitchError::Precondition(format!(
                "controller {} had no agreement in force at {}",
                n.tenant,
                proto::wire::timestamp(at)
            ))
        })?;
        let months = notice_months(n.notice_months, terms.notice_months)?;
        self.check_no_other(&n.tenant).await?;
        let row = tbl::Model {
            id: new_id(),
            tenant_id: n.tenant.clone(),
            kind: Kind::DataAct.as_str().into(),
            election: n.election.as_str().into(),
            notice_months: months as i32,
            requested_at: at,
            destination: n.destination.clone(),
            status: Status::Active.as_str().into(),
            unfeasible_declared_at: None,
            unfeasibility_reasons: None,
            alternative_transition_end: None,
            extended_transition_end: None,
            completed_at: None,
            contract_end: None,
            deletion_term_days: None,
            termination_reason: None,
            certificate: None,
            erased_at: None,
            created_at: now,
            created_by: actor.id.clone(),
            withdrawn_at: None,
            withdrawal_reason: None,
            agreement_ended_at: None,
            retrieval_reminded_for: None,
            erasure_notice_id: None,
            webhook_closed_at: None,
        };
        // Validate the milestones before anything is written.
        view(row.clone(), Vec::new(), now)?;
        self.insert(
            actor,
            row,
            "switching.request",
            json!({ "election": n.election.as_str(), "notice_months": months, "agreement_id": terms.agreement_id }),
        )
        .await
    }

    /// An exit without a Data Act request, by the agreement's terms.
    pub async fn terminate(
        &self,
        actor: &Actor,
        tenant: &str,
        contract_end: Option<NaiveDate>,
        reason: String,
    ) -> Result<SwitchView, SwitchError> {
        let now = store::now_micros();
        if !self.data.exists(tenant).await? {
            return Err(SwitchError::NotFound("controller"));
        }
        let terms = self.data.exit_terms(tenant, now).await?.ok_or_else(|| {
            SwitchError::Precondition(format!("controller {tenant} has no agreement in force"))
        })?;
        let today = legal_time::period::local_date(now);
        let end = match (contract_end, terms.ends_on) {
            (Some(e), Some(t)) if e != t => {
                return Err(err(
                    "contract_end",
                    format!(
                        "agreement {} was terminated to end on {t}, got {e}",
                        terms.agreement_id
                    ),
                )
                .into());
            }
            (Some(e), _) => e,
            (None, Some(t)) => t,
            (None, None) => {
                return Err(err(
                    "contract_end",
                    "must not be empty: the agreement has not been terminated, so its last day must be given",
                )
                .into());
            }
        };
        if end < today {
            return Err(err(
                "contract_end",
                format!("must not be before today ({today}), got {end}"),
            )
            .into());
        }
        self.check_no_other(tenant).await?;
        let row = tbl::Model {
            id: new_id(),
            tenant_id: tenant.to_owned(),
            kind: Kind::Termination.as_str().into(),
            election: terms.end_of_contract.clone(),
            notice_months: 0,
            requested_at: now,
            destination: None,
            status: Status::Active.as_str().into(),
            unfeasible_declared_at: None,
            unfeasibility_reasons: None,
            alternative_transition_end: None,
            extended_transition_end: None,
            completed_at: None,
            contract_end: Some(end),
            deletion_term_days: Some(terms.deletion_term_days as i32),
            termination_reason: Some(reason),
            certificate: None,
            erased_at: None,
            created_at: now,
            created_by: actor.id.clone(),
            withdrawn_at: None,
            withdrawal_reason: None,
            agreement_ended_at: None,
            retrieval_reminded_for: None,
            erasure_notice_id: None,
            webhook_closed_at: None,
        };
        self.insert(
            actor,
            row,
            "switching.terminate",
            json!({ "agreement_id": terms.agreement_id, "contract_end": end.to_string(), "end_of_contract": terms.end_of_contract, "deletion_term_days": terms.deletion_term_days }),
        )
        .await
    }

    /// Loads an active Data Act switch for a change.
    async fn active_data_act(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(tbl::Model, SwitchView), SwitchError> {
        let r = self.row(scope, id).await?;
        let v = view(r.clone(), Vec::new(), store::now_micros())?;
        if v.kind != Kind::DataAct {
            return Err(SwitchError::Precondition(
                "this is an agreement exit, not a Data Act switch".into(),
            ));
        }
        if v.status != Status::Active {
            return Err(SwitchError::Precondition(format!(
                "the switch is {}, not active",
                v.status.as_str()
            )));
        }
        Ok((r, v))
    }

    /// Writes a change of a switch with its audit entry and, when given, the
    /// customer's notice of it, in one transaction.
    async fn update(
        &self,
        actor: &Actor,
        row: tbl::ActiveModel,
        action: &str,
        details: Value,
        notice: Option<(Event, Value)>,
    ) -> Result<SwitchView, SwitchError> {
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let m = row.update(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, action, "switch", &m.id)
                .tenant(&m.tenant_id)
                .details(details),
        )
        .await
        .map_err(internal)?;
        let c = self.charges_of(&m.id).await?;
        let now = store::now_micros();
        let v = view(m, c, now)?;
        if let Some((event, extra)) = notice {
            notices::enqueue(&txn, event, &v, extra, now)
                .await
                .map_err(internal)?;
        }
        txn.commit().await.map_err(internal)?;
        Ok(v)
    }

    pub async fn declare_unfeasible(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reasons: String,
        alt_end: NaiveDate,
    ) -> Result<SwitchView, SwitchError> {
        let (r, v) = self.active_data_act(scope, id).await?;
        let election = Election::parse("election", &r.election).map_err(internal)?;
        check_unfeasible(
            &v.plan,
            election,
            r.unfeasible_declared_at.is_some(),
            alt_end,
            store::now_micros(),
        )?;
        let mut am: tbl::ActiveModel = r.into();
        am.unfeasible_declared_at = Set(Some(store::now_micros()));
        let reasons_sent = reasons.clone();
        am.unfeasibility_reasons = Set(Some(reasons));
        am.alternative_transition_end = Set(Some(alt_end));
        self.update(
            actor,
            am,
            "switching.unfeasible",
            json!({ "alternative_transition_end": alt_end.to_string() }),
            Some((
                Event::Unfeasible,
                json!({ "reasons": reasons_sent, "alternative_transition_end": alt_end.to_string() }),
            )),
        )
        .await
    }

    pub async fn extend(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        new_end: NaiveDate,
    ) -> Result<SwitchView, SwitchError> {
        let (r, v) = self.active_data_act(scope, id).await?;
        let election = Election::parse("election", &r.election).map_err(internal)?;
        check_extension(
            &v.plan,
            election,
            r.extended_transition_end.is_some(),
            new_end,
            store::now_micros(),
        )?;
        let mut am: tbl::ActiveModel = r.into();
        am.extended_transition_end = Set(Some(new_end));
        self.update(
            actor,
            am,
            "switching.extend",
            json!({ "transition_end": new_end.to_string() }),
            Some((
                Event::Extended,
                json!({ "transition_end": new_end.to_string() }),
            )),
        )
        .await
    }

    pub async fn confirm(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
    ) -> Result<SwitchView, SwitchError> {
        let (r, _) = self.active_data_act(scope, id).await?;
        if r.election == Election::Erase.as_str() {
            return Err(SwitchError::Precondition(
                "the customer elected erasure: there is no switch to confirm; the contract ends with the notice period".into(),
            ));
        }
        let mut am: tbl::ActiveModel = r.into();
        am.completed_at = Set(Some(store::now_micros()));
        am.status = Set(Status::Completed.as_str().into());
        self.update(
            actor,
            am,
            "switching.confirm",
            json!({}),
            Some((Event::Completed, json!({}))),
        )
        .await
    }

    pub async fn record_charge(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        input: &ChargeInput<'_>,
    ) -> Result<charges::Model, SwitchError> {
        let r = self.row(scope, id).await?;
        let v = view(r.clone(), Vec::new(), store::now_micros())?;
        if v.kind != Kind::DataAct {
            return Err(SwitchError::Precondition(
                "switching charges apply to Data Act switches only".into(),
            ));
        }
        let c = check_charge(
            input.amount_cents,
            input.charged_on,
            input.direct_cost_cents,
            input.description,
            v.plan.transition_end(),
        )?;
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let m = charges::ActiveModel::from(charges::Model {
            id: new_id(),
            switch_id: r.id.clone(),
            tenant_id: r.tenant_id.clone(),
            amount_cents: i64::try_from(c.amount_cents).map_err(internal)?,
            charged_on: c.charged_on,
            direct_cost_cents: i64::try_from(c.direct_cost_cents).map_err(internal)?,
            description: c.description,
            legal_review: c.legal_review,
            recorded_at: store::now_micros(),
            recorded_by: actor.id.clone(),
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "switching.charge", "switch", &r.id)
                .tenant(&r.tenant_id)
                .details(json!({ "charge_id": m.id, "amount_cents": c.amount_cents, "charged_on": c.charged_on.to_string(), "legal_review": c.legal_review })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(m)
    }

    // ---- exports ----

    async fn export_row(&self, scope: &Scope, id: &str) -> Result<exports::Model, SwitchError> {
        let e = exports::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or(SwitchError::NotFound("export"))?;
        if !scope.allows(&e.tenant_id) {
            return Err(SwitchError::NotFound("export"));
        }
        Ok(e)
    }

    /// An export with the switch it belongs to (for its availability).
    pub async fn get_export(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(exports::Model, SwitchView), SwitchError> {
        let e = self.export_row(scope, id).await?;
        let v = self.get(scope, &e.switch_id).await?;
        Ok((e, v))
    }

    /// Starts building a bundle; the build runs in the background.
    pub async fn start_export(
        self: &Arc<Self>,
        actor: &Actor,
        scope: &Scope,
        switch_id: &str,
    ) -> Result<exports::Model, SwitchError> {
        let v = self.get(scope, switch_id).await?;
        if v.status == Status::Erased {
            return Err(SwitchError::Precondition("the tenant was erased".into()));
        }
        if v.kind == Kind::DataAct && v.row.election == Election::Erase.as_str() {
            return Err(SwitchError::Precondition(
                "the customer elected erasure (art. 25(3)(c)): nothing is exported".into(),
            ));
        }
        if v.kind == Kind::Termination && v.row.election == ExitChoice::Delete.as_str() {
            return Err(SwitchError::Precondition(
                "the agreement's end-of-contract choice is delete: nothing is returned (amend the agreement to return_then_delete first)".into(),
            ));
        }
        if !v.retrieval_open {
            return Err(SwitchError::Precondition(format!(
                "the retrieval period ended at {}; the data can no longer be exported",
                v.plan
                    .retrieval_until()
                    .map(proto::wire::timestamp)
                    .unwrap_or_default()
            )));
        }
        let building = exports::Entity::find()
            .filter(exports::Column::SwitchId.eq(switch_id))
            .filter(exports::Column::Status.eq(ExportStatus::Building.as_str()))
            .one(&self.db)
            .await
            .map_err(internal)?;
        if let Some(b) = building {
            return Err(SwitchError::Precondition(format!(
                "export {} of this switch is still being built",
                b.id
            )));
        }
        let id = new_id();
        let tenant = v.row.tenant_id.clone();
        self.data.create_export_key(&tenant, &id).await?;
        let now = store::now_micros();
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let m = exports::ActiveModel::from(exports::Model {
            id: id.clone(),
            switch_id: switch_id.to_owned(),
            tenant_id: tenant.clone(),
            status: ExportStatus::Building.as_str().into(),
            started_at: now,
            ready_at: None,
            error: None,
            wrapped_key_id: format!("export:{id}"),
            files: None,
            manifest_sha256: None,
            candidates: 0,
            documents: 0,
            downloads: 0,
            created_by: actor.id.clone(),
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "switching.export_start", "export", &id)
                .tenant(&tenant)
                .details(json!({ "switch_id": switch_id })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.spawn_build(actor.clone(), id);
        Ok(m)
    }

    fn spawn_build(self: &Arc<Self>, actor: Actor, id: String) {
        let me = self.clone();
        tokio::spawn(async move {
            if let Err(e) = me.build(&actor, &id).await {
                tracing::error!(export = %id, error = %e, "export build failed");
                let _ = me.fail(&actor, &id, &e.to_string()).await;
            }
        });
    }

    /// Restarts builds that a stopped process left unfinished.
    pub async fn resume_exports(self: &Arc<Self>) -> Result<usize, SwitchError> {
        let open = exports::Entity::find()
            .filter(exports::Column::Status.eq(ExportStatus::Building.as_str()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let actor = Actor::system("switching");
        for e in &open {
            self.spawn_build(actor.clone(), e.id.clone());
        }
        Ok(open.len())
    }

    async fn fail(&self, actor: &Actor, id: &str, error: &str) -> Result<(), SwitchError> {
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let Some(e) = exports::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await
            .map_err(internal)?
        else {
            return Ok(());
        };
        let tenant = e.tenant_id.clone();
        let mut am: exports::ActiveModel = e.into();
        am.status = Set(ExportStatus::Failed.as_str().into());
        am.error = Set(Some(error.chars().take(500).collect()));
        am.update(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "switching.export_failed", "export", id).tenant(&tenant),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(())
    }

    /// Seals and stores finished chunks, numbering them from `*seq`.
    async fn store_chunks(
        &self,
        tenant: &str,
        export: &str,
        chunks: Vec<Vec<u8>>,
        seq: &mut i32,
    ) -> Result<(), SwitchError> {
        if chunks.is_empty() {
            return Ok(());
        }
        let mut rows = Vec::with_capacity(chunks.len());
        for c in chunks {
            let data = self.data.seal_export_chunk(tenant, export, *seq, c).await?;
            rows.push(export_chunks::ActiveModel::from(export_chunks::Model {
                export_id: export.to_owned(),
                seq: *seq,
                data,
            }));
            *seq += 1;
        }
        // One row per statement: each holds about 256 KiB.
        for row in rows {
            export_chunks::Entity::insert(row)
                .exec_without_returning(&self.db)
                .await
                .map_err(internal)?;
        }
        Ok(())
    }

    /// Builds a bundle by streaming: pages of candidates, then the other
    /// categories, each cut into sealed chunks as it is written.
    pub async fn build(&self, actor: &Actor, id: &str) -> Result<(), SwitchError> {
        let e = exports::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or(SwitchError::NotFound("export"))?;
        let tenant = e.tenant_id.clone();
        // A resumed build starts over.
        export_chunks::Entity::delete_many()
            .filter(export_chunks::Column::ExportId.eq(id))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        let mut seq = 0i32;
        let mut b = Bundle::new();
        let cj = b.open("candidates.jsonl", "jsonl");
        let cc = b.open("candidates.csv", "csv");
        b.row(cc, CANDIDATE_COLUMNS, false);
        let (mut candidates, mut documents) = (0u64, 0u64);
        let mut after: Option<String> = None;
        loop {
            let page = self
                .data
                .candidates(&tenant, after.as_deref(), PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for c in &page {
                let doc = if c.cv.is_empty() {
                    None
                } else {
                    let path = format!("files/{}/{}", c.id, bundle::safe_name(&c.cv_filename));
                    let f = b.whole(path, "original", &c.cv);
                    documents += 1;
                    Some(b.entry(f))
                };
                write_candidate(&mut b, cj, cc, c, doc.as_ref());
                candidates += 1;
            }
            self.store_chunks(&tenant, id, b.take_chunks(), &mut seq)
                .await?;
        }
        b.close(cj);
        b.close(cc);
        let retention = retention_json(&self.data.retention(&tenant).await?);
        b.whole("retention.json", "json", &retention);
        let ag = b.open("agreements.jsonl", "jsonl");
        for v in self.data.agreements(&tenant).await? {
            b.line(ag, &agreement_json(&v)?);
        }
        b.close(ag);
        let config = configuration_json(&self.data.configuration(&tenant).await?);
        b.whole("configuration.json", "json", &config);
        self.store_chunks(&tenant, id, b.take_chunks(), &mut seq)
            .await?;
        let aj = b.open("audit.jsonl", "jsonl");
        let ac = b.open("audit.csv", "csv");
        b.row(ac, AUDIT_COLUMNS, false);
        let mut after_seq = 0i64;
        loop {
            let page = audit::list(
                &self.db,
                &audit::ListFilter {
                    tenant_id: Some(tenant.clone()),
                    after_seq,
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await
            .map_err(internal)?;
            let Some(last) = page.last() else { break };
            after_seq = last.seq;
            for a in &page {
                write_audit(&mut b, aj, ac, a);
            }
            self.store_chunks(&tenant, id, b.take_chunks(), &mut seq)
                .await?;
        }
        let header = json!({
            "export_id": id,
            "switch_id": e.switch_id,
            "controller_id": tenant,
            "created_at": proto::wire::timestamp(store::now_micros()),
            "schemas": {
                "candidates": "custodian.candidate.v1",
                "audit": "custodian.audit.v1",
                "agreements": "custodian.agreement_version.v1",
            },
            "counts": { "candidates": candidates, "documents": documents },
            "formats": "JSON Lines (UTF-8, one object per line), CSV (RFC 4180, UTF-8, header row, values unaltered), JSON, and the original documents under files/<candidate id>/",
            "excluded": [
                "encryption keys and blind-index keys: security measures of the provider, not exportable data (Data Act art. 30(6))",
                "candidates already erased: their deletion certificates are in the audit trail",
            ],
        });
        let done = b.finish(header);
        self.store_chunks(&tenant, id, done.chunks, &mut seq)
            .await?;
        let manifest_sha = done.manifest_sha256;
        let top: Vec<FileEntry> = done.files;
        debug_assert_eq!(done.documents, documents);
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let switch_id = e.switch_id.clone();
        let mut am: exports::ActiveModel = e.into();
        am.status = Set(ExportStatus::Ready.as_str().into());
        am.ready_at = Set(Some(store::now_micros()));
        am.files = Set(Some(serde_json::to_string(&top).map_err(internal)?));
        am.manifest_sha256 = Set(Some(manifest_sha.clone()));
        am.candidates = Set(candidates as i64);
        am.documents = Set(documents as i64);
        am.update(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "switching.export_ready", "export", id)
                .tenant(&tenant)
                .details(json!({ "candidates": candidates, "documents": documents, "manifest_sha256": manifest_sha })),
        )
        .await
        .map_err(internal)?;
        let sw = tbl::Entity::find_by_id(switch_id.clone())
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or(SwitchError::NotFound("switch"))?;
        let now = store::now_micros();
        let v = view(sw, Vec::new(), now)?;
        notices::enqueue(
            &txn,
            Event::ExportReady,
            &v,
            json!({ "export_id": id, "candidates": candidates, "documents": documents, "manifest_sha256": manifest_sha }),
            now,
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(())
    }

    /// Checks a download and counts it (audited); the caller then streams
    /// [`Self::chunks`].
    pub async fn begin_download(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
    ) -> Result<exports::Model, SwitchError> {
        let (e, v) = self.get_export(scope, id).await?;
        if e.status != ExportStatus::Ready.as_str() {
            return Err(SwitchError::Precondition(format!(
                "the export is {}, not ready",
                e.status
            )));
        }
        if !v.retrieval_open {
            return Err(SwitchError::Precondition(format!(
                "the retrieval period ended at {}; downloads are refused",
                v.plan
                    .retrieval_until()
                    .map(proto::wire::timestamp)
                    .unwrap_or_default()
            )));
        }
        // The first chunk must open before the download counts: the vault
        // still holds the bundle's key and the data is intact.
        let first = export_chunks::Entity::find()
            .filter(export_chunks::Column::ExportId.eq(&e.id))
            .order_by_asc(export_chunks::Column::Seq)
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or_else(|| internal("a ready export has no chunks"))?;
        self.data
            .open_export_chunk(&e.tenant_id, id, first.seq, first.data)
            .await?;
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let tenant = e.tenant_id.clone();
        let n = e.downloads + 1;
        let mut am: exports::ActiveModel = e.into();
        am.downloads = Set(n);
        let e = am.update(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "switching.export_download", "export", id)
                .tenant(&tenant)
                .details(json!({ "download": n })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(e)
    }

    /// The pieces of the next few chunks of an export after `after` (a
    /// chunk seq), opened, with the seq of the last chunk read.
    pub async fn pieces(
        &self,
        e: &exports::Model,
        after: Option<i32>,
    ) -> Result<(Vec<Piece>, Option<i32>), SwitchError> {
        let mut q = export_chunks::Entity::find().filter(export_chunks::Column::ExportId.eq(&e.id));
        if let Some(s) = after {
            q = q.filter(export_chunks::Column::Seq.gt(s));
        }
        let rows = q
            .order_by_asc(export_chunks::Column::Seq)
            .limit(STREAM_PAGE)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let last = rows.last().map(|r| r.seq);
        let mut out = Vec::new();
        for r in rows {
            let plain = self
                .data
                .open_export_chunk(&e.tenant_id, &e.id, r.seq, r.data)
                .await?;
            out.extend(bundle::pieces(&plain).map_err(internal)?);
        }
        Ok((out, last))
    }

    // ---- erasure ----

    /// Erases every tenant whose switch or exit is due (worker step).
    /// Returns the switches erased.
    pub async fn erase_due(&self, actor: &Actor) -> Result<Vec<String>, SwitchError> {
        Ok(self.advance(actor).await?.erased)
    }

    /// The worker's round over every switch: the retrieval reminder, the
    /// agreement ended with the contract, the tenant erasure, and the
    /// webhook removed once the erasure notice is settled. Every step is
    /// marked on the switch, so a round repeated after a crash does nothing
    /// twice (the notice of a step commits with its mark).
    pub async fn advance(&self, actor: &Actor) -> Result<Advance, SwitchError> {
        let now = store::now_micros();
        let mut out = Advance::default();
        for v in self.open(None).await? {
            let status = v.status;
            let retrievable = !(v.row.election == Election::Erase.as_str()
                || v.row.election == ExitChoice::Delete.as_str());
            let d = due(
                status,
                &v.plan,
                retrievable,
                v.row.retrieval_reminded_for,
                v.row.agreement_ended_at.is_some(),
                now,
            );
            if let Some(r) = d.remind_retrieval_end {
                let mut am: tbl::ActiveModel = v.row.clone().into();
                am.retrieval_reminded_for = Set(Some(r));
                self.update(
                    actor,
                    am,
                    "switching.retrieval_reminder",
                    json!({ "retrieval_end": proto::wire::timestamp(r) }),
                    Some((
                        Event::RetrievalEnding,
                        json!({ "retrieval_end": proto::wire::timestamp(r), "days_left": (r - now).num_days() }),
                    )),
                )
                .await?;
                out.reminded.push(v.row.id.clone());
            }
            if let Some(end) = d.end_agreement {
                let reason = format!("the contract ended on {end} with switch {}", v.row.id);
                let ended = self
                    .data
                    .end_agreements(actor, &v.row.tenant_id, end, &reason)
                    .await?;
                let mut am: tbl::ActiveModel = self.row(&Scope::All, &v.row.id).await?.into();
                am.agreement_ended_at = Set(Some(store::now_micros()));
                self.update(
                    actor,
                    am,
                    "switching.agreement_ended",
                    json!({ "contract_end": end.to_string(), "agreements": ended }),
                    Some((
                        Event::AgreementEnded,
                        json!({ "contract_end": end.to_string(), "agreements": ended }),
                    )),
                )
                .await?;
                out.agreements_ended.push(v.row.id.clone());
            }
            if v.erasable(now) {
                let v = view(
                    self.row(&Scope::All, &v.row.id).await?,
                    Vec::new(),
                    store::now_micros(),
                )?;
                out.erased.push(self.erase(actor, v).await?);
            }
        }
        out.webhooks_closed = self.close_webhooks(actor).await?;
        Ok(out)
    }

    /// Removes the webhook of every erased tenant whose erasure notice was
    /// delivered or dead-lettered (the notice needs the webhook to go out).
    async fn close_webhooks(&self, actor: &Actor) -> Result<Vec<String>, SwitchError> {
        let rows = tbl::Entity::find()
            .filter(tbl::Column::Status.eq(Status::Erased.as_str()))
            .filter(tbl::Column::WebhookClosedAt.is_null())
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut done = Vec::new();
        for r in rows {
            let settled = match &r.erasure_notice_id {
                Some(id) => outbox::settled(&self.db, id).await.map_err(internal)?,
                None => true,
            };
            if !settled {
                continue;
            }
            self.data.close_webhook(actor, &r.tenant_id).await?;
            let id = r.id.clone();
            let mut am: tbl::ActiveModel = r.into();
            am.webhook_closed_at = Set(Some(store::now_micros()));
            am.update(&self.db).await.map_err(internal)?;
            done.push(id);
        }
        Ok(done)
    }

    /// The customer withdraws its request before the transition ends: the
    /// milestones stop, nothing is erased, the agreement goes on.
    pub async fn withdraw(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: Option<String>,
    ) -> Result<SwitchView, SwitchError> {
        let r = self.row(scope, id).await?;
        let v = view(r.clone(), Vec::new(), store::now_micros())?;
        check_withdrawal(v.kind, v.status, &v.plan, store::now_micros())?;
        let mut am: tbl::ActiveModel = r.into();
        am.status = Set(Status::Withdrawn.as_str().into());
        am.withdrawn_at = Set(Some(store::now_micros()));
        am.withdrawal_reason = Set(reason.clone());
        self.update(
            actor,
            am,
            "switching.withdraw",
            json!({ "reason_given": reason.is_some() }),
            Some((Event::Withdrawn, json!({ "reason": reason }))),
        )
        .await
    }

    /// Erases one tenant: keys and rows everywhere (through the port), its
    /// export bundles here, then the certificate. Safe to repeat.
    async fn erase(&self, actor: &Actor, v: SwitchView) -> Result<String, SwitchError> {
        let tenant = v.row.tenant_id.clone();
        let erased = self.data.erase(actor, &tenant).await?;
        let mut rows: std::collections::BTreeMap<String, u64> = erased
            .rows_deleted
            .iter()
            .map(|(t, n)| (t.clone(), *n))
            .collect();
        let chunks = export_chunks::Entity::delete_many()
            .filter(
                export_chunks::Column::ExportId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(exports::Column::Id)
                        .from(exports::Entity)
                        .and_where(exports::Column::TenantId.eq(&tenant))
                        .to_owned(),
                ),
            )
            .exec(&self.db)
            .await
            .map_err(internal)?
            .rows_affected;
        rows.insert("switching_export_chunks".into(), chunks);
        let now = store::now_micros();
        let basis = match v.kind {
            Kind::DataAct => format!(
                "Data Act art. 25(2)(h): {} requested {}, retrieval period ended",
                v.row.election,
                proto::wire::timestamp(v.row.requested_at)
            ),
            Kind::Termination => format!(
                "GDPR art. 28(3)(g): the agreement ended on {} ({})",
                v.row
                    .contract_end
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                v.row.election
            ),
        };
        let cert = Certificate {
            schema: "custodian.tenant_erasure.v1".into(),
            switch_id: v.row.id.clone(),
            controller_id: tenant.clone(),
            basis,
            kek_destroyed_at: erased
                .kek_destroyed_at
                .map(proto::wire::timestamp)
                .unwrap_or_default(),
            kek_versions: erased.kek_versions.clone(),
            keys_destroyed: erased.keys_destroyed,
            rows_deleted: rows,
            retained: retained(),
            completed_at: proto::wire::timestamp(now),
        };
        let (json, sha) = cert.seal();
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        exports::Entity::delete_many()
            .filter(exports::Column::TenantId.eq(&tenant))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let id = v.row.id.clone();
        let mut am: tbl::ActiveModel = v.row.into();
        am.status = Set(Status::Erased.as_str().into());
        am.erased_at = Set(Some(now));
        am.certificate = Set(Some(json.clone()));
        let m = am.update(&txn).await.map_err(internal)?;
        // The certificate goes to the customer's webhook, which stays until
        // this message is settled (`close_webhooks`).
        let erased_view = view(m, Vec::new(), now)?;
        let cert_value: Value = serde_json::from_str(&json).map_err(internal)?;
        let notice = notices::enqueue(
            &txn,
            Event::Erased,
            &erased_view,
            json!({ "certificate": cert_value, "certificate_sha256": sha }),
            now,
        )
        .await
        .map_err(internal)?;
        let mut am: tbl::ActiveModel = erased_view.row.into();
        am.erasure_notice_id = Set(Some(notice));
        am.update(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "switching.tenant_erased", "switch", &id)
                .tenant(&tenant)
                .details(json!({ "certificate_sha256": sha })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(id)
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
    let terms: Value = serde_json::from_str(&v.terms_json).map_err(internal)?;
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

//! The agreements service: tables `agreements` and `agreement_versions`
//! (owned here). Every mutation and its audit entry commit in one
//! transaction opened by `audit::begin`, which also serialises them, so two
//! activations for one controller cannot both pass the one-in-force check.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use audit::{Actor, Record};
use auth::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use store::entities::agreements::{agreement_versions as versions, agreements};

use crate::domain::*;
use crate::ports::{ControllerDirectory, SubprocessorSource};

pub use domain_kit::ProcessorIdentity;

/// An agreement at one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: String,
    pub tenant_id: String,
    pub status: AgreementStatus,
    pub version: u32,
    pub latest_version: u32,
    pub terms: Terms,
    pub version_note: String,
    pub activated_at: Option<DateTime<Utc>>,
    pub notice_given_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub ended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A failure of this service's storage or anything else unexpected: an
/// outage of the database is UNAVAILABLE (retry later), the rest INTERNAL.
pub(crate) fn internal(e: impl std::fmt::Display + 'static) -> AgreementError {
    match audit::outage_of(&e) {
        Some(o) => AgreementError::Port(domain_kit::PortError::Unavailable(o.to_string())),
        None => AgreementError::Internal(e.to_string()),
    }
}

audit::storage_errors!(AgreementError => internal, serde_json::Error);

/// Today in Europe/Amsterdam, where legal days are counted.
pub fn today() -> NaiveDate {
    legal_time::period::local_date(Utc::now())
}

fn assemble(a: agreements::Model, v: versions::Model) -> Result<Agreement, AgreementError> {
    let terms: Terms = serde_json::from_str(&v.terms)?;
    Ok(Agreement {
        status: AgreementStatus::parse(&a.status)
            .ok_or_else(|| internal(format!("unknown status {}", a.status)))?,
        id: a.id,
        tenant_id: a.tenant_id,
        version: v.version as u32,
        latest_version: a.latest_version as u32,
        terms,
        version_note: v.note,
        activated_at: a.activated_at,
        notice_given_on: a.notice_given_on,
        ends_on: a.ends_on,
        ended_at: a.ended_at,
        created_at: a.created_at,
        updated_at: a.updated_at,
    })
}

pub struct Agreements {
    pub(crate) db: DatabaseConnection,
    pub(crate) controllers: Arc<dyn ControllerDirectory>,
    pub(crate) subprocessors: OnceLock<Arc<dyn SubprocessorSource>>,
    pub(crate) processor: ProcessorIdentity,
}

impl Agreements {
    pub fn new(
        db: DatabaseConnection,
        controllers: Arc<dyn ControllerDirectory>,
        processor: ProcessorIdentity,
    ) -> Self {
        Self {
            db,
            controllers,
            subprocessors: OnceLock::new(),
            processor,
        }
    }

    /// Connects the sub-processor source the record of processing reads
    /// (set once at start: the two services refer to each other).
    pub fn set_subprocessors(&self, s: Arc<dyn SubprocessorSource>) {
        let _ = self.subprocessors.set(s);
    }

    async fn row<C: ConnectionTrait>(
        &self,
        c: &C,
        scope: &Scope,
        id: &str,
    ) -> Result<agreements::Model, AgreementError> {
        agreements::Entity::find_by_id(id.to_owned())
            .one(c)
            .await?
            .filter(|a| scope.allows(&a.tenant_id))
            .ok_or(AgreementError::NotFound("agreement"))
    }

    async fn version_row<C: ConnectionTrait>(
        &self,
        c: &C,
        id: &str,
        version: i32,
    ) -> Result<versions::Model, AgreementError> {
        versions::Entity::find_by_id((id.to_owned(), version))
            .one(c)
            .await?
            .ok_or(AgreementError::NotFound("agreement version"))
    }

    pub async fn create(
        &self,
        actor: &Actor,
        tenant: &str,
        terms: Terms,
    ) -> Result<Agreement, AgreementError> {
        if self.controllers.controller(tenant).await?.is_none() {
            return Err(AgreementError::NotFound("controller"));
        }
        let id = uuid::Uuid::now_v7().hyphenated().to_string();
        let now = store::now_micros();
        let txn = audit::begin(&self.db).await?;
        let a = agreements::ActiveModel::from(agreements::Model {
            id: id.clone(),
            tenant_id: tenant.to_owned(),
            status: AgreementStatus::Draft.as_str().into(),
            latest_version: 1,
            activated_at: None,
            notice_given_on: None,
            ends_on: None,
            ended_at: None,
            created_at: now,
            updated_at: now,
        })
        .insert(&txn)
        .await?;
        let v = insert_version(&txn, &id, 1, &terms, "created", actor, now).await?;
        txn.commit_with(
            Record::new(actor, "agreement.create", "agreement", &id)
                .tenant(tenant)
                .details(json!({ "version": 1 })),
        )
        .await?;
        assemble(a, v)
    }

    /// The newest version, or `version` when given.
    pub async fn get(
        &self,
        scope: &Scope,
        id: &str,
        version: Option<u32>,
    ) -> Result<Agreement, AgreementError> {
        let a = self.row(&self.db, scope, id).await?;
        let want = version
            .map(|v| i32::try_from(v).unwrap_or(i32::MAX))
            .unwrap_or(a.latest_version);
        let v = self.version_row(&self.db, id, want).await?;
        assemble(a, v)
    }

    pub async fn versions(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Vec<Agreement>, AgreementError> {
        let a = self.row(&self.db, scope, id).await?;
        let vs = versions::Entity::find()
            .filter(versions::Column::AgreementId.eq(id.to_owned()))
            .order_by_asc(versions::Column::Version)
            .all(&self.db)
            .await?;
        vs.into_iter().map(|v| assemble(a.clone(), v)).collect()
    }

    /// Every version of every agreement of `tenant`, agreement by agreement
    /// in creation order (what a Data Act export carries).
    pub async fn tenant_versions(&self, tenant: &str) -> Result<Vec<Agreement>, AgreementError> {
        let scope = Scope::Tenant(tenant.to_owned());
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.list(Some(tenant), None, after.as_deref(), 100).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for a in &page {
                out.extend(self.versions(&scope, &a.id).await?);
            }
        }
        Ok(out)
    }

    async fn with_latest(
        &self,
        rows: Vec<agreements::Model>,
    ) -> Result<Vec<Agreement>, AgreementError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut latest: HashMap<String, versions::Model> = HashMap::new();
        let vs = versions::Entity::find()
            .filter(versions::Column::AgreementId.is_in(ids))
            .all(&self.db)
            .await?;
        for v in vs {
            let keep = latest
                .get(&v.agreement_id)
                .is_none_or(|cur| cur.version < v.version);
            if keep {
                latest.insert(v.agreement_id.clone(), v);
            }
        }
        rows.into_iter()
            .map(|a| {
                let v = latest
                    .remove(&a.id)
                    .ok_or_else(|| internal(format!("agreement {} has no version", a.id)))?;
                assemble(a, v)
            })
            .collect()
    }

    /// Agreements in id (creation) order after `after`, at most `limit`.
    pub async fn list(
        &self,
        tenant: Option<&str>,
        status: Option<AgreementStatus>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Agreement>, AgreementError> {
        let mut q = agreements::Entity::find();
        if let Some(t) = tenant {
            q = q.filter(agreements::Column::TenantId.eq(t.to_owned()));
        }
        if let Some(s) = status {
            q = q.filter(agreements::Column::Status.eq(s.as_str()));
        }
        if let Some(a) = after {
            q = q.filter(agreements::Column::Id.gt(a.to_owned()));
        }
        let rows = q
            .order_by_asc(agreements::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        self.with_latest(rows).await
    }

    /// Every agreement in force now (active or terminating).
    pub async fn all_in_force(&self) -> Result<Vec<Agreement>, AgreementError> {
        let rows = agreements::Entity::find()
            .filter(agreements::Column::Status.is_in([
                AgreementStatus::Active.as_str(),
                AgreementStatus::Terminating.as_str(),
            ]))
            .order_by_asc(agreements::Column::Id)
            .all(&self.db)
            .await?;
        self.with_latest(rows).await
    }

    /// The agreement under which the processor acted for `tenant` at `at`:
    /// activated by then and not yet ended.
    pub async fn in_force_at(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Agreement>, AgreementError> {
        let rows = agreements::Entity::find()
            .filter(agreements::Column::TenantId.eq(tenant.to_owned()))
            .filter(agreements::Column::ActivatedAt.lte(at))
            .order_by_desc(agreements::Column::ActivatedAt)
            .all(&self.db)
            .await?;
        let hit = rows.into_iter().find(|a| {
            a.status != AgreementStatus::Draft.as_str() && a.ended_at.is_none_or(|e| at < e)
        });
        Ok(self.with_latest(hit.into_iter().collect()).await?.pop())
    }

    /// The agreement that governs a step taken for `tenant` at `at`: the one
    /// in force then; when none was (a request received by letter before its
    /// agreement was recorded in Custodian), the one in force now. The one
    /// rule every service uses for "the agreement of this request".
    pub async fn governing_at(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Agreement>, AgreementError> {
        match self.in_force_at(tenant, at).await? {
            Some(a) => Ok(Some(a)),
            None => self.in_force_at(tenant, store::now_micros()).await,
        }
    }

    pub async fn amend(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        terms: Terms,
        note: &str,
    ) -> Result<Agreement, AgreementError> {
        let txn = audit::begin(&self.db).await?;
        let a = self.row(&txn, scope, id).await?;
        Transition::Amend
            .check(AgreementStatus::parse(&a.status).unwrap_or(AgreementStatus::Ended))?;
        let next = a.latest_version + 1;
        let now = store::now_micros();
        let v = insert_version(&txn, id, next, &terms, note, actor, now).await?;
        let tenant = a.tenant_id.clone();
        let mut am: agreements::ActiveModel = a.into();
        am.latest_version = Set(next);
        am.updated_at = Set(now);
        let a = am.update(&txn).await?;
        txn.commit_with(
            Record::new(actor, "agreement.amend", "agreement", id)
                .tenant(&tenant)
                .reason(note)
                .details(json!({ "version": next })),
        )
        .await?;
        assemble(a, v)
    }

    pub async fn activate(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: &str,
    ) -> Result<Agreement, AgreementError> {
        let txn = audit::begin(&self.db).await?;
        let a = self.row(&txn, scope, id).await?;
        Transition::Activate
            .check(AgreementStatus::parse(&a.status).unwrap_or(AgreementStatus::Ended))?;
        let other = agreements::Entity::find()
            .filter(agreements::Column::TenantId.eq(a.tenant_id.clone()))
            .filter(agreements::Column::Status.is_in([
                AgreementStatus::Active.as_str(),
                AgreementStatus::Terminating.as_str(),
            ]))
            .one(&txn)
            .await?;
        if let Some(o) = other {
            return Err(AgreementError::Precondition(format!(
                "agreement {} is {} for this controller; at most one agreement is in force at a time",
                o.id, o.status
            )));
        }
        let now = store::now_micros();
        let tenant = a.tenant_id.clone();
        let latest = a.latest_version;
        let mut am: agreements::ActiveModel = a.into();
        am.status = Set(AgreementStatus::Active.as_str().into());
        am.activated_at = Set(Some(now));
        am.updated_at = Set(now);
        let a = am.update(&txn).await?;
        let v = self.version_row(&txn, id, latest).await?;
        txn.commit_with(
            Record::new(actor, "agreement.activate", "agreement", id)
                .tenant(&tenant)
                .reason(reason)
                .details(json!({ "version": latest })),
        )
        .await?;
        assemble(a, v)
    }

    pub async fn terminate(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        notice_on: Option<NaiveDate>,
        ends_on: Option<NaiveDate>,
        reason: &str,
    ) -> Result<Agreement, AgreementError> {
        let today = today();
        let txn = audit::begin(&self.db).await?;
        let a = self.row(&txn, scope, id).await?;
        Transition::Terminate
            .check(AgreementStatus::parse(&a.status).unwrap_or(AgreementStatus::Ended))?;
        let v = self.version_row(&txn, id, a.latest_version).await?;
        let terms: Terms = serde_json::from_str(&v.terms)?;
        let notice_on = notice_on.unwrap_or(today);
        if notice_on > today {
            return Err(err(
                "notice_given_on",
                format!("must not be in the future (today is {today}), got {notice_on}"),
            )
            .into());
        }
        if notice_on < terms.contract_start {
            return Err(err(
                "notice_given_on",
                format!(
                    "must not be before the contract start {}",
                    terms.contract_start
                ),
            )
            .into());
        }
        let ends_on = match ends_on {
            Some(e) if e < notice_on => {
                return Err(err(
                    "ends_on",
                    format!("must not be before the notice day {notice_on}, got {e}"),
                )
                .into());
            }
            Some(e) => e,
            None => end_after_notice(&terms, notice_on).map_err(internal)?,
        };
        let now = store::now_micros();
        let tenant = a.tenant_id.clone();
        let mut am: agreements::ActiveModel = a.into();
        am.status = Set(AgreementStatus::Terminating.as_str().into());
        am.notice_given_on = Set(Some(notice_on));
        am.ends_on = Set(Some(ends_on));
        am.updated_at = Set(now);
        let a = am.update(&txn).await?;
        txn.commit_with(Record::new(actor, "agreement.terminate", "agreement", id)
                .tenant(&tenant)
                .reason(reason)
                .details(json!({ "notice_given_on": notice_on.to_string(), "ends_on": ends_on.to_string() })),
        )
        .await?;
        assemble(a, v)
    }

    pub async fn end(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: &str,
    ) -> Result<Agreement, AgreementError> {
        let today = today();
        let txn = audit::begin(&self.db).await?;
        let a = self.row(&txn, scope, id).await?;
        Transition::End
            .check(AgreementStatus::parse(&a.status).unwrap_or(AgreementStatus::Ended))?;
        if let Some(e) = a.ends_on
            && today < e
        {
            return Err(AgreementError::Precondition(format!(
                "the agreement runs until {e}; it can be ended from that day (today is {today})"
            )));
        }
        let now = store::now_micros();
        let tenant = a.tenant_id.clone();
        let latest = a.latest_version;
        let mut am: agreements::ActiveModel = a.into();
        am.status = Set(AgreementStatus::Ended.as_str().into());
        am.ended_at = Set(Some(now));
        am.updated_at = Set(now);
        let a = am.update(&txn).await?;
        let v = self.version_row(&txn, id, latest).await?;
        txn.commit_with(
            Record::new(actor, "agreement.end", "agreement", id)
                .tenant(&tenant)
                .reason(reason),
        )
        .await?;
        assemble(a, v)
    }
}

impl Agreements {
    /// Ends every agreement of `tenant` that is active or terminating,
    /// because the contract ended on `contract_end` with a Data Act switch or
    /// an exit (the switching worker calls this once that day is over). The
    /// agreement's last day becomes `contract_end` unless it ended earlier.
    /// Audited `agreement.end` with the reason. Idempotent: returns the ids
    /// ended by this call (none the second time).
    pub async fn end_with_contract(
        &self,
        actor: &Actor,
        tenant: &str,
        contract_end: NaiveDate,
        reason: &str,
    ) -> Result<Vec<String>, AgreementError> {
        let txn = audit::begin(&self.db).await?;
        let rows = agreements::Entity::find()
            .filter(agreements::Column::TenantId.eq(tenant.to_owned()))
            .filter(agreements::Column::Status.is_in([
                AgreementStatus::Active.as_str(),
                AgreementStatus::Terminating.as_str(),
            ]))
            .all(&txn)
            .await?;
        let now = store::now_micros();
        let mut ended = Vec::new();
        for a in rows {
            Transition::EndWithContract
                .check(AgreementStatus::parse(&a.status).unwrap_or(AgreementStatus::Ended))?;
            let id = a.id.clone();
            let ends_on = a.ends_on.map_or(contract_end, |e| e.min(contract_end));
            let mut am: agreements::ActiveModel = a.into();
            am.status = Set(AgreementStatus::Ended.as_str().into());
            am.ends_on = Set(Some(ends_on));
            am.ended_at = Set(Some(now));
            am.updated_at = Set(now);
            am.update(&txn).await?;
            audit::append(
                &txn,
                Record::new(actor, "agreement.end", "agreement", &id)
                    .tenant(tenant)
                    .reason(reason)
                    .details(json!({ "contract_end": contract_end.to_string(), "ends_on": ends_on.to_string() })),
            )
            .await
            ?;
            ended.push(id);
        }
        txn.commit().await?;
        Ok(ended)
    }
}

async fn insert_version<C: ConnectionTrait>(
    c: &C,
    id: &str,
    version: i32,
    terms: &Terms,
    note: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<versions::Model, AgreementError> {
    Ok(versions::ActiveModel::from(versions::Model {
        agreement_id: id.to_owned(),
        version,
        terms: serde_json::to_string(terms)?,
        note: note.to_owned(),
        created_at: now,
        created_by: actor.id.clone(),
    })
    .insert(c)
    .await?)
}

//! The sub-processors service: tables `subprocessors`,
//! `subprocessor_authorisations`, `subprocessor_changes`,
//! `subprocessor_notices` and `subprocessor_objections` (owned here).
//! Notices are delivered through the outbox; their delivery time is read
//! back from it, never copied, so there is one source for that legal fact.

use std::collections::HashMap;
use std::sync::Arc;

use audit::{Actor, Record};
use auth::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use outbox::{Message, NewMessage, Outbox};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use store::entities::subprocessors::{
    authorisations as grants, changes, notices, objections, subprocessors as subs,
};

use crate::domain::*;
use crate::ports::{AgreementDirectory, ControllerTerms};

pub const NOTICE_TOPIC: &str = "subprocessor.change_notice";

pub(crate) fn internal(e: impl std::fmt::Display) -> SubprocessorError {
    SubprocessorError::Internal(e.to_string())
}

fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// Today in Europe/Amsterdam.
pub fn today() -> NaiveDate {
    legal_time::period::local_date(Utc::now())
}

/// A register entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subprocessor {
    pub id: String,
    pub legal_name: String,
    pub address: String,
    pub country: String,
    pub service: String,
    pub data_categories: Vec<String>,
    pub contact_email: String,
    pub flowdown_contract_ref: String,
    pub flowdown_date: Option<NaiveDate>,
    pub adequacy_scope_met: bool,
    pub tia_reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Subprocessor {
    pub fn classify(&self, on: NaiveDate) -> transfers::Classification {
        transfers::classify(
            &transfers::Recipient {
                country: &self.country,
                adequacy_scope_met: self.adequacy_scope_met,
                tia_reference: self.tia_reference.as_deref(),
            },
            on,
        )
    }
}

fn to_sub(m: subs::Model) -> Subprocessor {
    Subprocessor {
        data_categories: serde_json::from_str(&m.data_categories).unwrap_or_default(),
        id: m.id,
        legal_name: m.legal_name,
        address: m.address,
        country: m.country,
        service: m.service,
        contact_email: m.contact_email,
        flowdown_contract_ref: m.flowdown_contract_ref,
        flowdown_date: m.flowdown_date,
        adequacy_scope_met: m.adequacy_scope_met,
        tia_reference: m.tia_reference,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Fields to change; `None` leaves them.
#[derive(Debug, Clone, Default)]
pub struct SubprocessorPatch {
    pub address: Option<String>,
    pub service: Option<String>,
    pub data_categories: Option<Vec<String>>,
    pub contact_email: Option<String>,
    pub flowdown_contract_ref: Option<String>,
    pub flowdown_date: Option<NaiveDate>,
    pub adequacy_scope_met: Option<bool>,
    /// `Some(None)` clears the reference.
    pub tia_reference: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorisation {
    pub id: String,
    pub tenant_id: String,
    pub subprocessor_id: String,
    pub basis: String,
    pub reference: String,
    pub effective_from: DateTime<Utc>,
    pub recorded_by: String,
    pub notice_id: Option<String>,
}

fn to_grant(g: grants::Model) -> Authorisation {
    Authorisation {
        id: g.id,
        tenant_id: g.tenant_id,
        subprocessor_id: g.subprocessor_id,
        basis: g.basis,
        reference: g.reference,
        effective_from: g.effective_from,
        recorded_by: g.recorded_by,
        notice_id: g.notice_id,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    pub id: String,
    pub notice_id: String,
    pub tenant_id: String,
    pub filed_at: DateTime<Utc>,
    pub filed_by: String,
    pub reason: String,
    pub resolution: Option<Resolution>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution_note: Option<String>,
}

fn to_objection(o: objections::Model) -> Objection {
    Objection {
        resolution: o
            .resolution
            .as_deref()
            .and_then(|r| Resolution::parse(r).ok()),
        id: o.id,
        notice_id: o.notice_id,
        tenant_id: o.tenant_id,
        filed_at: o.filed_at,
        filed_by: o.filed_by,
        reason: o.reason,
        resolved_at: o.resolved_at,
        resolution_note: o.resolution_note,
    }
}

/// A notice as shown: what it says, where it stands, its delivery.
#[derive(Debug, Clone)]
pub struct NoticeView {
    pub id: String,
    pub change_id: String,
    pub tenant_id: String,
    pub kind: ChangeKind,
    pub subprocessor_id: String,
    pub subprocessor_name: String,
    pub replaces_id: Option<String>,
    pub effective_on: NaiveDate,
    pub description: String,
    pub mode: Mode,
    pub objection_days: u32,
    pub status: NoticeStatus,
    pub window: Option<Window>,
    pub objections: Vec<Objection>,
    pub delivery: Option<Message>,
    pub approval: Option<bool>,
    pub approved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ChangeView {
    pub id: String,
    pub kind: ChangeKind,
    pub subprocessor_id: String,
    pub replaces_id: Option<String>,
    pub effective_on: NaiveDate,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub notices: Vec<NoticeView>,
}

/// A validated change request.
#[derive(Debug, Clone)]
pub struct ProposeChange {
    pub kind: ChangeKind,
    pub subprocessor_id: String,
    pub replaces_id: Option<String>,
    pub effective_on: NaiveDate,
    pub description: String,
    pub controllers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Engagement {
    pub decision: Decision,
    pub transfer: transfers::Classification,
    pub on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct AuthorisedList {
    pub tenant_id: String,
    pub mode: Option<Mode>,
    pub current: Vec<(Subprocessor, Decision)>,
    pub notices: Vec<NoticeView>,
    pub authorisations: Vec<Authorisation>,
    pub at: DateTime<Utc>,
}

/// Everything that decides one controller's authorisations.
struct TenantFacts {
    grants: Vec<grants::Model>,
    notices: Vec<notices::Model>,
    objections: HashMap<String, Vec<objections::Model>>,
    messages: HashMap<String, Message>,
}

impl TenantFacts {
    fn empty() -> TenantFacts {
        TenantFacts {
            grants: Vec::new(),
            notices: Vec::new(),
            objections: HashMap::new(),
            messages: HashMap::new(),
        }
    }

    /// Per controller: each grant, notice, objection and message moves to
    /// the tenant it belongs to.
    fn split(mut self) -> HashMap<String, TenantFacts> {
        let mut out: HashMap<String, TenantFacts> = HashMap::new();
        for g in self.grants {
            out.entry(g.tenant_id.clone())
                .or_insert_with(TenantFacts::empty)
                .grants
                .push(g);
        }
        for n in self.notices {
            let f = out
                .entry(n.tenant_id.clone())
                .or_insert_with(TenantFacts::empty);
            if let Some(o) = self.objections.remove(&n.id) {
                f.objections.insert(n.id.clone(), o);
            }
            if let Some(m) = self.messages.remove(&n.message_id) {
                f.messages.insert(n.message_id.clone(), m);
            }
            f.notices.push(n);
        }
        out
    }

    fn notice_facts(&self, n: &notices::Model) -> NoticeFacts {
        NoticeFacts {
            id: n.id.clone(),
            kind: ChangeKind::parse(&n.kind).unwrap_or(ChangeKind::Add),
            subprocessor_id: n.subprocessor_id.clone(),
            replaces_id: n.replaces_id.clone(),
            effective_on: n.effective_on,
            mode: parse_mode(&n.mode),
            objection_days: n.objection_days.max(1) as u32,
            delivered_at: self
                .messages
                .get(&n.message_id)
                .and_then(|m| m.delivered_at),
            approval: match (n.approval.as_deref(), n.approved_at) {
                (Some("approved"), Some(t)) => Some((true, t)),
                (Some("refused"), Some(t)) => Some((false, t)),
                _ => None,
            },
            objections: self
                .objections
                .get(&n.id)
                .map(|os| {
                    os.iter()
                        .map(|o| ObjectionFacts {
                            id: o.id.clone(),
                            filed_at: o.filed_at,
                            resolution: match (
                                o.resolution
                                    .as_deref()
                                    .and_then(|r| Resolution::parse(r).ok()),
                                o.resolved_at,
                            ) {
                                (Some(r), Some(t)) => Some((r, t)),
                                _ => None,
                            },
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn all_notice_facts(&self) -> Vec<NoticeFacts> {
        self.notices.iter().map(|n| self.notice_facts(n)).collect()
    }

    fn grant_facts(&self, sub: &str) -> Vec<GrantFacts> {
        self.grants
            .iter()
            .filter(|g| g.subprocessor_id == sub && g.basis == "annex")
            .map(|g| GrantFacts {
                id: g.id.clone(),
                reference: g.reference.clone(),
                effective_from: g.effective_from,
            })
            .collect()
    }

    fn decide(&self, sub: &str, at: DateTime<Utc>) -> Decision {
        evaluate(sub, &self.grant_facts(sub), &self.all_notice_facts(), at)
    }

    /// Every sub-processor this controller has any fact about.
    fn subprocessor_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .grants
            .iter()
            .map(|g| g.subprocessor_id.clone())
            .collect();
        for n in &self.notices {
            ids.push(n.subprocessor_id.clone());
            ids.extend(n.replaces_id.clone());
        }
        ids.sort();
        ids.dedup();
        ids
    }
}

pub struct Subprocessors {
    db: DatabaseConnection,
    agreements: Arc<dyn AgreementDirectory>,
    outbox: Outbox,
}

impl Subprocessors {
    pub fn new(db: DatabaseConnection, agreements: Arc<dyn AgreementDirectory>) -> Self {
        Self {
            outbox: Outbox::new(db.clone()),
            db,
            agreements,
        }
    }

    // ----- register -------------------------------------------------------

    pub async fn register(
        &self,
        actor: &Actor,
        n: NewSubprocessor,
    ) -> Result<Subprocessor, SubprocessorError> {
        let now = store::now_micros();
        let id = new_id();
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let m = subs::ActiveModel::from(subs::Model {
            id: id.clone(),
            legal_name: n.legal_name,
            address: n.address,
            country: n.country,
            service: n.service,
            data_categories: serde_json::to_string(&n.data_categories).map_err(internal)?,
            contact_email: n.contact_email,
            flowdown_contract_ref: n.flowdown_contract_ref,
            flowdown_date: Some(n.flowdown_date),
            adequacy_scope_met: n.adequacy_scope_met,
            tia_reference: n.tia_reference,
            created_at: now,
            updated_at: now,
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "subprocessor.register", "subprocessor", &id)
                .details(json!({ "country": m.country })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(to_sub(m))
    }

    async fn sub_row<C: ConnectionTrait>(
        &self,
        c: &C,
        id: &str,
    ) -> Result<subs::Model, SubprocessorError> {
        subs::Entity::find_by_id(id.to_owned())
            .one(c)
            .await
            .map_err(internal)?
            .ok_or(SubprocessorError::NotFound("sub-processor"))
    }

    pub async fn get(&self, id: &str) -> Result<Subprocessor, SubprocessorError> {
        self.sub_row(&self.db, id).await.map(to_sub)
    }

    pub async fn list(
        &self,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Subprocessor>, SubprocessorError> {
        let mut q = subs::Entity::find();
        if let Some(a) = after {
            q = q.filter(subs::Column::Id.gt(a.to_owned()));
        }
        Ok(q.order_by_asc(subs::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_sub)
            .collect())
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: &str,
        p: SubprocessorPatch,
    ) -> Result<Subprocessor, SubprocessorError> {
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let row = self.sub_row(&txn, id).await?;
        let mut fields = Vec::new();
        let mut am: subs::ActiveModel = row.into();
        if let Some(v) = p.address {
            am.address = Set(v);
            fields.push("address");
        }
        if let Some(v) = p.service {
            am.service = Set(v);
            fields.push("service");
        }
        if let Some(v) = p.data_categories {
            am.data_categories = Set(serde_json::to_string(&v).map_err(internal)?);
            fields.push("data_categories");
        }
        if let Some(v) = p.contact_email {
            am.contact_email = Set(v);
            fields.push("contact_email");
        }
        if let Some(v) = p.flowdown_contract_ref {
            am.flowdown_contract_ref = Set(v);
            fields.push("flowdown_contract_ref");
        }
        if let Some(v) = p.flowdown_date {
            am.flowdown_date = Set(Some(v));
            fields.push("flowdown_date");
        }
        if let Some(v) = p.adequacy_scope_met {
            am.adequacy_scope_met = Set(v);
            fields.push("adequacy_scope_met");
        }
        if let Some(v) = p.tia_reference {
            am.tia_reference = Set(v);
            fields.push("tia_reference");
        }
        if fields.is_empty() {
            return Err(err("update", "names no field to change").into());
        }
        am.updated_at = Set(store::now_micros());
        let m = am.update(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "subprocessor.update", "subprocessor", id)
                .details(json!({ "fields": fields })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(to_sub(m))
    }

    // ----- facts ----------------------------------------------------------

    async fn facts(&self, tenant: &str) -> Result<TenantFacts, SubprocessorError> {
        let mut all = self.facts_of(&[tenant.to_owned()]).await?;
        Ok(all.remove(tenant).unwrap_or_else(TenantFacts::empty))
    }

    /// The facts of many controllers in a few queries (per chunk of 500
    /// tenants), not a few queries per controller.
    async fn facts_of(
        &self,
        tenants: &[String],
    ) -> Result<HashMap<String, TenantFacts>, SubprocessorError> {
        let mut g = Vec::new();
        let mut n = Vec::new();
        for chunk in tenants.chunks(500) {
            g.extend(
                grants::Entity::find()
                    .filter(grants::Column::TenantId.is_in(chunk.iter().cloned()))
                    .order_by_asc(grants::Column::Id)
                    .all(&self.db)
                    .await
                    .map_err(internal)?,
            );
            n.extend(
                notices::Entity::find()
                    .filter(notices::Column::TenantId.is_in(chunk.iter().cloned()))
                    .order_by_asc(notices::Column::Id)
                    .all(&self.db)
                    .await
                    .map_err(internal)?,
            );
        }
        Ok(self.complete(g, n).await?.split())
    }

    async fn complete(
        &self,
        g: Vec<grants::Model>,
        n: Vec<notices::Model>,
    ) -> Result<TenantFacts, SubprocessorError> {
        let ids: Vec<String> = n.iter().map(|x| x.id.clone()).collect();
        let mut objections: HashMap<String, Vec<objections::Model>> = HashMap::new();
        if !ids.is_empty() {
            for o in objections::Entity::find()
                .filter(objections::Column::NoticeId.is_in(ids))
                .order_by_asc(objections::Column::Id)
                .all(&self.db)
                .await
                .map_err(internal)?
            {
                objections.entry(o.notice_id.clone()).or_default().push(o);
            }
        }
        let msg_ids: Vec<String> = n.iter().map(|x| x.message_id.clone()).collect();
        let messages = self.outbox.by_ids(&msg_ids).await.map_err(internal)?;
        Ok(TenantFacts {
            grants: g,
            notices: n,
            objections,
            messages,
        })
    }

    /// Register entries by id, in one query.
    async fn by_ids(
        &self,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<HashMap<String, Subprocessor>, SubprocessorError> {
        let ids: Vec<String> = ids.into_iter().collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(subs::Entity::find()
            .filter(subs::Column::Id.is_in(ids))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|s| (s.id.clone(), to_sub(s)))
            .collect())
    }

    async fn views(
        &self,
        facts: &TenantFacts,
        rows: &[notices::Model],
        at: DateTime<Utc>,
    ) -> Result<Vec<NoticeView>, SubprocessorError> {
        let change_ids: Vec<String> = rows.iter().map(|n| n.change_id.clone()).collect();
        let descriptions: HashMap<String, String> = if change_ids.is_empty() {
            HashMap::new()
        } else {
            changes::Entity::find()
                .filter(changes::Column::Id.is_in(change_ids))
                .all(&self.db)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|c| (c.id, c.description))
                .collect()
        };
        let sub_ids: Vec<String> = rows.iter().map(|n| n.subprocessor_id.clone()).collect();
        let names: HashMap<String, String> = self
            .by_ids(sub_ids)
            .await?
            .into_iter()
            .map(|(id, s)| (id, s.legal_name))
            .collect();
        Ok(rows
            .iter()
            .map(|n| {
                let f = facts.notice_facts(n);
                NoticeView {
                    id: n.id.clone(),
                    change_id: n.change_id.clone(),
                    tenant_id: n.tenant_id.clone(),
                    kind: f.kind,
                    subprocessor_id: n.subprocessor_id.clone(),
                    subprocessor_name: names.get(&n.subprocessor_id).cloned().unwrap_or_default(),
                    replaces_id: n.replaces_id.clone(),
                    effective_on: n.effective_on,
                    description: descriptions.get(&n.change_id).cloned().unwrap_or_default(),
                    mode: f.mode,
                    objection_days: f.objection_days,
                    status: notice_status(&f, at),
                    window: f.window(),
                    objections: facts
                        .objections
                        .get(&n.id)
                        .map(|os| os.iter().cloned().map(to_objection).collect())
                        .unwrap_or_default(),
                    delivery: facts.messages.get(&n.message_id).cloned(),
                    approval: f.approval.map(|(a, _)| a),
                    approved_at: n.approved_at,
                    created_at: n.created_at,
                }
            })
            .collect())
    }

    async fn terms(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ControllerTerms>, SubprocessorError> {
        self.agreements
            .in_force_at(tenant, at)
            .await
            .map_err(Into::into)
    }

    // ----- authorisation --------------------------------------------------

    /// Records the controller's written authorisation outside a notice
    /// (the list annexed to the agreement).
    pub async fn authorise(
        &self,
        actor: &Actor,
        tenant: &str,
        sub_id: &str,
        reference: &str,
        effective_from: DateTime<Utc>,
    ) -> Result<Authorisation, SubprocessorError> {
        self.sub_row(&self.db, sub_id).await?;
        if self.terms(tenant, store::now_micros()).await?.is_none() {
            return Err(SubprocessorError::Precondition(
                "the controller has no processing agreement in force; activate one first".into(),
            ));
        }
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let dup = grants::Entity::find()
            .filter(grants::Column::TenantId.eq(tenant.to_owned()))
            .filter(grants::Column::SubprocessorId.eq(sub_id.to_owned()))
            .filter(grants::Column::Basis.eq("annex"))
            .one(&txn)
            .await
            .map_err(internal)?;
        if let Some(d) = dup {
            return Err(SubprocessorError::AlreadyExists(format!(
                "the controller already authorised this sub-processor ({})",
                d.reference
            )));
        }
        let now = store::now_micros();
        let g = grants::ActiveModel::from(grants::Model {
            id: new_id(),
            tenant_id: tenant.to_owned(),
            subprocessor_id: sub_id.to_owned(),
            basis: "annex".into(),
            reference: reference.to_owned(),
            effective_from,
            recorded_by: actor.id.clone(),
            notice_id: None,
            created_at: now,
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "subprocessor.authorise", "subprocessor", sub_id)
                .tenant(tenant)
                .details(json!({ "authorisation": g.id, "basis": "annex" })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(to_grant(g))
    }

    /// Announces a change: one notice per affected controller, each with an
    /// outbox message, all in one transaction with the change.
    pub async fn propose(
        &self,
        actor: &Actor,
        p: ProposeChange,
    ) -> Result<ChangeView, SubprocessorError> {
        let now = store::now_micros();
        let sub = self.sub_row(&self.db, &p.subprocessor_id).await?;
        let replaced = match &p.replaces_id {
            Some(r) => Some(self.sub_row(&self.db, r).await.map_err(|_| {
                SubprocessorError::Invalid(err(
                    "replaces_id",
                    format!("no sub-processor with id {r}"),
                ))
            })?),
            None => None,
        };
        // Who is affected, with each one's terms as they stand now.
        let mut targets: Vec<ControllerTerms> = Vec::new();
        if p.controllers.is_empty() {
            let gone = match p.kind {
                ChangeKind::Add => None,
                ChangeKind::Remove => Some(p.subprocessor_id.as_str()),
                ChangeKind::Replace => p.replaces_id.as_deref(),
            };
            let in_force = self.agreements.all_in_force().await?;
            let tenants: Vec<String> = in_force.iter().map(|t| t.tenant.clone()).collect();
            let mut all = self.facts_of(&tenants).await?;
            for t in in_force {
                let facts = all.remove(&t.tenant).unwrap_or_else(TenantFacts::empty);
                let affected = match gone {
                    // An addition reaches everyone not already authorised.
                    None => !facts.decide(&p.subprocessor_id, now).allowed,
                    Some(g) => facts.decide(g, now).allowed,
                };
                if affected {
                    targets.push(t);
                }
            }
        } else {
            for c in &p.controllers {
                match self.terms(c, now).await? {
                    Some(t) => targets.push(t),
                    None => {
                        return Err(err(
                            "controller_ids",
                            format!("controller {c} has no processing agreement in force"),
                        )
                        .into());
                    }
                }
            }
        }
        if targets.is_empty() {
            return Err(SubprocessorError::Precondition(
                "no controller is affected by this change".into(),
            ));
        }
        let change_id = new_id();
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        changes::ActiveModel::from(changes::Model {
            id: change_id.clone(),
            kind: p.kind.as_str().into(),
            subprocessor_id: p.subprocessor_id.clone(),
            replaces_id: p.replaces_id.clone(),
            effective_on: p.effective_on,
            description: p.description.clone(),
            created_at: now,
            created_by: actor.id.clone(),
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(
                actor,
                "subprocessor.change_proposed",
                "subprocessor_change",
                &change_id,
            )
            .details(json!({
                "kind": p.kind.as_str(),
                "subprocessor": p.subprocessor_id,
                "replaces": p.replaces_id,
                "effective_on": p.effective_on.to_string(),
                "controllers": targets.len(),
            })),
        )
        .await
        .map_err(internal)?;
        let on = legal_time::period::local_date(now);
        let who = |s: &subs::Model| {
            let s = to_sub(s.clone());
            let c = s.classify(on);
            json!({
                "id": s.id,
                "legal_name": s.legal_name,
                "address": s.address,
                "country": s.country,
                "service": s.service,
                "data_categories": s.data_categories,
                "contact_email": s.contact_email,
                "transfer": { "mechanism": c.mechanism.as_str(), "explanation": c.explanation },
            })
        };
        for t in &targets {
            let notice_id = new_id();
            let data = json!({
                "notice_id": notice_id,
                "change_id": change_id,
                "kind": p.kind.as_str(),
                "subprocessor": who(&sub),
                "replaces": replaced.as_ref().map(who),
                "effective_on": p.effective_on.to_string(),
                "description": p.description,
                "authorisation_mode": t.mode.as_str(),
                "objection_period_days": t.objection_days,
                "how_to_respond": match (t.mode, p.kind) {
                    (_, ChangeKind::Remove) => "no action needed: a sub-processor is removed".to_owned(),
                    (Mode::General, _) => format!("you may object within {} days of receiving this notice (SubprocessorService.RecordObjection with notice_id)", t.objection_days),
                    (Mode::Specific, _) => "the change needs your written approval (SubprocessorService.RecordApproval with notice_id); without it the sub-processor is not engaged for you".to_owned(),
                },
            });
            let message_id = outbox::enqueue(
                &txn,
                NewMessage {
                    tenant: &t.tenant,
                    topic: NOTICE_TOPIC,
                    subject_type: "subprocessor_notice",
                    subject_id: &notice_id,
                    data,
                },
                now,
            )
            .await
            .map_err(internal)?;
            notices::ActiveModel::from(notices::Model {
                id: notice_id.clone(),
                change_id: change_id.clone(),
                tenant_id: t.tenant.clone(),
                kind: p.kind.as_str().into(),
                subprocessor_id: p.subprocessor_id.clone(),
                replaces_id: p.replaces_id.clone(),
                effective_on: p.effective_on,
                mode: t.mode.as_str().into(),
                objection_days: t.objection_days as i32,
                message_id,
                approval: None,
                approved_at: None,
                approval_reference: None,
                created_at: now,
            })
            .insert(&txn)
            .await
            .map_err(internal)?;
            audit::append(
                &txn,
                Record::new(
                    actor,
                    "subprocessor.notice",
                    "subprocessor_notice",
                    &notice_id,
                )
                .tenant(&t.tenant)
                .details(json!({ "change": change_id, "mode": t.mode.as_str() })),
            )
            .await
            .map_err(internal)?;
        }
        txn.commit().await.map_err(internal)?;
        self.get_change(&Scope::All, &change_id).await
    }

    pub async fn get_change(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<ChangeView, SubprocessorError> {
        let c = changes::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or(SubprocessorError::NotFound("change"))?;
        let mut q = notices::Entity::find().filter(notices::Column::ChangeId.eq(id.to_owned()));
        if let Scope::Tenant(t) = scope {
            q = q.filter(notices::Column::TenantId.eq(t.clone()));
        }
        let rows = q
            .order_by_asc(notices::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?;
        if rows.is_empty() && matches!(scope, Scope::Tenant(_)) {
            // A change that never concerned this controller does not exist for it.
            return Err(SubprocessorError::NotFound("change"));
        }
        let facts = self.complete(Vec::new(), rows.clone()).await?;
        let notices = self.views(&facts, &rows, store::now_micros()).await?;
        Ok(ChangeView {
            kind: ChangeKind::parse(&c.kind).unwrap_or(ChangeKind::Add),
            id: c.id,
            subprocessor_id: c.subprocessor_id,
            replaces_id: c.replaces_id,
            effective_on: c.effective_on,
            description: c.description,
            created_at: c.created_at,
            created_by: c.created_by,
            notices,
        })
    }

    pub async fn list_notices(
        &self,
        tenant: Option<&str>,
        change: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<NoticeView>, SubprocessorError> {
        let mut q = notices::Entity::find();
        if let Some(t) = tenant {
            q = q.filter(notices::Column::TenantId.eq(t.to_owned()));
        }
        if let Some(c) = change {
            q = q.filter(notices::Column::ChangeId.eq(c.to_owned()));
        }
        if let Some(a) = after {
            q = q.filter(notices::Column::Id.gt(a.to_owned()));
        }
        let rows = q
            .order_by_asc(notices::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let facts = self.complete(Vec::new(), rows.clone()).await?;
        self.views(&facts, &rows, store::now_micros()).await
    }

    async fn notice_row<C: ConnectionTrait>(
        &self,
        c: &C,
        scope: &Scope,
        id: &str,
    ) -> Result<notices::Model, SubprocessorError> {
        notices::Entity::find_by_id(id.to_owned())
            .one(c)
            .await
            .map_err(internal)?
            .filter(|n| scope.allows(&n.tenant_id))
            .ok_or(SubprocessorError::NotFound("notice"))
    }

    pub async fn get_notice(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<NoticeView, SubprocessorError> {
        let n = self.notice_row(&self.db, scope, id).await?;
        let facts = self.complete(Vec::new(), vec![n.clone()]).await?;
        let mut v = self.views(&facts, &[n], store::now_micros()).await?;
        v.pop().ok_or(SubprocessorError::NotFound("notice"))
    }

    /// A controller's objection, within the window of a general notice.
    pub async fn object(
        &self,
        actor: &Actor,
        scope: &Scope,
        notice_id: &str,
        reason: &str,
    ) -> Result<Objection, SubprocessorError> {
        let now = store::now_micros();
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let n = self.notice_row(&txn, scope, notice_id).await?;
        let facts = self.complete(Vec::new(), vec![n.clone()]).await?;
        let f = facts.notice_facts(&n);
        if f.kind == ChangeKind::Remove {
            return Err(SubprocessorError::Precondition(
                "a removal takes nothing new on; there is nothing to object to".into(),
            ));
        }
        if f.mode == Mode::Specific {
            return Err(SubprocessorError::Precondition(
                "this controller authorises sub-processors specifically: refuse the change with RecordApproval (approved = false)".into(),
            ));
        }
        if let Some(w) = f.window()
            && now >= w.closes_at
        {
            return Err(SubprocessorError::Precondition(format!(
                "the objection window closed at the end of {} (Europe/Amsterdam)",
                w.last_day
            )));
        }
        if f.objections.iter().any(|o| o.resolution.is_none()) {
            return Err(SubprocessorError::Precondition(
                "an objection to this notice is already open".into(),
            ));
        }
        let o = objections::ActiveModel::from(objections::Model {
            id: new_id(),
            notice_id: n.id.clone(),
            tenant_id: n.tenant_id.clone(),
            filed_at: now,
            filed_by: actor.id.clone(),
            reason: reason.to_owned(),
            resolution: None,
            resolved_at: None,
            resolution_note: None,
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(
                actor,
                "subprocessor.objection",
                "subprocessor_notice",
                &n.id,
            )
            .tenant(&n.tenant_id)
            .details(json!({ "objection": o.id })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(to_objection(o))
    }

    pub async fn resolve(
        &self,
        actor: &Actor,
        scope: &Scope,
        objection_id: &str,
        resolution: Resolution,
        note: &str,
    ) -> Result<Objection, SubprocessorError> {
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let o = objections::Entity::find_by_id(objection_id.to_owned())
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|o| scope.allows(&o.tenant_id))
            .ok_or(SubprocessorError::NotFound("objection"))?;
        if let Some(r) = &o.resolution {
            return Err(SubprocessorError::Precondition(format!(
                "the objection was already resolved ({r})"
            )));
        }
        let tenant = o.tenant_id.clone();
        let notice = o.notice_id.clone();
        let mut am: objections::ActiveModel = o.into();
        am.resolution = Set(Some(resolution.as_str().into()));
        am.resolved_at = Set(Some(store::now_micros()));
        am.resolution_note = Set(Some(note.to_owned()).filter(|n| !n.is_empty()));
        let o = am.update(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(
                actor,
                "subprocessor.objection_resolved",
                "subprocessor_notice",
                &notice,
            )
            .tenant(&tenant)
            .details(json!({ "objection": objection_id, "resolution": resolution.as_str() })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(to_objection(o))
    }

    /// A specific approval or refusal of a notice.
    pub async fn approve(
        &self,
        actor: &Actor,
        scope: &Scope,
        notice_id: &str,
        approved: bool,
        reference: &str,
    ) -> Result<NoticeView, SubprocessorError> {
        let now = store::now_micros();
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let n = self.notice_row(&txn, scope, notice_id).await?;
        if n.mode != Mode::Specific.as_str() {
            return Err(SubprocessorError::Precondition(
                "this controller gave general authorisation: it objects with RecordObjection instead".into(),
            ));
        }
        if n.kind == ChangeKind::Remove.as_str() {
            return Err(SubprocessorError::Precondition(
                "a removal needs no approval".into(),
            ));
        }
        if let Some(a) = &n.approval {
            return Err(SubprocessorError::Precondition(format!(
                "the notice was already answered ({a})"
            )));
        }
        let tenant = n.tenant_id.clone();
        let sub = n.subprocessor_id.clone();
        let mut am: notices::ActiveModel = n.into();
        am.approval = Set(Some(if approved { "approved" } else { "refused" }.into()));
        am.approved_at = Set(Some(now));
        am.approval_reference = Set(Some(reference.to_owned()));
        am.update(&txn).await.map_err(internal)?;
        if approved {
            grants::ActiveModel::from(grants::Model {
                id: new_id(),
                tenant_id: tenant.clone(),
                subprocessor_id: sub,
                basis: "approval".into(),
                reference: reference.to_owned(),
                effective_from: now,
                recorded_by: actor.id.clone(),
                notice_id: Some(notice_id.to_owned()),
                created_at: now,
            })
            .insert(&txn)
            .await
            .map_err(internal)?;
        }
        audit::append(
            &txn,
            Record::new(
                actor,
                if approved {
                    "subprocessor.approved"
                } else {
                    "subprocessor.refused"
                },
                "subprocessor_notice",
                notice_id,
            )
            .tenant(&tenant),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.get_notice(scope, notice_id).await
    }

    /// May `sub` process `tenant`'s data at `at`? An agreement in force, an
    /// authorisation in effect, and a permitted transfer are all required.
    pub async fn check(
        &self,
        sub_id: &str,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Engagement, SubprocessorError> {
        let sub = self.get(sub_id).await?;
        let on = legal_time::period::local_date(at);
        let transfer = sub.classify(on);
        let blocked = |reason: String| Decision {
            allowed: false,
            reason,
            basis: String::new(),
            since: None,
        };
        let decision = match self.terms(tenant, at).await? {
            None => {
                blocked("the controller had no processing agreement in force at that moment".into())
            }
            Some(_) => {
                let d = self.facts(tenant).await?.decide(sub_id, at);
                if d.allowed && !transfer.permitted() {
                    blocked(format!(
                        "authorised, but the transfer is not: {}",
                        transfer.explanation
                    ))
                } else {
                    d
                }
            }
        };
        Ok(Engagement {
            decision,
            transfer,
            on,
        })
    }

    /// The controller's current list, its notices (newest first) and its
    /// written authorisations.
    pub async fn authorised(&self, tenant: &str) -> Result<AuthorisedList, SubprocessorError> {
        let at = store::now_micros();
        let facts = self.facts(tenant).await?;
        let mode = self.terms(tenant, at).await?.map(|t| t.mode);
        let allowed: Vec<(String, Decision)> = facts
            .subprocessor_ids()
            .into_iter()
            .map(|id| {
                let d = facts.decide(&id, at);
                (id, d)
            })
            .filter(|(_, d)| d.allowed)
            .collect();
        let mut register = self
            .by_ids(allowed.iter().map(|(id, _)| id.clone()))
            .await?;
        let current = allowed
            .into_iter()
            .filter_map(|(id, d)| register.remove(&id).map(|s| (s, d)))
            .collect();
        let mut rows = facts.notices.clone();
        rows.reverse();
        let notices = self.views(&facts, &rows, at).await?;
        let mut authorisations: Vec<Authorisation> =
            facts.grants.iter().cloned().map(to_grant).collect();
        authorisations.reverse();
        Ok(AuthorisedList {
            tenant_id: tenant.to_owned(),
            mode,
            current,
            notices,
            authorisations,
            at,
        })
    }

    /// The sub-processors allowed for `tenant` at `at`, with the transfer to
    /// each (for the record of processing).
    pub async fn engaged(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<(Subprocessor, transfers::Classification)>, SubprocessorError> {
        let facts = self.facts(tenant).await?;
        let on = legal_time::period::local_date(at);
        let allowed: Vec<String> = facts
            .subprocessor_ids()
            .into_iter()
            .filter(|id| facts.decide(id, at).allowed)
            .collect();
        let mut register = self.by_ids(allowed.iter().cloned()).await?;
        let out: Vec<(Subprocessor, transfers::Classification)> = allowed
            .iter()
            .filter_map(|id| register.remove(id))
            .map(|s| {
                let c = s.classify(on);
                (s, c)
            })
            .collect();
        Ok(out)
    }

    /// Open objection windows (for DeadlineService): delivered general
    /// notices that add a sub-processor, whose window has not closed.
    pub async fn open_windows(
        &self,
        tenant: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NoticeView>, SubprocessorError> {
        let mut q = notices::Entity::find()
            .filter(notices::Column::Mode.eq(Mode::General.as_str()))
            .filter(notices::Column::Kind.ne(ChangeKind::Remove.as_str()));
        if let Some(t) = tenant {
            q = q.filter(notices::Column::TenantId.eq(t.to_owned()));
        }
        let rows = q.all(&self.db).await.map_err(internal)?;
        let facts = self.complete(Vec::new(), rows.clone()).await?;
        let views = self.views(&facts, &rows, now).await?;
        Ok(views
            .into_iter()
            .filter(|v| v.status == NoticeStatus::WindowOpen)
            .collect())
    }
}

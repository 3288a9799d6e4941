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

mod change_notices;
mod decisions;
mod engagement;
mod register;

pub const NOTICE_TOPIC: &str = "subprocessor.change_notice";

/// A failure of this service's storage or anything else unexpected: an
/// outage of the database is UNAVAILABLE (retry later), the rest INTERNAL.
pub(crate) fn internal(e: impl std::fmt::Display + 'static) -> SubprocessorError {
    match audit::outage_of(&e) {
        Some(o) => SubprocessorError::Port(domain_kit::PortError::Unavailable(o.to_string())),
        None => SubprocessorError::Internal(e.to_string()),
    }
}

audit::storage_errors!(SubprocessorError => internal, serde_json::Error, outbox::OutboxError);

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
                    .await?,
            );
            n.extend(
                notices::Entity::find()
                    .filter(notices::Column::TenantId.is_in(chunk.iter().cloned()))
                    .order_by_asc(notices::Column::Id)
                    .all(&self.db)
                    .await?,
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
                .await?
            {
                objections.entry(o.notice_id.clone()).or_default().push(o);
            }
        }
        let msg_ids: Vec<String> = n.iter().map(|x| x.message_id.clone()).collect();
        let messages = self.outbox.by_ids(&msg_ids).await?;
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
            .await?
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
                .await?
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
}

/// A tenant-bound caller asking about another tenant gets `NotFound`.
fn in_scope(scope: &Scope, tenant: &str) -> Result<(), SubprocessorError> {
    if scope.allows(tenant) {
        Ok(())
    } else {
        Err(SubprocessorError::NotFound("controller"))
    }
}

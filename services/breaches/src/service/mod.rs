//! The breach service: tables `breach_incidents`, `breach_assessments`,
//! `breach_notices`, `breach_notice_sends`, `breach_authority_notifications`
//! and `breach_subject_decisions` (owned here). Notices are delivered
//! through the outbox; their delivery time is read back from it, never
//! copied. Every write is audited in the same transaction.
//!
//! Visibility: an admin or auditor sees everything; a tenant-bound caller
//! (a controller) sees only its own notices, and only once one was sent,
//! never the incident's description or internal notes.

use std::collections::HashMap;
use std::sync::Arc;

use audit::{Actor, Record};
use auth::Scope;
use chrono::{DateTime, Utc};
use outbox::{Message, NewMessage, Outbox};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use store::entities::breaches::{
    assessments, authority_notifications as authority, incidents, notice_sends as sends, notices,
    subject_decisions as decisions,
};

/// The processor's own identity: its contact point is item (h) unless an
/// assessment names another.
pub use domain_kit::ProcessorIdentity;

use crate::domain::*;
use crate::ports::Directory;

mod authority_and_subjects;
mod controller_notices;
mod reads;
mod reporting;

pub const NOTICE_TOPIC: &str = "breach.notice";

/// A failure of this service's storage or anything else unexpected: an
/// outage of the database is UNAVAILABLE (retry later), the rest INTERNAL.
pub(crate) fn internal(e: impl std::fmt::Display + 'static) -> BreachError {
    match audit::outage_of(&e) {
        Some(o) => BreachError::Port(domain_kit::PortError::Unavailable(o.to_string())),
        None => BreachError::Internal(e.to_string()),
    }
}

audit::storage_errors!(BreachError => internal, serde_json::Error, outbox::OutboxError);

fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

impl crate::Breaches {
    fn processor_contact(&self) -> Option<String> {
        let p = &self.processor;
        let dpo = match (p.dpo_name.trim(), p.dpo_email.trim()) {
            ("", "") => None,
            ("", e) => Some(format!("DPO <{e}>")),
            (n, "") => Some(n.to_owned()),
            (n, e) => Some(format!("{n} <{e}>")),
        };
        dpo.or_else(|| {
            let e = p.contact_email.trim();
            (!e.is_empty()).then(|| e.to_owned())
        })
    }
}

/// An assessment version as stored.
#[derive(Debug, Clone)]
pub struct AssessmentRecord {
    pub version: u32,
    pub assessed_at: DateTime<Utc>,
    pub assessed_by: String,
    pub assessment: Assessment,
}

#[derive(Debug, Clone)]
pub struct SendView {
    pub row: sends::Model,
    pub missing: Vec<String>,
    pub delivery: Option<Message>,
}

/// A notice as shown: its clocks, content, sends and the controller's steps.
#[derive(Debug, Clone)]
pub struct NoticeView {
    pub row: notices::Model,
    pub status: &'static str,
    pub discovered_at: DateTime<Utc>,
    pub risk: Risk,
    pub controller_clock: Clock,
    pub authority_clock: Clock,
    pub content: Vec<(Item, bool)>,
    pub missing: Vec<Item>,
    pub sends: Vec<SendView>,
    pub authority: Vec<authority::Model>,
    pub decisions: Vec<decisions::Model>,
    pub subject_communication: &'static str,
}

impl NoticeView {
    /// When the initial notice reached the controller.
    pub fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.sends
            .first()
            .and_then(|s| s.delivery.as_ref())
            .and_then(|m| m.delivered_at)
    }
}

#[derive(Debug, Clone)]
pub struct IncidentView {
    pub row: incidents::Model,
    pub status: IncidentStatus,
    pub systems: Vec<String>,
    pub assessment: Option<AssessmentRecord>,
    pub history: Vec<AssessmentRecord>,
    pub notices: Vec<NoticeView>,
    pub investigation_flag: Option<String>,
}

/// Everything stored about one incident (for one tenant, when scoped).
struct Facts {
    incident: incidents::Model,
    assessments: Vec<assessments::Model>,
    notices: Vec<notices::Model>,
    sends: HashMap<String, Vec<sends::Model>>,
    authority: HashMap<String, Vec<authority::Model>>,
    decisions: HashMap<String, Vec<decisions::Model>>,
    messages: HashMap<String, Message>,
}

fn record(m: &assessments::Model) -> Result<AssessmentRecord, BreachError> {
    Ok(AssessmentRecord {
        version: m.version as u32,
        assessed_at: m.assessed_at,
        assessed_by: m.assessed_by.clone(),
        assessment: serde_json::from_str(&m.body)?,
    })
}

fn group<T: Clone>(rows: Vec<T>, key: impl Fn(&T) -> String) -> HashMap<String, Vec<T>> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    out
}

/// A validated authority notification.
#[derive(Debug, Clone)]
pub struct AuthorityInput {
    pub phase: AuthorityPhase,
    pub notified_at: DateTime<Utc>,
    pub reference: Option<String>,
    pub reasons_for_delay: Option<String>,
}

/// A validated art. 34 decision.
#[derive(Debug, Clone)]
pub struct SubjectInput {
    pub choice: SubjectChoice,
    pub details: Option<String>,
    pub communicated_at: Option<DateTime<Utc>>,
}

impl crate::Breaches {
    pub fn new(
        db: DatabaseConnection,
        directory: Arc<dyn Directory>,
        processor: ProcessorIdentity,
    ) -> Self {
        Self {
            outbox: Outbox::new(db.clone()),
            db,
            directory,
            processor,
        }
    }

    // ----- reading ----------------------------------------------------------

    /// Loads the facts of these incidents; with `tenant`, only that
    /// controller's notices and their steps.
    async fn facts(&self, ids: &[String], tenant: Option<&str>) -> Result<Vec<Facts>, BreachError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let incs = incidents::Entity::find()
                .filter(incidents::Column::Id.is_in(chunk.iter().cloned()))
                .order_by_asc(incidents::Column::Id)
                .all(&self.db)
                .await?;
            let mut assessments_by_incident = group(
                assessments::Entity::find()
                    .filter(assessments::Column::IncidentId.is_in(chunk.iter().cloned()))
                    .order_by_asc(assessments::Column::Version)
                    .all(&self.db)
                    .await?,
                |a| a.incident_id.clone(),
            );
            let mut notice_query = notices::Entity::find()
                .filter(notices::Column::IncidentId.is_in(chunk.iter().cloned()));
            if let Some(t) = tenant {
                notice_query = notice_query.filter(notices::Column::TenantId.eq(t));
            }
            let ns = notice_query
                .order_by_asc(notices::Column::Id)
                .all(&self.db)
                .await?;
            let nids: Vec<String> = ns.iter().map(|n| n.id.clone()).collect();
            let mut sd = Vec::new();
            let mut au = Vec::new();
            let mut de = Vec::new();
            for nc in nids.chunks(500) {
                sd.extend(
                    sends::Entity::find()
                        .filter(sends::Column::NoticeId.is_in(nc.iter().cloned()))
                        .order_by_asc(sends::Column::Sequence)
                        .all(&self.db)
                        .await?,
                );
                au.extend(
                    authority::Entity::find()
                        .filter(authority::Column::NoticeId.is_in(nc.iter().cloned()))
                        .order_by_asc(authority::Column::NotifiedAt)
                        .order_by_asc(authority::Column::Id)
                        .all(&self.db)
                        .await?,
                );
                de.extend(
                    decisions::Entity::find()
                        .filter(decisions::Column::NoticeId.is_in(nc.iter().cloned()))
                        .order_by_asc(decisions::Column::DecidedAt)
                        .order_by_asc(decisions::Column::Id)
                        .all(&self.db)
                        .await?,
                );
            }
            let mids: Vec<String> = sd.iter().map(|s| s.message_id.clone()).collect();
            let mut messages = self.outbox.by_ids(&mids).await?;
            let mut ns = group(ns, |n| n.incident_id.clone());
            let mut sd = group(sd, |s| s.incident_id.clone());
            let au_by_notice = group(au, |a| a.notice_id.clone());
            let de_by_notice = group(de, |d| d.notice_id.clone());
            for inc in incs {
                let notices = ns.remove(&inc.id).unwrap_or_default();
                let my_sends = sd.remove(&inc.id).unwrap_or_default();
                let msgs: HashMap<String, Message> = my_sends
                    .iter()
                    .filter_map(|s| {
                        messages
                            .remove(&s.message_id)
                            .map(|m| (s.message_id.clone(), m))
                    })
                    .collect();
                let ids: Vec<&String> = notices.iter().map(|n| &n.id).collect();
                out.push(Facts {
                    assessments: assessments_by_incident.remove(&inc.id).unwrap_or_default(),
                    sends: group(my_sends, |s| s.notice_id.clone()),
                    authority: au_by_notice
                        .iter()
                        .filter(|(k, _)| ids.contains(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    decisions: de_by_notice
                        .iter()
                        .filter(|(k, _)| ids.contains(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    messages: msgs,
                    notices,
                    incident: inc,
                });
            }
        }
        Ok(out)
    }

    fn notice_view(
        &self,
        f: &Facts,
        current: &Assessment,
        n: &notices::Model,
        now: DateTime<Utc>,
    ) -> Result<NoticeView, BreachError> {
        let contact = self.processor_contact();
        let contact = contact.as_deref();
        let sends: Vec<SendView> = f
            .sends
            .get(&n.id)
            .map(|v| {
                v.iter()
                    .map(|s| SendView {
                        missing: serde_json::from_str(&s.missing).unwrap_or_default(),
                        delivery: f.messages.get(&s.message_id).cloned(),
                        row: s.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let delivered = sends
            .first()
            .and_then(|s| s.delivery.as_ref())
            .and_then(|m| m.delivered_at);
        let controller_clock = controller_clock(
            f.incident.discovered_at,
            n.sla_hours.max(1) as u32,
            delivered,
            now,
        )
        .map_err(internal)?;
        let awareness = match (n.controller_aware_at, delivered) {
            (Some(t), _) => Awareness::Acknowledged(t),
            (None, Some(d)) => Awareness::Delivered(d),
            (None, None) => Awareness::Unknown,
        };
        let auth_rows = f.authority.get(&n.id).cloned().unwrap_or_default();
        let initial = auth_rows
            .iter()
            .find(|a| a.phase == AuthorityPhase::Initial.as_str())
            .map(|a| a.notified_at);
        let authority_clock = authority_clock(
            f.incident.discovered_at,
            awareness,
            current.risk,
            initial,
            now,
        )
        .map_err(internal)?;
        let decs = f.decisions.get(&n.id).cloned().unwrap_or_default();
        let latest = decs.last().and_then(|d| {
            SubjectChoice::parse("decision", &d.decision)
                .ok()
                .map(|c| (c, d.communicated_at))
        });
        let status = if n.cancelled_at.is_some() {
            "cancelled"
        } else if n.acknowledged_at.is_some() {
            "acknowledged"
        } else if sends.is_empty() {
            "pending"
        } else {
            "sent"
        };
        Ok(NoticeView {
            status,
            discovered_at: f.incident.discovered_at,
            risk: current.risk,
            controller_clock,
            authority_clock,
            content: content(current, &n.tenant_id, contact),
            missing: missing(current, &n.tenant_id, contact),
            sends,
            authority: auth_rows,
            subject_communication: subject_communication(Some(current.risk), latest),
            decisions: decs,
            row: n.clone(),
        })
    }

    fn incident_view(&self, f: &Facts, now: DateTime<Utc>) -> Result<IncidentView, BreachError> {
        let history: Vec<AssessmentRecord> =
            f.assessments.iter().map(record).collect::<Result<_, _>>()?;
        let current = history.last().cloned();
        let notices = match &current {
            Some(c) => f
                .notices
                .iter()
                .map(|n| self.notice_view(f, &c.assessment, n, now))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(IncidentView {
            status: IncidentStatus::parse("status", &f.incident.status)?,
            systems: serde_json::from_str(&f.incident.systems).unwrap_or_default(),
            investigation_flag: investigation_flag(
                f.incident.discovered_at,
                f.incident.decided_at,
                now,
            ),
            assessment: current,
            history,
            notices,
            row: f.incident.clone(),
        })
    }

    async fn load(&self, id: &str, tenant: Option<&str>) -> Result<IncidentView, BreachError> {
        let f = self
            .facts(&[id.to_owned()], tenant)
            .await?
            .pop()
            .ok_or(BreachError::NotFound("incident"))?;
        self.incident_view(&f, store::now_micros())
    }

    async fn incident_row<C: ConnectionTrait>(
        &self,
        c: &C,
        id: &str,
    ) -> Result<incidents::Model, BreachError> {
        incidents::Entity::find_by_id(id.to_owned())
            .one(c)
            .await?
            .ok_or(BreachError::NotFound("incident"))
    }

    /// A notice row that `scope` may act on: its own, and sent.
    async fn visible_row<C: ConnectionTrait>(
        &self,
        c: &C,
        scope: &Scope,
        id: &str,
    ) -> Result<notices::Model, BreachError> {
        let n = notices::Entity::find_by_id(id.to_owned())
            .one(c)
            .await?
            .ok_or(BreachError::NotFound("breach notice"))?;
        if !scope.allows(&n.tenant_id) {
            return Err(BreachError::NotFound("breach notice"));
        }
        let sent = sends::Entity::find()
            .filter(sends::Column::NoticeId.eq(id))
            .limit(1)
            .all(c)
            .await?;
        if sent.is_empty() {
            return Err(match scope {
                Scope::All => BreachError::Precondition(
                    "nothing was sent to the controller yet: send the initial notice first".into(),
                ),
                Scope::Tenant(_) => BreachError::NotFound("breach notice"),
            });
        }
        Ok(n)
    }

    /// The incident as `scope` may see it: everything for admins and
    /// auditors; for a controller, its own sent notice only.
    pub async fn scoped(&self, scope: &Scope, id: &str) -> Result<IncidentView, BreachError> {
        let tenant = scope.bound().map(str::to_owned);
        let mut v = self.load(id, tenant.as_deref()).await?;
        if tenant.is_some() {
            v.notices.retain(|n| !n.sends.is_empty());
            if v.notices.is_empty() {
                return Err(BreachError::NotFound("incident"));
            }
        }
        Ok(v)
    }
}

/// The SLA when no agreement is in force: the rule's default, 24 hours.
pub const DEFAULT_SLA_HOURS: u32 = 24;

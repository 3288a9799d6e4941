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

pub const NOTICE_TOPIC: &str = "breach.notice";

pub(crate) fn internal(e: impl std::fmt::Display) -> BreachError {
    BreachError::Internal(e.to_string())
}

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
    pub status: Status,
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
        assessment: serde_json::from_str(&m.body).map_err(internal)?,
    })
}

fn group<T: Clone>(rows: Vec<T>, key: impl Fn(&T) -> String) -> HashMap<String, Vec<T>> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    out
}

/// A decision on an incident.
#[derive(Debug, Clone)]
pub enum Decision {
    Dismiss {
        basis: DismissalBasis,
        reason: String,
    },
    Confirm(Box<Assessment>),
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
                .await
                .map_err(internal)?;
            let mut ass = group(
                assessments::Entity::find()
                    .filter(assessments::Column::IncidentId.is_in(chunk.iter().cloned()))
                    .order_by_asc(assessments::Column::Version)
                    .all(&self.db)
                    .await
                    .map_err(internal)?,
                |a| a.incident_id.clone(),
            );
            let mut nq = notices::Entity::find()
                .filter(notices::Column::IncidentId.is_in(chunk.iter().cloned()));
            if let Some(t) = tenant {
                nq = nq.filter(notices::Column::TenantId.eq(t));
            }
            let ns = nq
                .order_by_asc(notices::Column::Id)
                .all(&self.db)
                .await
                .map_err(internal)?;
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
                        .await
                        .map_err(internal)?,
                );
                au.extend(
                    authority::Entity::find()
                        .filter(authority::Column::NoticeId.is_in(nc.iter().cloned()))
                        .order_by_asc(authority::Column::NotifiedAt)
                        .order_by_asc(authority::Column::Id)
                        .all(&self.db)
                        .await
                        .map_err(internal)?,
                );
                de.extend(
                    decisions::Entity::find()
                        .filter(decisions::Column::NoticeId.is_in(nc.iter().cloned()))
                        .order_by_asc(decisions::Column::DecidedAt)
                        .order_by_asc(decisions::Column::Id)
                        .all(&self.db)
                        .await
                        .map_err(internal)?,
                );
            }
            let mids: Vec<String> = sd.iter().map(|s| s.message_id.clone()).collect();
            let mut messages = self.outbox.by_ids(&mids).await.map_err(internal)?;
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
                    assessments: ass.remove(&inc.id).unwrap_or_default(),
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
            status: Status::parse("status", &f.incident.status).map_err(internal)?,
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

    pub async fn incident(&self, id: &str) -> Result<IncidentView, BreachError> {
        self.load(id, None).await
    }

    pub async fn incidents(
        &self,
        status: Option<Status>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<IncidentView>, BreachError> {
        let mut q = incidents::Entity::find();
        if let Some(s) = status {
            q = q.filter(incidents::Column::Status.eq(s.as_str()));
        }
        if let Some(a) = after {
            q = q.filter(incidents::Column::Id.gt(a.to_owned()));
        }
        let ids: Vec<String> = q
            .order_by_asc(incidents::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let now = store::now_micros();
        self.facts(&ids, None)
            .await?
            .iter()
            .map(|f| self.incident_view(f, now))
            .collect()
    }

    /// A notice as `scope` may see it: a tenant-bound caller sees its own,
    /// once something was sent.
    pub async fn notice(&self, scope: &Scope, id: &str) -> Result<NoticeView, BreachError> {
        let n = notices::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or(BreachError::NotFound("breach notice"))?;
        if !scope.allows(&n.tenant_id) {
            return Err(BreachError::NotFound("breach notice"));
        }
        let tenant = scope.filter(None);
        let inc = self.load(&n.incident_id, tenant.as_deref()).await?;
        let v = inc
            .notices
            .into_iter()
            .find(|v| v.row.id == n.id)
            .ok_or(BreachError::NotFound("breach notice"))?;
        if tenant.is_some() && v.sends.is_empty() {
            return Err(BreachError::NotFound("breach notice"));
        }
        Ok(v)
    }

    pub async fn notices(
        &self,
        scope: &Scope,
        controller: Option<&str>,
        incident: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<NoticeView>, BreachError> {
        let tenant = scope.filter(controller);
        let mut q = notices::Entity::find();
        if let Some(t) = &tenant {
            q = q.filter(notices::Column::TenantId.eq(t.clone()));
        }
        if let Some(i) = incident {
            q = q.filter(notices::Column::IncidentId.eq(i));
        }
        if let Some(a) = after {
            q = q.filter(notices::Column::Id.gt(a.to_owned()));
        }
        if let Scope::Tenant(t) = scope {
            // A controller sees a notice once something was sent to it; the
            // filter is in the query so a page is never cut short.
            let mut sent: Vec<String> = sends::Entity::find()
                .filter(sends::Column::TenantId.eq(t.clone()))
                .all(&self.db)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|s| s.notice_id)
                .collect();
            sent.sort();
            sent.dedup();
            q = q.filter(notices::Column::Id.is_in(sent));
        }
        let rows = q
            .order_by_asc(notices::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut incs: Vec<String> = rows.iter().map(|n| n.incident_id.clone()).collect();
        incs.sort();
        incs.dedup();
        let now = store::now_micros();
        let mut views: HashMap<String, NoticeView> = HashMap::new();
        for f in self.facts(&incs, tenant.as_deref()).await? {
            for v in self.incident_view(&f, now)?.notices {
                views.insert(v.row.id.clone(), v);
            }
        }
        Ok(rows.iter().filter_map(|n| views.remove(&n.id)).collect())
    }

    // ----- writing ----------------------------------------------------------

    pub async fn report(&self, actor: &Actor, n: NewIncident) -> Result<IncidentView, BreachError> {
        let now = store::now_micros();
        instant_in_range("discovered_at", n.discovered_at, now)?;
        let id = new_id();
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        incidents::ActiveModel::from(incidents::Model {
            id: id.clone(),
            status: Status::Reported.as_str().into(),
            discovered_at: n.discovered_at,
            discovered_by: n.discovered_by,
            description: n.description,
            systems: serde_json::to_string(&n.systems).map_err(internal)?,
            internal_notes: n.internal_notes,
            reported_at: now,
            reported_by: actor.id.clone(),
            dismissal_basis: None,
            dismissal_reason: None,
            decided_at: None,
            decided_by: None,
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "breach.incident.report", "breach_incident", &id)
                .details(json!({ "discovered_at": proto::wire::timestamp(n.discovered_at) })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.incident(&id).await
    }

    async fn incident_row<C: ConnectionTrait>(
        &self,
        c: &C,
        id: &str,
    ) -> Result<incidents::Model, BreachError> {
        incidents::Entity::find_by_id(id.to_owned())
            .one(c)
            .await
            .map_err(internal)?
            .ok_or(BreachError::NotFound("incident"))
    }

    pub async fn assess(
        &self,
        actor: &Actor,
        id: &str,
        d: Decision,
    ) -> Result<IncidentView, BreachError> {
        // The controllers and their terms are looked up before the
        // transaction: the directory reads other services.
        let mut terms = HashMap::new();
        if let Decision::Confirm(a) = &d {
            let discovered = self.incident_row(&self.db, id).await?.discovered_at;
            for aff in &a.affected {
                let c = self.directory.controller(&aff.controller_id).await?;
                if c.is_none() {
                    return Err(err(
                        "assessment.affected.controller_id",
                        format!("no controller {}", aff.controller_id),
                    )
                    .into());
                }
                let t = match self
                    .directory
                    .terms_at(&aff.controller_id, discovered)
                    .await?
                {
                    Some(t) => Some(t),
                    None => {
                        self.directory
                            .terms_at(&aff.controller_id, store::now_micros())
                            .await?
                    }
                };
                terms.insert(aff.controller_id.clone(), t);
            }
        }
        let now = store::now_micros();
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let inc = self.incident_row(&txn, id).await?;
        let status = Status::parse("status", &inc.status).map_err(internal)?;
        let existing = notices::Entity::find()
            .filter(notices::Column::IncidentId.eq(id))
            .all(&txn)
            .await
            .map_err(internal)?;
        let sent: Vec<String> = sends::Entity::find()
            .filter(sends::Column::IncidentId.eq(id))
            .all(&txn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|s| s.notice_id)
            .collect();
        match d {
            Decision::Dismiss { basis, reason } => {
                check_dismissal(status, sent.len())?;
                for n in existing.iter().filter(|n| n.cancelled_at.is_none()) {
                    let mut am: notices::ActiveModel = n.clone().into();
                    am.cancelled_at = Set(Some(now));
                    am.update(&txn).await.map_err(internal)?;
                }
                let mut am: incidents::ActiveModel = inc.into();
                am.status = Set(Status::Dismissed.as_str().into());
                am.dismissal_basis = Set(Some(basis.as_str().into()));
                am.dismissal_reason = Set(Some(reason));
                am.decided_at = Set(Some(now));
                am.decided_by = Set(Some(actor.id.clone()));
                am.update(&txn).await.map_err(internal)?;
                audit::append(
                    &txn,
                    Record::new(actor, "breach.incident.dismiss", "breach_incident", id)
                        .details(json!({ "basis": basis.as_str() })),
                )
                .await
                .map_err(internal)?;
            }
            Decision::Confirm(a) => {
                if status == Status::Dismissed {
                    return Err(BreachError::Precondition(
                        "the incident was dismissed; a dismissal is final: report a new incident if new facts show a breach".into(),
                    ));
                }
                if let Some(o) = a.occurred_from
                    && o > inc.discovered_at
                {
                    return Err(err(
                        "assessment.occurred_from",
                        "must not be after the discovery",
                    )
                    .into());
                }
                // A controller that was sent a notice stays affected.
                for n in &existing {
                    if a.affected(&n.tenant_id).is_none() && sent.contains(&n.id) {
                        return Err(BreachError::Precondition(format!(
                            "controller {} was already sent a notice; it cannot be removed from the affected controllers",
                            n.tenant_id
                        )));
                    }
                }
                let version = assessments::Entity::find()
                    .filter(assessments::Column::IncidentId.eq(id))
                    .all(&txn)
                    .await
                    .map_err(internal)?
                    .len() as i32
                    + 1;
                assessments::ActiveModel::from(assessments::Model {
                    id: new_id(),
                    incident_id: id.to_owned(),
                    version,
                    assessed_at: now,
                    assessed_by: actor.id.clone(),
                    body: serde_json::to_string(&a).map_err(internal)?,
                })
                .insert(&txn)
                .await
                .map_err(internal)?;
                let mut added = Vec::new();
                for aff in &a.affected {
                    match existing.iter().find(|n| n.tenant_id == aff.controller_id) {
                        Some(n) if n.cancelled_at.is_some() => {
                            let mut am: notices::ActiveModel = n.clone().into();
                            am.cancelled_at = Set(None);
                            am.update(&txn).await.map_err(internal)?;
                        }
                        Some(_) => {}
                        None => {
                            let t = terms.get(&aff.controller_id).cloned().flatten();
                            let nid = new_id();
                            notices::ActiveModel::from(notices::Model {
                                id: nid.clone(),
                                incident_id: id.to_owned(),
                                tenant_id: aff.controller_id.clone(),
                                agreement_id: t.as_ref().map(|t| t.agreement_id.clone()),
                                sla_hours: t.as_ref().map_or(DEFAULT_SLA_HOURS, |t| t.sla_hours)
                                    as i32,
                                processor_may_notify: t
                                    .as_ref()
                                    .is_some_and(|t| t.processor_may_notify_authority),
                                created_at: now,
                                cancelled_at: None,
                                controller_aware_at: None,
                                acknowledged_at: None,
                                acknowledged_by: None,
                            })
                            .insert(&txn)
                            .await
                            .map_err(internal)?;
                            audit::append(
                                &txn,
                                Record::new(actor, "breach.notice.create", "breach_notice", &nid)
                                    .tenant(&aff.controller_id)
                                    .details(json!({ "incident_id": id })),
                            )
                            .await
                            .map_err(internal)?;
                            added.push(aff.controller_id.clone());
                        }
                    }
                }
                for n in existing
                    .iter()
                    .filter(|n| n.cancelled_at.is_none() && a.affected(&n.tenant_id).is_none())
                {
                    let mut am: notices::ActiveModel = n.clone().into();
                    am.cancelled_at = Set(Some(now));
                    am.update(&txn).await.map_err(internal)?;
                    audit::append(
                        &txn,
                        Record::new(actor, "breach.notice.cancel", "breach_notice", &n.id)
                            .tenant(&n.tenant_id)
                            .details(json!({ "incident_id": id })),
                    )
                    .await
                    .map_err(internal)?;
                }
                let first = status == Status::Reported;
                let mut am: incidents::ActiveModel = inc.into();
                am.status = Set(Status::Confirmed.as_str().into());
                if first {
                    am.decided_at = Set(Some(now));
                    am.decided_by = Set(Some(actor.id.clone()));
                }
                am.update(&txn).await.map_err(internal)?;
                audit::append(
                    &txn,
                    Record::new(actor, "breach.incident.assess", "breach_incident", id).details(
                        json!({
                            "version": version,
                            "risk": a.risk.as_str(),
                            "controllers": a.affected.len(),
                            "new_notices": added.len(),
                        }),
                    ),
                )
                .await
                .map_err(internal)?;
            }
        }
        txn.commit().await.map_err(internal)?;
        self.incident(id).await
    }

    /// The body of a send: every content item (unknown ones null), what is
    /// missing, and the clocks, for this controller only.
    fn body(
        &self,
        v: &NoticeView,
        a: &Assessment,
        phase: Phase,
        sequence: i32,
        note: Option<&str>,
    ) -> Value {
        let contact = self.processor_contact();
        let aff = a.affected(&v.row.tenant_id);
        let known = |i: Item| v.content.iter().any(|(x, k)| *x == i && *k);
        let opt = |i: Item, val: Value| if known(i) { val } else { Value::Null };
        json!({
            "notice_id": v.row.id,
            "incident_id": v.row.incident_id,
            "phase": phase.as_str(),
            "sequence": sequence,
            "processor": self.processor.name,
            "discovered_at": proto::wire::timestamp(v.discovered_at),
            "occurred_from": a.occurred_from.map(proto::wire::timestamp),
            "occurred_until": a.occurred_until.map(proto::wire::timestamp),
            "risk": a.risk.as_str(),
            "risk_reasoning": a.risk_reasoning,
            "items": {
                "nature": opt(Item::Nature, json!({
                    "properties": a.nature.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
                    "summary": a.summary,
                })),
                "consequences": opt(Item::Consequences, json!(a.likely_consequences)),
                "data_categories": opt(Item::DataCategories, json!(a.data_categories)),
                "protection": opt(Item::Protection, json!({
                    "encrypted": a.encrypted,
                    "key_safe": a.key_safe,
                    "description": a.protection,
                })),
                "measures": opt(Item::Measures, json!({
                    "taken": a.measures_taken,
                    "proposed": a.measures_proposed,
                })),
                "subject_categories": opt(Item::SubjectCategories, json!(a.subject_categories)),
                "subjects_approx": json!(aff.and_then(|x| x.subjects_approx)),
                "records_approx": json!(aff.and_then(|x| x.records_approx)),
                "contact": json!(contact_point(a, contact.as_deref())),
            },
            "missing": v.missing.iter().map(|i| i.key()).collect::<Vec<_>>(),
            "message": note,
            "controller_notice_due": proto::wire::timestamp(v.controller_clock.strict),
            "authority_notice": {
                "rule": "breach.authority_notice",
                "strict": proto::wire::timestamp(v.authority_clock.strict),
                "basis": "72 hours from the processor's awareness; acknowledge this notice to record when you became aware",
                "required": v.risk != Risk::Unlikely,
            },
        })
    }

    pub async fn send(
        &self,
        actor: &Actor,
        notice_id: &str,
        asserted: Option<Phase>,
        note: Option<String>,
    ) -> Result<NoticeView, BreachError> {
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let n = notices::Entity::find_by_id(notice_id.to_owned())
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or(BreachError::NotFound("breach notice"))?;
        if n.cancelled_at.is_some() {
            return Err(BreachError::Precondition(
                "the notice is cancelled: its controller is no longer among the affected".into(),
            ));
        }
        let inc = self.incident_row(&txn, &n.incident_id).await?;
        if inc.status != Status::Confirmed.as_str() {
            return Err(BreachError::Precondition(format!(
                "the incident is {}; only a confirmed breach is notified (seed 003 art. 12.16)",
                inc.status
            )));
        }
        // The view as of now, read inside the transaction's lock.
        let v = {
            let f = self
                .facts(std::slice::from_ref(&n.incident_id), Some(&n.tenant_id))
                .await?
                .pop()
                .ok_or(BreachError::NotFound("incident"))?;
            self.incident_view(&f, store::now_micros())?
        };
        let a = v
            .assessment
            .clone()
            .ok_or_else(|| internal("a confirmed incident has an assessment"))?
            .assessment;
        let nv = v
            .notices
            .iter()
            .find(|x| x.row.id == n.id)
            .ok_or_else(|| internal("the notice belongs to its incident"))?;
        let phase = send_phase(nv.sends.len(), asserted)?;
        let sequence = nv.sends.len() as i32 + 1;
        let body = self.body(nv, &a, phase, sequence, note.as_deref());
        let now = store::now_micros();
        let mid = outbox::enqueue(
            &txn,
            NewMessage {
                tenant: &n.tenant_id,
                topic: NOTICE_TOPIC,
                subject_type: "breach_notice",
                subject_id: &n.id,
                data: body.clone(),
            },
            now,
        )
        .await
        .map_err(internal)?;
        let missing: Vec<&str> = nv.missing.iter().map(|i| i.key()).collect();
        sends::ActiveModel::from(sends::Model {
            id: new_id(),
            notice_id: n.id.clone(),
            incident_id: n.incident_id.clone(),
            tenant_id: n.tenant_id.clone(),
            phase: phase.as_str().into(),
            sequence,
            sent_at: now,
            sent_by: actor.id.clone(),
            message_id: mid.clone(),
            content: body.to_string(),
            missing: serde_json::to_string(&missing).map_err(internal)?,
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "breach.notice.send", "breach_notice", &n.id)
                .tenant(&n.tenant_id)
                .details(json!({
                    "phase": phase.as_str(),
                    "sequence": sequence,
                    "message_id": mid,
                    "missing": missing,
                })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.notice(&Scope::All, notice_id).await
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
            .await
            .map_err(internal)?
            .ok_or(BreachError::NotFound("breach notice"))?;
        if !scope.allows(&n.tenant_id) {
            return Err(BreachError::NotFound("breach notice"));
        }
        let sent = sends::Entity::find()
            .filter(sends::Column::NoticeId.eq(id))
            .limit(1)
            .all(c)
            .await
            .map_err(internal)?;
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

    pub async fn acknowledge(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        aware_at: Option<DateTime<Utc>>,
    ) -> Result<NoticeView, BreachError> {
        let now = store::now_micros();
        let aware = match aware_at {
            Some(t) => instant_in_range("aware_at", t, now)?,
            None => now,
        };
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let n = self.visible_row(&txn, scope, id).await?;
        if let Some(t) = n.acknowledged_at {
            return Err(BreachError::Precondition(format!(
                "the notice was already acknowledged at {}",
                proto::wire::timestamp(t)
            )));
        }
        let tenant = n.tenant_id.clone();
        let mut am: notices::ActiveModel = n.into();
        am.controller_aware_at = Set(Some(aware));
        am.acknowledged_at = Set(Some(now));
        am.acknowledged_by = Set(Some(actor.id.clone()));
        am.update(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "breach.notice.acknowledge", "breach_notice", id)
                .tenant(&tenant)
                .details(json!({ "aware_at": proto::wire::timestamp(aware) })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.notice(scope, id).await
    }

    pub async fn record_authority(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        i: AuthorityInput,
    ) -> Result<NoticeView, BreachError> {
        let now = store::now_micros();
        instant_in_range("notified_at", i.notified_at, now)?;
        let by_party = match scope {
            Scope::Tenant(_) => "controller",
            Scope::All => {
                let n = self.visible_row(&self.db, scope, id).await?;
                let terms = self.directory.terms_at(&n.tenant_id, now).await?;
                if !(terms.is_some_and(|t| t.processor_may_notify_authority)
                    || n.processor_may_notify)
                {
                    return Err(BreachError::Precondition(
                        "the agreement does not authorise the processor to notify the authority (seed 002 art. 17.17 is such a clause); the controller records its own notification with its token".into(),
                    ));
                }
                "processor"
            }
        };
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let n = self.visible_row(&txn, scope, id).await?;
        let v = self.notice(&Scope::All, id).await?;
        let facts: Vec<AuthorityFact> = v
            .authority
            .iter()
            .filter_map(|a| {
                AuthorityPhase::parse("phase", &a.phase)
                    .ok()
                    .map(|p| AuthorityFact {
                        phase: p,
                        notified_at: a.notified_at,
                    })
            })
            .collect();
        let late = check_authority(
            i.phase,
            i.notified_at,
            i.reasons_for_delay.as_deref(),
            &facts,
            v.authority_clock.strict,
        )?;
        let aid = new_id();
        authority::ActiveModel::from(authority::Model {
            id: aid.clone(),
            notice_id: n.id.clone(),
            tenant_id: n.tenant_id.clone(),
            phase: i.phase.as_str().into(),
            notified_at: i.notified_at,
            by_party: by_party.into(),
            reference: i.reference,
            reasons_for_delay: i.reasons_for_delay,
            late,
            recorded_at: now,
            recorded_by: actor.id.clone(),
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "breach.authority.record", "breach_notice", id)
                .tenant(&n.tenant_id)
                .details(json!({
                    "phase": i.phase.as_str(),
                    "by": by_party,
                    "late": late,
                    "notification_id": aid,
                })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.notice(scope, id).await
    }

    pub async fn decide_subjects(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        i: SubjectInput,
    ) -> Result<NoticeView, BreachError> {
        let now = store::now_micros();
        if let Some(t) = i.communicated_at {
            instant_in_range("communicated_at", t, now)?;
        }
        let txn = audit::begin(&self.db).await.map_err(internal)?;
        let n = self.visible_row(&txn, scope, id).await?;
        let inc = self.load(&n.incident_id, Some(&n.tenant_id)).await?;
        let a = inc
            .assessment
            .ok_or_else(|| internal("a sent notice has an assessment"))?
            .assessment;
        check_subject_choice(i.choice, i.details.as_deref(), i.communicated_at, &a)?;
        decisions::ActiveModel::from(decisions::Model {
            id: new_id(),
            notice_id: n.id.clone(),
            tenant_id: n.tenant_id.clone(),
            decision: i.choice.as_str().into(),
            details: i.details.unwrap_or_default(),
            communicated_at: i.communicated_at,
            decided_at: now,
            decided_by: actor.id.clone(),
        })
        .insert(&txn)
        .await
        .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "breach.subjects.decide", "breach_notice", id)
                .tenant(&n.tenant_id)
                .details(json!({ "decision": i.choice.as_str() })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.notice(scope, id).await
    }

    // ----- views over everything -----------------------------------------

    /// The incident as `scope` may see it: everything for admins and
    /// auditors; for a controller, its own sent notice only.
    pub async fn scoped(&self, scope: &Scope, id: &str) -> Result<IncidentView, BreachError> {
        let tenant = scope.filter(None);
        let mut v = self.load(id, tenant.as_deref()).await?;
        if tenant.is_some() {
            v.notices.retain(|n| !n.sends.is_empty());
            if v.notices.is_empty() {
                return Err(BreachError::NotFound("incident"));
            }
        }
        Ok(v)
    }

    /// Every incident, or for a controller those it was notified of.
    pub async fn register_views(
        &self,
        scope: &Scope,
        controller: Option<&str>,
    ) -> Result<Vec<IncidentView>, BreachError> {
        let tenant = scope.filter(controller);
        let ids: Vec<String> = match &tenant {
            None => incidents::Entity::find()
                .order_by_asc(incidents::Column::DiscoveredAt)
                .order_by_asc(incidents::Column::Id)
                .all(&self.db)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|i| i.id)
                .collect(),
            Some(t) => {
                let mut v: Vec<String> = notices::Entity::find()
                    .filter(notices::Column::TenantId.eq(t.clone()))
                    .all(&self.db)
                    .await
                    .map_err(internal)?
                    .into_iter()
                    .map(|n| n.incident_id)
                    .collect();
                v.sort();
                v.dedup();
                v
            }
        };
        let now = store::now_micros();
        let mut out: Vec<IncidentView> = self
            .facts(&ids, tenant.as_deref())
            .await?
            .iter()
            .map(|f| self.incident_view(f, now))
            .collect::<Result<_, _>>()?;
        if tenant.is_some() {
            // A controller filter shows that controller's notices; a
            // tenant-bound caller only those that reached it.
            for v in &mut out {
                if matches!(scope, Scope::Tenant(_)) {
                    v.notices.retain(|n| !n.sends.is_empty());
                } else {
                    v.notices.retain(|n| n.row.cancelled_at.is_none());
                }
            }
            out.retain(|v| !v.notices.is_empty());
        }
        out.sort_by(|a, b| (a.row.discovered_at, &a.row.id).cmp(&(b.row.discovered_at, &b.row.id)));
        Ok(out)
    }

    /// Incidents with something still to do, for DeadlineService: those
    /// not assessed, and confirmed ones with a notice not yet delivered
    /// or an authority notification not yet recorded.
    pub async fn open_views(&self, tenant: Option<&str>) -> Result<Vec<IncidentView>, BreachError> {
        let ids: Vec<String> = match tenant {
            None => incidents::Entity::find()
                .filter(incidents::Column::Status.ne(Status::Dismissed.as_str()))
                .all(&self.db)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|i| i.id)
                .collect(),
            Some(t) => {
                let mut v: Vec<String> = notices::Entity::find()
                    .filter(notices::Column::TenantId.eq(t))
                    .filter(notices::Column::CancelledAt.is_null())
                    .all(&self.db)
                    .await
                    .map_err(internal)?
                    .into_iter()
                    .map(|n| n.incident_id)
                    .collect();
                v.sort();
                v.dedup();
                v
            }
        };
        let now = store::now_micros();
        self.facts(&ids, tenant)
            .await?
            .iter()
            .map(|f| self.incident_view(f, now))
            .collect()
    }

    pub fn processor(&self) -> &ProcessorIdentity {
        &self.processor
    }

    pub async fn controller_info(
        &self,
        id: &str,
    ) -> Result<Option<crate::ports::ControllerInfo>, BreachError> {
        self.directory.controller(id).await.map_err(Into::into)
    }
}

/// The SLA when no agreement is in force: the rule's default, 24 hours.
pub const DEFAULT_SLA_HOURS: u32 = 24;

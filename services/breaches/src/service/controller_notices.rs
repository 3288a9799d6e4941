//! The notices to controllers: their body, the phased sends through the outbox,
//! the controllers' acknowledgements.

use super::*;

/// A send made ready: the notice, its phase and sequence, the body the
/// controller receives and the content items it lacks.
pub struct Prepared {
    pub notice: notices::Model,
    pub phase: Phase,
    pub sequence: i32,
    pub body: Value,
    pub missing: Vec<&'static str>,
}

impl crate::Breaches {
    /// The body of a send: every content item (unknown ones null), what is
    /// missing, and the clocks, for this controller only.
    pub(super) fn body(
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

    /// What a send of this notice would carry now: the body exactly as the
    /// controller will receive it (its phase and sequence too) and the items
    /// it lacks. Read on `conn`: inside the send's transaction, or alone
    /// for a preview. Refused as the send would be.
    async fn prepare(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        notice_id: &str,
        asserted: Option<Phase>,
        note: Option<&str>,
    ) -> Result<Prepared, BreachError> {
        let n = notices::Entity::find_by_id(notice_id.to_owned())
            .one(conn)
            .await?
            .ok_or(BreachError::NotFound("breach notice"))?;
        if n.cancelled_at.is_some() {
            return Err(BreachError::Precondition(
                "the notice is cancelled: its controller is no longer among the affected".into(),
            ));
        }
        let inc = self.incident_row(conn, &n.incident_id).await?;
        if inc.status != IncidentStatus::Confirmed.as_str() {
            return Err(BreachError::Precondition(format!(
                "the incident is {}; only a confirmed breach is notified (GDPR art. 33(2): a personal data breach, once the processor is aware of it)",
                inc.status
            )));
        }
        // The view as of now (inside the send's lock when it sends).
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
        let body = self.body(nv, &a, phase, sequence, note);
        let missing = nv.missing.iter().map(|i| i.key()).collect();
        Ok(Prepared {
            notice: n,
            phase,
            sequence,
            body,
            missing,
        })
    }

    /// The send a [`crate::Breaches::send`] would make now, not made: what
    /// the console shows before the person sends. Nothing is written.
    pub async fn preview(
        &self,
        notice_id: &str,
        asserted: Option<Phase>,
        note: Option<String>,
    ) -> Result<Prepared, BreachError> {
        self.prepare(&self.db, notice_id, asserted, note.as_deref())
            .await
    }

    pub async fn send(
        &self,
        actor: &Actor,
        notice_id: &str,
        asserted: Option<Phase>,
        note: Option<String>,
    ) -> Result<NoticeView, BreachError> {
        let txn = audit::begin(&self.db).await?;
        let Prepared {
            notice: n,
            phase,
            sequence,
            body,
            missing,
        } = self
            .prepare(&txn, notice_id, asserted, note.as_deref())
            .await?;
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
        .await?;
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
            missing: serde_json::to_string(&missing)?,
        })
        .insert(&txn)
        .await?;
        txn.commit_with(
            Record::new(actor, "breach.notice.send", "breach_notice", &n.id)
                .tenant(&n.tenant_id)
                .details(json!({
                    "phase": phase.as_str(),
                    "sequence": sequence,
                    "message_id": mid,
                    "missing": missing,
                })),
        )
        .await?;
        self.notice(&Scope::All, notice_id).await
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
        let txn = audit::begin(&self.db).await?;
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
        am.update(&txn).await?;
        txn.commit_with(
            Record::new(actor, "breach.notice.acknowledge", "breach_notice", id)
                .tenant(&tenant)
                .details(json!({ "aware_at": proto::wire::timestamp(aware) })),
        )
        .await?;
        self.notice(scope, id).await
    }
}

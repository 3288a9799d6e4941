//! An incident: reported, then assessed (each assessment a version; the
//! notices to the affected controllers follow from it).

use super::*;

impl crate::Breaches {
    pub async fn report(&self, actor: &Actor, n: NewIncident) -> Result<IncidentView, BreachError> {
        let now = store::now_micros();
        instant_in_range("discovered_at", n.discovered_at, now)?;
        let id = new_id();
        let txn = audit::begin(&self.db).await?;
        incidents::ActiveModel::from(incidents::Model {
            id: id.clone(),
            status: IncidentStatus::Reported.as_str().into(),
            discovered_at: n.discovered_at,
            discovered_by: n.discovered_by,
            description: n.description,
            systems: serde_json::to_string(&n.systems)?,
            internal_notes: n.internal_notes,
            reported_at: now,
            reported_by: actor.id.clone(),
            dismissal_basis: None,
            dismissal_reason: None,
            decided_at: None,
            decided_by: None,
        })
        .insert(&txn)
        .await?;
        txn.commit_with(
            Record::new(actor, "breach.incident.report", "breach_incident", &id)
                .details(json!({ "discovered_at": proto::wire::timestamp(n.discovered_at) })),
        )
        .await?;
        self.incident(&id).await
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
        let txn = audit::begin(&self.db).await?;
        let inc = self.incident_row(&txn, id).await?;
        let status = IncidentStatus::parse("status", &inc.status)?;
        let existing = notices::Entity::find()
            .filter(notices::Column::IncidentId.eq(id))
            .all(&txn)
            .await?;
        let sent: Vec<String> = sends::Entity::find()
            .filter(sends::Column::IncidentId.eq(id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|s| s.notice_id)
            .collect();
        match d {
            Decision::Dismiss { basis, reason } => {
                check_dismissal(status, sent.len())?;
                for n in existing.iter().filter(|n| n.cancelled_at.is_none()) {
                    let mut am: notices::ActiveModel = n.clone().into();
                    am.cancelled_at = Set(Some(now));
                    am.update(&txn).await?;
                }
                let mut am: incidents::ActiveModel = inc.into();
                am.status = Set(IncidentStatus::Dismissed.as_str().into());
                am.dismissal_basis = Set(Some(basis.as_str().into()));
                am.dismissal_reason = Set(Some(reason));
                am.decided_at = Set(Some(now));
                am.decided_by = Set(Some(actor.id.clone()));
                am.update(&txn).await?;
                audit::append(
                    &txn,
                    Record::new(actor, "breach.incident.dismiss", "breach_incident", id)
                        .details(json!({ "basis": basis.as_str() })),
                )
                .await?;
            }
            Decision::Confirm(a) => {
                if status == IncidentStatus::Dismissed {
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
                    .await?
                    .len() as i32
                    + 1;
                assessments::ActiveModel::from(assessments::Model {
                    id: new_id(),
                    incident_id: id.to_owned(),
                    version,
                    assessed_at: now,
                    assessed_by: actor.id.clone(),
                    body: serde_json::to_string(&a)?,
                })
                .insert(&txn)
                .await?;
                let mut added = Vec::new();
                for aff in &a.affected {
                    match existing.iter().find(|n| n.tenant_id == aff.controller_id) {
                        Some(n) if n.cancelled_at.is_some() => {
                            let mut am: notices::ActiveModel = n.clone().into();
                            am.cancelled_at = Set(None);
                            am.update(&txn).await?;
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
                            .await?;
                            audit::append(
                                &txn,
                                Record::new(actor, "breach.notice.create", "breach_notice", &nid)
                                    .tenant(&aff.controller_id)
                                    .details(json!({ "incident_id": id })),
                            )
                            .await?;
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
                    am.update(&txn).await?;
                    audit::append(
                        &txn,
                        Record::new(actor, "breach.notice.cancel", "breach_notice", &n.id)
                            .tenant(&n.tenant_id)
                            .details(json!({ "incident_id": id })),
                    )
                    .await?;
                }
                let first = status == IncidentStatus::Reported;
                let mut am: incidents::ActiveModel = inc.into();
                am.status = Set(IncidentStatus::Confirmed.as_str().into());
                if first {
                    am.decided_at = Set(Some(now));
                    am.decided_by = Set(Some(actor.id.clone()));
                }
                am.update(&txn).await?;
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
                .await?;
            }
        }
        txn.commit().await?;
        self.incident(id).await
    }
}

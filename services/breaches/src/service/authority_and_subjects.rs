//! The authority notification (where the processor may notify) and the art. 34
//! decision about the data subjects.

use super::*;

impl crate::Breaches {
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
                        "the agreement does not authorise the processor to notify the authority; the controller records its own notification".into(),
                    ));
                }
                "processor"
            }
        };
        let txn = audit::begin(&self.db).await?;
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
        .await?;
        txn.commit_with(
            Record::new(actor, "breach.authority.record", "breach_notice", id)
                .tenant(&n.tenant_id)
                .details(json!({
                    "phase": i.phase.as_str(),
                    "by": by_party,
                    "late": late,
                    "notification_id": aid,
                })),
        )
        .await?;
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
        let txn = audit::begin(&self.db).await?;
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
        .await?;
        txn.commit_with(
            Record::new(actor, "breach.subjects.decide", "breach_notice", id)
                .tenant(&n.tenant_id)
                .details(json!({ "decision": i.choice.as_str() })),
        )
        .await?;
        self.notice(scope, id).await
    }

    // ----- views over everything -----------------------------------------
}

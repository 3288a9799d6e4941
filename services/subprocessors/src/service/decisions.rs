//! The controllers' decisions: annex authorisations, objections within the
//! window, their resolution, specific approvals.

use super::*;

impl Subprocessors {
    /// Records the controller's written authorisation outside a notice
    /// (the list annexed to the agreement).
    pub async fn authorise(
        &self,
        actor: &Actor,
        scope: &Scope,
        tenant: &str,
        sub_id: &str,
        reference: &str,
        effective_from: DateTime<Utc>,
    ) -> Result<Authorisation, SubprocessorError> {
        in_scope(scope, tenant)?;
        self.sub_row(&self.db, sub_id).await?;
        if self.terms(tenant, store::now_micros()).await?.is_none() {
            return Err(SubprocessorError::Precondition(
                "the controller has no processing agreement in force; activate one first".into(),
            ));
        }
        let txn = audit::begin(&self.db).await?;
        let dup = grants::Entity::find()
            .filter(grants::Column::TenantId.eq(tenant.to_owned()))
            .filter(grants::Column::SubprocessorId.eq(sub_id.to_owned()))
            .filter(grants::Column::Basis.eq("annex"))
            .one(&txn)
            .await?;
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
        .await?;
        txn.commit_with(
            Record::new(actor, "subprocessor.authorise", "subprocessor", sub_id)
                .tenant(tenant)
                .details(json!({ "authorisation": g.id, "basis": "annex" })),
        )
        .await?;
        Ok(to_grant(g))
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
        let txn = audit::begin(&self.db).await?;
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
        .await?;
        txn.commit_with(
            Record::new(
                actor,
                "subprocessor.objection",
                "subprocessor_notice",
                &n.id,
            )
            .tenant(&n.tenant_id)
            .details(json!({ "objection": o.id })),
        )
        .await?;
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
        let txn = audit::begin(&self.db).await?;
        let o = objections::Entity::find_by_id(objection_id.to_owned())
            .one(&txn)
            .await?
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
        let o = am.update(&txn).await?;
        txn.commit_with(
            Record::new(
                actor,
                "subprocessor.objection_resolved",
                "subprocessor_notice",
                &notice,
            )
            .tenant(&tenant)
            .details(json!({ "objection": objection_id, "resolution": resolution.as_str() })),
        )
        .await?;
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
        let txn = audit::begin(&self.db).await?;
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
        am.update(&txn).await?;
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
            .await?;
        }
        txn.commit_with(
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
        .await?;
        self.get_notice(scope, notice_id).await
    }
}

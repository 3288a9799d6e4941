//! Change notices: a proposed change, one notice per controller through the
//! outbox, their reads.

use super::*;

impl Subprocessors {
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
        let txn = audit::begin(&self.db).await?;
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
        .await?;
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
        .await?;
        let on = legal_time::period::local_date(now);
        let described = |s: &subs::Model| {
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
                "subprocessor": described(&sub),
                "replaces": replaced.as_ref().map(described),
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
            .await?;
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
            .await?;
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
            .await?;
        }
        txn.commit().await?;
        self.get_change(&Scope::All, &change_id).await
    }

    pub async fn get_change(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<ChangeView, SubprocessorError> {
        let c = changes::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(SubprocessorError::NotFound("change"))?;
        let mut q = notices::Entity::find().filter(notices::Column::ChangeId.eq(id.to_owned()));
        if let Scope::Tenant(t) = scope {
            q = q.filter(notices::Column::TenantId.eq(t.clone()));
        }
        let rows = q.order_by_asc(notices::Column::Id).all(&self.db).await?;
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
            .await?;
        let facts = self.complete(Vec::new(), rows.clone()).await?;
        self.views(&facts, &rows, store::now_micros()).await
    }

    pub(super) async fn notice_row<C: ConnectionTrait>(
        &self,
        c: &C,
        scope: &Scope,
        id: &str,
    ) -> Result<notices::Model, SubprocessorError> {
        notices::Entity::find_by_id(id.to_owned())
            .one(c)
            .await?
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
}

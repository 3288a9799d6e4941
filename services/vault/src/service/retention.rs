//! Retention: the tenant's policy, the retention date of a candidate, legal
//! holds that suspend it.

use super::*;

impl Vault {
    pub async fn policy(&self, tenant: &str) -> Result<Policy, VaultError> {
        policy_of(&self.main, tenant).await
    }

    pub(super) fn apply_retention(
        row: &mut candidates::Model,
        policy: &Policy,
    ) -> Result<(), VaultError> {
        let inputs = RetentionInputs {
            status: CandidateStatus::parse(&row.status).unwrap_or(CandidateStatus::Open),
            closed_on: row.closed_on,
            talent_pool: row.consent == Consent::TalentPool.as_str(),
            consent_withdrawn_on: row.consent_withdrawn_on,
        };
        match delete_after(&inputs, policy)? {
            Some((t, basis)) => {
                row.delete_after = Some(t);
                row.retention_basis = Some(basis);
            }
            None => {
                row.delete_after = None;
                row.retention_basis = None;
            }
        }
        Ok(())
    }

    /// A hold can still rescue a candidate that is past `delete_after` but not
    /// yet claimed for erasure; once claimed, erasure is under way.
    pub async fn place_hold(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: &str,
    ) -> Result<Candidate, VaultError> {
        let txn = audit::begin(&self.main).await?;
        let row = candidates::Entity::find_by_id(id.to_owned())
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(VaultError::NotFound)?;
        if !scope.allows(&row.tenant_id) {
            return Err(VaultError::NotFound);
        }
        if row.legal_hold {
            return Err(VaultError::Precondition(
                "a legal hold is already in place".into(),
            ));
        }
        // Conditional on "not claimed": a claim and a hold can never both win.
        let set = candidates::Entity::update_many()
            .col_expr(candidates::Column::LegalHold, Expr::value(true))
            .col_expr(candidates::Column::HoldReason, Expr::value(reason))
            .col_expr(
                candidates::Column::UpdatedAt,
                Expr::value(store::now_micros()),
            )
            .filter(candidates::Column::Id.eq(id))
            .filter(candidates::Column::ShredClaimedAt.is_null())
            .exec(&txn)
            .await?;
        if set.rows_affected != 1 {
            return Err(VaultError::Precondition(
                "erasure of this candidate is already under way; it cannot be held".into(),
            ));
        }
        audit::append(
            &txn,
            Record::new(actor, "candidate.hold", "candidate", id)
                .tenant(&row.tenant_id)
                .reason(reason),
        )
        .await?;
        let saved = candidates::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .ok_or(VaultError::NotFound)?;
        txn.commit().await?;
        saved.try_into()
    }

    pub async fn release_hold(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: &str,
    ) -> Result<Candidate, VaultError> {
        self.change(
            actor,
            scope,
            id,
            "candidate.hold_released",
            Some(reason.to_owned()),
            |row| {
                if !row.legal_hold {
                    return Err(VaultError::Precondition("no legal hold is in place".into()));
                }
                row.legal_hold = false;
                row.hold_reason = None;
                Ok(json!({}))
            },
        )
        .await
    }

    /// Sets the tenant's policy and recomputes its candidates' retention;
    /// returns the instant the policy took effect.
    pub async fn set_policy(
        &self,
        actor: &Actor,
        tenant: &str,
        p: Policy,
    ) -> Result<DateTime<Utc>, VaultError> {
        let txn = audit::begin(&self.main).await?;
        let model = retention_policies::Model {
            tenant_id: tenant.to_owned(),
            rejected_weeks: p.rejected_weeks as i32,
            talent_pool_months: p.talent_pool_months as i32,
            hired_months: p.hired_months as i32,
            anchor: p.anchor.as_str().into(),
            updated_at: store::now_micros(),
        };
        retention_policies::Entity::insert(retention_policies::ActiveModel::from(model.clone()))
            .on_conflict(
                OnConflict::column(retention_policies::Column::TenantId)
                    .update_columns([
                        retention_policies::Column::RejectedWeeks,
                        retention_policies::Column::TalentPoolMonths,
                        retention_policies::Column::HiredMonths,
                        retention_policies::Column::Anchor,
                        retention_policies::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        // delete_after follows every input change, the policy included.
        let mut after = String::new();
        let mut recomputed = 0u64;
        loop {
            let batch = candidates::Entity::find()
                .filter(candidates::Column::TenantId.eq(tenant))
                .filter(candidates::Column::ClosedOn.is_not_null())
                .filter(candidates::Column::ShredClaimedAt.is_null())
                .filter(candidates::Column::Id.gt(after.clone()))
                .order_by_asc(candidates::Column::Id)
                .limit(1000)
                .all(&txn)
                .await?;
            if batch.is_empty() {
                break;
            }
            for mut row in batch {
                after = row.id.clone();
                let before = (row.delete_after, row.retention_basis.clone());
                Self::apply_retention(&mut row, &p)?;
                if (row.delete_after, row.retention_basis.clone()) != before {
                    candidates::ActiveModel::from(row)
                        .reset_all()
                        .update(&txn)
                        .await?;
                    recomputed += 1;
                }
            }
        }
        txn.commit_with(Record::new(actor, "retention_policy.set", "retention_policy", tenant)
                .tenant(tenant)
                .details(json!({ "rejected_weeks": p.rejected_weeks, "talent_pool_months": p.talent_pool_months, "hired_months": p.hired_months, "anchor": p.anchor.as_str(), "recomputed": recomputed }))).await?;
        Ok(model.updated_at)
    }
}

/// The tenant's retention policy as `db` sees it (the default when none is set).
pub(super) async fn policy_of<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
) -> Result<Policy, VaultError> {
    let row = retention_policies::Entity::find_by_id(tenant.to_owned())
        .one(db)
        .await?;
    Ok(match row {
        Some(r) => Policy {
            rejected_weeks: r.rejected_weeks as u32,
            talent_pool_months: r.talent_pool_months as u32,
            hired_months: r.hired_months as u32,
            anchor: Anchor::parse(&r.anchor).unwrap_or(Anchor::RejectionCommunicated),
        },
        None => Policy::default(),
    })
}

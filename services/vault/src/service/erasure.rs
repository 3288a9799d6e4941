//! Erasure: one candidate on request, and the sweep of what is due (claim with
//! a lease, crypto-shred, certify), each recorded in the shred ledger first.

use super::*;

/// What `ListDeletionCertificates` filters on: one tenant, a reference
/// prefix, erasures at or after `from` and before `until`.
#[derive(Debug, Clone, Copy)]
pub struct CertificateFilter<'a> {
    pub tenant: &'a str,
    pub ref_prefix: Option<&'a str>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Vault {
    /// Erases one candidate now. Refused while a legal hold is in place.
    pub async fn erase(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: EraseReason,
        reference: &str,
    ) -> Result<DeletionCertificate, VaultError> {
        let now = store::now_micros();
        let txn = audit::begin(&self.main).await?;
        let row = self.find_visible_locked(&txn, scope, id).await?;
        if row.legal_hold {
            return Err(VaultError::Precondition(format!(
                "a legal hold is in place ({}); release it first",
                row.hold_reason.clone().unwrap_or_default()
            )));
        }
        let basis = format!(
            "{} by {}{}",
            reason.as_str(),
            actor.id,
            if reference.is_empty() {
                String::new()
            } else {
                format!(": {reference}")
            }
        );
        let claimed = candidates::Entity::update_many()
            .col_expr(candidates::Column::ShredClaimedAt, Expr::value(now))
            .col_expr(
                candidates::Column::ClaimedUntil,
                Expr::value(now + chrono::Duration::from_std(self.lease).unwrap_or_default()),
            )
            .col_expr(
                candidates::Column::ShredReason,
                Expr::value(reason.as_str()),
            )
            .col_expr(candidates::Column::ShredBasis, Expr::value(basis.clone()))
            .filter(candidates::Column::Id.eq(id))
            .filter(candidates::Column::ShredClaimedAt.is_null())
            .filter(candidates::Column::LegalHold.eq(false))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(VaultError::NotFound);
        }
        txn.commit_with(
            Record::new(actor, "candidate.erase_requested", "candidate", id)
                .tenant(&row.tenant_id)
                .reason(reason.as_str())
                .details(json!({ "reference_given": !reference.is_empty() })),
        )
        .await?;
        self.shred(
            actor,
            vec![Claimed {
                id: id.to_owned(),
                tenant_id: row.tenant_id.clone(),
                reason: reason.as_str().into(),
                basis,
            }],
        )
        .await?;
        self.certificate(scope, id).await
    }

    /// Erased and due candidates per day of `[from, to]`, within `scope`.
    pub async fn erasure_stats(
        &self,
        scope: &Scope,
        tenant: Option<&str>,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, u64, u64)>, VaultError> {
        let lo = legal_time::period::start_of_day(from) - chrono::Duration::days(1);
        let hi = legal_time::period::start_of_day(to) + chrono::Duration::days(2);
        let Ok(tenant) = scope.listing(tenant) else {
            return Ok(Vec::new());
        };
        let mut q = deletion_certificates::Entity::find()
            .select_only()
            .column(deletion_certificates::Column::ShreddedAt)
            .filter(deletion_certificates::Column::ShreddedAt.gte(lo))
            .filter(deletion_certificates::Column::ShreddedAt.lt(hi));
        if let Some(t) = &tenant {
            q = q.filter(deletion_certificates::Column::TenantId.eq(t.clone()));
        }
        let erased: Vec<DateTime<Utc>> = q.into_tuple().all(&self.main).await?;
        let mut q = candidates::Entity::find()
            .select_only()
            .column(candidates::Column::DeleteAfter)
            .filter(candidates::Column::DeleteAfter.gte(lo))
            .filter(candidates::Column::DeleteAfter.lt(hi))
            .filter(candidates::Column::LegalHold.eq(false));
        if let Some(t) = &tenant {
            q = q.filter(candidates::Column::TenantId.eq(t.clone()));
        }
        let due: Vec<Option<DateTime<Utc>>> = q.into_tuple().all(&self.main).await?;
        Ok(crate::domain::erasure_days(
            erased,
            due.into_iter().flatten(),
            from,
            to,
        ))
    }

    pub async fn certificate(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<DeletionCertificate, VaultError> {
        let c = deletion_certificates::Entity::find_by_id(id.to_owned())
            .one(&self.main)
            .await?
            .ok_or(VaultError::NotFound)?;
        if !scope.allows(&c.tenant_id) {
            return Err(VaultError::NotFound);
        }
        Ok(c.into())
    }

    /// A tenant's deletion certificates, newest first (erasure instant, then
    /// candidate id, descending), after `before` (the last of the previous
    /// page), and how many the filter admits when `count` is set.
    pub async fn list_certificates(
        &self,
        f: &CertificateFilter<'_>,
        before: Option<(DateTime<Utc>, &str)>,
        limit: u64,
        count: bool,
    ) -> Result<(Vec<DeletionCertificate>, Option<u64>), VaultError> {
        use deletion_certificates::Column as C;
        use sea_orm::{Condition, PaginatorTrait};
        let mut q = deletion_certificates::Entity::find().filter(C::TenantId.eq(f.tenant));
        if let Some(p) = f.ref_prefix {
            q = q.filter(C::ExternalRef.like(store::like_prefix(p)));
        }
        if let Some(t) = f.from {
            q = q.filter(C::ShreddedAt.gte(t));
        }
        if let Some(t) = f.until {
            q = q.filter(C::ShreddedAt.lt(t));
        }
        let total = if count {
            Some(q.clone().count(&self.main).await?)
        } else {
            None
        };
        if let Some((t, id)) = before {
            q = q.filter(
                Condition::any().add(C::ShreddedAt.lt(t)).add(
                    Condition::all()
                        .add(C::ShreddedAt.eq(t))
                        .add(C::CandidateId.lt(id)),
                ),
            );
        }
        let rows = q
            .order_by_desc(C::ShreddedAt)
            .order_by_desc(C::CandidateId)
            .limit(limit)
            .all(&self.main)
            .await?;
        Ok((
            rows.into_iter().map(DeletionCertificate::from).collect(),
            total,
        ))
    }

    /// Claims due candidates for erasure: the point of no return. A claim
    /// whose lease ran out (its worker died) is taken over. On PostgreSQL,
    /// `FOR UPDATE SKIP LOCKED` lets several workers claim side by side.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Claimed>, VaultError> {
        let until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let pg = store::is_postgres(&self.main);
        let (f, lock) = if pg {
            ("false", " FOR UPDATE SKIP LOCKED")
        } else {
            ("0", "")
        };
        // The inner UNION is two index range scans (expired claims, due
        // rows), so the cost follows what is due, not what is stored. The
        // outer predicate is re-checked on the locked row version, so a hold
        // or claim that committed meanwhile is respected.
        let sql = format!(
            "UPDATE candidates SET \
               shred_claimed_at = COALESCE(shred_claimed_at, $1), \
               claimed_until = $2, \
               shred_reason = COALESCE(shred_reason, 'retention'), \
               shred_basis = COALESCE(shred_basis, retention_basis) \
             WHERE id IN ( \
               SELECT id FROM candidates \
               WHERE id IN ( \
                 SELECT id FROM (SELECT id FROM candidates WHERE shred_claimed_at IS NOT NULL AND claimed_until < $1 LIMIT $3) AS expired \
                 UNION ALL \
                 SELECT id FROM (SELECT id FROM candidates WHERE delete_after <= $1 AND legal_hold = {f} AND shred_claimed_at IS NULL LIMIT $3) AS due \
               ) \
               AND ((shred_claimed_at IS NOT NULL AND claimed_until < $1) \
                    OR (shred_claimed_at IS NULL AND delete_after <= $1 AND legal_hold = {f})) \
               LIMIT $3{lock}) \
             RETURNING id, tenant_id, shred_reason, shred_basis"
        );
        let values: Vec<sea_orm::Value> = vec![now.into(), until.into(), (limit as i64).into()];
        let stmt = Statement::from_sql_and_values(self.main.get_database_backend(), sql, values);
        let rows = self.main.query_all_raw(stmt).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Claimed {
                    id: r.try_get("", "id")?,
                    tenant_id: r.try_get("", "tenant_id")?,
                    reason: r
                        .try_get::<Option<String>>("", "shred_reason")?
                        .unwrap_or_else(|| "retention".into()),
                    basis: r
                        .try_get::<Option<String>>("", "shred_basis")?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Crypto-shreds claimed candidates: ledger entries and DEK destruction in
    /// one key-store transaction (after which the data is noise), then the
    /// ledger file, then the rows, certificates and audit entries.
    pub async fn shred(
        &self,
        actor: &Actor,
        claimed: Vec<Claimed>,
    ) -> Result<ReconcileReport, VaultError> {
        if claimed.is_empty() {
            return Ok(ReconcileReport::default());
        }
        let ids: Vec<String> = claimed.iter().map(|c| c.id.clone()).collect();
        let txn = begin_write(&self.keys.db).await?;
        let done: HashSet<String> = shred_ledger::Entity::find()
            .filter(shred_ledger::Column::CandidateId.is_in(ids.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| r.candidate_id)
            .collect();
        let head = shred_ledger::Entity::find()
            .order_by_desc(shred_ledger::Column::Seq)
            .one(&txn)
            .await?;
        let (mut seq, mut prev) = head
            .map(|h| (h.seq, h.hash))
            .unwrap_or((0, store::GENESIS_HASH.to_owned()));
        let now = store::now_micros();
        let mut rows = Vec::new();
        for c in claimed.iter().filter(|c| !done.contains(&c.id)) {
            seq += 1;
            let mut e = Entry {
                seq,
                candidate_id: c.id.clone(),
                tenant_id: c.tenant_id.clone(),
                reason: c.reason.clone(),
                basis: c.basis.clone(),
                shredded_at: now,
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            prev = e.hash.clone();
            rows.push(entry_model(&e));
        }
        for chunk in rows.chunks(500) {
            shred_ledger::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        candidate_deks::Entity::delete_many()
            .filter(candidate_deks::Column::CandidateId.is_in(ids))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.reconcile(actor).await
    }

    /// One full retention sweep: reconcile, then claim and shred batches
    /// until nothing is due.
    pub async fn sweep(&self, actor: &Actor, batch: u64) -> Result<SweepReport, VaultError> {
        self.sweep_with(actor, batch, &|_| {}).await
    }

    /// [`Self::sweep`], telling `shredded_batch` after each batch how many
    /// candidates it shredded.
    pub async fn sweep_with(
        &self,
        actor: &Actor,
        batch: u64,
        shredded_batch: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<SweepReport, VaultError> {
        let mut report = SweepReport {
            reconcile: self.reconcile(actor).await?,
            ..Default::default()
        };
        loop {
            let claimed = self.claim_due(store::now_micros(), batch).await?;
            if claimed.is_empty() {
                break;
            }
            report.batches += 1;
            report.claimed += claimed.len() as u64;
            metrics::counter!("custodian_sweep_batches_total").increment(1);
            metrics::counter!("custodian_sweep_claimed_total").increment(claimed.len() as u64);
            let r = self.shred(actor, claimed).await?;
            report.shredded += r.applied_to_main;
            metrics::counter!("custodian_sweep_shredded_total").increment(r.applied_to_main);
            shredded_batch(r.applied_to_main);
        }
        Ok(report)
    }
}

//! The erasure fence: whatever the shred ledger says is gone is shredded again
//! (keys in the key store, rows in the main database), at every start and before
//! every sweep, so a restored backup cannot bring a candidate back.

use super::*;

/// A DEK with no candidate row is an orphan once it is this old: a
/// `PutCandidates` makes its keys first and its rows after, so a younger
/// one may belong to a call still under way.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(3600);
/// DEKs looked at by one reconcile; the collector goes round the key store
/// a page a pass.
pub const ORPHAN_PAGE: u64 = 2_000;

impl Vault {
    /// Looks at the next `page` DEKs older than [`ORPHAN_GRACE`] (their
    /// candidate ids are UUIDv7, so their age is in the id) and deletes those
    /// whose candidate has no row in the main database: the keys of a
    /// `PutCandidates` that failed after its keys were made (a full disk, a
    /// database outage) and whose clean-up failed too. Such a key protects
    /// nothing; removing it is not an erasure (no candidate existed), so it
    /// is counted (`custodian_vault_orphan_deks_total`), not put in the
    /// ledger. Goes round the key store a page a call; returns how many went.
    pub async fn collect_orphan_deks(&self, page: u64) -> Result<u64, VaultError> {
        let cutoff = {
            let ms = (chrono::Utc::now()
                - chrono::Duration::from_std(ORPHAN_GRACE).unwrap_or_default())
            .timestamp_millis()
            .max(0) as u64;
            // The smallest UUIDv7 of that millisecond: every id below it is older.
            uuid::Builder::from_unix_timestamp_millis(ms, &[0u8; 10])
                .into_uuid()
                .hyphenated()
                .to_string()
        };
        let mut cursor = self.orphan_cursor.lock().await;
        let mut q = candidate_deks::Entity::find()
            .select_only()
            .column(candidate_deks::Column::CandidateId)
            .filter(candidate_deks::Column::CandidateId.lt(cutoff.clone()))
            .order_by_asc(candidate_deks::Column::CandidateId)
            .limit(page);
        if let Some(after) = cursor.as_ref() {
            q = q.filter(candidate_deks::Column::CandidateId.gt(after.clone()));
        }
        let ids: Vec<String> = q.into_tuple().all(&self.keys.db).await?;
        *cursor = match ids.last() {
            Some(last) if ids.len() as u64 == page => Some(last.clone()),
            // The end: round again from the start next time.
            _ => None,
        };
        drop(cursor);
        if ids.is_empty() {
            return Ok(0);
        }
        let mut present: HashSet<String> = HashSet::new();
        for chunk in ids.chunks(500) {
            let found: Vec<String> = candidates::Entity::find()
                .select_only()
                .column(candidates::Column::Id)
                .filter(candidates::Column::Id.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(&self.main)
                .await?;
            present.extend(found);
        }
        let orphans: Vec<String> = ids.into_iter().filter(|i| !present.contains(i)).collect();
        if orphans.is_empty() {
            return Ok(0);
        }
        // Checked again inside the key store's write transaction against
        // the main database's rows at that moment would need both databases
        // in one transaction; the grace period stands in for it.
        let gone = candidate_deks::Entity::delete_many()
            .filter(candidate_deks::Column::CandidateId.is_in(orphans.iter().cloned()))
            .filter(candidate_deks::Column::CandidateId.lt(cutoff))
            .exec(&self.keys.db)
            .await?
            .rows_affected;
        metrics::counter!("custodian_vault_orphan_deks_total").increment(gone);
        tracing::info!(
            removed = gone,
            "orphan DEKs removed (keys of candidates never stored)"
        );
        Ok(gone)
    }

    /// Moves ledger entries file → key store → file → main (see `ledger`),
    /// then into the ledger's Merkle tree (a signed checkpoint).
    pub async fn reconcile(&self, actor: &Actor) -> Result<ReconcileReport, VaultError> {
        let mut report = self.reconcile_file().await?;
        report.add(self.reconcile_main(actor).await?);
        report.orphan_deks += self.collect_orphan_deks(ORPHAN_PAGE).await?;
        // The Merkle tree and a signed checkpoint of what is new.
        if self.trees.load(std::sync::atomic::Ordering::Relaxed) {
            self.extend_tree().await?;
            // The audit trees: a refusal (the log no longer matches what
            // was signed) is logged and counted, and must not stop the
            // erasures.
            if let Err(e) = self
                .extend_audit_by(Some(super::audit_tree::AUDIT_PASS_LIMIT))
                .await
            {
                tracing::error!(error = %e, "the audit trees were not extended");
            }
        }
        Ok(report)
    }

    pub(super) async fn reconcile_file(&self) -> Result<ReconcileReport, VaultError> {
        let _guard = self.ledger_lock.lock().await;
        let mut report = ReconcileReport::default();
        let mut held = self.ledger.lock().await?;
        let state = keystore_state::Entity::find_by_id(1)
            .one(&self.keys.db)
            .await?
            .ok_or_else(|| internal("keystore_state missing"))?;
        let tail = held.read_from(state.ledger_file_offset as u64).await?;
        let mut file_seq = tail.last_seq.unwrap_or(state.ledger_file_seq);
        let mut offset = tail.end;
        let mut erased = Vec::new();
        if !tail.entries.is_empty() {
            // The file knows shreds this key store does not: it was restored.
            let txn = begin_write(&self.keys.db).await?;
            for e in &tail.entries {
                match shred_ledger::Entity::find_by_id(e.seq).one(&txn).await? {
                    Some(r) if r.candidate_id == e.candidate_id => {}
                    Some(r) => {
                        return Err(internal(format!(
                            "ledger conflict at seq {}: file says {}, key store says {}",
                            e.seq, e.candidate_id, r.candidate_id
                        )));
                    }
                    None => {
                        entry_model(e).insert(&txn).await?;
                        report.restored_ledger_entries += 1;
                    }
                }
                match e.subject() {
                    Subject::Candidate(id) => {
                        let gone = candidate_deks::Entity::delete_by_id(id.to_owned())
                            .exec(&txn)
                            .await?;
                        report.reshredded_keys += gone.rows_affected;
                    }
                    Subject::Tenant(t) => {
                        // A tenant erasure the restored key store lost: its
                        // keys came back with the backup; destroy them again
                        // and put the fence back.
                        let had_keys = tenant_keks::Entity::find()
                            .filter(tenant_keks::Column::TenantId.eq(t))
                            .count(&txn)
                            .await?;
                        let fence =
                            crate::keys::destroy_tenant_keys(&txn, t, e.shredded_at).await?;
                        if had_keys > 0 {
                            report.reshredded_keys += fence.keys_destroyed.max(0) as u64;
                            report.reerased_tenants += 1;
                        }
                        erased.push(t.to_owned());
                    }
                }
                file_seq = file_seq.max(e.seq);
            }
            txn.commit().await?;
            for t in &erased {
                self.keys.forget(t);
            }
        }
        // Entries the key store has that the file lacks (a crash between the
        // two, or the first run): append them.
        loop {
            let missing = shred_ledger::Entity::find()
                .filter(shred_ledger::Column::Seq.gt(file_seq))
                .order_by_asc(shred_ledger::Column::Seq)
                .limit(5000)
                .all(&self.keys.db)
                .await?;
            if missing.is_empty() {
                break;
            }
            let entries: Vec<Entry> = missing.into_iter().map(model_entry).collect();
            offset = held.append(&entries).await?;
            file_seq = entries.last().map(|e| e.seq).unwrap_or(file_seq);
            report.appended_to_file += entries.len() as u64;
        }
        // The appends are durable before the key store's mark moves past
        // them (the shared table commits here); a crash in between only
        // makes the next pass read them again.
        held.release().await?;
        if offset as i64 != state.ledger_file_offset || file_seq != state.ledger_file_seq {
            keystore_state::ActiveModel {
                id: Set(1),
                ledger_file_offset: Set(offset as i64),
                ledger_file_seq: Set(file_seq),
            }
            .update(&self.keys.db)
            .await?;
        }
        Ok(report)
    }

    pub(super) async fn reconcile_main(
        &self,
        actor: &Actor,
    ) -> Result<ReconcileReport, VaultError> {
        let mut report = ReconcileReport::default();
        loop {
            let txn = audit::begin(&self.main).await?;
            let applied = vault_state::Entity::find_by_id(1)
                .one(&txn)
                .await?
                .map(|s| s.applied_seq)
                .unwrap_or(0);
            let entries = shred_ledger::Entity::find()
                .filter(shred_ledger::Column::Seq.gt(applied))
                .order_by_asc(shred_ledger::Column::Seq)
                .limit(1000)
                .all(&self.keys.db)
                .await?;
            if entries.is_empty() {
                txn.rollback().await?;
                break;
            }
            // Tenant erasures: every row of the tenant goes (again, after a
            // restore of the main database); they have no candidate
            // certificate (the switching certificate is theirs).
            let (tenant_entries, entries): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| {
                matches!(crate::ledger::subject(&e.candidate_id), Subject::Tenant(_))
            });
            for e in &tenant_entries {
                let rows = purge_tenant_rows(&txn, &e.tenant_id).await?;
                let n: u64 = rows.iter().map(|(_, n)| n).sum();
                if n > 0 {
                    report.removed_rows += n;
                    audit::append(
                        &txn,
                        Record::new(actor, "vault.tenant_erased", "tenant", &e.tenant_id)
                            .tenant(&e.tenant_id)
                            .details(json!({
                                "ledger_seq": e.seq,
                                "reapplied": true,
                                "rows_deleted": rows.iter().map(|(t, n)| json!({ "table": t, "rows": n })).collect::<Vec<_>>(),
                            })),
                    )
                    .await
                    ?;
                }
            }
            let last_seq = tenant_entries
                .iter()
                .chain(entries.iter())
                .map(|e| e.seq)
                .max()
                .unwrap_or(applied);
            let applied_now = (tenant_entries.len() + entries.len()) as u64;
            let ids: Vec<String> = entries.iter().map(|e| e.candidate_id.clone()).collect();
            // Only what the certificates need: not the sealed profiles.
            let present: BTreeMap<String, String> = candidates::Entity::find()
                .select_only()
                .column(candidates::Column::Id)
                .column(candidates::Column::ExternalRef)
                .filter(candidates::Column::Id.is_in(ids.clone()))
                .into_tuple::<(String, String)>()
                .all(&txn)
                .await?
                .into_iter()
                .collect();
            let existing_certs: HashSet<String> = deletion_certificates::Entity::find()
                .filter(deletion_certificates::Column::CandidateId.is_in(ids.clone()))
                .all(&txn)
                .await?
                .into_iter()
                .map(|c| c.candidate_id)
                .collect();
            candidate_index::Entity::delete_many()
                .filter(candidate_index::Column::CandidateId.is_in(ids.clone()))
                .exec(&txn)
                .await?;
            candidate_documents::Entity::delete_many()
                .filter(candidate_documents::Column::CandidateId.is_in(ids.clone()))
                .exec(&txn)
                .await?;
            let removed = candidates::Entity::delete_many()
                .filter(candidates::Column::Id.is_in(ids.clone()))
                .exec(&txn)
                .await?;
            report.removed_rows += removed.rows_affected;
            let certs: Vec<deletion_certificates::ActiveModel> = entries
                .iter()
                .filter(|e| !existing_certs.contains(&e.candidate_id))
                .map(|e| {
                    deletion_certificates::ActiveModel::from(deletion_certificates::Model {
                        candidate_id: e.candidate_id.clone(),
                        tenant_id: e.tenant_id.clone(),
                        external_ref: present.get(&e.candidate_id).cloned().unwrap_or_default(),
                        reason: e.reason.clone(),
                        basis: e.basis.clone(),
                        shredded_at: e.shredded_at,
                        ledger_seq: e.seq,
                        ledger_hash: e.hash.clone(),
                    })
                })
                .collect();
            for chunk in certs.chunks(500) {
                deletion_certificates::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
            // One audit entry per tenant per batch, listing the ids.
            let mut by_tenant: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for e in &entries {
                if present.contains_key(&e.candidate_id) {
                    by_tenant
                        .entry(e.tenant_id.as_str())
                        .or_default()
                        .push(e.candidate_id.clone());
                }
            }
            for (tenant, ids) in by_tenant {
                let object = if ids.len() == 1 {
                    ids[0].clone()
                } else {
                    format!("batch of {}", ids.len())
                };
                audit::append(
                    &txn,
                    Record::new(actor, "candidate.shred", "candidate", &object)
                        .tenant(tenant)
                        .details(ids_json(&ids)),
                )
                .await?;
            }
            vault_state::Entity::update_many()
                .col_expr(vault_state::Column::AppliedSeq, Expr::value(last_seq))
                .filter(vault_state::Column::Id.eq(1))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            report.applied_to_main += applied_now;
        }
        Ok(report)
    }
}

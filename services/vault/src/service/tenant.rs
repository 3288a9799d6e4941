//! A tenant as a whole: the decrypted pages of its Data Act export, the export's
//! own key and its sealed chunks, and its crypto-shredding after a switch.

use super::*;

impl Vault {
    /// One page of a tenant's candidates, decrypted, for the Data Act export
    /// bundle: every stored candidate not claimed for erasure (restricted and
    /// held ones too: the data goes back to its controller), in id order
    /// after `after`. Reads are not audited one by one: the export is
    /// audited once by its caller, with the count and the manifest's hash.
    pub async fn export_page(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<(Candidate, Payload)>, VaultError> {
        let mut q = candidates::Entity::find()
            .filter(candidates::Column::TenantId.eq(tenant))
            .filter(candidates::Column::ShredClaimedAt.is_null());
        if let Some(a) = after {
            q = q.filter(candidates::Column::Id.gt(a));
        }
        let rows = q
            .order_by_asc(candidates::Column::Id)
            .limit(limit)
            .all(&self.main)
            .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let deks = self.keys.deks(tenant, &ids).await?;
        let with_cv: Vec<String> = rows
            .iter()
            .filter(|r| r.cv_size > 0)
            .map(|r| r.id.clone())
            .collect();
        let mut docs: std::collections::HashMap<String, Vec<u8>> = if with_cv.is_empty() {
            Default::default()
        } else {
            candidate_documents::Entity::find()
                .filter(candidate_documents::Column::CandidateId.is_in(with_cv))
                .all(&self.main)
                .await?
                .into_iter()
                .map(|d| (d.candidate_id, d.body))
                .collect()
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            // A DEK destroyed meanwhile (an erasure that won the race): skip.
            let Some(dek) = deks.get(&row.id) else {
                continue;
            };
            let profile_bytes = zeroize::Zeroizing::new(
                dek.open(&ctx(&row.tenant_id, &row.id, PROFILE), &row.profile)?,
            );
            let profile: Profile = serde_json::from_slice(&profile_bytes)?;
            let cv = match docs.remove(&row.id) {
                Some(body) => dek.open(&ctx(&row.tenant_id, &row.id, CV), &body)?,
                None => Vec::new(),
            };
            out.push((row.try_into()?, Payload { profile, cv }));
        }
        Ok(out)
    }

    /// A fresh key for one export bundle of `tenant`, wrapped under the
    /// tenant's KEK in the key store (as `export:<id>` beside the candidates'
    /// DEKs, so KEK rotation rewraps it and tenant erasure destroys it).
    /// The key never leaves the vault: [`Self::seal_export_chunk`] and
    /// [`Self::open_export_chunk`] use it. Idempotent.
    pub async fn create_export_key(&self, tenant: &str, export_id: &str) -> Result<(), VaultError> {
        let id = format!("export:{export_id}");
        if self.keys.dek(tenant, &id).await?.is_some() {
            return Ok(());
        }
        self.keys
            .create_deks(tenant, std::slice::from_ref(&id))
            .await?
            .pop()
            .map(|_| ())
            .ok_or_else(|| internal("no export key created"))
    }

    pub(super) async fn export_dek(
        &self,
        tenant: &str,
        export_id: &str,
    ) -> Result<Dek, VaultError> {
        self.keys
            .dek(tenant, &format!("export:{export_id}"))
            .await?
            .ok_or_else(|| {
                VaultError::Precondition(format!(
                    "the key of export {export_id} was destroyed: the bundle is noise"
                ))
            })
    }

    /// Seals one chunk of an export bundle (AES-256-GCM under the bundle's
    /// key, bound to the tenant, the bundle and the chunk's number).
    pub async fn seal_export_chunk(
        &self,
        tenant: &str,
        export_id: &str,
        seq: i32,
        plain: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let key = self.export_dek(tenant, export_id).await?;
        let key_id = format!("export:{export_id}");
        let field = seq.to_string();
        Ok(key.seal(&export_ctx(tenant, &key_id, &field), plain))
    }

    /// Opens one sealed chunk of an export bundle; a chunk moved to another
    /// place or altered does not open.
    pub async fn open_export_chunk(
        &self,
        tenant: &str,
        export_id: &str,
        seq: i32,
        sealed: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let key = self.export_dek(tenant, export_id).await?;
        let key_id = format!("export:{export_id}");
        let field = seq.to_string();
        key.open(&export_ctx(tenant, &key_id, &field), sealed)
            .map_err(|_| internal(format!("chunk {seq} of export {export_id} does not open")))
    }

    /// Erases a tenant from the vault (Data Act art. 25(2)(h), GDPR art.
    /// 28(3)(g)): first every key of the tenant in one key-store transaction
    /// (the crypto-shred: from then on its data is noise everywhere), then its
    /// rows, in an audited transaction. Deletion certificates stay: they are
    /// the proof, and hold ids only. Safe to repeat after a crash at any point.
    pub async fn erase_tenant(
        &self,
        actor: &Actor,
        tenant: &str,
    ) -> Result<TenantErasure, VaultError> {
        let shred = self
            .keys
            .destroy_tenant(
                tenant,
                "tenant erasure after switching or exit (Data Act art. 25(2)(h), GDPR art. 28(3)(g))",
            )
            .await?;
        // The erasure's ledger entry reaches the append-only file before
        // anything else happens, so no restore of the key store can undo it.
        self.reconcile_file().await?;
        let txn = audit::begin(&self.main).await?;
        let rows = purge_tenant_rows(&txn, tenant).await?;
        txn.commit_with(Record::new(actor, "vault.tenant_erased", "tenant", tenant)
                .tenant(tenant)
                .details(json!({
                    "keys_destroyed": shred.keys_destroyed,
                    "kek_versions": shred.kek_versions,
                    "rows_deleted": rows.iter().map(|(t, n)| json!({ "table": t, "rows": n })).collect::<Vec<_>>(),
                }))).await?;
        let kek_versions: Vec<u32> = serde_json::from_str(&shred.kek_versions)?;
        let rows_deleted: Vec<(String, u64)> =
            rows.into_iter().map(|(t, n)| (t.to_owned(), n)).collect();
        let signed = self
            .sign_tenant_erasure(
                tenant,
                &evidence::certificate::TenantErasureFields {
                    tenant_id: tenant.to_owned(),
                    kek_versions: kek_versions.clone(),
                    keys_destroyed: shred.keys_destroyed as u64,
                    rows_deleted: rows_deleted.clone(),
                },
            )
            .await?;
        Ok(TenantErasure {
            keys_destroyed_at: shred.destroyed_at,
            kek_versions,
            keys_destroyed: shred.keys_destroyed as u64,
            rows_deleted,
            signed,
        })
    }
}

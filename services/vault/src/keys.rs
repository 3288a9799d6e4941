//! The key store database (DESIGN.md: its own database, backed up apart):
//! the master-key check value, tenant KEK versions, tenant blind-index keys,
//! and one wrapped DEK per candidate.
//!
//! Unwrapped KEKs and index keys are cached in memory by (tenant, version):
//! a version never changes once written, so the cache cannot go stale. Which
//! version is *active* is read from the database inside the transaction that
//! wraps new DEKs, so a rotation by another process is always seen.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionOptions,
    TransactionTrait,
};
use store::entities::vault::{
    candidate_deks, master_check, shred_ledger, tenant_index_keys, tenant_keks, tenant_shreds,
};
use vault_crypto::{Dek, IndexKey, Kek, MasterKey};

use crate::domain::VaultError;
use crate::service::internal;

/// Where the master key comes from, in order: the environment variable
/// `CUSTODIAN_MASTER_KEY` (64 hex characters), a configured key file, or
/// `master.key` in the data directory, created on first start.
#[derive(Debug, Clone)]
pub enum MasterKeySource {
    Hex(String),
    File(PathBuf),
    /// The embedded default: created (mode 0600) if the key store is new.
    DefaultFile(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the master key does not match the key store: it is not the key the tenant keys were wrapped with"
    )]
    WrongMasterKey,
    #[error("master key: {0}")]
    Invalid(String),
    #[error(
        "the key store at {0} already holds keys but the master key file {1} is missing; restore the key file, or set CUSTODIAN_MASTER_KEY"
    )]
    MissingKeyFile(String, String),
    #[error("key store: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("master key file {0}: {1}")]
    Io(String, std::io::Error),
}

/// Whether a master key was created on this start (the caller logs it).
pub struct LoadedMaster {
    pub key: MasterKey,
    pub created: Option<PathBuf>,
}

fn read_key_file(path: &Path) -> Result<MasterKey, KeyError> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| KeyError::Io(path.display().to_string(), e))?,
    );
    MasterKey::from_hex(&text).map_err(|e| KeyError::Invalid(format!("{}: {e}", path.display())))
}

fn write_key_file(path: &Path, key: &MasterKey) -> Result<(), KeyError> {
    write_secret_file(path, &key.to_hex()).map_err(|e| KeyError::Io(path.display().to_string(), e))
}

/// Writes `text` and a newline to a new file (mode 0600; never over an
/// existing file, which is `AlreadyExists`), synced: how key files are made.
pub(crate) fn write_secret_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// Loads the master key and proves it against the key store's check value;
/// on a new key store, stores the check value (and creates the default key
/// file when that is the source). A wrong key is an error, never garbage.
pub async fn load_master(
    keystore: &DatabaseConnection,
    source: &MasterKeySource,
    keystore_name: &str,
) -> Result<LoadedMaster, KeyError> {
    let check = master_check::Entity::find_by_id(1).one(keystore).await?;
    let (key, created) = match source {
        MasterKeySource::Hex(h) => (
            MasterKey::from_hex(h)
                .map_err(|e| KeyError::Invalid(format!("CUSTODIAN_MASTER_KEY: {e}")))?,
            None,
        ),
        MasterKeySource::File(p) => (read_key_file(p)?, None),
        MasterKeySource::DefaultFile(p) => {
            if p.exists() {
                (read_key_file(p)?, None)
            } else if check.is_some() {
                return Err(KeyError::MissingKeyFile(
                    keystore_name.to_owned(),
                    p.display().to_string(),
                ));
            } else {
                let k = MasterKey::generate();
                write_key_file(p, &k)?;
                (k, Some(p.clone()))
            }
        }
    };
    match check {
        Some(c) => {
            if !key.verify_check_value(&c.value) {
                return Err(KeyError::WrongMasterKey);
            }
        }
        None => {
            master_check::ActiveModel {
                id: Set(1),
                value: Set(key.check_value()),
                created_at: Set(store::now_micros()),
            }
            .insert(keystore)
            .await?;
        }
    }
    Ok(LoadedMaster { key, created })
}

/// Begins a key-store write transaction that serializes with every other
/// writer of the ledger and of KEK versions.
pub async fn begin_write(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        let txn = db.begin().await?;
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id FROM keystore_state WHERE id = 1 FOR UPDATE",
        ))
        .await?;
        Ok(txn)
    }
}

/// How long an unwrapped tenant key stays in a process's memory after it was
/// unwrapped (docs/vault.md, "Keys in memory"): long enough that a busy
/// tenant's reads do not go to the key store and the master key for every
/// candidate, short enough that a key another replica destroyed (a tenant's
/// erasure, a rotation's old version) is gone from this one within minutes.
pub const KEY_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// At most this many unwrapped keys per cache; past it the oldest goes.
pub const KEY_CACHE_ENTRIES: usize = 4_096;

/// A bounded, time-limited cache of unwrapped keys: an entry older than
/// its time-to-live is never returned (and is dropped when met); a full
/// cache drops its oldest entry for a new one.
pub struct KeyCache<K, V> {
    ttl: std::time::Duration,
    capacity: usize,
    entries: RwLock<HashMap<K, (std::time::Instant, Arc<V>)>>,
}

impl<K: std::hash::Hash + Eq + Clone, V> KeyCache<K, V> {
    pub fn new(ttl: std::time::Duration, capacity: usize) -> KeyCache<K, V> {
        KeyCache {
            ttl,
            capacity: capacity.max(1),
            entries: RwLock::default(),
        }
    }

    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let fresh = {
            let c = self.entries.read().ok()?;
            let (at, v) = c.get(key)?;
            (at.elapsed() < self.ttl).then(|| v.clone())
        };
        if fresh.is_none()
            && let Ok(mut c) = self.entries.write()
        {
            c.retain(|_, (at, _)| at.elapsed() < self.ttl);
        }
        fresh
    }

    pub fn put(&self, key: K, value: V) -> Arc<V> {
        let v = Arc::new(value);
        if let Ok(mut c) = self.entries.write() {
            if c.len() >= self.capacity && !c.contains_key(&key) {
                c.retain(|_, (at, _)| at.elapsed() < self.ttl);
                if c.len() >= self.capacity
                    && let Some(oldest) = c
                        .iter()
                        .min_by_key(|(_, (at, _))| *at)
                        .map(|(k, _)| k.clone())
                {
                    c.remove(&oldest);
                }
            }
            c.insert(key, (std::time::Instant::now(), v.clone()));
        }
        v
    }

    /// Drops every entry `keep` refuses.
    pub fn retain(&self, mut keep: impl FnMut(&K) -> bool) {
        if let Ok(mut c) = self.entries.write() {
            c.retain(|k, _| keep(k));
        }
    }

    pub fn len(&self) -> usize {
        self.entries.read().map_or(0, |c| c.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub struct KeyStore {
    pub db: DatabaseConnection,
    master: MasterKey,
    /// Unwrapped KEKs by tenant and version.
    keks: KeyCache<(String, u32), Kek>,
    /// Unwrapped blind-index keys by tenant.
    index_keys: KeyCache<String, IndexKey>,
}

impl KeyStore {
    pub fn new(db: DatabaseConnection, master: MasterKey) -> KeyStore {
        KeyStore {
            db,
            master,
            keks: KeyCache::new(KEY_CACHE_TTL, KEY_CACHE_ENTRIES),
            index_keys: KeyCache::new(KEY_CACHE_TTL, KEY_CACHE_ENTRIES),
        }
    }

    fn cached_kek(&self, tenant: &str, version: u32) -> Option<Arc<Kek>> {
        self.keks.get(&(tenant.to_owned(), version))
    }

    fn cache_kek(&self, tenant: &str, kek: Kek) -> Arc<Kek> {
        self.keks.put((tenant.to_owned(), kek.version()), kek)
    }

    /// A specific KEK version of a tenant.
    pub async fn kek<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant: &str,
        version: u32,
    ) -> Result<Arc<Kek>, VaultError> {
        if let Some(k) = self.cached_kek(tenant, version) {
            return Ok(k);
        }
        let row = tenant_keks::Entity::find_by_id((tenant.to_owned(), version as i32))
            .one(db)
            .await?
            .ok_or_else(|| {
                internal(format!(
                    "KEK version {version} of tenant {tenant} is missing"
                ))
            })?;
        let kek = self.master.unwrap_kek(tenant, &row.wrapped)?;
        Ok(self.cache_kek(tenant, kek))
    }

    /// The tenant's newest KEK, created as version 1 on first use.
    pub async fn active_kek<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant: &str,
    ) -> Result<Arc<Kek>, VaultError> {
        let newest = tenant_keks::Entity::find()
            .filter(tenant_keks::Column::TenantId.eq(tenant))
            .order_by_desc(tenant_keks::Column::Version)
            .one(db)
            .await?;
        match newest {
            Some(row) => {
                let v = row.version as u32;
                if let Some(k) = self.cached_kek(tenant, v) {
                    return Ok(k);
                }
                let kek = self.master.unwrap_kek(tenant, &row.wrapped)?;
                Ok(self.cache_kek(tenant, kek))
            }
            None => {
                self.refuse_if_erased(db, tenant).await?;
                let kek = Kek::generate(1);
                self.insert_kek(db, tenant, &kek).await?;
                Ok(self.cache_kek(tenant, kek))
            }
        }
    }

    pub async fn insert_kek<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant: &str,
        kek: &Kek,
    ) -> Result<(), VaultError> {
        tenant_keks::ActiveModel {
            tenant_id: Set(tenant.to_owned()),
            version: Set(kek.version() as i32),
            wrapped: Set(self.master.wrap_kek(tenant, kek)),
            created_at: Set(store::now_micros()),
        }
        .insert(db)
        .await?;
        Ok(())
    }

    /// The tenant's blind-index key, created on first use.
    pub async fn index_key(&self, tenant: &str) -> Result<Arc<IndexKey>, VaultError> {
        if let Some(k) = self.index_keys.get(&tenant.to_owned()) {
            return Ok(k);
        }
        let row = tenant_index_keys::Entity::find_by_id(tenant.to_owned())
            .one(&self.db)
            .await?;
        let key = match row {
            Some(r) => self.master.unwrap_index_key(tenant, &r.wrapped)?,
            None => {
                self.refuse_if_erased(&self.db, tenant).await?;
                let k = IndexKey::generate();
                tenant_index_keys::Entity::insert(tenant_index_keys::ActiveModel {
                    tenant_id: Set(tenant.to_owned()),
                    wrapped: Set(self.master.wrap_index_key(tenant, &k)),
                })
                .on_conflict(
                    OnConflict::column(tenant_index_keys::Column::TenantId)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await?;
                // Another process may have won the race: use what is stored.
                let r = tenant_index_keys::Entity::find_by_id(tenant.to_owned())
                    .one(&self.db)
                    .await?
                    .ok_or_else(|| internal("index key vanished"))?;
                self.master.unwrap_index_key(tenant, &r.wrapped)?
            }
        };
        Ok(self.index_keys.put(tenant.to_owned(), key))
    }

    /// Creates one random DEK per new candidate, wrapped under the tenant's
    /// active KEK, in one key-store transaction. The erasure fence: an id that
    /// the shred ledger names can never get a key again.
    pub async fn create_deks(
        &self,
        tenant: &str,
        candidates: &[String],
    ) -> Result<Vec<Dek>, VaultError> {
        let txn = begin_write(&self.db).await?;
        let fenced = shred_ledger::Entity::find()
            .filter(shred_ledger::Column::CandidateId.is_in(candidates.iter().cloned()))
            .count(&txn)
            .await?;
        if fenced > 0 {
            return Err(VaultError::Precondition(
                "a shredded candidate id can never get a new key".into(),
            ));
        }
        let kek = self.active_kek(&txn, tenant).await?;
        let mut deks = Vec::with_capacity(candidates.len());
        let mut rows = Vec::with_capacity(candidates.len());
        for id in candidates {
            let dek = Dek::generate();
            rows.push(candidate_deks::ActiveModel {
                candidate_id: Set(id.clone()),
                tenant_id: Set(tenant.to_owned()),
                kek_version: Set(kek.version() as i32),
                wrapped: Set(kek.wrap_dek(tenant, id, &dek)),
            });
            deks.push(dek);
        }
        for chunk in rows.chunks(500) {
            candidate_deks::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(deks)
    }

    /// Removes DEKs that were created for candidates whose insert then failed.
    pub async fn discard_deks(&self, candidates: &[String]) -> Result<(), VaultError> {
        candidate_deks::Entity::delete_many()
            .filter(candidate_deks::Column::CandidateId.is_in(candidates.iter().cloned()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The candidate's DEK, or `None` once it has been destroyed.
    pub async fn dek(&self, tenant: &str, candidate: &str) -> Result<Option<Dek>, VaultError> {
        let Some(row) = candidate_deks::Entity::find_by_id(candidate.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        if row.tenant_id != tenant {
            return Ok(None);
        }
        let kek = self.kek(&self.db, tenant, row.kek_version as u32).await?;
        Ok(kek.unwrap_dek(tenant, candidate, &row.wrapped).map(Some)?)
    }

    /// KEK rotation for one tenant: a new version, every DEK rewrapped under it
    /// in batches (payload rows are not touched), then the old versions are
    /// destroyed once no DEK refers to them. Returns (new version, DEKs rewrapped).
    pub async fn rotate(&self, tenant: &str) -> Result<(u32, u64), VaultError> {
        self.rotate_with(tenant, &|_| {}).await
    }

    /// The keys of `tenant` still under an older KEK version (what a
    /// rotation will rewrap).
    pub async fn to_rewrap(&self, tenant: &str) -> Result<u64, VaultError> {
        let current = self.active_kek(&self.db, tenant).await?;
        Ok(candidate_deks::Entity::find()
            .filter(candidate_deks::Column::TenantId.eq(tenant))
            .filter(candidate_deks::Column::KekVersion.lte(current.version() as i32))
            .count(&self.db)
            .await?)
    }

    /// [`Self::rotate`], telling `rewrapped` after each batch how many keys it rewrapped.
    pub async fn rotate_with(
        &self,
        tenant: &str,
        rewrapped_batch: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(u32, u64), VaultError> {
        let txn = begin_write(&self.db).await?;
        let current = self.active_kek(&txn, tenant).await?;
        let next = Kek::generate(current.version() + 1);
        self.insert_kek(&txn, tenant, &next).await?;
        txn.commit().await?;
        let next = self.cache_kek(tenant, next);
        let mut rewrapped = 0u64;
        loop {
            let batch = candidate_deks::Entity::find()
                .filter(candidate_deks::Column::TenantId.eq(tenant))
                .filter(candidate_deks::Column::KekVersion.lt(next.version() as i32))
                .limit(1000)
                .all(&self.db)
                .await?;
            if batch.is_empty() {
                break;
            }
            let txn = begin_write(&self.db).await?;
            let mut n = 0u64;
            for row in batch {
                let old = self.kek(&txn, tenant, row.kek_version as u32).await?;
                let wrapped = old.rewrap(&next, tenant, &row.candidate_id, &row.wrapped)?;
                // Only if still present and unchanged: a shred may have won.
                candidate_deks::Entity::update_many()
                    .col_expr(
                        candidate_deks::Column::Wrapped,
                        sea_orm::sea_query::Expr::value(wrapped),
                    )
                    .col_expr(
                        candidate_deks::Column::KekVersion,
                        sea_orm::sea_query::Expr::value(next.version() as i32),
                    )
                    .filter(candidate_deks::Column::CandidateId.eq(row.candidate_id))
                    .filter(candidate_deks::Column::KekVersion.eq(row.kek_version))
                    .exec(&txn)
                    .await?;
                rewrapped += 1;
                n += 1;
            }
            txn.commit().await?;
            rewrapped_batch(n);
        }
        // Destroy old versions in the same transaction that proves nothing uses them.
        let txn = begin_write(&self.db).await?;
        let still = candidate_deks::Entity::find()
            .filter(candidate_deks::Column::TenantId.eq(tenant))
            .filter(candidate_deks::Column::KekVersion.lt(next.version() as i32))
            .count(&txn)
            .await?;
        if still == 0 {
            tenant_keks::Entity::delete_many()
                .filter(tenant_keks::Column::TenantId.eq(tenant))
                .filter(tenant_keks::Column::Version.lt(next.version() as i32))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        if still == 0 {
            // The old versions are destroyed: not kept in memory either.
            let newest = next.version();
            self.keks.retain(|(t, v)| t != tenant || *v >= newest);
        }
        Ok((next.version(), rewrapped))
    }

    /// The tenant-erasure fence: an erased tenant never gets a key again.
    async fn refuse_if_erased<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant: &str,
    ) -> Result<(), VaultError> {
        let fenced = tenant_shreds::Entity::find_by_id(tenant.to_owned())
            .one(db)
            .await?;
        match fenced {
            Some(f) => Err(VaultError::Precondition(format!(
                "tenant {tenant} was erased on {}: it can never hold data again",
                f.destroyed_at.format("%Y-%m-%d")
            ))),
            None => Ok(()),
        }
    }

    /// Destroys every key of a tenant in one key-store transaction: its KEK
    /// versions, its blind-index key and every DEK (candidates' and exports'),
    /// and records the fence. From the commit on, every ciphertext of the
    /// tenant anywhere (rows, backups, export chunks) is noise. Idempotent:
    /// a second call returns the first call's record.
    ///
    /// The same transaction appends a tenant entry to the shred ledger
    /// (`basis` says why), so the erasure is in the append-only ledger file
    /// too and a key store restored from before it is erased again on
    /// reconcile (`Vault::reconcile`).
    pub(crate) async fn destroy_tenant(
        &self,
        tenant: &str,
        basis: &str,
    ) -> Result<tenant_shreds::Model, VaultError> {
        let txn = begin_write(&self.db).await?;
        if let Some(done) = tenant_shreds::Entity::find_by_id(tenant.to_owned())
            .one(&txn)
            .await?
        {
            txn.commit().await?;
            self.forget(tenant);
            return Ok(done);
        }
        let row = destroy_tenant_keys(&txn, tenant, store::now_micros()).await?;
        let head = shred_ledger::Entity::find()
            .order_by_desc(shred_ledger::Column::Seq)
            .one(&txn)
            .await?;
        let (seq, prev) = head
            .map(|h| (h.seq, h.hash))
            .unwrap_or((0, store::GENESIS_HASH.to_owned()));
        let mut e = crate::ledger::Entry {
            seq: seq + 1,
            candidate_id: crate::ledger::tenant_subject(tenant),
            tenant_id: tenant.to_owned(),
            reason: "tenant_erasure".into(),
            basis: basis.to_owned(),
            shredded_at: row.destroyed_at,
            prev_hash: prev,
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        crate::service::entry_model(&e).insert(&txn).await?;
        txn.commit().await?;
        self.forget(tenant);
        Ok(row)
    }

    /// Drops a tenant's unwrapped keys from this process's caches.
    pub(crate) fn forget(&self, tenant: &str) {
        self.keks.retain(|(t, _)| t != tenant);
        self.index_keys.retain(|t| t != tenant);
    }

    /// How many unwrapped KEKs and index keys this process holds now.
    pub fn keys_in_memory(&self) -> (usize, usize) {
        (self.keks.len(), self.index_keys.len())
    }

    /// The DEKs of several candidates of one tenant (those that still exist).
    pub async fn deks(
        &self,
        tenant: &str,
        ids: &[String],
    ) -> Result<HashMap<String, Dek>, VaultError> {
        // By primary key only: with `tenant_id = ?` in the query SQLite's
        // planner (no statistics) picks the tenant index and reads every DEK
        // of the tenant for each page (EXPLAIN QUERY PLAN), which made a
        // large export quadratic. The tenant is checked on each row instead.
        let rows = candidate_deks::Entity::find()
            .filter(candidate_deks::Column::CandidateId.is_in(ids.iter().cloned()))
            .all(&self.db)
            .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for row in rows.into_iter().filter(|r| r.tenant_id == tenant) {
            let kek = self.kek(&self.db, tenant, row.kek_version as u32).await?;
            let dek = kek.unwrap_dek(tenant, &row.candidate_id, &row.wrapped)?;
            out.insert(row.candidate_id, dek);
        }
        Ok(out)
    }

    /// Every tenant that has a KEK.
    pub async fn tenants(&self) -> Result<Vec<String>, VaultError> {
        let rows = tenant_keks::Entity::find()
            .select_only()
            .column(tenant_keks::Column::TenantId)
            .distinct()
            .into_tuple::<String>()
            .all(&self.db)
            .await?;
        Ok(rows)
    }
}

/// Destroys every key of `tenant` in the caller's key-store transaction (its
/// KEK versions, blind-index key and every DEK) and writes the fence row,
/// unless the fence is already there. Used by the erasure itself and by
/// reconcile when the ledger file knows an erasure a restored key store lost.
pub(crate) async fn destroy_tenant_keys<C: ConnectionTrait>(
    txn: &C,
    tenant: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<tenant_shreds::Model, VaultError> {
    if let Some(done) = tenant_shreds::Entity::find_by_id(tenant.to_owned())
        .one(txn)
        .await?
    {
        return Ok(done);
    }
    let versions: Vec<i32> = tenant_keks::Entity::find()
        .select_only()
        .column(tenant_keks::Column::Version)
        .filter(tenant_keks::Column::TenantId.eq(tenant))
        .order_by_asc(tenant_keks::Column::Version)
        .into_tuple()
        .all(txn)
        .await?;
    let deks = candidate_deks::Entity::delete_many()
        .filter(candidate_deks::Column::TenantId.eq(tenant))
        .exec(txn)
        .await?
        .rows_affected;
    let index = tenant_index_keys::Entity::delete_many()
        .filter(tenant_index_keys::Column::TenantId.eq(tenant))
        .exec(txn)
        .await?
        .rows_affected;
    tenant_keks::Entity::delete_many()
        .filter(tenant_keks::Column::TenantId.eq(tenant))
        .exec(txn)
        .await?;
    Ok(tenant_shreds::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        destroyed_at: Set(at),
        kek_versions: Set(serde_json::to_string(&versions)?),
        keys_destroyed: Set((deks + index + versions.len() as u64) as i64),
    }
    .insert(txn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::KeyCache;
    use std::time::Duration;

    #[test]
    fn a_key_past_its_time_is_never_returned_and_is_dropped() {
        let c: KeyCache<&str, u32> = KeyCache::new(Duration::from_millis(30), 10);
        c.put("t", 1);
        assert_eq!(c.get(&"t").as_deref(), Some(&1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&"t"), None);
        assert!(c.is_empty(), "the stale key is gone from memory");
    }

    #[test]
    fn a_full_cache_drops_its_oldest_key() {
        let c: KeyCache<u32, u32> = KeyCache::new(Duration::from_secs(60), 3);
        for k in 0..3 {
            c.put(k, k);
            std::thread::sleep(Duration::from_millis(2));
        }
        c.put(3, 3);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&0), None, "the oldest went");
        assert!((1..=3).all(|k| c.get(&k).is_some()));
        // Replacing a key already held evicts nothing.
        c.put(3, 30);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&3).as_deref(), Some(&30));
    }

    #[test]
    fn retain_drops_what_it_refuses() {
        let c: KeyCache<(String, u32), u32> = KeyCache::new(Duration::from_secs(60), 10);
        c.put(("a".into(), 1), 1);
        c.put(("a".into(), 2), 2);
        c.put(("b".into(), 1), 1);
        c.retain(|(t, v)| t != "a" || *v >= 2);
        assert_eq!(c.len(), 2);
        assert!(c.get(&("a".into(), 1)).is_none());
    }
}

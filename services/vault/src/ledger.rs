//! The shred ledger and the erasure fence.
//!
//! Three places record a shred, each with a high-water mark of what it has
//! applied:
//! 1. the key store's `shred_ledger` table (written in the same transaction
//!    that destroys the DEKs: the point where data becomes noise);
//! 2. an append-only JSON Lines file outside both databases (the truth after
//!    a database restore); `keystore_state` holds the byte offset and seq of
//!    the file that the key store has absorbed;
//! 3. the main database, where `vault_state.applied_seq` says which ledger
//!    entries have had their rows deleted and certificates issued.
//!
//! An entry records the crypto-shred of one candidate (its DEK destroyed) or
//! of a whole tenant (every key of the tenant destroyed, the erasure fence
//! set: Data Act switching and exits). A tenant entry's `candidate_id` is
//! `tenant:<tenant id>` ([`Subject`]), so the hash format and the tables stay
//! one shape, and a restore re-applies both kinds the same way.
//!
//! The record outside both databases has two backends ([`Ledger`]): the
//! file, the embedded default for one host, serialized by an OS file lock;
//! and a PostgreSQL table in a database of its own ([`SharedLedger`]), for
//! vault and worker replicas on several hosts, serialized by a transaction
//! advisory lock, append-only by a trigger (and, in production, by a role
//! that may only SELECT and INSERT).
//!
//! [`reconcile`] moves entries forward along file → key store → file → main.
//! It is idempotent, and costs only what is new since each mark. A restored
//! database has an older mark, so the entries after it are applied again:
//! DEKs that came back are destroyed again, rows that came back are deleted
//! again. Every step is safe to repeat after a crash at any point.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait, Value,
};
use serde::{Deserialize, Serialize};

/// One ledger entry. Ids, reasons and policy names only: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub candidate_id: String,
    pub tenant_id: String,
    pub reason: String,
    pub basis: String,
    pub shredded_at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// What one ledger entry shredded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// One candidate: its DEK is gone.
    Candidate(&'a str),
    /// A whole tenant: its KEKs, blind-index key and every DEK are gone, and
    /// the fence refuses it keys for ever.
    Tenant(&'a str),
}

/// The `candidate_id` prefix of a tenant-erasure entry.
pub const TENANT_SUBJECT_PREFIX: &str = "tenant:";

/// The `candidate_id` a tenant-erasure entry carries.
pub fn tenant_subject(tenant: &str) -> String {
    format!("{TENANT_SUBJECT_PREFIX}{tenant}")
}

/// The subject of a ledger row's `candidate_id` column.
pub fn subject(candidate_id: &str) -> Subject<'_> {
    match candidate_id.strip_prefix(TENANT_SUBJECT_PREFIX) {
        Some(t) => Subject::Tenant(t),
        None => Subject::Candidate(candidate_id),
    }
}

impl Entry {
    pub fn subject(&self) -> Subject<'_> {
        subject(&self.candidate_id)
    }

    fn shredded_at_text(&self) -> String {
        self.shredded_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    /// The entry's link in the ledger's hash chain
    /// ([`evidence::ledger::chain_hash`]).
    pub fn compute_hash(&self) -> String {
        evidence::ledger::chain_hash(
            &self.prev_hash,
            self.seq,
            &self.candidate_id,
            &self.tenant_id,
            &self.reason,
            &self.basis,
            &self.shredded_at_text(),
        )
    }

    /// The entry as a leaf of the ledger's Merkle tree.
    pub fn to_evidence(&self) -> evidence::ledger::LedgerEntry {
        evidence::ledger::LedgerEntry {
            seq: self.seq,
            candidate_id: self.candidate_id.clone(),
            tenant_id: self.tenant_id.clone(),
            reason: self.reason.clone(),
            basis: self.basis.clone(),
            shredded_at: self.shredded_at_text(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }
}

/// The ledger file. All access holds an exclusive OS file lock, so two worker
/// processes never interleave appends; callers also serialize in-process.
pub struct LedgerFile {
    path: PathBuf,
}

/// What a read of the file's tail found.
pub struct Tail {
    pub entries: Vec<Entry>,
    /// The mark after the last entry read (the file: the offset after the
    /// last complete line).
    pub end: u64,
    /// The highest seq the whole ledger holds, where that is known without
    /// reading it all (the shared table). Entries of the key store after it
    /// are appended, so a ledger that starts empty (a move from the file)
    /// receives the whole history, not only what is new.
    pub last_seq: Option<i64>,
}

impl LedgerFile {
    pub fn new(path: impl Into<PathBuf>) -> LedgerFile {
        LedgerFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens (creating) the file and takes the exclusive lock; the lock is
    /// released when the returned file is dropped. Waits without blocking the
    /// async runtime: a blocking `flock` here would stall the very task that
    /// holds the lock when both run on one thread.
    pub async fn lock(&self) -> std::io::Result<File> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let f = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)?;
        let mut wait = std::time::Duration::from_millis(1);
        loop {
            match f.try_lock() {
                Ok(()) => return Ok(f),
                Err(std::fs::TryLockError::WouldBlock) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(std::time::Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
        }
    }

    /// Reads the complete lines after `offset`. A torn last line (a crash in
    /// the middle of an append) is cut off, so the next append starts clean.
    /// An offset past the end (the file was replaced) restarts at 0.
    pub fn read_from(file: &mut File, offset: u64) -> std::io::Result<Tail> {
        let len = file.metadata()?.len();
        let start = if offset <= len { offset } else { 0 };
        file.seek(SeekFrom::Start(start))?;
        let mut reader = BufReader::new(&mut *file);
        let mut entries = Vec::new();
        let mut pos = start;
        let mut line = String::new();
        loop {
            line.clear();
            let n = reader.read_line(&mut line)?;
            if n == 0 {
                break;
            }
            if !line.ends_with('\n') {
                // Torn write: drop it.
                drop(reader);
                file.set_len(pos)?;
                return Ok(Tail {
                    entries,
                    end: pos,
                    last_seq: None,
                });
            }
            let e: Entry = serde_json::from_str(line.trim_end()).map_err(|err| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("ledger file line at byte {pos}: {err}"),
                )
            })?;
            if e.compute_hash() != e.hash {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("ledger file entry {} has a wrong hash", e.seq),
                ));
            }
            entries.push(e);
            pos += n as u64;
        }
        Ok(Tail {
            entries,
            end: pos,
            last_seq: None,
        })
    }

    /// Appends entries and forces them to disk; returns the new end offset.
    pub fn append(file: &mut File, entries: &[Entry]) -> std::io::Result<u64> {
        let mut buf = Vec::with_capacity(entries.len() * 300);
        for e in entries {
            serde_json::to_writer(&mut buf, e).map_err(std::io::Error::other)?;
            buf.push(b'\n');
        }
        file.write_all(&buf)?;
        file.sync_data()?;
        file.seek(SeekFrom::End(0))
    }
}

/// Where the ledger outside both databases lives.
pub enum Ledger {
    /// A JSON Lines file (the embedded default): one host.
    File(LedgerFile),
    /// An append-only PostgreSQL table: several hosts.
    Shared(SharedLedger),
}

/// The ledger held exclusively (across processes and hosts) until
/// [`Held::release`] or drop. Its mark (`keystore_state.ledger_file_offset`)
/// is a byte offset in the file, the last seq in the shared table.
pub enum Held {
    File(File),
    Shared(DatabaseTransaction),
}

impl Ledger {
    /// What an operator recognises: the file's path or the redacted URL.
    pub fn describe(&self) -> String {
        match self {
            Ledger::File(f) => f.path().display().to_string(),
            Ledger::Shared(s) => s.redacted.clone(),
        }
    }

    pub async fn lock(&self) -> Result<Held, LedgerError> {
        match self {
            Ledger::File(f) => Ok(Held::File(f.lock().await?)),
            Ledger::Shared(s) => Ok(Held::Shared(s.lock().await?)),
        }
    }
}

/// Why the ledger could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger file: {0}")]
    Io(#[from] std::io::Error),
    #[error("shared ledger: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("shared ledger: {0}")]
    Invalid(String),
}

impl Held {
    /// The complete entries after `mark`, each checked against its hash, and
    /// the mark after the last of them.
    pub async fn read_from(&mut self, mark: u64) -> Result<Tail, LedgerError> {
        match self {
            Held::File(f) => Ok(LedgerFile::read_from(f, mark)?),
            Held::Shared(txn) => SharedLedger::read_from(txn, mark).await,
        }
    }

    /// Appends entries; returns the new mark. The file's are on disk when
    /// this returns; the shared table's when [`Held::release`] commits.
    pub async fn append(&mut self, entries: &[Entry]) -> Result<u64, LedgerError> {
        match self {
            Held::File(f) => Ok(LedgerFile::append(f, entries)?),
            Held::Shared(txn) => SharedLedger::append(txn, entries).await,
        }
    }

    /// Makes every append durable and lets the next holder in.
    pub async fn release(self) -> Result<(), LedgerError> {
        match self {
            Held::File(f) => {
                drop(f);
                Ok(())
            }
            Held::Shared(txn) => Ok(txn.commit().await?),
        }
    }
}

/// The ledger as a PostgreSQL table in a database of its own
/// (`ledger_url`), shared by every vault and worker process. Append-only: a
/// trigger refuses UPDATE, DELETE and TRUNCATE whoever asks, and the
/// processes should log in as a role granted only SELECT and INSERT on it.
/// A restore of the main database or the key store cannot roll it back.
pub struct SharedLedger {
    db: DatabaseConnection,
    redacted: String,
}

/// The table and its guard. Kept in one place: `ensure_schema` runs it and
/// the docs quote it.
pub const SHARED_LEDGER_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS shred_ledger_log (
    seq BIGINT PRIMARY KEY CHECK (seq > 0),
    candidate_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    basis TEXT NOT NULL,
    shredded_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION shred_ledger_log_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the shred ledger is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS shred_ledger_log_append_only ON shred_ledger_log;
CREATE TRIGGER shred_ledger_log_append_only
    BEFORE UPDATE OR DELETE ON shred_ledger_log
    FOR EACH ROW EXECUTE FUNCTION shred_ledger_log_refuse();
DROP TRIGGER IF EXISTS shred_ledger_log_no_truncate ON shred_ledger_log;
CREATE TRIGGER shred_ledger_log_no_truncate
    BEFORE TRUNCATE ON shred_ledger_log
    FOR EACH STATEMENT EXECUTE FUNCTION shred_ledger_log_refuse();
"#;

/// The advisory lock key of the ledger (any constant the database's other
/// users do not take): "custodian" "shred" in ASCII.
const LOCK_KEY: i64 = 0x6375_7374_7368_7264;

impl SharedLedger {
    /// Connects; creates the table and its triggers when they are missing
    /// (which needs the owner's rights: `custodian migrate` runs it as the
    /// owner, so processes logging in as an insert-only role never have to).
    pub async fn open(url: &str) -> Result<SharedLedger, LedgerError> {
        if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(LedgerError::Invalid(format!(
                "ledger_url must be a PostgreSQL URL (postgres://...), got {}",
                domain_kit::field::quote(&store::redact_url(url))
            )));
        }
        // Custom plans: the table starts empty and grows (store::Plans).
        let db = store::connect_with(url, store::Plans::Custom)
            .await
            .map_err(|e| LedgerError::Invalid(e.to_string()))?;
        let ledger = SharedLedger {
            db,
            redacted: store::redact_url(url),
        };
        ledger.ensure_schema().await?;
        Ok(ledger)
    }

    async fn ensure_schema(&self) -> Result<(), LedgerError> {
        let exists = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT to_regclass('shred_ledger_log') IS NOT NULL AS present",
            ))
            .await?
            .map(|r| r.try_get::<bool>("", "present"))
            .transpose()?
            .unwrap_or(false);
        if exists {
            return Ok(());
        }
        let txn = self.db.begin().await?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"))
            .await?;
        txn.execute_unprepared(SHARED_LEDGER_SCHEMA)
            .await
            .map_err(|e| {
                LedgerError::Invalid(format!(
                    "cannot create the ledger table (run `custodian migrate` as the database owner): {e}"
                ))
            })?;
        txn.commit().await?;
        Ok(())
    }

    async fn lock(&self) -> Result<DatabaseTransaction, LedgerError> {
        let txn = self.db.begin().await?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"))
            .await?;
        Ok(txn)
    }

    async fn read_from(txn: &DatabaseTransaction, mark: u64) -> Result<Tail, LedgerError> {
        let last: i64 = txn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT COALESCE(MAX(seq), 0) AS last FROM shred_ledger_log",
            ))
            .await?
            .map(|r| r.try_get::<i64>("", "last"))
            .transpose()?
            .unwrap_or(0);
        // A mark past the end: the key store's mark is of another ledger
        // (say the file before a move to the shared table); read it all.
        let from = if mark as i64 <= last { mark as i64 } else { 0 };
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT seq, candidate_id, tenant_id, reason, basis, shredded_at, prev_hash, hash \
                 FROM shred_ledger_log WHERE seq > $1 ORDER BY seq",
                [Value::from(from)],
            ))
            .await?;
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            let shredded_at: String = r.try_get("", "shredded_at")?;
            let e = Entry {
                seq: r.try_get("", "seq")?,
                candidate_id: r.try_get("", "candidate_id")?,
                tenant_id: r.try_get("", "tenant_id")?,
                reason: r.try_get("", "reason")?,
                basis: r.try_get("", "basis")?,
                shredded_at: DateTime::parse_from_rfc3339(&shredded_at)
                    .map_err(|err| {
                        LedgerError::Invalid(format!("entry shredded_at {shredded_at:?}: {err}"))
                    })?
                    .with_timezone(&Utc),
                prev_hash: r.try_get("", "prev_hash")?,
                hash: r.try_get("", "hash")?,
            };
            if e.compute_hash() != e.hash || e.shredded_at_text() != shredded_at {
                return Err(LedgerError::Invalid(format!(
                    "entry {} has a wrong hash",
                    e.seq
                )));
            }
            entries.push(e);
        }
        let end = entries.last().map(|e| e.seq).unwrap_or(from) as u64;
        Ok(Tail {
            entries,
            end,
            last_seq: Some(last),
        })
    }

    async fn append(txn: &DatabaseTransaction, entries: &[Entry]) -> Result<u64, LedgerError> {
        let Some(last) = entries.last() else {
            return Err(LedgerError::Invalid("nothing to append".into()));
        };
        for chunk in entries.chunks(1000) {
            let mut sql = String::from(
                "INSERT INTO shred_ledger_log \
                 (seq, candidate_id, tenant_id, reason, basis, shredded_at, prev_hash, hash) VALUES ",
            );
            let mut values = Vec::with_capacity(chunk.len() * 8);
            for (i, e) in chunk.iter().enumerate() {
                let b = i * 8;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${},${},${},${},${},${},${},${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8
                ));
                values.extend([
                    Value::from(e.seq),
                    Value::from(e.candidate_id.clone()),
                    Value::from(e.tenant_id.clone()),
                    Value::from(e.reason.clone()),
                    Value::from(e.basis.clone()),
                    Value::from(e.shredded_at_text()),
                    Value::from(e.prev_hash.clone()),
                    Value::from(e.hash.clone()),
                ]);
            }
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                values,
            ))
            .await?;
        }
        Ok(last.seq as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, prev: &str) -> Entry {
        let mut e = Entry {
            seq,
            candidate_id: format!("c{seq}"),
            tenant_id: "t".into(),
            reason: "retention".into(),
            basis: "retention.applicant".into(),
            shredded_at: store::now_micros(),
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        e
    }

    #[tokio::test]
    async fn the_lock_is_exclusive_and_waits_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let lf = LedgerFile::new(dir.path().join("l.jsonl"));
        let held = lf.lock().await.unwrap();
        let second = LedgerFile::new(dir.path().join("l.jsonl"));
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(100), second.lock()).await;
        assert!(waiting.is_err(), "a second holder must wait");
        drop(held);
        tokio::time::timeout(std::time::Duration::from_secs(2), second.lock())
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn append_read_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let lf = LedgerFile::new(dir.path().join("l.jsonl"));
        let mut f = lf.lock().await.unwrap();
        let a = entry(1, store::GENESIS_HASH);
        let b = entry(2, &a.hash);
        let end = LedgerFile::append(&mut f, &[a.clone(), b.clone()]).unwrap();
        let t = LedgerFile::read_from(&mut f, 0).unwrap();
        assert_eq!(t.entries, vec![a.clone(), b.clone()]);
        assert_eq!(t.end, end);
        // A torn line is cut off and the file is clean again.
        f.write_all(b"{\"seq\":3,\"cand").unwrap();
        let t = LedgerFile::read_from(&mut f, end).unwrap();
        assert!(t.entries.is_empty());
        assert_eq!(f.metadata().unwrap().len(), end);
        // A past-the-end offset (file replaced) rereads from the start.
        assert_eq!(
            LedgerFile::read_from(&mut f, end + 1000)
                .unwrap()
                .entries
                .len(),
            2
        );
        // A forged line is refused.
        let mut bad = entry(3, &b.hash);
        bad.candidate_id = "other".into();
        LedgerFile::append(&mut f, &[bad]).unwrap();
        assert!(LedgerFile::read_from(&mut f, end).is_err());
    }
}

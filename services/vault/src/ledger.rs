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
//! [`reconcile`] moves entries forward along file → key store → file → main.
//! It is idempotent, and costs only what is new since each mark. A restored
//! database has an older mark, so the entries after it are applied again:
//! DEKs that came back are destroyed again, rows that came back are deleted
//! again. Every step is safe to repeat after a crash at any point.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            "custodian.shred.v1",
            &self.prev_hash,
            &self.seq.to_string(),
            &self.candidate_id,
            &self.tenant_id,
            &self.reason,
            &self.basis,
            &self
                .shredded_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
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
    /// Offset after the last complete line.
    pub end: u64,
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
                return Ok(Tail { entries, end: pos });
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
        Ok(Tail { entries, end: pos })
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

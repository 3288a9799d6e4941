//! When the database cannot serve: which errors mean "try again later"
//! (unreachable, out of space, an I/O failure, a pool that did not hand out a
//! connection in time), and this process's view of whether writes commit.
//!
//! A service turns an error that [`classify`] recognises into `UNAVAILABLE`
//! with the [`Outage`]'s words (never the SQL or the driver's text), so
//! standard retry policies retry it; every other database error stays
//! `INTERNAL`. The health of every hosted service follows [`Health`]
//! and the server's probe (`services/custodian/src/app.rs`): NOT_SERVING
//! while the database cannot be reached or a write could not commit, SERVING
//! again once one does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{DatabaseConnection, DbErr, RuntimeErr};

/// Why the database cannot serve now. Its `Display` is what a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// No connection could be made or the connection broke (PostgreSQL down
    /// or restarting, a network failure, the SQLite worker gone).
    Unreachable,
    /// No connection was free within the pool's acquire timeout.
    Busy,
    /// The disk (or the configured size cap) is full: `SQLITE_FULL`,
    /// PostgreSQL's class 53 (`disk_full`, out of memory, too many connections).
    Full,
    /// The storage failed to read or write (`SQLITE_IOERR`, PostgreSQL's
    /// class 58), or SQLite could not open or lock its file.
    Io,
    /// The database ended a transaction under its writer (SQLite rolls back
    /// the whole transaction on a full disk or an I/O error; a savepoint
    /// then no longer exists): the other writes of an audit group.
    Aborted,
}

impl std::fmt::Display for Outage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outage::Unreachable => "the database cannot be reached; nothing was changed, retry later",
            Outage::Busy => {
                "the database did not answer in time (all connections busy); nothing was changed, retry later"
            }
            Outage::Full => {
                "the database is out of space; nothing was changed, retry once an operator has freed space"
            }
            Outage::Io => "the database could not read or write its storage; nothing was changed, retry later",
            Outage::Aborted => {
                "the database ended the transaction (out of space or a storage failure); nothing was changed, retry later"
            }
        })
    }
}

// SQLite's primary result codes (the low byte of an extended code).
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_NOMEM: i64 = 7;
const SQLITE_IOERR: i64 = 10;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;
const SQLITE_PROTOCOL: i64 = 15;

/// Whether `e` means the database cannot serve now, and why.
pub fn classify(e: &DbErr) -> Option<Outage> {
    match e {
        DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout) => Some(Outage::Busy),
        DbErr::ConnectionAcquire(_) => Some(Outage::Unreachable),
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => match r {
            RuntimeErr::SqlxError(s) => classify_sqlx(s),
            // sea-orm's own connection errors (a pool that is gone).
            RuntimeErr::Internal(_) if matches!(e, DbErr::Conn(_)) => Some(Outage::Unreachable),
            _ => None,
        },
        _ => None,
    }
}

fn classify_sqlx(e: &sea_orm::sqlx::Error) -> Option<Outage> {
    use sea_orm::sqlx::Error as E;
    match e {
        E::Io(_) | E::Tls(_) | E::PoolClosed | E::WorkerCrashed | E::Protocol(_) => {
            Some(Outage::Unreachable)
        }
        E::PoolTimedOut => Some(Outage::Busy),
        E::Database(d) => {
            let code = d.code()?;
            if let Ok(n) = code.parse::<i64>() {
                // SQLite: a numeric (extended) result code.
                return match n & 0xff {
                    SQLITE_FULL | SQLITE_NOMEM => Some(Outage::Full),
                    SQLITE_IOERR | SQLITE_CANTOPEN | SQLITE_PROTOCOL => Some(Outage::Io),
                    SQLITE_BUSY | SQLITE_LOCKED => Some(Outage::Busy),
                    _ => None,
                };
            }
            // PostgreSQL: a SQLSTATE.
            match code.get(..2) {
                Some("08") => Some(Outage::Unreachable),
                Some("53") => Some(Outage::Full),
                Some("58") => Some(Outage::Io),
                _ if matches!(&*code, "57P01" | "57P02" | "57P03") => Some(Outage::Unreachable),
                _ => None,
            }
        }
        _ => None,
    }
}

/// This process's view of one database's writes: when the last one failed
/// for an outage and when the last one committed. One per database (the
/// SQLite file; PostgreSQL's host, port and database), shared by every pool
/// on it, like the audit writer's queue.
#[derive(Debug, Default)]
pub struct Health {
    last_failed_write: AtomicU64,
    last_commit: AtomicU64,
    /// Woken at each failed write, so the health reporter turns
    /// NOT_SERVING at once instead of at its next tick.
    failed: tokio::sync::Notify,
}

impl Health {
    /// Notes that a write failed because of `outage`.
    pub fn failed_write(&self, outage: Outage) {
        metrics::counter!("custodian_db_outage_errors_total", "kind" => kind_label(outage))
            .increment(1);
        self.last_failed_write.store(now_ms(), Ordering::Release);
        self.failed.notify_one();
    }

    /// Resolves at the next failed write (or at once, if one failed since
    /// the last call).
    pub async fn failure(&self) {
        self.failed.notified().await
    }

    /// Notes that a write committed.
    pub fn committed(&self) {
        self.last_commit.store(now_ms(), Ordering::Release);
    }

    /// Records `e` if it is an outage and returns its class.
    pub fn observe(&self, e: &DbErr) -> Option<Outage> {
        let o = classify(e)?;
        self.failed_write(o);
        Some(o)
    }

    /// Whether the last write that ended failed for an outage (none has
    /// committed since).
    pub fn writes_failing(&self) -> bool {
        self.last_failed_write.load(Ordering::Acquire) > self.last_commit.load(Ordering::Acquire)
    }
}

/// Whether the database answers at all: one `SELECT 1` through the pool
/// (bounded by the pool's acquire timeout).
pub async fn reachable(db: &DatabaseConnection) -> Result<(), Outage> {
    use sea_orm::ConnectionTrait;
    let ping = db.execute_unprepared("SELECT 1");
    match tokio::time::timeout(crate::ACQUIRE_TIMEOUT, ping).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(classify(&e).unwrap_or(Outage::Unreachable)),
        Err(_) => Err(Outage::Busy),
    }
}

static HEALTH: LazyLock<Mutex<HashMap<String, Arc<Health>>>> = LazyLock::new(Default::default);

/// The [`Health`] of the database `db` talks to.
pub fn health(db: &DatabaseConnection) -> Arc<Health> {
    HEALTH
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(crate::database_key(db))
        .or_default()
        .clone()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
        .max(1)
}

fn kind_label(o: Outage) -> &'static str {
    match o {
        Outage::Unreachable => "unreachable",
        Outage::Busy => "busy",
        Outage::Full => "full",
        Outage::Io => "io",
        Outage::Aborted => "aborted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_errors_are_outages_and_others_are_not() {
        assert_eq!(
            classify(&DbErr::ConnectionAcquire(
                sea_orm::error::ConnAcquireErr::Timeout
            )),
            Some(Outage::Busy)
        );
        assert_eq!(classify(&DbErr::RecordNotFound("x".into())), None);
        assert_eq!(classify(&DbErr::Custom("x".into())), None);
        assert!(!Outage::Full.to_string().contains("SQL"));
    }

    #[test]
    fn the_health_flag_follows_the_last_write() {
        let h = Health::default();
        assert!(!h.writes_failing());
        h.committed();
        std::thread::sleep(std::time::Duration::from_millis(2));
        h.failed_write(Outage::Full);
        assert!(h.writes_failing());
        std::thread::sleep(std::time::Duration::from_millis(2));
        h.committed();
        assert!(!h.writes_failing());
    }
}

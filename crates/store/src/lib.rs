//! Storage for Custodian: sea-orm entities, migrations and connection setup for
//! SQLite (the embedded default) and PostgreSQL (production).
//!
//! This crate owns the schema. It holds no business rules: each service crate
//! reads and writes only the entities of the tables it owns (see
//! `docs/ARCHITECTURE.md` for the table-to-service map).

pub mod entities;
pub mod migrations;
pub mod outage;
pub mod schemas;

use std::path::Path;
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

pub use sea_orm;

/// The hash that precedes the first entry of every audit chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The main database's SQLite URL inside a data directory.
pub fn default_database_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("custodian.db").display()
    )
}

/// The key store's SQLite URL inside a data directory.
pub fn default_keystore_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("keys.db").display())
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url {0:?}: expected sqlite:// or postgres://")]
    UnsupportedUrl(String),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Unsupported(String),
    #[error(
        "{pending} migration(s) of the {database} are not applied (first: {first}); run `custodian migrate` as the database owner, then start again"
    )]
    Pending {
        database: &'static str,
        pending: usize,
        first: String,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Opens a connection pool. SQLite files are created on demand and put in WAL
/// mode with foreign keys on and a busy timeout, so concurrent writers wait
/// instead of failing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    connect_with(url, Plans::Cached).await
}

/// How PostgreSQL plans the prepared statements of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plans {
    /// PostgreSQL's default: after five executions a statement may keep one
    /// generic plan until the table's statistics change.
    Cached,
    /// Every execution planned with its values and the table's current size
    /// (`plan_cache_mode = force_custom_plan`). For the key store and the
    /// shared ledger: their tables start empty and grow by thousands of rows
    /// a sweep batch, so a generic plan cached while they were empty (a
    /// sequential scan and a sort, "cost 0") is kept for as long as nothing
    /// analyzes them, and every read of the ledger's tail then scans it all:
    /// measured, a sweep of 1,000,000 took 251 s instead of 130 s, the tail
    /// reads 139 s of it. Their statements are few and cheap to plan.
    Custom,
}

/// How long a call waits for a pooled connection before it is told the
/// database is busy (`UNAVAILABLE`): short, so a database outage answers in
/// seconds instead of holding every caller (and its memory) for half a minute.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// [`connect`], choosing how PostgreSQL plans the pool's statements.
///
/// Every connection is proven clean before the pool hands it out again: one
/// that is still inside a transaction, by sqlx's count or by the database's
/// own state, is closed instead (closing rolls it back and releases its
/// locks). After a failed `COMMIT` or `ROLLBACK` (a full disk, an I/O error)
/// the two can disagree; reused, such a connection turned the next
/// transaction into a savepoint of one that never commits, so writes were
/// answered OK and lost, and SQLite's write lock was held for good.
///
/// A SQLite URL may carry `max_page_count=N`: the database file is capped at
/// N pages (of 4 KiB), and writes past it fail as "out of space" like a full
/// disk does. Custodian's own parameter, not sqlx's: an operator's quota, and
/// the way the tests fill a database.
pub async fn connect_with(url: &str, plans: Plans) -> Result<DatabaseConnection, StoreError> {
    let (url, max_pages) = split_max_page_count(url)?;
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(ACQUIRE_TIMEOUT);
    if url.starts_with("sqlite:") {
        if let Some(path) = sqlite_file(&url)
            && let Some(parent) = Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::DataDir {
                path: parent.display().to_string(),
                source,
            })?;
        }
        // sqlx runs each SQLite connection on its own thread; more of them
        // let reads overlap the hand-offs (measured: 8 → 16 connections took
        // point reads from ~13k/s to ~16k/s on 2 cores). WAL allows many readers.
        opts.max_connections(16).min_connections(1);
        opts.map_sqlx_sqlite_opts(move |o| {
            let o = o
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .create_if_missing(true);
            match max_pages {
                Some(n) => o.pragma("max_page_count", n.to_string()),
                None => o,
            }
        });
        // The check below takes the handle from the connection's worker
        // thread, which proves the worker alive as the ping did. Measured:
        // it costs more than the ping (two hand-offs between threads, not
        // one): a single-client read of several queries (CheckEngagement,
        // `--only notices`) ran at 725 instead of 828 requests/s on the
        // same machine. sqlx's count alone would catch every mismatch its
        // own transactions leave, but not a connection SQLite holds inside
        // a transaction sqlx does not know of; the safer check is kept
        // until issue 33 finds it a cheaper form.
        opts.test_before_acquire(false);
        opts.map_sqlx_sqlite_before_acquire(|conn, _| {
            Box::pin(async move {
                use sea_orm::sqlx::Connection;
                if conn.is_in_transaction() {
                    tracing::warn!(
                        "a pooled SQLite connection was still counted inside a transaction: closed"
                    );
                    return Ok(false);
                }
                let mut handle = conn.lock_handle().await?;
                // SAFETY: the handle is locked out of the worker thread for
                // the duration of the call; sqlite3_get_autocommit only reads.
                let autocommit = unsafe {
                    libsqlite3_sys::sqlite3_get_autocommit(handle.as_raw_handle().as_ptr())
                };
                if autocommit == 0 {
                    tracing::warn!(
                        "a pooled SQLite connection was left inside a transaction: closed"
                    );
                    return Ok(false);
                }
                Ok(true)
            })
        });
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        opts.max_connections(16).min_connections(1);
        if plans == Plans::Custom {
            opts.map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
        }
        // After sqlx's ping (which a broken connection fails): one that
        // sqlx still counts inside a transaction is closed. PostgreSQL's own
        // transaction state is not public in sqlx; Custodian never opens a
        // transaction but through sqlx, so the count is the state.
        opts.map_sqlx_postgres_before_acquire(|conn, _| {
            Box::pin(async move {
                use sea_orm::sqlx::Connection;
                if conn.is_in_transaction() {
                    tracing::warn!(
                        "a pooled PostgreSQL connection was still counted inside a transaction: closed"
                    );
                    return Ok(false);
                }
                Ok(true)
            })
        });
    } else {
        return Err(StoreError::UnsupportedUrl(redact_url(&url)));
    }
    Ok(Database::connect(opts).await?)
}

/// `url` without Custodian's own `max_page_count=N` query parameter, and N.
fn split_max_page_count(url: &str) -> Result<(String, Option<u64>), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None));
    };
    let mut kept = Vec::new();
    let mut pages = None;
    for pair in query.split('&') {
        match pair.strip_prefix("max_page_count=") {
            Some(v) if url.starts_with("sqlite:") => {
                let n: u64 = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    StoreError::Unsupported(format!(
                        "max_page_count in the database URL must be a positive number of pages, got {}",
                        domain_kit::quote(v)
                    ))
                })?;
                pages = Some(n);
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, pages))
}

/// Which database a connection talks to (the SQLite file; PostgreSQL's host,
/// port and database): every pool on the same database shares what is keyed
/// by it (the audit writer's queue, the [`outage::Health`]).
pub fn database_key(db: &DatabaseConnection) -> String {
    match db.get_database_backend() {
        DbBackend::Sqlite => format!(
            "sqlite:{}",
            db.get_sqlite_connection_pool()
                .connect_options()
                .get_filename()
                .display()
        ),
        DbBackend::Postgres => {
            let o = db.get_postgres_connection_pool().connect_options();
            format!(
                "postgres://{}:{}/{}",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or_default()
            )
        }
        other => format!("{other:?}"),
    }
}

/// The file path of a `sqlite://PATH?...` URL, if it names a file.
pub fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// A URL without its password, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Connects to the main database and applies every pending migration.
pub async fn open_main(url: &str) -> Result<DatabaseConnection, StoreError> {
    let db = connect(url).await?;
    migrations::Migrator::up(&db, None).await?;
    Ok(db)
}

/// Connects to a database another role migrates (a split deployment's
/// service role may not create tables) and checks that every migration of
/// `M` is applied: a process never runs on a schema older than its code.
pub async fn open_migrated<M: MigratorTrait>(
    url: &str,
    database: &'static str,
    plans: Plans,
) -> Result<DatabaseConnection, StoreError> {
    let db = connect_with(url, plans).await?;
    let table = M::migration_table_name().to_string();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT version FROM {table}"),
        ))
        .await?;
    let applied: std::collections::HashSet<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String>("", "version").ok())
        .collect();
    let pending: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .filter(|n| !applied.contains(n))
        .collect();
    if let Some(first) = pending.first() {
        return Err(StoreError::Pending {
            database,
            pending: pending.len(),
            first: first.clone(),
        });
    }
    Ok(db)
}

/// Connects to the key store (custom plans, see [`Plans::Custom`]).
pub async fn connect_keystore(url: &str) -> Result<DatabaseConnection, StoreError> {
    connect_with(url, Plans::Custom).await
}

/// Connects to the key store and applies every pending migration.
pub async fn open_keystore(url: &str) -> Result<DatabaseConnection, StoreError> {
    let db = connect_keystore(url).await?;
    migrations::KeystoreMigrator::up(&db, None).await?;
    Ok(db)
}

/// Applies pending migrations to both databases and reports how many ran.
pub async fn migrate(main_url: &str, keystore_url: &str) -> Result<MigrationReport, StoreError> {
    let main = connect(main_url).await?;
    let main_pending = migrations::Migrator::get_pending_migrations(&main)
        .await?
        .len();
    migrations::Migrator::up(&main, None).await?;
    let keys = connect(keystore_url).await?;
    let keys_pending = migrations::KeystoreMigrator::get_pending_migrations(&keys)
        .await?
        .len();
    migrations::KeystoreMigrator::up(&keys, None).await?;
    Ok(MigrationReport {
        main_applied: main_pending,
        keystore_applied: keys_pending,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationReport {
    pub main_applied: usize,
    pub keystore_applied: usize,
}

/// Whether a connection talks to PostgreSQL (row locks, `SKIP LOCKED`) or SQLite.
pub fn is_postgres<C: ConnectionTrait>(db: &C) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// A LIKE pattern matching what starts with `p`, its wildcards escaped: a
/// prefix typed in a search box, never a pattern.
pub fn like_prefix(p: &str) -> sea_orm::sea_query::LikeExpr {
    let mut escaped = String::with_capacity(p.len() + 1);
    for c in p.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    sea_orm::sea_query::LikeExpr::new(escaped).escape('\\')
}

/// The current instant truncated to microseconds: the precision both backends
/// keep, so a value read back equals the value written (the audit hash chain
/// depends on that).
pub fn now_micros() -> chrono::DateTime<chrono::Utc> {
    truncate_micros(chrono::Utc::now())
}

pub fn truncate_micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Timelike};
    let t = t.trunc_subsecs(6);
    debug_assert_eq!(t.nanosecond() % 1000, 0);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact_url("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
    }

    #[test]
    fn max_page_count_is_taken_out_of_a_sqlite_url() {
        assert_eq!(
            split_max_page_count("sqlite://d/x.db?mode=rwc&max_page_count=40").unwrap(),
            ("sqlite://d/x.db?mode=rwc".to_owned(), Some(40))
        );
        assert_eq!(
            split_max_page_count("sqlite://d/x.db?max_page_count=40").unwrap(),
            ("sqlite://d/x.db".to_owned(), Some(40))
        );
        assert_eq!(
            split_max_page_count("postgres://h/db").unwrap(),
            ("postgres://h/db".to_owned(), None)
        );
        let e = split_max_page_count("sqlite://d/x.db?max_page_count=lots")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_page_count") && e.contains("lots"), "{e}");
    }

    #[test]
    fn sqlite_file_paths() {
        assert_eq!(
            sqlite_file("sqlite://data/custodian.db?mode=rwc"),
            Some("data/custodian.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x"), None);
    }
}

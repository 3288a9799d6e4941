//! Storage for Custodian: sea-orm entities, migrations and connection setup for
//! SQLite (the embedded default) and PostgreSQL (production).
//!
//! This crate owns the schema. It holds no business rules: each service crate
//! reads and writes only the entities of the tables it owns (see
//! `docs/ARCHITECTURE.md` for the table-to-service map).

pub mod entities;
pub mod migrations;
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

/// [`connect`], choosing how PostgreSQL plans the pool's statements.
pub async fn connect_with(url: &str, plans: Plans) -> Result<DatabaseConnection, StoreError> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        if let Some(path) = sqlite_file(url)
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
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .create_if_missing(true)
        });
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        opts.max_connections(16).min_connections(1);
        if plans == Plans::Custom {
            opts.map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
        }
    } else {
        return Err(StoreError::UnsupportedUrl(redact_url(url)));
    }
    Ok(Database::connect(opts).await?)
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
    fn sqlite_file_paths() {
        assert_eq!(
            sqlite_file("sqlite://data/custodian.db?mode=rwc"),
            Some("data/custodian.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x"), None);
    }
}

//! Test support shared by every crate's storage tests and the end-to-end suite:
//! a fresh, empty database per test on every backend under test.
//!
//! SQLite always runs. PostgreSQL runs whenever `TEST_DATABASE_URL` is set; it
//! then *must* be reachable: an unreachable server fails the test, it never
//! skips it, so CI cannot go green without having tested PostgreSQL.

use std::fmt;

use sea_orm::{ConnectionTrait, Database, Statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// The backends this test run covers.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if postgres_admin_url().is_some() {
        v.push(Backend::Postgres);
    }
    v
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// A database that exists for one test. Dropping it removes it: the SQLite
/// directory is deleted, the PostgreSQL database is dropped (also when the test
/// panicked).
pub struct TestDb {
    pub backend: Backend,
    /// URL of the main database.
    pub url: String,
    /// URL of the separate key store database.
    pub keystore_url: String,
    /// A scratch directory for this test (data dir, ledger files, key files).
    pub dir: tempfile::TempDir,
    _pg: Option<PgCleanup>,
}

struct PgCleanup {
    admin_url: String,
    names: Vec<String>,
    /// Login roles a test made; dropped after the databases they had rights in.
    roles: Vec<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("create temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("custodian.db").display()
                );
                let keystore_url =
                    format!("sqlite://{}?mode=rwc", dir.path().join("keys.db").display());
                TestDb {
                    backend,
                    url,
                    keystore_url,
                    dir,
                    _pg: None,
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url().expect("TEST_DATABASE_URL is set");
                let base = uuid::Uuid::new_v4().simple().to_string();
                let main = format!("ct_{}", &base[..20]);
                let keys = format!("ct_{}_k", &base[..20]);
                create_databases(&admin_url, &[&main, &keys], |e| {
                    format!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}")
                })
                .await;
                let url = replace_db_name(&admin_url, &main);
                let keystore_url = replace_db_name(&admin_url, &keys);
                TestDb {
                    backend,
                    url,
                    keystore_url,
                    dir,
                    _pg: Some(PgCleanup {
                        admin_url,
                        names: vec![main, keys],
                        roles: Vec::new(),
                    }),
                }
            }
        }
    }
}

/// Every backend under test, each with a fresh database.
pub async fn all_dbs() -> Vec<TestDb> {
    let mut v = Vec::new();
    for b in backends() {
        v.push(TestDb::new(b).await);
    }
    v
}

/// The PostgreSQL server for tests that need one whatever the backend under
/// test (the shared shred ledger is a PostgreSQL table): `TEST_DATABASE_URL`,
/// else this machine's default `postgres://postgres@127.0.0.1:5432/test`.
/// Unreachable, it fails the test saying so; it never skips it.
pub fn postgres_required() -> String {
    postgres_admin_url().unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A PostgreSQL database of its own for one test, dropped with it.
pub struct PgDatabase {
    /// Its URL, as the administrator of `TEST_DATABASE_URL`.
    pub url: String,
    pub name: String,
    admin_url: String,
    _cleanup: PgCleanup,
}

impl PgDatabase {
    pub async fn new(suffix: &str) -> PgDatabase {
        let admin_url = postgres_required();
        let base = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("ct_{}_{suffix}", &base[..20]);
        create_databases(&admin_url, &[&name], |e| {
            format!(
                "this test needs PostgreSQL at {admin_url} (set TEST_DATABASE_URL; .ci/run starts it): {e}"
            )
        })
        .await;
        PgDatabase {
            url: replace_db_name(&admin_url, &name),
            name: name.clone(),
            admin_url: admin_url.clone(),
            _cleanup: PgCleanup {
                admin_url,
                names: vec![name],
                roles: Vec::new(),
            },
        }
    }

    /// Runs SQL as the administrator, in this database.
    pub async fn admin_exec(&self, sql: &str) -> Result<(), sea_orm::DbErr> {
        let db = Database::connect(&self.url).await?;
        let r = db.execute_unprepared(sql).await.map(|_| ());
        let _ = db.close().await;
        r
    }

    /// This database's URL logged in as `role` instead of the administrator
    /// (trust authentication, as on the test machines).
    /// Creates a login role (dropped with the database) and runs `grants`
    /// in this database with `{role}` replaced by its name; returns the name.
    pub async fn login_role(&mut self, grants: &str) -> String {
        let role = format!("{}_role", self.name);
        let admin = Database::connect(&self.admin_url).await.expect("admin");
        admin
            .execute_unprepared(&format!("CREATE ROLE \"{role}\" LOGIN"))
            .await
            .unwrap_or_else(|e| panic!("create role {role}: {e}"));
        let _ = admin.close().await;
        self._cleanup.roles.push(role.clone());
        self.admin_exec(&grants.replace("{role}", &format!("\"{role}\"")))
            .await
            .unwrap_or_else(|e| panic!("grant to {role}: {e}"));
        role
    }

    pub fn url_as(&self, role: &str) -> String {
        let url = replace_db_name(&self.admin_url, &self.name);
        let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
        let host_start = url[scheme_end..]
            .find('@')
            .map(|i| scheme_end + i + 1)
            .unwrap_or(scheme_end);
        format!("{}{role}@{}", &url[..scheme_end], &url[host_start..])
    }
}

/// Creates empty PostgreSQL databases as the administrator; panics with
/// `unreachable`'s message when the server cannot be reached.
async fn create_databases(
    admin_url: &str,
    names: &[&str],
    unreachable: impl FnOnce(sea_orm::DbErr) -> String,
) {
    let admin = Database::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("{}", unreachable(e)));
    for name in names {
        admin
            .execute_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("CREATE DATABASE \"{name}\""),
            ))
            .await
            .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
    }
    let _ = admin.close().await;
}

/// Replaces the database name (the path) of a PostgreSQL URL, keeping its query.
/// Runs one statement as a test's own operator would, panicking with the
/// statement and the error if it fails.
pub async fn exec(db: &impl ConnectionTrait, sql: &str) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The first column of the first row of `sql`, as an integer.
pub async fn scalar(db: &impl ConnectionTrait, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"))
        .try_get_by_index::<i64>(0)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for PgCleanup {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let names = std::mem::take(&mut self.names);
        let roles = std::mem::take(&mut self.roles);
        // Drop runs inside the test's runtime; a separate thread with its own
        // runtime can block on the cleanup without tripping over it.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let Ok(rt) = rt else { return };
            rt.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    for n in names {
                        let _ = admin
                            .execute_raw(Statement::from_string(
                                sea_orm::DbBackend::Postgres,
                                format!("DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)"),
                            ))
                            .await;
                    }
                    for r in roles {
                        let _ = admin
                            .execute_unprepared(&format!("DROP ROLE IF EXISTS \"{r}\""))
                            .await;
                    }
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::replace_db_name;

    #[test]
    fn replaces_database_names() {
        assert_eq!(
            replace_db_name("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_db_name("postgres://u:p@h/test?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
        assert_eq!(replace_db_name("postgres://h", "z"), "postgres://h/z");
    }
}

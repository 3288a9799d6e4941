//! One PostgreSQL schema per service and a role per service with rights on
//! its own schema only (`custodian migrate --per-service-schemas`), for the
//! split deployment. The embedded SQLite default has no roles: there every
//! table stays in the one file.
//!
//! What is shared, and why (docs/ARCHITECTURE.md, "What each process may
//! open"): `audit` (every service appends its audit entry in the
//! transaction of its change, invariant 4, so the audit tables live in the
//! same database; every role reads them, none writes them: the roles that
//! audit append through the owner's `audit_append`, which computes the
//! sequence, the time and the hashes itself and records the login role as
//! the entry's writer, and lock the chain through `audit_lock`); `outbox` (a service enqueues its
//! message in the transaction of its change, and reads back its delivery;
//! only the notifications role, the deliverer, may read bodies, record
//! attempts, update or delete, and a trigger keeps a message's tenant,
//! topic, subject and body as enqueued);
//! `auth` (every process authenticates its callers, so every role may read
//! the token table; none writes it: the owner creates tokens, and the
//! controllers role revokes through the owner's functions `revoke_token`,
//! `revoke_tenant_tokens` and `end_person_sessions`, which set `revoked_at`
//! alone, and starts a person's session through `start_person_session`,
//! which reads the role, tenant and name from the live person itself). The key store
//! is its own database, whose CONNECT right only the vault role has; its
//! ledger and fence refuse UPDATE and DELETE by trigger.
//!
//! Migrations stay one history, run by the database owner: the database's
//! `search_path` names every schema, so an unqualified name in a migration
//! finds its table wherever it lives, and [`provision`] moves any table a
//! new migration created into the schema of its service (idempotent).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use domain_kit::quote;

use crate::StoreError;

/// The services that own tables, each with a schema of its own.
pub const SERVICE_SCHEMAS: [&str; 7] = [
    "controllers",
    "agreements",
    "subprocessors",
    "breaches",
    "requests",
    "switching",
    "vault",
];

/// The shared schemas (see the module documentation).
pub const SHARED_SCHEMAS: [&str; 3] = ["auth", "audit", "outbox"];

/// Every table of the main database and the schema it lives in. A table a
/// migration adds must be named here: [`provision`] refuses one that is not.
pub const TABLES: &[(&str, &str)] = &[
    ("controllers", "controllers"),
    ("people", "controllers"),
    ("sign_in_attempts", "controllers"),
    ("calendar_events", "controllers"),
    ("api_tokens", "auth"),
    ("audit_events", "audit"),
    ("audit_heads", "audit"),
    ("outbox_messages", "outbox"),
    ("outbox_attempts", "outbox"),
    ("mail_messages", "outbox"),
    ("mail_cursors", "outbox"),
    ("agreements", "agreements"),
    ("agreement_versions", "agreements"),
    ("subprocessors", "subprocessors"),
    ("subprocessor_authorisations", "subprocessors"),
    ("subprocessor_changes", "subprocessors"),
    ("subprocessor_notices", "subprocessors"),
    ("subprocessor_objections", "subprocessors"),
    ("breach_incidents", "breaches"),
    ("breach_assessments", "breaches"),
    ("breach_authority_notifications", "breaches"),
    ("breach_notices", "breaches"),
    ("breach_notice_sends", "breaches"),
    ("breach_subject_decisions", "breaches"),
    ("dsr_requests", "requests"),
    ("switching_requests", "switching"),
    ("switching_exports", "switching"),
    ("switching_export_chunks", "switching"),
    ("switching_charges", "switching"),
    ("candidates", "vault"),
    ("candidate_documents", "vault"),
    ("candidate_index", "vault"),
    ("deletion_certificates", "vault"),
    ("retention_policies", "vault"),
    ("vault_state", "vault"),
];

/// The services a process can host that have a role: the table owners and
/// the three that own none (audit reads the shared chain, notifications
/// delivers the outbox, deadlines only merges).
pub const ROLES: [&str; 10] = [
    "controllers",
    "agreements",
    "subprocessors",
    "breaches",
    "requests",
    "switching",
    "vault",
    "audit",
    "notifications",
    "deadlines",
];

/// The roles that append audit entries (EXECUTE on `audit_append`,
/// `audit_lock` and `audit_probe`): every role but the two that only read
/// (`audit`) or merge (`deadlines`).
pub const AUDIT_WRITERS: [&str; 8] = [
    "controllers",
    "agreements",
    "subprocessors",
    "breaches",
    "requests",
    "switching",
    "vault",
    "notifications",
];

/// The outbox columns every role may read: a message's delivery, not its
/// body (the notice's content, with another tenant's personal data), which
/// only the deliverer's role reads.
pub const OUTBOX_READABLE: &str = "id, tenant_id, topic, subject_type, subject_id, status, \
     attempts, next_attempt_at, claimed_until, created_at, delivered_at, last_error";

/// The PostgreSQL role of a service: `custodian_<service>` (NOLOGIN; a
/// process logs in as a role that is a member of the roles of the services
/// it hosts).
pub fn role(service: &str) -> String {
    format!("custodian_{service}")
}

/// What [`provision`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provisioned {
    /// Tables moved into the schema of their service by this run.
    pub moved: Vec<String>,
}

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), StoreError> {
    db.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await?;
    Ok(())
}

/// A role created unless it exists (roles are cluster-wide: several
/// databases of one cluster share them).
async fn ensure_role(db: &DatabaseConnection, name: &str) -> Result<(), StoreError> {
    exec(
        db,
        &format!(
            "DO $$ BEGIN CREATE ROLE {name} NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ),
    )
    .await
}

/// The schema each table of the main database is in now.
async fn current_schemas(db: &DatabaseConnection) -> Result<Vec<(String, String)>, StoreError> {
    let all: Vec<String> = SERVICE_SCHEMAS
        .iter()
        .chain(SHARED_SCHEMAS.iter())
        .chain(std::iter::once(&"public"))
        .map(|s| format!("'{s}'"))
        .collect();
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT table_name, table_schema FROM information_schema.tables \
                 WHERE table_type = 'BASE TABLE' AND table_schema IN ({})",
                all.join(", ")
            ),
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "table_name")?, r.try_get("", "table_schema")?)))
        .collect()
}

/// Puts every table of the main database (`main`, connected as its owner,
/// migrated) into the schema of its service, creates the service roles and
/// grants each its own schema and the shared rights; with `keystore` (the
/// key store, connected as its owner) only the vault role may connect to
/// it. Idempotent. PostgreSQL only.
pub async fn provision(
    main: &DatabaseConnection,
    keystore: Option<&DatabaseConnection>,
) -> Result<Provisioned, StoreError> {
    if !crate::is_postgres(main) {
        return Err(StoreError::Unsupported(
            "per-service schemas need PostgreSQL; the embedded SQLite keeps every table in one file"
                .into(),
        ));
    }
    for s in SERVICE_SCHEMAS.iter().chain(SHARED_SCHEMAS.iter()) {
        exec(main, &format!("CREATE SCHEMA IF NOT EXISTS {s}")).await?;
    }
    let mut moved = Vec::new();
    for (table, schema) in current_schemas(main).await? {
        if table == "seaql_migrations" {
            continue;
        }
        let want = TABLES
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                StoreError::Unsupported(format!(
                    "table {table} has no service: name its schema in store::schemas::TABLES"
                ))
            })?;
        if schema != want {
            exec(
                main,
                &format!("ALTER TABLE {schema}.{table} SET SCHEMA {want}"),
            )
            .await?;
            moved.push(table);
        }
    }
    // Every connection finds every table by its plain name; a schema a
    // role has no USAGE on is skipped, so its tables do not exist for it.
    // `public` first: it is where an unqualified CREATE lands (the
    // migration history, and any table a later migration adds, which the
    // next provisioning moves), so the history is never created twice.
    let path: Vec<&str> = std::iter::once("public")
        .chain(SERVICE_SCHEMAS.iter().copied())
        .chain(SHARED_SCHEMAS.iter().copied())
        .collect();
    let dbname: String = main
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_database() AS d".to_owned(),
        ))
        .await?
        .map(|r| r.try_get("", "d"))
        .transpose()?
        .unwrap_or_default();
    exec(
        main,
        &format!(
            "ALTER DATABASE \"{dbname}\" SET search_path = {}",
            path.join(", ")
        ),
    )
    .await?;
    exec(main, &format!("SET search_path = {}", path.join(", "))).await?;

    for service in ROLES {
        let r = role(service);
        ensure_role(main, &r).await?;
        // Shared: read the migration history, the tokens, the audit log;
        // enqueue and read outbox messages.
        let shared = [
            format!("GRANT USAGE ON SCHEMA public, auth, audit, outbox TO {r}"),
            format!("GRANT SELECT ON public.seaql_migrations TO {r}"),
            format!("GRANT SELECT ON auth.api_tokens TO {r}"),
            // Read the log; entries are appended through the owner's
            // functions only (below), never written directly.
            format!("REVOKE ALL ON audit.audit_events, audit.audit_heads FROM {r}"),
            format!("GRANT SELECT ON audit.audit_events, audit.audit_heads TO {r}"),
            // Enqueue, and read back the delivery but not the body; only
            // the deliverer reads bodies, records attempts, updates and
            // deletes (below).
            format!("REVOKE ALL ON ALL TABLES IN SCHEMA outbox FROM {r}"),
            format!("GRANT INSERT ON outbox.outbox_messages TO {r}"),
            format!("GRANT SELECT ({OUTBOX_READABLE}) ON outbox.outbox_messages TO {r}"),
            format!("GRANT SELECT ON outbox.outbox_attempts TO {r}"),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA outbox TO {r}"),
            // Tokens are written by the operator (the owner) alone; the
            // controllers' role revokes through the functions (below).
            format!("REVOKE INSERT, UPDATE, DELETE ON auth.api_tokens FROM {r}"),
        ];
        for sql in shared {
            exec(main, &sql).await?;
        }
        if SERVICE_SCHEMAS.contains(&service) {
            for sql in [
                format!("GRANT USAGE ON SCHEMA {service} TO {r}"),
                format!(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {service} TO {r}"
                ),
                format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {service} TO {r}"),
            ] {
                exec(main, &sql).await?;
            }
        }
    }
    // Audit entries: through the owner's functions (migration 000020).
    let writers: Vec<String> = AUDIT_WRITERS.iter().map(|s| role(s)).collect();
    exec(
        main,
        &format!(
            "GRANT EXECUTE ON FUNCTION public.audit_append(jsonb), public.audit_lock(), \
             public.audit_probe() TO {}",
            writers.join(", ")
        ),
    )
    .await?;
    // Revocation sets `revoked_at` alone, through the owner's functions
    // (migration 000019); no role writes the token table itself.
    exec(
        main,
        &format!(
            "GRANT EXECUTE ON FUNCTION public.revoke_token(text, timestamptz), \
             public.revoke_tenant_tokens(text, timestamptz), \
             public.start_person_session(text, text, text, timestamptz, timestamptz), \
             public.end_person_sessions(text, timestamptz), \
             public.start_person_feed(text, text, text, timestamptz) TO {}",
            role("controllers")
        ),
    )
    .await?;
    // The deliverer alone claims, records attempts, retries and deletes; a
    // trigger keeps a message's tenant, topic, subject and body as enqueued.
    exec(
        main,
        &format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA outbox TO {}",
            role("notifications")
        ),
    )
    .await?;

    if let Some(ks) = keystore {
        let vault = role("vault");
        let ksname: String = ks
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_database() AS d".to_owned(),
            ))
            .await?
            .map(|r| r.try_get("", "d"))
            .transpose()?
            .unwrap_or_default();
        for sql in [
            format!("REVOKE CONNECT ON DATABASE \"{ksname}\" FROM PUBLIC"),
            format!("GRANT CONNECT ON DATABASE \"{ksname}\" TO {vault}"),
            format!("GRANT USAGE ON SCHEMA public TO {vault}"),
            format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {vault}"
            ),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {vault}"),
        ] {
            exec(ks, &sql).await?;
        }
    }
    Ok(Provisioned { moved })
}

/// A login role for one process: a member of the roles of the services it
/// hosts, so it has their rights and no others. Idempotent; `name` must be
/// a plain identifier. The operator's alternative to writing the SQL.
pub async fn login_role(
    main: &DatabaseConnection,
    name: &str,
    services: &[&str],
) -> Result<(), StoreError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Unsupported(format!(
            "a role name is letters, digits and underscores, got {}",
            quote(name)
        )));
    }
    exec(
        main,
        &format!(
            "DO $$ BEGIN CREATE ROLE {name} LOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ),
    )
    .await?;
    for s in services {
        if !ROLES.contains(s) {
            return Err(StoreError::Unsupported(format!(
                "no service {}: known are {}",
                quote(s),
                ROLES.join(", ")
            )));
        }
        // Concurrent grants of one membership can collide on the catalogue
        // ("tuple concurrently updated"); a repeat finds it done.
        let sql = format!("GRANT {} TO {name}", role(s));
        let mut tries = 0;
        loop {
            match exec(main, &sql).await {
                Ok(()) => break,
                Err(_) if tries < 5 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(10 * tries as u64)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_one_known_schema() {
        for (i, (t, s)) in TABLES.iter().enumerate() {
            assert!(
                SERVICE_SCHEMAS.contains(s) || SHARED_SCHEMAS.contains(s),
                "{t}: unknown schema {s}"
            );
            assert!(
                !TABLES[i + 1..].iter().any(|(u, _)| u == t),
                "{t} named twice"
            );
        }
    }
}

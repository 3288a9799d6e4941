//! Every per-service PostgreSQL role against a matrix of statements on the
//! shared tables: exactly the grants docs/ARCHITECTURE.md states ("What each
//! process may open"), no more. Statements touch no row (`WHERE false`), so
//! they test the right, not the data; the triggers are tried on real rows.

use custodian_tests::split::with_user;
use custodian_tests::*;
use store::schemas::ROLES;
use store::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// (statement, the roles that may run it). Everything else is refused.
const MATRIX: &[(&str, &[&str])] = &[
    ("SELECT count(*) FROM api_tokens", &ROLES),
    (
        "INSERT INTO api_tokens SELECT * FROM api_tokens WHERE false",
        &[],
    ),
    (
        "UPDATE api_tokens SET revoked_at = revoked_at WHERE false",
        &[],
    ),
    ("DELETE FROM api_tokens WHERE false", &[]),
    (
        "SELECT revoke_token('no-such-token', now())",
        &["controllers"],
    ),
    (
        "SELECT revoke_tenant_tokens('no-such-tenant', now())",
        &["controllers"],
    ),
    (
        "INSERT INTO audit_events SELECT * FROM audit_events WHERE false",
        &ROLES,
    ),
    ("UPDATE audit_events SET action = action WHERE false", &[]),
    ("DELETE FROM audit_events WHERE false", &[]),
    ("SELECT count(*) FROM outbox_messages", &ROLES),
    (
        "SELECT id, tenant_id, status, attempts, last_error FROM outbox_messages LIMIT 0",
        &ROLES,
    ),
    // The body, the notice itself, is the deliverer's alone to read.
    (
        "SELECT body FROM outbox_messages LIMIT 0",
        &["notifications"],
    ),
    ("SELECT * FROM outbox_messages LIMIT 0", &["notifications"]),
    (
        "INSERT INTO outbox_messages (id, tenant_id, topic, subject_type, subject_id, body, \
         status, attempts, next_attempt_at, created_at) \
         SELECT 'x', 't', 'topic', 's', 's', '{}', 'pending', 0, now(), now() WHERE false",
        &ROLES,
    ),
    ("SELECT count(*) FROM outbox_attempts", &ROLES),
    (
        "INSERT INTO outbox_attempts (id, message_id, number, started_at, duration_ms, \
         http_status, outcome) SELECT 'a', 'm', 1, now(), 0, 0, 'failed' WHERE false",
        &["notifications"],
    ),
    (
        "UPDATE outbox_messages SET status = status WHERE false",
        &["notifications"],
    ),
    (
        "DELETE FROM outbox_messages WHERE false",
        &["notifications"],
    ),
    (
        "UPDATE outbox_attempts SET outcome = outcome WHERE false",
        &["notifications"],
    ),
    (
        "DELETE FROM outbox_attempts WHERE false",
        &["notifications"],
    ),
];

fn sql(s: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, s.to_owned())
}

#[tokio::test]
async fn every_service_role_has_exactly_the_documented_rights_on_shared_tables() {
    for db in all_dbs().await {
        if db.backend != Backend::Postgres {
            continue; // SQLite has no roles.
        }
        let owner_cfg = config_for(&db, &AppOptions::default());
        custodian::ops::migrate(&owner_cfg).await.unwrap();
        custodian::ops::provision_schemas(&owner_cfg).await.unwrap();
        let owner = store::connect(&db.url).await.unwrap();
        let login = |s: &str| format!("custodian_matrix_{s}");
        for s in ROLES {
            store::schemas::login_role(&owner, &login(s), &[s])
                .await
                .unwrap();
        }
        let mut wrong = Vec::new();
        for s in ROLES {
            let conn = store::connect(&with_user(&db.url, &login(s)))
                .await
                .unwrap();
            for (stmt, allowed) in MATRIX {
                let may = allowed.contains(&s);
                match (conn.execute_raw(sql(stmt)).await, may) {
                    (Ok(_), true) => {}
                    (Err(e), false) if e.to_string().contains("permission denied") => {}
                    (r, _) => wrong.push(format!(
                        "{s}: {stmt}: expected {}, got {r:?}",
                        if may { "allowed" } else { "refused" }
                    )),
                }
            }
            conn.close().await.ok();
        }
        assert!(
            wrong.is_empty(),
            "grants differ from the matrix:\n{}",
            wrong.join("\n")
        );

        // The deliverer may move a message on, never rewrite or re-address it.
        owner
            .execute_raw(sql(
                "INSERT INTO outbox_messages (id, tenant_id, topic, subject_type, subject_id, body, \
                 status, attempts, next_attempt_at, created_at) VALUES ('m1', 't-a', 'breach.notice', \
                 'notice', 'n1', '{}', 'pending', 0, now(), now())",
            ))
            .await
            .unwrap();
        let deliverer = store::connect(&with_user(&db.url, &login("notifications")))
            .await
            .unwrap();
        deliverer
            .execute_raw(sql(
                "UPDATE outbox_messages SET attempts = 1 WHERE id = 'm1'",
            ))
            .await
            .expect("the deliverer records an attempt");
        for stmt in [
            "UPDATE outbox_messages SET body = '{\"forged\":true}' WHERE id = 'm1'",
            "UPDATE outbox_messages SET tenant_id = 't-b' WHERE id = 'm1'",
        ] {
            for conn in [&deliverer, &owner] {
                let e = conn.execute_raw(sql(stmt)).await.expect_err(stmt);
                assert!(e.to_string().contains("never change"), "{stmt}: {e}");
            }
        }
        deliverer.close().await.ok();

        // The vault's role on the key store: the ledger and the fence are
        // append-only (also for the owner).
        let keys_owner = store::connect(&db.keystore_url).await.unwrap();
        keys_owner
            .execute_raw(sql(
                "INSERT INTO tenant_shreds (tenant_id, destroyed_at, kek_versions, keys_destroyed) \
                 VALUES ('t-gone', now(), '[1]', 1)",
            ))
            .await
            .unwrap();
        let vault_keys = store::connect(&with_user(&db.keystore_url, &login("vault")))
            .await
            .unwrap();
        for stmt in [
            "UPDATE tenant_shreds SET keys_destroyed = 0 WHERE tenant_id = 't-gone'",
            "DELETE FROM tenant_shreds WHERE tenant_id = 't-gone'",
            "TRUNCATE tenant_shreds",
            "TRUNCATE shred_ledger",
        ] {
            let e = keys_owner.execute_raw(sql(stmt)).await.expect_err(stmt);
            assert!(e.to_string().contains("append-only"), "owner: {stmt}: {e}");
            // The vault's role: refused by the trigger, or (TRUNCATE) by
            // its rights before the trigger is asked.
            let e = vault_keys.execute_raw(sql(stmt)).await.expect_err(stmt);
            let m = e.to_string();
            assert!(
                m.contains("append-only") || m.contains("permission denied"),
                "vault: {stmt}: {m}"
            );
        }
        vault_keys.close().await.ok();
        keys_owner.close().await.ok();
        owner.close().await.ok();
    }
}

/// On both backends the key store's ledger and fence refuse UPDATE and
/// DELETE, whoever asks (SQLite has no roles: the trigger is the guard).
#[tokio::test]
async fn the_key_stores_ledger_and_fence_are_append_only() {
    for db in all_dbs().await {
        let keys = store::open_keystore(&db.keystore_url).await.unwrap();
        let b = keys.get_database_backend();
        keys.execute_raw(Statement::from_string(
            b,
            "INSERT INTO tenant_shreds (tenant_id, destroyed_at, kek_versions, keys_destroyed) \
             VALUES ('t-gone', CURRENT_TIMESTAMP, '[1]', 1)",
        ))
        .await
        .unwrap();
        for stmt in [
            "UPDATE tenant_shreds SET keys_destroyed = 0",
            "DELETE FROM tenant_shreds",
        ] {
            let e = keys
                .execute_raw(Statement::from_string(b, stmt))
                .await
                .expect_err(stmt);
            assert!(
                e.to_string().contains("append-only"),
                "{}: {stmt}: {e}",
                db.backend
            );
        }
        keys.close().await.ok();
    }
}

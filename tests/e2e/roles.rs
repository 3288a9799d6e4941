//! Every per-service PostgreSQL role against a matrix of statements on the
//! shared tables: exactly the grants docs/ARCHITECTURE.md states ("What each
//! process may open"), no more. Statements touch no row (`WHERE false`), so
//! they test the right, not the data; the triggers are tried on real rows.

use custodian_tests::split::with_user;
use custodian_tests::*;
use store::schemas::{AUDIT_WRITERS, ROLES};
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
    // A person's session: minted only by the owner's function, which takes
    // the role, tenant and name from the live person (no argument names a
    // role), and ended by another.
    (
        "SELECT start_person_session('no-such-person', 'id', 'hash', now(), now())",
        &["controllers"],
    ),
    (
        "SELECT end_person_sessions('no-such-person', now())",
        &["controllers"],
    ),
    (
        "SELECT start_person_feed('no-such-person', 'id', 'hash', now())",
        &["controllers"],
    ),
    // The audit log: read by all, written only through the owner's
    // functions, which compute the entry and record its writer.
    ("SELECT count(*) FROM audit_events", &ROLES),
    ("SELECT count(*) FROM audit_heads", &ROLES),
    (
        "INSERT INTO audit_events SELECT * FROM audit_events WHERE false",
        &[],
    ),
    ("UPDATE audit_events SET action = action WHERE false", &[]),
    ("DELETE FROM audit_events WHERE false", &[]),
    (
        "INSERT INTO audit_heads SELECT * FROM audit_heads WHERE false",
        &[],
    ),
    ("UPDATE audit_heads SET seq = seq WHERE false", &[]),
    ("DELETE FROM audit_heads WHERE false", &[]),
    ("SELECT audit_lock()", &AUDIT_WRITERS),
    ("SELECT audit_probe()", &AUDIT_WRITERS),
    ("SELECT * FROM audit_append('[]'::jsonb)", &AUDIT_WRITERS),
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
    // E-mail to people: addresses and words about every customer, the
    // mail worker's (notifications) alone; no service enqueues mail.
    ("SELECT count(*) FROM mail_messages", &["notifications"]),
    (
        "UPDATE mail_messages SET status = status WHERE false",
        &["notifications"],
    ),
    ("SELECT count(*) FROM mail_cursors", &["notifications"]),
    (
        "UPDATE mail_cursors SET position = position WHERE false",
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

/// The audit log proves origin: an entry is appended only through the
/// owner's `audit_append`, which records the login role that called it as
/// the entry's writer, inside the hashed contents. The attack, a
/// hand-chained entry appended by a role that owns nothing with an admin's
/// actor id, is refused; relabelling an entry's writer, or appending one
/// without a writer after entries that have one, breaks the chain.
#[tokio::test]
async fn audit_entries_are_written_only_through_the_owners_function_which_records_the_writer() {
    use store::entities::audit_events;
    use store::sea_orm::{EntityTrait, TransactionTrait};
    for db in all_dbs().await {
        if db.backend != Backend::Postgres {
            continue; // SQLite has no roles.
        }
        let owner_cfg = config_for(&db, &AppOptions::default());
        custodian::ops::migrate(&owner_cfg).await.unwrap();
        custodian::ops::provision_schemas(&owner_cfg).await.unwrap();
        let owner = store::connect(&db.url).await.unwrap();
        let login = |s: &str| format!("custodian_origin_{s}");
        for s in ["vault", "deadlines"] {
            store::schemas::login_role(&owner, &login(s), &[s])
                .await
                .unwrap();
        }
        let admin = audit::Actor {
            id: "token:the-admin".into(),
            role: "admin".into(),
        };

        // The vault's process appends through the audit path: the entry
        // names the vault's login role, whatever actor it claims.
        let vault = store::connect(&with_user(&db.url, &login("vault")))
            .await
            .unwrap();
        let txn = audit::begin(&vault).await.unwrap();
        let first = audit::append(
            &txn,
            audit::Record::new(&admin, "candidate.read", "candidate", "c-1")
                .tenant("t-één")
                .reason("sollicitatie — screening")
                .details(serde_json::json!({"fields": ["cv", "notes"], "n": 2})),
        )
        .await
        .unwrap();
        let second = audit::append(
            &txn,
            audit::Record::new(&admin, "vault.sweep", "vault", "sweep-1"),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        assert_eq!(first.writer.as_deref(), Some(login("vault").as_str()));
        assert_eq!(second.seq, first.seq + 1);
        assert_eq!(second.prev_hash, first.hash);
        // The database's digest is the verifier's (crates/audit's chain).
        let report = audit::verify(&owner).await.unwrap();
        assert_eq!(report.broken, None, "{:?}", report.broken);
        assert_eq!(report.writers.get(&login("vault")), Some(&2));

        // The role that owns no table may not append at all, nor write
        // the tables, nor rewind a head.
        let deadlines = store::connect(&with_user(&db.url, &login("deadlines")))
            .await
            .unwrap();
        let e = audit::begin(&deadlines).await.err().expect("no audit lock");
        assert!(e.to_string().contains("permission denied"), "{e}");
        for stmt in [
            "INSERT INTO audit_events SELECT * FROM audit_events WHERE seq = 1",
            "UPDATE audit_heads SET seq = 0 WHERE chain = 'global'",
        ] {
            for conn in [&deadlines, &vault] {
                let e = conn.execute_raw(sql(stmt)).await.expect_err(stmt);
                assert!(e.to_string().contains("permission denied"), "{stmt}: {e}");
            }
        }
        deadlines.close().await.ok();
        vault.close().await.ok();

        // Relabelling the writer (as the owner, who can) is a changed entry.
        owner
            .execute_raw(sql(&format!(
                "UPDATE audit_events SET writer = 'custodian_origin_controllers' WHERE seq = {}",
                first.seq
            )))
            .await
            .unwrap();
        let b = audit::verify(&owner)
            .await
            .unwrap()
            .broken
            .expect("relabelled");
        assert_eq!(b.seq, first.seq);
        assert!(b.reason.contains("hash does not match"), "{b}");
        owner
            .execute_raw(sql(&format!(
                "UPDATE audit_events SET writer = '{}' WHERE seq = {}",
                login("vault"),
                first.seq
            )))
            .await
            .unwrap();
        assert_eq!(audit::verify(&owner).await.unwrap().broken, None);

        // A hand-chained entry in the old format (no writer), linked
        // correctly and with the head moved: refused by the verifier.
        let (head_seq, head_hash) = audit::global_head(&owner).await.unwrap();
        let mut forged = audit_events::Model {
            seq: head_seq + 1,
            at: store::now_micros(),
            tenant_id: None,
            tenant_seq: 0,
            actor_id: admin.id.clone(),
            actor_role: admin.role.clone(),
            action: "controller.create".into(),
            object_type: "controller".into(),
            object_id: "c-forged".into(),
            reason: None,
            details: "{}".into(),
            prev_hash: head_hash,
            hash: String::new(),
            tenant_prev_hash: None,
            tenant_hash: None,
            writer: None,
        };
        let digest = audit::content_digest(&forged);
        forged.hash = audit::link_hash("global", &forged.prev_hash, &digest);
        let t = owner.begin().await.unwrap();
        audit_events::Entity::insert(audit_events::ActiveModel::from(forged.clone()))
            .exec_without_returning(&t)
            .await
            .unwrap();
        t.execute_raw(sql(&format!(
            "UPDATE audit_heads SET seq = {}, hash = '{}' WHERE chain = 'global'",
            forged.seq, forged.hash
        )))
        .await
        .unwrap();
        t.commit().await.unwrap();
        let b = audit::verify(&owner).await.unwrap().broken.expect("forged");
        assert_eq!(b.seq, forged.seq);
        assert!(b.reason.contains("no writer"), "{b}");
        owner.close().await.ok();
    }
}

/// On SQLite (no roles) the writer is the process, and it is hashed too.
#[tokio::test]
async fn on_sqlite_the_writer_is_the_process_and_is_hashed() {
    for db in all_dbs().await {
        if db.backend != Backend::Sqlite {
            continue;
        }
        let app = spawn_app(&db).await;
        app.create_controller("Alpha B.V.", "11111111").await;
        let conn = app.db().await;
        let r = audit::verify(&conn).await.unwrap();
        assert_eq!(r.broken, None);
        assert_eq!(r.writers.values().sum::<u64>(), r.entries, "{r:?}");
        conn.execute_raw(Statement::from_string(
            DbBackend::Sqlite,
            "UPDATE audit_events SET writer = 'someone-else' WHERE seq = 1",
        ))
        .await
        .unwrap();
        let b = audit::verify(&conn)
            .await
            .unwrap()
            .broken
            .expect("relabelled");
        assert_eq!(b.seq, 1);
        app.stop().await;
    }
}

/// A person's session on PostgreSQL as the controllers' role mints it: the
/// owner's `start_person_session` takes the role, tenant and name from the
/// live person (there is no argument to name another role), refuses a
/// removed one, and `end_person_sessions` ends them; no other role may call
/// either (the matrix), and the session authenticates as the person.
#[tokio::test]
async fn a_persons_session_is_minted_from_the_live_person_by_the_owners_function() {
    for db in all_dbs().await {
        if db.backend != Backend::Postgres {
            continue; // SQLite has no roles: the process is the owner.
        }
        let owner_cfg = config_for(&db, &AppOptions::default());
        custodian::ops::migrate(&owner_cfg).await.unwrap();
        custodian::ops::provision_schemas(&owner_cfg).await.unwrap();
        let owner = store::connect(&db.url).await.unwrap();
        let tenant = "01a2507b-d623-7164-853d-ad3e5832b23f";
        owner
            .execute_raw(sql(&format!(
                "INSERT INTO people (id, name, email, language, role, tenant_id, invited_at, invited_by) \
                 VALUES ('p-kim', 'Kim de Vries', 'kim@klant.example', 'nl', 'controller', '{tenant}', now(), 'test'), \
                        ('p-gone', 'Gone', 'gone@klant.example', 'nl', 'admin', NULL, now(), 'test')"
            )))
            .await
            .unwrap();
        owner
            .execute_raw(sql(
                "UPDATE people SET removed_at = now() WHERE id = 'p-gone'",
            ))
            .await
            .unwrap();
        store::schemas::login_role(&owner, "custodian_session_controllers", &["controllers"])
            .await
            .unwrap();
        let conn = store::connect(&with_user(&db.url, "custodian_session_controllers"))
            .await
            .unwrap();
        let expires = chrono::Utc::now() + chrono::Duration::hours(1);
        let (id, secret) = auth::tokens::start_person_session(&conn, "p-kim", expires)
            .await
            .unwrap()
            .expect("a live person's session");
        let p = auth::tokens::authenticate(&conn, &secret)
            .await
            .unwrap()
            .expect("the session authenticates");
        assert_eq!(p.token_id, id);
        assert_eq!(
            (p.role, p.tenant.as_deref()),
            (auth::Role::Controller, Some(tenant))
        );
        assert_eq!(
            (p.name.as_str(), p.person.as_deref()),
            ("Kim de Vries", Some("p-kim"))
        );
        assert_eq!(p.actor_id(), "person:p-kim");
        assert!(
            auth::tokens::start_person_session(&conn, "p-gone", expires)
                .await
                .unwrap()
                .is_none(),
            "a removed person has no session"
        );
        assert!(
            auth::tokens::start_person_session(&conn, "p-nobody", expires)
                .await
                .unwrap()
                .is_none()
        );
        // An expired session is refused.
        let (_, old) = auth::tokens::start_person_session(
            &conn,
            "p-kim",
            chrono::Utc::now() - chrono::Duration::seconds(1),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(
            auth::tokens::authenticate(&conn, &old)
                .await
                .unwrap()
                .is_none()
        );
        // Ended: every session of the person.
        assert_eq!(
            auth::tokens::end_person_sessions(&conn, "p-kim")
                .await
                .unwrap(),
            2
        );
        assert!(
            auth::tokens::authenticate(&conn, &secret)
                .await
                .unwrap()
                .is_none()
        );
        // The role still writes no token itself.
        let e = conn
            .execute_raw(sql(
                "UPDATE api_tokens SET role = 'admin' WHERE person_id = 'p-kim'",
            ))
            .await
            .expect_err("no role rewrites a session");
        assert!(e.to_string().contains("permission denied"), "{e}");
        conn.close().await.ok();
    }
}

//! Retention: hide first, then shred; the worker's sweep; the erasure fence.

use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use store::sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use tonic::Code;

pub async fn put_many(app: &TestApp, token: &str, prefix: &str, n: usize) -> Vec<pb::Candidate> {
    let mut out = Vec::new();
    let mut v = app.vault();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let candidates = chunk
            .iter()
            .map(|i| {
                valid_candidate(
                    &format!("{prefix}-{i}"),
                    &format!("Kandidaat {prefix} {i}"),
                    &format!("k{i}.{prefix}@example.nl"),
                )
            })
            .collect();
        let r = v
            .put_candidates(req(
                token,
                pb::PutCandidatesRequest {
                    tenant_id: String::new(),
                    candidates,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        out.extend(r.candidates);
    }
    out
}

pub async fn close(
    app: &TestApp,
    token: &str,
    id: &str,
    outcome: &str,
    closed_on: chrono::NaiveDate,
) -> pb::Candidate {
    app.vault()
        .close_procedure(req(
            token,
            pb::CloseProcedureRequest {
                id: id.into(),
                outcome: outcome.into(),
                closed_on: closed_on.to_string(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

fn get(id: &str) -> pb::GetCandidateRequest {
    pb::GetCandidateRequest {
        id: id.into(),
        purpose: "test".into(),
    }
}

#[tokio::test]
async fn overdue_candidates_are_hidden_at_once_and_shredded_by_the_sweep() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        let cs = put_many(&app, &svc, "s", 6).await;
        let mut v = app.vault();
        // Two overdue, one overdue but held, two not yet due, one open.
        for c in &cs[0..3] {
            close(&app, &svc, &c.id, "rejected", day(-40)).await;
        }
        v.place_legal_hold(req(
            &svc,
            pb::PlaceLegalHoldRequest {
                id: cs[2].id.clone(),
                reason: "complaint".into(),
            },
        ))
        .await
        .unwrap();
        close(&app, &svc, &cs[3].id, "rejected", day(-1)).await;
        close(&app, &svc, &cs[4].id, "hired", day(-40)).await;

        // Hidden before any worker ran: no read returns them.
        for c in &cs[0..2] {
            assert_eq!(
                v.get_candidate(req(&svc, get(&c.id)))
                    .await
                    .unwrap_err()
                    .code(),
                Code::NotFound
            );
            let e = v
                .close_procedure(req(
                    &svc,
                    pb::CloseProcedureRequest {
                        id: c.id.clone(),
                        outcome: "hired".into(),
                        closed_on: day(-1).to_string(),
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::NotFound, "writes do not see them either");
        }
        let listed: Vec<String> = v
            .list_candidates(req(&svc, Default::default()))
            .await
            .unwrap()
            .into_inner()
            .candidates
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(listed.len(), 4);
        assert!(!listed.contains(&cs[0].id) && !listed.contains(&cs[1].id));
        let found = v
            .find_candidates(req(
                &svc,
                pb::FindCandidatesRequest {
                    email: "k0.s@example.nl".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(found.candidates.is_empty());
        v.get_candidate(req(&svc, get(&cs[2].id)))
            .await
            .expect("a held candidate stays readable");

        let r = custodian::ops::sweep_once(&app.config).await.unwrap();
        assert_eq!(r.shredded, 2, "{r:?}");
        for c in &cs[0..2] {
            let cert = v
                .get_deletion_certificate(req(
                    &svc,
                    pb::GetDeletionCertificateRequest {
                        candidate_id: c.id.clone(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(cert.reason, "retention");
            assert!(
                cert.basis.starts_with("retention.applicant"),
                "{}",
                cert.basis
            );
        }
        for c in &cs[2..] {
            v.get_candidate(req(&svc, get(&c.id)))
                .await
                .expect("not due or held: untouched");
        }
        // Idempotent: a second sweep finds nothing.
        assert_eq!(
            custodian::ops::sweep_once(&app.config)
                .await
                .unwrap()
                .shredded,
            0
        );

        // The key store no longer holds their keys; the ledger file holds two entries.
        let ks = store::connect(&app.config.keystore_url()).await.unwrap();
        use store::entities::vault::{candidate_deks, shred_ledger};
        assert_eq!(candidate_deks::Entity::find().count(&ks).await.unwrap(), 4);
        assert_eq!(shred_ledger::Entity::find().count(&ks).await.unwrap(), 2);
        let file = std::fs::read_to_string(app.config.ledger_file()).unwrap();
        assert_eq!(file.lines().count(), 2);
        let conn = app.db().await;
        assert_eq!(audit::verify(&conn).await.unwrap().broken, None);
        let shreds = audit::list(
            &conn,
            &audit::ListFilter {
                action_prefix: Some("candidate.shred".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(shreds.len(), 1);
        assert!(shreds[0].details.contains(&cs[0].id) && shreds[0].details.contains(&cs[1].id));
        app.stop().await;
    }
}

const NEEDLES: [&[u8]; 5] = [
    b"Zebediah",
    b"Quibbleworth",
    b"zebediah.quibbleworth",
    b"xylophone virtuoso",
    b"98765432",
];

fn assert_clean(what: &str, bytes: &[u8]) {
    for n in NEEDLES {
        assert!(
            !bytes.windows(n.len()).any(|w| w == n),
            "{what} contains {:?}",
            String::from_utf8_lossy(n)
        );
        // bytea renders as hex in PostgreSQL's text form.
        let hex = n.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert!(
            !bytes.windows(hex.len()).any(|w| w == hex.as_bytes()),
            "{what} contains hex of {:?}",
            String::from_utf8_lossy(n)
        );
    }
}

/// Every row of every table of a PostgreSQL database, as text.
async fn pg_dump_text(url: &str) -> Vec<(String, String)> {
    let conn = store::connect(url).await.unwrap();
    let tables = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'".to_owned(),
        ))
        .await
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let name: String = t.try_get("", "t").unwrap();
        let rows = conn
            .query_all_raw(Statement::from_string(
                conn.get_database_backend(),
                format!("SELECT CAST(x AS text) AS r FROM \"{name}\" x"),
            ))
            .await
            .unwrap();
        for r in rows {
            out.push((name.clone(), r.try_get::<String>("", "r").unwrap()));
        }
    }
    conn.close().await.unwrap();
    out
}

#[tokio::test]
async fn plaintext_never_reaches_the_disk() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        let mut c = valid_candidate(
            "ats-77",
            "Zebediah Quibbleworth",
            "zebediah.quibbleworth@example.nl",
        );
        c.payload.as_mut().unwrap().cv =
            b"Curriculum of Zebediah: xylophone virtuoso and Rust compiler hacker".to_vec();
        c.payload.as_mut().unwrap().phone = "+31 6 98765432".into();
        let put = app
            .vault()
            .put_candidate(req(&svc, c))
            .await
            .unwrap()
            .into_inner();
        let kept = app
            .vault()
            .put_candidate(req(&svc, {
                let mut k = valid_candidate(
                    "ats-78",
                    "Zebediah Quibbleworth",
                    "zebediah.quibbleworth@example.nl",
                );
                k.payload.as_mut().unwrap().phone = "+31 6 98765432".into();
                k
            }))
            .await
            .unwrap()
            .into_inner();
        app.vault()
            .get_candidate(req(&svc, get(&put.id)))
            .await
            .unwrap();
        close(&app, &svc, &put.id, "rejected", day(-60)).await;
        custodian::ops::sweep_once(&app.config).await.unwrap();
        app.stop().await;
        // Every file of the data directory: databases (SQLite), WAL, key
        // files, the ledger file. One candidate is still stored, encrypted.
        let mut scanned = 0;
        for entry in std::fs::read_dir(db.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            // SQLite removes its -shm file when the last connection closes.
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            scanned += 1;
            assert_clean(&path.display().to_string(), &bytes);
        }
        assert!(scanned >= 2, "{}: files scanned", db.backend);
        if db.backend == Backend::Postgres {
            let mut rows = pg_dump_text(&db.url).await;
            rows.extend(pg_dump_text(&db.keystore_url).await);
            assert!(
                rows.iter().any(|(t, _)| t == "candidates"),
                "the stored candidate was read back"
            );
            for (table, row) in rows {
                assert_clean(&format!("postgres table {table}"), row.as_bytes());
            }
        }
        let _ = kept;
    }
}

#[tokio::test]
async fn ciphertext_moved_to_another_candidate_or_tenant_does_not_decrypt() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let b = app.create_controller("Beta B.V.", "22222222").await;
        let sa = app.token(Role::Service, Some(&a.id)).await;
        let sb = app.token(Role::Service, Some(&b.id)).await;
        let a1 = app
            .vault()
            .put_candidate(req(&sa, valid_candidate("a1", "Anna", "anna@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let a2 = app
            .vault()
            .put_candidate(req(&sa, valid_candidate("a2", "Bram", "bram@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let b1 = app
            .vault()
            .put_candidate(req(&sb, valid_candidate("b1", "Cees", "cees@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let conn = app.db().await;
        for (from, to) in [(&a1.id, &a2.id), (&a1.id, &b1.id)] {
            let sql = format!(
                "UPDATE candidates SET profile = (SELECT profile FROM candidates WHERE id = '{from}') WHERE id = '{to}'"
            );
            conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
                .await
                .unwrap();
        }
        for (tok, id) in [(&sa, &a2.id), (&sb, &b1.id)] {
            let e = app
                .vault()
                .get_candidate(req(tok, get(id)))
                .await
                .unwrap_err();
            assert_eq!(
                e.code(),
                Code::Internal,
                "moved ciphertext must fail to decrypt"
            );
            assert!(!e.message().contains("Anna"));
        }
        app.vault()
            .get_candidate(req(&sa, get(&a1.id)))
            .await
            .expect("the original still decrypts");
        app.stop().await;
    }
}

#[tokio::test]
async fn kek_rotation_keeps_every_candidate_readable_and_changes_no_payload_row() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        let cs = put_many(&app, &svc, "r", 30).await;
        let conn = app.db().await;
        use store::entities::vault::{candidate_deks, candidates, tenant_keks};
        let before: Vec<(String, Vec<u8>)> = candidates::Entity::find()
            .all(&conn)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.profile))
            .collect();
        let rotated = custodian::ops::rotate_keys(&app.config, None)
            .await
            .unwrap();
        assert_eq!(rotated, vec![(t.id.clone(), 2, 30)]);
        let after: Vec<(String, Vec<u8>)> = candidates::Entity::find()
            .all(&conn)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.profile))
            .collect();
        assert_eq!(before, after, "payload rows are untouched by rotation");
        let ks = store::connect(&app.config.keystore_url()).await.unwrap();
        assert!(
            candidate_deks::Entity::find()
                .all(&ks)
                .await
                .unwrap()
                .iter()
                .all(|d| d.kek_version == 2)
        );
        let versions: Vec<i32> = tenant_keks::Entity::find()
            .all(&ks)
            .await
            .unwrap()
            .into_iter()
            .map(|k| k.version)
            .collect();
        assert_eq!(versions, vec![2], "the old KEK version is destroyed");
        // The running server (with version 1 cached) still reads everything.
        for c in &cs {
            let p = app
                .vault()
                .get_candidate(req(&svc, get(&c.id)))
                .await
                .unwrap()
                .into_inner()
                .payload
                .unwrap();
            assert!(p.name.starts_with("Kandidaat r"));
        }
        // New candidates are wrapped under the new version.
        let n = app
            .vault()
            .put_candidate(req(
                &svc,
                valid_candidate("new", "Nieuw", "nieuw@example.nl"),
            ))
            .await
            .unwrap()
            .into_inner();
        let d = candidate_deks::Entity::find_by_id(n.id)
            .one(&ks)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.kek_version, 2);
        app.stop().await;
    }
}

/// A cold backup as an operator takes it: checkpoint the WAL into the
/// database file, then copy the file.
async fn backup_db_files(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["custodian.db", "keys.db"] {
        let conn = store::connect(&format!("sqlite://{}", from.join(name).display()))
            .await
            .unwrap();
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            "PRAGMA wal_checkpoint(TRUNCATE)".to_owned(),
        ))
        .await
        .unwrap();
        conn.close().await.unwrap();
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
}

/// Puts the backup files back in place of the live ones.
fn restore_db_files(backup: &std::path::Path, live: &std::path::Path) {
    for name in ["custodian.db", "keys.db"] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(live.join(format!("{name}{suffix}")));
        }
        std::fs::copy(backup.join(name), live.join(name)).unwrap();
    }
}

fn db_name(url: &str) -> String {
    url.split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// PostgreSQL: a copy of each database (`CREATE DATABASE … TEMPLATE`) is the backup.
async fn pg_admin(sql: &str) {
    let admin = store::connect(&std::env::var("TEST_DATABASE_URL").unwrap())
        .await
        .unwrap();
    admin
        .execute_raw(Statement::from_string(
            admin.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap();
    admin.close().await.unwrap();
}

pub(crate) async fn backup(db: &testkit::TestDb, dir: &std::path::Path) {
    match db.backend {
        Backend::Sqlite => backup_db_files(db.dir.path(), dir).await,
        Backend::Postgres => {
            for url in [&db.url, &db.keystore_url] {
                let n = db_name(url);
                pg_admin(&format!("CREATE DATABASE \"{n}_bk\" TEMPLATE \"{n}\"")).await;
            }
        }
    }
}

pub(crate) async fn restore(db: &testkit::TestDb, dir: &std::path::Path) {
    match db.backend {
        Backend::Sqlite => restore_db_files(dir, db.dir.path()),
        Backend::Postgres => {
            for url in [&db.url, &db.keystore_url] {
                let n = db_name(url);
                pg_admin(&format!("DROP DATABASE \"{n}\" WITH (FORCE)")).await;
                pg_admin(&format!("CREATE DATABASE \"{n}\" TEMPLATE \"{n}_bk\"")).await;
                pg_admin(&format!("DROP DATABASE \"{n}_bk\"")).await;
            }
        }
    }
}

#[tokio::test]
async fn a_backup_restore_cannot_bring_erased_candidates_back() {
    for db in all_dbs().await {
        backup_restore(&db).await;
    }
}

async fn backup_restore(db: &testkit::TestDb) {
    let app = spawn_app(db).await;
    let t = app.create_controller("Alpha B.V.", "11111111").await;
    let svc = app.token(Role::Service, Some(&t.id)).await;
    let cs = put_many(&app, &svc, "b", 4).await;
    app.stop().await;
    let backup_dir = db.dir.path().join("backup");
    backup(db, &backup_dir).await;

    let app = spawn_app(db).await;
    let mut v = app.vault();
    for c in &cs[0..2] {
        v.erase_candidate(req(
            &svc,
            pb::EraseCandidateRequest {
                id: c.id.clone(),
                reason: "request".into(),
                reference: "DSR-9".into(),
            },
        ))
        .await
        .unwrap();
    }
    app.stop().await;
    restore(db, &backup_dir).await;

    // Before the fence runs, the restored databases hold the erased rows and keys.
    {
        let keys = store::connect(&db.keystore_url).await.unwrap();
        use store::entities::vault::candidate_deks;
        assert_eq!(
            candidate_deks::Entity::find().count(&keys).await.unwrap(),
            4
        );
        keys.close().await.unwrap();
    }
    let app = spawn_app(db).await; // start: reconcile runs
    let mut v = app.vault();
    for c in &cs[0..2] {
        assert_eq!(
            v.get_candidate(req(&svc, get(&c.id)))
                .await
                .unwrap_err()
                .code(),
            Code::NotFound
        );
        v.get_deletion_certificate(req(
            &svc,
            pb::GetDeletionCertificateRequest {
                candidate_id: c.id.clone(),
            },
        ))
        .await
        .expect("certificate restored too");
    }
    for c in &cs[2..] {
        let p = v
            .get_candidate(req(&svc, get(&c.id)))
            .await
            .unwrap()
            .into_inner()
            .payload
            .unwrap();
        assert!(p.name.starts_with("Kandidaat b"), "the others are intact");
    }
    let keys = store::connect(&app.config.keystore_url()).await.unwrap();
    use store::entities::vault::{candidate_deks, candidates};
    assert_eq!(
        candidate_deks::Entity::find().count(&keys).await.unwrap(),
        2,
        "re-shredded"
    );
    assert_eq!(
        candidates::Entity::find()
            .count(&app.db().await)
            .await
            .unwrap(),
        2
    );
    let conn = app.db().await;
    let reshred = audit::list(
        &conn,
        &audit::ListFilter {
            action_prefix: Some("candidate.shred".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        reshred
            .iter()
            .any(|e| e.actor_id == "system:vault-reconcile"),
        "the fence audited its work"
    );
    // And a shredded id can never get a key again.
    let ks = vault::keys::KeyStore::new(keys.clone(), vault_crypto::MasterKey::generate());
    let e = ks
        .create_deks(&t.id, std::slice::from_ref(&cs[0].id))
        .await
        .err()
        .expect("fenced");
    assert!(e.to_string().contains("never get a new key"), "{e}");
    app.stop().await;
}

#[tokio::test]
async fn a_rotation_leaves_only_the_new_kek_in_memory() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        put_many(&app, &svc, "m", 3).await;
        let master = std::fs::read_to_string(db.dir.path().join("master.key")).unwrap();
        let ks = vault::keys::KeyStore::new(
            store::connect(&app.config.keystore_url()).await.unwrap(),
            vault_crypto::MasterKey::from_hex(master.trim()).unwrap(),
        );
        let v1 = ks.active_kek(&ks.db, &t.id).await.unwrap();
        assert_eq!(v1.version(), 1);
        ks.index_key(&t.id).await.unwrap();
        assert_eq!(ks.keys_in_memory(), (1, 1));
        let (version, rewrapped) = ks.rotate(&t.id).await.unwrap();
        assert_eq!((version, rewrapped), (2, 3));
        // Version 1 is destroyed in the key store and gone from memory.
        assert_eq!(ks.keys_in_memory(), (1, 1));
        assert_eq!(ks.active_kek(&ks.db, &t.id).await.unwrap().version(), 2);
        assert_eq!(ks.keys_in_memory(), (1, 1));
        app.stop().await;
    }
}

#[tokio::test]
async fn the_master_key_is_created_once_and_a_wrong_one_is_refused() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let app = spawn_app(&db).await;
    app.stop().await;
    let key = db.dir.path().join("master.key");
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let other = db.dir.path().join("other.key");
    std::fs::write(
        &other,
        vault_crypto::MasterKey::generate().to_hex().as_bytes(),
    )
    .unwrap();
    let mut cfg = config_for(&db, &AppOptions::default());
    cfg.master_key_file = Some(other);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = custodian::run(cfg, listener, async {}).await.unwrap_err();
    assert!(
        format!("{err:#}").contains("master key does not match"),
        "{err:#}"
    );
    // Losing the default key file is an error too, never a fresh key.
    std::fs::remove_file(&key).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = custodian::run(config_for(&db, &AppOptions::default()), listener, async {})
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("master key file"), "{err:#}");
    assert!(!key.exists());
}

#[tokio::test]
async fn two_workers_shred_every_due_candidate_exactly_once() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        let n = 1200;
        let cs = put_many(&app, &svc, "w", n).await;
        // Make them all due in one statement (closing one by one would be slow).
        let conn = app.db().await;
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            "UPDATE candidates SET status = 'rejected', delete_after = '2020-01-01T00:00:00Z', retention_basis = 'test'".to_owned(),
        ))
        .await
        .unwrap();
        let mut cfg = app.config.clone();
        cfg.worker_batch = 50;
        let v1 = custodian::ops::open_vault(&cfg).await.unwrap();
        let v2 = custodian::ops::open_vault(&cfg).await.unwrap();
        let a1 = audit::Actor::system("worker-1");
        let a2 = audit::Actor::system("worker-2");
        let (r1, r2) = tokio::join!(v1.sweep(&a1, 50), v2.sweep(&a2, 50));
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert_eq!(r1.claimed + r2.claimed, n as u64, "{r1:?} {r2:?}");
        let ks = store::connect(&cfg.keystore_url()).await.unwrap();
        use store::entities::vault::{candidate_deks, deletion_certificates, shred_ledger};
        let ledger = shred_ledger::Entity::find().all(&ks).await.unwrap();
        assert_eq!(ledger.len(), n);
        let mut ids: Vec<&String> = ledger.iter().map(|e| &e.candidate_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "no candidate was shredded twice");
        assert_eq!(candidate_deks::Entity::find().count(&ks).await.unwrap(), 0);
        assert_eq!(
            deletion_certificates::Entity::find()
                .count(&conn)
                .await
                .unwrap(),
            n as u64
        );
        let file = std::fs::read_to_string(cfg.ledger_file()).unwrap();
        let mut seqs: Vec<i64> = file
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert_eq!(seqs.len(), n, "the ledger file has each entry once");
        seqs.dedup();
        assert_eq!(seqs, (1..=n as i64).collect::<Vec<_>>());
        assert_eq!(audit::verify(&conn).await.unwrap().broken, None);
        let _ = cs;
        app.stop().await;
    }
}

//! The shred ledger on several hosts: an append-only PostgreSQL table in a
//! database of its own (`ledger_url`), shared by two vault processes and two
//! workers, each with a configuration of its own, sweeping and erasing one
//! store at once. Every candidate is shredded once, the ledger has every entry
//! once and without gaps, nobody can rewrite it, and a restore of both
//! databases is shredded again from it.

use auth::Role;
use custodian::config::Config;
use custodian_tests::*;
use proto::v1 as pb;
use store::entities::vault::{candidate_deks, candidates, deletion_certificates, shred_ledger};
use store::sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Statement};
use tonic::Code;

use crate::vault_sweep::{backup, put_many, restore};

/// A vault process of its own: its own data directory, the shared master key,
/// the shared ledger logging in as the insert-only role.
fn process_config(db: &testkit::TestDb, data_dir: &std::path::Path, ledger_url: &str) -> Config {
    let mut c = config_for(db, &AppOptions::default());
    c.data_dir = data_dir.to_path_buf();
    c.master_key_file = Some(db.dir.path().join("master.key"));
    c.ledger_url = Some(ledger_url.to_owned());
    c.worker_batch = 40;
    c
}

async fn start(config: &Config, admin: &str, backend: testkit::Backend) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    spawn_config(config.clone(), listener, admin.to_owned(), backend).await
}

#[derive(Debug)]
struct Row {
    seq: i64,
    candidate_id: String,
    prev_hash: String,
    hash: String,
}

async fn ledger_rows(url: &str) -> Vec<Row> {
    let db = store::connect(url).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT seq, candidate_id, prev_hash, hash FROM shred_ledger_log ORDER BY seq",
        ))
        .await
        .unwrap();
    db.close().await.unwrap();
    rows.into_iter()
        .map(|r| Row {
            seq: r.try_get("", "seq").unwrap(),
            candidate_id: r.try_get("", "candidate_id").unwrap(),
            prev_hash: r.try_get("", "prev_hash").unwrap(),
            hash: r.try_get("", "hash").unwrap(),
        })
        .collect()
}

#[tokio::test]
async fn two_vaults_and_two_workers_share_one_append_only_ledger() {
    for db in testkit::all_dbs().await {
        shared_ledger(&db).await;
    }
}

async fn shared_ledger(db: &testkit::TestDb) {
    let mut ledger = testkit::PgDatabase::new("ledger").await;
    // The owner creates the table and its guard (`custodian migrate`) ...
    let mut owner = config_for(db, &AppOptions::default());
    owner.ledger_url = Some(ledger.url.clone());
    custodian::ops::migrate(&owner).await.unwrap();
    // ... and every process logs in as a role that may only read and insert.
    let role = ledger
        .login_role("GRANT SELECT, INSERT ON shred_ledger_log TO {role}")
        .await;
    let ledger_url = ledger.url_as(&role);

    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let cfg_a = process_config(db, dir_a.path(), &ledger_url);
    let cfg_b = process_config(db, dir_b.path(), &ledger_url);
    // The first start creates the master key both processes use.
    let mut first = config_for(db, &AppOptions::default());
    first.ledger_url = Some(ledger_url.clone());
    let (_, admin) = custodian::ops::create_token(&first, Role::Admin, None, "test-admin")
        .await
        .unwrap();
    let app = start(&first, &admin, db.backend).await;
    let t = app.create_controller("Alpha B.V.", "11111111").await;
    let svc = app.token(Role::Service, Some(&t.id)).await;
    let due = put_many(&app, &svc, "due", 400).await;
    let erased = put_many(&app, &svc, "erased", 40).await;
    let kept = put_many(&app, &svc, "kept", 20).await;
    let conn = app.db().await;
    conn.execute_raw(Statement::from_string(
        conn.get_database_backend(),
        "UPDATE candidates SET status = 'rejected', delete_after = '2020-01-01T00:00:00Z', \
         retention_basis = 'test' WHERE external_ref LIKE 'due-%'"
            .to_owned(),
    ))
    .await
    .unwrap();
    conn.close().await.unwrap();
    app.stop().await;
    let backup_dir = db.dir.path().join("backup");
    backup(db, &backup_dir).await;

    // Two vault processes, two workers, each with its own configuration:
    // the workers sweep while both servers erase candidates on request.
    let a = start(&cfg_a, &admin, db.backend).await;
    let b = start(&cfg_b, &admin, db.backend).await;
    let w1 = custodian::ops::open_vault(&cfg_a).await.unwrap();
    let w2 = custodian::ops::open_vault(&cfg_b).await.unwrap();
    let erase = |app: &TestApp, ids: Vec<String>| {
        let mut v = app.vault();
        let svc = svc.clone();
        async move {
            for id in ids {
                v.erase_candidate(req(
                    &svc,
                    pb::EraseCandidateRequest {
                        id,
                        reason: "request".into(),
                        reference: "DSR-7".into(),
                    },
                ))
                .await
                .unwrap();
            }
        }
    };
    let ids: Vec<String> = erased.iter().map(|c| c.id.clone()).collect();
    let (actor1, actor2) = (
        audit::Actor::system("worker-1"),
        audit::Actor::system("worker-2"),
    );
    // Both workers hold a claim at the same moment, so the two claims are
    // made side by side whatever the scheduler does: they are disjoint, and
    // both workers shred into the shared ledger at once.
    let now = store::now_micros();
    let c1 = w1.claim_due(now, 10).await.unwrap();
    let c2 = w2.claim_due(now, 10).await.unwrap();
    assert_eq!(
        (c1.len(), c2.len()),
        (10, 10),
        "each worker claimed a batch"
    );
    let first: std::collections::HashSet<&str> = c1.iter().map(|c| c.id.as_str()).collect();
    assert!(
        c2.iter().all(|c| !first.contains(c.id.as_str())),
        "two workers never claim the same candidate"
    );
    let (s1, s2) = tokio::join!(w1.shred(&actor1, c1), w2.shred(&actor2, c2));
    let (s1, s2) = (s1.unwrap(), s2.unwrap());
    // Then both sweep the rest while both servers erase on request. Which
    // worker gets how many of the remaining batches is the scheduler's (on
    // SQLite one writer can starve the other's busy wait), so only the sum
    // is asserted: every due candidate claimed exactly once.
    let (r1, r2, (), ()) = tokio::join!(
        w1.sweep(&actor1, 10),
        w2.sweep(&actor2, 10),
        erase(&a, ids[..20].to_vec()),
        erase(&b, ids[20..].to_vec()),
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    // Who applies an entry to the main database is whichever process
    // reconciles first, so `shredded` does not add up per worker.
    assert_eq!(
        20 + r1.claimed + r2.claimed,
        due.len() as u64,
        "{s1:?} {s2:?} {r1:?} {r2:?}"
    );
    // The ledger entries reach the shared table (a server's own erasures
    // and the workers' batches on their own reconcile).
    for v in [&w1, &w2] {
        v.reconcile(&audit::Actor::system("test")).await.unwrap();
    }
    let n = due.len() + erased.len();

    let ks = store::connect(&db.keystore_url).await.unwrap();
    let main = a.db().await;
    let key_ledger = shred_ledger::Entity::find()
        .order_by_asc(shred_ledger::Column::Seq)
        .all(&ks)
        .await
        .unwrap();
    assert_eq!(key_ledger.len(), n, "one key-store entry per shred");
    assert_eq!(
        candidate_deks::Entity::find().count(&ks).await.unwrap(),
        kept.len() as u64
    );
    assert_eq!(
        deletion_certificates::Entity::find()
            .count(&main)
            .await
            .unwrap(),
        n as u64,
        "one certificate per shredded candidate"
    );
    let rows = ledger_rows(&ledger.url).await;
    assert_eq!(
        rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=n as i64).collect::<Vec<_>>(),
        "the shared ledger has every entry once, without gaps"
    );
    let mut ids: Vec<&str> = rows.iter().map(|r| r.candidate_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "no candidate was shredded twice");
    for w in rows.windows(2) {
        assert_eq!(
            w[1].prev_hash, w[0].hash,
            "entry {} links to its predecessor",
            w[1].seq
        );
    }
    for (row, k) in rows.iter().zip(&key_ledger) {
        assert_eq!(
            (row.seq, &row.hash),
            (k.seq, &k.hash),
            "the same entry as the key store"
        );
    }

    // Nobody rewrites it: not the processes' role (no UPDATE or DELETE
    // right), not even the owner (the trigger).
    let as_role = store::connect(&ledger_url).await.unwrap();
    for sql in [
        "DELETE FROM shred_ledger_log WHERE seq = 1",
        "UPDATE shred_ledger_log SET candidate_id = 'x' WHERE seq = 1",
        "TRUNCATE shred_ledger_log",
    ] {
        let e = as_role.execute_unprepared(sql).await.unwrap_err();
        assert!(e.to_string().contains("permission denied"), "{sql}: {e}");
        let e = ledger.admin_exec(sql).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    as_role.close().await.unwrap();
    assert_eq!(ledger_rows(&ledger.url).await.len(), n);

    // Restoring both databases from before the erasures brings the rows and
    // the keys back; the next vault start shreds them again from the ledger.
    drop((w1, w2));
    a.stop().await;
    b.stop().await;
    ks.close().await.unwrap();
    main.close().await.unwrap();
    restore(db, &backup_dir).await;
    {
        let ks = store::connect(&db.keystore_url).await.unwrap();
        assert_eq!(
            candidate_deks::Entity::find().count(&ks).await.unwrap(),
            (n + kept.len()) as u64,
            "the restore brought the erased keys back"
        );
        ks.close().await.unwrap();
    }
    let a = start(&cfg_a, &admin, db.backend).await;
    // The first answer comes after the start's erasure fence has run.
    let mut v = a.vault();
    for c in [&due[0], &erased[0]] {
        let e = v
            .get_candidate(req(
                &svc,
                pb::GetCandidateRequest {
                    id: c.id.clone(),
                    purpose: "test".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
    }
    let ks = store::connect(&db.keystore_url).await.unwrap();
    assert_eq!(
        candidate_deks::Entity::find().count(&ks).await.unwrap(),
        kept.len() as u64,
        "shredded again from the shared ledger at start"
    );
    let main = a.db().await;
    assert_eq!(
        candidates::Entity::find().count(&main).await.unwrap(),
        kept.len() as u64
    );
    assert_eq!(
        ledger_rows(&ledger.url).await.len(),
        n,
        "the restore added nothing to the ledger and removed nothing"
    );
    assert_eq!(audit::verify(&main).await.unwrap().broken, None);
    ks.close().await.unwrap();
    main.close().await.unwrap();
    a.stop().await;
}

#[tokio::test]
async fn a_ledger_url_that_is_not_postgres_is_refused_at_start() {
    let db = testkit::TestDb::new(testkit::Backend::Sqlite).await;
    let mut cfg = config_for(&db, &AppOptions::default());
    cfg.ledger_url = Some("sqlite://ledger.db?mode=rwc".into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = custodian::run(cfg, listener, async {}).await.unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("ledger_url must be a PostgreSQL URL"), "{msg}");
    assert!(msg.contains("sqlite://"), "{msg}");
}

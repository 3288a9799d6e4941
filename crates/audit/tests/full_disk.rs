//! A full disk never makes the audit writer acknowledge what it did not
//! commit, nor wedge it: SQLite's file is capped (`max_page_count`, the
//! portable way to fill a database), audited writes and reads go on past
//! the cap, space is freed, writes go on, and after reopening every
//! acknowledged write and entry is there, no refused one is, the chain is
//! intact, and the health followed.
//!
//! Before the pool proved its connections clean and the group stopped at a
//! savepoint it could not roll back, a connection whose rollback failed went
//! back to the pool counted inside a transaction, and later work on it ran
//! inside a transaction that never committed (or in none at all).

use audit::{Actor, AuditError, Entries, Record};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement};
use store::outage::Outage;
use testkit::{exec, scalar};

#[derive(Debug)]
enum TestError {
    Audit(AuditError),
    Db(sea_orm::DbErr),
}

impl From<AuditError> for TestError {
    fn from(e: AuditError) -> Self {
        TestError::Audit(e)
    }
}

impl TestError {
    fn outage(&self) -> Option<Outage> {
        match self {
            TestError::Audit(e) => e.outage(),
            TestError::Db(e) => store::outage::classify(e),
        }
    }
}

fn big(n: usize) -> String {
    "x".repeat(n)
}

/// An audited write of a 30 KB note with its entry, as a service does one.
async fn write_note(db: &DatabaseConnection, id: &str) -> Result<(), TestError> {
    let id = id.to_owned();
    audit::write(db, move |txn: &DatabaseTransaction, entries: &Entries| {
        Box::pin(async move {
            txn.execute_raw(Statement::from_sql_and_values(
                txn.get_database_backend(),
                "INSERT INTO notes (id, body) VALUES (?, ?)",
                [id.clone().into(), big(30_000).into()],
            ))
            .await
            .map_err(TestError::Db)?;
            entries.push(Record::new(&Actor::system("test"), "note.put", "note", &id).tenant("t1"));
            Ok(())
        })
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sqlite_database_loses_no_acknowledged_write_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custodian.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    // Migrate, then room for the test's own tables and 400 KB of filler
    // that is freed later (as an operator frees disk space).
    let owner = store::open_main(&url).await.unwrap();
    exec(
        &owner,
        "CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)",
    )
    .await;
    exec(&owner, "CREATE TABLE filler (b BLOB)").await;
    for _ in 0..100 {
        exec(&owner, "INSERT INTO filler (b) VALUES (zeroblob(4000))").await;
    }
    exec(&owner, "PRAGMA wal_checkpoint(TRUNCATE)").await;
    let pages = scalar(&owner, "PRAGMA page_count").await;
    // About 40 notes of room.
    let capped = format!("{url}&max_page_count={}", pages + 300);
    let db = store::connect(&capped).await.unwrap();
    let health = store::outage::health(&db);

    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    let mut read_entries = Vec::new();
    let mut outages = 0;
    let mut seen_failing = false;
    let mut i = 0;
    while outages < 12 {
        i += 1;
        assert!(i < 500, "the cap was never reached");
        // Several at once, so that groups hold more than one write.
        let ids: Vec<String> = (0..4).map(|k| format!("n{i}-{k}")).collect();
        let results = futures::future::join_all(ids.iter().map(|id| write_note(&db, id))).await;
        for (id, r) in ids.into_iter().zip(results) {
            match r {
                Ok(()) => acknowledged.push(id),
                Err(e) => {
                    let o = e.outage();
                    assert!(
                        matches!(o, Some(Outage::Full | Outage::Aborted)),
                        "a write past the cap must fail as out of space, got {e:?}"
                    );
                    outages += 1;
                    refused.push(id);
                }
            }
        }
        // A round in which every write failed leaves the health failing
        // (a smaller write may commit later under a cap; not on a full disk).
        seen_failing |= health.writes_failing();
        // An audited read after each round, as GetCandidate records one.
        match audit::record(
            &db,
            Record::new(
                &Actor::system("test"),
                "note.read",
                "note",
                &format!("r{i}"),
            )
            .tenant("t1")
            .details(serde_json::json!({ "pad": big(2_000) })),
        )
        .await
        {
            Ok(m) => read_entries.push(m),
            Err(e) => assert!(e.outage().is_some(), "a read's entry failed otherwise: {e}"),
        }
    }
    assert!(seen_failing, "the health must show that writes fail");
    assert!(
        acknowledged.len() >= 10,
        "{} acknowledged",
        acknowledged.len()
    );

    // Space comes back: the filler is dropped by another connection.
    exec(&owner, "DELETE FROM filler").await;
    // Nothing is wedged: every later write and read commits, promptly.
    for k in 0..10 {
        let id = format!("after-{k}");
        tokio::time::timeout(std::time::Duration::from_secs(20), write_note(&db, &id))
            .await
            .expect("a write after space came back hung (a wedged connection)")
            .unwrap_or_else(|e| panic!("a write after space came back failed: {e:?}"));
        acknowledged.push(id);
        read_entries.push(
            audit::record(
                &db,
                Record::new(
                    &Actor::system("test"),
                    "note.read",
                    "note",
                    &format!("a{k}"),
                )
                .tenant("t1"),
            )
            .await
            .unwrap(),
        );
    }
    assert!(!health.writes_failing(), "the health must recover");
    db.close().await.unwrap();
    owner.close().await.unwrap();

    // Reopened: exactly what was acknowledged is there.
    let db = store::open_main(&url).await.unwrap();
    for id in &acknowledged {
        let n = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM notes WHERE id = '{id}'"),
        )
        .await;
        assert_eq!(n, 1, "acknowledged note {id} is missing after a restart");
        let e = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM audit_events WHERE object_id = '{id}'"),
        )
        .await;
        assert_eq!(e, 1, "acknowledged note {id} has no audit entry");
    }
    for id in &refused {
        let n = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM notes WHERE id = '{id}'"),
        )
        .await;
        assert_eq!(n, 0, "refused note {id} was stored");
    }
    for m in &read_entries {
        let h: String = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT hash FROM audit_events WHERE seq = {}", m.seq),
            ))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("the entry of an answered read ({}) is missing", m.seq))
            .try_get_by_index(0)
            .unwrap();
        assert_eq!(h, m.hash, "entry {} is not the one acknowledged", m.seq);
    }
    let report = audit::verify(&db).await.unwrap();
    assert_eq!(report.broken, None, "the chain broke");
}

/// The mechanism, without a full disk: a SQLite connection handed back to
/// the pool inside a transaction (SQLite's own state, whatever sqlx counts)
/// is never handed out again; before the check, every later write through
/// the pool ran inside that transaction, holding the write lock, and
/// vanished when the process stopped. (PostgreSQL's connections are checked
/// by sqlx's count and ping: its session state is not public in sqlx.)
#[tokio::test]
async fn a_pooled_connection_left_inside_a_transaction_is_never_reused() {
    {
        let t = testkit::TestDb::new(testkit::Backend::Sqlite).await;
        let db = store::open_main(&t.url).await.unwrap();
        exec(&db, "CREATE TABLE probe (id INTEGER PRIMARY KEY)").await;
        // Leaves the pooled connection inside a transaction sqlx does not know of.
        exec(&db, "BEGIN").await;
        for k in 0..20 {
            exec(&db, &format!("INSERT INTO probe (id) VALUES ({k})")).await;
        }
        // Another pool sees every write committed.
        let other = store::connect(&t.url).await.unwrap();
        assert_eq!(
            scalar(&other, "SELECT COUNT(*) FROM probe").await,
            20,
            "{}: writes went into a transaction left open on a pooled connection",
            t.backend
        );
        // Audited writes are not held up by it either.
        audit::record(
            &db,
            Record::new(&Actor::system("test"), "probe", "probe", "p"),
        )
        .await
        .unwrap();
    }
}

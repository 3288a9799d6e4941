//! The audit writer's queue and group commit, on SQLite and PostgreSQL:
//! concurrent entries of many tenants keep both chains intact, entries are
//! really grouped, a failing or panicking write takes nothing of its group's
//! other work with it (or, for a panic, the whole group and nothing else), and
//! an entry is committed when `record` returns.

use audit::{Actor, AuditError, Record};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Statement};
use store::entities::audit_events;

fn entry(i: usize) -> Record {
    Record::new(
        &Actor::system("test"),
        "candidate.read",
        "candidate",
        &format!("c{i}"),
    )
    .tenant(format!("t{}", i % 7))
    .reason("screening")
}

async fn count(db: &DatabaseConnection) -> u64 {
    audit_events::Entity::find().count(db).await.unwrap()
}

async fn distinct_instants(db: &DatabaseConnection) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(DISTINCT at) AS n FROM audit_events",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[derive(Debug)]
enum TestError {
    Audit(AuditError),
    Refused,
}

impl From<AuditError> for TestError {
    fn from(e: AuditError) -> Self {
        TestError::Audit(e)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_entries_of_many_tenants_are_grouped_and_keep_every_chain_intact() {
    for t in testkit::all_dbs().await {
        let db = store::open_main(&t.url).await.unwrap();
        let mut tasks = Vec::new();
        // Standalone entries (reads), grouped writes and callers with their
        // own transaction, all at once.
        for i in 0..400 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                match i % 4 {
                    0 | 1 => {
                        audit::record(&db, entry(i)).await.unwrap();
                    }
                    2 => {
                        audit::write(&db, move |txn, log| {
                            Box::pin(async move {
                                // Appended in the savepoint, or logged for the group.
                                if i % 8 == 2 {
                                    audit::append(txn, entry(i)).await?;
                                } else {
                                    log.push(entry(i));
                                }
                                Ok::<_, TestError>(())
                            })
                        })
                        .await
                        .unwrap();
                    }
                    _ => {
                        let txn = audit::begin(&db).await.unwrap();
                        audit::append(&txn, entry(i)).await.unwrap();
                        txn.commit().await.unwrap();
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(count(&db).await, 400, "{:?}", t.backend);
        let report = audit::verify(&db).await.unwrap();
        assert_eq!(report.broken, None, "{:?}", t.backend);
        assert_eq!((report.entries, report.tenants), (400, 7));
        // One instant per group: 300 grouped entries in far fewer groups.
        let groups = distinct_instants(&db).await;
        assert!(
            groups < 300,
            "{:?}: {groups} distinct commit instants for 400 entries: nothing was grouped",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_write_is_rolled_back_alone_and_the_rest_of_its_group_commits() {
    for t in testkit::all_dbs().await {
        let db = store::open_main(&t.url).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..60 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                audit::write(&db, move |txn, log| {
                    Box::pin(async move {
                        // Appended or logged, then refused: the savepoint
                        // takes it back, the log is dropped.
                        if i % 2 == 0 {
                            audit::append(txn, entry(i)).await?;
                        } else {
                            log.push(entry(i));
                        }
                        if i % 3 == 0 {
                            return Err(TestError::Refused);
                        }
                        Ok(i)
                    })
                })
                .await
            }));
        }
        let mut refused = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => {}
                Err(TestError::Refused) => refused += 1,
                Err(e) => panic!("{:?}: {e:?}", t.backend),
            }
        }
        assert_eq!(refused, 20);
        assert_eq!(count(&db).await, 40, "{:?}", t.backend);
        assert_eq!(audit::verify(&db).await.unwrap().broken, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_panicking_write_fails_its_group_and_the_writer_goes_on() {
    for t in testkit::all_dbs().await {
        let db = store::open_main(&t.url).await.unwrap();
        let before = audit::record(&db, entry(0)).await.unwrap();
        let r = audit::write(&db, |txn, log| {
            Box::pin(async move {
                audit::append(txn, entry(1)).await?;
                log.push(entry(3));
                if std::hint::black_box(true) {
                    panic!("a bug in a write (this panic is the test's)");
                }
                Ok::<_, TestError>(())
            })
        })
        .await;
        assert!(
            matches!(r, Err(TestError::Audit(AuditError::Group(_)))),
            "{r:?}"
        );
        // The panic's entry is not there, and the writer still writes.
        let after = audit::record(&db, entry(2)).await.unwrap();
        assert_eq!(after.seq, before.seq + 1, "{:?}", t.backend);
        assert_eq!(count(&db).await, 2);
        assert_eq!(audit::verify(&db).await.unwrap().broken, None);
    }
}

#[tokio::test]
async fn an_entry_is_committed_when_record_returns() {
    for t in testkit::all_dbs().await {
        let db = store::open_main(&t.url).await.unwrap();
        // Another pool on the same database sees it at once.
        let other = store::connect(&t.url).await.unwrap();
        for i in 0..20 {
            let m = audit::record(&db, entry(i)).await.unwrap();
            let seen = audit_events::Entity::find_by_id(m.seq)
                .one(&other)
                .await
                .unwrap();
            assert_eq!(seen.map(|e| e.hash), Some(m.hash), "{:?}", t.backend);
        }
    }
}

#[tokio::test]
async fn a_write_that_asks_the_writer_for_more_is_refused_not_stuck() {
    for t in testkit::all_dbs().await {
        let db = store::open_main(&t.url).await.unwrap();
        let inner = db.clone();
        let r = audit::write(&db, move |_txn, _log| {
            Box::pin(async move {
                let nested = audit::record(&inner, entry(1)).await;
                assert!(matches!(nested, Err(AuditError::Nested)), "{nested:?}");
                let nested = audit::begin(&inner).await.map(|_| ());
                assert!(matches!(nested, Err(AuditError::Nested)), "{nested:?}");
                Ok::<_, TestError>(())
            })
        })
        .await;
        assert!(r.is_ok(), "{:?}: {r:?}", t.backend);
    }
}

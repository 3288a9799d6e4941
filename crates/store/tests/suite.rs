//! The shared store suite: the same tests on SQLite and, when
//! TEST_DATABASE_URL is set, on PostgreSQL.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Statement};
use store::entities::{audit_heads, controllers, keystore_info};

#[tokio::test]
async fn migrations_create_both_databases_and_are_idempotent() {
    for db in testkit::all_dbs().await {
        use sea_orm_migration::MigratorTrait;
        let r = store::migrate(&db.url, &db.keystore_url)
            .await
            .expect("first migrate");
        let expected = (
            store::migrations::Migrator::migrations().len(),
            store::migrations::KeystoreMigrator::migrations().len(),
        );
        assert_eq!(
            (r.main_applied, r.keystore_applied),
            expected,
            "{}",
            db.backend
        );
        let r = store::migrate(&db.url, &db.keystore_url)
            .await
            .expect("second migrate");
        assert_eq!(
            (r.main_applied, r.keystore_applied),
            (0, 0),
            "{}",
            db.backend
        );

        let main = store::open_main(&db.url).await.unwrap();
        let head = audit_heads::Entity::find_by_id("global".to_owned())
            .one(&main)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((head.seq, head.hash.as_str()), (0, store::GENESIS_HASH));

        // The key store is a separate database: its table is not in the main one.
        let keys = store::open_keystore(&db.keystore_url).await.unwrap();
        let info = keystore_info::Entity::find_by_id(1)
            .one(&keys)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.format_version, 1);
        assert!(
            keystore_info::Entity::find().all(&main).await.is_err(),
            "{}: keystore table leaked into main",
            db.backend
        );
        assert!(
            controllers::Entity::find().all(&keys).await.is_err(),
            "{}: main table leaked into keystore",
            db.backend
        );
    }
}

#[tokio::test]
async fn timestamps_round_trip_at_microsecond_precision() {
    for db in testkit::all_dbs().await {
        let main = store::open_main(&db.url).await.unwrap();
        let t = store::now_micros();
        let m = controllers::Model {
            id: "c1".into(),
            legal_name: "A".into(),
            kvk_number: "12345678".into(),
            country: "NL".into(),
            privacy_email: "a@b.nl".into(),
            dpo_name: "D".into(),
            dpo_email: "d@b.nl".into(),
            webhook_url: None,
            webhook_secret: None,
            created_at: t,
            updated_at: t,
        };
        controllers::ActiveModel::from(m.clone())
            .insert(&main)
            .await
            .unwrap();
        let back = controllers::Entity::find_by_id("c1".to_owned())
            .one(&main)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back, m, "{}", db.backend);
    }
}

#[tokio::test]
async fn unique_kvk_is_enforced_by_the_schema() {
    for db in testkit::all_dbs().await {
        let main = store::open_main(&db.url).await.unwrap();
        let insert = |id: &str| {
            let t = store::now_micros();
            controllers::ActiveModel::from(controllers::Model {
                id: id.into(),
                legal_name: "A".into(),
                kvk_number: "12345678".into(),
                country: "NL".into(),
                privacy_email: "a@b.nl".into(),
                dpo_name: "D".into(),
                dpo_email: "d@b.nl".into(),
                webhook_url: None,
                webhook_secret: None,
                created_at: t,
                updated_at: t,
            })
        };
        insert("a").insert(&main).await.unwrap();
        let e = insert("b").insert(&main).await.unwrap_err();
        assert!(
            matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ),
            "{}: {e}",
            db.backend
        );
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let db = testkit::TestDb::new(testkit::Backend::Sqlite).await;
    let main = store::open_main(&db.url).await.unwrap();
    let row = main
        .query_one_raw(Statement::from_string(
            main.get_database_backend(),
            "PRAGMA journal_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    let mode: String = row.try_get_by_index(0).unwrap();
    assert_eq!(mode, "wal");
    let row = main
        .query_one_raw(Statement::from_string(
            main.get_database_backend(),
            "PRAGMA foreign_keys",
        ))
        .await
        .unwrap()
        .unwrap();
    let fk: i32 = row.try_get_by_index(0).unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn unsupported_urls_are_refused_with_a_redacted_message() {
    let e = store::connect("mysql://u:secret@h/db")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("unsupported database url"), "{e}");
    assert!(!e.contains("secret"), "{e}");
}

/// `schemas::TABLES` names exactly the tables the migrations create, each
/// lands in its schema, provisioning twice moves nothing the second time,
/// a migration run after it finds every table, and a process that may not
/// migrate opens the database only when nothing is pending. SQLite refuses
/// per-service schemas by name.
#[tokio::test]
async fn per_service_schemas_hold_every_table_and_are_idempotent() {
    for db in testkit::all_dbs().await {
        store::migrate(&db.url, &db.keystore_url).await.unwrap();
        let main = store::connect(&db.url).await.unwrap();
        let keys = store::connect(&db.keystore_url).await.unwrap();
        if db.backend == testkit::Backend::Sqlite {
            let e = store::schemas::provision(&main, Some(&keys))
                .await
                .unwrap_err();
            assert!(e.to_string().contains("PostgreSQL"), "{e}");
            store::open_migrated::<store::migrations::Migrator>(
                &db.url,
                "database",
                store::Plans::Cached,
            )
            .await
            .expect("nothing pending");
            continue;
        }
        let first = store::schemas::provision(&main, Some(&keys)).await.unwrap();
        assert_eq!(first.moved.len(), store::schemas::TABLES.len());
        let again = store::schemas::provision(&main, Some(&keys)).await.unwrap();
        assert!(again.moved.is_empty(), "{again:?}");
        let rows = main
            .query_all_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT table_schema, table_name FROM information_schema.tables \
                 WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
                    .to_owned(),
            ))
            .await
            .unwrap();
        let mut found: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get::<String>("", "table_name").unwrap(),
                    r.try_get::<String>("", "table_schema").unwrap(),
                )
            })
            .filter(|(t, _)| t != "seaql_migrations")
            .collect();
        found.sort();
        let mut want: Vec<(String, String)> = store::schemas::TABLES
            .iter()
            .map(|(t, s)| (t.to_string(), s.to_string()))
            .collect();
        want.sort();
        assert_eq!(found, want);
        main.close().await.ok();
        // A later migrate (new connections see the database's search_path)
        // still finds the history and every table.
        let r = store::migrate(&db.url, &db.keystore_url).await.unwrap();
        assert_eq!((r.main_applied, r.keystore_applied), (0, 0));
        store::open_migrated::<store::migrations::Migrator>(
            &db.url,
            "database",
            store::Plans::Cached,
        )
        .await
        .expect("nothing pending");
    }
}

/// A process that may not migrate refuses a database with pending
/// migrations, and says what to run.
#[tokio::test]
async fn a_database_with_pending_migrations_is_refused_by_name() {
    for db in testkit::all_dbs().await {
        // Created but never migrated.
        let c = store::connect(&db.url).await.unwrap();
        c.execute_raw(Statement::from_string(
            c.get_database_backend(),
            "CREATE TABLE seaql_migrations (version varchar(255) PRIMARY KEY, applied_at bigint NOT NULL)"
                .to_owned(),
        ))
        .await
        .unwrap();
        let e = store::open_migrated::<store::migrations::Migrator>(
            &db.url,
            "database",
            store::Plans::Cached,
        )
        .await
        .unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("migration(s) of the database are not applied")
                && m.contains("custodian migrate"),
            "{m}"
        );
    }
}

/// The key store plans every execution with its values and the table's size
/// (`Plans::Custom`), so a ledger tail read prepared while the ledger was
/// empty does not keep that moment's plan (a scan and a sort) as it grows.
/// Checked where PostgreSQL counts it: the connection's prepared statement
/// has only custom plans, where the default pool's switches to a generic one.
/// On PostgreSQL only (SQLite has no plan cache of this kind).
#[tokio::test]
async fn the_key_store_plans_each_execution_of_its_tail_read() {
    use sea_orm::TransactionTrait;
    for db in testkit::all_dbs().await {
        if db.backend != testkit::Backend::Postgres {
            continue;
        }
        let keys = store::open_keystore(&db.keystore_url).await.unwrap();
        let default = store::connect(&db.keystore_url).await.unwrap();
        for (pool, custom) in [(&keys, true), (&default, false)] {
            // One connection: a transaction holds it.
            let txn = pool.begin().await.unwrap();
            for _ in 0..8 {
                txn.query_all_raw(Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "SELECT seq FROM shred_ledger WHERE seq > $1 ORDER BY seq LIMIT $2",
                    [0i64.into(), 1000i64.into()],
                ))
                .await
                .unwrap();
            }
            let row = txn
                .query_one_raw(Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements \
                     WHERE statement LIKE 'SELECT seq FROM shred_ledger WHERE seq > $1%'",
                ))
                .await
                .unwrap()
                .expect("the tail read is a prepared statement");
            let generic: i64 = row.try_get("", "generic_plans").unwrap();
            let customs: i64 = row.try_get("", "custom_plans").unwrap();
            txn.rollback().await.unwrap();
            if custom {
                assert_eq!(
                    (generic, customs),
                    (0, 8),
                    "the key store plans each execution"
                );
            } else {
                assert!(
                    generic > 0,
                    "the default pool caches a generic plan ({generic}, {customs})"
                );
            }
        }
    }
}

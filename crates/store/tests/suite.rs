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

//! Crash safety of the retention sweep: SIGKILL the worker process in the
//! middle of a large sweep, restart it, and check that nothing was deleted
//! before its time, nothing on hold was deleted, everything due is gone, the
//! ledger has no duplicates and the audit chain verifies.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use store::entities::vault::{candidate_deks, candidates, deletion_certificates, shred_ledger};
use store::sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use vault::domain::{NewCandidate, Payload, PayloadInput};

fn worker(config: &custodian::Config, lease: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_custodian"));
    c.args(["worker", "--once", "--batch", "100", "--lease-secs", lease])
        .env("CUSTODIAN_DATA_DIR", &config.data_dir)
        .env("CUSTODIAN_DATABASE_URL", config.database_url())
        .env("CUSTODIAN_KEYSTORE_URL", config.keystore_url())
        .env_remove("CUSTODIAN_MASTER_KEY")
        .env("CUSTODIAN_LOG_LEVEL", "warn");
    c
}

#[test]
fn a_worker_killed_mid_sweep_leaves_a_consistent_vault() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dbs = rt.block_on(testkit::all_dbs());
    for db in &dbs {
        killed_mid_sweep(&rt, db);
    }
}

fn killed_mid_sweep(rt: &tokio::runtime::Runtime, db: &testkit::TestDb) {
    let config = custodian::Config {
        data_dir: db.dir.path().join("data"),
        database_url: Some(db.url.clone()),
        keystore_url: Some(db.keystore_url.clone()),
        log_level: "warn".into(),
        ..Default::default()
    };
    let (due, held, later) = (6_000usize, 200usize, 800usize);
    let (tenant, held_ids, later_ids) = rt.block_on(async {
        let db = store::open_main(&config.database_url()).await.unwrap();
        let repo = controllers::ControllerRepo::new(db.clone());
        let c = repo
            .create(
                &audit::Actor::cli("test"),
                controllers::domain::NewController {
                    legal_name: controllers::domain::LegalName::parse("n", "Alpha B.V.").unwrap(),
                    kvk_number: controllers::domain::KvkNumber::parse("k", "11111111").unwrap(),
                    country: controllers::domain::CountryCode::parse("c", "NL").unwrap(),
                    privacy_email: controllers::domain::Email::parse("e", "p@alpha.nl").unwrap(),
                    dpo_name: controllers::domain::PersonName::parse("d", "Dana").unwrap(),
                    dpo_email: controllers::domain::Email::parse("e", "dpo@alpha.nl").unwrap(),
                    webhook: None,
                },
            )
            .await
            .unwrap();
        let v = custodian::ops::open_vault(&config).await.unwrap();
        let actor = audit::Actor::cli("test");
        let today = vault::service::today();
        for chunk in 0..(due + held + later) / 500 {
            let items: Vec<NewCandidate> = (0..500)
                .map(|i| {
                    let n = chunk * 500 + i;
                    let p: Payload = Payload::parse(PayloadInput { name: format!("Kandidaat {n}"), email: format!("k{n}@example.nl"), ..Default::default() }, "", Default::default()).unwrap();
                    NewCandidate::validate("", &format!("ref-{n}"), "vac-1", "2026-01-05", &["cv".to_string()], p, today).unwrap()
                })
                .collect();
            v.put(&actor, &c.id, items).await.unwrap();
        }
        let ids: Vec<String> = candidates::Entity::find().all(&db).await.unwrap().into_iter().map(|c| c.id).collect();
        let (held_ids, rest) = ids.split_at(held);
        let (later_ids, _) = rest.split_at(later);
        // All due (past), some held, some due only in the future.
        db.execute_raw(Statement::from_string(db.get_database_backend(), "UPDATE candidates SET status = 'rejected', delete_after = '2020-01-01T00:00:00Z', retention_basis = 'retention.applicant (test)'".to_owned())).await.unwrap();
        let in_list = |ids: &[String]| ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(",");
        db.execute_raw(Statement::from_string(db.get_database_backend(), format!("UPDATE candidates SET legal_hold = {} WHERE id IN ({})", if store::is_postgres(&db) { "true" } else { "1" }, in_list(held_ids)))).await.unwrap();
        db.execute_raw(Statement::from_string(db.get_database_backend(), format!("UPDATE candidates SET delete_after = '2099-01-01T00:00:00Z' WHERE id IN ({})", in_list(later_ids)))).await.unwrap();
        (c.id, held_ids.to_vec(), later_ids.to_vec())
    });

    // Start a sweep and kill it once it has shredded some but not all.
    let ledger = config.ledger_file();
    let mut child = worker(&config, "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let lines = std::fs::read_to_string(&ledger)
            .map(|s| s.lines().count())
            .unwrap_or(0);
        if lines >= 300 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed_at = std::fs::read_to_string(&ledger)
        .map(|s| s.lines().count())
        .unwrap_or(0);
    assert!(
        killed_at > 0 && killed_at < due,
        "{}: the kill landed mid-sweep ({killed_at} of {due})",
        db.backend
    );

    // Claims of the dead worker expire after the lease; then restart.
    std::thread::sleep(Duration::from_millis(1_100));
    let out = worker(&config, "1").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    rt.block_on(async {
        let db = store::connect(&config.database_url()).await.unwrap();
        let ks = store::connect(&config.keystore_url()).await.unwrap();
        let left: HashSet<String> = candidates::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        let expected: HashSet<String> = held_ids.iter().chain(later_ids.iter()).cloned().collect();
        assert_eq!(
            left, expected,
            "exactly the held and not-yet-due candidates remain"
        );
        let deks: HashSet<String> = candidate_deks::Entity::find()
            .all(&ks)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.candidate_id)
            .collect();
        assert_eq!(deks, expected, "only their keys remain");
        let entries = shred_ledger::Entity::find().all(&ks).await.unwrap();
        assert_eq!(entries.len(), due);
        let unique: HashSet<&String> = entries.iter().map(|e| &e.candidate_id).collect();
        assert_eq!(unique.len(), due, "no duplicates in the ledger table");
        let file = std::fs::read_to_string(&ledger).unwrap();
        let file_ids: Vec<String> = file
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["candidate_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            file_ids.len(),
            due,
            "no duplicates or torn lines in the ledger file"
        );
        assert_eq!(file_ids.iter().collect::<HashSet<_>>().len(), due);
        assert_eq!(
            deletion_certificates::Entity::find()
                .count(&db)
                .await
                .unwrap(),
            due as u64
        );
        assert_eq!(
            audit::verify(&db).await.unwrap().broken,
            None,
            "the audit chain verifies"
        );
        let _ = tenant;
    });
}

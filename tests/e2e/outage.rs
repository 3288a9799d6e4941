//! A bad day for the database: a full disk on SQLite and an outage of
//! PostgreSQL. The server answers UNAVAILABLE with words that name no SQL,
//! reports NOT_SERVING while it cannot write or reach its database, loses
//! no write it acknowledged, answers no read whose audit entry it did not
//! commit, and is SERVING and writing again once the database is back.

use std::time::Duration;

use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use testkit::{exec, scalar};
use tonic::Code;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

async fn serving(app: &TestApp) -> Option<ServingStatus> {
    HealthClient::new(app.channel.clone())
        .check(HealthCheckRequest {
            service: "custodian.v1.VaultService".into(),
        })
        .await
        .ok()
        .map(|r| r.into_inner().status())
}

/// Waits up to `within` for the health to become `want`.
async fn health_becomes(app: &TestApp, want: ServingStatus, within: Duration) -> bool {
    let until = tokio::time::Instant::now() + within;
    loop {
        if serving(app).await == Some(want) {
            return true;
        }
        if tokio::time::Instant::now() > until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn note_candidate(i: usize) -> pb::PutCandidateRequest {
    let mut c = valid_candidate(
        &format!("ats-{i}"),
        &format!("Kandidaat {i}"),
        "k@example.nl",
    );
    if let Some(p) = c.payload.as_mut() {
        p.notes = format!("{i} ").repeat(10_000);
    }
    c
}

fn purpose(id: &str) -> pb::GetCandidateRequest {
    pb::GetCandidateRequest {
        id: id.into(),
        purpose: "screening for vacancy vac-2026-001".into(),
    }
}

/// The reproduction of the report: the data directory fills up under
/// PutCandidates with 30 KB notes (an audited CloseProcedure and an audited
/// GetCandidate after each failure), space comes back, ten controllers are
/// created, the server restarts, everything is read back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_unavailable_and_loses_no_acknowledged_write() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    // Migrated, with 800 KB of filler an operator can free later.
    let owner = store::open_main(&db.url).await.unwrap();
    exec(&owner, "CREATE TABLE filler (b BLOB)").await;
    for _ in 0..200 {
        exec(&owner, "INSERT INTO filler (b) VALUES (zeroblob(4000))").await;
    }
    exec(&owner, "PRAGMA wal_checkpoint(TRUNCATE)").await;
    let pages = scalar(&owner, "PRAGMA page_count").await;

    let mut config = config_for(&db, &AppOptions::default());
    // Room for the set-up and a few dozen candidates.
    config.database_url = Some(format!("{}&max_page_count={}", db.url, pages + 500));
    config.db_health_interval_ms = 400;
    let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "admin")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = spawn_config(config.clone(), listener, admin.clone(), Backend::Sqlite).await;
    let c = app.create_controller("Alpha B.V.", "11111111").await;
    let service = app.token(Role::Service, Some(&c.id)).await;
    let mut v = app.vault();

    let mut stored: Vec<String> = Vec::new();
    let mut reads: std::collections::BTreeMap<String, i64> = Default::default();
    let mut failures = 0;
    let mut saw_not_serving = false;
    let mut i = 0;
    while failures < 6 {
        i += 1;
        assert!(i < 400, "the database never filled up");
        let put = v
            .put_candidates(req(
                &service,
                pb::PutCandidatesRequest {
                    tenant_id: String::new(),
                    candidates: vec![note_candidate(i)],
                },
            ))
            .await;
        match put {
            Ok(r) => stored.extend(r.into_inner().candidates.into_iter().map(|c| c.id)),
            Err(s) => {
                failures += 1;
                assert_eq!(s.code(), Code::Unavailable, "{s:?}");
                assert!(
                    s.message().contains("out of space")
                        || s.message().contains("ended the transaction"),
                    "the words say why: {s:?}"
                );
                assert!(!s.message().to_lowercase().contains("sql"), "{s:?}");
                saw_not_serving |=
                    health_becomes(&app, ServingStatus::NotServing, Duration::from_millis(300))
                        .await;
                // An audited write and an audited read after each failure.
                if let Some(id) = stored.first() {
                    let closed = v
                        .close_procedure(req(
                            &service,
                            pb::CloseProcedureRequest {
                                id: id.clone(),
                                outcome: "rejected".into(),
                                closed_on: day(0).to_string(),
                            },
                        ))
                        .await;
                    if let Err(s) = closed {
                        assert!(
                            matches!(s.code(), Code::Unavailable | Code::FailedPrecondition),
                            "{s:?}"
                        );
                    }
                    match v.get_candidate(req(&service, purpose(id))).await {
                        Ok(_) => *reads.entry(id.clone()).or_default() += 1,
                        Err(s) => assert_eq!(s.code(), Code::Unavailable, "{s:?}"),
                    }
                }
            }
        }
    }
    assert!(
        saw_not_serving,
        "health never said NOT_SERVING while writes failed"
    );
    assert!(stored.len() >= 5, "only {} candidates fit", stored.len());

    // Space comes back.
    exec(&owner, "DELETE FROM filler").await;
    let mut controllers = Vec::new();
    for k in 0..10 {
        let created = tokio::time::timeout(
            Duration::from_secs(20),
            app.controllers().create_controller(req(
                &admin,
                valid_controller(&format!("Na de storing {k} B.V."), &format!("2000000{k}")),
            )),
        )
        .await
        .expect("a write after space came back hung")
        .unwrap_or_else(|s| panic!("a write after space came back failed: {s:?}"));
        controllers.push(created.into_inner().id);
    }
    assert!(
        health_becomes(&app, ServingStatus::Serving, Duration::from_secs(5)).await,
        "health did not come back"
    );
    app.stop().await;
    owner.close().await.unwrap();

    // Restarted without the cap: everything acknowledged is there.
    let config = config_for(&db, &AppOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = spawn_config(config, listener, admin.clone(), Backend::Sqlite).await;
    for id in &controllers {
        app.controllers()
            .get_controller(req(&admin, pb::GetControllerRequest { id: id.clone() }))
            .await
            .unwrap_or_else(|s| panic!("controller {id} acknowledged but lost: {s:?}"));
    }
    let mut v = app.vault();
    for id in &stored {
        v.get_candidate(req(&service, purpose(id)))
            .await
            .unwrap_or_else(|s| panic!("candidate {id} acknowledged but lost: {s:?}"));
    }
    // Every answered read had its entry committed (plus the one just made).
    let main = app.db().await;
    for (id, n) in &reads {
        let entries = scalar(
            &main,
            &format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'candidate.read' AND object_id = '{id}'"
            ),
        )
        .await;
        assert_eq!(entries, n + 1, "reads of {id} answered without their entry");
    }
    let report = audit::verify(&main).await.unwrap();
    assert_eq!(report.broken, None);
    app.stop().await;
}

/// `url` with its host and port replaced by `addr`, and the address it named.
fn through(url: &str, addr: std::net::SocketAddr) -> (String, std::net::SocketAddr) {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (creds, rest) = rest.rsplit_once('@').map_or(("", rest), |(c, r)| (c, r));
    let (hostport, path) = rest.split_once('/').expect("a database name");
    assert!(
        !path.contains("host="),
        "the outage test needs PostgreSQL over TCP, not a socket: {url}"
    );
    let target: std::net::SocketAddr = hostport
        .replace("localhost", "127.0.0.1")
        .parse()
        .unwrap_or_else(|_| format!("{hostport}:5432").parse().expect("host:port"));
    let at = if creds.is_empty() {
        String::new()
    } else {
        format!("{creds}@")
    };
    (format!("{scheme}://{at}{addr}/{path}"), target)
}

/// PostgreSQL goes away under a running server (every connection dropped,
/// new ones refused) and comes back: calls answer UNAVAILABLE within the
/// pool's acquire timeout instead of half a minute, health is NOT_SERVING
/// while it is gone and SERVING once it is back, and writes commit again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_outage_answers_unavailable_and_health_follows() {
    for db in all_dbs().await {
        if db.backend != Backend::Postgres {
            continue; // SQLite has no server to lose: see the full-disk test.
        }
        let (_, target) = through(&db.url, "127.0.0.1:1".parse().unwrap());
        let switch = custodian_tests::switch::Switch::to(target).await;
        let (url, _) = through(&db.url, switch.addr);
        let mut config = config_for(&db, &AppOptions::default());
        config.database_url = Some(url);
        config.db_health_interval_ms = 200;
        let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "admin")
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = spawn_config(config, listener, admin.clone(), db.backend).await;
        app.create_controller("Voor de storing B.V.", "30000001")
            .await;
        assert!(health_becomes(&app, ServingStatus::Serving, Duration::from_secs(5)).await);

        switch.cut();
        assert!(
            health_becomes(&app, ServingStatus::NotServing, Duration::from_secs(10)).await,
            "health stayed SERVING while the database was gone"
        );
        let started = std::time::Instant::now();
        let e = app
            .controllers()
            .create_controller(req(&admin, valid_controller("Tijdens B.V.", "30000002")))
            .await
            .unwrap_err();
        let waited = started.elapsed();
        assert_eq!(e.code(), Code::Unavailable, "{e:?}");
        assert!(!e.message().to_lowercase().contains("sql"), "{e:?}");
        assert!(
            waited < Duration::from_secs(15),
            "a call waited {waited:?} for a database that is gone"
        );

        switch.restore();
        assert!(
            health_becomes(&app, ServingStatus::Serving, Duration::from_secs(15)).await,
            "health did not come back with the database"
        );
        let mut ok = false;
        for _ in 0..20 {
            let r = app
                .controllers()
                .create_controller(req(&admin, valid_controller("Na B.V.", "30000003")))
                .await;
            match r {
                Ok(_) => {
                    ok = true;
                    break;
                }
                Err(s) if s.code() == Code::Unavailable => {
                    tokio::time::sleep(Duration::from_millis(250)).await
                }
                Err(s) => panic!("{s:?}"),
            }
        }
        assert!(
            ok,
            "writes did not commit again after the database came back"
        );
        app.stop().await;
    }
}

/// A `PutCandidates` that failed after its keys were made (a full disk, an
/// outage) and whose clean-up failed too leaves DEKs of candidates that
/// never existed. Reconcile removes those older than the grace period,
/// counts them, and touches neither a younger one (a call may still be
/// under way) nor a stored candidate's.
#[tokio::test]
async fn orphan_deks_of_candidates_never_stored_are_removed_by_reconcile() {
    use store::entities::vault::candidate_deks;
    use store::sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let c = app.create_controller("Alpha B.V.", "11111111").await;
        let service = app.token(Role::Service, Some(&c.id)).await;
        let stored = app
            .vault()
            .put_candidate(req(&service, note_candidate(1)))
            .await
            .unwrap()
            .into_inner();
        let keys = store::connect(&db.keystore_url).await.unwrap();
        let live = candidate_deks::Entity::find_by_id(stored.id.clone())
            .one(&keys)
            .await
            .unwrap()
            .expect("the stored candidate's DEK");
        let id_at = |ago: chrono::Duration| {
            let ms = (chrono::Utc::now() - ago).timestamp_millis() as u64;
            uuid::Builder::from_unix_timestamp_millis(ms, &[7u8; 10])
                .into_uuid()
                .hyphenated()
                .to_string()
        };
        let old = id_at(chrono::Duration::hours(2));
        let young = id_at(chrono::Duration::minutes(1));
        for id in [&old, &young] {
            let mut m = live.clone();
            m.candidate_id = id.clone();
            m.into_active_model()
                .reset_all()
                .insert(&keys)
                .await
                .unwrap();
        }
        let r = custodian::ops::sweep_once(&app.config).await.unwrap();
        assert_eq!(r.reconcile.orphan_deks, 1, "{:?}", db.backend);
        let exists = |id: String| {
            let keys = keys.clone();
            async move {
                candidate_deks::Entity::find_by_id(id)
                    .one(&keys)
                    .await
                    .unwrap()
                    .is_some()
            }
        };
        assert!(!exists(old).await, "the old orphan DEK stayed");
        assert!(
            exists(young).await,
            "a DEK younger than the grace period went"
        );
        assert!(
            exists(stored.id.clone()).await,
            "a stored candidate's DEK went"
        );
        app.vault()
            .get_candidate(req(&service, purpose(&stored.id)))
            .await
            .expect("the stored candidate still opens");
        app.stop().await;
    }
}

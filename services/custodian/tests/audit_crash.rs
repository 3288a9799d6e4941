//! Crash safety of the audit writer's group commit: SIGKILL the server while
//! 32 clients read (GetCandidate) and change (UpdateCandidate) candidates,
//! then check that the chain verifies, that every read and every change the
//! server answered has its entry (nothing was answered before its group was
//! committed), that every change that is stored has its entry, and that a
//! restarted server appends to the same chain.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use proto::v1 as pb;
use store::entities::{audit_events, vault::candidates};
use store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tonic::transport::Channel;

fn serve(config: &custodian::Config, addr: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_custodian"))
        .args(["serve", "--listen", addr, "--console-listen", "off"])
        .env("CUSTODIAN_DATA_DIR", &config.data_dir)
        .env("CUSTODIAN_DATABASE_URL", config.database_url())
        .env("CUSTODIAN_KEYSTORE_URL", config.keystore_url())
        .env_remove("CUSTODIAN_MASTER_KEY")
        .env("CUSTODIAN_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start custodian serve")
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

async fn connect(addr: &str) -> Channel {
    let start = Instant::now();
    loop {
        if let Ok(c) = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
        {
            return c;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server did not start on {addr}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

#[test]
fn a_server_killed_under_audited_load_answered_nothing_it_did_not_log() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dbs = rt.block_on(testkit::all_dbs());
    for db in &dbs {
        rt.block_on(killed_under_load(db));
    }
}

async fn killed_under_load(db: &testkit::TestDb) {
    let config = custodian::Config {
        data_dir: db.dir.path().join("data"),
        database_url: Some(db.url.clone()),
        keystore_url: Some(db.keystore_url.clone()),
        log_level: "warn".into(),
        ..Default::default()
    };
    let (_, admin) = custodian::ops::create_token(&config, auth::Role::Admin, None, "test")
        .await
        .unwrap();
    let addr = free_addr();
    let mut child = serve(&config, &addr);
    let ch = connect(&addr).await;
    let tenant = pb::controller_service_client::ControllerServiceClient::new(ch.clone())
        .create_controller(authed(
            pb::CreateControllerRequest {
                legal_name: "Alpha B.V.".into(),
                kvk_number: "11111111".into(),
                country: "NL".into(),
                privacy_email: "privacy@alpha.nl".into(),
                dpo_name: "Dana".into(),
                dpo_email: "dpo@alpha.nl".into(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .id;
    let (_, svc) = custodian::ops::create_token(&config, auth::Role::Service, Some(&tenant), "svc")
        .await
        .unwrap();
    let ids: Vec<String> = pb::vault_service_client::VaultServiceClient::new(ch.clone())
        .put_candidates(authed(
            pb::PutCandidatesRequest {
                tenant_id: String::new(),
                candidates: (0..50)
                    .map(|i| pb::PutCandidateRequest {
                        external_ref: format!("ref-{i}"),
                        vacancy_ref: "vac-0".into(),
                        applied_on: "2026-03-01".into(),
                        payload: Some(pb::CandidatePayload {
                            name: format!("Kandidaat {i}"),
                            email: format!("k{i}@example.nl"),
                            cv: vec![b'x'; 800],
                            cv_filename: "cv.pdf".into(),
                            cv_content_type: "application/pdf".into(),
                            ..Default::default()
                        }),
                        categories: vec!["identity".into(), "cv".into()],
                        ..Default::default()
                    })
                    .collect(),
            },
            &svc,
        ))
        .await
        .unwrap()
        .into_inner()
        .candidates
        .into_iter()
        .map(|c| c.id)
        .collect();

    // 32 clients until the kill; each keeps what the server answered OK.
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..32usize {
        let (ch, svc, ids, stop) = (ch.clone(), svc.clone(), ids.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut v = pb::vault_service_client::VaultServiceClient::new(ch);
            let (mut reads, mut updates) = (0u64, HashMap::<String, u32>::new());
            let mut n = c;
            while !stop.load(Ordering::Relaxed) {
                n += 32;
                let id = ids[n % ids.len()].clone();
                if c % 2 == 0 {
                    let r = v.get_candidate(authed(
                        pb::GetCandidateRequest {
                            id,
                            purpose: "screening".into(),
                        },
                        &svc,
                    ));
                    if r.await.is_ok() {
                        reads += 1;
                    }
                } else {
                    let r = v.update_candidate(authed(
                        pb::UpdateCandidateRequest {
                            id: id.clone(),
                            vacancy_ref: Some(format!("vac-{n}")),
                            ..Default::default()
                        },
                        &svc,
                    ));
                    if r.await.is_ok() {
                        *updates.entry(id).or_default() += 1;
                    }
                }
            }
            (reads, updates)
        }));
    }
    // Kill it mid-load: once some answers came back, not at a quiet moment.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let (mut reads, mut updates) = (0u64, HashMap::<String, u32>::new());
    for t in tasks {
        let (r, u) = t.await.unwrap();
        reads += r;
        for (id, k) in u {
            *updates.entry(id).or_default() += k;
        }
    }
    let answered_updates: u32 = updates.values().sum();
    assert!(
        reads > 0 && answered_updates > 0,
        "{}: the kill landed under load ({reads} reads, {answered_updates} updates answered)",
        db.backend
    );

    let main = store::connect(&config.database_url()).await.unwrap();
    let report = audit::verify(&main).await.unwrap();
    assert_eq!(report.broken, None, "{}: the chain verifies", db.backend);
    let logged_reads = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("candidate.read"))
        .all(&main)
        .await
        .unwrap()
        .len() as u64;
    assert!(
        logged_reads >= reads,
        "{}: {reads} reads were answered but only {logged_reads} are in the log",
        db.backend
    );
    let logged_updates = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("candidate.update"))
        .all(&main)
        .await
        .unwrap();
    let mut per_candidate: HashMap<String, u32> = HashMap::new();
    for e in &logged_updates {
        *per_candidate.entry(e.object_id.clone()).or_default() += 1;
    }
    for (id, answered) in &updates {
        let logged = per_candidate.get(id).copied().unwrap_or(0);
        assert!(
            logged >= *answered,
            "{}: candidate {id}: {answered} updates answered, {logged} logged",
            db.backend
        );
    }
    // A stored change has its entry: a candidate whose vacancy changed was
    // logged as changed at least once.
    for c in candidates::Entity::find().all(&main).await.unwrap() {
        if c.vacancy_ref != "vac-0" {
            assert!(
                per_candidate.contains_key(&c.id),
                "{}: candidate {} changed without an entry",
                db.backend,
                c.id
            );
        }
    }

    // The restarted server appends to the same chain.
    let addr = free_addr();
    let mut child = serve(&config, &addr);
    let ch = connect(&addr).await;
    let mut v = pb::vault_service_client::VaultServiceClient::new(ch);
    v.get_candidate(authed(
        pb::GetCandidateRequest {
            id: ids[0].clone(),
            purpose: "after the restart".into(),
        },
        &svc,
    ))
    .await
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let after = audit::verify(&main).await.unwrap();
    assert_eq!(after.broken, None, "{}", db.backend);
    assert!(
        after.entries > report.entries,
        "{}: the read after the restart is logged",
        db.backend
    );
}

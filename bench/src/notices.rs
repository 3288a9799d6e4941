//! Sub-processor change notices at scale: one ProposeChange that reaches N
//! controllers (N notices and N outbox messages in one transaction), their
//! delivery by the worker's `Deliverer` to a local HTTPS receiver, and
//! CheckEngagement afterwards.

use std::time::{Duration, Instant};

use custodian_tests::webhook::Receiver;
use custodian_tests::{TestApp, req, valid_subprocessor};
use proto::v1 as pb;

use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

use crate::{Row, Section};

/// The database's own limit for what ProposeChange wrote: the same rows
/// (the notices, the outbox messages, the audit entries after `seq`) copied
/// by the database itself into scratch tables of the same shape, in one
/// transaction: tighter than any client's batched inserts.
async fn raw_copy(db: &sea_orm::DatabaseConnection, seq: i64) -> anyhow::Result<Duration> {
    let tables = [
        ("subprocessor_notices", String::new()),
        ("outbox_messages", String::new()),
        ("audit_events", format!(" WHERE seq > {seq}")),
    ];
    for (t, _) in &tables {
        db.execute_unprepared(&format!(
            "CREATE TABLE bench_copy_{t} AS SELECT * FROM {t} WHERE 1 = 0"
        ))
        .await?;
    }
    let start = Instant::now();
    let txn = db.begin().await?;
    for (t, filter) in &tables {
        txn.execute_unprepared(&format!(
            "INSERT INTO bench_copy_{t} SELECT * FROM {t}{filter}"
        ))
        .await?;
    }
    txn.commit().await?;
    let took = start.elapsed();
    for (t, _) in &tables {
        db.execute_unprepared(&format!("DROP TABLE bench_copy_{t}"))
            .await?;
    }
    Ok(took)
}

/// The network's limit for delivery: the same number of HTTPS POSTs of the
/// same bodies to the same receiver, 8 at a time, with no database.
async fn raw_posts(
    ca_file: &std::path::Path,
    base: &str,
    bodies: Vec<String>,
) -> anyhow::Result<Duration> {
    let pem = std::fs::read(ca_file)?;
    let mut b = reqwest::Client::builder().https_only(true);
    for c in reqwest::Certificate::from_pem_bundle(&pem)? {
        b = b.add_root_certificate(c);
    }
    let client = b.build()?;
    let bodies = std::sync::Arc::new(bodies);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (client, bodies, base) = (client.clone(), bodies.clone(), base.to_owned());
        tasks.push(tokio::spawn(async move {
            for i in (w..bodies.len()).step_by(8) {
                let r = client
                    .post(format!("{base}/raw/{i}"))
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bodies[i].clone())
                    .send()
                    .await?;
                anyhow::ensure!(
                    r.status().is_success(),
                    "the receiver answered {}",
                    r.status()
                );
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(start.elapsed())
}

pub async fn run(controllers: usize, postgres: bool) -> anyhow::Result<Section> {
    let (backend, name) = if postgres {
        (testkit::Backend::Postgres, "PostgreSQL")
    } else {
        (testkit::Backend::Sqlite, "SQLite")
    };
    let db = testkit::TestDb::new(backend).await;
    let app: TestApp = custodian_tests::spawn_app(&db).await;
    let rx = Receiver::start(db.dir.path(), &[]).await;
    let setup = Instant::now();
    for i in 0..controllers {
        let (c, _) = app
            .controller_with_agreement(
                &format!("Bench {i} B.V."),
                &format!("{:08}", 10_000_000 + i),
                None,
            )
            .await;
        app.set_webhook(&c.id, &format!("{}/hook/{i}", rx.base), &"k".repeat(40))
            .await;
    }
    let setup = setup.elapsed();
    // ProposeChange answers with every notice it made (about 1.5 KiB each):
    // at 10,000 controllers that is past tonic's 4 MiB default.
    let mut s = app.subprocessors().max_decoding_message_size(256 << 20);
    let sub = s
        .register_subprocessor(req(
            &app.admin,
            valid_subprocessor("Bench Cloud B.V.", "NL"),
        ))
        .await?
        .into_inner();

    let conn = app.db().await;
    let seq_before: i64 = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_events",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row"))?
        .try_get("", "seq")?;
    let t = Instant::now();
    let change = s
        .propose_change(req(
            &app.admin,
            pb::ProposeChangeRequest {
                kind: "add".into(),
                subprocessor_id: sub.id.clone(),
                effective_on: custodian_tests::day(0).to_string(),
                description: "bench".into(),
                ..Default::default()
            },
        ))
        .await?
        .into_inner();
    let propose = t.elapsed();
    anyhow::ensure!(
        change.notices.len() == controllers,
        "one notice per controller"
    );

    let mut cfg = app.config.clone();
    cfg.webhook_ca_file = Some(rx.ca_file.clone());
    let db_conn = store::open_main(&cfg.database_url()).await?;
    let deliverer = custodian::wiring::deliverer(
        &cfg,
        db_conn.clone(),
        custodian::links::ControllersLink::Local(controllers::ControllerRepo::new(db_conn)),
    )?;
    let t = Instant::now();
    let mut delivered = 0;
    while delivered < controllers as u64 {
        let r = deliverer.run_once().await?;
        anyhow::ensure!(r.claimed > 0, "nothing left to claim at {delivered}");
        delivered += r.delivered;
    }
    let deliver = t.elapsed();
    let bodies: Vec<String> = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT body FROM outbox_messages",
        ))
        .await?
        .into_iter()
        .map(|r| r.try_get("", "body"))
        .collect::<Result<_, _>>()?;
    anyhow::ensure!(
        bodies.len() >= controllers,
        "{} outbox bodies",
        bodies.len()
    );
    let raw_deliver = raw_posts(&rx.ca_file, &rx.base, bodies).await?;
    let raw_propose = raw_copy(&conn, seq_before).await?;

    let target = change.notices[0].controller_id.clone();
    let t = Instant::now();
    let mut checks = 0u64;
    while t.elapsed() < Duration::from_secs(3) {
        s.check_engagement(req(
            &app.admin,
            pb::CheckEngagementRequest {
                subprocessor_id: sub.id.clone(),
                controller_id: target.clone(),
                at: String::new(),
            },
        ))
        .await?;
        checks += 1;
    }
    let check = t.elapsed();
    // The gRPC and auth path without a database, one client, for the ceiling.
    let mut d = app.deadlines();
    let t = Instant::now();
    let mut computes = 0u64;
    while t.elapsed() < Duration::from_secs(3) {
        d.compute(req(
            &app.admin,
            pb::ComputeRequest {
                rule: "breach.controller_notice".into(),
                at: "2026-03-27T16:00:00+01:00".into(),
                params: Default::default(),
            },
        ))
        .await?;
        computes += 1;
    }
    let compute = t.elapsed();
    app.stop().await;

    let per_s = |n: u64, d: Duration| n as f64 / d.as_secs_f64();
    // `limit`: how long the limit took for the same number of items.
    let row = |name: &str, items: String, took: Duration, n: u64, limit: Option<Duration>| Row {
        name: name.into(),
        cells: vec![
            ("items".into(), items),
            ("seconds".into(), format!("{:.2}", took.as_secs_f64())),
            ("per second".into(), format!("{:.0}", per_s(n, took))),
            (
                "of the limit".into(),
                limit.map_or("-".into(), |l| {
                    format!("{:.0}%", 100.0 * l.as_secs_f64() / took.as_secs_f64())
                }),
            ),
        ],
    };
    Ok(Section {
        title: format!("Change notices to {controllers} controllers on {name}"),
        about: format!(
            "{controllers} controllers with an agreement in force and an HTTPS webhook on a local receiver \
             (TLS, one connection per request as the receiver closes it). ProposeChange writes the change, \
             {controllers} notices, {controllers} outbox messages and their audit entries in one transaction. \
             The deliverer claims batches of 100 and posts 8 at a time, recording each attempt with its audit \
             entry. CheckEngagement is one client in a loop. Setup (controllers, agreements, webhooks over gRPC) \
             took {:.1} s. Each case has its limit row, measured in the same run on the same database and \
             receiver: the database copying the same rows itself, the same POSTs without a database, and Compute \
             (the gRPC and auth path without a database).",
            setup.as_secs_f64()
        ),
        aim: "a change reaches 1,000 controllers in one call under 2 s; delivery at least 100 notices/s".into(),
        rows: vec![
            row(
                "ProposeChange (one call)",
                format!("{controllers} notices"),
                propose,
                controllers as u64,
                Some(raw_propose),
            ),
            row(
                "limit: the same notices, outbox messages and audit entries copied by the database (INSERT … SELECT, one transaction)",
                format!("{controllers} notices"),
                raw_propose,
                controllers as u64,
                None,
            ),
            row(
                "Delivery to the webhooks",
                format!("{delivered} notices"),
                deliver,
                delivered,
                Some(raw_deliver),
            ),
            row(
                "limit: the same bodies POSTed over HTTPS to the same receiver, 8 at a time, no database",
                format!("{delivered} posts"),
                raw_deliver,
                delivered,
                None,
            ),
            row(
                "CheckEngagement, 1 client",
                format!("{checks} requests"),
                check,
                checks,
                Some(compute * (checks as u32) / (computes.max(1) as u32)),
            ),
            row(
                "limit: Compute (gRPC and auth, no database), 1 client",
                format!("{computes} requests"),
                compute,
                computes,
                None,
            ),
        ],
    })
}

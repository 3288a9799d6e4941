//! Sub-processor change notices at scale: one ProposeChange that reaches N
//! controllers (N notices and N outbox messages in one transaction), their
//! delivery by the worker's `Deliverer` to a local HTTPS receiver, and
//! CheckEngagement afterwards.

use std::time::{Duration, Instant};

use custodian_tests::webhook::Receiver;
use custodian_tests::{TestApp, req, valid_subprocessor};
use proto::v1 as pb;

use crate::{Row, Section};

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
    let mut s = app.subprocessors();
    let sub = s
        .register_subprocessor(req(
            &app.admin,
            valid_subprocessor("Bench Cloud B.V.", "NL"),
        ))
        .await?
        .into_inner();

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
    app.stop().await;

    let per_s = |n: u64, d: Duration| format!("{:.0}", n as f64 / d.as_secs_f64());
    Ok(Section {
        title: format!("Change notices to {controllers} controllers on {name}"),
        about: format!(
            "{controllers} controllers with an agreement in force and an HTTPS webhook on a local receiver \
             (TLS, one connection per request as the receiver closes it). ProposeChange writes the change, \
             {controllers} notices, {controllers} outbox messages and their audit entries in one transaction. \
             The deliverer claims batches of 100 and posts 8 at a time, recording each attempt with its audit \
             entry. CheckEngagement is one client in a loop. Setup (controllers, agreements, webhooks over gRPC) \
             took {:.1} s.",
            setup.as_secs_f64()
        ),
        aim: "a change reaches 1,000 controllers in one call under 2 s; delivery at least 100 notices/s".into(),
        rows: vec![
            Row {
                name: "ProposeChange (one call)".into(),
                cells: vec![
                    ("items".into(), format!("{controllers} notices")),
                    ("seconds".into(), format!("{:.2}", propose.as_secs_f64())),
                    ("per second".into(), per_s(controllers as u64, propose)),
                ],
            },
            Row {
                name: "Delivery to the webhooks".into(),
                cells: vec![
                    ("items".into(), format!("{delivered} notices")),
                    ("seconds".into(), format!("{:.2}", deliver.as_secs_f64())),
                    ("per second".into(), per_s(delivered, deliver)),
                ],
            },
            Row {
                name: "CheckEngagement, 1 client".into(),
                cells: vec![
                    ("items".into(), format!("{checks} requests")),
                    ("seconds".into(), format!("{:.2}", check.as_secs_f64())),
                    ("per second".into(), per_s(checks, check)),
                ],
            },
        ],
    })
}

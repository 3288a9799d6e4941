//! The split deployment's own latency cost: the same calls against the
//! monolith and against the five-process split (`custodian_tests::split`:
//! five `run()` instances on loopback, peers over gRPC with peer tokens; on
//! PostgreSQL one role per service), in the same run. The monolith is the
//! baseline: the ratio is split / monolith.
//!
//! - DSR access export: `RequestService.FulfilRequest` of an access request
//!   whose subject has one candidate, one call at a time (the split adds the
//!   hops requests → core for the controller and agreement, requests → vault
//!   for the hashes, the match and the decrypting read).
//! - `DeadlineService.ListObligations` over every service while the
//!   requests are open (one obligation each), 8 clients (the split asks
//!   four peers and merges).

use std::time::{Duration, Instant};

use auth::Role;
use custodian_tests::{TestApp, req, spawn_app, split::spawn_split, valid_candidate};
use proto::v1 as pb;

use crate::{Row, Section};

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Measured {
    fulfil: Vec<Duration>,
    list: Vec<Duration>,
    list_rps: f64,
    obligations: usize,
}

async fn measure(app: &TestApp, requests: usize, seconds: u64) -> anyhow::Result<Measured> {
    let (c, _) = app
        .controller_with_agreement("Bench B.V.", "12345678", None)
        .await;
    let tok = app.token(Role::Controller, Some(&c.id)).await;
    let mut ids = Vec::new();
    for i in 0..requests {
        let email = format!("subject{i}@bench.nl");
        let mut cand = valid_candidate(&format!("R-{i}"), "Jan de Vries", &email);
        cand.tenant_id = c.id.clone();
        app.vault().put_candidate(req(&app.admin, cand)).await?;
        let r = app
            .requests()
            .create_request(req(
                &tok,
                pb::CreateRequestRequest {
                    controller_id: c.id.clone(),
                    r#type: "access".into(),
                    channel: "controller_instruction".into(),
                    received_at: proto::wire::timestamp(store::truncate_micros(
                        chrono::Utc::now() - chrono::Duration::minutes(5),
                    )),
                    subject: Some(pb::SubjectIdentifiers {
                        email,
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ))
            .await?
            .into_inner();
        ids.push(r.id);
    }
    // With every request open: one obligation each, merged with the rest.
    let obligations = app.obligations(&app.admin, "").await.len();
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut client = app.deadlines();
        let admin = app.admin.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                client
                    .list_obligations(req(&admin, pb::ListObligationsRequest::default()))
                    .await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut list = Vec::new();
    for t in tasks {
        list.extend(t.await??);
    }
    list.sort();
    // Warm the connections of every hop.
    let mut fulfil = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let t = Instant::now();
        let out = app
            .requests()
            .fulfil_request(req(
                &tok,
                pb::FulfilRequestRequest {
                    id: id.clone(),
                    ..Default::default()
                },
            ))
            .await?
            .into_inner();
        let took = t.elapsed();
        anyhow::ensure!(!out.files.is_empty(), "an access export has files");
        if i >= 5 {
            fulfil.push(took);
        }
    }
    fulfil.sort();

    let list_rps = list.len() as f64 / seconds as f64;
    Ok(Measured {
        fulfil,
        list,
        list_rps,
        obligations,
    })
}

pub async fn run(requests: usize, seconds: u64, postgres: bool) -> anyhow::Result<Section> {
    let backend = if postgres {
        testkit::Backend::Postgres
    } else {
        testkit::Backend::Sqlite
    };
    let mono_db = testkit::TestDb::new(backend).await;
    let mono = spawn_app(&mono_db).await;
    let m = measure(&mono, requests, seconds).await?;
    mono.stop().await;
    let split_db = testkit::TestDb::new(backend).await;
    let split = spawn_split(&split_db).await;
    let s = measure(&split, requests, seconds).await?;
    split.stop().await;
    let ms = |v: f64| format!("{v:.2}");
    let rows = vec![
        Row {
            name: format!(
                "DSR access export (FulfilRequest), 1 client, {} requests",
                m.fulfil.len()
            ),
            cells: vec![
                ("monolith p50 ms".into(), ms(pct(&m.fulfil, 0.5))),
                ("monolith p99 ms".into(), ms(pct(&m.fulfil, 0.99))),
                ("split p50 ms".into(), ms(pct(&s.fulfil, 0.5))),
                ("split p99 ms".into(), ms(pct(&s.fulfil, 0.99))),
                (
                    "split / monolith (p50)".into(),
                    format!("{:.2}", pct(&s.fulfil, 0.5) / pct(&m.fulfil, 0.5).max(1e-9)),
                ),
                ("monolith req/s".into(), "-".into()),
                ("split req/s".into(), "-".into()),
            ],
        },
        Row {
            name: format!(
                "ListObligations, all services, first page ({} obligations), 8 clients",
                m.obligations.max(s.obligations)
            ),
            cells: vec![
                ("monolith p50 ms".into(), ms(pct(&m.list, 0.5))),
                ("monolith p99 ms".into(), ms(pct(&m.list, 0.99))),
                ("split p50 ms".into(), ms(pct(&s.list, 0.5))),
                ("split p99 ms".into(), ms(pct(&s.list, 0.99))),
                (
                    "split / monolith (p50)".into(),
                    format!("{:.2}", pct(&s.list, 0.5) / pct(&m.list, 0.5).max(1e-9)),
                ),
                ("monolith req/s".into(), format!("{:.0}", m.list_rps)),
                ("split req/s".into(), format!("{:.0}", s.list_rps)),
            ],
        },
    ];
    let name = if postgres { "PostgreSQL" } else { "SQLite" };
    Ok(Section {
        title: format!("The split's latency cost on {name}: monolith vs five processes"),
        about: format!(
            "The same calls against the monolith (the baseline) and the five-process split ({}), both measured in this run; every process on this machine, on loopback. The access export's subject has one candidate; the first 5 calls warm the connections and are not counted.",
            if postgres {
                "PostgreSQL, one role per service"
            } else {
                "SQLite, one shared file"
            }
        ),
        aim: "the split costs a few loopback hops per call: a DSR export well under twice the monolith's latency, ListObligations within a small factor (it asks four peers)".into(),
        rows,
    })
}

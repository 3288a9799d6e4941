//! Unary `ControllerService.GetController` over loopback with concurrent
//! clients, against the real server on the embedded SQLite default.

use std::time::{Duration, Instant};

use auth::Role;
use proto::v1 as pb;
use tonic::transport::Channel;

use crate::{Row, Section, pct};

#[derive(Clone, Copy)]
enum Call {
    GetController,
    Compute,
}

/// Runs the cases against the embedded SQLite default, or against
/// PostgreSQL when `postgres` holds a fresh database's URL.
pub async fn get_controller(
    seconds: u64,
    clients: usize,
    postgres: Option<&testkit::TestDb>,
) -> anyhow::Result<Section> {
    let dir = tempfile::tempdir()?;
    let config = custodian::Config {
        data_dir: dir.path().to_path_buf(),
        database_url: postgres.map(|d| d.url.clone()),
        log_level: "warn".into(),
        ..Default::default()
    };
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "bench").await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let cfg = config.clone();
    let server = tokio::spawn(async move {
        custodian::run(cfg, listener, async {
            let _ = stop_rx.await;
        })
        .await
    });
    let url = format!("http://{addr}");
    let mut channel = None;
    for _ in 0..200 {
        if let Ok(c) = Channel::from_shared(url.clone())?.connect().await {
            channel = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let channel = channel.ok_or_else(|| anyhow::anyhow!("server did not start"))?;
    let bearer: tonic::metadata::MetadataValue<_> = format!("Bearer {admin}").parse()?;
    let mut client = pb::controller_service_client::ControllerServiceClient::new(channel.clone());
    let mut r = tonic::Request::new(pb::CreateControllerRequest {
        legal_name: "Bench B.V.".into(),
        kvk_number: "12345678".into(),
        country: "NL".into(),
        privacy_email: "privacy@bench.nl".into(),
        dpo_name: "Bench".into(),
        dpo_email: "dpo@bench.nl".into(),
        ..Default::default()
    });
    r.metadata_mut().insert("authorization", bearer.clone());
    let id = client.create_controller(r).await?.into_inner().id;

    // A few HTTP/2 connections shared by the clients, as a real caller pool would.
    let conns: Vec<Channel> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(Channel::from_shared(url.clone())?.connect().await?);
        }
        v
    };
    // Every client reads the ids in turn from its own offset: one id is the
    // hottest row there is; the growth rows read among many.
    let run_phase =
        |dur: Duration, call: Call, clients: usize, ids: std::sync::Arc<Vec<String>>| {
            let mut tasks = Vec::new();
            for i in 0..clients {
                let ch = conns[i % conns.len()].clone();
                let bearer = bearer.clone();
                let ids = ids.clone();
                tasks.push(tokio::spawn(async move {
                    let mut c =
                        pb::controller_service_client::ControllerServiceClient::new(ch.clone());
                    let mut d = pb::deadline_service_client::DeadlineServiceClient::new(ch);
                    let mut lat = Vec::with_capacity(100_000);
                    let mut errors = 0u64;
                    let end = Instant::now() + dur;
                    let mut k = i * 7919;
                    while Instant::now() < end {
                        let t = Instant::now();
                        k += 1;
                        let ok = match call {
                            Call::GetController => {
                                let id = ids[k % ids.len()].clone();
                                let mut r = tonic::Request::new(pb::GetControllerRequest { id });
                                r.metadata_mut().insert("authorization", bearer.clone());
                                c.get_controller(r).await.is_ok()
                            }
                            Call::Compute => {
                                let mut r = tonic::Request::new(pb::ComputeRequest {
                                    rule: "breach.controller_notice".into(),
                                    at: "2026-03-27T16:00:00+01:00".into(),
                                    params: Default::default(),
                                });
                                r.metadata_mut().insert("authorization", bearer.clone());
                                d.compute(r).await.is_ok()
                            }
                        };
                        if ok {
                            lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                        } else {
                            errors += 1;
                        }
                    }
                    (lat, errors)
                }));
            }
            tasks
        };
    let mut rows = Vec::new();
    let one = std::sync::Arc::new(vec![id]);
    let mut cases = vec![
        (
            "GetController".to_owned(),
            Call::GetController,
            clients,
            one.clone(),
        ),
        (
            "GetController".to_owned(),
            Call::GetController,
            (clients / 4).max(1),
            one.clone(),
        ),
        (
            "Compute (auth, no database: the gRPC ceiling)".to_owned(),
            Call::Compute,
            clients,
            one.clone(),
        ),
    ];
    // Growth: point reads among a tenth, the size and ten times 1,000
    // stored controllers should cost the same.
    let mut stored = one.to_vec();
    for target in [100usize, 1_000, 10_000] {
        let missing = target - stored.len();
        let made = create_controllers(&conns, &bearer, stored.len(), missing).await?;
        stored.extend(made);
        cases.push((
            format!("GetController among {target} controllers"),
            Call::GetController,
            clients,
            std::sync::Arc::new(stored.clone()),
        ));
    }
    for (name, call, n, ids) in cases {
        // Warm up (connections, caches, SQLite page cache), then measure.
        for t in run_phase(Duration::from_secs(2), call, n, ids.clone()) {
            t.await?;
        }
        let started = Instant::now();
        let mut all = Vec::new();
        let mut errors = 0;
        for t in run_phase(Duration::from_secs(seconds), call, n, ids.clone()) {
            let (l, e) = t.await?;
            all.extend(l);
            errors += e;
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort_unstable();
        rows.push(Row {
            name: format!("{name}, {n} clients"),
            cells: vec![
                ("requests".into(), all.len().to_string()),
                ("errors".into(), errors.to_string()),
                (
                    "requests/s".into(),
                    format!("{:.0}", all.len() as f64 / elapsed),
                ),
                ("p50 ms".into(), format!("{:.3}", pct(&all, 0.50))),
                ("p99 ms".into(), format!("{:.3}", pct(&all, 0.99))),
                ("max ms".into(), format!("{:.3}", pct(&all, 1.0))),
            ],
        });
    }
    let _ = stop_tx.send(());
    let _ = server.await;

    Ok(Section {
        title: format!("gRPC: ControllerService.GetController on {backend}"),
        about: format!(
            "Unary GetController over loopback, concurrent clients on 4 HTTP/2 connections, \
             real bearer-token auth (cache TTL 5 s, the default) and the {backend} database. \
             The Compute row is the same path without a database read: the ceiling of gRPC and auth here. \
             The first rows read one controller; the growth rows read among 100, 1,000 and 10,000 stored \
             controllers (a tenth, the size and ten times 1,000), which a point read should not notice."
        ),
        aim: "at least 10,000 requests/s with p99 under 5 ms on a 2-core machine".into(),
        rows,
    })
}

/// Creates `n` controllers over gRPC, 8 at a time; returns their ids.
async fn create_controllers(
    conns: &[Channel],
    bearer: &tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
    first: usize,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let mut tasks = Vec::new();
    for w in 0..8 {
        let ch = conns[w % conns.len()].clone();
        let bearer = bearer.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = pb::controller_service_client::ControllerServiceClient::new(ch);
            let mut ids = Vec::new();
            for i in (w..n).step_by(8) {
                let k = first + i;
                let mut r = tonic::Request::new(pb::CreateControllerRequest {
                    legal_name: format!("Bench {k} B.V."),
                    kvk_number: format!("{:08}", 20_000_000 + k),
                    country: "NL".into(),
                    privacy_email: format!("privacy@bench{k}.nl"),
                    dpo_name: "Bench".into(),
                    dpo_email: format!("dpo@bench{k}.nl"),
                    ..Default::default()
                });
                r.metadata_mut().insert("authorization", bearer.clone());
                ids.push(c.create_controller(r).await?.into_inner().id);
            }
            anyhow::Ok(ids)
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.extend(t.await??);
    }
    Ok(out)
}

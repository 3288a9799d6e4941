//! The DPO console's heaviest pages: the obligations dashboard over 10,000
//! open obligations and the request queue of a controller with 1,000
//! requests, signed in over HTTP on loopback, against the raw gRPC reads
//! the pages are built on (the baseline, measured in the same run): the
//! ratio is what rendering costs on top of fetching.

use std::time::{Duration, Instant};

use custodian_tests::console::{Web, spawn_console};
use custodian_tests::req;
use proto::v1 as pb;

use crate::{Row, Section};

fn p50(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

async fn time<F, Fut>(runs: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f().await; // warm
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        out.push(t.elapsed());
    }
    out
}

pub async fn run(
    obligations: usize,
    per_controller: usize,
    runs: usize,
) -> anyhow::Result<Section> {
    let db = testkit::TestDb::new(testkit::Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let controllers = obligations.div_ceil(per_controller);
    let mut ids = Vec::new();
    for i in 0..controllers {
        let (c, _) = app
            .controller_with_agreement(
                &format!("Klant {i} B.V."),
                &format!("{:08}", 10_000_000 + i),
                None,
            )
            .await;
        ids.push(c.id);
    }
    // Open access requests received a week ago, 8 writers.
    let received = proto::wire::timestamp(store::truncate_micros(
        chrono::Utc::now() - chrono::Duration::days(7),
    ));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let ids = ids.clone();
        let mut c = app.requests();
        let admin = app.admin.clone();
        let received = received.clone();
        tasks.push(tokio::spawn(async move {
            for n in (w..obligations).step_by(8) {
                c.create_request(req(
                    &admin,
                    pb::CreateRequestRequest {
                        controller_id: ids[n / per_controller].clone(),
                        r#type: "access".into(),
                        channel: "controller_instruction".into(),
                        received_at: received.clone(),
                        subject: Some(pb::SubjectIdentifiers {
                            email: format!("s{n}@example.nl"),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                ))
                .await
                .expect("create request");
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let mut web = Web::signed_in(&app, &app.admin).await;
    let home = web.get("/").await;
    anyhow::ensure!(home.status == 200, "dashboard: {}", home.status);
    let rows = home.body.matches("<tr><td><span class=\"state").count();
    anyhow::ensure!(
        rows >= obligations,
        "the dashboard shows {rows} of {obligations} obligations"
    );
    let home_bytes = home.body.len();
    let mut page = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let r = web.get("/").await;
        page.push(t.elapsed());
        assert_eq!(r.status, 200);
    }
    let raw = time(runs, || async {
        let mut c = app.deadlines();
        let mut token = String::new();
        let mut n = 0;
        loop {
            let r = c
                .list_obligations(req(
                    &app.admin,
                    pb::ListObligationsRequest {
                        page: Some(pb::PageRequest {
                            page_size: 1_000,
                            page_token: token,
                        }),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            n += r.obligations.len();
            if r.next_page_token.is_empty() {
                break;
            }
            token = r.next_page_token;
        }
        assert!(n >= obligations);
    })
    .await;
    // One page alone: each page makes every source compute every open
    // obligation again (offset paging), so the whole read is pages × this.
    let first = time(runs, || async {
        let r = app
            .deadlines()
            .list_obligations(req(
                &app.admin,
                pb::ListObligationsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 1_000,
                        page_token: String::new(),
                    }),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        // The requests' obligations, and the agreements' own (renewals).
        assert!(r.obligations.len() >= 1_000.min(obligations));
    })
    .await;
    let q_path = format!("/requests?controller={}", ids[0]);
    let queue = web.get(&q_path).await;
    anyhow::ensure!(queue.status == 200, "queue: {}", queue.status);
    let queue_bytes = queue.body.len();
    web.get(&q_path).await; // warm
    let mut qpage = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let r = web.get(&q_path).await;
        qpage.push(t.elapsed());
        assert_eq!(r.status, 200);
    }
    let qraw = time(runs, || async {
        let mut c = app.requests();
        let mut token = String::new();
        let mut n = 0;
        loop {
            let r = c
                .list_requests(req(
                    &app.admin,
                    pb::ListRequestsRequest {
                        page: Some(pb::PageRequest {
                            page_size: 500,
                            page_token: token,
                        }),
                        controller_id: ids[0].clone(),
                        status: String::new(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            n += r.requests.len();
            if r.next_page_token.is_empty() {
                break;
            }
            token = r.next_page_token;
        }
        assert_eq!(n, per_controller);
    })
    .await;
    app.stop().await;
    let ms = |v: f64| format!("{v:.1}");
    let (p, r, qp, qr, f1) = (p50(page), p50(raw), p50(qpage), p50(qraw), p50(first));
    Ok(Section {
        title: "DPO console: page render".into(),
        about: format!(
            "SQLite. The obligations dashboard (`GET /`, every open obligation, grouped, one row each with rule, citation, both readings and notes) over {obligations} open requests, and the request queue (`GET /requests?controller=…`) of one controller with {per_controller} requests; {runs} timed runs after a warm-up, signed in over HTTP on loopback. Baseline: the raw gRPC reads the page makes (ListObligations or ListRequests, every page), timed in the same run. Reproduce: `cargo run --release -p custodian-bench -- --only console`."
        ),
        aim: "a day's dashboard renders in well under a second at 10,000 obligations; the page costs at most a few times its raw reads".into(),
        rows: vec![
            Row {
                name: format!("dashboard, {obligations} obligations ({} KiB of HTML)", home_bytes / 1024),
                cells: vec![
                    ("page p50 ms".into(), ms(p)),
                    ("raw gRPC p50 ms".into(), ms(r)),
                    ("page / raw".into(), format!("{:.2}", p / r.max(1e-9))),
                    ("raw, one page of 1,000, p50 ms".into(), ms(f1)),
                ],
            },
            Row {
                name: format!("request queue, {per_controller} requests ({} KiB of HTML)", queue_bytes / 1024),
                cells: vec![
                    ("page p50 ms".into(), ms(qp)),
                    ("raw gRPC p50 ms".into(), ms(qr)),
                    ("page / raw".into(), format!("{:.2}", qp / qr.max(1e-9))),
                    ("raw, one page of 1,000, p50 ms".into(), "-".into()),
                ],
            },
        ],
    })
}

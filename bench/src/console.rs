//! The DPO console's heaviest pages at volume: the obligations dashboard
//! (five groups, each its first rows and its total) and one group opened at
//! its first and at a deep page, over 10,000 and 100,000 open obligations,
//! and a controller's request queue; signed in over HTTP on loopback,
//! against the raw gRPC reads each page is built on (the baseline, measured
//! in the same run): the ratio is what the console costs on top of them.

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

/// Times `runs` GETs of `path` after a warm-up, each answered 200.
async fn time_page(web: &mut Web, path: &str, runs: usize) -> Vec<Duration> {
    assert_eq!(web.get(path).await.status, 200, "{path}");
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let r = web.get(path).await;
        out.push(t.elapsed());
        assert_eq!(r.status, 200, "{path}");
    }
    out
}

/// The dashboard's five windows as the console asks them (see
/// `console::pages::obligations::groups`).
fn windows(now: chrono::DateTime<chrono::Utc>) -> [(String, String); 5] {
    let t = |d: chrono::Duration| proto::wire::timestamp(now + d);
    let tick = chrono::Duration::microseconds(1);
    [
        (String::new(), t(tick)),
        (t(tick), t(chrono::Duration::hours(72))),
        (t(chrono::Duration::hours(72)), t(chrono::Duration::days(7))),
        (t(chrono::Duration::days(7)), t(chrono::Duration::days(14))),
        (t(chrono::Duration::days(14)), String::new()),
    ]
}

fn list(
    size: u32,
    token: String,
    window: Option<&(String, String)>,
    count: bool,
) -> pb::ListObligationsRequest {
    pb::ListObligationsRequest {
        page: Some(pb::PageRequest {
            page_size: size,
            page_token: token,
        }),
        due_from: window.map(|w| w.0.clone()).unwrap_or_default(),
        due_before: window.map(|w| w.1.clone()).unwrap_or_default(),
        count_total: count,
        ..Default::default()
    }
}

/// `obligations` open obligations: `requests` open access requests over ten
/// controllers (created through gRPC, received over the last four weeks) and
/// the rest erasures due of the first controller's candidates (filled with
/// SQL: half overdue, half due in a year).
pub async fn run(obligations: usize, requests: usize, runs: usize) -> anyhow::Result<Section> {
    let db = testkit::TestDb::new(testkit::Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        let (c, _) = app
            .controller_with_agreement(
                &format!("Klant {i} B.V."),
                &format!("{:08}", 10_000_000 + i),
                None,
            )
            .await;
        ids.push(c.id);
    }
    let now = chrono::Utc::now();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let ids = ids.clone();
        let mut c = app.requests();
        let admin = app.admin.clone();
        tasks.push(tokio::spawn(async move {
            for n in (w..requests).step_by(8) {
                c.create_request(req(
                    &admin,
                    pb::CreateRequestRequest {
                        controller_id: ids[n % ids.len()].clone(),
                        r#type: "access".into(),
                        channel: "controller_instruction".into(),
                        received_at: proto::wire::timestamp(store::truncate_micros(
                            now - chrono::Duration::minutes((n as i64 * 37) % (28 * 24 * 60)),
                        )),
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
    let conn = app.db().await;
    crate::vault::fill(
        &conn,
        None,
        &ids[0],
        obligations.saturating_sub(requests) as u64,
    )
    .await?;
    // The agreements' renewals count too: the total is what the service says.
    let total = app
        .deadlines()
        .list_obligations(req(&app.admin, list(1, String::new(), None, true)))
        .await?
        .into_inner()
        .total
        .unwrap_or_default();
    anyhow::ensure!(
        total as usize >= obligations,
        "{total} open obligations, {obligations} wanted"
    );
    let mut web = Web::signed_in(&app, &app.admin).await;
    let home = web.get("/").await;
    anyhow::ensure!(home.status == 200, "dashboard: {}", home.status);
    anyhow::ensure!(
        home.body.contains(&format!("of {}", total / 2)) || home.body.contains("Show all"),
        "the dashboard shows the groups' totals"
    );
    let home_bytes = home.body.len();
    let page = time_page(&mut web, "/", runs).await;
    // Raw: the five calls the dashboard makes, at once, as it makes them.
    let raw = time(runs, || async {
        let w = windows(chrono::Utc::now());
        let calls = w.iter().map(|win| {
            let mut c = app.deadlines();
            let r = req(&app.admin, list(20, String::new(), Some(win), true));
            async move { c.list_obligations(r).await.unwrap().into_inner() }
        });
        let got = futures::future::join_all(calls).await;
        assert!(got.iter().map(|g| g.total.unwrap_or_default()).sum::<u64>() >= total);
    })
    .await;
    // The first page of the group opened below, as the page asks it.
    let first = time(runs, || async {
        let late = windows(chrono::Utc::now())[4].clone();
        let r = app
            .deadlines()
            .list_obligations(req(&app.admin, list(100, String::new(), Some(&late), true)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.obligations.len(), 100);
    })
    .await;
    // One group opened, at its first page and 10,000 rows deep (or the
    // deepest page there is): the cursor makes depth cost nothing.
    let later = "/?group=later";
    let group = time_page(&mut web, later, runs).await;
    let mut token = String::new();
    let mut depth = 0usize;
    let late = windows(now)[4].clone();
    while depth + 100 <= 10_000 {
        let r = app
            .deadlines()
            .list_obligations(req(
                &app.admin,
                list(100, token.clone(), Some(&late), false),
            ))
            .await?
            .into_inner();
        if r.next_page_token.is_empty() {
            break;
        }
        depth += r.obligations.len();
        token = r.next_page_token;
    }
    let deep_path = format!(
        "/?group=later&page={}&shown={depth}",
        console::web::encode(&token)
    );
    let deep = time_page(&mut web, &deep_path, runs).await;
    let deep_raw = time(runs, || async {
        let r = app
            .deadlines()
            .list_obligations(req(&app.admin, list(100, token.clone(), Some(&late), true)))
            .await
            .unwrap()
            .into_inner();
        assert!(!r.obligations.is_empty());
    })
    .await;
    let q_path = format!("/requests?controller={}", ids[0]);
    let queue = web.get(&q_path).await;
    anyhow::ensure!(queue.status == 200, "queue: {}", queue.status);
    let queue_bytes = queue.body.len();
    let qpage = time_page(&mut web, &q_path, runs).await;
    let per_controller = requests.div_ceil(ids.len());
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
                        ..Default::default()
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
        assert!(n <= per_controller);
    })
    .await;
    app.stop().await;
    let ms = |v: f64| format!("{v:.1}");
    let row = |name: String, page: f64, raw: f64| Row {
        name,
        cells: vec![
            ("page p50 ms".into(), ms(page)),
            ("raw gRPC p50 ms".into(), ms(raw)),
            ("page / raw".into(), format!("{:.2}", page / raw.max(1e-9))),
        ],
    };
    Ok(Section {
        title: "DPO console: pages at volume".into(),
        about: format!(
            "SQLite, {total} open obligations: {requests} open access requests over ten controllers and the rest erasures due of one controller's candidates (half overdue, half due in a year). The dashboard (`GET /`): five groups, each its first 20 rows and its total, from five concurrent ListObligations calls (`due_from`/`due_before`, `count_total`); the raw baseline is those five calls made the same way over gRPC. A group opened (`/?group=later`, 100 rows with the total) at its first page and {depth} rows deep (by cursor); its baseline is the same ListObligations call (100 rows, the window, the total). The request queue of one controller ({per_controller} requests) against ListRequests, every page. {runs} timed runs after a warm-up, signed in over HTTP on loopback. Reproduce: `cargo run --release -p custodian-bench -- --only console`."
        ),
        aim: "the dashboard's first page at 100,000 open obligations in under 200 ms on the server; a deep page costs what the first does".into(),
        rows: vec![
            row(
                format!("dashboard, five groups with totals ({} KiB of HTML)", home_bytes / 1024),
                p50(page),
                p50(raw),
            ),
            row("a group opened, first page of 100".into(), p50(group), p50(first)),
            row(format!("a group opened, {depth} rows deep"), p50(deep), p50(deep_raw)),
            row(
                format!("request queue, {per_controller} requests ({} KiB of HTML)", queue_bytes / 1024),
                p50(qpage),
                p50(qraw),
            ),
        ],
    })
}

//! `DeadlineService.ListObligations` and a DSR's subject matching at scale:
//! a monolith holding 1,000,000 candidates (half of them past their
//! retention: every one an open erasure obligation), 10,000 open access
//! requests, 1,000 reported incidents and 1,000 agreements in force, and
//! one real candidate among the million whom an e-mail address finds
//! (`VaultService.FindCandidates`, the blind-index match a DSR starts with).
//! The limits, measured in the same run on the same database: `Compute`
//! (the gRPC and auth path without a database) and plain SQL reads of the
//! rows a first page needs.

use std::future::Future;
use std::time::{Duration, Instant};

use auth::Role;
use custodian_tests::{TestApp, req, valid_candidate};
use proto::v1 as pb;
use sea_orm::{ConnectionTrait, Statement};

use crate::{Row, Section, pct};

/// How big the store is: candidates, open requests, incidents, agreements.
#[derive(Clone, Copy)]
pub struct Size {
    pub candidates: u64,
    pub requests: usize,
    pub incidents: usize,
    pub agreements: usize,
}

impl Size {
    pub fn scaled(self, f: f64) -> Size {
        let s = |n: usize| ((n as f64 * f).round() as usize).max(1);
        Size {
            candidates: ((self.candidates as f64 * f).round() as u64).max(1),
            requests: s(self.requests),
            incidents: s(self.incidents),
            agreements: s(self.agreements),
        }
    }
}

struct Lat {
    per_sec: f64,
    p50: f64,
    p99: f64,
    max: f64,
    errors: u64,
}

/// `clients` concurrent callers of `call(n)` for `dur`; latencies of the
/// calls that succeeded.
async fn load<F, Fut>(clients: usize, dur: Duration, call: F) -> anyhow::Result<Lat>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..clients {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let end = Instant::now() + dur;
            let mut n = i;
            while Instant::now() < end {
                let t = Instant::now();
                if call(n).await {
                    lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                } else {
                    errors += 1;
                }
                n += clients;
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort_unstable();
    Ok(Lat {
        per_sec: all.len() as f64 / secs,
        p50: pct(&all, 0.5),
        p99: pct(&all, 0.99),
        max: pct(&all, 1.0),
        errors,
    })
}

fn row(name: String, l: &Lat, limit: Option<&Lat>) -> Row {
    let ms = |v: f64| format!("{v:.3}");
    Row {
        name,
        cells: vec![
            ("requests/s".into(), format!("{:.0}", l.per_sec)),
            ("errors".into(), l.errors.to_string()),
            ("p50 ms".into(), ms(l.p50)),
            ("p99 ms".into(), ms(l.p99)),
            ("max ms".into(), ms(l.max)),
            (
                "limit p50 ms".into(),
                limit.map_or("-".into(), |b| ms(b.p50)),
            ),
            (
                "p50 / limit".into(),
                limit.map_or("-".into(), |b| format!("{:.1}", l.p50 / b.p50.max(1e-6))),
            ),
        ],
    }
}

async fn setup(app: &TestApp, size: Size) -> anyhow::Result<String> {
    let mut tenants = Vec::new();
    for i in 0..size.agreements {
        let (c, _) = app
            .controller_with_agreement(
                &format!("Klant {i} B.V."),
                &format!("{:08}", 10_000_000 + i),
                None,
            )
            .await;
        tenants.push(c.id);
    }
    let big = tenants[0].clone();
    // Received over the last four weeks, as a queue in its steady state is
    // (the month to answer in); many share a day, so deadlines tie.
    let now = chrono::Utc::now();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let tenants = tenants.clone();
        let mut c = app.requests();
        let admin = app.admin.clone();
        let total = size.requests;
        tasks.push(tokio::spawn(async move {
            for n in (w..total).step_by(8) {
                c.create_request(req(
                    &admin,
                    pb::CreateRequestRequest {
                        controller_id: tenants[n % tenants.len()].clone(),
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
                .await?;
            }
            anyhow::Ok(())
        }));
    }
    for w in 0..4 {
        let mut b = app.breaches();
        let admin = app.admin.clone();
        let total = size.incidents;
        tasks.push(tokio::spawn(async move {
            for n in (w..total).step_by(4) {
                b.report_incident(req(
                    &admin,
                    pb::ReportIncidentRequest {
                        discovered_at: proto::wire::timestamp(store::truncate_micros(
                            now - chrono::Duration::minutes(30 + (n as i64 * 7) % 1200),
                        )),
                        discovered_by: "monitoring".into(),
                        description: format!("incident {n}"),
                        systems: vec!["ats".into()],
                        internal_notes: String::new(),
                    },
                ))
                .await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    // The one real candidate the subject search finds.
    let mut cand = valid_candidate("REAL-1", "Jan de Vries", "jan.devries@example.nl");
    cand.tenant_id = big.clone();
    app.vault().put_candidate(req(&app.admin, cand)).await?;
    let db = app.db().await;
    crate::vault::fill(&db, None, &big, size.candidates).await?;
    Ok(big)
}

/// The plain SQL a first page of every source needs: the earliest erasures
/// due, the earliest open requests of both open states, the agreements in
/// force with their terms, the incidents not dismissed.
async fn raw_page(db: &sea_orm::DatabaseConnection) -> bool {
    let b = db.get_database_backend();
    let sqls = [
        "SELECT id, tenant_id, status, delete_after FROM candidates WHERE delete_after IS NOT NULL \
         AND legal_hold = false AND shred_claimed_at IS NULL ORDER BY delete_after, id LIMIT 101",
        "SELECT * FROM dsr_requests WHERE state = 'open' ORDER BY received_at, id LIMIT 101",
        "SELECT * FROM dsr_requests WHERE state = 'awaiting_identity' ORDER BY received_at, id LIMIT 101",
        "SELECT a.*, v.* FROM agreements a JOIN agreement_versions v ON v.agreement_id = a.id \
         AND v.version = a.latest_version WHERE a.status IN ('active', 'terminating')",
        "SELECT * FROM breach_incidents WHERE status <> 'dismissed'",
    ];
    for s in sqls {
        if db
            .query_all_raw(Statement::from_string(b, s))
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

async fn raw_match(db: &sea_orm::DatabaseConnection, tenant: &str, hash: &str) -> bool {
    let pg = store::is_postgres(db);
    let p = |n: usize| if pg { format!("${n}") } else { "?".into() };
    let sql = format!(
        "SELECT * FROM candidates WHERE tenant_id = {} AND id IN \
         (SELECT candidate_id FROM candidate_index WHERE tenant_id = {} AND hash = {})",
        p(1),
        p(2),
        p(3)
    );
    db.query_all_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        vec![tenant.into(), tenant.into(), hash.into()],
    ))
    .await
    .is_ok_and(|r| r.len() == 1)
}

pub async fn run(sizes: &[Size], seconds: u64, postgres: bool) -> anyhow::Result<Section> {
    let backend = if postgres {
        testkit::Backend::Postgres
    } else {
        testkit::Backend::Sqlite
    };
    let dur = Duration::from_secs(seconds);
    let mut rows = Vec::new();
    let mut about = Vec::new();
    for &size in sizes {
        let db = testkit::TestDb::new(backend).await;
        let mut config = custodian_tests::config_for(&db, &Default::default());
        config.auth_cache_ttl_ms = 5_000;
        let (_, admin) =
            custodian::ops::create_token(&config, Role::Admin, None, "bench-admin").await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let app = custodian_tests::spawn_config(config, listener, admin, db.backend).await;
        let t = Instant::now();
        let big = setup(&app, size).await?;
        let setup_secs = t.elapsed().as_secs_f64();
        let label = format!(
            "{} candidates, {} requests, {} incidents, {} agreements",
            size.candidates, size.requests, size.incidents, size.agreements
        );
        about.push(format!("{label}: set up in {setup_secs:.0} s"));
        let tok = app.token(Role::Controller, Some(&big)).await;
        let svc = app.token(Role::Service, Some(&big)).await;
        let db = app.db().await;
        // The first page must hold what it claims: 100 obligations.
        let first = app
            .deadlines()
            .list_obligations(req(
                &app.admin,
                pb::ListObligationsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 100,
                        page_token: String::new(),
                    }),
                    ..Default::default()
                },
            ))
            .await?
            .into_inner();
        anyhow::ensure!(first.obligations.len() == 100, "a first page of 100");
        let ch = app.channel.clone();
        let bearer = app.admin.clone();
        let compute = load(8, dur, move |_| {
            let mut d = pb::deadline_service_client::DeadlineServiceClient::new(ch.clone());
            let bearer = bearer.clone();
            async move {
                d.compute(req(
                    &bearer,
                    pb::ComputeRequest {
                        rule: "breach.controller_notice".into(),
                        at: "2026-03-27T16:00:00+01:00".into(),
                        params: Default::default(),
                    },
                ))
                .await
                .is_ok()
            }
        })
        .await?;
        let raw = {
            let db = db.clone();
            load(8, dur, move |_| {
                let db = db.clone();
                async move { raw_page(&db).await }
            })
            .await?
        };
        let list = |token: String, tenant: String| {
            let ch = app.channel.clone();
            move |_| {
                let mut d = pb::deadline_service_client::DeadlineServiceClient::new(ch.clone());
                let token = token.clone();
                let tenant = tenant.clone();
                async move {
                    d.list_obligations(req(
                        &token,
                        pb::ListObligationsRequest {
                            tenant_id: tenant,
                            page: Some(pb::PageRequest {
                                page_size: 100,
                                page_token: String::new(),
                            }),
                            ..Default::default()
                        },
                    ))
                    .await
                    .is_ok_and(|r| r.into_inner().obligations.len() == 100)
                }
            }
        };
        let one_client = load(1, dur, list(app.admin.clone(), String::new())).await?;
        let all = load(8, dur, list(app.admin.clone(), String::new())).await?;
        let own = load(8, dur, list(tok.clone(), String::new())).await?;
        let ch = app.channel.clone();
        let find = load(1, dur, move |_| {
            let mut v = pb::vault_service_client::VaultServiceClient::new(ch.clone());
            let svc = svc.clone();
            async move {
                v.find_candidates(req(
                    &svc,
                    pb::FindCandidatesRequest {
                        tenant_id: String::new(),
                        email: "jan.devries@example.nl".into(),
                        phone: String::new(),
                    },
                ))
                .await
                .is_ok_and(|r| r.into_inner().candidates.len() == 1)
            }
        })
        .await?;
        // The hash the real candidate is indexed under, read back.
        let hash: String = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                if store::is_postgres(&db) {
                    "SELECT i.hash FROM candidate_index i JOIN candidates c ON c.id = i.candidate_id WHERE c.external_ref = $1 LIMIT 1"
                } else {
                    "SELECT i.hash FROM candidate_index i JOIN candidates c ON c.id = i.candidate_id WHERE c.external_ref = ? LIMIT 1"
                },
                vec!["REAL-1".into()],
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("the real candidate has no index row"))?
            .try_get("", "hash")?;
        let raw_find = {
            let db = db.clone();
            let big = big.clone();
            load(1, dur, move |_| {
                let db = db.clone();
                let big = big.clone();
                let hash = hash.clone();
                async move { raw_match(&db, &big, &hash).await }
            })
            .await?
        };
        app.stop().await;
        rows.push(row(
            format!("Compute (gRPC and auth, no database), 8 clients; {label}"),
            &compute,
            None,
        ));
        rows.push(row(
            format!("limit: plain SQL of a first page (5 reads), 8 clients; {label}"),
            &raw,
            None,
        ));
        rows.push(row(
            format!("ListObligations, all tenants, first page of 100, 1 client; {label}"),
            &one_client,
            Some(&raw),
        ));
        rows.push(row(
            format!("ListObligations, all tenants, first page of 100, 8 clients; {label}"),
            &all,
            Some(&raw),
        ));
        rows.push(row(
            format!(
                "ListObligations, one controller's token, first page of 100, 8 clients; {label}"
            ),
            &own,
            Some(&raw),
        ));
        rows.push(row(
            format!(
                "limit: plain SQL blind-index match (index rows, then candidates), 1 client; {label}"
            ),
            &raw_find,
            None,
        ));
        rows.push(row(
            format!("FindCandidates by e-mail (subject matching), 1 client; {label}"),
            &find,
            Some(&raw_find),
        ));
    }
    let name = if postgres { "PostgreSQL" } else { "SQLite" };
    Ok(Section {
        title: format!("Obligations and subject matching at scale on {name}"),
        about: format!(
            "A monolith on {name}: controllers each with an agreement in force, open access requests received over the last four weeks spread over them, incidents reported over the last day, not yet assessed, and the first controller's candidates filled with SQL (half past their retention: each an open erasure obligation) plus one real candidate found by e-mail. ListObligations merges every source (vault, requests, breaches, agreements, sub-processors, switching) and must return 100. The limit rows are plain SQL on the same database in the same run: the five reads a first page needs, and the blind-index match; `Compute` is the gRPC and auth ceiling. Sizes: {}.",
            about.join("; ")
        ),
        aim: "ListObligations (a page of 100, every source) among 1,000,000 candidates, 10,000 requests, 1,000 incidents and 1,000 agreements: p99 under 20 ms; a DSR's subject matching among 1,000,000 candidates under 5 ms".into(),
        rows,
    })
}

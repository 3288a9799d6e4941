//! Prometheus metrics on their own listener: scraped over HTTP and read back
//! with an independent parser (`prometheus-parse`, not the exporter): per
//! RPC counts and latencies by method and code, the sweep's counters and the
//! erasure lag, the outbox, obligations per service, audit appends, the
//! database pool; no tenant id in any label.

use auth::Role;
use chrono::{Duration, Utc};
use custodian_tests::*;
use prometheus_parse::{Scrape, Value};
use proto::v1 as pb;

pub(crate) async fn scrape(app: &TestApp) -> (String, Scrape) {
    let url = format!("http://{}/metrics", app.metrics.expect("metrics listener"));
    let r = reqwest::get(&url).await.expect("scrape");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "the text exposition format"
    );
    let body = r.text().await.unwrap();
    let parsed =
        Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("parses as Prometheus text");
    (body, parsed)
}

pub(crate) fn value(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    s.samples
        .iter()
        .find(|x| x.metric == metric && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(h) => h.last().map(|b| b.count).unwrap_or(0.0),
            Value::Summary(_) => f64::NAN,
        })
}

#[tokio::test]
async fn metrics_are_scraped_and_parse() {
    for db in all_dbs().await {
        let app = spawn_metrics(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        // An overdue request (an obligation), a refused call, a missing object.
        app.requests()
            .create_request(req(
                &app.admin,
                pb::CreateRequestRequest {
                    controller_id: a.id.clone(),
                    r#type: "access".into(),
                    channel: "controller_instruction".into(),
                    received_at: proto::wire::timestamp(store::truncate_micros(
                        Utc::now() - Duration::days(40),
                    )),
                    subject: Some(pb::SubjectIdentifiers {
                        email: "jan@example.nl".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ))
            .await
            .unwrap();
        let e = app
            .controllers()
            .get_controller(req(
                "not-a-token",
                pb::GetControllerRequest { id: a.id.clone() },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::Unauthenticated);
        let e = app
            .controllers()
            .get_controller(req(
                &a_tok,
                pb::GetControllerRequest {
                    id: uuid::Uuid::now_v7().to_string(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::NotFound);
        // A candidate past its retention: the erasure lag, then a sweep.
        let mut c = valid_candidate("r1", "Jan Jansen", "jan.jansen@example.nl");
        c.tenant_id = a.id.clone();
        let cand = app
            .vault()
            .put_candidate(req(&app.admin, c))
            .await
            .unwrap()
            .into_inner();
        {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            use store::entities::vault::candidates as tbl;
            tbl::Entity::update_many()
                .col_expr(
                    tbl::Column::DeleteAfter,
                    sea_orm::sea_query::Expr::value(Some(Utc::now() - Duration::hours(2))),
                )
                .filter(tbl::Column::Id.eq(cand.id.as_str()))
                .exec(&app.db().await)
                .await
                .unwrap();
        }
        let (body, s) = scrape(&app).await;
        let create = value(
            &s,
            "custodian_grpc_requests_total",
            &[
                ("method", "/custodian.v1.RequestService/CreateRequest"),
                ("code", "OK"),
            ],
        );
        assert!(create >= Some(1.0), "{create:?}");
        assert!(
            value(
                &s,
                "custodian_grpc_requests_total",
                &[
                    ("method", "/custodian.v1.ControllerService/GetController"),
                    ("code", "Unauthenticated")
                ]
            ) >= Some(1.0)
        );
        assert!(
            value(
                &s,
                "custodian_grpc_requests_total",
                &[
                    ("method", "/custodian.v1.ControllerService/GetController"),
                    ("code", "NotFound")
                ]
            ) >= Some(1.0)
        );
        assert!(
            value(
                &s,
                "custodian_grpc_request_duration_seconds",
                &[
                    ("method", "/custodian.v1.RequestService/CreateRequest"),
                    ("code", "OK")
                ]
            ) >= Some(1.0),
            "a latency histogram per method and code"
        );
        assert!(
            value(
                &s,
                "custodian_obligations",
                &[("service", "requests"), ("state", "overdue")]
            ) >= Some(1.0)
        );
        assert!(
            value(
                &s,
                "custodian_obligations",
                &[("service", "requests"), ("state", "open")]
            ) >= Some(1.0)
        );
        let lag = value(&s, "custodian_erasure_lag_seconds", &[]).expect("erasure lag");
        assert!(
            lag >= 2.0 * 3600.0 - 60.0,
            "the oldest due candidate waited two hours: {lag}"
        );
        assert!(value(&s, "custodian_audit_appends_total", &[]) >= Some(3.0));
        assert!(value(&s, "custodian_db_pool_connections", &[("state", "idle")]).is_some());
        assert_eq!(
            value(&s, "custodian_outbox_messages", &[("status", "dead")]),
            Some(0.0)
        );
        assert!(
            s.docs.contains_key("custodian_grpc_requests_total"),
            "HELP texts"
        );
        // No tenant id, candidate id or e-mail address in the exposition.
        for secret in [
            a.id.as_str(),
            cand.id.as_str(),
            "jan@example.nl",
            "jan.jansen@example.nl",
        ] {
            assert!(!body.contains(secret), "{secret} in the metrics");
        }
        // The sweep shreds it; the counters and the lag follow.
        let before = value(&s, "custodian_sweep_shredded_total", &[]).unwrap_or(0.0);
        let once = custodian::worker::once(&app.config).await.unwrap();
        assert_eq!(once.sweep.unwrap().shredded, 1);
        let (_, s) = scrape(&app).await;
        assert!(value(&s, "custodian_sweep_shredded_total", &[]) >= Some(before + 1.0));
        assert!(value(&s, "custodian_sweep_batches_total", &[]) >= Some(1.0));
        assert_eq!(
            value(&s, "custodian_erasure_lag_seconds", &[]),
            Some(0.0),
            "nothing waits now"
        );
        // A worker serves its own metrics while it runs.
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let waddr = l.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let worker = tokio::spawn(custodian::worker::run(app.config.clone(), Some(l), async {
            let _ = stopped.await;
        }));
        let mut body = String::new();
        for _ in 0..100 {
            if let Ok(r) = reqwest::get(format!("http://{waddr}/metrics")).await {
                body = r.text().await.unwrap();
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let w = Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).unwrap();
        assert!(
            value(&w, "custodian_erasure_lag_seconds", &[]).is_some(),
            "{body}"
        );
        assert!(
            value(&w, "custodian_outbox_messages", &[("status", "pending")]).is_some(),
            "{body}"
        );
        assert!(
            value(&w, "custodian_mail_messages", &[("status", "dead")]).is_some(),
            "{body}"
        );
        stop.send(()).unwrap();
        worker.await.unwrap().unwrap();
        app.stop().await;
    }
}

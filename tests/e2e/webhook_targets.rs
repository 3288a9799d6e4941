//! A controller cannot aim the webhook worker at the processor's own
//! services: loopback, private, link-local and unspecified addresses (in
//! every spelling the URL standard accepts) are refused when a webhook is
//! set, and again at delivery on the addresses a name resolves to; the
//! tenant reads only "could not connect", and nothing reaches the port.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth::Role;
use custodian_tests::webhook::Receiver;
use custodian_tests::*;
use proto::v1 as pb;
use store::sea_orm::{ConnectionTrait, Statement};
use tonic::Code;

/// A TCP port that counts the connections made to it.
async fn counting_port() -> (u16, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    (port, n)
}

#[tokio::test]
async fn webhooks_cannot_reach_the_processors_own_addresses() {
    for db in all_dbs().await {
        // The operator allows nothing: the production default.
        let mut config = config_for(&db, &AppOptions::default());
        config.webhook_allow = Vec::new();
        let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "admin")
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let grpc_port = listener.local_addr().unwrap().port();
        let app = spawn_config(config.clone(), listener, admin.clone(), db.backend).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let dpo = app.token(Role::Controller, Some(&a.id)).await;

        // At configuration: every spelling of an internal address.
        for url in [
            format!("https://127.0.0.1:{grpc_port}/"),
            "https://localhost:5432/".to_owned(),
            "https://[::1]/".to_owned(),
            "https://0.0.0.0/".to_owned(),
            "https://127.1/".to_owned(),
            "https://2130706433/".to_owned(),
            "https://0x7f000001/".to_owned(),
            "https://10.0.0.1/".to_owned(),
            "https://192.168.178.1/".to_owned(),
            "https://169.254.169.254/latest/meta-data/".to_owned(),
            "https://[fe80::1]/".to_owned(),
        ] {
            for token in [&dpo, &admin] {
                let e = app
                    .controllers()
                    .update_controller(req(
                        token,
                        pb::UpdateControllerRequest {
                            id: a.id.clone(),
                            webhook_url: Some(url.clone()),
                            ..Default::default()
                        },
                    ))
                    .await
                    .unwrap_err();
                assert_eq!(e.code(), Code::InvalidArgument, "{url}: {e:?}");
                assert!(e.message().starts_with("webhook_url:"), "{url}: {e:?}");
            }
        }
        // A public address is still accepted.
        app.controllers()
            .update_controller(req(
                &dpo,
                pb::UpdateControllerRequest {
                    id: a.id.clone(),
                    webhook_url: Some("https://hooks.example.nl/custodian".into()),
                    ..Default::default()
                },
            ))
            .await
            .unwrap();

        // At delivery: a URL stored before the rule (written as an operator
        // would), an IP literal and a name that resolves to loopback.
        let (port, seen) = counting_port().await;
        let main = app.db().await;
        let mut s = app.subprocessors();
        let sub = s
            .register_subprocessor(req(&admin, valid_subprocessor("Search Cloud B.V.", "NL")))
            .await
            .unwrap()
            .into_inner();
        for (k, url) in [
            format!("https://127.0.0.1:{port}/hook"),
            format!("https://localhost:{port}/hook"),
        ]
        .into_iter()
        .enumerate()
        {
            main.execute_raw(Statement::from_sql_and_values(
                main.get_database_backend(),
                match main.get_database_backend() {
                    store::sea_orm::DbBackend::Postgres => {
                        "UPDATE controllers SET webhook_url = $1 WHERE id = $2"
                    }
                    _ => "UPDATE controllers SET webhook_url = ? WHERE id = ?",
                },
                [url.clone().into(), a.id.clone().into()],
            ))
            .await
            .unwrap();
            s.propose_change(req(
                &admin,
                pb::ProposeChangeRequest {
                    kind: "add".into(),
                    subprocessor_id: sub.id.clone(),
                    effective_on: day(k as i64).to_string(),
                    description: "search".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap();
            let mut cfg = app.config.clone();
            cfg.webhook_backoff_base_ms = 0;
            let r = custodian::worker::deliver_once(&cfg).await.unwrap();
            // This notice, and the earlier one again (no backoff here).
            assert_eq!((r.delivered, r.failed), (0, k as u64 + 1), "{url}");
            assert_eq!(seen.load(Ordering::SeqCst), 0, "{url} was connected to");
        }
        let failed = app
            .notifications()
            .list_notifications(req(&dpo, pb::ListNotificationsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .notifications;
        assert!(!failed.is_empty());
        for m in &failed {
            assert_eq!(m.last_error, "could not connect to the webhook", "{m:?}");
        }
        app.stop().await;
    }
}

/// A worker killed in the middle of a delivery: the attempt it started
/// stays in the log as interrupted and counts, so the redelivery is attempt
/// 2 (the receiver may have had the first), not a second attempt 1.
#[tokio::test]
async fn an_interrupted_delivery_counts_and_shows_in_the_attempt_log() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        // A receiver that accepts and never answers: the delivery hangs.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((s, _)) = silent.accept().await {
                open.push(s);
            }
        });
        let secret = "s".repeat(40);
        app.set_webhook(&a.id, &format!("https://127.0.0.1:{port}/hook"), &secret)
            .await;
        let mut s = app.subprocessors();
        let sub = s
            .register_subprocessor(req(
                &app.admin,
                valid_subprocessor("Search Cloud B.V.", "NL"),
            ))
            .await
            .unwrap()
            .into_inner();
        s.propose_change(req(
            &app.admin,
            pb::ProposeChangeRequest {
                kind: "add".into(),
                subprocessor_id: sub.id.clone(),
                effective_on: day(0).to_string(),
                description: "search".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
        // The worker dies mid-delivery (its round is dropped after the claim).
        let round = app.deliver(None);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(1_500), round)
                .await
                .is_err(),
            "the delivery to a silent receiver did not hang"
        );
        held.abort();
        // Its lease runs out (as an operator would wait it out).
        let main = app.db().await;
        testkit::exec(&main, "UPDATE outbox_messages SET claimed_until = NULL").await;
        // Another worker delivers to a receiver that answers.
        let rx = Receiver::start(db.dir.path(), &[]).await;
        app.set_webhook(&a.id, &format!("{}/hook", rx.base), &secret)
            .await;
        let r = app.deliver(Some(&rx.ca_file)).await;
        assert_eq!(r.delivered, 1, "{r:?}");
        let all = app
            .notifications()
            .list_notifications(req(&app.admin, pb::ListNotificationsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .notifications;
        let m = all
            .iter()
            .find(|n| n.controller_id == a.id)
            .expect("the change notice");
        let full = app
            .notifications()
            .get_notification(req(
                &app.admin,
                pb::GetNotificationRequest { id: m.id.clone() },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(full.attempts, 2, "{full:?}");
        let log: Vec<(u32, &str)> = full
            .attempt_log
            .iter()
            .map(|a| (a.number, a.outcome.as_str()))
            .collect();
        assert_eq!(log, vec![(1, "interrupted"), (2, "delivered")], "{full:?}");
        app.stop().await;
    }
}

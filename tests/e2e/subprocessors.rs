//! SubprocessorService and NotificationService end to end: the register and
//! transfer classification, change notices delivered to a real HTTPS
//! receiver (a failed first attempt, the signature checked), objection
//! windows from the delivery, objections blocking one controller only,
//! specific authorisation, dead letters, tenant isolation.

use auth::Role;
use chrono::{DateTime, Duration, Utc};
use custodian_tests::webhook::Receiver;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn secret(c: char) -> String {
    std::iter::repeat_n(c, 40).collect()
}

async fn check(
    app: &TestApp,
    token: &str,
    sub: &str,
    ctl: &str,
    at: DateTime<Utc>,
) -> pb::EngagementDecision {
    app.subprocessors()
        .check_engagement(req(
            token,
            pb::CheckEngagementRequest {
                subprocessor_id: sub.into(),
                controller_id: ctl.into(),
                at: proto::wire::timestamp(at),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn register_validates_and_classifies_transfers() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let mut s = app.subprocessors();
        let reg = |name: &str, country: &str, dpf: bool| {
            let mut r = valid_subprocessor(name, country);
            r.adequacy_scope_met = dpf;
            r
        };
        let cases = [
            (reg("Hosting NL B.V.", "NL", false), "eea", true),
            (reg("Swiss Backup AG", "CH", false), "adequacy", true),
            (reg("Offshore Dev Pvt Ltd", "IN", false), "scc", false),
            (reg("Mail US Inc.", "US", false), "scc", false),
            (reg("DPF Mail US Inc.", "US", true), "adequacy", true),
        ];
        for (r, mechanism, permitted) in cases {
            let name = r.legal_name.clone();
            let got = s
                .register_subprocessor(req(&app.admin, r))
                .await
                .unwrap()
                .into_inner();
            let t = got.transfer.unwrap();
            assert_eq!(t.mechanism, mechanism, "{name}: {}", t.explanation);
            assert_eq!(t.permitted, permitted, "{name}");
            assert_eq!(t.transfer, mechanism != "eea", "{name}");
        }
        // An adequacy decision is valid on dates: the UK's renewal runs to 2031-12-27.
        let gb = |on: &str| pb::ClassifyTransferRequest {
            country: "GB".into(),
            on: on.into(),
            ..Default::default()
        };
        let t = s
            .classify_transfer(req(&app.admin, gb("2031-12-27")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(t.mechanism, "adequacy");
        let t = s
            .classify_transfer(req(&app.admin, gb("2031-12-28")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(t.mechanism, "scc");
        assert!(t.explanation.contains("expired"), "{}", t.explanation);

        // Bad input names the field and writes nothing.
        type Edit = fn(&mut pb::RegisterSubprocessorRequest);
        let bad: Vec<(Edit, &str)> = vec![
            (|r| r.country = "XX".into(), "country:"),
            (|r| r.country = "nl".into(), "country:"),
            (
                |r| r.data_categories = vec!["dna".into()],
                "data_categories: unknown category",
            ),
            (|r| r.data_categories.clear(), "data_categories:"),
            (
                |r| r.contact_email = "not-an-email".into(),
                "contact_email:",
            ),
            (|r| r.legal_name = "  ".into(), "legal_name:"),
            (
                |r| r.flowdown_contract_ref = String::new(),
                "flowdown_contract_ref:",
            ),
            (|r| r.flowdown_date = String::new(), "flowdown_date:"),
            (|r| r.flowdown_date = "10-01-2026".into(), "flowdown_date:"),
        ];
        for (edit, want) in bad {
            let mut r = valid_subprocessor("X B.V.", "NL");
            edit(&mut r);
            let e = s
                .register_subprocessor(req(&app.admin, r))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{want}");
            assert!(e.message().starts_with(want), "{want}: {}", e.message());
        }
        let e = s
            .classify_transfer(req(
                &app.admin,
                pb::ClassifyTransferRequest {
                    country: "ZZ".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("country:"), "{}", e.message());
        let list = s
            .list_subprocessors(req(&app.admin, pb::ListSubprocessorsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .subprocessors;
        assert_eq!(list.len(), 5);
        // Only admins keep the register.
        let c = app.create_controller("Acme B.V.", "12345678").await;
        let tok = app.token(Role::Controller, Some(&c.id)).await;
        let e = s
            .register_subprocessor(req(&tok, valid_subprocessor("Y B.V.", "NL")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        app.stop().await;
    }
}

#[tokio::test]
async fn change_notice_delivery_window_objection_and_specific_approval() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let rx = Receiver::start(db.dir.path(), &[("/hook/a", &[500])]).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let mut specific = valid_terms();
        specific.subprocessor_authorisation = "specific".into();
        let (c, _) = app
            .controller_with_agreement("Gamma B.V.", "11223344", Some(specific))
            .await;
        for (ctl, path, k) in [
            (&a, "/hook/a", 'a'),
            (&b, "/hook/b", 'b'),
            (&c, "/hook/c", 'c'),
        ] {
            app.set_webhook(&ctl.id, &format!("{}{path}", rx.base), &secret(k))
                .await;
        }
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let c_tok = app.token(Role::Controller, Some(&c.id)).await;

        let mut s = app.subprocessors();
        let sub = s
            .register_subprocessor(req(
                &app.admin,
                valid_subprocessor("Search Cloud B.V.", "NL"),
            ))
            .await
            .unwrap()
            .into_inner();
        let change = s
            .propose_change(req(
                &app.admin,
                pb::ProposeChangeRequest {
                    kind: "add".into(),
                    subprocessor_id: sub.id.clone(),
                    effective_on: day(0).to_string(),
                    description: "full-text search of CVs".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        // One notice per controller with an agreement in force.
        assert_eq!(change.notices.len(), 3);
        let notice_of = |ctl: &str| {
            change
                .notices
                .iter()
                .find(|n| n.controller_id == ctl)
                .unwrap()
                .clone()
        };
        let (na, nb, nc) = (notice_of(&a.id), notice_of(&b.id), notice_of(&c.id));
        assert_eq!(na.status, "awaiting_delivery");
        assert!(na.window.is_none() && na.delivered_at.is_empty());
        assert_eq!(nc.status, "approval_required");
        assert_eq!(nc.authorisation_mode, "specific");
        // Before delivery no window runs, however long one waits.
        let far = Utc::now() + Duration::days(60);
        let d = check(&app, &app.admin, &sub.id, &a.id, far).await;
        assert!(!d.allowed);
        assert!(d.reason.contains("not been delivered"), "{}", d.reason);

        // Round 1: A's receiver fails with 500, B and C take theirs.
        let r1 = app.deliver(Some(&rx.ca_file)).await;
        assert_eq!(
            (r1.claimed, r1.delivered, r1.failed, r1.dead),
            (3, 2, 1, 0),
            "{r1:?}"
        );
        let got_a = s
            .get_notice(req(&a_tok, pb::GetNoticeRequest { id: na.id.clone() }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got_a.status, "awaiting_delivery");
        let del = got_a.delivery.clone().unwrap();
        assert_eq!(del.status, "pending");
        assert_eq!(del.attempt_log.len(), 1);
        assert_eq!(del.attempt_log[0].http_status, 500);
        assert_eq!(del.attempt_log[0].outcome, "failed");
        assert!(del.last_error.contains("HTTP 500"), "{}", del.last_error);

        // Round 2: the retry reaches A.
        let r2 = app.deliver(Some(&rx.ca_file)).await;
        assert_eq!((r2.claimed, r2.delivered), (1, 1), "{r2:?}");
        let got_a = s
            .get_notice(req(&a_tok, pb::GetNoticeRequest { id: na.id.clone() }))
            .await
            .unwrap()
            .into_inner();
        let del = got_a.delivery.clone().unwrap();
        assert_eq!(del.status, "delivered");
        assert_eq!(del.attempt_log.len(), 2);
        assert_eq!(del.attempt_log[1].outcome, "delivered");
        // The sent time is the successful delivery, not the notice's creation
        // nor the first attempt.
        let delivered_at = ts(&got_a.delivered_at);
        assert!(delivered_at > ts(&del.attempt_log[0].started_at));
        assert!(delivered_at >= ts(&del.attempt_log[1].started_at));
        assert!(delivered_at > ts(&got_a.created_at));
        let received = rx.received();
        let a_reqs: Vec<_> = received.iter().filter(|r| r.path == "/hook/a").collect();
        assert_eq!(a_reqs.len(), 2);
        assert_eq!((a_reqs[0].status, a_reqs[1].status), (500, 200));
        assert!(delivered_at >= a_reqs[1].at - Duration::milliseconds(5));

        // Every request is signed with its controller's secret.
        for r in &received {
            let k = r.path.chars().last().unwrap();
            let sig = r
                .headers
                .get("custodian-signature")
                .expect("signature header");
            let now = Utc::now().timestamp();
            outbox::signature::verify(secret(k).as_bytes(), sig, &r.body, now, 300)
                .unwrap_or_else(|e| panic!("{}: {e}", r.path));
            let wrong = if k == 'a' { 'b' } else { 'a' };
            assert!(
                outbox::signature::verify(secret(wrong).as_bytes(), sig, &r.body, now, 300)
                    .is_err()
            );
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["topic"], "subprocessor.change_notice");
            assert_eq!(
                r.headers["custodian-message-id"],
                body["id"].as_str().unwrap()
            );
            assert_eq!(
                body["data"]["subprocessor"]["legal_name"],
                "Search Cloud B.V."
            );
            assert_eq!(r.headers["content-type"], "application/json");
        }

        // The window runs from the delivery (rule subprocessor.objection_window).
        let w = got_a.window.clone().unwrap();
        assert_eq!(ts(&w.opened_at), delivered_at);
        let outcome = legal_time::compute(
            "subprocessor.objection_window",
            &proto::wire::timestamp(delivered_at),
            &[("days".to_string(), "14".to_string())]
                .into_iter()
                .collect(),
        )
        .unwrap();
        let (strict, lenient) = outcome.reading(None).unwrap();
        assert_eq!(w.last_day, strict.date.unwrap().to_string());
        assert_eq!(w.last_day_lenient, lenient.date.unwrap().to_string());
        assert_eq!(ts(&w.closes_at), strict.instant);
        assert_eq!(got_a.status, "window_open");
        let d = check(
            &app,
            &a_tok,
            &sub.id,
            &a.id,
            strict.instant - Duration::microseconds(1),
        )
        .await;
        assert!(!d.allowed);
        assert!(d.reason.contains("objection window"), "{}", d.reason);
        let d = check(&app, &a_tok, &sub.id, &a.id, strict.instant).await;
        assert!(d.allowed, "{}", d.reason);
        assert_eq!(d.basis, format!("notice {}", na.id));

        // B objects with its own token: blocked for B only.
        let e = s
            .record_objection(req(
                &a_tok,
                pb::RecordObjectionRequest {
                    notice_id: nb.id.clone(),
                    reason: "no".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "A cannot object for B");
        let e = s
            .record_objection(req(
                &b_tok,
                pb::RecordObjectionRequest {
                    notice_id: nb.id.clone(),
                    reason: " ".into(),
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("reason:"), "{}", e.message());
        let obj = s
            .record_objection(req(
                &b_tok,
                pb::RecordObjectionRequest {
                    notice_id: nb.id.clone(),
                    reason: "our works council has not approved US-owned vendors".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(obj.controller_id, b.id);
        let e = s
            .record_objection(req(
                &b_tok,
                pb::RecordObjectionRequest {
                    notice_id: nb.id.clone(),
                    reason: "again".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        let d = check(&app, &b_tok, &sub.id, &b.id, far).await;
        assert!(!d.allowed);
        assert!(d.reason.contains("objected"), "{}", d.reason);
        assert!(
            check(&app, &app.admin, &sub.id, &a.id, far).await.allowed,
            "A is not affected by B's objection"
        );
        // A never sees B's notice or objection.
        let e = s
            .get_notice(req(&a_tok, pb::GetNoticeRequest { id: nb.id.clone() }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        let e = s
            .resolve_objection(req(
                &a_tok,
                pb::ResolveObjectionRequest {
                    objection_id: obj.id.clone(),
                    resolution: "withdrawn".into(),
                    note: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let mine = s
            .list_notices(req(&a_tok, pb::ListNoticesRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .notices;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].id, na.id);
        assert!(mine.iter().all(|n| n.objections.is_empty()));
        let ch = s
            .get_change(req(
                &a_tok,
                pb::GetChangeRequest {
                    id: change.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            ch.notices.len(),
            1,
            "A sees only its own notice of the change"
        );
        let e = s
            .check_engagement(req(
                &a_tok,
                pb::CheckEngagementRequest {
                    subprocessor_id: sub.id.clone(),
                    controller_id: b.id.clone(),
                    at: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        let e = s
            .list_authorised_subprocessors(req(
                &a_tok,
                pb::ListAuthorisedSubprocessorsRequest {
                    controller_id: b.id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);

        // The processor resolves: B withdraws, the change goes ahead for B.
        let e = s
            .resolve_objection(req(
                &app.admin,
                pb::ResolveObjectionRequest {
                    objection_id: obj.id.clone(),
                    resolution: "maybe".into(),
                    note: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("resolution:"), "{}", e.message());
        let resolved = s
            .resolve_objection(req(
                &app.admin,
                pb::ResolveObjectionRequest {
                    objection_id: obj.id.clone(),
                    resolution: "withdrawn".into(),
                    note: "data stays in the EU region".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(resolved.resolution, "withdrawn");
        assert!(check(&app, &b_tok, &sub.id, &b.id, far).await.allowed);

        // C (specific): silence is never approval; an objection is the wrong tool.
        let d = check(&app, &c_tok, &sub.id, &c.id, far).await;
        assert!(!d.allowed);
        assert!(
            d.reason.contains("silence is never approval"),
            "{}",
            d.reason
        );
        let e = s
            .record_objection(req(
                &c_tok,
                pb::RecordObjectionRequest {
                    notice_id: nc.id.clone(),
                    reason: "no".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        let e = s
            .record_approval(req(
                &a_tok,
                pb::RecordApprovalRequest {
                    notice_id: na.id.clone(),
                    approved: true,
                    reference: "x".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            Code::FailedPrecondition,
            "A gave general authorisation"
        );
        let approved = s
            .record_approval(req(
                &c_tok,
                pb::RecordApprovalRequest {
                    notice_id: nc.id.clone(),
                    approved: true,
                    reference: "e-mail of the DPO".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(approved.status, "in_effect");
        assert!(
            check(&app, &c_tok, &sub.id, &c.id, Utc::now())
                .await
                .allowed
        );
        let list = s
            .list_authorised_subprocessors(req(
                &c_tok,
                pb::ListAuthorisedSubprocessorsRequest {
                    controller_id: c.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(list.authorisation_mode, "specific");
        assert_eq!(list.current.len(), 1);
        assert_eq!(list.current[0].subprocessor.as_ref().unwrap().id, sub.id);
        assert_eq!(list.notices.len(), 1);
        assert_eq!(list.authorisations[0].basis, "approval");

        // Notifications: each controller sees its own, with attempts.
        let mut n = app.notifications();
        let own = n
            .list_notifications(req(&a_tok, pb::ListNotificationsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .notifications;
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].controller_id, a.id);
        let other = own[0].id.clone();
        let b_view = n
            .get_notification(req(
                &b_tok,
                pb::GetNotificationRequest { id: other.clone() },
            ))
            .await
            .unwrap_err();
        assert_eq!(b_view.code(), Code::NotFound);
        let full = n
            .get_notification(req(&app.admin, pb::GetNotificationRequest { id: other }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(full.attempt_log.len(), 2);

        // DeadlineService shows the open windows (A's; B's objection was
        // withdrawn after filing, its window still runs).
        let obligations =
            pb::deadline_service_client::DeadlineServiceClient::new(app.channel.clone())
                .list_obligations(req(
                    &app.admin,
                    pb::ListObligationsRequest {
                        service: "subprocessors".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .obligations;
        assert!(
            obligations
                .iter()
                .any(|o| o.object_id == na.id && o.rule == "subprocessor.objection_window"),
            "{obligations:?}"
        );
        assert!(obligations.iter().all(|o| o.object_id != nc.id));

        // The audit log has the deliveries, under each tenant.
        let events = audit::list(
            &app.db().await,
            &audit::ListFilter {
                tenant_id: Some(a.id.clone()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        for want in [
            "subprocessor.notice",
            "notification.attempt_failed",
            "notification.delivered",
        ] {
            assert!(actions.contains(&want), "{want} in {actions:?}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn undeliverable_notices_are_dead_lettered_and_can_be_retried() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        // Nothing listens on this port: every attempt fails to connect.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        app.set_webhook(
            &a.id,
            &format!("https://127.0.0.1:{port}/hook"),
            &secret('a'),
        )
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
        let change = s
            .propose_change(req(
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
            .unwrap()
            .into_inner();
        let mut cfg = app.config.clone();
        cfg.webhook_max_attempts = 2;
        cfg.webhook_backoff_base_ms = 0;
        let r = custodian::worker::deliver_once(&cfg).await.unwrap();
        assert_eq!((r.failed, r.dead), (1, 0));
        let r = custodian::worker::deliver_once(&cfg).await.unwrap();
        assert_eq!((r.failed, r.dead), (0, 1));
        let r = custodian::worker::deliver_once(&cfg).await.unwrap();
        assert_eq!(r.claimed, 0, "a dead message is not retried by itself");
        let mut n = app.notifications();
        let dead = n
            .list_notifications(req(
                &app.admin,
                pb::ListNotificationsRequest {
                    status: "dead".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .notifications;
        assert_eq!(dead.len(), 1);
        assert!(
            dead[0].last_error.contains("could not connect"),
            "{}",
            dead[0].last_error
        );
        // The notice is still undelivered: no window, no engagement.
        let notice = &change.notices[0];
        let got = s
            .get_notice(req(
                &app.admin,
                pb::GetNoticeRequest {
                    id: notice.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got.status, "awaiting_delivery");
        // Retry: bad input, another tenant, then the admin.
        let e = n
            .retry_notification(req(
                &app.admin,
                pb::RetryNotificationRequest {
                    id: dead[0].id.clone(),
                    reason: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("reason:"), "{}", e.message());
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let e = n
            .retry_notification(req(
                &a_tok,
                pb::RetryNotificationRequest {
                    id: dead[0].id.clone(),
                    reason: "x".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let again = n
            .retry_notification(req(
                &app.admin,
                pb::RetryNotificationRequest {
                    id: dead[0].id.clone(),
                    reason: "webhook fixed".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(again.status, "pending");
        let e = n
            .retry_notification(req(
                &app.admin,
                pb::RetryNotificationRequest {
                    id: dead[0].id.clone(),
                    reason: "again".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        let e = n
            .list_notifications(req(
                &app.admin,
                pb::ListNotificationsRequest {
                    status: "lost".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("status:"), "{}", e.message());
        app.stop().await;
    }
}

#[tokio::test]
async fn annex_replacement_removal_and_transfer_checks() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let mut s = app.subprocessors();
        let old = s
            .register_subprocessor(req(&app.admin, valid_subprocessor("Old Host B.V.", "NL")))
            .await
            .unwrap()
            .into_inner();
        let new = s
            .register_subprocessor(req(&app.admin, valid_subprocessor("New Host B.V.", "DE")))
            .await
            .unwrap()
            .into_inner();
        let us = s
            .register_subprocessor(req(&app.admin, valid_subprocessor("Mail US Inc.", "US")))
            .await
            .unwrap()
            .into_inner();
        let annex = |ctl: &str, sub: &str| pb::AuthoriseSubprocessorRequest {
            controller_id: ctl.into(),
            subprocessor_id: sub.into(),
            reference: "DPA-2026-001 annex 2".into(),
            effective_from: String::new(),
        };
        s.authorise_subprocessor(req(&app.admin, annex(&a.id, &old.id)))
            .await
            .unwrap();
        let e = s
            .authorise_subprocessor(req(&app.admin, annex(&a.id, &old.id)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::AlreadyExists);
        let e = s
            .authorise_subprocessor(req(&app.admin, annex(&a.id, "nope")))
            .await
            .unwrap_err();
        assert!(
            e.message().starts_with("subprocessor_id:"),
            "{}",
            e.message()
        );
        let now = Utc::now();
        let d = check(&app, &app.admin, &old.id, &a.id, now).await;
        assert!(d.allowed, "{}", d.reason);
        assert!(d.basis.starts_with("annex"), "{}", d.basis);
        assert!(!check(&app, &app.admin, &old.id, &b.id, now).await.allowed);

        // A US sub-processor without DPF or an assessment: authorised, but
        // the transfer is not.
        s.authorise_subprocessor(req(&app.admin, annex(&a.id, &us.id)))
            .await
            .unwrap();
        let d = check(&app, &app.admin, &us.id, &a.id, Utc::now()).await;
        assert!(!d.allowed);
        assert!(d.reason.contains("transfer"), "{}", d.reason);
        assert_eq!(d.transfer.unwrap().mechanism, "scc");
        s.update_subprocessor(req(
            &app.admin,
            pb::UpdateSubprocessorRequest {
                id: us.id.clone(),
                tia_reference: Some("TIA-2026-04".into()),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
        assert!(
            check(&app, &app.admin, &us.id, &a.id, Utc::now())
                .await
                .allowed
        );

        // A replacement reaches only controllers that have the replaced one.
        let in20 = day(20);
        let change = s
            .propose_change(req(
                &app.admin,
                pb::ProposeChangeRequest {
                    kind: "replace".into(),
                    subprocessor_id: new.id.clone(),
                    replaces_id: old.id.clone(),
                    effective_on: in20.to_string(),
                    description: "moving hosting to Frankfurt".into(),
                    controller_ids: vec![],
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(change.notices.len(), 1);
        assert_eq!(change.notices[0].controller_id, a.id);
        let after = legal_time::period::start_of_day(in20) + Duration::hours(1);
        let d = check(&app, &app.admin, &old.id, &a.id, after).await;
        assert!(!d.allowed);
        assert!(d.reason.contains("removed"), "{}", d.reason);
        assert!(
            check(&app, &app.admin, &old.id, &a.id, Utc::now())
                .await
                .allowed,
            "until the effective date"
        );
        assert!(
            !check(&app, &app.admin, &new.id, &a.id, after).await.allowed,
            "the notice was never delivered"
        );

        // ProposeChange validation.
        type Edit = fn(&mut pb::ProposeChangeRequest);
        let base = pb::ProposeChangeRequest {
            kind: "add".into(),
            subprocessor_id: new.id.clone(),
            replaces_id: String::new(),
            effective_on: day(0).to_string(),
            description: "x".into(),
            controller_ids: vec![],
        };
        let cases: Vec<(Edit, &str)> = vec![
            (|r| r.kind = "swap".into(), "kind:"),
            (|r| r.kind = "replace".into(), "replaces_id: required"),
            (
                |r| r.effective_on = "2020-01-01".into(),
                "effective_on: must not be in the past",
            ),
            (|r| r.effective_on = String::new(), "effective_on:"),
            (|r| r.description = String::new(), "description:"),
            (
                |r| r.controller_ids = vec!["nope".into()],
                "controller_ids:",
            ),
            (|r| r.subprocessor_id = "nope".into(), "subprocessor_id:"),
        ];
        for (edit, want) in cases {
            let mut r = base.clone();
            edit(&mut r);
            let e = s.propose_change(req(&app.admin, r)).await.unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{want}");
            assert!(e.message().starts_with(want), "{want}: {}", e.message());
        }
        let c = app.create_controller("No Agreement B.V.", "55667788").await;
        let mut r = base.clone();
        r.controller_ids = vec![c.id.clone()];
        let e = s.propose_change(req(&app.admin, r)).await.unwrap_err();
        assert!(
            e.message().contains("no processing agreement in force"),
            "{}",
            e.message()
        );
        // Removing a sub-processor nobody has: nobody is affected.
        let mut r = base.clone();
        r.kind = "remove".into();
        r.subprocessor_id = new.id.clone();
        let e = s.propose_change(req(&app.admin, r)).await.unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        // A controller cannot propose.
        let tok = app.token(Role::Controller, Some(&a.id)).await;
        let e = s.propose_change(req(&tok, base)).await.unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        // The record of processing lists the engaged sub-processors and the
        // US transfer with its assessment.
        let rec = app
            .agreements()
            .export_processing_record(req(
                &app.admin,
                pb::ExportProcessingRecordRequest {
                    controller_id: a.id.clone(),
                    format: "json".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let v: serde_json::Value = serde_json::from_str(&rec.content).unwrap();
        let t = &v["controllers"][0]["transfers"][0];
        assert_eq!(t["country_or_io"], "US");
        assert_eq!(t["art49_safeguards_doc"], "TIA-2026-04");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_worker_loop_delivers_notices_until_shutdown() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let rx = Receiver::start(db.dir.path(), &[]).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        app.set_webhook(&a.id, &format!("{}/hook", rx.base), &secret('a'))
            .await;
        let mut cfg = app.config.clone();
        cfg.webhook_ca_file = Some(rx.ca_file.clone());
        cfg.outbox_poll_ms = 20;
        let (tx, stop) = tokio::sync::oneshot::channel::<()>();
        let worker = tokio::spawn(custodian::worker::run(cfg, None, async {
            let _ = stop.await;
        }));
        let sub = app
            .subprocessors()
            .register_subprocessor(req(
                &app.admin,
                valid_subprocessor("Search Cloud B.V.", "NL"),
            ))
            .await
            .unwrap()
            .into_inner();
        let change = app
            .subprocessors()
            .propose_change(req(
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
            .unwrap()
            .into_inner();
        let id = change.notices[0].id.clone();
        let mut delivered = String::new();
        for _ in 0..400 {
            let n = app
                .subprocessors()
                .get_notice(req(&app.admin, pb::GetNoticeRequest { id: id.clone() }))
                .await
                .unwrap()
                .into_inner();
            if !n.delivered_at.is_empty() {
                delivered = n.delivered_at;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(!delivered.is_empty(), "the worker delivered the notice");
        assert_eq!(rx.received().len(), 1);
        tx.send(()).unwrap();
        worker.await.unwrap().unwrap();
        app.stop().await;
    }
}

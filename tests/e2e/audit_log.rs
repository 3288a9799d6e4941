use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use store::sea_orm::{ConnectionTrait, Statement};

#[tokio::test]
async fn every_mutation_is_audited_and_scoped_by_tenant() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let b = app.create_controller("Beta B.V.", "22222222").await;
        app.controllers()
            .update_controller(req(
                &app.admin,
                pb::UpdateControllerRequest {
                    id: a.id.clone(),
                    dpo_name: Some("Z".into()),
                    ..Default::default()
                },
            ))
            .await
            .unwrap();
        let ta = app.token(Role::Controller, Some(&a.id)).await;

        let all = app
            .audit()
            .list_events(req(&app.admin, Default::default()))
            .await
            .unwrap()
            .into_inner()
            .events;
        let actions: Vec<_> = all.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "token.create",
                "controller.create",
                "controller.create",
                "controller.update",
                "token.create"
            ]
        );
        let upd = &all[3];
        assert_eq!(upd.tenant_id, a.id);
        assert!(upd.actor_id.starts_with("token:"));
        assert_eq!(upd.actor_role, "admin");
        assert!(upd.details_json.contains("dpo_name"));
        assert!(
            !upd.details_json.contains('Z'),
            "details hold field names, not values"
        );
        for w in all.windows(2) {
            assert_eq!(w[1].prev_hash, w[0].hash, "global chain links");
        }

        // A controller only ever sees its own tenant, even when asking for another.
        let own = app
            .audit()
            .list_events(req(&ta, Default::default()))
            .await
            .unwrap()
            .into_inner()
            .events;
        assert!(!own.is_empty());
        assert!(own.iter().all(|e| e.tenant_id == a.id));
        let other = app
            .audit()
            .list_events(req(
                &ta,
                pb::ListEventsRequest {
                    tenant_id: b.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .events;
        assert!(other.is_empty());
        // A service token may not read the audit log at all.
        let svc = app.token(Role::Service, Some(&a.id)).await;
        let e = app
            .audit()
            .list_events(req(&svc, Default::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied);
        // Bad page token.
        let e = app
            .audit()
            .list_events(req(
                &app.admin,
                pb::ListEventsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 1,
                        page_token: "x".into(),
                    }),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
        // Newest first, paged towards older entries, with the total; a day
        // window in Amsterdam time (today holds every entry, yesterday none).
        let newest = |token: &str, page_token: &str, from: &str, to: &str| {
            let mut c = app.audit();
            let r = req(
                token,
                pb::ListEventsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 2,
                        page_token: page_token.into(),
                    }),
                    newest_first: true,
                    from_day: from.into(),
                    to_day: to.into(),
                    count_total: true,
                    ..Default::default()
                },
            );
            async move { c.list_events(r).await }
        };
        let mut seen = Vec::new();
        let mut totals = Vec::new();
        let mut token = String::new();
        loop {
            let p = newest(&app.admin, &token, "", "")
                .await
                .unwrap()
                .into_inner();
            totals.push(p.total.expect("counted when asked"));
            seen.extend(p.events.iter().map(|e| e.seq));
            if p.next_page_token.is_empty() {
                break;
            }
            token = p.next_page_token;
        }
        assert!(
            totals.iter().all(|t| *t == seen.len() as u64),
            "every page counts every entry: {totals:?}, {} seen",
            seen.len()
        );
        let mut oldest_first: Vec<u64> = seen.clone();
        oldest_first.sort_unstable();
        oldest_first.dedup();
        assert_eq!(seen.len(), oldest_first.len(), "no entry twice");
        assert!(
            seen.windows(2).all(|w| w[0] > w[1]),
            "newest first: {seen:?}"
        );
        assert_eq!(
            oldest_first[..all.len()],
            all.iter().map(|e| e.seq).collect::<Vec<_>>()[..],
            "every entry, in the chain's order when reversed"
        );
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .date_naive();
        let yesterday = today - chrono::Duration::days(1);
        let t = today.to_string();
        let y = yesterday.to_string();
        let in_day = newest(&app.admin, "", &t, &t).await.unwrap().into_inner();
        assert_eq!(in_day.total, Some(seen.len() as u64));
        let none = newest(&app.admin, "", &y, &y).await.unwrap().into_inner();
        assert_eq!((none.events.len(), none.total), (0, Some(0)));
        // A controller's count is its own chain's (A's entries so far,
        // the service token made above included).
        let own_now = app
            .audit()
            .list_events(req(&ta, Default::default()))
            .await
            .unwrap()
            .into_inner()
            .events;
        let mine = newest(&ta, "", "", "").await.unwrap().into_inner();
        assert_eq!(mine.total, Some(own_now.len() as u64));
        assert!(own_now.iter().all(|e| e.tenant_id == a.id));
        for (from, to, field) in [
            ("7 dec", "", "from_day:"),
            ("", "2026-02-30", "to_day:"),
            (t.as_str(), y.as_str(), "from_day:"),
        ] {
            let e = newest(&app.admin, "", from, to).await.unwrap_err();
            assert_eq!(e.code(), tonic::Code::InvalidArgument);
            assert!(e.message().starts_with(field), "{}", e.message());
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn tampering_with_a_stored_entry_is_detected() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        app.create_controller("Beta B.V.", "22222222").await;
        let conn = app.db().await;
        let ok = audit::verify(&conn).await.unwrap();
        assert_eq!(ok.broken, None);
        assert_eq!(ok.entries, 3);
        assert_eq!(ok.tenants, 2);

        // Change one stored entry: the acting token of entry 2.
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            "UPDATE audit_events SET actor_id = 'token:someone-else' WHERE seq = 2",
        ))
        .await
        .unwrap();
        let r = audit::verify(&conn).await.unwrap();
        let b = r.broken.expect("tampering must be detected");
        assert_eq!(b.seq, 2);
        assert!(b.to_string().contains("entry 2"), "{b}");
        let _ = a;
        app.stop().await;
    }
}

#[tokio::test]
async fn truncating_the_newest_entry_is_detected() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        app.create_controller("Alpha B.V.", "11111111").await;
        app.create_controller("Beta B.V.", "22222222").await;
        let conn = app.db().await;
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            "DELETE FROM audit_events WHERE seq = 3",
        ))
        .await
        .unwrap();
        let b = audit::verify(&conn)
            .await
            .unwrap()
            .broken
            .expect("truncation must be detected");
        assert!(b.reason.contains("head"), "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn concurrent_writers_never_fork_the_chain() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let mut tasks = Vec::new();
        for i in 0..16u32 {
            let mut c = app.controllers();
            let admin = app.admin.clone();
            tasks.push(tokio::spawn(async move {
                c.create_controller(req(
                    &admin,
                    valid_controller(&format!("P{i} B.V."), &format!("{:08}", 30_000_000 + i)),
                ))
                .await
                .map(|_| ())
            }));
        }
        for t in tasks {
            t.await.unwrap().expect("concurrent create");
        }
        let conn = app.db().await;
        let r = audit::verify(&conn).await.unwrap();
        assert_eq!(r.broken, None, "{:?}", r.broken);
        assert_eq!(r.entries, 17);
        app.stop().await;
    }
}

/// `AuditService.VerifyChain`: an auditor verifies the chain over the API
/// (intact, with the head it checked up to), sees the first broken link once
/// an entry is changed, and `custodianctl audit verify` exits 1 naming it; a
/// controller's token may not call it (it walks every tenant's entries).
#[tokio::test]
async fn verify_chain_over_the_api() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        app.create_controller("Beta B.V.", "22222222").await;
        let auditor = app.token(Role::Auditor, None).await;
        let ok = app
            .audit()
            .verify_chain(req(&auditor, pb::VerifyChainRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert!(ok.intact, "{ok:?}");
        // Two controllers created and the auditor's token.
        assert_eq!((ok.entries, ok.tenants), (4, 2));
        assert_eq!(ok.head_seq, ok.entries);
        assert_eq!(ok.head_hash.len(), 64);
        assert!(ok.broken_reason.is_empty());
        let out = ctl_json(&app, &auditor, &["audit", "verify"]).await;
        assert_eq!(out["intact"], true);

        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let e = app
            .audit()
            .verify_chain(req(&a_tok, pb::VerifyChainRequest {}))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e:?}");

        let conn = app.db().await;
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            "UPDATE audit_events SET actor_id = 'token:someone-else' WHERE seq = 2",
        ))
        .await
        .unwrap();
        let bad = app
            .audit()
            .verify_chain(req(&app.admin, pb::VerifyChainRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert!(!bad.intact);
        assert_eq!(bad.broken_seq, 2);
        assert!(!bad.broken_reason.is_empty(), "{bad:?}");
        let ran = ctl(&app, &auditor, &["audit", "verify"]).await;
        assert_eq!(ran.code, 1, "{}", ran.err);
        assert!(ran.err.contains("broken at entry 2"), "{}", ran.err);
        app.stop().await;
    }
}

/// AuditService.RecordConsoleSession: records the caller's own sign-in or
/// sign-out in its own chain; any other event is INVALID_ARGUMENT and
/// writes nothing; a machine's role may not call it.
#[tokio::test]
async fn record_console_session_is_the_callers_own_and_validated() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let b = app.create_controller("Beta B.V.", "22222222").await;
        let ta = app.token(Role::Controller, Some(&a.id)).await;
        let count = |app: &TestApp| {
            let mut c = app.audit();
            let admin = app.admin.clone();
            async move {
                c.list_events(req(
                    &admin,
                    pb::ListEventsRequest {
                        action_prefix: "console.".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .events
            }
        };
        let r = app
            .audit()
            .record_console_session(req(
                &ta,
                pb::RecordConsoleSessionRequest {
                    event: "sign_in".into(),
                },
            ))
            .await
            .expect("recorded")
            .into_inner();
        let events = count(&app).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].seq, r.seq);
        assert_eq!(events[0].tenant_id, a.id, "its own chain, never another's");
        assert_ne!(events[0].tenant_id, b.id);
        let e = app
            .audit()
            .record_console_session(req(
                &ta,
                pb::RecordConsoleSessionRequest {
                    event: "sign_everyone_out".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
        assert!(e.message().starts_with("event:"), "{}", e.message());
        let worker = app.token(Role::Worker, None).await;
        let e = app
            .audit()
            .record_console_session(req(
                &worker,
                pb::RecordConsoleSessionRequest {
                    event: "sign_in".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::PermissionDenied);
        assert_eq!(count(&app).await.len(), 1, "nothing more written");
        app.stop().await;
    }
}

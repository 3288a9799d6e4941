//! The aggregate RPCs behind the console's reports:
//! `RequestService.GetRequestStats` (requests per month and type, on time,
//! late, open, overdue) and `VaultService.GetErasureStats` (erased and due
//! per day): figures, bad input, and a caller of another tenant.

use auth::Role;
use chrono::{Duration, Utc};
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

fn month_of(t: chrono::DateTime<Utc>) -> String {
    legal_time::period::local_date(t)
        .format("%Y-%m")
        .to_string()
}

#[tokio::test]
async fn request_stats_per_month_and_type() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let now = Utc::now();
        let make = |ctl: String, kind: &'static str, received: chrono::DateTime<Utc>, n: usize| {
            let app = &app;
            async move {
                let mut ids = Vec::new();
                for i in 0..n {
                    let r = app
                        .requests()
                        .create_request(req(
                            &app.admin,
                            pb::CreateRequestRequest {
                                controller_id: ctl.clone(),
                                r#type: kind.into(),
                                channel: "controller_instruction".into(),
                                received_at: proto::wire::timestamp(store::truncate_micros(
                                    received,
                                )),
                                subject: Some(pb::SubjectIdentifiers {
                                    email: format!("{kind}{i}@example.nl"),
                                    ..Default::default()
                                }),
                                ..Default::default()
                            },
                        ))
                        .await
                        .expect("create")
                        .into_inner();
                    ids.push(r.id);
                }
                ids
            }
        };
        // A: two access requests this hour, one erasure 40 days ago (so
        // overdue and open), B: one access request this hour.
        let a_access = make(a.id.clone(), "access", now - Duration::hours(1), 2).await;
        let old = now - Duration::days(40);
        make(a.id.clone(), "erasure", old, 1).await;
        make(b.id.clone(), "access", now - Duration::hours(1), 1).await;
        // One of A's access requests is answered (on time).
        app.requests()
            .fulfil_request(req(
                &a_tok,
                pb::FulfilRequestRequest {
                    id: a_access[0].clone(),
                    ..Default::default()
                },
            ))
            .await
            .expect("fulfil");
        let stats = |tok: String, controller: String, from: String| {
            let app = &app;
            async move {
                app.requests()
                    .get_request_stats(req(
                        &tok,
                        pb::GetRequestStatsRequest {
                            controller_id: controller,
                            from_month: from,
                            to_month: String::new(),
                        },
                    ))
                    .await
            }
        };
        let s = stats(a_tok.clone(), String::new(), String::new())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(s.to_month, month_of(now));
        assert!(s.note.contains("art. 12(3)"), "{}", s.note);
        let access = s
            .stats
            .iter()
            .find(|m| m.month == month_of(now - Duration::hours(1)) && m.r#type == "access")
            .expect("this month's access requests");
        assert_eq!(
            (
                access.received,
                access.answered_on_time,
                access.answered_late,
                access.open,
                access.overdue
            ),
            (2, 1, 0, 1, 0),
            "A's token sees A's requests only: {access:?}"
        );
        let erasure = s
            .stats
            .iter()
            .find(|m| m.r#type == "erasure")
            .expect("the old erasure");
        assert_eq!(erasure.month, month_of(old));
        assert_eq!((erasure.open, erasure.overdue), (1, 1), "{erasure:?}");
        // The admin sees both controllers; naming one narrows it.
        let all = stats(app.admin.clone(), String::new(), String::new())
            .await
            .unwrap()
            .into_inner();
        let received: u64 = all.stats.iter().map(|m| m.received).sum();
        assert_eq!(received, 4);
        let only_b = stats(app.admin.clone(), b.id.clone(), String::new())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(only_b.stats.iter().map(|m| m.received).sum::<u64>(), 1);
        // Another tenant's figures are an empty answer, never B's numbers.
        let other = stats(a_tok.clone(), b.id.clone(), String::new())
            .await
            .unwrap()
            .into_inner();
        assert!(other.stats.is_empty(), "{other:?}");
        let b_own = stats(b_tok.clone(), String::new(), String::new())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(b_own.stats.iter().map(|m| m.received).sum::<u64>(), 1);
        // Bad input names the field.
        for (from, field) in [
            ("2026-13", "from_month"),
            ("26-01", "from_month"),
            ("1990-01", "from_month"),
        ] {
            let e = stats(a_tok.clone(), String::new(), from.into())
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{from}");
            assert!(e.message().contains(field), "{from}: {}", e.message());
        }
        let e = stats(a_tok.clone(), "not-a-uuid".into(), String::new())
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("controller_id"), "{}", e.message());
    }
}

#[tokio::test]
async fn erasure_stats_per_day() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let auditor = app.token(Role::Auditor, None).await;
        let mut ids = Vec::new();
        for (tenant, r) in [(&a.id, "a1"), (&a.id, "a2"), (&a.id, "a3"), (&b.id, "b1")] {
            let mut c = valid_candidate(r, "Jan Jansen", &format!("{r}@example.nl"));
            c.tenant_id = tenant.clone();
            ids.push(
                app.vault()
                    .put_candidate(req(&app.admin, c))
                    .await
                    .unwrap()
                    .into_inner()
                    .id,
            );
        }
        // a1 and b1 are due in three days, a2 in five; a3 is erased now.
        let in3 = Utc::now() + Duration::days(3);
        let in5 = Utc::now() + Duration::days(5);
        {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            use store::entities::vault::candidates as tbl;
            let conn = app.db().await;
            for (id, at) in [(&ids[0], in3), (&ids[3], in3), (&ids[1], in5)] {
                tbl::Entity::update_many()
                    .col_expr(
                        tbl::Column::DeleteAfter,
                        sea_orm::sea_query::Expr::value(Some(at)),
                    )
                    .filter(tbl::Column::Id.eq(id.as_str()))
                    .exec(&conn)
                    .await
                    .unwrap();
            }
        }
        app.vault()
            .erase_candidate(req(
                &a_tok,
                pb::EraseCandidateRequest {
                    id: ids[2].clone(),
                    reason: "request".into(),
                    reference: String::new(),
                },
            ))
            .await
            .expect("erase");
        let stats = |tok: String, tenant: String, from: &str, to: &str| {
            let app = &app;
            let (from, to) = (from.to_owned(), to.to_owned());
            async move {
                app.vault()
                    .get_erasure_stats(req(
                        &tok,
                        pb::GetErasureStatsRequest {
                            tenant_id: tenant,
                            from_day: from,
                            to_day: to,
                        },
                    ))
                    .await
            }
        };
        let day = |t: chrono::DateTime<Utc>| legal_time::period::local_date(t).to_string();
        let s = stats(a_tok.clone(), String::new(), "", "")
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            s.days.len(),
            44,
            "30 days back, today and 14 ahead: {} – {}",
            s.from_day,
            s.to_day
        );
        let get = |s: &pb::ErasureStats, d: &str| {
            s.days
                .iter()
                .find(|x| x.day == d)
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(get(&s, &day(Utc::now())).erased, 1);
        assert_eq!(
            get(&s, &day(in3)).due,
            1,
            "A's token counts A's candidates only"
        );
        assert_eq!(get(&s, &day(in5)).due, 1);
        let all = stats(auditor.clone(), String::new(), "", "")
            .await
            .unwrap()
            .into_inner();
        assert_eq!(get(&all, &day(in3)).due, 2, "the auditor sees both tenants");
        let only_b = stats(auditor.clone(), b.id.clone(), "", "")
            .await
            .unwrap()
            .into_inner();
        assert_eq!(only_b.days.iter().map(|d| d.due + d.erased).sum::<u64>(), 1);
        // Another tenant's figures: an empty answer.
        let other = stats(a_tok.clone(), b.id.clone(), "", "")
            .await
            .unwrap()
            .into_inner();
        assert!(other.days.is_empty(), "{other:?}");
        // Bad input names the field.
        for (from, to, field) in [
            ("2026-13-01", "", "from_day"),
            ("", "tomorrow", "to_day"),
            ("2026-12-02", "2026-12-01", "from_day"),
            ("2020-01-01", "2026-01-01", "from_day"),
        ] {
            let e = stats(a_tok.clone(), String::new(), from, to)
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{from} {to}");
            assert!(e.message().contains(field), "{from} {to}: {}", e.message());
        }
    }
}

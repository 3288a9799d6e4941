use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

fn compute(rule: &str, at: &str, params: &[(&str, &str)]) -> pb::ComputeRequest {
    pb::ComputeRequest {
        rule: rule.into(),
        at: at.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[tokio::test]
async fn compute_returns_the_catalogue_result_for_every_role() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let app = spawn_app(&db).await;
    let c = app.create_controller("Alpha B.V.", "11111111").await;
    let mut tokens = vec![app.admin.clone()];
    for (role, tenant) in [
        (Role::Auditor, None),
        (Role::Worker, None),
        (Role::Controller, Some(c.id.as_str())),
        (Role::Service, Some(c.id.as_str())),
    ] {
        tokens.push(app.token(role, tenant).await);
    }
    let mut client = pb::deadline_service_client::DeadlineServiceClient::new(app.channel.clone());
    for t in &tokens {
        let r = client
            .compute(req(
                t,
                compute("dsr.response", "2026-03-05T10:00:00+01:00", &[]),
            ))
            .await
            .unwrap()
            .into_inner();
        let res = r.result.unwrap();
        assert_eq!(res.kind, "deadline");
        assert_eq!(
            res.strict.unwrap(),
            pb::Reading {
                date: "2026-04-05".into(),
                instant: "2026-04-06T00:00:00+02:00".into()
            }
        );
        assert_eq!(res.lenient.unwrap().date, "2026-04-07");
        let v: serde_json::Value = serde_json::from_str(&r.json).unwrap();
        assert_eq!(v["strict"]["date"], "2026-04-05");
    }
    let r = client
        .compute(req(
            &app.admin,
            compute("dataact.switching", "2026-03-24", &[("election", "erase")]),
        ))
        .await
        .unwrap()
        .into_inner();
    let res = r.result.unwrap();
    assert!(res.strict.is_none());
    assert_eq!(res.milestones.len(), 7);
    assert_eq!(res.milestones.last().unwrap().name, "contract_end");

    let rules = client
        .list_rules(req(&app.admin, pb::ListRulesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .rules;
    assert_eq!(rules.len(), legal_time_rule_count());
    assert!(rules.iter().any(|r| {
        r.id == "retention.applicant"
            && r.params
                .iter()
                .any(|p| p.name == "consent" && p.default_value == "none")
    }));
    app.stop().await;
}

/// The catalogue as written in legal-rules.md: nine rules of the first
/// issues plus agreement.renewal.
fn legal_time_rule_count() -> usize {
    10
}

#[tokio::test]
async fn compute_bad_input_names_the_field() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let app = spawn_app(&db).await;
    let mut client = pb::deadline_service_client::DeadlineServiceClient::new(app.channel.clone());
    for (r, field) in [
        (compute("nope", "2026-03-05", &[]), "rule:"),
        (compute("dsr.response", "yesterday", &[]), "at:"),
        (
            compute("dataact.switching", "2026-03-24", &[("notice_months", "3")]),
            "params:",
        ),
        (
            compute(
                "breach.controller_notice",
                "2026-03-27T16:00:00+01:00",
                &[("sla_hours", "0")],
            ),
            "params:",
        ),
        (
            compute("dsr.response", "2026-03-05", &[("bogus", "1")]),
            "params:",
        ),
    ] {
        let e = client.compute(req(&app.admin, r)).await.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with(field), "{}", e.message());
    }
    // Unauthenticated callers get nothing, even for a pure computation.
    let e = client
        .compute(compute("dsr.response", "2026-03-05", &[]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    app.stop().await;
}

#[tokio::test]
async fn list_obligations_validates_and_scopes() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let app = spawn_app(&db).await;
    let a = app.create_controller("Alpha B.V.", "11111111").await;
    let b = app.create_controller("Beta B.V.", "22222222").await;
    let ta = app.token(Role::Controller, Some(&a.id)).await;
    let mut client = pb::deadline_service_client::DeadlineServiceClient::new(app.channel.clone());
    let ok = client
        .list_obligations(req(&app.admin, pb::ListObligationsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(ok.next_page_token.is_empty());
    // Another tenant's obligations: an empty answer, never an error that leaks.
    let other = client
        .list_obligations(req(
            &ta,
            pb::ListObligationsRequest {
                tenant_id: b.id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(other.obligations.is_empty());
    for (r, field) in [
        (
            pb::ListObligationsRequest {
                due_before: "tomorrow".into(),
                ..Default::default()
            },
            "due_before:",
        ),
        (
            pb::ListObligationsRequest {
                service: "nope".into(),
                ..Default::default()
            },
            "service:",
        ),
        (
            pb::ListObligationsRequest {
                page: Some(pb::PageRequest {
                    page_size: 5000,
                    page_token: String::new(),
                }),
                ..Default::default()
            },
            "page.page_size:",
        ),
        (
            pb::ListObligationsRequest {
                page: Some(pb::PageRequest {
                    page_size: 5,
                    page_token: "x".into(),
                }),
                ..Default::default()
            },
            "page.page_token:",
        ),
        (
            // An offset that would overflow the source query's limit.
            pb::ListObligationsRequest {
                page: Some(pb::PageRequest {
                    page_size: 5,
                    page_token: u64::MAX.to_string(),
                }),
                ..Default::default()
            },
            "page.page_token:",
        ),
    ] {
        let e = client
            .list_obligations(req(&app.admin, r))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with(field), "{}", e.message());
    }
    app.stop().await;
}

#[tokio::test]
async fn obligations_come_from_the_vault_scoped_filtered_and_flagged_overdue() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let b = app.create_controller("Beta B.V.", "22222222").await;
        let sa = app.token(Role::Service, Some(&a.id)).await;
        let ca = app.token(Role::Controller, Some(&a.id)).await;
        let cb = app.token(Role::Controller, Some(&b.id)).await;
        let mut v = app.vault();
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(
                v.put_candidate(req(
                    &sa,
                    valid_candidate(&format!("o-{i}"), "Anna", "anna@example.nl"),
                ))
                .await
                .unwrap()
                .into_inner()
                .id,
            );
        }
        let close = |id: &str, outcome: &str, on: chrono::NaiveDate| pb::CloseProcedureRequest {
            id: id.into(),
            outcome: outcome.into(),
            closed_on: on.to_string(),
        };
        v.close_procedure(req(&sa, close(&ids[0], "rejected", day(-1))))
            .await
            .unwrap();
        v.close_procedure(req(&sa, close(&ids[1], "hired", day(-1))))
            .await
            .unwrap();
        // Overdue (the worker has not run) and overdue-but-held.
        v.close_procedure(req(&sa, close(&ids[3], "rejected", day(-1))))
            .await
            .unwrap();
        v.place_legal_hold(req(
            &sa,
            pb::PlaceLegalHoldRequest {
                id: ids[3].clone(),
                reason: "dispute".into(),
            },
        ))
        .await
        .unwrap();
        let conn = app.db().await;
        use store::sea_orm::ConnectionTrait;
        for id in [&ids[2], &ids[3]] {
            conn.execute_raw(store::sea_orm::Statement::from_string(
                conn.get_database_backend(),
                format!("UPDATE candidates SET status = 'rejected', delete_after = '2026-01-01T00:00:00Z' WHERE id = '{id}'"),
            ))
            .await
            .unwrap();
        }
        let mut d = pb::deadline_service_client::DeadlineServiceClient::new(app.channel.clone());
        let all = d
            .list_obligations(req(&app.admin, Default::default()))
            .await
            .unwrap()
            .into_inner()
            .obligations;
        let got: Vec<(&str, bool, &str)> = all
            .iter()
            .map(|o| (o.object_id.as_str(), o.overdue, o.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (ids[2].as_str(), true, "retention.applicant"),
                (ids[0].as_str(), false, "retention.applicant"),
                (ids[1].as_str(), false, "vault.hired_handoff")
            ],
            "earliest first; the held and the open candidates have no obligation"
        );
        assert!(
            all.iter().all(|o| o.service == "vault"
                && o.tenant_id == a.id
                && o.object_type == "candidate")
        );
        assert_eq!(
            all[1].due_strict,
            legal_time::json::format_instant(legal_time::period::end_of_day_exclusive(
                day(-1) + chrono::Duration::days(28)
            ))
        );

        let mine = d
            .list_obligations(req(&ca, Default::default()))
            .await
            .unwrap()
            .into_inner()
            .obligations;
        assert_eq!(mine.len(), 3);
        assert!(
            d.list_obligations(req(&cb, Default::default()))
                .await
                .unwrap()
                .into_inner()
                .obligations
                .is_empty()
        );
        let overdue = d
            .list_obligations(req(
                &app.admin,
                pb::ListObligationsRequest {
                    overdue_only: true,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .obligations;
        assert_eq!(overdue.len(), 1);
        let soon = d
            .list_obligations(req(
                &app.admin,
                pb::ListObligationsRequest {
                    due_before: legal_time::json::format_instant(
                        chrono::Utc::now() + chrono::Duration::days(40),
                    ),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .obligations;
        assert_eq!(soon.len(), 2);
        let page = d
            .list_obligations(req(
                &app.admin,
                pb::ListObligationsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 2,
                        page_token: String::new(),
                    }),
                    service: "vault".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.obligations.len(), 2);
        let rest = d
            .list_obligations(req(
                &app.admin,
                pb::ListObligationsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 2,
                        page_token: page.next_page_token,
                    }),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(rest.obligations.len(), 1);
        assert!(rest.next_page_token.is_empty());

        // The worker catches up: the overdue obligation is gone.
        custodian::ops::sweep_once(&app.config).await.unwrap();
        let after = d
            .list_obligations(req(
                &app.admin,
                pb::ListObligationsRequest {
                    overdue_only: true,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .obligations;
        assert!(after.is_empty());
        app.stop().await;
    }
}

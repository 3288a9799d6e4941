use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

fn ts(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

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
            // An offset token of the old paging, and a forged cursor.
            pb::ListObligationsRequest {
                page: Some(pb::PageRequest {
                    page_size: 5,
                    page_token: u64::MAX.to_string(),
                }),
                ..Default::default()
            },
            "page.page_token:",
        ),
        (
            pb::ListObligationsRequest {
                page: Some(pb::PageRequest {
                    page_size: 5,
                    page_token: "c1;vault,soon,x,y,1".into(),
                }),
                ..Default::default()
            },
            "page.page_token:",
        ),
        (
            pb::ListObligationsRequest {
                due_from: "2026-13-01".into(),
                ..Default::default()
            },
            "due_from:",
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
        // Each names its candidate by reference, for people.
        assert_eq!(
            all.iter().map(|o| o.title.as_str()).collect::<Vec<_>>(),
            ["o-2", "o-0", "o-1"]
        );
        // Totals: every obligation the filter admits, whatever the page;
        // a window [due_from, due_before) counts and lists only its own.
        let now = chrono::Utc::now();
        let counted = |r: pb::ListObligationsRequest| {
            let mut d = d.clone();
            let admin = app.admin.clone();
            async move {
                d.list_obligations(req(&admin, r))
                    .await
                    .unwrap()
                    .into_inner()
            }
        };
        let one = counted(pb::ListObligationsRequest {
            page: Some(pb::PageRequest {
                page_size: 1,
                page_token: String::new(),
            }),
            count_total: true,
            ..Default::default()
        })
        .await;
        assert_eq!((one.obligations.len(), one.total), (1, Some(3)));
        let later = counted(pb::ListObligationsRequest {
            due_from: legal_time::json::format_instant(now),
            count_total: true,
            ..Default::default()
        })
        .await;
        assert_eq!(later.total, Some(2));
        assert_eq!(
            later
                .obligations
                .iter()
                .map(|o| o.title.as_str())
                .collect::<Vec<_>>(),
            ["o-0", "o-1"]
        );
        let uncounted = counted(Default::default()).await;
        assert_eq!(uncounted.total, None, "counted only when asked");
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

/// The requests source reads open requests in receipt order and stops once
/// no later receipt can be due earlier than what it keeps (issue 17). Its
/// pages must be exactly what computing every open request's deadline and
/// sorting gives: here against the deadline in force that ListRequests
/// computes for each request, with ties, suspensions in both modes,
/// awaited identity, extensions, answered requests, two tenants, paging,
/// the overdue filter and `due_before`.
#[tokio::test]
async fn request_obligations_are_exactly_the_earliest_open_requests() {
    use store::sea_orm::ConnectionTrait;
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let b = app.create_controller("Beta B.V.", "22222222").await;
        let ca = app.token(Role::Controller, Some(&a.id)).await;
        let now = chrono::Utc::now();
        let mut ids = Vec::new();
        for i in 0..90i64 {
            // Several requests per instant (ties), over 45 days; some with
            // receipts that differ by minutes on the same day.
            let received = store::truncate_micros(
                now - chrono::Duration::hours((i % 30) * 36 + 1) - chrono::Duration::minutes(i % 4),
            );
            let tenant = if i % 3 == 0 { &b.id } else { &a.id };
            let r = app
                .requests()
                .create_request(req(
                    &app.admin,
                    pb::CreateRequestRequest {
                        controller_id: tenant.clone(),
                        r#type: "access".into(),
                        channel: "controller_instruction".into(),
                        received_at: proto::wire::timestamp(received),
                        subject: Some(pb::SubjectIdentifiers {
                            email: format!("s{i}@example.nl"),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            ids.push((r.id, received));
        }
        // Vary the facts the deadlines depend on, as the service's own steps
        // would leave them.
        let conn = app.db().await;
        let pg = store::is_postgres(&conn);
        let p = |n: usize| if pg { format!("${n}") } else { "?".into() };
        for (i, (id, received)) in ids.iter().enumerate() {
            let asked = *received + chrono::Duration::hours(20);
            let got = *received + chrono::Duration::days(9);
            let (sql, values): (String, Vec<store::sea_orm::Value>) = match i % 7 {
                1 => (
                    format!(
                        "UPDATE dsr_requests SET suspension = 'suspend', identity_requested_at = {}, identity_received_at = {} WHERE id = {}",
                        p(1),
                        p(2),
                        p(3)
                    ),
                    vec![asked.into(), got.into(), id.clone().into()],
                ),
                2 => (
                    format!(
                        "UPDATE dsr_requests SET suspension = 'restart', state = 'awaiting_identity', identity_requested_at = {} WHERE id = {}",
                        p(1),
                        p(2)
                    ),
                    vec![asked.into(), id.clone().into()],
                ),
                3 => (
                    format!(
                        "UPDATE dsr_requests SET extended_at = {}, extension_reasons = 'many' WHERE id = {}",
                        p(1),
                        p(2)
                    ),
                    vec![asked.into(), id.clone().into()],
                ),
                4 => (
                    format!(
                        "UPDATE dsr_requests SET state = 'answered', answered_at = {}, outcome = 'fulfilled' WHERE id = {}",
                        p(1),
                        p(2)
                    ),
                    vec![got.into(), id.clone().into()],
                ),
                _ => continue,
            };
            conn.execute_raw(store::sea_orm::Statement::from_sql_and_values(
                conn.get_database_backend(),
                sql,
                values,
            ))
            .await
            .unwrap();
        }
        // A bulk import: requests received at one instant (40) and at an
        // instant three minutes later on the same day (10), the later ones
        // filed first so that they have the smaller ids. They tie on their
        // floor and on their deadline.
        let batch_at = store::truncate_micros(now - chrono::Duration::days(10));
        for (n, offset) in [(10i64, 3i64), (40, 0)] {
            for i in 0..n {
                let tenant = if i % 2 == 0 { &a.id } else { &b.id };
                app.requests()
                    .create_request(req(
                        &app.admin,
                        pb::CreateRequestRequest {
                            controller_id: tenant.clone(),
                            r#type: "erasure".into(),
                            channel: "controller_instruction".into(),
                            received_at: proto::wire::timestamp(
                                batch_at + chrono::Duration::minutes(offset),
                            ),
                            subject: Some(pb::SubjectIdentifiers {
                                email: format!("bulk{offset}-{i}@example.nl"),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                    ))
                    .await
                    .unwrap();
            }
        }
        // Every open request with its deadline in force, computed one by one.
        let mut every = Vec::new();
        let mut token = String::new();
        loop {
            let r = app
                .requests()
                .list_requests(req(
                    &app.admin,
                    pb::ListRequestsRequest {
                        page: Some(pb::PageRequest {
                            page_size: 50,
                            page_token: token,
                        }),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            for q in r.requests {
                if q.status == "open" || q.status == "awaiting_identity" {
                    let strict = q.deadline.unwrap().strict;
                    every.push((ts(&strict), q.id, q.controller_id));
                }
            }
            if r.next_page_token.is_empty() {
                break;
            }
            token = r.next_page_token;
        }
        every.sort();
        assert!(every.len() > 120, "{} open requests", every.len());
        let cut = every[every.len() / 2].0;
        for (token, tenant) in [(&app.admin, None), (&ca, Some(&a.id))] {
            for (overdue, due_before) in [(false, None), (true, None), (false, Some(cut))] {
                let want: Vec<_> = every
                    .iter()
                    .filter(|e| tenant.is_none_or(|t| &e.2 == t))
                    .filter(|e| !overdue || e.0 <= chrono::Utc::now())
                    .filter(|e| due_before.is_none_or(|b| e.0 < b))
                    .map(|e| (e.0, e.1.clone()))
                    .collect();
                for size in [1, 7, 30, 100] {
                    let mut got = Vec::new();
                    let mut page = String::new();
                    loop {
                        let r = app
                            .deadlines()
                            .list_obligations(req(
                                token,
                                pb::ListObligationsRequest {
                                    service: "requests".into(),
                                    overdue_only: overdue,
                                    due_before: due_before
                                        .map(proto::wire::timestamp)
                                        .unwrap_or_default(),
                                    page: Some(pb::PageRequest {
                                        page_size: size,
                                        page_token: page,
                                    }),
                                    ..Default::default()
                                },
                            ))
                            .await
                            .unwrap()
                            .into_inner();
                        got.extend(
                            r.obligations
                                .into_iter()
                                .map(|o| (ts(&o.due_strict), o.object_id)),
                        );
                        if r.next_page_token.is_empty() {
                            break;
                        }
                        page = r.next_page_token;
                    }
                    assert_eq!(
                        got,
                        want,
                        "{} pages of {size}, overdue {overdue}, before {due_before:?}",
                        if tenant.is_some() {
                            "a controller's"
                        } else {
                            "all"
                        }
                    );
                }
            }
        }
        app.stop().await;
    }
}

/// Unassessed incidents are read earliest discovery first and only as many
/// as a page needs (issue 17): each is due 24 elapsed hours after its
/// discovery, a dismissed one is not due, and a controller sees none of them
/// (no controller is known before the assessment).
#[tokio::test]
async fn unassessed_incidents_are_due_a_day_after_discovery_earliest_first() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let ca = app.token(Role::Controller, Some(&a.id)).await;
        let now = store::truncate_micros(chrono::Utc::now());
        let mut b = app.breaches();
        let mut ids = Vec::new();
        // Reported out of discovery order.
        for hours in [3i64, 9, 1, 6, 12] {
            let inc = b
                .report_incident(req(
                    &app.admin,
                    pb::ReportIncidentRequest {
                        discovered_at: proto::wire::timestamp(now - chrono::Duration::hours(hours)),
                        discovered_by: "monitoring".into(),
                        description: format!("incident {hours}"),
                        systems: vec!["ats".into()],
                        internal_notes: String::new(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            ids.push((hours, inc.id));
        }
        b.assess_incident(req(
            &app.admin,
            pb::AssessIncidentRequest {
                incident_id: ids[1].1.clone(),
                decision: "dismiss".into(),
                dismissal_basis: "no_personal_data".into(),
                dismissal_reason: "test data only".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
        let page = |token: String, size: u32, page_token: String| {
            let mut d = app.deadlines();
            async move {
                d.list_obligations(req(
                    &token,
                    pb::ListObligationsRequest {
                        service: "breaches".into(),
                        page: Some(pb::PageRequest {
                            page_size: size,
                            page_token,
                        }),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner()
            }
        };
        // Earliest discovery first: 12 h, 6 h, 3 h, 1 h ago (9 h was dismissed).
        let first = page(app.admin.clone(), 2, String::new()).await;
        let second = page(app.admin.clone(), 2, first.next_page_token.clone()).await;
        assert!(second.next_page_token.is_empty());
        let got: Vec<_> = first
            .obligations
            .iter()
            .chain(&second.obligations)
            .collect();
        let want = [12i64, 6, 3, 1];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (o, h) in got.iter().zip(want) {
            let id = &ids.iter().find(|(x, _)| *x == h).unwrap().1;
            assert_eq!(&o.object_id, id);
            assert_eq!(o.object_type, "breach_incident");
            assert_eq!(o.rule, "breach.controller_notice");
            assert_eq!(
                ts(&o.due_strict),
                now - chrono::Duration::hours(h) + chrono::Duration::hours(24)
            );
            assert!(!o.overdue);
        }
        assert!(page(ca, 100, String::new()).await.obligations.is_empty());
        app.stop().await;
    }
}

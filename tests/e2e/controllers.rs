use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

async fn audit_count(app: &TestApp) -> usize {
    app.audit_actions().await.len()
}

#[tokio::test]
async fn create_get_list_update_as_admin() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let mut c = app.controllers();
        let created = app
            .create_controller("  Acme Recruitment B.V. ", "12345678")
            .await;
        assert_eq!(
            created.legal_name, "Acme Recruitment B.V.",
            "names are trimmed"
        );
        assert!(created.webhook_secret_set);
        assert_eq!(created.webhook_url, "https://hooks.example.nl/custodian");

        let got = c
            .get_controller(req(
                &app.admin,
                pb::GetControllerRequest {
                    id: created.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got, created);

        let upd = c
            .update_controller(req(
                &app.admin,
                pb::UpdateControllerRequest {
                    id: created.id.clone(),
                    dpo_name: Some("Daan de Vries".into()),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(upd.dpo_name, "Daan de Vries");
        assert_eq!(upd.kvk_number, "12345678", "untouched fields stay");
        assert!(upd.updated_at >= created.updated_at);

        // Duplicate KvK number.
        let e = c
            .create_controller(req(&app.admin, valid_controller("Twin B.V.", "12345678")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::AlreadyExists, "{e:?}");

        // Paging walks every controller exactly once.
        for i in 0..4 {
            app.create_controller(&format!("C{i} B.V."), &format!("1000000{i}"))
                .await;
        }
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let r = c
                .list_controllers(req(
                    &app.admin,
                    pb::ListControllersRequest {
                        page: Some(pb::PageRequest {
                            page_size: 2,
                            page_token: token.clone(),
                        }),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            seen.extend(r.controllers.into_iter().map(|c| c.id));
            if r.next_page_token.is_empty() {
                break;
            }
            token = r.next_page_token;
        }
        assert_eq!(seen.len(), 5);
        let mut dedup = seen.clone();
        dedup.dedup();
        assert_eq!(dedup, seen);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_controller_sees_and_updates_only_itself() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let b = app.create_controller("Beta B.V.", "22222222").await;
        let ta = app.token(Role::Controller, Some(&a.id)).await;
        let sa = app.token(Role::Service, Some(&a.id)).await;
        let mut c = app.controllers();

        let own = c
            .get_controller(req(&ta, pb::GetControllerRequest { id: a.id.clone() }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(own.id, a.id);
        for tok in [&ta, &sa] {
            let e = c
                .get_controller(req(tok, pb::GetControllerRequest { id: b.id.clone() }))
                .await
                .unwrap_err();
            assert_eq!(
                e.code(),
                Code::NotFound,
                "another tenant's controller must be NOT_FOUND"
            );
            let list = c
                .list_controllers(req(tok, Default::default()))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(
                list.controllers
                    .iter()
                    .map(|c| c.id.clone())
                    .collect::<Vec<_>>(),
                vec![a.id.clone()]
            );
        }
        // Same answer for an id that does not exist at all: no existence leak.
        let e = c
            .get_controller(req(
                &ta,
                pb::GetControllerRequest {
                    id: "01900000-0000-7000-8000-000000000000".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);

        let e = c
            .update_controller(req(
                &ta,
                pb::UpdateControllerRequest {
                    id: b.id.clone(),
                    dpo_name: Some("X".into()),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        let e = c
            .update_controller(req(
                &ta,
                pb::UpdateControllerRequest {
                    id: a.id.clone(),
                    webhook_secret: Some("z".repeat(40)),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            Code::PermissionDenied,
            "a controller may not set its webhook secret"
        );
        let ok = c
            .update_controller(req(
                &ta,
                pb::UpdateControllerRequest {
                    id: a.id.clone(),
                    dpo_email: Some("new-dpo@alpha.nl".into()),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ok.dpo_email, "new-dpo@alpha.nl");
        // A service token may read but not update.
        let e = c
            .update_controller(req(
                &sa,
                pb::UpdateControllerRequest {
                    id: a.id.clone(),
                    dpo_name: Some("Y".into()),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let b_after = c
            .get_controller(req(
                &app.admin,
                pb::GetControllerRequest { id: b.id.clone() },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(b_after, b, "the other tenant is untouched");
        app.stop().await;
    }
}

#[tokio::test]
async fn each_invalid_field_is_named_and_nothing_is_written() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let mut c = app.controllers();
        let before_audit = audit_count(&app).await;
        type Mut = fn(&mut pb::CreateControllerRequest);
        let cases: Vec<(&str, Mut)> = vec![
            ("legal_name", |r| r.legal_name = "".into()),
            ("legal_name", |r| r.legal_name = "   ".into()),
            ("kvk_number", |r| r.kvk_number = "1234567".into()),
            ("kvk_number", |r| r.kvk_number = "1234567X".into()),
            ("country", |r| r.country = "XX".into()),
            ("country", |r| r.country = "nl".into()),
            ("privacy_email", |r| r.privacy_email = "not-an-email".into()),
            ("dpo_email", |r| r.dpo_email = "dpo@".into()),
            ("dpo_name", |r| r.dpo_name = "".into()),
            ("webhook_url", |r| {
                r.webhook_url = "http://hooks.example.nl".into()
            }),
            ("webhook_url", |r| r.webhook_url = "ftp://x".into()),
            ("webhook_secret", |r| r.webhook_secret = "short".into()),
            ("webhook_secret", |r| r.webhook_secret = "".into()),
        ];
        for (field, m) in cases {
            let mut r = valid_controller("Valid B.V.", "12345678");
            m(&mut r);
            let e = c.create_controller(req(&app.admin, r)).await.unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
            assert!(
                e.message().starts_with(&format!("{field}:")),
                "message should name {field}: {}",
                e.message()
            );
        }
        // Update validation, and an empty update.
        let ok = app.create_controller("Valid B.V.", "12345678").await;
        let after_create = audit_count(&app).await;
        assert_eq!(
            after_create,
            before_audit + 1,
            "only the valid create was audited"
        );
        let bad_updates: Vec<(&str, pb::UpdateControllerRequest)> = vec![
            (
                "id",
                pb::UpdateControllerRequest {
                    id: "nope".into(),
                    dpo_name: Some("x".into()),
                    ..Default::default()
                },
            ),
            (
                "kvk_number",
                pb::UpdateControllerRequest {
                    id: ok.id.clone(),
                    kvk_number: Some("1".into()),
                    ..Default::default()
                },
            ),
            (
                "country",
                pb::UpdateControllerRequest {
                    id: ok.id.clone(),
                    country: Some("XX".into()),
                    ..Default::default()
                },
            ),
            (
                "webhook_url",
                pb::UpdateControllerRequest {
                    id: ok.id.clone(),
                    webhook_url: Some("http://a.nl".into()),
                    ..Default::default()
                },
            ),
            (
                "update",
                pb::UpdateControllerRequest {
                    id: ok.id.clone(),
                    ..Default::default()
                },
            ),
        ];
        for (field, r) in bad_updates {
            let e = c.update_controller(req(&app.admin, r)).await.unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
            assert!(
                e.message().starts_with(&format!("{field}:")),
                "{field}: {}",
                e.message()
            );
        }
        let e = c
            .get_controller(req(&app.admin, pb::GetControllerRequest { id: "x".into() }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("id:"));
        let e = c
            .list_controllers(req(
                &app.admin,
                pb::ListControllersRequest {
                    page: Some(pb::PageRequest {
                        page_size: 501,
                        page_token: String::new(),
                    }),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);

        let list = c
            .list_controllers(req(&app.admin, Default::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(list.controllers.len(), 1, "no invalid request wrote a row");
        assert_eq!(list.controllers[0], ok, "no invalid update changed the row");
        assert_eq!(
            audit_count(&app).await,
            after_create,
            "no invalid request wrote an audit entry"
        );
        app.stop().await;
    }
}

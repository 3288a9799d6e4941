use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

#[tokio::test]
async fn missing_bad_and_revoked_tokens_are_unauthenticated() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let mut c = app.controllers();
        let e = c
            .list_controllers(pb::ListControllersRequest::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
        assert!(
            e.message().contains("missing bearer token"),
            "{}",
            e.message()
        );

        let e = c
            .list_controllers(req("cst_not-a-real-token", Default::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated);
        let mut r = tonic::Request::new(pb::ListControllersRequest::default());
        r.metadata_mut()
            .insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(
            c.list_controllers(r).await.unwrap_err().code(),
            Code::Unauthenticated
        );

        let auditor = app.token(Role::Auditor, None).await;
        c.list_controllers(req(&auditor, Default::default()))
            .await
            .expect("auditor can list");
        let id = custodian::ops::list_tokens(&app.config)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.role == Role::Auditor)
            .unwrap()
            .id;
        custodian::ops::revoke_token(&app.config, &id)
            .await
            .unwrap();
        let e = c
            .list_controllers(req(&auditor, Default::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated, "revoked token still works");
        app.stop().await;
    }
}

#[tokio::test]
async fn wrong_role_is_permission_denied() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let worker = app.token(Role::Worker, None).await;
        let e = app
            .controllers()
            .create_controller(req(&worker, valid_controller("Acme B.V.", "12345678")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let auditor = app.token(Role::Auditor, None).await;
        let e = app
            .controllers()
            .create_controller(req(&auditor, valid_controller("Acme B.V.", "12345678")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let c = app.create_controller("Acme B.V.", "12345678").await;
        let ctrl = app.token(Role::Controller, Some(&c.id)).await;
        let e = app
            .controllers()
            .create_controller(req(&ctrl, valid_controller("Other B.V.", "87654321")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        // Nothing was written by the refused calls.
        let all = app
            .controllers()
            .list_controllers(req(&app.admin, Default::default()))
            .await
            .unwrap();
        assert_eq!(all.into_inner().controllers.len(), 1);
        app.stop().await;
    }
}

/// `IdentityService.WhoAmI`: every public role learns who it is and what
/// its role may call (the permission table's own answer); a controller's
/// token names its tenant; a peer token, limited to internal RPCs, may not
/// call it; no token is UNAUTHENTICATED.
#[tokio::test]
async fn who_am_i_describes_the_caller_and_its_permissions() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let c = app.create_controller("Acme B.V.", "12345678").await;
        let id = |tok: &str| {
            let mut client =
                proto::v1::identity_service_client::IdentityServiceClient::new(app.channel.clone());
            let r = req(tok, proto::v1::WhoAmIRequest {});
            async move { client.who_am_i(r).await.map(|r| r.into_inner()) }
        };
        let admin = id(&app.admin).await.unwrap();
        assert_eq!(admin.role, "admin");
        assert!(admin.tenant_id.is_empty());
        assert!(
            admin
                .allowed_methods
                .iter()
                .any(|m| m == "/custodian.v1.ControllerService/CreateController")
        );
        let dpo = app.token(Role::Controller, Some(&c.id)).await;
        let me = id(&dpo).await.unwrap();
        assert_eq!(
            (me.role.as_str(), me.tenant_id.as_str()),
            ("controller", c.id.as_str())
        );
        assert_eq!(me.name, "test-controller");
        for m in &me.allowed_methods {
            assert!(
                auth::permissions::allows(m, Role::Controller),
                "{m} is listed, so the table allows it"
            );
        }
        assert!(
            !me.allowed_methods
                .iter()
                .any(|m| m == "/custodian.v1.ControllerService/CreateController"),
            "a customer's DPO may not create controllers"
        );
        let ctl_out = ctl_json(&app, &dpo, &["whoami"]).await;
        assert_eq!(ctl_out["role"], "controller");
        let peer = app.token(Role::Peer, None).await;
        assert_eq!(
            id(&peer).await.unwrap_err().code(),
            tonic::Code::PermissionDenied
        );
        let mut anon =
            proto::v1::identity_service_client::IdentityServiceClient::new(app.channel.clone());
        assert_eq!(
            anon.who_am_i(proto::v1::WhoAmIRequest {})
                .await
                .unwrap_err()
                .code(),
            tonic::Code::Unauthenticated
        );
        app.stop().await;
    }
}

/// Guessing tokens is counted, logged without the token, and throttled per
/// client address: past the limit a client is refused without a look at the
/// token for the rest of the window, while another client (the console
/// names the browser it acts for) is not.
#[tokio::test]
async fn failed_authentications_are_counted_and_throttled_per_client() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let app = spawn_metrics(&db).await;
    let mut c = app.controllers();
    let (_, before) = crate::metrics::scrape(&app).await;
    let invalid = |s: &prometheus_parse::Scrape| {
        crate::metrics::value(s, "custodian_auth_failures_total", &[("reason", "invalid")])
            .unwrap_or(0.0)
    };
    for k in 0..auth::layer::MAX_FAILURES {
        let e = c
            .list_controllers(req(&format!("cst_guess-{k}"), Default::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated, "attempt {k}: {e:?}");
    }
    // Now this client is refused, even with a valid token, until the window ends.
    for token in ["cst_guess-more", app.admin.as_str()] {
        let e = c
            .list_controllers(req(token, Default::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
        assert!(e.message().contains("too many failed"), "{e:?}");
    }
    // Another client, named by the console from loopback, is not throttled.
    let mut r = req("cst_guess-other", pb::ListControllersRequest::default());
    r.metadata_mut()
        .insert("x-custodian-client", "192.0.2.7".parse().unwrap());
    assert_eq!(
        c.list_controllers(r).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    let mut r = req(&app.admin, pb::ListControllersRequest::default());
    r.metadata_mut()
        .insert("x-custodian-client", "192.0.2.8".parse().unwrap());
    c.list_controllers(r)
        .await
        .expect("another client's valid token works");
    let (body, after) = crate::metrics::scrape(&app).await;
    assert!(
        invalid(&after) - invalid(&before) >= f64::from(auth::layer::MAX_FAILURES),
        "the failures are counted"
    );
    assert!(!body.contains("cst_guess"), "no token in the metrics");
    app.stop().await;
}

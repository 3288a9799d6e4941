//! `TokenService`: the administrators' view of who holds access, and
//! revoking a token (audited; the token stops working). Never a secret or a
//! hash in an answer; tenant-bound roles may not call it.

use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

fn tokens(
    app: &TestApp,
) -> pb::token_service_client::TokenServiceClient<tonic::transport::Channel> {
    pb::token_service_client::TokenServiceClient::new(app.channel.clone())
}

#[tokio::test]
async fn list_and_revoke_tokens() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (info, a_tok) =
            custodian::ops::create_token(&app.config, Role::Controller, Some(&a.id), "acme dpo")
                .await
                .unwrap();
        let auditor = app.token(Role::Auditor, None).await;
        let list = |tok: String, tenant: String, include_revoked: bool| {
            let app = &app;
            async move {
                tokens(app)
                    .list_tokens(req(
                        &tok,
                        pb::ListTokensRequest {
                            tenant_id: tenant,
                            include_revoked,
                        },
                    ))
                    .await
            }
        };
        let all = list(app.admin.clone(), String::new(), false)
            .await
            .unwrap()
            .into_inner()
            .tokens;
        let mine = all
            .iter()
            .find(|t| t.id == info.id)
            .expect("the controller's token is listed");
        assert_eq!(
            (
                mine.name.as_str(),
                mine.role.as_str(),
                mine.tenant_id.as_str()
            ),
            ("acme dpo", "controller", a.id.as_str())
        );
        assert!(mine.revoked_at.is_empty() && !mine.created_at.is_empty());
        let wire = format!("{all:?}");
        assert!(
            !wire.contains(&a_tok) && !wire.contains(&app.admin),
            "no secret in the answer"
        );
        assert!(
            !wire.contains(&auth::tokens::hash_token(&a_tok)),
            "no hash in the answer"
        );
        // By tenant; the auditor may read.
        let of_a = list(auditor.clone(), a.id.clone(), false)
            .await
            .unwrap()
            .into_inner()
            .tokens;
        assert_eq!(
            of_a.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            vec![info.id.as_str()]
        );
        // Revoke: audited, and the token stops working.
        let e = tokens(&app)
            .revoke_token(req(
                &auditor,
                pb::RevokeTokenRequest {
                    id: info.id.clone(),
                    reason: "left".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "an auditor only reads");
        let r = tokens(&app)
            .revoke_token(req(
                &app.admin,
                pb::RevokeTokenRequest {
                    id: info.id.clone(),
                    reason: "the DPO left Acme".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(!r.revoked_at.is_empty());
        let e = app
            .controllers()
            .get_controller(req(&a_tok, pb::GetControllerRequest { id: a.id.clone() }))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            Code::Unauthenticated,
            "a revoked token no longer opens anything"
        );
        let ev = app
            .audit()
            .list_events(req(
                &app.admin,
                pb::ListEventsRequest {
                    object_id: info.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .events;
        let revoke = ev
            .iter()
            .find(|e| e.action == "token.revoke")
            .expect("the revocation is audited");
        assert_eq!(revoke.reason, "the DPO left Acme");
        assert_eq!(revoke.tenant_id, a.id);
        // Revoked tokens are listed only when asked for.
        let active = list(app.admin.clone(), a.id.clone(), false)
            .await
            .unwrap()
            .into_inner()
            .tokens;
        assert!(active.is_empty());
        let with = list(app.admin.clone(), a.id.clone(), true)
            .await
            .unwrap()
            .into_inner()
            .tokens;
        assert_eq!(with.len(), 1);
        // Revoking again changes nothing and is not audited twice.
        tokens(&app)
            .revoke_token(req(
                &app.admin,
                pb::RevokeTokenRequest {
                    id: info.id.clone(),
                    reason: "again".into(),
                },
            ))
            .await
            .unwrap();
        let ev2 = app
            .audit()
            .list_events(req(
                &app.admin,
                pb::ListEventsRequest {
                    object_id: info.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .events;
        assert_eq!(ev2.iter().filter(|e| e.action == "token.revoke").count(), 1);
        // Bad input names the field; nothing changes.
        for (id, reason, field, code) in [
            ("", "x", "id", Code::InvalidArgument),
            ("nope", "x", "no token", Code::NotFound),
            (info.id.as_str(), " ", "reason", Code::InvalidArgument),
        ] {
            let e = tokens(&app)
                .revoke_token(req(
                    &app.admin,
                    pb::RevokeTokenRequest {
                        id: id.into(),
                        reason: reason.into(),
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), code, "{id:?}");
            assert!(e.message().contains(field), "{id:?}: {}", e.message());
        }
        let e = list(app.admin.clone(), "not-a-uuid".into(), false)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("tenant_id"), "{}", e.message());
        // A tenant's own DPO may not list or revoke (another tenant's or its own).
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let e = list(b_tok.clone(), b.id.clone(), false).await.unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let e = tokens(&app)
            .revoke_token(req(
                &b_tok,
                pb::RevokeTokenRequest {
                    id: info.id.clone(),
                    reason: "x".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
    }
}

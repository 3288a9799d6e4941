//! Every agreement, sub-processor and notification RPC with a malformed id
//! (INVALID_ARGUMENT naming the field, nothing written) and with a caller of
//! another tenant (NOT_FOUND, exactly like a missing object).

use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::{Code, Status};

fn field(r: Result<impl std::fmt::Debug, Status>, want: &str) {
    let e = r.expect_err(want);
    assert_eq!(e.code(), Code::InvalidArgument, "{want}: {e:?}");
    assert!(e.message().starts_with(want), "{want}: {}", e.message());
}

fn hidden(r: Result<impl std::fmt::Debug, Status>, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.code(), Code::NotFound, "{what}: {e:?}");
}

#[tokio::test]
async fn malformed_ids_and_other_tenants_on_every_rpc() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, a_agr) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let b_svc = app.token(Role::Service, Some(&b.id)).await;
        let admin = app.admin.clone();
        let mut ag = app.agreements();
        let mut s = app.subprocessors();
        let mut n = app.notifications();
        let bad = "not-a-uuid".to_string();

        // AgreementService.
        field(
            ag.get_agreement(req(
                &admin,
                pb::GetAgreementRequest {
                    id: bad.clone(),
                    version: 0,
                },
            ))
            .await,
            "id:",
        );
        field(
            ag.list_agreements(req(
                &admin,
                pb::ListAgreementsRequest {
                    status: "signed".into(),
                    ..Default::default()
                },
            ))
            .await,
            "status:",
        );
        field(
            ag.list_agreements(req(
                &admin,
                pb::ListAgreementsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 501,
                        page_token: String::new(),
                    }),
                    ..Default::default()
                },
            ))
            .await,
            "page.page_size:",
        );
        field(
            ag.list_agreement_versions(req(
                &admin,
                pb::ListAgreementVersionsRequest { id: bad.clone() },
            ))
            .await,
            "id:",
        );
        field(
            ag.amend_agreement(req(
                &admin,
                pb::AmendAgreementRequest {
                    id: a_agr.id.clone(),
                    terms: Some(valid_terms()),
                    note: " ".into(),
                },
            ))
            .await,
            "note:",
        );
        field(
            ag.activate_agreement(req(
                &admin,
                pb::AgreementTransitionRequest {
                    id: bad.clone(),
                    reason: String::new(),
                },
            ))
            .await,
            "id:",
        );
        field(
            ag.terminate_agreement(req(
                &admin,
                pb::TerminateAgreementRequest {
                    id: a_agr.id.clone(),
                    notice_given_on: "yesterday".into(),
                    ..Default::default()
                },
            ))
            .await,
            "notice_given_on:",
        );
        field(
            ag.terminate_agreement(req(
                &admin,
                pb::TerminateAgreementRequest {
                    id: a_agr.id.clone(),
                    notice_given_on: day(0).to_string(),
                    ends_on: day(-1).to_string(),
                    reason: String::new(),
                },
            ))
            .await,
            "ends_on:",
        );
        field(
            ag.end_agreement(req(
                &admin,
                pb::AgreementTransitionRequest {
                    id: bad.clone(),
                    reason: String::new(),
                },
            ))
            .await,
            "id:",
        );
        hidden(
            ag.get_agreement(req(
                &b_svc,
                pb::GetAgreementRequest {
                    id: a_agr.id.clone(),
                    version: 0,
                },
            ))
            .await,
            "service token of B",
        );
        hidden(
            ag.get_agreement(req(
                &admin,
                pb::GetAgreementRequest {
                    id: a_agr.id.clone(),
                    version: 9,
                },
            ))
            .await,
            "missing version",
        );
        // Nothing above changed A's agreement.
        let still = ag
            .get_agreement(req(
                &admin,
                pb::GetAgreementRequest {
                    id: a_agr.id.clone(),
                    version: 0,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((still.status.as_str(), still.latest_version), ("active", 1));

        // SubprocessorService.
        let sub = s
            .register_subprocessor(req(&admin, valid_subprocessor("Search Cloud B.V.", "NL")))
            .await
            .unwrap()
            .into_inner();
        s.get_subprocessor(req(
            &b_tok,
            pb::GetSubprocessorRequest { id: sub.id.clone() },
        ))
        .await
        .unwrap();
        field(
            s.get_subprocessor(req(&admin, pb::GetSubprocessorRequest { id: bad.clone() }))
                .await,
            "id:",
        );
        hidden(
            s.get_subprocessor(req(
                &admin,
                pb::GetSubprocessorRequest {
                    id: uuid::Uuid::now_v7().to_string(),
                },
            ))
            .await,
            "missing",
        );
        field(
            s.list_subprocessors(req(
                &admin,
                pb::ListSubprocessorsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 10,
                        page_token: "x".into(),
                    }),
                },
            ))
            .await,
            "page.page_token:",
        );
        field(
            s.update_subprocessor(req(
                &admin,
                pb::UpdateSubprocessorRequest {
                    id: sub.id.clone(),
                    contact_email: Some("nope".into()),
                    ..Default::default()
                },
            ))
            .await,
            "contact_email:",
        );
        field(
            s.update_subprocessor(req(
                &admin,
                pb::UpdateSubprocessorRequest {
                    id: sub.id.clone(),
                    ..Default::default()
                },
            ))
            .await,
            "update: names no field",
        );
        field(
            s.authorise_subprocessor(req(
                &admin,
                pb::AuthoriseSubprocessorRequest {
                    controller_id: a.id.clone(),
                    subprocessor_id: sub.id.clone(),
                    reference: String::new(),
                    effective_from: String::new(),
                },
            ))
            .await,
            "reference:",
        );
        field(
            s.authorise_subprocessor(req(
                &admin,
                pb::AuthoriseSubprocessorRequest {
                    controller_id: a.id.clone(),
                    subprocessor_id: sub.id.clone(),
                    reference: "annex".into(),
                    effective_from: "tomorrow".into(),
                },
            ))
            .await,
            "effective_from:",
        );
        field(
            s.get_change(req(&admin, pb::GetChangeRequest { id: bad.clone() }))
                .await,
            "id:",
        );
        field(
            s.list_notices(req(
                &admin,
                pb::ListNoticesRequest {
                    change_id: bad.clone(),
                    ..Default::default()
                },
            ))
            .await,
            "change_id:",
        );
        field(
            s.get_notice(req(&admin, pb::GetNoticeRequest { id: bad.clone() }))
                .await,
            "id:",
        );
        field(
            s.record_objection(req(
                &b_tok,
                pb::RecordObjectionRequest {
                    notice_id: bad.clone(),
                    reason: "x".into(),
                },
            ))
            .await,
            "notice_id:",
        );
        field(
            s.resolve_objection(req(
                &admin,
                pb::ResolveObjectionRequest {
                    objection_id: bad.clone(),
                    resolution: "withdrawn".into(),
                    note: String::new(),
                },
            ))
            .await,
            "objection_id:",
        );
        field(
            s.record_approval(req(
                &b_tok,
                pb::RecordApprovalRequest {
                    notice_id: bad.clone(),
                    approved: true,
                    reference: "x".into(),
                },
            ))
            .await,
            "notice_id:",
        );
        field(
            s.check_engagement(req(
                &admin,
                pb::CheckEngagementRequest {
                    subprocessor_id: sub.id.clone(),
                    controller_id: a.id.clone(),
                    at: "now".into(),
                },
            ))
            .await,
            "at:",
        );
        field(
            s.list_authorised_subprocessors(req(
                &admin,
                pb::ListAuthorisedSubprocessorsRequest {
                    controller_id: bad.clone(),
                },
            ))
            .await,
            "controller_id:",
        );

        // A change for A only: B sees none of it.
        let change = s
            .propose_change(req(
                &admin,
                pb::ProposeChangeRequest {
                    kind: "add".into(),
                    subprocessor_id: sub.id.clone(),
                    effective_on: day(0).to_string(),
                    description: "search".into(),
                    controller_ids: vec![a.id.clone()],
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(change.notices.len(), 1);
        let notice = change.notices[0].clone();
        hidden(
            s.get_change(req(
                &b_tok,
                pb::GetChangeRequest {
                    id: change.id.clone(),
                },
            ))
            .await,
            "B's view of A's change",
        );
        hidden(
            s.get_notice(req(
                &b_svc,
                pb::GetNoticeRequest {
                    id: notice.id.clone(),
                },
            ))
            .await,
            "B's view of A's notice",
        );
        hidden(
            s.record_approval(req(
                &b_tok,
                pb::RecordApprovalRequest {
                    notice_id: notice.id.clone(),
                    approved: true,
                    reference: "x".into(),
                },
            ))
            .await,
            "B approving A's notice",
        );
        // Only admins authorise: a tenant token is refused before any scoping.
        let e = s
            .authorise_subprocessor(req(
                &b_svc,
                pb::AuthoriseSubprocessorRequest {
                    controller_id: a.id.clone(),
                    subprocessor_id: sub.id.clone(),
                    reference: "x".into(),
                    effective_from: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let listed = s
            .list_notices(req(
                &b_tok,
                pb::ListNoticesRequest {
                    controller_id: a.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .notices;
        assert!(
            listed.is_empty(),
            "asking for A's notices as B lists nothing"
        );
        let mine = s
            .list_authorised_subprocessors(req(
                &b_tok,
                pb::ListAuthorisedSubprocessorsRequest {
                    controller_id: b.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(mine.notices.is_empty() && mine.current.is_empty());

        // NotificationService.
        field(
            n.get_notification(req(&admin, pb::GetNotificationRequest { id: bad.clone() }))
                .await,
            "id:",
        );
        field(
            n.list_notifications(req(
                &admin,
                pb::ListNotificationsRequest {
                    controller_id: bad.clone(),
                    ..Default::default()
                },
            ))
            .await,
            "controller_id:",
        );
        field(
            n.retry_notification(req(
                &admin,
                pb::RetryNotificationRequest {
                    id: bad.clone(),
                    reason: "x".into(),
                },
            ))
            .await,
            "id:",
        );
        let msg = notice.delivery.unwrap().id;
        hidden(
            n.get_notification(req(&b_tok, pb::GetNotificationRequest { id: msg.clone() }))
                .await,
            "B reading A's message",
        );
        let b_list = n
            .list_notifications(req(
                &b_tok,
                pb::ListNotificationsRequest {
                    controller_id: a.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .notifications;
        assert!(b_list.is_empty());
        let e = n
            .retry_notification(req(
                &admin,
                pb::RetryNotificationRequest {
                    id: msg,
                    reason: "x".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            Code::FailedPrecondition,
            "a pending message is not dead"
        );
        app.stop().await;
    }
}

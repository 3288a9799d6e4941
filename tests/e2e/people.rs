//! `PersonService`: the people who use the console. An administrator invites
//! and removes anyone; a customer's DPO the colleagues of its own tenant
//! only; an auditor reads. Every change is audited; bad input writes nothing
//! and names the field; another tenant's people are invisible and cannot be
//! removed. On both databases.

use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

type Client = pb::person_service_client::PersonServiceClient<tonic::transport::Channel>;

fn people(app: &TestApp) -> Client {
    Client::new(app.channel.clone())
}

fn invite(name: &str, email: &str, role: &str, tenant: &str) -> pb::InvitePersonRequest {
    pb::InvitePersonRequest {
        name: name.into(),
        email: email.into(),
        language: "nl".into(),
        role: role.into(),
        tenant_id: tenant.into(),
    }
}

async fn list(app: &TestApp, tok: &str, tenant: &str, include_removed: bool) -> Vec<pb::Person> {
    people(app)
        .list_people(req(
            tok,
            pb::ListPeopleRequest {
                tenant_id: tenant.into(),
                include_removed,
                page: None,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .people
}

#[tokio::test]
async fn people_are_invited_listed_and_removed_each_within_its_tenant() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Acme B.V.", "12345678").await;
        let b = app.create_controller("Beta B.V.", "87654321").await;
        let a_dpo = app.token(Role::Controller, Some(&a.id)).await;
        let b_dpo = app.token(Role::Controller, Some(&b.id)).await;
        let auditor = app.token(Role::Auditor, None).await;
        let mut c = people(&app);

        // The administrator invites the processor's privacy officer and
        // Acme's DPO.
        let petra = c
            .invite_person(req(
                &app.admin,
                invite("Petra de Vries", "Petra@Processor.example", "admin", ""),
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (
                petra.email.as_str(),
                petra.role.as_str(),
                petra.tenant_id.as_str()
            ),
            ("petra@processor.example", "admin", "")
        );
        assert!(!petra.invited_at.is_empty() && petra.removed_at.is_empty());
        let dana = c
            .invite_person(req(
                &app.admin,
                invite("Dana Prins", "dana@acme.example", "controller", &a.id),
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(dana.tenant_id, a.id);
        // Acme's DPO invites a colleague: bound to Acme whatever it asks.
        let joost = c
            .invite_person(req(
                &a_dpo,
                invite("Joost Bakker", "joost@acme.example", "controller", ""),
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(joost.tenant_id, a.id);
        let actions = app.audit_actions().await;
        assert_eq!(
            actions.iter().filter(|a| *a == "person.invite").count(),
            3,
            "{actions:?}"
        );

        // Who sees whom.
        let everyone = list(&app, &app.admin, "", false).await;
        assert_eq!(everyone.len(), 3);
        assert_eq!(list(&app, &auditor, "", false).await.len(), 3);
        let acme = list(&app, &a_dpo, "", false).await;
        assert_eq!(
            acme.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["Dana Prins", "Joost Bakker"]
        );
        // Beta's DPO sees none of Acme's people, even asking for Acme.
        assert!(list(&app, &b_dpo, &a.id, false).await.is_empty());
        assert_eq!(list(&app, &app.admin, &a.id, false).await.len(), 2);

        // Another tenant can neither invite into Acme nor remove from it.
        let e = c
            .invite_person(req(
                &b_dpo,
                invite("Eve", "eve@beta.example", "controller", &a.id),
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("tenant_id: "), "{}", e.message());
        let e = c
            .remove_person(req(
                &b_dpo,
                pb::RemovePersonRequest {
                    id: dana.id.clone(),
                    reason: "not ours".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{}", e.message());
        // A customer's DPO invites colleagues, never the processor's staff.
        let e = c
            .invite_person(req(&b_dpo, invite("Eve", "eve@beta.example", "admin", "")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("role: "), "{}", e.message());
        // An auditor reads only.
        let e = c
            .invite_person(req(
                &auditor,
                invite("Eve", "eve@processor.example", "auditor", ""),
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);

        // Acme's DPO removes its colleague, with a reason; again changes
        // nothing and is not audited again.
        let removed = c
            .remove_person(req(
                &a_dpo,
                pb::RemovePersonRequest {
                    id: joost.id.clone(),
                    reason: "left the company".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(!removed.removed_at.is_empty());
        let again = c
            .remove_person(req(
                &app.admin,
                pb::RemovePersonRequest {
                    id: joost.id.clone(),
                    reason: "twice".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(again.removed_at, removed.removed_at);
        let actions = app.audit_actions().await;
        assert_eq!(
            actions.iter().filter(|a| *a == "person.remove").count(),
            1,
            "{actions:?}"
        );
        assert_eq!(list(&app, &a_dpo, "", false).await.len(), 1);
        assert_eq!(list(&app, &a_dpo, "", true).await.len(), 2);
        // A removed person may be invited again.
        c.invite_person(req(
            &a_dpo,
            invite("Joost Bakker", "joost@acme.example", "controller", ""),
        ))
        .await
        .unwrap();
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_invitations_name_the_field_and_write_nothing() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Acme B.V.", "12345678").await;
        let mut c = people(&app);
        c.invite_person(req(
            &app.admin,
            invite("Dana Prins", "dana@acme.example", "controller", &a.id),
        ))
        .await
        .unwrap();
        let before = app.audit_actions().await.len();
        let unknown = "01a2507b-d623-7164-853d-000000000000";
        for (r, field, code) in [
            (
                invite("", "x@acme.example", "controller", &a.id),
                "name",
                Code::InvalidArgument,
            ),
            (
                invite("X", "not an address", "controller", &a.id),
                "email",
                Code::InvalidArgument,
            ),
            (
                invite("X", "x@acme.example", "owner", ""),
                "role",
                Code::InvalidArgument,
            ),
            (
                invite("X", "x@acme.example", "controller", ""),
                "tenant_id",
                Code::InvalidArgument,
            ),
            (
                invite("X", "x@acme.example", "controller", unknown),
                "tenant_id",
                Code::InvalidArgument,
            ),
            (
                invite("X", "x@acme.example", "auditor", &a.id),
                "tenant_id",
                Code::InvalidArgument,
            ),
            (
                pb::InvitePersonRequest {
                    language: "de".into(),
                    ..invite("X", "x@acme.example", "auditor", "")
                },
                "language",
                Code::InvalidArgument,
            ),
            // The same address twice for one tenant.
            (
                invite("Dana", "DANA@acme.example", "controller", &a.id),
                "email",
                Code::AlreadyExists,
            ),
        ] {
            let e = c.invite_person(req(&app.admin, r)).await.unwrap_err();
            assert_eq!(e.code(), code, "{field}: {}", e.message());
            assert!(
                e.message().starts_with(&format!("{field}: ")),
                "{field}: {}",
                e.message()
            );
            assert!(e.message().len() < 300, "{}", e.message());
        }
        for (id, reason, field) in [
            ("nope", "x", "id"),
            ("01a2507b-d623-7164-853d-ad3e5832b23f", "", "reason"),
        ] {
            let e = c
                .remove_person(req(
                    &app.admin,
                    pb::RemovePersonRequest {
                        id: id.into(),
                        reason: reason.into(),
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{}", e.message());
            assert!(
                e.message().starts_with(&format!("{field}: ")),
                "{}",
                e.message()
            );
        }
        let e = c
            .list_people(req(
                &app.admin,
                pb::ListPeopleRequest {
                    tenant_id: "acme".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("tenant_id: "), "{}", e.message());
        assert_eq!(app.audit_actions().await.len(), before, "nothing written");
        assert_eq!(list(&app, &app.admin, "", true).await.len(), 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_list_pages_by_the_order_of_invitation() {
    let db = testkit::TestDb::new(testkit::Backend::Sqlite).await;
    let app = spawn_app(&db).await;
    let mut c = people(&app);
    for k in 0..7 {
        c.invite_person(req(
            &app.admin,
            invite(
                &format!("Person {k}"),
                &format!("p{k}@processor.example"),
                "auditor",
                "",
            ),
        ))
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_people(req(
                &app.admin,
                pb::ListPeopleRequest {
                    page: Some(pb::PageRequest {
                        page_size: 3,
                        page_token: token,
                    }),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.people.into_iter().map(|p| p.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(
        seen,
        (0..7).map(|k| format!("Person {k}")).collect::<Vec<_>>()
    );
    app.stop().await;
}

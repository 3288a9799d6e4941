//! People sign in as themselves through real OpenID Providers
//! (`oidc-provider`, run as the processor's issuer and a customer's), on
//! both databases: the processor's DPO signs in and works, audited as the
//! person; a customer's DPO signs in through its own provider and sees only
//! its tenant; the wrong provider, a domain the provider does not vouch
//! for, a role claim taken away and a removed person are each refused or
//! ended; every flaw of an ID token or a sign-in's `state` is refused with
//! a clear message and an audit entry; pasting a token is the break-glass
//! administrator's alone once providers are configured.

use custodian_tests::console::Web;
use custodian_tests::oidc::{Idp, SignInWorld, staff_accounts};
use custodian_tests::*;
use proto::v1 as pb;
use serde_json::json;
use testkit::TestDb;

/// The audit entries of `action`: (actor, reason detail).
async fn entries(app: &TestApp, action: &str) -> Vec<(String, String)> {
    app.audit_events()
        .await
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            let reason = details
                .get("reason")
                .and_then(|r| r.as_str())
                .unwrap_or("")
                .to_owned();
            (e.actor_id, reason)
        })
        .collect()
}

#[tokio::test]
async fn people_sign_in_through_their_own_providers_and_nothing_else_gets_in() {
    for db in all_dbs().await {
        signing_in(&db).await;
    }
}

async fn signing_in(db: &TestDb) {
    let world = SignInWorld::start(db).await;
    let SignInWorld {
        app,
        base,
        staff,
        customer,
        dana,
        kim,
        ..
    } = &world;
    let base = base.clone();
    // The sign-in page offers both providers, and the token form only as
    // the administrators' fallback.
    let mut w = Web::at(base.clone());
    let page = w.get("/signin").await;
    assert!(page.has("Sign in with Processor account"), "{}", page.body);
    assert!(page.has("Sign in with Klant B.V. account"));
    assert!(page.has("For administrators when the identity provider cannot be reached"));

    // The processor's DPO signs in through the processor's provider and
    // works; what she does is audited as her.
    let r = staff.sign_in(&mut w, "staff", "dana").await;
    assert_eq!(r.status, 303, "{:?}: {}", db.backend, r.body);
    assert_eq!(r.header("location"), "/");
    assert!(
        w.cookie("custodian_oidc").is_none(),
        "the binding cookie is cleared"
    );
    let home = w.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.has("Dana Prins"), "{}", home.body);
    assert!(
        !home.body.contains("cst_"),
        "the credential never reaches the browser"
    );
    let r = w
        .act(
            "/people",
            "/people",
            &[
                ("name", "Piet Jansen"),
                ("email", "piet@processor.example"),
                ("language", "nl"),
                ("role", "auditor"),
                ("tenant_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let dana_actor = format!("person:{}", dana.id);
    assert!(
        entries(app, "person.sign_in")
            .await
            .iter()
            .any(|(a, _)| *a == dana_actor)
    );
    assert!(
        entries(app, "person.invite")
            .await
            .iter()
            .any(|(a, _)| *a == dana_actor),
        "the invitation is audited as Dana"
    );
    // The audit log names her, not an id.
    let log = w.get("/audit").await;
    assert!(
        log.visible()
            .contains("signed in through an identity provider"),
        "{}",
        log.visible()
    );
    assert!(log.visible().contains("Dana Prins"));
    assert!(!log.visible().contains("person:"), "{}", log.visible());
    // Her session's credential is no machine token in the token list.
    assert!(
        app.token_list()
            .await
            .iter()
            .all(|t| t.name != "Dana Prins")
    );

    // The provider rotates its signing key: the service, holding the old
    // key set, fetches the keys again and accepts the new signature.
    staff.tamper(json!({"rotate": true})).await;
    let mut rot = Web::at(base.clone());
    let r = staff.sign_in(&mut rot, "staff", "dana").await;
    assert_eq!(r.status, 303, "signed with a rotated key: {}", r.body);
    let r = staff.sign_in(&mut rot, "staff", "dana").await;
    assert_eq!(
        r.status, 303,
        "and again, with the keys now known: {}",
        r.body
    );
    staff.tamper(json!({"rotate": false})).await;
    // Signing out ends the session's credential, audited as her.
    let home = rot.get("/").await;
    assert_eq!(home.status, 200);
    let r = rot.post("/signout", &[("csrf", &home.csrf())]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(rot.get("/").await.status, 303, "signed out");
    assert!(
        entries(app, "person.sign_out")
            .await
            .iter()
            .any(|(a, _)| *a == dana_actor)
    );

    // A customer's DPO signs in through the customer's provider and sees
    // only its own tenant.
    let mut k = Web::at(base.clone());
    let r = customer.sign_in(&mut k, "klant", "kim").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let agreements = k.get("/agreements").await;
    assert_eq!(agreements.status, 200);
    assert!(agreements.has("Klant B.V."));
    assert!(!agreements.has("Ander B.V."), "{}", agreements.body);
    assert!(
        entries(app, "person.sign_in")
            .await
            .iter()
            .any(|(a, _)| *a == format!("person:{}", kim.id))
    );

    // Refused, each with a message and an audit entry naming why.
    let refused = async |idp: &Idp, id: &str, login: &str, words: &str, reason: &str| {
        let mut b = Web::at(base.clone());
        let r = idp.sign_in(&mut b, id, login).await;
        assert!(
            matches!(r.status, 400 | 403),
            "{login} via {id}: {} {}",
            r.status,
            r.body
        );
        assert!(
            r.visible().contains(words),
            "{login} via {id}: {}",
            r.visible()
        );
        assert!(b.cookie("custodian_console").is_none());
        assert!(
            entries(app, "person.sign_in_refused")
                .await
                .iter()
                .any(|(_, why)| why == reason),
            "{reason} audited"
        );
    };
    // A customer with a provider of its own does not sign in through the
    // processor's, even with the same address.
    refused(
        staff,
        "staff",
        "kim-at-staff",
        "does not sign in through this identity provider",
        "provider_not_trusted",
    )
    .await;
    // The customer's provider does not vouch for gmail addresses.
    refused(
        customer,
        "klant",
        "kim-gmail",
        "does not vouch for addresses of your e-mail domain",
        "domain_not_vouched",
    )
    .await;
    // An address the provider has not verified.
    refused(
        staff,
        "staff",
        "unverified",
        "has not verified your e-mail address",
        "unverified_email",
    )
    .await;

    // Flaws of the ID token, each refused.
    for (change, words, reason) in [
        (
            json!({"claims": {"aud": "another-application"}}),
            "issued for another application",
            "wrong_audience",
        ),
        (json!({"expired": true}), "has expired", "expired"),
        (
            json!({"unsigned": true}),
            "is not signed with one of its keys",
            "bad_signature",
        ),
        (
            json!({"claims": {"nonce": "the-nonce-of-another-sign-in"}}),
            "belongs to another sign-in",
            "bad_nonce",
        ),
    ] {
        staff.tamper(change.clone()).await;
        let mut b = Web::at(base.clone());
        let r = staff.sign_in(&mut b, "staff", "dana").await;
        assert!(
            matches!(r.status, 403 | 400),
            "{change}: {} {}",
            r.status,
            r.body
        );
        assert!(r.visible().contains(words), "{change}: {}", r.visible());
        assert!(b.cookie("custodian_console").is_none());
        assert!(
            entries(app, "person.sign_in_refused")
                .await
                .iter()
                .any(|(_, why)| why == reason),
            "{reason}"
        );
    }

    // A bad or replayed `state`: the provider's answer is good once, and
    // only in the browser that began.
    let mut b = Web::at(base.clone());
    let back = staff.to_callback(&mut b, "staff", "dana", true).await;
    let mut thief = Web::at(base.clone());
    let r = thief.get(&back).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.visible()
            .contains("unknown, was already used or has expired")
    );
    let r = b.get(&back).await;
    assert_eq!(
        r.status, 400,
        "the attempt was spent by the first try: {}",
        r.body
    );
    let r = b.get("/signin/callback?state=made-up&code=made-up").await;
    assert_eq!(r.status, 400);
    assert!(
        entries(app, "person.sign_in_refused")
            .await
            .iter()
            .filter(|(_, why)| why == "bad_state")
            .count()
            >= 3
    );

    // Without the second factor the processor's provider insists on.
    let mut b = Web::at(base.clone());
    let back = staff.to_callback(&mut b, "staff", "dana", false).await;
    let r = b.get(&back).await;
    assert_eq!(r.status, 403);
    assert!(r.visible().contains("needs a stronger authentication"));

    // Kim is removed: her session ends at once.
    app.people()
        .remove_person(req(
            &app.admin,
            pb::RemovePersonRequest {
                id: kim.id.clone(),
                reason: "left Klant B.V.".into(),
            },
        ))
        .await
        .expect("remove");
    let r = k.get("/agreements").await;
    assert_eq!(r.status, 303, "a removed person's session ends");
    assert!(r.header("location").starts_with("/signin?ended=1"));
    let mut again = Web::at(base.clone());
    let r = customer.sign_in(&mut again, "klant", "kim").await;
    assert_eq!(r.status, 403, "a removed person cannot sign in: {}", r.body);

    // Dana's role claim is taken away at the provider: her next sign-in is
    // refused and the session she had ends.
    staff.accounts(staff_accounts(json!(["sales"]))).await;
    let mut b = Web::at(base.clone());
    let r = staff.sign_in(&mut b, "staff", "dana").await;
    assert_eq!(r.status, 403);
    assert!(
        r.visible().contains("no longer grants you access"),
        "{}",
        r.visible()
    );
    let r = w.get("/").await;
    assert_eq!(r.status, 303, "Dana's open session ended with her role");

    // Pasting a token: the administrators' break-glass path only.
    let auditor = app.token(auth::Role::Auditor, None).await;
    let mut p = Web::at(base.clone());
    let r = p.sign_in(&auditor).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.visible()
            .contains("Signing in with a token is switched off")
    );
    let r = p.sign_in(&app.admin).await;
    assert_eq!(r.status, 303, "break-glass: {}", r.body);

    // Failed sign-ins are throttled per address: past the limit, even a
    // good one waits.
    let mut b = Web::at(base.clone());
    let mut throttled = false;
    for _ in 0..=controllers::signin::MAX_FAILURES {
        let r = b.get("/signin/callback?state=guess&code=guess").await;
        if r.status == 429 {
            assert!(
                r.visible().contains("many failed sign-ins"),
                "{}",
                r.visible()
            );
            throttled = true;
            break;
        }
    }
    assert!(throttled, "failed sign-ins are throttled");
    assert!(
        entries(app, "person.sign_in_refused")
            .await
            .iter()
            .any(|(_, why)| why == "throttled")
    );
    world.app.stop().await;
}

/// The split deployment: the console in the core process, the sign-in and
/// the people there, obligations from another process; on PostgreSQL
/// each process as its own login role, so the session is minted by the
/// controllers' role through the owner's function.
#[tokio::test]
async fn a_person_signs_in_to_the_split_deployment() {
    for db in all_dbs().await {
        let console = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind console");
        let base = format!("http://{}", console.local_addr().unwrap());
        let staff = Idp::start(
            &format!("{base}/signin/callback"),
            staff_accounts(json!(["custodian-admins"])),
        )
        .await;
        let provider = custodian_tests::oidc::provider("staff", "Processor account", &staff);
        let app = custodian_tests::split::spawn_split_tuned(&db, console, |c| {
            c.sign_in.providers = vec![provider.clone()];
        })
        .await;
        let dana = app
            .people()
            .invite_person(req(
                &app.admin,
                pb::InvitePersonRequest {
                    name: "Dana Prins".into(),
                    email: "dana@processor.example".into(),
                    language: "en".into(),
                    role: "admin".into(),
                    tenant_id: String::new(),
                },
            ))
            .await
            .expect("invite")
            .into_inner();
        let mut w = Web::at(base.clone());
        let page = w.get("/signin").await;
        assert!(
            !page.has("name=\"token\""),
            "no token form once a provider is configured"
        );
        let r = staff.sign_in(&mut w, "staff", "dana").await;
        assert_eq!(r.status, 303, "{:?}: {}", db.backend, r.body);
        // The dashboard: obligations from the processing process.
        let home = w.get_settled("/").await;
        assert_eq!(home.status, 200, "{}", home.body);
        assert!(home.has("Dana Prins"));
        assert_eq!(w.get("/people").await.status, 200);
        app.people()
            .remove_person(req(
                &app.admin,
                pb::RemovePersonRequest {
                    id: dana.id.clone(),
                    reason: "left".into(),
                },
            ))
            .await
            .expect("remove");
        assert_eq!(
            w.get("/").await.status,
            303,
            "a removed person's session ends"
        );
        app.stop().await;
    }
}

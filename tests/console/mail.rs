//! The console's e-mail pages, as people use them, on both databases, with
//! people signed in through a real OpenID Provider and a real SMTP server
//! (aiosmtpd): a person chooses its alerts, digest time and language (a
//! bad value comes back beside its field, the boxes as ticked); who
//! receives what warns about the customer a topic reaches no one for, and
//! a customer's DPO sees its own customer only; an alert's link opens the
//! right page for a signed-in person; a mail the relay refused is shown as
//! given up and sent again with a reason.

use std::time::Duration;

use custodian_tests::console::Web;
use custodian_tests::oidc::SignInWorld;
use custodian_tests::smtp::Sink;
use custodian_tests::*;
use proto::v1 as pb;

#[tokio::test]
async fn people_choose_their_alerts_see_who_receives_what_and_send_a_given_up_mail_again() {
    for db in all_dbs().await {
        let world = SignInWorld::start(&db).await;
        let app = &world.app;
        // The relay refuses Dana's mail; Ada's (the auditor) it takes.
        let sink = Sink::start(Some("^dana@"), 0);
        let mut cfg = app.config.clone();
        cfg.mail = sink.config(&world.base);
        custodian::worker::once(&cfg)
            .await
            .expect("the event reader starts");
        // Ada, the auditor, wants the breaches only and no digest (her
        // session minted as the sign-in does; she is not this test's
        // subject).
        let ada_id = app
            .people()
            .list_people(req(&app.admin, pb::ListPeopleRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .people
            .into_iter()
            .find(|p| p.name == "Ada")
            .unwrap()
            .id;
        let owner = app.db().await;
        let (_, ada) = auth::tokens::start_person_session(
            &owner,
            &ada_id,
            chrono::Utc::now() + chrono::Duration::hours(1),
        )
        .await
        .unwrap()
        .unwrap();
        app.people()
            .set_preferences(req(
                &ada,
                pb::SetPreferencesRequest {
                    alerts: vec!["breaches".into()],
                    digest_at: String::new(),
                    language: "en".into(),
                },
            ))
            .await
            .expect("Ada's choice");

        let mut dana = Web::at(world.base.clone());
        let r = world.staff.sign_in(&mut dana, "staff", "dana").await;
        assert_eq!(r.status, 303, "{}", r.body);

        // My notifications, in English (Dana's language).
        let p = dana.get("/me/notifications").await;
        assert_eq!(p.status, 200, "{}", p.body);
        let v = p.visible();
        for words in [
            "My notifications",
            "dana@processor.example",
            "Alert me about",
            "Data breaches",
            "Webhook messages given up",
            "Daily digest at (Amsterdam time)",
            "This installation sends no e-mail yet",
        ] {
            assert!(v.contains(words), "{words}: {v}");
        }
        assert!(p.visible_uuids().is_empty(), "{:?}", p.visible_uuids());
        assert!(
            p.has("value=\"08:00\" selected") || p.has("value=\"08:00\"\n"),
            "the default digest time is chosen"
        );

        // A time that is no time: the page comes back with the reason
        // beside the field and the boxes as ticked; nothing changed.
        let csrf = p.csrf();
        let bad = dana
            .post(
                "/me/notifications",
                &[
                    ("csrf", &csrf),
                    ("alerts", "breaches"),
                    ("alerts", "requests"),
                    ("digest_at", "7 uur"),
                    ("language", "nl"),
                ],
            )
            .await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert!(
            bad.visible()
                .contains("expected a time of day as HH:MM, got"),
            "{}",
            bad.visible()
        );
        assert!(
            bad.has("value=\"requests\" checked")
                || bad.body.contains("value=\"requests\"\n  checked"),
            "the boxes come back as ticked"
        );
        assert!(!bad.has("value=\"switching\" checked"));
        // Every topic but the agreements, the digest at 07:30, in Dutch.
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        for t in [
            "breaches",
            "requests",
            "subprocessors",
            "switching",
            "webhooks",
        ] {
            form.push(("alerts", t));
        }
        form.extend([("digest_at", "07:30"), ("language", "nl")]);
        let saved = dana.post("/me/notifications", &form).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let to = saved.header("location").to_owned();
        assert_eq!(to, "/lang/nl?back=/me/notifications");
        let back = dana.get(&to).await;
        assert_eq!(back.status, 303);
        let p = dana.get("/me/notifications").await;
        let v = p.visible();
        assert!(
            v.contains("Mijn meldingen") && v.contains("Uw keuzes zijn opgeslagen."),
            "{v}"
        );
        assert!(
            v.contains("Stuur mij meldingen over") && v.contains("Datalekken"),
            "{v}"
        );
        let mine = app
            .people()
            .list_people(req(&app.admin, pb::ListPeopleRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .people;
        assert_eq!(
            mine.iter()
                .find(|p| p.name == "Dana Prins")
                .unwrap()
                .language,
            "nl"
        );

        // Who receives what: the customers' agreements reach Kim for Klant
        // B.V. (all her topics are on) and no one for Ander B.V.
        let who = dana.get("/people/recipients").await;
        assert_eq!(who.status, 200, "{}", who.body);
        let v = who.visible();
        assert!(v.contains("Wie ontvangt wat"), "{v}");
        assert!(
            v.contains("Niemand krijgt meldingen over deze onderwerpen"),
            "{v}"
        );
        assert!(v.contains("Ander B.V. (verwerkersovereenkomsten)"), "{v}");
        assert!(!v.contains("Klant B.V. (verwerkersovereenkomsten)"), "{v}");
        assert!(v.contains("niemand"));
        assert!(who.visible_uuids().is_empty());
        // Kim, Klant B.V.'s DPO, sees her own customer only.
        let mut kim = Web::at(world.base.clone());
        let r = world.customer.sign_in(&mut kim, "klant", "kim").await;
        assert_eq!(r.status, 303, "{}", r.body);
        let theirs = kim.get("/people/recipients").await;
        assert_eq!(theirs.status, 200, "{}", theirs.body);
        assert!(theirs.visible().contains("Klant B.V."));
        assert!(!theirs.visible().contains("Ander B.V."));
        // E-mails are the processor's administrators' page.
        assert_eq!(kim.get("/mail").await.status, 403);
        assert!(!kim.get("/").await.has("href=\"/mail\""));

        // An incident: the report is mailed to the staff. The relay
        // refuses Dana's mails until they are given up; Ada's arrive.
        let incident = app
            .breaches()
            .report_incident(req(
                &app.admin,
                pb::ReportIncidentRequest {
                    discovered_at: proto::wire::timestamp(store::truncate_micros(
                        chrono::Utc::now(),
                    )),
                    discovered_by: "SOC".into(),
                    description: "A laptop with exported CVs was stolen".into(),
                    systems: vec!["laptop".into()],
                    internal_notes: String::new(),
                },
            ))
            .await
            .expect("incident")
            .into_inner();
        let mut dead = 0;
        for _ in 0..30 {
            dead += custodian::worker::once(&cfg)
                .await
                .unwrap()
                .mail
                .unwrap()
                .sent
                .dead;
            if dead >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(dead, 2, "Dana's report and clock alert were given up");
        let got = sink.wait_for(2, Duration::from_secs(10)).await;
        let ada: Vec<_> = got
            .iter()
            .filter(|m| m.to == vec!["aud@processor.example".to_string()])
            .collect();
        assert_eq!(
            ada.len(),
            2,
            "{:?}",
            got.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        // The link in the mail opens the incident's page for a signed-in
        // person (Dana, whose session it is; Ada never signed in).
        let link = format!("{}/breaches/{}", world.base, incident.id);
        assert!(
            ada.iter()
                .all(|m| m.text.contains(&link) && m.html.contains(&link))
        );
        let page = dana.get(link.strip_prefix(&world.base).unwrap()).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.visible()
                .contains("A laptop with exported CVs was stolen"),
            "{}",
            page.visible()
        );
        // Without a session, the link asks for a sign-in first.
        let mut stranger = Web::at(world.base.clone());
        let r = stranger.get(link.strip_prefix(&world.base).unwrap()).await;
        assert!(matches!(r.status, 303 | 302 | 401), "{}", r.status);

        // The administrator's E-mails page, in Dutch: given up, with the
        // relay's answer, and sent again with a reason.
        let list = dana.get("/mail?status=dead").await;
        assert_eq!(list.status, 200, "{}", list.body);
        let v = list.visible();
        assert!(
            v.contains("E-mails aan mensen") && v.contains("opgegeven"),
            "{v}"
        );
        assert!(v.contains("550"), "the relay's answer: {v}");
        assert!(v.contains("Dana Prins"), "{v}");
        assert!(
            list.visible_uuids().is_empty(),
            "{:?}",
            list.visible_uuids()
        );
        let csrf = list.csrf();
        let id = {
            let at = list.body.find("name=\"id\"").expect("the retry form");
            let rest = &list.body[at..];
            let v = rest.find("<option value=\"").unwrap() + 15;
            rest[v..v + 36].to_owned()
        };
        let refused = dana
            .post(
                "/mail/retry",
                &[("csrf", &csrf), ("id", &id), ("reason", "")],
            )
            .await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(
            refused.visible().contains("mag niet leeg zijn"),
            "{}",
            refused.visible()
        );
        let ok = dana
            .post(
                "/mail/retry",
                &[
                    ("csrf", &csrf),
                    ("id", &id),
                    ("reason", "Dana's mailbox is reachable again"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let after = dana.get("/mail").await;
        assert!(
            after
                .visible()
                .contains("De e-mail wordt opnieuw verstuurd."),
            "{}",
            after.visible()
        );
        assert!(
            app.audit_actions()
                .await
                .contains(&"mail.retry".to_string())
        );
        world.app.stop().await;
    }
}

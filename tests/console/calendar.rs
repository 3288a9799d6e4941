//! A person's calendar feed, read by an independent iCalendar parser
//! (Python's `icalendar`, tests/calendar/parse.py, from the venv `make
//! verifier-deps` makes), on both databases: valid; the same UIDs across
//! refreshes; a day deadline as an all-day event with alarms a week and a
//! day before; a breach's hour clock as a timed event in Europe/Amsterdam
//! with alarms 24, 6 and 1 hour before; a customer's DPO never sees
//! another customer's obligations; a replaced address answers 404, and so
//! does a removed person's.

use custodian_tests::console::Web;
use custodian_tests::oidc::SignInWorld;
use custodian_tests::*;
use proto::v1 as pb;
use serde_json::Value;

/// The feed as the independent parser reads it.
fn parse(ics: &str) -> Value {
    use std::io::Write;
    let mut child = std::process::Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/calendar/parse.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the feed does not parse: {}\n{ics}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Makes the signed-in person a new feed address on /calendar; its https
/// form, as a path of the console.
async fn new_address(w: &mut Web) -> String {
    let page = w.get("/calendar").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let r = w.post("/calendar", &[("csrf", &page.csrf())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.visible().contains("Your new calendar address")
            || r.visible().contains("Uw nieuwe agenda-adres")
    );
    assert!(r.body.contains("webcal://"), "a webcal address");
    assert!(r.header("cache-control").contains("no-store"));
    let https = format!("{}/calendar/", w.base);
    let i = r.body.find(&https).expect("the https address");
    let rest = &r.body[i + w.base.len()..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

async fn events(w: &mut Web, path: &str) -> Value {
    let r = w.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    assert!(r.header("content-type").starts_with("text/calendar"));
    parse(&r.body)
}

fn uids(v: &Value) -> Vec<String> {
    let mut u: Vec<String> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uid"].as_str().unwrap().to_owned())
        .collect();
    u.sort();
    u
}

#[tokio::test]
async fn a_persons_calendar_feed_is_valid_stable_private_and_revocable() {
    for db in all_dbs().await {
        let world = SignInWorld::start(&db).await;
        let app = &world.app;
        // Obligations: an agreement for each customer (day deadlines) and
        // an incident awaiting assessment (an hour clock, the processor's).
        for c in [&world.klant, &world.other] {
            let a = app
                .agreements()
                .create_agreement(req(
                    &app.admin,
                    pb::CreateAgreementRequest {
                        controller_id: c.id.clone(),
                        terms: Some(valid_terms()),
                    },
                ))
                .await
                .expect("agreement")
                .into_inner();
            app.agreements()
                .activate_agreement(req(
                    &app.admin,
                    pb::AgreementTransitionRequest {
                        id: a.id,
                        reason: "signed".into(),
                    },
                ))
                .await
                .expect("activate");
        }
        let incident = pb::breach_service_client::BreachServiceClient::new(app.channel.clone())
            .report_incident(req(
                &app.admin,
                pb::ReportIncidentRequest {
                    discovered_at: proto::wire::timestamp(store::truncate_micros(
                        chrono::Utc::now(),
                    )),
                    discovered_by: "SOC".into(),
                    description: "Jan Jansen's CV was mailed to the wrong address".into(),
                    systems: vec!["mail".into()],
                    internal_notes: String::new(),
                },
            ))
            .await
            .expect("incident")
            .into_inner();

        // The processor's DPO: every customer, and the incident's clock.
        let mut dana = Web::at(world.base.clone());
        let r = world.staff.sign_in(&mut dana, "staff", "dana").await;
        assert_eq!(r.status, 303, "{}", r.body);
        let path = new_address(&mut dana).await;
        let mut cal = Web::at(world.base.clone());
        let feed = events(&mut cal, &path).await;
        assert_eq!(feed["timezones"], serde_json::json!(["Europe/Amsterdam"]));
        let all = feed["events"].as_array().unwrap();
        assert!(
            all.iter()
                .any(|e| e["summary"].as_str().unwrap().contains("(Klant B.V.)"))
        );
        assert!(
            all.iter()
                .any(|e| e["summary"].as_str().unwrap().contains("(Ander B.V.)"))
        );
        let day = all
            .iter()
            .find(|e| e["start"]["kind"] == "date")
            .expect("a day deadline");
        assert_eq!(day["alarms"], serde_json::json!([-604800, -86400]), "{day}");
        let clock = all
            .iter()
            .find(|e| e["start"]["kind"] == "time")
            .expect("the incident's hour clock");
        assert_eq!(clock["start"]["tzid"], "Europe/Amsterdam");
        assert_eq!(
            clock["alarms"],
            serde_json::json!([-86400, -21600, -3600]),
            "{clock}"
        );
        assert!(
            clock["url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}/breaches/", world.base))
        );
        // No data subject's details: the incident's description stays out.
        let text = feed.to_string();
        assert!(!text.contains("Jan Jansen"), "{text}");
        // A refresh: the same events, the same UIDs.
        let again = events(&mut cal, &path).await;
        assert_eq!(uids(&again), uids(&feed));
        assert!(!uids(&feed).is_empty());

        // The incident is dismissed: its clock is served once more, as
        // cancelled (so the calendar program takes it out), without alarms.
        pb::breach_service_client::BreachServiceClient::new(app.channel.clone())
            .assess_incident(req(
                &app.admin,
                pb::AssessIncidentRequest {
                    incident_id: incident.id.clone(),
                    decision: "dismiss".into(),
                    dismissal_basis: "not_a_security_incident".into(),
                    dismissal_reason: "the address was our own".into(),
                    assessment: None,
                },
            ))
            .await
            .expect("dismiss");
        let after = events(&mut cal, &path).await;
        let was = clock["uid"].as_str().unwrap();
        let done = after["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["uid"] == was)
            .expect("the done clock is still served");
        assert_eq!(done["status"], "CANCELLED", "{done}");
        assert_eq!(done["alarms"], serde_json::json!([]), "{done}");
        assert_eq!(
            uids(&after),
            uids(&feed),
            "the same UIDs, one of them cancelled"
        );

        // A new address stops the old one.
        let newer = new_address(&mut dana).await;
        assert_ne!(newer, path);
        assert_eq!(cal.get(&path).await.status, 404);
        assert_eq!(uids(&events(&mut cal, &newer).await), uids(&feed));
        let bad = app
            .people()
            .sync_calendar_feed(req(
                &app.admin,
                pb::SyncCalendarFeedRequest { events: vec![] },
            ))
            .await
            .expect_err("only a feed's own token records what it served");
        assert_eq!(bad.code(), tonic::Code::PermissionDenied);
        // Bad input from the feed's own token names the field.
        let feed_token = newer
            .trim_start_matches("/calendar/")
            .split(".ics")
            .next()
            .unwrap()
            .to_owned();
        let bad = app
            .people()
            .sync_calendar_feed(req(
                &feed_token,
                pb::SyncCalendarFeedRequest {
                    events: vec![pb::CalendarEvent {
                        uid: "x@custodian".into(),
                        summary: "x".into(),
                        start: "next tuesday".into(),
                        url: String::new(),
                    }],
                },
            ))
            .await
            .expect_err("a start that is no date");
        assert_eq!(bad.code(), tonic::Code::InvalidArgument);
        assert!(
            bad.message().starts_with("events.start:"),
            "{}",
            bad.message()
        );

        // Klant's DPO (Dutch): its own company only, no processor clock.
        let mut kim = Web::at(world.base.clone());
        let r = world.customer.sign_in(&mut kim, "klant", "kim").await;
        assert_eq!(r.status, 303, "{}", r.body);
        let kim_path = new_address(&mut kim).await;
        let k = events(&mut cal, &kim_path).await;
        let ks = k["events"].as_array().unwrap();
        assert!(!ks.is_empty());
        assert!(
            ks.iter()
                .all(|e| e["summary"].as_str().unwrap().contains("(Klant B.V.)")),
            "{k}"
        );
        assert!(ks.iter().all(|e| e["start"]["kind"] == "date"), "{k}");
        // Removed, the address ends with the person.
        app.people()
            .remove_person(req(
                &app.admin,
                pb::RemovePersonRequest {
                    id: world.kim.id.clone(),
                    reason: "left".into(),
                },
            ))
            .await
            .expect("remove");
        assert_eq!(cal.get(&kim_path).await.status, 404);
        // A made-up address is 404.
        assert_eq!(cal.get("/calendar/cst_madeup.ics").await.status, 404);
        assert_eq!(cal.get("/calendar/anything").await.status, 404);
        // The page for a pasted token's session explains instead.
        let mut paste = Web::signed_in(app, &app.admin).await;
        let page = paste.get("/calendar").await;
        assert!(page.visible().contains("A calendar feed is a person's own"));
        assert!(
            app.audit_actions()
                .await
                .iter()
                .any(|a| a == "person.calendar_reset")
        );
        world.app.stop().await;
    }
}

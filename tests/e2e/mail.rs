//! E-mail to people (issue 32) through a real SMTP server (aiosmtpd, see
//! `support::smtp`), on both databases: alerts at thresholds, event mails
//! and daily digests arrive once, in Dutch for a Dutch person and in
//! English for an English one, as plain text and HTML with links into the
//! console and the rule and citation; a customer's DPO hears of its own
//! customer only; an alert whose obligation is done before it is sent is
//! withdrawn; a relay that refuses is retried, then the mail is a dead
//! letter an administrator sees and sends again. Preferences: a person sets
//! its own (bad input names the field, nothing written); who receives what
//! shows the customer no one watches.

use std::collections::HashSet;
use std::time::Duration;

use auth::Role;
use chrono::Utc;
use custodian_tests::smtp::{Received, Sink};
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

const CONSOLE: &str = "https://console.custodian.test";

fn wire(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn invite(
    app: &TestApp,
    name: &str,
    email: &str,
    lang: &str,
    role: &str,
    tenant: &str,
) -> pb::Person {
    app.people()
        .invite_person(req(
            &app.admin,
            pb::InvitePersonRequest {
                name: name.into(),
                email: email.into(),
                language: lang.into(),
                role: role.into(),
                tenant_id: tenant.into(),
            },
        ))
        .await
        .expect("invite")
        .into_inner()
}

/// A session of the person, minted as the sign-in does (the owner's
/// function), without the provider round trip this test is not about.
async fn session_of(app: &TestApp, person: &str) -> String {
    let db = app.db().await;
    let (_, secret) =
        auth::tokens::start_person_session(&db, person, Utc::now() + chrono::Duration::hours(1))
            .await
            .expect("session")
            .expect("a live person");
    secret
}

async fn set_prefs(
    app: &TestApp,
    token: &str,
    alerts: &[&str],
    digest: &str,
    lang: &str,
) -> Result<pb::PersonPreferences, tonic::Status> {
    app.people()
        .set_preferences(req(
            token,
            pb::SetPreferencesRequest {
                alerts: alerts.iter().map(|s| s.to_string()).collect(),
                digest_at: digest.into(),
                language: lang.into(),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// A subject's access request to `tenant` received 26 days ago: a week
/// left of its month.
async fn request_with_a_week_left(app: &TestApp, tenant: &str) -> pb::DataSubjectRequest {
    app.requests()
        .create_request(req(
            &app.admin,
            pb::CreateRequestRequest {
                controller_id: tenant.into(),
                r#type: "access".into(),
                channel: "controller_instruction".into(),
                received_at: wire(store::truncate_micros(
                    Utc::now() - chrono::Duration::days(26),
                )),
                subject: Some(pb::SubjectIdentifiers {
                    email: "sanne@example.nl".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .await
        .expect("request")
        .into_inner()
}

async fn report(app: &TestApp, hours_ago: i64) -> pb::Incident {
    app.breaches()
        .report_incident(req(
            &app.admin,
            pb::ReportIncidentRequest {
                discovered_at: wire(store::truncate_micros(
                    Utc::now() - chrono::Duration::hours(hours_ago),
                )),
                discovered_by: "SOC on-call".into(),
                description: "Mailbox of a recruiter forwarded to an outside address".into(),
                systems: vec!["mail".into()],
                internal_notes: String::new(),
            },
        ))
        .await
        .expect("report")
        .into_inner()
}

fn config(app: &TestApp, sink: &Sink) -> custodian::Config {
    let mut c = app.config.clone();
    c.mail = sink.config(CONSOLE);
    c
}

async fn emails(app: &TestApp, status: &str) -> Vec<pb::Email> {
    app.notifications()
        .list_emails(req(
            &app.admin,
            pb::ListEmailsRequest {
                status: status.into(),
                page: None,
            },
        ))
        .await
        .expect("list emails")
        .into_inner()
        .emails
}

fn to<'a>(got: &'a [Received], address: &str) -> Vec<&'a Received> {
    got.iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .collect()
}

#[tokio::test]
async fn alerts_events_and_digests_reach_each_person_once_in_its_language() {
    for db in all_dbs().await {
        let sink = Sink::start(None, 0);
        let app = spawn_app(&db).await;
        let cfg = config(&app, &sink);
        let (acme, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (beta, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        // The first round starts reading the audit log at its end: nothing
        // that happened before e-mail was switched on is mailed.
        let first = custodian::worker::once(&cfg).await.expect("first round");
        assert_eq!(first.mail.as_ref().unwrap().sent.claimed, 0);
        let petra = invite(
            &app,
            "Petra de Vries",
            "petra@processor.example",
            "en",
            "admin",
            "",
        )
        .await;
        let kim = invite(
            &app,
            "Kim Jansen",
            "kim@acme.example",
            "nl",
            "controller",
            &acme.id,
        )
        .await;
        let bo = invite(
            &app,
            "Bo Bakker",
            "bo@beta.example",
            "nl",
            "controller",
            &beta.id,
        )
        .await;
        let (petra_s, kim_s, bo_s) = (
            session_of(&app, &petra.id).await,
            session_of(&app, &kim.id).await,
            session_of(&app, &bo.id).await,
        );

        // Preferences: each person its own. Defaults first: every topic
        // its role may receive, a digest at 08:00.
        let mine = app
            .people()
            .get_preferences(req(&kim_s, pb::GetPreferencesRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(mine.alerts, mine.available);
        assert!(!mine.available.contains(&"webhooks".to_string()));
        assert_eq!(
            (
                mine.digest_at.as_str(),
                mine.language.as_str(),
                mine.email_configured
            ),
            ("08:00", "nl", false)
        );
        // Bad input names the field and writes nothing.
        for (alerts, digest, lang, field) in [
            (&["breach"][..], "", "nl", "alerts"),
            (&["webhooks"][..], "", "nl", "alerts"),
            (&[][..], "8 uur", "nl", "digest_at"),
            (&[][..], "", "fr", "language"),
        ] {
            let e = set_prefs(&app, &kim_s, alerts, digest, lang)
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument);
            assert!(
                e.message().starts_with(&format!("{field}:")),
                "{}",
                e.message()
            );
        }
        assert_eq!(
            app.people()
                .get_preferences(req(&kim_s, pb::GetPreferencesRequest {}))
                .await
                .unwrap()
                .into_inner()
                .alerts,
            mine.alerts
        );
        // A token that is no person's has no preferences.
        let e = app
            .people()
            .get_preferences(req(&app.admin, pb::GetPreferencesRequest {}))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        // The digest at midnight is due at any time of day; the
        // agreements' notice dates (a week away in the test terms) are
        // left to the digest; Bo hears nothing.
        let all = [
            "breaches",
            "requests",
            "subprocessors",
            "switching",
            "webhooks",
        ];
        set_prefs(&app, &petra_s, &all, "00:00", "en")
            .await
            .unwrap();
        set_prefs(&app, &kim_s, &all[..4], "00:00", "nl")
            .await
            .unwrap();
        set_prefs(&app, &bo_s, &[], "", "nl").await.unwrap();
        assert!(
            app.audit_actions()
                .await
                .iter()
                .filter(|a| *a == "person.preferences")
                .count()
                >= 3
        );

        // Who receives what: no one is alerted about the customers'
        // agreements (the view warns); Beta's requests only the staff
        // hear of; a customer's DPO sees its own customer only.
        let who = app
            .people()
            .list_recipients(req(&app.admin, pb::ListRecipientsRequest {}))
            .await
            .unwrap()
            .into_inner();
        let acme_row = who.tenants.iter().find(|t| t.tenant_id == acme.id).unwrap();
        assert_eq!(acme_row.tenant_name, "Acme B.V.");
        let requests = acme_row
            .topics
            .iter()
            .find(|t| t.topic == "requests")
            .unwrap();
        assert_eq!(requests.names, vec!["Kim Jansen", "Petra de Vries"]);
        assert_eq!(acme_row.unwatched, vec!["agreements"]);
        let beta_row = who.tenants.iter().find(|t| t.tenant_id == beta.id).unwrap();
        let requests = beta_row
            .topics
            .iter()
            .find(|t| t.topic == "requests")
            .unwrap();
        assert_eq!(requests.names, vec!["Petra de Vries"]);
        assert_eq!(
            who.processor.as_ref().unwrap().unwatched,
            Vec::<String>::new()
        );
        let theirs = app
            .people()
            .list_recipients(req(&bo_s, pb::ListRecipientsRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(theirs.tenants.len(), 1);
        assert_eq!(theirs.tenants[0].tenant_id, beta.id);
        assert!(theirs.processor.is_none());

        // What needs people now: an incident discovered 20 hours ago (its
        // 24-hour clock has 4 hours left), a second one, and Acme's
        // request received 26 days ago (a week left of its month).
        let inc = report(&app, 20).await;
        let gone = report(&app, 20).await;
        let dsr = request_with_a_week_left(&app, &acme.id).await;

        // Plan, then the second incident is dismissed before anything is
        // sent: its alert is withdrawn, not sent.
        let a =
            custodian::assembly::Assembly::build(&cfg, custodian::parse_targets("all").unwrap())
                .await
                .unwrap();
        let custodian::assembly::MailJobs {
            planner, mailer, ..
        } = a.mail_jobs(&cfg).await.unwrap().expect("mail is on");
        let planned = planner.run_once(store::now_micros()).await.unwrap();
        assert_eq!(
            (planned.alerts, planned.events, planned.digests),
            (4, 2, 2),
            "two incidents and the request to Petra, the request to Kim; two reports to Petra; two digests: {planned:?}"
        );
        app.breaches()
            .assess_incident(req(
                &app.admin,
                pb::AssessIncidentRequest {
                    incident_id: gone.id.clone(),
                    decision: "dismiss".into(),
                    dismissal_basis: "vulnerability_not_exploited".into(),
                    dismissal_reason:
                        "the forward rule was never active; the mail log shows no message left"
                            .into(),
                    ..Default::default()
                },
            ))
            .await
            .expect("dismiss");
        let mut sent = outbox::mail::MailReport::default();
        loop {
            let r = mailer.run_once().await.unwrap();
            if r.claimed == 0 {
                break;
            }
            sent.sent += r.sent;
            sent.withdrawn += r.withdrawn;
        }
        assert_eq!(sent.withdrawn, 1, "{sent:?}");
        a.close().await;

        let got = sink
            .wait_for(sent.sent as usize, Duration::from_secs(10))
            .await;
        assert_eq!(got.len() as u64, sent.sent);
        let ids: HashSet<&str> = got.iter().map(|m| m.message_id.as_str()).collect();
        assert_eq!(ids.len(), got.len(), "every mail once");
        for m in &got {
            assert_eq!(m.multipart, "multipart/alternative");
            assert!(
                !m.text.is_empty() && m.html.contains("<a href=\"https://console.custodian.test/")
            );
            assert!(m.from.contains("privacy@custodian.test"));
            // No data subject's words, no incident's description.
            assert!(
                !m.text.contains("sanne@example.nl") && !m.text.contains("forwarded to an outside")
            );
        }

        // Petra (English): the live incident's clock, two events (both
        // incidents were reported), the request's week, her digest.
        let p = to(&got, "petra@processor.example");
        let subjects: Vec<&str> = p.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(p.len(), 5, "{subjects:?}");
        let clock = p
            .iter()
            .find(|m| m.subject.starts_with("6 hours left:"))
            .expect("the incident's 6-hour alert");
        assert!(
            clock
                .text
                .contains(&format!("{CONSOLE}/breaches/{}", inc.id)),
            "{}",
            clock.text
        );
        assert!(
            clock.text.contains("Citation: GDPR art. 33(2)"),
            "{}",
            clock.text
        );
        assert!(!clock.text.contains(&gone.id));
        assert_eq!(
            subjects
                .iter()
                .filter(|s| s.starts_with("An incident was reported"))
                .count(),
            2
        );
        let week = p
            .iter()
            .find(|m| m.subject.starts_with("7 days left:"))
            .expect("the request's alert");
        assert!(week.subject.contains("(Acme B.V.)"));
        assert!(
            week.text
                .contains(&format!("{CONSOLE}/requests/{}", dsr.id))
        );
        assert!(week.text.contains("GDPR art. 12(3)"));
        let digest = p
            .iter()
            .find(|m| m.subject.starts_with("Deadlines of"))
            .expect("Petra's digest");
        assert!(
            digest.text.contains("Due within 72 hours") && digest.text.contains(&dsr.id),
            "{}",
            digest.text
        );

        // Kim (Dutch): her customer's request and her digest, nothing of
        // the processor's incidents.
        let k = to(&got, "kim@acme.example");
        let subjects: Vec<&str> = k.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(k.len(), 2, "{subjects:?}");
        let week = k
            .iter()
            .find(|m| m.subject.starts_with("Nog 7 dagen:"))
            .expect("Kim's alert in Dutch");
        assert!(week.text.starts_with("Beste Kim Jansen,"), "{}", week.text);
        assert!(week.text.contains("AVG art. 12 lid 3"), "{}", week.text);
        assert!(week.html.contains("Openen in de console"));
        let digest = k
            .iter()
            .find(|m| m.subject.starts_with("Termijnen van"))
            .expect("Kim's digest in Dutch");
        assert!(!digest.text.contains(&inc.id));
        assert!(to(&got, "bo@beta.example").is_empty());

        // Exactly once: the next rounds plan and send nothing more.
        let again = custodian::worker::once(&cfg).await.unwrap().mail.unwrap();
        assert_eq!(again.planned, custodian::mail::PlanReport::default());
        assert_eq!(again.sent.claimed, 0);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sink.received().len(), got.len());

        // The administrator sees the mails (never their bodies): the
        // withdrawn one among them.
        let withdrawn = emails(&app, "withdrawn").await;
        assert_eq!(withdrawn.len(), 1);
        assert_eq!(withdrawn[0].address, "petra@processor.example");
        assert_eq!(emails(&app, "sent").await.len(), got.len());
        let e = app
            .notifications()
            .list_emails(req(
                &app.admin,
                pb::ListEmailsRequest {
                    status: "lost".into(),
                    page: None,
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("status:"), "{}", e.message());
        // Another tenant's DPO (and any customer's token) sees none.
        let acme_tok = app.token(Role::Controller, Some(&acme.id)).await;
        for tok in [&acme_tok, &kim_s] {
            let e = app
                .notifications()
                .list_emails(req(tok, pb::ListEmailsRequest::default()))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::PermissionDenied);
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_relay_that_refuses_is_retried_then_the_mail_is_a_dead_letter_sent_again_by_an_admin() {
    for db in all_dbs().await {
        let sink = Sink::start(Some("^refused@"), 0);
        let app = spawn_app(&db).await;
        let cfg = config(&app, &sink);
        let other = app.create_controller("Acme B.V.", "12345678").await;
        custodian::worker::once(&cfg)
            .await
            .expect("start the event reader");
        let rita = invite(
            &app,
            "Rita Smit",
            "refused@processor.example",
            "en",
            "admin",
            "",
        )
        .await;
        let s = session_of(&app, &rita.id).await;
        set_prefs(&app, &s, &["breaches"], "", "en").await.unwrap();
        // The report (an event) and its 24-hour clock (an alert).
        report(&app, 0).await;
        // Three attempts (the test's max_attempts), each refused with 550.
        let mut dead = 0;
        for _ in 0..20 {
            dead += custodian::worker::once(&cfg)
                .await
                .unwrap()
                .mail
                .unwrap()
                .sent
                .dead;
            if dead == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(dead, 2, "the mails were never given up");
        assert!(sink.received().is_empty());
        let letters = emails(&app, "dead").await;
        assert_eq!(letters.len(), 2, "{letters:?}");
        for l in &letters {
            assert_eq!((l.person_id.as_str(), l.attempts), (rita.id.as_str(), 3));
            assert!(l.last_error.contains("550"), "{}", l.last_error);
        }
        let l = &letters[0];
        assert!(app.audit_actions().await.contains(&"mail.dead".to_string()));

        // Sending it again needs a reason, refuses what is not dead, and
        // puts it back with a fresh round of attempts (audited).
        let mut n = app.notifications();
        let e = n
            .retry_email(req(
                &app.admin,
                pb::RetryEmailRequest {
                    id: l.id.clone(),
                    reason: " ".into(),
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("reason:"), "{}", e.message());
        let e = n
            .retry_email(req(
                &app.admin,
                pb::RetryEmailRequest {
                    id: "nope".into(),
                    reason: "x".into(),
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("id:"), "{}", e.message());
        let back = n
            .retry_email(req(
                &app.admin,
                pb::RetryEmailRequest {
                    id: l.id.clone(),
                    reason: "the relay's block list was corrected".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((back.status.as_str(), back.attempts), ("pending", 0));
        let e = n
            .retry_email(req(
                &app.admin,
                pb::RetryEmailRequest {
                    id: l.id.clone(),
                    reason: "again".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(
            app.audit_actions()
                .await
                .contains(&"mail.retry".to_string())
        );
        // Rita leaves before it is sent: the next round withdraws it.
        app.people()
            .remove_person(req(
                &app.admin,
                pb::RemovePersonRequest {
                    id: rita.id.clone(),
                    reason: "left the privacy office".into(),
                },
            ))
            .await
            .expect("remove");
        let once = custodian::worker::once(&cfg).await.unwrap().mail.unwrap();
        assert_eq!(once.sent.claimed, 0, "{once:?}");
        assert!(emails(&app, "withdrawn").await.iter().any(|m| m.id == l.id));
        let tok = app.token(Role::Controller, Some(&other.id)).await;
        let e = n
            .retry_email(req(
                &tok,
                pb::RetryEmailRequest {
                    id: l.id.clone(),
                    reason: "x".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        app.stop().await;
    }
}

#[test]
fn a_misconfigured_relay_stops_the_start_naming_the_setting() {
    let base = custodian::config::Mail {
        relay: Some("smtp.example.nl".into()),
        from: "Custodian <privacy@example.nl>".into(),
        console_url: "https://custodian.example.nl".into(),
        ..Default::default()
    };
    assert!(base.setup().unwrap().is_some());
    assert!(
        custodian::config::Mail::default()
            .setup()
            .unwrap()
            .is_none(),
        "no relay: no mail, and make run works"
    );
    for (m, setting) in [
        (
            custodian::config::Mail {
                tls: "ssl".into(),
                ..base.clone()
            },
            "[mail] tls",
        ),
        (
            custodian::config::Mail {
                tls: "none".into(),
                ..base.clone()
            },
            "[mail] tls",
        ),
        (
            custodian::config::Mail {
                from: "not an address".into(),
                ..base.clone()
            },
            "[mail] from",
        ),
        (
            custodian::config::Mail {
                console_url: "custodian.example.nl".into(),
                ..base.clone()
            },
            "[mail] console_url",
        ),
        (
            custodian::config::Mail {
                username: Some("u".into()),
                ..base.clone()
            },
            "[mail] username",
        ),
        (
            custodian::config::Mail {
                password_file: Some("/no/such/file".into()),
                ..base.clone()
            },
            "[mail] password_file",
        ),
        (
            custodian::config::Mail {
                relay: Some("smtp://x".into()),
                ..base.clone()
            },
            "[mail] relay",
        ),
    ] {
        let e = match m.setup() {
            Ok(_) => panic!("accepted {m:?}"),
            Err(e) => e.to_string(),
        };
        assert!(e.starts_with(setting), "{e}");
    }
}

#[tokio::test]
async fn a_relay_that_cannot_be_reached_stops_the_worker_naming_the_setting() {
    let db = all_dbs().await.remove(0);
    let app = spawn_app(&db).await;
    app.create_controller("Acme B.V.", "12345678").await;
    let mut cfg = app.config.clone();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    cfg.mail = custodian::config::Mail {
        relay: Some("127.0.0.1".into()),
        port: Some(port),
        tls: "none".into(),
        from: "Custodian <privacy@custodian.test>".into(),
        console_url: CONSOLE.into(),
        timeout_ms: 1_000,
        ..Default::default()
    };
    let e = custodian::worker::once(&cfg).await.unwrap_err().to_string();
    assert!(e.starts_with("[mail] relay:"), "{e}");
    app.stop().await;
}

/// STARTTLS to a relay whose certificate a private CA signed (`ca_file`),
/// with a login: the mail arrives; without the CA the relay is not trusted
/// and the worker does not start, naming the setting.
#[tokio::test]
async fn starttls_with_a_login_to_a_relay_of_a_private_ca() {
    let db = all_dbs().await.remove(0);
    let app = spawn_app(&db).await;
    app.create_controller("Acme B.V.", "12345678").await;
    let relay = Sink::start_secured("custodian", "s3cret-relay-password");
    let mut cfg = app.config.clone();
    cfg.mail = custodian::config::Mail {
        relay: Some("localhost".into()),
        port: Some(relay.sink.port),
        tls: "starttls".into(),
        username: Some("custodian".into()),
        password: Some("s3cret-relay-password".into()),
        ca_file: Some(relay.ca_file.clone()),
        from: "Custodian <privacy@custodian.test>".into(),
        console_url: CONSOLE.into(),
        timeout_ms: 5_000,
        ..Default::default()
    };
    custodian::worker::once(&cfg)
        .await
        .expect("the event reader starts");
    invite(
        &app,
        "Petra de Vries",
        "petra@processor.example",
        "en",
        "admin",
        "",
    )
    .await;
    report(&app, 2).await;
    let once = custodian::worker::once(&cfg).await.unwrap().mail.unwrap();
    assert!(once.sent.sent >= 1, "{once:?}");
    let got = relay.sink.wait_for(1, Duration::from_secs(10)).await;
    assert!(
        got.iter()
            .any(|m| m.subject.starts_with("An incident was reported"))
    );

    let mut untrusted = cfg.clone();
    untrusted.mail.ca_file = None;
    let e = custodian::worker::once(&untrusted)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("[mail] relay:"), "{e}");
    app.stop().await;
}

/// The split deployment: core's worker plans from the obligations of every
/// process (breaches and requests answer over `ObligationsPeer`), reads the
/// shared audit log, and checks an alert's deadline with the process that
/// owns it before sending (an incident dismissed at processing withdraws
/// its alert); on PostgreSQL under core's own login role.
#[tokio::test]
async fn core_alerts_people_about_every_process_of_the_split_deployment() {
    for db in all_dbs().await {
        let sink = Sink::start(None, 0);
        let app = custodian_tests::split::spawn_split(&db).await;
        let mut cfg = app.config_of(custodian::Target::Notifications).clone();
        cfg.mail = sink.config(CONSOLE);
        let (acme, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        custodian::worker::once(&cfg)
            .await
            .expect("the event reader starts");
        let petra = invite(
            &app,
            "Petra de Vries",
            "petra@processor.example",
            "en",
            "admin",
            "",
        )
        .await;
        let s = session_of(&app, &petra.id).await;
        set_prefs(&app, &s, &["breaches", "requests"], "", "en")
            .await
            .unwrap();
        let inc = report(&app, 20).await;
        let gone = report(&app, 20).await;
        let dsr = request_with_a_week_left(&app, &acme.id).await;
        let a = custodian::assembly::Assembly::build(
            &cfg,
            custodian::parse_targets(&cfg.target).unwrap(),
        )
        .await
        .unwrap();
        let custodian::assembly::MailJobs {
            planner, mailer, ..
        } = a
            .mail_jobs(&cfg)
            .await
            .unwrap()
            .expect("mail is on in core");
        let planned = planner.run_once(store::now_micros()).await.unwrap();
        assert_eq!((planned.alerts, planned.events), (3, 2), "{planned:?}");
        app.breaches()
            .assess_incident(req(
                &app.admin,
                pb::AssessIncidentRequest {
                    incident_id: gone.id.clone(),
                    decision: "dismiss".into(),
                    dismissal_basis: "vulnerability_not_exploited".into(),
                    dismissal_reason: "the forward rule was never active".into(),
                    ..Default::default()
                },
            ))
            .await
            .expect("dismiss");
        let mut sent = outbox::mail::MailReport::default();
        loop {
            let r = mailer.run_once().await.unwrap();
            if r.claimed == 0 {
                break;
            }
            sent.sent += r.sent;
            sent.withdrawn += r.withdrawn;
        }
        a.close().await;
        assert_eq!((sent.sent, sent.withdrawn), (4, 1), "{sent:?}");
        let got = sink.wait_for(4, Duration::from_secs(10)).await;
        let text: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains(&format!("{CONSOLE}/breaches/{}", inc.id)))
        );
        assert!(
            text.iter()
                .any(|t| t.contains(&format!("{CONSOLE}/requests/{}", dsr.id)))
        );
        assert!(
            !text
                .iter()
                .any(|t| t.contains(&gone.id) && !t.contains("was reported"))
        );
        app.stop().await;
    }
}

//! BreachService end to end: from the report to the register. The
//! processor-to-controller clock from the agreement's SLA, a phased notice
//! delivered to a real HTTPS receiver (initial, incomplete; then a
//! supplement), the controller's acknowledgement and both readings of the
//! 72-hour clock, a late authority notification refused without reasons,
//! the art. 34 decision with the encryption exception, a dismissed
//! vulnerability, the clocks across DST and Easter, the AP draft, the
//! register, tenant isolation and bad input for every RPC.

use auth::Role;
use chrono::{DateTime, Duration, Utc};
use custodian_tests::split::deployments;
use custodian_tests::webhook::Receiver;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn wire(t: DateTime<Utc>) -> String {
    proto::wire::timestamp(t)
}

const INTERNAL: &str = "suspect the intern's laptop";

async fn report(app: &TestApp, discovered: DateTime<Utc>) -> pb::Incident {
    app.breaches()
        .report_incident(req(
            &app.admin,
            pb::ReportIncidentRequest {
                discovered_at: wire(discovered),
                discovered_by: "SOC on-call".into(),
                description: "Object storage bucket with CV uploads was publicly listable".into(),
                systems: vec!["object-storage".into(), "cv-upload".into()],
                internal_notes: INTERNAL.into(),
            },
        ))
        .await
        .expect("report")
        .into_inner()
}

/// Only what is known at first: the nature and a summary.
fn partial(affected: &[(&str, Option<u64>)], risk: &str) -> pb::Assessment {
    pb::Assessment {
        summary: "CV uploads were readable without authentication".into(),
        nature: vec!["confidentiality".into()],
        risk: risk.into(),
        affected: affected
            .iter()
            .map(|(c, n)| pb::AffectedController {
                controller_id: (*c).into(),
                subjects_approx: *n,
                records_approx: None,
            })
            .collect(),
        internal_notes: INTERNAL.into(),
        ..Default::default()
    }
}

/// Every content item known.
fn full(affected: &[(&str, u64)], risk: &str) -> pb::Assessment {
    pb::Assessment {
        data_categories: vec!["cv_and_work_history".into(), "contact".into()],
        subject_categories: vec!["candidates".into()],
        protection: "encrypted at rest by the storage provider; the listing exposed plaintext"
            .into(),
        likely_consequences: "phishing using the candidates' CVs".into(),
        measures_taken: "bucket made private, access logs secured".into(),
        measures_proposed: "policy check on every bucket".into(),
        contact: "Security desk <security@processor.example>".into(),
        occurred_from: wire(Utc::now() - Duration::days(3)),
        ..partial(
            &affected
                .iter()
                .map(|(c, n)| (*c, Some(*n)))
                .collect::<Vec<_>>(),
            risk,
        )
    }
    .with_records(affected)
}

trait WithRecords {
    fn with_records(self, affected: &[(&str, u64)]) -> Self;
}

impl WithRecords for pb::Assessment {
    fn with_records(mut self, affected: &[(&str, u64)]) -> Self {
        for a in &mut self.affected {
            a.records_approx = affected
                .iter()
                .find(|(c, _)| *c == a.controller_id)
                .map(|(_, n)| n * 3);
        }
        self
    }
}

async fn confirm(app: &TestApp, id: &str, a: pb::Assessment) -> pb::Incident {
    app.breaches()
        .assess_incident(req(
            &app.admin,
            pb::AssessIncidentRequest {
                incident_id: id.into(),
                decision: "confirm".into(),
                assessment: Some(a),
                ..Default::default()
            },
        ))
        .await
        .expect("confirm")
        .into_inner()
}

async fn send(app: &TestApp, notice: &str) -> pb::BreachNotice {
    app.breaches()
        .send_notice(req(
            &app.admin,
            pb::SendNoticeRequest {
                notice_id: notice.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("send")
        .into_inner()
}

async fn notice(app: &TestApp, token: &str, id: &str) -> Result<pb::BreachNotice, tonic::Status> {
    app.breaches()
        .get_breach_notice(req(token, pb::GetBreachNoticeRequest { id: id.into() }))
        .await
        .map(|r| r.into_inner())
}

fn notice_of<'a>(inc: &'a pb::Incident, controller: &str) -> &'a pb::BreachNotice {
    inc.notices
        .iter()
        .find(|n| n.controller_id == controller)
        .expect("a notice for the controller")
}

/// The breach obligations `token` sees.
async fn breach_obligations(app: &TestApp, token: &str) -> Vec<pb::Obligation> {
    app.deadlines()
        .list_obligations(req(
            token,
            pb::ListObligationsRequest {
                service: "breaches".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .obligations
}

fn nf<T: std::fmt::Debug>(r: Result<T, tonic::Status>, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.code(), Code::NotFound, "{what}: {e:?}");
}

fn secret(c: char) -> String {
    std::iter::repeat_n(c, 40).collect()
}

#[tokio::test]
async fn from_report_to_register() {
    // Both shapes: the monolith and the five-process split.
    for d in deployments() {
        let (db, app) = d.start().await;
        let rx = Receiver::start(db.dir.path(), &[]).await;
        let mut t48 = valid_terms();
        t48.breach_notice_sla_hours = Some(48);
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", Some(t48))
            .await;
        let mut authorised = valid_terms();
        authorised.processor_may_notify_authority = true;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", Some(authorised))
            .await;
        app.set_webhook(&a.id, &format!("{}/hook/a", rx.base), &secret('a'))
            .await;
        app.set_webhook(&b.id, &format!("{}/hook/b", rx.base), &secret('b'))
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let discovered = store::truncate_micros(Utc::now() - Duration::hours(2));

        let inc = report(&app, discovered).await;
        assert_eq!(inc.status, "reported");
        assert!(inc.notices.is_empty());

        // Confirmed with what is known: the nature, A's number of subjects.
        let inc = confirm(
            &app,
            &inc.id,
            partial(&[(&a.id, Some(120)), (&b.id, None)], "high"),
        )
        .await;
        assert_eq!(inc.status, "confirmed");
        let na = notice_of(&inc, &a.id).clone();
        let nb = notice_of(&inc, &b.id).clone();
        assert_eq!((na.sla_hours, nb.sla_hours), (48, 24));
        assert!(!na.processor_may_notify_authority && nb.processor_may_notify_authority);
        let cc = na.controller_clock.clone().unwrap();
        assert_eq!(cc.rule, "breach.controller_notice");
        assert_eq!(cc.strict, wire(discovered + Duration::hours(48)));
        assert_eq!(cc.state, "open");
        assert_eq!(na.status, "pending");
        assert_eq!(
            na.missing,
            [
                "consequences",
                "data_categories",
                "protection",
                "measures",
                "subject_categories",
                "records_approx",
                "contact"
            ],
            "nature and A's subjects are known; no processor contact is configured"
        );
        assert!(nb.missing.contains(&"subjects_approx".to_owned()));
        // Nothing sent: the controller sees nothing yet.
        assert_eq!(
            notice(&app, &a_tok, &na.id).await.unwrap_err().code(),
            Code::NotFound
        );

        // The initial notice, incomplete, says what it lacks.
        let sent = send(&app, &na.id).await;
        assert_eq!(sent.status, "sent");
        assert_eq!(sent.sends.len(), 1);
        assert_eq!(sent.sends[0].phase, "initial");
        assert_eq!(sent.sends[0].missing, na.missing);
        assert!(!sent.sends[0].content.contains(INTERNAL));
        let report = app.deliver(Some(&rx.ca_file)).await;
        assert_eq!(report.delivered, 1, "{report:?}");
        let got = rx.received();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, "/hook/a");
        assert_eq!(got[0].headers["custodian-topic"], "breach.notice");
        let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
        let sig = &got[0].headers["custodian-signature"];
        outbox::signature::verify(
            secret('a').as_bytes(),
            sig,
            &got[0].body,
            Utc::now().timestamp(),
            300,
        )
        .expect("signed with A's secret");
        let data = &body["data"];
        assert_eq!(data["phase"], "initial");
        assert!(data["items"]["consequences"].is_null());
        assert_eq!(data["items"]["subjects_approx"], 120);
        assert_eq!(data["items"]["nature"]["properties"][0], "confidentiality");
        assert!(
            data["missing"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == "consequences")
        );
        assert!(!String::from_utf8_lossy(&got[0].body).contains(&b.id));

        // Delivered within the SLA: the processor's clock is met; the
        // delivery stands in for the controller's awareness until it acknowledges.
        let seen = notice(&app, &a_tok, &na.id).await.unwrap();
        let cc = seen.controller_clock.clone().unwrap();
        assert_eq!(cc.state, "met");
        assert_eq!(
            cc.done_at,
            seen.sends[0].delivery.as_ref().unwrap().delivered_at
        );
        let ac = seen.authority_clock.clone().unwrap();
        assert_eq!(ac.strict, wire(discovered + Duration::hours(72)));
        let delivered = ts(&cc.done_at);
        assert_eq!(ac.lenient, wire(delivered + Duration::hours(72)));
        assert!(ac.basis.contains("EDPB"), "{}", ac.basis);

        // The facts come in: a supplement completes the notice.
        let e = app
            .breaches()
            .send_notice(req(
                &app.admin,
                pb::SendNoticeRequest {
                    notice_id: na.id.clone(),
                    phase: "initial".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        let inc2 = confirm(&app, &inc.id, full(&[(&a.id, 120), (&b.id, 40)], "high")).await;
        assert_eq!(inc2.assessment.as_ref().unwrap().version, 2);
        assert!(notice_of(&inc2, &a.id).missing.is_empty());
        let sup = send(&app, &na.id).await;
        assert_eq!(sup.sends.len(), 2);
        assert_eq!(sup.sends[1].phase, "supplement");
        assert!(sup.sends[1].missing.is_empty());
        app.deliver(Some(&rx.ca_file)).await;
        let body: serde_json::Value = serde_json::from_slice(&rx.received()[1].body).unwrap();
        assert_eq!(body["data"]["phase"], "supplement");
        assert_eq!(body["data"]["items"]["records_approx"], 360);
        assert_eq!(
            body["data"]["items"]["consequences"],
            "phishing using the candidates' CVs"
        );

        // A acknowledges: its awareness fixes the lenient reading.
        let aware = store::truncate_micros(Utc::now() - Duration::minutes(30));
        let acked = app
            .breaches()
            .acknowledge_notice(req(
                &a_tok,
                pb::AcknowledgeNoticeRequest {
                    notice_id: na.id.clone(),
                    aware_at: wire(aware),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(acked.status, "acknowledged");
        assert_eq!(acked.controller_aware_at, wire(aware));
        let ac = acked.authority_clock.unwrap();
        assert_eq!(ac.strict, wire(discovered + Duration::hours(72)));
        assert_eq!(ac.lenient, wire(aware + Duration::hours(72)));
        assert!(ac.basis.contains("acknowledged"), "{}", ac.basis);
        let again = app
            .breaches()
            .acknowledge_notice(req(
                &a_tok,
                pb::AcknowledgeNoticeRequest {
                    notice_id: na.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(again.code(), Code::FailedPrecondition);

        // A's agreement does not let the processor notify the authority.
        let auth_req = |notice: &str| pb::RecordAuthorityNotificationRequest {
            notice_id: notice.into(),
            notified_at: wire(store::truncate_micros(Utc::now())),
            reference: "AP-2026-0042".into(),
            ..Default::default()
        };
        let e = app
            .breaches()
            .record_authority_notification(req(&app.admin, auth_req(&na.id)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(
            e.message()
                .contains("does not authorise the processor to notify the authority"),
            "{}",
            e.message()
        );
        let done = app
            .breaches()
            .record_authority_notification(req(&a_tok, auth_req(&na.id)))
            .await
            .unwrap()
            .into_inner();
        let ac = done.authority_clock.unwrap();
        assert_eq!(ac.state, "met");
        assert_eq!(done.authority_notifications[0].by_party, "controller");
        assert!(!done.authority_notifications[0].late);
        // B's agreement does (seed 002 art. 17.17), once B was notified.
        let e = app
            .breaches()
            .record_authority_notification(req(&app.admin, auth_req(&nb.id)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "nothing sent to B yet");
        send(&app, &nb.id).await;
        let by_processor = app
            .breaches()
            .record_authority_notification(req(&app.admin, auth_req(&nb.id)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            by_processor.authority_notifications[0].by_party,
            "processor"
        );

        // Art. 34: a high risk needs communication unless an exception applies.
        let decide = |d: &str, details: &str, at: &str| pb::DecideSubjectCommunicationRequest {
            notice_id: na.id.clone(),
            decision: d.into(),
            details: details.into(),
            communicated_at: at.into(),
        };
        let e = app
            .breaches()
            .decide_subject_communication(req(&a_tok, decide("not_required", "", "")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        let told = app
            .breaches()
            .decide_subject_communication(req(
                &a_tok,
                decide(
                    "communicate",
                    "e-mail to every candidate",
                    &wire(store::truncate_micros(Utc::now())),
                ),
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(told.subject_communication, "communicated");

        // The timeline: the admin sees every step; A only its own notice.
        let full_tl = app
            .breaches()
            .get_timeline(req(
                &app.admin,
                pb::GetTimelineRequest {
                    incident_id: inc.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let kinds: Vec<&str> = full_tl.events.iter().map(|e| e.kind.as_str()).collect();
        for k in [
            "incident.discovered",
            "incident.reported",
            "incident.assessed",
            "notice.created",
            "deadline.controller_notice",
            "notice.sent",
            "notice.delivered",
            "notice.acknowledged",
            "deadline.authority_notice.strict",
            "deadline.authority_notice.lenient",
            "authority.notified",
            "subjects.decided",
            "subjects.communicated",
        ] {
            assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
        }
        let ats: Vec<DateTime<Utc>> = full_tl.events.iter().map(|e| ts(&e.at)).collect();
        assert!(ats.windows(2).all(|w| w[0] <= w[1]), "in time order");
        let a_tl = app
            .breaches()
            .get_timeline(req(
                &a_tok,
                pb::GetTimelineRequest {
                    incident_id: inc.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(a_tl.notices.len(), 1);
        assert!(
            a_tl.events
                .iter()
                .all(|e| e.controller_id.is_empty() || e.controller_id == a.id)
        );
        assert!(
            !a_tl
                .events
                .iter()
                .any(|e| e.kind == "incident.reported" || e.kind == "incident.assessed")
        );
        let dump = format!("{a_tl:?}");
        assert!(!dump.contains(INTERNAL) && !dump.contains(&b.id) && !dump.contains("SOC"));

        // The AP draft for A: the form's fields, what is unknown marked.
        let draft = app
            .breaches()
            .get_authority_draft(req(
                &a_tok,
                pb::GetAuthorityDraftRequest {
                    notice_id: na.id.clone(),
                    format: "json".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let d: serde_json::Value = serde_json::from_str(&draft.content).unwrap();
        let field = |k: &str| {
            d["sections"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["fields"].as_array().unwrap().iter())
                .find(|f| f["key"] == k)
                .unwrap_or_else(|| panic!("field {k}"))
                .clone()
        };
        assert_eq!(field("organisation")["answer"], "Acme B.V.");
        assert_eq!(field("subjects_approx")["answer"], "120");
        assert_eq!(field("records_approx")["answer"], "360");
        assert_eq!(field("notification_type")["answer"], "supplement");
        assert_eq!(field("controller_aware")["answer"], wire(aware));
        assert_eq!(field("international")["known"], false);
        assert!(draft.unknown.contains(&"international".to_owned()));
        assert!(!draft.content.contains(INTERNAL));
        let md = app
            .breaches()
            .get_authority_draft(req(
                &app.admin,
                pb::GetAuthorityDraftRequest {
                    notice_id: na.id.clone(),
                    format: "markdown".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(md.content.contains("**UNKNOWN**"), "{}", md.content);
        assert!(md.content.contains("## 4. Personal data involved"));

        // The register: the admin sees the incident and both notices; A
        // its own notice only, without the processor's internal facts.
        let reg = |token: &str, format: &str| {
            let mut c = app.breaches();
            let token = token.to_owned();
            let format = format.to_owned();
            async move {
                c.export_register(req(
                    &token,
                    pb::ExportRegisterRequest {
                        format,
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner()
            }
        };
        let r: serde_json::Value =
            serde_json::from_str(&reg(&app.admin, "json").await.content).unwrap();
        let i0 = &r["incidents"][0];
        assert_eq!(i0["notices"].as_array().unwrap().len(), 2);
        assert_eq!(i0["facts"]["subjects_approx"], 160);
        assert_eq!(i0["facts"]["subjects_approx_complete"], true);
        assert_eq!(i0["systems"][0], "object-storage");
        let ra = reg(&a_tok, "json").await.content;
        assert!(!ra.contains(INTERNAL) && !ra.contains(&b.id) && !ra.contains("publicly listable"));
        let ra: serde_json::Value = serde_json::from_str(&ra).unwrap();
        assert_eq!(ra["incidents"][0]["facts"]["subjects_approx"], 120);
        let csv = reg(&app.admin, "csv").await.content;
        assert_eq!(
            csv.trim_end().split("\r\n").count(),
            3,
            "header and one row per notice"
        );
        let rb = reg(&b_tok, "markdown").await.content;
        assert!(rb.contains("# Breach register") && !rb.contains(&a.id));

        // Every step is in A's audit chain.
        let events = app
            .audit()
            .list_events(req(
                &app.admin,
                pb::ListEventsRequest {
                    tenant_id: a.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .events;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        for act in [
            "breach.notice.create",
            "breach.notice.send",
            "breach.notice.acknowledge",
            "breach.authority.record",
            "breach.subjects.decide",
        ] {
            assert!(actions.contains(&act), "{act} not in {actions:?}");
        }
    }
}

#[tokio::test]
async fn late_notification_needs_reasons_and_both_readings_show() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        // Discovered five days ago; the controller learns of it only now.
        let discovered = store::truncate_micros(Utc::now() - Duration::days(5));
        let inc = report(&app, discovered).await;
        let inc = confirm(&app, &inc.id, partial(&[(&a.id, Some(10))], "risk")).await;
        let n = notice_of(&inc, &a.id).clone();
        assert_eq!(n.controller_clock.as_ref().unwrap().state, "overdue");
        // The overdue clocks are listed and flagged.
        let obligations = breach_obligations(&app, &app.admin).await;
        let notice_due = obligations
            .iter()
            .find(|o| o.rule == "breach.controller_notice" && o.object_id == n.id)
            .expect("the controller notice is listed");
        assert!(notice_due.overdue);
        assert_eq!(notice_due.tenant_id, a.id);
        assert_eq!(ts(&notice_due.due_strict), discovered + Duration::hours(24));

        send(&app, &n.id).await;
        let aware = store::truncate_micros(Utc::now() - Duration::hours(1));
        app.breaches()
            .acknowledge_notice(req(
                &a_tok,
                pb::AcknowledgeNoticeRequest {
                    notice_id: n.id.clone(),
                    aware_at: wire(aware),
                },
            ))
            .await
            .unwrap();
        // Strict from the processor's awareness (past), lenient from the
        // controller's (still open): the strict one is overdue.
        let obligations = breach_obligations(&app, &a_tok).await;
        let sa = obligations
            .iter()
            .find(|o| o.rule == "breach.authority_notice")
            .expect("the authority clock is listed");
        assert_eq!(ts(&sa.due_strict), discovered + Duration::hours(72));
        assert_eq!(ts(&sa.due_lenient), aware + Duration::hours(72));
        assert!(sa.overdue);
        assert!(obligations.iter().all(|o| o.tenant_id == a.id));

        // Late by the strict reading: without reasons it is refused and
        // nothing is written.
        let now = wire(store::truncate_micros(Utc::now()));
        let e = app
            .breaches()
            .record_authority_notification(req(
                &a_tok,
                pb::RecordAuthorityNotificationRequest {
                    notice_id: n.id.clone(),
                    notified_at: now.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(
            e.message().starts_with("reasons_for_delay:"),
            "{}",
            e.message()
        );
        let unchanged = notice(&app, &a_tok, &n.id).await.unwrap();
        assert!(unchanged.authority_notifications.is_empty());
        let ok = app
            .breaches()
            .record_authority_notification(req(
                &a_tok,
                pb::RecordAuthorityNotificationRequest {
                    notice_id: n.id.clone(),
                    notified_at: now.clone(),
                    reasons_for_delay: "the processor informed us five days after discovery".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(ok.authority_notifications[0].late);
        let ac = ok.authority_clock.unwrap();
        assert_eq!(ac.state, "late");
        assert!(
            ac.notes.iter().any(|x| x.contains("lenient reading")),
            "{:?}",
            ac.notes
        );
        // A supplement needs no reasons and is never "late"; a second
        // initial one is refused.
        let sup = app
            .breaches()
            .record_authority_notification(req(
                &a_tok,
                pb::RecordAuthorityNotificationRequest {
                    notice_id: n.id.clone(),
                    phase: "supplement".into(),
                    notified_at: now.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(sup.authority_notifications.len(), 2);
        assert!(!sup.authority_notifications[1].late);
        let e = app
            .breaches()
            .record_authority_notification(req(
                &a_tok,
                pb::RecordAuthorityNotificationRequest {
                    notice_id: n.id.clone(),
                    notified_at: now,
                    reasons_for_delay: "again".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        // Recorded: the authority clock leaves the obligations.
        let left = breach_obligations(&app, &a_tok).await;
        assert!(
            left.iter().all(|o| o.rule != "breach.authority_notice"),
            "{left:?}"
        );
    }
}

#[tokio::test]
async fn clocks_across_dst_changes_and_the_easter_weekend() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let mut t48 = valid_terms();
        t48.breach_notice_sla_hours = Some(48);
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", Some(t48))
            .await;
        let cases = [
            // Spring DST (29 March 2026): 48 elapsed hours from Friday 10:00
            // CET end on Sunday 11:00 CEST; 72 hours on Monday 11:00 CEST.
            (
                "2026-03-27T10:00:00+01:00",
                "2026-03-29T11:00:00+02:00",
                "2026-03-30T11:00:00+02:00",
            ),
            // Autumn DST (25 October 2026): Friday 10:00 CEST + 48 h is
            // Sunday 09:00 CET; + 72 h is Monday 09:00 CET.
            (
                "2026-10-23T10:00:00+02:00",
                "2026-10-25T09:00:00+01:00",
                "2026-10-26T09:00:00+01:00",
            ),
            // Easter 2026: Good Friday 3 April and Easter Monday 6 April
            // are holidays; hours run on regardless.
            (
                "2026-04-02T16:00:00+02:00",
                "2026-04-04T16:00:00+02:00",
                "2026-04-05T16:00:00+02:00",
            ),
        ];
        for (discovered, notice_due, authority_due) in cases {
            let inc = report(&app, ts(discovered)).await;
            let inc = confirm(&app, &inc.id, partial(&[(&a.id, None)], "risk")).await;
            let n = notice_of(&inc, &a.id);
            let cc = n.controller_clock.as_ref().unwrap();
            assert_eq!(ts(&cc.strict), ts(notice_due), "{discovered}");
            assert_eq!(cc.lenient, cc.strict);
            let ac = n.authority_clock.as_ref().unwrap();
            assert_eq!(ts(&ac.strict), ts(authority_due), "{discovered}");
            assert!(
                ac.notes.iter().any(|x| x.contains("no weekend")),
                "{:?}",
                ac.notes
            );
        }
    }
}

#[tokio::test]
async fn a_vulnerability_that_was_never_a_breach_is_dismissed_and_registered() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let inc = report(
            &app,
            store::truncate_micros(Utc::now() - Duration::hours(3)),
        )
        .await;
        // Unassessed, it is an open obligation of the processor.
        let open = breach_obligations(&app, &app.admin).await;
        assert!(open.iter().any(|o| o.object_id == inc.id));
        let mut b = app.breaches();
        let dismiss = |basis: &str, reason: &str| pb::AssessIncidentRequest {
            incident_id: inc.id.clone(),
            decision: "dismiss".into(),
            dismissal_basis: basis.into(),
            dismissal_reason: reason.into(),
            ..Default::default()
        };
        let e = b
            .assess_incident(req(&app.admin, dismiss("vulnerability_not_exploited", "")))
            .await
            .unwrap_err();
        assert!(
            e.message().starts_with("dismissal_reason:"),
            "{}",
            e.message()
        );
        let d = b
            .assess_incident(req(
                &app.admin,
                dismiss(
                    "vulnerability_not_exploited",
                    "the listing was never reachable from outside; access logs show no reads (seed 003 art. 12.16)",
                ),
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(d.status, "dismissed");
        assert_eq!(d.dismissal_basis, "vulnerability_not_exploited");
        assert!(d.notices.is_empty());
        // Final: it cannot be confirmed or dismissed again, and no controller hears of it.
        let e = b
            .assess_incident(req(
                &app.admin,
                pb::AssessIncidentRequest {
                    incident_id: inc.id.clone(),
                    decision: "confirm".into(),
                    assessment: Some(partial(&[(&a.id, None)], "risk")),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        let e = b
            .assess_incident(req(&app.admin, dismiss("no_personal_data", "again")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let mine = b
            .list_breach_notices(req(&a_tok, pb::ListBreachNoticesRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(mine.notices.is_empty());
        // Still in the register (art. 33(5)), with the reason.
        let reg = b
            .export_register(req(&app.admin, pb::ExportRegisterRequest::default()))
            .await
            .unwrap()
            .into_inner();
        let r: serde_json::Value = serde_json::from_str(&reg.content).unwrap();
        assert_eq!(r["incidents"][0]["status"], "dismissed");
        assert_eq!(
            r["incidents"][0]["dismissal"]["basis"],
            "vulnerability_not_exploited"
        );
        assert_eq!(r["incidents"][0]["notified"], false);
        let open = breach_obligations(&app, &app.admin).await;
        assert!(open.iter().all(|o| o.object_id != inc.id));
    }
}

#[tokio::test]
async fn the_encryption_exception_needs_encrypted_data_with_a_safe_key() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let inc = report(
            &app,
            store::truncate_micros(Utc::now() - Duration::hours(1)),
        )
        .await;
        let inc = confirm(&app, &inc.id, full(&[(&a.id, 500)], "high")).await;
        let n = notice_of(&inc, &a.id).clone();
        assert_eq!(n.subject_communication, "undecided");
        send(&app, &n.id).await;
        let exception = pb::DecideSubjectCommunicationRequest {
            notice_id: n.id.clone(),
            decision: "exception_34_3_a".into(),
            details: "stolen backup was encrypted".into(),
            ..Default::default()
        };
        let e = app
            .breaches()
            .decide_subject_communication(req(&a_tok, exception.clone()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(e.message().contains("key safe"), "{}", e.message());
        // The processor establishes that the backup was AES-256 encrypted
        // and the key never left the HSM.
        let mut enc = full(&[(&a.id, 500)], "high");
        enc.encrypted = true;
        enc.key_safe = true;
        confirm(&app, &inc.id, enc).await;
        let ok = app
            .breaches()
            .decide_subject_communication(req(&a_tok, exception))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ok.subject_communication, "exception");
        assert_eq!(ok.subject_decisions[0].decision, "exception_34_3_a");
        // Disproportionate effort needs the public communication named.
        let e = app
            .breaches()
            .decide_subject_communication(req(
                &a_tok,
                pb::DecideSubjectCommunicationRequest {
                    notice_id: n.id.clone(),
                    decision: "exception_34_3_c".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("details:"), "{}", e.message());
    }
}

#[tokio::test]
async fn tenant_isolation() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let auditor = app.token(Role::Auditor, None).await;
        // An incident that affects A only, sent to A.
        let inc = report(
            &app,
            store::truncate_micros(Utc::now() - Duration::hours(1)),
        )
        .await;
        let inc = confirm(&app, &inc.id, partial(&[(&a.id, Some(5))], "high")).await;
        let na = notice_of(&inc, &a.id).id.clone();
        send(&app, &na).await;
        let mut c = app.breaches();
        nf(notice(&app, &b_tok, &na).await, "get A's notice");
        nf(
            c.acknowledge_notice(req(
                &b_tok,
                pb::AcknowledgeNoticeRequest {
                    notice_id: na.clone(),
                    ..Default::default()
                },
            ))
            .await,
            "acknowledge A's notice",
        );
        nf(
            c.record_authority_notification(req(
                &b_tok,
                pb::RecordAuthorityNotificationRequest {
                    notice_id: na.clone(),
                    notified_at: wire(store::truncate_micros(Utc::now())),
                    ..Default::default()
                },
            ))
            .await,
            "record for A's notice",
        );
        nf(
            c.decide_subject_communication(req(
                &b_tok,
                pb::DecideSubjectCommunicationRequest {
                    notice_id: na.clone(),
                    decision: "communicate".into(),
                    ..Default::default()
                },
            ))
            .await,
            "decide for A's notice",
        );
        nf(
            c.get_timeline(req(
                &b_tok,
                pb::GetTimelineRequest {
                    incident_id: inc.id.clone(),
                },
            ))
            .await,
            "timeline of an incident that is not B's",
        );
        nf(
            c.get_authority_draft(req(
                &b_tok,
                pb::GetAuthorityDraftRequest {
                    notice_id: na.clone(),
                    ..Default::default()
                },
            ))
            .await,
            "draft of A's notice",
        );
        // Lists and the register show B nothing, even when B asks for A.
        let listed = c
            .list_breach_notices(req(
                &b_tok,
                pb::ListBreachNoticesRequest {
                    controller_id: a.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(listed.notices.is_empty());
        let reg = c
            .export_register(req(
                &b_tok,
                pb::ExportRegisterRequest {
                    controller_id: a.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let r: serde_json::Value = serde_json::from_str(&reg.content).unwrap();
        assert_eq!(r["incidents"].as_array().unwrap().len(), 0);
        // Incidents and processor-side steps are not for controllers.
        for e in [
            c.get_incident(req(&b_tok, pb::GetIncidentRequest { id: inc.id.clone() }))
                .await
                .unwrap_err(),
            c.report_incident(req(&b_tok, pb::ReportIncidentRequest::default()))
                .await
                .unwrap_err(),
            c.send_notice(req(
                &b_tok,
                pb::SendNoticeRequest {
                    notice_id: na.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
        ] {
            assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        }
        // An auditor reads everything and changes nothing.
        let got = c
            .get_incident(req(&auditor, pb::GetIncidentRequest { id: inc.id.clone() }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got.internal_notes, INTERNAL);
        let e = c
            .assess_incident(req(
                &auditor,
                pb::AssessIncidentRequest {
                    incident_id: inc.id.clone(),
                    decision: "dismiss".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        // A controller acknowledges only with its own token, not an admin's.
        let e = c
            .acknowledge_notice(req(
                &app.admin,
                pb::AcknowledgeNoticeRequest {
                    notice_id: na.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
    }
}

#[tokio::test]
async fn bad_input_is_refused_for_every_rpc_and_writes_nothing() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let inc = report(
            &app,
            store::truncate_micros(Utc::now() - Duration::hours(1)),
        )
        .await;
        let inc = confirm(&app, &inc.id, partial(&[(&a.id, None)], "risk")).await;
        let na = notice_of(&inc, &a.id).id.clone();
        send(&app, &na).await;
        let mut c = app.breaches();
        let future = wire(Utc::now() + Duration::days(1));
        let good = || pb::ReportIncidentRequest {
            discovered_at: wire(store::truncate_micros(Utc::now())),
            discovered_by: "SOC".into(),
            description: "something".into(),
            systems: vec!["api".into()],
            internal_notes: String::new(),
        };
        let bad = |e: tonic::Status, field: &str| {
            assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
            assert!(
                e.message().starts_with(&format!("{field}:")),
                "{field}: {}",
                e.message()
            );
        };
        for (r, field) in [
            (
                pb::ReportIncidentRequest {
                    discovered_at: String::new(),
                    ..good()
                },
                "discovered_at",
            ),
            (
                pb::ReportIncidentRequest {
                    discovered_at: "yesterday".into(),
                    ..good()
                },
                "discovered_at",
            ),
            (
                pb::ReportIncidentRequest {
                    discovered_at: future.clone(),
                    ..good()
                },
                "discovered_at",
            ),
            (
                pb::ReportIncidentRequest {
                    systems: vec![],
                    ..good()
                },
                "systems",
            ),
            (
                pb::ReportIncidentRequest {
                    description: " ".into(),
                    ..good()
                },
                "description",
            ),
            (
                pb::ReportIncidentRequest {
                    discovered_by: String::new(),
                    ..good()
                },
                "discovered_by",
            ),
        ] {
            bad(
                c.report_incident(req(&app.admin, r)).await.unwrap_err(),
                field,
            );
        }
        let assess = |f: &dyn Fn(&mut pb::AssessIncidentRequest)| {
            let mut r = pb::AssessIncidentRequest {
                incident_id: inc.id.clone(),
                decision: "confirm".into(),
                assessment: Some(partial(&[(&a.id, None)], "risk")),
                ..Default::default()
            };
            f(&mut r);
            r
        };
        let unknown_controller = "0190f5d0-0000-7000-8000-0000000000ff".to_owned();
        for (r, field) in [
            (assess(&|r| r.incident_id = "x".into()), "incident_id"),
            (assess(&|r| r.decision = "maybe".into()), "decision"),
            (assess(&|r| r.assessment = None), "assessment"),
            (
                assess(&|r| r.assessment.as_mut().unwrap().risk = String::new()),
                "assessment.risk",
            ),
            (
                assess(&|r| r.assessment.as_mut().unwrap().nature = vec!["leak".into()]),
                "assessment.nature",
            ),
            (
                assess(&|r| {
                    r.assessment.as_mut().unwrap().affected[0].controller_id =
                        unknown_controller.clone()
                }),
                "assessment.affected.controller_id",
            ),
            (
                assess(&|r| r.assessment.as_mut().unwrap().occurred_from = "soon".into()),
                "assessment.occurred_from",
            ),
            (
                assess(&|r| {
                    r.decision = "dismiss".into();
                    r.assessment = None;
                }),
                "dismissal_basis",
            ),
            (
                assess(&|r| {
                    r.decision = "dismiss".into();
                    r.assessment = None;
                    r.dismissal_basis = "boring".into();
                    r.dismissal_reason = "x".into();
                }),
                "dismissal_basis",
            ),
        ] {
            bad(
                c.assess_incident(req(&app.admin, r)).await.unwrap_err(),
                field,
            );
        }
        bad(
            c.get_incident(req(&app.admin, pb::GetIncidentRequest { id: "1".into() }))
                .await
                .unwrap_err(),
            "id",
        );
        bad(
            c.list_incidents(req(
                &app.admin,
                pb::ListIncidentsRequest {
                    status: "open".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
            "status",
        );
        bad(
            c.get_breach_notice(req(&a_tok, pb::GetBreachNoticeRequest { id: "n".into() }))
                .await
                .unwrap_err(),
            "id",
        );
        bad(
            c.list_breach_notices(req(
                &app.admin,
                pb::ListBreachNoticesRequest {
                    incident_id: "i".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
            "incident_id",
        );
        bad(
            c.send_notice(req(
                &app.admin,
                pb::SendNoticeRequest {
                    notice_id: na.clone(),
                    phase: "final".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
            "phase",
        );
        for aware in [future.clone(), "noon".to_owned()] {
            bad(
                c.acknowledge_notice(req(
                    &a_tok,
                    pb::AcknowledgeNoticeRequest {
                        notice_id: na.clone(),
                        aware_at: aware,
                    },
                ))
                .await
                .unwrap_err(),
                "aware_at",
            );
        }
        for (r, field) in [
            (
                pb::RecordAuthorityNotificationRequest {
                    notice_id: na.clone(),
                    ..Default::default()
                },
                "notified_at",
            ),
            (
                pb::RecordAuthorityNotificationRequest {
                    notice_id: na.clone(),
                    notified_at: future.clone(),
                    ..Default::default()
                },
                "notified_at",
            ),
            (
                pb::RecordAuthorityNotificationRequest {
                    notice_id: na.clone(),
                    phase: "amendment".into(),
                    notified_at: wire(store::truncate_micros(Utc::now())),
                    ..Default::default()
                },
                "phase",
            ),
        ] {
            bad(
                c.record_authority_notification(req(&a_tok, r))
                    .await
                    .unwrap_err(),
                field,
            );
        }
        for d in ["", "ignore"] {
            bad(
                c.decide_subject_communication(req(
                    &a_tok,
                    pb::DecideSubjectCommunicationRequest {
                        notice_id: na.clone(),
                        decision: d.into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_err(),
                "decision",
            );
        }
        bad(
            c.get_timeline(req(
                &app.admin,
                pb::GetTimelineRequest {
                    incident_id: "t".into(),
                },
            ))
            .await
            .unwrap_err(),
            "incident_id",
        );
        bad(
            c.get_authority_draft(req(
                &a_tok,
                pb::GetAuthorityDraftRequest {
                    notice_id: na.clone(),
                    format: "csv".into(),
                },
            ))
            .await
            .unwrap_err(),
            "format",
        );
        bad(
            c.export_register(req(
                &app.admin,
                pb::ExportRegisterRequest {
                    format: "pdf".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
            "format",
        );
        // Nothing was written: one incident, one assessment, one send, no
        // acknowledgement, no authority notification, no decision.
        let all = c
            .list_incidents(req(&app.admin, pb::ListIncidentsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .incidents;
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].assessment.as_ref().unwrap().version, 1);
        let n = &all[0].notices[0];
        assert_eq!(n.sends.len(), 1);
        assert!(n.acknowledged_at.is_empty());
        assert!(n.authority_notifications.is_empty() && n.subject_decisions.is_empty());
        // A controller that was sent a notice cannot be dropped from the affected.
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let e = c
            .assess_incident(req(
                &app.admin,
                pb::AssessIncidentRequest {
                    incident_id: inc.id.clone(),
                    decision: "confirm".into(),
                    assessment: Some(partial(&[(&b.id, None)], "risk")),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        // Not found for ids that exist nowhere.
        let e = c
            .send_notice(req(
                &app.admin,
                pb::SendNoticeRequest {
                    notice_id: unknown_controller.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
    }
}

#[tokio::test]
async fn a_controller_pages_through_the_notices_that_reached_it() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        // Three incidents for A: the second notice is never sent.
        let mut sent = Vec::new();
        for i in 0..3 {
            let inc = report(
                &app,
                store::truncate_micros(Utc::now() - Duration::hours(1)),
            )
            .await;
            let inc = confirm(&app, &inc.id, partial(&[(&a.id, None)], "risk")).await;
            let n = notice_of(&inc, &a.id).id.clone();
            if i != 1 {
                send(&app, &n).await;
                sent.push(n);
            }
        }
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let r = app
                .breaches()
                .list_breach_notices(req(
                    &a_tok,
                    pb::ListBreachNoticesRequest {
                        page: Some(pb::PageRequest {
                            page_size: 1,
                            page_token: token.clone(),
                        }),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(r.notices.len(), 1, "every page is full");
            seen.extend(r.notices.into_iter().map(|n| n.id));
            if r.next_page_token.is_empty() {
                break;
            }
            token = r.next_page_token;
        }
        assert_eq!(seen, sent);
    }
}

/// PreviewNotice gives the body SendNotice would send, byte for byte,
/// writes nothing, refuses what the send would refuse, names a bad field,
/// and is the processor's alone (a controller's token is refused).
#[tokio::test]
async fn a_preview_is_the_send_that_would_be_made_and_writes_nothing() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let inc = report(
            &app,
            store::truncate_micros(Utc::now() - Duration::hours(1)),
        )
        .await;
        let inc = confirm(&app, &inc.id, partial(&[(&a.id, Some(40))], "risk")).await;
        let n = notice_of(&inc, &a.id).id.clone();
        let ask = |phase: &str, message: &str| pb::SendNoticeRequest {
            notice_id: n.clone(),
            phase: phase.into(),
            message: message.into(),
        };
        let p = app
            .breaches()
            .preview_notice(req(&app.admin, ask("", "first facts")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((p.phase.as_str(), p.sequence), ("initial", 1));
        assert!(p.id.is_empty() && p.sent_at.is_empty() && p.delivery.is_none());
        assert!(!p.missing.is_empty(), "a partial assessment lacks items");
        let body: serde_json::Value = serde_json::from_str(&p.content).unwrap();
        assert_eq!(body["items"]["subjects_approx"], 40);
        assert_eq!(body["message"], "first facts");
        let untouched = notice(&app, &app.admin, &n).await.unwrap();
        assert!(untouched.sends.is_empty(), "a preview writes nothing");
        // The send carries exactly the previewed body.
        let sent = app
            .breaches()
            .send_notice(req(&app.admin, ask("", "first facts")))
            .await
            .unwrap()
            .into_inner();
        let got: serde_json::Value = serde_json::from_str(&sent.sends[0].content).unwrap();
        assert_eq!(got, body);
        // The next preview is the supplement; an initial one is refused
        // as the send refuses it.
        let next = app
            .breaches()
            .preview_notice(req(&app.admin, ask("", "")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((next.phase.as_str(), next.sequence), ("supplement", 2));
        let e = app
            .breaches()
            .preview_notice(req(&app.admin, ask("initial", "")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        for (r, field) in [
            (
                pb::SendNoticeRequest {
                    notice_id: "nope".into(),
                    ..Default::default()
                },
                "notice_id:",
            ),
            (ask("final", ""), "phase:"),
        ] {
            let e = app
                .breaches()
                .preview_notice(req(&app.admin, r))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument);
            assert!(e.message().starts_with(field), "{}", e.message());
        }
        let e = app
            .breaches()
            .preview_notice(req(&app.admin, ask("", &"x".repeat(5000))))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        // Another notice id: not found; a controller may not preview at all.
        let e = app
            .breaches()
            .preview_notice(req(
                &app.admin,
                pb::SendNoticeRequest {
                    notice_id: uuid::Uuid::now_v7().to_string(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        let e = app
            .breaches()
            .preview_notice(req(&a_tok, ask("", "")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        assert_eq!(notice(&app, &app.admin, &n).await.unwrap().sends.len(), 1);
        app.stop().await;
    }
}

//! RequestService end to end: intake forwarded to the controller over a
//! real HTTPS receiver, the deadlines and a late extension, an access export
//! that holds exactly the subject's data (checksums, counts, both formats),
//! an erasure after which nothing finds the subject, a legal hold turning
//! erasure into a partial refusal, restriction refusing ordinary reads,
//! rectification, refusal, tenant isolation and bad input for every RPC.

use std::collections::HashMap;

use auth::Role;
use chrono::{DateTime, Duration, Utc};
use custodian_tests::split::deployments;
use custodian_tests::webhook::Receiver;
use custodian_tests::*;
use proto::v1 as pb;
use sha2::{Digest, Sha256};
use tonic::Code;

fn wire(t: DateTime<Utc>) -> String {
    proto::wire::timestamp(t)
}

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Stores a candidate for `tenant` as admin.
async fn put(app: &TestApp, tenant: &str, r: &str, name: &str, email: &str) -> pb::Candidate {
    let mut c = valid_candidate(r, name, email);
    c.tenant_id = tenant.into();
    app.vault()
        .put_candidate(req(&app.admin, c))
        .await
        .expect("put candidate")
        .into_inner()
}

/// A candidate read as admin with a purpose.
async fn read(
    app: &TestApp,
    id: &str,
    purpose: &str,
) -> Result<tonic::Response<pb::CandidateRecord>, tonic::Status> {
    app.vault()
        .get_candidate(req(
            &app.admin,
            pb::GetCandidateRequest {
                id: id.into(),
                purpose: purpose.into(),
            },
        ))
        .await
}

/// The manifest of an export.
fn manifest(out: &pb::FulfilResponse) -> serde_json::Value {
    serde_json::from_slice(
        &out.files
            .iter()
            .find(|f| f.name == "manifest.json")
            .unwrap()
            .content,
    )
    .unwrap()
}

fn create(controller: &str, kind: &str, email: &str) -> pb::CreateRequestRequest {
    pb::CreateRequestRequest {
        controller_id: controller.into(),
        r#type: kind.into(),
        channel: "controller_instruction".into(),
        received_at: wire(store::truncate_micros(Utc::now() - Duration::hours(1))),
        subject: Some(pb::SubjectIdentifiers {
            email: email.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn requests(
    app: &TestApp,
) -> pb::request_service_client::RequestServiceClient<tonic::transport::Channel> {
    app.requests().max_decoding_message_size(64 * 1024 * 1024)
}

async fn fulfil(app: &TestApp, token: &str, id: &str) -> pb::FulfilResponse {
    requests(app)
        .fulfil_request(req(
            token,
            pb::FulfilRequestRequest {
                id: id.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("fulfil")
        .into_inner()
}

#[tokio::test]
async fn processor_direct_requests_are_forwarded_and_the_access_export_is_exact() {
    // Both shapes: the monolith and the five-process split.
    for d in deployments() {
        let (db, app) = d.start().await;
        let rx = Receiver::start(db.dir.path(), &[]).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        app.set_webhook(&a.id, &format!("{}/hook", rx.base), &"s".repeat(40))
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        // The subject applied twice at A; another person at A; the same
        // address at B (another controller's data, never in A's export).
        let c1 = put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;
        let c2 = put(&app, &a.id, "A-2", "J. de Vries", "JAN@example.nl").await;
        put(&app, &a.id, "A-3", "Piet Jansen", "piet@example.nl").await;
        put(&app, &b.id, "B-1", "Jan de Vries", "jan@example.nl").await;

        let mut r = create(&a.id, "access", "jan@example.nl");
        r.channel = "processor_direct".into();
        r.description = "wants to know what is stored".into();
        let created = requests(&app)
            .create_request(req(&app.admin, r))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(created.status, "open");
        assert_eq!(created.identified_by, ["email"]);
        assert!(!created.forwarded_notification_id.is_empty());
        assert!(!created.subject_informed_at.is_empty());
        let d = created.deadline.clone().unwrap();
        assert_eq!(d.rule, "dsr.response");
        assert!(ts(&d.lenient) >= ts(&d.strict));
        // The forward reaches A's webhook with ids and references only.
        let rep = app.deliver(Some(&rx.ca_file)).await;
        assert_eq!(rep.delivered, 1, "{rep:?}");
        let got = rx.received();
        let body = String::from_utf8_lossy(&got[0].body).to_string();
        assert_eq!(got[0].headers["custodian-topic"], "dsr.forwarded");
        assert!(body.contains(&c1.id) && body.contains(&c2.id));
        assert!(
            !body.contains("jan@example.nl"),
            "no identifiers in the forward"
        );
        // Nothing of the address is stored in clear in the request.
        let conn = app.db().await;
        use store::sea_orm::EntityTrait;
        let stored = store::entities::dsr_requests::Entity::find_by_id(created.id.clone())
            .one(&conn)
            .await
            .unwrap()
            .unwrap();
        assert!(
            !format!("{stored:?}")
                .to_lowercase()
                .contains("jan@example.nl")
        );

        // Fulfilled by the controller itself: exactly its two candidates.
        let out = fulfil(&app, &a_tok, &created.id).await;
        let files: HashMap<&str, &pb::ExportFile> =
            out.files.iter().map(|f| (f.name.as_str(), f)).collect();
        let manifest: serde_json::Value =
            serde_json::from_slice(&files["manifest.json"].content).unwrap();
        assert_eq!(manifest["counts"]["candidates"], 2);
        assert_eq!(manifest["counts"]["documents"], 2);
        for f in manifest["files"].as_array().unwrap() {
            let file = files[f["name"].as_str().unwrap()];
            assert_eq!(f["sha256"], hex::encode(Sha256::digest(&file.content)));
            assert_eq!(file.sha256, f["sha256"].as_str().unwrap());
        }
        let json: serde_json::Value =
            serde_json::from_slice(&files["candidates.json"].content).unwrap();
        let mut ids: Vec<&str> = json["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["candidate"]["id"].as_str().unwrap())
            .collect();
        ids.sort();
        let mut want = vec![c1.id.as_str(), c2.id.as_str()];
        want.sort();
        assert_eq!(ids, want);
        let names: Vec<&str> = json["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["profile"]["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Jan de Vries") && names.contains(&"J. de Vries"));
        assert!(!String::from_utf8_lossy(&files["candidates.json"].content).contains("Piet"));
        let doc = files[format!("documents/{}/cv.pdf", c1.id).as_str()];
        assert_eq!(doc.content, b"CV of Jan de Vries: ten years of Rust");
        let csv = String::from_utf8(files["candidates.csv"].content.clone()).unwrap();
        assert_eq!(csv.trim_end().split("\r\n").count(), 3);
        let done = out.request.unwrap();
        assert_eq!(done.status, "answered");
        assert!(!done.late);
        let outcome: serde_json::Value = serde_json::from_str(&done.outcome).unwrap();
        assert_eq!(outcome["counts"]["candidates"], 2);
        assert!(!done.outcome.contains("Jan"));
        // Answered: the request leaves the obligations; it closes.
        let closed = requests(&app)
            .close_request(req(
                &a_tok,
                pb::CloseRequestRequest {
                    id: created.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(closed.status, "closed");
        let e = requests(&app)
            .fulfil_request(req(
                &a_tok,
                pb::FulfilRequestRequest {
                    id: created.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
    }
}

#[tokio::test]
async fn erasure_leaves_nothing_and_a_legal_hold_makes_it_a_partial_refusal() {
    // Both shapes: the monolith and the five-process split.
    for d in deployments() {
        let (_db, app) = d.start().await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let c1 = put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;
        let c2 = put(&app, &a.id, "A-2", "Jan de Vries", "jan@example.nl").await;
        let other = put(&app, &a.id, "A-3", "Piet Jansen", "piet@example.nl").await;
        app.vault()
            .place_legal_hold(req(
                &app.admin,
                pb::PlaceLegalHoldRequest {
                    id: c2.id.clone(),
                    reason: "discrimination complaint 2026-17".into(),
                },
            ))
            .await
            .unwrap();
        let r = requests(&app)
            .create_request(req(&app.admin, create(&a.id, "erasure", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let out = fulfil(&app, &app.admin, &r.id).await;
        assert_eq!(out.certificates.len(), 1);
        assert_eq!(out.certificates[0].candidate_id, c1.id);
        // The vault signed it (docs/evidence.md); it verifies with the
        // published key alone.
        let key = crate::evidence::published_keys(&app, &app.admin)
            .await
            .remove(0);
        let v = evidence::certificate::verify_deletion_certificate(
            &out.certificates[0].signed,
            std::slice::from_ref(&key),
        )
        .expect("a data-subject request's certificate is signed");
        assert_eq!(v.candidate_id, c1.id);
        // The request's audit trail, written by the requests and the vault
        // processes, is proven in the controller's audit tree, which the
        // vault keeps and signs.
        let trail = crate::evidence::audit_events(&app, &app.admin, &a.id).await;
        assert!(
            trail.iter().any(|e| e.action.starts_with("dsr.")),
            "{trail:?}"
        );
        let proof = app
            .vault()
            .get_audit_proof(req(
                &app.admin,
                pb::GetAuditProofRequest {
                    tenant_id: a.id.clone(),
                    seqs: trail.iter().map(|e| e.seq).collect(),
                    tree_size: 0,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let proven =
            evidence::audit::verify_audit_proof(&proof.proof_file, std::slice::from_ref(&key))
                .expect("the controller's audit events are proven");
        // The request's own certificate: every candidate the vault erased
        // for it (c1; not c2, which is held), signed by the vault, offline
        // by both verifiers.
        let rc = app
            .vault()
            .get_request_certificate(req(
                &app.admin,
                pb::GetRequestCertificateRequest {
                    request_id: r.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(rc.candidate_ids, vec![c1.id.clone()]);
        assert_eq!(rc.tenant_id, a.id);
        match evidence::certificate::verify_certificate(&rc.signed, std::slice::from_ref(&key))
            .expect("the request's certificate verifies")
        {
            evidence::certificate::VerifiedCertificate::RequestErasure(v) => {
                assert_eq!(v.request_id, r.id);
                assert_eq!(v.candidates, vec![c1.id.clone()]);
            }
            other => panic!("not a request certificate: {other}"),
        }
        let dir = tempfile::tempdir().unwrap();
        let f = crate::evidence::write(dir.path(), "request.json", &rc.signed);
        let (code, said) = crate::evidence::py(&["certificate", &f], &[key.text()]);
        assert_eq!(code, 0, "{said}");
        assert!(said.contains(&r.id), "{said}");
        if app.others.is_empty() {
            // custodianctl talks to one address: the monolith's.
            let by_ctl = ctl(
                &app,
                &app.admin,
                &["evidence", "request-certificate", &r.id],
            )
            .await;
            assert_eq!(by_ctl.code, 0, "{}", by_ctl.err);
            assert!(by_ctl.out.contains(&c1.id), "{}", by_ctl.out);
        }
        // Another controller's caller does not see it; bad input is named.
        let (stranger, _) = app
            .controller_with_agreement("Other B.V.", "87654321", None)
            .await;
        let other_tok = app.token(Role::Controller, Some(&stranger.id)).await;
        let e = app
            .vault()
            .get_request_certificate(req(
                &other_tok,
                pb::GetRequestCertificateRequest {
                    request_id: r.id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{e:?}");
        let e = app
            .vault()
            .get_request_certificate(req(
                &app.admin,
                pb::GetRequestCertificateRequest {
                    request_id: "DSR-".repeat(40),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        assert!(e.message().contains("request_id") && e.message().len() < 200);
        assert_eq!(proven.seqs.len(), trail.len());
        assert_eq!(
            proven.tree,
            evidence::audit::AuditTree::Tenant(a.id.clone())
        );
        assert_eq!(out.certificates[0].reason, "request");
        let done = out.request.unwrap();
        assert_eq!(done.status, "answered");
        assert!(
            done.refusal_reasons
                .contains("discrimination complaint 2026-17"),
            "{}",
            done.refusal_reasons
        );
        assert!(done.complaint_info.contains("Autoriteit Persoonsgegevens"));
        assert!(!done.judicial_remedy_info.is_empty());
        // Nothing reads, finds or exports the erased candidate.
        let e = read(&app, &c1.id, "check").await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        let found = app
            .vault()
            .find_candidates(req(
                &app.admin,
                pb::FindCandidatesRequest {
                    tenant_id: a.id.clone(),
                    email: "jan@example.nl".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let ids: Vec<&str> = found.candidates.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, [c2.id.as_str()], "only the held one remains");
        let access = requests(&app)
            .create_request(req(&app.admin, create(&a.id, "access", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let ex = fulfil(&app, &app.admin, &access.id).await;
        let json = &ex
            .files
            .iter()
            .find(|f| f.name == "candidates.json")
            .unwrap()
            .content;
        let s = String::from_utf8_lossy(json);
        assert!(!s.contains(&c1.id) && s.contains(&c2.id));
        // The certificate stays readable; the other subject is untouched.
        let cert = app
            .vault()
            .get_deletion_certificate(req(
                &app.admin,
                pb::GetDeletionCertificateRequest {
                    candidate_id: c1.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(cert.basis.contains(&r.id));
        read(&app, &other.id, "check").await.unwrap();
    }
}

#[tokio::test]
async fn restriction_refuses_ordinary_reads_and_rectification_corrects() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let c = put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;
        // Rectification first: the e-mail address was wrong.
        let mut rect = create(&a.id, "rectification", "");
        rect.subject = Some(pb::SubjectIdentifiers {
            candidate_ref: "A-1".into(),
            ..Default::default()
        });
        let rq = requests(&app)
            .create_request(req(&app.admin, rect))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(rq.identified_by, ["candidate_ref"]);
        let e = requests(&app)
            .fulfil_request(req(
                &app.admin,
                pb::FulfilRequestRequest {
                    id: rq.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert!(e.message().starts_with("corrections:"), "{}", e.message());
        let e = requests(&app)
            .fulfil_request(req(
                &app.admin,
                pb::FulfilRequestRequest {
                    id: rq.id.clone(),
                    corrections: Some(pb::CandidatePayload {
                        email: "not an address".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(
            e.message().starts_with("corrections.email:"),
            "{}",
            e.message()
        );
        let fixed = requests(&app)
            .fulfil_request(req(
                &app.admin,
                pb::FulfilRequestRequest {
                    id: rq.id.clone(),
                    corrections: Some(pb::CandidatePayload {
                        email: "jan@vries.nl".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(fixed.request.unwrap().outcome.contains("\"email\""));
        let rec = read(&app, &c.id, "check").await.unwrap().into_inner();
        let p = rec.payload.unwrap();
        assert_eq!(p.email, "jan@vries.nl");
        assert_eq!(p.name, "Jan de Vries");
        // The keyed index follows the corrected address.
        let found = app
            .vault()
            .find_candidates(req(
                &app.admin,
                pb::FindCandidatesRequest {
                    tenant_id: a.id.clone(),
                    email: "jan@vries.nl".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(found.candidates.len(), 1);

        // Restriction: ordinary reads refuse the candidate from then on.
        let rs = requests(&app)
            .create_request(req(
                &app.admin,
                create(&a.id, "restriction", "jan@vries.nl"),
            ))
            .await
            .unwrap()
            .into_inner();
        fulfil(&app, &app.admin, &rs.id).await;
        let e = read(&app, &c.id, "screening").await.unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(e.message().contains("art. 18"), "{}", e.message());
        let listed = app
            .vault()
            .list_candidates(req(
                &app.admin,
                pb::ListCandidatesRequest {
                    tenant_id: a.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(listed.candidates[0].restricted);
        // The subject's own access request still reads it.
        let access = requests(&app)
            .create_request(req(&app.admin, create(&a.id, "access", "jan@vries.nl")))
            .await
            .unwrap()
            .into_inner();
        let ex = fulfil(&app, &app.admin, &access.id).await;
        let m: serde_json::Value = manifest(&ex);
        assert_eq!(m["counts"]["candidates"], 1);
    }
}

#[tokio::test]
async fn deadlines_identity_extension_and_refusal() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let mut suspend = valid_terms();
        suspend.dsr_identity_suspension = "suspend".into();
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", Some(suspend))
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        // 5 March 2026: one month ends on Easter Sunday 5 April; Easter
        // Monday is a holiday, so the lenient reading runs to 7 April.
        let mut r = create(&a.id, "access", "jan@example.nl");
        r.received_at = "2026-03-05T10:00:00+01:00".into();
        let old = requests(&app)
            .create_request(req(&a_tok, r))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(old.suspension, "suspend");
        let resp = old.response.clone().unwrap();
        assert_eq!(ts(&resp.strict), ts("2026-04-06T00:00:00+02:00"));
        assert_eq!(ts(&resp.lenient), ts("2026-04-08T00:00:00+02:00"));
        let ext = old.extended_response.clone().unwrap();
        assert_eq!(ext.rule, "dsr.extended_response");
        // Too late to extend that one.
        let e = requests(&app)
            .extend_request(req(
                &a_tok,
                pb::ExtendRequestRequest {
                    id: old.id.clone(),
                    reasons: "many requests".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(e.message().contains("too late"), "{}", e.message());

        // A fresh one: identity asked, then received, moves the deadline
        // under the controller's suspend mode.
        let fresh = requests(&app)
            .create_request(req(&a_tok, create(&a.id, "access", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let before = ts(&fresh.deadline.clone().unwrap().strict);
        let asked = requests(&app)
            .record_identity_check(req(
                &a_tok,
                pb::RecordIdentityCheckRequest {
                    id: fresh.id.clone(),
                    step: "asked".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(asked.status, "awaiting_identity");
        let e = requests(&app)
            .fulfil_request(req(
                &a_tok,
                pb::FulfilRequestRequest {
                    id: fresh.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            Code::FailedPrecondition,
            "not while identity is awaited"
        );
        let got = requests(&app)
            .record_identity_check(req(
                &a_tok,
                pb::RecordIdentityCheckRequest {
                    id: fresh.id.clone(),
                    step: "received".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got.status, "open");
        assert!(ts(&got.deadline.clone().unwrap().strict) >= before);
        // In time: extended once, with reasons; the deadline in force moves.
        let ext = requests(&app)
            .extend_request(req(
                &a_tok,
                pb::ExtendRequestRequest {
                    id: fresh.id.clone(),
                    reasons: "the subject's data spans 40 applications".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ext.deadline.clone().unwrap().rule, "dsr.extended_response");
        let again = requests(&app)
            .extend_request(req(
                &a_tok,
                pb::ExtendRequestRequest {
                    id: fresh.id.clone(),
                    reasons: "more".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(again.code(), Code::FailedPrecondition);
        // Both open requests are in the obligations, the extended one on its new rule.
        let obligations = app
            .deadlines()
            .list_obligations(req(
                &a_tok,
                pb::ListObligationsRequest {
                    service: "requests".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .obligations;
        assert_eq!(obligations.len(), 2, "{obligations:?}");
        let old_o = obligations.iter().find(|o| o.object_id == old.id).unwrap();
        assert!(old_o.overdue);
        assert_eq!(old_o.rule, "dsr.response");
        let fresh_o = obligations
            .iter()
            .find(|o| o.object_id == fresh.id)
            .unwrap();
        assert_eq!(fresh_o.rule, "dsr.extended_response");
        assert!(!fresh_o.overdue);
        // Refusal of the old one: reasons and the art. 12(4) information.
        let refused = requests(&app)
            .refuse_request(req(
                &a_tok,
                pb::RefuseRequestRequest {
                    id: old.id.clone(),
                    reasons: "manifestly unfounded: the fifth identical request this month".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(refused.status, "refused");
        assert!(refused.late, "refused after the deadline");
        assert!(refused.complaint_info.contains("art. 77"));
        assert!(refused.judicial_remedy_info.contains("art. 79"));
    }
}

#[tokio::test]
async fn tenant_isolation_and_bad_input() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;
        let ra = requests(&app)
            .create_request(req(&app.admin, create(&a.id, "access", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let mut c = requests(&app);
        // Another tenant's request is not found, whatever the call.
        let id = || ra.id.clone();
        for e in [
            c.get_request(req(&b_tok, pb::GetRequestRequest { id: id() }))
                .await
                .unwrap_err(),
            c.record_identity_check(req(
                &b_tok,
                pb::RecordIdentityCheckRequest {
                    id: id(),
                    step: "asked".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
            c.extend_request(req(
                &b_tok,
                pb::ExtendRequestRequest {
                    id: id(),
                    reasons: "x".into(),
                },
            ))
            .await
            .unwrap_err(),
            c.fulfil_request(req(
                &b_tok,
                pb::FulfilRequestRequest {
                    id: id(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
            c.refuse_request(req(
                &b_tok,
                pb::RefuseRequestRequest {
                    id: id(),
                    reasons: "x".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err(),
            c.close_request(req(&b_tok, pb::CloseRequestRequest { id: id() }))
                .await
                .unwrap_err(),
        ] {
            assert_eq!(e.code(), Code::NotFound, "{e:?}");
        }
        let listed = c
            .list_requests(req(
                &b_tok,
                pb::ListRequestsRequest {
                    controller_id: a.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(listed.requests.is_empty());
        // B files for itself only (A does not exist for it: NOT_FOUND, as
        // every service answers a write naming another tenant), and its
        // search never reaches A's candidates.
        let e = c
            .create_request(req(&b_tok, create(&a.id, "access", "jan@example.nl")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::NotFound, "{}", e.message());
        let rb = c
            .create_request(req(&b_tok, create("", "access", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let ex = fulfil(&app, &b_tok, &rb.id).await;
        let m: serde_json::Value = manifest(&ex);
        assert_eq!(m["counts"]["candidates"], 0);

        // Bad input names the field and writes nothing.
        let future = wire(Utc::now() + Duration::days(1));
        let bad = |f: &dyn Fn(&mut pb::CreateRequestRequest)| {
            let mut r = create(&a.id, "access", "jan@example.nl");
            f(&mut r);
            r
        };
        for (r, field) in [
            (bad(&|r| r.controller_id = String::new()), "controller_id"),
            (bad(&|r| r.controller_id = "x".into()), "controller_id"),
            (
                bad(&|r| r.controller_id = "0190f5d0-0000-7000-8000-0000000000ff".into()),
                "controller_id",
            ),
            (bad(&|r| r.r#type = "forget".into()), "type"),
            (bad(&|r| r.channel = "email".into()), "channel"),
            (bad(&|r| r.received_at = future.clone()), "received_at"),
            (bad(&|r| r.received_at = "monday".into()), "received_at"),
            (bad(&|r| r.subject = None), "subject"),
            (
                bad(&|r| {
                    r.subject = Some(pb::SubjectIdentifiers {
                        email: "nope".into(),
                        ..Default::default()
                    })
                }),
                "subject.email",
            ),
            (
                bad(&|r| r.subject_informed_at = wire(Utc::now())),
                "subject_informed_at",
            ),
        ] {
            let e = c.create_request(req(&app.admin, r)).await.unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
            assert!(
                e.message().starts_with(&format!("{field}:")),
                "{field}: {}",
                e.message()
            );
        }
        for (e, field) in [
            (
                c.get_request(req(&app.admin, pb::GetRequestRequest { id: "1".into() }))
                    .await
                    .unwrap_err(),
                "id",
            ),
            (
                c.list_requests(req(
                    &app.admin,
                    pb::ListRequestsRequest {
                        status: "pending".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_err(),
                "status",
            ),
            (
                c.record_identity_check(req(
                    &app.admin,
                    pb::RecordIdentityCheckRequest {
                        id: id(),
                        step: "verified".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_err(),
                "step",
            ),
            (
                c.record_identity_check(req(
                    &app.admin,
                    pb::RecordIdentityCheckRequest {
                        id: id(),
                        step: "asked".into(),
                        at: future.clone(),
                    },
                ))
                .await
                .unwrap_err(),
                "at",
            ),
            (
                c.extend_request(req(
                    &app.admin,
                    pb::ExtendRequestRequest {
                        id: id(),
                        reasons: " ".into(),
                    },
                ))
                .await
                .unwrap_err(),
                "reasons",
            ),
            (
                c.fulfil_request(req(
                    &app.admin,
                    pb::FulfilRequestRequest {
                        id: id(),
                        corrections: Some(pb::CandidatePayload::default()),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_err(),
                "corrections",
            ),
            (
                c.refuse_request(req(
                    &app.admin,
                    pb::RefuseRequestRequest {
                        id: id(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_err(),
                "reasons",
            ),
            (
                c.close_request(req(&app.admin, pb::CloseRequestRequest { id: "z".into() }))
                    .await
                    .unwrap_err(),
                "id",
            ),
        ] {
            assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
            assert!(
                e.message().starts_with(&format!("{field}:")),
                "{field}: {}",
                e.message()
            );
        }
        let all = c
            .list_requests(req(&app.admin, pb::ListRequestsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .requests;
        assert_eq!(all.len(), 2, "A's and B's, nothing else");
        let mine = all.iter().find(|r| r.id == ra.id).unwrap();
        assert_eq!(mine.status, "open");
        assert!(mine.identity_requested_at.is_empty() && mine.extended_at.is_empty());
        // An auditor reads but does not act.
        let auditor = app.token(Role::Auditor, None).await;
        let e = c
            .close_request(req(&auditor, pb::CloseRequestRequest { id: id() }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
    }
}

/// legal-rules.md B7: the share of requests extended per controller and
/// quarter, over gRPC and custodianctl; a controller sees only its own; a
/// request received in an earlier quarter counts there; bad quarters are
/// named.
#[tokio::test]
async fn the_share_of_extended_requests_per_controller_and_quarter() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let auditor = app.token(Role::Auditor, None).await;
        let mut ids = Vec::new();
        for (tok, ctl, n) in [(&a_tok, &a.id, 4), (&b_tok, &b.id, 1)] {
            for i in 0..n {
                let r = requests(&app)
                    .create_request(req(tok, create(ctl, "access", &format!("s{i}@example.nl"))))
                    .await
                    .unwrap()
                    .into_inner();
                ids.push((tok.clone(), r.id));
            }
        }
        // A extends one of four, B its only one.
        for (tok, id) in [&ids[0], &ids[4]] {
            requests(&app)
                .extend_request(req(
                    tok,
                    pb::ExtendRequestRequest {
                        id: id.clone(),
                        reasons: "the subject's data spans many applications".into(),
                    },
                ))
                .await
                .unwrap();
        }
        // One of A's requests was received in an earlier quarter.
        let earlier = Utc::now() - Duration::days(100);
        {
            let conn = app.db().await;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            use store::entities::dsr_requests as tbl;
            tbl::Entity::update_many()
                .col_expr(
                    tbl::Column::ReceivedAt,
                    sea_orm::sea_query::Expr::value(earlier),
                )
                .filter(tbl::Column::Id.eq(&ids[3].1))
                .exec(&conn)
                .await
                .unwrap();
        }
        let quarter_of = |t: DateTime<Utc>| {
            let d = legal_time::period::local_date(t);
            format!(
                "{}-Q{}",
                chrono::Datelike::year(&d),
                chrono::Datelike::month0(&d) / 3 + 1
            )
        };
        let now_q = quarter_of(Utc::now());
        let then_q = quarter_of(earlier);
        let stats = |tok: &str, controller: &str| {
            let tok = tok.to_owned();
            let controller = controller.to_owned();
            let app = &app;
            async move {
                requests(app)
                    .get_extension_stats(req(
                        &tok,
                        pb::GetExtensionStatsRequest {
                            controller_id: controller,
                            ..Default::default()
                        },
                    ))
                    .await
                    .map(|r| r.into_inner())
            }
        };
        let all = stats(&app.admin, "").await.unwrap();
        assert_eq!(all.to_quarter, now_q);
        assert!(all.note.contains("EDPB Guidelines 01/2022"));
        let rows: Vec<(String, String, u64, u64, f64)> = all
            .stats
            .iter()
            .map(|s| {
                (
                    s.controller_id.clone(),
                    s.quarter.clone(),
                    s.requests,
                    s.extended,
                    s.share,
                )
            })
            .collect();
        let mut expect = vec![
            (a.id.clone(), then_q.clone(), 1, 0, 0.0),
            (a.id.clone(), now_q.clone(), 3, 1, 1.0 / 3.0),
            (b.id.clone(), now_q.clone(), 1, 1, 1.0),
        ];
        expect.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
        assert_eq!(rows, expect);
        // A controller sees its own only; naming another is empty.
        let own = stats(&a_tok, "").await.unwrap();
        assert!(own.stats.iter().all(|s| s.controller_id == a.id));
        assert_eq!(own.stats.len(), 2);
        assert!(stats(&a_tok, &b.id).await.unwrap().stats.is_empty());
        assert_eq!(stats(&auditor, &b.id).await.unwrap().stats.len(), 1);
        // Bad input names the field.
        for (r, field) in [
            (
                pb::GetExtensionStatsRequest {
                    from_quarter: "2026-Q5".into(),
                    ..Default::default()
                },
                "from_quarter:",
            ),
            (
                pb::GetExtensionStatsRequest {
                    from_quarter: "2026-Q4".into(),
                    to_quarter: "2026-Q1".into(),
                    ..Default::default()
                },
                "from_quarter:",
            ),
            (
                pb::GetExtensionStatsRequest {
                    controller_id: "nope".into(),
                    ..Default::default()
                },
                "controller_id:",
            ),
        ] {
            let e = requests(&app)
                .get_extension_stats(req(&app.admin, r))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument);
            assert!(e.message().starts_with(field), "{e:?}");
        }
        // The same through custodianctl.
        let out = ctl_json(&app, &a_tok, &["requests", "extension-stats"]).await;
        let now_row = out["stats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["quarter"] == now_q.as_str())
            .unwrap()
            .clone();
        assert_eq!(
            (now_row["requests"].as_u64(), now_row["extended"].as_u64()),
            (Some(3), Some(1))
        );
        app.stop().await;
    }
}

/// An erasure whose first attempt stopped halfway (the vault erased some of
/// the subject's candidates, then the attempt failed, as when the vault is
/// killed mid-fulfilment) and was fulfilled again: the request's record
/// lists every candidate erased for it over both attempts, as its signed
/// certificate does, not only the second attempt's.
#[tokio::test]
async fn the_request_record_lists_every_erasure_across_attempts() {
    for d in deployments() {
        let (_db, app) = d.start().await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let mut ids = Vec::new();
        for i in 1..=4 {
            let c = put(
                &app,
                &a.id,
                &format!("A-{i}"),
                "Jan de Vries",
                "jan@example.nl",
            )
            .await;
            ids.push(c.id);
        }
        let r = requests(&app)
            .create_request(req(&app.admin, create(&a.id, "erasure", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        // The first attempt: the vault erased two candidates for the request,
        // then the attempt ended before the request recorded its answer.
        let peer = app.token(Role::Peer, None).await;
        for id in &ids[..2] {
            let mut call = req(
                &peer,
                proto::internal::v1::CandidateForRequest {
                    tenant_id: a.id.clone(),
                    candidate_id: id.clone(),
                    request_id: r.id.clone(),
                },
            );
            call.metadata_mut().insert(
                auth::SCOPE_HEADER,
                format!("tenant:{}", a.id).parse().unwrap(),
            );
            app.vault_peer()
                .erase_for_request(call)
                .await
                .expect("erased");
        }
        let still = requests(&app)
            .get_request(req(&app.admin, pb::GetRequestRequest { id: r.id.clone() }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(still.status, "open");

        // The second attempt erases the two left ...
        let out = fulfil(&app, &app.admin, &r.id).await;
        assert_eq!(out.certificates.len(), 2, "this attempt's certificates");
        // ... and the record lists all four, in ledger order.
        let done = out.request.unwrap();
        assert_eq!(done.status, "answered");
        let outcome: serde_json::Value = serde_json::from_str(&done.outcome).unwrap();
        let mut recorded: Vec<String> = outcome["erased"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["candidate_id"].as_str().unwrap().to_owned())
            .collect();
        let seqs: Vec<u64> = outcome["erased"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["ledger_seq"].as_u64().unwrap())
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        let rc = app
            .vault()
            .get_request_certificate(req(
                &app.admin,
                pb::GetRequestCertificateRequest {
                    request_id: r.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            recorded, rc.candidate_ids,
            "the record and the certificate agree"
        );
        recorded.sort();
        let mut all = ids.clone();
        all.sort();
        assert_eq!(recorded, all, "{d:?}: every erasure of both attempts");
        app.stop().await;
    }
}

/// VaultPeer.ErasedForRequest keeps to the scope the peer acts in: another
/// tenant is NOT_FOUND, a malformed request id INVALID_ARGUMENT naming it.
#[tokio::test]
async fn erased_for_request_validates_and_keeps_to_its_scope() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let app = spawn_app(&db).await;
    let a = app.create_controller("Alpha B.V.", "11111111").await;
    let b = app.create_controller("Beta B.V.", "22222222").await;
    let peer = app.token(Role::Peer, None).await;
    let call = |tenant: &str, scope: &str, request_id: &str| {
        let mut r = req(
            &peer,
            proto::internal::v1::ErasedForRequestRequest {
                tenant_id: tenant.into(),
                request_id: request_id.into(),
            },
        );
        r.metadata_mut()
            .insert(auth::SCOPE_HEADER, scope.parse().unwrap());
        r
    };
    let rid = uuid::Uuid::now_v7().to_string();
    let ok = app
        .vault_peer()
        .erased_for_request(call(&a.id, &format!("tenant:{}", a.id), &rid))
        .await
        .expect("nothing erased yet")
        .into_inner();
    assert!(ok.erased.is_empty());
    let e = app
        .vault_peer()
        .erased_for_request(call(&b.id, &format!("tenant:{}", a.id), &rid))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "{e:?}");
    let e = app
        .vault_peer()
        .erased_for_request(call(&a.id, &format!("tenant:{}", a.id), "not an id"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("request_id"), "{}", e.message());
    app.stop().await;
}

/// The queue is searched by the subject's e-mail address (the controller's
/// keyed hash: requests keep no address) and by the start of the candidate
/// reference; a processor-wide search by address names its controller;
/// bad input names its field; another tenant's requests are never found.
#[tokio::test]
async fn the_queue_is_searched_by_subject_address_and_candidate_reference() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let mut c = requests(&app);
        let mut with_ref = create(&a.id, "access", "jan@example.nl");
        with_ref.subject.as_mut().unwrap().candidate_ref = "ats_17".into();
        let jan = c
            .create_request(req(&app.admin, with_ref))
            .await
            .unwrap()
            .into_inner();
        let piet = c
            .create_request(req(&app.admin, create(&a.id, "erasure", "piet@example.nl")))
            .await
            .unwrap()
            .into_inner();
        // The same address at B: another controller's key, another hash.
        let b_jan = c
            .create_request(req(&app.admin, create(&b.id, "access", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let search = |token: &str, controller: &str, email: &str, reference: &str| {
            let mut c = requests(&app);
            let r = req(
                token,
                pb::ListRequestsRequest {
                    controller_id: controller.into(),
                    subject_email: email.into(),
                    candidate_ref: reference.into(),
                    ..Default::default()
                },
            );
            async move { c.list_requests(r).await }
        };
        let ids = |r: pb::ListRequestsResponse| -> Vec<String> {
            r.requests.into_iter().map(|r| r.id).collect()
        };
        // Case and spaces do not matter; the address is never stored.
        let got = search(&a_tok, "", " JAN@example.nl ", "")
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ids(got), [jan.id.as_str()]);
        let got = search(&app.admin, &a.id, "piet@example.nl", "")
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ids(got), [piet.id.as_str()]);
        let got = search(&app.admin, &b.id, "jan@example.nl", "")
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ids(got), [b_jan.id.as_str()]);
        // The reference's start; "_" is a character, not a wildcard.
        let got = search(&a_tok, "", "", "ats_").await.unwrap().into_inner();
        assert_eq!(ids(got), [jan.id.as_str()]);
        assert!(
            search(&a_tok, "", "", "ats%")
                .await
                .unwrap()
                .into_inner()
                .requests
                .is_empty()
        );
        // B's token never finds A's requests.
        let got = search(&b_tok, "", "piet@example.nl", "")
            .await
            .unwrap()
            .into_inner();
        assert!(got.requests.is_empty());
        let got = search(&b_tok, "", "", "ats").await.unwrap().into_inner();
        assert!(got.requests.is_empty());
        // Naming A's id does not widen B's scope: A does not exist for B,
        // so the list is empty (the one list rule, `Scope::listing`), and
        // B's own request is found without it.
        let got = search(&b_tok, &a.id, "jan@example.nl", "")
            .await
            .unwrap()
            .into_inner();
        assert!(got.requests.is_empty());
        let got = search(&b_tok, "", "jan@example.nl", "")
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ids(got), [b_jan.id.as_str()]);
        // Bad input names the field.
        for (token, controller, email, reference, field) in [
            (&app.admin, "", "jan@example.nl", "", "subject_email:"),
            (&a_tok, "", "not-an-address", "", "subject_email:"),
            (&a_tok, "", "", "bad\u{7}", "candidate_ref:"),
        ] {
            let e = search(token, controller, email, reference)
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
            assert!(e.message().starts_with(field), "{}", e.message());
        }
        app.stop().await;
    }
}

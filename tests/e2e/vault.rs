use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

struct Tenant {
    id: String,
    service: String,
    controller: String,
}

async fn tenant(app: &TestApp, name: &str, kvk: &str) -> Tenant {
    let c = app.create_controller(name, kvk).await;
    Tenant {
        service: app.token(Role::Service, Some(&c.id)).await,
        controller: app.token(Role::Controller, Some(&c.id)).await,
        id: c.id,
    }
}

fn get(id: &str) -> pb::GetCandidateRequest {
    pb::GetCandidateRequest {
        id: id.into(),
        purpose: "screening for vacancy vac-2026-001".into(),
    }
}

#[tokio::test]
async fn candidate_lifecycle_from_put_to_certificate() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = tenant(&app, "Alpha B.V.", "11111111").await;
        let mut v = app.vault();

        let c = v
            .put_candidate(req(
                &a.service,
                valid_candidate("ats-1", "Jan Jansen", "jan@example.nl"),
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(c.tenant_id, a.id);
        assert_eq!(c.status, "open");
        assert!(
            c.delete_after.is_empty(),
            "no retention runs while the procedure is open"
        );
        assert!(c.has_cv);

        // Decrypts exactly what was stored, for a stated purpose.
        let rec = v
            .get_candidate(req(&a.service, get(&c.id)))
            .await
            .unwrap()
            .into_inner();
        let p = rec.payload.unwrap();
        assert_eq!(p.name, "Jan Jansen");
        assert_eq!(p.email, "jan@example.nl");
        assert_eq!(p.cv, b"CV of Jan Jansen: ten years of Rust");
        assert_eq!(
            p.custom_fields.get("source").map(String::as_str),
            Some("linkedin")
        );

        // Found by normalised e-mail and phone, never by stored plaintext.
        for (email, phone) in [("JAN@example.nl ", ""), ("", "+31 6 12345678")] {
            let found = v
                .find_candidates(req(
                    &a.service,
                    pb::FindCandidatesRequest {
                        tenant_id: String::new(),
                        email: email.into(),
                        phone: phone.into(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(
                found
                    .candidates
                    .iter()
                    .map(|c| c.id.clone())
                    .collect::<Vec<_>>(),
                vec![c.id.clone()]
            );
        }

        // Update the payload: the old e-mail no longer finds it, the new one does.
        let mut upd = valid_candidate("ats-1", "Jan Jansen", "jan.jansen@example.nl").payload;
        upd.as_mut().unwrap().cv = Vec::new();
        upd.as_mut().unwrap().cv_filename = String::new();
        v.update_candidate(req(
            &a.service,
            pb::UpdateCandidateRequest {
                id: c.id.clone(),
                payload: upd,
                ..Default::default()
            },
        ))
        .await
        .unwrap();
        let old = v
            .find_candidates(req(
                &a.service,
                pb::FindCandidatesRequest {
                    email: "jan@example.nl".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(old.candidates.is_empty());
        let rec = v
            .get_candidate(req(&a.service, get(&c.id)))
            .await
            .unwrap()
            .into_inner();
        assert!(rec.payload.unwrap().cv.is_empty());
        assert!(!rec.candidate.unwrap().has_cv);

        // Close, consent, withdraw: delete_after follows every input.
        let closed_on = day(-10);
        let closed = v
            .close_procedure(req(
                &a.service,
                pb::CloseProcedureRequest {
                    id: c.id.clone(),
                    outcome: "rejected".into(),
                    closed_on: closed_on.to_string(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            closed.delete_after,
            end_of(closed_on + chrono::Duration::days(28)),
            "4 weeks, then Amsterdam midnight"
        );
        assert!(
            closed.retention_basis.starts_with("retention.applicant"),
            "{}",
            closed.retention_basis
        );
        let pool = v
            .record_consent(req(
                &a.service,
                pb::RecordConsentRequest {
                    id: c.id.clone(),
                    given_on: closed_on.to_string(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            pool.delete_after,
            end_of(legal_time::period::add_months(closed_on, 12).date)
        );
        let wd = v
            .withdraw_consent(req(
                &a.service,
                pb::WithdrawConsentRequest {
                    id: c.id.clone(),
                    withdrawn_on: day(0).to_string(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            wd.delete_after,
            end_of(day(0)),
            "deleted at the end of the day consent was withdrawn"
        );

        // A hold blocks erasure; releasing it allows it.
        let held = v
            .place_legal_hold(req(
                &a.controller,
                pb::PlaceLegalHoldRequest {
                    id: c.id.clone(),
                    reason: "discrimination complaint 2026-17".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(held.legal_hold);
        let e = v
            .erase_candidate(req(
                &a.controller,
                pb::EraseCandidateRequest {
                    id: c.id.clone(),
                    reason: "request".into(),
                    reference: "DSR-1".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        v.release_legal_hold(req(
            &a.controller,
            pb::ReleaseLegalHoldRequest {
                id: c.id.clone(),
                reason: "complaint settled".into(),
            },
        ))
        .await
        .unwrap();

        let cert = v
            .erase_candidate(req(
                &a.controller,
                pb::EraseCandidateRequest {
                    id: c.id.clone(),
                    reason: "request".into(),
                    reference: "DSR-1".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(cert.candidate_id, c.id);
        assert_eq!(cert.reason, "request");
        assert_eq!(cert.external_ref, "ats-1");
        assert_eq!(cert.ledger_hash.len(), 64);
        assert!(cert.basis.contains("DSR-1"));

        // Gone for every read; the certificate stays.
        assert_eq!(
            v.get_candidate(req(&a.service, get(&c.id)))
                .await
                .unwrap_err()
                .code(),
            Code::NotFound
        );
        let list = v
            .list_candidates(req(&a.service, Default::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(list.candidates.is_empty());
        let again = v
            .get_deletion_certificate(req(
                &a.controller,
                pb::GetDeletionCertificateRequest {
                    candidate_id: c.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(again, cert);
        let conn = app.db().await;
        assert_eq!(audit::verify(&conn).await.unwrap().broken, None);
        app.stop().await;
    }
}

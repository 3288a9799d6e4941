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

/// Candidates found by the start of their reference (a search box), with
/// the total; deletion certificates listed newest first by reference and
/// Amsterdam erasure day, paged with a total; bad input names its field
/// and another tenant's are never listed.
#[tokio::test]
async fn candidates_by_reference_and_certificates_by_day() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = tenant(&app, "Alpha B.V.", "11111111").await;
        let b = tenant(&app, "Beta B.V.", "22222222").await;
        let mut v = app.vault();
        let mut ids = Vec::new();
        for r in ["ats-1", "ats-2", "ats-10", "other_1", "other-1"] {
            ids.push(
                v.put_candidate(req(&a.service, valid_candidate(r, "Jan", "jan@example.nl")))
                    .await
                    .unwrap()
                    .into_inner()
                    .id,
            );
        }
        v.put_candidate(req(
            &b.service,
            valid_candidate("ats-9", "Bo", "bo@example.nl"),
        ))
        .await
        .unwrap();
        let list = |token: &str, prefix: &str| {
            let mut v = app.vault();
            let (token, prefix) = (token.to_owned(), prefix.to_owned());
            async move {
                v.list_candidates(req(
                    &token,
                    pb::ListCandidatesRequest {
                        ref_prefix: prefix,
                        count_total: true,
                        ..Default::default()
                    },
                ))
                .await
            }
        };
        let refs = |r: &pb::ListCandidatesResponse| {
            let mut v: Vec<String> = r
                .candidates
                .iter()
                .map(|c| c.external_ref.clone())
                .collect();
            v.sort();
            v
        };
        let ats = list(&a.controller, "ats-").await.unwrap().into_inner();
        assert_eq!(refs(&ats), ["ats-1", "ats-10", "ats-2"]);
        assert_eq!(ats.total, Some(3));
        // LIKE's wildcards are literal characters in a prefix ("_" would
        // match "other-1" too).
        let under = list(&a.controller, "other_").await.unwrap().into_inner();
        assert_eq!(refs(&under), ["other_1"]);
        assert!(
            list(&a.controller, "%")
                .await
                .unwrap()
                .into_inner()
                .candidates
                .is_empty()
        );
        // Another tenant's candidates are not found by their reference.
        let theirs = list(&a.controller, "ats-9").await.unwrap().into_inner();
        assert_eq!((theirs.candidates.len(), theirs.total), (0, Some(0)));
        let e = list(&a.controller, "bad\u{7}").await.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("ref_prefix:"), "{}", e.message());

        // Three erasures; the certificates newest first.
        for id in &ids[..3] {
            v.erase_candidate(req(
                &a.controller,
                pb::EraseCandidateRequest {
                    id: id.clone(),
                    reason: "request".into(),
                    reference: "DSR-1".into(),
                },
            ))
            .await
            .unwrap();
        }
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .date_naive();
        let certs = |token: &str, r: pb::ListDeletionCertificatesRequest| {
            let mut v = app.vault();
            let token = token.to_owned();
            async move { v.list_deletion_certificates(req(&token, r)).await }
        };
        let page1 = certs(
            &a.controller,
            pb::ListDeletionCertificatesRequest {
                page: Some(pb::PageRequest {
                    page_size: 2,
                    page_token: String::new(),
                }),
                erased_from: today.to_string(),
                erased_to: today.to_string(),
                count_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner();
        assert_eq!(page1.total, Some(3));
        assert_eq!(page1.certificates.len(), 2);
        assert!(page1.certificates.iter().all(|c| c.signed.is_empty()));
        let page2 = certs(
            &a.controller,
            pb::ListDeletionCertificatesRequest {
                page: Some(pb::PageRequest {
                    page_size: 2,
                    page_token: page1.next_page_token.clone(),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner();
        assert_eq!(page2.certificates.len(), 1);
        assert!(page2.next_page_token.is_empty());
        let all: Vec<_> = page1
            .certificates
            .iter()
            .chain(&page2.certificates)
            .collect();
        assert!(
            all.windows(2)
                .all(|w| (w[0].shredded_at.as_str(), w[0].candidate_id.as_str())
                    >= (w[1].shredded_at.as_str(), w[1].candidate_id.as_str())),
            "newest first"
        );
        let mut erased: Vec<&str> = all.iter().map(|c| c.external_ref.as_str()).collect();
        erased.sort_unstable();
        assert_eq!(erased, ["ats-1", "ats-10", "ats-2"]);
        let one = certs(
            &a.controller,
            pb::ListDeletionCertificatesRequest {
                ref_prefix: "ats-1".into(),
                count_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner();
        assert_eq!(one.total, Some(2), "ats-1 and ats-10");
        let yesterday = today - chrono::Duration::days(1);
        let none = certs(
            &a.controller,
            pb::ListDeletionCertificatesRequest {
                erased_to: yesterday.to_string(),
                count_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner();
        assert_eq!(none.total, Some(0));
        // Another tenant: its own (none), and A's tenant id is not found.
        let theirs = certs(&b.controller, Default::default())
            .await
            .unwrap()
            .into_inner();
        assert!(theirs.certificates.is_empty());
        let e = certs(
            &b.controller,
            pb::ListDeletionCertificatesRequest {
                tenant_id: a.id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        // The processor's admin names the tenant.
        let admin = certs(
            &app.admin,
            pb::ListDeletionCertificatesRequest {
                tenant_id: a.id.clone(),
                count_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner();
        assert_eq!(admin.total, Some(3));
        // Bad input names the field; nothing else happens.
        for (r, field) in [
            (
                pb::ListDeletionCertificatesRequest {
                    erased_from: "7 dec".into(),
                    ..Default::default()
                },
                "erased_from:",
            ),
            (
                pb::ListDeletionCertificatesRequest {
                    erased_from: today.to_string(),
                    erased_to: yesterday.to_string(),
                    ..Default::default()
                },
                "erased_from:",
            ),
            (
                pb::ListDeletionCertificatesRequest {
                    page: Some(pb::PageRequest {
                        page_size: 2,
                        page_token: "soon,x".into(),
                    }),
                    ..Default::default()
                },
                "page.page_token:",
            ),
        ] {
            let e = certs(&a.controller, r).await.unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument);
            assert!(e.message().starts_with(field), "{}", e.message());
        }
        let e = certs(&app.admin, Default::default()).await.unwrap_err();
        assert_eq!(
            e.code(),
            Code::InvalidArgument,
            "the admin must name a tenant"
        );
        app.stop().await;
    }
}
